//! [`Clock`]: where the service reads the time. One value is shared by the API and the
//! export workers, and every time they use (record dates, link expiry, the quota window,
//! rate-limit windows, leases, retention) comes from it, read once per request or worker
//! step and passed down as `now`; nothing below reads the system clock itself. It runs
//! with the system's clock (shifted by whatever a test moved it) or stands still at a
//! chosen time, and the admin API moves or sets it so tests expire links without waiting.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};

#[derive(Clone, Debug, Default)]
pub struct Clock {
    state: Arc<ClockState>,
}

/// One pair of atomics rather than a lock: every request reads the clock.
#[derive(Debug, Default)]
struct ClockState {
    /// Whether the clock stands still at `value` (`fixed:`) or runs with the system's,
    /// `value` milliseconds ahead.
    fixed: AtomicBool,
    value: AtomicI64,
}

impl Clock {
    pub fn system() -> Self {
        Self::default()
    }

    /// A clock standing still at `at_ms` until it is advanced or set.
    pub fn fixed(at_ms: i64) -> Self {
        let clock = Self::default();
        clock.state.fixed.store(true, Ordering::SeqCst);
        clock.state.value.store(at_ms, Ordering::SeqCst);
        clock
    }

    /// `system|fixed:<RFC 3339>`, as `serve --clock` takes it.
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        if text.eq_ignore_ascii_case("system") {
            return Ok(Self::system());
        }
        let Some(at) = text.strip_prefix("fixed:") else {
            return Err(format!(
                "{text:?} is neither `system` nor `fixed:<RFC 3339 time>`"
            ));
        };
        chrono::DateTime::parse_from_rfc3339(at.trim())
            .map(|t| Self::fixed(t.timestamp_millis()))
            .map_err(|e| format!("{at:?} is not an RFC 3339 time: {e}"))
    }

    /// Milliseconds since the Unix epoch.
    pub fn now_ms(&self) -> i64 {
        let value = self.state.value.load(Ordering::SeqCst);
        if self.is_fixed() {
            value
        } else {
            system_ms().saturating_add(value)
        }
    }

    pub fn is_fixed(&self) -> bool {
        self.state.fixed.load(Ordering::SeqCst)
    }

    /// Moves the clock forward (or back, for a negative amount) by `ms`.
    pub fn advance_ms(&self, ms: i64) {
        self.state.value.fetch_add(ms, Ordering::SeqCst);
    }

    /// Makes the clock read `at_ms` now; a running clock keeps running from there.
    pub fn set_ms(&self, at_ms: i64) {
        let value = if self.is_fixed() {
            at_ms
        } else {
            at_ms.saturating_sub(system_ms())
        };
        self.state.value.store(value, Ordering::SeqCst);
    }
}

fn system_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fixed_clock_stands_still_until_advanced_or_set() {
        let clock = Clock::parse("fixed:2026-01-01T00:00:00Z").unwrap();
        assert_eq!(clock.now_ms(), 1_767_225_600_000);
        clock.advance_ms(360_000);
        assert_eq!(clock.now_ms(), 1_767_225_960_000);
        clock.set_ms(5);
        assert_eq!(clock.now_ms(), 5);
    }

    #[test]
    fn a_running_clock_moved_ahead_stays_ahead_of_the_system() {
        let clock = Clock::system();
        clock.advance_ms(86_400_000);
        let ahead = clock.now_ms() - system_ms();
        assert!((86_399_000..=86_400_000).contains(&ahead), "{ahead}");
        clock.set_ms(0);
        assert!(clock.now_ms().abs() < 1_000);
    }

    #[test]
    fn clock_settings_other_than_system_or_fixed_are_refused() {
        assert!(Clock::parse("fixed:yesterday").is_err());
        assert!(Clock::parse("sundial").is_err());
        assert!(!Clock::parse("system").unwrap().is_fixed());
    }
}
