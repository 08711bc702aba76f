//! Online backups and offline restores of the SQLite file.
//!
//! A backup is `VACUUM INTO` a new file from a connection to the live
//! database: one read transaction, so the copy is the database as of one
//! commit, while the server goes on reading and writing (WAL lets the
//! writer continue past a reader). The copy is checked with
//! `PRAGMA integrity_check` before it takes its final name.
//!
//! A restore needs the server stopped: `serve` holds a shared lock on
//! `DATABASE.lock` for as long as it runs, and `restore` takes that lock
//! exclusively (so it refuses while a server runs, and a server refuses to
//! start while a restore runs).

use anyhow::{Context, bail};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::Text;
use nix::fcntl::{Flock, FlockArg};
use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};

/// What a backup or restore copied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Copied {
    /// The file written.
    pub path: PathBuf,
    /// Its size in bytes.
    pub bytes: u64,
    /// Comments (and official replies) in it.
    pub comments: i64,
    /// Posts in it.
    pub posts: i64,
}

/// A lock on `DATABASE.lock` held for as long as the value lives.
#[derive(Debug)]
pub struct DatabaseLock {
    _lock: Flock<File>,
}

/// The lock file that `serve` and `restore` agree on.
pub fn lock_path(database: &Path) -> PathBuf {
    suffixed(database, ".lock")
}

/// `path` with `suffix` added to its file name (`a.db` → `a.db.lock`).
fn suffixed(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

fn lock(database: &Path, how: FlockArg) -> std::io::Result<Option<DatabaseLock>> {
    if let Some(parent) = database.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)?;
    }
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(lock_path(database))?;
    match Flock::lock(file, how) {
        Ok(lock) => Ok(Some(DatabaseLock { _lock: lock })),
        Err((_, nix::errno::Errno::EWOULDBLOCK)) => Ok(None),
        Err((_, errno)) => Err(std::io::Error::from(errno)),
    }
}

/// Marks the database as served (a shared lock: several servers may share
/// a file, a restore may not run under them). Fails while a restore runs.
pub fn lock_for_serving(database: &Path) -> anyhow::Result<DatabaseLock> {
    lock(database, FlockArg::LockSharedNonblock)
        .with_context(|| format!("locking {}", lock_path(database).display()))?
        .with_context(|| {
            format!(
                "{} is being restored; start the server when `colloquy restore` has finished",
                database.display()
            )
        })
}

/// Takes the database for a restore; fails while any server uses it.
pub fn lock_exclusively(database: &Path) -> anyhow::Result<DatabaseLock> {
    lock(database, FlockArg::LockExclusiveNonblock)
        .with_context(|| format!("locking {}", lock_path(database).display()))?
        .with_context(|| {
            format!(
                "{} is in use by a running `colloquy serve`; stop the server first",
                database.display()
            )
        })
}

fn open(path: &Path) -> anyhow::Result<SqliteConnection> {
    let url = path
        .to_str()
        .with_context(|| format!("the path {} is not UTF-8", path.display()))?;
    let mut conn =
        SqliteConnection::establish(url).with_context(|| format!("opening {}", path.display()))?;
    conn.batch_execute("PRAGMA busy_timeout = 5000;")?;
    Ok(conn)
}

#[derive(QueryableByName)]
struct One {
    #[diesel(sql_type = Text)]
    integrity_check: String,
}

/// Runs `PRAGMA integrity_check` and returns its complaints (none: `ok`).
pub fn integrity_problems(conn: &mut SqliteConnection) -> anyhow::Result<Vec<String>> {
    let rows: Vec<One> = diesel::sql_query("PRAGMA integrity_check").load(conn)?;
    Ok(rows
        .into_iter()
        .map(|r| r.integrity_check)
        .filter(|line| line != "ok")
        .collect())
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

fn count(conn: &mut SqliteConnection, table: &str) -> anyhow::Result<i64> {
    let row: Count = diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {table}"))
        .get_result(conn)
        .with_context(|| format!("counting {table}: is this a Colloquy database?"))?;
    Ok(row.n)
}

/// Checks a database file: it passes `integrity_check` and has Colloquy's
/// tables. Returns its comments and posts.
fn check(path: &Path) -> anyhow::Result<(i64, i64)> {
    let mut conn = open(path)?;
    let problems = integrity_problems(&mut conn)?;
    if !problems.is_empty() {
        bail!(
            "{} fails PRAGMA integrity_check: {}",
            path.display(),
            problems.join("; ")
        );
    }
    count(&mut conn, "__diesel_schema_migrations")?;
    Ok((count(&mut conn, "comments")?, count(&mut conn, "posts")?))
}

fn sync_dir(path: &Path) {
    // Makes a rename durable; not every file system allows opening a folder.
    let dir = match path.parent().filter(|p| !p.as_os_str().is_empty()) {
        Some(parent) => parent.to_path_buf(),
        None => PathBuf::from("."),
    };
    if let Ok(dir) = File::open(dir) {
        let _ = dir.sync_all();
    }
}

fn remove_if_there(path: &Path) -> anyhow::Result<()> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e).with_context(|| format!("removing {}", path.display())),
    }
}

/// Copies the live database at `database` into the new file `target`,
/// consistently, while a server may be using it. An existing `target` is
/// refused unless `force`.
pub fn backup(database: &Path, target: &Path, force: bool) -> anyhow::Result<Copied> {
    if !database.exists() {
        bail!("there is no database at {}", database.display());
    }
    if target.exists() && !force {
        bail!(
            "{} already exists; choose another name or pass --force to replace it",
            target.display()
        );
    }
    let partial = suffixed(target, &format!(".partial-{}", std::process::id()));
    remove_if_there(&partial)?;
    let written = (|| {
        let mut conn = open(database)?;
        let into = partial
            .to_str()
            .with_context(|| format!("the path {} is not UTF-8", partial.display()))?;
        diesel::sql_query("VACUUM INTO ?")
            .bind::<Text, _>(into)
            .execute(&mut conn)
            .with_context(|| format!("copying {} into {}", database.display(), into))?;
        drop(conn);
        let (comments, posts) = check(&partial)?;
        File::open(&partial)?.sync_all()?;
        anyhow::Ok((comments, posts))
    })();
    let (comments, posts) = match written {
        Ok(counts) => counts,
        Err(error) => {
            let _ = std::fs::remove_file(&partial);
            return Err(error);
        }
    };
    if target.exists() && !force {
        let _ = std::fs::remove_file(&partial);
        bail!("{} appeared while the backup ran", target.display());
    }
    std::fs::rename(&partial, target)
        .with_context(|| format!("moving the backup to {}", target.display()))?;
    sync_dir(target);
    Ok(Copied {
        path: target.to_path_buf(),
        bytes: std::fs::metadata(target)?.len(),
        comments,
        posts,
    })
}

/// Where `restore` keeps the database it replaces.
pub fn before_restore_path(database: &Path) -> PathBuf {
    suffixed(database, ".before-restore")
}

/// Replaces the database at `database` with the backup `source`, which
/// must pass `integrity_check`. No server may be running on `database`.
/// The replaced database is kept as `DATABASE.before-restore` (refused if
/// that file exists already).
pub fn restore(source: &Path, database: &Path) -> anyhow::Result<Copied> {
    if !source.exists() {
        bail!("there is no backup at {}", source.display());
    }
    let _lock = lock_exclusively(database)?;
    // A backup that left a -wal beside it has it folded in by this open.
    {
        let mut conn = open(source)?;
        conn.batch_execute("PRAGMA wal_checkpoint(TRUNCATE);")?;
    }
    check(source).context("the backup cannot be restored")?;
    let kept = before_restore_path(database);
    if database.exists() && kept.exists() {
        bail!(
            "{} exists from an earlier restore; move it away first",
            kept.display()
        );
    }
    let partial = suffixed(database, ".restore-partial");
    remove_if_there(&partial)?;
    std::fs::copy(source, &partial)
        .with_context(|| format!("copying {} to {}", source.display(), partial.display()))?;
    File::open(&partial)?.sync_all()?;
    if database.exists() {
        // Fold the old database's WAL into it so that the kept file is
        // whole, and no stale WAL is left to be replayed into the new one.
        {
            let mut conn = open(database)?;
            conn.batch_execute("PRAGMA wal_checkpoint(TRUNCATE);")?;
        }
        std::fs::rename(database, &kept)
            .with_context(|| format!("keeping the old database as {}", kept.display()))?;
        for (from, to) in [("-wal", "-wal"), ("-shm", "-shm")] {
            let old = suffixed(database, from);
            if old.exists() {
                std::fs::rename(&old, suffixed(&kept, to))
                    .with_context(|| format!("moving {}", old.display()))?;
            }
        }
    }
    std::fs::rename(&partial, database)
        .with_context(|| format!("moving the backup into {}", database.display()))?;
    sync_dir(database);
    let (comments, posts) = check(database)?;
    Ok(Copied {
        path: database.to_path_buf(),
        bytes: std::fs::metadata(database)?.len(),
        comments,
        posts,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_backup_is_refused_over_an_existing_file_without_force() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("c.db");
        drop(crate::db::connect(&crate::db::Location::Sqlite(db.clone()), 1).unwrap());
        let out = dir.path().join("b.db");
        std::fs::write(&out, b"keep me").unwrap();
        assert!(backup(&db, &out, false).is_err());
        assert_eq!(std::fs::read(&out).unwrap(), b"keep me");
        let copied = backup(&db, &out, true).unwrap();
        assert_eq!((copied.comments, copied.posts), (0, 0));
    }

    #[test]
    fn restore_refuses_while_served_and_keeps_the_old_file() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("c.db");
        drop(crate::db::connect(&crate::db::Location::Sqlite(db.clone()), 1).unwrap());
        let out = dir.path().join("b.db");
        backup(&db, &out, false).unwrap();
        let served = lock_for_serving(&db).unwrap();
        let refused = restore(&out, &db).unwrap_err();
        assert!(
            format!("{refused:#}").contains("stop the server"),
            "{refused:#}"
        );
        drop(served);
        restore(&out, &db).unwrap();
        assert!(before_restore_path(&db).exists());
        assert!(lock_for_serving(&db).is_ok());
    }

    #[test]
    fn a_file_that_is_not_a_database_is_not_restored() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("c.db");
        drop(crate::db::connect(&crate::db::Location::Sqlite(db.clone()), 1).unwrap());
        let junk = dir.path().join("junk.db");
        std::fs::write(&junk, vec![7u8; 8192]).unwrap();
        assert!(restore(&junk, &db).is_err());
        assert!(!before_restore_path(&db).exists());
    }
}
