//! Times are stored as Unix seconds and shown as RFC 3339 UTC.

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// The current time in Unix seconds.
pub fn now() -> i64 {
    OffsetDateTime::now_utc().unix_timestamp()
}

/// Formats Unix seconds as RFC 3339 UTC, e.g. `2012-04-27T14:03:00Z`.
pub fn rfc3339(unix: i64) -> String {
    OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_else(|| "1970-01-01T00:00:00Z".to_owned())
}

/// Parses an RFC 3339 time (any offset) into Unix seconds.
pub fn parse_rfc3339(value: &str) -> Option<i64> {
    OffsetDateTime::parse(value.trim(), &Rfc3339)
        .ok()
        .map(OffsetDateTime::unix_timestamp)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_round_trip_in_utc() {
        let unix = parse_rfc3339("2012-04-27T14:03:00Z").unwrap();
        assert_eq!(rfc3339(unix), "2012-04-27T14:03:00Z");
        assert_eq!(parse_rfc3339("2012-04-27T16:03:00+02:00"), Some(unix));
        assert_eq!(parse_rfc3339("27 April 2012"), None);
    }
}
