//! Bytes as lower-case hexadecimal, two digits a byte: the form of every
//! digest Colloquy writes down (session token hashes in the database,
//! keyed IP hashes, ETags). Stored values depend on it, so its output
//! must never change.

const DIGITS: &[u8; 16] = b"0123456789abcdef";

/// `bytes` as lower-case hex, two digits a byte, most significant first
/// (what `format!("{b:02x}")` gives byte by byte).
pub fn hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_byte_is_two_lower_case_digits() {
        assert_eq!(hex(&[]), "");
        assert_eq!(hex(&[0x00, 0x0f, 0xa0, 0xff, 0x7e]), "000fa0ff7e");
        for b in 0..=u8::MAX {
            assert_eq!(hex(&[b]), format!("{b:02x}"), "byte {b}");
        }
    }

    #[test]
    fn a_digest_reads_as_its_published_hex() {
        use sha2::{Digest, Sha256};
        // FIPS 180-2, appendix B.1: SHA-256("abc").
        assert_eq!(
            hex(&Sha256::digest(b"abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
