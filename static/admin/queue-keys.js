// The keyboard map of the queue (the help dialog lists it), and the
// buttons on each item, which do what their keys do.

import { $, announce, isTyping } from './util.js';
import { state, focused } from './queue-store.js';
import { focusItem, cycleTab } from './queue-list.js';
import { decide, decideFocused, undo } from './queue-outbox.js';
import { openPicker, isPicking, chooseReason, closeEditors } from './queue-picker.js';
import { toggleSelect, clearSelection } from './queue-selection.js';
import { openComposer } from './queue-composer.js';
import { openBan } from './queue-ban.js';
import { notify } from './queue-notices.js';

const KEYS = {
  j: () => move(1),
  ArrowDown: () => move(1),
  k: () => move(-1),
  ArrowUp: () => move(-1),
  a: () => decideFocused('approve'),
  r: () => focused() && openPicker([focused().id]),
  s: () => decideFocused('spam'),
  x: () => focused() && toggleSelect(focused().id),
  A: () => bulk('approve'),
  R: () => bulk('reject'),
  S: () => bulk('spam'),
  z: () => undo(),
  c: () => focused() && openComposer(focused().id),
  b: () => focused() && openBan(focused().id),
  '[': () => cycleTab(-1),
  ']': () => cycleTab(1),
  '/': () => $('filter-q').focus(),
  Escape: () => { closeEditors(); clearSelection(); },
  Home: () => focusItem(0),
  End: () => focusItem(state.items.length - 1),
};

function move(delta) {
  closeEditors();
  focusItem(state.focus + delta);
}

/** Approves, rejects (asking the reason) or marks as spam every selected item. */
export function bulk(action) {
  const ids = state.items.filter((i) => state.selected.has(i.id)).map((i) => i.id);
  if (!ids.length) {
    notify('Select comments with x first.');
    return;
  }
  if (action === 'reject') openPicker(ids);
  else decide(ids, action);
}

/** The document's keydown handler while the queue is shown. */
export function onKey(e) {
  if (!state.active || e.defaultPrevented) return;
  if (document.querySelector('dialog[open]')) return;
  if (e.ctrlKey || e.metaKey || e.altKey) {
    if ((e.ctrlKey || e.metaKey) && e.key === 'z' && !isTyping(e.target)) {
      e.preventDefault();
      undo();
    }
    return;
  }
  if (isTyping(e.target)) {
    if (e.key === 'Escape' && e.target.id === 'filter-q') {
      e.target.blur();
      focusItem(state.focus);
    }
    return;
  }
  if (isPicking()) {
    e.preventDefault();
    if (/^[1-9]$/.test(e.key)) {
      if (!chooseReason(Number(e.key))) announce('There is no reason with that number.');
    } else {
      closeEditors();
      announce('Rejection cancelled.');
    }
    return;
  }
  const handler = KEYS[e.key];
  if (handler) {
    e.preventDefault();
    handler();
  }
}

/** Wires the action and reason buttons of an item's node (see onBuild). */
export function wireButtons(node, item) {
  node.addEventListener('click', (e) => {
    const index = state.items.findIndex((i) => i.id === item.id);
    if (index >= 0 && index !== state.focus) focusItem(index, { steal: false });
    const act = e.target.closest('[data-act]');
    if (act) {
      state.focus = index;
      act.dataset.act === 'approve' ? decideFocused('approve')
        : act.dataset.act === 'spam' ? decideFocused('spam')
          : act.dataset.act === 'reject' ? openPicker([item.id])
            : act.dataset.act === 'reply' ? openComposer(item.id)
              : openBan(item.id);
    }
    const reason = e.target.closest('[data-reason]');
    if (reason) chooseReason(Number(reason.dataset.reason));
  });
}
