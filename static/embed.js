/*! Colloquy comment widget. Embedding, options and the DOM contract: docs/widget.md */
(() => {
  'use strict';

  const ONCE = Symbol.for('colloquy.widget');
  if (window[ONCE]) return;
  window[ONCE] = true;

  const me = document.currentScript || [...document.querySelectorAll('script[src*="embed.js"]')].pop();
  if (!me || !me.src) return;
  const BASE = new URL('.', me.src); // the comment server (the folder embed.js is served from)
  const API = new URL('api/v1/', BASE).href;
  const STYLES = new URL('embed.css', BASE).href;
  const MAX_BODY = 10000;
  const MAX_DEPTH = 3; // nesting levels shown; deeper replies are shown at the last level
  const STORE = 'colloquy.reader';
  const FIELDS = ['author_name', 'author_location', 'email', 'body'];

  // ---- Words -------------------------------------------------------------
  // `total` is chosen with Intl.PluralRules; `#` is the number, `{name}` a
  // reader's name (always inserted as text), `{when}` a relative time;
  // `dir` is the script's direction where it is not left to right.
  const L = {
    en: {
      total: { one: '# comment', other: '# comments' },
      loading: 'Loading comments…',
      loadError: 'The comments could not be loaded.',
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
      submit: 'Submit comment',
      sending: 'Sending…',
      replying: 'Replying to {name}',
      cancel: 'Cancel reply',
      closed: 'Comments are closed.',
      pending: 'Thank you. Your comment is awaiting review and will appear once a moderator approves it.',
      invalid: 'Please correct the marked fields.',
      rate: 'You have sent several comments in a short time. Please try again {when}.',
      denied: 'Your comment was not accepted: comments on this post are closed.',
      notFound: 'This post could not be found.',
      tooLarge: 'Your comment is too long.',
      failed: 'Something went wrong ({status}). Please try again later.',
      offline: 'Your comment could not be sent. Check your connection and try again; your text is still in the form.',
      honeypot: 'Leave this empty',
      hint: {
        author_name: 'Please enter your name (at most 80 characters).',
        author_location: 'At most 80 characters, on a single line.',
        email: 'Please enter a valid e-mail address, or leave this empty.',
        body: 'Please write your comment (at most 10,000 characters).',
        parent_id: 'The comment you are replying to can no longer be answered.',
      },
    },
    ru: {
      total: { one: '# комментарий', few: '# комментария', many: '# комментариев', other: '# комментария' },
      loading: 'Загрузка комментариев…',
      loadError: 'Не удалось загрузить комментарии.',
      retry: 'Повторить',
      empty: 'Комментариев пока нет.',
      order: 'Порядок',
      oldest: 'Сначала старые',
      newest: 'Сначала новые',
      more: 'Показать ещё комментарии',
      official: 'Официальный ответ',
      reply: 'Ответить',
      inReplyTo: 'В ответ пользователю {name}',
      formTitle: 'Оставить комментарий',
      note: 'Комментарии публикуются после проверки модератором.',
      author_name: 'Имя',
      author_location: 'Местоположение (необязательно)',
      email: 'Эл. почта (необязательно, не публикуется)',
      body: 'Комментарий',
      remember: 'Запомнить моё имя и местоположение на этом устройстве',
      submit: 'Отправить комментарий',
      sending: 'Отправка…',
      replying: 'Ответ пользователю {name}',
      cancel: 'Отменить ответ',
      closed: 'Комментарии закрыты.',
      pending: 'Спасибо. Ваш комментарий ожидает проверки и появится после одобрения модератором.',
      invalid: 'Пожалуйста, исправьте отмеченные поля.',
      rate: 'Вы отправили несколько комментариев за короткое время. Попробуйте ещё раз {when}.',
      denied: 'Комментарий не принят: обсуждение этой записи закрыто.',
      notFound: 'Запись не найдена.',
      tooLarge: 'Комментарий слишком длинный.',
      failed: 'Что-то пошло не так ({status}). Попробуйте позже.',
      offline: 'Не удалось отправить комментарий. Проверьте подключение и попробуйте снова; ваш текст остался в форме.',
      honeypot: 'Оставьте это поле пустым',
      hint: {
        author_name: 'Укажите имя (не более 80 символов).',
        author_location: 'Не более 80 символов, в одну строку.',
        email: 'Укажите действительный адрес эл. почты или оставьте поле пустым.',
        body: 'Напишите комментарий (не более 10 000 символов).',
        parent_id: 'На этот комментарий больше нельзя ответить.',
      },
    },
    fr: {
      total: { one: '# commentaire', many: '# de commentaires', other: '# commentaires' },
      loading: 'Chargement des commentaires…',
      loadError: 'Impossible de charger les commentaires.',
      retry: 'Réessayer',
      empty: 'Aucun commentaire pour l’instant.',
      order: 'Ordre',
      oldest: 'Les plus anciens d’abord',
      newest: 'Les plus récents d’abord',
      more: 'Afficher plus de commentaires',
      official: 'Réponse officielle',
      reply: 'Répondre',
      inReplyTo: 'En réponse à {name}',
      formTitle: 'Laisser un commentaire',
      note: 'Les commentaires sont relus par un modérateur avant leur publication.',
      author_name: 'Nom',
      author_location: 'Lieu (facultatif)',
      email: 'Courriel (facultatif, jamais publié)',
      body: 'Commentaire',
      remember: 'Mémoriser mon nom et mon lieu sur cet appareil',
      submit: 'Envoyer le commentaire',
      sending: 'Envoi…',
      replying: 'Réponse à {name}',
      cancel: 'Annuler la réponse',
      closed: 'Les commentaires sont fermés.',
      pending: 'Merci. Votre commentaire est en attente de modération et apparaîtra dès qu’un modérateur l’aura approuvé.',
      invalid: 'Veuillez corriger les champs signalés.',
      rate: 'Vous avez envoyé plusieurs commentaires en peu de temps. Veuillez réessayer {when}.',
      denied: 'Votre commentaire n’a pas été accepté : les commentaires de cet article sont fermés.',
      notFound: 'Cet article est introuvable.',
      tooLarge: 'Votre commentaire est trop long.',
      failed: 'Une erreur s’est produite ({status}). Veuillez réessayer plus tard.',
      offline: 'Votre commentaire n’a pas pu être envoyé. Vérifiez votre connexion et réessayez ; votre texte est conservé dans le formulaire.',
      honeypot: 'Laissez ce champ vide',
      hint: {
        author_name: 'Indiquez votre nom (80 caractères au maximum).',
        author_location: '80 caractères au maximum, sur une seule ligne.',
        email: 'Indiquez une adresse électronique valide ou laissez ce champ vide.',
        body: 'Rédigez votre commentaire (10 000 caractères au maximum).',
        parent_id: 'Il n’est plus possible de répondre à ce commentaire.',
      },
    },
    es: {
      total: { one: '# comentario', many: '# de comentarios', other: '# comentarios' },
      loading: 'Cargando comentarios…',
      loadError: 'No se pudieron cargar los comentarios.',
      retry: 'Reintentar',
      empty: 'Todavía no hay comentarios.',
      order: 'Orden',
      oldest: 'Más antiguos primero',
      newest: 'Más recientes primero',
      more: 'Cargar más comentarios',
      official: 'Respuesta oficial',
      reply: 'Responder',
      inReplyTo: 'En respuesta a {name}',
      formTitle: 'Deje un comentario',
      note: 'Un moderador revisa los comentarios antes de publicarlos.',
      author_name: 'Nombre',
      author_location: 'Ubicación (opcional)',
      email: 'Correo electrónico (opcional, nunca se publica)',
      body: 'Comentario',
      remember: 'Recordar mi nombre y ubicación en este dispositivo',
      submit: 'Enviar comentario',
      sending: 'Enviando…',
      replying: 'Respondiendo a {name}',
      cancel: 'Cancelar respuesta',
      closed: 'Los comentarios están cerrados.',
      pending: 'Gracias. Su comentario está pendiente de revisión y aparecerá cuando un moderador lo apruebe.',
      invalid: 'Corrija los campos marcados.',
      rate: 'Ha enviado varios comentarios en poco tiempo. Vuelva a intentarlo {when}.',
      denied: 'Su comentario no fue aceptado: los comentarios de esta entrada están cerrados.',
      notFound: 'No se encontró esta entrada.',
      tooLarge: 'Su comentario es demasiado largo.',
      failed: 'Algo salió mal ({status}). Inténtelo de nuevo más tarde.',
      offline: 'No se pudo enviar su comentario. Compruebe su conexión e inténtelo de nuevo; su texto sigue en el formulario.',
      honeypot: 'Deje este campo vacío',
      hint: {
        author_name: 'Escriba su nombre (80 caracteres como máximo).',
        author_location: '80 caracteres como máximo, en una sola línea.',
        email: 'Escriba una dirección de correo válida o deje este campo vacío.',
        body: 'Escriba su comentario (10 000 caracteres como máximo).',
        parent_id: 'Ya no es posible responder a este comentario.',
      },
    },
    ar: {
      dir: 'rtl',
      total: { zero: 'لا توجد تعليقات', one: 'تعليق واحد', two: 'تعليقان', few: '# تعليقات', many: '# تعليقًا', other: '# تعليق' },
      loading: 'جارٍ تحميل التعليقات…',
      loadError: 'تعذّر تحميل التعليقات.',
      retry: 'أعد المحاولة',
      empty: 'لا توجد تعليقات بعد.',
      order: 'الترتيب',
      oldest: 'الأقدم أولًا',
      newest: 'الأحدث أولًا',
      more: 'عرض المزيد من التعليقات',
      official: 'رد رسمي',
      reply: 'رد',
      inReplyTo: 'ردًا على {name}',
      formTitle: 'أضف تعليقًا',
      note: 'يراجع المشرفون التعليقات قبل نشرها.',
      author_name: 'الاسم',
      author_location: 'المكان (اختياري)',
      email: 'البريد الإلكتروني (اختياري، لا يُنشر أبدًا)',
      body: 'التعليق',
      remember: 'تذكّر اسمي ومكاني على هذا الجهاز',
      submit: 'إرسال التعليق',
      sending: 'جارٍ الإرسال…',
      replying: 'الرد على {name}',
      cancel: 'إلغاء الرد',
      closed: 'التعليقات مغلقة.',
      pending: 'شكرًا لك. تعليقك بانتظار المراجعة، وسيظهر بعد أن يوافق عليه أحد المشرفين.',
      invalid: 'يُرجى تصحيح الحقول المشار إليها.',
      rate: 'أرسلت عدة تعليقات في وقت قصير. يُرجى المحاولة مرة أخرى {when}.',
      denied: 'لم يُقبل تعليقك: التعليقات على هذه التدوينة مغلقة.',
      notFound: 'لم يُعثر على هذه التدوينة.',
      tooLarge: 'تعليقك طويل جدًا.',
      failed: 'حدث خطأ ما ({status}). يُرجى المحاولة لاحقًا.',
      offline: 'تعذّر إرسال تعليقك. تحقّق من اتصالك وأعد المحاولة؛ ما زال نصّك في النموذج.',
      honeypot: 'اترك هذا الحقل فارغًا',
      hint: {
        author_name: 'يُرجى كتابة اسمك (80 حرفًا على الأكثر).',
        author_location: '80 حرفًا على الأكثر، في سطر واحد.',
        email: 'يُرجى إدخال عنوان بريد إلكتروني صحيح أو ترك هذا الحقل فارغًا.',
        body: 'يُرجى كتابة تعليقك (10000 حرف على الأكثر).',
        parent_id: 'لم يعد بالإمكان الرد على هذا التعليق.',
      },
    },
  };

  // ---- Helpers -----------------------------------------------------------
  // Builds an element. Attribute values and children are always text:
  // nothing here is ever parsed as HTML.
  const h = (tag, attrs, ...kids) => {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v == null || v === false) continue;
      if (k === 'text') el.textContent = v;
      else el.setAttribute(k, v === true ? '' : v);
    }
    el.append(...kids.filter((k) => k != null));
    return el;
  };
  // "Replying to {name}" as nodes, the name isolated for mixed scripts.
  const fill = (tpl, name) => tpl.split('{name}').flatMap((part, i) => (i ? [h('bdi', { text: name }), part] : [part]));
  const chars = (s) => s.length - (s.match(/[\uD800-\uDBFF]/g) || []).length;
  const getJSON = async (url) => {
    const res = await fetch(url, { credentials: 'omit', headers: { Accept: 'application/json' } });
    if (!res.ok) throw res.status;
    return res.json();
  };
  const storage = {
    get() {
      try {
        return JSON.parse(localStorage.getItem(STORE)) || null;
      } catch {
        return null;
      }
    },
    set(v) {
      try {
        if (v) localStorage.setItem(STORE, JSON.stringify(v));
        else localStorage.removeItem(STORE);
      } catch {
        /* storage blocked: nothing is remembered */
      }
    },
  };

  // ---- Counts: every [data-colloquy-count], one request ------------------
  const counts = async () => {
    const spans = [...document.querySelectorAll('[data-colloquy-count]')];
    const slugs = [...new Set(spans.map((s) => s.dataset.colloquyCount.trim()).filter(Boolean))];
    for (let i = 0; i < slugs.length; i += 200) {
      const part = slugs.slice(i, i + 200);
      try {
        const { counts: found } = await getJSON(`${API}counts?posts=${part.map(encodeURIComponent).join(',')}`);
        for (const s of spans) {
          const n = found[s.dataset.colloquyCount.trim()];
          if (typeof n === 'number') s.textContent = String(n);
        }
      } catch {
        /* leave the page's placeholder */
      }
    }
  };

  // ---- One thread --------------------------------------------------------
  // Each thread is an object `w` (words, state, nodes) that the load,
  // render and form functions below are given.

  const mount = (host) => {
    const slug = (host.dataset.post || host.dataset.colloquyThread || '').trim();
    if (!slug || host.shadowRoot) return;
    const asked = (host.dataset.lang || document.documentElement.lang || 'en').toLowerCase().split(/[-_]/)[0];
    const lang = L[asked] ? asked : 'en';
    const w = {
      slug,
      lang,
      T: { ...L.en, ...L[lang] },
      plurals: new Intl.PluralRules(lang),
      dates: new Intl.DateTimeFormat(lang, { dateStyle: 'long', timeStyle: 'short' }),
      order: host.dataset.order === 'newest' ? 'newest' : 'oldest',
      cursor: null,
      seq: 0, // numbers the loads: only the latest is shown
      open: false,
      form: null,
      describe: new Map(), // field -> ids that always describe it
      replyFrom: null, // the Reply button that started a reply
      busy: false,
    };
    try {
      w.shadow = host.attachShadow({ mode: 'open' });
    } catch {
      return;
    }
    shell(w, ['light', 'dark'].includes(host.dataset.theme) ? host.dataset.theme : null);
    w.root.addEventListener('click', (e) => {
      const button = e.target.closest('.colloquy-reply');
      if (button && w.form) startReply(w, button);
    });
    w.more.addEventListener('click', () => {
      if (w.root.dataset.state !== 'loading') load(w, false);
    });
    w.select.addEventListener('change', () => {
      w.order = w.select.value === 'newest' ? 'newest' : 'oldest';
      load(w, true);
    });
    w.form = buildForm(w); // ready before the thread arrives; shown only if comments are open
    load(w, true);
  };

  // The header, the list, "Load more", the form's place, the status line.
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
    w.more = h('button', { type: 'button', class: 'colloquy-more', hidden: true, text: T.more });
    w.status = h('div', { class: 'colloquy-status', role: 'status', 'aria-live': 'polite' });
    w.tail = h('div', { class: 'colloquy-tail' });
    w.root = h(
      'div',
      { class: 'colloquy', lang: w.lang, dir: T.dir || 'ltr', 'data-state': 'loading', 'data-theme': theme },
      h(
        'header',
        { class: 'colloquy-header' },
        h('h2', { class: 'colloquy-heading' }, w.total),
        h('div', { class: 'colloquy-sort' }, h('label', { for: 'colloquy-order', text: T.order }), w.select),
      ),
      w.list,
      w.more,
      w.tail,
      w.status,
    );
    w.shadow.append(h('link', { rel: 'stylesheet', href: STYLES }), w.root);
    // Comments are cloned from these (much faster than building each one).
    w.proto = h(
      'article',
      { class: 'colloquy-comment' },
      h(
        'div',
        { class: 'colloquy-main' },
        h('header', { class: 'colloquy-meta' }, h('bdi', { class: 'colloquy-author' }), h('time', { class: 'colloquy-date' })),
        h('div', { class: 'colloquy-body', dir: 'auto' }),
      ),
    );
    w.protoReply = h('button', { type: 'button', class: 'colloquy-reply', text: T.reply });
    w.protoBadge = h('span', { class: 'colloquy-badge', text: T.official });
  };

  const say = (w, kind, text) => {
    w.status.dataset.kind = kind;
    w.status.textContent = text;
  };

  // ---- Load --------------------------------------------------------------

  // The first page (`reset`) or the next one.
  const load = async (w, reset) => {
    const mine = ++w.seq;
    const hadFocus = w.shadow.activeElement === w.more;
    w.root.dataset.state = 'loading';
    w.more.setAttribute('aria-disabled', 'true');
    if (reset) w.cursor = null;
    const q = new URLSearchParams({ order: w.order, limit: '50' });
    if (w.cursor) q.set('cursor', w.cursor);
    let data;
    try {
      data = await getJSON(`${API}posts/${encodeURIComponent(w.slug)}/comments?${q}`);
    } catch (status) {
      if (mine === w.seq) loadFailed(w, status, reset);
      return;
    }
    if (mine === w.seq) showPage(w, data, reset, hadFocus);
  };

  const loadFailed = (w, status, reset) => {
    const { T } = w;
    w.root.dataset.state = 'error';
    w.more.removeAttribute('aria-disabled');
    const text = status === 404 ? T.notFound : T.loadError;
    if (reset) {
      const retry = h('button', { type: 'button', class: 'colloquy-retry', text: T.retry });
      retry.addEventListener('click', () => load(w, true));
      w.list.replaceChildren(h('p', { class: 'colloquy-error' }, text, ' '), retry);
      w.more.hidden = true;
    }
    say(w, 'error', text);
  };

  const showPage = (w, data, reset, hadFocus) => {
    const { T, list, more } = w;
    w.open = !!data.post.comments_open;
    if (!w.tail.firstChild) {
      if (!w.open) w.form = null;
      w.tail.append(w.form || h('p', { class: 'colloquy-closed', text: T.closed }));
    }
    w.total.textContent = (T.total[w.plurals.select(data.total)] || T.total.other).replace('#', data.total);
    const frag = document.createDocumentFragment();
    render(w, frag, data.comments, 0, null);
    const first = frag.firstElementChild;
    if (reset) list.replaceChildren(frag);
    else list.append(frag);
    if (!list.firstChild) list.append(h('p', { class: 'colloquy-empty', text: T.empty }));
    w.cursor = data.next;
    more.hidden = !w.cursor;
    more.removeAttribute('aria-disabled');
    w.root.dataset.state = 'ready';
    if (hadFocus && more.hidden && first) {
      first.tabIndex = -1;
      first.focus();
    }
  };

  // ---- Render ------------------------------------------------------------

  // A comment, its replies nested up to MAX_DEPTH levels; beyond that
  // they follow at the last level, saying whom they answer.
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

  const comment = (w, c, parentName) => {
    const aid = `colloquy-a-${c.id}`;
    const art = w.proto.cloneNode(true);
    const main = art.firstChild;
    const meta = main.firstChild;
    const author = meta.firstChild;
    const date = meta.lastChild;
    const body = main.lastChild;
    art.dataset.id = c.id;
    art.dataset.kind = c.kind === 'official' ? 'official' : 'reader';
    art.setAttribute('aria-labelledby', aid);
    author.id = aid;
    author.textContent = c.author_name;
    if (c.author_location) date.before(h('span', { class: 'colloquy-location' }, h('bdi', { text: c.author_location })));
    if (c.kind === 'official') date.before(w.protoBadge.cloneNode(true));
    date.dateTime = c.created_at;
    const d = new Date(c.created_at);
    date.textContent = isNaN(d) ? c.created_at : w.dates.format(d);
    if (parentName) body.before(h('p', { class: 'colloquy-context' }, ...fill(w.T.inReplyTo, parentName)));
    body.innerHTML = c.body_html; // sanitised by the server; the only HTML we insert
    if (w.open) {
      const reply = w.protoReply.cloneNode(true);
      reply.setAttribute('aria-describedby', aid);
      main.append(reply);
    }
    return art;
  };

  // ---- The form ----------------------------------------------------------

  const buildForm = (w) => {
    const { T } = w;
    const saved = storage.get();
    const counter = h('span', { class: 'colloquy-counter', id: 'colloquy-counter', text: `0 / ${MAX_BODY}` });
    const replying = h('div', { class: 'colloquy-replying', id: 'colloquy-replying', hidden: true });
    const f = h(
      'form',
      { class: 'colloquy-form', method: 'post', action: `${API}posts/${encodeURIComponent(w.slug)}/comments`, novalidate: true },
      h('h3', { class: 'colloquy-form-title', text: T.formTitle }),
      h('p', { class: 'colloquy-note', text: T.note }),
      replying,
      h('input', { type: 'hidden', name: 'parent_id', value: '' }),
      h(
        'div',
        { class: 'colloquy-row' },
        field(w, 'author_name', { type: 'text', required: true, maxlength: 80, autocomplete: 'name' }),
        field(w, 'author_location', { type: 'text', maxlength: 80, autocomplete: 'country-name' }),
      ),
      field(w, 'email', { type: 'email', maxlength: 254, autocomplete: 'email' }),
      field(w, 'body', { required: true, rows: 6 }, counter),
      h(
        'div',
        { class: 'colloquy-hp', 'aria-hidden': 'true' },
        h('label', { for: 'colloquy-website', text: T.honeypot }),
        h('input', { type: 'text', id: 'colloquy-website', name: 'website', tabindex: '-1', autocomplete: 'off', value: '' }),
      ),
      h(
        'div',
        { class: 'colloquy-remember' },
        h('input', { type: 'checkbox', id: 'colloquy-remember', name: 'remember', value: '1', checked: !!saved }),
        h('label', { for: 'colloquy-remember', text: T.remember }),
      ),
      h('div', { class: 'colloquy-actions' }, h('button', { type: 'submit', class: 'colloquy-submit', text: T.submit })),
    );
    const el = f.elements;
    if (saved) {
      el.author_name.value = saved.author_name || '';
      el.author_location.value = saved.author_location || '';
    }
    el.body.addEventListener('input', () => count(f));
    el.remember.addEventListener('change', () => {
      if (!el.remember.checked) storage.set(null);
    });
    f.addEventListener('submit', (e) => {
      e.preventDefault();
      send(w, f);
    });
    return f;
  };

  const field = (w, name, attrs, hint) => {
    const id = `colloquy-${name}`;
    const input = h(name === 'body' ? 'textarea' : 'input', { id, name, dir: 'auto', ...attrs });
    w.describe.set(name, hint ? [hint.id] : []);
    if (hint) input.setAttribute('aria-describedby', hint.id);
    return h('div', { class: `colloquy-field colloquy-field-${name}` }, h('label', { for: id, text: w.T[name] }), input, hint);
  };

  const count = (f) => {
    const counter = f.querySelector('.colloquy-counter');
    const n = chars(f.elements.body.value);
    counter.textContent = `${n} / ${MAX_BODY}`;
    counter.toggleAttribute('data-over', n > MAX_BODY);
  };

  const setDescribed = (w, name) => {
    const { form } = w;
    const input = form.elements[name];
    if (!input) return;
    const ids = [...(w.describe.get(name) || [])];
    if (name === 'body' && form.elements.parent_id.value) ids.push('colloquy-replying');
    if (form.querySelector(`.colloquy-field-error[data-field="${name}"]`)) ids.push(`colloquy-error-${name}`);
    if (ids.length) input.setAttribute('aria-describedby', ids.join(' '));
    else input.removeAttribute('aria-describedby');
  };

  const clearErrors = (w) => {
    for (const e of w.form.querySelectorAll('.colloquy-field-error')) e.remove();
    for (const name of FIELDS) {
      w.form.elements[name].removeAttribute('aria-invalid');
      setDescribed(w, name);
    }
  };

  // The field's input, if it is one of ours.
  const fieldError = (w, name, message) => {
    const { form } = w;
    const input = FIELDS.includes(name) ? form.elements[name] : null;
    const text = w.lang === 'en' && message ? message : w.T.hint[name] || message;
    const err = h('p', { class: 'colloquy-field-error', 'data-field': name, id: `colloquy-error-${name}`, text });
    if (input) {
      form.querySelector(`.colloquy-field-error[data-field="${name}"]`)?.remove();
      input.closest('.colloquy-field').append(err);
      input.setAttribute('aria-invalid', 'true');
      setDescribed(w, name);
    } else {
      form.querySelector('.colloquy-replying').after(err);
    }
    return input;
  };

  const startReply = (w, button) => {
    const { form } = w;
    const art = button.closest('.colloquy-comment');
    const name = art.querySelector('.colloquy-author').textContent;
    const box = form.querySelector('.colloquy-replying');
    const cancel = h('button', { type: 'button', class: 'colloquy-cancel', text: w.T.cancel });
    cancel.addEventListener('click', () => stopReply(w, true));
    box.replaceChildren(h('span', {}, ...fill(w.T.replying, name)), ' ', cancel);
    box.hidden = false;
    form.elements.parent_id.value = art.dataset.id;
    w.replyFrom = button;
    setDescribed(w, 'body');
    form.elements.body.focus();
  };

  const stopReply = (w, refocus) => {
    const { form, replyFrom } = w;
    const box = form.querySelector('.colloquy-replying');
    box.hidden = true;
    box.replaceChildren();
    form.elements.parent_id.value = '';
    form.querySelector('.colloquy-field-error[data-field="parent_id"]')?.remove();
    setDescribed(w, 'body');
    if (refocus && replyFrom && replyFrom.isConnected) replyFrom.focus();
    else if (refocus) form.elements.body.focus();
    w.replyFrom = null;
  };

  const send = async (w, f) => {
    if (w.busy) return;
    const { T } = w;
    const el = f.elements;
    const button = f.querySelector('[type="submit"]');
    clearErrors(w);
    // The browser's own checks (required, e-mail syntax), shown our way.
    const missing = FIELDS.filter((n) => !el[n].checkValidity() || (el[n].required && !el[n].value.trim()));
    if (missing.length) {
      missing.forEach((n) => fieldError(w, n, null));
      say(w, 'error', T.invalid);
      el[missing[0]].focus();
      return;
    }
    const payload = { website: el.website.value };
    for (const n of FIELDS) payload[n] = el[n].value;
    if (el.parent_id.value) payload.parent_id = Number(el.parent_id.value);
    w.busy = true;
    say(w, 'sending', T.sending);
    f.setAttribute('aria-busy', 'true');
    button.setAttribute('aria-disabled', 'true');
    button.textContent = T.sending;
    let res;
    let problem = {};
    try {
      res = await fetch(f.action, {
        method: 'POST',
        credentials: 'omit',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
        body: JSON.stringify(payload),
      });
      problem = await res.json().catch(() => ({}));
    } catch {
      res = null;
    }
    w.busy = false;
    f.removeAttribute('aria-busy');
    button.removeAttribute('aria-disabled');
    button.textContent = T.submit;
    answered(w, f, res, problem);
  };

  // `res` is null when there was no answer at all.
  const answered = (w, f, res, problem) => {
    const { T, lang } = w;
    const el = f.elements;
    if (!res) return say(w, 'error', T.offline);
    if (res.ok) {
      storage.set(el.remember.checked ? { author_name: el.author_name.value.trim(), author_location: el.author_location.value.trim() } : null);
      el.body.value = '';
      count(f);
      if (el.parent_id.value) stopReply(w, false);
      return say(w, 'pending', lang === 'en' && problem.message ? problem.message : T.pending);
    }
    if (res.status === 422) {
      const errs = Array.isArray(problem.errors) ? problem.errors : [];
      const inputs = errs.map((e) => fieldError(w, e.field, e.message)).filter(Boolean);
      say(w, 'error', T.invalid);
      return (inputs[0] || el.body).focus();
    }
    if (res.status === 429) {
      const secs = Math.max(1, parseInt(res.headers.get('Retry-After'), 10) || 60);
      const rel = new Intl.RelativeTimeFormat(lang, { numeric: 'auto' });
      const when = secs < 90 ? rel.format(secs, 'second') : rel.format(Math.ceil(secs / 60), 'minute');
      return say(w, 'rate-limited', T.rate.replace('{when}', when));
    }
    if (res.status === 403) return say(w, 'closed', T.denied);
    if (res.status === 404) return say(w, 'error', T.notFound);
    if (res.status === 413) {
      fieldError(w, 'body', T.tooLarge);
      return say(w, 'error', T.tooLarge);
    }
    say(w, 'error', T.failed.replace('{status}', res.status));
  };

  // ---- Start -------------------------------------------------------------

  const start = () => {
    document.querySelectorAll('#colloquy-thread, [data-colloquy-thread]').forEach(mount);
    counts();
  };
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
