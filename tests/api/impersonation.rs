//! Readers cannot sign as the site's staff (issue 15, point 1): invisible
//! and filler characters and blank-looking names are refused, and so is a
//! name that folds to the official name or a moderator's, or a location
//! that claims office.

use crate::helpers::{assert_problem, error_fields, spawn_app, spawn_app_with};
use colloquy::db;
use serde_json::json;

async fn refused(
    app: &crate::helpers::TestApp,
    slug: &str,
    name: &str,
    location: &str,
) -> Vec<String> {
    let response = app
        .submit(
            slug,
            &json!({"author_name": name, "author_location": location, "body": "A fair point."}),
        )
        .await;
    let problem = assert_problem(response, 422).await;
    let fields = error_fields(&problem);
    let detail = problem["detail"].as_str().unwrap();
    for field in &fields {
        assert!(detail.contains(field.as_str()), "{detail:?} names {field}");
    }
    fields
}

#[tokio::test]
async fn names_with_invisible_or_filler_characters_or_nothing_visible_are_refused() {
    let app = spawn_app().await;
    let slug = app.post("fillers").await;
    for name in [
        "Ma\u{200B}ri",
        "\u{3164}",
        "\u{3164}\u{3164}Mari",
        "\u{2800}",
        "\u{115F}\u{1160}",
        "\u{FFA0}",
        "Mari\u{FE0F}",
        "Mari\u{2060}",
        "\u{0301}",
        "Ma\u{2028}ri",
    ] {
        assert_eq!(
            refused(&app, &slug, name, "").await,
            ["author_name"],
            "{name:?}"
        );
    }
    assert_eq!(
        refused(&app, &slug, "Mari", "Par\u{200D}is").await,
        ["author_location"]
    );
    assert_eq!(
        refused(&app, &slug, "Mari", "\u{2800}\u{3164}").await,
        ["author_location"]
    );
    // What readers really write still goes through.
    for name in ["Мария", "محمد", "李华", "Zoë O'Neil", "J."] {
        app.submit_ok(&slug, name, "Fine.").await;
    }
}

#[tokio::test]
async fn the_official_name_and_moderators_names_are_refused_in_any_disguise() {
    let app = spawn_app().await;
    let slug = app.post("disguise").await;
    {
        let mut conn = app.pool.get().unwrap();
        db::accounts::create_moderator(&mut conn, "alice", "Alice Moreau", "moderator", "x", 0)
            .unwrap();
    }
    for name in [
        "DipNote Bloggers",
        "dipnote bloggers",
        "DIPNOTE BLOGGERS",
        "DipNoteBloggers",
        "D\u{0456}pN\u{043E}te Bl\u{03BF}ggers",
        "\u{13A0}ipNote \u{13F4}loggers",
        "ＤｉｐＮｏｔｅ Ｂｌｏｇｇｅｒｓ",
        "D1pN0te B1oggers",
        "Official",
        "alice moreau",
        "\u{0410}lice Moreau",
    ] {
        assert_eq!(
            refused(&app, &slug, name, "").await,
            ["author_name"],
            "{name:?}"
        );
    }
    for location in [
        "Official reply",
        "official",
        "\u{043E}fficial",
        "DipNote Bloggers",
    ] {
        assert_eq!(
            refused(&app, &slug, "Mari", location).await,
            ["author_location"],
            "{location:?}"
        );
    }
    // Nothing of it was stored, and ordinary names pass.
    let queue = app
        .signed_in("moderator")
        .await
        .queue("?status=pending")
        .await;
    assert_eq!(queue["total"], 0);
    app.submit_ok(&slug, "Alice", "Fine.").await;
    app.submit_ok(&slug, "DipNote reader", "Fine.").await;
}

#[tokio::test]
async fn the_configured_official_name_is_the_one_refused() {
    let app = spawn_app_with(|s| {
        s.rate_limit.enabled = false;
        s.official_name = "The Desk".into();
    })
    .await;
    let slug = app.post("desk").await;
    assert_eq!(refused(&app, &slug, "THE DESK", "").await, ["author_name"]);
    assert_eq!(
        refused(&app, &slug, "Mari", "the d\u{0435}sk").await,
        ["author_location"]
    );
    app.submit_ok(&slug, "DipNote Bloggers", "Fine.").await;
}
