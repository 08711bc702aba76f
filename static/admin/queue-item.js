// One queue item: its node, cloned from #item-template and filled with the
// comment and its context (parent, signals, reports, the sender's history).
// What its buttons and forms do is wired by the modules that own them,
// through onBuild.

import { $, el, age, plural } from './util.js';
import { state, reasonText } from './queue-store.js';
import { showClaim } from './queue-claims.js';
import { toggleSelect } from './queue-selection.js';

const wirings = [];

/** Has `wire(node, item)` run on every item node built from now on. */
export function onBuild(wire) {
  wirings.push(wire);
}

/** The list node of `item`. */
export function build(item) {
  const node = $('item-template').content.firstElementChild.cloneNode(true);
  node.dataset.id = item.id;
  node.querySelector('.meta').id = `item-${item.id}-meta`;
  node.querySelector('.body').id = `item-${item.id}-body`;
  node.setAttribute('aria-labelledby', `item-${item.id}-meta`);
  node.setAttribute('aria-describedby', `item-${item.id}-body`);
  fill(node, item);
  const selected = state.selected.has(item.id);
  node.querySelector('.select-box').checked = selected;
  node.classList.toggle('is-selected', selected);
  node.querySelector('.select-box').addEventListener('change', (e) => {
    toggleSelect(item.id, e.target.checked);
  });
  for (const wire of wirings) wire(node, item);
  return node;
}

function fill(node, item) {
  fillHead(node, item);
  fillParent(node, item);
  // body_html is sanitised by the server.
  node.querySelector('.body').innerHTML = item.body_html;
  fillFacts(node, item);
  const list = node.querySelector('.reason-list');
  list.replaceChildren(...state.reasons.map((r, i) => el('li', {},
    el('button', { type: 'button', 'data-reason': i + 1, title: r.clause },
      el('kbd', { text: String(i + 1) }), ` ${r.label}`))));
}

/** Author, where from, e-mail, age, post, status and badges. */
function fillHead(node, item) {
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
}

/** The comment this one answers. */
function fillParent(node, item) {
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
}

/** Spam signals, readers' reports, the sender's history, an earlier decision. */
function fillFacts(node, item) {
  const signals = node.querySelector('.signals');
  if (item.signals.length || item.spam_score) {
    signals.hidden = false;
    signals.textContent = `Spam score ${item.spam_score}: ${item.signals.join('; ') || 'no signals'}`;
  }
  const flags = node.querySelector('.flags');
  if (item.flag_count > 0) {
    flags.hidden = false;
    // Notices are listed with their own controls (queue-reports.js).
    const reasons = (item.flags || []).filter((r) => r && !r.startsWith('Notice '));
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
}
