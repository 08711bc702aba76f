//! The read cache is never stale: every change to what a post shows is
//! visible to the very next read, and only on that post.

use crate::helpers::{TestApp, spawn_app};
use reqwest::StatusCode;
use serde_json::json;

async fn etag(app: &TestApp, slug: &str) -> String {
    let r = app
        .reader
        .get(app.url(&format!("/posts/{slug}/comments")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    r.headers()
        .get("etag")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned()
}

/// Warms both threads, runs `change`, and checks that `changed` has a new
/// ETag and `untouched` kept its own.
async fn only_this_thread_changes<F, Fut>(app: &TestApp, changed: &str, untouched: &str, change: F)
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let (before, other) = (etag(app, changed).await, etag(app, untouched).await);
    assert_eq!(etag(app, changed).await, before, "a warm read is stable");
    change().await;
    assert_ne!(
        etag(app, changed).await,
        before,
        "the changed thread is rebuilt"
    );
    assert_eq!(
        etag(app, untouched).await,
        other,
        "the other thread is untouched"
    );
}

#[tokio::test]
async fn approve_reject_spam_reply_and_post_changes_each_invalidate_exactly_their_thread() {
    let app = spawn_app().await;
    let a = app.post("a").await;
    let b = app.post("b").await;
    let moderator = app.signed_in("editor").await;
    let first = app.submit_ok(&a, "R", "first").await;
    only_this_thread_changes(&app, &a, &b, || async {
        moderator.approve(first).await;
    })
    .await;
    assert_eq!(app.public_ids(&a).await, [first]);
    only_this_thread_changes(&app, &a, &b, || async {
        let r = moderator
            .post(
                &format!("/moderation/comments/{first}/reject"),
                &json!({"reason": "off-topic"}),
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK);
    })
    .await;
    assert!(app.public_ids(&a).await.is_empty());
    only_this_thread_changes(&app, &a, &b, || async {
        moderator.approve(first).await;
    })
    .await;
    only_this_thread_changes(&app, &a, &b, || async {
        let r = moderator
            .post(&format!("/moderation/comments/{first}/spam"), &json!({}))
            .await;
        assert_eq!(r.status(), StatusCode::OK);
    })
    .await;
    only_this_thread_changes(&app, &b, &a, || async {
        moderator.reply(&b, None, "official").await;
    })
    .await;
    let second = app.submit_ok(&b, "R", "second").await;
    only_this_thread_changes(&app, &b, &a, || async {
        let r = moderator
            .post(
                "/moderation/comments/bulk",
                &json!({"ids": [second], "action": "approve"}),
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK);
    })
    .await;
    only_this_thread_changes(&app, &b, &a, || async {
        let r = moderator
            .patch(
                &format!("/moderation/posts/{b}"),
                &json!({"comments_open": false}),
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK);
    })
    .await;
    assert_eq!(app.thread(&b).await["post"]["comments_open"], false);
    only_this_thread_changes(&app, &a, &b, || async {
        let r = moderator
            .patch(
                &format!("/moderation/posts/{a}"),
                &json!({"title": "Renamed"}),
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK);
    })
    .await;
    assert_eq!(app.thread(&a).await["post"]["title"], "Renamed");
}

#[tokio::test]
async fn a_renamed_slug_stops_answering_and_a_new_post_takes_a_missed_slug() {
    let app = spawn_app().await;
    let slug = app.post("old-name").await;
    let editor = app.signed_in("editor").await;
    assert_eq!(
        app.get("/posts/later/comments").await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(app.get("/counts?posts=later").await.1["counts"]["later"], 0);
    etag(&app, &slug).await;
    let r = editor
        .patch(
            &format!("/moderation/posts/{slug}"),
            &json!({"slug": "new-name"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        app.get("/posts/old-name/comments").await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(app.get("/posts/new-name/comments").await.0, StatusCode::OK);
    app.post("later").await;
    assert_eq!(app.get("/posts/later/comments").await.0, StatusCode::OK);
    let moderator = app.signed_in("moderator").await;
    moderator.reply("later", None, "first word").await;
    assert_eq!(app.get("/counts?posts=later").await.1["counts"]["later"], 1);
}

#[tokio::test]
async fn counts_follow_decisions_at_once() {
    let app = spawn_app().await;
    let slug = app.post("p").await;
    let moderator = app.signed_in("moderator").await;
    let count = || async {
        app.get("/counts?posts=p").await.1["counts"]["p"]
            .as_i64()
            .unwrap()
    };
    assert_eq!(count().await, 0);
    let id = app.submit_ok(&slug, "R", "x").await;
    assert_eq!(count().await, 0);
    moderator.approve(id).await;
    assert_eq!(count().await, 1);
    let r = moderator
        .post(
            &format!("/moderation/comments/{id}/reject"),
            &json!({"reason": "other"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(count().await, 0);
}

#[tokio::test]
async fn compressed_threads_carry_their_own_etags_and_304() {
    let app = spawn_app().await;
    let slug = app.post("p").await;
    let url = app.url(&format!("/posts/{slug}/comments"));
    for (coding, suffix) in [("br", "-br\""), ("gzip", "-gz\"")] {
        let r = app
            .reader
            .get(&url)
            .header("Accept-Encoding", coding)
            .send()
            .await
            .unwrap();
        assert_eq!(r.headers().get("content-encoding").unwrap(), coding);
        assert!(
            r.headers()
                .get("vary")
                .unwrap()
                .to_str()
                .unwrap()
                .contains("Accept-Encoding")
        );
        let tag = r
            .headers()
            .get("etag")
            .unwrap()
            .to_str()
            .unwrap()
            .to_owned();
        assert!(tag.ends_with(suffix), "{tag}");
        let again = app
            .reader
            .get(&url)
            .header("Accept-Encoding", coding)
            .header("If-None-Match", &tag)
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    }
}

#[tokio::test]
async fn the_tag_of_one_coding_does_not_revalidate_another() {
    let app = spawn_app().await;
    let slug = app.post("p").await;
    let url = app.url(&format!("/posts/{slug}/comments"));
    let get = |coding: &'static str, if_none_match: String| {
        let request = app.reader.get(&url).header("Accept-Encoding", coding);
        async move {
            let r = request
                .header("If-None-Match", if_none_match)
                .send()
                .await
                .unwrap();
            let tag = r.headers()["etag"].to_str().unwrap().to_owned();
            (r.status(), tag)
        }
    };
    let (_, identity) = get("identity", String::new()).await;
    let (_, gzip) = get("gzip", String::new()).await;
    assert_ne!(identity, gzip);
    // Each coding is its own representation (RFC 9110 §13.1.2 compares
    // with the selected one): a gzip copy says nothing of the brotli one.
    let (status, brotli) = get("br", format!("{identity}, {gzip}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(brotli.ends_with("-br\""), "{brotli}");
    let (status, tag) = get("br", format!("{gzip}, W/{brotli}")).await;
    assert_eq!(status, StatusCode::NOT_MODIFIED);
    assert_eq!(tag, brotli);
}

#[tokio::test]
async fn readers_hammering_a_thread_during_decisions_never_see_a_pending_comment_or_a_stale_set() {
    let app = std::sync::Arc::new(spawn_app().await);
    let slug = app.post("busy").await;
    let moderator = app.signed_in("moderator").await;
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let pending: std::sync::Arc<std::sync::Mutex<Vec<i64>>> = Default::default();
    let mut readers = Vec::new();
    for _ in 0..4 {
        let (app, stop, pending) = (app.clone(), stop.clone(), pending.clone());
        readers.push(tokio::spawn(async move {
            let mut reads = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let never_public: Vec<i64> = pending.lock().unwrap().clone();
                let ids = app.public_ids("busy").await;
                for id in never_public {
                    assert!(!ids.contains(&id), "pending comment {id} was served");
                }
                reads += 1;
            }
            reads
        }));
    }
    for round in 0..20 {
        // Kept pending for ever: must never be served.
        let hidden = app
            .submit_ok(&slug, "Hidden", &format!("pending {round}"))
            .await;
        pending.lock().unwrap().push(hidden);
        let shown = app
            .submit_ok(&slug, "Shown", &format!("approved {round}"))
            .await;
        moderator.approve(shown).await;
        assert!(
            app.public_ids(&slug).await.contains(&shown),
            "an approval is visible to the next read"
        );
        let r = moderator
            .post(
                &format!("/moderation/comments/{shown}/reject"),
                &json!({"reason": "other"}),
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK);
        assert!(
            !app.public_ids(&slug).await.contains(&shown),
            "a rejection is visible to the next read"
        );
        moderator.approve(shown).await;
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let mut total = 0;
    for reader in readers {
        total += reader.await.unwrap();
    }
    assert!(total > 20, "the readers really ran ({total} reads)");
}
