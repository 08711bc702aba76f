// The selection (x): the items the bulk buttons and A, R, S act on.

import { $, plural } from './util.js';
import { state, nodes } from './queue-store.js';

export function toggleSelect(id, on) {
  const want = on === undefined ? !state.selected.has(id) : on;
  if (want) state.selected.add(id);
  else state.selected.delete(id);
  const node = nodes.get(id);
  if (node) {
    node.querySelector('.select-box').checked = want;
    node.classList.toggle('is-selected', want);
  }
  updateSelection();
}

/** Shows the selection bar with its count (hidden when nothing is selected). */
export function updateSelection() {
  const n = state.selected.size;
  $('selection').hidden = n === 0;
  $('selection-count').textContent = `${plural(n, 'comment', 'comments')} selected`;
}

export function clearSelection() {
  for (const id of [...state.selected]) toggleSelect(id, false);
}
