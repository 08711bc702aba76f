/*! Colloquy comment widget: the Report form (docs/widget.md). embed.js
    imports it when a reader first opens a report, so it costs the others
    nothing. A report says the comment breaks the comment policy (a flag,
    with one of the reasons) or breaks the law: a notice (DSA art. 16) with
    an explanation, the law (optional), the notifier's name and address
    (optional, to hear the outcome) and a good-faith statement. */

// English; the other languages' words come with the widget's (embed/LANG.json).
const EN = {
  reportTitle: 'Why report this comment?',
  reasons: ['Spam', 'Abuse or harassment', 'Off-topic', 'Breaks the law', 'Other'],
  details: 'Details (optional)',
  explain: 'Why is it illegal? Be as precise as you can',
  law: 'Which law (optional)',
  notifierName: 'Your name (optional)',
  notifierEmail: 'Your e-mail (optional, to hear the outcome; never published)',
  goodFaith: 'I believe in good faith that what I say here is accurate and complete',
  reported: 'Thank you. A moderator will look at this comment.',
  noticed: 'Thank you. Your notice was received; a moderator will decide on it.',
  reportGone: 'This comment is no longer published.',
};
// The reason that makes the report a notice of illegal content.
const LAW = 3;

const closeReport = (w, refocus) => {
  const r = w.report;
  if (!r) return;
  w.report = null;
  r.f.remove();
  if (refocus) r.button.focus();
};

export default (w, button, art, { h, btn, call, tell, trouble, point }) => {
  const T = { ...EN, ...w.T };
  closeReport(w);
  const cancel = btn(null, T.close);
  const status = h('p', { class: 'colloquy-report-status', role: 'status' });
  const field = (name, label, control) =>
    h('div', { class: 'colloquy-field' }, h('label', { for: `colloquy-${name}`, text: label }), control);
  const input = (name, attrs) => h('input', { id: `colloquy-${name}`, name, dir: 'auto', ...attrs });
  const details = h('textarea', { id: 'colloquy-details', name: 'details', rows: 2, maxlength: 400, dir: 'auto' });
  const detailsLabel = h('label', { for: 'colloquy-details', text: T.details });
  const law = h(
    'fieldset',
    { class: 'colloquy-law', hidden: true },
    field('law', T.law, input('law', { maxlength: 300 })),
    field('notifier_name', T.notifierName, input('notifier_name', { maxlength: 120, autocomplete: 'name' })),
    field('notifier_email', T.notifierEmail, input('notifier_email', { type: 'email', autocomplete: 'email' })),
    h('div', { class: 'colloquy-remember' }, h('input', { type: 'checkbox', id: 'colloquy-good_faith', name: 'good_faith', required: true }), h('label', { for: 'colloquy-good_faith', text: T.goodFaith })),
  );
  const f = h(
    'form',
    { class: 'colloquy-report' },
    field('reason', T.reportTitle, h('select', { id: 'colloquy-reason', name: 'reason', required: true }, h('option', { value: '' }), ...T.reasons.map((text) => h('option', { text })))),
    h('div', { class: 'colloquy-field' }, detailsLabel, details),
    law,
    h('div', { class: 'colloquy-actions' }, h('button', { class: 'colloquy-submit', text: T.report }), cancel),
    status,
  );
  const choice = f.elements.reason;
  const illegal = () => choice.selectedIndex === LAW + 1;
  choice.addEventListener('change', () => {
    const on = illegal();
    law.hidden = !on;
    law.disabled = !on;
    details.required = on;
    details.maxLength = on ? 5000 : 400;
    detailsLabel.textContent = on ? T.explain : T.details;
  });
  law.disabled = true;
  cancel.addEventListener('click', () => closeReport(w, true));
  f.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (f.ariaBusy) return;
    f.ariaBusy = 'true';
    tell(status, 'sending', T.sending);
    const text = details.value.trim();
    const el = f.elements;
    const notice = illegal();
    const [res, answer] = notice
      ? await call(`comments/${art.dataset.id}/notices`, {
          category: 'illegal',
          explanation: text,
          law: el.law.value.trim() || undefined,
          notifier_name: el.notifier_name.value.trim() || undefined,
          notifier_email: el.notifier_email.value.trim() || undefined,
          good_faith: el.good_faith.checked,
        })
      : await call(`comments/${art.dataset.id}/flag`, { reason: text ? `${choice.value}: ${text}` : choice.value });
    f.ariaBusy = null;
    if (res?.status === 422) {
      for (const { field: name } of answer.errors || []) el[name === 'explanation' ? 'details' : name]?.setAttribute('aria-invalid', 'true');
      return tell(status, 'invalid', T.invalid);
    }
    if (!res || !(res.ok || res.status === 404)) return tell(status, res?.status === 429 ? 'rate-limited' : 'error', trouble(w, res));
    const done = h('p', { class: 'colloquy-reported' });
    const thanks = notice ? T.noticed : (w.lang === 'en' && answer.message) || T.reported;
    tell(done, res.ok ? 'received' : 'error', res.ok ? thanks : T.reportGone);
    w.report = null;
    f.replaceWith(done);
    button.hidden = true;
    point(done);
  });
  w.report = { f, button };
  button.parentElement.after(f);
  choice.focus();
};
