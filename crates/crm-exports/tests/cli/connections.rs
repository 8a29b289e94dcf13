//! Connections on a small host: a server limited to 1,024 descriptors keeps serving while
//! 1,100 idle sockets are open against it, by closing the longest-idle ones to make room.

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use crate::harness::Server;

/// Lets this process hold `needed` descriptors (raising its soft limit up to the hard one).
fn allow_descriptors(needed: u64) {
    use rustix::process::{Resource, getrlimit, setrlimit};
    let mut limit = getrlimit(Resource::Nofile);
    if limit.current.is_some_and(|c| c < needed) {
        limit.current = Some(limit.maximum.map_or(needed, |m| m.min(needed)));
        setrlimit(Resource::Nofile, limit).expect("the open-files limit can be raised");
    }
}

fn get_healthz(address: &str) -> String {
    let mut socket = TcpStream::connect(address).expect("the client connects");
    socket
        .set_read_timeout(Some(Duration::from_secs(2)))
        .unwrap();
    socket
        .write_all(b"GET /healthz HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n")
        .unwrap();
    let mut answer = String::new();
    socket
        .read_to_string(&mut answer)
        .expect("an answer within 2 s");
    answer
}

#[test]
fn eleven_hundred_idle_sockets_against_1024_descriptors_do_not_starve_a_client() {
    allow_descriptors(1_500);
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_with_descriptor_limit(dir.path(), &[], 1_024);
    let address = server.base_url.trim_start_matches("http://").to_owned();
    let idle: Vec<TcpStream> = (0..1_100)
        .map(|_| TcpStream::connect(&address).expect("an idle socket connects"))
        .collect();
    let started = Instant::now();
    let answer = get_healthz(&address);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    // Room was made by closing idle sockets, not by refusing the client.
    let closed = idle
        .iter()
        .filter(|s| {
            s.set_nonblocking(true).unwrap();
            let mut byte = [0u8; 1];
            match (&**s).read(&mut byte) {
                Ok(0) => true,
                Err(e) => e.kind() != ErrorKind::WouldBlock,
                Ok(_) => false,
            }
        })
        .count();
    assert!(
        closed >= 1_100 - 1_024,
        "only {closed} idle sockets were closed"
    );
    // And it goes on serving.
    assert!(get_healthz(&address).starts_with("HTTP/1.1 200"));
}
