//! What imports remember: which of our posts and comments each id of an
//! imported file became (`import_ids`), so that a second run adds nothing
//! and an interrupted one can be run again; and the final linking of
//! replies to their parents through that table.

use super::DbConn;
use super::schema::{comments, import_ids};
use diesel::prelude::*;
use diesel::sql_types::Text;

/// What a remembered source id names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdKind {
    /// A post (a thread, an item).
    Post,
    /// A reader's comment.
    Comment,
    /// An official reply.
    Reply,
}

impl IdKind {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Post => "post",
            Self::Comment => "comment",
            Self::Reply => "reply",
        }
    }
}

/// Our id for a source's id, if that id was imported before. Comments
/// and replies share one namespace: either kind is found by `Comment`.
pub fn known(
    conn: &mut DbConn,
    source: &str,
    kind: IdKind,
    source_id: &str,
) -> QueryResult<Option<i32>> {
    let kinds: &[&str] = match kind {
        IdKind::Post => &["post"],
        IdKind::Comment | IdKind::Reply => &["comment", "reply"],
    };
    import_ids::table
        .filter(import_ids::source.eq(source))
        .filter(import_ids::kind.eq_any(kinds))
        .filter(import_ids::source_id.eq(source_id))
        .select(import_ids::our_id)
        .first(conn)
        .optional()
}

/// Remembers that `source_id` became `our_id`; `parent_source_id` is the
/// source's id of the comment it answers, linked by [`link_parents`].
pub fn remember(
    conn: &mut DbConn,
    (source, kind, source_id): (&str, IdKind, &str),
    our_id: i32,
    parent_source_id: Option<&str>,
    now: i64,
) -> QueryResult<()> {
    super::conn::on_backend!(conn, c => diesel::insert_into(import_ids::table)
        .values((
            import_ids::source.eq(source),
            import_ids::kind.eq(kind.as_str()),
            import_ids::source_id.eq(source_id),
            import_ids::our_id.eq(our_id),
            import_ids::parent_source_id.eq(parent_source_id),
            import_ids::imported_at.eq(now),
        ))
        .on_conflict((import_ids::source, import_ids::kind, import_ids::source_id))
        .do_update()
        .set((
            import_ids::our_id.eq(our_id),
            import_ids::imported_at.eq(now),
        ))
        .execute(c))
    .map(|_| ())
}

/// Forgets a post's id whose post no longer exists (deleted since an
/// earlier run), so that the post is found or created again.
pub fn forget_post(conn: &mut DbConn, source: &str, source_id: &str) -> QueryResult<()> {
    diesel::delete(
        import_ids::table
            .filter(import_ids::source.eq(source))
            .filter(import_ids::kind.eq("post"))
            .filter(import_ids::source_id.eq(source_id)),
    )
    .execute(conn)
    .map(|_| ())
}

/// Links every comment of `source` that has no parent yet to the parent
/// the file named, through the id table; returns how many were linked.
/// A parent that was not imported leaves the comment at the top level.
pub fn link_parents(conn: &mut DbConn, source: &str) -> QueryResult<usize> {
    // The same statement on both backends but for the placeholder's spelling.
    let placeholder = match conn.backend() {
        super::Backend::Sqlite => "?1",
        super::Backend::Postgres => "$1",
    };
    let statement = LINK_PARENTS.replace("{source}", placeholder);
    diesel::sql_query(statement)
        .bind::<Text, _>(source)
        .execute(conn)
}

/// Sets each unlinked comment's parent from the id table; `{source}`
/// stands for the bound source name.
const LINK_PARENTS: &str = "UPDATE comments SET parent_id = ( \
             SELECT parent.our_id FROM import_ids AS child \
             JOIN import_ids AS parent ON parent.source = child.source \
              AND parent.kind IN ('comment', 'reply') \
              AND parent.source_id = child.parent_source_id \
             WHERE child.source = {source} AND child.kind IN ('comment', 'reply') \
              AND child.parent_source_id IS NOT NULL AND child.our_id = comments.id) \
         WHERE parent_id IS NULL AND id IN ( \
             SELECT child.our_id FROM import_ids AS child \
             JOIN import_ids AS parent ON parent.source = child.source \
              AND parent.kind IN ('comment', 'reply') \
              AND parent.source_id = child.parent_source_id \
             WHERE child.source = {source} AND child.kind IN ('comment', 'reply') \
              AND child.parent_source_id IS NOT NULL)";

/// How many comments of `source` are stored (for tests and summaries).
pub fn imported_comments(conn: &mut DbConn, source: &str) -> QueryResult<i64> {
    import_ids::table
        .inner_join(comments::table.on(comments::id.eq(import_ids::our_id)))
        .filter(import_ids::source.eq(source))
        .filter(import_ids::kind.eq_any(["comment", "reply"]))
        .count()
        .get_result(conn)
}

/// Posts after the id `after`, by id, for the export.
pub fn posts_page(
    conn: &mut DbConn,
    after: i32,
    limit: i64,
) -> QueryResult<Vec<super::posts::Post>> {
    use super::schema::posts;
    posts::table
        .filter(posts::id.gt(after))
        .order(posts::id.asc())
        .limit(limit)
        .select(super::posts::Post::as_select())
        .load(conn)
}

/// Comments and official replies (every status) after the id `after`,
/// by id, for the export.
pub fn comments_page(
    conn: &mut DbConn,
    after: i32,
    limit: i64,
) -> QueryResult<Vec<super::comments::Comment>> {
    comments::table
        .filter(comments::id.gt(after))
        .order(comments::id.asc())
        .limit(limit)
        .select(super::comments::Comment::as_select())
        .load(conn)
}

/// Every ban, by id, for the export.
pub fn all_bans(conn: &mut DbConn) -> QueryResult<Vec<super::bans::Ban>> {
    use super::schema::bans;
    bans::table
        .order(bans::id.asc())
        .select(super::bans::Ban::as_select())
        .load(conn)
}

/// Every banned or suspect term, by id, for the export.
pub fn all_terms(conn: &mut DbConn) -> QueryResult<Vec<super::terms::TermRow>> {
    use super::schema::terms;
    terms::table
        .order(terms::id.asc())
        .select(super::terms::TermRow::as_select())
        .load(conn)
}

/// Adds a ban unless one on the same sender exists; whether it was added.
pub fn add_ban(
    conn: &mut DbConn,
    kind: crate::domain::moderation::BanKind,
    (value, note): (&str, &str),
    created_at: i64,
    expires_at: Option<i64>,
) -> QueryResult<bool> {
    use super::schema::bans;
    super::conn::on_backend!(conn, c => diesel::insert_into(bans::table)
        .values((
            bans::kind.eq(kind),
            bans::value.eq(value),
            bans::note.eq(note),
            bans::created_at.eq(created_at),
            bans::expires_at.eq(expires_at),
        ))
        .on_conflict_do_nothing()
        .execute(c))
    .map(|n| n > 0)
}

/// Adds a term unless the same one exists; whether it was added.
pub fn add_term(
    conn: &mut DbConn,
    term: &crate::domain::terms::Term,
    kind: crate::domain::terms::TermKind,
    created_at: i64,
) -> QueryResult<bool> {
    use super::schema::terms;
    super::conn::on_backend!(conn, c => diesel::insert_into(terms::table)
        .values((
            terms::term.eq(&term.text),
            terms::folded.eq(term.key()),
            terms::kind.eq(kind),
            terms::reason.eq(&term.reason),
            terms::created_at.eq(created_at),
        ))
        .on_conflict_do_nothing()
        .execute(c))
    .map(|n| n > 0)
}

/// The password hash of an imported account: no password matches it, so
/// the account signs in only after `colloquy moderator reset-password`.
pub const NO_PASSWORD: &str = "!imported: set a password with colloquy moderator reset-password";

/// Adds an account (without a usable password) unless its user name is
/// taken; whether it was added.
pub fn add_account(
    conn: &mut DbConn,
    (username, display_name): (&str, &str),
    role: crate::domain::moderation::Role,
    disabled: bool,
    email: Option<&str>,
    created_at: i64,
) -> QueryResult<bool> {
    use super::schema::moderators;
    super::conn::on_backend!(conn, c => diesel::insert_into(moderators::table)
        .values((
            moderators::username.eq(username),
            moderators::display_name.eq(display_name),
            moderators::role.eq(role.as_str()),
            moderators::password_hash.eq(NO_PASSWORD),
            moderators::disabled.eq(disabled),
            moderators::email.eq(email),
            moderators::created_at.eq(created_at),
        ))
        .on_conflict_do_nothing()
        .execute(c))
    .map(|n| n > 0)
}
