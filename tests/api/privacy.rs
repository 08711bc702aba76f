use crate::helpers::spawn_app;
use serde_json::json;

#[tokio::test]
async fn e_mail_and_ip_never_appear_in_public_responses() {
    let app = spawn_app().await;
    let slug = app.post("p").await;
    let moderator = app.signed_in("moderator").await;
    let r = app
        .submit(
            &slug,
            &json!({"author_name": "Mari", "email": "mari.secret@example.org", "body": "hello"}),
        )
        .await;
    let id = r.json::<serde_json::Value>().await.unwrap()["id"]
        .as_i64()
        .unwrap();
    moderator.approve(id).await;
    let ip_hash: String = {
        use colloquy::db::schema::comments;
        use diesel::prelude::*;
        let mut conn = app.pool.get().unwrap();
        comments::table
            .find(id as i32)
            .select(comments::ip_hash)
            .first::<Option<String>>(&mut conn)
            .unwrap()
            .unwrap()
    };
    assert_eq!(ip_hash.len(), 32);
    for path in [
        format!("/posts/{slug}/comments"),
        "/posts".to_owned(),
        format!("/posts/{slug}"),
        format!("/counts?posts={slug}"),
    ] {
        let text = app
            .reader
            .get(app.url(&path))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(!text.contains("mari.secret"), "{path}: {text}");
        assert!(!text.contains("127.0.0.1"), "{path}: {text}");
        assert!(!text.contains(&ip_hash), "{path}: {text}");
        assert!(!text.contains("email"), "{path}: {text}");
    }
}

#[tokio::test]
async fn the_database_holds_a_hash_of_the_address_never_the_address() {
    let app = spawn_app().await;
    let slug = app.post("p").await;
    app.submit_ok(&slug, "A", "text").await;
    let bytes = std::fs::read(&app.db_path).unwrap();
    let wal = std::fs::read(app.db_path.with_extension("db-wal")).unwrap_or_default();
    for haystack in [&bytes, &wal] {
        assert!(!haystack.windows(9).any(|w| w == b"127.0.0.1"));
    }
}
