//! `limit` and `cursor` from a query string: never a panic, limits always
//! within 1..=200, and every cursor the server makes reads back the same.
#![no_main]

use colloquy::http::{MAX_LIMIT, PageQuery, decode_cursor, encode_cursor};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(query) = serde_urlencoded::from_bytes::<PageQuery>(data) {
        if let Ok(page) = query.page(50) {
            assert!((1..=MAX_LIMIT).contains(&page.limit));
            if let Some(key) = page.after {
                assert_eq!(decode_cursor(&encode_cursor(key)).ok(), Some(key));
            }
        }
    }
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = decode_cursor(text);
    }
    if data.len() >= 12 {
        let mut a = [0u8; 8];
        a.copy_from_slice(&data[..8]);
        let mut b = [0u8; 4];
        b.copy_from_slice(&data[8..12]);
        let key = (i64::from_le_bytes(a), i32::from_le_bytes(b));
        assert_eq!(decode_cursor(&encode_cursor(key)).ok(), Some(key));
    }
});
