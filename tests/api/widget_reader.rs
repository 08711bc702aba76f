//! What a reader does in the widget on a blog of another origin:
//! permalinks, replying in place, their own comment awaiting review,
//! reports, refusals, the DipNote look, formatting help and the words.

use crate::browser::{Browser, HostPage, blog_page, browser};
use crate::helpers::{TestApp, spawn_app_with};
use colloquy::config::Settings;
use serde_json::{Value, json};

/// A comment server allowing the host page's origin (unless `configure`
/// says otherwise), and the host page.
async fn setup(configure: impl FnOnce(&mut Settings) + Send + 'static) -> (TestApp, HostPage) {
    let host = HostPage::start();
    let origin = host.origin.clone();
    let app = spawn_app_with(move |s| {
        s.rate_limit.enabled = false;
        s.allowed_origins = vec![origin];
        configure(s);
    })
    .await;
    (app, host)
}

/// Opens the blog page at `path` (e.g. `/#comment-3`) once `html` is set.
async fn open_at(host: &HostPage, html: String, path: &str) -> Browser {
    host.set(html);
    let browser = browser(true).await;
    browser
        .client
        .goto(&format!("{}{path}", host.origin))
        .await
        .unwrap();
    browser
}

async fn open(host: &HostPage, app: &TestApp, slug: &str, attributes: &str) -> Browser {
    let browser = open_at(host, blog_page(&app.address, slug, attributes, ""), "/").await;
    browser.widget_ready().await;
    browser
}

/// An approved comment's id.
async fn approved(app: &TestApp, slug: &str, name: &str, text: &str) -> i64 {
    let moderator = app.signed_in("moderator").await;
    let id = app.submit_ok(slug, name, text).await;
    moderator.approve(id).await;
    id
}

/// The widget's `expression`, as a string.
async fn text(browser: &Browser, expression: &str) -> String {
    browser
        .widget_eval(expression)
        .await
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// Waits for the status line to leave `sending`; returns `kind: text`.
async fn answer(browser: &Browser) -> String {
    browser
        .wait_for("an answer", "const s = document.querySelector('#colloquy-thread').shadowRoot.querySelector('.colloquy-status'); return s.dataset.kind && s.dataset.kind !== 'sending' ? s.dataset.kind + ': ' + s.textContent : '';")
        .await
        .as_str()
        .unwrap()
        .to_owned()
}

async fn type_into(browser: &Browser, css: &str, keys: &str) {
    browser.in_widget(css).await.send_keys(keys).await.unwrap();
}

async fn click(browser: &Browser, css: &str) {
    browser.in_widget(css).await.click().await.unwrap();
}

/// Fills name and comment (and e-mail if given) and submits.
async fn send(browser: &Browser, name: &str, email: &str, body: &str) {
    let field = browser.in_widget("input[name=\"author_name\"]").await;
    field.clear().await.unwrap();
    field.send_keys(name).await.unwrap();
    if !email.is_empty() {
        type_into(browser, "input[name=\"email\"]", email).await;
    }
    type_into(browser, "textarea[name=\"body\"]", body).await;
    click(browser, "form.colloquy-form button[type=\"submit\"]").await;
}

const ESCAPE: &str = "\u{E00C}";

/// Waits for the report form (embed/report.js, fetched on the first
/// report) to open.
async fn report_open(browser: &Browser) {
    browser
        .wait_for(
            "the report form",
            "const r = document.querySelector('#colloquy-thread').shadowRoot; return !!r.querySelector('.colloquy-report select');",
        )
        .await;
}

/// Picks a reason in the open report form.
async fn choose(browser: &Browser, reason: &str) {
    browser
        .in_widget(".colloquy-report select")
        .await
        .select_by_label(reason)
        .await
        .unwrap();
}

#[tokio::test]
async fn a_comment_link_opens_the_page_scrolled_to_that_comment_and_highlights_it() {
    let (app, host) = setup(|_| {}).await;
    let slug = app.post("p").await;
    let long = "A long comment.\n\n".repeat(12);
    let mut ids = Vec::new();
    for i in 0..12 {
        ids.push(approved(&app, &slug, &format!("Reader {i}"), &long).await);
    }
    let target = ids[9];
    let html = blog_page(&app.address, &slug, "", "");
    let browser = open_at(&host, html, &format!("/#comment-{target}")).await;
    browser.widget_ready().await;
    let href = text(
        &browser,
        &format!(
            "root.getElementById('comment-{target}').querySelector('a.colloquy-permalink').href"
        ),
    )
    .await;
    assert!(
        href.ends_with(&format!("#comment-{target}")),
        "the date links to the comment: {href}"
    );
    let seen = browser
        .wait_for(
            "the comment to be scrolled to and marked",
            &format!("const a = document.querySelector('#colloquy-thread').shadowRoot.getElementById('comment-{target}'); const r = a.getBoundingClientRect(); return a.hasAttribute('data-target') && window.scrollY > 0 && r.top >= -1 && r.top < innerHeight / 2;"),
        )
        .await;
    assert_eq!(seen, json!(true));
    // Following another comment's link on the same page moves the mark.
    let other = ids[2];
    browser
        .eval(&format!("location.hash = '#comment-{other}'; return 1;"))
        .await;
    browser
        .wait_for(
            "the mark to move",
            &format!("const r = document.querySelector('#colloquy-thread').shadowRoot; return r.getElementById('comment-{other}').hasAttribute('data-target') && !r.getElementById('comment-{target}').hasAttribute('data-target');"),
        )
        .await;
}

/// Whether the widget's `#comment-ID` is marked, scrolled into view and
/// in the upper half of the window.
fn marked_in_view(id: i64) -> String {
    format!(
        "const a = document.querySelector('#colloquy-thread').shadowRoot.getElementById('comment-{id}'); if (!a) return false; const r = a.getBoundingClientRect(); return a.hasAttribute('data-target') && window.scrollY > 0 && r.top >= -1 && r.top < innerHeight / 2;"
    )
}

#[tokio::test]
async fn a_comment_link_to_a_later_page_loads_pages_until_the_comment_or_its_reply_is_shown() {
    let (app, host) = setup(|_| {}).await;
    let slug = app.post("p").await;
    // The widget asks for 50 top-level comments a page: 52 make two pages.
    let mut ids = Vec::new();
    for i in 0..52 {
        ids.push(
            app.submit_ok(
                &slug,
                &format!("Reader {i}"),
                &format!("Comment number {i}.\n\nIts second paragraph."),
            )
            .await,
        );
    }
    let moderator = app.signed_in("moderator").await;
    let r = moderator
        .post(
            "/moderation/comments/bulk",
            &json!({"ids": ids, "action": "approve"}),
        )
        .await;
    assert!(r.status().is_success(), "{}", r.text().await.unwrap());
    let reply = app
        .submit(&slug, &json!({"author_name": "Ana", "body": "A reply on the second page.", "parent_id": ids[50]}))
        .await
        .json::<Value>()
        .await
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    moderator.approve(reply).await;
    let html = blog_page(&app.address, &slug, "", "");
    let target = ids[51];
    let browser = open_at(&host, html.clone(), &format!("/#comment-{target}")).await;
    browser
        .wait_for(
            "the comment of the second page to be scrolled to and marked",
            &marked_in_view(target),
        )
        .await;
    let shown = browser
        .widget_eval("[root.querySelectorAll('.colloquy-list > article').length, root.querySelector('button.colloquy-more').hidden, root.querySelector('.colloquy').dataset.state]")
        .await;
    assert_eq!(shown, json!([52, true, "ready"]), "both pages are shown");
    // A reply lives under its top-level comment, on that comment's page.
    browser
        .client
        .goto(&format!("{}/?again#comment-{reply}", host.origin))
        .await
        .unwrap();
    browser
        .wait_for(
            "the reply on the second page to be scrolled to and marked",
            &marked_in_view(reply),
        )
        .await;
    let parent = text(
        &browser,
        &format!("root.getElementById('comment-{reply}').parentElement.closest('article').id"),
    )
    .await;
    assert_eq!(parent, format!("comment-{}", ids[50]));
    // A comment that is not there (never published, or gone) is looked for
    // and quietly not found: no error, nothing marked.
    browser
        .client
        .goto(&format!("{}/?gone#comment-999999", host.origin))
        .await
        .unwrap();
    browser
        .wait_for("both pages", "const r = document.querySelector('#colloquy-thread').shadowRoot; return r && r.querySelectorAll('.colloquy-list > article').length === 52 && r.querySelector('.colloquy').dataset.state === 'ready';")
        .await;
    let quiet = browser
        .widget_eval("[root.querySelector('.colloquy-status').textContent, !!root.querySelector('.colloquy-error'), !!root.querySelector('[data-target]')]")
        .await;
    assert_eq!(quiet, json!(["", false, false]));
}

#[tokio::test]
async fn preview_shows_the_servers_rendering_in_the_form_and_sends_nothing() {
    let (app, host) = setup(|_| {}).await;
    let slug = app.post("p").await;
    let browser = open(&host, &app, &slug, "").await;
    let area = browser
        .widget_eval("(() => { const a = root.querySelector('form.colloquy-form .colloquy-previewed'); return [a.getAttribute('aria-live'), a.childNodes.length, root.querySelector('.colloquy-actions button.colloquy-preview').textContent]; })()")
        .await;
    assert_eq!(
        area,
        json!(["polite", 0, "Preview"]),
        "an empty live region and a Preview button"
    );
    let typed = "**bold** <script>window.ran = 1</script> see https://example.org/x";
    type_into(&browser, "textarea[name=\"body\"]", typed).await;
    click(&browser, "button.colloquy-preview").await;
    browser
        .wait_for("the preview", "const r = document.querySelector('#colloquy-thread').shadowRoot; return !!r.querySelector('.colloquy-previewed .colloquy-body strong');")
        .await;
    let shown = browser
        .widget_eval("(() => { const a = root.querySelector('.colloquy-previewed'); return [a.querySelector('h4').textContent, a.querySelector('strong').textContent, a.querySelector('.colloquy-body').textContent.includes('<script>window.ran = 1</script>'), root.querySelectorAll('script').length, !!window.ran, a.querySelector('a') && a.querySelector('a').href]; })()")
        .await;
    assert_eq!(
        shown,
        json!([
            "Preview (not sent yet)",
            "bold",
            true,
            0,
            false,
            "https://example.org/x"
        ]),
        "the server's HTML: bold, the script as inert text, the address a link"
    );
    // The text stays to be edited, and the next click shows the new text.
    let kept = text(
        &browser,
        "root.querySelector('textarea[name=\"body\"]').value",
    )
    .await;
    assert_eq!(kept, typed);
    type_into(&browser, "textarea[name=\"body\"]", " and *more*").await;
    click(&browser, "button.colloquy-preview").await;
    browser
        .wait_for("the new preview", "const r = document.querySelector('#colloquy-thread').shadowRoot; return !!r.querySelector('.colloquy-previewed em');")
        .await;
    // Too long a text is refused beside the field, and nothing is previewed.
    browser
        .widget_eval("(() => { const t = root.querySelector('textarea[name=\"body\"]'); t.value = 'a'.repeat(10001); t.dispatchEvent(new Event('input')); return 1; })()")
        .await;
    click(&browser, "button.colloquy-preview").await;
    let refused = browser
        .wait_for("the refusal", "const r = document.querySelector('#colloquy-thread').shadowRoot; const e = r.querySelector('.colloquy-field-error[data-field=\"body\"]'); return e && !r.querySelector('.colloquy-previewed').firstChild && [r.querySelector('.colloquy-status').dataset.kind, r.querySelector('textarea[name=\"body\"]').getAttribute('aria-invalid'), e.textContent];")
        .await;
    assert_eq!(refused[0], "error");
    assert_eq!(refused[1], "true");
    assert!(refused[2].as_str().unwrap().contains("10000"), "{refused}");
    // Nothing reached the moderators.
    let queue = app.signed_in("moderator").await.queue("").await;
    assert_eq!(queue["comments"], json!([]));
    assert_eq!(app.thread(&slug).await["total"], 0);
}

#[tokio::test]
async fn comments_read_like_dipnote_and_the_official_reply_is_unmistakable() {
    let (app, host) = setup(|_| {}).await;
    let slug = app.post("p").await;
    let moderator = app.signed_in("moderator").await;
    let r = app
        .submit(
            &slug,
            &json!({"author_name": "Mari", "author_location": "United States", "body": "A question."}),
        )
        .await;
    let mari = r.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    moderator.approve(mari).await;
    let reply = moderator
        .reply(&slug, Some(mari), "@ Mari -- An answer.")
        .await;
    let browser = open(&host, &app, &slug, "").await;
    let byline = text(
        &browser,
        &format!("root.querySelector('#comment-{mari} .colloquy-byline').textContent"),
    )
    .await;
    assert_eq!(byline, "Mari writes:");
    let when = text(
        &browser,
        &format!("root.querySelector('#comment-{mari} .colloquy-when').textContent"),
    )
    .await;
    assert!(when.starts_with("United States"), "{when}");
    let official = format!("#comment-{}", reply["id"]);
    let byline = text(
        &browser,
        &format!("root.querySelector('{official} .colloquy-byline').textContent"),
    )
    .await;
    assert_eq!(byline, "DipNote Bloggers reply: Official reply");
    let style = browser
        .widget_eval(&format!("(() => {{ const s = getComputedStyle(root.querySelector('{official} > .colloquy-main')); const r = getComputedStyle(root.querySelector('#comment-{mari} > .colloquy-main')); return [s.borderInlineStartWidth, s.backgroundColor !== r.backgroundColor]; }})()"))
        .await;
    assert_eq!(
        style,
        json!(["5px", true]),
        "an accent border and its own background"
    );
    // Reader comments can be reported; official replies cannot.
    let flags = browser
        .widget_eval(&format!("[!!root.querySelector('#comment-{mari} .colloquy-flag'), !!root.querySelector('{official} .colloquy-flag')]"))
        .await;
    assert_eq!(flags, json!([true, false]));
}

#[tokio::test]
async fn reply_opens_the_form_under_the_comment_and_escape_or_cancel_puts_it_back() {
    let (app, host) = setup(|_| {}).await;
    let slug = app.post("p").await;
    let mari = approved(&app, &slug, "Mari", "First").await;
    approved(&app, &slug, "Dedric", "Second").await;
    let browser = open(&host, &app, &slug, "").await;
    let reply = format!("#comment-{mari} .colloquy-reply");
    click(&browser, &reply).await;
    let placed = browser
        .widget_eval("(() => { const f = root.querySelector('form.colloquy-form'); return [f.closest('article') && f.closest('article').dataset.id, f.querySelector('.colloquy-replying').textContent, root.activeElement && root.activeElement.name, !!root.querySelector('.colloquy-tail .colloquy-new:not([hidden])')]; })()")
        .await;
    assert_eq!(
        placed,
        json!([
            mari.to_string(),
            "Replying to \u{2068}Mari\u{2069} Cancel",
            "body",
            true
        ]),
        "the form sits under Mari's comment, names her, and has the focus"
    );
    browser
        .in_widget("textarea[name=\"body\"]")
        .await
        .send_keys(ESCAPE)
        .await
        .unwrap();
    let back = browser
        .widget_eval(&format!("[root.querySelector('form.colloquy-form').parentElement.className, root.querySelector('input[name=\"parent_id\"]').value, root.activeElement === root.querySelector('{reply}')]"))
        .await;
    assert_eq!(
        back,
        json!(["colloquy-tail", "", true]),
        "Escape puts the form back and the focus on Reply"
    );
    click(&browser, &reply).await;
    click(&browser, ".colloquy-replying .colloquy-cancel").await;
    let back = browser
        .widget_eval("root.querySelector('form.colloquy-form').parentElement.className")
        .await;
    assert_eq!(back, json!("colloquy-tail"), "so does Cancel");
    // Keyboard users can skip the thread.
    let skip = browser
        .widget_eval("(() => { const a = root.querySelector('a.colloquy-skip'); a.focus(); const shown = a.getBoundingClientRect().width > 1; a.click(); return [a.textContent, shown, root.activeElement && root.activeElement.name]; })()")
        .await;
    assert_eq!(
        skip,
        json!(["Skip to the comment form", true, "author_name"]),
        "shown when focused, it moves the focus to the form"
    );
}

#[tokio::test]
async fn the_readers_own_comment_shows_awaiting_review_in_place_for_the_rest_of_the_visit() {
    let (app, host) = setup(|_| {}).await;
    let slug = app.post("p").await;
    let mari = approved(&app, &slug, "Mari", "First").await;
    let browser = open(&host, &app, &slug, "").await;
    let hint = text(
        &browser,
        "root.querySelector('#colloquy-hint-email').textContent",
    )
    .await;
    assert_eq!(hint, "Only to tell you when your comment is published.");
    let described = text(
        &browser,
        "root.querySelector('input[name=\"email\"]').getAttribute('aria-describedby')",
    )
    .await;
    assert_eq!(described, "colloquy-hint-email");
    send(&browser, "Ana", "ana@example.org", "My *own* words").await;
    assert!(answer(&browser).await.starts_with("pending: "));
    click(&browser, &format!("#comment-{mari} .colloquy-reply")).await;
    send(&browser, "Ana", "", "A reply <b>as typed</b>").await;
    assert!(answer(&browser).await.starts_with("pending: "));
    let own = "[...root.querySelectorAll('article[data-pending]')].map(a => [a.parentElement.closest('article') ? a.parentElement.closest('article').dataset.id : 'top', a.querySelector('.colloquy-awaiting').textContent, a.querySelector('.colloquy-body').textContent, a.querySelectorAll('b, em').length])";
    let expected = json!([
        [
            mari.to_string(),
            "Awaiting review",
            "A reply <b>as typed</b>",
            0
        ],
        ["top", "Awaiting review", "My *own* words", 0],
    ]);
    assert_eq!(
        browser.widget_eval(own).await,
        expected,
        "in place, as text"
    );
    let focused = browser
        .widget_eval("root.activeElement && root.activeElement.hasAttribute('data-pending')")
        .await;
    assert_eq!(
        focused,
        json!(true),
        "after a reply the focus stays with it"
    );
    // Still there on the next page load of this visit...
    browser.client.refresh().await.unwrap();
    browser.widget_ready().await;
    assert_eq!(browser.widget_eval(own).await, expected);
    // ...but nobody else sees it: the server publishes nothing yet.
    assert_eq!(app.public_ids(&slug).await, vec![mari]);
    // Once approved, the published comment replaces the reader's copy.
    let queue = app.signed_in("moderator").await.queue("").await;
    let top = queue["comments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["body_source"] == "My *own* words")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    app.signed_in("moderator").await.approve(top).await;
    browser.client.refresh().await.unwrap();
    browser.widget_ready().await;
    let after = browser
        .widget_eval(&format!("[root.querySelectorAll('article[data-id=\"{top}\"]').length, root.querySelectorAll('article[data-pending]').length]"))
        .await;
    assert_eq!(after, json!([1, 1]));
    // Another visit (a fresh session) sees no pending copy.
    browser.eval("sessionStorage.clear(); return 1;").await;
    browser.client.refresh().await.unwrap();
    browser.widget_ready().await;
    let pending = browser
        .widget_eval("root.querySelectorAll('article[data-pending]').length")
        .await;
    assert_eq!(pending, json!(0));
}

#[tokio::test]
async fn a_reader_reports_a_comment_with_a_reason_and_hears_back_also_when_it_is_gone_or_too_soon()
{
    let (app, host) = setup(|s| {
        s.rate_limit.enabled = true;
        s.rate_limit.flags_per_minute = 2;
    })
    .await;
    let slug = app.post("p").await;
    let first = approved(&app, &slug, "Troll", "Buy pills").await;
    let second = approved(&app, &slug, "Other", "Soon gone").await;
    let third = approved(&app, &slug, "Third", "Too soon").await;
    let browser = open(&host, &app, &slug, "").await;
    click(&browser, &format!("#comment-{first} .colloquy-flag")).await;
    report_open(&browser).await;
    let legend = text(
        &browser,
        "root.querySelector('.colloquy-report label[for=\"colloquy-reason\"]').textContent",
    )
    .await;
    assert_eq!(legend, "Why report this comment?");
    let reasons = browser
        .widget_eval(
            "[...root.querySelectorAll('.colloquy-report select option')].map(o => o.textContent)",
        )
        .await;
    assert_eq!(
        reasons,
        json!([
            "",
            "Spam",
            "Abuse or harassment",
            "Off-topic",
            "Breaks the law",
            "Other"
        ])
    );
    choose(&browser, "Spam").await;
    type_into(&browser, ".colloquy-report textarea", "Pharmacy links").await;
    click(&browser, ".colloquy-report button.colloquy-submit").await;
    let done = browser
        .wait_for("the receipt", &format!("const p = document.querySelector('#colloquy-thread').shadowRoot.querySelector('#comment-{first} .colloquy-reported'); return p && p.textContent;"))
        .await;
    assert_eq!(
        done,
        json!("Thank you. A moderator will look at this comment.")
    );
    let flagged = app
        .signed_in("moderator")
        .await
        .queue("?status=flagged")
        .await;
    assert_eq!(flagged["comments"][0]["id"], first);
    assert_eq!(
        flagged["comments"][0]["flags"],
        json!(["Spam: Pharmacy links"])
    );
    // A comment taken down since the page loaded.
    let reason = app.state.settings.reasons[0].id.clone();
    let r = app
        .signed_in("moderator")
        .await
        .post(
            &format!("/moderation/comments/{second}/reject"),
            &json!({ "reason": reason }),
        )
        .await;
    assert!(r.status().is_success(), "{}", r.text().await.unwrap());
    click(&browser, &format!("#comment-{second} .colloquy-flag")).await;
    report_open(&browser).await;
    choose(&browser, "Off-topic").await;
    click(&browser, ".colloquy-report button.colloquy-submit").await;
    let gone = browser
        .wait_for("the answer", &format!("const p = document.querySelector('#colloquy-thread').shadowRoot.querySelector('#comment-{second} .colloquy-reported'); return p && p.textContent;"))
        .await;
    assert_eq!(gone, json!("This comment is no longer published."));
    // The third report within the minute.
    click(&browser, &format!("#comment-{third} .colloquy-flag")).await;
    report_open(&browser).await;
    choose(&browser, "Other").await;
    click(&browser, ".colloquy-report button.colloquy-submit").await;
    let soon = browser
        .wait_for("the answer", "const p = document.querySelector('#colloquy-thread').shadowRoot.querySelector('.colloquy-report p[data-kind=\"rate-limited\"]'); return p && p.textContent;")
        .await;
    let soon = soon.as_str().unwrap();
    assert!(
        soon.contains("Please try again") && soon.chars().any(|c| c.is_ascii_digit()),
        "{soon}"
    );
    assert!(!soon.contains(".."), "{soon}");
    // Cancel closes the form, the focus back on Report.
    click(
        &browser,
        ".colloquy-report .colloquy-actions button[type=\"button\"]",
    )
    .await;
    let closed = browser
        .widget_eval(&format!("[!!root.querySelector('.colloquy-report'), root.activeElement === root.querySelector('#comment-{third} .colloquy-flag')]"))
        .await;
    assert_eq!(closed, json!([false, true]));
}

#[tokio::test]
async fn a_page_on_an_origin_the_server_does_not_allow_says_so_and_names_allowed_origins() {
    let (app, host) = setup(|s| s.allowed_origins = vec!["https://blog.example".into()]).await;
    let slug = app.post("p").await;
    let browser = open_at(&host, blog_page(&app.address, &slug, "", ""), "/").await;
    let error = browser
        .wait_for("the error", "const r = document.querySelector('#colloquy-thread').shadowRoot; return r.querySelector('.colloquy').dataset.state === 'error' && r.querySelector('.colloquy-error').textContent;")
        .await;
    let error = error.as_str().unwrap();
    assert!(
        error.contains("refused this page")
            && error.contains("allowed_origins")
            && error.contains(&host.origin),
        "{error}"
    );
    let rest = browser
        .widget_eval("[!!root.querySelector('.colloquy-retry'), root.querySelector('.colloquy-header').hidden]")
        .await;
    assert_eq!(rest, json!([false, true]), "no Try again, no empty heading");
}

#[tokio::test]
async fn an_unknown_post_says_so_without_an_empty_heading_or_a_pointless_retry() {
    let (app, host) = setup(|s| s.posts.auto_create = false).await;
    let browser = open_at(&host, blog_page(&app.address, "no-such-post", "", ""), "/").await;
    let error = browser
        .wait_for("the error", "const r = document.querySelector('#colloquy-thread').shadowRoot; return r.querySelector('.colloquy').dataset.state === 'error' && r.querySelector('.colloquy-error').textContent;")
        .await;
    assert_eq!(
        error,
        json!("The comment server has no post “\u{2068}no-such-post\u{2069}”.")
    );
    let rest = browser
        .widget_eval("[!!root.querySelector('.colloquy-retry'), root.querySelector('.colloquy-header').hidden]")
        .await;
    assert_eq!(rest, json!([false, true]));
}

#[tokio::test]
async fn the_widget_names_its_page_by_data_url_else_the_canonical_link_else_its_address() {
    let (app, host) = setup(|_| {}).await;
    let slug = app.post("p").await;
    // Records what the widget sends (the page's own script, before embed.js).
    let spy = "<script>window.__sent = []; const f = window.fetch; window.fetch = (u, o) => { __sent.push([String(u), o && o.body || null]); return f(u, o); };</script>";
    let page = |head: &str, attributes: &str| {
        blog_page(&app.address, &slug, attributes, "").replace(
            "<title>Blog</title>",
            &format!("<title>Blog</title>{head}{spy}"),
        )
    };
    let thread_url = "const s = __sent.find(s => s[0].includes('/comments?')); return s && new URL(s[0]).searchParams.get('url');";
    let cases = [
        (
            page(
                "",
                "data-url=\"https://blog.example/2012/p\" data-title=\"The post\"",
            ),
            "https://blog.example/2012/p",
            "The post",
        ),
        (
            page("<link rel=\"canonical\" href=\"/2012/canonical\">", ""),
            "CANONICAL",
            "Blog",
        ),
        (page("", ""), "HERE", "Blog"),
    ];
    for (html, expected, title) in cases {
        let browser = open_at(&host, html, "/here?x=1#comment-1").await;
        browser.widget_ready().await;
        let expected = expected
            .replace("CANONICAL", &format!("{}/2012/canonical", host.origin))
            .replace("HERE", &format!("{}/here?x=1", host.origin));
        assert_eq!(browser.eval(thread_url).await, json!(expected));
        send(&browser, "Mari", "", "Hello").await;
        assert!(answer(&browser).await.starts_with("pending: "));
        let body = browser
            .eval("return JSON.parse(__sent.find(s => s[1])[1])")
            .await;
        assert_eq!(body["post_url"], json!(expected));
        assert_eq!(body["post_title"], json!(title));
    }
}

#[tokio::test]
async fn the_formatting_help_lists_only_what_the_server_renders() {
    let (app, host) = setup(|_| {}).await;
    let slug = app.post("p").await;
    let source = "*italic*, **bold**, `code`\n\n[a link](https://www.state.gov), https://www.state.gov/x\n\n> a quotation\n\n- a list\n\n1. a numbered list\n\n<b>as typed</b>";
    let id = approved(&app, &slug, "Mari", source).await;
    let browser = open(&host, &app, &slug, "").await;
    click(&browser, "details.colloquy-help summary").await;
    let items = browser
        .widget_eval("[root.querySelector('details.colloquy-help').open, ...[...root.querySelectorAll('details.colloquy-help li')].map(l => l.textContent)]")
        .await;
    assert_eq!(
        items,
        json!([
            true,
            "*italic*, **bold**, `code`",
            "[a link](https://…), https://…",
            "> a quotation, - a list, 1. a numbered list",
            "A blank line starts a new paragraph; HTML shows as typed."
        ])
    );
    // Every construct the help names is rendered so by the server.
    let rendered = browser
        .widget_eval(&format!("(() => {{ const b = root.querySelector('#comment-{id} .colloquy-body'); return ['em', 'strong', 'code', 'blockquote', 'ul > li', 'ol > li', 'p + p'].filter(s => !b.querySelector(s)).concat(b.querySelectorAll('a[href^=\"https://www.state.gov\"]').length === 2 ? [] : ['two links'], b.querySelector('b') ? ['<b> became markup'] : [], b.textContent.includes('<b>as typed</b>') ? [] : ['HTML not shown as typed']); }})()"))
        .await;
    assert_eq!(rendered, json!([]), "missing from the rendered comment");
}

#[tokio::test]
async fn totals_say_one_comment_and_n_comments_in_every_language() {
    let (app, host) = setup(|_| {}).await;
    let mut sections = String::new();
    for (slug, n) in [("one", 1), ("two", 2), ("five", 5)] {
        app.post(slug).await;
        for i in 0..n {
            approved(&app, slug, "R", &format!("c{i}")).await;
        }
        for lang in ["en", "ru", "fr", "es", "ar"] {
            sections.push_str(&format!(
                "<section data-colloquy-thread=\"{slug}\" data-lang=\"{lang}\"></section>"
            ));
        }
    }
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Blog</title></head><body>{sections}<script src=\"{}/embed.js\" defer></script></body></html>",
        app.address
    );
    let browser = open_at(&host, html, "/").await;
    let totals = browser
        .wait_for("every total", "const t = [...document.querySelectorAll('[data-colloquy-thread]')].map(s => s.shadowRoot && s.shadowRoot.querySelector('.colloquy[data-state=\"ready\"] .colloquy-total')); return t.every(Boolean) && t.map(e => e.textContent);")
        .await;
    assert_eq!(
        totals,
        json!([
            "1 comment",
            "1 комментарий",
            "1 commentaire",
            "1 comentario",
            "تعليق واحد",
            "2 comments",
            "2 комментария",
            "2 commentaires",
            "2 comentarios",
            "تعليقان",
            "5 comments",
            "5 комментариев",
            "5 commentaires",
            "5 comentarios",
            "5 تعليقات",
        ])
    );
}

/// The keys of one language's words (`hint.NAME` for the field hints).
fn keys_of(words: &serde_json::Value) -> Vec<String> {
    let mut keys = Vec::new();
    for (key, value) in words.as_object().unwrap() {
        match (key.as_str(), value) {
            ("hint", serde_json::Value::Object(hints)) => {
                keys.extend(hints.keys().map(|k| format!("hint.{k}")));
            }
            _ => keys.push(key.clone()),
        }
    }
    keys
}

/// English lives in embed.js; the other languages in static/embed/LANG.json,
/// which the widget fetches when a page asks for one (its `LANGS` list).
#[test]
fn every_language_has_every_string_of_the_widget() {
    let js = std::fs::read_to_string("static/embed.js").unwrap();
    let start = js.find("  const L = {").unwrap();
    let end = js[start..].find("\n  };\n").unwrap() + start;
    let mut english = Vec::new();
    for line in js[start..end].lines() {
        if let Some((key, _)) = line
            .strip_prefix("      ")
            .filter(|l| !l.starts_with(' '))
            .and_then(|l| l.split_once(':'))
        {
            english.push(key.to_owned());
        } else if let Some((key, _)) = line
            .strip_prefix("        ")
            .and_then(|l| l.split_once(':'))
        {
            english.push(format!("hint.{key}"));
        }
    }
    english.retain(|k| k != "hint"); // its members are listed as hint.NAME
    // The Report form's words are in its own file, fetched on first use.
    let report = std::fs::read_to_string("static/embed/report.js").unwrap();
    let from = report.find("const EN = {").unwrap();
    let to = report[from..].find("\n};\n").unwrap() + from;
    for line in report[from..to].lines().skip(1) {
        if let Some((key, _)) = line.strip_prefix("  ").and_then(|l| l.split_once(':')) {
            english.push(key.to_owned());
        }
    }
    assert!(english.iter().any(|k| k == "goodFaith"), "{english:?}");
    assert!(english.len() > 40, "English words found: {english:?}");
    assert!(!js[start..end].contains("..'"), "a double full stop");
    let listed = js
        .split_once("const LANGS = [")
        .and_then(|(_, rest)| rest.split_once(']'))
        .unwrap()
        .0
        .split(',')
        .map(|l| l.trim().trim_matches('\'').to_owned())
        .collect::<Vec<_>>();
    assert_eq!(listed, ["en", "ru", "fr", "es", "ar"]);
    let mut files: Vec<String> = std::fs::read_dir("static/embed")
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    files.sort();
    assert_eq!(
        files,
        ["ar.json", "es.json", "fr.json", "report.js", "ru.json"]
    );
    for lang in &listed[1..] {
        let text = std::fs::read_to_string(format!("static/embed/{lang}.json")).unwrap();
        assert!(!text.contains("..\""), "{lang}: a double full stop");
        let have = keys_of(&serde_json::from_str(&text).unwrap());
        // The honeypot's label is never seen by people (aria-hidden, off screen).
        let missing: Vec<_> = english
            .iter()
            .filter(|k| !have.contains(k) && *k != "honeypot")
            .collect();
        assert!(missing.is_empty(), "{lang} lacks {missing:?}");
        let extra: Vec<_> = have
            .iter()
            // English shows the server's own words for these two.
            .filter(|k| {
                !english.contains(k)
                    && !["dir", "hint.author_location", "hint.parent_id"].contains(&k.as_str())
            })
            .collect();
        assert!(extra.is_empty(), "{lang} has {extra:?} that English lacks");
    }
}

#[tokio::test]
async fn a_banned_sender_is_told_they_cannot_comment_and_a_closed_post_says_it_is_closed() {
    let (app, host) = setup(|_| {}).await;
    let slug = app.post("p").await;
    let r = app
        .submit(
            &slug,
            &json!({"author_name": "Troll", "email": "troll@example.org", "body": "bait"}),
        )
        .await;
    let troll = r.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let moderator = app.signed_in("moderator").await;
    let r = moderator
        .post(
            "/moderation/bans",
            &json!({"kind": "email", "comment_id": troll}),
        )
        .await;
    assert!(r.status().is_success());
    let browser = open(&host, &app, &slug, "").await;
    send(&browser, "Troll", "troll@example.org", "again").await;
    assert_eq!(
        answer(&browser).await,
        "banned: You cannot comment on this site."
    );
    let editor = app.signed_in("editor").await;
    let r = editor
        .patch(
            &format!("/moderation/posts/{slug}"),
            &json!({"comments_open": false}),
        )
        .await;
    assert!(r.status().is_success());
    let field = browser.in_widget("input[name=\"email\"]").await;
    field.clear().await.unwrap();
    let body = browser.in_widget("textarea[name=\"body\"]").await;
    body.clear().await.unwrap();
    send(&browser, "Reader", "", "late").await;
    assert_eq!(answer(&browser).await, "closed: Comments are closed.");
}
#[tokio::test]
async fn a_first_comment_on_a_page_the_server_does_not_know_yet_creates_its_post() {
    let (app, host) = setup(|_| {}).await;
    let url = format!("{}/2012/04/new-post", host.origin);
    let attributes = format!("data-url=\"{url}\" data-title=\"A new post\"");
    let browser = open(&host, &app, "new-post", &attributes).await;
    let empty = browser
        .widget_eval("[root.querySelector('.colloquy-total').textContent, !!root.querySelector('form.colloquy-form')]")
        .await;
    assert_eq!(empty, json!(["0 comments", true]));
    send(&browser, "Mari", "", "The first word").await;
    assert!(answer(&browser).await.starts_with("pending: "));
    let (status, post) = app.get("/posts/new-post").await;
    assert!(status.is_success(), "{post}");
    assert_eq!(post["title"], "A new post");
    assert_eq!(post["url"], json!(url), "the address the widget named");
}

#[tokio::test]
async fn a_reader_reports_a_comment_as_illegal_and_a_moderator_sees_the_notice_and_resolves_it() {
    use crate::admin_page::{open_signed_in, queue_shows};
    let (app, host) = setup(|_| {}).await;
    let slug = app.post("p").await;
    let target = approved(&app, &slug, "Poster", "Here is my neighbour's home address").await;
    let browser = open(&host, &app, &slug, "").await;
    click(&browser, &format!("#comment-{target} .colloquy-flag")).await;
    report_open(&browser).await;
    let hidden = browser
        .widget_eval("root.querySelector('.colloquy-law').hidden")
        .await;
    assert_eq!(hidden, json!(true), "the law's fields wait for that reason");
    choose(&browser, "Breaks the law").await;
    let label = text(
        &browser,
        "root.querySelector('.colloquy-law').hidden ? '' : root.querySelector('label[for=\"colloquy-details\"]').textContent",
    )
    .await;
    assert!(label.starts_with("Why is it illegal?"), "{label:?}");
    type_into(
        &browser,
        ".colloquy-report textarea",
        "It publishes a private person's home address",
    )
    .await;
    type_into(&browser, "#colloquy-law", "GDPR art. 6").await;
    type_into(&browser, "#colloquy-notifier_name", "Nadia").await;
    type_into(&browser, "#colloquy-notifier_email", "nadia@example.org").await;
    // Without the good-faith statement the browser keeps the form.
    click(&browser, ".colloquy-report button.colloquy-submit").await;
    let still = browser
        .widget_eval(
            "!!root.querySelector('.colloquy-report') && !root.querySelector('.colloquy-reported')",
        )
        .await;
    assert_eq!(still, json!(true));
    click(&browser, "#colloquy-good_faith").await;
    click(&browser, ".colloquy-report button.colloquy-submit").await;
    let done = browser
        .wait_for("the receipt", &format!("const p = document.querySelector('#colloquy-thread').shadowRoot.querySelector('#comment-{target} .colloquy-reported'); return p && p.textContent;"))
        .await;
    assert_eq!(
        done,
        json!("Thank you. Your notice was received; a moderator will decide on it.")
    );
    let moderator = app.signed_in("moderator").await;
    let (_, list) = moderator
        .get(&format!("/moderation/comments/{target}/notices"))
        .await;
    let notice = &list["notices"][0];
    assert_eq!(notice["category"], "illegal", "{list}");
    assert_eq!(notice["law"], "GDPR art. 6");
    assert_eq!(notice["notifier_email"], "nadia@example.org");
    assert_eq!(notice["good_faith"], true);
    let notice_id = notice["id"].as_i64().unwrap();

    // The moderator's page: the flagged tab shows the notice and resolves it.
    app.create_account("resolver", "moderator");
    let desk = open_signed_in(&app, "resolver", 300).await;
    desk.client
        .find(fantoccini::Locator::Css("#tab-flagged"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    queue_shows(&desk, 1).await;
    let shown = desk
        .wait_for(
            "the notice",
            "const n = document.querySelector('#queue-list .notice'); return n && n.textContent;",
        )
        .await;
    let shown = shown.as_str().unwrap();
    for part in [
        "Breaks the law",
        "GDPR art. 6",
        "It publishes a private person's home address",
        "nadia@example.org",
    ] {
        assert!(shown.contains(part), "{part:?} not in {shown:?}");
    }
    desk.client
        .find(fantoccini::Locator::Css(
            "#queue-list .notice input[value=\"action_taken\"]",
        ))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    crate::admin_page::type_into(
        &desk,
        "#queue-list .notice input[name=\"reason\"]",
        "A private address; removed",
    )
    .await;
    desk.client
        .find(fantoccini::Locator::Css(
            "#queue-list .notice button[type=\"submit\"]",
        ))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    desk.wait_for(
        "the resolution",
        "const d = document.querySelector('#queue-list .notice-done'); return d && d.textContent;",
    )
    .await;
    let (_, list) = moderator
        .get(&format!("/moderation/comments/{target}/notices"))
        .await;
    assert_eq!(list["notices"][0]["outcome"], "action_taken", "{list}");
    assert_eq!(
        list["notices"][0]["resolution"],
        "A private address; removed"
    );
    let (_, log) = moderator
        .get("/moderation/log?action=notice_resolved")
        .await;
    assert_eq!(log["entries"][0]["comment_id"], target, "{log}");
    assert_eq!(notice_id, list["notices"][0]["id"].as_i64().unwrap());
    assert_eq!(
        crate::admin_page::errors(&desk).await,
        json!([]),
        "no script errors"
    );
}
