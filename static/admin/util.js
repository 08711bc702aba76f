// Small DOM and formatting helpers. Text always goes in through
// textContent; only server-sanitised body_html is ever set as HTML.

/** The element with this id. */
export const $ = (id) => document.getElementById(id);

/** An element with attributes, text and children. */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'text') node.textContent = v;
    else if (k === 'class') node.className = v;
    else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else if (k in node && typeof v !== 'string') node[k] = v;
    else node.setAttribute(k, v === true ? '' : v);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** "4 min", "3 h", "2 d": how long ago `iso` was. */
export function age(iso, now = Date.now()) {
  const seconds = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  return duration(seconds);
}

/** A number of seconds in words a moderator reads at a glance. */
export function duration(seconds) {
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h`;
  return `${Math.floor(hours / 24)} d`;
}

/** A time for tables: local date and time. */
export function when(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  return d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

/** Says `text` to screen readers through the polite live region. */
export function announce(text) {
  const region = document.getElementById('announce');
  region.textContent = '';
  // A fresh text node after a tick is announced even when it repeats.
  setTimeout(() => { region.textContent = text; }, 30);
}

/** Whether a key event comes from somewhere the moderator types. */
export function isTyping(target) {
  if (!target || !(target instanceof Element)) return false;
  if (target.isContentEditable) return true;
  const tag = target.tagName;
  if (tag === 'TEXTAREA' || tag === 'SELECT') return true;
  if (tag === 'INPUT') {
    const type = (target.getAttribute('type') || 'text').toLowerCase();
    return !['checkbox', 'radio', 'button', 'submit', 'reset'].includes(type);
  }
  return false;
}

/** Shows `message` in a form's error paragraph (empty hides it). */
export function formError(form, message) {
  const p = form.querySelector('.form-error');
  if (p) p.textContent = message || '';
}

/** "1 comment", "3 comments". */
export function plural(n, one, many) {
  return `${n} ${n === 1 ? one : many}`;
}
