//! Export files in an S3-compatible bucket, which `CRM_EXPORTS_TEST_S3_ENDPOINT` names (CI
//! starts moto on loopback): ignored unless run with `--include-ignored`. The file goes up as a
//! multipart upload and the status `result` is a presigned bucket URL that downloads it
//! under the export's name.

use crate::harness::{Server, read_rows, seed_contacts};

#[tokio::test]
#[ignore = "needs S3: set CRM_EXPORTS_TEST_S3_ENDPOINT"]
async fn a_large_export_is_uploaded_in_parts_and_downloaded_from_a_presigned_url() {
    let endpoint = std::env::var("CRM_EXPORTS_TEST_S3_ENDPOINT")
        .expect("needs S3: set CRM_EXPORTS_TEST_S3_ENDPOINT");
    crm_exports::client::install_tls_provider();
    let bucket = format!("crm-exports-test-{}", std::process::id());
    let http = reqwest::Client::new();
    let created = http
        .put(format!("{endpoint}/{bucket}"))
        .send()
        .await
        .unwrap();
    assert!(
        created.status().is_success(),
        "creating the bucket: {}",
        created.status()
    );

    let dir = tempfile::tempdir().unwrap();
    seed_contacts(dir.path(), 80_000).expect_ok();
    let blob_url = format!("s3://{bucket}/exports");
    let server = Server::start_with_env(
        dir.path(),
        &["--blob-url", &blob_url, "--csv-zip-bytes", "1000000000"],
        &[
            ("AWS_ENDPOINT_URL", endpoint.as_str()),
            ("AWS_ACCESS_KEY_ID", "test"),
            ("AWS_SECRET_ACCESS_KEY", "test"),
            ("AWS_DEFAULT_REGION", "us-east-1"),
        ],
    );
    let id = server
        .client(
            dir.path(),
            &[
                "export", "start", "--object", "contacts", "--format", "csv", "--name", "big",
                "--properties", "email,firstname,lastname,phone,mobilephone,jobtitle,address,city,state,zip,country,message,lifecyclestage,createdate",
                "--no-wait",
            ],
        )
        .expect_ok()
        .stdout
        .trim()
        .to_owned();
    let status = loop {
        let ran = server
            .client(dir.path(), &["export", "status", &id])
            .expect_ok();
        let status: serde_json::Value = serde_json::from_str(&ran.stdout).unwrap();
        if status["status"] != "PENDING" && status["status"] != "PROCESSING" {
            break status;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    };
    assert_eq!(status["status"], "COMPLETE", "{status}");
    let link = status["result"].as_str().unwrap();
    assert!(
        link.starts_with(&format!("{endpoint}/{bucket}/exports/export-{id}.csv?")),
        "{link}"
    );
    assert!(link.contains("X-Amz-Signature="), "{link}");

    let file = http.get(link).send().await.unwrap();
    assert!(file.status().is_success(), "{}", file.status());
    let disposition = file.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(disposition, "attachment; filename=\"big.csv\"");
    let bytes = file.bytes().await.unwrap();
    // Larger than one 16 MiB part, so it went up as a multipart upload.
    assert!(bytes.len() > 16 * 1024 * 1024, "{} bytes", bytes.len());
    let path = dir.path().join("big.csv");
    std::fs::write(&path, &bytes).unwrap();
    let rows = read_rows(&path);
    assert_eq!(rows.len(), 80_001);
    assert_eq!(rows[0][1], "Email");
    // Nothing is left in the local spool folder.
    let spool: Vec<_> = std::fs::read_dir(dir.path().join("exports/tmp"))
        .unwrap()
        .collect();
    assert!(spool.is_empty(), "{spool:?}");
}
