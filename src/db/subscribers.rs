//! Readers who asked to hear back by e-mail: their confirmation tokens
//! (hashes only) and where each address stands.

use super::DbConn;
use super::outbox;
use super::schema::{mail_tokens, subscribers};
use diesel::prelude::*;

/// Not confirmed yet: only confirmation requests go to it.
pub const UNCONFIRMED: &str = "unconfirmed";
/// Confirmed: told what becomes of its comments.
pub const CONFIRMED: &str = "confirmed";
/// Unsubscribed: never written to again.
pub const UNSUBSCRIBED: &str = "unsubscribed";

/// An address as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = subscribers, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct Subscriber {
    /// Row id (what unsubscribe links name).
    pub id: i32,
    /// The address, as the reader gave it (trimmed).
    pub email: String,
    /// `unconfirmed`, `confirmed` or `unsubscribed`.
    pub state: String,
    /// The language of its messages.
    pub lang: String,
    /// First seen.
    pub created_at: i64,
    /// The last confirmation request.
    pub confirm_sent_at: Option<i64>,
    /// Confirmed then.
    pub confirmed_at: Option<i64>,
    /// Unsubscribed then.
    pub unsubscribed_at: Option<i64>,
}

impl Subscriber {
    /// Whether messages other than a confirmation may go to it.
    pub fn confirmed(&self) -> bool {
        self.state == CONFIRMED
    }
}

/// The subscriber with this address.
pub fn find(conn: &mut DbConn, email: &str) -> QueryResult<Option<Subscriber>> {
    subscribers::table
        .filter(subscribers::email.eq(email))
        .select(Subscriber::as_select())
        .first(conn)
        .optional()
}

/// The subscriber with this id.
pub fn find_by_id(conn: &mut DbConn, id: i32) -> QueryResult<Option<Subscriber>> {
    subscribers::table
        .find(id)
        .select(Subscriber::as_select())
        .first(conn)
        .optional()
}

/// One address asking for a confirmation message, with the hash of the
/// token its message will carry.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    /// The address (as [`crate::domain::outbox::address_key`] makes it).
    pub email: &'a str,
    /// The language of its messages.
    pub lang: &'a str,
    /// The new token's hash.
    pub token_hash: &'a str,
}

/// The confirmation requests of `requests` that may go, each with its
/// subscriber: an address that is new, or unconfirmed with no request
/// since `not_since`. Stores those tokens' hashes (valid until
/// `expires_at`); the others (confirmed, unsubscribed, asked recently, or
/// named twice in `requests`) get nothing. Returns indexes into
/// `requests`. A writer batch asks for all its addresses at once: one
/// lookup and one insert of each kind, whatever the batch's size.
pub fn request_confirmations(
    conn: &mut DbConn,
    requests: &[Request<'_>],
    now: i64,
    not_since: i64,
    expires_at: i64,
) -> QueryResult<Vec<(usize, Subscriber)>> {
    use std::collections::HashMap;
    if requests.is_empty() {
        return Ok(Vec::new());
    }
    super::within(conn, |conn| {
        let emails: Vec<&str> = requests.iter().map(|r| r.email).collect();
        let known: HashMap<String, Subscriber> = subscribers::table
            .filter(subscribers::email.eq_any(&emails))
            .select(Subscriber::as_select())
            .load(conn)?
            .into_iter()
            .map(|s| (s.email.clone(), s))
            .collect();
        let mut asked = Vec::new();
        let mut fresh: HashMap<&str, usize> = HashMap::new();
        for (i, request) in requests.iter().enumerate() {
            match known.get(request.email) {
                Some(s) if s.state != UNCONFIRMED => {}
                Some(s) if s.confirm_sent_at.is_some_and(|at| at > not_since) => {}
                Some(s)
                    if asked
                        .iter()
                        .any(|(_, a): &(usize, Subscriber)| a.id == s.id) => {}
                Some(s) => asked.push((
                    i,
                    super::conn::on_backend!(conn, c => diesel::update(subscribers::table.find(s.id))
                        .set((
                            subscribers::confirm_sent_at.eq(now),
                            subscribers::lang.eq(request.lang),
                        ))
                        .returning(Subscriber::as_returning())
                        .get_result(c))?,
                )),
                None => {
                    fresh.entry(request.email).or_insert(i);
                }
            }
        }
        if !fresh.is_empty() {
            let rows: Vec<_> = fresh
                .values()
                .map(|&i| {
                    (
                        subscribers::email.eq(requests[i].email),
                        subscribers::state.eq(UNCONFIRMED),
                        subscribers::lang.eq(requests[i].lang),
                        subscribers::created_at.eq(now),
                        subscribers::confirm_sent_at.eq(now),
                    )
                })
                .collect();
            // RETURNING gives rows in no promised order: match by address.
            let inserted: Vec<Subscriber> = super::conn::on_backend!(conn, c => diesel::insert_into(subscribers::table)
                .values(rows)
                .returning(Subscriber::as_returning())
                .get_results(c))?;
            for subscriber in inserted {
                if let Some(&i) = fresh.get(subscriber.email.as_str()) {
                    asked.push((i, subscriber));
                }
            }
        }
        let tokens: Vec<_> = asked
            .iter()
            .map(|(i, subscriber)| {
                (
                    mail_tokens::token_hash.eq(requests[*i].token_hash),
                    mail_tokens::email.eq(subscriber.email.as_str()),
                    mail_tokens::created_at.eq(now),
                    mail_tokens::expires_at.eq(expires_at),
                )
            })
            .collect();
        if !tokens.is_empty() {
            super::conn::on_backend!(conn, c => diesel::insert_into(mail_tokens::table)
                .values(tokens)
                .execute(c))?;
        }
        asked.sort_by_key(|(i, _)| *i);
        Ok(asked)
    })
}

/// What became of a confirmation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Confirmation {
    /// The address is confirmed (now, or it was already).
    Confirmed(String),
    /// The token was used before.
    Used,
    /// The token is past its time.
    Expired,
    /// No such token.
    Unknown,
    /// The address unsubscribed; it stays so.
    Unsubscribed,
}

/// Whether the token with this hash is one that would confirm now
/// (for the page a GET shows; nothing changes).
pub fn check_token(conn: &mut DbConn, token_hash: &str, now: i64) -> QueryResult<Confirmation> {
    let token: Option<(String, i64, Option<i64>)> = mail_tokens::table
        .find(token_hash)
        .select((
            mail_tokens::email,
            mail_tokens::expires_at,
            mail_tokens::used_at,
        ))
        .first(conn)
        .optional()?;
    Ok(match token {
        None => Confirmation::Unknown,
        Some((_, _, Some(_))) => Confirmation::Used,
        Some((_, expires, None)) if expires <= now => Confirmation::Expired,
        Some((email, _, None)) => match find(conn, &email)? {
            Some(s) if s.state == UNSUBSCRIBED => Confirmation::Unsubscribed,
            _ => Confirmation::Confirmed(email),
        },
    })
}

/// Uses the token with this hash: its address is confirmed, the token
/// spent.
pub fn confirm(conn: &mut DbConn, token_hash: &str, now: i64) -> QueryResult<Confirmation> {
    super::write(conn, |conn| {
        let outcome = check_token(conn, token_hash, now)?;
        if let Confirmation::Confirmed(email) = &outcome {
            diesel::update(mail_tokens::table.find(token_hash))
                .set(mail_tokens::used_at.eq(now))
                .execute(conn)?;
            diesel::update(
                subscribers::table
                    .filter(subscribers::email.eq(email))
                    .filter(subscribers::state.eq(UNCONFIRMED)),
            )
            .set((
                subscribers::state.eq(CONFIRMED),
                subscribers::confirmed_at.eq(now),
            ))
            .execute(conn)?;
        }
        Ok(outcome)
    })
}

/// Stops all mail to the subscriber `id`, at once and for good: its state
/// is `unsubscribed` and every message still due to it is dropped.
/// Returns the address, or `None` for an unknown id.
pub fn unsubscribe(conn: &mut DbConn, id: i32, now: i64) -> QueryResult<Option<String>> {
    super::write(conn, |conn| {
        let Some(s) = find_by_id(conn, id)? else {
            return Ok(None);
        };
        if s.state != UNSUBSCRIBED {
            diesel::update(subscribers::table.find(id))
                .set((
                    subscribers::state.eq(UNSUBSCRIBED),
                    subscribers::unsubscribed_at.eq(now),
                ))
                .execute(conn)?;
        }
        outbox::drop_mail_to(conn, &s.email, "unsubscribed")?;
        Ok(Some(s.email))
    })
}

/// Forgets an address (a reader's erasure): its subscriber row and tokens;
/// messages still due to it are dropped. Returns whether it was known.
pub fn erase(conn: &mut DbConn, email: &str) -> QueryResult<bool> {
    super::write(conn, |conn| {
        diesel::delete(mail_tokens::table.filter(mail_tokens::email.eq(email))).execute(conn)?;
        outbox::drop_mail_to(conn, email, "reader erased")?;
        let gone = diesel::delete(subscribers::table.filter(subscribers::email.eq(email)))
            .execute(conn)?;
        Ok(gone > 0)
    })
}

/// The retention purge of addresses: those never confirmed, first seen
/// before `cutoff`. A confirmed address is the record of the reader's
/// consent and stays until they unsubscribe or are erased; an
/// unsubscribed one stays because it keeps the promise that the address
/// gets no mail again. Returns how many were removed.
pub fn purge(conn: &mut DbConn, cutoff: i64) -> QueryResult<usize> {
    super::write(conn, |conn| {
        let stale: Vec<String> = subscribers::table
            .filter(subscribers::state.eq(UNCONFIRMED))
            .filter(subscribers::created_at.lt(cutoff))
            .select(subscribers::email)
            .load(conn)?;
        diesel::delete(mail_tokens::table.filter(mail_tokens::email.eq_any(&stale)))
            .execute(conn)?;
        diesel::delete(subscribers::table.filter(subscribers::email.eq_any(&stale))).execute(conn)
    })
}

/// Removes tokens past their time (housekeeping).
pub fn purge_expired_tokens(conn: &mut DbConn, now: i64) -> QueryResult<usize> {
    diesel::delete(mail_tokens::table.filter(mail_tokens::expires_at.le(now))).execute(conn)
}
