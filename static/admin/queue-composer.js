// Official replies (c): the composer on an item, with the server's
// preview as one types; on a pending comment it approves and replies in
// one step. Drafts survive the item being rebuilt.

import { api } from './api.js';
import { formError } from './util.js';
import { state, nodes, explain } from './queue-store.js';
import { removeItem, updateEmpty, focusItem } from './queue-list.js';
import { refreshStatsSoon } from './queue-stats.js';
import { notify } from './queue-notices.js';
import { closeEditors } from './queue-picker.js';

const drafts = new Map();

/** Wires the composer of an item's node (see onBuild). */
export function wireComposer(node, item) {
  const form = node.querySelector('.composer');
  const textarea = form.querySelector('textarea');
  const primary = form.querySelector('.primary');
  const secondary = form.querySelector('.secondary');
  const pending = item.status === 'pending';
  primary.textContent = pending ? 'Approve and reply' : 'Reply';
  secondary.textContent = 'Reply without approving';
  secondary.hidden = !pending;
  if (drafts.has(item.id)) textarea.value = drafts.get(item.id);
  previewAsTyped(item, textarea, form.querySelector('.preview'));
  textarea.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      form.requestSubmit();
    } else if (e.key === 'Escape') {
      e.preventDefault();
      form.hidden = true;
      node.focus();
    }
  });
  form.querySelector('.cancel').addEventListener('click', () => {
    form.hidden = true;
    node.focus();
  });
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    reply(node, item, pending);
  });
  secondary.addEventListener('click', () => reply(node, item, false));
}

/** Keeps the draft and asks the server for a preview once typing pauses. */
function previewAsTyped(item, textarea, preview) {
  let timer = null;
  let asked = 0;
  textarea.addEventListener('input', () => {
    drafts.set(item.id, textarea.value);
    clearTimeout(timer);
    timer = setTimeout(async () => {
      const mine = ++asked;
      try {
        const answer = await api('POST', '/moderation/preview', { body: textarea.value });
        // body_html is rendered and sanitised by the server.
        if (mine === asked) preview.innerHTML = answer.body_html;
      } catch (e) {
        if (mine === asked) preview.textContent = explain(e);
      }
    }, 250);
  });
}

/** Publishes the reply (approving the comment too if `approve`). */
async function reply(node, item, approve) {
  const form = node.querySelector('.composer');
  const textarea = form.querySelector('textarea');
  if (form.classList.contains('is-busy')) return;
  const text = textarea.value;
  if (!text.trim()) {
    formError(form, 'Write the reply first.');
    return;
  }
  formError(form, '');
  form.classList.add('is-busy');
  try {
    await api('POST', `/moderation/comments/${item.id}/replies`, { body: text, approve });
    drafts.delete(item.id);
    textarea.value = '';
    form.querySelector('.preview').replaceChildren();
    form.hidden = true;
    if (approve && state.tab === 'pending') {
      removeItem(item.id);
      updateEmpty();
      if (state.items.length) focusItem(state.focus);
      refreshStatsSoon();
    } else {
      node.focus();
    }
    notify(approve ? `Approved and replied to ${item.author_name}.` : `Official reply to ${item.author_name} published.`);
  } catch (err) {
    formError(form, `The reply was not published: ${explain(err)}`);
  } finally {
    form.classList.remove('is-busy');
  }
}

export function openComposer(id) {
  closeEditors();
  const node = nodes.get(id);
  if (!node) return;
  const form = node.querySelector('.composer');
  form.hidden = false;
  form.querySelector('textarea').focus();
}

/** Forgets every draft (another account signed in). */
export function forgetDrafts() {
  drafts.clear();
}
