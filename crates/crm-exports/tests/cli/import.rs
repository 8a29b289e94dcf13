//! `import` as a user runs it: a second server holding seeded demo data, the full fixture
//! (a custom object, a paired custom label, owners, the three kinds of lists, an archived
//! record) and a custom deal pipeline is mirrored into a new data folder, and every
//! object's export from the mirror is byte for byte the source's; an import killed three
//! times and run again ends the same.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::json;

use crate::harness::{Server, call, command, run, seed};

const FULL: &str = include_str!("../data/fixture_full.json");
const OBJECTS: [&str; 5] = ["contacts", "companies", "deals", "tickets", "cars"];

/// Seeds `dir` with `counts`, loads the full fixture, starts a server on it (with `extra`
/// options) and moves the fixture's deal into a new pipeline made through the API.
async fn source(dir: &Path, counts: &[&str], extra: &[&str]) -> Server {
    std::fs::create_dir_all(dir).unwrap();
    seed(dir, counts).expect_ok();
    let file = dir.join("portal.json");
    std::fs::write(&file, FULL).unwrap();
    let data = dir.to_str().unwrap();
    run(
        dir,
        &[
            "fixtures",
            "load",
            file.to_str().unwrap(),
            "--data-dir",
            data,
        ],
    )
    .expect_ok();
    let server = Server::start(dir, extra);
    let token = server.token();
    let stages = json!([
        {"label": "Signed", "displayOrder": 0, "metadata": {"probability": "0.5"}},
        {"label": "Live", "displayOrder": 1, "metadata": {"probability": "1.0"}}
    ]);
    let body = json!({"label": "Partners", "displayOrder": 5, "stages": stages});
    let pipeline = call(
        &server,
        &token,
        Method::POST,
        "/crm/v3/pipelines/deals",
        Some(body),
    )
    .await;
    let moved = json!({"properties": {"pipeline": pipeline["id"],
                                      "dealstage": pipeline["stages"][1]["id"]}});
    call(
        &server,
        &token,
        Method::PATCH,
        "/crm/v3/objects/deals/3001",
        Some(moved),
    )
    .await;
    server
}

async fn assert_definitions_match(source: &Server, mirror: &Server) {
    for object in OBJECTS {
        let (theirs, ours) = (definitions(source, object), definitions(mirror, object));
        assert_eq!(theirs.await, ours.await, "{object}'s property definitions");
    }
}

/// Every property definition of `object` at `server`, without their times.
async fn definitions(server: &Server, object: &str) -> Vec<serde_json::Value> {
    let path = format!("/crm/v3/properties/{object}");
    let answer = call(server, &server.token(), Method::GET, &path, None).await;
    let mut all = answer["results"].as_array().unwrap().clone();
    for definition in &mut all {
        let fields = definition.as_object_mut().unwrap();
        fields.retain(|name, _| !["createdAt", "updatedAt"].contains(&name.as_str()));
    }
    all
}

/// `import` from `source` into the data folder `mirror`, not yet run.
fn import_command(source: &Server, mirror: &Path, extra: &[&str]) -> std::process::Command {
    let token = source.token();
    let mut args = vec![
        "import",
        "--from",
        &source.base_url,
        "--token",
        &token,
        "--data-dir",
        mirror.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let mut command = command(mirror.parent().unwrap(), &args);
    command.stdout(std::process::Stdio::piped());
    command.stderr(std::process::Stdio::piped());
    command
}

fn import(source: &Server, mirror: &Path, store: &[&str]) -> crate::harness::Ran {
    let output = import_command(source, mirror, store).output().unwrap();
    let ran: crate::harness::Ran = output.into();
    ran.expect_ok()
}

/// Every property of `object` at `server`, by name.
async fn property_names(server: &Server, object: &str) -> Vec<String> {
    let path = format!("/crm/v3/properties/{object}");
    let answer = call(server, &server.token(), Method::GET, &path, None).await;
    let mut names: Vec<String> = answer["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap().to_owned())
        .collect();
    names.sort();
    names
}

/// An export of `object` with every property, its associations to the other objects and
/// their labels, as a CSV file's bytes.
async fn export_bytes(server: &Server, object: &str, out: &Path) -> Vec<u8> {
    let properties = property_names(server, object).await.join(",");
    let others: Vec<&str> = OBJECTS.iter().copied().filter(|o| *o != object).collect();
    let associated = others.join(",");
    let file = out.join(format!("{object}.csv"));
    server
        .client(
            out,
            &[
                "export",
                "start",
                "--object",
                object,
                "--properties",
                &properties,
                "--associated",
                &associated,
                "--labeled-associations",
                "--internal-names",
                "--format",
                "csv",
                "--out",
                file.to_str().unwrap(),
            ],
        )
        .expect_ok();
    std::fs::read(&file).unwrap()
}

/// Asserts that each object's export from `mirror` is the source's, byte for byte.
async fn assert_exports_match(source: &Server, mirror: &Server, work: &Path) {
    for object in OBJECTS {
        let (a, b) = (work.join("source"), work.join("mirror"));
        std::fs::create_dir_all(&a).unwrap();
        std::fs::create_dir_all(&b).unwrap();
        let expected = export_bytes(source, object, &a).await;
        let got = export_bytes(mirror, object, &b).await;
        let text = String::from_utf8_lossy(&expected);
        assert!(text.lines().count() > 1, "{object}: an empty export");
        let mirrored = String::from_utf8_lossy(&got);
        let differing: Vec<(&str, &str)> = text
            .lines()
            .zip(mirrored.lines())
            .filter(|(a, b)| a != b)
            .collect();
        assert!(
            expected == got,
            "{object}: the mirror's export differs ({} lines at the source, {} in the mirror); \
             differing lines: {differing:#?}",
            text.lines().count(),
            mirrored.lines().count()
        );
    }
}

fn dump(data: &Path, store: &[&str]) -> String {
    let mut args = vec!["fixtures", "dump", "--data-dir", data.to_str().unwrap()];
    args.extend_from_slice(store);
    run(data.parent().unwrap(), &args).expect_ok().stdout
}

const SMALL: [&str; 8] = [
    "--contacts",
    "40",
    "--companies",
    "10",
    "--deals",
    "15",
    "--tickets",
    "10",
];

/// Mirrors a small source into `mirror_dir` (with `store`, the mirror's database
/// options) and checks the exports, the custom pipeline and the dump against it.
async fn mirror_matches_its_source(work: &Path, store: &[&str]) {
    let source_dir = work.join("source");
    let mirror_dir = work.join("mirror");
    let source = source(&source_dir, &SMALL, &[]).await;
    let ran = import(&source, &mirror_dir, store);
    assert!(ran.stdout.contains("lists: 7 copied"), "{}", ran.stdout);
    assert!(
        ran.stdout
            .contains("contacts: 43 copied, 0 updated, 0 unchanged, 0 failed"),
        "{}",
        ran.stdout
    );

    let mirror = Server::start(&mirror_dir, store);
    assert_exports_match(&source, &mirror, work).await;
    assert_definitions_match(&source, &mirror).await;
    // The deal in the custom pipeline reads the same stage at both ends.
    let path = "/crm/v3/objects/deals/3001?properties=pipeline,dealstage";
    let at_source = call(&source, &source.token(), Method::GET, path, None).await;
    let at_mirror = call(&mirror, &mirror.token(), Method::GET, path, None).await;
    assert_eq!(at_source["properties"], at_mirror["properties"]);
    let pipelines = "/crm/v3/pipelines/deals";
    let at_source = call(&source, &source.token(), Method::GET, pipelines, None).await;
    let at_mirror = call(&mirror, &mirror.token(), Method::GET, pipelines, None).await;
    assert_eq!(at_source, at_mirror);
    drop(mirror);
    // Everything else the fixture format holds (lists and their members, labels, archived
    // records, owners, definitions) is the same too.
    assert_eq!(dump(&mirror_dir, store), dump(&source_dir, &[]));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_mirrored_portal_exports_byte_for_byte_as_its_source() {
    let dir = tempfile::tempdir().unwrap();
    mirror_matches_its_source(dir.path(), &[]).await;
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs PostgreSQL: set CRM_EXPORTS_TEST_POSTGRES_URL and run with --include-ignored"]
async fn a_portal_mirrored_into_postgres_exports_byte_for_byte_as_its_source() {
    let url = std::env::var("CRM_EXPORTS_TEST_POSTGRES_URL")
        .expect("needs PostgreSQL: set CRM_EXPORTS_TEST_POSTGRES_URL");
    let config: tokio_postgres::Config = url.parse().expect("a PostgreSQL URL");
    let (admin, connection) = config.connect(tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(connection);
    let schema = format!("import_{}", uuid::Uuid::new_v4().simple());
    admin
        .batch_execute(&format!("CREATE SCHEMA {schema}"))
        .await
        .unwrap();
    let separator = if url.contains('?') { '&' } else { '?' };
    let mirror_url = format!("{url}{separator}options=-c%20search_path%3D{schema}");
    let dir = tempfile::tempdir().unwrap();
    mirror_matches_its_source(dir.path(), &["--database-url", &mirror_url]).await;
    admin
        .batch_execute(&format!("DROP SCHEMA {schema} CASCADE"))
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn an_import_killed_three_times_and_run_again_ends_with_the_source_s_data() {
    let dir = tempfile::tempdir().unwrap();
    let source_dir = dir.path().join("source");
    let mirror_dir = dir.path().join("mirror");
    // Seeded ids stay below the fixture's (1001 and up).
    let counts = [
        "--contacts",
        "600",
        "--companies",
        "150",
        "--deals",
        "150",
        "--tickets",
        "80",
    ];
    let source = source(&source_dir, &counts, &[]).await;
    // How long a whole import takes here, so the kills land inside one.
    let started = Instant::now();
    import(&source, &dir.path().join("timing"), &[]);
    let whole = started.elapsed();
    // Random points: the delays come from the clock, and are printed for a rerun.
    let mut state = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64;
    let mut killed_at = Vec::new();
    for _ in 0..3 {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        // Three kills of at most 30% each leave the last run something to do.
        let fraction = 0.05 + ((state >> 33) % 250) as f64 / 1000.0;
        let delay = whole.mul_f64(fraction);
        let mut child = import_command(&source, &mirror_dir, &[]).spawn().unwrap();
        let started = Instant::now();
        while started.elapsed() < delay {
            if child.try_wait().unwrap().is_some() {
                break;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        let finished = child.try_wait().unwrap().is_some();
        child.kill().unwrap();
        child.wait().unwrap();
        killed_at.push((delay, finished));
    }
    // A run that finished by itself before its kill would prove nothing.
    assert!(
        killed_at.iter().all(|(_, finished)| !finished),
        "{killed_at:?} of {whole:?}"
    );
    eprintln!("killed after {killed_at:?} of a whole import of {whole:?}");
    let ran = import(&source, &mirror_dir, &[]);
    assert!(ran.stdout.contains("imported"), "{}", ran.stdout);
    let mirror = Server::start(&mirror_dir, &[]);
    assert_exports_match(&source, &mirror, dir.path()).await;
    drop(mirror);
    assert_eq!(dump(&mirror_dir, &[]), dump(&source_dir, &[]));
}

/// The source's request counts by the value of one label (`status`, `route`), from its
/// `/metrics` (itself not counted).
async fn request_counts(server: &Server, label: &str) -> BTreeMap<String, f64> {
    let text = reqwest::get(format!("{}/metrics", server.base_url))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let mut counts = BTreeMap::new();
    let pattern = format!("{label}=\"");
    for line in text
        .lines()
        .filter(|l| l.starts_with("http_requests_total{"))
    {
        if line.contains("route=\"/metrics\"") {
            continue;
        }
        let value = line
            .split(&pattern)
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .unwrap()
            .to_owned();
        let method = line
            .split("method=\"")
            .nth(1)
            .and_then(|r| r.split('"').next());
        let key = match label {
            "route" => format!("{} {value}", method.unwrap_or("?")),
            _ => value,
        };
        let count: f64 = line.rsplit(' ').next().unwrap().parse().unwrap();
        *counts.entry(key).or_insert(0.0) += count;
    }
    counts
}

async fn requests_by_status(server: &Server) -> BTreeMap<String, f64> {
    request_counts(server, "status").await
}

/// The ids of the live contacts last changed when the latest one was: an incremental
/// import reads them again (its mark is that time) and finds them unchanged.
async fn contacts_changed_last(server: &Server) -> Vec<i64> {
    let path = "/crm/v3/objects/contacts/search";
    let latest = json!({"sorts": [{"propertyName": "lastmodifieddate", "direction": "DESCENDING"}],
                        "limit": 1});
    let found = call(server, &server.token(), Method::POST, path, Some(latest)).await;
    let at = found["results"][0]["updatedAt"]
        .as_str()
        .unwrap()
        .to_owned();
    let millis = crm_exports::domain::time::parse_timestamp(&at).unwrap();
    let tied = json!({"filterGroups": [{"filters": [
        {"propertyName": "lastmodifieddate", "operator": "EQ", "value": millis.to_string()}]}],
        "limit": 200});
    let found = call(server, &server.token(), Method::POST, path, Some(tied)).await;
    found["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().parse().unwrap())
        .collect()
}

/// At the source: two contacts changed (one also newly associated with a company and
/// taken out of a list), `archived` archived, one created with an association, a deal
/// changed.
async fn change_the_source(source: &Server, archived: i64) {
    let token = source.token();
    let send = |method: Method, path: String, body: Option<serde_json::Value>| {
        let token = token.clone();
        async move { call(source, &token, method, &path, body).await }
    };
    let lists = send(
        Method::POST,
        "/crm/v3/lists/search".into(),
        Some(json!({"query": "VIPs"})),
    )
    .await;
    let vips = lists["lists"][0]["listId"].as_str().unwrap().to_owned();
    // Association and membership changes first: HubSpot dates neither on the record, so
    // they are copied with the record's own change after them.
    let associate = "/crm/v4/objects/contacts/1002/associations/default/companies/2001";
    send(Method::PUT, associate.into(), None).await;
    let remove = format!("/crm/v3/lists/{vips}/memberships/remove");
    send(Method::PUT, remove, Some(json!(["1001"]))).await;
    // A custom property the mirror has, relabelled, with a new option a record takes.
    let tier = "/crm/v3/properties/contacts/tier";
    let options = json!([{"label": "Gold", "value": "gold", "displayOrder": 0},
                         {"label": "Silver", "value": "silver", "displayOrder": 1},
                         {"label": "Bronze", "value": "bronze", "displayOrder": 2}]);
    let relabelled = json!({"label": "Loyalty tier", "options": options});
    send(Method::PATCH, tier.into(), Some(relabelled)).await;
    let changes = [
        (
            "contacts/1001",
            json!({"firstname": "Changed", "tier": "bronze"}),
        ),
        ("contacts/1002", json!({"jobtitle": "Moved on"})),
        ("deals/3001", json!({"amount": "999"})),
    ];
    for (record, properties) in changes {
        let body = json!({ "properties": properties });
        send(
            Method::PATCH,
            format!("/crm/v3/objects/{record}"),
            Some(body),
        )
        .await;
    }
    send(
        Method::DELETE,
        format!("/crm/v3/objects/contacts/{archived}"),
        None,
    )
    .await;
    let created = json!({
        "properties": {"email": "new.one@example.com", "firstname": "New"},
        "associations": [{"to": {"id": "2001"}, "types": [
            {"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 279}]}]
    });
    send(
        Method::POST,
        "/crm/v3/objects/contacts".into(),
        Some(created),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_incremental_import_copies_only_what_changed_at_the_source() {
    let dir = tempfile::tempdir().unwrap();
    let source_dir = dir.path().join("source");
    let mirror_dir = dir.path().join("mirror");
    let source = source(&source_dir, &SMALL, &[]).await;
    import(&source, &mirror_dir, &[]);
    let tied = contacts_changed_last(&source).await;
    // A seeded contact, after the fixture's (whose 1003 is archived already).
    let path = "/crm/v3/objects/contacts?limit=1&after=1003";
    let first = call(&source, &source.token(), Method::GET, path, None).await;
    let archived: i64 = first["results"][0]["id"].as_str().unwrap().parse().unwrap();
    assert!(archived > 1003, "{first}");
    // Every change below comes at least a millisecond after the import's marks.
    tokio::time::sleep(Duration::from_millis(5)).await;
    change_the_source(&source, archived).await;

    let before = request_counts(&source, "route").await;
    let ran = import(&source, &mirror_dir, &["--incremental"]);
    let after = request_counts(&source, "route").await;
    let sent: BTreeMap<&String, f64> = after
        .iter()
        .map(|(route, n)| (route, n - before.get(route).copied().unwrap_or(0.0)))
        .filter(|(_, n)| *n > 0.0)
        .collect();
    eprintln!(
        "{}\nrequests of the incremental import: {sent:#?}",
        ran.stdout
    );

    // Read again and unchanged: the contacts tied with the mark, and the fixture's
    // archived 1003 (archived records are listed again, search never answers them).
    let unchanged = tied
        .iter()
        .filter(|id| ![1001, 1002, archived].contains(*id))
        .count()
        + 1;
    let expected = format!("contacts: 1 copied, 3 updated, {unchanged} unchanged, 0 failed");
    assert!(ran.stdout.contains(&expected), "{expected}\n{}", ran.stdout);
    assert!(
        ran.stdout
            .contains("deals: 0 copied, 1 updated, 0 unchanged, 0 failed"),
        "{}",
        ran.stdout
    );
    // Records are read by one search page and one archived page per object, and nothing
    // lists the live records again.
    let objects = OBJECTS.len() as f64;
    let search = sent.get(&"POST /crm/v3/objects/{object_type}/search".to_owned());
    assert_eq!(search.copied(), Some(objects), "{sent:#?}");
    let listed = sent.get(&"GET /crm/v3/objects/{object_type}".to_owned());
    assert_eq!(listed.copied(), Some(objects), "{sent:#?}");

    let mirror = Server::start(&mirror_dir, &[]);
    assert_exports_match(&source, &mirror, dir.path()).await;
    assert_definitions_match(&source, &mirror).await;
    drop(mirror);
    assert_eq!(dump(&mirror_dir, &[]), dump(&source_dir, &[]));
}

#[tokio::test(flavor = "multi_thread")]
async fn an_import_from_a_rate_limited_source_keeps_to_its_limit() {
    let dir = tempfile::tempdir().unwrap();
    let source_dir = dir.path().join("source");
    std::fs::create_dir_all(&source_dir).unwrap();
    crate::harness::seed_contacts(&source_dir, 30).expect_ok();
    let source = Server::start(&source_dir, &["--rate-limit-per-10s", "10"]);
    let started = Instant::now();
    let ran = import(
        &source,
        &dir.path().join("mirror"),
        &["--objects", "contacts"],
    );
    let took = started.elapsed();
    assert!(ran.stdout.contains("contacts: 30 copied"), "{}", ran.stdout);
    let counts = requests_by_status(&source).await;
    let sent: f64 = counts.values().sum();
    let refused = counts.get("429").copied().unwrap_or(0.0);
    assert!(refused <= 1.0, "{counts:?}\n{}", ran.stderr);
    // Ten a rolling ten seconds: request n (from 0) cannot go before 10 s × ⌊n / 10⌋.
    let answered = sent - refused;
    assert!(
        answered > 10.0,
        "only {answered} requests: the limit never bit"
    );
    let least = Duration::from_secs(10 * ((answered as u64 - 1) / 10));
    assert!(
        took >= least - Duration::from_millis(500) && took <= least + Duration::from_secs(6),
        "{answered} requests took {took:?}, the limit allows them in {least:?} ({counts:?})"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_record_with_more_associations_than_a_page_is_mirrored_with_all_of_them() {
    let dir = tempfile::tempdir().unwrap();
    let source_dir = dir.path().join("source");
    std::fs::create_dir_all(&source_dir).unwrap();
    crate::harness::seed_contacts(&source_dir, 1).expect_ok();
    let source = Server::start(&source_dir, &["--rate-limits", "off"]);
    let token = source.token();
    let firm = json!({"properties": {"name": "Big"}});
    let firm = call(
        &source,
        &token,
        Method::POST,
        "/crm/v3/objects/companies",
        Some(firm),
    )
    .await;
    let firm = firm["id"].as_str().unwrap().to_owned();
    // 501 deals of the one company: one more than a batch read answers for a record.
    for chunk in 0..6 {
        let inputs: Vec<_> = (chunk * 100..(chunk * 100 + 100).min(501))
            .map(|i| {
                json!({"properties": {"dealname": format!("Deal {i}")},
                       "associations": [{"to": {"id": firm}, "types": [
                           {"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 341}]}]})
            })
            .collect();
        let body = json!({ "inputs": inputs });
        call(
            &source,
            &token,
            Method::POST,
            "/crm/v3/objects/deals/batch/create",
            Some(body),
        )
        .await;
    }
    let ran = import(
        &source,
        &dir.path().join("mirror"),
        &["--objects", "companies,deals"],
    );
    let expected = "companies: 1 copied, 0 updated, 0 unchanged, 0 failed, 501 associations";
    assert!(ran.stdout.contains(expected), "{}", ran.stdout);
    let mirror = Server::start(&dir.path().join("mirror"), &[]);
    let (mut deals, mut after) = (0, String::new());
    loop {
        let path = format!("/crm/v4/objects/companies/{firm}/associations/deals?after={after}");
        let page = call(&mirror, &mirror.token(), Method::GET, &path, None).await;
        deals += page["results"].as_array().unwrap().len();
        match page["paging"]["next"]["after"].as_str() {
            Some(next) => after = next.to_owned(),
            None => break,
        }
    }
    assert_eq!(deals, 501);
}
