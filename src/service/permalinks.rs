//! Where an approved item can be linked from outside: the page its post
//! is read on, under `public_url` (Links that last). Pure functions of the
//! settings and the post, so that the notifier, the feeds and the reads
//! all name one rule without depending on the posts' service.

use crate::config::Settings;
use crate::db::posts::Post;

/// The page a post's comments are linked to (a permalink adds
/// `#comment-ID`): the post's own address on the blog when it has one (a
/// path is taken as this server's, under `public_url`); else this
/// server's demo page of it (`PUBLIC_URL/posts/SLUG`) when the demo blog
/// is on, or its plain thread (`PUBLIC_URL/threads/SLUG`).
pub fn permalink_base(settings: &Settings, post: &Post) -> String {
    permalink_page(settings, &post.slug, post.url.as_deref())
}

/// [`permalink_base`] of the post with this `slug` and `url`, for reads
/// that have only those two columns.
pub fn permalink_page(settings: &Settings, slug: &str, url: Option<&str>) -> String {
    match url.map(str::trim).filter(|u| !u.is_empty()) {
        Some(url) => {
            let page = url.split('#').next().unwrap_or(url);
            if page.starts_with('/') {
                format!("{}{page}", settings.public_url())
            } else {
                page.to_owned()
            }
        }
        None => {
            let page = if settings.demo { "posts" } else { "threads" };
            format!("{}/{page}/{slug}", settings.public_url())
        }
    }
}
