//! `AppState`: what every handler, extractor and background task can
//! reach. It sits low in the house: it knows the pools, the cache, the
//! limiters and the writer, and no handler.

use crate::cache::Cache;
use crate::config::Settings;
use crate::db::writer::Writer;
use crate::db::{self, Pool};
use crate::domain::privacy::IpHasher;
use crate::limits::Limits;
use crate::metrics::Metrics;
use crate::service::Dispatcher;
use crate::service::notify::Notifier;
use crate::service::posts::StartingPages;
use anyhow::Context;
use base64::Engine;
use std::sync::Arc;

/// Connections (PostgreSQL) of the shared rate limits, per instance.
const LIMITS_POOL_SIZE: u32 = 4;

/// What every handler can reach.
#[derive(Debug)]
pub struct AppState {
    /// Database connections for moderators, submissions and the writer.
    pub pool: Pool,
    /// Database connections for readers' public reads (threads, counts,
    /// posts, pages): a flood of those waits here and nowhere else.
    pub read_pool: Pool,
    /// The settings the server started with.
    pub settings: Arc<Settings>,
    /// Rate limiters.
    pub limits: Limits,
    /// Hashes readers' IP addresses.
    pub ip_hasher: IpHasher,
    /// Rendered threads and counts.
    pub cache: Arc<Cache>,
    /// Group-commits readers' submissions.
    pub writer: Writer,
    /// What `/metrics` reports.
    pub metrics: Metrics,
    /// Applies what write services changed (the cache today).
    pub events: Dispatcher,
    /// The pages that may start threads of their own.
    pub starting_pages: StartingPages,
    /// Signs and checks the unsubscribe links of messages (generated once
    /// and kept in the database).
    pub mail_key: Vec<u8>,
}

impl AppState {
    /// Prepares the state: the IP-hashing key comes from the settings, or
    /// is generated once and kept in the database.
    pub fn new(pool: Pool, settings: Settings) -> anyhow::Result<Self> {
        let key = match &settings.ip_hash_key {
            Some(secret) => secret.expose().to_owned(),
            None => {
                let mut conn = pool.get().context("taking a database connection")?;
                db::accounts::instance_secret(&mut conn, "ip_hash_key", || {
                    base64::engine::general_purpose::STANDARD.encode(rand::random::<[u8; 32]>())
                })?
            }
        };
        let cache = Arc::new(Cache::new(settings.cache.enabled, settings.cache.max_bytes));
        let newest_log_id = {
            let mut conn = pool.get().context("taking a database connection")?;
            db::log::newest_id(&mut conn)?
        };
        let mail_key = {
            let mut conn = pool.get().context("taking a database connection")?;
            db::accounts::instance_secret(&mut conn, "mail_key", || {
                base64::engine::general_purpose::STANDARD.encode(rand::random::<[u8; 32]>())
            })?
        };
        let ip_hasher =
            IpHasher::new(key.as_bytes()).map_err(|e| anyhow::anyhow!("ip hash key: {e}"))?;
        let location = db::Location::of(&settings.database);
        let limits = match location.backend() {
            db::Backend::Sqlite => Limits::new(&settings.rate_limit),
            // Shared by every instance on the database, on a pool of their
            // own: one short autocommit statement per limited request.
            db::Backend::Postgres => Limits::shared(
                &settings.rate_limit,
                db::pool::open(&location, LIMITS_POOL_SIZE, db::pool::Durability::Normal)?,
                ip_hasher.clone(),
            ),
        };
        let settings = Arc::new(settings);
        let notifier = Arc::new(Notifier::new(settings.clone()));
        Ok(Self {
            metrics: Metrics::new(cache.clone(), newest_log_id),
            events: Dispatcher::with_notifier(cache.clone(), notifier.clone()),
            starting_pages: StartingPages::new(&settings),
            ip_hasher,
            limits,
            cache,
            writer: Writer::start(
                pool.clone(),
                crate::service::statements::after_insert(notifier.clone()),
            )?,
            read_pool: db::pool::open(
                &location,
                settings.read_pool_size,
                db::pool::Durability::Normal,
            )?,
            settings,
            pool,
            mail_key: mail_key.into_bytes(),
        })
    }
}
