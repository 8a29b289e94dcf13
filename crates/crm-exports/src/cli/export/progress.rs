//! What the user sees while an export runs: on a terminal, one live line (state, elapsed
//! time, rows written when the server reports them) and then a download bar; elsewhere,
//! a plain log line on each change of state and when the file is saved.

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};

pub struct Progress {
    bar: Option<ProgressBar>,
    started: Instant,
    last_state: String,
    export_id: String,
}

impl Progress {
    pub fn new(export_id: &str) -> Self {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::new_spinner();
            bar.set_style(
                ProgressStyle::with_template("{spinner} {msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        });
        Progress {
            bar,
            started: Instant::now(),
            last_state: String::new(),
            export_id: export_id.to_owned(),
        }
    }

    pub fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }

    /// Shows the export's state; `rows` when the server reports how many are written.
    pub fn state(&mut self, state: &str, rows: Option<i64>) {
        let rows = rows.map(|n| format!(", {} rows", group_digits(n)));
        let line = format!(
            "export {}: {state}{} ({:.1} s)",
            self.export_id,
            rows.as_deref().unwrap_or(""),
            self.elapsed().as_secs_f64()
        );
        match &self.bar {
            Some(bar) => bar.set_message(line),
            None if state != self.last_state => eprintln!("{line}"),
            None => {}
        }
        self.last_state = state.to_owned();
    }

    /// Switches to a byte counter for the download.
    pub fn downloading(&self, received: u64, total: Option<u64>) {
        let Some(bar) = &self.bar else { return };
        if bar.length().is_none() {
            bar.set_length(total.unwrap_or(0));
            bar.set_style(
                ProgressStyle::with_template(
                    "{msg} [{bar:30}] {bytes}/{total_bytes} ({bytes_per_sec})",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
            );
            bar.set_message(format!("downloading export {}", self.export_id));
        }
        bar.set_position(received);
    }

    /// Ends the live line and prints `line` as the last word.
    pub fn finish(&self, line: &str) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
        eprintln!("{line}");
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

/// `1234567` → `1,234,567`.
pub fn group_digits(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 { format!("-{out}") } else { out }
}

#[cfg(test)]
mod tests {
    #[test]
    fn digits_are_grouped_by_thousands() {
        assert_eq!(super::group_digits(0), "0");
        assert_eq!(super::group_digits(999), "999");
        assert_eq!(super::group_digits(1_234_567), "1,234,567");
        assert_eq!(super::group_digits(-1000), "-1,000");
    }
}
