//! The server's background thread: every two seconds it drops the cached
//! threads another process changed; every five minutes it forgets idle
//! rate-limit state and dead sessions, closes comments on old posts,
//! forgets stale claims and purges personal data past the retention.

use crate::db;
use crate::http::workspace;
use crate::state::AppState;
use actix_web::web;
use std::sync::Arc;
use std::time::Duration;

/// The workspace's share of housekeeping: closes comments on posts older
/// than `auto_close_days` and forgets stale claims.
fn workspace_housekeeping(state: &AppState) {
    let now = crate::domain::time::now();
    let done = state
        .pool
        .get()
        .map_err(anyhow::Error::from)
        .and_then(|mut conn| {
            let closed =
                workspace::auto_close(&mut conn, state.settings.auto_close_days, None, now)?;
            // Committed: threads cached with `comments_open: true` are stale.
            for post_id in &closed {
                state.cache.invalidate(*post_id);
            }
            if !closed.is_empty() {
                tracing::info!(posts = closed.len(), "comments closed by auto_close_days");
            }
            db::claims::purge(&mut conn, now)?;
            Ok(())
        });
    if let Err(error) = done {
        tracing::warn!(%error, "workspace housekeeping failed");
    }
}

/// Forgets idle rate-limit state and dead sessions, and purges readers'
/// personal data past `privacy.retention_days`, every few minutes; every
/// two seconds, drops the cached threads that another process (`colloquy
/// reader erase`) marked as changed. Runs on a plain thread that ends once
/// the server (the last owner of the state) is gone.
pub fn spawn(state: &web::Data<AppState>) {
    /// The privacy share: the retention purge and old marks.
    fn privacy_housekeeping(state: &AppState) {
        let now = crate::domain::time::now();
        let done = state
            .pool
            .get()
            .map_err(anyhow::Error::from)
            .and_then(|mut conn| {
                Ok(crate::privacy::housekeeping(
                    &mut conn,
                    &state.settings.privacy,
                    now,
                )?)
            });
        match done {
            Ok(0) => {}
            Ok(purged) => tracing::info!(
                comments = purged,
                "privacy: e-mail addresses and IP hashes past the retention removed"
            ),
            Err(error) => tracing::warn!(%error, "privacy housekeeping failed"),
        }
    }
    const SWEEP: Duration = Duration::from_secs(300);
    const WATCH: Duration = Duration::from_secs(2);
    // Read before the first request is served, so that no mark made while
    // this server runs is mistaken for an old one.
    let mut external = state
        .pool
        .get()
        .map_err(anyhow::Error::from)
        .and_then(|mut conn| Ok(crate::privacy::ExternalChanges::start(&mut conn)?));
    if let Err(error) = &external {
        tracing::warn!(%error, "cannot follow changes made by other processes");
    }
    let weak = Arc::downgrade(&state.clone().into_inner());
    let spawned = std::thread::Builder::new()
        .name("colloquy-housekeeping".into())
        .spawn(move || {
            // Comments due to close are closed at start, then with the rest.
            if let Some(state) = weak.upgrade() {
                workspace_housekeeping(&state);
                privacy_housekeeping(&state);
            }
            let mut last_sweep = std::time::Instant::now();
            loop {
                std::thread::sleep(WATCH);
                let Some(state) = weak.upgrade() else { return };
                if let Ok(external) = &mut external {
                    let polled = state
                        .pool
                        .get()
                        .map_err(anyhow::Error::from)
                        .and_then(|mut conn| Ok(external.poll(&mut conn, &state.cache)?));
                    if let Err(error) = polled {
                        tracing::warn!(%error, "reading changes made by other processes failed");
                    }
                }
                if last_sweep.elapsed() < SWEEP {
                    continue;
                }
                last_sweep = std::time::Instant::now();
                state.limits.forget_idle();
                workspace_housekeeping(&state);
                privacy_housekeeping(&state);
                let now = crate::domain::time::now();
                let idle = now - i64::from(state.settings.session.idle_minutes) * 60;
                let purged = state
                    .pool
                    .get()
                    .map_err(anyhow::Error::from)
                    .and_then(|mut conn| Ok(db::accounts::purge_sessions(&mut conn, now, idle)?));
                if let Err(error) = purged {
                    tracing::warn!(%error, "purging expired sessions failed");
                }
            }
        });
    if let Err(error) = spawned {
        tracing::warn!(%error, "could not start the housekeeping thread");
    }
}
