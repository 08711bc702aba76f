//! Due process (EU Digital Services Act, arts. 15-17): the published
//! comment policy (`/policy`), the statement of reasons as moderators read
//! it, and the page a reader's statement link opens.

use super::auth::SignedIn;
use super::pages::simple_page;
use super::{db, read, service};
use crate::domain::comment::CommentId;
use crate::domain::moderation::Ground;
use crate::domain::notice::{NewNotice, NoticeForm};
use crate::domain::time::now;
use crate::error::ApiError;
use crate::limits::{Action, ClientIp};
use crate::service::notices::{self, NoticeView, Outcome};
use crate::service::statements::{self, StatementView};
use crate::service::transparency::{self, Month, Report};
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use maud::html;
use serde::{Deserialize, Serialize};

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
    let page_token = super::pages::query_escape(&token);
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
        h2 { "Appeal" }
        p { "You may appeal once. Say why the decision is wrong; a moderator other than the one who decided will review it." }
        form method="post" action=(format!("/statements/{page_token}")) {
            label for="appeal-text" { "Why the decision should change" }
            textarea id="appeal-text" name="text" required rows="6" maxlength="5000" {}
            button type="submit" { "Send the appeal" }
        }
    };
    Ok(simple_page(StatusCode::OK, title, main))
}

/// The answer to a notice.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct NoticeReceived {
    /// The notice's id.
    pub id: i32,
    /// Always `received`.
    pub status: String,
}

/// `POST /api/v1/comments/{id}/notices`: a reader's notice that a
/// published comment is illegal or breaks the comment policy.
#[utoipa::path(
    post,
    path = "/api/v1/comments/{id}/notices",
    tag = "public",
    params(("id" = i32, Path, description = "A published comment.", example = 1)),
    request_body(content = NoticeForm, content_type = "application/json"),
    responses(
        (status = 202, description = "The notice was received; the comment is raised in the moderators' flagged queue.", body = NoticeReceived),
        (status = 404, response = crate::http::schemas::NotFound),
        (status = 422, response = crate::http::schemas::Validation),
        (status = 429, response = crate::http::schemas::RateLimited),
    ),
)]
#[tracing::instrument(skip(state, client, body))]
pub async fn notice(
    state: web::Data<AppState>,
    id: web::Path<CommentId>,
    client: ClientIp,
    body: web::Json<NoticeForm>,
) -> Result<HttpResponse, ApiError> {
    let checked = NewNotice::parse(&body).map_err(ApiError::Validation)?;
    state.limits.check(Action::Flag, client.0).await?;
    let id = id.into_inner();
    let notice = service(&state, move |ctx| notices::submit(ctx, id, &checked, now())).await?;
    Ok(HttpResponse::Accepted().json(NoticeReceived {
        id: notice,
        status: "received".into(),
    }))
}

/// The notices on a comment.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct NoticeList {
    /// Oldest first, open and resolved.
    pub notices: Vec<NoticeView>,
}

/// `GET /api/v1/moderation/comments/{id}/notices`: every notice on a
/// comment, with the notifier's name and address when given.
#[utoipa::path(
    get,
    path = "/api/v1/moderation/comments/{id}/notices",
    tag = "moderation",
    security(("session" = [])),
    params(("id" = i32, Path, description = "The comment.", example = 1)),
    responses((status = 200, description = "The comment's notices, oldest first.", body = NoticeList)),
)]
#[tracing::instrument(skip(state, _signed_in))]
pub async fn comment_notices(
    state: web::Data<AppState>,
    _signed_in: SignedIn,
    id: web::Path<CommentId>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let list = db(&state, move |conn| {
        Ok(crate::db::notices::on_comment(conn, id)?
            .into_iter()
            .map(NoticeView::from)
            .collect::<Vec<_>>())
    })
    .await?;
    Ok(HttpResponse::Ok().json(NoticeList { notices: list }))
}

/// Body of a notice's resolution.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ResolveBody {
    /// `action_taken` or `no_action`.
    pub outcome: Outcome,
    /// Why, in the moderator's words (logged with the notice).
    #[schema(
        pattern = r"^\s*[^\s\x00-\x1F\x7F-\x9F\u202A-\u202E\u2066-\u2069](?:[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F\u202A-\u202E\u2066-\u2069]{0,1998}[^\s\x00-\x1F\x7F-\x9F\u202A-\u202E\u2066-\u2069])?\s*$"
    )]
    pub reason: String,
}

/// `POST /api/v1/moderation/notices/{id}/resolve`: a moderator resolves
/// an open notice.
#[utoipa::path(
    post,
    path = "/api/v1/moderation/notices/{id}/resolve",
    tag = "moderation",
    security(("session" = [], "csrf" = [])),
    params(("id" = i32, Path, description = "The notice.", example = 1)),
    request_body(content = ResolveBody, content_type = "application/json"),
    responses(
        (status = 200, description = "Resolved; the notice as it now stands.", body = NoticeView),
        (status = 404, response = crate::http::schemas::NotFound),
        (status = 422, response = crate::http::schemas::Validation),
    ),
)]
#[tracing::instrument(skip(state, signed_in, body), fields(moderator = %signed_in.moderator.username))]
pub async fn resolve_notice(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    id: web::Path<i32>,
    body: web::Json<ResolveBody>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let moderator = signed_in.moderator.id;
    let body = body.into_inner();
    let view = service(&state, move |ctx| {
        notices::resolve(ctx, id, body.outcome, &body.reason, moderator, now())?;
        let notice = crate::db::notices::get(ctx.conn, id)?
            .ok_or_else(|| ApiError::NotFound(format!("There is no notice {id}.")))?;
        Ok(NoticeView::from(notice))
    })
    .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Body of an appeal.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct AppealBody {
    /// The token of the statement page (from the reader's message).
    pub token: String,
    /// Why the decision is wrong.
    #[schema(
        pattern = r"^\s*[^\s\x00-\x1F\x7F-\x9F\u202A-\u202E\u2066-\u2069](?:[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F\u202A-\u202E\u2066-\u2069]{0,4998}[^\s\x00-\x1F\x7F-\x9F\u202A-\u202E\u2066-\u2069])?\s*$"
    )]
    pub text: String,
}

/// The answer to an appeal.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AppealReceived {
    /// The appeal's id.
    pub id: i32,
    /// Always `received`.
    pub status: String,
}

/// `POST /api/v1/appeals`: a reader appeals a decision once.
#[utoipa::path(
    post,
    path = "/api/v1/appeals",
    tag = "public",
    request_body(content = AppealBody, content_type = "application/json"),
    responses(
        (status = 202, description = "The appeal was received; the comment waits under status=appealed.", body = AppealReceived),
        (status = 404, response = crate::http::schemas::NotFound),
        (status = 409, response = crate::http::schemas::Conflict),
        (status = 422, response = crate::http::schemas::Validation),
        (status = 429, response = crate::http::schemas::RateLimited),
    ),
)]
#[tracing::instrument(skip(state, client, body))]
pub async fn appeal(
    state: web::Data<AppState>,
    client: ClientIp,
    body: web::Json<AppealBody>,
) -> Result<HttpResponse, ApiError> {
    state.limits.check(Action::Flag, client.0).await?;
    let body = body.into_inner();
    let id = db(&state, move |conn| {
        crate::service::appeals::submit(conn, &body.token, &body.text, now())
    })
    .await?;
    Ok(HttpResponse::Accepted().json(AppealReceived {
        id,
        status: "received".into(),
    }))
}

/// The statement page's form.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct AppealForm {
    /// Why the decision is wrong.
    #[schema(
        pattern = r"^\s*[^\s\x00-\x1F\x7F-\x9F\u202A-\u202E\u2066-\u2069](?:[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F\u202A-\u202E\u2066-\u2069]{0,4998}[^\s\x00-\x1F\x7F-\x9F\u202A-\u202E\u2066-\u2069])?\s*$"
    )]
    pub text: String,
}

/// `POST /statements/{token}`: the statement page's appeal form, posted
/// without JavaScript; answers a page.
#[utoipa::path(
    post,
    path = "/statements/{token}",
    tag = "pages",
    params(("token" = String, Path, description = "The statement's token, from the message.")),
    request_body(content = AppealForm, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 202, description = "The appeal was received.", body = String, content_type = "text/html"),
        (status = 404, response = crate::http::schemas::NotFound),
        (status = 409, response = crate::http::schemas::Conflict),
        (status = 422, response = crate::http::schemas::Validation),
        (status = 429, response = crate::http::schemas::RateLimited),
    ),
)]
pub async fn appeal_form(
    state: web::Data<AppState>,
    client: ClientIp,
    token: web::Path<String>,
    form: web::Form<AppealForm>,
) -> Result<HttpResponse, ApiError> {
    state.limits.check(Action::Flag, client.0).await?;
    let token = token.into_inner();
    let text = form.into_inner().text;
    db(&state, move |conn| {
        crate::service::appeals::submit(conn, &token, &text, now())
    })
    .await?;
    Ok(simple_page(
        StatusCode::ACCEPTED,
        "Appeal received",
        html! { h1 { "Appeal received" } p { "Thank you. Another moderator will review the decision; if you asked to hear back by e-mail, you will be told the outcome." } },
    ))
}

/// Query of the transparency report.
#[derive(Debug, Deserialize)]
pub struct TransparencyQuery {
    /// `YYYY-MM`; the current month by default.
    pub month: Option<String>,
    /// `json` (default) or `csv`.
    pub format: Option<String>,
}

impl TransparencyQuery {
    fn month(&self) -> Result<Month, ApiError> {
        match self.month.as_deref() {
            None => Ok(Month::of(now())),
            Some(m) => Month::parse(m.trim()),
        }
    }
}

/// `GET /api/v1/transparency`: the month's transparency report, as JSON or
/// (`format=csv`) CSV. Public; holds no personal data.
#[utoipa::path(
    get,
    path = "/api/v1/transparency",
    tag = "public",
    params(
        ("month" = Option<String>, Query, description = "The month, `YYYY-MM` (UTC); the current one by default.", example = "2026-12"),
        ("format" = Option<String>, Query, description = "`json` (default) or `csv`."),
    ),
    responses(
        (status = 200, description = "The report.", body = Report),
        (status = 422, response = crate::http::schemas::Validation),
    ),
)]
pub async fn transparency(
    state: web::Data<AppState>,
    query: web::Query<TransparencyQuery>,
) -> Result<HttpResponse, ApiError> {
    let month = query.month()?;
    let csv = match query.format.as_deref() {
        None | Some("json") => false,
        Some("csv") => true,
        Some(_) => {
            return Err(ApiError::Validation(vec![crate::domain::FieldError::new(
                "format",
                "must be json or csv",
            )]));
        }
    };
    let settings = state.settings.clone();
    let report = read(&state, move |conn| {
        transparency::report(conn, &settings, month)
    })
    .await?;
    Ok(if csv {
        HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8")
            .insert_header((
                actix_web::http::header::CONTENT_DISPOSITION,
                format!("inline; filename=\"transparency-{}.csv\"", report.month),
            ))
            .body(report.csv())
    } else {
        HttpResponse::Ok().json(report)
    })
}

/// `GET /transparency`: the month's report as a page, with a table and a
/// bar chart drawn in inline SVG (no script).
#[utoipa::path(
    get,
    path = "/transparency",
    tag = "pages",
    params(("month" = Option<String>, Query, description = "The month, `YYYY-MM` (UTC); the current one by default.")),
    responses(
        (status = 200, description = "The transparency report.", body = String, content_type = "text/html"),
        (status = 422, response = crate::http::schemas::Validation),
    ),
)]
pub async fn transparency_page(
    state: web::Data<AppState>,
    query: web::Query<TransparencyQuery>,
) -> Result<HttpResponse, ApiError> {
    let month = query.month()?;
    let settings = state.settings.clone();
    let r = read(&state, move |conn| {
        transparency::report(conn, &settings, month)
    })
    .await?;
    let rejected: i64 = r.rejected.values().sum();
    let bars: Vec<(&str, i64)> = vec![
        ("Submitted", r.submitted),
        ("Approved", r.approved),
        ("Rejected", rejected),
        ("Spam", r.spam),
        ("Automated", r.automated),
        ("Notices", r.notices.received),
        ("Appeals", r.appeals.received),
    ];
    let max = bars.iter().map(|(_, n)| *n).max().unwrap_or(0).max(1);
    let opt = |v: Option<f64>| v.map_or_else(|| "\u{2014}".to_owned(), |v| v.to_string());
    let main = html! {
        h1 { "Transparency report, " (r.month) }
        p { "What moderation did this month (UTC), counted from the statements of reasons, notices, appeals and the moderation log. It holds no personal data. Also as "
            a href=(format!("/api/v1/transparency?month={}", r.month)) { "JSON" } " and "
            a href=(format!("/api/v1/transparency?month={}&format=csv", r.month)) { "CSV" } "." }
        svg role="img" aria-label="Bar chart of the month's figures" width="480" height=(bars.len() * 28 + 8) xmlns="http://www.w3.org/2000/svg" {
            @for (i, (label, n)) in bars.iter().enumerate() {
                text x="0" y=(i * 28 + 20) font-size="13" { (label) }
                rect x="100" y=(i * 28 + 6) height="18" width=(n * 320 / max) fill="currentColor" {}
                text x=(n * 320 / max + 106) y=(i * 28 + 20) font-size="13" { (n) }
            }
        }
        table.transparency {
            tbody {
                tr { th scope="row" { "Comments submitted" } td { (r.submitted) } }
                tr { th scope="row" { "Approved" } td { (r.approved) } }
                @for (reason, n) in &r.rejected {
                    tr { th scope="row" { "Rejected or removed: " (reason) } td { (n) } }
                }
                tr { th scope="row" { "Spam" } td { (r.spam) } }
                tr { th scope="row" { "Decided by automated means" } td { (r.automated) } }
                tr { th scope="row" { "Notices received" } td { (r.notices.received) } }
                tr { th scope="row" { "Notices of illegal content" } td { (r.notices.illegal) } }
                tr { th scope="row" { "Notices about the comment policy" } td { (r.notices.terms) } }
                tr { th scope="row" { "Median hours to decide a notice" } td { (opt(r.notices.median_hours_to_decision)) } }
                tr { th scope="row" { "Appeals received" } td { (r.appeals.received) } }
                tr { th scope="row" { "Appeals upheld" } td { (r.appeals.upheld) } }
                tr { th scope="row" { "Appeals reversed" } td { (r.appeals.reversed) } }
                tr { th scope="row" { "Median minutes from submission to decision" } td { (opt(r.median_minutes_to_decision)) } }
            }
        }
        p { a href="/policy" { "The comment policy" } }
    };
    Ok(simple_page(StatusCode::OK, "Transparency report", main))
}
