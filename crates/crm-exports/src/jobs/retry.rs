//! [`RetryPolicy`]: what a failed export attempt leads to. A retryable failure is tried
//! again after an exponential backoff (doubling from `base`, capped at `cap`, shortened by
//! up to `jitter` of itself so exports that failed together do not retry together) until
//! `max_attempts` claims were made; a permanent failure fails the export at once; a worker
//! shutting down hands the export straight back; a lost lease writes nothing. Pure: the
//! caller passes the time and the random draw.

use std::time::Duration;

use super::attempt::Failure;
use crate::store::ExportOutcome;

#[derive(Clone, Debug, PartialEq)]
pub struct RetryPolicy {
    /// The delay after a first failed attempt is twice this.
    pub base: Duration,
    /// No delay is longer.
    pub cap: Duration,
    /// Claims before a failing export fails for good.
    pub max_attempts: i64,
    /// The share of a delay (0 to 1) that may be taken off at random.
    pub jitter: f64,
}

impl Default for RetryPolicy {
    /// 2 s, 4 s, 8 s … up to five minutes, each up to a quarter shorter, for three attempts.
    fn default() -> Self {
        Self {
            base: Duration::from_secs(1),
            cap: Duration::from_secs(300),
            max_attempts: 3,
            jitter: 0.25,
        }
    }
}

impl RetryPolicy {
    /// The delay after attempt `attempt` (from 1) failed; `draw` is a random number in
    /// `[0, 1)` that picks where in the jitter range it falls.
    pub fn delay(&self, attempt: i64, draw: f64) -> Duration {
        let doubled = self.base.saturating_mul(1 << attempt.clamp(1, 16));
        let full = doubled.min(self.cap);
        let cut = full.mul_f64(self.jitter.clamp(0.0, 1.0) * draw.clamp(0.0, 1.0));
        full.saturating_sub(cut)
    }

    /// What attempt `attempt`, failed at `now`, leaves the export as; `None` when the lease
    /// was lost and nothing may be written.
    pub fn outcome(
        &self,
        failure: Failure,
        attempt: i64,
        now: i64,
        draw: f64,
    ) -> Option<ExportOutcome> {
        Some(match failure {
            Failure::LeaseLost => return None,
            Failure::Interrupted => ExportOutcome::Retry {
                error: "The worker shut down; the export was queued again.".to_string(),
                run_at: now,
            },
            Failure::Permanent(error) => ExportOutcome::Failed {
                error: error.to_string(),
            },
            Failure::Retryable(error) if attempt >= self.max_attempts => ExportOutcome::Failed {
                error: error.to_string(),
            },
            Failure::Retryable(error) => ExportOutcome::Retry {
                error: error.to_string(),
                run_at: now + self.delay(attempt, draw).as_millis() as i64,
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jobs::attempt::JobError;

    fn retryable() -> Failure {
        Failure::Retryable(JobError::message("the bucket was unreachable"))
    }

    #[test]
    fn delays_double_from_the_base_up_to_the_cap() {
        let policy = RetryPolicy {
            jitter: 0.0,
            ..RetryPolicy::default()
        };
        let delays: Vec<u64> = (1..=10).map(|a| policy.delay(a, 0.5).as_secs()).collect();
        assert_eq!(delays, [2, 4, 8, 16, 32, 64, 128, 256, 300, 300]);
        assert_eq!(
            policy.delay(0, 0.0),
            Duration::from_secs(2),
            "attempts count from 1"
        );
    }

    #[test]
    fn jitter_takes_off_at_most_its_share_of_the_delay() {
        let policy = RetryPolicy::default();
        assert_eq!(policy.delay(2, 0.0), Duration::from_secs(4));
        assert_eq!(policy.delay(2, 0.5), Duration::from_millis(3_500));
        assert_eq!(policy.delay(2, 0.999_999).as_millis(), 3_000);
        assert_eq!(
            policy.delay(30, 1.0),
            Duration::from_secs(225),
            "capped, then cut"
        );
    }

    #[test]
    fn a_retryable_failure_is_retried_after_the_delay_until_the_last_attempt() {
        let policy = RetryPolicy::default();
        let now = 1_000_000;
        assert_eq!(
            policy.outcome(retryable(), 1, now, 0.0),
            Some(ExportOutcome::Retry {
                error: "the bucket was unreachable".into(),
                run_at: now + 2_000,
            })
        );
        assert_eq!(
            policy.outcome(retryable(), 3, now, 0.0),
            Some(ExportOutcome::Failed {
                error: "the bucket was unreachable".into()
            })
        );
    }

    #[test]
    fn permanent_failures_fail_shutdowns_requeue_and_lost_leases_write_nothing() {
        let policy = RetryPolicy::default();
        let permanent = Failure::Permanent(JobError::message("list 7 no longer exists"));
        assert!(matches!(
            policy.outcome(permanent, 1, 5, 0.0),
            Some(ExportOutcome::Failed { .. })
        ));
        assert!(matches!(
            policy.outcome(Failure::Interrupted, 1, 5, 0.0),
            Some(ExportOutcome::Retry { run_at: 5, .. })
        ));
        assert_eq!(policy.outcome(Failure::LeaseLost, 1, 5, 0.0), None);
    }
}
