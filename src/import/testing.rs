//! What the readers' tests share: the fixture files, and taking records
//! apart.

use super::{CommentRecord, ImportError, Position, Record};
use std::path::PathBuf;

/// A file of `tests/fixtures/import`.
pub fn fixture(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/import")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The comment a record must be.
pub fn comment(record: &Record) -> &CommentRecord {
    match record {
        Record::Comment(c) => c,
        other => panic!("expected a comment, got {other:?}"),
    }
}

/// What and where of the malformed-file error that must end `records`.
pub fn malformed(records: &[Result<Record, ImportError>]) -> (String, Position) {
    match records.last() {
        Some(Err(ImportError::Malformed { what, at })) => (what.clone(), *at),
        other => panic!("expected a malformed-file error last, got {other:?}"),
    }
}
