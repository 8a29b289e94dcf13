//! Scale-out as an operator runs it: two API processes and two worker processes of the
//! built binary over one PostgreSQL database and one S3-compatible bucket. A worker is
//! killed with SIGKILL in the middle of a large export and PostgreSQL is restarted while
//! exports are queued and running; every export still completes exactly once, with one
//! correct file, and no portal ever has two exports processing at once. Needs
//! `CRM_EXPORTS_TEST_POSTGRES_URL` and `CRM_EXPORTS_TEST_S3_ENDPOINT` (CI sets both), so it
//! is `#[ignore]`d: the test runner lists it as ignored unless run with `--include-ignored`.

mod api;
mod processes;
mod services;
mod watch;

use std::collections::{BTreeSet, HashMap};
use std::time::{Duration, Instant};

use api::{Portal, wait_until_finished};
use processes::Cluster;
use services::{
    FreshDatabase, POSTGRES_URL_VARIABLE, S3_ENDPOINT_VARIABLE, create_bucket, list_keys,
    postgres_restart_command,
};
use watch::ProcessingWatch;

/// Portals 1-5 share the 20 small exports; portal 6 holds the large one.
const SMALL_PORTALS: std::ops::RangeInclusive<i64> = 1..=5;
const LARGE_PORTAL: i64 = 6;
const SMALL_CONTACTS: usize = 5_000;
const LARGE_CONTACTS: usize = 200_000;
const EXPORTS_PER_SMALL_PORTAL: usize = 4;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL and S3: set CRM_EXPORTS_TEST_POSTGRES_URL and CRM_EXPORTS_TEST_S3_ENDPOINT"]
async fn api_and_worker_processes_complete_every_export_once_through_a_killed_worker_and_a_database_restart()
 {
    let (Ok(postgres_url), Ok(s3_endpoint)) = (
        std::env::var(POSTGRES_URL_VARIABLE),
        std::env::var(S3_ENDPOINT_VARIABLE),
    ) else {
        panic!("needs both {POSTGRES_URL_VARIABLE} and {S3_ENDPOINT_VARIABLE}");
    };
    crm_exports::client::install_tls_provider();
    let started = Instant::now();
    let http = reqwest::Client::new();
    let database = FreshDatabase::create(&postgres_url).await;
    let bucket = create_bucket(&http, &s3_endpoint).await;
    let mut cluster = Cluster::new(&database.url, &s3_endpoint, &bucket);

    let tokens: HashMap<i64, String> = SMALL_PORTALS
        .chain([LARGE_PORTAL])
        .map(|portal| (portal, cluster.create_token(portal)))
        .collect();
    let client = database.connect().await;
    insert_contacts(&client, LARGE_PORTAL, LARGE_CONTACTS).await;
    for portal in SMALL_PORTALS {
        insert_contacts(&client, portal, SMALL_CONTACTS).await;
    }
    drop(client);
    eprintln!(
        "loaded contacts in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    cluster.start_api();
    cluster.start_api();
    cluster.start_worker();
    cluster.start_worker();
    let watch = ProcessingWatch::start(&database.url);

    let large = a_killed_worker_is_replaced_and_its_export_completes_correctly(
        &mut cluster,
        &database,
        &http,
        &tokens[&LARGE_PORTAL],
    )
    .await;
    eprintln!(
        "the large export survived its worker's SIGKILL after {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let small = twenty_exports_over_five_portals_complete_through_a_database_restart(
        &mut cluster,
        &http,
        &tokens,
    )
    .await;
    eprintln!(
        "the 20 exports completed after {:.1} s",
        started.elapsed().as_secs_f64()
    );

    let seen = watch.finish().await;
    assert!(
        seen.violations.is_empty(),
        "portals with more than one export PROCESSING (portal, count): {:?}",
        seen.violations
    );
    // The watch did see exports running, so its silence means something.
    assert!(seen.busy_polls > 10, "{seen:?}");

    // Each export is DONE and left exactly one file: the one its row names.
    let client = database.connect().await;
    let rows = client
        .query("SELECT id, state, file_key FROM exports ORDER BY id", &[])
        .await
        .unwrap();
    let mut expected_ids: Vec<i64> = small.iter().map(|(_, id)| *id).chain([large]).collect();
    expected_ids.sort();
    let ids: Vec<i64> = rows.iter().map(|r| r.get(0)).collect();
    assert_eq!(ids, expected_ids);
    let mut named_keys = BTreeSet::new();
    for row in &rows {
        let (id, state, key): (i64, &str, Option<String>) = (row.get(0), row.get(1), row.get(2));
        assert_eq!(state, "DONE", "export {id}");
        assert_eq!(key.as_deref(), Some(format!("export-{id}.csv").as_str()));
        named_keys.insert(format!("exports/export-{id}.csv"));
    }
    let stored: Vec<String> = list_keys(&http, &s3_endpoint, &bucket, "exports/").await;
    let stored_set: BTreeSet<String> = stored.iter().cloned().collect();
    assert_eq!(stored.len(), stored_set.len(), "{stored:?}");
    assert_eq!(stored_set, named_keys);
    cluster.assert_all_running();
    eprintln!("done in {:.1} s", started.elapsed().as_secs_f64());
}

/// Writes `count` contacts with distinct emails and a dozen filled properties (quotes,
/// commas, line breaks and non-ASCII included) straight into the portal's table, in
/// seconds where `seed` in a debug build takes minutes for 200,000.
async fn insert_contacts(client: &tokio_postgres::Client, portal: i64, count: usize) {
    client
        .execute(
            &format!(
                "INSERT INTO records_{portal}_0_1 (id, created_at, updated_at, p_email, \
                   p_firstname, p_lastname, p_phone, p_company, p_jobtitle, p_website, \
                   p_address, p_city, p_country, p_message, p_lifecyclestage) \
                 SELECT nextval('record_ids'), 1700000000000 + i, 1700000000000 + i, \
                   'contact' || i || '@portal{portal}.example.com', 'Zoë ' || i, \
                   'O''Brien, \"Jr\" ' || i, '+1 555 ' || i, 'Company ' || (i % 5000), \
                   'Engineer', 'https://example.com/' || i, i || ' Main St', 'Berlin', \
                   'Germany', 'Line one ' || i || chr(10) || 'línea dos, \"quoted\"', 'lead' \
                 FROM generate_series(1, $1::bigint) AS i"
            ),
            &[&(count as i64)],
        )
        .await
        .expect("contacts inserted");
}

/// The pid in a worker id `worker-<pid>-<n>`.
fn pid_of(worker_id: &str) -> u32 {
    worker_id
        .strip_prefix("worker-")
        .and_then(|rest| rest.split('-').next())
        .and_then(|pid| pid.parse().ok())
        .unwrap_or_else(|| panic!("an unexpected worker id {worker_id:?}"))
}

/// The worker process holding `export`, once it is PROCESSING.
async fn holder(client: &tokio_postgres::Client, export: i64) -> Option<u32> {
    let row = client
        .query_one(
            "SELECT worker_id FROM exports WHERE id = $1 AND state = 'PROCESSING'",
            &[&export],
        )
        .await
        .ok()?;
    row.get::<_, Option<&str>>(0).map(pid_of)
}

async fn a_killed_worker_is_replaced_and_its_export_completes_correctly(
    cluster: &mut Cluster,
    database: &FreshDatabase,
    http: &reqwest::Client,
    token: &str,
) -> i64 {
    let base_urls: Vec<String> = cluster.apis.iter().map(|a| a.base_url.clone()).collect();
    let portals: Vec<Portal<'_>> = base_urls
        .iter()
        .map(|base_url| Portal {
            http,
            base_url,
            token,
        })
        .collect();
    let id = portals[0].start_contacts_export("everyone").await;
    let client = database.connect().await;

    // Kill the worker holding the export while it runs.
    let deadline = Instant::now() + Duration::from_secs(60);
    let first = loop {
        assert!(
            Instant::now() < deadline,
            "the export never showed progress:\n{}",
            cluster.worker_logs()
        );
        let details = portals[1].details(id).await.expect("details");
        // Not claimed yet: a worker is woken within milliseconds, so look again soon.
        if details["exportState"] == "ENQUEUED" {
            tokio::time::sleep(Duration::from_millis(10)).await;
            continue;
        }
        assert_eq!(
            details["exportState"], "PROCESSING",
            "the export must still be running to have its worker killed"
        );
        // Kill as soon as a worker holds it: an optimised build writes 200,000 rows in
        // about a second, faster than the first progress report.
        if let Some(pid) = holder(&client, id).await {
            break pid;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    let written = portals[1].details(id).await.expect("details")["recordCount"]
        .as_i64()
        .unwrap_or(0);
    assert!(
        written < LARGE_CONTACTS as i64,
        "the export finished before its worker could be killed"
    );
    assert!(
        cluster.kill_worker(first),
        "the holder {first} is one of the test's workers"
    );
    eprintln!("killed worker {first} after {written} rows of export {id}");

    // The other worker takes the export over once the lease has expired.
    let deadline = Instant::now() + Duration::from_secs(30);
    let second = loop {
        assert!(
            Instant::now() < deadline,
            "no worker took the export over:\n{}",
            cluster.worker_logs()
        );
        match holder(&client, id).await {
            Some(pid) if pid != first => break pid,
            _ => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    };
    let survivor = cluster
        .worker_by_pid(second)
        .expect("the new holder is one of the test's workers");
    assert!(survivor.is_running());
    // Two worker processes again for what follows.
    cluster.start_worker();

    let status = wait_until_finished(&portals, id, Instant::now() + Duration::from_secs(120)).await;
    assert_eq!(status["status"], "COMPLETE", "{status}");
    let attempt: i64 = client
        .query_one("SELECT attempt FROM exports WHERE id = $1", &[&id])
        .await
        .unwrap()
        .get(0);
    assert_eq!(attempt, 2, "one attempt killed, one that finished");

    // The file holds every contact exactly once, with its email.
    let link = status["result"].as_str().expect("a download link");
    let bytes = http
        .get(link)
        .send()
        .await
        .unwrap()
        .error_for_status()
        .expect("the file downloads")
        .bytes()
        .await
        .unwrap();
    let text = bytes.strip_prefix(b"\xEF\xBB\xBF").expect("a BOM");
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text);
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("a CSV row")).collect();
    assert_eq!(
        rows.len(),
        LARGE_CONTACTS + 1,
        "a header and a row per contact"
    );
    let header: Vec<&str> = rows[0].iter().collect();
    assert_eq!(header.len(), 21, "{header:?}");
    assert_eq!(header[..3], ["Record ID", "Email", "First Name"]);
    let column = |label: &str| {
        header
            .iter()
            .position(|h| *h == label)
            .unwrap_or_else(|| panic!("no {label} column in {header:?}"))
    };
    let (last_name, message) = (column("Last Name"), column("Message"));
    // Email, a name with a quote and a comma, a message with a line break: as stored.
    let stored: HashMap<String, (String, String, String)> = client
        .query(
            &format!(
                "SELECT id::text, p_email, p_lastname, p_message FROM records_{LARGE_PORTAL}_0_1 \
                 WHERE NOT archived"
            ),
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), (r.get(1), r.get(2), r.get(3))))
        .collect();
    assert_eq!(stored.len(), LARGE_CONTACTS);
    let mut exported: HashMap<&str, &str> = HashMap::new();
    for row in &rows[1..] {
        let previous = exported.insert(&row[0], &row[1]);
        assert!(previous.is_none(), "record {} exported twice", &row[0]);
        let (email, name, text) = stored
            .get(&row[0])
            .unwrap_or_else(|| panic!("record {} is not stored", &row[0]));
        assert_eq!(
            (&row[1], &row[last_name], &row[message]),
            (email.as_str(), name.as_str(), text.as_str()),
            "record {}",
            &row[0]
        );
    }
    assert_eq!(exported.len(), stored.len());
    id
}

/// Returns each export as `(portal, id)`.
async fn twenty_exports_over_five_portals_complete_through_a_database_restart(
    cluster: &mut Cluster,
    http: &reqwest::Client,
    tokens: &HashMap<i64, String>,
) -> Vec<(i64, i64)> {
    let database_url = cluster.database_url.clone();
    let base_urls: Vec<String> = cluster.apis.iter().map(|a| a.base_url.clone()).collect();
    let portals_of = |portal: i64| -> Vec<Portal<'_>> {
        base_urls
            .iter()
            .map(|base_url| Portal {
                http,
                base_url,
                token: &tokens[&portal],
            })
            .collect()
    };
    // Requests alternate between the two API processes.
    let mut exports = Vec::new();
    for round in 0..EXPORTS_PER_SMALL_PORTAL {
        for portal in SMALL_PORTALS {
            let api = exports.len() % base_urls.len();
            let id = portals_of(portal)[api]
                .start_contacts_export(&format!("portal {portal} export {round}"))
                .await;
            exports.push((portal, id));
        }
    }

    match postgres_restart_command() {
        Ok(mut restart) => {
            let client = services::connect(&database_url).await;
            let unfinished: i64 = client
                .query_one("SELECT COUNT(*) FROM exports WHERE state != 'DONE'", &[])
                .await
                .unwrap()
                .get(0);
            drop(client);
            assert!(unfinished > 0, "every export finished before the restart");
            let ran = tokio::task::spawn_blocking(move || restart.output())
                .await
                .unwrap()
                .expect("pg_ctlcluster runs");
            assert!(
                ran.status.success(),
                "restarting PostgreSQL: {}",
                String::from_utf8_lossy(&ran.stderr)
            );
            eprintln!("restarted PostgreSQL with {unfinished} of 20 exports unfinished");
        }
        Err(why) => eprintln!("skipped the PostgreSQL restart: {why}"),
    }

    let deadline = Instant::now() + Duration::from_secs(120);
    for &(portal, id) in &exports {
        let portals = portals_of(portal);
        let status = wait_until_finished(&portals, id, deadline).await;
        assert_eq!(
            status["status"],
            "COMPLETE",
            "export {id}: {status}\n{}",
            cluster.worker_logs()
        );
        let details = portals[0].details(id).await.expect("details");
        assert_eq!(details["recordCount"], SMALL_CONTACTS as i64, "{details}");
    }
    // Every process lived through the restart.
    cluster.assert_all_running();
    exports
}
