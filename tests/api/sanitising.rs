use crate::helpers::spawn_app;
use serde_json::json;

/// Hostile bodies, in HTML and Markdown forms and encoded variants.
const HOSTILE: &[&str] = &[
    "<script>alert(1)</script>",
    "<SCRIPT SRC=https://evil.example/x.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    "<svg/onload=alert(1)>",
    "<a href=\"javascript:alert(1)\">click</a>",
    "<a href=\"data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==\">x</a>",
    "<iframe src=\"https://evil.example\"></iframe>",
    "<p onclick=\"alert(1)\" style=\"position:fixed\">x</p>",
    "[click](javascript:alert(1))",
    "[click](JAVASCRIPT:alert(1))",
    "[click](java\tscript:alert(1))",
    "[click](javascript&#58;alert(1))",
    "[click](&#106;avascript:alert(1))",
    "[click](data:text/html,<script>alert(1)</script>)",
    "[click](vbscript:msgbox(1))",
    "![x](https://tracker.example/pixel.png)",
    "<javascript:alert(1)>",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "%3Cscript%3Ealert(1)%3C/script%3E",
    "<scr<script>ipt>alert(1)</script>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "```\n</code><script>alert(1)</script>\n```",
    "<details open ontoggle=alert(1)>",
];

/// Checks every real tag of sanitised output. Text `<` is always escaped
/// as `&lt;`, so each literal `<` starts a tag the browser would build.
fn assert_inert(html: &str, input: &str) {
    const TAGS: &[&str] = &[
        "p",
        "br",
        "em",
        "strong",
        "a",
        "code",
        "pre",
        "blockquote",
        "ul",
        "ol",
        "li",
    ];
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        let close = rest[open..]
            .find('>')
            .map(|c| open + c)
            .unwrap_or_else(|| panic!("unclosed tag in {html:?}"));
        let tag = &rest[open + 1..close];
        rest = &rest[close + 1..];
        let closing = tag.starts_with('/');
        let tag = tag.trim_start_matches('/');
        let mut parts = tag.split_whitespace();
        let name = parts.next().unwrap_or("").to_lowercase();
        assert!(
            TAGS.contains(&name.as_str()),
            "{input:?} produced <{tag}> in {html:?}"
        );
        let attributes: Vec<&str> = tag[name.len()..]
            .split('"')
            .step_by(2)
            .map(str::trim)
            .filter(|a| !a.is_empty())
            .collect();
        for attribute in attributes {
            let attribute = attribute.trim_end_matches('=').to_lowercase();
            assert!(
                ["href", "rel", "start"].contains(&attribute.as_str()),
                "{input:?} produced attribute {attribute:?} in {html:?}"
            );
        }
        if name == "a" && !closing {
            assert!(
                tag.contains("href=\"http://")
                    || tag.contains("href=\"https://")
                    || tag.contains("href=\"mailto:")
                    || !tag.contains("href"),
                "{input:?} produced {tag:?}"
            );
            assert!(tag.contains("rel=\"nofollow ugc noopener\""), "{tag}");
        }
    }
}

#[tokio::test]
async fn hostile_bodies_names_and_locations_are_rendered_inert() {
    let app = spawn_app().await;
    let slug = app.post("p").await;
    let moderator = app.signed_in("moderator").await;
    for input in HOSTILE {
        let response = app
            .submit(&slug, &json!({"author_name": input.chars().filter(|c| *c != '\n' && *c != '\t').take(80).collect::<String>(), "author_location": "<b onmouseover=alert(1)>here</b>", "body": input}))
            .await;
        assert_eq!(response.status(), 202, "{input}");
        let id = response.json::<serde_json::Value>().await.unwrap()["id"]
            .as_i64()
            .unwrap();
        moderator.approve(id).await;
    }
    let thread = app.thread(&slug).await;
    let comments = thread["comments"].as_array().unwrap();
    assert_eq!(comments.len(), HOSTILE.len());
    for (comment, input) in comments.iter().zip(HOSTILE) {
        assert_inert(comment["body_html"].as_str().unwrap(), input);
        // Names and locations are plain text, returned as sent, for the
        // widget to insert as text; they are never HTML.
        assert_eq!(
            comment["author_location"],
            "<b onmouseover=alert(1)>here</b>"
        );
    }
}

#[tokio::test]
async fn links_keep_safe_targets_and_get_rel_nofollow_ugc() {
    let app = spawn_app().await;
    let slug = app.post("p").await;
    let moderator = app.signed_in("moderator").await;
    let id = app
        .submit_ok(
            &slug,
            "A",
            "See [the report](https://www.state.gov/report) or <mailto:desk@example.org>",
        )
        .await;
    moderator.approve(id).await;
    let html = app.thread(&slug).await["comments"][0]["body_html"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        html.contains(
            r#"<a href="https://www.state.gov/report" rel="nofollow ugc noopener">the report</a>"#
        ),
        "{html}"
    );
    assert!(html.contains(r#"href="mailto:desk@example.org""#), "{html}");
}
