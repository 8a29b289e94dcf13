//! The accept loop: every connection is served by hyper over a watched socket (`conn_io`),
//! and at most `max_connections` are open at once. Past the cap, the connection idle the
//! longest is closed to make room — idle sockets cannot starve clients that have requests —
//! and only when none is idle is the newcomer refused, with HubSpot's 503, `Retry-After`
//! and `Connection: close`. Running out of descriptors closes an idle connection too, rather
//! than stalling the loop. On shutdown every connection finishes its request in flight and
//! closes. It imports the API only as the service it serves.

use std::collections::HashMap;
use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::body::Body;
use axum::http::StatusCode;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto::Builder;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tower::ServiceExt;

use super::conn_io::{ConnIo, ConnState, ConnTimeouts};
use super::raw_response::error_bytes;

/// The service every connection is handed: the API behind trailing-slash normalisation.
pub type AppService = tower_http::normalize_path::NormalizePath<axum::Router>;

/// Descriptors kept free for the store, export files and the listener.
const RESERVED_DESCRIPTORS: u64 = 128;
/// The default cap when the descriptor limit allows more.
const DEFAULT_MAX_CONNECTIONS: usize = 4_096;
/// Refusals being written at once; past this a refused connection is dropped unanswered.
const MAX_REFUSALS_IN_FLIGHT: usize = 64;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConnectionLimits {
    pub max_connections: usize,
    pub timeouts: ConnTimeouts,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        Self {
            max_connections: default_max_connections(),
            timeouts: ConnTimeouts {
                keep_alive_idle: Duration::from_secs(60),
                header_read: Duration::from_secs(10),
            },
        }
    }
}

/// 4,096, or the process's descriptor limit less 128 when that is lower (at least 16).
pub fn default_max_connections() -> usize {
    match open_files_limit() {
        Some(limit) => (limit.saturating_sub(RESERVED_DESCRIPTORS).max(16) as usize)
            .min(DEFAULT_MAX_CONNECTIONS),
        None => DEFAULT_MAX_CONNECTIONS,
    }
}

/// The soft `RLIMIT_NOFILE`, read from `/proc/self/limits` (Linux); `None` elsewhere.
fn open_files_limit() -> Option<u64> {
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
    line.split_whitespace().nth(3)?.parse().ok()
}

struct Entry {
    state: Arc<ConnState>,
    /// Chosen for closing; no longer counted against the cap.
    closing: AtomicBool,
}

#[derive(Default)]
struct Registry {
    next_id: u64,
    open: HashMap<u64, Entry>,
    closing: usize,
}

impl Registry {
    fn counted(&self) -> usize {
        self.open.len() - self.closing
    }

    /// Asks the connection idle the longest to close; false if none is idle.
    fn evict_idlest(&mut self) -> bool {
        // Idle since the earliest time; of equals, the oldest connection.
        let victim = self
            .open
            .iter()
            .filter(|(_, e)| !e.closing.load(Ordering::Relaxed))
            .filter_map(|(id, e)| e.state.idle_since().map(|since| ((since, *id), e)))
            .min_by_key(|(key, _)| *key);
        let Some((_, entry)) = victim else {
            return false;
        };
        entry.closing.store(true, Ordering::Relaxed);
        entry.state.close.notify_one();
        self.closing += 1;
        true
    }

    fn remove(&mut self, id: u64) {
        if let Some(entry) = self.open.remove(&id)
            && entry.closing.load(Ordering::Relaxed)
        {
            self.closing -= 1;
        }
    }
}

type Shared = Arc<Mutex<Registry>>;

fn lock(registry: &Shared) -> std::sync::MutexGuard<'_, Registry> {
    registry.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A place under the cap for a new connection, making room by closing an idle one.
fn admit(registry: &Shared, max: usize) -> Option<(u64, Arc<ConnState>)> {
    let mut r = lock(registry);
    if r.counted() >= max && !r.evict_idlest() {
        return None;
    }
    let id = r.next_id;
    r.next_id += 1;
    let state = Arc::new(ConnState::new());
    r.open.insert(
        id,
        Entry {
            state: state.clone(),
            closing: AtomicBool::new(false),
        },
    );
    Some((id, state))
}

/// Serves `service` on `listener` until `shutdown` resolves, then lets every connection
/// finish its request in flight.
pub async fn serve(
    listener: TcpListener,
    service: AppService,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) {
    let registry: Shared = Arc::default();
    let refusals = Arc::new(AtomicUsize::new(0));
    let (all_closed, close_rx) = watch::channel(());
    let mut shutdown = pin!(shutdown);
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    // Out of descriptors (or another passing failure): make room, pause.
                    tracing::warn!("cannot accept a connection: {e}");
                    lock(&registry).evict_idlest();
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        match admit(&registry, limits.max_connections) {
            Some((id, state)) => {
                let connection = Connection {
                    id,
                    state,
                    registry: registry.clone(),
                    service: service.clone(),
                    timeouts: limits.timeouts,
                    _open: close_rx.clone(),
                };
                tokio::spawn(connection.run(stream));
            }
            None => refuse(stream, limits.max_connections, &refusals),
        }
    }
    for entry in lock(&registry).open.values() {
        entry.state.close.notify_one();
    }
    drop(close_rx);
    all_closed.closed().await;
}

struct Connection {
    id: u64,
    state: Arc<ConnState>,
    registry: Shared,
    service: AppService,
    timeouts: ConnTimeouts,
    /// Held while the connection is open; the accept loop waits for every one to drop.
    _open: watch::Receiver<()>,
}

impl Connection {
    async fn run(self, stream: TcpStream) {
        let io = TokioIo::new(ConnIo::new(stream, self.state.clone(), self.timeouts));
        let state = self.state.clone();
        let service = self.service.clone();
        let hyper_service = hyper::service::service_fn(move |request: hyper::Request<_>| {
            let state = state.clone();
            let service = service.clone();
            async move {
                state.request_started();
                let _finished = RequestFinished(state);
                service.oneshot(request.map(Body::new)).await
            }
        });
        let builder = Builder::new(TokioExecutor::new());
        let mut conn = pin!(builder.serve_connection(io, hyper_service));
        tokio::select! {
            _ = conn.as_mut() => {}
            () = self.state.close.notified() => {
                conn.as_mut().graceful_shutdown();
                let _ = conn.await;
            }
        }
        lock(&self.registry).remove(self.id);
    }
}

/// Marks a request answered even when its future is dropped half-way.
struct RequestFinished(Arc<ConnState>);

impl Drop for RequestFinished {
    fn drop(&mut self) {
        self.0.request_finished();
    }
}

/// HubSpot's 503 with `Connection: close` for a connection over the cap, written on a task
/// of its own that gives the client a second to read it.
fn refuse(mut stream: TcpStream, max: usize, in_flight: &Arc<AtomicUsize>) {
    if in_flight.fetch_add(1, Ordering::AcqRel) >= MAX_REFUSALS_IN_FLIGHT {
        in_flight.fetch_sub(1, Ordering::AcqRel);
        return;
    }
    let in_flight = in_flight.clone();
    tokio::spawn(async move {
        let message = format!(
            "The server has reached its limit of {max} open connections, all busy. Retry shortly."
        );
        let answer = error_bytes(
            StatusCode::SERVICE_UNAVAILABLE,
            "SERVICE_UNAVAILABLE",
            &message,
            Some(1),
        );
        let _ = tokio::time::timeout(Duration::from_secs(1), async {
            stream.write_all(&answer).await?;
            stream.shutdown().await?;
            // Read what the client sent, so that closing does not reset the connection
            // before it has read the answer.
            let mut sink = [0u8; 1024];
            while stream.read(&mut sink).await? > 0 {}
            Ok::<(), std::io::Error>(())
        })
        .await;
        in_flight.fetch_sub(1, Ordering::AcqRel);
    });
}
