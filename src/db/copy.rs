//! `colloquy copy-db --to postgres://…`: moves a SQLite installation into
//! an empty PostgreSQL database (API.md "More than one machine").
//!
//! The target is migrated, then every table is copied in one PostgreSQL
//! transaction that holds the write lock, parents before children, in
//! batches of rows with their ids kept. Each batch leaves SQLite as one
//! JSON array (`json_object` per row) and enters PostgreSQL as one
//! `INSERT … SELECT FROM json_populate_recordset`, so every column goes
//! through its own type's input (SQLite's `0`/`1` become booleans) and no
//! table needs code of its own. After the rows: the identity sequences
//! are moved past the highest id SQLite ever gave (its `sqlite_sequence`,
//! so an id freed by pruning is not handed out again), and the row count
//! of every table and the status totals are compared; any difference
//! rolls the whole copy back.
//!
//! PostgreSQL's triggers run as the rows go in, but for one: the
//! moderation log only refuses `UPDATE`, `DELETE` and `TRUNCATE`, so the
//! copy's inserts pass it with no exception made; the change
//! notifications tell any server already started on the empty database
//! to forget what it cached, at the commit. The status totals' insert
//! trigger is held off for the comments (see [`STATUS_TRIGGER`]) and the
//! totals counted once instead, then checked against SQLite's.

use super::conn::{DbConn, Location};
use super::pool::SQLITE_MIGRATIONS;
use anyhow::{Context, bail};
use diesel::connection::SimpleConnection;
use diesel::sql_types::{BigInt, Bool, Nullable, Text};
use diesel::{
    Connection, OptionalExtension, PgConnection, QueryableByName, RunQueryDsl, SqliteConnection,
};
use diesel_migrations::MigrationHarness;
use std::path::Path;

/// Every table that is copied, each after the tables its foreign keys
/// name (PostgreSQL checks them as each batch goes in).
pub const COPIED: &[&str] = &[
    "moderators",
    "posts",
    "comments",
    "moderation_log",
    "flags",
    "instance_secrets",
    "bans",
    "terms",
    "claims",
    "auto_closed_posts",
    "cache_invalidations",
    "subscribers",
    "mail_tokens",
    "outbox",
    "import_ids",
    "statements",
    "notices",
    "appeals",
    "job_runs",
];

/// Tables of the SQLite file that are deliberately not copied, and why.
pub const NOT_COPIED: &[(&str, &str)] = &[
    (
        "sessions",
        "not copied: moderators sign in again on the new database",
    ),
    (
        "status_totals",
        "counted again from the copied comments, compared with SQLite's",
    ),
];

/// The engines' own bookkeeping: diesel's list of applied migrations
/// (the target has its own). SQLite's own tables, all named `sqlite_…`
/// (AUTOINCREMENT's counters, read for the sequences; `ANALYZE`'s
/// statistics), are never copied either.
const BOOKKEEPING: &[&str] = &["__diesel_schema_migrations"];

/// The trigger that adds each inserted comment to `status_totals`. It
/// updates one row per comment, and within one transaction PostgreSQL
/// keeps every version of that row until the commit, so each update
/// walks a longer chain: measured on this machine with a table and a
/// trigger of the same shape, 50,000 inserts in one transaction took 36 s
/// and 100,000 took 365 s (an import's batches of 1,000 do not notice). The copy disables it inside its own
/// transaction (`ALTER TABLE`, undone by a rollback; it needs the
/// tables' owner, who migrated them) and sets the totals once.
const STATUS_TRIGGER: &str = "status_totals_insert";

/// Rows per batch: one statement each way.
const BATCH: i64 = 500;

/// What one table held on each side once the copy was made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Counted {
    /// The table.
    pub table: &'static str,
    /// Rows in the SQLite file.
    pub sqlite: i64,
    /// Rows in PostgreSQL after the copy (equal, or nothing was committed).
    pub postgres: i64,
}

/// The outcome of a copy, committed.
#[derive(Debug, Clone)]
pub struct Copied {
    /// Every copied table, in the order copied.
    pub tables: Vec<Counted>,
    /// The comment totals per status, as PostgreSQL holds them.
    pub totals: Vec<(String, i64)>,
}

/// How far the copy has gone, for a progress bar.
#[derive(Debug, Clone, Copy)]
pub struct Progress {
    /// The table being copied.
    pub table: &'static str,
    /// Its rows.
    pub rows: u64,
    /// Rows of every table copied so far.
    pub done: u64,
    /// Rows to copy in all.
    pub total: u64,
}

/// Copies the SQLite file `source` into the empty PostgreSQL database
/// `target`. Refuses a target that is not a `postgres://` URL, a source
/// that does not exist and a target that holds any row; on any error
/// nothing is committed (the target may be left migrated, and empty).
pub fn copy(
    source: &Path,
    target: &str,
    progress: &mut dyn FnMut(Progress),
) -> anyhow::Result<Copied> {
    let place = Location::of(Path::new(target));
    let Location::Postgres(url) = &place else {
        bail!(
            "--to {} is not a postgres:// URL: copy-db copies the SQLite database into PostgreSQL",
            crate::config::redact_password(target)
        );
    };
    if !source.is_file() {
        bail!(
            "there is no SQLite database at {} to copy (the `database` setting names the source)",
            source.display()
        );
    }
    let mut sqlite = open_source(source)?;
    let mut target_conn = DbConn::Postgres(
        PgConnection::establish(url).with_context(|| format!("connecting to {place}"))?,
    );
    {
        let DbConn::Postgres(pg) = &mut target_conn else {
            bail!("{place} did not open as PostgreSQL");
        };
        if let Some(table) = holding_rows(pg)? {
            bail!(
                "{place} is not empty (the table {table} holds rows): copy-db only fills an empty database"
            );
        }
    }
    super::migrate(&mut target_conn)?;
    let DbConn::Postgres(pg) = &mut target_conn else {
        bail!("{place} did not open as PostgreSQL");
    };
    pg.batch_execute("SET TIME ZONE 'UTC'")?;
    // One snapshot of the source for the whole copy.
    sqlite.batch_execute("BEGIN")?;
    let copied = check_tables(&mut sqlite).and_then(|()| {
        pg.transaction(|pg| {
            pg.batch_execute(&format!(
                "SELECT pg_advisory_xact_lock({})",
                super::WRITE_LOCK
            ))?;
            // Checked again under the lock: a server may have started on it.
            if let Some(table) = holding_rows(pg)? {
                bail!("{place} is not empty (the table {table} holds rows): nothing copied");
            }
            copy_all(&mut sqlite, pg, progress)
        })
    });
    let _ = sqlite.batch_execute("ROLLBACK");
    copied
}

fn open_source(path: &Path) -> anyhow::Result<SqliteConnection> {
    let name = path
        .to_str()
        .with_context(|| format!("the path {} is not UTF-8", path.display()))?;
    let mut conn =
        SqliteConnection::establish(name).with_context(|| format!("opening {}", path.display()))?;
    conn.batch_execute("PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON;")?;
    // Columns are matched by name: an older file is brought up to date
    // first, as every command does.
    conn.run_pending_migrations(SQLITE_MIGRATIONS)
        .map_err(|e| anyhow::anyhow!("applying migrations to {}: {e}", path.display()))?;
    Ok(conn)
}

#[derive(QueryableByName)]
struct Name {
    #[diesel(sql_type = Text)]
    name: String,
}

#[derive(QueryableByName)]
struct Yes {
    #[diesel(sql_type = Bool)]
    yes: bool,
}

#[derive(QueryableByName)]
struct Number {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

#[derive(QueryableByName)]
struct Batch {
    #[diesel(sql_type = BigInt)]
    n: i64,
    #[diesel(sql_type = Nullable<BigInt>)]
    last: Option<i64>,
    #[diesel(sql_type = Text)]
    rows: String,
}

#[derive(QueryableByName)]
struct Total {
    #[diesel(sql_type = Text)]
    status: String,
    #[diesel(sql_type = BigInt)]
    total: i64,
}

/// An identifier in double quotes (ours never hold one, but a name read
/// from a catalogue is quoted all the same).
fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// The first table of the target's schema that holds a row, if any. A
/// freshly migrated database counts as empty: its migrations list and its
/// status totals, all zero, are the migrations' own.
fn holding_rows(pg: &mut PgConnection) -> anyhow::Result<Option<String>> {
    let tables: Vec<Name> = diesel::sql_query(
        "SELECT table_name::text AS name FROM information_schema.tables
         WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'
         ORDER BY table_name",
    )
    .load(pg)
    .context("listing the target's tables")?;
    for Name { name } in tables {
        if name == "__diesel_schema_migrations" {
            continue;
        }
        let query = if name == "status_totals" {
            "SELECT EXISTS (SELECT 1 FROM status_totals WHERE total <> 0) AS yes".to_owned()
        } else {
            format!("SELECT EXISTS (SELECT 1 FROM {}) AS yes", quoted(&name))
        };
        let filled = diesel::sql_query(query).get_result::<Yes>(pg)?.yes;
        if filled {
            return Ok(Some(name));
        }
    }
    Ok(None)
}

/// Refuses a SQLite file with a table this command does not know (a
/// newer migration than the copy): better nothing than a partial move.
fn check_tables(sqlite: &mut SqliteConnection) -> anyhow::Result<()> {
    let tables: Vec<Name> =
        diesel::sql_query("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
            .load(sqlite)?;
    for Name { name } in tables {
        let known = COPIED.contains(&name.as_str())
            || NOT_COPIED.iter().any(|(t, _)| *t == name)
            || BOOKKEEPING.contains(&name.as_str())
            || name.starts_with("sqlite_");
        if !known {
            bail!("the SQLite table {name} is unknown to copy-db; nothing copied");
        }
    }
    Ok(())
}

fn sqlite_columns(sqlite: &mut SqliteConnection, table: &str) -> anyhow::Result<Vec<String>> {
    let names: Vec<Name> = diesel::sql_query("SELECT name FROM pragma_table_info(?) ORDER BY cid")
        .bind::<Text, _>(table)
        .load(sqlite)?;
    Ok(names.into_iter().map(|n| n.name).collect())
}

fn postgres_columns(pg: &mut PgConnection, table: &str) -> anyhow::Result<Vec<String>> {
    let names: Vec<Name> = diesel::sql_query(
        "SELECT column_name::text AS name FROM information_schema.columns
         WHERE table_schema = current_schema() AND table_name = $1
         ORDER BY ordinal_position",
    )
    .bind::<Text, _>(table)
    .load(pg)?;
    Ok(names.into_iter().map(|n| n.name).collect())
}

/// What goes into PostgreSQL for `column`: the value itself, except
/// - `comments.fragment`: SQLite's stored JSON, which PostgreSQL has no
///   trigger to keep (see the migration `thread_fragments`): left NULL,
///   so threads there are built from the rows;
/// - `comments.parent_id` when it names a later comment (an import may
///   link a reply to a parent it met after it): NULL at first and set
///   once every comment is in ([`late_parents`]).
fn value_of(table: &str, column: &str) -> String {
    match (table, column) {
        ("comments", "fragment") => "NULL".to_owned(),
        ("comments", "parent_id") => "CASE WHEN parent_id > id THEN NULL ELSE parent_id END".into(),
        _ => quoted(column),
    }
}

fn count_sqlite(sqlite: &mut SqliteConnection, table: &str) -> anyhow::Result<i64> {
    let query = format!("SELECT COUNT(*) AS n FROM {}", quoted(table));
    Ok(diesel::sql_query(query).get_result::<Number>(sqlite)?.n)
}

fn count_postgres(pg: &mut PgConnection, table: &str) -> anyhow::Result<i64> {
    let query = format!("SELECT COUNT(*) AS n FROM {}", quoted(table));
    Ok(diesel::sql_query(query).get_result::<Number>(pg)?.n)
}

fn copy_all(
    sqlite: &mut SqliteConnection,
    pg: &mut PgConnection,
    progress: &mut dyn FnMut(Progress),
) -> anyhow::Result<Copied> {
    let mut sizes = Vec::with_capacity(COPIED.len());
    for &table in COPIED {
        sizes.push(count_sqlite(sqlite, table)?);
    }
    let total = sizes.iter().map(|n| n.unsigned_abs()).sum();
    let mut done = 0;
    let mut tables = Vec::with_capacity(COPIED.len());
    for (&table, &rows) in COPIED.iter().zip(&sizes) {
        let size = rows.unsigned_abs();
        progress(Progress {
            table,
            rows: size,
            done,
            total,
        });
        let columns = sqlite_columns(sqlite, table)?;
        let mut theirs = postgres_columns(pg, table)?;
        let mut ours = columns.clone();
        ours.sort();
        theirs.sort();
        if ours != theirs {
            bail!(
                "the table {table} has the columns {ours:?} in SQLite but {theirs:?} in PostgreSQL; nothing copied"
            );
        }
        if table == "comments" {
            pg.batch_execute(&format!(
                "ALTER TABLE comments DISABLE TRIGGER {STATUS_TRIGGER}"
            ))
            .context("holding off the status totals' trigger (copy-db needs the tables' owner)")?;
        }
        copy_table(sqlite, pg, table, &columns, &mut |n| {
            done += n;
            progress(Progress {
                table,
                rows: size,
                done,
                total,
            });
        })
        .with_context(|| format!("copying the table {table}"))?;
        if table == "comments" {
            late_parents(sqlite, pg)?;
            pg.batch_execute(&format!(
                "UPDATE status_totals s
                 SET total = (SELECT COUNT(*) FROM comments c WHERE c.status = s.status);
                 ALTER TABLE comments ENABLE TRIGGER {STATUS_TRIGGER}"
            ))?;
        }
        move_sequence(sqlite, pg, table)?;
        let postgres = count_postgres(pg, table)?;
        if postgres != rows {
            bail!(
                "the table {table} has {rows} rows in SQLite but {postgres} in PostgreSQL after the copy; nothing copied"
            );
        }
        tables.push(Counted {
            table,
            sqlite: rows,
            postgres,
        });
    }
    let totals = compare_totals(sqlite, pg)?;
    Ok(Copied { tables, totals })
}

fn copy_table(
    sqlite: &mut SqliteConnection,
    pg: &mut PgConnection,
    table: &str,
    columns: &[String],
    copied: &mut dyn FnMut(u64),
) -> anyhow::Result<()> {
    let pairs: Vec<String> = columns
        .iter()
        .map(|c| format!("'{}', {}", c.replace('\'', "''"), value_of(table, c)))
        .collect();
    let read = format!(
        "SELECT COUNT(*) AS n, MAX(copy_key) AS last,
                json_group_array(json_object({})) AS rows
         FROM (SELECT rowid AS copy_key, * FROM {} WHERE rowid > ? ORDER BY rowid LIMIT ?)",
        pairs.join(", "),
        quoted(table)
    );
    let list: Vec<String> = columns.iter().map(|c| quoted(c)).collect();
    let list = list.join(", ");
    let write = format!(
        "INSERT INTO {t} ({list}) SELECT {list} FROM json_populate_recordset(NULL::{t}, $1::json)",
        t = quoted(table)
    );
    let mut after = i64::MIN;
    loop {
        let batch: Batch = diesel::sql_query(&read)
            .bind::<BigInt, _>(after)
            .bind::<BigInt, _>(BATCH)
            .get_result(sqlite)?;
        let Some(last) = batch.last else { break };
        let inserted = diesel::sql_query(&write)
            .bind::<Text, _>(&batch.rows)
            .execute(pg)?;
        if i64::try_from(inserted).ok() != Some(batch.n) {
            bail!("{} rows read but {inserted} inserted", batch.n);
        }
        copied(batch.n.unsigned_abs());
        after = last;
    }
    Ok(())
}

/// Links the replies whose parent came after them (see [`value_of`]).
fn late_parents(sqlite: &mut SqliteConnection, pg: &mut PgConnection) -> anyhow::Result<()> {
    #[derive(QueryableByName)]
    struct Links {
        #[diesel(sql_type = Text)]
        links: String,
    }
    let Links { links } = diesel::sql_query(
        "SELECT json_group_array(json_object('id', id, 'parent_id', parent_id)) AS links
         FROM comments WHERE parent_id > id",
    )
    .get_result(sqlite)?;
    diesel::sql_query(
        "UPDATE comments SET parent_id = l.parent_id
         FROM json_to_recordset($1::json) AS l (id integer, parent_id integer)
         WHERE comments.id = l.id",
    )
    .bind::<Text, _>(links)
    .execute(pg)
    .context("linking replies to later parents")?;
    Ok(())
}

/// Moves `table`'s identity sequence, if it has one, past the highest id
/// SQLite handed out: the largest id present, or AUTOINCREMENT's counter
/// when rows with higher ids were deleted since.
fn move_sequence(
    sqlite: &mut SqliteConnection,
    pg: &mut PgConnection,
    table: &str,
) -> anyhow::Result<()> {
    let identity: Vec<Name> = diesel::sql_query(
        "SELECT column_name::text AS name FROM information_schema.columns
         WHERE table_schema = current_schema() AND table_name = $1 AND is_identity = 'YES'",
    )
    .bind::<Text, _>(table)
    .load(pg)?;
    for Name { name: column } in identity {
        let highest = format!(
            "SELECT COALESCE(MAX({}), 0)::bigint AS n FROM {}",
            quoted(&column),
            quoted(table)
        );
        let present = diesel::sql_query(highest).get_result::<Number>(pg)?.n;
        let counted: Option<Number> =
            diesel::sql_query("SELECT seq AS n FROM sqlite_sequence WHERE name = ?")
                .bind::<Text, _>(table)
                .get_result(sqlite)
                .optional()?;
        let last = present.max(counted.map_or(0, |c| c.n));
        if last > 0 {
            diesel::sql_query("SELECT setval(pg_get_serial_sequence($1, $2), $3) AS n")
                .bind::<Text, _>(quoted(table))
                .bind::<Text, _>(&column)
                .bind::<BigInt, _>(last)
                .get_result::<Number>(pg)
                .with_context(|| format!("moving the sequence of {table}.{column}"))?;
        }
    }
    Ok(())
}

/// The status totals PostgreSQL counted must be SQLite's, and the
/// comments' own count.
fn compare_totals(
    sqlite: &mut SqliteConnection,
    pg: &mut PgConnection,
) -> anyhow::Result<Vec<(String, i64)>> {
    let read = "SELECT status, total FROM status_totals ORDER BY status";
    let theirs: Vec<Total> = diesel::sql_query(read).load(pg)?;
    let ours: Vec<Total> = diesel::sql_query(read).load(sqlite)?;
    let counted: Vec<Total> = diesel::sql_query(
        "SELECT s.status, COUNT(c.id)::bigint AS total FROM status_totals s
         LEFT JOIN comments c ON c.status = s.status GROUP BY s.status ORDER BY s.status",
    )
    .load(pg)?;
    let pairs = |v: Vec<Total>| -> Vec<(String, i64)> {
        v.into_iter()
            .filter(|t| t.total != 0)
            .map(|t| (t.status, t.total))
            .collect()
    };
    let (theirs, ours, counted) = (pairs(theirs), pairs(ours), pairs(counted));
    if theirs != ours || theirs != counted {
        bail!(
            "the status totals differ: SQLite {ours:?}, PostgreSQL {theirs:?}, comments counted {counted:?}; nothing copied"
        );
    }
    Ok(theirs)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn every_table_of_a_new_sqlite_file_is_copied_or_left_for_a_reason() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.db");
        let mut conn = open_source(&path).unwrap();
        check_tables(&mut conn).unwrap();
        let tables: Vec<Name> =
            diesel::sql_query("SELECT name FROM sqlite_master WHERE type = 'table'")
                .load(&mut conn)
                .unwrap();
        for &table in COPIED {
            assert!(tables.iter().any(|t| t.name == table), "{table}");
        }
        // SQLite's statistics are its own business.
        conn.batch_execute("ANALYZE").unwrap();
        check_tables(&mut conn).unwrap();
        conn.batch_execute("CREATE TABLE newer (id INTEGER PRIMARY KEY)")
            .unwrap();
        let refused = check_tables(&mut conn).unwrap_err().to_string();
        assert!(refused.contains("newer"), "{refused}");
    }

    #[test]
    fn a_target_that_is_not_postgres_is_refused_before_anything_opens() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.db");
        let other = dir.path().join("other.db");
        let refused = copy(&path, other.to_str().unwrap(), &mut |_| {})
            .unwrap_err()
            .to_string();
        assert!(refused.contains("not a postgres:// URL"), "{refused}");
        assert!(!path.exists() && !other.exists());
        let refused = copy(&path, "postgres://u:hunter2@127.0.0.1:1/x", &mut |_| {})
            .unwrap_err()
            .to_string();
        assert!(refused.contains("no SQLite database"), "{refused}");
    }
}
