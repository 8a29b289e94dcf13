//! The built binary as separate processes on one database and bucket: API processes
//! (`serve --workers 0`), worker processes (`worker`) and one-shot commands (`token`).
//! Each process has its own data folder and log file, and every process still running is
//! killed when the cluster is dropped, so a failing test leaves none behind.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_crm-exports");

/// Seconds a claim lasts without a heartbeat: short, so a killed worker's export is taken
/// over within seconds rather than the default 30.
pub const LEASE_SECS: &str = "3";

pub struct Cluster {
    pub database_url: String,
    blob_url: String,
    s3_endpoint: String,
    dir: tempfile::TempDir,
    pub apis: Vec<Api>,
    pub workers: Vec<Worker>,
    started: usize,
}

pub struct Api {
    pub base_url: String,
    child: Child,
}

pub struct Worker {
    child: Child,
    pub log: PathBuf,
}

impl Worker {
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Whether the process is still running.
    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }
}

impl Cluster {
    pub fn new(database_url: &str, s3_endpoint: &str, bucket: &str) -> Cluster {
        Cluster {
            database_url: database_url.to_owned(),
            blob_url: format!("s3://{bucket}/exports"),
            s3_endpoint: s3_endpoint.to_owned(),
            dir: tempfile::tempdir().expect("a temporary folder"),
            apis: Vec::new(),
            workers: Vec::new(),
            started: 0,
        }
    }

    /// A command line of the binary with its own data folder and the shared database, free
    /// of the caller's `CRM_EXPORTS_*` settings; stderr goes to a log file.
    fn command(&mut self, role: &str, args: &[&str]) -> (Command, PathBuf) {
        self.started += 1;
        let data = self.dir.path().join(format!("{role}-{}", self.started));
        std::fs::create_dir_all(&data).expect("a data folder");
        let log = self.dir.path().join(format!("{role}-{}.log", self.started));
        let mut command = Command::new(BIN);
        for (key, _) in std::env::vars() {
            if key.starts_with("CRM_EXPORTS_") {
                command.env_remove(key);
            }
        }
        command
            .current_dir(&data)
            .args(args)
            .arg("--data-dir")
            .arg(&data)
            .args(["--database-url", &self.database_url])
            .env("AWS_ENDPOINT_URL", &self.s3_endpoint)
            .env("AWS_ACCESS_KEY_ID", "test")
            .env("AWS_SECRET_ACCESS_KEY", "test")
            .env("AWS_DEFAULT_REGION", "us-east-1")
            .stdin(Stdio::null())
            .stderr(std::fs::File::create(&log).expect("a log file"));
        (command, log)
    }

    /// Runs a one-shot command to the end; returns what it printed on stdout.
    pub fn run(&mut self, args: &[&str]) -> String {
        let (mut command, log) = self.command("command", args);
        let output = command.output().expect("the binary runs");
        assert!(
            output.status.success(),
            "`{}` failed:\n{}",
            args.join(" "),
            std::fs::read_to_string(log).unwrap_or_default()
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    /// Creates a token with every scope for `portal` (creating the portal).
    pub fn create_token(&mut self, portal: i64) -> String {
        self.run(&[
            "token",
            "create",
            "--portal",
            &portal.to_string(),
            "--scopes",
            "all",
        ])
        .trim()
        .to_owned()
    }

    /// Starts an API process and waits until it listens.
    pub fn start_api(&mut self) {
        let blob_url = self.blob_url.clone();
        let (mut command, log) = self.command(
            "api",
            &[
                "serve",
                "--bind",
                "127.0.0.1:0",
                "--workers",
                "0",
                "--blob-url",
                &blob_url,
            ],
        );
        let mut child = command
            .stdout(Stdio::piped())
            .spawn()
            .expect("serve starts");
        let stdout = child.stdout.take().expect("piped stdout");
        let mut lines = BufReader::new(stdout).lines();
        let deadline = Instant::now() + Duration::from_secs(30);
        let base_url = loop {
            assert!(
                Instant::now() < deadline,
                "serve did not say where it listens"
            );
            let Some(Ok(line)) = lines.next() else {
                panic!(
                    "serve exited before listening:\n{}",
                    std::fs::read_to_string(log).unwrap_or_default()
                );
            };
            if let Some(url) = line.strip_prefix("crm-exports is listening on ") {
                break url.trim().to_owned();
            }
        };
        // Keep draining stdout so the server never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        self.apis.push(Api { base_url, child });
    }

    /// Starts a worker process with two export workers. CSV files stay unzipped so the
    /// test reads them as they are.
    pub fn start_worker(&mut self) {
        let blob_url = self.blob_url.clone();
        let (mut command, log) = self.command(
            "worker",
            &[
                "worker",
                "--workers",
                "2",
                "--lease-secs",
                LEASE_SECS,
                "--csv-zip-bytes",
                "1000000000",
                "--blob-url",
                &blob_url,
            ],
        );
        let child = command
            .stdout(Stdio::null())
            .spawn()
            .expect("worker starts");
        self.workers.push(Worker { child, log });
    }

    /// Kills the worker process with this pid with SIGKILL: no shutdown handler runs, and
    /// the export it holds is simply abandoned under its lease. False if there is none.
    pub fn kill_worker(&mut self, pid: u32) -> bool {
        let Some(at) = self.workers.iter().position(|w| w.pid() == pid) else {
            return false;
        };
        let mut worker = self.workers.remove(at);
        worker.child.kill().expect("the worker can be killed");
        worker.child.wait().expect("the worker is reaped");
        true
    }

    /// The worker process with this pid.
    pub fn worker_by_pid(&mut self, pid: u32) -> Option<&mut Worker> {
        self.workers.iter_mut().find(|w| w.pid() == pid)
    }

    /// Checks that every API and worker process is still running, showing the log of one
    /// that is not.
    pub fn assert_all_running(&mut self) {
        for api in &mut self.apis {
            assert!(
                matches!(api.child.try_wait(), Ok(None)),
                "the API process at {} exited",
                api.base_url
            );
        }
        for worker in &mut self.workers {
            if !worker.is_running() {
                panic!("worker {} exited:\n{}", worker.pid(), tail(&worker.log));
            }
        }
    }

    /// The last lines of every worker's log, for a failure message.
    pub fn worker_logs(&self) -> String {
        self.workers
            .iter()
            .map(|w| format!("--- worker {} ---\n{}", w.pid(), tail(&w.log)))
            .collect::<Vec<_>>()
            .join("\n")
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        for api in &mut self.apis {
            let _ = api.child.kill();
            let _ = api.child.wait();
        }
        for worker in &mut self.workers {
            let _ = worker.child.kill();
            let _ = worker.child.wait();
        }
    }
}

fn tail(log: &Path) -> String {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(30)..].join("\n")
}
