//! Property tests of the renderer and the comment parser on seeded random
//! inputs built from Markdown and HTML tokens: the same checks as the
//! cargo-fuzz targets (`fuzz/`), on every `cargo test`, reproducibly.

use colloquy::domain::comment::{CommentForm, MAX_BODY, MAX_NAME, NewComment};
use colloquy::domain::render::{render_comment, render_post};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

#[path = "../../fuzz/fuzz_targets/inert.rs"]
mod inert;

/// Pieces that make the sanitiser work: Markdown syntax, raw HTML, entity
/// tricks, hostile schemes, odd whitespace and non-ASCII text.
const TOKENS: &[&str] = &[
    "<",
    ">",
    "</",
    "/>",
    "&lt;",
    "&#",
    "&#x",
    ";",
    "&amp;",
    "*",
    "**",
    "_",
    "`",
    "```",
    "~~~",
    "> ",
    "- ",
    "1. ",
    "3) ",
    "# ",
    "## ",
    "#### ",
    "[",
    "](",
    ")",
    "![",
    "<http://",
    "<mailto:",
    "javascript:",
    "JaVaScRiPt:",
    "java\tscript:",
    "data:text/html,",
    "vbscript:",
    "http://",
    "https://",
    "mailto:",
    "//evil.example",
    "script",
    "img",
    "svg",
    "iframe",
    "style",
    "onerror=",
    "onload=",
    " onclick=",
    "href=",
    "src=",
    "\"",
    "'",
    "\\",
    "\n",
    "\n\n",
    "    ",
    "\t",
    "<!--",
    "-->",
    "<![CDATA[",
    "|",
    "---",
    "\u{a0}",
    "\u{202e}",
    "\u{0}",
    "x",
    "word",
    " ",
    "é",
    "中文",
    "alert(1)",
    "<script>",
    "<a href=",
    "<img src=x ",
    "<p ",
    "=",
];

fn random_text(rng: &mut StdRng, max_tokens: usize) -> String {
    let n = rng.random_range(0..=max_tokens);
    (0..n)
        .map(|_| TOKENS[rng.random_range(0..TOKENS.len())])
        .collect()
}

#[test]
fn rendered_comments_and_posts_are_always_inert() {
    let mut rng = StdRng::seed_from_u64(0x00c0_110c);
    for _ in 0..3_000 {
        let source = random_text(&mut rng, 40);
        inert::assert_inert(render_comment(&source).as_str(), false);
        inert::assert_inert(render_post(&source).as_str(), true);
    }
}

#[test]
fn whatever_a_form_holds_what_parses_keeps_the_limits() {
    let mut rng = StdRng::seed_from_u64(0x00f0_4a11);
    for _ in 0..3_000 {
        let field = |rng: &mut StdRng| rng.random_bool(0.8).then(|| random_text(rng, 12));
        let form = CommentForm {
            author_name: field(&mut rng),
            author_location: field(&mut rng),
            email: field(&mut rng),
            body: field(&mut rng),
            parent_id: None,
            website: field(&mut rng),
            post_title: None,
            post_url: None,
            notify: None,
            lang: field(&mut rng),
        };
        if let Ok(comment) = NewComment::parse(&form) {
            let name = comment.author_name.as_str();
            assert!(!name.trim().is_empty() && name.chars().count() <= MAX_NAME);
            assert!(!name.contains(['\n', '\r']), "{name:?}");
            let body = comment.body.as_str();
            assert!(!body.trim().is_empty() && body.chars().count() <= MAX_BODY);
            inert::assert_inert(render_comment(body).as_str(), false);
        }
        // Form-encoded and JSON bodies go through the same parse.
        let encoded = serde_urlencoded::to_string([
            ("author_name", form.author_name.clone().unwrap_or_default()),
            ("body", form.body.clone().unwrap_or_default()),
        ])
        .unwrap();
        let again: CommentForm = serde_urlencoded::from_str(&encoded).unwrap();
        assert_eq!(
            NewComment::parse(&again).is_ok(),
            NewComment::parse(&CommentForm {
                author_name: Some(form.author_name.unwrap_or_default()),
                body: Some(form.body.unwrap_or_default()),
                ..CommentForm::default()
            })
            .is_ok()
        );
    }
}
