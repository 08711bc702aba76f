//! The outbox: every message and webhook delivery, written in the
//! transaction of the event that causes it, then taken by exactly one
//! sender (a lease), marked sent, or tried again later.

use super::DbConn;
use super::schema::outbox;
use crate::domain::comment::CommentId;
use crate::domain::outbox::{Channel, State, after_failure};
use diesel::prelude::*;

/// An item as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = outbox, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct Item {
    /// Row id.
    pub id: i32,
    /// `mail` or `webhook`.
    pub channel: String,
    /// The message's kind (`approved`, …) or the webhook's event.
    pub kind: String,
    /// The event and the recipient: one delivery per pair, ever.
    pub dedupe_key: String,
    /// An e-mail address, or the webhook's URL.
    pub recipient: String,
    /// The comment it is about.
    pub comment_id: Option<i32>,
    /// What the sender needs besides the database (JSON).
    pub payload: String,
    /// `due`, `sent`, `failed` or `dropped`.
    pub state: String,
    /// Tries so far.
    pub attempts: i32,
    /// Not before this time.
    pub next_attempt_at: i64,
    /// The last try's error.
    pub last_error: Option<String>,
    /// When the event happened.
    pub created_at: i64,
    /// When the relay or receiver took it.
    pub sent_at: Option<i64>,
    /// A sender holds it until then.
    pub lease_until: Option<i64>,
    /// Which sender.
    pub lease_owner: Option<String>,
}

/// A delivery to queue.
#[derive(Debug, Clone)]
pub struct NewItem<'a> {
    /// How it travels.
    pub channel: Channel,
    /// The message's kind or the webhook's event.
    pub kind: &'a str,
    /// The event and the recipient.
    pub dedupe_key: String,
    /// Address or URL.
    pub recipient: &'a str,
    /// The comment it is about.
    pub comment_id: Option<CommentId>,
    /// JSON the sender needs.
    pub payload: String,
    /// Now.
    pub now: i64,
}

/// Queues `item` unless its dedupe key is queued already; true when it
/// was added. Call inside the event's own transaction.
pub fn enqueue(conn: &mut DbConn, item: &NewItem<'_>) -> QueryResult<bool> {
    let added = super::conn::on_backend!(conn, c => diesel::insert_into(outbox::table)
        .values((
            outbox::channel.eq(item.channel.as_str()),
            outbox::kind.eq(item.kind),
            outbox::dedupe_key.eq(&item.dedupe_key),
            outbox::recipient.eq(item.recipient),
            outbox::comment_id.eq(item.comment_id.map(|c| c.0)),
            outbox::payload.eq(&item.payload),
            outbox::state.eq(State::Due.as_str()),
            outbox::next_attempt_at.eq(item.now),
            outbox::created_at.eq(item.now),
        ))
        .on_conflict(outbox::dedupe_key)
        .do_nothing()
        .execute(c))?;
    Ok(added == 1)
}

/// Queues every item of `items` whose dedupe key is not queued already,
/// in one statement (a writer batch's deliveries); returns how many were
/// added. Call inside the events' own transaction.
pub fn enqueue_many(conn: &mut DbConn, items: &[NewItem<'_>]) -> QueryResult<usize> {
    if items.is_empty() {
        return Ok(0);
    }
    let rows: Vec<_> = items
        .iter()
        .map(|item| {
            (
                outbox::channel.eq(item.channel.as_str()),
                outbox::kind.eq(item.kind),
                outbox::dedupe_key.eq(&item.dedupe_key),
                outbox::recipient.eq(item.recipient),
                outbox::comment_id.eq(item.comment_id.map(|c| c.0)),
                outbox::payload.eq(&item.payload),
                outbox::state.eq(State::Due.as_str()),
                outbox::next_attempt_at.eq(item.now),
                outbox::created_at.eq(item.now),
            )
        })
        .collect();
    super::conn::on_backend!(conn, c => diesel::insert_into(outbox::table)
        .values(rows)
        .on_conflict(outbox::dedupe_key)
        .do_nothing()
        .execute(c))
}

/// Takes up to `limit` due items of `channels` for `owner` until
/// `now + lease_secs`: items no other sender holds. With several processes
/// on one database each item goes to exactly one of them. SQLite: one
/// write transaction decides. PostgreSQL: the rows are
/// locked `FOR UPDATE SKIP LOCKED` in a transaction of its own, so that senders of several instances
/// take disjoint items side by side without the write lock (a row another
/// sender is taking is skipped, and one taken meanwhile no longer matches
/// once its lock is granted). Oldest due first.
pub fn claim_due(
    conn: &mut DbConn,
    channels: &[&str],
    owner: &str,
    now: i64,
    lease_secs: i64,
    limit: i64,
) -> QueryResult<Vec<Item>> {
    // The order of the `outbox_due` index: the oldest due first, found
    // without sorting however many wait.
    let due = outbox::table
        .filter(outbox::state.eq(State::Due.as_str()))
        .filter(outbox::channel.eq_any(channels))
        .filter(outbox::next_attempt_at.le(now))
        .filter(
            outbox::lease_until
                .is_null()
                .or(outbox::lease_until.lt(now)),
        )
        .order((outbox::next_attempt_at, outbox::id))
        .limit(limit)
        .select(outbox::id);
    let lease = (
        outbox::lease_owner.eq(owner),
        outbox::lease_until.eq(now + lease_secs),
    );
    let mut taken = match conn {
        DbConn::Postgres(c) => c.transaction(|c| {
            let ids: Vec<i32> = due.for_update().skip_locked().load(c)?;
            if ids.is_empty() {
                return Ok(Vec::new());
            }
            diesel::update(outbox::table.filter(outbox::id.eq_any(&ids)))
                .set(lease)
                .returning(Item::as_returning())
                .get_results(c)
        })?,
        DbConn::Sqlite(_) => super::write(conn, |conn| {
            let ids: Vec<i32> = due.load(conn)?;
            if ids.is_empty() {
                return Ok(Vec::new());
            }
            super::conn::on_backend!(conn, c => diesel::update(outbox::table.filter(outbox::id.eq_any(&ids)))
                .set(lease)
                .returning(Item::as_returning())
                .get_results(c))
        })?,
    };
    taken.sort_by_key(|item| (item.next_attempt_at, item.id));
    Ok(taken)
}

/// The next time an item falls due (for the sender's sleep), if any.
pub fn next_due_at(conn: &mut DbConn) -> QueryResult<Option<i64>> {
    outbox::table
        .filter(outbox::state.eq(State::Due.as_str()))
        .select(diesel::dsl::min(outbox::next_attempt_at))
        .first(conn)
}

/// Marks an item sent (by its lease holder); its payload, no longer
/// needed, is cleared (a confirmation link's token leaves the database).
pub fn mark_sent(conn: &mut DbConn, id: i32, owner: &str, now: i64) -> QueryResult<bool> {
    let changed = diesel::update(
        outbox::table
            .filter(outbox::id.eq(id))
            .filter(outbox::lease_owner.eq(owner)),
    )
    .set((
        outbox::state.eq(State::Sent.as_str()),
        outbox::sent_at.eq(now),
        outbox::attempts.eq(outbox::attempts + 1),
        outbox::payload.eq("{}"),
        outbox::last_error.eq(None::<String>),
        outbox::lease_owner.eq(None::<String>),
        outbox::lease_until.eq(None::<i64>),
    ))
    .execute(conn)?;
    Ok(changed == 1)
}

/// Records a failed try: due again after the back-off, or failed for good
/// after the last attempt. Returns the state it is left in. Joins the
/// caller's transaction when there is one (the sender writes a batch's
/// failures together).
pub fn mark_failed(
    conn: &mut DbConn,
    id: i32,
    owner: &str,
    error: &str,
    now: i64,
) -> QueryResult<State> {
    super::within(conn, |conn| {
        let attempts: i32 = outbox::table
            .find(id)
            .select(outbox::attempts)
            .first::<i32>(conn)?
            + 1;
        let (state, next) = match after_failure(attempts, now) {
            Some(at) => (State::Due, at),
            None => (State::Failed, now),
        };
        let error: String = error.chars().take(500).collect();
        diesel::update(
            outbox::table
                .filter(outbox::id.eq(id))
                .filter(outbox::lease_owner.eq(owner)),
        )
        .set((
            outbox::state.eq(state.as_str()),
            outbox::attempts.eq(attempts),
            outbox::next_attempt_at.eq(next),
            outbox::last_error.eq(error),
            outbox::lease_owner.eq(None::<String>),
            outbox::lease_until.eq(None::<i64>),
        ))
        .execute(conn)?;
        Ok(state)
    })
}

/// Drops an item that can no longer be sent (its comment or address is
/// gone), with why.
pub fn mark_dropped(conn: &mut DbConn, id: i32, why: &str) -> QueryResult<bool> {
    let changed = diesel::update(outbox::table.find(id))
        .set((
            outbox::state.eq(State::Dropped.as_str()),
            outbox::last_error.eq(why),
            outbox::payload.eq("{}"),
            outbox::lease_owner.eq(None::<String>),
            outbox::lease_until.eq(None::<i64>),
        ))
        .execute(conn)?;
    Ok(changed == 1)
}

/// One item by id.
pub fn get(conn: &mut DbConn, id: i32) -> QueryResult<Option<Item>> {
    outbox::table
        .find(id)
        .select(Item::as_select())
        .first(conn)
        .optional()
}

/// Items in `state`, newest first, for admins.
pub fn list(conn: &mut DbConn, state: State, limit: i64) -> QueryResult<Vec<Item>> {
    outbox::table
        .filter(outbox::state.eq(state.as_str()))
        .order(outbox::id.desc())
        .limit(limit)
        .select(Item::as_select())
        .load(conn)
}

/// How many items are in each state.
pub fn counts(conn: &mut DbConn) -> QueryResult<Vec<(String, i64)>> {
    outbox::table
        .group_by(outbox::state)
        .select((outbox::state, diesel::dsl::count_star()))
        .load(conn)
}

/// An admin's retry of a failed item: due now, with its tries counted
/// afresh. False unless it was failed.
pub fn retry(conn: &mut DbConn, id: i32, now: i64) -> QueryResult<bool> {
    let changed = diesel::update(
        outbox::table
            .filter(outbox::id.eq(id))
            .filter(outbox::state.eq(State::Failed.as_str())),
    )
    .set((
        outbox::state.eq(State::Due.as_str()),
        outbox::attempts.eq(0),
        outbox::next_attempt_at.eq(now),
    ))
    .execute(conn)?;
    Ok(changed == 1)
}

/// An admin's drop of a failed item. False unless it was failed.
pub fn drop_failed(conn: &mut DbConn, id: i32) -> QueryResult<bool> {
    let changed = diesel::update(
        outbox::table
            .filter(outbox::id.eq(id))
            .filter(outbox::state.eq(State::Failed.as_str())),
    )
    .set((
        outbox::state.eq(State::Dropped.as_str()),
        outbox::payload.eq("{}"),
    ))
    .execute(conn)?;
    Ok(changed == 1)
}

/// Drops every message still due to `address` (it unsubscribed, or its
/// reader was erased); returns how many.
pub fn drop_mail_to(conn: &mut DbConn, address: &str, why: &str) -> QueryResult<usize> {
    diesel::update(
        outbox::table
            .filter(outbox::channel.eq(Channel::Mail.as_str()))
            .filter(outbox::recipient.eq(address))
            .filter(outbox::state.eq_any([State::Due.as_str(), State::Failed.as_str()])),
    )
    .set((
        outbox::state.eq(State::Dropped.as_str()),
        outbox::last_error.eq(why),
        outbox::payload.eq("{}"),
    ))
    .execute(conn)
}

/// When the last item of `kind` to `recipient` was queued.
pub fn last_queued(conn: &mut DbConn, kind: &str, recipient: &str) -> QueryResult<Option<i64>> {
    outbox::table
        .filter(outbox::kind.eq(kind))
        .filter(outbox::recipient.eq(recipient))
        .select(diesel::dsl::max(outbox::created_at))
        .first(conn)
}

/// Forgets items sent or dropped before `cutoff` (the retention: their
/// recipient is an address); failed ones wait for an admin. Returns how
/// many.
pub fn purge_done(conn: &mut DbConn, cutoff: i64) -> QueryResult<usize> {
    diesel::delete(
        outbox::table
            .filter(outbox::state.eq_any([State::Sent.as_str(), State::Dropped.as_str()]))
            .filter(outbox::created_at.lt(cutoff)),
    )
    .execute(conn)
}

/// Drops every delivery still due or failed about one of `comments` (their
/// reader was erased: a webhook payload holds the name and the text).
pub fn drop_about(conn: &mut DbConn, comments: &[CommentId]) -> QueryResult<usize> {
    let ids: Vec<i32> = comments.iter().map(|c| c.0).collect();
    diesel::update(
        outbox::table
            .filter(outbox::comment_id.eq_any(ids))
            .filter(outbox::state.eq_any([State::Due.as_str(), State::Failed.as_str()])),
    )
    .set((
        outbox::state.eq(State::Dropped.as_str()),
        outbox::last_error.eq("reader erased"),
        outbox::payload.eq("{}"),
    ))
    .execute(conn)
}

/// How many messages on record were sent to `address`.
pub fn sent_to(conn: &mut DbConn, address: &str) -> QueryResult<i64> {
    outbox::table
        .filter(outbox::channel.eq(Channel::Mail.as_str()))
        .filter(outbox::recipient.eq(address))
        .filter(outbox::state.eq(State::Sent.as_str()))
        .count()
        .get_result(conn)
}

/// Whether anything was ever queued under `dedupe_key`.
pub fn exists(conn: &mut DbConn, dedupe_key: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        outbox::table.filter(outbox::dedupe_key.eq(dedupe_key)),
    ))
    .get_result(conn)
}
