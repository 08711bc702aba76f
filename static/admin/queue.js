// The queue: tabs, filters, items with their context, and decisions by
// keyboard. A decision takes the item out of the list at once and is sent
// when its undo window closes (or at once when the page is left); one that
// fails comes back into the list with the reason, never silently lost.
//
// This is what app.js and panels.js import; it wires the queue-*.js
// modules together. queue-store.js, at the bottom, holds the shared state.

import { api } from './api.js';
import { $ } from './util.js';
import { state, nodes, outbox, inflight, focused, explain } from './queue-store.js';
import { load, markDue, setTab, cycleTab, focusItem, showOnly, showAll } from './queue-list.js';
import { onBuild } from './queue-item.js';
import { refreshStats, loadPosts } from './queue-stats.js';
import { pollClaims, stopClaim } from './queue-claims.js';
import { flush, unsent } from './queue-outbox.js';
import { clearSelection } from './queue-selection.js';
import { notify, showFailure } from './queue-notices.js';
import { wireComposer, forgetDrafts } from './queue-composer.js';
import { wireBan } from './queue-ban.js';
import { wireReports } from './queue-reports.js';
import { onKey, wireButtons, bulk } from './queue-keys.js';

export { UNDO_MS, reasons, reasonText } from './queue-store.js';
export { notify, loadPosts, refreshStats, flush, unsent };

const POLL_MS = 15000;

let pollTimer = null;

/** Wires the queue view once. */
export function setup() {
  onBuild(wireButtons);
  onBuild(wireComposer);
  onBuild(wireBan);
  onBuild(wireReports);
  document.addEventListener('keydown', onKey);
  for (const button of document.querySelectorAll('#tabs [role="tab"]')) {
    button.addEventListener('click', () => setTab(button.dataset.tab));
    button.addEventListener('keydown', (e) => {
      if (e.key === 'ArrowRight' || e.key === 'ArrowLeft') {
        e.preventDefault();
        cycleTab(e.key === 'ArrowRight' ? 1 : -1);
      }
    });
  }
  $('filter-post').addEventListener('change', (e) => {
    showAll();
    state.post = e.target.value;
    load(true);
    refreshStats();
  });
  let typing = null;
  $('filter-q').addEventListener('input', (e) => {
    clearTimeout(typing);
    markDue();
    typing = setTimeout(() => {
      showAll();
      state.q = e.target.value.trim();
      load(true);
      refreshStats();
    }, 300);
  });
  $('queue-filters').addEventListener('submit', (e) => e.preventDefault());
  $('load-more').addEventListener('click', () => load(false));
  $('queue-only-clear').addEventListener('click', () => {
    showAll();
    load(true);
    refreshStats();
  });
  $('bulk-approve').addEventListener('click', () => bulk('approve'));
  $('bulk-reject').addEventListener('click', () => {
    if (!focused()) return;
    bulk('reject');
  });
  $('bulk-spam').addEventListener('click', () => bulk('spam'));
  $('bulk-clear').addEventListener('click', clearSelection);
  addEventListener('pagehide', flush);
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'hidden') flush();
  });
}

/**
 * Shows the queue (loading reasons, posts and counts the first time);
 * `params` from the address (`#queue?status=S&id=N`) open one comment.
 */
export async function show(params = new URLSearchParams()) {
  state.active = true;
  const only = Number(params.get('id'));
  if (Number.isInteger(only) && only > 0) showOnly(only, params.get('status'));
  else showAll();
  if (!state.reasons.length) {
    try {
      state.reasons = (await api('GET', '/moderation/reasons')).reasons;
    } catch (e) {
      showFailure(`The rejection reasons could not be loaded: ${explain(e)}`);
    }
    loadPosts();
  }
  refreshStats();
  await load(true);
  clearInterval(pollTimer);
  pollTimer = setInterval(() => {
    if (!state.active || document.hidden) return;
    refreshStats();
    pollClaims();
    if (!state.items.length && !state.loading && !outbox.length) load(true);
  }, POLL_MS);
}

/** Leaves the queue view (decisions in their undo window still go out). */
export function hide() {
  state.active = false;
  clearInterval(pollTimer);
  stopClaim();
}

/** Forgets what belonged to the previous account. */
export function reset() {
  state.items = [];
  forgetDrafts();
  state.selected.clear();
  nodes.clear();
  $('queue-list').replaceChildren();
}

/** The focused comment's id (the browser tests and the benchmark import it). */
export function focusedId() {
  const item = focused();
  return item ? item.id : null;
}

/** Whether the queue is settled: loaded, nothing in the undo window or in flight. */
export function idle() {
  return !state.loading && outbox.length === 0 && inflight.size === 0;
}

/** Focuses the current item (after a dialog closes). */
export function refocus() {
  if (state.active && state.items.length) focusItem(state.focus);
}
