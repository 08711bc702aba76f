//! The outbox's rules: what an item is, when a failed one is tried again,
//! and when it is given up on.

/// Tries before an item is given up on (and shown to admins).
pub const MAX_ATTEMPTS: i32 = 12;
/// The first retry comes this many seconds after a failure.
pub const FIRST_RETRY_SECS: i64 = 20;
/// No wait between tries is longer than this.
pub const MAX_RETRY_SECS: i64 = 60 * 60;

/// How an item travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    /// A message over SMTP.
    Mail,
    /// A signed JSON POST.
    Webhook,
}

impl Channel {
    /// The stored word.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Mail => "mail",
            Self::Webhook => "webhook",
        }
    }

    /// The channel a stored word names.
    pub fn parse(word: &str) -> Option<Self> {
        match word {
            "mail" => Some(Self::Mail),
            "webhook" => Some(Self::Webhook),
            _ => None,
        }
    }
}

/// What a message tells its reader.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailKind {
    /// "Please confirm your address" (the only message an unconfirmed
    /// address ever gets).
    Confirm,
    /// Your comment was published.
    Approved,
    /// Your comment was not published: the statement of reasons.
    Rejected,
    /// Someone answered your comment.
    Answered,
    /// Comments wait for moderators.
    Digest,
    /// Your appeal was decided.
    Appeal,
    /// Your notice was received (to a notifier, DSA art. 16(4)).
    NoticeReceived,
    /// Your notice was decided (to a notifier, DSA art. 16(5)).
    NoticeDecided,
}

impl MailKind {
    /// Every kind, in the order the templates list them.
    pub const ALL: [Self; 8] = [
        Self::Confirm,
        Self::Approved,
        Self::Rejected,
        Self::Answered,
        Self::Digest,
        Self::Appeal,
        Self::NoticeReceived,
        Self::NoticeDecided,
    ];

    /// The stored word, also the template's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Confirm => "confirm",
            Self::Approved => "approved",
            Self::Rejected => "rejected",
            Self::Answered => "answered",
            Self::Digest => "digest",
            Self::Appeal => "appeal",
            Self::NoticeReceived => "notice_received",
            Self::NoticeDecided => "notice_decided",
        }
    }

    /// Whether it goes to a notifier: an address that filed a notice,
    /// not a subscriber, told once of the receipt and once of the
    /// decision (unless it unsubscribed from all mail).
    pub fn to_notifier(self) -> bool {
        matches!(self, Self::NoticeReceived | Self::NoticeDecided)
    }

    /// The kind a stored word names.
    pub fn parse(word: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == word)
    }
}

/// Where an item stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Waiting to be sent (now or at `next_attempt_at`).
    Due,
    /// Sent; the relay or the receiver took it.
    Sent,
    /// Given up on after [`MAX_ATTEMPTS`]; an admin may retry or drop it.
    Failed,
    /// Dropped by an admin, or because its address unsubscribed.
    Dropped,
}

impl State {
    /// The stored word.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Due => "due",
            Self::Sent => "sent",
            Self::Failed => "failed",
            Self::Dropped => "dropped",
        }
    }

    /// The state a stored word names.
    pub fn parse(word: &str) -> Option<Self> {
        [Self::Due, Self::Sent, Self::Failed, Self::Dropped]
            .into_iter()
            .find(|s| s.as_str() == word)
    }
}

/// Seconds to wait after the `attempts`-th failed try: 20 s, then twice
/// as long each time, never more than an hour.
pub fn retry_after(attempts: i32) -> i64 {
    let doublings = u32::try_from(attempts.saturating_sub(1).clamp(0, 20)).unwrap_or(0);
    FIRST_RETRY_SECS
        .saturating_mul(1_i64 << doublings)
        .min(MAX_RETRY_SECS)
}

/// What becomes of an item after its `attempts`-th failed try at `now`:
/// tried again at the returned time, or given up on (`None`).
pub fn after_failure(attempts: i32, now: i64) -> Option<i64> {
    (attempts < MAX_ATTEMPTS).then(|| now + retry_after(attempts))
}

/// The form of an address that subscriptions are kept under: trimmed,
/// lower case (so `Mari@Example.org` and `mari@example.org` are one
/// reader, with one confirmation and one unsubscribe).
pub fn address_key(email: &str) -> String {
    email.trim().to_lowercase()
}

/// The code of subscriber `id`'s unsubscribe link: an HMAC-SHA256 of the
/// id and address under the server's mail key, so the link names no
/// address and cannot be guessed for another.
pub fn unsubscribe_code(key: &[u8], id: i32, email: &str) -> String {
    use hmac::{Hmac, Mac};
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(key)
        .unwrap_or_else(|_| unreachable!("HMAC takes any key"));
    mac.update(b"unsubscribe\0");
    mac.update(id.to_string().as_bytes());
    mac.update(b"\0");
    mac.update(address_key(email).as_bytes());
    super::hex::hex(&mac.finalize().into_bytes()[..16])
}

/// Whether `code` is subscriber `id`'s unsubscribe code (compared in
/// constant time).
pub fn unsubscribe_code_matches(key: &[u8], id: i32, email: &str, code: &str) -> bool {
    use subtle::ConstantTimeEq;
    let want = unsubscribe_code(key, id, email);
    want.len() == code.len() && bool::from(want.as_bytes().ct_eq(code.as_bytes()))
}

/// `X-Colloquy-Signature` of a webhook body: `sha256=` and the hex
/// HMAC-SHA256 of the raw body under the webhook's secret.
pub fn webhook_signature(secret: &[u8], body: &[u8]) -> String {
    use hmac::{Hmac, Mac};
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret)
        .unwrap_or_else(|_| unreachable!("HMAC takes any key"));
    mac.update(body);
    format!("sha256={}", super::hex::hex(&mac.finalize().into_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unsubscribe_codes_are_per_subscriber_and_checked() {
        let code = unsubscribe_code(b"key", 7, "Mari@Example.org");
        assert_eq!(code.len(), 32);
        assert!(unsubscribe_code_matches(
            b"key",
            7,
            "mari@example.org",
            &code
        ));
        assert!(!unsubscribe_code_matches(
            b"key",
            8,
            "mari@example.org",
            &code
        ));
        assert!(!unsubscribe_code_matches(
            b"other",
            7,
            "mari@example.org",
            &code
        ));
        assert!(!unsubscribe_code_matches(
            b"key",
            7,
            "mari@example.org",
            &code[..31]
        ));
    }

    #[test]
    fn a_webhook_signature_is_the_hmac_of_the_body() {
        // RFC 4231, test case 2.
        assert_eq!(
            webhook_signature(b"Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn retries_back_off_from_twenty_seconds_to_an_hour() {
        assert_eq!(retry_after(1), 20);
        assert_eq!(retry_after(2), 40);
        assert_eq!(retry_after(3), 80);
        assert_eq!(retry_after(8), 2560);
        assert_eq!(retry_after(9), 3600);
        assert_eq!(retry_after(40), 3600);
        assert_eq!(retry_after(0), 20);
    }

    #[test]
    fn an_item_is_given_up_on_after_the_last_attempt() {
        assert_eq!(after_failure(1, 1000), Some(1020));
        assert_eq!(after_failure(MAX_ATTEMPTS - 1, 0), Some(3600));
        assert_eq!(after_failure(MAX_ATTEMPTS, 0), None);
    }

    #[test]
    fn stored_words_name_their_values() {
        for kind in MailKind::ALL {
            assert_eq!(MailKind::parse(kind.as_str()), Some(kind));
        }
        for state in [State::Due, State::Sent, State::Failed, State::Dropped] {
            assert_eq!(State::parse(state.as_str()), Some(state));
        }
        assert_eq!(Channel::parse("webhook"), Some(Channel::Webhook));
        assert_eq!(Channel::parse("fax"), None);
    }
}
