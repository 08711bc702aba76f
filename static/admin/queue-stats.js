// The counts per tab, the age of the oldest pending comment, and the
// post filter's options (every post, with its pending count).

import { api, query } from './api.js';
import { $, el, duration } from './util.js';
import { state, outbox, TABS } from './queue-store.js';

let statsTimer = null;
let knownPosts = [];
// The last stats' pending counts per post: the posts and the stats load
// in either order, and whichever comes second must not drop the other.
let pendingByPost = [];

/** Reloads the stats (counts per tab, oldest pending, posts). */
export async function refreshStats() {
  clearTimeout(statsTimer);
  statsTimer = null;
  try {
    const stats = await api('GET', `/moderation/stats${query({ post: state.post, q: state.q })}`);
    state.counts = stats.counts;
    // What is in the undo window is no longer pending to the moderator.
    for (const d of outbox) {
      if (d.tab in state.counts) state.counts[d.tab] = Math.max(0, state.counts[d.tab] - d.ids.length);
    }
    showCounts();
    const oldest = $('oldest');
    oldest.textContent = stats.oldest_pending_age_seconds === null
      ? 'Nothing pending.'
      : `Oldest pending: ${duration(stats.oldest_pending_age_seconds)}`;
    pendingByPost = stats.pending_by_post;
    fillPosts();
  } catch (e) {
    // Counts are a convenience; the next refresh will try again.
  }
}

export function refreshStatsSoon() {
  if (!statsTimer) statsTimer = setTimeout(refreshStats, 800);
}

/** Shows `state.counts` on the tabs and in the navigation. */
export function showCounts() {
  for (const tab of TABS) {
    const n = state.counts[tab];
    document.querySelector(`[data-count="${tab}"]`).textContent = n === undefined ? '' : `(${n})`;
  }
  const pending = state.counts.pending;
  $('nav-pending').textContent = pending ? `(${pending})` : '';
}

/** The posts for the post filters: all posts, with pending counts. */
export async function loadPosts() {
  try {
    const answer = await api('GET', '/moderation/posts?limit=200');
    knownPosts = answer.posts;
  } catch {
    knownPosts = [];
  }
  fillPosts();
  return knownPosts;
}

function fillPosts() {
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
