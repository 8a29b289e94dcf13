//! The counting behind the rate limits, pure and clock-free (every call is given `now` in
//! epoch milliseconds): a rolling window of fixed-size buckets, exact to one bucket, in
//! constant memory however high its limit; and a daily count that restarts at midnight UTC.
//! Imports nothing.

pub const DAY_MS: i64 = 86_400_000;

/// Requests counted over the last `N` buckets of `bucket_ms` each.
#[derive(Debug)]
pub struct RollingWindow<const N: usize> {
    bucket_ms: i64,
    counts: [u32; N],
    /// The absolute number (time / `bucket_ms`) of the newest bucket.
    newest: i64,
    total: u32,
}

impl<const N: usize> RollingWindow<N> {
    /// A window `span_ms` long (a multiple of `N` milliseconds), empty at `now`.
    pub fn new(span_ms: i64, now: i64) -> Self {
        let bucket_ms = (span_ms / N as i64).max(1);
        Self {
            bucket_ms,
            counts: [0; N],
            newest: now.div_euclid(bucket_ms),
            total: 0,
        }
    }

    pub fn span_ms(&self) -> i64 {
        self.bucket_ms * N as i64
    }

    /// Forgets the buckets that have left the window by `now`. A clock that steps back
    /// keeps counting into the newest bucket.
    fn advance(&mut self, now: i64) {
        let bucket = now.div_euclid(self.bucket_ms);
        if bucket <= self.newest {
            return;
        }
        let steps = (bucket - self.newest).min(N as i64);
        for k in 1..=steps {
            let slot = self.slot(self.newest + k);
            self.total -= self.counts[slot];
            self.counts[slot] = 0;
        }
        self.newest = bucket;
    }

    fn slot(&self, bucket: i64) -> usize {
        bucket.rem_euclid(N as i64) as usize
    }

    /// Requests still allowed under `max` at `now`.
    pub fn remaining(&mut self, now: i64, max: u32) -> u32 {
        self.advance(now);
        max.saturating_sub(self.total)
    }

    /// Counts one request at `now`.
    pub fn record(&mut self, now: i64) {
        self.advance(now);
        let slot = self.slot(self.newest);
        self.counts[slot] += 1;
        self.total += 1;
    }

    /// Milliseconds from `now` until one more request fits under `max`: until enough of the
    /// oldest buckets have left the window.
    pub fn wait_ms(&mut self, now: i64, max: u32) -> i64 {
        self.advance(now);
        let mut freed = 0;
        for age in (0..N as i64).rev() {
            let bucket = self.newest - age;
            freed += self.counts[self.slot(bucket)];
            if self.total - freed < max {
                return ((bucket + N as i64) * self.bucket_ms - now).max(1);
            }
        }
        self.span_ms()
    }
}

/// Requests counted since the last midnight UTC.
#[derive(Debug)]
pub struct DailyCount {
    day: i64,
    count: u64,
}

impl DailyCount {
    pub fn new(now: i64) -> Self {
        Self {
            day: now.div_euclid(DAY_MS),
            count: 0,
        }
    }

    fn advance(&mut self, now: i64) {
        let day = now.div_euclid(DAY_MS);
        if day > self.day {
            self.day = day;
            self.count = 0;
        }
    }

    pub fn remaining(&mut self, now: i64, max: u64) -> u64 {
        self.advance(now);
        max.saturating_sub(self.count)
    }

    pub fn record(&mut self, now: i64) {
        self.advance(now);
        self.count += 1;
    }

    /// Milliseconds from `now` to the next midnight UTC.
    pub fn wait_ms(&self, now: i64) -> i64 {
        (now.div_euclid(DAY_MS) + 1) * DAY_MS - now
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: i64 = 1_700_000_000_000;

    #[test]
    fn a_rolling_window_frees_each_request_one_span_after_it() {
        let mut w = RollingWindow::<100>::new(10_000, T0);
        for i in 0..5 {
            w.record(T0 + i * 1_000);
        }
        assert_eq!(w.remaining(T0 + 4_500, 5), 0);
        // The first request leaves the window 10 s after it, not before.
        assert_eq!(w.wait_ms(T0 + 4_500, 5), 5_500);
        assert_eq!(w.remaining(T0 + 9_999, 5), 0);
        assert_eq!(w.remaining(T0 + 10_000, 5), 1);
        assert_eq!(w.remaining(T0 + 12_050, 5), 3);
        // Long after, everything has left.
        assert_eq!(w.remaining(T0 + 60_000, 5), 5);
    }

    #[test]
    fn the_wait_covers_as_many_old_buckets_as_must_leave() {
        let mut w = RollingWindow::<10>::new(1_000, T0);
        for _ in 0..3 {
            w.record(T0);
        }
        w.record(T0 + 500);
        w.record(T0 + 500);
        // Five counted: under a limit of 3 the three at T0 must leave, at T0 + 1 s.
        assert_eq!(w.wait_ms(T0 + 600, 3), 400);
        // Under a limit of 2 the two at T0 + 500 must leave as well.
        assert_eq!(w.wait_ms(T0 + 600, 2), 900);
    }

    #[test]
    fn a_clock_that_steps_back_does_not_forget_requests() {
        let mut w = RollingWindow::<100>::new(10_000, T0);
        w.record(T0 + 5_000);
        w.record(T0 + 1_000);
        assert_eq!(w.remaining(T0 + 5_000, 10), 8);
    }

    #[test]
    fn the_daily_count_restarts_at_midnight_utc() {
        let midnight = (T0 / DAY_MS + 1) * DAY_MS;
        let mut d = DailyCount::new(midnight - 10);
        d.record(midnight - 10);
        d.record(midnight - 5);
        assert_eq!(d.remaining(midnight - 1, 2), 0);
        assert_eq!(d.wait_ms(midnight - 1), 1);
        assert_eq!(d.remaining(midnight, 2), 2);
    }
}
