// Messages to the moderator: short toasts (also said to screen readers)
// and lines in the failures box that stay until dismissed.

import { $, el, announce } from './util.js';

/** A toast, with an optional action button; gone after `ms` (if given). */
export function toast(text, actionLabel, action, ms, key) {
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

export function dismiss(node) {
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

/** A line in the failures box, with a Dismiss button. */
export function showFailure(text) {
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
