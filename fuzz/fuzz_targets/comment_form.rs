//! A reader's submission as JSON or as a form: whatever arrives, parsing
//! never panics, and what parses keeps the limits the rest of the code
//! relies on.
#![no_main]

use colloquy::domain::comment::{CommentForm, MAX_BODY, MAX_LOCATION, MAX_NAME, NewComment};
use colloquy::domain::render::render_comment;
use libfuzzer_sys::fuzz_target;

mod inert;

fn check(form: &CommentForm) {
    let Ok(comment) = NewComment::parse(form) else {
        return;
    };
    let name = comment.author_name.as_str();
    assert!(!name.trim().is_empty() && name.chars().count() <= MAX_NAME);
    assert!(!name.contains(['\n', '\r']), "{name:?}");
    if let Some(location) = &comment.author_location {
        assert!(location.as_str().chars().count() <= MAX_LOCATION);
        assert!(!location.as_str().contains(['\n', '\r']));
    }
    let body = comment.body.as_str();
    assert!(!body.trim().is_empty() && body.chars().count() <= MAX_BODY);
    let _ = comment.body.fingerprint();
    if let Some(parent) = comment.parent_id {
        assert!(parent.0 > 0);
    }
    inert::assert_inert(render_comment(body).as_str(), false);
}

fuzz_target!(|data: &[u8]| {
    if let Ok(form) = serde_json::from_slice::<CommentForm>(data) {
        check(&form);
    }
    if let Ok(form) = serde_urlencoded::from_bytes::<CommentForm>(data) {
        check(&form);
    }
});
