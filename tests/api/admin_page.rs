//! The moderators' page at `/admin/` in real headless Chromium, driven by
//! the keyboard the way a moderator works the queue.

use crate::browser::{Browser, browser};
use crate::helpers::{PASSWORD, TestApp, spawn_app};
use fantoccini::Locator;
use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use serde_json::{Value, json};

/// Presses each character of `keys` in turn, on whatever has focus, as a
/// keyboard would (WebDriver key actions, not synthetic events).
pub async fn press(b: &Browser, keys: &str) {
    let mut actions = KeyActions::new("keyboard".into());
    for c in keys.chars() {
        actions = actions
            .then(KeyAction::Down { value: c })
            .then(KeyAction::Up { value: c });
    }
    b.client.perform_actions(actions).await.unwrap();
}

/// Ctrl (or another modifier given as a WebDriver key code) with `key`.
pub async fn chord(b: &Browser, modifier: char, key: char) {
    let actions = KeyActions::new("keyboard".into())
        .then(KeyAction::Down { value: modifier })
        .then(KeyAction::Down { value: key })
        .then(KeyAction::Up { value: key })
        .then(KeyAction::Up { value: modifier });
    b.client.perform_actions(actions).await.unwrap();
}

/// WebDriver's code for the Control key.
pub const CONTROL: char = '\u{E009}';
/// WebDriver's code for the Enter key.
pub const ENTER: char = '\u{E007}';

/// Types `text` into the element matching `css`.
pub async fn type_into(b: &Browser, css: &str, text: &str) {
    b.client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .send_keys(text)
        .await
        .unwrap();
}

/// Opens the page (with a short undo window) and signs in as `username`.
pub async fn open_signed_in(app: &TestApp, username: &str, undo_ms: u32) -> Browser {
    let b = browser(true).await;
    b.client
        .goto(&format!("{}/admin/?undo={undo_ms}", app.address))
        .await
        .unwrap();
    b.wait_for(
        "the sign-in dialog",
        "return document.getElementById('sign-in').open",
    )
    .await;
    sign_in(&b, username).await;
    b
}

/// Fills the sign-in dialog and waits for it to close.
pub async fn sign_in(b: &Browser, username: &str) {
    b.eval("document.getElementById('sign-in-username').value = ''; return 1")
        .await;
    type_into(b, "#sign-in-username", username).await;
    type_into(b, "#sign-in-password", PASSWORD).await;
    press(b, &ENTER.to_string()).await;
    b.wait_for(
        "the sign-in dialog to close",
        "return !document.getElementById('sign-in').open",
    )
    .await;
}

/// Waits until the queue has loaded and shows `n` items (`data-queue` is
/// "ready" only once the list last asked for is shown).
pub async fn queue_shows(b: &Browser, n: usize) {
    b.wait_for(
        &format!("{n} queue items"),
        &format!(
            "return document.body.dataset.queue === 'ready' && document.querySelectorAll('#queue-list > li').length === {n}"
        ),
    )
    .await;
}

/// Waits until every decision has left its undo window and been answered.
/// (The page's modules carry the assets' version, `?v=…`, as the page
/// names them; a module imported without it would be another instance.)
pub async fn settled(b: &Browser) {
    b.wait_for(
        "decisions to be sent",
        "return import('/admin/queue.js' + new URL(document.querySelector('script[type=module]').src).search).then((queue) => queue.idle())",
    )
    .await;
}

pub async fn errors(b: &Browser) -> Value {
    b.eval("return window.colloquyErrors || []").await
}

#[tokio::test]
async fn the_page_signs_in_shows_the_queue_and_signs_out_without_keeping_the_password() {
    let app = spawn_app().await;
    let slug = app.post("p").await;
    app.create_account("mod", "moderator");
    app.submit_ok(&slug, "Mari", "A first question").await;
    let b = open_signed_in(&app, "mod", 300).await;
    queue_shows(&b, 1).await;
    let text = b
        .eval("return document.querySelector('#queue-list > li').textContent")
        .await;
    assert!(text.as_str().unwrap().contains("A first question"));
    assert_eq!(
        b.eval("return document.getElementById('sign-in-password').value")
            .await,
        json!("")
    );
    let stored = b
        .eval("return JSON.stringify(localStorage) + JSON.stringify(sessionStorage) + document.cookie")
        .await;
    assert!(
        !stored.as_str().unwrap().contains(PASSWORD),
        "the password is not stored"
    );
    assert_eq!(
        b.eval("return document.querySelector('[data-view=posts]').parentElement.hidden")
            .await,
        json!(true),
        "a moderator sees no Posts view"
    );
    b.client
        .find(Locator::Css("#sign-out"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.wait_for(
        "the sign-in dialog",
        "return document.getElementById('sign-in').open",
    )
    .await;
    assert_eq!(errors(&b).await, json!([]));
}

/// The ids of the items the queue shows, in order.
async fn shown_ids(b: &Browser) -> Vec<i64> {
    let ids = b
        .eval("return [...document.querySelectorAll('#queue-list > li')].map(li => Number(li.dataset.id))")
        .await;
    ids.as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_i64().unwrap())
        .collect()
}

/// The moderator API as the test sees it, for checks the page cannot make.
async fn rejected_reasons(app: &TestApp) -> Vec<(i64, String)> {
    let admin = app.signed_in("admin").await;
    let queue = admin.queue("?status=rejected&limit=200").await;
    queue["comments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["id"].as_i64().unwrap(),
                c["reason"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_queue_of_mixed_comments_is_cleared_by_keyboard_alone() {
    let app = spawn_app().await;
    let slug = app.post("p").await;
    app.create_account("mod", "moderator");
    let mut ids = Vec::new();
    for (name, text) in [
        ("Dedric", "Can I quote your post?"),
        ("Troll", "You are all idiots"),
        ("Bot", "Cheap watches here"),
        ("Mari", "Is there a reciprocal arrangement?"),
        ("W.W.", "Something about football"),
        ("Angel", "Thank you for this work"),
        ("Sam", "Selected one"),
        ("Lee", "Selected two"),
    ] {
        ids.push(app.submit_ok(&slug, name, text).await);
    }
    let b = open_signed_in(&app, "mod", 300).await;
    queue_shows(&b, 8).await;
    assert_eq!(shown_ids(&b).await, ids, "pending, oldest first");
    assert_eq!(
        b.eval("return document.activeElement.dataset.id").await,
        json!(ids[0].to_string()),
        "the oldest comment has focus"
    );
    // approve · reject (abusive, reason 2) · spam · approve · reject
    // (off-topic, reason 1) · approve · select two · approve them all.
    let keys = "ar2sar1axjxA";
    press(&b, keys).await;
    queue_shows(&b, 0).await;
    settled(&b).await;
    let mut public = app.public_ids(&slug).await;
    public.sort_unstable();
    assert_eq!(public, [ids[0], ids[3], ids[5], ids[6], ids[7]]);
    let mut reasons = rejected_reasons(&app).await;
    reasons.sort();
    assert_eq!(
        reasons,
        [
            (ids[1], "abusive".to_owned()),
            (ids[4], "off-topic".to_owned())
        ]
    );
    let admin = app.signed_in("admin").await;
    assert_eq!(
        admin.queue("?status=spam").await["comments"][0]["id"],
        ids[2]
    );
    let (_, log) = admin.get("/moderation/log?action=reject").await;
    let logged: Vec<&str> = log["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["reason"].as_str().unwrap())
        .collect();
    assert_eq!(
        logged,
        ["off-topic", "abusive"],
        "the log keeps the reasons"
    );
    assert!(keys.len() <= 2 * 8, "at most two keystrokes a comment");
    assert_eq!(errors(&b).await, json!([]));
}

#[tokio::test]
async fn a_decision_can_be_undone_and_one_that_fails_is_shown_and_kept() {
    let app = spawn_app().await;
    let slug = app.post("p").await;
    app.create_account("mod", "moderator");
    let first = app.submit_ok(&slug, "A", "first").await;
    let second = app.submit_ok(&slug, "B", "second").await;
    let b = open_signed_in(&app, "mod", 1500).await;
    queue_shows(&b, 2).await;
    press(&b, "a").await;
    queue_shows(&b, 1).await;
    let toast = b
        .eval("return document.getElementById('toasts').textContent")
        .await;
    assert!(toast.as_str().unwrap().contains("Undo"), "{toast}");
    press(&b, "z").await;
    queue_shows(&b, 2).await;
    assert_eq!(shown_ids(&b).await, [first, second], "back in its place");
    assert_eq!(
        b.eval("return document.activeElement.dataset.id").await,
        json!(first.to_string())
    );
    settled(&b).await;
    tokio::time::sleep(std::time::Duration::from_millis(1600)).await;
    assert!(app.public_ids(&slug).await.is_empty(), "nothing was sent");
    // A decision the server refuses comes back, with the reason.
    {
        use colloquy::db::schema::comments;
        use diesel::prelude::*;
        let mut conn = app.pool.get().unwrap();
        diesel::delete(comments::table.find(first as i32))
            .execute(&mut conn)
            .unwrap();
    }
    press(&b, "a").await;
    b.wait_for(
        "the failure to show",
        "return !document.getElementById('failures').hidden",
    )
    .await;
    let failure = b
        .eval("return document.getElementById('failures').textContent")
        .await;
    assert!(
        failure.as_str().unwrap().contains("There is no comment"),
        "{failure}"
    );
    assert_eq!(shown_ids(&b).await, [first, second], "the item is kept");
}

#[tokio::test]
async fn approve_and_reply_shows_the_official_reply_on_the_public_thread() {
    let app = spawn_app().await;
    let slug = app.post("p").await;
    app.create_account("mod", "moderator");
    let id = app
        .submit_ok(&slug, "Dedric", "Can I take a portion of your post?")
        .await;
    let b = open_signed_in(&app, "mod", 300).await;
    queue_shows(&b, 1).await;
    press(&b, "c").await;
    b.wait_for(
        "the composer",
        "return document.activeElement.tagName === 'TEXTAREA'",
    )
    .await;
    press(&b, "@ Dedric -- Please *do* share it.").await;
    b.wait_for(
        "the preview",
        "return document.querySelector('.preview').innerHTML.includes('<em>do</em>')",
    )
    .await;
    chord(&b, CONTROL, ENTER).await;
    queue_shows(&b, 0).await;
    let thread = app.thread(&slug).await;
    assert_eq!(thread["comments"][0]["id"], id);
    let reply = &thread["comments"][0]["replies"][0];
    assert_eq!(reply["kind"], "official");
    assert_eq!(reply["author_name"], "DipNote Bloggers");
    assert_eq!(
        reply["body_html"],
        "<p>@ Dedric -- Please <em>do</em> share it.</p>\n"
    );
    assert_eq!(errors(&b).await, json!([]));
}

#[tokio::test]
async fn an_expired_session_returns_to_sign_in_and_keeps_the_reply_being_written() {
    let app = spawn_app().await;
    let slug = app.post("p").await;
    app.create_account("mod", "moderator");
    let id = app.submit_ok(&slug, "Mari", "A question").await;
    let b = open_signed_in(&app, "mod", 300).await;
    queue_shows(&b, 1).await;
    press(&b, "c").await;
    press(&b, "Thank you, Mari.").await;
    // The preview of the whole text has come back, so no preview is still
    // due (it is sent once typing pauses for 250 ms): the reply is what
    // meets the ended session. Had a late preview met it first, its
    // sign-in dialog would have taken the focus, and Ctrl+Enter with it.
    b.wait_for(
        "the preview",
        "return document.querySelector('.composer .preview').textContent.includes('Thank you, Mari.')",
    )
    .await;
    {
        use colloquy::db::schema::sessions;
        use diesel::prelude::*;
        let mut conn = app.pool.get().unwrap();
        diesel::delete(sessions::table).execute(&mut conn).unwrap();
    }
    chord(&b, CONTROL, ENTER).await;
    // The dialog is up and the reply is the request waiting for it.
    b.wait_for(
        "the sign-in dialog over the reply being sent",
        "return document.getElementById('sign-in').open && !document.getElementById('sign-in-why').hidden \
         && document.querySelector('.composer').classList.contains('is-busy')",
    )
    .await;
    assert_eq!(
        b.eval("return document.querySelector('.composer textarea').value")
            .await,
        json!("Thank you, Mari."),
        "what was typed is still there"
    );
    assert_eq!(
        b.eval("return document.getElementById('sign-in-username').value")
            .await,
        json!("mod"),
        "the user name is filled in"
    );
    type_into(&b, "#sign-in-password", PASSWORD).await;
    press(&b, &ENTER.to_string()).await;
    // The reply that was interrupted goes out once signed in again.
    queue_shows(&b, 0).await;
    let thread = app.thread(&slug).await;
    assert_eq!(thread["comments"][0]["id"], id);
    assert_eq!(
        thread["comments"][0]["replies"][0]["body_html"],
        "<p>Thank you, Mari.</p>\n"
    );
}

#[tokio::test]
async fn a_ban_from_the_queue_makes_the_next_submission_403() {
    let app = spawn_app().await;
    let slug = app.post("p").await;
    app.create_account("mod", "moderator");
    app.submit(
        &slug,
        &json!({"author_name": "Troll", "email": "troll@example.org", "body": "bait"}),
    )
    .await;
    let b = open_signed_in(&app, "mod", 300).await;
    queue_shows(&b, 1).await;
    press(&b, "b").await;
    b.wait_for(
        "the ban form",
        "return !document.querySelector('#queue-list .ban').hidden",
    )
    .await;
    b.client
        .find(Locator::Css("#queue-list .ban button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    // Banned by e-mail and network address, and marked as spam.
    queue_shows(&b, 0).await;
    settled(&b).await;
    let refused = app
        .submit(&slug, &json!({"author_name": "Troll", "body": "again"}))
        .await;
    assert_eq!(refused.status().as_u16(), 403);
    let admin = app.signed_in("admin").await;
    let (_, bans) = admin.get("/moderation/bans").await;
    let kinds: Vec<&str> = bans["bans"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["ip_hash", "email"]);
    assert_eq!(admin.queue("?status=spam").await["total"], 1);
}

#[tokio::test]
async fn a_banned_term_rejects_and_a_suspect_term_holds_with_its_signal() {
    let app = spawn_app().await;
    let slug = app.post("p").await;
    app.create_account("boss", "admin");
    let b = open_signed_in(&app, "boss", 300).await;
    b.client
        .goto(&format!("{}/admin/?undo=300#terms", app.address))
        .await
        .unwrap();
    b.wait_for(
        "the terms view",
        "return document.body.dataset.view === 'terms' && document.getElementById('term-reason').options.length > 0",
    )
    .await;
    for (term, kind, reason) in [("casino", "banned", "spam"), ("crypto*", "suspect", "")] {
        type_into(&b, "#term-form input[name=term]", term).await;
        b.eval(&format!(
            "const f = document.getElementById('term-form'); f.elements.kind.value = '{kind}'; \
             f.elements.kind.dispatchEvent(new Event('change')); if ('{reason}') f.elements.reason.value = '{reason}'; return 1"
        ))
        .await;
        press(&b, &ENTER.to_string()).await;
        b.wait_for(
            "the term to be listed",
            &format!(
                "return document.getElementById('terms-{kind}').textContent.includes('{term}')"
            ),
        )
        .await;
    }
    let banned = app
        .submit(
            &slug,
            &json!({"author_name": "Bot", "body": "Best CАSINO deals"}),
        )
        .await;
    assert_eq!(banned.status().as_u16(), 202);
    let held = app
        .submit_ok(&slug, "Mari", "A cryptocurrency question")
        .await;
    b.client
        .goto(&format!("{}/admin/?undo=300#queue", app.address))
        .await
        .unwrap();
    queue_shows(&b, 1).await;
    let signals = b
        .eval("return document.querySelector('#queue-list > li .signals').textContent")
        .await;
    assert!(
        signals
            .as_str()
            .unwrap()
            .contains("suspect term \u{201c}crypto*\u{201d}"),
        "{signals}"
    );
    assert_eq!(shown_ids(&b).await, [held]);
    let reasons = rejected_reasons(&app).await;
    assert_eq!(reasons.len(), 1);
    assert_eq!(reasons[0].1, "spam");
    // The rejected tab shows it with its reason. (Until the tab's page
    // arrives the pending list stays: one item too, but undecided.)
    press(&b, "]]]").await;
    let decided = b
        .wait_for(
            "the rejected tab",
            "const items = document.querySelectorAll('#queue-list > li'); \
             return document.body.dataset.tab === 'rejected' && items.length === 1 \
             && items[0].querySelector('.decided').textContent",
        )
        .await;
    assert!(
        decided
            .as_str()
            .unwrap()
            .starts_with("Rejected automatically")
            && decided.as_str().unwrap().contains("Spam or advertising"),
        "{decided}"
    );
    assert_eq!(errors(&b).await, json!([]));
}

#[tokio::test]
async fn a_moderator_without_the_editor_role_cannot_create_posts_but_an_editor_can() {
    let app = spawn_app().await;
    app.create_account("mod", "moderator");
    app.create_account("ed", "editor");
    let b = open_signed_in(&app, "mod", 300).await;
    b.client
        .goto(&format!("{}/admin/#posts", app.address))
        .await
        .unwrap();
    b.wait_for(
        "the posts view",
        "return document.body.dataset.view === 'posts'",
    )
    .await;
    assert_eq!(
        b.eval("return [document.getElementById('post-form').hidden, document.getElementById('posts-denied').hidden]")
            .await,
        json!([true, false])
    );
    // Even a request made by hand from the page is refused.
    let status = b
        .client
        .execute_async(
            "const done = arguments[0]; fetch('/api/v1/auth/me').then(r => r.json()).then(me => \
             fetch('/api/v1/moderation/posts', {method: 'POST', headers: {'Content-Type': 'application/json', 'X-CSRF-Token': me.csrf_token}, \
             body: JSON.stringify({slug: 'sneaky', title: 't', author: 'a'})})).then(r => done(r.status))",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(status, json!(403));
    drop(b);
    let b = open_signed_in(&app, "ed", 300).await;
    b.client
        .goto(&format!("{}/admin/#posts", app.address))
        .await
        .unwrap();
    b.wait_for(
        "the post form",
        "return document.body.dataset.view === 'posts' && !document.getElementById('post-form').hidden",
    )
    .await;
    type_into(&b, "#post-form input[name=slug]", "new-post").await;
    type_into(&b, "#post-form input[name=title]", "A new post").await;
    type_into(&b, "#post-form input[name=author]", "Editor").await;
    b.client
        .find(Locator::Css("#post-save"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.wait_for(
        "the post to be listed",
        "return document.getElementById('posts-table').textContent.includes('A new post')",
    )
    .await;
    let (status, post) = app.get("/posts/new-post").await;
    assert_eq!(status.as_u16(), 200);
    assert_eq!(post["comments_open"], true);
    // Closing comments from the list.
    b.client
        .find(Locator::Css(
            "#posts-table button[aria-label^='Close comments']",
        ))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.wait_for(
        "the post to show closed",
        "return document.getElementById('posts-table').textContent.includes('closed')",
    )
    .await;
    assert_eq!(app.get("/posts/new-post").await.1["comments_open"], false);
}

#[tokio::test]
async fn the_second_moderator_on_a_comment_sees_that_it_is_being_handled() {
    let app = spawn_app().await;
    let slug = app.post("p").await;
    app.create_account("alice", "moderator");
    app.create_account("bob", "moderator");
    let id = app.submit_ok(&slug, "Mari", "A question").await;
    let alice = open_signed_in(&app, "alice", 300).await;
    queue_shows(&alice, 1).await;
    // Alice's page claims the comment it focuses.
    let bob = app.sign_in("bob", PASSWORD).await;
    let mut claimed = false;
    for _ in 0..50 {
        let (_, claims) = bob.get("/moderation/claims").await;
        if claims["claims"][0]["comment_id"] == id {
            claimed = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(claimed, "alice's page claimed the comment");
    let bob_page = open_signed_in(&app, "bob", 300).await;
    queue_shows(&bob_page, 1).await;
    bob_page
        .wait_for(
            "the claim badge",
            "const b = document.querySelector('#queue-list > li .claimed'); return b && !b.hidden && b.textContent.includes('alice')",
        )
        .await;
    // Both approve: harmless.
    press(&alice, "a").await;
    press(&bob_page, "a").await;
    settled(&alice).await;
    settled(&bob_page).await;
    assert_eq!(app.public_ids(&slug).await, [id]);
    assert_eq!(errors(&bob_page).await, json!([]));
}

#[tokio::test]
async fn the_queue_filters_by_post_and_text_and_counts_every_tab() {
    let app = spawn_app().await;
    let water = app.post("water").await;
    let prisons = app.post("prisons").await;
    app.create_account("mod", "moderator");
    let a = app
        .submit_ok(&water, "Anna", "About the river gauges")
        .await;
    let b = app.submit_ok(&prisons, "Boris", "About inspections").await;
    let c = app.submit_ok(&water, "Cleo", "Dams upstream").await;
    let admin = app.signed_in("admin").await;
    let approved = app.submit_ok(&water, "Dora", "Old and approved").await;
    admin.approve(approved).await;
    let b_page = open_signed_in(&app, "mod", 300).await;
    queue_shows(&b_page, 3).await;
    b_page
        .wait_for(
            "the counts",
            "return document.querySelector('[data-count=pending]').textContent === '(3)' \
             && document.querySelector('[data-count=approved]').textContent === '(1)' \
             && document.getElementById('oldest').textContent.startsWith('Oldest pending:')",
        )
        .await;
    // By post: the select lists each post with its pending count (the
    // counts arrive with the stats, after the queue itself).
    b_page
        .wait_for(
            "the pending count in the post filter",
            "return [...document.querySelectorAll('#filter-post option')].some(o => o.textContent.includes('pending'))",
        )
        .await;
    // The posts and the stats load at once, in either order: posts that
    // arrive second keep the pending counts.
    let kept = b_page
        .eval(
            "return import('/admin/queue-stats.js' + new URL(document.querySelector('script[type=module]').src).search).then((m) => m.loadPosts()).then(() => \
             [...document.querySelectorAll('#filter-post option')].some(o => o.textContent.includes('pending')))",
        )
        .await;
    assert_eq!(
        kept,
        json!(true),
        "posts loaded after the stats keep the counts"
    );
    let label = b_page
        .eval("return [...document.querySelectorAll('#filter-post option')].map(o => o.textContent).join('|')")
        .await;
    assert!(
        label
            .as_str()
            .unwrap()
            .contains("Title of water (2 pending)"),
        "{label}"
    );
    b_page
        .eval("const s = document.getElementById('filter-post'); s.value = 'water'; s.dispatchEvent(new Event('change')); return 1")
        .await;
    b_page
        .wait_for(
            "the water comments only",
            &format!("return [...document.querySelectorAll('#queue-list > li')].map(li => li.dataset.id).join() === '{a},{c}'"),
        )
        .await;
    // By text, typed after "/".
    b_page
        .eval("const s = document.getElementById('filter-post'); s.value = ''; s.dispatchEvent(new Event('change')); return 1")
        .await;
    queue_shows(&b_page, 3).await;
    press(&b_page, "/").await;
    press(&b_page, "inspect").await;
    // The list for the whole text: "in" already shows Boris's comment
    // alone, and the reload for the rest may still be due.
    b_page
        .wait_for(
            "the text filter",
            &format!("return document.body.dataset.queue === 'ready' \
             && [...document.querySelectorAll('#queue-list > li')].map(li => li.dataset.id).join() === '{b}'"),
        )
        .await;
    assert_eq!(
        b_page.eval("return document.activeElement.id").await,
        json!("filter-q"),
        "typing in the filter keeps focus there"
    );
    // Escape returns to the queue, and R rejects the selection with one reason.
    press(&b_page, "\u{E00C}").await;
    press(&b_page, "xR4").await;
    queue_shows(&b_page, 0).await;
    settled(&b_page).await;
    let reasons = rejected_reasons(&app).await;
    assert_eq!(reasons, [(b, "personal-information".to_owned())]);
    assert_eq!(errors(&b_page).await, json!([]));
}

/// Every view of the page renders to a real picture. With
/// `COLLOQUY_SCREENSHOTS=DIR` the pictures are kept there (that is how
/// docs/screenshots/admin-queue.png is made); otherwise in a temporary
/// folder.
#[tokio::test]
async fn every_view_of_the_page_renders_to_a_screenshot() {
    let scratch = tempfile::tempdir().unwrap();
    let dir = std::env::var_os("COLLOQUY_SCREENSHOTS")
        .map_or_else(|| scratch.path().to_owned(), std::path::PathBuf::from);
    let shot = |name: &str| dir.join(format!("admin-{name}.png"));
    let app = spawn_app().await;
    let slug = app.post("p").await;
    app.create_account("boss", "admin");
    let first = app
        .submit_ok(
            &slug,
            "Dedric",
            "Can I take a portion of your post and share it?",
        )
        .await;
    let moderator = app.signed_in("moderator").await;
    moderator.approve(first).await;
    app.submit(&slug, &json!({"author_name": "Mari", "author_location": "United States", "email": "mari@example.org", "body": "Is there a *reciprocal* arrangement?\n\n> quoted", "parent_id": first})).await;
    app.submit_ok(
        &slug,
        "Bot",
        "see https://a.example https://b.example https://c.example",
    )
    .await;
    app.submit_ok(
        &slug,
        "Bot",
        "see https://a.example https://b.example https://c.example",
    )
    .await;
    let b = open_signed_in(&app, "boss", 5000).await;
    queue_shows(&b, 3).await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    std::fs::write(shot("queue"), b.client.screenshot().await.unwrap()).unwrap();
    press(&b, "r").await;
    std::fs::write(shot("reject"), b.client.screenshot().await.unwrap()).unwrap();
    press(&b, "1").await;
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    std::fs::write(shot("undo"), b.client.screenshot().await.unwrap()).unwrap();
    press(&b, "c").await;
    press(&b, "Thanks **Bot**").await;
    tokio::time::sleep(std::time::Duration::from_millis(600)).await;
    std::fs::write(shot("reply"), b.client.screenshot().await.unwrap()).unwrap();
    for view in ["log", "bans", "terms", "posts", "accounts", "outbox"] {
        b.client
            .goto(&format!("{}/admin/#{view}", app.address))
            .await
            .unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(700)).await;
        std::fs::write(shot(view), b.client.screenshot().await.unwrap()).unwrap();
    }
    press(&b, "?").await;
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    std::fs::write(shot("help"), b.client.screenshot().await.unwrap()).unwrap();
    for name in [
        "queue", "reject", "undo", "reply", "log", "bans", "terms", "posts", "accounts", "outbox",
        "help",
    ] {
        let png = std::fs::read(shot(name)).unwrap();
        assert!(
            png.starts_with(b"\x89PNG") && png.len() > 10_000,
            "{name}: {} bytes",
            png.len()
        );
    }
}

#[tokio::test]
async fn a_posts_publication_time_survives_an_edit_in_the_date_time_field() {
    let app = spawn_app().await;
    let editor = app.signed_in("editor").await;
    let created = editor
        .post(
            "/moderation/posts",
            &json!({"slug": "dated", "title": "Dated", "author": "Staff",
                    "published_at": "2012-04-20T09:30:15Z"}),
        )
        .await;
    assert_eq!(created.status().as_u16(), 201);
    app.create_account("ed", "editor");
    let b = open_signed_in(&app, "ed", 300).await;
    b.client
        .goto(&format!("{}/admin/#posts", app.address))
        .await
        .unwrap();
    b.wait_for(
        "the post to be listed",
        "return document.getElementById('posts-table').textContent.includes('Dated')",
    )
    .await;
    b.client
        .find(Locator::Css("#posts-table button[aria-label='Edit Dated']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let shown = b
        .wait_for(
            "the form filled in",
            "const f = document.getElementById('post-form'); \
             return f.elements.slug.value === 'dated' && f.elements.published_at.type === 'datetime-local' \
             && f.elements.published_at.value",
        )
        .await;
    assert!(shown.as_str().unwrap().contains(":30:15"), "{shown}");
    type_into(&b, "#post-form input[name=title]", " again").await;
    b.client
        .find(Locator::Css("#post-save"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.wait_for(
        "the new title",
        "return document.getElementById('posts-table').textContent.includes('Dated again')",
    )
    .await;
    let (_, post) = app.get("/posts/dated").await;
    assert_eq!(post["published_at"], "2012-04-20T09:30:15Z");
    assert_eq!(post["title"], "Dated again");
    assert_eq!(errors(&b).await, json!([]));
}

/// Fails unless the page scrolls only vertically: nothing is wider than
/// the window.
pub async fn fits_the_width(b: &Browser, what: &str) {
    let sizes = b
        .eval("return [document.documentElement.scrollWidth, innerWidth]")
        .await;
    assert!(
        sizes[0].as_i64().unwrap() <= sizes[1].as_i64().unwrap(),
        "{what} scrolls sideways: [scrollWidth, innerWidth] = {sizes}"
    );
}

/// The log row whose Action cell says `action`: its comment cell's
/// excerpt, link text, link address and the cell's own label.
async fn log_row(b: &Browser, action: &str) -> Value {
    b.eval(&format!(
        "const row = [...document.querySelectorAll('#log-table tbody tr')] \
           .find((r) => r.querySelector('[data-label=Action]')?.textContent === '{action}'); \
         const cell = row.querySelector('[data-label=Comment]'); \
         const link = cell.querySelector('a'); \
         return {{ excerpt: cell.querySelector('.excerpt').textContent, link: link.textContent, \
                   href: link.getAttribute('href'), label: getComputedStyle(cell, '::before').content, \
                   display: getComputedStyle(row).display }};"
    ))
    .await
}

#[tokio::test]
async fn at_a_phones_width_the_queue_filters_and_the_log_fit_and_log_rows_show_their_comment() {
    let app = spawn_app().await;
    // A long title makes a wide post filter; a long address and an
    // unbroken link make wide items and excerpts.
    let slug = app
        .post("the-river-basin-agreement-and-what-five-countries-learned-from-a-long-drought")
        .await;
    app.create_account("mod", "moderator");
    let long = format!(
        "Could you say more about the gauges? {}https://data.example.org/a/very/long/path/without/any/break/0123456789",
        "The data-sharing ".repeat(6)
    );
    let approved = app.submit_ok(&slug, "Mari", &long).await;
    let hostile = "<img src=x onerror=\"window.pwned=1\"> football scores";
    let rejected = app.submit_ok(&slug, "W.W.", hostile).await;
    let also_rejected = app.submit_ok(&slug, "W.W.", "more football").await;
    app.submit(
        &slug,
        &json!({"author_name": "Anna", "email": "anna.with.a.rather.long.address@subdomain.example.org", "body": "Still pending"}),
    )
    .await;
    let admin = app.signed_in("admin").await;
    admin.approve(approved).await;
    for id in [also_rejected, rejected] {
        let r = admin
            .post(
                &format!("/moderation/comments/{id}/reject"),
                &json!({"reason": "off-topic"}),
            )
            .await;
        assert_eq!(r.status(), reqwest::StatusCode::OK);
    }
    let permalink = app.thread(&slug).await["comments"][0]["permalink"].clone();

    let b = open_signed_in(&app, "mod", 300).await;
    b.client.set_window_size(390, 844).await.unwrap();
    b.wait_for("a 390 px wide window", "return innerWidth === 390")
        .await;
    queue_shows(&b, 1).await;
    b.wait_for(
        "the posts in the filter",
        "return document.querySelectorAll('#filter-post option').length === 2",
    )
    .await;
    fits_the_width(&b, "the queue").await;
    let filters = b
        .eval(
            "const [post, text] = [...document.querySelectorAll('#queue-filters label')].map((l) => l.getBoundingClientRect()); \
             return { stacked: post.bottom <= text.top, right: Math.max(post.right, text.right) };",
        )
        .await;
    assert_eq!(filters["stacked"], json!(true), "{filters}");
    assert!(filters["right"].as_f64().unwrap() <= 390.0, "{filters}");

    b.eval("location.hash = '#log'; return 1").await;
    b.wait_for(
        "the log",
        "return document.body.dataset.log === 'ready' && document.querySelectorAll('#log-table tbody tr').length >= 4",
    )
    .await;
    fits_the_width(&b, "the log").await;
    assert_eq!(
        b.eval("return getComputedStyle(document.querySelector('#log-table thead')).display")
            .await,
        json!("none"),
        "rows are cards that name their columns"
    );
    let approval = log_row(&b, "approve").await;
    assert_eq!(approval["display"], "block", "{approval}");
    assert_eq!(approval["label"], "\"Comment\"", "{approval}");
    let expected: String = long.chars().take(100).collect();
    assert_eq!(
        approval["excerpt"],
        format!("{}\u{2026}", expected.trim_end()),
        "the first 100 characters"
    );
    assert_eq!(
        approval["href"], permalink,
        "an approved comment's permalink"
    );
    assert!(
        approval["link"]
            .as_str()
            .unwrap()
            .starts_with(&format!("#{approved}")),
        "{approval}"
    );
    let rejection = log_row(&b, "reject").await;
    assert_eq!(rejection["excerpt"], hostile, "the text, as text");
    assert_eq!(
        rejection["href"],
        format!("#queue?status=rejected&id={rejected}")
    );
    assert_eq!(
        b.eval(
            "return document.querySelectorAll('#log-table img').length + (window.pwned ? 1 : 0)"
        )
        .await,
        json!(0),
        "no markup from a comment reaches the page"
    );

    // The link opens the comment in the queue, alone in its tab.
    b.client
        .find(Locator::Css(&format!(
            "#log-table a[href$='id={rejected}']"
        )))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.wait_for(
        "the comment alone in the queue",
        &format!(
            "return document.body.dataset.view === 'queue' && document.body.dataset.queue === 'ready' \
             && !document.getElementById('queue-only').hidden \
             && [...document.querySelectorAll('#queue-list > li')].map((li) => li.dataset.id).join() === '{rejected}'"
        ),
    )
    .await;
    assert_eq!(
        b.eval("return document.querySelector('#tabs [aria-selected=true]').dataset.tab")
            .await,
        json!("rejected")
    );
    fits_the_width(&b, "one comment in the queue").await;
    b.client
        .find(Locator::Css("#queue-only-clear"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    queue_shows(&b, 2).await;
    assert_eq!(
        b.eval("return [location.hash, document.getElementById('queue-only').hidden]")
            .await,
        json!(["#queue", true]),
        "the whole tab again"
    );

    // A wide window shows the log as a table with its header.
    b.client.set_window_size(1000, 1400).await.unwrap();
    b.eval("location.hash = '#log'; return 1").await;
    b.wait_for(
        "the log, wide",
        "return innerWidth > 720 && document.body.dataset.log === 'ready' && document.querySelectorAll('#log-table tbody tr').length >= 4",
    )
    .await;
    assert_eq!(
        b.eval("const t = document.getElementById('log-table'); return [getComputedStyle(t).display, getComputedStyle(t.tHead).display]")
            .await,
        json!(["table", "table-header-group"])
    );
    assert_eq!(errors(&b).await, json!([]));
}
