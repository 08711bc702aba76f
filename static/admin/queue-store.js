// What the queue holds, shared by the queue-*.js modules: the tab and
// filters (or the one comment a link opened), the loaded page of items and their list nodes, focus,
// selection, counts, the rejection reasons, and the decisions not yet
// confirmed (which a reload must not show again). It imports none of them.

import { ApiError } from './api.js';

const undo = new URLSearchParams(location.search).get('undo');
/** How long a decision can be undone before it is sent, in ms (`?undo=` overrides). */
export const UNDO_MS = Number(undo) >= 0 && undo !== null ? Number(undo) : 5000;
export const TABS = ['pending', 'flagged', 'spam', 'rejected', 'approved', 'appealed'];

export const state = {
  tab: 'pending',
  post: '',
  q: '',
  only: null,       // the one comment shown (a link from the log), or null
  items: [],
  next: null,       // the cursor of the next page
  focus: 0,
  selected: new Set(),
  reasons: [],
  counts: {},
  generation: 0,    // bumps on every reload, so stale answers are dropped
  loading: false,
  active: false,    // the queue view is shown
};

/** The list node of each loaded item, by id. */
export const nodes = new Map();
/** Decisions in their undo window. */
export const outbox = [];
/** Ids whose decision is being sent. */
export const inflight = new Set();

/** The reasons, for the log and other panels. */
export function reasons() {
  return state.reasons;
}

/** Label and clause of a reason id. */
export function reasonText(id) {
  const r = state.reasons.find((x) => x.id === id);
  return r ? `${r.label}: ${r.clause}` : id || '';
}

export function orderFor(tab) {
  return tab === 'pending' || tab === 'flagged' ? 'oldest' : 'newest';
}

/** Ids taken out of the list by a decision not yet confirmed. */
export function held() {
  const ids = new Set(inflight);
  for (const d of outbox) for (const id of d.ids) ids.add(id);
  return ids;
}

export function focused() {
  return state.items[state.focus];
}

export function explain(e) {
  return e instanceof ApiError ? e.explanation : String(e);
}
