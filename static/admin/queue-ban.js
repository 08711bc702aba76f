// Banning a sender from the queue (b): by e-mail address and/or network
// address, for a while or for ever, and marking the comment as spam.

import { api, ApiError } from './api.js';
import { formError } from './util.js';
import { state, nodes, explain } from './queue-store.js';
import { decide } from './queue-outbox.js';
import { notify } from './queue-notices.js';
import { closeEditors } from './queue-picker.js';

/** Wires the ban form of an item's node (see onBuild). */
export function wireBan(node, item) {
  const form = node.querySelector('.ban');
  const byEmail = form.elements.by_email;
  byEmail.checked = !!item.email;
  byEmail.disabled = !item.email;
  form.querySelector('.cancel').addEventListener('click', () => {
    form.hidden = true;
    node.focus();
  });
  form.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') {
      e.preventDefault();
      form.hidden = true;
      node.focus();
    }
  });
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    ban(node, item, form);
  });
}

async function ban(node, item, form) {
  const kinds = [];
  if (form.elements.by_email.checked) kinds.push('email');
  if (form.elements.by_ip.checked) kinds.push('ip_hash');
  if (!kinds.length) {
    formError(form, 'Choose what to ban by.');
    return;
  }
  const days = form.elements.days.value;
  const note = form.elements.note.value;
  const done = [];
  try {
    for (const kind of kinds) {
      try {
        await api('POST', '/moderation/bans', {
          kind, comment_id: item.id, note, days: days ? Number(days) : undefined,
        });
        done.push(kind === 'email' ? 'e-mail' : 'network address');
      } catch (err) {
        if (!(err instanceof ApiError && err.status === 409)) throw err;
        done.push(`${kind === 'email' ? 'e-mail' : 'network address'} (already banned)`);
      }
    }
  } catch (err) {
    formError(form, `The ban failed: ${explain(err)}`);
    return;
  }
  form.hidden = true;
  item.author_banned = true;
  node.querySelector('.banned').hidden = false;
  notify(`Banned ${item.author_name} by ${done.join(' and ')}.`);
  if (form.elements.spam.checked && item.status !== 'spam') {
    const index = state.items.indexOf(item);
    if (index >= 0) {
      state.focus = index;
      decide([item.id], 'spam');
    }
  } else {
    node.focus();
  }
}

export function openBan(id) {
  closeEditors();
  const node = nodes.get(id);
  if (!node) return;
  const form = node.querySelector('.ban');
  form.hidden = false;
  (form.elements.by_email.disabled ? form.elements.by_ip : form.elements.by_email).focus();
}
