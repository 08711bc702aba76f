//! A moderator's authorisation holds until their change commits (issue 15,
//! point 11): an account disabled or demoted while its request is in
//! flight commits nothing.

use crate::helpers::{PASSWORD, assert_problem, spawn_app};
use diesel::RunQueryDsl;
use diesel::connection::SimpleConnection;
use serde_json::json;
use std::time::Duration;

/// Holds the database's write lock, as an admin's change in another
/// process would, while the moderator's request passes its guard and
/// waits for the lock; then commits `change` and lets it go.
async fn change_while_in_flight(
    app: &crate::helpers::TestApp,
    change: &str,
    request: impl std::future::Future<Output = reqwest::Response> + Send + 'static,
) -> reqwest::Response {
    let mut conn = app.database.connect();
    conn.batch_execute(&app.database.begin_write()).unwrap();
    let in_flight = tokio::spawn(request);
    // Long enough for the request to pass the guard (a read, which the
    // lock does not block) and reach its own write transaction.
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert!(!in_flight.is_finished(), "the request waits for the lock");
    diesel::sql_query(change).execute(&mut conn).unwrap();
    diesel::sql_query("COMMIT").execute(&mut conn).unwrap();
    drop(conn);
    in_flight.await.unwrap()
}

#[tokio::test]
async fn a_decision_in_flight_when_its_account_is_disabled_does_not_commit() {
    let app = spawn_app().await;
    let slug = app.post("in-flight").await;
    let id = app.submit_ok(&slug, "Mari", "A view.").await;
    app.create_account("kai", "moderator");
    let kai = app.sign_in("kai", PASSWORD).await;
    let approve = async move {
        kai.post(&format!("/moderation/comments/{id}/approve"), &json!({}))
            .await
    };
    let response = change_while_in_flight(
        &app,
        "UPDATE moderators SET disabled = TRUE WHERE username = 'kai'",
        approve,
    )
    .await;
    assert_problem(response, 401).await;
    assert!(
        app.public_ids(&slug).await.is_empty(),
        "nothing was approved"
    );
}

#[tokio::test]
async fn a_post_change_in_flight_when_its_editor_is_demoted_does_not_commit() {
    let app = spawn_app().await;
    let slug = app.post("demoted").await;
    app.create_account("eda", "editor");
    let eda = app.sign_in("eda", PASSWORD).await;
    let path = format!("/moderation/posts/{slug}");
    let close = async move {
        eda.client
            .patch(eda.url(&path))
            .header("X-CSRF-Token", &eda.csrf)
            .json(&json!({"comments_open": false}))
            .send()
            .await
            .unwrap()
    };
    let response = change_while_in_flight(
        &app,
        "UPDATE moderators SET role = 'moderator' WHERE username = 'eda'",
        close,
    )
    .await;
    assert_problem(response, 403).await;
    let (_, thread) = app.get(&format!("/posts/{slug}/comments")).await;
    assert_eq!(
        thread["post"]["comments_open"], true,
        "the post stayed open"
    );
}
