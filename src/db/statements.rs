//! Statements of reasons (DSA art. 17): one row per reject or spam
//! decision and per removal of an approved comment.
//!
//! The invariant: a statement is inserted in the transaction of the
//! decision it explains and never changed afterwards; it holds nothing
//! personal (no name, address or text of the comment), so it outlives the
//! comment's erasure and the transparency report can count on it.

use super::DbConn;
use super::schema::statements;
use crate::domain::comment::CommentId;
use crate::domain::moderation::{Ground, Status};
use crate::domain::post::PostId;
use diesel::prelude::*;

/// A stored statement.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = statements, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct Statement {
    /// Row id.
    pub id: i32,
    /// The comment decided (it may since have been erased).
    pub comment_id: CommentId,
    /// Its post.
    pub post_id: PostId,
    /// `not_published` or `removed`.
    pub decision: String,
    /// `rejected` or `spam`.
    pub status: Status,
    /// Terms or illegal.
    pub ground: Ground,
    /// The reason's id.
    pub reason: String,
    /// The policy clause as published when the decision was made.
    pub policy_clause: String,
    /// The law named, for an illegal ground.
    pub law: Option<String>,
    /// What was found, in words.
    pub facts: String,
    /// Whether automated means detected the comment.
    pub automated_detection: bool,
    /// Whether automated means made the decision.
    pub automated_decision: bool,
    /// Whether a notice led to the decision.
    pub from_notice: bool,
    /// The moderator who decided (none for the system).
    pub moderator_id: Option<i32>,
    /// When the comment was submitted.
    pub submitted_at: i64,
    /// When the decision was made.
    pub created_at: i64,
    /// Digest of the reader's statement-page token.
    pub token_hash: String,
}

/// A statement to insert.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = statements)]
pub struct NewStatement<'a> {
    /// The comment decided.
    pub comment_id: CommentId,
    /// Its post.
    pub post_id: PostId,
    /// `not_published` or `removed`.
    pub decision: &'a str,
    /// `rejected` or `spam`.
    pub status: Status,
    /// Terms or illegal.
    pub ground: Ground,
    /// The reason's id.
    pub reason: &'a str,
    /// The policy clause.
    pub policy_clause: &'a str,
    /// The law named.
    pub law: Option<&'a str>,
    /// What was found.
    pub facts: &'a str,
    /// Automated detection.
    pub automated_detection: bool,
    /// Automated decision.
    pub automated_decision: bool,
    /// A notice led to it.
    pub from_notice: bool,
    /// Who decided.
    pub moderator_id: Option<i32>,
    /// When the comment was submitted.
    pub submitted_at: i64,
    /// When the decision was made.
    pub created_at: i64,
    /// Digest of the token.
    pub token_hash: &'a str,
}

/// Inserts one statement; returns its id.
pub fn insert(conn: &mut DbConn, new: &NewStatement<'_>) -> QueryResult<i32> {
    diesel::insert_into(statements::table)
        .values(new)
        .returning(statements::id)
        .get_result(conn)
}

/// The newest statement about a comment.
pub fn latest(conn: &mut DbConn, comment: CommentId) -> QueryResult<Option<Statement>> {
    statements::table
        .filter(statements::comment_id.eq(comment))
        .order(statements::id.desc())
        .select(Statement::as_select())
        .first(conn)
        .optional()
}

/// One statement.
pub fn get(conn: &mut DbConn, id: i32) -> QueryResult<Option<Statement>> {
    statements::table
        .find(id)
        .select(Statement::as_select())
        .first(conn)
        .optional()
}

/// The statement whose token has the digest `token_hash`.
pub fn by_token_hash(conn: &mut DbConn, token_hash: &str) -> QueryResult<Option<Statement>> {
    statements::table
        .filter(statements::token_hash.eq(token_hash))
        .select(Statement::as_select())
        .first(conn)
        .optional()
}

/// Every statement made from `from` (inclusive) to `to` (exclusive), oldest
/// first.
pub fn between(conn: &mut DbConn, from: i64, to: i64) -> QueryResult<Vec<Statement>> {
    statements::table
        .filter(statements::created_at.ge(from))
        .filter(statements::created_at.lt(to))
        .order(statements::id.asc())
        .select(Statement::as_select())
        .load(conn)
}
