// The workspace's other views: the moderation log, bans, terms, posts
// (editors), accounts and the outbox (admins; the outbox in mail.js).

import { api, query, ApiError, hasRole, session } from './api.js';
import { $, el, when, formError } from './util.js';
import { reasons, reasonText, notify, loadPosts } from './queue.js';
import { addressCell, loadOutbox } from './mail.js';

function explain(e) {
  return e instanceof ApiError ? e.explanation : String(e);
}

function cell(...children) {
  return el('td', {}, ...children);
}

async function ensureReasons() {
  if (!reasons().length) {
    const answer = await api('GET', '/moderation/reasons');
    reasons().push(...answer.reasons);
  }
}

// -------------------------------------------------------------------- log

const log = { next: null, filters: {} };

// The log's columns, as its header names them: on a narrow screen each
// row is a card and every cell shows its column's name (data-label).
const LOG_COLUMNS = ['When', 'Who', 'Action', 'Comment', 'Post', 'Reason', 'Detail'];

/** A log cell under the column `label`; nothing in it when `content` is empty. */
function logCell(label, content) {
  return el('td', { 'data-label': label }, content || null);
}

/**
 * The comment an entry is about: its number as a link (the public
 * permalink while it is approved, else the queue narrowed to it), where
 * it stands, and an excerpt of what the reader wrote, set as text.
 */
function commentCell(e) {
  if (!e.comment_id) return null;
  const number = `#${e.comment_id}`;
  if (!e.comment_status) return el('span', { text: `${number} (no longer stored)` });
  // Only a web address is a link out (a post's url is checked when it is
  // saved; this keeps any other scheme from becoming one).
  const link = /^https?:\/\//i.test(e.comment_permalink || '')
    ? el('a', { class: 'comment-link', href: e.comment_permalink, target: '_blank', rel: 'noopener' },
      number, el('span', { class: 'visually-hidden', text: ' (public page, opens in a new tab)' }))
    : el('a', { class: 'comment-link', href: `#queue${query({ status: e.comment_status, id: e.comment_id })}` },
      number, el('span', { class: 'visually-hidden', text: ' (open in the queue)' }));
  return el('span', { class: 'comment-about' },
    link, ' ', el('span', { class: 'comment-status', text: e.comment_status }),
    e.comment_excerpt ? el('span', { class: 'excerpt', text: e.comment_excerpt }) : null);
}

function logRow(e) {
  const values = [
    el('span', { text: when(e.at), title: e.at }),
    e.moderator || 'system',
    e.action,
    commentCell(e),
    e.post_slug,
    e.reason ? el('span', { text: reasonLabel(e.reason), title: reasonText(e.reason) }) : null,
    e.detail,
  ];
  return el('tr', {}, values.map((v, i) => logCell(LOG_COLUMNS[i], v)));
}

async function loadLog(reset) {
  const tbody = $('log-table').querySelector('tbody');
  document.body.dataset.log = 'loading';
  if (reset) {
    log.next = null;
    tbody.replaceChildren();
  }
  const answer = await api('GET', `/moderation/log${query({ ...log.filters, limit: 50, cursor: reset ? '' : log.next })}`);
  tbody.append(...answer.entries.map(logRow));
  if (!tbody.childElementCount) {
    tbody.append(el('tr', {}, el('td', { colspan: String(LOG_COLUMNS.length), text: 'No entries.' })));
  }
  log.next = answer.next;
  $('log-more').hidden = !log.next;
  document.body.dataset.log = 'ready';
}

function reasonLabel(id) {
  const r = reasons().find((x) => x.id === id);
  return r ? r.label : id;
}

async function fillPostSelect(select) {
  const posts = await loadPosts();
  const current = select.value;
  select.replaceChildren(el('option', { value: '', text: 'Any' }),
    ...posts.map((p) => el('option', { value: p.slug, text: p.title })));
  select.value = current;
}

// ------------------------------------------------------------------- bans

async function loadBans() {
  const all = $('bans-all').checked;
  const answer = await api('GET', `/moderation/bans${query({ all: all ? 'true' : '' })}`);
  const tbody = $('bans-table').querySelector('tbody');
  tbody.replaceChildren(...answer.bans.map((b) => el('tr', { class: b.active ? '' : 'expired' },
    cell(b.kind === 'email' ? `e-mail ${b.email}`
      : `network address of ${b.author_name || 'a sender'}${b.comment_id ? ` (comment #${b.comment_id})` : ''}`),
    cell(b.created_by || ''),
    cell(b.note),
    cell(when(b.created_at)),
    cell(b.expires_at ? when(b.expires_at) : 'until lifted'),
    cell(b.active ? el('button', {
      type: 'button',
      text: 'Lift',
      'aria-label': `Lift ban ${b.id}`,
      onclick: async () => {
        try {
          await api('DELETE', `/moderation/bans/${b.id}`);
          notify('Ban lifted.');
          loadBans();
        } catch (e) {
          notify(`The ban could not be lifted: ${explain(e)}`);
        }
      },
    }) : 'expired'))));
  if (!answer.bans.length) tbody.append(el('tr', {}, el('td', { colspan: '6', text: 'No bans.' })));
}

// ------------------------------------------------------------------ terms

async function loadTerms() {
  await ensureReasons();
  const answer = await api('GET', '/moderation/terms');
  const admin = hasRole('admin');
  const item = (t) => el('li', {},
    el('span', { class: 'term', text: t.term }),
    t.kind === 'banned' ? el('span', { class: 'hint', text: ` → ${reasonLabel(t.reason || answer.default_reason)}` }) : '',
    admin ? el('button', {
      type: 'button',
      text: 'Remove',
      'aria-label': `Remove ${t.term}`,
      onclick: async () => {
        try {
          await api('DELETE', `/moderation/terms/${t.id}`);
          notify(`Removed “${t.term}”.`);
          loadTerms();
        } catch (e) {
          notify(`Could not remove it: ${explain(e)}`);
        }
      },
    }) : '');
  for (const kind of ['banned', 'suspect']) {
    const listed = answer.terms.filter((t) => t.kind === kind).map(item);
    $(`terms-${kind}`).replaceChildren(...(listed.length ? listed : [el('li', { class: 'hint', text: 'None yet.' })]));
  }
  const configured = $('terms-configured');
  configured.hidden = !answer.configured.length;
  configured.textContent = answer.configured.length
    ? `Also suspect, from the configuration (spam.banned_terms): ${answer.configured.join(', ')}.` : '';
  const select = $('term-reason');
  if (!select.childElementCount) {
    select.append(...reasons().map((r) => el('option', { value: r.id, text: r.label, selected: r.id === answer.default_reason })));
  }
}

// ------------------------------------------------------------------ posts

const posts = { next: null };

async function loadPostList(reset) {
  const tbody = $('posts-table').querySelector('tbody');
  if (reset) {
    posts.next = null;
    tbody.replaceChildren();
  }
  const answer = await api('GET', `/moderation/posts${query({ limit: 50, cursor: reset ? '' : posts.next })}`);
  const editor = hasRole('editor');
  for (const p of answer.posts) {
    tbody.append(el('tr', {},
      cell(el('strong', { text: p.title }), el('br'), el('code', { text: p.slug }),
        p.auto_created ? el('span', { class: 'tag', text: ' started by a reader\u2019s comment' }) : false),
      cell(when(p.published_at)),
      cell(String(p.comment_count)),
      cell(p.comments_open ? 'open' : 'closed'),
      cell(editor ? el('span', {},
        el('button', { type: 'button', text: 'Edit', 'aria-label': `Edit ${p.title}`, onclick: () => editPost(p.slug) }),
        ' ',
        el('button', {
          type: 'button',
          text: p.comments_open ? 'Close comments' : 'Open comments',
          'aria-label': `${p.comments_open ? 'Close' : 'Open'} comments on ${p.title}`,
          onclick: async () => {
            try {
              await api('PATCH', `/moderation/posts/${p.slug}`, { comments_open: !p.comments_open });
              notify(`Comments ${p.comments_open ? 'closed' : 'opened'} on “${p.title}”.`);
              loadPostList(true);
            } catch (e) {
              notify(`Not changed: ${explain(e)}`);
            }
          },
        })) : '')));
  }
  posts.next = answer.next;
  $('posts-more').hidden = !posts.next;
}

/** An RFC 3339 time as a `datetime-local` input's value, in local time. */
function localInput(iso) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const two = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())}T${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

/** A `datetime-local` value (local time) as RFC 3339 in UTC. */
function utcTime(local) {
  return new Date(local).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

async function editPost(slug) {
  const form = $('post-form');
  try {
    const p = await api('GET', `/moderation/posts/${slug}`);
    form.elements.original_slug.value = p.slug;
    for (const name of ['slug', 'title', 'author', 'summary']) form.elements[name].value = p[name] || '';
    form.elements.published_at.value = localInput(p.published_at);
    form.elements.url.value = p.url || '';
    form.elements.body.value = p.body_source || '';
    form.elements.comments_open.checked = p.comments_open;
    $('post-form-title').textContent = `Edit “${p.title}”`;
    $('post-save').textContent = 'Save changes';
    $('post-cancel').hidden = false;
    formError(form, '');
    form.elements.title.focus();
  } catch (e) {
    notify(`Could not open the post: ${explain(e)}`);
  }
}

function resetPostForm() {
  const form = $('post-form');
  form.reset();
  form.elements.original_slug.value = '';
  $('post-form-title').textContent = 'New post';
  $('post-save').textContent = 'Create post';
  $('post-cancel').hidden = true;
  formError(form, '');
}

// --------------------------------------------------------------- accounts

async function loadAccounts() {
  const answer = await api('GET', '/moderation/accounts');
  const tbody = $('accounts-table').querySelector('tbody');
  tbody.replaceChildren(...answer.accounts.map((a) => {
    const role = el('select', { 'aria-label': `Role of ${a.username}` },
      ...['moderator', 'editor', 'admin'].map((r) => el('option', { value: r, text: r, selected: r === a.role })));
    role.addEventListener('change', () => change(a, { role: role.value }));
    // On a phone each row is a card whose lines name their column.
    const labelled = (label, ...children) => el('td', { 'data-label': label }, ...children);
    return el('tr', { class: a.disabled ? 'expired' : '' },
      labelled('User', el('code', { text: a.username })),
      labelled('Name', a.display_name),
      labelled('Role', role),
      labelled('State', a.disabled ? 'disabled' : 'active'),
      labelled('Digest', addressCell(a, loadAccounts)),
      cell(
        el('button', {
          type: 'button',
          text: a.disabled ? 'Enable' : 'Disable',
          'aria-label': `${a.disabled ? 'Enable' : 'Disable'} ${a.username}`,
          onclick: () => change(a, { disabled: !a.disabled }),
        }),
        ' ',
        el('button', {
          type: 'button',
          text: 'New password',
          'aria-label': `Issue a new password for ${a.username}`,
          onclick: async () => {
            try {
              const r = await api('POST', `/moderation/accounts/${a.id}/password`);
              showOneTime(r.account.username, r.password);
            } catch (e) {
              notify(`No new password: ${explain(e)}`);
            }
          },
        })));
  }));
}

async function change(account, body) {
  try {
    await api('PATCH', `/moderation/accounts/${account.id}`, body);
    notify(`Account ${account.username} changed.`);
  } catch (e) {
    notify(`Not changed: ${explain(e)}`);
  }
  loadAccounts();
}

function showOneTime(username, password) {
  const box = $('one-time');
  $('one-time-user').textContent = username;
  $('one-time-password').textContent = password;
  box.hidden = false;
  box.focus();
}

// ------------------------------------------------------------------ setup

function onSubmit(id, handler) {
  const form = $(id);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    formError(form, '');
    try {
      await handler(form);
    } catch (err) {
      formError(form, explain(err));
    }
  });
}

/** Wires the panels once. */
export function setup() {
  $('log-filters').addEventListener('submit', (e) => {
    e.preventDefault();
    const f = e.target.elements;
    log.filters = { moderator: f.moderator.value.trim(), action: f.action.value, post: f.post.value };
    loadLog(true).catch((err) => notify(explain(err)));
  });
  $('log-more').addEventListener('click', () => loadLog(false).catch((err) => notify(explain(err))));
  $('bans-all').addEventListener('change', () => loadBans().catch((err) => notify(explain(err))));
  onSubmit('ban-email-form', async (form) => {
    const days = form.elements.days.value;
    await api('POST', '/moderation/bans', {
      kind: 'email',
      email: form.elements.email.value,
      note: form.elements.note.value,
      days: days ? Number(days) : undefined,
    });
    form.reset();
    notify('Address banned.');
    await loadBans();
  });
  onSubmit('term-form', async (form) => {
    const kind = form.elements.kind.value;
    await api('POST', '/moderation/terms', {
      term: form.elements.term.value,
      kind,
      reason: kind === 'banned' ? form.elements.reason.value : undefined,
    });
    notify(`Added “${form.elements.term.value.trim()}” to the ${kind} terms.`);
    form.elements.term.value = '';
    form.elements.term.focus();
    await loadTerms();
  });
  $('term-form').elements.kind.addEventListener('change', (e) => {
    $('term-reason').disabled = e.target.value !== 'banned';
  });
  onSubmit('post-form', async (form) => {
    const f = form.elements;
    const body = {
      slug: f.slug.value.trim(),
      title: f.title.value,
      author: f.author.value,
      summary: f.summary.value,
      body: f.body.value,
      url: f.url.value,
      comments_open: f.comments_open.checked,
    };
    if (f.published_at.value) body.published_at = utcTime(f.published_at.value);
    const original = f.original_slug.value;
    if (original) {
      await api('PATCH', `/moderation/posts/${original}`, body);
      notify(`Saved “${body.title}”.`);
    } else {
      await api('POST', '/moderation/posts', body);
      notify(`Created “${body.title}”.`);
    }
    resetPostForm();
    await loadPostList(true);
    loadPosts();
  });
  $('post-cancel').addEventListener('click', resetPostForm);
  $('posts-more').addEventListener('click', () => loadPostList(false).catch((err) => notify(explain(err))));
  onSubmit('account-form', async (form) => {
    const f = form.elements;
    const answer = await api('POST', '/moderation/accounts', {
      username: f.username.value.trim(),
      display_name: f.display_name.value.trim() || undefined,
      role: f.role.value,
      password: f.password.value || undefined,
    });
    f.password.value = '';
    form.reset();
    if (answer.password) showOneTime(answer.account.username, answer.password);
    else notify(`Account ${answer.account.username} created.`);
    await loadAccounts();
  });
  $('one-time-done').addEventListener('click', () => {
    $('one-time-password').textContent = '';
    $('one-time').hidden = true;
  });
}

/** Shows one of the panels, loading what it needs. */
export async function show(view) {
  try {
    if (view === 'log') {
      await ensureReasons();
      await fillPostSelect($('log-post'));
      await loadLog(true);
    } else if (view === 'bans') {
      await loadBans();
    } else if (view === 'terms') {
      $('term-form').hidden = !hasRole('admin');
      await loadTerms();
    } else if (view === 'posts') {
      const editor = hasRole('editor');
      $('post-form').hidden = !editor;
      $('posts-denied').hidden = editor;
      await loadPostList(true);
    } else if (view === 'accounts') {
      await loadAccounts();
    } else if (view === 'outbox') {
      await loadOutbox();
    }
  } catch (e) {
    notify(`This view could not be loaded: ${explain(e)}`);
  }
  return session.me;
}
