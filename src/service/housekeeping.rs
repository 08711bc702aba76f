//! What the server does on its own, every few minutes: closing comments
//! on old posts, forgetting stale claims and dead sessions, and the
//! privacy purge.

use super::events::Ctx;
use crate::config::Settings;
use crate::db;
use crate::error::ApiError;

/// The workspace's share: auto-close, and claims no longer fresh.
pub fn workspace(ctx: &mut Ctx<'_>, settings: &Settings, now: i64) -> Result<usize, ApiError> {
    let closed = super::posts::auto_close(ctx, settings.auto_close_days, None, now)?;
    db::claims::purge(ctx.conn, now)?;
    Ok(closed)
}

/// The privacy share: the retention purge and old change marks.
pub fn privacy(ctx: &mut Ctx<'_>, settings: &Settings, now: i64) -> Result<usize, ApiError> {
    Ok(super::privacy::housekeeping(
        ctx.conn,
        &settings.privacy,
        now,
    )?)
}

/// Sessions that expired or sat idle past `session.idle_minutes`.
pub fn sessions(ctx: &mut Ctx<'_>, settings: &Settings, now: i64) -> Result<usize, ApiError> {
    let idle = now - i64::from(settings.session.idle_minutes) * 60;
    Ok(db::accounts::purge_sessions(ctx.conn, now, idle)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::Event;
    use crate::service::testing::{conn, post_published_at};

    #[test]
    fn a_sweep_closes_old_posts_and_says_which() {
        let mut conn = conn();
        let now = 2_000_000_000;
        let old = post_published_at(&mut conn, "old", now - 400 * 86_400);
        let settings = Settings {
            auto_close_days: 365,
            ..Settings::default()
        };
        let mut ctx = Ctx::new(&mut conn);
        assert_eq!(workspace(&mut ctx, &settings, now).unwrap(), 1);
        assert_eq!(ctx.events(), [Event::PostClosed { post_id: old }]);
        assert_eq!(privacy(&mut ctx, &settings, now).unwrap(), 0);
        assert_eq!(sessions(&mut ctx, &settings, now).unwrap(), 0);
    }
}
