//! The shapes the handlers' `#[utoipa::path]` annotations name that no
//! handler owns: the problem answers, the string choices whose empty
//! value means the default, the paging parameters, and the JSON shapes
//! handlers build with `json!`. Handlers import this module; only the
//! document (`super::openapi`) and the routes import handlers, so the
//! two never go round in a circle.

use super::views::{ClaimView, ModComment, PostView, ThreadComment};
use crate::domain::moderation::Reason;
use crate::error::{PROBLEM_JSON, Problem};
use serde::Serialize;
use std::collections::BTreeMap;
use utoipa::openapi::RefOr;
use utoipa::{IntoParams, ToResponse, ToSchema};

/// A string enumeration whose empty value means the default (the
/// server reads `?order=` as no `order`), which a derived schema cannot
/// say.
fn choice(description: &str, values: &[&str]) -> RefOr<utoipa::openapi::schema::Schema> {
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some(description))
        .enum_values(Some(values.iter().copied()))
        .into()
}

/// Order of top-level items: `oldest` (the default, also when empty) or
/// `newest`.
pub struct ThreadOrder;

impl utoipa::PartialSchema for ThreadOrder {
    fn schema() -> RefOr<utoipa::openapi::schema::Schema> {
        choice(
            "Order: `oldest` (the default, also when empty) or `newest` first.",
            &["", "oldest", "newest"],
        )
    }
}

impl ToSchema for ThreadOrder {}

/// A page size: a whole number from 0 (read as 1), or empty for the
/// default.
pub struct Limit;

impl utoipa::PartialSchema for Limit {
    fn schema() -> RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{
            KnownFormat, ObjectBuilder, OneOfBuilder, SchemaFormat, Type,
        };
        OneOfBuilder::new()
            .item(
                ObjectBuilder::new()
                    .schema_type(Type::Integer)
                    .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)))
                    .minimum(Some(0)),
            )
            .item(
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .enum_values(Some([""])),
            )
            .description(Some(
                "Items wanted, clamped to 1..=200 (a larger number gives 200); empty for the \
                 default. Negative or non-numeric is 400.",
            ))
            .into()
    }
}

impl ToSchema for Limit {}

/// A comment to show alone: its id, or empty for none.
pub struct CommentFilter;

impl utoipa::PartialSchema for CommentFilter {
    fn schema() -> RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{
            KnownFormat, ObjectBuilder, OneOfBuilder, SchemaFormat, Type,
        };
        OneOfBuilder::new()
            .item(
                ObjectBuilder::new()
                    .schema_type(Type::Integer)
                    .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int32)))
                    .minimum(Some(1))
                    .maximum(Some(i32::MAX)),
            )
            .item(
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .enum_values(Some([""])),
            )
            .description(Some(
                "A comment id, or empty for none. Anything else is 400.",
            ))
            .into()
    }
}

impl ToSchema for CommentFilter {}

/// A tab of the moderation queue.
pub struct QueueTab;

impl utoipa::PartialSchema for QueueTab {
    fn schema() -> RefOr<utoipa::openapi::schema::Schema> {
        choice(
            "A tab of the queue: `pending` (the default, also when empty), `approved`, \
             `rejected`, `spam`, `flagged` (open reader flags and notices, whatever the status) \
             or `appealed` (decisions their authors appealed, not yet decided again).",
            &[
                "", "pending", "approved", "rejected", "spam", "flagged", "appealed",
            ],
        )
    }
}

impl ToSchema for QueueTab {}

/// What a bulk decision does.
#[derive(ToSchema)]
#[schema(rename_all = "lowercase")]
pub enum DecisionAction {
    /// Publish.
    Approve,
    /// Reject, citing `reason`.
    Reject,
    /// File as spam.
    Spam,
}

/// What a ban matches.
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum BanKindName {
    /// An e-mail address (compared ignoring case).
    Email,
    /// The keyed hash of the sender's IP address (IPv6 by /64).
    IpHash,
}

/// Which list a term is on.
#[derive(ToSchema)]
#[schema(rename_all = "lowercase")]
pub enum TermKindName {
    /// A comment containing it is rejected.
    Banned,
    /// A comment containing it waits with a signal.
    Suspect,
}

macro_rules! problem_response {
    ($name:ident, $description:literal) => {
        #[doc = $description]
        #[derive(ToResponse)]
        #[response(description = $description, content_type = PROBLEM_JSON)]
        pub struct $name(#[allow(dead_code)] Problem);
    };
}

problem_response!(
    BadRequest,
    "The request could not be read: a malformed path, query or body (bad JSON, unknown field, a cursor this server did not make)."
);
problem_response!(Unauthorized, "Not signed in, or the session has ended.");
problem_response!(
    Forbidden,
    "Signed in but not allowed: a missing or wrong `X-CSRF-Token`, or a role that lacks the right."
);
problem_response!(NotFound, "No such post, comment or resource.");
problem_response!(
    Conflict,
    "The change conflicts with what exists (a slug or name taken, a ban in force)."
);
problem_response!(
    PayloadTooLarge,
    "The body is larger than `max_body_bytes` (64 KiB by default)."
);
problem_response!(
    UnsupportedMediaType,
    "The body's content type is not one this endpoint reads."
);
problem_response!(
    Validation,
    "Fields failed validation; `errors` names each one with a message."
);
problem_response!(
    Internal,
    "A fault on the server; the cause is logged, never sent."
);
/// The server is busy; try again after `Retry-After` seconds.
#[derive(ToResponse)]
#[response(
    description = "The server is busy (no database connection was free in time, or the database stayed locked past its busy timeout); try again after `Retry-After` seconds.",
    content_type = PROBLEM_JSON,
    headers(("Retry-After" = u64, description = "Seconds until a retry can succeed."))
)]
pub struct Unavailable(#[allow(dead_code)] Problem);

/// Too many requests from this address.
#[derive(ToResponse)]
#[response(
    description = "Rate limited; try again after `Retry-After` seconds.",
    content_type = PROBLEM_JSON,
    headers(("Retry-After" = u64, description = "Seconds until a retry can succeed."))
)]
pub struct RateLimited(#[allow(dead_code)] Problem);

// ---------------------------------------------------------------------
// Shapes that handlers build with `json!`: described here, checked
// against the live server by schemathesis (scripts/schemathesis.sh).
// ---------------------------------------------------------------------

/// `GET /healthz`.
#[derive(Serialize, ToSchema)]
pub struct Health {
    /// Always `ok` (a failing database is a 503).
    pub status: String,
}

/// A page of posts, newest first.
#[derive(Serialize, ToSchema)]
pub struct PostList {
    /// The posts.
    pub posts: Vec<PostView>,
    /// Cursor of the next page; null on the last.
    pub next: Option<String>,
}

/// Comment counts per slug.
#[derive(Serialize, ToSchema)]
pub struct Counts {
    /// Approved items per slug asked for; unknown slugs count 0.
    pub counts: BTreeMap<String, i64>,
}

/// A reader's flag was received.
#[derive(Serialize, ToSchema)]
pub struct FlagReceived {
    /// Always `received`.
    pub status: String,
    /// Words for the reader.
    pub message: String,
}

/// How many comments a bulk decision changed.
#[derive(Serialize, ToSchema)]
pub struct BulkResult {
    /// Comments decided (unknown ids are not counted).
    pub updated: i64,
}

/// The rejection reasons.
#[derive(Serialize, ToSchema)]
pub struct ReasonList {
    /// In the configured order.
    pub reasons: Vec<Reason>,
}

/// Comments per queue tab.
#[derive(Serialize, ToSchema)]
pub struct TabCounts {
    /// Waiting for a decision.
    pub pending: i64,
    /// With open reader flags, whatever their status.
    pub flagged: i64,
    /// In the spam bin.
    pub spam: i64,
    /// Rejected.
    pub rejected: i64,
    /// Approved.
    pub approved: i64,
}

/// Pending comments on one post.
#[derive(Serialize, ToSchema)]
pub struct PendingByPost {
    /// The post's slug.
    pub slug: String,
    /// Its title.
    pub title: String,
    /// Comments waiting.
    pub pending: i64,
}

/// `GET /api/v1/moderation/stats`.
#[derive(Serialize, ToSchema)]
pub struct Stats {
    /// Per tab, with the `post` and `q` filters applied.
    pub counts: TabCounts,
    /// When the oldest pending comment arrived; null when none waits.
    #[schema(format = DateTime)]
    pub oldest_pending_at: Option<String>,
    /// How long it has waited, in seconds.
    pub oldest_pending_age_seconds: Option<i64>,
    /// Most pending first.
    pub pending_by_post: Vec<PendingByPost>,
}

/// A claim on a queue item, with the item's current status.
#[derive(Serialize, ToSchema)]
pub struct ClaimState {
    /// The comment.
    pub comment_id: i32,
    /// Whether the caller holds the claim.
    pub mine: bool,
    /// Who holds it.
    pub claimed_by: ClaimView,
    /// When it stops being fresh unless renewed.
    #[schema(format = DateTime)]
    pub expires_at: String,
    /// The comment's status now (`pending`, `approved`, `rejected`, `spam`).
    pub status: String,
}

/// An official reply to a comment, and the comment as it now stands.
#[derive(Serialize, ToSchema)]
pub struct ReplyResult {
    /// The reply, published.
    pub reply: ThreadComment,
    /// The comment answered, in the queue's shape.
    pub comment: Option<ModComment>,
}

/// A rendered preview.
#[derive(Serialize, ToSchema)]
pub struct Preview {
    /// Sanitised HTML, exactly as it would be published; `""` for an
    /// empty body.
    pub body_html: String,
}

/// A post as editors see it.
#[derive(Serialize, ToSchema)]
pub struct EditorPost {
    /// The public fields.
    #[serde(flatten)]
    pub post: PostView,
    /// The sanitised body.
    pub body_html: String,
    /// Its Markdown source.
    pub body_source: String,
    /// When `auto_close_days` closed its comments, if it did.
    #[schema(format = DateTime)]
    pub auto_closed_at: Option<String>,
}

/// A banned or suspect term.
#[derive(Serialize, ToSchema)]
pub struct TermView {
    /// Id.
    pub id: i32,
    /// The word or phrase as added.
    pub term: String,
    /// `banned` or `suspect`.
    pub kind: String,
    /// For a banned term, the reason it cites (null: the default).
    pub reason: Option<String>,
    /// When it was added.
    #[schema(format = DateTime)]
    pub created_at: String,
    /// Who added it (user name).
    pub created_by: Option<String>,
}

/// The term lists.
#[derive(Serialize, ToSchema)]
pub struct TermList {
    /// Banned and suspect terms.
    pub terms: Vec<TermView>,
    /// The terms of `spam.banned_terms` (suspect signals).
    pub configured: Vec<String>,
    /// The reason a banned term without one cites.
    pub default_reason: String,
}

/// `limit` and `cursor`, as every list takes them.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Paging {
    /// Items wanted; clamped to 1..=200 (a larger number gives 200). A
    /// negative or non-numeric value is 400.
    #[param(value_type = Option<Limit>)]
    pub limit: Option<i64>,
    /// The `next` of the previous page; opaque (one this server did not
    /// make is 400).
    pub cursor: Option<String>,
}
