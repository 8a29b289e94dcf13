//! What an import prints while it copies an object's records: how many so far, the rate
//! since the step began, and the time left where the source told how many there are.
//! At most a line a second, and the last one always.

use std::time::{Duration, Instant};

use super::Tally;

pub struct Progress {
    key: String,
    total: Option<u64>,
    started: Instant,
    printed: Option<Instant>,
}

impl Progress {
    /// `total`: the records the source says the step will read, if it said.
    pub fn new(key: &str, total: Option<u64>) -> Self {
        Progress {
            key: key.to_owned(),
            total,
            started: Instant::now(),
            printed: None,
        }
    }

    /// Prints a line when a second has passed since the last, or when `last` is true.
    pub fn report(&mut self, tally: &Tally, last: bool) {
        let due = self
            .printed
            .is_none_or(|at| at.elapsed() >= Duration::from_secs(1));
        if due || last {
            eprintln!("{}", self.line(tally, self.started.elapsed()));
            self.printed = Some(Instant::now());
        }
    }

    fn line(&self, tally: &Tally, elapsed: Duration) -> String {
        let done = tally.copied + tally.updated + tally.unchanged + tally.failed.len();
        let rate = done as f64 / elapsed.as_secs_f64().max(0.001);
        let mut line = format!(
            "{}: {done}{} read, {} copied, {} failed ({rate:.0} records/s",
            self.key,
            self.total.map(|t| format!(" of {t}")).unwrap_or_default(),
            tally.copied + tally.updated,
            tally.failed.len(),
        );
        if let Some(total) = self.total
            && rate > 0.0
        {
            let left = (total as f64 - done as f64).max(0.0) / rate;
            line.push_str(&format!(", about {left:.0} s left"));
        }
        line.push(')');
        line
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_time_left_is_what_remains_at_the_rate_so_far() {
        let progress = Progress::new("contacts", Some(10_000));
        let tally = Tally {
            copied: 2_000,
            ..Tally::default()
        };
        let line = progress.line(&tally, Duration::from_secs(4));
        assert_eq!(
            line,
            "contacts: 2000 of 10000 read, 2000 copied, 0 failed (500 records/s, about 16 s left)"
        );
    }

    #[test]
    fn without_a_total_no_time_left_is_guessed() {
        let progress = Progress::new("cars", None);
        let tally = Tally {
            copied: 10,
            ..Tally::default()
        };
        let line = progress.line(&tally, Duration::from_secs(1));
        assert_eq!(line, "cars: 10 read, 10 copied, 0 failed (10 records/s)");
    }
}
