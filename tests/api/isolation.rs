//! A flood of public reads cannot starve submissions or moderators: public
//! reads have database connections of their own.

use crate::helpers::spawn_app_with;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn with_every_readers_connection_taken_submissions_and_moderators_still_get_through() {
    let app = spawn_app_with(|s| {
        s.rate_limit.enabled = false;
        s.cache.enabled = false;
        s.read_pool_size = 2;
    })
    .await;
    let slug = app.post("p").await;
    let moderator = app.signed_in("moderator").await;
    // Take every connection of the readers' pool, as a flood of cold reads
    // would.
    let held: Vec<_> = (0..2).map(|_| app.state.read_pool.get().unwrap()).collect();
    let read = {
        let (client, url) = (
            app.reader.clone(),
            app.url(&format!("/posts/{slug}/comments")),
        );
        tokio::spawn(async move { client.get(url).send().await.unwrap().status() })
    };
    for i in 0..5 {
        let r = app
            .submit(
                &slug,
                &json!({"author_name": "During", "body": format!("during the flood {i}")}),
            )
            .await;
        assert_eq!(r.status(), StatusCode::ACCEPTED);
        let (status, queue) = moderator.get("/moderation/comments").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(queue["total"], i + 1);
    }
    assert!(
        !read.is_finished(),
        "the public read waits for a readers' connection"
    );
    drop(held);
    assert_eq!(
        read.await.unwrap(),
        StatusCode::OK,
        "and gets one once they are free"
    );
}
