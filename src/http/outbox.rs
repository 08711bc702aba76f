//! The outbox for admins: what waits to be sent, what was given up on and
//! why, and retrying or dropping what failed.

use super::auth::SignedIn;
use super::{db, db_as};
use crate::db::outbox::Item;
use crate::domain::moderation::Role;
use crate::domain::outbox::State;
use crate::domain::time::{now, rfc3339};
use crate::error::ApiError;
use crate::service::outbox;
use crate::state::AppState;
use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// An outbox item as admins see it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OutboxItemView {
    /// Id (`X-Colloquy-Delivery` of a webhook).
    pub id: i32,
    /// `mail` or `webhook`.
    pub channel: String,
    /// The message (`confirm`, `approved`, `rejected`, `answered`,
    /// `digest`) or the webhook's event.
    pub kind: String,
    /// The address or the webhook's URL.
    pub recipient: String,
    /// The comment it is about.
    pub comment_id: Option<i32>,
    /// `due`, `sent`, `failed` or `dropped`.
    pub state: String,
    /// Tries so far.
    pub attempts: i32,
    /// When it is (or was) due.
    pub next_attempt_at: String,
    /// Why the last try failed.
    pub last_error: Option<String>,
    /// When its event happened.
    pub created_at: String,
    /// When it was sent.
    pub sent_at: Option<String>,
}

impl From<Item> for OutboxItemView {
    fn from(i: Item) -> Self {
        Self {
            id: i.id,
            channel: i.channel,
            kind: i.kind,
            recipient: i.recipient,
            comment_id: i.comment_id,
            state: i.state,
            attempts: i.attempts,
            next_attempt_at: rfc3339(i.next_attempt_at),
            last_error: i.last_error,
            created_at: rfc3339(i.created_at),
            sent_at: i.sent_at.map(rfc3339),
        }
    }
}

/// A listing of the outbox.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OutboxList {
    /// Items in the state asked for, newest first (at most 200).
    pub items: Vec<OutboxItemView>,
    /// How many items are in each state.
    pub counts: BTreeMap<String, i64>,
}

/// The outbox listing's query.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct OutboxQuery {
    /// `failed` (default), `due`, `sent` or `dropped`; any other word is 400.
    #[param(inline)]
    pub state: Option<OutboxStateName>,
}

/// The states of an outbox item, as a query names them.
#[derive(Debug, Clone, Copy, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum OutboxStateName {
    /// Waiting to be sent.
    Due,
    /// Sent.
    Sent,
    /// Given up on.
    Failed,
    /// Dropped.
    Dropped,
}

impl From<OutboxStateName> for State {
    fn from(name: OutboxStateName) -> Self {
        match name {
            OutboxStateName::Due => Self::Due,
            OutboxStateName::Sent => Self::Sent,
            OutboxStateName::Failed => Self::Failed,
            OutboxStateName::Dropped => Self::Dropped,
        }
    }
}

/// `GET /api/v1/moderation/outbox?state=failed` (admin).
#[utoipa::path(
    get,
    path = "/api/v1/moderation/outbox",
    tag = "accounts",
    security(("session" = [])),
    params(OutboxQuery),
    responses(
        (status = 200, description = "The items in that state and the counts of every state (admins).", body = OutboxList),
        (status = 400, response = crate::http::schemas::BadRequest),
        (status = 403, response = crate::http::schemas::Forbidden),
    ),
)]
#[tracing::instrument(skip(state, signed_in), fields(moderator = %signed_in.moderator.username))]
pub async fn list(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    query: web::Query<OutboxQuery>,
) -> Result<HttpResponse, ApiError> {
    signed_in.require(Role::Admin)?;
    let wanted = query.state.map_or(State::Failed, State::from);
    let (items, counts) = db(&state, move |conn| outbox::list(conn, wanted)).await?;
    Ok(HttpResponse::Ok().json(OutboxList {
        items: items.into_iter().map(OutboxItemView::from).collect(),
        counts: counts.into_iter().collect(),
    }))
}

/// `POST /api/v1/moderation/outbox/{id}/retry` (admin): a failed item is
/// due again now, its tries counted afresh. 204.
#[utoipa::path(
    post,
    path = "/api/v1/moderation/outbox/{id}/retry",
    tag = "accounts",
    security(("session" = [], "csrf" = [])),
    params(("id" = i32, Path, description = "The item.", example = 1)),
    responses(
        (status = 204, description = "Due again (admins)."),
        (status = 403, response = crate::http::schemas::Forbidden),
        (status = 404, response = crate::http::schemas::NotFound),
        (status = 409, response = crate::http::schemas::Conflict),
    ),
)]
#[tracing::instrument(skip(state, signed_in), fields(moderator = %signed_in.moderator.username))]
pub async fn retry(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    id: web::Path<i32>,
) -> Result<HttpResponse, ApiError> {
    signed_in.require(Role::Admin)?;
    let id = id.into_inner();
    db_as(&state, signed_in.authority(Role::Admin)?, move |conn| {
        outbox::retry(conn, id, now())
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `POST /api/v1/moderation/outbox/{id}/drop` (admin): a failed item is
/// dropped for good. 204.
#[utoipa::path(
    post,
    path = "/api/v1/moderation/outbox/{id}/drop",
    tag = "accounts",
    security(("session" = [], "csrf" = [])),
    params(("id" = i32, Path, description = "The item.", example = 1)),
    responses(
        (status = 204, description = "Dropped (admins)."),
        (status = 403, response = crate::http::schemas::Forbidden),
        (status = 404, response = crate::http::schemas::NotFound),
        (status = 409, response = crate::http::schemas::Conflict),
    ),
)]
#[tracing::instrument(skip(state, signed_in), fields(moderator = %signed_in.moderator.username))]
pub async fn drop_failed(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    id: web::Path<i32>,
) -> Result<HttpResponse, ApiError> {
    signed_in.require(Role::Admin)?;
    let id = id.into_inner();
    db_as(&state, signed_in.authority(Role::Admin)?, move |conn| {
        outbox::drop_failed(conn, id)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
