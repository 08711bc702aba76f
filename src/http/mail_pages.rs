//! The pages a message's links open: confirming an address and
//! unsubscribing it. A GET only shows a page with a button (a mail
//! scanner that follows links changes nothing); the form's POST acts. The
//! unsubscribe POST is also RFC 8058's one-click request
//! (`List-Unsubscribe=One-Click`), which mail clients send by themselves.
//! A refusal is a page for a browser (`Accept` naming `text/html`) and
//! problem+json for anything else, like `/threads/SLUG`.

use super::db;
use super::pages::{self, simple_page};
use crate::db::subscribers::Confirmation;
use crate::domain::time::now;
use crate::error::ApiError;
use crate::service::subscriptions;
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use maud::html;
use serde::Deserialize;

/// The confirmation link's query (and the form's field).
#[derive(Debug, Deserialize, utoipa::IntoParams, utoipa::ToSchema)]
pub struct TokenQuery {
    /// The token of the confirmation message.
    pub token: Option<String>,
}

/// The unsubscribe link's query.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct UnsubscribeQuery {
    /// The subscriber.
    pub s: Option<String>,
    /// Its code.
    pub c: Option<String>,
}

/// A refusal: a page for a browser, problem+json else.
fn refusal(
    req: &HttpRequest,
    page: HttpResponse,
    error: ApiError,
) -> Result<HttpResponse, ApiError> {
    if pages::accepts_html(req) {
        Ok(page)
    } else {
        Err(error)
    }
}

fn unknown(req: &HttpRequest, title: &str) -> Result<HttpResponse, ApiError> {
    refusal(
        req,
        unknown_link(title),
        ApiError::NotFound("This link is not one we sent, or it was cut short.".into()),
    )
}

fn unknown_link(title: &str) -> HttpResponse {
    simple_page(
        StatusCode::NOT_FOUND,
        title,
        html! {
            h1 { (title) }
            p role="alert" { "This link is not one we sent, or it was cut short. Copy the whole link from the message into the address bar." }
        },
    )
}

fn outcome(
    req: &HttpRequest,
    outcome: &Confirmation,
    confirmed_now: bool,
) -> Result<HttpResponse, ApiError> {
    let page = outcome_page(outcome, confirmed_now);
    match outcome {
        Confirmation::Confirmed(_) => Ok(page),
        Confirmation::Unknown => unknown(req, "No such confirmation link"),
        Confirmation::Used => refusal(
            req,
            page,
            ApiError::Gone("This confirmation link was used already.".into()),
        ),
        Confirmation::Expired => refusal(
            req,
            page,
            ApiError::Gone("This confirmation link has expired.".into()),
        ),
        Confirmation::Unsubscribed => refusal(
            req,
            page,
            ApiError::Gone("This address unsubscribed.".into()),
        ),
    }
}

fn outcome_page(outcome: &Confirmation, confirmed_now: bool) -> HttpResponse {
    let (status, title, text) = match outcome {
        Confirmation::Confirmed(_) if confirmed_now => (
            StatusCode::OK,
            "Address confirmed",
            "Thank you. We will tell you when your comment is published, when it is not, and when someone answers it. Every message has a link to stop them.",
        ),
        Confirmation::Confirmed(_) => (StatusCode::OK, "Confirm your address", ""),
        Confirmation::Used => (
            StatusCode::GONE,
            "Link already used",
            "This address was confirmed with this link already; nothing more is needed.",
        ),
        Confirmation::Expired => (
            StatusCode::GONE,
            "Link expired",
            "This confirmation link has expired. The next comment you leave with your address and \u{201c}tell me by e-mail\u{201d} brings a new one.",
        ),
        Confirmation::Unsubscribed => (
            StatusCode::GONE,
            "Address unsubscribed",
            "This address asked to get no more mail from us, and it will get none.",
        ),
        Confirmation::Unknown => return unknown_link("No such confirmation link"),
    };
    simple_page(
        status,
        title,
        html! { h1 { (title) } p role="status" { (text) } },
    )
}

/// `GET /mail/confirm?token=…`: the confirmation page, with its button.
#[utoipa::path(
    get,
    path = "/mail/confirm",
    tag = "mail",
    params(TokenQuery),
    responses(
        (status = 200, description = "A page with a button that confirms the address (nothing is confirmed by this GET).", body = String, content_type = "text/html"),
        (status = 404, description = "Not a token we sent: a page for a browser, a problem document otherwise.",
            content((crate::error::Problem = "application/problem+json"), (String = "text/html"))),
        (status = 410, description = "Used, expired, or the address unsubscribed: a page for a browser, a problem document otherwise.",
            content((crate::error::Problem = "application/problem+json"), (String = "text/html"))),
    ),
)]
pub async fn confirm_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<TokenQuery>,
) -> Result<HttpResponse, ApiError> {
    let Some(token) = query.into_inner().token.filter(|t| !t.trim().is_empty()) else {
        return unknown(&req, "No such confirmation link");
    };
    let check = token.clone();
    let found = db(&state, move |conn| {
        subscriptions::check(conn, &check, now())
    })
    .await?;
    if !matches!(found, Confirmation::Confirmed(_)) {
        return outcome(&req, &found, false);
    }
    Ok(simple_page(
        StatusCode::OK,
        "Confirm your address",
        html! {
            h1 { "Confirm your address" }
            p { "Press the button to confirm that this address is yours and that you want to hear about your comments by e-mail." }
            form method="post" action="/mail/confirm" {
                input type="hidden" name="token" value=(token);
                p { button type="submit" { "Confirm my address" } }
            }
        },
    ))
}

/// `POST /mail/confirm` (form `token`): confirms the address.
#[utoipa::path(
    post,
    path = "/mail/confirm",
    tag = "mail",
    request_body(content = TokenQuery, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, description = "Confirmed.", body = String, content_type = "text/html"),
        (status = 404, description = "Not a token we sent: a page for a browser, a problem document otherwise.",
            content((crate::error::Problem = "application/problem+json"), (String = "text/html"))),
        (status = 410, description = "Used, expired, or the address unsubscribed: a page for a browser, a problem document otherwise.",
            content((crate::error::Problem = "application/problem+json"), (String = "text/html"))),
    ),
)]
pub async fn confirm(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: web::Form<TokenQuery>,
) -> Result<HttpResponse, ApiError> {
    let Some(token) = form.into_inner().token.filter(|t| !t.trim().is_empty()) else {
        return unknown(&req, "No such confirmation link");
    };
    let done = db(&state, move |conn| {
        subscriptions::confirm(conn, &token, now())
    })
    .await?;
    outcome(&req, &done, true)
}

/// The subscriber and code of an unsubscribe link.
fn link(query: UnsubscribeQuery) -> Option<(i32, String)> {
    let id = query.s?.trim().parse::<i32>().ok().filter(|id| *id > 0)?;
    Some((id, query.c.filter(|c| !c.trim().is_empty())?))
}

/// `GET /mail/unsubscribe?s=…&c=…`: a page with the button that stops all
/// mail to the address.
#[utoipa::path(
    get,
    path = "/mail/unsubscribe",
    tag = "mail",
    params(UnsubscribeQuery),
    responses(
        (status = 200, description = "A page with a button that unsubscribes (nothing changes by this GET).", body = String, content_type = "text/html"),
        (status = 404, description = "Not a link we sent: a page for a browser, a problem document otherwise.",
            content((crate::error::Problem = "application/problem+json"), (String = "text/html"))),
    ),
)]
pub async fn unsubscribe_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<UnsubscribeQuery>,
) -> Result<HttpResponse, ApiError> {
    let Some((id, code)) = link(query.into_inner()) else {
        return unknown(&req, "No such unsubscribe link");
    };
    let key = state.mail_key.clone();
    let check = code.clone();
    let genuine = db(&state, move |conn| {
        subscriptions::link_is_genuine(conn, &key, id, &check)
    })
    .await?;
    if !genuine {
        return unknown(&req, "No such unsubscribe link");
    }
    let action = format!("/mail/unsubscribe?s={id}&c={}", pages::query_escape(&code));
    Ok(simple_page(
        StatusCode::OK,
        "Stop all mail",
        html! {
            h1 { "Stop all mail" }
            p { "Press the button and this address gets no more mail from us: not about your comments, not about anything." }
            form method="post" action=(action) {
                input type="hidden" name="List-Unsubscribe" value="One-Click";
                p { button type="submit" { "Stop all mail" } }
            }
        },
    ))
}

/// `POST /mail/unsubscribe?s=…&c=…`: stops all mail to the address, at
/// once and for good (the page's button, or a mail client's one-click
/// request).
#[utoipa::path(
    post,
    path = "/mail/unsubscribe",
    tag = "mail",
    params(UnsubscribeQuery),
    responses(
        (status = 200, description = "Unsubscribed (also when it already was).", body = String, content_type = "text/html"),
        (status = 404, description = "Not a link we sent: a page for a browser, a problem document otherwise.",
            content((crate::error::Problem = "application/problem+json"), (String = "text/html"))),
    ),
)]
pub async fn unsubscribe(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<UnsubscribeQuery>,
) -> Result<HttpResponse, ApiError> {
    let Some((id, code)) = link(query.into_inner()) else {
        return unknown(&req, "No such unsubscribe link");
    };
    let key = state.mail_key.clone();
    let done = db(&state, move |conn| {
        subscriptions::unsubscribe(conn, &key, id, &code, now())
    })
    .await?;
    if !done {
        return unknown(&req, "No such unsubscribe link");
    }
    Ok(simple_page(
        StatusCode::OK,
        "Unsubscribed",
        html! {
            h1 { "Unsubscribed" }
            p role="status" { "This address will get no more mail from us." }
        },
    ))
}
