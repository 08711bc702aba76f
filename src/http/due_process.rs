//! Due process (EU Digital Services Act, arts. 15-17): the published
//! comment policy (`/policy`), the statement of reasons as moderators read
//! it, and the page a reader's statement link opens.

use super::auth::SignedIn;
use super::pages::simple_page;
use super::{db, read};
use crate::domain::comment::CommentId;
use crate::domain::moderation::Ground;
use crate::error::ApiError;
use crate::service::statements::{self, StatementView};
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use maud::html;

/// `GET /policy`: the comment policy from configuration: every reason with
/// its clause and ground, how to report, how decisions are explained and
/// appealed.
#[utoipa::path(
    get,
    path = "/policy",
    tag = "pages",
    responses((status = 200, description = "The comment policy.", body = String, content_type = "text/html")),
)]
pub async fn policy(state: web::Data<AppState>) -> HttpResponse {
    let reasons = &state.settings.reasons;
    let main = html! {
        h1 { "Comment policy" }
        p { "Every comment is read by a moderator before it is published. A comment is not published, or is removed later, only for one of the reasons below; each rests either on these terms or on the law." }
        h2 { "The rules" }
        dl.policy {
            @for reason in reasons {
                dt id=(format!("rule-{}", reason.id)) {
                    (reason.label)
                    " "
                    span.ground { "(" (ground_words(reason.ground)) ")" }
                }
                dd {
                    (reason.clause)
                    @if let Some(law) = &reason.law {
                        " " span.law { "Law: " (law) }
                    }
                }
            }
        }
        h2 { "Reporting a comment" }
        p { "Under every published comment, \u{201c}Report\u{201d} lets anyone tell us that it breaks the law or this policy. A report that a comment is illegal needs an explanation of why and a statement that it is made in good faith; it may name the law. Your name and e-mail address are optional; with an address we confirm receipt and tell you what we decided. They are never shown to anyone but the moderators." }
        h2 { "How decisions are explained" }
        p { "When a comment is not published or is removed, we record a statement of reasons: the rule it breaks, whether it rests on these terms or on the law, the facts, and whether automated means (the spam check, banned terms) detected or decided it. An author who asked to hear back by e-mail receives the statement." }
        h2 { "Appeals" }
        p { "The statement links to a page where the author may appeal once. A moderator other than the one who decided reviews the appeal; if the decision is reversed the comment is published. You may also turn to a certified out-of-court dispute settlement body or to a court." }
        p { a href="/transparency" { "Our transparency report" } }
    };
    simple_page(StatusCode::OK, "Comment policy", main)
}

/// "breaks the comment policy" or "illegal content".
fn ground_words(ground: Ground) -> &'static str {
    match ground {
        Ground::Terms => "comment policy",
        Ground::Illegal => "illegal content",
    }
}

/// `GET /api/v1/moderation/comments/{id}/statement`: the newest statement
/// of reasons about a comment.
#[utoipa::path(
    get,
    path = "/api/v1/moderation/comments/{id}/statement",
    tag = "moderation",
    security(("session" = [])),
    params(("id" = i32, Path, description = "The comment.", example = 1)),
    responses(
        (status = 200, description = "The statement of reasons of the comment's latest reject, spam or removal decision.", body = StatementView),
        (status = 404, response = crate::http::schemas::NotFound),
    ),
)]
#[tracing::instrument(skip(state, _signed_in))]
pub async fn statement(
    state: web::Data<AppState>,
    _signed_in: SignedIn,
    id: web::Path<CommentId>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let settings = state.settings.clone();
    let view = db(&state, move |conn| {
        statements::of_comment(conn, &settings, id)
    })
    .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// `GET /statements/{token}`: the reader's statement of reasons, reached
/// by the link of its message.
#[utoipa::path(
    get,
    path = "/statements/{token}",
    tag = "pages",
    params(("token" = String, Path, description = "The statement's token, from the message.")),
    responses(
        (status = 200, description = "The statement of reasons.", body = String, content_type = "text/html"),
        (status = 404, response = crate::http::schemas::NotFound),
    ),
)]
pub async fn statement_page(
    state: web::Data<AppState>,
    token: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let token = token.into_inner();
    let settings = state.settings.clone();
    let found = read(&state, move |conn| {
        Ok(statements::by_token(conn, &token)?.map(|s| StatementView::of(&s, &settings)))
    })
    .await?;
    let Some(s) = found else {
        return Err(ApiError::NotFound(
            "This link does not open a statement of reasons; check that the whole address from the message was copied.".into(),
        ));
    };
    let title = if s.decision == statements::REMOVED {
        "Your comment was removed"
    } else {
        "Your comment was not published"
    };
    let main = html! {
        h1 { (title) }
        dl.statement {
            dt { "Decision" } dd { (if s.decision == statements::REMOVED { "removed from the thread" } else { "not published" }) }
            dt { "Ground" } dd { (ground_words(s.ground)) }
            dt { "Rule" } dd { (s.policy_clause) }
            @if let Some(law) = &s.law { dt { "Law" } dd { (law) } }
            dt { "Facts" } dd { (s.facts) }
            dt { "Automated detection" } dd { (if s.automated_detection { "yes" } else { "no" }) }
            dt { "Automated decision" } dd { (if s.automated_decision { "yes" } else { "no" }) }
            dt { "Decided" } dd { time datetime=(s.created_at) { (s.created_at) } }
            dt { "Redress" } dd { (s.redress) }
        }
    };
    Ok(simple_page(StatusCode::OK, title, main))
}
