/*! Colloquy comment widget. Embedding, options and the DOM contract: docs/widget.md */
(() => {
  'use strict';

  const ONCE = Symbol.for('colloquy.widget');
  if (window[ONCE]) return;
  window[ONCE] = true;

  const me = document.currentScript || [...document.querySelectorAll('script[src*="embed.js"]')].pop();
  if (!me || !me.src) return;
  const BASE = new URL('.', me.src);
  const API = new URL('api/v1/', BASE).href;
  // The server writes its assets' version here, so the files below are
  // cached for good and fetched again only after an upgrade.
  const V = '__COLLOQUY_ASSETS__';
  const STYLES = new URL(`embed.css?v=${V}`, BASE).href;
  const MAX_BODY = 10000;
  const MAX_DEPTH = 3;
  const STORE = 'colloquy.reader';
  const FIELDS = ['author_name', 'author_location', 'email', 'body'];

  // ---- Words: English here, the others from embed/LANG.json when a page asks for them
  const LANGS = ['en', 'ru', 'fr', 'es', 'ar'];
  const L = {
    en: {
      total: { one: '# comment', other: '# comments' },
      loading: 'Loading comments…',
      retry: 'Try again',
      empty: 'No comments yet.',
      order: 'Order',
      oldest: 'Oldest first',
      newest: 'Newest first',
      more: 'Load more comments',
      official: 'Official reply',
      reply: 'Reply',
      inReplyTo: 'In reply to {name}',
      formTitle: 'Leave a comment',
      note: 'Comments are reviewed by a moderator before they appear.',
      author_name: 'Name',
      author_location: 'Location (optional)',
      email: 'E-mail (optional, never published)',
      body: 'Comment',
      remember: 'Remember my name and location on this device',
      notify: 'E-mail me when my comment is published or answered',
      submit: 'Submit comment',
      preview: 'Preview',
      previewTitle: 'Preview (not sent yet)',
      sending: 'Sending…',
      replying: 'Replying to {name}',
      closed: 'Comments are closed.',
      pending: 'Thank you. Your comment is awaiting review.',
      invalid: 'Please correct the marked fields.',
      rate: 'You have sent several messages in a short time. Please try again {when}.',
      notFound: 'The comment server has no post “{slug}”.',
      failed: 'Something went wrong ({status}). Please try again later.',
      offline: 'The comment server could not be reached. Check your connection and try again.',
      writes: '{name} writes:',
      officialBy: '{name} reply:',
      skip: 'Skip to the comment form',
      report: 'Report',
      close: 'Cancel',
      awaiting: 'Awaiting review',
      emailHint: 'Only to tell you when your comment is published.',
      banned: 'You cannot comment on this site.',
      refused: 'The comment server refused this page ({origin}): add it to allowed_origins.',
      helpTitle: 'Formatting help',
      help: ['*italic*, **bold**, `code`', '[a link](https://…), https://…', '> a quotation, - a list, 1. a numbered list', 'A blank line starts a new paragraph; HTML shows as typed.'],
      honeypot: 'Leave this empty',
      hint: {
        author_name: 'Please enter your name (at most 80 characters).',
        email: 'Please enter a valid e-mail address, or leave this empty.',
        body: 'Please write your comment (at most 10,000 characters).',
      },
    },
  };

  // ---- Helpers
  const h = (tag, attrs, ...kids) => {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) {
      if (v == null || v === false) continue;
      if (k === 'text') el.textContent = v;
      else el.setAttribute(k, v === true ? '' : v);
    }
    el.append(...kids.filter((k) => k != null && k !== false));
    return el;
  };
  const btn = (cls, text) => h('button', { type: 'button', class: cls && `colloquy-${cls}`, text });
  const fmt = (s, k, v) => s.replace(`{${k}}`, () => `\u2068${v}\u2069`);
  const tidy = (s) => String(s).replace(/(^|[^.])\.\.(?!\.)/g, '$1.'); // ".." but not "..."
  // [the answer, its JSON or {}]; without an answer, 'refused' when a no-cors
  // request gets one (CORS refused this page's origin), else null (offline).
  // A GET sends no Content-Type, so it needs no preflight.
  const call = async (path, body) => {
    try {
      const res = await fetch(API + path, {
        method: body && 'POST',
        credentials: 'omit',
        headers: body && { 'Content-Type': 'application/json' },
        body: body && JSON.stringify(body),
      });
      return [res, await res.json().catch(() => ({}))];
    } catch {
      return [await fetch(STYLES, { mode: 'no-cors', cache: 'no-store' }).then(() => 'refused', () => null), {}];
    }
  };
  const store = (area, key, value) => {
    try {
      if (value === undefined) return JSON.parse(window[area].getItem(key));
      if (value === null) window[area].removeItem(key);
      else window[area].setItem(key, JSON.stringify(value));
    } catch {
      /* storage blocked: nothing is kept */
    }
    return null;
  };
  // Focus on what is not a control (a comment, a notice) without adding it to the tab order.
  const point = (el, still) => {
    el.tabIndex = -1;
    el.focus({ preventScroll: still });
  };
  const tell = (el, kind, text) => {
    el.dataset.kind = kind;
    el.textContent = tidy(text);
  };
  const trouble = (w, res) => {
    const { T } = w;
    if (res === 'refused') return fmt(T.refused, 'origin', location.origin);
    if (!res) return T.offline;
    if (res.status === 429) {
      const secs = +res.headers.get('Retry-After') || 60;
      const rel = new Intl.RelativeTimeFormat(w.lang);
      return T.rate.replace('{when}', secs < 90 ? rel.format(secs, 'second') : rel.format(Math.ceil(secs / 60), 'minute'));
    }
    return T.failed.replace('{status}', res.status);
  };

  // ---- Counts
  const counts = async () => {
    const spans = [...document.querySelectorAll('[data-colloquy-count]')];
    const slugs = [...new Set(spans.map((s) => s.dataset.colloquyCount.trim()).filter(Boolean))];
    for (let i = 0; i < slugs.length; i += 200) {
      // Without an answer, a span keeps the page's placeholder.
      const [, { counts: found = {} }] = await call(`counts?posts=${slugs.slice(i, i + 200).map(encodeURIComponent).join(',')}`);
      for (const s of spans) {
        const n = found[s.dataset.colloquyCount.trim()];
        if (typeof n === 'number') s.textContent = String(n);
      }
    }
  };

  // ---- One thread (`w`)
  const words = (lang) =>
    (L[lang] ||= fetch(new URL(`embed/${lang}.json?v=${V}`, BASE))
      .then((res) => (res.ok ? res.json() : {}))
      .catch(() => ({})));
  const mount = async (host) => {
    const slug = (host.dataset.post || host.dataset.colloquyThread || '').trim();
    // start() runs once (see ONCE), so each host is mounted once.
    if (!slug || host.shadowRoot) return;
    const asked = (host.dataset.lang || document.documentElement.lang || 'en').toLowerCase().split(/[-_]/)[0];
    const lang = LANGS.includes(asked) ? asked : 'en';
    const T = { ...L.en, ...(await words(lang)) };
    const page = host.dataset.url || document.querySelector('link[rel~="canonical"]')?.href || location.href;
    const w = {
      slug,
      lang,
      T,
      page: page.split('#')[0],
      title: host.dataset.title || document.title,
      plurals: new Intl.PluralRules(lang),
      dates: new Intl.DateTimeFormat(lang, { dateStyle: 'long', timeStyle: 'short' }),
      by: { reader: T.writes.split('{name}'), official: T.officialBy.split('{name}') },
      order: host.dataset.order === 'newest' ? 'newest' : 'oldest',
      seq: 0,
      hunt: 20,
      ownKey: `colloquy.own ${API}${slug}`,
    };
    w.own = store('sessionStorage', w.ownKey) || [];
    try {
      w.shadow = host.attachShadow({ mode: 'open' });
    } catch {
      return;
    }
    shell(w, ['light', 'dark'].includes(host.dataset.theme) ? host.dataset.theme : null);
    w.root.addEventListener('click', (e) => {
      const t = e.target.closest('a, button');
      const is = (c) => t?.classList.contains(`colloquy-${c}`);
      const art = t?.closest('.colloquy-comment');
      if (is('reply')) startReply(w, t, art);
      else if (is('preview')) preview(w);
      else if (is('cancel')) stopReply(w, true);
      else if (is('retry')) load(w, true);
      else if (is('more')) w.root.dataset.state === 'loading' || load(w);
      else if (is('flag')) openReport(w, t, art);
      else if (is('skip') || is('new')) {
        e.preventDefault();
        stopReply(w);
        const el = w.form.elements;
        (el.author_name.value ? el.body : el.author_name).focus();
      } else if (is('permalink') && t.href.split('#')[0] === location.href.split('#')[0]) setTimeout(() => seek(w));
    });
    w.root.addEventListener('keydown', (e) => e.key === 'Escape' && w.form?.contains(e.target) && stopReply(w, true));
    addEventListener('hashchange', () => seek(w, (w.hunt = 20)));
    w.select.addEventListener('change', () => {
      w.order = w.select.value;
      load(w, true);
    });
    w.form = buildForm(w);
    load(w, true);
  };

  const shell = (w, theme) => {
    const { T } = w;
    w.total = h('span', { class: 'colloquy-total' });
    w.select = h(
      'select',
      { name: 'order', id: 'colloquy-order' },
      h('option', { value: 'oldest', text: T.oldest }),
      h('option', { value: 'newest', text: T.newest }),
    );
    w.select.value = w.order;
    w.list = h('div', { class: 'colloquy-list' }, h('p', { class: 'colloquy-loading', text: T.loading }));
    w.more = btn('more', T.more);
    w.more.hidden = true;
    w.status = h('div', { class: 'colloquy-status', role: 'status', 'aria-live': 'polite' });
    w.tail = h('div', { class: 'colloquy-tail' });
    w.skip = h('a', { class: 'colloquy-skip', href: '#colloquy-form', hidden: true, text: T.skip });
    w.header = h(
      'header',
      { class: 'colloquy-header', hidden: true },
      h('h2', { class: 'colloquy-heading' }, w.total),
      h('div', { class: 'colloquy-sort' }, h('label', { for: 'colloquy-order', text: T.order }), w.select),
    );
    w.root = h(
      'div',
      { class: 'colloquy', lang: w.lang, dir: T.dir || 'ltr', 'data-state': 'loading', 'data-theme': theme },
      w.skip,
      w.header,
      w.list,
      w.more,
      w.tail,
      w.status,
    );
    w.shadow.append(h('link', { rel: 'stylesheet', href: STYLES }), w.root);
    w.proto = h(
      'article',
      { class: 'colloquy-comment' },
      h(
        'div',
        { class: 'colloquy-main' },
        h(
          'header',
          { class: 'colloquy-meta' },
          h('p', { class: 'colloquy-byline' }, h('bdi', { class: 'colloquy-author' })),
          h('p', { class: 'colloquy-when' }, h('a', { class: 'colloquy-permalink' }, h('time', { class: 'colloquy-date' }))),
        ),
        h('div', { class: 'colloquy-body', dir: 'auto' }),
        h('div', { class: 'colloquy-tools' }),
      ),
    );
    w.protoReply = btn('reply', T.reply);
    w.protoFlag = btn('flag', T.report);
    w.protoBadge = h('span', { class: 'colloquy-badge', text: T.official });
  };

  const say = (w, kind, text) => tell(w.status, kind, text);

  // ---- Load
  const load = async (w, reset) => {
    const mine = ++w.seq;
    const hadFocus = w.shadow.activeElement === w.more;
    w.root.dataset.state = 'loading';
    w.more.ariaDisabled = 'true';
    if (reset) {
      w.cursor = null;
      stopReply(w);
    }
    const q = new URLSearchParams({ order: w.order, limit: 50, url: w.page, cursor: w.cursor || '' });
    const [res, data] = await call(`posts/${encodeURIComponent(w.slug)}/comments?${q}`);
    if (mine !== w.seq) return;
    if (res?.ok && data.post) showPage(w, data, reset, hadFocus);
    else loadFailed(w, res, reset);
  };

  const loadFailed = (w, why, reset) => {
    const { T } = w;
    w.root.dataset.state = 'error';
    w.more.ariaDisabled = null;
    const gone = why?.status === 404;
    const text = gone ? fmt(T.notFound, 'slug', w.slug) : trouble(w, why);
    if (reset) {
      const retry = why !== 'refused' && !gone && btn('retry', T.retry);
      w.list.replaceChildren(h('p', { class: 'colloquy-error', text: tidy(text) }, retry && ' ', retry));
      w.more.hidden = w.header.hidden = w.skip.hidden = true;
    }
    say(w, 'error', text);
  };

  const showPage = (w, data, reset, hadFocus) => {
    const { T, list, more } = w;
    w.open = !!data.post.comments_open;
    if (w.form) w.notify.hidden = !data.notify;
    if (!w.tail.firstChild) {
      if (w.open) w.form.append(w.status);
      else w.form = null;
      w.tail.append(w.form || h('p', { class: 'colloquy-closed', text: T.closed }));
    }
    w.header.hidden = false;
    w.skip.hidden = !w.form;
    w.total.textContent = (T.total[w.plurals.select(data.total)] || T.total.other).replace('#', data.total);
    const frag = document.createDocumentFragment();
    render(w, frag, data.comments, 0, null);
    const first = frag.firstElementChild;
    if (reset) list.replaceChildren(frag);
    else list.append(frag);
    w.cursor = data.next;
    placeOwn(w);
    if (!list.firstChild) list.append(h('p', { class: 'colloquy-empty', text: T.empty }));
    more.hidden = !w.cursor;
    more.ariaDisabled = null;
    w.root.dataset.state = 'ready';
    if (hadFocus && more.hidden && first) point(first);
    if (w.hunt > 0) seek(w);
  };

  // `#comment-N` names a comment the widget may not show yet: up to `hunt`
  // more pages are loaded to find it (a reply comes with its top-level comment).
  const seek = (w) => {
    const m = /^#comment-(\d+)$/.exec(location.hash);
    const el = m && w.shadow.getElementById(`comment-${m[1]}`);
    if (!el) return m && w.cursor && w.root.dataset.state === 'ready' && w.hunt-- > 0 && load(w);
    w.hunt = 0;
    w.list.querySelector('[data-target]')?.removeAttribute('data-target');
    el.dataset.target = '';
    point(el, true);
    // Comments off screen are laid out at a guessed height (content-visibility):
    // lay them all out first, or the comment drifts away as they render.
    w.list.dataset.target = '';
    el.scrollIntoView();
  };

  // ---- Render
  const render = (w, into, items, depth, parentName) => {
    for (const c of items) {
      const art = comment(w, c, parentName);
      into.append(art);
      const replies = c.replies || [];
      if (!replies.length) continue;
      if (depth + 1 < MAX_DEPTH) {
        const box = h('div', { class: 'colloquy-replies' });
        art.append(box);
        render(w, box, replies, depth + 1, null);
      } else {
        render(w, into, replies, depth, c.author_name);
      }
    }
  };

  const comment = (w, c, parentName, mine) => {
    const { T } = w;
    const aid = `colloquy-a-${c.id}${mine ? 'p' : ''}`;
    const art = w.proto.cloneNode(true);
    const [meta, body, tools] = art.firstChild.children;
    const [byline, when] = meta.children;
    const author = byline.firstChild;
    const link = when.firstChild;
    const date = link.firstChild;
    const kind = c.kind === 'official' ? 'official' : 'reader';
    art.dataset.id = c.id;
    art.dataset.kind = kind;
    art.setAttribute('aria-labelledby', aid);
    author.id = aid;
    author.textContent = c.author_name;
    author.before(w.by[kind][0]);
    author.after(w.by[kind][1]);
    if (kind === 'official') byline.append(' ', w.protoBadge.cloneNode(true));
    if (c.author_location) when.prepend(h('span', { class: 'colloquy-location' }, h('bdi', { text: c.author_location })));
    date.dateTime = c.created_at;
    const d = new Date(c.created_at);
    date.textContent = isNaN(d) ? c.created_at : w.dates.format(d);
    if (parentName) body.before(h('p', { class: 'colloquy-context', text: fmt(T.inReplyTo, 'name', parentName) }));
    if (mine) {
      art.dataset.pending = '';
      link.replaceWith(date);
      byline.append(' ', h('span', { class: 'colloquy-awaiting', text: T.awaiting }));
      body.textContent = c.body;
      tools.remove();
      return art;
    }
    art.id = `comment-${c.id}`;
    link.href = /^https?:\/\//i.test(c.permalink) ? c.permalink : `#comment-${c.id}`;
    body.innerHTML = c.body_html; // sanitised by the server; the only HTML we insert
    for (const b of [w.open && w.protoReply, kind === 'reader' && w.protoFlag]) {
      if (!b) continue;
      const button = tools.appendChild(b.cloneNode(true));
      button.setAttribute('aria-describedby', aid);
    }
    return art;
  };

  // The reader's comments awaiting review: this tab's sessionStorage, never sent.
  const placeOwn = (w) => {
    const { list } = w;
    const shown = (id, mine) => list.querySelector(`[data-id="${id}"]${mine ? '[data-pending]' : ':not([data-pending])'}`);
    const left = w.own.filter((c) => !shown(c.id));
    if (left.length < w.own.length) store('sessionStorage', w.ownKey, (w.own = left));
    for (const c of left) {
      const art = shown(c.id, true);
      const parent = c.parent_id && shown(c.parent_id);
      if (parent && !art) {
        if (!parent.lastChild.matches('.colloquy-replies')) parent.append(h('div', { class: 'colloquy-replies' }));
        parent.lastChild.append(comment(w, c, null, true));
      } else if (!c.parent_id && w.order === 'oldest') list.append(art || comment(w, c, null, true));
      else if (!c.parent_id && !art) list.prepend(comment(w, c, null, true));
    }
    if (list.querySelector('[data-pending]')) list.querySelector('.colloquy-empty')?.remove();
  };

  // ---- Reports: embed/report.js, fetched when a reader first opens one
  const openReport = async (w, button, art) => {
    try {
      (await import(new URL(`embed/report.js?v=${V}`, BASE))).default(w, button, art, { h, btn, call, tell, trouble, point });
    } catch {
      /* offline: the Report button stays */
    }
  };

  // ---- The form
  const buildForm = (w) => {
    const { T } = w;
    const saved = store('localStorage', STORE);
    const f = h(
      'form',
      { class: 'colloquy-form', id: 'colloquy-form', method: 'post', action: `${API}posts/${encodeURIComponent(w.slug)}/comments`, novalidate: true },
      h('h3', { class: 'colloquy-form-title', text: T.formTitle }),
      h('p', { class: 'colloquy-note', text: T.note }),
      h('div', { class: 'colloquy-replying', id: 'colloquy-replying', hidden: true }),
      h('input', { type: 'hidden', name: 'parent_id' }),
      h(
        'div',
        { class: 'colloquy-row' },
        field(w, 'author_name', { required: true, maxlength: 80, autocomplete: 'name' }),
        field(w, 'author_location', { maxlength: 80, autocomplete: 'country-name' }),
      ),
      field(w, 'email', { type: 'email', maxlength: 254, autocomplete: 'email' }, h('span', { class: 'colloquy-hint', id: 'colloquy-hint-email', text: T.emailHint })),
      field(w, 'body', { required: true, rows: 6 }, h('span', { class: 'colloquy-counter', id: 'colloquy-counter', text: `0 / ${MAX_BODY}` })),
      h(
        'details',
        { class: 'colloquy-help' },
        h('summary', { text: T.helpTitle }),
        h('ul', {}, ...T.help.map((text) => h('li', { dir: 'auto', text }))),
      ),
      h(
        'div',
        { class: 'colloquy-hp', 'aria-hidden': 'true' },
        h('label', { for: 'colloquy-website', text: T.honeypot }),
        h('input', { id: 'colloquy-website', name: 'website', tabindex: '-1', autocomplete: 'off' }),
      ),
      (w.notify = check(T, 'notify')),
      check(T, 'remember', !!saved),
      h('div', { class: 'colloquy-actions' }, h('button', { type: 'submit', class: 'colloquy-submit', text: T.submit }), btn('preview', T.preview)),
      (w.shown = h('div', { class: 'colloquy-previewed', 'aria-live': 'polite' })),
    );
    const el = f.elements;
    if (saved) {
      el.author_name.value = saved.author_name || '';
      el.author_location.value = saved.author_location || '';
    }
    el.body.addEventListener('input', () => count(f));
    el.remember.addEventListener('change', () => el.remember.checked || store('localStorage', STORE, null));
    f.addEventListener('submit', (e) => {
      e.preventDefault();
      send(w, f);
    });
    return f;
  };

  const check = (T, name, checked) =>
    h('div', { class: 'colloquy-remember', hidden: name == 'notify' }, h('input', { type: 'checkbox', id: `colloquy-${name}`, name, value: 1, checked }), h('label', { for: `colloquy-${name}`, text: T[name] }));

  const field = (w, name, attrs, hint) => {
    const id = `colloquy-${name}`;
    const input = h(name === 'body' ? 'textarea' : 'input', { id, name, dir: 'auto', 'data-hint': hint?.id, 'aria-describedby': hint?.id, ...attrs });
    return h('div', { class: `colloquy-field colloquy-field-${name}` }, h('label', { for: id, text: w.T[name] }), input, hint);
  };

  const count = (f) => {
    const counter = f.querySelector('.colloquy-counter');
    const n = [...f.elements.body.value].length; // characters (code points), as the server counts
    counter.textContent = `${n} / ${MAX_BODY}`;
    counter.toggleAttribute('data-over', n > MAX_BODY);
  };

  const setDescribed = (w, name) => {
    const { form } = w;
    const input = form.elements[name];
    const ids = [
      input.dataset.hint,
      name === 'body' && form.elements.parent_id.value && 'colloquy-replying',
      form.querySelector(`#colloquy-error-${name}`) && `colloquy-error-${name}`,
    ].filter(Boolean);
    if (ids.length) input.setAttribute('aria-describedby', ids.join(' '));
    else input.removeAttribute('aria-describedby');
  };

  const fieldError = (w, name, message) => {
    const { form } = w;
    const input = FIELDS.includes(name) && form.elements[name];
    const text = tidy((w.lang === 'en' && message) || w.T.hint[name] || message);
    form.querySelector(`#colloquy-error-${name}`)?.remove();
    const err = h('p', { class: 'colloquy-field-error', 'data-field': name, id: `colloquy-error-${name}`, text });
    if (!input) return form.querySelector('.colloquy-replying').after(err);
    input.closest('.colloquy-field').append(err);
    input.ariaInvalid = 'true';
    setDescribed(w, name);
    return input;
  };

  const clear = (w, name) => {
    w.form.querySelector(`#colloquy-error-${name}`)?.remove();
    w.form.elements[name].ariaInvalid = null;
    setDescribed(w, name);
  };

  // The server renders the text as it would publish it; nothing is stored.
  const preview = async (w) => {
    const f = w.form;
    const mine = (w.asked = {});
    clear(w, 'body');
    const [res, answer] = await call('preview', { body: f.elements.body.value });
    if (mine !== w.asked) return;
    const body = h('div', { class: 'colloquy-body', dir: 'auto' });
    body.innerHTML = answer.body_html || ''; // sanitised by the server (nothing on a refusal)
    w.shown.replaceChildren(...(body.firstChild ? [h('h4', { text: w.T.previewTitle }), body] : []));
    if (!res?.ok) answered(w, f, res, answer);
  };

  // The form answers comment `id` ('' for none), saying so in `.colloquy-replying`.
  const replyTo = (w, id, ...said) => {
    const { form } = w;
    const box = form.querySelector('.colloquy-replying');
    box.replaceChildren(...said);
    box.hidden = !id;
    form.elements.parent_id.value = id;
    form.querySelector('#colloquy-error-parent_id')?.remove();
    setDescribed(w, 'body');
  };

  const startReply = (w, button, art) => {
    const { form, T } = w;
    if (!form) return;
    replyTo(w, art.dataset.id, h('span', { text: fmt(T.replying, 'name', art.querySelector('.colloquy-author').textContent) }), ' ', btn('cancel', T.close));
    w.replyFrom = button;
    if (!form.closest('.colloquy-comment')) form.replaceWith((w.back = w.back || btn('new', T.formTitle)));
    art.firstChild.after(form);
    form.elements.body.focus();
  };

  const stopReply = (w, refocus) => {
    const { form, replyFrom } = w;
    if (!form || !form.elements.parent_id.value) return;
    replyTo(w, '');
    w.back.replaceWith(form);
    if (refocus) (replyFrom?.isConnected ? replyFrom : form.elements.body).focus();
  };

  const send = async (w, f) => {
    if (f.ariaBusy) return;
    const { T } = w;
    const el = f.elements;
    const button = f.querySelector('[type="submit"]');
    FIELDS.forEach((name) => clear(w, name));
    const missing = FIELDS.filter((n) => !el[n].checkValidity() || (el[n].required && !el[n].value.trim()));
    if (missing.length) {
      missing.forEach((n) => fieldError(w, n, null));
      say(w, 'error', T.invalid);
      return el[missing[0]].focus();
    }
    const sent = { website: el.website.value, post_title: w.title, post_url: w.page, lang: w.lang, notify: !w.notify.hidden && el.notify.checked };
    for (const n of FIELDS) sent[n] = el[n].value;
    if (el.parent_id.value) sent.parent_id = Number(el.parent_id.value);
    say(w, 'sending', T.sending);
    f.ariaBusy = button.ariaDisabled = 'true';
    button.textContent = T.sending;
    const [res, problem] = await call(`posts/${encodeURIComponent(w.slug)}/comments`, sent);
    f.ariaBusy = button.ariaDisabled = null;
    button.textContent = T.submit;
    answered(w, f, res, problem, sent);
  };

  const answered = (w, f, res, problem, sent) => {
    const { T } = w;
    const el = f.elements;
    const st = res?.status;
    if (res?.ok) {
      const name = sent.author_name.trim();
      const where = sent.author_location.trim();
      store('localStorage', STORE, el.remember.checked ? { author_name: name, author_location: where } : null);
      el.body.value = '';
      count(f);
      w.shown.replaceChildren();
      stopReply(w);
      say(w, 'pending', (w.lang === 'en' && problem.message) || T.pending);
      const { id } = problem;
      if (id == null) return;
      w.own.push({ id, parent_id: sent.parent_id, author_name: name, author_location: where, body: sent.body, created_at: new Date().toISOString() });
      store('sessionStorage', w.ownKey, w.own);
      placeOwn(w);
      const art = sent.parent_id && w.list.querySelector(`article[data-pending][data-id="${id}"]`);
      if (art) point(art);
    } else if (st === 422) {
      // Every error is shown; the focus goes to the first field named.
      const inputs = (problem.errors || []).map((e) => fieldError(w, e.field, e.message));
      say(w, 'error', T.invalid);
      (inputs.find(Boolean) || el.body).focus();
    } else if (st === 403) {
      const kind = /\/banned$/.test(problem.type) ? 'banned' : 'closed';
      say(w, kind, T[kind]);
    } else if (st === 404) say(w, 'error', fmt(T.notFound, 'slug', w.slug));
    else if (st === 413) say(w, 'error', fieldError(w, 'body') && T.hint.body);
    else say(w, st === 429 ? 'rate-limited' : 'error', trouble(w, res));
  };

  // ---- Start
  const start = () => {
    document.querySelectorAll('#colloquy-thread, [data-colloquy-thread]').forEach(mount);
    counts();
  };
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
