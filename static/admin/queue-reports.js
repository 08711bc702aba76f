// Readers' notices (DSA art. 16) on a reported comment: each open one with
// its category, law and explanation, and a form to resolve it (action
// taken or no action, with a reason; POST /moderation/notices/{id}/resolve,
// with the session's CSRF token like every other action). The notifier's
// name and address are shown to moderators only.

import { api } from './api.js';
import { el, formError } from './util.js';
import { explain } from './queue-store.js';
import { notify } from './queue-notices.js';

/** Wires the notices of an item's node (see onBuild). */
export function wireReports(node, item) {
  if (!(item.flag_count > 0)) return;
  const box = node.querySelector('.notices');
  api('GET', `/moderation/comments/${item.id}/notices`)
    .then(({ notices }) => show(box, notices.filter((n) => !n.resolved_at)))
    .catch(() => {});
}

function show(box, open) {
  box.replaceChildren(...open.map(notice));
  box.hidden = !open.length;
}

function notice(n) {
  const category = n.category === 'illegal' ? 'Breaks the law' : 'Breaks the comment policy';
  const by = n.notifier_name || n.notifier_email
    ? `from ${[n.notifier_name, n.notifier_email].filter(Boolean).join(', ')}`
    : 'anonymous';
  const form = el('form', { class: 'resolve' },
    el('label', { class: 'inline' }, el('input', { type: 'radio', name: 'outcome', value: 'action_taken' }), ' action taken'),
    el('label', { class: 'inline' }, el('input', { type: 'radio', name: 'outcome', value: 'no_action', checked: true }), ' no action'),
    el('label', {}, 'Reason (logged, and told to the notifier) ',
      el('input', { type: 'text', name: 'reason', maxlength: 2000, required: true, autocomplete: 'off' })),
    el('button', { type: 'submit' }, 'Resolve notice'),
    el('p', { class: 'form-error', role: 'alert' }));
  const li = el('li', { class: 'notice', 'data-notice': n.id },
    el('p', {}, el('strong', { class: 'notice-category', text: category }),
      n.law ? ` (law: ${n.law})` : '', ` · notice ${n.id}, ${by}`),
    el('blockquote', { class: 'notice-explanation', text: n.explanation }),
    form);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const reason = form.elements.reason.value.trim();
    if (!reason) {
      formError(form, 'Give a reason.');
      return;
    }
    try {
      await api('POST', `/moderation/notices/${n.id}/resolve`, { outcome: form.elements.outcome.value, reason });
    } catch (err) {
      formError(form, `Not resolved: ${explain(err)}`);
      return;
    }
    li.replaceChildren(el('p', { class: 'notice-done', text: `Notice ${n.id} resolved: ${form.elements.outcome.value.replace('_', ' ')}.` }));
    notify(`Notice ${n.id} resolved.`);
  });
  return li;
}
