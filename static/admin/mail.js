// Mail in the workspace: the admins' outbox view (what waits, what was
// sent, what failed and why; retry or drop what failed) and the digest
// address — one's own in a dialog, anyone's in the accounts table (admins).

import { api, query, ApiError, session } from './api.js';
import { $, el, when, formError, plural, announce } from './util.js';
import { notify } from './queue.js';

function explain(e) {
  return e instanceof ApiError ? e.explanation : String(e);
}

// ------------------------------------------------------- field errors

/**
 * Shows a refusal in `form`: each field message of a 422 beside its field
 * (the `.field-error` whose data-field names it), anything else in the
 * form's error line. Clears what was shown before.
 */
export function showRefusal(form, err) {
  clearRefusal(form);
  const errors = err instanceof ApiError && err.status === 422 ? err.problem.errors || [] : [];
  const unplaced = [];
  for (const e of errors) {
    const box = form.querySelector(`.field-error[data-field="${CSS.escape(e.field)}"]`);
    const input = form.elements[e.field];
    if (!box) {
      unplaced.push(`${e.field} ${e.message}`);
      continue;
    }
    box.textContent = `${box.dataset.noun || 'This'} ${e.message}.`;
    if (input) input.setAttribute('aria-invalid', 'true');
  }
  if (!errors.length) formError(form, explain(err));
  else if (unplaced.length) formError(form, unplaced.join('; '));
  const invalid = form.querySelector('[aria-invalid=true]');
  if (invalid) invalid.focus();
}

/** Takes away what [`showRefusal`] showed. */
export function clearRefusal(form) {
  formError(form, '');
  for (const box of form.querySelectorAll('.field-error')) box.textContent = '';
  for (const input of form.querySelectorAll('[aria-invalid]')) input.removeAttribute('aria-invalid');
}

// ------------------------------------------------------ digest address

/** PATCHes account `id`'s digest address (`""` removes it); the account as it now is. */
async function saveAddress(id, email) {
  const account = await api('PATCH', `/moderation/accounts/${id}`, { email });
  if (session.me && session.me.id === account.id) session.me.email = account.email;
  return account;
}

function saved(account, own) {
  const whose = own ? 'Your digest address' : `The digest address of ${account.username}`;
  notify(account.email ? `${whose} is now ${account.email}.` : `${whose} is removed: no digest.`);
}

/**
 * The accounts table's cell for `account`'s digest address (admins): the
 * address in a field, Save, and Remove when there is one. `reload` runs
 * after a change.
 */
export function addressCell(account, reload) {
  const errorId = `account-${account.id}-email-error`;
  const input = el('input', {
    type: 'email',
    name: 'email',
    value: account.email || '',
    maxlength: '254',
    autocomplete: 'off',
    placeholder: 'none (no digest)',
    'aria-label': `Digest address of ${account.username}`,
    'aria-describedby': errorId,
  });
  const form = el('form', { class: 'address', novalidate: true },
    input, ' ',
    el('button', { type: 'submit', text: 'Save', 'aria-label': `Save the digest address of ${account.username}` }),
    account.email ? el('button', {
      type: 'button',
      text: 'Remove',
      'aria-label': `Remove the digest address of ${account.username}`,
      onclick: () => submit(''),
    }) : null,
    el('p', { class: 'field-error', id: errorId, role: 'alert', 'data-field': 'email', 'data-noun': 'This address' }),
    el('p', { class: 'form-error', role: 'alert' }));
  async function submit(email) {
    clearRefusal(form);
    try {
      const changed = await saveAddress(account.id, email);
      saved(changed, session.me && session.me.id === changed.id);
      await reload();
      // The table was drawn again: back to this account's field.
      const again = document.querySelector(`input[aria-label="${CSS.escape(input.getAttribute('aria-label'))}"]`);
      if (again) again.focus();
    } catch (err) {
      showRefusal(form, err);
    }
  }
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    submit(input.value.trim());
  });
  return form;
}

/** Wires the "My digest address" dialog (everyone signed in). */
function wireDigestDialog() {
  const dialog = $('digest');
  const form = $('digest-form');
  $('digest-open').addEventListener('click', () => {
    clearRefusal(form);
    form.elements.email.value = (session.me && session.me.email) || '';
    dialog.showModal();
    form.elements.email.focus();
  });
  form.querySelector('[data-close]').addEventListener('click', () => dialog.close());
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearRefusal(form);
    try {
      const account = await saveAddress(session.me.id, form.elements.email.value.trim());
      dialog.close();
      saved(account, true);
    } catch (err) {
      showRefusal(form, err);
    }
  });
}

// ------------------------------------------------------------- outbox

const STATES = ['failed', 'due', 'sent', 'dropped'];

const EMPTY = {
  failed: 'Nothing has failed.',
  due: 'Nothing is waiting to be sent.',
  sent: 'Nothing sent is on record.',
  dropped: 'Nothing dropped is on record.',
};

const CAPTION = {
  failed: 'Failed items: their tries ran out',
  due: 'Items waiting to be sent',
  sent: 'Sent items',
  dropped: 'Dropped items',
};

const COLUMNS = ['When', 'Kind', 'Channel', 'Recipient', 'Tries', 'Last error', 'Actions'];

const outbox = { state: 'failed', seq: 0 };

/** The state chosen in the filter. */
function chosen() {
  const checked = document.querySelector('#outbox-states input:checked');
  return checked ? checked.value : 'failed';
}

function showCounts(counts) {
  for (const s of STATES) {
    const n = counts[s] || 0;
    for (const span of document.querySelectorAll(`#outbox-states [data-count="${s}"]`)) {
      span.textContent = `(${n})`;
    }
  }
}

/** What happened when, as the item's state tells it. */
function timeCell(i) {
  const at = (label, iso) => el('span', { class: 'when', title: iso }, `${label} ${when(iso)}`);
  const main = {
    failed: at('gave up', i.next_attempt_at),
    due: at('next try', i.next_attempt_at),
    sent: i.sent_at ? at('sent', i.sent_at) : null,
    dropped: null,
  }[i.state];
  const queued = at('queued', i.created_at);
  return main ? [main, el('br'), el('span', { class: 'hint' }, queued)] : [queued];
}

function kindCell(i) {
  return [
    el('code', { text: i.kind }),
    i.comment_id ? el('span', { class: 'hint', text: ` about comment #${i.comment_id}` }) : null,
  ];
}

function row(i) {
  const values = [
    timeCell(i),
    kindCell(i),
    i.channel,
    el('span', { class: 'recipient', text: i.recipient }),
    String(i.attempts),
    i.last_error ? el('span', { class: 'error-text', text: i.last_error }) : null,
    i.state === 'failed' ? actions(i) : null,
  ];
  return el('tr', { 'data-id': String(i.id) },
    values.map((v, n) => el('td', { 'data-label': COLUMNS[n] }, v)));
}

/** What an item is, in a few words, for buttons and messages. */
function describe(i) {
  return `${i.kind} to ${i.recipient}`;
}

/** Retry, and Drop behind a confirmation in the same cell. */
function actions(i) {
  const box = el('span', { class: 'buttons' });
  const retry = el('button', {
    type: 'button',
    text: 'Retry',
    'data-act': 'retry',
    'aria-label': `Retry item ${i.id}: ${describe(i)}`,
    onclick: () => act(i, 'retry'),
  });
  const drop = el('button', {
    type: 'button',
    text: 'Drop',
    'data-act': 'drop',
    'aria-label': `Drop item ${i.id}: ${describe(i)}`,
    onclick: () => confirmDrop(),
  });
  function confirmDrop() {
    const question = el('span', { class: 'confirm', text: 'Drop it for good? It is never sent. ' });
    const yes = el('button', {
      type: 'button',
      class: 'danger',
      text: 'Yes, drop it',
      'data-act': 'drop-confirm',
      onclick: () => act(i, 'drop'),
    });
    const no = el('button', {
      type: 'button',
      text: 'Keep it',
      'data-act': 'drop-cancel',
      onclick: () => {
        box.replaceChildren(retry, drop);
        drop.focus();
      },
    });
    box.replaceChildren(question, yes, no);
    no.focus();
    announce(`Drop item ${i.id}, ${describe(i)}, for good? Yes, drop it, or Keep it.`);
  }
  box.append(retry, drop);
  return box;
}

async function act(i, action) {
  const tbody = $('outbox-table').tBodies[0];
  const rows = [...tbody.rows];
  const at = rows.findIndex((r) => r.dataset.id === String(i.id));
  for (const b of (rows[at] || tbody).querySelectorAll('button')) b.disabled = true;
  try {
    await api('POST', `/moderation/outbox/${i.id}/${action}`);
    notify(action === 'retry'
      ? `Item ${i.id} (${describe(i)}) is due again: the server tries it next.`
      : `Item ${i.id} (${describe(i)}) is dropped.`);
  } catch (e) {
    notify(e instanceof ApiError && e.status === 409
      ? `Item ${i.id} is no longer failed (someone else handled it).`
      : `Item ${i.id} was not ${action === 'retry' ? 'retried' : 'dropped'}: ${explain(e)}`);
  }
  try {
    await loadOutbox();
  } catch (e) {
    document.body.dataset.outbox = 'ready';
    notify(`The outbox could not be loaded: ${explain(e)}`);
    return;
  }
  // Focus goes to the item that took its place, or to the empty state.
  const after = [...$('outbox-table').tBodies[0].rows];
  const next = after[Math.min(Math.max(at, 0), after.length - 1)];
  const target = next ? next.querySelector('button') : null;
  if (target) target.focus();
  else if (!$('outbox-empty').hidden) $('outbox-empty').focus();
}

/** Loads the items in the chosen state and every state's count. */
export async function loadOutbox() {
  const state = chosen();
  outbox.state = state;
  const seq = ++outbox.seq;
  document.body.dataset.outbox = 'loading';
  const answer = await api('GET', `/moderation/outbox${query({ state })}`);
  // A later choice was made meanwhile: its answer is the one to show.
  if (seq !== outbox.seq) return;
  showCounts(answer.counts || {});
  const tbody = $('outbox-table').tBodies[0];
  tbody.replaceChildren(...answer.items.map(row));
  $('outbox-caption').textContent = `${CAPTION[state]}, newest first`;
  const empty = !answer.items.length;
  $('outbox-table').hidden = empty;
  $('outbox-empty').hidden = !empty;
  $('outbox-empty').textContent = empty ? EMPTY[state] : '';
  const total = (answer.counts || {})[state] || 0;
  const limit = $('outbox-limit');
  limit.hidden = total <= answer.items.length;
  limit.textContent = limit.hidden ? ''
    : `Showing the newest ${answer.items.length} of ${plural(total, 'item', 'items')}.`;
  document.body.dataset.outbox = 'ready';
}

/** Wires the dialog and the outbox's filter once. */
export function setup() {
  wireDigestDialog();
  $('outbox-states').addEventListener('change', () => {
    loadOutbox().catch((err) => {
      document.body.dataset.outbox = 'ready';
      notify(`The outbox could not be loaded: ${explain(err)}`);
    });
  });
}
