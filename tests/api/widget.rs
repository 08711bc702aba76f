//! The reader widget in real headless Chromium, embedded in a page served
//! from another origin than the comment server.

use crate::browser::{Browser, HostPage, blog_page, browser};
use crate::helpers::{TestApp, assert_conditional_get, spawn_app, spawn_app_with};
use fantoccini::Locator;
use serde_json::{Value, json};

/// A comment server that allows the host page's origin, and the host page.
async fn setup(rate_limited: bool) -> (TestApp, HostPage) {
    let host = HostPage::start();
    let origin = host.origin.clone();
    let app = spawn_app_with(move |s| {
        s.rate_limit.enabled = rate_limited;
        s.allowed_origins = vec![origin];
    })
    .await;
    (app, host)
}

async fn open(
    host: &HostPage,
    app: &TestApp,
    slug: &str,
    attributes: &str,
    extra: &str,
) -> Browser {
    host.set(blog_page(&app.address, slug, attributes, extra));
    let browser = browser(true).await;
    browser.client.goto(&host.origin).await.unwrap();
    browser.widget_ready().await;
    browser
}

#[tokio::test]
async fn the_thread_renders_with_the_official_reply_and_never_a_pending_comment() {
    let (app, host) = setup(false).await;
    let slug = app.post("p").await;
    let moderator = app.signed_in("moderator").await;
    let approved = app.submit(&slug, &json!({"author_name": "Dedric", "author_location": "United States", "body": "Can I take a portion of your post?"})).await;
    let approved = approved.json::<Value>().await.unwrap()["id"]
        .as_i64()
        .unwrap();
    moderator.approve(approved).await;
    let reply = moderator
        .reply(
            &slug,
            Some(approved),
            "@ Dedric -- Please feel free to share the entry.",
        )
        .await;
    let pending = app
        .submit_ok(&slug, "Waiting", "I am still in the queue")
        .await;
    let browser = open(&host, &app, &slug, "", "").await;

    let comment = browser
        .in_widget(&format!("article.colloquy-comment[data-id=\"{approved}\"]"))
        .await;
    assert!(
        comment.is_displayed().await.unwrap(),
        "the host page's CSS must not reach the widget"
    );
    assert_eq!(
        browser
            .in_widget(".colloquy-author")
            .await
            .text()
            .await
            .unwrap(),
        "Dedric"
    );
    assert!(
        browser
            .in_widget(".colloquy-location")
            .await
            .text()
            .await
            .unwrap()
            .contains("United States")
    );
    let official = browser
        .in_widget(&format!(
            "article.colloquy-comment[data-id=\"{}\"][data-kind=\"official\"]",
            reply["id"]
        ))
        .await;
    assert!(
        official
            .text()
            .await
            .unwrap()
            .contains("Please feel free to share")
    );
    let nested = browser
        .widget_eval(&format!(
            "root.querySelector('article[data-id=\"{approved}\"] .colloquy-replies article[data-kind=\"official\"]') !== null"
        ))
        .await;
    assert_eq!(
        nested,
        json!(true),
        "the official reply sits under the comment it answers"
    );
    let badge = browser
        .widget_eval(&format!(
            "root.querySelector('article[data-id=\"{}\"] .colloquy-badge') !== null",
            reply["id"]
        ))
        .await;
    assert_eq!(badge, json!(true));
    let shown = browser.widget_eval(&format!("root.querySelector('article[data-id=\"{pending}\"]') === null && !root.textContent.includes('still in the queue')")).await;
    assert_eq!(shown, json!(true), "a pending comment never shows");
}

#[tokio::test]
async fn hostile_names_locations_and_bodies_appear_as_inert_text() {
    let (app, host) = setup(false).await;
    let slug = app.post("p").await;
    let moderator = app.signed_in("moderator").await;
    let hostile = [
        (
            "<img src=x onerror=\"window.__pwned=1\">",
            "<script>window.__pwned=2</script>",
            "<script>window.__pwned=3</script>\n\n<img src=x onerror=\"window.__pwned=4\">",
        ),
        (
            "<svg onload=window.__pwned=5>",
            "\"><b onmouseover=window.__pwned=6>x</b>",
            "[click me](javascript:window.__pwned=7)",
        ),
    ];
    for (name, location, body) in hostile {
        let r = app
            .submit(
                &slug,
                &json!({"author_name": name, "author_location": location, "body": body}),
            )
            .await;
        let id = r.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
        moderator.approve(id).await;
    }
    let browser = open(&host, &app, &slug, "", "").await;
    let authors = browser
        .widget_eval("[...root.querySelectorAll('.colloquy-author')].map(e => e.textContent)")
        .await;
    assert_eq!(
        authors,
        json!([hostile[0].0, hostile[1].0]),
        "names are shown as the text they are"
    );
    let inert = browser
        .widget_eval("root.querySelectorAll('script, img, svg, [onerror], [onload], [onmouseover], a[href^=\"javascript\"]').length")
        .await;
    assert_eq!(inert, json!(0));
    if let Some(link) = browser
        .widget_eval("root.querySelector('.colloquy-body a') ? 'yes' : ''")
        .await
        .as_str()
        .filter(|s| !s.is_empty())
    {
        assert_eq!(link, "yes");
        browser
            .in_widget(".colloquy-body a")
            .await
            .click()
            .await
            .unwrap();
    }
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(
        browser.eval("return window.__pwned === undefined").await,
        json!(true),
        "no reader's script ran"
    );
}

#[tokio::test]
async fn a_comment_sent_through_the_form_reaches_the_queue_and_the_reader_is_told_it_awaits_review()
{
    let (app, host) = setup(false).await;
    let slug = app.post("p").await;
    let browser = open(&host, &app, &slug, "", "").await;
    browser
        .in_widget("input[name=\"author_name\"]")
        .await
        .send_keys("Mari")
        .await
        .unwrap();
    browser
        .in_widget("input[name=\"author_location\"]")
        .await
        .send_keys("United States")
        .await
        .unwrap();
    browser
        .in_widget("input[name=\"email\"]")
        .await
        .send_keys("mari@example.org")
        .await
        .unwrap();
    browser
        .in_widget("textarea[name=\"body\"]")
        .await
        .send_keys("Is there a reciprocal arrangement?")
        .await
        .unwrap();
    browser
        .in_widget("form.colloquy-form button[type=\"submit\"]")
        .await
        .click()
        .await
        .unwrap();
    browser
        .wait_for("the pending notice", "const r = document.querySelector('#colloquy-thread').shadowRoot.querySelector('.colloquy-status'); return r && r.dataset.kind === 'pending' && r.textContent.length > 0;")
        .await;
    // The reader's own copy (`data-pending`) may show; no published one may.
    let shown = browser.widget_eval("[...root.querySelectorAll('article.colloquy-comment:not([data-pending])')].some(a => a.textContent.includes('reciprocal arrangement'))").await;
    assert_eq!(
        shown,
        json!(false),
        "the pending comment is not shown as published"
    );
    let moderator = app.signed_in("moderator").await;
    let queue = moderator.queue("").await;
    assert_eq!(queue["comments"][0]["author_name"], "Mari");
    assert_eq!(queue["comments"][0]["author_location"], "United States");
    assert_eq!(queue["comments"][0]["email"], "mari@example.org");
    assert_eq!(
        queue["comments"][0]["body_source"],
        "Is there a reciprocal arrangement?"
    );
}

#[tokio::test]
async fn validation_errors_and_rate_limits_are_shown_in_the_form() {
    let (app, host) = setup(true).await;
    let slug = app.post("p").await;
    let browser = open(&host, &app, &slug, "", "").await;
    // A location with a text-direction override passes every check the
    // browser can make; the server's 422 must show beside the field.
    browser
        .in_widget("input[name=\"author_name\"]")
        .await
        .send_keys("Mari")
        .await
        .unwrap();
    browser
        .in_widget("input[name=\"author_location\"]")
        .await
        .send_keys("Paris\u{202E}gnp.exe")
        .await
        .unwrap();
    browser
        .in_widget("textarea[name=\"body\"]")
        .await
        .send_keys("First")
        .await
        .unwrap();
    browser
        .in_widget("form.colloquy-form button[type=\"submit\"]")
        .await
        .click()
        .await
        .unwrap();
    browser
        .wait_for("the field error", "const e = document.querySelector('#colloquy-thread').shadowRoot.querySelector('.colloquy-field-error[data-field=\"author_location\"]'); return e && e.textContent.trim().length > 0;")
        .await;
    let invalid = browser
        .widget_eval(
            "root.querySelector('input[name=\"author_location\"]').getAttribute('aria-invalid')",
        )
        .await;
    assert_eq!(invalid, json!("true"));
    let location = browser.in_widget("input[name=\"author_location\"]").await;
    location.clear().await.unwrap();
    location.send_keys("Paris").await.unwrap();
    for i in 0..4 {
        let body = browser.in_widget("textarea[name=\"body\"]").await;
        body.clear().await.unwrap();
        body.send_keys(&format!("Comment number {i}"))
            .await
            .unwrap();
        browser
            .in_widget("form.colloquy-form button[type=\"submit\"]")
            .await
            .click()
            .await
            .unwrap();
        browser
            .wait_for("an answer", "const r = document.querySelector('#colloquy-thread').shadowRoot.querySelector('.colloquy-status'); return r && r.dataset.kind && r.dataset.kind !== 'sending' ? r.dataset.kind + ':' + Date.now() : '';")
            .await;
        let kind = browser
            .widget_eval("root.querySelector('.colloquy-status').dataset.kind")
            .await;
        if i < 3 {
            assert_eq!(kind, json!("pending"), "submission {i}");
        } else {
            assert_eq!(kind, json!("rate-limited"), "the fourth rapid submission");
            let text = browser
                .widget_eval("root.querySelector('.colloquy-status').textContent")
                .await;
            assert!(
                text.as_str().unwrap().chars().any(|c| c.is_ascii_digit()),
                "says when to try again: {text}"
            );
            let kept = browser
                .widget_eval("root.querySelector('textarea[name=\"body\"]').value")
                .await;
            assert_eq!(
                kept,
                json!("Comment number 3"),
                "the text is kept for the retry"
            );
        }
    }
}

#[tokio::test]
async fn counts_fill_in_with_one_request() {
    let (app, host) = setup(false).await;
    let first = app.post("first").await;
    let second = app.post("second").await;
    let moderator = app.signed_in("moderator").await;
    for text in ["one", "two"] {
        let id = app.submit_ok(&first, "R", text).await;
        moderator.approve(id).await;
    }
    moderator.reply(&second, None, "official").await;
    let extra = format!(
        "<p><span data-colloquy-count=\"{first}\"></span> comments</p><p><span data-colloquy-count=\"{second}\"></span> comments</p><p><span data-colloquy-count=\"unknown\"></span></p>"
    );
    let browser = open(&host, &app, &first, "", &extra).await;
    browser
        .wait_for("the counts", "return document.querySelector('[data-colloquy-count=\"first\"]').textContent.trim() !== ''")
        .await;
    let counts = browser
        .eval("return [...document.querySelectorAll('[data-colloquy-count]')].map(e => e.textContent.trim())")
        .await;
    assert_eq!(counts, json!(["2", "1", "0"]));
    let requests = browser
        .eval("return performance.getEntriesByType('resource').filter(e => e.name.includes('/api/v1/counts')).length")
        .await;
    assert_eq!(requests, json!(1));
}

#[tokio::test]
async fn the_arabic_widget_reads_right_to_left() {
    let (app, host) = setup(false).await;
    let slug = app.post("p").await;
    let moderator = app.signed_in("moderator").await;
    let id = app.submit_ok(&slug, "سلمى", "شكرا على هذا المقال").await;
    moderator.approve(id).await;
    let browser = open(&host, &app, &slug, "data-lang=\"ar\"", "").await;
    let dir = browser
        .widget_eval("root.querySelector('.colloquy').getAttribute('dir')")
        .await;
    assert_eq!(dir, json!("rtl"));
    let computed = browser
        .widget_eval("getComputedStyle(root.querySelector('.colloquy-comment')).direction")
        .await;
    assert_eq!(computed, json!("rtl"));
    let lang = browser
        .widget_eval("root.querySelector('.colloquy').getAttribute('lang')")
        .await;
    assert_eq!(lang, json!("ar"));
    let submit = browser
        .in_widget("form.colloquy-form button[type=\"submit\"]")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        submit
            .chars()
            .any(|c| ('\u{0600}'..='\u{06FF}').contains(&c)),
        "the interface is in Arabic: {submit}"
    );
}

#[tokio::test]
async fn without_javascript_the_thread_shows_and_the_form_lands_on_an_awaiting_review_page() {
    let app = spawn_app_with(|s| {
        s.rate_limit.enabled = false;
        s.demo = true;
    })
    .await;
    let slug = app.post("p").await;
    let moderator = app.signed_in("moderator").await;
    let id = app
        .submit_ok(&slug, "Dedric", "Visible without scripts")
        .await;
    moderator.approve(id).await;
    moderator
        .reply(&slug, Some(id), "@ Dedric -- official answer")
        .await;
    let browser = browser(false).await;
    browser
        .client
        .goto(&format!("{}/threads/{slug}", app.address))
        .await
        .unwrap();
    let page = browser
        .client
        .find(Locator::Css("main"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Visible without scripts"));
    assert!(page.contains("official answer"));
    // Typing and clicking only: scripts are off in this browser.
    browser
        .client
        .find(Locator::Css(
            "form.comment-form input[name=\"author_name\"]",
        ))
        .await
        .unwrap()
        .send_keys("No Script Reader")
        .await
        .unwrap();
    browser
        .client
        .find(Locator::Css("form.comment-form textarea[name=\"body\"]"))
        .await
        .unwrap()
        .send_keys("Sent from a plain form")
        .await
        .unwrap();
    browser
        .client
        .find(Locator::Css("form.comment-form button[type=\"submit\"]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let landed = browser
        .client
        .find(Locator::Css("main"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(landed.contains("awaiting review"), "{landed}");
    let back = browser
        .client
        .find(Locator::Css("main a"))
        .await
        .unwrap()
        .attr("href")
        .await
        .unwrap();
    assert!(back.unwrap().contains(&format!("/threads/{slug}")));
    let queue = moderator.queue("").await;
    assert_eq!(queue["comments"][0]["author_name"], "No Script Reader");
    // The demo post page carries the same plain thread inside the widget's section.
    browser
        .client
        .goto(&format!("{}/posts/{slug}", app.address))
        .await
        .unwrap();
    let section = browser
        .client
        .find(Locator::Css("#colloquy-thread"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(section.contains("Visible without scripts"));
}

/// Issue 10's target, on what a reader's browser receives: the widget's
/// script and styles as served (minified) with brotli. English is in the
/// script; another language adds its word file (also checked).
#[tokio::test]
async fn the_widget_script_and_styles_are_at_most_8_kb_on_the_wire_with_brotli() {
    let app = spawn_app().await;
    // Built without reqwest's decompression: bodies arrive as sent.
    let client = reqwest::Client::new();
    let mut total = 0;
    for file in ["embed.js", "embed.css"] {
        let answer = client
            .get(format!("{}/{file}", app.address))
            .header("Accept-Encoding", "br")
            .send()
            .await
            .unwrap();
        assert_eq!(answer.headers()["content-encoding"], "br", "{file}");
        total += answer.bytes().await.unwrap().len();
    }
    assert!(
        total <= 8 * 1024,
        "embed.js + embed.css are {total} bytes with brotli"
    );
    assert!(total > 4 * 1024, "suspiciously small: {total} bytes");
    let words = client
        .get(format!("{}/embed/ar.json", app.address))
        .header("Accept-Encoding", "br")
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap()
        .len();
    assert!(
        words <= 2 * 1024,
        "the Arabic words are {words} bytes with brotli"
    );
}

/// The widget names its styles and words with the assets' version; those
/// URLs are cached for good, the pasted `/embed.js` for five minutes, pages
/// revalidated; a stale version gets the short cache.
#[tokio::test]
async fn versioned_asset_urls_are_cached_for_good_and_the_rest_briefly() {
    let app = spawn_app().await;
    let client = reqwest::Client::new();
    let script = client
        .get(format!("{}/embed.js", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(script.headers()["cache-control"], "public, max-age=300");
    let script = script.text().await.unwrap();
    assert!(
        !script.contains("__COLLOQUY_ASSETS__"),
        "the version mark is replaced"
    );
    // The version is the one template string of twelve hex digits.
    let version = script
        .split('`')
        .find(|s| s.len() == 12 && s.bytes().all(|b| b.is_ascii_hexdigit()))
        .unwrap()
        .to_owned();
    let cache = |path: String| {
        let client = client.clone();
        async move {
            let answer = client.get(path).send().await.unwrap();
            assert_eq!(answer.status(), 200);
            answer.headers()["cache-control"]
                .to_str()
                .unwrap()
                .to_owned()
        }
    };
    let forever = "public, max-age=31536000, immutable";
    for file in [
        "embed.css",
        "embed/fr.json",
        "admin/app.js",
        "assets/site.css",
    ] {
        assert_eq!(
            cache(format!("{}/{file}?v={version}", app.address)).await,
            forever,
            "{file}"
        );
        assert_eq!(
            cache(format!("{}/{file}?v=000000000000", app.address)).await,
            "public, max-age=300",
            "{file} with a stale version"
        );
    }
    assert_eq!(cache(format!("{}/admin/", app.address)).await, "no-cache");
    // The moderators' page and the blog's pages name their files with it.
    let admin = client
        .get(format!("{}/admin/", app.address))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(admin.contains(&format!("app.js?v={version}")), "{admin}");
    let module = client
        .get(format!("{}/admin/app.js?v={version}", app.address))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(module.contains(&format!("from './api.js?v={version}'")));
    let home = client
        .get(&app.address)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        home.contains(&format!("/assets/site.css?v={version}")),
        "{home}"
    );
}

#[tokio::test]
async fn the_widget_files_answer_conditional_gets_by_rfc_9110() {
    let app = spawn_app().await;
    for file in ["/embed.js", "/embed.css"] {
        assert_conditional_get(
            &app.reader,
            &format!("{}{file}", app.address),
            &[
                "cache-control",
                "access-control-allow-origin",
                "cross-origin-resource-policy",
            ],
        )
        .await;
    }
}
