//! Timestamps as HubSpot writes them: epoch milliseconds inside, ISO 8601 with millisecond
//! precision and a `Z` on the wire, and the lenient input forms clients send (epoch ms, ISO
//! date, ISO date-time with any offset).

use chrono::{DateTime, Datelike, NaiveDate, SecondsFormat, Timelike, Utc};

pub const MS_PER_DAY: i64 = 86_400_000;

/// `2019-10-30T03:30:17.883Z`, the shape of `createdAt` and datetime properties.
///
/// Record responses carry four of these per record, so the common years skip chrono's
/// formatter; the output is the same as `to_rfc3339_opts(SecondsFormat::Millis, true)`.
pub fn format_datetime(epoch_ms: i64) -> String {
    let Some(t) = DateTime::<Utc>::from_timestamp_millis(epoch_ms) else {
        return epoch_ms.to_string();
    };
    let year = t.year();
    if !(0..=9999).contains(&year) {
        return t.to_rfc3339_opts(SecondsFormat::Millis, true);
    }
    let mut out = String::with_capacity(24);
    push_digits(&mut out, year as u32, 4);
    out.push('-');
    push_digits(&mut out, t.month(), 2);
    out.push('-');
    push_digits(&mut out, t.day(), 2);
    out.push('T');
    push_digits(&mut out, t.hour(), 2);
    out.push(':');
    push_digits(&mut out, t.minute(), 2);
    out.push(':');
    push_digits(&mut out, t.second(), 2);
    out.push('.');
    push_digits(&mut out, t.timestamp_subsec_millis(), 3);
    out.push('Z');
    out
}

/// Appends `n` as exactly `width` (at most 4) decimal digits, zero-padded.
fn push_digits(out: &mut String, n: u32, width: usize) {
    let mut buf = [b'0'; 4];
    let mut n = n;
    for slot in buf[..width].iter_mut().rev() {
        *slot = b'0' + (n % 10) as u8;
        n /= 10;
    }
    // Only ASCII digits were written.
    out.push_str(std::str::from_utf8(&buf[..width]).unwrap_or_default());
}

/// `2020-01-15`, the shape of date properties (stored as midnight UTC).
pub fn format_date(epoch_ms: i64) -> String {
    match DateTime::<Utc>::from_timestamp_millis(epoch_ms) {
        Some(t) => t.format("%Y-%m-%d").to_string(),
        None => epoch_ms.to_string(),
    }
}

/// Appends a timestamp as exports spell it: `2020-01-15`, or `2020-01-15 09:30` with
/// `with_time`, in UTC. Returns false (and appends nothing) when the instant is out of
/// range. Exports write the years spreadsheets can show as date cells (1900-03-01 to
/// 9999) through `formats::Date`, which spells them the same; this is for the others.
pub fn write_export_timestamp(out: &mut String, epoch_ms: i64, with_time: bool) -> bool {
    let Some(t) = DateTime::<Utc>::from_timestamp_millis(epoch_ms) else {
        return false;
    };
    let format = if with_time {
        "%Y-%m-%d %H:%M"
    } else {
        "%Y-%m-%d"
    };
    out.push_str(&t.format(format).to_string());
    true
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

    #[test]
    fn export_timestamps_out_of_chrono_range_write_nothing() {
        let mut out = String::from("x");
        assert!(write_export_timestamp(&mut out, -62_167_219_200_001, true));
        assert_eq!(out, "x-0001-12-31 23:59");
        let mut out = String::new();
        assert!(!write_export_timestamp(&mut out, i64::MAX, true));
        assert!(out.is_empty());
    }

    #[test]
    fn wire_timestamps_read_as_chrono_formats_them() {
        let instants = [
            0,
            -1,
            999,
            1_572_406_217_883,
            253_402_300_799_999,
            253_402_300_800_000,
            -62_167_219_200_000,
            -62_167_219_200_001,
            951_782_400_000,
            i64::MAX,
        ];
        for ms in instants
            .into_iter()
            .chain((0..2000).map(|k| k * 7_777_777_777 - 5_000_000_000_000))
        {
            let want = match DateTime::<Utc>::from_timestamp_millis(ms) {
                Some(t) => t.to_rfc3339_opts(SecondsFormat::Millis, true),
                None => ms.to_string(),
            };
            assert_eq!(format_datetime(ms), want, "{ms}");
        }
    }
}
