//! The server's background thread: every two seconds it drops the cached
//! threads another process changed; every five minutes it forgets idle
//! rate-limit state and dead sessions, closes comments on old posts,
//! forgets stale claims and purges personal data past the retention (the
//! rules are in `service::housekeeping`). On PostgreSQL a second thread
//! listens for what other instances change and drops it from the cache
//! within a fraction of a second ([`spawn_listener`]).

use crate::db::changes::{Change, Listener};
use crate::error::ApiError;
use crate::service::Ctx;
use crate::service::housekeeping;
use crate::service::privacy::ExternalChanges;
use crate::state::AppState;
use actix_web::web;
use std::sync::Arc;
use std::time::Duration;

/// How often the sweep runs.
const SWEEP: Duration = Duration::from_secs(300);
/// How often other processes' change marks are read.
const WATCH: Duration = Duration::from_secs(2);

/// How often the listener reads the notifications that have arrived.
const HEAR: Duration = Duration::from_millis(50);
/// How often the listener asks the server whether it is still there.
const PING: Duration = Duration::from_secs(5);
/// How long the listener waits before connecting again.
const RECONNECT: Duration = Duration::from_secs(1);

/// Runs one share of the work on a connection of the main pool, its
/// events dispatched; a failure is logged as `what` failing.
fn share<T>(
    state: &AppState,
    what: &str,
    work: impl FnOnce(&mut Ctx<'_>) -> Result<T, ApiError>,
) -> Option<T> {
    let done = state
        .pool
        .get()
        .map_err(ApiError::from)
        .and_then(|mut conn| state.events.run(&mut conn, work));
    match done {
        Ok(value) => Some(value),
        Err(error) => {
            tracing::warn!(%error, "{what} failed");
            None
        }
    }
}

/// Whether this instance takes the current turn of the sweep. On SQLite
/// one process serves the file: always. On PostgreSQL the instances take
/// turns through `job_runs`, so the sweep runs once per period across all
/// of them; a database that cannot be reached skips the turn.
fn my_turn(state: &AppState) -> bool {
    let Ok(mut conn) = state.pool.get() else {
        return false;
    };
    if conn.backend() == crate::db::Backend::Sqlite {
        return true;
    }
    let now = crate::domain::time::now();
    // A second's slack, so that the instance that took the last turn finds
    // the next one due when its own period comes round.
    let every = SWEEP.as_secs() as i64 - 1;
    match crate::db::jobs::claim(&mut conn, SWEEP_JOB, now, every) {
        Ok(mine) => mine,
        Err(error) => {
            tracing::warn!(%error, "claiming the housekeeping turn failed");
            false
        }
    }
}

/// The sweep's name in `job_runs`.
pub const SWEEP_JOB: &str = "housekeeping";

/// One turn of the sweep, if it is this instance's.
fn sweep(state: &AppState) {
    if !my_turn(state) {
        return;
    }
    tracing::debug!("housekeeping sweep");
    if let Err(error) = state.limits.forget_idle_shared() {
        tracing::warn!(%error, "forgetting idle shared rate limits failed");
    }
    let now = crate::domain::time::now();
    let settings = &state.settings;
    if let Some(closed @ 1..) = share(state, "workspace housekeeping", |ctx| {
        housekeeping::workspace(ctx, settings, now)
    }) {
        tracing::info!(posts = closed, "comments closed by auto_close_days");
    }
    if let Some(purged @ 1..) = share(state, "privacy housekeeping", |ctx| {
        housekeeping::privacy(ctx, settings, now)
    }) {
        tracing::info!(
            comments = purged,
            "privacy: e-mail addresses and IP hashes past the retention removed"
        );
    }
    share(state, "purging expired sessions", |ctx| {
        housekeeping::sessions(ctx, settings, now)
    });
}

/// Starts the housekeeping thread; it ends once the server (the last
/// owner of the state) is gone.
pub fn spawn(state: &web::Data<AppState>) {
    // Read before the first request is served, so that no mark made while
    // this server runs is mistaken for an old one.
    let mut external = share(state, "following changes made by other processes", |ctx| {
        Ok(ExternalChanges::start(ctx.conn)?)
    });
    let weak = Arc::downgrade(&state.clone().into_inner());
    let spawned = std::thread::Builder::new()
        .name("colloquy-housekeeping".into())
        .spawn(move || {
            // Comments due to close are closed at start, then with the rest.
            if let Some(state) = weak.upgrade() {
                sweep(&state);
            }
            let mut last_sweep = std::time::Instant::now();
            loop {
                std::thread::sleep(WATCH);
                let Some(state) = weak.upgrade() else { return };
                if let Some(external) = &mut external {
                    share(&state, "reading changes made by other processes", |ctx| {
                        Ok(external.poll(ctx)?)
                    });
                }
                if last_sweep.elapsed() < SWEEP {
                    continue;
                }
                last_sweep = std::time::Instant::now();
                state.limits.forget_idle();
                sweep(&state);
            }
        });
    if let Err(error) = spawned {
        tracing::warn!(%error, "could not start the housekeeping thread");
    }
    spawn_listener(state);
}

/// What a change heard from another instance drops from the cache.
fn forget(cache: &crate::cache::Cache, change: Change) {
    match change {
        Change::Thread(post_id) => cache.invalidate(post_id),
        Change::Slugs(post_id) => {
            cache.invalidate(post_id);
            cache.slugs_changed();
        }
        Change::Unknown => cache.drop_all(),
    }
}

/// On PostgreSQL, starts the thread that hears every committed change to
/// a public thread, whichever instance made it (this one's own too,
/// which costs one more rebuild), and drops it from the cache. Whenever
/// its connection is lost, changes may have been missed: the whole cache
/// is dropped, and dropped again each second until the listener is back,
/// so that nothing stale is served for longer than that.
fn spawn_listener(state: &web::Data<AppState>) {
    let location = crate::db::Location::of(&state.settings.database);
    if location.backend() != crate::db::Backend::Postgres {
        return;
    }
    let weak = Arc::downgrade(&state.clone().into_inner());
    let spawned = std::thread::Builder::new()
        .name("colloquy-listener".into())
        .spawn(move || {
            loop {
                let listener = Listener::connect(&location);
                let Some(state) = weak.upgrade() else { return };
                // Whatever changed before the `LISTEN` went unheard.
                state.cache.drop_all();
                let mut listener = match listener {
                    Ok(listener) => listener,
                    Err(error) => {
                        tracing::warn!(%error, "cannot hear other instances' changes; the cache is dropped each second until then");
                        drop(state);
                        std::thread::sleep(RECONNECT);
                        continue;
                    }
                };
                drop(state);
                let mut pinged = std::time::Instant::now();
                loop {
                    std::thread::sleep(HEAR);
                    let Some(state) = weak.upgrade() else { return };
                    let heard = listener.changes().and_then(|changes| {
                        if pinged.elapsed() >= PING {
                            listener.ping()?;
                            pinged = std::time::Instant::now();
                        }
                        Ok(changes)
                    });
                    match heard {
                        Ok(changes) => {
                            for change in changes {
                                forget(&state.cache, change);
                            }
                        }
                        Err(error) => {
                            tracing::warn!(%error, "lost the connection that hears other instances' changes; the cache is dropped");
                            state.cache.drop_all();
                            break;
                        }
                    }
                }
                std::thread::sleep(RECONNECT);
            }
        });
    if let Err(error) = spawned {
        tracing::warn!(%error, "could not start the listener of other instances' changes");
    }
}
