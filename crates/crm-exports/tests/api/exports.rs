//! The exports API end to end: start, status, details, the worker, the files (parsed back),
//! signed downloads, quotas, cancelling and lease takeover.

use std::io::{Cursor, Read};

use calamine::{Data, Reader, open_workbook_auto_from_rs};
use crm_exports::jobs::ExportConfig;
use crm_exports::server::Settings;
use crm_exports::store::{CutText, ExportLogPage, ExportOutcome};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_hubspot_error};

fn now_ms() -> i64 {
    crm_exports::clock::Clock::system().now_ms()
}

const PREFIXES: [&str; 2] = ["/crm/v3/exports", "/crm/exports/2026-03"];

/// 30 contacts: even ones are leads, odd ones customers; names with commas, quotes,
/// newlines and non-ASCII to exercise quoting.
async fn seed(app: &TestApp) -> Vec<String> {
    let properties: Vec<Value> = (0..30)
        .map(|i| {
            json!({
                "email": format!("person{i:02}@example.com"),
                "firstname": match i % 3 { 0 => format!("Zoë \"{i}\""), 1 => format!("Ann, {i}"), _ => format!("Line\nBreak {i}") },
                "lifecyclestage": if i % 2 == 0 { "lead" } else { "customer" },
            })
        })
        .collect();
    app.create_many("contacts", properties).await
}

fn view_request(format: &str, extra: Value) -> Value {
    let mut body = json!({
        "exportType": "VIEW",
        "exportName": "Leads, by email",
        "format": format,
        "language": "EN",
        "objectType": "CONTACT",
        "objectProperties": ["email", "firstname", "lifecyclestage"],
        "publicCrmSearchRequest": {
            "filterGroups": [{"filters": [{"propertyName": "lifecyclestage", "operator": "EQ", "value": "lead"}]}],
            "sorts": [{"propertyName": "email", "direction": "DESCENDING"}]
        }
    });
    if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
        for (k, v) in e {
            b.insert(k.clone(), v.clone());
        }
    }
    body
}

pub(crate) async fn start(app: &TestApp, prefix: &str, body: Value) -> String {
    let reply = app.post(&format!("{prefix}/export/async"), body).await;
    assert_eq!(reply.status, StatusCode::ACCEPTED, "{}", reply.body);
    let id = reply.body["id"]
        .as_str()
        .expect("the id is a string")
        .to_string();
    assert!(id.parse::<i64>().is_ok());
    assert!(
        reply.body["links"]["status"]
            .as_str()
            .unwrap()
            .ends_with(&format!("{prefix}/export/async/tasks/{id}/status")),
        "{}",
        reply.body
    );
    id
}

async fn status(app: &TestApp, prefix: &str, id: &str) -> Value {
    let reply = app
        .get(&format!("{prefix}/export/async/tasks/{id}/status"))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    reply.body
}

/// Runs the queue and downloads the finished file.
pub(crate) async fn finish_and_download(
    app: &TestApp,
    prefix: &str,
    id: &str,
) -> (reqwest::header::HeaderMap, Vec<u8>) {
    app.run_exports().await;
    let done = status(app, prefix, id).await;
    assert_eq!(done["status"], "COMPLETE", "{done}");
    let url = done["result"]
        .as_str()
        .expect("a download link")
        .to_string();
    let (code, headers, bytes) = app.fetch(&url).await;
    assert_eq!(code, StatusCode::OK);
    (headers, bytes)
}

pub(crate) fn parse_csv(bytes: &[u8]) -> Vec<Vec<String>> {
    let text = std::str::from_utf8(bytes).unwrap();
    let text = text
        .strip_prefix('\u{feff}')
        .expect("CSV starts with a UTF-8 BOM");
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect()
}

/// The first sheet of an XLSX or XLS file as text, numbers without a fraction.
fn sheet_rows(bytes: Vec<u8>) -> Vec<Vec<String>> {
    let mut workbook = open_workbook_auto_from_rs(Cursor::new(bytes)).expect("a workbook");
    let sheet = workbook.worksheet_range_at(0).unwrap().unwrap();
    sheet
        .rows()
        .map(|r| {
            r.iter()
                .map(|c| match c {
                    Data::Float(x) => format!("{x}"),
                    Data::Int(n) => n.to_string(),
                    other => other.to_string(),
                })
                .collect()
        })
        .collect()
}

/// The leads, as the export should list them: id, email, first name, "Lead", by email descending.
async fn expected_leads(app: &TestApp, ids: &[String]) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    for (i, id) in ids.iter().enumerate().filter(|(i, _)| i % 2 == 0) {
        let record = app
            .get(&format!(
                "/crm/v3/objects/contacts/{id}?properties=email,firstname"
            ))
            .await;
        rows.push(vec![
            id.clone(),
            format!("person{i:02}@example.com"),
            record.body["properties"]["firstname"]
                .as_str()
                .unwrap()
                .to_string(),
            "Lead".to_string(),
        ]);
    }
    rows.sort_by(|a, b| b[1].cmp(&a[1]));
    rows
}

#[tokio::test]
async fn a_view_export_to_csv_holds_the_filtered_sorted_records_on_both_path_families() {
    let app = TestApp::spawn().await;
    let ids = seed(&app).await;
    let expected = expected_leads(&app, &ids).await;
    for prefix in PREFIXES {
        let id = start(&app, prefix, view_request("CSV", json!({}))).await;
        let pending = status(&app, prefix, &id).await;
        assert_eq!(pending["status"], "PENDING");
        assert!(pending.get("result").is_none());
        assert!(pending["requestedAt"].is_string());
        // Nothing is counted before a worker takes the export.
        let queued = app.get(&format!("{prefix}/export/{id}")).await.body;
        assert!(queued.get("expectedRecordCount").is_none(), "{queued}");

        let (headers, bytes) = finish_and_download(&app, prefix, &id).await;
        assert_eq!(headers["content-type"], "text/csv; charset=utf-8");
        assert!(
            headers["content-disposition"]
                .to_str()
                .unwrap()
                .contains("Leads__by_email.csv")
        );
        let rows = parse_csv(&bytes);
        assert_eq!(
            rows[0],
            ["Record ID", "Email", "First Name", "Lifecycle Stage"]
        );
        assert_eq!(&rows[1..], expected.as_slice());

        let done = status(&app, prefix, &id).await;
        assert!(done["startedAt"].is_string() && done["completedAt"].is_string());
        let details = app.get(&format!("{prefix}/export/{id}")).await;
        assert_eq!(details.status, StatusCode::OK);
        assert_eq!(details.body["exportState"], "DONE");
        assert_eq!(details.body["recordCount"], 15);
        assert_eq!(details.body["expectedRecordCount"], 15);
        assert_eq!(details.body["objectType"], "0-1");
        assert_eq!(details.body["exportType"], "VIEW");
        assert_eq!(
            details.body["objectProperties"],
            json!(["hs_object_id", "email", "firstname", "lifecyclestage"])
        );
    }
}

#[tokio::test]
async fn xlsx_and_xls_exports_read_back_with_the_same_rows() {
    let app = TestApp::spawn().await;
    let ids = seed(&app).await;
    let expected = expected_leads(&app, &ids).await;
    for (format, content_type) in [
        (
            "XLSX",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        ("xls", "application/vnd.ms-excel"),
    ] {
        let id = start(&app, "/crm/v3/exports", view_request(format, json!({}))).await;
        let (headers, bytes) = finish_and_download(&app, "/crm/v3/exports", &id).await;
        assert_eq!(headers["content-type"], content_type);
        let mut workbook =
            open_workbook_auto_from_rs(Cursor::new(bytes.clone())).expect("a workbook");
        let sheet = workbook.worksheet_range_at(0).unwrap().unwrap();
        let rows = sheet_rows(bytes);
        assert_eq!(
            rows[0],
            ["Record ID", "Email", "First Name", "Lifecycle Stage"],
            "{format}"
        );
        assert_eq!(&rows[1..], expected.as_slice(), "{format}");
        // The record id is a number cell, not text.
        assert!(
            matches!(sheet.get((1, 0)), Some(Data::Float(_) | Data::Int(_))),
            "{format}"
        );
    }
}

#[tokio::test]
async fn names_and_values_switch_headers_and_cells_to_internal_ones() {
    let app = TestApp::spawn().await;
    seed(&app).await;
    let body = view_request(
        "CSV",
        json!({"exportInternalValuesOptions": ["NAMES", "VALUES"], "objectProperties": ["email", "lifecyclestage", "createdate"]}),
    );
    let id = start(&app, "/crm/v3/exports", body).await;
    let (_, bytes) = finish_and_download(&app, "/crm/v3/exports", &id).await;
    let rows = parse_csv(&bytes);
    assert_eq!(
        rows[0],
        ["hs_object_id", "email", "lifecyclestage", "createdate"]
    );
    assert_eq!(rows[1][2], "lead");
    let created: i64 = rows[1][3].parse().expect("VALUES gives epoch milliseconds");
    assert!((now_ms() - created).abs() < 600_000);

    let labels = start(
        &app,
        "/crm/v3/exports",
        view_request("CSV", json!({"objectProperties": ["createdate"]})),
    )
    .await;
    let (_, bytes) = finish_and_download(&app, "/crm/v3/exports", &labels).await;
    let rows = parse_csv(&bytes);
    assert_eq!(rows[0], ["Record ID", "Create Date"]);
    assert_eq!(rows[1][1].len(), "2026-01-01 00:00".len(), "{:?}", rows[1]);
}

#[tokio::test]
async fn a_french_export_has_french_headers() {
    let app = TestApp::spawn().await;
    seed(&app).await;
    let id = start(
        &app,
        "/crm/exports/2026-03",
        view_request("CSV", json!({"language": "fr"})),
    )
    .await;
    let (_, bytes) = finish_and_download(&app, "/crm/exports/2026-03", &id).await;
    let header = &parse_csv(&bytes)[0];
    assert_ne!(header[1], "Email", "{header:?}");
    assert_ne!(header[2], "First Name", "{header:?}");
    assert_eq!(header[2], "Prénom", "{header:?}");
}

#[tokio::test]
async fn option_labels_are_written_in_the_exports_language() {
    let app = TestApp::spawn().await;
    seed(&app).await;
    let customers = json!({"filterGroups": [{"filters": [
        {"propertyName": "lifecyclestage", "operator": "EQ", "value": "customer"}]}]});
    for (language, customer) in [
        ("EN", "Customer"),
        ("FR", "Client"),
        ("de", "Kunde"),
        ("ES", "Cliente"),
        ("JA", "顧客"),
        // Languages without translations fall back to English, as the headers do.
        ("PT_BR", "Customer"),
    ] {
        let body = view_request(
            "CSV",
            json!({"language": language, "publicCrmSearchRequest": customers}),
        );
        let id = start(&app, "/crm/v3/exports", body).await;
        let (_, bytes) = finish_and_download(&app, "/crm/v3/exports", &id).await;
        let rows = parse_csv(&bytes);
        assert_eq!(rows.len(), 16, "{language}");
        assert!(
            rows[1..].iter().all(|r| r[3] == customer),
            "{language}: {rows:?}"
        );
    }
    // Internal values stay internal in every language.
    let body = view_request(
        "CSV",
        json!({"language": "FR", "publicCrmSearchRequest": customers,
               "exportInternalValuesOptions": ["VALUES"]}),
    );
    let id = start(&app, "/crm/v3/exports", body).await;
    let (_, bytes) = finish_and_download(&app, "/crm/v3/exports", &id).await;
    assert!(parse_csv(&bytes)[1..].iter().all(|r| r[3] == "customer"));
}

#[tokio::test]
async fn an_export_over_the_part_size_is_a_zip_of_parts_each_with_the_header() {
    let settings = Settings {
        export: ExportConfig {
            partition_rows: Some(4),
            ..ExportConfig::default()
        },
        ..Settings::default()
    };
    let app = TestApp::spawn_with_settings(settings).await;
    let ids = seed(&app).await;
    let expected = expected_leads(&app, &ids).await;
    let id = start(&app, "/crm/v3/exports", view_request("CSV", json!({}))).await;
    let (headers, bytes) = finish_and_download(&app, "/crm/v3/exports", &id).await;
    assert_eq!(headers["content-type"], "application/zip");
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).expect("a zip");
    assert_eq!(zip.len(), 4, "15 rows at 4 per part");
    let mut all = Vec::new();
    for i in 0..zip.len() {
        let mut part = String::new();
        zip.by_index(i).unwrap().read_to_string(&mut part).unwrap();
        let rows = parse_csv(part.as_bytes());
        assert_eq!(rows[0][0], "Record ID");
        assert!(rows.len() - 1 <= 4);
        all.extend(rows.into_iter().skip(1));
    }
    assert_eq!(all, expected);
}

#[tokio::test]
async fn a_csv_over_the_zip_threshold_is_delivered_zipped() {
    let settings = Settings {
        export: ExportConfig {
            csv_zip_bytes: 100,
            ..ExportConfig::default()
        },
        ..Settings::default()
    };
    let app = TestApp::spawn_with_settings(settings).await;
    seed(&app).await;
    let id = start(&app, "/crm/v3/exports", view_request("CSV", json!({}))).await;
    let (headers, bytes) = finish_and_download(&app, "/crm/v3/exports", &id).await;
    assert_eq!(headers["content-type"], "application/zip");
    let zip = zip::ZipArchive::new(Cursor::new(bytes)).expect("a zip");
    assert_eq!(zip.len(), 1);
}

#[tokio::test]
async fn the_daily_quota_answers_429_once_used_up() {
    let settings = Settings {
        daily_export_quota: 2,
        ..Settings::default()
    };
    let app = TestApp::spawn_with_settings(settings).await;
    start(&app, "/crm/v3/exports", view_request("CSV", json!({}))).await;
    start(&app, "/crm/exports/2026-03", view_request("CSV", json!({}))).await;
    let third = app
        .post(
            "/crm/v3/exports/export/async",
            view_request("CSV", json!({})),
        )
        .await;
    assert_hubspot_error(&third, StatusCode::TOO_MANY_REQUESTS, "RATE_LIMITS");
}

#[tokio::test]
async fn exports_of_one_portal_run_one_after_the_other() {
    let app = TestApp::spawn().await;
    seed(&app).await;
    let first = start(&app, "/crm/v3/exports", view_request("CSV", json!({}))).await;
    let second = start(&app, "/crm/v3/exports", view_request("CSV", json!({}))).await;
    let now = now_ms();
    let claimed = app
        .store
        .claim_export("a", now, 30_000, 3)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(claimed.id.to_string(), first);
    assert!(
        app.store
            .claim_export("b", now, 30_000, 3)
            .await
            .unwrap()
            .is_none(),
        "the second waits while the first runs"
    );
    assert_eq!(
        status(&app, "/crm/v3/exports", &first).await["status"],
        "PROCESSING"
    );
    assert_eq!(
        status(&app, "/crm/v3/exports", &second).await["status"],
        "PENDING"
    );
    let done = ExportOutcome::Failed {
        error: "test".into(),
    };
    assert!(
        app.store
            .finish_export(claimed.id, claimed.attempt, done, now)
            .await
            .unwrap()
    );
    let next = app
        .store
        .claim_export("b", now, 30_000, 3)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(next.id.to_string(), second);
}

#[tokio::test]
async fn a_failed_export_is_canceled_with_errors_on_status_and_failed_in_details() {
    let app = TestApp::spawn().await;
    let id = start(&app, "/crm/v3/exports", view_request("CSV", json!({}))).await;
    let claimed = app
        .store
        .claim_export("a", now_ms(), 30_000, 3)
        .await
        .unwrap()
        .unwrap();
    let failed = ExportOutcome::Failed {
        error: "disk on fire".into(),
    };
    app.store
        .finish_export(claimed.id, claimed.attempt, failed, now_ms())
        .await
        .unwrap();
    let body = status(&app, "/crm/v3/exports", &id).await;
    assert_eq!(body["status"], "CANCELED");
    assert_eq!(body["numErrors"], 1);
    assert_eq!(body["errors"][0]["message"], "disk on fire");
    let details = app.get(&format!("/crm/v3/exports/export/{id}")).await;
    assert_eq!(details.body["exportState"], "FAILED");
}

#[tokio::test]
async fn a_canceled_export_never_runs_and_a_finished_one_cannot_be_canceled() {
    let app = TestApp::spawn().await;
    seed(&app).await;
    let id = start(&app, "/crm/v3/exports", view_request("CSV", json!({}))).await;
    let canceled = app
        .post(&format!("/crm/v3/exports/export/{id}/cancel"), json!({}))
        .await;
    assert_eq!(canceled.status, StatusCode::OK, "{}", canceled.body);
    assert_eq!(canceled.body["exportState"], "CANCELED");
    assert_eq!(app.run_exports().await, 0);
    let body = status(&app, "/crm/v3/exports", &id).await;
    assert_eq!(body["status"], "CANCELED");
    assert!(body.get("result").is_none());

    let done = start(&app, "/crm/v3/exports", view_request("CSV", json!({}))).await;
    app.run_exports().await;
    let again = app
        .post(&format!("/crm/v3/exports/export/{done}/cancel"), json!({}))
        .await;
    assert_hubspot_error(&again, StatusCode::CONFLICT, "CONFLICT");
}

#[tokio::test]
async fn a_running_export_canceled_mid_way_leaves_no_file() {
    let app = TestApp::spawn().await;
    seed(&app).await;
    let id = start(&app, "/crm/v3/exports", view_request("CSV", json!({}))).await;
    let claimed = app
        .store
        .claim_export("slow", now_ms(), 30_000, 3)
        .await
        .unwrap()
        .unwrap();
    app.post(&format!("/crm/v3/exports/export/{id}/cancel"), json!({}))
        .await;
    // The worker's next heartbeat finds its lease gone, and its result is refused.
    assert!(
        !app.store
            .renew_export_lease(claimed.id, claimed.attempt, now_ms(), 30_000)
            .await
            .unwrap()
    );
    let late = ExportOutcome::Done {
        record_count: 1,
        file_key: "x.csv".into(),
        file_size: 1,
        cut: CutText::default(),
    };
    assert!(
        !app.store
            .finish_export(claimed.id, claimed.attempt, late, now_ms())
            .await
            .unwrap()
    );
    assert_eq!(
        status(&app, "/crm/v3/exports", &id).await["status"],
        "CANCELED"
    );
}

#[tokio::test]
async fn an_expired_lease_is_taken_over_and_the_first_workers_late_result_is_discarded() {
    let app = TestApp::spawn().await;
    let ids = seed(&app).await;
    let expected = expected_leads(&app, &ids).await;
    let id = start(&app, "/crm/v3/exports", view_request("CSV", json!({}))).await;
    let t0 = now_ms();
    // A lease that ran out a minute ago: the worker died without a heartbeat.
    let dead = app
        .store
        .claim_export("dies-mid-export", t0, -60_000, 3)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(dead.attempt, 1);
    assert_eq!(app.run_exports().await, 1);
    let late = ExportOutcome::Done {
        record_count: 0,
        file_key: "stale.csv".into(),
        file_size: 0,
        cut: CutText::default(),
    };
    assert!(
        !app.store
            .finish_export(dead.id, dead.attempt, late, t0)
            .await
            .unwrap()
    );
    let body = status(&app, "/crm/v3/exports", &id).await;
    let (_, _, bytes) = app.fetch(body["result"].as_str().unwrap()).await;
    assert_eq!(
        &parse_csv(&bytes)[1..],
        expected.as_slice(),
        "the file is complete and correct"
    );
    let details = app.get(&format!("/crm/v3/exports/export/{id}")).await;
    assert_eq!(details.body["recordCount"], 15);
}

#[tokio::test]
async fn unknown_and_foreign_export_ids_are_403_and_malformed_ones_400() {
    let app = TestApp::spawn().await;
    let id = start(&app, "/crm/v3/exports", view_request("CSV", json!({}))).await;
    let other = app.token_for(555, &["crm.export"]).await;
    for path in [
        format!("/crm/v3/exports/export/async/tasks/{id}/status"),
        format!("/crm/exports/2026-03/export/{id}"),
    ] {
        let reply = app.send(Method::GET, &path, Some(&other), None).await;
        assert_hubspot_error(&reply, StatusCode::FORBIDDEN, "FORBIDDEN");
        assert_eq!(
            reply.body["message"],
            format!(
                "Permission to get export file cannot be granted for exportId {id} and portalId 555"
            )
        );
    }
    let unknown = app
        .get("/crm/v3/exports/export/async/tasks/987654321/status")
        .await;
    assert_hubspot_error(&unknown, StatusCode::FORBIDDEN, "FORBIDDEN");
    let malformed = app
        .get("/crm/v3/exports/export/async/tasks/abc/status")
        .await;
    assert_hubspot_error(&malformed, StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
    assert_eq!(
        malformed.body["message"],
        "Unable to parse value for path parameter: taskId"
    );
    let no_scope = app
        .token_for(app.portal.0, &["crm.objects.contacts.read"])
        .await;
    let reply = app
        .send(
            Method::GET,
            &format!("/crm/v3/exports/export/{id}"),
            Some(&no_scope),
            None,
        )
        .await;
    assert_hubspot_error(&reply, StatusCode::FORBIDDEN, "MISSING_SCOPES");
}

#[tokio::test]
async fn tampered_and_expired_download_links_are_refused() {
    let app = TestApp::spawn().await;
    seed(&app).await;
    let id = start(&app, "/crm/v3/exports", view_request("CSV", json!({}))).await;
    app.run_exports().await;
    let url = status(&app, "/crm/v3/exports", &id).await["result"]
        .as_str()
        .unwrap()
        .to_string();
    let (ok, _, _) = app.fetch(&url).await;
    assert_eq!(ok, StatusCode::OK);
    let tampered = format!("{}0", &url[..url.len() - 1]);
    let tampered = if tampered == url {
        format!("{}1", &url[..url.len() - 1])
    } else {
        tampered
    };
    let (code, _, body) = app.fetch(&tampered).await;
    assert_eq!(
        code,
        StatusCode::FORBIDDEN,
        "{}",
        String::from_utf8_lossy(&body)
    );
    let later_expiry = url.replace("expires=", "expires=9");
    assert_eq!(app.fetch(&later_expiry).await.0, StatusCode::FORBIDDEN);
    let other_export = url.replace(
        &format!("/exports-download/{id}?"),
        "/exports-download/999999?",
    );
    assert_eq!(app.fetch(&other_export).await.0, StatusCode::FORBIDDEN);
    let unsigned = url.split('?').next().unwrap().to_string();
    assert_eq!(app.fetch(&unsigned).await.0, StatusCode::FORBIDDEN);

    let expiring = TestApp::spawn_with_settings(Settings {
        link_ttl_secs: -1,
        ..Settings::default()
    })
    .await;
    let id = start(&expiring, "/crm/v3/exports", view_request("CSV", json!({}))).await;
    expiring.run_exports().await;
    let url = status(&expiring, "/crm/v3/exports", &id).await["result"]
        .as_str()
        .unwrap()
        .to_string();
    let (code, _, body) = expiring.fetch(&url).await;
    assert_eq!(code, StatusCode::FORBIDDEN);
    assert!(String::from_utf8_lossy(&body).contains("expired"));
}

#[tokio::test]
async fn a_download_resumes_with_a_range_request() {
    let app = TestApp::spawn().await;
    seed(&app).await;
    let id = start(&app, "/crm/v3/exports", view_request("CSV", json!({}))).await;
    let (_, whole) = finish_and_download(&app, "/crm/v3/exports", &id).await;
    let url = status(&app, "/crm/v3/exports", &id).await["result"]
        .as_str()
        .unwrap()
        .to_string();
    let response = {
        crm_exports::client::install_tls_provider();
        reqwest::Client::new()
    }
    .get(&url)
    .header("range", "bytes=10-")
    .send()
    .await
    .unwrap();
    assert_eq!(response.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(response.bytes().await.unwrap().as_ref(), &whole[10..]);
}

#[tokio::test]
async fn every_request_shape_the_sdks_send_is_accepted() {
    let app = TestApp::spawn().await;
    // Python hubspot-api-client 12.0.0: string associatedObjectType (empty), top-level filters,
    // a query, lower-case enums; the guide's sorts as strings.
    let legacy = json!({
        "exportType": "view", "format": "csv", "exportName": "x", "objectProperties": ["email"],
        "objectType": "contacts", "language": "en", "exportInternalValuesOptions": ["NAMES"],
        "overrideAssociatedObjectsPerDefinitionPerRowLimit": false, "associatedObjectType": "",
        "publicCrmSearchRequest": {"query": "", "filters": [{"propertyName": "email", "operator": "HAS_PROPERTY"}], "sorts": ["-email"]}
    });
    start(&app, "/crm/v3/exports", legacy).await;
    let dated = json!({
        "exportType": "VIEW", "format": "XLSX", "exportName": "y", "objectProperties": ["name"],
        "objectType": "0-2", "language": "PT_BR", "associatedObjectType": [],
        "includeLabeledAssociations": false, "includePrimaryDisplayPropertyForAssociatedObjects": false,
        "exportInternalValuesOptions": [], "publicCrmSearchRequest": {"filterGroups": [], "filters": [], "sorts": [{"property": "name", "order": "DESC"}]}
    });
    start(&app, "/crm/exports/2026-03", dated).await;
    assert_eq!(app.run_exports().await, 2);
}

#[tokio::test]
async fn a_bad_export_request_is_400_naming_the_problem_and_queues_nothing() {
    let app = TestApp::spawn().await;
    let cases = [
        (
            view_request("CSV", json!({"objectProperties": ["email", "shoe_size"]})),
            "shoe_size",
        ),
        (
            view_request("CSV", json!({"objectType": "widgets"})),
            "widgets",
        ),
        (view_request("PDF", json!({})), "PDF"),
        (
            view_request("CSV", json!({"language": "KLINGON"})),
            "KLINGON",
        ),
        (view_request("CSV", json!({"exportName": ""})), "exportName"),
        (
            view_request("CSV", json!({"objectProperties": []})),
            "objectProperties",
        ),
        (
            view_request(
                "CSV",
                json!({"associatedObjectType": ["COMPANY", "DEAL", "TICKET", "CONTACT", "COMPANY"]}),
            ),
            "at most 4",
        ),
        (
            view_request(
                "CSV",
                json!({"publicCrmSearchRequest": {"filterGroups": [{"filters": [{"propertyName": "nope", "operator": "EQ", "value": "x"}]}]}}),
            ),
            "nope",
        ),
        (view_request("CSV", json!({"exportType": "LIST"})), "listId"),
    ];
    for (body, needle) in cases {
        let reply = app.post("/crm/v3/exports/export/async", body).await;
        assert_hubspot_error(&reply, StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
        assert!(
            reply.body["message"].as_str().unwrap().contains(needle),
            "{needle}: {}",
            reply.body
        );
    }
    let log = ExportLogPage {
        before: None,
        states: vec![],
        object: None,
        limit: 10,
    };
    assert!(
        app.store
            .list_exports(app.portal, log)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn an_xls_export_over_the_part_size_is_a_zip_of_xls_parts_with_every_row() {
    let settings = Settings {
        export: ExportConfig {
            partition_rows: Some(4),
            ..ExportConfig::default()
        },
        ..Settings::default()
    };
    let app = TestApp::spawn_with_settings(settings).await;
    let ids = seed(&app).await;
    let expected = expected_leads(&app, &ids).await;
    let id = start(&app, "/crm/v3/exports", view_request("XLS", json!({}))).await;
    let (headers, bytes) = finish_and_download(&app, "/crm/v3/exports", &id).await;
    assert_eq!(headers["content-type"], "application/zip");
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).expect("a zip");
    assert_eq!(zip.len(), 4);
    let mut all = Vec::new();
    for i in 0..zip.len() {
        let mut part = Vec::new();
        let mut entry = zip.by_index(i).unwrap();
        let name = entry.name().expect("a zip entry name").to_string();
        assert!(name.ends_with(".xls"), "{name}");
        entry.read_to_end(&mut part).unwrap();
        let mut rows = sheet_rows(part).into_iter();
        assert_eq!(
            rows.next().unwrap()[0],
            "Record ID",
            "each part has the header"
        );
        all.extend(rows);
    }
    assert_eq!(all, expected);
}

#[tokio::test]
async fn a_stopped_runner_claims_nothing_and_the_export_stays_queued() {
    let app = TestApp::spawn().await;
    let id = start(&app, "/crm/v3/exports", view_request("CSV", json!({}))).await;
    app.runner.stop();
    assert_eq!(app.run_exports().await, 0);
    assert_eq!(
        status(&app, "/crm/v3/exports", &id).await["status"],
        "PENDING"
    );
    let claimed = app
        .store
        .claim_export("another", now_ms(), 30_000, 3)
        .await
        .unwrap();
    assert_eq!(
        claimed.map(|r| r.id.to_string()),
        Some(id),
        "another worker takes it at once"
    );
}

#[tokio::test]
async fn an_xls_export_of_65536_rows_is_split_at_hubspots_65535_row_limit() {
    use crm_exports::domain::{ObjectType, Value as Typed};
    use crm_exports::store::WriteOp;
    let app = TestApp::spawn().await;
    // Loaded through the store in large transactions: the point is the export, not the load.
    for chunk in 0..66 {
        let ops: Vec<WriteOp> = (0..1000)
            .map(|i| chunk * 1000 + i)
            .filter(|n| *n < 65_536)
            .map(|n| {
                WriteOp::Create(
                    vec![("firstname".into(), Some(Typed::Text(format!("R{n}"))))],
                    Vec::new(),
                )
            })
            .collect();
        let written = app
            .store
            .write_records(app.portal, ObjectType::Contacts, ops.into(), true, now_ms())
            .await
            .unwrap();
        assert!(written.iter().all(Result::is_ok));
    }
    let body = json!({"exportType": "VIEW", "exportName": "big", "format": "XLS", "language": "EN",
                      "objectType": "CONTACT", "objectProperties": ["firstname"]});
    let id = start(&app, "/crm/v3/exports", body).await;
    let (headers, bytes) = finish_and_download(&app, "/crm/v3/exports", &id).await;
    assert_eq!(headers["content-type"], "application/zip");
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).expect("a zip");
    assert_eq!(zip.len(), 2);
    let mut counts = Vec::new();
    let mut last = String::new();
    for i in 0..2 {
        let mut part = Vec::new();
        zip.by_index(i).unwrap().read_to_end(&mut part).unwrap();
        let rows = sheet_rows(part);
        assert_eq!(rows[0], ["Record ID", "First Name"]);
        counts.push(rows.len() - 1);
        last = rows.last().unwrap()[1].clone();
    }
    assert_eq!(counts, [65_535, 1]);
    assert_eq!(last, "R65535");
}

#[tokio::test]
async fn association_columns_list_associated_ids_and_names() {
    let app = TestApp::spawn().await;
    let firms = app
        .create_many(
            "companies",
            vec![json!({"name": "Acme"}), json!({"name": "Globex, Inc."})],
        )
        .await;
    let link = |firm: &str| json!([{"to": {"id": firm}, "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 279}]}]);
    let mut inputs = vec![
        json!({"properties": {"email": "one@assoc.example"}, "associations": link(&firms[0])}),
        json!({"properties": {"email": "none@assoc.example"}}),
    ];
    let mut both = link(&firms[0]);
    both.as_array_mut()
        .unwrap()
        .extend(link(&firms[1]).as_array().unwrap().clone());
    inputs.push(json!({"properties": {"email": "two@assoc.example"}, "associations": both}));
    let created = app
        .post(
            "/crm/v3/objects/contacts/batch/create",
            json!({"inputs": inputs}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let ids = crate::helpers::ids_of(&created.body);

    for (associated, want_display) in [
        (json!(["COMPANY"]), true),
        (json!("companies"), true),
        (json!(["COMPANY", "DEAL"]), false),
    ] {
        let body = json!({"exportType": "VIEW", "exportName": "assoc", "format": "CSV", "language": "EN",
                          "objectType": "CONTACT", "objectProperties": ["email"], "associatedObjectType": associated});
        let id = start(&app, "/crm/v3/exports", body).await;
        let (_, bytes) = finish_and_download(&app, "/crm/v3/exports", &id).await;
        let rows = parse_csv(&bytes);
        if want_display {
            assert_eq!(
                rows[0],
                [
                    "Record ID",
                    "Email",
                    "Associated Company IDs",
                    "Associated Company"
                ]
            );
            assert_eq!(
                rows[1],
                [
                    ids[0].as_str(),
                    "one@assoc.example",
                    firms[0].as_str(),
                    "Acme"
                ]
            );
            assert_eq!(rows[2], [ids[1].as_str(), "none@assoc.example", "", ""]);
            let two_ids = format!("{};{}", firms[0], firms[1]);
            assert_eq!(
                rows[3],
                [
                    ids[2].as_str(),
                    "two@assoc.example",
                    two_ids.as_str(),
                    "Acme;Globex, Inc."
                ]
            );
        } else {
            assert_eq!(
                rows[0],
                [
                    "Record ID",
                    "Email",
                    "Associated Company IDs",
                    "Associated Deal IDs"
                ]
            );
            assert_eq!(rows[1][2], firms[0]);
            assert_eq!(rows[1][3], "");
        }
    }
}

#[tokio::test]
async fn association_columns_hold_at_most_1000_ids_unless_the_cap_is_lifted() {
    let app = TestApp::spawn().await;
    let firm = app
        .create_many("companies", vec![json!({"name": "Big"})])
        .await
        .remove(0);
    let people = app
        .create_many(
            "contacts",
            (0..1001)
                .map(|i| json!({"firstname": format!("P{i}")}))
                .collect(),
        )
        .await;
    for chunk in people.chunks(1000) {
        let inputs: Vec<Value> = chunk
            .iter()
            .map(|p| json!({"from": {"id": firm}, "to": {"id": p}}))
            .collect();
        let linked = app
            .post(
                "/crm/v4/associations/companies/contacts/batch/associate/default",
                json!({"inputs": inputs}),
            )
            .await;
        assert_eq!(linked.status, StatusCode::OK);
    }
    for (lifted, want) in [(false, 1000), (true, 1001)] {
        let body = json!({"exportType": "VIEW", "exportName": "cap", "format": "CSV", "language": "EN",
                          "objectType": "COMPANY", "objectProperties": ["name"], "associatedObjectType": ["CONTACT"],
                          "includePrimaryDisplayPropertyForAssociatedObjects": false,
                          "overrideAssociatedObjectsPerDefinitionPerRowLimit": lifted});
        let id = start(&app, "/crm/v3/exports", body).await;
        let (_, bytes) = finish_and_download(&app, "/crm/v3/exports", &id).await;
        let rows = parse_csv(&bytes);
        assert_eq!(
            rows[0],
            ["Record ID", "Company name", "Associated Contact IDs"]
        );
        assert_eq!(rows[1][2].split(';').count(), want, "lifted: {lifted}");
    }
}

#[tokio::test]
async fn a_list_export_holds_the_lists_members_for_manual_and_dynamic_lists() {
    let app = TestApp::spawn().await;
    let ids = seed(&app).await;
    let manual = app
        .post(
            "/crm/v3/lists",
            json!({"name": "Picked", "objectTypeId": "0-1", "processingType": "MANUAL"}),
        )
        .await;
    let manual_id = manual.body["list"]["listId"].as_str().unwrap().to_string();
    let picked = vec![ids[3].clone(), ids[7].clone(), ids[20].clone()];
    let added = app
        .send(
            Method::PUT,
            &format!("/crm/v3/lists/{manual_id}/memberships/add"),
            Some(&app.token),
            Some(crate::helpers::Body::Json(json!(picked))),
        )
        .await;
    assert_eq!(added.status, StatusCode::OK);
    let branch = json!({"filterBranchType": "OR", "filters": [], "filterBranches": [{"filterBranchType": "AND", "filterBranches": [], "filters": [
        {"filterType": "PROPERTY", "property": "lifecyclestage", "operation": {"operationType": "ENUMERATION", "operator": "IS_ANY_OF", "values": ["customer"]}}]}]});
    let dynamic = app.post("/crm/lists/2026-03", json!({"name": "Customers", "objectTypeId": "0-1", "processingType": "DYNAMIC", "filterBranch": branch})).await;
    let dynamic_id = dynamic.body["list"]["listId"].as_str().unwrap().to_string();
    let customers: Vec<String> = ids
        .iter()
        .enumerate()
        .filter(|(i, _)| i % 2 == 1)
        .map(|(_, id)| id.clone())
        .collect();

    for (list, want, prefix) in [
        (manual_id, picked, "/crm/v3/exports"),
        (dynamic_id, customers, "/crm/exports/2026-03"),
    ] {
        let body = json!({"exportType": "LIST", "listId": list.parse::<i64>().unwrap(), "exportName": "members", "format": "xlsx",
                          "language": "EN", "objectType": "CONTACT", "objectProperties": ["email"]});
        let id = start(&app, prefix, body).await;
        let (_, bytes) = finish_and_download(&app, prefix, &id).await;
        let rows = sheet_rows(bytes);
        let exported: Vec<String> = rows[1..].iter().map(|r| r[0].clone()).collect();
        assert_eq!(exported, want);
        let details = app.get(&format!("{prefix}/export/{id}")).await;
        assert_eq!(details.body["exportType"], "LIST");
    }
    let wrong_type = app
        .post("/crm/v3/exports/export/async", json!({"exportType": "LIST", "listId": "424242", "exportName": "x", "format": "CSV",
                                                      "language": "EN", "objectType": "CONTACT", "objectProperties": ["email"]}))
        .await;
    assert_hubspot_error(&wrong_type, StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
}

/// 20 companies and 2,000 contacts loaded through the API, each contact associated with
/// company `i % 20` as its primary company; returns (contact ids, company ids).
async fn load_two_thousand(app: &TestApp) -> (Vec<String>, Vec<String>) {
    let firms = app
        .create_many(
            "companies",
            (0..20)
                .map(|i| json!({"name": format!("Firm {i:02}")}))
                .collect(),
        )
        .await;
    let mut contacts = Vec::new();
    for chunk in (0..2000).collect::<Vec<usize>>().chunks(100) {
        let inputs: Vec<Value> = chunk
            .iter()
            .map(|i| {
                json!({"properties": {"email": format!("c{i:04}@big.example"), "lifecyclestage": if i % 4 == 0 { "lead" } else { "customer" }},
                       "associations": [{"to": {"id": firms[i % 20]}, "types": [
                           {"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 279},
                           {"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 1}]}]})
            })
            .collect();
        let reply = app
            .post(
                "/crm/v3/objects/contacts/batch/create",
                json!({"inputs": inputs}),
            )
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
        contacts.extend(crate::helpers::ids_of(&reply.body));
    }
    (contacts, firms)
}

#[tokio::test]
async fn two_thousand_contacts_with_companies_export_with_association_columns_in_parts_of_500() {
    let settings = Settings {
        export: ExportConfig {
            partition_rows: Some(500),
            ..ExportConfig::default()
        },
        ..Settings::default()
    };
    let app = TestApp::spawn_with_settings(settings).await;
    let (contacts, firms) = load_two_thousand(&app).await;
    let row = |i: usize| -> Vec<String> {
        vec![
            contacts[i].clone(),
            format!("c{i:04}@big.example"),
            firms[i % 20].clone(),
            format!("Firm {:02}", i % 20),
            firms[i % 20].clone(),
        ]
    };
    let header = [
        "Record ID",
        "Email",
        "Associated Company IDs",
        "Associated Company",
        "Associated Company IDs (Primary)",
    ];

    // Every contact, newest email first, in four CSV parts of 500.
    let all = json!({"exportType": "VIEW", "exportName": "everyone", "format": "CSV", "language": "EN",
                     "objectType": "CONTACT", "objectProperties": ["email"], "associatedObjectType": ["COMPANY"],
                     "includeLabeledAssociations": true,
                     "publicCrmSearchRequest": {"filterGroups": [], "sorts": [{"propertyName": "email", "direction": "DESCENDING"}]}});
    let id = start(&app, "/crm/v3/exports", all).await;
    let (headers, bytes) = finish_and_download(&app, "/crm/v3/exports", &id).await;
    assert_eq!(headers["content-type"], "application/zip");
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).expect("a zip");
    assert_eq!(zip.len(), 4);
    let mut rows = Vec::new();
    for i in 0..4 {
        let mut part = String::new();
        zip.by_index(i).unwrap().read_to_string(&mut part).unwrap();
        let parsed = parse_csv(part.as_bytes());
        assert_eq!(parsed[0], header);
        assert_eq!(parsed.len(), 501, "part {i} holds 500 rows");
        rows.extend(parsed.into_iter().skip(1));
    }
    let expected: Vec<Vec<String>> = (0..2000).rev().map(row).collect();
    assert_eq!(rows, expected);

    // The leads only, as XLSX, by email ascending: exactly one part of 500.
    let leads = json!({"exportType": "VIEW", "exportName": "leads", "format": "XLSX", "language": "EN",
                       "objectType": "CONTACT", "objectProperties": ["email"], "associatedObjectType": "COMPANY",
                       "includeLabeledAssociations": true,
                       "publicCrmSearchRequest": {"filterGroups": [{"filters": [{"propertyName": "lifecyclestage", "operator": "EQ", "value": "lead"}]}],
                                                  "sorts": [{"propertyName": "email", "direction": "ASCENDING"}]}});
    let id = start(&app, "/crm/exports/2026-03", leads).await;
    let (headers, bytes) = finish_and_download(&app, "/crm/exports/2026-03", &id).await;
    assert_eq!(
        headers["content-type"],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    let sheet = sheet_rows(bytes);
    assert_eq!(sheet[0], header);
    let expected: Vec<Vec<String>> = (0..2000).filter(|i| i % 4 == 0).map(row).collect();
    assert_eq!(&sheet[1..], expected.as_slice());
}

#[tokio::test]
async fn exports_older_than_the_retention_period_are_deleted_with_their_files() {
    let app = TestApp::spawn().await;
    seed(&app).await;
    let id = start(&app, "/crm/v3/exports", view_request("CSV", json!({}))).await;
    app.run_exports().await;
    let url = status(&app, "/crm/v3/exports", &id).await["result"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        app.runner.delete_expired(now_ms()).await.unwrap(),
        0,
        "a fresh export is kept"
    );
    let thirty_one_days = 31 * 86_400_000;
    assert_eq!(
        app.runner
            .delete_expired(now_ms() + thirty_one_days)
            .await
            .unwrap(),
        1
    );
    let gone = app.get(&format!("/crm/v3/exports/export/{id}")).await;
    assert_hubspot_error(&gone, StatusCode::FORBIDDEN, "FORBIDDEN");
    assert_eq!(
        app.fetch(&url).await.0,
        StatusCode::NOT_FOUND,
        "the file is gone"
    );
}

#[tokio::test]
async fn a_running_export_reports_its_rows_and_canceling_it_stops_its_worker() {
    use crm_exports::domain::{ObjectType, Value as Typed};
    use crm_exports::jobs::RunOutcome;
    use crm_exports::store::WriteOp;
    // A 300 ms lease makes the worker beat every 100 ms, so it reports progress and
    // notices the cancel long before it could finish writing.
    let app = TestApp::spawn_with_settings(Settings {
        export: ExportConfig {
            lease: std::time::Duration::from_millis(300),
            ..ExportConfig::default()
        },
        ..Settings::default()
    })
    .await;
    // Enough rows that writing the XLSX takes many heartbeats.
    for chunk in 0..150 {
        let ops: Vec<WriteOp> = (0..1000)
            .map(|i| {
                let n = chunk * 1000 + i;
                WriteOp::Create(
                    vec![(
                        "firstname".into(),
                        Some(Typed::Text(format!("Row {n} of many"))),
                    )],
                    Vec::new(),
                )
            })
            .collect();
        app.store
            .write_records(app.portal, ObjectType::Contacts, ops.into(), true, now_ms())
            .await
            .unwrap();
    }
    let body = json!({"exportType": "VIEW", "exportName": "long", "format": "XLSX", "language": "EN",
                      "objectType": "CONTACT", "objectProperties": ["firstname", "createdate", "lastmodifieddate"]});
    let id = start(&app, "/crm/v3/exports", body).await;
    let runner = app.runner.clone();
    let run = tokio::spawn(async move { runner.run_once(now_ms()).await });
    // Wait (without sleeping) until the worker has claimed it, then cancel.
    while status(&app, "/crm/v3/exports", &id).await["status"] != "PROCESSING" {
        tokio::task::yield_now().await;
    }
    // While it runs, the details show the rows written so far.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let rows = loop {
        let details = app.get(&format!("/crm/v3/exports/export/{id}")).await.body;
        if let Some(rows) = details["recordCount"].as_u64() {
            assert_eq!(details["exportState"], "PROCESSING", "{details}");
            // The total was counted before the first row was written.
            assert_eq!(details["expectedRecordCount"], 150_000, "{details}");
            break rows;
        }
        assert!(std::time::Instant::now() < deadline, "no progress reported");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    // All rows may be written while the file is still being closed.
    assert!(rows > 0 && rows <= 150_000, "{rows} rows");
    let canceled = app
        .post(&format!("/crm/v3/exports/export/{id}/cancel"), json!({}))
        .await;
    assert_eq!(canceled.status, StatusCode::OK, "{}", canceled.body);
    let started = std::time::Instant::now();
    let outcome = run.await.unwrap().unwrap();
    assert!(
        started.elapsed() < std::time::Duration::from_secs(5),
        "the worker stopped at its next heartbeat"
    );
    assert!(
        matches!(
            outcome,
            RunOutcome::Ran {
                state: crm_exports::domain::export::ExportState::Canceled,
                ..
            }
        ),
        "{outcome:?}"
    );
    let leftovers: Vec<String> = walk(&app.data_dir().join("exports"))
        .into_iter()
        .filter(|name| name.contains(&format!("export-{id}")))
        .collect();
    assert!(leftovers.is_empty(), "files left behind: {leftovers:?}");
    assert_eq!(
        status(&app, "/crm/v3/exports", &id).await["status"],
        "CANCELED"
    );
}

fn walk(dir: &std::path::Path) -> Vec<String> {
    let mut names = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            names.extend(walk(&path));
        } else {
            names.push(path.file_name().unwrap().to_string_lossy().into_owned());
        }
    }
    names
}
