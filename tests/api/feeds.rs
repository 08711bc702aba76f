//! Atom feeds (`/feeds/comments.atom`, `/feeds/posts/{slug}.atom`): valid
//! RFC 4287 documents read back with an XML parser, only what a thread
//! shows, never an e-mail address, conditional GET, invalidation, 404, the
//! site feed's cap and order, sanitised bodies, and the pages' links.

use crate::helpers::{TestApp, assert_conditional_get, assert_problem, spawn_app, spawn_app_with};
use quick_xml::Reader;
use quick_xml::events::Event;
use reqwest::StatusCode;
use serde_json::json;

const ATOM: &str = "http://www.w3.org/2005/Atom";

/// One element of a parsed document.
#[derive(Debug, Default)]
struct Element {
    name: String,
    attributes: Vec<(String, String)>,
    text: String,
    children: Vec<Element>,
}

impl Element {
    fn attr(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    fn all(&self, name: &str) -> Vec<&Element> {
        self.children.iter().filter(|c| c.name == name).collect()
    }

    /// The one child `name`; panics unless there is exactly one.
    fn one(&self, name: &str) -> &Element {
        let found = self.all(name);
        assert_eq!(found.len(), 1, "<{}> needs one <{name}>", self.name);
        found[0]
    }

    fn text_of(&self, name: &str) -> &str {
        self.one(name).text.trim()
    }

    /// The `<link>` with `rel`.
    fn link(&self, rel: &str) -> &Element {
        let links: Vec<&Element> = self
            .all("link")
            .into_iter()
            .filter(|l| l.attr("rel") == Some(rel))
            .collect();
        assert_eq!(links.len(), 1, "<{}> needs one link rel={rel}", self.name);
        links[0]
    }
}

/// Parses a whole document with quick-xml (end tags checked, entities
/// resolved), panicking on anything not well-formed.
fn parse(xml: &[u8]) -> Element {
    let mut reader = Reader::from_reader(xml);
    let mut stack = vec![Element::default()];
    let mut buf = Vec::new();
    let start = |e: &quick_xml::events::BytesStart<'_>| Element {
        name: e.name().as_ref().to_owned(),
        attributes: e
            .attributes()
            .map(|a| {
                let a = a.expect("well-formed attribute");
                (
                    a.key.as_ref().to_owned(),
                    a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                        .unwrap()
                        .into_owned(),
                )
            })
            .collect(),
        ..Element::default()
    };
    loop {
        match reader.read_event_into(&mut buf).expect("well-formed XML") {
            Event::Start(e) => stack.push(start(&e)),
            Event::Empty(e) => stack.last_mut().unwrap().children.push(start(&e)),
            Event::End(_) => {
                let done = stack.pop().unwrap();
                stack.last_mut().unwrap().children.push(done);
            }
            Event::Text(t) => stack.last_mut().unwrap().text.push_str(&t.xml10_content()),
            Event::GeneralRef(r) => {
                let text = match r.resolve_char_ref().unwrap() {
                    Some(c) => c.to_string(),
                    None => match r.xml10_content().as_ref() {
                        "lt" => "<".into(),
                        "gt" => ">".into(),
                        "amp" => "&".into(),
                        "quot" => "\"".into(),
                        "apos" => "'".into(),
                        other => panic!("undeclared entity &{other};"),
                    },
                };
                stack.last_mut().unwrap().text.push_str(&text);
            }
            Event::CData(_) | Event::DocType(_) => panic!("a feed needs no CDATA or DTD"),
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    assert_eq!(stack.len(), 1, "every element is closed");
    let mut root = stack.pop().unwrap();
    assert_eq!(root.children.len(), 1, "one root element");
    root.children.pop().unwrap()
}

/// Asserts what RFC 4287 requires of a feed and of each entry, and that
/// the times are RFC 3339; gives back the entries.
fn check_atom(feed: &Element) -> Vec<&Element> {
    assert_eq!(feed.name, "feed");
    assert_eq!(feed.attr("xmlns"), Some(ATOM));
    assert!(!feed.text_of("id").is_empty());
    assert!(!feed.text_of("title").is_empty());
    assert!(colloquy::domain::time::parse_rfc3339(feed.text_of("updated")).is_some());
    assert_eq!(feed.link("self").attr("type"), Some("application/atom+xml"));
    assert!(feed.link("alternate").attr("href").is_some());
    let entries = feed.all("entry");
    for entry in &entries {
        assert!(!entry.text_of("id").is_empty());
        assert!(!entry.text_of("title").is_empty());
        for time in ["updated", "published"] {
            assert!(
                colloquy::domain::time::parse_rfc3339(entry.text_of(time)).is_some(),
                "{time}: {}",
                entry.text_of(time)
            );
        }
        assert!(!entry.one("author").text_of("name").is_empty());
        assert!(entry.link("alternate").attr("href").is_some());
        assert_eq!(entry.one("content").attr("type"), Some("html"));
    }
    entries
}

/// GETs a feed: 200, the Atom type, the body.
async fn feed(app: &TestApp, path: &str) -> (Vec<u8>, String) {
    let response = app
        .reader
        .get(format!("{}{path}", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    assert_eq!(
        response.headers()["content-type"],
        "application/atom+xml; charset=utf-8"
    );
    assert_eq!(response.headers()["cache-control"], "no-cache");
    let etag = response.headers()["etag"].to_str().unwrap().to_owned();
    (response.bytes().await.unwrap().to_vec(), etag)
}

/// Submits a comment with an address; its id.
async fn submit(app: &TestApp, slug: &str, name: &str, email: &str, body: &str) -> i64 {
    let response = app
        .submit(
            slug,
            &json!({"author_name": name, "email": email, "body": body}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    response.json::<serde_json::Value>().await.unwrap()["id"]
        .as_i64()
        .unwrap()
}

#[tokio::test]
async fn a_post_feed_is_atom_with_only_published_items_and_no_address() {
    let app = spawn_app().await;
    let slug = app.post("harbour").await;
    let moderator = app.signed_in("moderator").await;
    let approved = submit(
        &app,
        &slug,
        "Wilhelmina",
        "wilhelmina.secret@example.org",
        "The **harbour** plan <script>alert('feed')</script> works & pleases.",
    )
    .await;
    let pending = submit(
        &app,
        &slug,
        "Penda",
        "penda@example.org",
        "Zebra-pending words.",
    )
    .await;
    let rejected = submit(
        &app,
        &slug,
        "Rejo",
        "rejo@example.org",
        "Zebra-rejected words.",
    )
    .await;
    let spam = submit(
        &app,
        &slug,
        "Spammo",
        "spammo@example.org",
        "Zebra-spam words.",
    )
    .await;
    moderator.approve(approved).await;
    let r = moderator
        .post(
            &format!("/moderation/comments/{rejected}/reject"),
            &json!({"reason": "off-topic"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let r = moderator
        .post(&format!("/moderation/comments/{spam}/spam"), &json!({}))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let reply = moderator
        .reply(&slug, Some(approved), "Thank you, Wilhelmina.")
        .await;
    let reply_id = reply["id"].as_i64().unwrap();

    let (bytes, _) = feed(&app, "/feeds/posts/harbour.atom").await;
    let text = String::from_utf8(bytes.clone()).unwrap();
    for secret in [
        "@example.org",
        "Zebra",
        "Penda",
        "Rejo",
        "Spammo",
        "ip_hash",
    ] {
        assert!(!text.contains(secret), "{secret} in the feed:\n{text}");
    }
    let doc = parse(&bytes);
    let entries = check_atom(&doc);
    assert_eq!(entries.len(), 2, "{text}");
    let self_url = format!("{}/feeds/posts/harbour.atom", app.public_url);
    assert_eq!(doc.text_of("id"), self_url);
    assert_eq!(doc.link("self").attr("href"), Some(self_url.as_str()));
    assert_eq!(
        doc.link("alternate").attr("href"),
        Some(format!("{}/threads/harbour", app.public_url).as_str())
    );
    assert_eq!(doc.text_of("title"), "Comments on Title of harbour");

    // Newest first: the official reply, then the comment it answers.
    for hidden in [pending, rejected, spam] {
        assert!(
            !text.contains(&format!("#comment-{hidden}<")),
            "{hidden} in the feed"
        );
    }
    let [official, comment] = [entries[0], entries[1]];
    assert_eq!(official.one("author").text_of("name"), "DipNote Bloggers");
    assert_eq!(
        official.text_of("title"),
        "DipNote Bloggers on Title of harbour"
    );
    let permalink = |id: i64| format!("{}/threads/harbour#comment-{id}", app.public_url);
    assert_eq!(
        official.link("alternate").attr("href"),
        Some(permalink(reply_id).as_str())
    );
    assert_eq!(
        comment.link("alternate").attr("href"),
        Some(permalink(approved).as_str())
    );
    assert_eq!(comment.text_of("id"), permalink(approved));
    assert_eq!(comment.one("author").text_of("name"), "Wilhelmina");
    assert_eq!(comment.text_of("title"), "Wilhelmina on Title of harbour");

    // The body is the sanitised HTML of the thread, escaped once in the
    // document: its markup survives, its script does not.
    let html = comment.text_of("content");
    assert!(html.contains("<strong>harbour</strong>"), "{html}");
    assert!(html.contains("&amp; pleases"), "{html}");
    assert!(!html.to_lowercase().contains("<script"), "{html}");
    assert!(!text.to_lowercase().contains("<script"));
    let thread = app.thread(&slug).await;
    assert_eq!(
        thread["comments"][0]["body_html"].as_str().unwrap().trim(),
        html
    );
    assert_eq!(
        thread["comments"][0]["permalink"].as_str(),
        Some(permalink(approved).as_str())
    );
}

#[tokio::test]
async fn feeds_answer_304_while_current_and_change_with_an_approval() {
    let app = spawn_app().await;
    let slug = app.post("tides").await;
    let other = app.post("winds").await;
    let moderator = app.signed_in("moderator").await;
    let first = app.submit_ok(&slug, "Odile", "First tide.").await;
    moderator.approve(first).await;
    for path in ["/feeds/posts/tides.atom", "/feeds/comments.atom"] {
        assert_conditional_get(
            &app.reader,
            &format!("{}{path}", app.address),
            &["cache-control", "vary"],
        )
        .await;
    }
    let (_, post_tag) = feed(&app, "/feeds/posts/tides.atom").await;
    let (_, site_tag) = feed(&app, "/feeds/comments.atom").await;
    let (_, other_tag) = feed(&app, "/feeds/posts/winds.atom").await;

    // A comment waiting changes nothing.
    let second = app.submit_ok(&slug, "Odile", "Second tide.").await;
    let not_modified = |path: &'static str, tag: String| {
        let app = &app;
        async move {
            app.reader
                .get(format!("{}{path}", app.address))
                .header("If-None-Match", tag)
                .send()
                .await
                .unwrap()
        }
    };
    let r = not_modified("/feeds/posts/tides.atom", post_tag.clone()).await;
    assert_eq!(r.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(r.headers()["etag"].to_str().unwrap(), post_tag);

    // Its approval drops the cached feed of the post and of the site.
    moderator.approve(second).await;
    for (path, tag) in [
        ("/feeds/posts/tides.atom", post_tag),
        ("/feeds/comments.atom", site_tag),
    ] {
        let r = not_modified(path, tag.clone()).await;
        assert_eq!(r.status(), StatusCode::OK, "{path}");
        assert_ne!(r.headers()["etag"].to_str().unwrap(), tag, "{path}");
        let body = r.text().await.unwrap();
        assert!(body.contains("Second tide."), "{path}: {body}");
    }
    // Another post's feed is the same document as before.
    let r = not_modified("/feeds/posts/winds.atom", other_tag).await;
    assert_eq!(r.status(), StatusCode::NOT_MODIFIED, "{other}");

    // Each coding is its own representation, with its own tag.
    let r = app
        .reader
        .get(format!("{}/feeds/comments.atom", app.address))
        .header("Accept-Encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers()["etag"].to_str().unwrap().ends_with("-gz\""));
}

#[tokio::test]
async fn an_unknown_post_has_no_feed_even_where_pages_start_threads() {
    let app = spawn_app_with(|s| {
        s.rate_limit.enabled = false;
        s.posts.auto_create = true;
    })
    .await;
    for _ in 0..2 {
        // Twice: the second answer comes from the cache's unknown slugs.
        let r = app
            .reader
            .get(format!("{}/feeds/posts/never-written.atom", app.address))
            .send()
            .await
            .unwrap();
        let problem = assert_problem(r, 404).await;
        assert!(
            problem["detail"]
                .as_str()
                .unwrap()
                .contains("never-written")
        );
    }
    let r = app
        .reader
        .get(format!(
            "{}/feeds/posts/never-written.atom?url=http://localhost/x",
            app.address
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    // A post with nothing published yet has a feed, empty.
    app.post("quiet").await;
    let (bytes, _) = feed(&app, "/feeds/posts/quiet.atom").await;
    assert!(check_atom(&parse(&bytes)).is_empty());
}

#[tokio::test]
async fn the_site_feed_holds_the_fifty_newest_items_of_every_post_newest_first() {
    use colloquy::db::comments::{NewCommentRow, insert};
    use colloquy::domain::comment::CommentId;
    use colloquy::domain::moderation::Status;
    use colloquy::domain::post::PostId;
    let app = spawn_app().await;
    app.post("north").await;
    app.post("south").await;
    {
        let mut conn = app.pool.get().unwrap();
        let ids =
            colloquy::db::posts::ids_by_slug(&mut conn, &["north".into(), "south".into()]).unwrap();
        let id_of = |slug: &str| -> PostId { ids.iter().find(|(_, s)| s == slug).unwrap().0 };
        let html = colloquy::domain::render::render_comment("Seen.");
        let hidden = colloquy::domain::render::render_comment("Hidden-parent words.");
        let gone = insert(
            &mut conn,
            &NewCommentRow::reader(
                id_of("north"),
                None,
                Status::Rejected,
                "Gone",
                None,
                Some("gone@example.org"),
                None,
                "x",
                &hidden,
                5_000,
            ),
        )
        .unwrap();
        for i in 0..60_i64 {
            let post = if i % 3 == 0 {
                id_of("south")
            } else {
                id_of("north")
            };
            let name = format!("Writer {i:02}");
            insert(
                &mut conn,
                &NewCommentRow::reader(
                    post,
                    None,
                    Status::Approved,
                    &name,
                    None,
                    Some("writer@example.org"),
                    Some("hash"),
                    "Seen.",
                    &html,
                    1_000_000 + i * 60,
                ),
            )
            .unwrap();
        }
        // The newest of all answers a comment that is not public: like
        // the thread, the feed leaves it out.
        let orphan: CommentId = insert(
            &mut conn,
            &NewCommentRow::reader(
                id_of("north"),
                Some(gone),
                Status::Approved,
                "Orphan",
                None,
                None,
                None,
                "y",
                &html,
                9_000_000,
            ),
        )
        .unwrap();
        assert!(orphan.0 > 0);
    }
    let (bytes, _) = feed(&app, "/feeds/comments.atom").await;
    let text = String::from_utf8(bytes.clone()).unwrap();
    assert!(
        !text.contains("@example.org")
            && !text.contains("Orphan")
            && !text.contains("Hidden-parent")
    );
    let doc = parse(&bytes);
    let entries = check_atom(&doc);
    assert_eq!(entries.len(), 50);
    let names: Vec<&str> = entries
        .iter()
        .map(|e| e.one("author").text_of("name"))
        .collect();
    let expected: Vec<String> = (10..60).rev().map(|i| format!("Writer {i:02}")).collect();
    assert_eq!(names, expected, "the fifty newest, newest first");
    assert_eq!(doc.text_of("updated"), entries[0].text_of("updated"));
    let north = format!("{}/threads/north#comment-", app.public_url);
    let south = format!("{}/threads/south#comment-", app.public_url);
    let hrefs: Vec<&str> = entries
        .iter()
        .map(|e| e.link("alternate").attr("href").unwrap())
        .collect();
    assert!(
        hrefs
            .iter()
            .all(|h| h.starts_with(&north) || h.starts_with(&south))
    );
    assert!(hrefs.iter().any(|h| h.starts_with(&south)));
    assert_eq!(entries[0].text_of("title"), "Writer 59 on Title of north");
    assert_eq!(
        doc.link("self").attr("href"),
        Some(format!("{}/feeds/comments.atom", app.public_url).as_str())
    );
}

#[tokio::test]
async fn the_pages_link_their_feeds() {
    let app = spawn_app_with(|s| {
        s.rate_limit.enabled = false;
        s.demo = true;
    })
    .await;
    app.post("lanterns").await;
    let page = |path: &'static str| {
        let app = &app;
        async move {
            let r = app
                .reader
                .get(format!("{}{path}", app.address))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), StatusCode::OK, "{path}");
            r.text().await.unwrap()
        }
    };
    let post_link = format!(
        "<link rel=\"alternate\" type=\"application/atom+xml\" title=\"Comments on Title of lanterns\" href=\"{}/feeds/posts/lanterns.atom\">",
        app.public_url
    );
    let site_link = format!(
        "<link rel=\"alternate\" type=\"application/atom+xml\" title=\"Latest comments\" href=\"{}/feeds/comments.atom\">",
        app.public_url
    );
    for path in ["/posts/lanterns", "/threads/lanterns"] {
        let html = page(path).await;
        let head = &html[..html.find("</head>").unwrap()];
        assert!(head.contains(&post_link), "{path}: {head}");
    }
    let index = page("/").await;
    assert!(
        index[..index.find("</head>").unwrap()].contains(&site_link),
        "{index}"
    );
    // And the links lead to feeds.
    let (bytes, _) = feed(&app, "/feeds/posts/lanterns.atom").await;
    check_atom(&parse(&bytes));
}
