//! What a spreadsheet user sees in exported files, end to end: date and datetime properties
//! as date cells in XLSX and XLS (read back by calamine), the XLSX header bold and frozen,
//! and the CSV formula guard from the request and from the server's default.

use std::io::{Cursor, Read};

use calamine::{Data, Reader, open_workbook_auto_from_rs};
use crm_exports::api::ApiConfig;
use crm_exports::clock::Clock;
use crm_exports::server::Settings;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::exports::{finish_and_download, parse_csv, start};
use crate::helpers::TestApp;

const FORMULA: &str = "=HYPERLINK(\"http://evil.example\",\"click\")";

/// Excel's day number of 2024-02-03 (1900 date system).
const RENEWAL_SERIAL: f64 = 45_325.0;

/// A date property and three contacts: the first named with a formula.
async fn seed(app: &TestApp) {
    let property = json!({"name": "renewal_date", "label": "Renewal Date", "type": "date",
                          "fieldType": "date", "groupName": "contactinformation"});
    let reply = app.post("/crm/v3/properties/contacts", property).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let contacts = (0..3)
        .map(|i| {
            json!({"firstname": if i == 0 { FORMULA.to_string() } else { format!("Ann {i}") },
                   "email": format!("a{i}@example.com"), "renewal_date": "2024-02-03"})
        })
        .collect();
    app.create_many("contacts", contacts).await;
}

fn request(format: &str, extra: Value) -> Value {
    let mut body = json!({"exportType": "VIEW", "exportName": "sheet", "format": format,
                          "language": "EN", "objectType": "CONTACT",
                          "objectProperties": ["firstname", "createdate", "renewal_date"]});
    body.as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    body
}

async fn export(app: &TestApp, body: Value) -> Vec<u8> {
    let id = start(app, "/crm/v3/exports", body).await;
    finish_and_download(app, "/crm/v3/exports", &id).await.1
}

#[tokio::test]
async fn xlsx_and_xls_exports_hold_datetimes_and_dates_as_date_cells() {
    let app = TestApp::spawn().await;
    seed(&app).await;
    // Excel's day number of now, as the createdate cells should be near it.
    let today = Clock::system().now_ms() as f64 / 86_400_000.0 + 25_569.0;
    for format in ["XLSX", "XLS"] {
        let bytes = export(&app, request(format, json!({}))).await;
        let mut book = open_workbook_auto_from_rs(Cursor::new(bytes)).expect("a workbook");
        let sheet = book.worksheet_range_at(0).unwrap().unwrap();
        assert_eq!(sheet.height(), 4, "{format}");
        for row in 1..4 {
            let Some(Data::DateTime(created)) = sheet.get((row, 2)) else {
                panic!("{format}: createdate is {:?}", sheet.get((row, 2)));
            };
            assert!(created.is_datetime(), "{format}");
            assert!(
                (created.as_f64() - today).abs() < 0.01,
                "{format}: {created:?}"
            );
            let Some(Data::DateTime(renewal)) = sheet.get((row, 3)) else {
                panic!("{format}: renewal_date is {:?}", sheet.get((row, 3)));
            };
            assert_eq!(
                renewal.as_f64(),
                RENEWAL_SERIAL,
                "{format}: a date, no time"
            );
        }
    }
}

#[tokio::test]
async fn an_xlsx_export_has_a_bold_frozen_header_with_a_filter() {
    let app = TestApp::spawn().await;
    seed(&app).await;
    let bytes = export(&app, request("XLSX", json!({}))).await;
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).expect("a zip");
    let mut sheet = String::new();
    zip.by_name("xl/worksheets/sheet1.xml")
        .unwrap()
        .read_to_string(&mut sheet)
        .unwrap();
    assert!(sheet.contains("state=\"frozen\""), "{sheet}");
    assert!(sheet.contains("topLeftCell=\"A2\""), "{sheet}");
    assert!(sheet.contains("<autoFilter ref=\"A1:D4\"/>"), "{sheet}");
    // Every header cell takes style 1, the bold one.
    for column in ["A", "B", "C", "D"] {
        assert!(
            sheet.contains(&format!("<c r=\"{column}1\" s=\"1\"")),
            "{sheet}"
        );
    }
    let mut styles = String::new();
    zip.by_name("xl/styles.xml")
        .unwrap()
        .read_to_string(&mut styles)
        .unwrap();
    let fonts = &styles[styles.find("<fonts").unwrap()..];
    let second_font = fonts.split("<font>").nth(2).expect("two fonts");
    assert!(second_font.starts_with("<b/>"), "{styles}");
}

/// The first name cell of the contact named with a formula.
fn formula_row_cell(bytes: &[u8]) -> String {
    let rows = parse_csv(bytes);
    rows.iter()
        .find(|row| row[1].contains("HYPERLINK"))
        .map(|row| row[1].clone())
        .expect("the formula row")
}

#[tokio::test]
async fn the_csv_formula_guard_prefixes_formulas_when_asked_and_is_off_by_default() {
    let app = TestApp::spawn().await;
    seed(&app).await;
    let plain = export(&app, request("CSV", json!({}))).await;
    assert_eq!(formula_row_cell(&plain), FORMULA);
    let off = export(&app, request("CSV", json!({"csvFormulaGuard": false}))).await;
    assert_eq!(
        off, plain,
        "the guard off writes the same bytes as no guard"
    );
    let guarded = export(&app, request("CSV", json!({"csvFormulaGuard": true}))).await;
    assert_eq!(formula_row_cell(&guarded), format!("'{FORMULA}"));
    // Only the formula cell changed.
    let (plain_rows, guarded_rows) = (parse_csv(&plain), parse_csv(&guarded));
    let changed: usize = plain_rows
        .iter()
        .zip(&guarded_rows)
        .map(|(a, b)| a.iter().zip(b).filter(|(x, y)| x != y).count())
        .sum();
    assert_eq!(changed, 1);
}

#[tokio::test]
async fn the_server_default_guards_csv_unless_the_request_turns_it_off() {
    let settings = Settings {
        api: ApiConfig {
            csv_formula_guard: true,
            ..ApiConfig::default()
        },
        ..Settings::default()
    };
    let app = TestApp::spawn_with_settings(settings).await;
    seed(&app).await;
    let by_default = export(&app, request("CSV", json!({}))).await;
    assert_eq!(formula_row_cell(&by_default), format!("'{FORMULA}"));
    let off = export(&app, request("CSV", json!({"csvFormulaGuard": false}))).await;
    assert_eq!(formula_row_cell(&off), FORMULA);
}
