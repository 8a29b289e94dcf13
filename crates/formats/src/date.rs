//! Dates and date-times as cells: a UTC instant, with or without its time of day, that
//! spreadsheets store as a day number with a date format and CSV spells as text
//! (`2021-01-31 09:30`, `2021-01-31`). Only instants Excel and LibreOffice number alike
//! are dates here: from 1900-03-01 (before it, Excel counts the non-existent 1900-02-29)
//! to 9999-12-31. Callers write anything else as text of their own.

const MS_PER_DAY: i64 = 86_400_000;
/// Day number of 1970-01-01 in the 1900 date system (serial 25,569).
const UNIX_EPOCH_SERIAL: i64 = 25_569;
/// 1900-03-01 and 9999-12-31 as days since 1970-01-01.
const FIRST_DAY: i64 = 61 - UNIX_EPOCH_SERIAL;
const LAST_DAY: i64 = 2_958_465 - UNIX_EPOCH_SERIAL;

/// A date cell: a UTC instant shown as a date and time (minutes), or as its day only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Date {
    unix_ms: i64,
    with_time: bool,
}

impl Date {
    /// The instant `unix_ms` (milliseconds since 1970-01-01 UTC) shown with its time of
    /// day; `None` outside 1900-03-01 to 9999-12-31.
    pub fn with_time(unix_ms: i64) -> Option<Date> {
        Date::new(unix_ms, true)
    }

    /// The UTC day that holds `unix_ms`, without a time; `None` outside 1900-03-01 to
    /// 9999-12-31.
    pub fn day(unix_ms: i64) -> Option<Date> {
        Date::new(unix_ms, false)
    }

    fn new(unix_ms: i64, with_time: bool) -> Option<Date> {
        let day = unix_ms.div_euclid(MS_PER_DAY);
        (FIRST_DAY..=LAST_DAY)
            .contains(&day)
            .then_some(Date { unix_ms, with_time })
    }

    /// Whether the time of day is shown.
    pub fn has_time(self) -> bool {
        self.with_time
    }

    /// The spreadsheet day number (1900 date system): whole days since 1899-12-30, plus
    /// the fraction of the day when the time is shown.
    pub fn serial(self) -> f64 {
        let day = self.unix_ms.div_euclid(MS_PER_DAY) + UNIX_EPOCH_SERIAL;
        if self.with_time {
            let ms = self.unix_ms.rem_euclid(MS_PER_DAY);
            day as f64 + ms as f64 / MS_PER_DAY as f64
        } else {
            day as f64
        }
    }

    /// Spells the cell as text into `out` and returns it: `YYYY-MM-DD HH:MM` (the time
    /// cut to the minute) or `YYYY-MM-DD`.
    pub fn text(self, out: &mut [u8; 16]) -> &str {
        let days = self.unix_ms.div_euclid(MS_PER_DAY);
        let (year, month, day) = civil_from_days(days);
        put_digits(&mut out[0..4], year as u32);
        out[4] = b'-';
        put_digits(&mut out[5..7], month);
        out[7] = b'-';
        put_digits(&mut out[8..10], day);
        let len = if self.with_time {
            let minutes = self.unix_ms.rem_euclid(MS_PER_DAY) / 60_000;
            out[10] = b' ';
            put_digits(&mut out[11..13], (minutes / 60) as u32);
            out[13] = b':';
            put_digits(&mut out[14..16], (minutes % 60) as u32);
            16
        } else {
            10
        };
        // Only ASCII digits and separators were written.
        std::str::from_utf8(&out[..len]).unwrap_or_default()
    }
}

/// Writes `n` as zero-padded decimal digits filling `out`.
fn put_digits(out: &mut [u8], mut n: u32) {
    for slot in out.iter_mut().rev() {
        *slot = b'0' + (n % 10) as u8;
        n /= 10;
    }
}

/// Year, month and day of a day counted from 1970-01-01 in the proleptic Gregorian
/// calendar (Howard Hinnant's `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let shifted_month = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * shifted_month + 2) / 5 + 1) as u32;
    let month = if shifted_month < 10 {
        shifted_month + 3
    } else {
        shifted_month - 9
    } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(date: Date) -> String {
        date.text(&mut [0; 16]).to_owned()
    }

    #[test]
    fn an_instant_is_spelled_in_utc_to_the_minute() {
        // 2019-10-30T03:30:17.883Z
        let date = Date::with_time(1_572_406_217_883).unwrap();
        assert_eq!(text(date), "2019-10-30 03:30");
        assert_eq!(text(Date::day(1_572_406_217_883).unwrap()), "2019-10-30");
    }

    #[test]
    fn serials_count_days_from_1899_12_30_with_the_time_as_a_fraction() {
        assert_eq!(Date::day(0).unwrap().serial(), 25_569.0);
        assert_eq!(Date::with_time(MS_PER_DAY / 4).unwrap().serial(), 25_569.25);
        // A date drops the time of day, also before 1970.
        assert_eq!(Date::day(-1).unwrap().serial(), 25_568.0);
        assert_eq!(text(Date::with_time(-1).unwrap()), "1969-12-31 23:59");
    }

    #[test]
    fn dates_excel_numbers_differently_or_not_at_all_are_refused() {
        let march_1900 = FIRST_DAY * MS_PER_DAY;
        assert_eq!(Date::day(march_1900).unwrap().serial(), 61.0);
        assert_eq!(text(Date::day(march_1900).unwrap()), "1900-03-01");
        assert_eq!(Date::day(march_1900 - 1), None);
        let last = (LAST_DAY + 1) * MS_PER_DAY - 1;
        assert_eq!(text(Date::with_time(last).unwrap()), "9999-12-31 23:59");
        assert_eq!(Date::with_time(last + 1), None);
        assert_eq!(Date::with_time(i64::MIN), None);
        assert_eq!(Date::with_time(i64::MAX), None);
    }

    #[test]
    fn the_calendar_agrees_with_known_days_across_leap_rules() {
        let days_and_dates = [
            (0, (1970, 1, 1)),
            (11_016, (2000, 2, 29)),
            (11_017, (2000, 3, 1)),
            (-25_508, (1900, 3, 1)),
            (2_932_896, (9999, 12, 31)),
            (19_782, (2024, 2, 29)),
        ];
        for (days, date) in days_and_dates {
            assert_eq!(civil_from_days(days), date, "{days}");
        }
    }
}
