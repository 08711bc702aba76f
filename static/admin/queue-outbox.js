// Decisions: one takes its items out of the list at once and is sent when
// its undo window closes (or at once when the page is left); until then z
// puts it back. One that fails comes back into the list with the reason,
// never silently lost.

import { api } from './api.js';
import { $, el, announce, plural } from './util.js';
import { state, outbox, inflight, UNDO_MS, focused, explain } from './queue-store.js';
import { load, focusItem, removeItem, restoreItems, updateEmpty } from './queue-list.js';
import { updateSelection } from './queue-selection.js';
import { toast, dismiss } from './queue-notices.js';
import { showCounts, refreshStatsSoon } from './queue-stats.js';

const PAST = { approve: 'Approved', reject: 'Rejected', spam: 'Marked as spam' };

let seq = 0;

/**
 * Decides `ids` (taken out of the list at once) and sends the decision
 * when the undo window closes.
 */
export function decide(ids, action, reason) {
  const entries = ids.map(removeItem).filter(Boolean);
  if (!entries.length) return;
  const d = { key: ++seq, ids: entries.map((e) => e.item.id), action, reason, entries, tab: state.tab };
  d.timer = setTimeout(() => send(d), UNDO_MS);
  outbox.push(d);
  if (state.counts[state.tab] !== undefined) {
    state.counts[state.tab] = Math.max(0, state.counts[state.tab] - entries.length);
    showCounts();
  }
  const what = entries.length === 1
    ? `comment by ${entries[0].item.author_name}` : plural(entries.length, 'comment', 'comments');
  const why = reason ? ` (${(state.reasons.find((r) => r.id === reason) || { label: reason }).label})` : '';
  d.toast = toast(`${PAST[action]} ${what}${why}.`, 'Undo', () => undo(d), UNDO_MS, 'z');
  announce(`${PAST[action]} ${what}${why}. Press z to undo.`);
  updateSelection();
  updateEmpty();
  if (state.items.length) {
    focusItem(Math.min(entries[0].index <= state.focus ? state.focus : entries[0].index, state.items.length - 1));
  } else {
    $('queue-list').focus?.();
    load(false);
  }
}

export function decideFocused(action) {
  const item = focused();
  if (item) decide([item.id], action);
}

/** Takes back `d`, or else the latest decision still in its undo window. */
export function undo(d) {
  const target = d || outbox[outbox.length - 1];
  if (!target) {
    announce('Nothing to undo.');
    return;
  }
  const at = outbox.indexOf(target);
  if (at < 0) return; // already sent
  outbox.splice(at, 1);
  clearTimeout(target.timer);
  dismiss(target.toast);
  restoreItems(target.entries, target.tab);
  if (state.counts[target.tab] !== undefined) {
    state.counts[target.tab] += target.entries.length;
    showCounts();
  }
  const first = state.items.findIndex((i) => i.id === target.ids[0]);
  if (first >= 0) focusItem(first);
  announce(`Undone: ${plural(target.ids.length, 'comment is', 'comments are')} back in the queue.`);
}

// Decisions go to the server one after another, in the order they were
// made: two sent at once can be applied in either order, and the
// moderation log would not keep the moderator's. Each waits (in flight)
// for the answer to the one before.
let turn = Promise.resolve();

function send(d, keepalive = false) {
  const at = outbox.indexOf(d);
  if (at < 0) return;
  outbox.splice(at, 1);
  clearTimeout(d.timer);
  dismiss(d.toast);
  for (const id of d.ids) inflight.add(id);
  if (keepalive) {
    // The page is being left: it cannot wait for earlier answers.
    post(d, true);
  } else {
    // A throw in one is reported, and stops none of the others.
    turn = turn.then(() => post(d, false)).catch(reportError);
  }
}

/** Posts `d`; a refusal puts its items back and says why. */
async function post(d, keepalive) {
  try {
    if (d.ids.length === 1) {
      await api('POST', `/moderation/comments/${d.ids[0]}/${d.action}`,
        d.action === 'reject' ? { reason: d.reason } : undefined, { keepalive });
    } else {
      await api('POST', '/moderation/comments/bulk', { ids: d.ids, action: d.action, reason: d.reason }, { keepalive });
    }
  } catch (e) {
    restoreItems(d.entries, d.tab);
    failure(d, e);
  } finally {
    for (const id of d.ids) inflight.delete(id);
    refreshStatsSoon();
  }
}

/** Sends every decision still in its undo window (the page is being left). */
export function flush() {
  for (const d of [...outbox]) send(d, true);
}

/** Decisions not yet confirmed by the server. */
export function unsent() {
  return outbox.length + inflight.size;
}

/** Says that `d` failed, with Try again and Dismiss. */
function failure(d, e) {
  const box = $('failures');
  box.hidden = false;
  const what = d.entries.length === 1 ? `the comment by ${d.entries[0].item.author_name}` : plural(d.entries.length, 'comment', 'comments');
  const line = el('p', {},
    `${PAST[d.action]} failed for ${what}: ${explain(e)} `);
  const retry = el('button', {
    type: 'button',
    text: 'Try again',
    onclick: () => {
      line.remove();
      box.hidden = !box.childElementCount;
      const back = d.ids.filter((id) => state.items.some((i) => i.id === id));
      if (back.length) decide(back, d.action, d.reason);
    },
  });
  const close = el('button', {
    type: 'button',
    text: 'Dismiss',
    onclick: () => { line.remove(); box.hidden = !box.childElementCount; },
  });
  line.append(retry, ' ', close);
  box.append(line);
  announce(line.firstChild.textContent);
}
