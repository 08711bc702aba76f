//! Posts: creating and changing them (editors), and closing comments on
//! old ones (`auto_close_days`).

use super::events::{Ctx, Event};
use super::not_found;
use crate::config::{Settings, origin_of};
use crate::db::posts::{self as posts_db, NewPost, Post, PostWriteError};
use crate::db::workspace as workspace_db;
use crate::domain::FieldError;
use crate::domain::page::PageRef;
use crate::domain::post::PostId;
use crate::domain::post::Slug;
use crate::domain::post::{PostChange, PostForm};
use crate::error::ApiError;

fn post_error(error: PostWriteError, slug: &str) -> ApiError {
    match error {
        PostWriteError::SlugTaken => {
            ApiError::Conflict("Another post already has that slug.".into())
        }
        PostWriteError::NotFound => not_found::post(slug),
        PostWriteError::Db(e) => ApiError::internal(e),
    }
}

pub use super::permalinks::{permalink_base, permalink_page};

/// The permalink page of the post `id` (see [`permalink_base`]).
pub fn permalink_base_of(
    ctx: &mut Ctx<'_>,
    settings: &Settings,
    id: crate::domain::post::PostId,
) -> Result<String, ApiError> {
    let post = posts_db::by_id(ctx.conn, id)?
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("post {id} vanished")))?;
    Ok(permalink_base(settings, &post))
}

/// Which pages may start a thread of their own (`posts.auto_create`):
/// those on an allowed origin, or on this server's own.
#[derive(Debug, Clone, Default)]
pub struct StartingPages {
    enabled: bool,
    origins: Vec<String>,
}

impl StartingPages {
    /// The pages `settings` let start threads.
    pub fn new(settings: &Settings) -> Self {
        let origins = settings
            .allowed_origins
            .iter()
            .filter_map(|o| origin_of(o))
            .chain(origin_of(&settings.public_url()))
            .collect();
        Self {
            enabled: settings.posts.auto_create,
            origins,
        }
    }

    /// Whether the page at `url` may start a thread here; `own_origin` is
    /// the origin the request itself was sent to.
    pub fn admit(&self, url: &str, own_origin: Option<&str>) -> bool {
        let Some(origin) = origin_of(url) else {
            return false;
        };
        self.enabled
            && (self.origins.contains(&origin)
                || own_origin.is_some_and(|own| own.eq_ignore_ascii_case(&origin)))
    }

    /// Whether an unknown `slug` read from the page `url` is an empty
    /// open thread (nothing is stored).
    pub fn reads_as_empty(&self, slug: &str, url: &str, own_origin: Option<&str>) -> bool {
        Slug::parse(slug).is_ok() && self.admit(url, own_origin)
    }
}

/// The page URL a first comment on `slug` from `page` would start the
/// post with, or `None` when such a comment may not start it (no URL, a
/// page not among `pages`, or a slug that is not one).
pub fn may_start<'p>(
    pages: &StartingPages,
    slug: &str,
    page: &'p PageRef,
    own_origin: Option<&str>,
) -> Option<&'p str> {
    page.url
        .as_deref()
        .filter(|url| Slug::parse(slug).is_ok() && pages.admit(url, own_origin))
}

/// Creates the post `slug` for a comment sent from `page`, when that page
/// may start threads (else 404, as for any unknown post); logged as
/// `post_auto_created`. Titled from the page (or the slug), linked to it,
/// open, listed publicly once something on it is approved.
pub fn auto_create(
    ctx: &mut Ctx<'_>,
    pages: &StartingPages,
    slug: &str,
    page: &PageRef,
    own_origin: Option<&str>,
    now: i64,
) -> Result<Post, ApiError> {
    let url = may_start(pages, slug, page, own_origin).ok_or_else(|| not_found::post(slug))?;
    let new = NewPost {
        slug: slug.to_owned(),
        title: page.title.clone().unwrap_or_else(|| slug.to_owned()),
        author: String::new(),
        published_at: now,
        url: Some(url.to_owned()),
        summary: String::new(),
        body_source: String::new(),
        body_html: String::new(),
        comments_open: true,
        created_at: now,
        updated_at: now,
        auto_created: true,
    };
    match posts_db::create(ctx.conn, &new, None) {
        Ok(post) => {
            ctx.emit(Event::PostCreated { post_id: post.id });
            Ok(post)
        }
        // Another first comment created it a moment ago.
        Err(PostWriteError::SlugTaken) => {
            posts_db::by_slug(ctx.conn, slug)?.ok_or_else(|| not_found::post(slug))
        }
        Err(other) => Err(post_error(other, slug)),
    }
}

/// Checks a new post's fields (422 with every problem at once).
pub fn check_new(form: &PostForm, now: i64) -> Result<NewPost, ApiError> {
    let change = PostChange::parse(form, true).map_err(ApiError::Validation)?;
    NewPost::from_change(change, now)
        .ok_or_else(|| ApiError::Validation(vec![FieldError::new("slug", "is required")]))
}

/// Checks a change to a post (422 with every problem at once).
pub fn check_change(form: &PostForm) -> Result<PostChange, ApiError> {
    PostChange::parse(form, false).map_err(ApiError::Validation)
}

/// Creates a post (409 when the slug is taken), logged.
pub fn create(ctx: &mut Ctx<'_>, new: &NewPost, moderator: i32) -> Result<Post, ApiError> {
    let post =
        posts_db::create(ctx.conn, new, Some(moderator)).map_err(|e| post_error(e, &new.slug))?;
    ctx.emit(Event::PostCreated { post_id: post.id });
    Ok(post)
}

/// Changes the post `slug`, logged; returns it as it now stands with its
/// public count.
pub fn update(
    ctx: &mut Ctx<'_>,
    slug: &str,
    change: PostChange,
    moderator: i32,
    now: i64,
) -> Result<(Post, i64), ApiError> {
    let (before, post) = posts_db::update(ctx.conn, slug, change, moderator, now)
        .map_err(|e| post_error(e, slug))?;
    ctx.emit(Event::PostChanged {
        post_id: post.id,
        slug_changed: before.slug != post.slug,
    });
    let count = posts_db::approved_counts_by_id(ctx.conn, &[post.id])?
        .get(&post.id)
        .copied()
        .unwrap_or(0);
    Ok((post, count))
}

/// Whether a post published at `published_at` is old enough for
/// `auto_close_days` (0: never) to close it at `now`: a submission asks
/// the database only then.
pub fn past_auto_close(days: u32, published_at: i64, now: i64) -> bool {
    days > 0 && published_at < now - i64::from(days) * 86_400
}

/// Applies `auto_close_days` to one post (or every post, with `None`):
/// comments on a post published more than that many days ago close, once
/// (an editor may open them again). Returns how many posts it closed. A
/// no-op when the setting is 0.
pub fn auto_close(
    ctx: &mut Ctx<'_>,
    days: u32,
    post_id: Option<PostId>,
    now: i64,
) -> Result<usize, ApiError> {
    if days == 0 {
        return Ok(0);
    }
    let cutoff = now - i64::from(days) * 86_400;
    let closed = workspace_db::auto_close(ctx.conn, post_id, cutoff, days, now)?;
    for post_id in &closed {
        ctx.emit(Event::PostClosed { post_id: *post_id });
    }
    Ok(closed.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::testing::{conn, post_published_at};

    #[test]
    fn only_pages_on_allowed_origins_or_this_server_start_threads() {
        let settings = Settings {
            allowed_origins: vec!["https://blog.example/".into()],
            public_url: Some("https://comments.example".into()),
            ..Settings::default()
        };
        let pages = StartingPages::new(&settings);
        assert!(pages.admit("https://blog.example/2012/04/post?x=1#c", None));
        assert!(pages.admit("HTTPS://Blog.Example/p", None));
        for refused in [
            "http://blog.example/p",
            "https://blog.example:8443/p",
            "https://evil.example/p",
            "https://user@blog.example/p",
            "javascript:alert(1)",
            "/relative/path",
            "",
        ] {
            assert!(!pages.admit(refused, None), "{refused}");
        }
        assert!(pages.admit("https://comments.example/posts/x", None));
        assert!(pages.admit("http://127.0.0.1:9/x", Some("http://127.0.0.1:9")));
        assert!(!pages.admit("https://blog.example.evil/p", None));
        assert!(pages.reads_as_empty("a-slug", "https://blog.example/p", None));
        assert!(!pages.reads_as_empty("Not A Slug", "https://blog.example/p", None));
        let off = StartingPages::new(&Settings {
            posts: crate::config::PostsSettings { auto_create: false },
            ..settings
        });
        assert!(!off.admit("https://blog.example/p", None));
    }

    #[test]
    fn an_old_post_closes_once_and_says_so() {
        let mut conn = conn();
        let now = 1_800_000_000;
        let old = post_published_at(&mut conn, "old", now - 40 * 86_400);
        let fresh = post_published_at(&mut conn, "fresh", now - 86_400);
        let mut ctx = Ctx::new(&mut conn);
        assert_eq!(auto_close(&mut ctx, 30, None, now).unwrap(), 1);
        assert_eq!(ctx.events(), [Event::PostClosed { post_id: old }]);
        assert_eq!(auto_close(&mut ctx, 30, None, now).unwrap(), 0, "once");
        let fresh_post = posts_db::by_slug(ctx.conn, "fresh").unwrap().unwrap();
        assert!(fresh_post.comments_open);
        assert_eq!(fresh_post.id, fresh);
        assert_eq!(auto_close(&mut ctx, 0, None, now + 1e9 as i64).unwrap(), 0);
    }

    #[test]
    fn a_taken_slug_is_a_conflict_and_a_rename_says_the_slug_changed() {
        let mut conn = conn();
        post_published_at(&mut conn, "taken", 0);
        let mut ctx = Ctx::new(&mut conn);
        let form: PostForm = serde_json::from_value(
            serde_json::json!({"slug": "taken", "title": "T", "author": "Staff"}),
        )
        .unwrap();
        let new = check_new(&form, 1).unwrap();
        assert!(matches!(
            create(&mut ctx, &new, 1),
            Err(ApiError::Conflict(_))
        ));
        let rename: PostForm =
            serde_json::from_value(serde_json::json!({"slug": "renamed"})).unwrap();
        let (post, count) =
            update(&mut ctx, "taken", check_change(&rename).unwrap(), 1, 2).unwrap();
        assert_eq!((post.slug.as_str(), count), ("renamed", 0));
        assert_eq!(
            ctx.events(),
            [Event::PostChanged {
                post_id: post.id,
                slug_changed: true
            }]
        );
        assert!(matches!(
            update(&mut ctx, "taken", check_change(&rename).unwrap(), 1, 3),
            Err(ApiError::NotFound(_))
        ));
    }
}
