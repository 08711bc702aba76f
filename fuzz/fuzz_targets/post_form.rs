//! An editor's post as JSON, created or patched: parsing never panics, and
//! what parses has a valid slug, a safe URL and an inert body.
#![no_main]

use colloquy::domain::post::{PostChange, PostForm, Slug};
use colloquy::domain::render::render_post;
use libfuzzer_sys::fuzz_target;

mod inert;

fuzz_target!(|data: &[u8]| {
    let Ok(form) = serde_json::from_slice::<PostForm>(data) else {
        return;
    };
    for creating in [true, false] {
        let Ok(change) = PostChange::parse(&form, creating) else {
            continue;
        };
        if creating {
            assert!(change.slug.is_some() && change.title.is_some() && change.author.is_some());
        }
        if let Some(slug) = &change.slug {
            assert!(Slug::parse(slug.as_str()).is_ok());
        }
        if let Some(Some(url)) = &change.url {
            assert!(
                url.starts_with("https://") || url.starts_with("http://") || url.starts_with('/'),
                "{url:?}"
            );
        }
        if let Some(body) = &change.body {
            inert::assert_inert(render_post(body).as_str(), true);
        }
    }
});
