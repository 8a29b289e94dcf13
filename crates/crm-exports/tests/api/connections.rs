//! The connection layer's timeouts and cap: a head that does not arrive in time gets
//! HubSpot's 408 and the socket closed; a kept-alive connection idle past its timeout is
//! closed; past the cap an idle connection makes room, and only when every connection is
//! busy is a newcomer refused with HubSpot's 503, `Retry-After` and `Connection: close`.

use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crm_exports::server::{ConnTimeouts, ConnectionLimits, Settings};

use crate::helpers::TestApp;

async fn app_with(max_connections: usize, idle: Duration, header: Duration) -> TestApp {
    TestApp::spawn_with_settings(Settings {
        api: TestApp::config(),
        connections: ConnectionLimits {
            max_connections,
            timeouts: ConnTimeouts {
                keep_alive_idle: idle,
                header_read: header,
            },
        },
        ..Settings::default()
    })
    .await
}

async fn connect(app: &TestApp) -> TcpStream {
    TcpStream::connect(app.base.trim_start_matches("http://"))
        .await
        .unwrap()
}

/// Everything the server writes until it closes the socket (at most 10 s).
async fn read_until_closed(socket: &mut TcpStream) -> String {
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), socket.read_to_end(&mut answer))
        .await
        .expect("the server closes the socket")
        .unwrap();
    String::from_utf8_lossy(&answer).into_owned()
}

fn status_and_body(answer: &str) -> (u16, String, Value) {
    let (head, body) = answer.split_once("\r\n\r\n").expect("a complete answer");
    let body = serde_json::from_str(body).unwrap_or(Value::Null);
    (
        head[9..12].parse().unwrap(),
        head.to_ascii_lowercase(),
        body,
    )
}

#[tokio::test]
async fn a_head_that_does_not_arrive_in_time_is_408_and_closed() {
    let app = app_with(100, Duration::from_secs(30), Duration::from_millis(400)).await;
    let mut socket = connect(&app).await;
    socket
        .write_all(b"GET /healthz HTTP/1.1\r\nhost: x\r\n")
        .await
        .unwrap();
    let started = Instant::now();
    let (status, head, body) = status_and_body(&read_until_closed(&mut socket).await);
    assert_eq!(status, 408);
    assert!(head.contains("connection: close"), "{head}");
    assert_eq!(body["status"], "error");
    assert_eq!(body["category"], "TIMEOUT");
    assert!(started.elapsed() >= Duration::from_millis(350));
}

#[tokio::test]
async fn an_idle_kept_alive_connection_is_closed_after_its_timeout() {
    let app = app_with(100, Duration::from_millis(400), Duration::from_secs(30)).await;
    let mut socket = connect(&app).await;
    socket
        .write_all(b"GET /healthz HTTP/1.1\r\nhost: x\r\n\r\n")
        .await
        .unwrap();
    let started = Instant::now();
    let answer = read_until_closed(&mut socket).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    // The answer came at once; the close only after the idle time.
    assert!(
        started.elapsed() >= Duration::from_millis(350),
        "{:?}",
        started.elapsed()
    );
    // A connection that never sends anything is closed the same way, without an answer.
    let mut silent = connect(&app).await;
    assert_eq!(read_until_closed(&mut silent).await, "");
}

#[tokio::test]
async fn past_the_cap_an_idle_connection_makes_room() {
    let app = app_with(3, Duration::from_secs(30), Duration::from_secs(30)).await;
    let mut idle = Vec::new();
    for _ in 0..3 {
        idle.push(connect(&app).await);
    }
    tokio::time::sleep(Duration::from_millis(50)).await;
    let mut client = connect(&app).await;
    client
        .write_all(b"GET /healthz HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n")
        .await
        .unwrap();
    let answer = read_until_closed(&mut client).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    // The idle connection opened first was closed for it.
    assert_eq!(read_until_closed(&mut idle[0]).await, "");
}

#[tokio::test]
async fn when_every_connection_is_busy_a_newcomer_gets_hubspots_503() {
    let app = app_with(2, Duration::from_secs(30), Duration::from_secs(30)).await;
    // Two requests in flight: their bodies are still arriving.
    let mut busy = Vec::new();
    for _ in 0..2 {
        let mut socket = connect(&app).await;
        let head = format!(
            "POST /crm/v3/objects/contacts HTTP/1.1\r\nhost: x\r\nauthorization: Bearer {}\r\ncontent-type: application/json\r\ncontent-length: 50\r\n\r\n{{",
            app.token
        );
        socket.write_all(head.as_bytes()).await.unwrap();
        busy.push(socket);
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    let mut newcomer = connect(&app).await;
    let (status, head, body) = status_and_body(&read_until_closed(&mut newcomer).await);
    assert_eq!(status, 503);
    assert!(
        head.contains("connection: close") && head.contains("retry-after: 1"),
        "{head}"
    );
    assert_eq!(body["status"], "error");
    assert_eq!(body["category"], "SERVICE_UNAVAILABLE");
    assert!(body["correlationId"].as_str().is_some());
}
