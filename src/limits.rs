//! Who the client is (trusted-proxy aware) and how often it may act:
//! governor's keyed rate limiters, one per kind of action.

use crate::config::{RateLimitSettings, Settings};
use crate::domain::privacy::network_key;
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

/// The server's rate limiters.
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

impl Limits {
    /// Limiters with the configured quotas.
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
        }
    }

    /// Counts one sign-in try for the account `username`, from whatever
    /// address; a 429 past `account_logins_per_minute` (then one try per
    /// `60 / n` seconds, the right password included, so the limit is no
    /// oracle). An attacker spread over many addresses gets no more tries
    /// at one account than that, and holds it there only while they keep
    /// trying: it is free again seconds after they stop
    /// (docs/operations.md).
    pub fn check_account(&self, username: &str) -> Result<(), ApiError> {
        if !self.enabled {
            return Ok(());
        }
        let key = account_key(username);
        self.account_tries.check_key(&key).map_err(|not_until| {
            tracing::warn!(account = %key, "sign-in throttled for the account: too many tries");
            ApiError::RateLimited {
                retry_after: seconds_ceil(not_until.wait_time_from(self.clock.now())).max(1),
            }
        })
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
    pub fn check(&self, action: Action, ip: IpAddr) -> Result<(), ApiError> {
        match action {
            Action::Comment => self.take(&self.comments, ip),
            Action::Flag => self.take(&self.flags, ip),
            Action::Preview => self.take(&self.previews, ip),
        }
    }

    /// A 429 while `ip` is locked out of signing in.
    pub fn check_login_allowed(&self, ip: IpAddr) -> Result<(), ApiError> {
        if !self.enabled {
            return Ok(());
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
    pub fn record_failed_login(&self, ip: IpAddr) -> Result<(), ApiError> {
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
    /// so that memory does not grow with the number of addresses seen.
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

    #[test]
    fn the_fourth_rapid_comment_is_refused_with_a_retry_time() {
        let l = limits(true);
        let ip: IpAddr = "198.51.100.1".parse().unwrap();
        for _ in 0..3 {
            l.check(Action::Comment, ip).unwrap();
        }
        match l.check(Action::Comment, ip) {
            Err(ApiError::RateLimited { retry_after }) => assert!((1..=20).contains(&retry_after)),
            other => panic!("expected 429, got {other:?}"),
        }
        l.check(Action::Comment, "198.51.100.2".parse().unwrap())
            .unwrap();
    }

    #[test]
    fn previews_are_generous_and_count_apart_from_comments() {
        let l = limits(true);
        let ip: IpAddr = "198.51.100.3".parse().unwrap();
        for _ in 0..30 {
            l.check(Action::Preview, ip).unwrap();
        }
        assert!(l.check(Action::Preview, ip).is_err());
        l.check(Action::Comment, ip).unwrap();
    }

    #[test]
    fn disabled_limits_never_refuse() {
        let l = limits(false);
        let ip: IpAddr = "198.51.100.1".parse().unwrap();
        for _ in 0..100 {
            l.check(Action::Comment, ip).unwrap();
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

    #[test]
    fn one_account_takes_so_many_tries_a_minute_from_all_addresses() {
        let l = limits(true);
        for _ in 0..10 {
            l.check_account("alice").unwrap();
        }
        let refused = l.check_account(" ALICE ").unwrap_err();
        assert!(
            matches!(refused, ApiError::RateLimited { retry_after } if (1..=6).contains(&retry_after)),
            "{refused:?}"
        );
        l.check_account("bob").unwrap();
        let off = limits(false);
        for _ in 0..50 {
            off.check_account("alice").unwrap();
        }
    }

    #[test]
    fn failed_logins_lock_the_address_out() {
        let l = limits(true);
        let ip: IpAddr = "198.51.100.9".parse().unwrap();
        for _ in 0..5 {
            l.check_login_allowed(ip).unwrap();
            l.record_failed_login(ip).unwrap();
        }
        assert!(l.record_failed_login(ip).is_err());
        assert!(l.check_login_allowed(ip).is_err());
        l.check_login_allowed("198.51.100.10".parse().unwrap())
            .unwrap();
    }
}
