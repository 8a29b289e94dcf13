//! [`Clock`]: where the service reads the time. One value is shared by the API and the
//! export workers, and every time they use (record dates, link expiry, the quota window,
//! leases, retention) comes from it, read once per request or worker step and passed down
//! as `now`; nothing below reads the system clock itself. Today it is the system's clock;
//! a controllable one (tests that expire a link without waiting) replaces it here alone.

#[derive(Clone, Debug, Default)]
pub struct Clock {
    _system: (),
}

impl Clock {
    pub fn system() -> Self {
        Self::default()
    }

    /// Milliseconds since the Unix epoch.
    pub fn now_ms(&self) -> i64 {
        chrono::Utc::now().timestamp_millis()
    }
}
