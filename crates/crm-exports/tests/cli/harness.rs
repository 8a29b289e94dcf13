//! Runs the built binary the way a user does: `serve` as a child process on a free port
//! over its own data folder, and the client commands with arguments and an environment
//! free of the caller's `CRM_EXPORTS_*` settings.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_crm-exports");

/// A command line of the binary, run in `cwd`, with none of the caller's settings.
pub fn command(cwd: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(BIN);
    command.current_dir(cwd).args(args);
    without_settings(&mut command);
    command
}

/// The binary run by `sh` under a lowered open-files limit (`ulimit -n`).
fn command_with_descriptor_limit(cwd: &Path, args: &[&str], limit: u64) -> Command {
    let mut command = Command::new("sh");
    command
        .current_dir(cwd)
        .arg("-c")
        .arg(format!("ulimit -n {limit} && exec \"$0\" \"$@\""))
        .arg(BIN)
        .args(args);
    without_settings(&mut command);
    command
}

fn without_settings(command: &mut Command) {
    for (key, _) in std::env::vars() {
        if key.starts_with("CRM_EXPORTS_") {
            command.env_remove(key);
        }
    }
}

/// What a finished command printed.
pub struct Ran {
    pub ok: bool,
    pub stdout: String,
    pub stderr: String,
}

impl Ran {
    pub fn expect_ok(self) -> Ran {
        assert!(self.ok, "the command failed:\n{}", self.stderr);
        self
    }

    /// The command failed and said so in exactly one line on stderr.
    pub fn expect_one_error_line(self) -> String {
        assert!(!self.ok, "the command succeeded:\n{}", self.stdout);
        let lines: Vec<&str> = self.stderr.lines().collect();
        assert_eq!(lines.len(), 1, "expected one line, got {lines:?}");
        assert!(lines[0].starts_with("error: "), "{:?}", lines[0]);
        lines[0].to_owned()
    }
}

impl From<Output> for Ran {
    fn from(output: Output) -> Ran {
        Ran {
            ok: output.status.success(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }
}

pub fn run(cwd: &Path, args: &[&str]) -> Ran {
    command(cwd, args).output().expect("the binary runs").into()
}

/// A running `crm-exports serve`, stopped when dropped.
pub struct Server {
    pub base_url: String,
    pub data_dir: PathBuf,
    child: Child,
}

impl Server {
    pub fn start(data_dir: &Path, extra: &[&str]) -> Server {
        Self::start_with_env(data_dir, extra, &[])
    }

    pub fn start_with_env(data_dir: &Path, extra: &[&str], env: &[(&str, &str)]) -> Server {
        Self::launch(data_dir, extra, env, None, None)
    }

    /// `serve` under an open-files limit of `limit` descriptors.
    pub fn start_with_descriptor_limit(data_dir: &Path, extra: &[&str], limit: u64) -> Server {
        Self::launch(data_dir, extra, &[], Some(limit), None)
    }

    /// `serve` with its log (stderr) appended to the file at `log`, as an operator who
    /// redirects it would have it.
    pub fn start_logging_to(
        data_dir: &Path,
        extra: &[&str],
        env: &[(&str, &str)],
        log: &Path,
    ) -> Server {
        Self::launch(data_dir, extra, env, None, Some(log))
    }

    fn launch(
        data_dir: &Path,
        extra: &[&str],
        env: &[(&str, &str)],
        descriptor_limit: Option<u64>,
        log: Option<&Path>,
    ) -> Server {
        let data = data_dir.to_str().expect("a UTF-8 path");
        let mut args = vec!["serve", "--data-dir", data, "--bind", "127.0.0.1:0"];
        // The tests check their results with more requests than HubSpot's limits allow a
        // client; a test about the limits sets them itself.
        if !extra.iter().any(|a| a.starts_with("--rate-limit")) {
            args.extend_from_slice(&["--rate-limits", "off"]);
        }
        args.extend_from_slice(extra);
        let mut launcher = match descriptor_limit {
            Some(limit) => command_with_descriptor_limit(data_dir, &args, limit),
            None => command(data_dir, &args),
        };
        let stderr = match log {
            Some(path) => std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .expect("the log file opens")
                .into(),
            None => Stdio::null(),
        };
        let mut child = launcher
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(stderr)
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
            let line = lines
                .next()
                .expect("serve exited before listening")
                .expect("readable stdout");
            if let Some(url) = line.strip_prefix("crm-exports is listening on ") {
                break url.trim().to_owned();
            }
        };
        // Keep draining stdout so the server never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        Server {
            base_url,
            data_dir: data_dir.to_owned(),
            child,
        }
    }

    /// An `export` command line against this server with the folder's development token.
    pub fn client_command(&self, cwd: &Path, args: &[&str]) -> Command {
        let data = self.data_dir.to_str().expect("a UTF-8 path");
        let mut full = args.to_vec();
        full.extend_from_slice(&["--data-dir", data, "--base-url", &self.base_url]);
        command(cwd, &full)
    }

    /// Runs an `export` command against this server with the folder's development token.
    pub fn client(&self, cwd: &Path, args: &[&str]) -> Ran {
        self.client_command(cwd, args)
            .output()
            .expect("the binary runs")
            .into()
    }

    pub fn token(&self) -> String {
        std::fs::read_to_string(self.data_dir.join("dev-token"))
            .expect("dev-token")
            .trim()
            .to_owned()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Seeds a data folder with `contacts` contacts and nothing else.
pub fn seed_contacts(data_dir: &Path, contacts: u64) -> Ran {
    let contacts = contacts.to_string();
    let only = ["--contacts", contacts.as_str(), "--companies", "0"];
    seed(
        data_dir,
        &[&only[..], &["--deals", "0", "--tickets", "0"]].concat(),
    )
}

/// One API request to `server` as `token`; the answer's JSON, asserted to be a success.
pub async fn call(
    server: &Server,
    token: &str,
    method: reqwest::Method,
    path: &str,
    body: Option<serde_json::Value>,
) -> serde_json::Value {
    crm_exports::client::install_tls_provider();
    let mut request = reqwest::Client::new()
        .request(method, format!("{}{path}", server.base_url))
        .bearer_auth(token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let body = response.json().await.unwrap_or(serde_json::Value::Null);
    assert!(status.is_success(), "{path}: {status} {body}");
    body
}

/// Seeds a data folder through the store.
pub fn seed(data_dir: &Path, counts: &[&str]) -> Ran {
    let data = data_dir.to_str().expect("a UTF-8 path");
    let mut args = vec!["seed", "--data-dir", data];
    args.extend_from_slice(counts);
    run(data_dir, &args)
}

/// A file's rows as text cells, whatever its format.
pub fn read_rows(path: &Path) -> Vec<Vec<String>> {
    use calamine::{Data, Reader, open_workbook_auto};
    if path.extension().is_some_and(|e| e == "csv") {
        let bytes = std::fs::read(path).expect("a CSV file");
        // Excel needs the byte-order mark to read UTF-8; a CSV parser does not.
        let text = bytes.strip_prefix(b"\xEF\xBB\xBF").expect("a BOM");
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(text);
        return reader
            .records()
            .map(|r| r.expect("a CSV row").iter().map(str::to_owned).collect())
            .collect();
    }
    let mut workbook = open_workbook_auto(path).expect("a workbook calamine opens");
    let sheet = workbook
        .worksheet_range_at(0)
        .expect("a sheet")
        .expect("readable");
    sheet
        .rows()
        .map(|row| {
            row.iter()
                .map(|cell| match cell {
                    Data::Empty => String::new(),
                    Data::Float(f) if f.fract() == 0.0 => format!("{}", *f as i64),
                    other => other.to_string(),
                })
                .collect()
        })
        .collect()
}
