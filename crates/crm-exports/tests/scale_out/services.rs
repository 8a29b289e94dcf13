//! The shared services the processes run on, each fresh for this test so it never sees
//! another test's data: a PostgreSQL database created with a random name (dropped when the
//! test ends, however it ends) and an empty bucket on the S3-compatible server. Also the
//! PostgreSQL restart, which only a root user with `pg_ctlcluster` can do.

use std::process::Command;

use tokio_postgres::NoTls;

pub const POSTGRES_URL_VARIABLE: &str = "CRM_EXPORTS_TEST_POSTGRES_URL";
pub const S3_ENDPOINT_VARIABLE: &str = "CRM_EXPORTS_TEST_S3_ENDPOINT";

/// A database of its own on the test server, dropped on drop.
pub struct FreshDatabase {
    admin_url: String,
    name: String,
    /// The URL the processes and the test's own queries use.
    pub url: String,
}

impl FreshDatabase {
    pub async fn create(admin_url: &str) -> FreshDatabase {
        let name = format!("crm_exports_scale_{}", uuid::Uuid::new_v4().simple());
        let admin = connect(admin_url).await;
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .await
            .expect("a fresh database");
        // The same server, user and options; only the database differs.
        let (base, query) = admin_url.split_once('?').unwrap_or((admin_url, ""));
        let (server, _) = base.rsplit_once('/').expect("a URL with a database name");
        let url = match query {
            "" => format!("{server}/{name}"),
            query => format!("{server}/{name}?{query}"),
        };
        FreshDatabase {
            admin_url: admin_url.to_owned(),
            name,
            url,
        }
    }

    pub async fn connect(&self) -> tokio_postgres::Client {
        connect(&self.url).await
    }
}

impl Drop for FreshDatabase {
    fn drop(&mut self) {
        // Drop runs inside the test's runtime, which cannot be blocked on; a thread with a
        // runtime of its own can.
        let (url, name) = (self.admin_url.clone(), self.name.clone());
        let dropped = std::thread::spawn(move || {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime")
                .block_on(async {
                    let Ok((admin, connection)) = tokio_postgres::connect(&url, NoTls).await else {
                        return;
                    };
                    tokio::spawn(connection);
                    let _ = admin
                        .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .await;
                });
        })
        .join();
        if dropped.is_err() {
            eprintln!("could not drop the test database {}", self.name);
        }
    }
}

pub async fn connect(url: &str) -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(url, NoTls)
        .await
        .expect("the test PostgreSQL server is reachable");
    tokio::spawn(connection);
    client
}

/// Creates an empty bucket with a random name; returns its name.
pub async fn create_bucket(http: &reqwest::Client, endpoint: &str) -> String {
    let bucket = format!("crm-exports-scale-{}", uuid::Uuid::new_v4().simple());
    let created = http
        .put(format!("{endpoint}/{bucket}"))
        .send()
        .await
        .expect("the S3 server answers");
    assert!(
        created.status().is_success(),
        "creating the bucket: {}",
        created.status()
    );
    bucket
}

/// The keys of every object in `bucket` under `prefix` (one listing page holds 1,000).
pub async fn list_keys(
    http: &reqwest::Client,
    endpoint: &str,
    bucket: &str,
    prefix: &str,
) -> Vec<String> {
    let listing = http
        .get(format!("{endpoint}/{bucket}?list-type=2&prefix={prefix}"))
        .send()
        .await
        .expect("the S3 server answers")
        .error_for_status()
        .expect("the bucket lists")
        .text()
        .await
        .expect("a listing");
    assert!(
        !listing.contains("<IsTruncated>true</IsTruncated>"),
        "{listing}"
    );
    listing
        .split("<Key>")
        .skip(1)
        .filter_map(|rest| rest.split_once("</Key>").map(|(key, _)| key.to_owned()))
        .collect()
}

/// The command that restarts the local PostgreSQL cluster, when this user may run it.
pub fn postgres_restart_command() -> Result<Command, String> {
    let uid = Command::new("id")
        .arg("-u")
        .output()
        .map_err(|e| format!("cannot run `id -u`: {e}"))?;
    if String::from_utf8_lossy(&uid.stdout).trim() != "0" {
        return Err("the test does not run as root".to_owned());
    }
    let version = std::fs::read_dir("/etc/postgresql")
        .ok()
        .and_then(|mut entries| entries.next())
        .and_then(Result::ok)
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .ok_or("no cluster under /etc/postgresql")?;
    let found = Command::new("sh")
        .args(["-c", "command -v pg_ctlcluster"])
        .output()
        .map_err(|e| format!("cannot look for pg_ctlcluster: {e}"))?;
    if !found.status.success() {
        return Err("pg_ctlcluster is not installed".to_owned());
    }
    let mut command = Command::new("pg_ctlcluster");
    command.args(["--skip-systemctl-redirect", &version, "main", "restart"]);
    Ok(command)
}
