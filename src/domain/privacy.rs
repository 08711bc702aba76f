//! Readers' IP addresses are never stored: only a keyed hash, enough to
//! rate-limit, spot repeats and ban, useless to anyone without the key.

use crate::domain::hex::hex;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::net::IpAddr;

/// Hashes IP addresses with HMAC-SHA-256 under the instance's key.
#[derive(Clone)]
pub struct IpHasher {
    mac: Hmac<Sha256>,
}

impl std::fmt::Debug for IpHasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("IpHasher(…)")
    }
}

impl IpHasher {
    /// A hasher under `key` (HMAC accepts keys of any length; the error
    /// exists only in the trait's signature).
    pub fn new(key: &[u8]) -> Result<Self, hmac::digest::InvalidLength> {
        Ok(Self {
            mac: <Hmac<Sha256> as Mac>::new_from_slice(key)?,
        })
    }

    /// The hash of `ip`, 32 hex digits. IPv6 addresses are hashed by their
    /// /64 network, since one household or host usually holds a whole /64.
    pub fn hash(&self, ip: IpAddr) -> String {
        let mut mac = self.mac.clone();
        mac.update(network_key(ip).to_string().as_bytes());
        let digest = mac.finalize().into_bytes();
        hex(&digest[..16])
    }

    /// The keyed hash of `text` (an account name keying a shared limit),
    /// 32 hex digits, apart from every address's hash.
    pub fn hash_text(&self, text: &str) -> String {
        let mut mac = self.mac.clone();
        mac.update(b"text:");
        mac.update(text.as_bytes());
        let digest = mac.finalize().into_bytes();
        hex(&digest[..16])
    }
}

/// The address a client is known by: itself for IPv4 and IPv4-mapped
/// IPv6, its /64 network for other IPv6 addresses.
pub fn network_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(v4) => IpAddr::V4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_keyed_stable_and_hide_the_address() {
        let a = IpHasher::new(b"key-one").unwrap();
        let b = IpHasher::new(b"key-two").unwrap();
        let ip: IpAddr = "203.0.113.7".parse().unwrap();
        assert_eq!(a.hash(ip), a.hash(ip));
        assert_ne!(a.hash(ip), b.hash(ip));
        assert_eq!(a.hash(ip).len(), 32);
        assert!(!a.hash(ip).contains("203"));
    }

    #[test]
    fn stored_hashes_keep_their_form() {
        // Bans and rate limits match on stored hashes: HMAC-SHA-256 of the
        // address's text, first 16 bytes, lower-case hex.
        let h = IpHasher::new(b"k").unwrap();
        assert_eq!(
            h.hash("203.0.113.7".parse().unwrap()),
            "024f38e394d6c69db316cba1600f4a82"
        );
        assert_eq!(
            h.hash("2001:db8:1:2::1".parse().unwrap()),
            "a2b7f1a270f391604276ff8d9837fbaf"
        );
    }

    #[test]
    fn an_ipv6_host_is_known_by_its_64() {
        let h = IpHasher::new(b"k").unwrap();
        let one: IpAddr = "2001:db8:1:2::1".parse().unwrap();
        let two: IpAddr = "2001:db8:1:2:ffff::9".parse().unwrap();
        let other: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(h.hash(one), h.hash(two));
        assert_ne!(h.hash(one), h.hash(other));
        let mapped: IpAddr = "::ffff:203.0.113.7".parse().unwrap();
        assert_eq!(h.hash(mapped), h.hash("203.0.113.7".parse().unwrap()));
    }
}
