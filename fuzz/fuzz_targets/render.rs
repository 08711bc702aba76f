//! The Markdown renderer and sanitiser: no input panics it, and its output
//! is always inert (see `inert.rs`).
#![no_main]

use colloquy::domain::render::{render_comment, render_post};
use libfuzzer_sys::fuzz_target;

mod inert;

fuzz_target!(|data: &[u8]| {
    let source = String::from_utf8_lossy(data);
    inert::assert_inert(render_comment(&source).as_str(), false);
    inert::assert_inert(render_post(&source).as_str(), true);
});
