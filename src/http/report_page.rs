//! The Report control of the page without JavaScript: under every comment
//! of `/threads/SLUG`, "Report" opens `/comments/{id}/report`, a plain
//! form offering both kinds of report — the comment breaks the comment
//! policy (a `terms` notice) or breaks the law (an `illegal` notice, with
//! an explanation, the law, the notifier's name and address, all but the
//! explanation optional, and the good-faith statement) — posted back to
//! the same address and stored like `POST /api/v1/comments/{id}/notices`.

use super::pages::simple_page;
use super::{read, service};
use crate::db::comments as comments_db;
use crate::db::posts as posts_db;
use crate::domain::FieldError;
use crate::domain::comment::CommentId;
use crate::domain::moderation::Status;
use crate::domain::notice::{MAX_EXPLANATION, MAX_LAW, MAX_NOTIFIER_NAME, NewNotice, NoticeForm};
use crate::domain::time::now;
use crate::error::ApiError;
use crate::limits::{Action, ClientIp};
use crate::service::notices;
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use maud::{Markup, html};

/// The report form as a browser posts it: every field is text, and the
/// good-faith checkbox is a word (`true`, or `on` from a checkbox without
/// a value) present only when ticked.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
pub struct ReportPageForm {
    /// `illegal` or `terms`.
    #[schema(value_type = String, required = true)]
    pub category: Option<String>,
    /// Why the comment is illegal or breaks the policy.
    #[schema(value_type = String, required = true, pattern = r"^\s*[^\s\x00-\x1F\x7F-\x9F\u202A-\u202E\u2066-\u2069](?:[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F\u202A-\u202E\u2066-\u2069]{0,4998}[^\s\x00-\x1F\x7F-\x9F\u202A-\u202E\u2066-\u2069])?\s*$")]
    pub explanation: Option<String>,
    /// The law it breaks (for `illegal`).
    pub law: Option<String>,
    /// The notifier's name (optional).
    pub notifier_name: Option<String>,
    /// The notifier's address, for the receipt and the outcome.
    pub notifier_email: Option<String>,
    /// Ticked: `true` or `on`; anything else, or nothing, is not ticked.
    pub good_faith: Option<String>,
}

impl From<ReportPageForm> for NoticeForm {
    fn from(form: ReportPageForm) -> Self {
        let ticked = form
            .good_faith
            .as_deref()
            .map(|word| matches!(word.trim(), "true" | "on"));
        Self {
            category: form.category,
            explanation: form.explanation,
            law: form.law,
            notifier_name: form.notifier_name,
            notifier_email: form.notifier_email,
            good_faith: ticked,
        }
    }
}

/// The slug of the post of published comment `id`; 404 when it is not
/// published.
async fn thread_of(state: &AppState, id: CommentId) -> Result<String, ApiError> {
    read(state, move |conn| {
        let comment = comments_db::get(conn, id)?
            .filter(|c| c.status == Status::Approved)
            .ok_or_else(|| crate::service::not_found::published_comment(id))?;
        posts_db::by_id(conn, comment.post_id)?
            .map(|p| p.slug)
            .ok_or_else(|| crate::service::not_found::published_comment(id))
    })
    .await
}

/// `GET /comments/{id}/report`: the form to report a published comment,
/// for readers without JavaScript.
#[utoipa::path(
    get,
    path = "/comments/{id}/report",
    tag = "pages",
    params(("id" = i32, Path, description = "A published comment.", example = 1)),
    responses(
        (status = 200, description = "The report form.", body = String, content_type = "text/html"),
        (status = 404, response = crate::http::schemas::NotFound),
    ),
)]
pub async fn report_page(
    state: web::Data<AppState>,
    id: web::Path<CommentId>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let slug = thread_of(&state, id).await?;
    Ok(simple_page(
        StatusCode::OK,
        "Report a comment",
        form_page(id, &slug, &NoticeForm::default(), &[]),
    ))
}

/// `POST /comments/{id}/report`: the report form, posted without
/// JavaScript; answers a page (202, or 422 with the form again).
#[utoipa::path(
    post,
    path = "/comments/{id}/report",
    tag = "pages",
    params(("id" = i32, Path, description = "A published comment.", example = 1)),
    request_body(content = ReportPageForm, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 202, description = "The notice was received.", body = String, content_type = "text/html"),
        (status = 404, response = crate::http::schemas::NotFound),
        (status = 422, description = "Fields failed validation: for a browser (`Accept` naming `text/html`) the form again, each problem beside its field; a problem document otherwise.",
            content((crate::error::Problem = "application/problem+json"), (String = "text/html"))),
        (status = 429, response = crate::http::schemas::RateLimited),
    ),
)]
#[tracing::instrument(skip(state, req, client, form))]
pub async fn report_form(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<CommentId>,
    client: ClientIp,
    form: web::Form<ReportPageForm>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let slug = thread_of(&state, id).await?;
    let form = NoticeForm::from(form.into_inner());
    let checked = match NewNotice::parse(&form) {
        Ok(checked) => checked,
        Err(errors) if !super::pages::wants_html(&req) => {
            return Err(ApiError::Validation(errors));
        }
        Err(errors) => {
            return Ok(simple_page(
                StatusCode::UNPROCESSABLE_ENTITY,
                "Report a comment",
                form_page(id, &slug, &form, &errors),
            ));
        }
    };
    state.limits.check(Action::Flag, client.0).await?;
    let address = checked.notifier_email.is_some();
    service(&state, move |ctx| notices::submit(ctx, id, &checked, now())).await?;
    Ok(simple_page(
        StatusCode::ACCEPTED,
        "Report received",
        html! {
            h1 { "Thank you" }
            p role="status" {
                "Your report was received. A moderator, a person, will look at the comment and decide."
                @if address { " We will write to you at the address you gave: now, to confirm receipt, and once it is decided." }
            }
            p { a href={ "/threads/" (slug) "#comment-" (id) } { "← Back to the discussion" } }
        },
    ))
}

/// The form, with what the reader typed and each problem beside its field.
fn form_page(id: CommentId, slug: &str, form: &NoticeForm, errors: &[FieldError]) -> Markup {
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    let problem = |field: &str| {
        html! {
            @for e in errors.iter().filter(|e| e.field == field) {
                span.field-error role="alert" { (e.message) }
            }
        }
    };
    let illegal = form.category.as_deref() == Some("illegal");
    html! {
        h1 { "Report a comment" }
        p { "Tell us why " a href={ "/threads/" (slug) "#comment-" (id) } { "this comment" } " should not be published. A moderator reads every report. Our " a href="/policy" { "comment policy" } " says what we remove and how we decide." }
        @if !errors.is_empty() { p role="alert" { "Please correct the marked fields." } }
        form.report-form method="post" action={ "/comments/" (id) "/report" } {
            fieldset {
                legend { "It…" }
                p { input #report-terms type="radio" name="category" value="terms" checked[!illegal]; " " label for="report-terms" { "breaks the comment policy" } }
                p { input #report-illegal type="radio" name="category" value="illegal" checked[illegal]; " " label for="report-illegal" { "breaks the law" } }
                (problem("category"))
            }
            p { label for="report-explanation" { "Why? Be as precise as you can" } textarea #report-explanation name="explanation" required rows="5" maxlength=(MAX_EXPLANATION) { (text(&form.explanation)) } (problem("explanation")) }
            fieldset {
                legend { "For a report that it breaks the law" }
                p { label for="report-law" { "Which law (optional)" } input #report-law type="text" name="law" maxlength=(MAX_LAW) value=(text(&form.law)); (problem("law")) }
                p { label for="report-name" { "Your name (optional)" } input #report-name type="text" name="notifier_name" maxlength=(MAX_NOTIFIER_NAME) autocomplete="name" value=(text(&form.notifier_name)); (problem("notifier_name")) }
                p { label for="report-email" { "Your e-mail (optional, to hear the outcome; never published)" } input #report-email type="email" name="notifier_email" autocomplete="email" value=(text(&form.notifier_email)); (problem("notifier_email")) }
                p { input #report-good-faith type="checkbox" name="good_faith" value="true" checked[form.good_faith == Some(true)]; " " label for="report-good-faith" { "I believe in good faith that what I say here is accurate and complete (needed for a report that it breaks the law)" } (problem("good_faith")) }
            }
            p { button type="submit" { "Send the report" } }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_good_faith_box_is_ticked_by_true_or_on_and_by_nothing_else() {
        let with = |word: Option<&str>| {
            NoticeForm::from(ReportPageForm {
                good_faith: word.map(str::to_owned),
                ..ReportPageForm::default()
            })
            .good_faith
        };
        assert_eq!(with(None), None);
        assert_eq!(with(Some("true")), Some(true));
        assert_eq!(with(Some("on")), Some(true));
        for word in ["", "null", "false", "yes please", "TRUE "] {
            assert_eq!(with(Some(word)), Some(false), "{word}");
        }
    }
}
