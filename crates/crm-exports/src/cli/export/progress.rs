//! What the user sees while an export runs. On a terminal: one live line that ticks every
//! second (state and elapsed time), which becomes a bar with percentage, rows, rate and
//! ETA once the server reports how many records the export will hold, and then a download
//! bar. Elsewhere: a plain log line on each change of state and when the file is saved.

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};

/// What the live line shows now; a new stage changes its template.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Stage {
    Waiting,
    Counting,
    Downloading,
}

pub struct Progress {
    bar: Option<ProgressBar>,
    stage: Stage,
    started: Instant,
    /// The last line logged without a terminal, so each change is logged once.
    last_logged: String,
    export_id: String,
}

/// How an export stands, as the status and details endpoints report it.
pub struct Snapshot<'a> {
    pub state: &'a str,
    pub rows_written: Option<i64>,
    pub expected_rows: Option<i64>,
}

fn style(template: &str) -> ProgressStyle {
    ProgressStyle::with_template(template)
        .unwrap_or_else(|_| ProgressStyle::default_spinner())
        .progress_chars("=> ")
        // indicatif's own {per_sec} prints four decimals: "136,564.8326/s".
        .with_key(
            "rows_per_sec",
            |state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                let _ = write!(w, "{}/s", group_digits(state.per_sec() as i64));
            },
        )
}

const WAITING: &str = "{spinner} {msg} ({elapsed})";
const COUNTING: &str = "{spinner} {msg} [{bar:30}] {percent:>3}% {human_pos}/{human_len} rows ({rows_per_sec}, ETA {eta}, {elapsed})";
const DOWNLOADING: &str = "{msg} [{bar:30}] {bytes}/{total_bytes} ({bytes_per_sec})";

impl Progress {
    pub fn new(export_id: &str) -> Self {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::new_spinner();
            bar.set_style(style(WAITING));
            // The template's elapsed time is drawn on every tick, so it moves each second
            // even while the server reports nothing new.
            bar.enable_steady_tick(Duration::from_millis(200));
            bar
        });
        Progress {
            bar,
            stage: Stage::Waiting,
            started: Instant::now(),
            last_logged: String::new(),
            export_id: export_id.to_owned(),
        }
    }

    pub fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }

    /// Shows the export's state, and its rows against the total once the total is known.
    pub fn show(&mut self, now: &Snapshot<'_>) {
        let id = &self.export_id;
        let Some(bar) = &self.bar else {
            let line = match (now.expected_rows, now.rows_written) {
                (Some(total), _) => {
                    format!(
                        "export {id}: {}, {} rows to write",
                        now.state,
                        group_digits(total)
                    )
                }
                _ => format!("export {id}: {}", now.state),
            };
            if line != self.last_logged {
                eprintln!("{line} ({:.1} s)", self.elapsed().as_secs_f64());
                self.last_logged = line;
            }
            return;
        };
        bar.set_message(format!("export {id}: {}", now.state));
        if let Some(total) = now.expected_rows {
            if self.stage != Stage::Counting {
                self.stage = Stage::Counting;
                bar.set_style(style(COUNTING));
            }
            bar.set_length(total.max(0) as u64);
            bar.set_position(now.rows_written.unwrap_or(0).clamp(0, total.max(0)) as u64);
        } else if let Some(rows) = now.rows_written {
            bar.set_message(format!(
                "export {id}: {}, {} rows",
                now.state,
                group_digits(rows)
            ));
        }
    }

    /// Switches to a byte counter for the download.
    pub fn downloading(&mut self, received: u64, total: Option<u64>) {
        let Some(bar) = &self.bar else { return };
        if self.stage != Stage::Downloading {
            self.stage = Stage::Downloading;
            bar.set_style(style(DOWNLOADING));
            bar.set_length(total.unwrap_or(0));
            bar.set_message(format!("downloading export {}", self.export_id));
        }
        bar.set_position(received);
    }

    /// Ends the live line and prints `line` as the last word.
    pub fn finish(&self, line: &str) {
        self.clear();
        eprintln!("{line}");
    }

    /// Removes the live line, so that what is printed next stands on its own.
    pub fn clear(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.clear();
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

    #[test]
    fn every_template_parses() {
        for template in [super::WAITING, super::COUNTING, super::DOWNLOADING] {
            assert!(
                indicatif::ProgressStyle::with_template(template).is_ok(),
                "{template}"
            );
        }
    }
}
