//! Settings: defaults, then a TOML file, then `COLLOQUY_*` environment
//! variables (nested keys joined by `__`).

use crate::domain::moderation::{Reason, default_reasons};
use crate::domain::spam::SpamRules;
use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use ipnet::IpNet;
use serde::{Deserialize, Deserializer, Serialize};
use std::fmt;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

mod mail;
pub use mail::{MailSettings, WEBHOOK_EVENTS, WebhookSettings, duplicate_webhook};

/// Everything the server can be told; see the configuration table in the
/// README for what each key means.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// Address and port to listen on.
    pub bind: String,
    /// Path of the SQLite database file.
    pub database: PathBuf,
    /// Rate limits on what readers and sign-in attempts can send.
    pub rate_limit: RateLimitSettings,
    /// Proxies whose `X-Forwarded-For` and `X-Forwarded-Proto` are believed.
    #[serde(deserialize_with = "list_or_csv")]
    pub trusted_proxies: Vec<IpNet>,
    /// Origins (scheme://host[:port]) whose pages may call the public API.
    #[serde(deserialize_with = "list_or_csv")]
    pub allowed_origins: Vec<String>,
    /// The name official replies are shown under.
    pub official_name: String,
    /// Key for hashing readers' IP addresses; generated and kept in the
    /// database when not set.
    pub ip_hash_key: Option<Secret>,
    /// Moderator sessions.
    pub session: SessionSettings,
    /// Spam signals.
    pub spam: SpamSettings,
    /// The rejection reasons moderators choose from.
    pub reasons: Vec<Reason>,
    /// Largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// Database connections for moderators, submissions and the writer.
    pub pool_size: u32,
    /// Database connections for readers' public reads, kept apart so that
    /// a flood of reads cannot starve submissions or moderators.
    pub read_pool_size: u32,
    /// Seconds a client has to send a request's head before it gets 408
    /// and is disconnected (slow-client protection).
    pub client_timeout_secs: u64,
    /// Seconds a client has, once the head is in, to send the whole
    /// request body before it gets 408 and is disconnected.
    pub client_body_timeout_secs: u64,
    /// Open connections per worker thread; further ones wait in the
    /// listen backlog.
    pub max_connections: usize,
    /// HTTP worker threads; the number of CPU cores when unset.
    pub workers: Option<usize>,
    /// `Secure` on the session cookie: `true`, `false`, or unset to decide
    /// per request (https directly, or via a trusted proxy).
    pub secure_cookies: Option<bool>,
    /// Show the demo blog at `/` (set by `serve --demo`).
    pub demo: bool,
    /// The in-memory cache of rendered threads and counts.
    pub cache: CacheSettings,
    /// Routes only a benchmark needs (a fixed-size body to compare with).
    pub bench_routes: bool,
    /// Close a post's comments this many days after it was published
    /// (0: never).
    pub auto_close_days: u32,
    /// Readers' personal data: how long it is kept.
    pub privacy: PrivacySettings,
    /// The Prometheus `/metrics` endpoint.
    pub metrics: MetricsSettings,
    /// How posts come to exist.
    pub posts: PostsSettings,
    /// The address readers reach this server at (`https://comments.blog.example`),
    /// the start of every absolute link it writes; `http://` + `bind` when unset.
    pub public_url: Option<String>,
    /// Outgoing mail; off unless `mail.smtp_url` is set.
    pub mail: MailSettings,
    /// Signed JSON POSTs of chosen events (`[[webhooks]]`).
    pub webhooks: Vec<WebhookSettings>,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            bind: "127.0.0.1:8080".to_owned(),
            database: PathBuf::from("colloquy.db"),
            rate_limit: RateLimitSettings::default(),
            trusted_proxies: Vec::new(),
            allowed_origins: Vec::new(),
            official_name: "DipNote Bloggers".to_owned(),
            ip_hash_key: None,
            session: SessionSettings::default(),
            spam: SpamSettings::default(),
            reasons: default_reasons(),
            max_body_bytes: 64 * 1024,
            pool_size: 3,
            read_pool_size: 3,
            client_timeout_secs: 5,
            client_body_timeout_secs: 10,
            max_connections: 2048,
            workers: None,
            secure_cookies: None,
            demo: false,
            cache: CacheSettings::default(),
            bench_routes: false,
            auto_close_days: 0,
            privacy: PrivacySettings::default(),
            metrics: MetricsSettings::default(),
            posts: PostsSettings::default(),
            public_url: None,
            mail: MailSettings::default(),
            webhooks: Vec::new(),
        }
    }
}

impl Settings {
    /// `public_url` without a trailing slash, or `http://` + `bind`.
    pub fn public_url(&self) -> String {
        match &self.public_url {
            Some(url) if !url.trim().is_empty() => url.trim().trim_end_matches('/').to_owned(),
            _ => format!("http://{}", self.bind),
        }
    }
}

pub use crate::domain::page::origin_of;

/// How posts come to exist.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct PostsSettings {
    /// A page on an allowed origin starts its own thread: reads of an
    /// unknown slug answer an empty open thread (storing nothing), and the
    /// first accepted comment creates the post. Off: only editors create
    /// posts.
    pub auto_create: bool,
}

impl Default for PostsSettings {
    fn default() -> Self {
        Self { auto_create: true }
    }
}

/// How long readers' personal data is kept.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct PrivacySettings {
    /// Days after a comment is decided (approved, rejected or spam) before
    /// its e-mail address and IP hash are removed; 0 keeps them forever.
    pub retention_days: u32,
}

impl Default for PrivacySettings {
    fn default() -> Self {
        Self { retention_days: 90 }
    }
}

/// Rate limits, each per client IP address.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct RateLimitSettings {
    /// Turns every limit on or off (benchmarks turn them off).
    pub enabled: bool,
    /// Comment submissions a minute, sustained.
    pub comments_per_minute: u32,
    /// Comment submissions allowed in a quick burst.
    pub burst: u32,
    /// Reader flags a minute (also the burst).
    pub flags_per_minute: u32,
    /// Readers' previews (`POST /api/v1/preview`) a minute (also the
    /// burst): generous, since a reader may preview a comment often.
    pub previews_per_minute: u32,
    /// Failed sign-ins a minute (also the burst).
    pub failed_logins_per_minute: u32,
    /// Sign-in tries a minute for one account name, from every address
    /// together (also the burst): past it the account takes one try per
    /// `60 / n` seconds, whoever sends it.
    pub account_logins_per_minute: u32,
}

impl Default for RateLimitSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            comments_per_minute: 3,
            burst: 3,
            flags_per_minute: 10,
            previews_per_minute: 30,
            failed_logins_per_minute: 5,
            account_logins_per_minute: 10,
        }
    }
}

/// The read cache.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct CacheSettings {
    /// Keep rendered threads and counts in memory.
    pub enabled: bool,
    /// Upper bound of the rendered pages kept, in bytes.
    pub max_bytes: u64,
}

impl Default for CacheSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            max_bytes: 16 * 1024 * 1024,
        }
    }
}

/// Who may read `/metrics`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct MetricsSettings {
    /// Serve `/metrics` at all (404 when off).
    pub enabled: bool,
    /// Networks whose clients may read it; anyone else gets 404. The
    /// address checked is the TCP peer, or, when the peer is a trusted
    /// proxy, the client it forwards for; a request relayed by any other
    /// proxy (one carrying forwarding headers) is refused.
    #[serde(deserialize_with = "list_or_csv")]
    pub allow: Vec<IpNet>,
}

impl Default for MetricsSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            allow: ["127.0.0.0/8", "::1/128"]
                .iter()
                .filter_map(|n| n.parse().ok())
                .collect(),
        }
    }
}

/// Moderator session lifetimes.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct SessionSettings {
    /// A session ends this many hours after sign-in, however active.
    pub lifetime_hours: u32,
    /// A session ends after this many idle minutes.
    pub idle_minutes: u32,
}

impl Default for SessionSettings {
    fn default() -> Self {
        Self {
            lifetime_hours: 12,
            idle_minutes: 120,
        }
    }
}

/// Spam-signal settings.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct SpamSettings {
    /// More links than this is a signal.
    pub max_links: usize,
    /// Words or phrases that are a signal.
    #[serde(deserialize_with = "list_or_csv")]
    pub banned_terms: Vec<String>,
    /// A score at or above this sends a comment to the spam bin.
    pub threshold: i32,
    /// The rejection reason a banned term cites when it was added without
    /// one of its own.
    pub banned_term_reason: String,
}

impl Default for SpamSettings {
    fn default() -> Self {
        let rules = SpamRules::default();
        Self {
            max_links: rules.max_links,
            banned_terms: rules.banned_terms,
            threshold: rules.spam_threshold,
            banned_term_reason: "other".to_owned(),
        }
    }
}

impl SpamSettings {
    /// The rules the spam check applies.
    pub fn rules(&self) -> SpamRules {
        SpamRules {
            max_links: self.max_links,
            banned_terms: self.banned_terms.clone(),
            spam_threshold: self.threshold,
            ..SpamRules::default()
        }
    }
}

/// A value that must not appear in logs or `Debug` output.
#[derive(Clone, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: String) -> Self {
        Self(value)
    }

    /// The secret itself; call only where it is used.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(…)")
    }
}

/// Accepts a list either as a TOML/JSON array or as one comma-separated
/// string, which is what an environment variable can carry.
fn list_or_csv<'de, D, T>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: std::str::FromStr,
    T::Err: fmt::Display,
{
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        List(Vec<String>),
        One(String),
    }
    let items = match Raw::deserialize(deserializer)? {
        Raw::List(items) => items,
        Raw::One(text) => text.split(',').map(str::to_owned).collect(),
    };
    items
        .iter()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .map(|s| parse_item(s).map_err(serde::de::Error::custom))
        .collect()
}

/// Parses one list item; a bare IP address is accepted where a network is
/// expected.
fn parse_item<T>(s: &str) -> Result<T, String>
where
    T: std::str::FromStr,
    T::Err: fmt::Display,
{
    s.parse::<T>().or_else(|first| {
        s.parse::<IpAddr>()
            .ok()
            .and_then(|ip| IpNet::from(ip).to_string().parse::<T>().ok())
            .ok_or_else(|| format!("{s:?}: {first}"))
    })
}

/// Why `database` cannot be served, if it cannot: it is a SQLite file
/// path or a `postgres://` URL, and any other URL (`mysql://…`,
/// `sqlite://…`) is refused rather than taken as a strange file name —
/// which could put a password into the file system. The message shows the
/// URL with its password replaced.
fn database_problem(database: &Path) -> Option<String> {
    let text = database.to_string_lossy();
    let (scheme, _) = text.split_once("://")?;
    let is_scheme = !scheme.is_empty()
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    if !is_scheme
        || matches!(
            scheme.to_ascii_lowercase().as_str(),
            "postgres" | "postgresql"
        )
    {
        return None;
    }
    let shown = redact_password(&text);
    Some(format!(
        "database = {shown:?} is a {scheme}:// URL; Colloquy takes the path of a SQLite \
         file such as \"colloquy.db\" or a postgres:// URL"
    ))
}

/// `scheme://user:password@host/…` with the password shown as `***`; any
/// other text unchanged.
pub fn redact_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    let Some((userinfo, host)) = authority.rsplit_once('@') else {
        return url.to_string();
    };
    match userinfo.split_once(':') {
        Some((user, _password)) => format!("{scheme}://{user}:***@{host}{tail}"),
        None => url.to_string(),
    }
}

impl Settings {
    /// Loads settings from the defaults, the optional TOML file and the
    /// environment.
    pub fn load(file: Option<&Path>) -> Result<Self, Box<figment::Error>> {
        let mut figment = Figment::from(Serialized::defaults(Settings::default()));
        if let Some(path) = file {
            if !path.exists() {
                return Err(Box::new(figment::Error::from(format!(
                    "the configuration file {} does not exist",
                    path.display()
                ))));
            }
            figment = figment.merge(Toml::file(path));
        }
        let settings: Self = figment
            .merge(Env::prefixed("COLLOQUY_").split("__"))
            .extract()
            .map_err(Box::new)?;
        if let Some(problem) = database_problem(&settings.database) {
            return Err(Box::new(figment::Error::from(problem)));
        }
        if let Some(problem) = settings.webhooks.iter().find_map(WebhookSettings::problem) {
            return Err(Box::new(figment::Error::from(problem)));
        }
        if let Some(url) = duplicate_webhook(&settings.webhooks) {
            return Err(Box::new(figment::Error::from(format!(
                "webhook {url} is configured twice: give it one [[webhooks]] entry with all its events"
            ))));
        }
        if settings.mail.enabled()
            && settings
                .mail
                .from
                .parse::<lettre::message::Mailbox>()
                .is_err()
        {
            return Err(Box::new(figment::Error::from(format!(
                "mail.from {:?} is not an address like \"Colloquy <comments@blog.example>\"",
                settings.mail.from
            ))));
        }
        Ok(settings)
    }

    /// Whether `ip` is one of the trusted proxies.
    pub fn is_trusted_proxy(&self, ip: IpAddr) -> bool {
        self.trusted_proxies.iter().any(|net| net.contains(&ip))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use figment::Jail;

    #[test]
    fn defaults_match_the_contract() {
        let s = Settings::default();
        assert_eq!(s.bind, "127.0.0.1:8080");
        assert_eq!(s.database, PathBuf::from("colloquy.db"));
        assert!(s.rate_limit.enabled);
        assert_eq!(
            (s.rate_limit.comments_per_minute, s.rate_limit.burst),
            (3, 3)
        );
        assert_eq!(s.official_name, "DipNote Bloggers");
        assert!(s.trusted_proxies.is_empty() && s.allowed_origins.is_empty());
    }

    #[test]
    #[allow(clippy::result_large_err)]
    fn the_environment_overrides_the_file_which_overrides_defaults() {
        Jail::expect_with(|jail| {
            jail.create_file(
                "c.toml",
                "bind = \"0.0.0.0:9000\"\nofficial_name = \"Staff\"\n[rate_limit]\nburst = 5\n",
            )?;
            jail.set_env("COLLOQUY_OFFICIAL_NAME", "DipNote Bloggers");
            jail.set_env("COLLOQUY_RATE_LIMIT__ENABLED", "false");
            jail.set_env("COLLOQUY_TRUSTED_PROXIES", "10.0.0.1, 192.168.0.0/16");
            jail.set_env("COLLOQUY_ALLOWED_ORIGINS", "https://blog.example");
            let s = Settings::load(Some(Path::new("c.toml"))).map_err(|e| *e)?;
            assert_eq!(s.bind, "0.0.0.0:9000");
            assert_eq!(s.official_name, "DipNote Bloggers");
            assert_eq!(s.rate_limit.burst, 5);
            assert!(!s.rate_limit.enabled);
            assert!(s.is_trusted_proxy("10.0.0.1".parse().unwrap()));
            assert!(s.is_trusted_proxy("192.168.4.2".parse().unwrap()));
            assert!(!s.is_trusted_proxy("10.0.0.2".parse().unwrap()));
            assert_eq!(s.allowed_origins, ["https://blog.example"]);
            Ok(())
        });
    }

    #[test]
    #[allow(clippy::result_large_err)]
    fn webhooks_are_read_from_the_file_and_checked() {
        Jail::expect_with(|jail| {
            let hook = |url: &str, secret: &str, events: &str| {
                format!(
                    "[[webhooks]]\nurl = \"{url}\"\nsecret = \"{secret}\"\nevents = [{events}]\n"
                )
            };
            let good = hook(
                "https://hooks.blog.example/colloquy",
                "0123456789abcdef",
                "\"comment.submitted\", \"comment.flagged\"",
            );
            jail.create_file("good.toml", &good)?;
            let s = Settings::load(Some(Path::new("good.toml"))).map_err(|e| *e)?;
            assert_eq!(s.webhooks.len(), 1);
            assert_eq!(
                s.webhooks[0].events,
                ["comment.submitted", "comment.flagged"]
            );
            let refused = [
                hook("https://h.example/", "too short", "\"comment.spam\""),
                hook("ftp://h.example/", "0123456789abcdef", "\"comment.spam\""),
                hook("https://h.example/", "0123456789abcdef", ""),
                hook(
                    "https://h.example/",
                    "0123456789abcdef",
                    "\"comment.deleted\"",
                ),
                good.clone()
                    + &hook(
                        " https://hooks.blog.example/colloquy",
                        "fedcba9876543210",
                        "\"comment.spam\"",
                    ),
            ];
            for (i, text) in refused.iter().enumerate() {
                let name = format!("bad{i}.toml");
                jail.create_file(&name, text)?;
                let error = Settings::load(Some(Path::new(&name))).map(drop);
                assert!(error.is_err(), "{text}");
                if i == refused.len() - 1 {
                    let said = error.map_err(|e| e.to_string()).unwrap_err();
                    assert!(said.contains("configured twice"), "{said}");
                }
            }
            Ok(())
        });
    }

    #[test]
    #[allow(clippy::result_large_err)]
    fn a_database_url_other_than_postgres_is_refused_without_its_password() {
        Jail::expect_with(|jail| {
            jail.set_env(
                "COLLOQUY_DATABASE",
                "mysql://alice:s3cret@db.example:3306/blog",
            );
            let error = Settings::load(None).map(drop).err().map(|e| e.to_string());
            let error = error.unwrap_or_default();
            assert!(error.contains("mysql:// URL"), "{error}");
            assert!(error.contains("alice:***@db.example:3306/blog"), "{error}");
            assert!(!error.contains("s3cret"), "{error}");
            jail.set_env(
                "COLLOQUY_DATABASE",
                "postgres://alice:s3cret@db.example/blog",
            );
            assert!(Settings::load(None).is_ok());
            jail.set_env("COLLOQUY_DATABASE", "data/colloquy.db");
            assert!(Settings::load(None).is_ok());
            Ok(())
        });
    }

    #[test]
    fn passwords_are_redacted_from_urls_and_nothing_else_changes() {
        assert_eq!(
            redact_password("postgres://u:p@h/db?sslmode=require"),
            "postgres://u:***@h/db?sslmode=require"
        );
        assert_eq!(redact_password("postgres://u:p:q@h"), "postgres://u:***@h");
        assert_eq!(redact_password("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(redact_password("postgres://h/a@b"), "postgres://h/a@b");
        assert_eq!(redact_password("colloquy.db"), "colloquy.db");
    }

    #[test]
    fn a_missing_config_file_is_an_error() {
        assert!(Settings::load(Some(Path::new("/nonexistent/colloquy.toml"))).is_err());
    }

    #[test]
    fn secrets_do_not_show_in_debug_output() {
        let s = Settings {
            ip_hash_key: Some(Secret::new("hunter2".into())),
            ..Settings::default()
        };
        assert!(!format!("{s:?}").contains("hunter2"));
    }

    #[test]
    fn public_url_loses_its_trailing_slash_and_defaults_to_bind() {
        let s = Settings {
            public_url: Some("https://comments.example/".into()),
            ..Settings::default()
        };
        assert_eq!(s.public_url(), "https://comments.example");
        assert_eq!(
            Settings::default().public_url(),
            "http://127.0.0.1:8080",
            "http:// + bind by default"
        );
    }
}
