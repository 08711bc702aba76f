// The reason picker (r, then a reason's number) and closing the panels
// open on any item (picker, ban form, an empty reply).

import { announce } from './util.js';
import { state, nodes, focused } from './queue-store.js';
import { decide } from './queue-outbox.js';

let picking = null; // ids awaiting a reason number

/** Asks for the reason to reject `ids` with, on the focused item. */
export function openPicker(ids) {
  closeEditors();
  const item = focused();
  if (!item) return;
  picking = ids;
  const node = nodes.get(item.id);
  const panel = node.querySelector('.reasons');
  panel.querySelector('.reasons-title').firstChild.textContent =
    ids.length > 1 ? `Reject ${ids.length} selected comments because… ` : 'Reject because… ';
  panel.hidden = false;
  announce(`Reject: press a reason's number. ${state.reasons.map((r, i) => `${i + 1} ${r.label}`).join(', ')}. Escape cancels.`);
}

/** Whether the picker waits for a number. */
export function isPicking() {
  return Boolean(picking);
}

/** Rejects with reason number `n`; false if there is no such reason or nothing to reject. */
export function chooseReason(n) {
  const reason = state.reasons[n - 1];
  const ids = picking;
  if (!reason || !ids) return false;
  closeEditors();
  decide(ids, 'reject', reason.id);
  return true;
}

export function closeEditors() {
  picking = null;
  for (const node of nodes.values()) {
    node.querySelector('.reasons').hidden = true;
    node.querySelector('.ban').hidden = true;
    const composer = node.querySelector('.composer');
    if (!composer.hidden && !composer.querySelector('textarea').value.trim()) composer.hidden = true;
  }
}
