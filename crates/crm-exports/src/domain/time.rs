//! Timestamps as HubSpot writes them: epoch milliseconds inside, ISO 8601 with millisecond
//! precision and a `Z` on the wire, and the lenient input forms clients send (epoch ms, ISO
//! date, ISO date-time with any offset).

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};

pub const MS_PER_DAY: i64 = 86_400_000;

/// `2019-10-30T03:30:17.883Z`, the shape of `createdAt` and datetime properties.
pub fn format_datetime(epoch_ms: i64) -> String {
    match DateTime::<Utc>::from_timestamp_millis(epoch_ms) {
        Some(t) => t.to_rfc3339_opts(SecondsFormat::Millis, true),
        None => epoch_ms.to_string(),
    }
}

/// `2020-01-15`, the shape of date properties (stored as midnight UTC).
pub fn format_date(epoch_ms: i64) -> String {
    match DateTime::<Utc>::from_timestamp_millis(epoch_ms) {
        Some(t) => t.format("%Y-%m-%d").to_string(),
        None => epoch_ms.to_string(),
    }
}

/// Parses epoch milliseconds, an ISO 8601 date (midnight UTC) or an RFC 3339 date-time.
pub fn parse_timestamp(text: &str) -> Option<i64> {
    let text = text.trim();
    if let Ok(ms) = text.parse::<i64>() {
        return Some(ms);
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(t.timestamp_millis());
    }
    // RFC 3339 without an offset is common from hand-written clients; read it as UTC.
    if let Ok(t) = chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f") {
        return Some(t.and_utc().timestamp_millis());
    }
    if let Ok(d) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return Some(d.and_hms_opt(0, 0, 0)?.and_utc().timestamp_millis());
    }
    None
}

pub fn now_ms() -> i64 {
    Utc::now().timestamp_millis()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_accepted_input_form_gives_the_same_instant() {
        let want = 1_572_406_217_883;
        assert_eq!(parse_timestamp("1572406217883"), Some(want));
        assert_eq!(parse_timestamp("2019-10-30T03:30:17.883Z"), Some(want));
        assert_eq!(parse_timestamp("2019-10-30T05:30:17.883+02:00"), Some(want));
        assert_eq!(parse_timestamp("2019-10-30T03:30:17.883"), Some(want));
        assert_eq!(format_datetime(want), "2019-10-30T03:30:17.883Z");
    }

    #[test]
    fn a_date_is_midnight_utc() {
        let ms = parse_timestamp("2020-01-15").unwrap();
        assert_eq!(ms % MS_PER_DAY, 0);
        assert_eq!(format_date(ms), "2020-01-15");
        assert_eq!(parse_timestamp("yesterday"), None);
    }
}
