//! Who the client is (trusted-proxy aware) and how often it may act:
//! governor's keyed rate limiters, one per kind of action, or on
//! PostgreSQL the buckets every instance shares (`db::rate_buckets`).

use crate::config::{RateLimitSettings, Settings};
use crate::db::{Pool, rate_buckets};
use crate::domain::privacy::{IpHasher, network_key};
use crate::error::ApiError;
use actix_web::HttpRequest;
use governor::clock::{Clock, DefaultClock};
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};
use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::num::NonZeroU32;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The client's address: the TCP peer, unless the peer is a trusted proxy,
/// in which case the nearest untrusted address of `X-Forwarded-For` (a
/// port after it is dropped; a hop that names no address is a client of
/// its own, see [`unknown_client`]). A client cannot change it by forging
/// headers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientIp(pub IpAddr);

impl ClientIp {
    /// Works out the client address of a request.
    pub fn of(req: &HttpRequest, settings: &Settings) -> Self {
        let peer = req
            .peer_addr()
            .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |a| a.ip());
        if !settings.is_trusted_proxy(peer) {
            return Self(peer);
        }
        // Walk the chain from the nearest hop outwards; the first address
        // not one of our proxies is the client. Hops further out could be
        // forged by the client, so they are never read past that point.
        let hops: Vec<&str> = req
            .headers()
            .get_all("x-forwarded-for")
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .collect();
        let mut client = peer;
        for hop in hops.iter().rev().filter(|hop| !hop.is_empty()) {
            match parse_hop(hop) {
                Some(ip) if settings.is_trusted_proxy(ip) => client = ip,
                Some(ip) => {
                    client = ip;
                    break;
                }
                // `unknown`, an obfuscated name or garbage: a client we
                // cannot name, but never the proxy (which would put every
                // such client under one limit and one ban), and nothing
                // further out can be believed.
                None => {
                    client = unknown_client(hop);
                    break;
                }
            }
        }
        Self(client)
    }
}

/// A forwarded hop's address: `ip`, `ip:port`, `[v6]` or `[v6]:port`,
/// quoted or not (as `Forwarded` writes them); `None` for anything else.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    let hop = hop.trim().trim_matches('"');
    if let Ok(ip) = hop.parse::<IpAddr>() {
        return Some(ip);
    }
    if let Ok(socket) = hop.parse::<std::net::SocketAddr>() {
        return Some(socket.ip());
    }
    hop.strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .and_then(|h| h.parse::<Ipv6Addr>().ok())
        .map(IpAddr::V6)
}

/// The stand-in address of a client whose hop could not be read: a
/// SHA-256 of the hop's text under the documentation prefix 2001:db8::/32
/// (RFC 3849), which no real client has. Stable, so one such hop is one
/// client for limits and bans (32 bits of the hash fall in the /64 that
/// [`network_key`] keeps), and apart from the proxy and from every other
/// hop text.
fn unknown_client(hop: &str) -> IpAddr {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(hop.as_bytes());
    let word = |i: usize| u16::from_be_bytes([digest[i], digest[i + 1]]);
    IpAddr::V6(Ipv6Addr::new(
        0x2001,
        0x0db8,
        word(0),
        word(2),
        word(4),
        word(6),
        word(8),
        word(10),
    ))
}

/// Whether a request reached us over https: only a trusted proxy's
/// `X-Forwarded-Proto` is believed, unless `secure_cookies` settles it.
pub fn is_https(req: &HttpRequest, settings: &Settings) -> bool {
    if let Some(forced) = settings.secure_cookies {
        return forced;
    }
    let peer_trusted = req
        .peer_addr()
        .is_some_and(|a| settings.is_trusted_proxy(a.ip()));
    peer_trusted
        && req
            .headers()
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.eq_ignore_ascii_case("https"))
}

type Keyed = RateLimiter<IpAddr, DefaultKeyedStateStore<IpAddr>, DefaultClock>;
type ByName = RateLimiter<String, DefaultKeyedStateStore<String>, DefaultClock>;

/// The most of a typed user name that keys the per-account limit.
const ACCOUNT_KEY_CHARS: usize = 100;

/// The per-account key: the name as sign-in matches it, bounded.
fn account_key(username: &str) -> String {
    username
        .trim()
        .chars()
        .take(ACCOUNT_KEY_CHARS)
        .flat_map(char::to_lowercase)
        .collect()
}

/// What a limit applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Submitting a comment.
    Comment,
    /// Flagging a comment.
    Flag,
    /// Previewing a comment.
    Preview,
}

/// The server's rate limiters: in memory (governor) on SQLite, where one
/// process serves the database; in PostgreSQL ([`Shared`]) when several
/// instances may share it, so that a client's limit holds across all of
/// them together.
#[derive(Debug)]
pub struct Limits {
    enabled: bool,
    comments: Keyed,
    flags: Keyed,
    previews: Keyed,
    failed_logins: Keyed,
    /// Sign-in tries by account name, from all addresses together.
    account_tries: ByName,
    /// Addresses barred from signing in until the instant given, because
    /// their failures ran over the limit.
    locked_out: Mutex<HashMap<IpAddr, Instant>>,
    clock: DefaultClock,
    shared: Option<Shared>,
}

fn nonzero(n: u32) -> NonZeroU32 {
    NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN)
}

fn per_minute(rate: u32, burst: u32) -> Keyed {
    RateLimiter::keyed(Quota::per_minute(nonzero(rate)).allow_burst(nonzero(burst)))
}

fn seconds_ceil(wait: Duration) -> u64 {
    wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
}

/// The limits kept in PostgreSQL's `rate_buckets` (see
/// `db::rate_buckets`): one atomic statement per try, on its own small
/// pool so that limits never wait behind moderators or the writer. Keys
/// are the action's name and the keyed hash of the client's network (as
/// `comments.ip_hash` stores it) or of the account name: no address is
/// stored.
#[derive(Debug)]
struct Shared {
    pool: Pool,
    hasher: IpHasher,
    comments: SharedQuota,
    flags: SharedQuota,
    previews: SharedQuota,
    failed_logins: SharedQuota,
    account_tries: SharedQuota,
}

type SharedQuota = crate::db::rate_buckets::Quota;

fn shared_quota(per_minute: u32, burst: u32) -> SharedQuota {
    SharedQuota {
        interval: 60.0 / f64::from(per_minute.max(1)),
        burst: burst.max(1),
    }
}

fn retry_after(seconds: f64) -> ApiError {
    ApiError::RateLimited {
        retry_after: seconds_ceil(Duration::from_secs_f64(seconds.max(0.0))).max(1),
    }
}

impl Shared {
    /// Runs `work` on a connection of the limits' pool, off the async
    /// workers. A database that cannot be reached refuses the request
    /// with 503: a limit that cannot be counted is not waived.
    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut crate::db::DbConn) -> diesel::QueryResult<T> + Send + 'static,
    ) -> Result<T, ApiError> {
        let pool = self.pool.clone();
        actix_web::web::block(move || {
            let mut conn = pool.get()?;
            work(&mut conn).map_err(|e| ApiError::Unavailable(e.into()))
        })
        .await?
    }

    async fn take(&self, key: String, quota: SharedQuota) -> Result<(), ApiError> {
        match self
            .run(move |conn| rate_buckets::take(conn, &key, quota))
            .await?
        {
            None => Ok(()),
            Some(wait) => Err(retry_after(wait)),
        }
    }

    fn ip_key(&self, kind: &str, ip: IpAddr) -> String {
        format!("{kind}:{}", self.hasher.hash(ip))
    }
}

impl Limits {
    /// Limiters with the configured quotas, in memory.
    pub fn new(settings: &RateLimitSettings) -> Self {
        Self {
            enabled: settings.enabled,
            comments: per_minute(settings.comments_per_minute, settings.burst),
            flags: per_minute(settings.flags_per_minute, settings.flags_per_minute),
            previews: per_minute(settings.previews_per_minute, settings.previews_per_minute),
            failed_logins: per_minute(
                settings.failed_logins_per_minute,
                settings.failed_logins_per_minute,
            ),
            account_tries: RateLimiter::keyed(
                Quota::per_minute(nonzero(settings.account_logins_per_minute))
                    .allow_burst(nonzero(settings.account_logins_per_minute)),
            ),
            locked_out: Mutex::new(HashMap::new()),
            clock: DefaultClock::default(),
            shared: None,
        }
    }

    /// Limiters with the configured quotas, kept in the PostgreSQL
    /// database `pool` connects to and shared with every instance on it;
    /// keys are hashed with `hasher`.
    pub fn shared(settings: &RateLimitSettings, pool: Pool, hasher: IpHasher) -> Self {
        let logins = settings.failed_logins_per_minute;
        let accounts = settings.account_logins_per_minute;
        Self {
            shared: Some(Shared {
                pool,
                hasher,
                comments: shared_quota(settings.comments_per_minute, settings.burst),
                flags: shared_quota(settings.flags_per_minute, settings.flags_per_minute),
                previews: shared_quota(settings.previews_per_minute, settings.previews_per_minute),
                failed_logins: shared_quota(logins, logins),
                account_tries: shared_quota(accounts, accounts),
            }),
            ..Self::new(settings)
        }
    }

    /// Whether the limits are shared through the database.
    pub fn is_shared(&self) -> bool {
        self.shared.is_some()
    }

    /// Counts one sign-in try for the account `username`, from whatever
    /// address; a 429 past `account_logins_per_minute` (then one try per
    /// `60 / n` seconds, the right password included, so the limit is no
    /// oracle). An attacker spread over many addresses gets no more tries
    /// at one account than that, and holds it there only while they keep
    /// trying: it is free again seconds after they stop
    /// (docs/operations.md).
    pub async fn check_account(&self, username: &str) -> Result<(), ApiError> {
        if !self.enabled {
            return Ok(());
        }
        let key = account_key(username);
        let refused = if let Some(shared) = &self.shared {
            let hashed = format!("account:{}", shared.hasher.hash_text(&key));
            shared.take(hashed, shared.account_tries).await
        } else {
            self.account_tries.check_key(&key).map_err(|not_until| {
                retry_after(not_until.wait_time_from(self.clock.now()).as_secs_f64())
            })
        };
        if refused.is_err() {
            tracing::warn!(account = %key, "sign-in throttled for the account: too many tries");
        }
        refused
    }

    fn take(&self, limiter: &Keyed, ip: IpAddr) -> Result<(), ApiError> {
        if !self.enabled {
            return Ok(());
        }
        limiter
            .check_key(&network_key(ip))
            .map_err(|not_until| ApiError::RateLimited {
                retry_after: seconds_ceil(not_until.wait_time_from(self.clock.now())).max(1),
            })
    }

    /// Counts one `action` by `ip`; a 429 when it is over the limit.
    pub async fn check(&self, action: Action, ip: IpAddr) -> Result<(), ApiError> {
        if let Some(shared) = self.shared.as_ref().filter(|_| self.enabled) {
            let (kind, quota) = match action {
                Action::Comment => ("comment", shared.comments),
                Action::Flag => ("flag", shared.flags),
                Action::Preview => ("preview", shared.previews),
            };
            return shared.take(shared.ip_key(kind, ip), quota).await;
        }
        match action {
            Action::Comment => self.take(&self.comments, ip),
            Action::Flag => self.take(&self.flags, ip),
            Action::Preview => self.take(&self.previews, ip),
        }
    }

    /// A 429 while `ip` is locked out of signing in.
    pub async fn check_login_allowed(&self, ip: IpAddr) -> Result<(), ApiError> {
        if !self.enabled {
            return Ok(());
        }
        if let Some(shared) = &self.shared {
            let key = shared.ip_key("lockout", ip);
            return match shared
                .run(move |conn| rate_buckets::locked_for(conn, &key))
                .await?
            {
                Some(wait) => Err(retry_after(wait)),
                None => Ok(()),
            };
        }
        let key = network_key(ip);
        let now = Instant::now();
        let mut locked = self.locked_out.lock().unwrap_or_else(|e| e.into_inner());
        match locked.get(&key) {
            Some(until) if *until > now => Err(ApiError::RateLimited {
                retry_after: seconds_ceil(*until - now).max(1),
            }),
            Some(_) => {
                locked.remove(&key);
                Ok(())
            }
            None => Ok(()),
        }
    }

    /// Records a failed sign-in by `ip`; past the limit the address is
    /// locked out until the limiter would let it try again.
    pub async fn record_failed_login(&self, ip: IpAddr) -> Result<(), ApiError> {
        if let Some(shared) = self.shared.as_ref().filter(|_| self.enabled) {
            let result = shared
                .take(shared.ip_key("login", ip), shared.failed_logins)
                .await;
            if let Err(ApiError::RateLimited { retry_after }) = &result {
                let key = shared.ip_key("lockout", ip);
                let seconds = *retry_after as f64;
                shared
                    .run(move |conn| rate_buckets::lock(conn, &key, seconds))
                    .await?;
            }
            return result;
        }
        let result = self.take(&self.failed_logins, ip);
        if let Err(ApiError::RateLimited { retry_after }) = &result {
            let now = Instant::now();
            let mut locked = self.locked_out.lock().unwrap_or_else(|e| e.into_inner());
            locked.retain(|_, until| *until > now);
            locked.insert(network_key(ip), now + Duration::from_secs(*retry_after));
        }
        result
    }

    /// Forgets limiter state that no longer limits anyone; call now and then
    /// so that memory does not grow with the number of addresses seen. The
    /// shared buckets are pruned by [`Limits::forget_idle_shared`].
    pub fn forget_idle(&self) {
        for limiter in [
            &self.comments,
            &self.flags,
            &self.previews,
            &self.failed_logins,
        ] {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
        self.account_tries.retain_recent();
        self.account_tries.shrink_to_fit();
        let now = Instant::now();
        self.locked_out
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .retain(|_, until| *until > now);
    }

    /// Deletes the shared buckets that limit no one any more (a blocking
    /// call: the housekeeping thread's, once across instances); how many.
    pub fn forget_idle_shared(&self) -> Result<usize, ApiError> {
        let Some(shared) = &self.shared else {
            return Ok(0);
        };
        let mut conn = shared.pool.get()?;
        Ok(rate_buckets::forget_idle(&mut conn)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(enabled: bool) -> Limits {
        Limits::new(&RateLimitSettings {
            enabled,
            ..RateLimitSettings::default()
        })
    }

    #[actix_web::test]
    async fn the_fourth_rapid_comment_is_refused_with_a_retry_time() {
        let l = limits(true);
        let ip: IpAddr = "198.51.100.1".parse().unwrap();
        for _ in 0..3 {
            l.check(Action::Comment, ip).await.unwrap();
        }
        match l.check(Action::Comment, ip).await {
            Err(ApiError::RateLimited { retry_after }) => assert!((1..=20).contains(&retry_after)),
            other => panic!("expected 429, got {other:?}"),
        }
        l.check(Action::Comment, "198.51.100.2".parse().unwrap())
            .await
            .unwrap();
    }

    #[actix_web::test]
    async fn previews_are_generous_and_count_apart_from_comments() {
        let l = limits(true);
        let ip: IpAddr = "198.51.100.3".parse().unwrap();
        for _ in 0..30 {
            l.check(Action::Preview, ip).await.unwrap();
        }
        assert!(l.check(Action::Preview, ip).await.is_err());
        l.check(Action::Comment, ip).await.unwrap();
    }

    #[actix_web::test]
    async fn disabled_limits_never_refuse() {
        let l = limits(false);
        let ip: IpAddr = "198.51.100.1".parse().unwrap();
        for _ in 0..100 {
            l.check(Action::Comment, ip).await.unwrap();
        }
    }

    fn behind_proxy(forwarded: &str) -> IpAddr {
        let settings = Settings {
            trusted_proxies: vec!["10.0.0.0/8".parse().unwrap()],
            ..Settings::default()
        };
        let req = actix_web::test::TestRequest::default()
            .peer_addr("10.0.0.1:4000".parse().unwrap())
            .insert_header(("x-forwarded-for", forwarded))
            .to_http_request();
        ClientIp::of(&req, &settings).0
    }

    #[test]
    fn hops_with_ports_and_brackets_name_their_address() {
        for (hop, ip) in [
            ("198.51.100.7", "198.51.100.7"),
            ("198.51.100.7:5123", "198.51.100.7"),
            ("2001:db8::7", "2001:db8::7"),
            ("[2001:db8::7]", "2001:db8::7"),
            ("[2001:db8::7]:443", "2001:db8::7"),
            ("\"[2001:db8::7]:443\"", "2001:db8::7"),
        ] {
            let ip: IpAddr = ip.parse().unwrap();
            assert_eq!(behind_proxy(hop), ip, "{hop}");
            // Trusted hops nearer than it are walked past, ports or not.
            assert_eq!(behind_proxy(&format!("{hop}, 10.0.0.2:80")), ip, "{hop}");
        }
    }

    #[test]
    fn unreadable_hops_are_clients_of_their_own_never_the_proxy() {
        let proxy: IpAddr = "10.0.0.1".parse().unwrap();
        let unknown = behind_proxy("unknown");
        let hidden = behind_proxy("_hidden");
        let garbage = behind_proxy("198.51.100.7:99999");
        for ip in [unknown, hidden, garbage] {
            assert_ne!(ip, proxy);
            assert!(!ip.to_string().starts_with("10."), "{ip}");
        }
        assert_eq!(unknown, behind_proxy("203.0.113.5, unknown"), "stable");
        // Distinct texts are distinct clients, for the limiters too.
        assert_ne!(network_key(unknown), network_key(hidden));
        assert_ne!(network_key(unknown), network_key(garbage));
        // Nothing beyond an unreadable hop is believed.
        assert_eq!(behind_proxy("203.0.113.5, unknown"), unknown);
        // No header: the proxy itself is the client.
        let req = actix_web::test::TestRequest::default()
            .peer_addr("10.0.0.1:4000".parse().unwrap())
            .to_http_request();
        let settings = Settings {
            trusted_proxies: vec!["10.0.0.0/8".parse().unwrap()],
            ..Settings::default()
        };
        assert_eq!(ClientIp::of(&req, &settings).0, proxy);
    }

    #[actix_web::test]
    async fn one_account_takes_so_many_tries_a_minute_from_all_addresses() {
        let l = limits(true);
        for _ in 0..10 {
            l.check_account("alice").await.unwrap();
        }
        let refused = l.check_account(" ALICE ").await.unwrap_err();
        assert!(
            matches!(refused, ApiError::RateLimited { retry_after } if (1..=6).contains(&retry_after)),
            "{refused:?}"
        );
        l.check_account("bob").await.unwrap();
        let off = limits(false);
        for _ in 0..50 {
            off.check_account("alice").await.unwrap();
        }
    }

    #[actix_web::test]
    async fn failed_logins_lock_the_address_out() {
        let l = limits(true);
        let ip: IpAddr = "198.51.100.9".parse().unwrap();
        for _ in 0..5 {
            l.check_login_allowed(ip).await.unwrap();
            l.record_failed_login(ip).await.unwrap();
        }
        assert!(l.record_failed_login(ip).await.is_err());
        assert!(l.check_login_allowed(ip).await.is_err());
        l.check_login_allowed("198.51.100.10".parse().unwrap())
            .await
            .unwrap();
    }
}
