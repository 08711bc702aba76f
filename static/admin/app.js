// The moderators' single page: sign-in, the views and their routes.
// No framework, no build step. The password is never stored: it goes to
// POST /auth/login and the field is cleared; the CSRF token is kept in
// memory only.

import { session, onSignInNeeded, refreshMe, signIn, signOut, hasRole, api, ApiError } from './api.js';
import { $, formError } from './util.js';
import * as queue from './queue.js';
import * as panels from './panels.js';
import * as mail from './mail.js';

// Errors are kept where the browser tests can see them.
window.colloquyErrors = [];
addEventListener('error', (e) => window.colloquyErrors.push(String(e.message)));
addEventListener('unhandledrejection', (e) => window.colloquyErrors.push(String(e.reason)));

const VIEWS = ['queue', 'log', 'bans', 'terms', 'posts', 'accounts', 'outbox'];
let current = null;

// ---------------------------------------------------------------- sign-in

// Everything waiting for a sign-in resumes once it succeeds.
const waiting = [];

function showSignIn(expired) {
  const dialog = $('sign-in');
  $('sign-in-why').hidden = !expired;
  formError($('sign-in-form'), '');
  if (!dialog.open) dialog.showModal();
  const username = $('sign-in-username');
  if (session.me && !username.value) username.value = session.me.username;
  (username.value ? $('sign-in-password') : username).focus();
  return new Promise((resolve) => { waiting.push(resolve); });
}

function wireSignIn() {
  const dialog = $('sign-in');
  // The dialog cannot be dismissed: without a session nothing works.
  dialog.addEventListener('cancel', (e) => e.preventDefault());
  $('sign-in-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const form = e.target;
    const username = form.elements.username.value.trim();
    const password = form.elements.password.value;
    // The password lives in the field only until it is sent.
    form.elements.password.value = '';
    formError(form, '');
    $('sign-in-submit').disabled = true;
    try {
      await signIn(username, password);
      dialog.close();
      for (const resume of waiting.splice(0)) resume();
    } catch (err) {
      const message = err instanceof ApiError && err.status === 401
        ? 'That user name and password do not match an active account.'
        : err instanceof ApiError && err.status === 429
          ? `Too many failed attempts. ${err.message}`
          : err.message;
      formError(form, message);
      form.elements.password.focus();
    } finally {
      $('sign-in-submit').disabled = false;
    }
  });
}

onSignInNeeded((expired) => showSignIn(expired));

session.onChange = (accountChanged) => {
  const me = session.me;
  $('who').hidden = !me;
  $('nav').hidden = !me;
  if (!me) return;
  $('who-name').textContent = me.display_name;
  $('who-role').textContent = me.role;
  for (const link of document.querySelectorAll('#nav [data-role]')) {
    link.parentElement.hidden = !hasRole(link.dataset.role);
  }
  document.body.dataset.role = me.role;
  if (accountChanged && current) {
    // Another account signed in: what the last one saw is not theirs.
    queue.reset();
    route();
  }
};

// ----------------------------------------------------------------- routes

// An address is #VIEW, or #queue?status=S&id=N for one comment.
async function route() {
  const [name, search] = location.hash.replace(/^#/, '').split('?');
  let view = name || 'queue';
  if (!VIEWS.includes(view)) view = 'queue';
  const link = document.querySelector(`#nav [data-view="${view}"]`);
  // The admins' views are not even shown to others (the server would
  // refuse them anyway); the Posts list is, without its form.
  if (link && link.dataset.role === 'admin' && !hasRole('admin')) view = 'queue';
  if (current === 'queue' && view !== 'queue') queue.hide();
  current = view;
  for (const v of VIEWS) $(`view-${v}`).hidden = v !== view;
  for (const a of document.querySelectorAll('#nav a')) {
    if (a.dataset.view === view) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  document.body.dataset.view = view;
  if (view === 'queue') await queue.show(new URLSearchParams(search || ''));
  else await panels.show(view);
}

// ------------------------------------------------------------------ other

function wireHelp() {
  const help = $('help');
  $('help-open').addEventListener('click', () => help.showModal());
  help.addEventListener('close', () => queue.refocus());
  document.addEventListener('keydown', (e) => {
    if (e.key === '?' && !document.querySelector('dialog[open]')) {
      const t = e.target;
      const typing = t instanceof Element && (t.matches('textarea, select, [contenteditable]')
        || (t.matches('input') && !t.matches('[type=checkbox], [type=radio], [type=button], [type=submit]')));
      if (!typing) {
        e.preventDefault();
        help.showModal();
      }
    }
  });
}

function wirePassword() {
  const dialog = $('password');
  const form = $('password-form');
  $('password-open').addEventListener('click', () => {
    form.reset();
    formError(form, '');
    dialog.showModal();
  });
  form.querySelector('[data-close]').addEventListener('click', () => dialog.close());
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const body = {
      current_password: form.elements.current_password.value,
      new_password: form.elements.new_password.value,
    };
    form.reset();
    try {
      await api('POST', '/auth/password', body);
      dialog.close();
      queue.notify('Password changed. Your other sessions have ended.');
    } catch (err) {
      formError(form, err instanceof ApiError ? err.explanation : String(err));
    }
  });
}

function wireSignOut() {
  $('sign-out').addEventListener('click', async () => {
    queue.flush();
    // Give decisions being flushed a moment to leave with the cookie.
    await new Promise((r) => setTimeout(r, 150));
    await signOut();
    queue.reset();
    location.hash = '';
    await showSignIn(false);
    route();
  });
}

async function boot() {
  wireSignIn();
  wireHelp();
  wirePassword();
  wireSignOut();
  queue.setup();
  panels.setup();
  mail.setup();
  addEventListener('hashchange', route);
  let me = null;
  try {
    me = await refreshMe();
  } catch {
    me = null;
  }
  $('boot').hidden = true;
  document.body.dataset.state = 'ready';
  if (!me) await showSignIn(false);
  await route();
}

boot();
