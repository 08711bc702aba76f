//! Server-rendered HTML: the demo blog (`serve --demo`), the plain-HTML
//! thread that readers without JavaScript (and search engines) get, and
//! the pages a form posted without JavaScript lands on. maud escapes every
//! value; only stored `SafeHtml` is inserted unescaped.

use super::views::{Order, ThreadComment, build_thread};
use super::{PageQuery, read};
use crate::db::comments as comments_db;
use crate::db::posts::{self as posts_db, Post};
use crate::domain::FieldError;
use crate::domain::comment::{CommentForm, MAX_BODY, MAX_EMAIL, MAX_LOCATION, MAX_NAME};
use crate::domain::post::PostId;
use crate::domain::time::{parse_rfc3339, rfc3339};
use crate::error::ApiError;
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use maud::{DOCTYPE, Markup, PreEscaped, html};
use serde::Deserialize;

/// A page in the house style.
fn layout(title: &str, main: Markup) -> Markup {
    layout_with(title, &Look::default(), main)
}

/// How the demo blog shows itself: `?lang=ar&theme=dark` lets a visitor
/// (and the screenshots in docs/) see the widget in every language and
/// theme.
#[derive(Debug, Default, Deserialize)]
pub struct Look {
    /// en (default), ru, fr, es or ar.
    pub lang: Option<String>,
    /// light or dark; by default the reader's system setting.
    pub theme: Option<String>,
    /// A page of the demo blog (branded as such); set by the server.
    #[serde(skip)]
    pub demo: bool,
    /// The Atom feed the page links to (`rel="alternate"`): its title and
    /// address; set by the server.
    #[serde(skip)]
    pub feed: Option<(String, String)>,
}

impl Look {
    fn lang(&self) -> &str {
        match self.lang.as_deref() {
            Some(l @ ("ru" | "fr" | "es" | "ar")) => l,
            _ => "en",
        }
    }

    fn theme(&self) -> Option<&str> {
        self.theme
            .as_deref()
            .filter(|t| matches!(*t, "light" | "dark"))
    }
}

fn layout_with(title: &str, look: &Look, main: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang=(look.lang()) data-theme=[look.theme()] {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) }
                link rel="stylesheet" href=(super::assets::versioned("/assets/site.css"));
                @if let Some((title, href)) = &look.feed {
                    link rel="alternate" type="application/atom+xml" title=(title) href=(href);
                }
            }
            body {
                header.site-header {
                    div.wrap {
                        @if look.demo {
                            a.site-name href="/" { "DipNote" span.site-tag { "Demo blog of Colloquy" } }
                        } @else {
                            a.site-name href="/" { "Colloquy" span.site-tag { "Comments" } }
                        }
                    }
                }
                main.wrap { (main) }
                footer.site-footer {
                    div.wrap {
                        p { "Comments are moderated. Nothing a reader writes appears before a moderator approves it. "
                            a href="/admin/" { "Moderators sign in" } }
                    }
                }
            }
        }
    }
}

/// Answers an HTML page with the CSP every page of ours carries.
fn page(status: StatusCode, markup: Markup) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((header::CONTENT_SECURITY_POLICY, super::assets::HTML_CSP))
        .content_type("text/html; charset=utf-8")
        .body(markup.into_string())
}

/// A page of ours (not the demo blog's) with `title` and `main`.
pub(super) fn simple_page(status: StatusCode, title: &str, main: Markup) -> HttpResponse {
    page(status, layout(title, main))
}

/// `text` percent-encoded for a query string (everything but ASCII
/// letters, digits and `-._~`).
pub(super) fn query_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// "April 27, 2012" from an RFC 3339 time.
pub fn long_date(rfc: &str) -> String {
    let format = time::macros::format_description!("[month repr:long] [day padding:none], [year]");
    parse_rfc3339(rfc)
        .and_then(|unix| time::OffsetDateTime::from_unix_timestamp(unix).ok())
        .and_then(|t| t.format(format).ok())
        .unwrap_or_else(|| rfc.to_owned())
}

/// `GET /`: the demo blog's "Latest stories", or a short landing page when
/// the demo is off.
#[utoipa::path(
    get,
    path = "/",
    tag = "pages",
    responses((status = 200, description = "The demo blog's latest stories, or a short page saying where things are.", body = String, content_type = "text/html")),
)]
pub async fn index(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    if !state.settings.demo {
        let here = state.settings.public_url();
        return Ok(page(
            StatusCode::OK,
            layout(
                &format!("Colloquy at {here}"),
                html! {
                    h1 { "Colloquy is running at " (here) }
                    p { "Moderators work at " a href="/admin/" { (here) "/admin/" } ". The reader API starts at "
                        a href="/api/v1/posts" { (here) "/api/v1/posts" } "." }
                    p { "Embed the comments in a blog page with (the slug is the post's; a new one starts its thread with the first comment):" }
                    pre { code { "<section id=\"colloquy-thread\" data-post=\"SLUG\"></section>\n<script src=\"" (here) "/embed.js\" defer></script>" } }
                },
            ),
        ));
    }
    let (posts, counts) = read(&state, |conn| {
        let posts = posts_db::list(conn, None, 20, true)?;
        let ids: Vec<PostId> = posts.iter().map(|p| p.id).collect();
        Ok((posts, posts_db::approved_counts_by_id(conn, &ids)?))
    })
    .await?;
    let main = html! {
        h1.section-title { "Latest stories" }
        @for post in &posts {
            article.story {
                p.story-date { time datetime=(rfc3339(post.published_at)) { (long_date(&rfc3339(post.published_at))) } }
                h2.story-title { a href={ "/posts/" (post.slug) } { (post.title) } }
                p.story-byline { "Posted by " (post.author) }
                p.story-summary { (post.summary) }
                p.story-meta {
                    a href={ "/posts/" (post.slug) "#colloquy-thread" } {
                        span data-colloquy-count=(post.slug) { (counts.get(&post.id).copied().unwrap_or(0)) }
                        " comments"
                    }
                    @if !post.comments_open { " · " span.closed-tag { "comments closed" } }
                }
            }
        }
        script src=(super::assets::versioned("/embed.js")) defer {}
    };
    Ok(page(
        StatusCode::OK,
        layout_with(
            "DipNote — Latest stories",
            &Look {
                demo: true,
                feed: Some(site_feed(&state.settings)),
                ..Look::default()
            },
            main,
        ),
    ))
}

/// `GET /posts/{slug}`: a demo post page with the widget embedded as an
/// editor would paste it; the plain-HTML thread inside the section is what
/// readers without JavaScript see.
#[utoipa::path(
    get,
    path = "/posts/{slug}",
    tag = "pages",
    params(
        ("slug" = String, Path, description = "The post's slug.", example = "prison-reform-dialogue"),
        ("lang" = Option<String>, Query, description = "The widget's language: `en` (default), `ru`, `fr`, `es` or `ar`."),
        ("theme" = Option<String>, Query, description = "`light` or `dark`; otherwise the reader's system setting."),
    ),
    responses(
        (status = 200, description = "A demo post page with the widget embedded.", body = String, content_type = "text/html"),
        (status = 404, response = crate::http::schemas::NotFound),
    ),
)]
pub async fn post_page(
    state: web::Data<AppState>,
    slug: web::Path<String>,
    look: web::Query<Look>,
) -> Result<HttpResponse, ApiError> {
    if !state.settings.demo {
        return Err(ApiError::NotFound("The demo blog is off.".into()));
    }
    let (post, comments) = load_thread(&state, slug.into_inner(), None).await?;
    let look = Look {
        demo: true,
        feed: Some(post_feed(&state.settings, &post)),
        ..look.into_inner()
    };
    let main = html! {
        article.post {
            p.story-date { time datetime=(rfc3339(post.published_at)) { (long_date(&rfc3339(post.published_at))) } }
            h1.post-title { (post.title) }
            p.story-byline { "Posted by " (post.author) }
            div.post-body { (PreEscaped(&post.body_html)) }
        }
        section #colloquy-thread data-post=(post.slug) data-lang=(look.lang()) data-theme=[look.theme()] {
            (thread_fragment(&post, &comments, None, state.settings.mail.enabled()))
        }
        script src=(super::assets::versioned("/embed.js")) defer {}
    };
    Ok(page(StatusCode::OK, layout_with(&post.title, &look, main)))
}

/// Query of the plain-HTML thread.
#[derive(Debug, Deserialize)]
pub struct ThreadPageQuery {
    /// Pre-fills the form as a reply to this comment.
    pub reply_to: Option<i32>,
    /// Paging.
    #[serde(flatten)]
    pub page: PageQuery,
}

/// `GET /threads/{slug}`: the approved thread as plain HTML with a comment
/// form that works without JavaScript.
#[utoipa::path(
    get,
    path = "/threads/{slug}",
    tag = "pages",
    params(
        ("slug" = String, Path, description = "The post's slug.", example = "prison-reform-dialogue"),
        ("reply_to" = Option<i32>, Query, description = "Pre-fills the form as a reply to this comment."),
        crate::http::schemas::Paging,
    ),
    responses(
        (status = 200, description = "The approved thread as plain HTML with a form that works without JavaScript.", body = String, content_type = "text/html"),
        (status = 404, description = "No such post: a page saying so for a browser (`Accept` naming `text/html`), a problem document otherwise.",
            content((crate::error::Problem = "application/problem+json"), (String = "text/html"))),
    ),
)]
pub async fn thread_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    slug: web::Path<String>,
    query: web::Query<ThreadPageQuery>,
) -> Result<HttpResponse, ApiError> {
    let page_query = query.page.page(200)?;
    let browser = accepts_html(&req);
    let (post, comments) = match load_thread(&state, slug.into_inner(), Some(page_query)).await {
        Err(ApiError::NotFound(detail)) if browser => return Ok(no_such_thread(&detail)),
        other => other?,
    };
    let main = html! {
        p.back { @if let Some(url) = &post.url { a href=(url) { "← " (post.title) } } @else { (post.title) } }
        (thread_fragment(&post, &comments, query.reply_to, state.settings.mail.enabled()))
    };
    let look = Look {
        feed: Some(post_feed(&state.settings, &post)),
        ..Look::default()
    };
    Ok(page(
        StatusCode::OK,
        layout_with(&format!("Comments on {}", post.title), &look, main),
    ))
}

/// The site feed's link: its title and address.
fn site_feed(settings: &crate::config::Settings) -> (String, String) {
    (
        "Latest comments".to_owned(),
        crate::service::feeds::site_feed_url(settings),
    )
}

/// The link of `post`'s feed: its title and address.
fn post_feed(settings: &crate::config::Settings, post: &Post) -> (String, String) {
    (
        format!("Comments on {}", post.title),
        crate::service::feeds::post_feed_url(settings, &post.slug),
    )
}

type Thread = (usize, Vec<ThreadComment>, Option<String>);

async fn load_thread(
    state: &AppState,
    slug: String,
    page: Option<super::Page>,
) -> Result<(Post, Thread), ApiError> {
    let settings = state.settings.clone();
    read(state, move |conn| {
        let post = posts_db::by_slug(conn, &slug)?
            .ok_or_else(|| crate::service::not_found::post(&slug))?;
        let rows = comments_db::approved_for_post(conn, post.id)?;
        let page = page.unwrap_or(super::Page {
            limit: 200,
            after: None,
        });
        let base = crate::service::posts::permalink_base(&settings, &post);
        let thread = build_thread(rows, Order::Oldest, page.after, page.limit, &base);
        Ok((post, thread))
    })
    .await
}

fn thread_fragment(
    post: &Post,
    (total, comments, next): &Thread,
    reply_to: Option<i32>,
    offer_notify: bool,
) -> Markup {
    html! {
        div.nojs-thread {
            h2 { (total) @if *total == 1 { " comment" } @else { " comments" } }
            @for comment in comments { (comment_item(&post.slug, comment)) }
            @if let Some(next) = next {
                p { a href={ "/threads/" (post.slug) "?cursor=" (next) } { "More comments →" } }
            }
            @if post.comments_open {
                (comment_form(&post.slug, &FormValues { reply_to, offer_notify, ..FormValues::default() }, &[]))
            }
            @else { p.closed-notice { "Comments on this post are closed." } }
        }
    }
}

fn comment_item(slug: &str, c: &ThreadComment) -> Markup {
    let official = c.kind == crate::domain::moderation::Kind::Official.as_str();
    html! {
        article.comment.official[official] id={ "comment-" (c.id) } {
            p.comment-meta {
                @if official { span.badge { "Official reply" } " " }
                strong.comment-author { (c.author_name) }
                @if let Some(location) = &c.author_location { " " span.comment-location { "(" (location) ")" } }
                @if official { " reply:" } @else { " writes:" }
                " " a.permalink href={ "#comment-" (c.id) } title="Link to this comment" {
                    time datetime=(c.created_at) { (long_date(&c.created_at)) }
                }
            }
            div.comment-body { (PreEscaped(&c.body_html)) }
            p.comment-actions {
                a href={ "/threads/" (slug) "?reply_to=" (c.id) "#comment-form" } { "Reply" }
                @if !official { " · " a.report href={ "/comments/" (c.id) "/report" } { "Report" } }
            }
            @if !c.replies.is_empty() {
                div.comment-replies { @for reply in &c.replies { (comment_item(slug, reply)) } }
            }
        }
    }
}

/// What a reader had typed into the plain form (kept when it is refused).
#[derive(Debug, Default)]
struct FormValues {
    reply_to: Option<i32>,
    author_name: String,
    author_location: String,
    email: String,
    body: String,
    /// The reader asked to hear back by e-mail.
    notify: bool,
    /// The server can tell them (mail is configured).
    offer_notify: bool,
}

impl FormValues {
    /// The values of a posted form, as the reader typed them.
    fn of(form: &CommentForm) -> Self {
        let text = |v: &Option<String>| v.clone().unwrap_or_default();
        Self {
            reply_to: form
                .parent_id
                .as_ref()
                .and_then(|p| p.parse("parent_id").ok().flatten()),
            author_name: text(&form.author_name),
            author_location: text(&form.author_location),
            email: text(&form.email),
            body: text(&form.body),
            notify: form
                .notify
                .as_ref()
                .is_some_and(|n| n.parse("notify").unwrap_or(false)),
            offer_notify: false,
        }
    }
}

/// The messages for `field` among `errors`, beside the field.
fn field_errors(errors: &[FieldError], field: &str) -> Markup {
    html! {
        @for e in errors.iter().filter(|e| e.field == field) {
            span.field-error role="alert" id={ "nojs-" (field) "-error" } { (e.message) }
        }
    }
}

fn comment_form(slug: &str, values: &FormValues, errors: &[FieldError]) -> Markup {
    let invalid = |field: &str| errors.iter().any(|e| e.field == field).then_some("true");
    html! {
        form #comment-form.comment-form method="post" action={ "/api/v1/posts/" (slug) "/comments" } {
            h3 { @if values.reply_to.is_some() { "Reply" } @else { "Leave a comment" } }
            p.form-note { "Comments are reviewed by a moderator before they appear." }
            @if let Some(parent) = values.reply_to { input type="hidden" name="parent_id" value=(parent); }
            (field_errors(errors, "parent_id"))
            p { label for="nojs-name" { "Name" } input #nojs-name type="text" name="author_name" required maxlength=(MAX_NAME) autocomplete="name" value=(values.author_name) aria-invalid=[invalid("author_name")]; (field_errors(errors, "author_name")) }
            p { label for="nojs-location" { "Location (optional)" } input #nojs-location type="text" name="author_location" maxlength=(MAX_LOCATION) value=(values.author_location) aria-invalid=[invalid("author_location")]; (field_errors(errors, "author_location")) }
            p { label for="nojs-email" { "E-mail (optional, never published)" } input #nojs-email type="email" name="email" maxlength=(MAX_EMAIL) autocomplete="email" value=(values.email) aria-invalid=[invalid("email")]; (field_errors(errors, "email")) }
            p { label for="nojs-body" { "Comment" } textarea #nojs-body name="body" required rows="6" maxlength=(MAX_BODY) aria-invalid=[invalid("body")] { (values.body) } (field_errors(errors, "body")) }
            @if values.offer_notify {
                p.notify { input #nojs-notify type="checkbox" name="notify" value="on" checked[values.notify]; " " label for="nojs-notify" { "E-mail me when my comment is published or answered (you will be asked to confirm your address first)" } (field_errors(errors, "notify")) }
            }
            p.hp aria-hidden="true" { label for="nojs-website" { "Leave this empty" } input #nojs-website type="text" name="website" tabindex="-1" autocomplete="off"; }
            p { button type="submit" { "Submit comment" } }
        }
    }
}

/// The page `/threads/SLUG` shows for a post that does not exist: a page
/// for a person, not problem+json.
fn no_such_thread(detail: &str) -> HttpResponse {
    page(
        StatusCode::NOT_FOUND,
        layout(
            "No such discussion",
            html! {
                h1 { "No such discussion" }
                p role="alert" { (detail) }
                p { "The page may have moved, or its comments have not started yet." }
            },
        ),
    )
}

/// Whether a submission came from a plain HTML form in a browser, which
/// should land on a page rather than on JSON.
pub fn wants_html(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"))
        && accepts_html(req)
}

/// Whether the client (a browser) takes an HTML page.
pub(super) fn accepts_html(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/html"))
}

/// The page a form posted without JavaScript lands on after a 202.
pub fn submitted(slug: &str, back: Option<&str>) -> HttpResponse {
    let back = back.map_or_else(|| format!("/threads/{slug}"), str::to_owned);
    page(
        StatusCode::ACCEPTED,
        layout(
            "Comment received",
            html! {
                h1 { "Thank you" }
                p.notice role="status" { (super::views::AWAITING_REVIEW) }
                p { a href=(back) { "← Back to the discussion" } }
            },
        ),
    )
}

/// The page a refused form post lands on: what went wrong, and the form
/// again with what the reader typed and each problem beside its field.
pub fn refused(
    slug: &str,
    error: &ApiError,
    form: Option<&CommentForm>,
    offer_notify: bool,
) -> HttpResponse {
    let problem = error.problem();
    let values = FormValues {
        offer_notify,
        ..form.map(FormValues::of).unwrap_or_default()
    };
    let errors = problem.errors.clone().unwrap_or_default();
    // The form again where the reader can fix it (not for a closed post,
    // a banned sender or an unknown one).
    let again = matches!(
        error,
        ApiError::Validation(_) | ApiError::RateLimited { .. } | ApiError::BadRequest(_)
    );
    let mut response = page(
        problem_status(problem.status),
        layout(
            problem.title,
            html! {
                h1 { (problem.title) }
                p role="alert" { (problem.detail) }
                @if let Some(errors) = &problem.errors {
                    ul { @for e in errors { li { strong { (field_label(&e.field)) } " " (e.message) } } }
                }
                @if again { (comment_form(slug, &values, &errors)) }
                p { a href={ "/threads/" (slug) "#comment-form" } { "← Back to the discussion" } }
            },
        ),
    );
    if let ApiError::RateLimited { retry_after } = error {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, header::HeaderValue::from(*retry_after));
    }
    response
}

/// What the form calls a field.
fn field_label(field: &str) -> &str {
    match field {
        "author_name" => "Name",
        "author_location" => "Location",
        "email" => "E-mail",
        "body" => "Comment",
        "parent_id" => "The comment you reply to",
        "notify" => "E-mail me",
        other => other,
    }
}

fn problem_status(status: u16) -> StatusCode {
    StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST)
}
