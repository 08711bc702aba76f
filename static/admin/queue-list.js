// The list of the current tab: loading its pages, showing the items,
// moving the focus, taking items out and putting them back in place.

import { api, query } from './api.js';
import { $, isTyping } from './util.js';
import { state, nodes, TABS, orderFor, held, explain } from './queue-store.js';
import { build } from './queue-item.js';
import { claimSoon, stopClaim } from './queue-claims.js';
import { showFailure } from './queue-notices.js';
import { updateSelection } from './queue-selection.js';

const PAGE = 50;
const REFILL_AT = 10;

// ---------------------------------------------------------------- loading

/**
 * Loads the first page again (`reset`), or the next page if there is one.
 * `data-queue` on the body is "loading" from a reload's start (or from
 * the filter text changing, see markDue) until the latest one is shown.
 */
export async function load(reset) {
  const generation = reset ? ++state.generation : state.generation;
  if (!reset && (!state.next || state.loading)) return;
  state.loading = true;
  if (reset) document.body.dataset.queue = 'loading';
  try {
    const page = await api('GET', `/moderation/comments${query({
      status: state.tab,
      post: state.post,
      q: state.q,
      id: state.only,
      order: orderFor(state.tab),
      limit: PAGE,
      cursor: reset ? '' : state.next,
    })}`);
    if (generation !== state.generation) return;
    const skip = held();
    const fresh = page.comments.filter((c) => !skip.has(c.id) && (reset || !nodes.has(c.id)));
    if (reset) {
      state.items = fresh;
      state.focus = 0;
      // What is still listed stays selected.
      for (const id of [...state.selected]) {
        if (!fresh.some((c) => c.id === id)) state.selected.delete(id);
      }
      updateSelection();
    } else {
      state.items.push(...fresh);
    }
    state.next = page.next;
    render(reset);
  } catch (e) {
    if (generation === state.generation) showFailure(`The queue could not be loaded: ${explain(e)}`);
  } finally {
    // An answer overtaken by a newer reload leaves that one loading.
    if (generation === state.generation) {
      state.loading = false;
      document.body.dataset.queue = 'ready';
    }
  }
}

/**
 * A reload is due (the filter text is changing): the list shown is not
 * the one asked for, and an answer still on its way is dropped.
 */
export function markDue() {
  state.generation += 1;
  document.body.dataset.queue = 'loading';
}

/** Marks `tab` as the one shown (without loading it). */
function markTab(tab) {
  state.tab = tab;
  for (const button of document.querySelectorAll('#tabs [role="tab"]')) {
    const on = button.dataset.tab === tab;
    button.setAttribute('aria-selected', String(on));
    button.tabIndex = on ? 0 : -1;
  }
  document.body.dataset.tab = tab;
}

/** Shows the queue of another tab. */
export function setTab(tab) {
  if (!TABS.includes(tab)) return;
  showAll();
  markTab(tab);
  stopClaim();
  load(true);
}

/**
 * Narrows the queue to comment `id` in its tab (a link from the log:
 * `#queue?status=rejected&id=57`); the post and text filters are
 * cleared, since they could hide it. The next load shows it.
 */
export function showOnly(id, tab) {
  state.only = id;
  state.post = '';
  state.q = '';
  $('filter-post').value = '';
  $('filter-q').value = '';
  markTab(TABS.includes(tab) ? tab : 'pending');
  showOnlyBar();
}

/**
 * Leaves the one-comment view (when another tab or filter is chosen);
 * the address goes back to plain #queue so that a reload shows the
 * whole tab. The caller loads the list.
 */
export function showAll() {
  if (state.only === null) return;
  state.only = null;
  showOnlyBar();
  if (location.hash.startsWith('#queue?')) history.replaceState(null, '', '#queue');
}

function showOnlyBar() {
  $('queue-only').hidden = state.only === null;
  $('queue-only-text').textContent = state.only === null ? '' : `Only comment #${state.only} is shown.`;
}

/** The next (1) or previous (-1) tab, focusing it. */
export function cycleTab(delta) {
  const i = TABS.indexOf(state.tab);
  setTab(TABS[(i + delta + TABS.length) % TABS.length]);
  document.querySelector(`#tabs [data-tab="${state.tab}"]`).focus();
}

// -------------------------------------------------------------- rendering

function render(reset) {
  const list = $('queue-list');
  if (reset) {
    list.replaceChildren();
    nodes.clear();
  }
  for (const item of state.items) {
    if (!nodes.has(item.id)) {
      const node = build(item);
      nodes.set(item.id, node);
      list.append(node);
    }
  }
  updateEmpty();
  if (state.active && state.items.length && (reset || !list.querySelector('[aria-current="true"]'))) {
    // Never take focus from a field the moderator is typing in, or from a dialog.
    const busy = isTyping(document.activeElement) || document.querySelector('dialog[open]');
    focusItem(Math.min(state.focus, state.items.length - 1), { steal: reset && !busy });
  }
}

/** The "nothing here" line and the "Load more" button. */
export function updateEmpty() {
  const empty = $('queue-empty');
  if (state.items.length === 0) {
    empty.hidden = false;
    empty.textContent = state.loading ? 'Loading…'
      : state.only !== null ? `Comment #${state.only} is not in this tab (any more).`
      : state.tab === 'pending' && !state.q && !state.post
        ? 'Nothing is waiting. New comments appear here by themselves.'
        : 'No comments here.';
  } else {
    empty.hidden = true;
  }
  $('queue-more').hidden = !state.next;
}

// ------------------------------------------------------------------ focus

/** Focuses the item at `index` (claiming it, loading more near the end). */
export function focusItem(index, { steal = true } = {}) {
  if (!state.items.length) return;
  state.focus = Math.max(0, Math.min(index, state.items.length - 1));
  const item = state.items[state.focus];
  for (const n of document.querySelectorAll('#queue-list [aria-current="true"]')) n.removeAttribute('aria-current');
  const node = nodes.get(item.id);
  node.setAttribute('aria-current', 'true');
  // Without `steal`, focus moves only within the list (never out of a
  // field, a tab or a dialog the moderator is using).
  const active = document.activeElement;
  const outside = active && active !== document.body && !active.closest('#queue-list');
  if (steal || (!node.contains(active) && !outside)) node.focus({ preventScroll: true });
  node.scrollIntoView({ block: 'nearest' });
  claimSoon(item.id);
  if (state.items.length - state.focus <= REFILL_AT) load(false);
}

// ------------------------------------------------------ out and back in

/** Takes an item out of the list; its entry `{item, index}`, or null. */
export function removeItem(id) {
  const index = state.items.findIndex((i) => i.id === id);
  if (index < 0) return null;
  const [item] = state.items.splice(index, 1);
  const node = nodes.get(id);
  nodes.delete(id);
  if (node) node.remove();
  state.selected.delete(id);
  if (index < state.focus) state.focus -= 1;
  return { item, index };
}

/** Where `item` belongs in the list, by the tab's order. */
function position(item) {
  const newest = orderFor(state.tab) === 'newest';
  const key = (i) => [Date.parse(i.created_at), i.id];
  const before = (a, b) => a[0] < b[0] || (a[0] === b[0] && a[1] < b[1]);
  const k = key(item);
  const at = state.items.findIndex((other) => (newest ? before(key(other), k) : before(k, key(other))));
  return at < 0 ? state.items.length : at;
}

/** Puts removed entries back in their places (if `tab` is still shown). */
export function restoreItems(entries, tab) {
  if (tab !== state.tab) return;
  const list = $('queue-list');
  for (const { item } of entries) {
    if (state.items.some((i) => i.id === item.id)) continue;
    const at = position(item);
    if (at <= state.focus && state.items.length) state.focus += 1;
    state.items.splice(at, 0, item);
    const node = build(item);
    nodes.set(item.id, node);
    const after = state.items[at + 1];
    list.insertBefore(node, after ? nodes.get(after.id) : null);
  }
  updateEmpty();
}
