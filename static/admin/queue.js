// The queue: tabs, filters, items with their context, and decisions by
// keyboard. A decision takes the item out of the list at once and is sent
// when its undo window closes (or at once when the page is left); one that
// fails comes back into the list with the reason, never silently lost.

import { api, query, ApiError, session } from './api.js';
import { $, el, age, duration, announce, isTyping, formError, plural } from './util.js';

const params = new URLSearchParams(location.search);
/** How long a decision can be undone before it is sent, in ms (`?undo=` overrides). */
export const UNDO_MS = Number(params.get('undo')) >= 0 && params.get('undo') !== null
  ? Number(params.get('undo')) : 5000;
const PAGE = 50;
const REFILL_AT = 10;
const CLAIM_RENEW_MS = 45000;
const POLL_MS = 15000;
const TABS = ['pending', 'flagged', 'spam', 'rejected', 'approved'];
const PAST = { approve: 'Approved', reject: 'Rejected', spam: 'Marked as spam' };

const state = {
  tab: 'pending',
  post: '',
  q: '',
  items: [],
  next: null,
  focus: 0,
  selected: new Set(),
  reasons: [],
  counts: {},
  outbox: [],       // decisions in their undo window
  inflight: new Set(), // ids being sent
  picker: null,     // ids awaiting a reason number
  claim: null,      // {id, timer}
  generation: 0,    // bumps on every reload, so stale answers are dropped
  loading: false,
  drafts: new Map(),
  active: false,
};
const nodes = new Map();
let seq = 0;
let statsTimer = null;

/** The reasons, for the log and other panels. */
export function reasons() {
  return state.reasons;
}

/** Label and clause of a reason id. */
export function reasonText(id) {
  const r = state.reasons.find((x) => x.id === id);
  return r ? `${r.label}: ${r.clause}` : id || '';
}

function orderFor(tab) {
  return tab === 'pending' || tab === 'flagged' ? 'oldest' : 'newest';
}

function held() {
  const ids = new Set(state.inflight);
  for (const d of state.outbox) for (const id of d.ids) ids.add(id);
  return ids;
}

// ---------------------------------------------------------------- loading

async function load(reset) {
  const generation = reset ? ++state.generation : state.generation;
  if (!reset && (!state.next || state.loading)) return;
  state.loading = true;
  try {
    const page = await api('GET', `/moderation/comments${query({
      status: state.tab,
      post: state.post,
      q: state.q,
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
      state.selected.clear();
    } else {
      state.items.push(...fresh);
    }
    state.next = page.next;
    render(reset);
  } catch (e) {
    if (generation === state.generation) showFailure(`The queue could not be loaded: ${explain(e)}`);
  } finally {
    state.loading = false;
  }
}

function explain(e) {
  return e instanceof ApiError ? e.explanation : String(e);
}

/** Reloads the stats (counts per tab, oldest pending, posts). */
export async function refreshStats() {
  clearTimeout(statsTimer);
  statsTimer = null;
  try {
    const stats = await api('GET', `/moderation/stats${query({ post: state.post, q: state.q })}`);
    state.counts = stats.counts;
    // What is in the undo window is no longer pending to the moderator.
    for (const d of state.outbox) {
      if (d.tab in state.counts) state.counts[d.tab] = Math.max(0, state.counts[d.tab] - d.ids.length);
    }
    showCounts();
    const oldest = $('oldest');
    oldest.textContent = stats.oldest_pending_age_seconds === null
      ? 'Nothing pending.'
      : `Oldest pending: ${duration(stats.oldest_pending_age_seconds)}`;
    fillPosts(stats.pending_by_post);
  } catch (e) {
    // Counts are a convenience; the next refresh will try again.
  }
}

function refreshStatsSoon() {
  if (!statsTimer) statsTimer = setTimeout(refreshStats, 800);
}

function showCounts() {
  for (const tab of TABS) {
    const n = state.counts[tab];
    document.querySelector(`[data-count="${tab}"]`).textContent = n === undefined ? '' : `(${n})`;
  }
  const pending = state.counts.pending;
  $('nav-pending').textContent = pending ? `(${pending})` : '';
}

let knownPosts = [];
/** The posts for the post filters: all posts, with pending counts. */
export async function loadPosts() {
  try {
    const answer = await api('GET', '/posts?limit=200');
    knownPosts = answer.posts;
  } catch {
    knownPosts = [];
  }
  fillPosts([]);
  return knownPosts;
}

function fillPosts(pendingByPost) {
  const select = $('filter-post');
  const pending = new Map(pendingByPost.map((p) => [p.slug, p.pending]));
  const posts = knownPosts.length ? knownPosts : pendingByPost;
  const current = select.value;
  const options = [el('option', { value: '', text: 'All posts' })];
  for (const p of posts) {
    const n = pending.get(p.slug);
    options.push(el('option', { value: p.slug, text: n ? `${p.title} (${n} pending)` : p.title }));
  }
  select.replaceChildren(...options);
  select.value = current;
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

function updateEmpty() {
  const empty = $('queue-empty');
  if (state.items.length === 0) {
    empty.hidden = false;
    empty.textContent = state.loading ? 'Loading…'
      : state.tab === 'pending' && !state.q && !state.post
        ? 'Nothing is waiting. New comments appear here by themselves.'
        : 'No comments here.';
  } else {
    empty.hidden = true;
  }
  $('queue-more').hidden = !state.next;
}

function build(item) {
  const node = $('item-template').content.firstElementChild.cloneNode(true);
  node.dataset.id = item.id;
  node.querySelector('.meta').id = `item-${item.id}-meta`;
  node.querySelector('.body').id = `item-${item.id}-body`;
  node.setAttribute('aria-labelledby', `item-${item.id}-meta`);
  node.setAttribute('aria-describedby', `item-${item.id}-body`);
  fill(node, item);
  node.querySelector('.select-box').addEventListener('change', (e) => {
    toggleSelect(item.id, e.target.checked);
  });
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
  wireComposer(node, item);
  wireBan(node, item);
  return node;
}

function fill(node, item) {
  node.querySelector('.author').textContent = item.author_name;
  node.querySelector('.location').textContent = item.author_location ? ` · ${item.author_location}` : '';
  const email = node.querySelector('.email');
  if (item.email) {
    email.textContent = item.email;
    email.href = `mailto:${item.email}`;
  } else {
    email.remove();
  }
  const time = node.querySelector('.time');
  time.textContent = `${age(item.created_at)} ago`;
  time.title = new Date(item.created_at).toLocaleString();
  node.querySelector('.post').textContent = item.post_title;
  const status = node.querySelector('.status');
  status.textContent = item.kind === 'official' ? 'official reply' : item.status;
  status.className = `status status-${item.status}`;
  showClaim(node, item.claimed_by);
  node.querySelector('.banned').hidden = !item.author_banned;
  const parent = node.querySelector('.parent');
  if (item.parent) {
    parent.hidden = false;
    parent.querySelector('.parent-by').textContent =
      `In reply to ${item.parent.author_name}${item.parent.status === 'approved' ? '' : ` (${item.parent.status})`}:`;
    // body_html is sanitised by the server.
    parent.querySelector('.parent-body').innerHTML = item.parent.body_html;
  } else if (item.parent_id) {
    parent.hidden = false;
    parent.querySelector('.parent-by').textContent = `In reply to comment ${item.parent_id}`;
  }
  // body_html is sanitised by the server.
  node.querySelector('.body').innerHTML = item.body_html;
  const signals = node.querySelector('.signals');
  if (item.signals.length || item.spam_score) {
    signals.hidden = false;
    signals.textContent = `Spam score ${item.spam_score}: ${item.signals.join('; ') || 'no signals'}`;
  }
  const flags = node.querySelector('.flags');
  if (item.flag_count > 0) {
    flags.hidden = false;
    const reasons = (item.flags || []).filter(Boolean);
    flags.textContent = `Reported by ${plural(item.flag_count, 'reader', 'readers')}${reasons.length ? `: ${reasons.join('; ')}` : ''}`;
  }
  const h = item.author_history;
  const history = node.querySelector('.history');
  if (!h || (h.approved + h.rejected + h.spam + h.pending === 0)) {
    history.textContent = 'First comment from this sender.';
  } else {
    history.textContent = `Sender's other comments: ${h.approved} approved · ${h.rejected} rejected · ${h.spam} spam${h.pending ? ` · ${h.pending} waiting` : ''}`;
    if (h.rejected + h.spam > h.approved) history.classList.add('warn');
  }
  const decided = node.querySelector('.decided');
  if (item.status !== 'pending' && item.moderated_at) {
    decided.hidden = false;
    const who = item.moderated_by ? `by ${item.moderated_by}` : 'automatically';
    decided.textContent = `${item.status[0].toUpperCase()}${item.status.slice(1)} ${who} ${age(item.moderated_at)} ago${item.reason ? `: ${reasonText(item.reason)}` : ''}`;
  }
  const list = node.querySelector('.reason-list');
  list.replaceChildren(...state.reasons.map((r, i) => el('li', {},
    el('button', { type: 'button', 'data-reason': i + 1, title: r.clause },
      el('kbd', { text: String(i + 1) }), ` ${r.label}`))));
}

function showClaim(node, claim) {
  const badge = node.querySelector('.claimed');
  if (claim) {
    badge.hidden = false;
    badge.textContent = `Being handled by ${claim.display_name}`;
    node.classList.add('is-claimed');
  } else {
    badge.hidden = true;
    node.classList.remove('is-claimed');
  }
}

// ------------------------------------------------------------------ focus

function focused() {
  return state.items[state.focus];
}

function focusItem(index, { steal = true } = {}) {
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

function move(delta) {
  closeEditors();
  focusItem(state.focus + delta);
}

// ----------------------------------------------------------------- claims

let claimDelay = null;
function claimSoon(id) {
  clearTimeout(claimDelay);
  claimDelay = setTimeout(() => claim(id), 150);
}

async function claim(id) {
  if (state.tab !== 'pending' && state.tab !== 'flagged') return;
  const previous = state.claim;
  if (previous && previous.id === id) return;
  if (previous) {
    clearInterval(previous.timer);
    if (!held().has(previous.id) && nodes.has(previous.id)) {
      api('DELETE', `/moderation/comments/${previous.id}/claim`).catch(() => {});
    }
  }
  state.claim = { id, timer: setInterval(() => renewClaim(id), CLAIM_RENEW_MS) };
  await renewClaim(id);
}

async function renewClaim(id) {
  try {
    const answer = await api('POST', `/moderation/comments/${id}/claim`);
    const item = state.items.find((i) => i.id === id);
    const node = nodes.get(id);
    if (!item || !node) return;
    item.claimed_by = answer.mine ? null : answer.claimed_by;
    showClaim(node, item.claimed_by);
    if (!answer.mine && state.items[state.focus] === item) {
      announce(`${answer.claimed_by.display_name} is handling this comment.`);
    }
    if (answer.status !== item.status && state.tab !== 'flagged') {
      const decided = node.querySelector('.decided');
      decided.hidden = false;
      decided.textContent = `Decided elsewhere meanwhile: now ${answer.status}.`;
      node.classList.add('is-stale');
    }
  } catch {
    // A claim is advice; failing to make one stops nobody.
  }
}

async function pollClaims() {
  if (!state.active || document.hidden || !session.me) return;
  try {
    const answer = await api('GET', '/moderation/claims', undefined, { noSignIn: true });
    const others = new Map(answer.claims.filter((c) => !c.mine).map((c) => [c.comment_id, c.claimed_by]));
    for (const item of state.items) {
      const claim = others.get(item.id) || null;
      if (!!claim !== !!item.claimed_by) {
        item.claimed_by = claim;
        const node = nodes.get(item.id);
        if (node) showClaim(node, claim);
      }
    }
  } catch {
    // Next poll.
  }
}

// -------------------------------------------------------------- decisions

function removeItem(id) {
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

function restoreItems(entries, tab) {
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

/**
 * Decides `ids` (taken out of the list at once) and sends the decision
 * when the undo window closes.
 */
function decide(ids, action, reason) {
  const entries = ids.map(removeItem).filter(Boolean);
  if (!entries.length) return;
  const d = { key: ++seq, ids: entries.map((e) => e.item.id), action, reason, entries, tab: state.tab };
  d.timer = setTimeout(() => send(d), UNDO_MS);
  state.outbox.push(d);
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

function decideFocused(action) {
  const item = focused();
  if (item) decide([item.id], action);
}

function undo(d) {
  const target = d || state.outbox[state.outbox.length - 1];
  if (!target) {
    announce('Nothing to undo.');
    return;
  }
  const at = state.outbox.indexOf(target);
  if (at < 0) return; // already sent
  state.outbox.splice(at, 1);
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

async function send(d, keepalive = false) {
  const at = state.outbox.indexOf(d);
  if (at < 0) return;
  state.outbox.splice(at, 1);
  clearTimeout(d.timer);
  dismiss(d.toast);
  for (const id of d.ids) state.inflight.add(id);
  try {
    if (d.ids.length === 1) {
      await api('POST', `/moderation/comments/${d.ids[0]}/${d.action}`,
        d.action === 'reject' ? { reason: d.reason } : undefined, { keepalive });
    } else {
      await api('POST', '/moderation/comments/bulk', { ids: d.ids, action: d.action, reason: d.reason }, { keepalive });
    }
    document.body.dataset.sent = String(Number(document.body.dataset.sent || 0) + d.ids.length);
  } catch (e) {
    restoreItems(d.entries, d.tab);
    failure(d, e);
  } finally {
    for (const id of d.ids) state.inflight.delete(id);
    refreshStatsSoon();
  }
}

/** Sends every decision still in its undo window (the page is being left). */
export function flush() {
  for (const d of [...state.outbox]) send(d, true);
}

/** Decisions not yet confirmed by the server. */
export function unsent() {
  return state.outbox.length + state.inflight.size;
}

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

function showFailure(text) {
  const box = $('failures');
  box.hidden = false;
  const line = el('p', {}, text, ' ');
  line.append(el('button', {
    type: 'button',
    text: 'Dismiss',
    onclick: () => { line.remove(); box.hidden = !box.childElementCount; },
  }));
  box.append(line);
}

// ----------------------------------------------------------------- toasts

function toast(text, actionLabel, action, ms, key) {
  const node = el('div', { class: 'toast' }, el('span', { text }));
  if (actionLabel) {
    node.append(' ', el('button', { type: 'button', onclick: action },
      actionLabel, key ? ' ' : '', key ? el('kbd', { text: key }) : ''));
  }
  $('toasts').append(node);
  if (ms) node.timer = setTimeout(() => dismiss(node), ms + 400);
  // Keep the stack short.
  const all = $('toasts').children;
  while (all.length > 4) all[0].remove();
  return node;
}

function dismiss(node) {
  if (node) {
    clearTimeout(node.timer);
    node.remove();
  }
}

/** A short message in the toast area. */
export function notify(text) {
  toast(text, null, null, 4000);
  announce(text);
}

// ------------------------------------------------------------- selection

function toggleSelect(id, on) {
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

function updateSelection() {
  const n = state.selected.size;
  $('selection').hidden = n === 0;
  $('selection-count').textContent = `${plural(n, 'comment', 'comments')} selected`;
}

function clearSelection() {
  for (const id of [...state.selected]) toggleSelect(id, false);
}

function bulk(action) {
  const ids = state.items.filter((i) => state.selected.has(i.id)).map((i) => i.id);
  if (!ids.length) {
    notify('Select comments with x first.');
    return;
  }
  if (action === 'reject') openPicker(ids);
  else decide(ids, action);
}

// --------------------------------------------------------- reason picker

function openPicker(ids) {
  closeEditors();
  const item = focused();
  if (!item) return;
  state.picker = ids;
  const node = nodes.get(item.id);
  const panel = node.querySelector('.reasons');
  panel.querySelector('.reasons-title').firstChild.textContent =
    ids.length > 1 ? `Reject ${ids.length} selected comments because… ` : 'Reject because… ';
  panel.hidden = false;
  announce(`Reject: press a reason's number. ${state.reasons.map((r, i) => `${i + 1} ${r.label}`).join(', ')}. Escape cancels.`);
}

function chooseReason(n) {
  const reason = state.reasons[n - 1];
  const ids = state.picker;
  if (!reason || !ids) return false;
  closeEditors();
  decide(ids, 'reject', reason.id);
  return true;
}

function closeEditors() {
  state.picker = null;
  for (const node of nodes.values()) {
    node.querySelector('.reasons').hidden = true;
    node.querySelector('.ban').hidden = true;
    const composer = node.querySelector('.composer');
    if (!composer.hidden && !composer.querySelector('textarea').value.trim()) composer.hidden = true;
  }
}

// --------------------------------------------------------------- replies

function wireComposer(node, item) {
  const form = node.querySelector('.composer');
  const textarea = form.querySelector('textarea');
  const preview = form.querySelector('.preview');
  const primary = form.querySelector('.primary');
  const secondary = form.querySelector('.secondary');
  const pending = item.status === 'pending';
  primary.textContent = pending ? 'Approve and reply' : 'Reply';
  secondary.textContent = 'Reply without approving';
  secondary.hidden = !pending;
  if (state.drafts.has(item.id)) textarea.value = state.drafts.get(item.id);
  let timer = null;
  let asked = 0;
  textarea.addEventListener('input', () => {
    state.drafts.set(item.id, textarea.value);
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
    submit(pending);
  });
  secondary.addEventListener('click', () => submit(false));
  const submit = async (approve) => {
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
      state.drafts.delete(item.id);
      textarea.value = '';
      preview.replaceChildren();
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
  };
}

function openComposer(id) {
  closeEditors();
  const node = nodes.get(id);
  if (!node) return;
  const form = node.querySelector('.composer');
  form.hidden = false;
  form.querySelector('textarea').focus();
}

// ------------------------------------------------------------------ bans

function wireBan(node, item) {
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
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
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
  });
}

function openBan(id) {
  closeEditors();
  const node = nodes.get(id);
  if (!node) return;
  const form = node.querySelector('.ban');
  form.hidden = false;
  (form.elements.by_email.disabled ? form.elements.by_ip : form.elements.by_email).focus();
}

// ------------------------------------------------------------ tabs, keys

function setTab(tab) {
  if (!TABS.includes(tab)) return;
  state.tab = tab;
  for (const button of document.querySelectorAll('#tabs [role="tab"]')) {
    const on = button.dataset.tab === tab;
    button.setAttribute('aria-selected', String(on));
    button.tabIndex = on ? 0 : -1;
  }
  document.body.dataset.tab = tab;
  if (state.claim) {
    clearInterval(state.claim.timer);
    state.claim = null;
  }
  load(true);
}

function cycleTab(delta) {
  const i = TABS.indexOf(state.tab);
  setTab(TABS[(i + delta + TABS.length) % TABS.length]);
  document.querySelector(`#tabs [data-tab="${state.tab}"]`).focus();
}

function onKey(e) {
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
  if (state.picker) {
    e.preventDefault();
    if (/^[1-9]$/.test(e.key)) {
      if (!chooseReason(Number(e.key))) announce('There is no reason with that number.');
    } else {
      closeEditors();
      announce('Rejection cancelled.');
    }
    return;
  }
  const handlers = {
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
  const handler = handlers[e.key];
  if (handler) {
    e.preventDefault();
    handler();
  }
}

// ------------------------------------------------------------------ setup

let pollTimer = null;

/** Wires the queue view once. */
export function setup() {
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
    state.post = e.target.value;
    load(true);
    refreshStats();
  });
  let typing = null;
  $('filter-q').addEventListener('input', (e) => {
    clearTimeout(typing);
    typing = setTimeout(() => {
      state.q = e.target.value.trim();
      load(true);
      refreshStats();
    }, 300);
  });
  $('queue-filters').addEventListener('submit', (e) => e.preventDefault());
  $('load-more').addEventListener('click', () => load(false));
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

/** Shows the queue (loading reasons, posts and counts the first time). */
export async function show() {
  state.active = true;
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
    if (!state.items.length && !state.loading && !state.outbox.length) load(true);
  }, POLL_MS);
  document.body.dataset.queue = 'ready';
}

/** Leaves the queue view (decisions in their undo window still go out). */
export function hide() {
  state.active = false;
  clearInterval(pollTimer);
  if (state.claim) {
    clearInterval(state.claim.timer);
    state.claim = null;
  }
}

/** Forgets what belonged to the previous account. */
export function reset() {
  state.items = [];
  state.drafts.clear();
  state.selected.clear();
  nodes.clear();
  $('queue-list').replaceChildren();
}

/** The focused comment's id, for tests and the benchmark. */
export function focusedId() {
  const item = focused();
  return item ? item.id : null;
}

/** Whether the queue is settled: loaded, nothing in the undo window or in flight. */
export function idle() {
  return !state.loading && state.outbox.length === 0 && state.inflight.size === 0;
}

/** Focuses the current item (after a dialog closes). */
export function refocus() {
  if (state.active && state.items.length) focusItem(state.focus);
}

window.colloquyQueue = { focusedId, idle, unsent };
