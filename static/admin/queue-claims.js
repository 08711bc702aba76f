// Claims: the focused pending or flagged comment is claimed (and the claim
// renewed) so other moderators see it is being handled; others' claims
// are shown on their items. A claim is advice: failing to make one stops
// nobody.

import { api, session } from './api.js';
import { announce } from './util.js';
import { state, nodes, held } from './queue-store.js';

const CLAIM_RENEW_MS = 45000;

let claimed = null; // {id, timer}
let claimDelay = null;

/** Claims `id` once focus has rested on it for a moment. */
export function claimSoon(id) {
  clearTimeout(claimDelay);
  claimDelay = setTimeout(() => claim(id), 150);
}

async function claim(id) {
  if (state.tab !== 'pending' && state.tab !== 'flagged') return;
  const previous = claimed;
  if (previous && previous.id === id) return;
  if (previous) {
    clearInterval(previous.timer);
    if (!held().has(previous.id) && nodes.has(previous.id)) {
      api('DELETE', `/moderation/comments/${previous.id}/claim`).catch(() => {});
    }
  }
  claimed = { id, timer: setInterval(() => renewClaim(id), CLAIM_RENEW_MS) };
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

/** Stops renewing the current claim (the server lets it lapse). */
export function stopClaim() {
  if (claimed) {
    clearInterval(claimed.timer);
    claimed = null;
  }
}

/** Updates the items claimed by other moderators. */
export async function pollClaims() {
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

/** The "Being handled by" badge of an item. */
export function showClaim(node, claim) {
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
