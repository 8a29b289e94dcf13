//! One client connection's socket, watched: it closes a connection idle between requests
//! for longer than the keep-alive timeout, answers 408 (HubSpot's body) and closes one whose
//! request head has not fully arrived within the header read timeout, and replaces the
//! empty 400/414/431 that hyper writes for an unparsable request with HubSpot's body. The
//! timers live in the socket's own reads, so an idle connection costs no task of its own.
//! What it knows of requests comes from [`ConnState`], which the accept loop's service
//! wrapper keeps. It imports only `raw_response`.

use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::task::{Context, Poll, ready};
use std::time::Duration;

use axum::http::StatusCode;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::sync::Notify;
use tokio::time::{Instant, Sleep};

use super::raw_response::{error_bytes, replacement_for_parse_error};

/// How long a connection may wait for, or take over, a request head.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConnTimeouts {
    /// Between requests: from the previous response (or the connection's opening) to the
    /// first byte of the next request.
    pub keep_alive_idle: Duration,
    /// From the first byte of a request to the end of its headers.
    pub header_read: Duration,
}

/// What the connection's socket and its request handling share.
pub struct ConnState {
    opened: Instant,
    /// Requests being answered now.
    pub active: AtomicUsize,
    /// Milliseconds after `opened` of the first byte of a head still being read, plus one;
    /// 0 when no head is being read.
    head_since: AtomicU64,
    /// Milliseconds after `opened` of the last byte read or written, or the last answer.
    last_activity: AtomicU64,
    /// Tells the connection's task to close it (eviction, shutdown).
    pub close: Notify,
}

impl ConnState {
    pub fn new() -> Self {
        Self {
            opened: Instant::now(),
            active: AtomicUsize::new(0),
            head_since: AtomicU64::new(0),
            last_activity: AtomicU64::new(0),
            close: Notify::new(),
        }
    }

    fn since_opened(&self) -> u64 {
        self.opened.elapsed().as_millis() as u64
    }

    fn touch(&self) {
        self.last_activity
            .store(self.since_opened(), Ordering::Relaxed);
    }

    /// A request's head has been parsed and its answer begins.
    pub fn request_started(&self) {
        self.head_since.store(0, Ordering::Relaxed);
        self.active.fetch_add(1, Ordering::AcqRel);
    }

    pub fn request_finished(&self) {
        self.touch();
        self.active.fetch_sub(1, Ordering::AcqRel);
    }

    /// Idle (no request being answered, none arriving) since when.
    pub fn idle_since(&self) -> Option<Instant> {
        let idle = self.active.load(Ordering::Acquire) == 0
            && self.head_since.load(Ordering::Relaxed) == 0;
        idle.then(|| {
            self.opened + Duration::from_millis(self.last_activity.load(Ordering::Relaxed))
        })
    }
}

impl Default for ConnState {
    fn default() -> Self {
        Self::new()
    }
}

/// Which timer ended a wait for bytes.
enum Expired {
    Idle,
    HeaderRead,
}

pub struct ConnIo {
    inner: TcpStream,
    state: std::sync::Arc<ConnState>,
    timeouts: ConnTimeouts,
    sleep: Pin<Box<Sleep>>,
    /// Bytes of our own to send before anything else (a replacement or a 408).
    pending: Vec<u8>,
    /// HTTP/2 (prior knowledge): its frames are not HTTP/1 heads, so no 408 is written.
    http2: bool,
    first_read: bool,
    /// After our own final answer: reads end, writes are swallowed.
    finished: bool,
}

impl ConnIo {
    pub fn new(inner: TcpStream, state: std::sync::Arc<ConnState>, timeouts: ConnTimeouts) -> Self {
        let sleep = Box::pin(tokio::time::sleep(timeouts.keep_alive_idle));
        Self {
            inner,
            state,
            timeouts,
            sleep,
            pending: Vec::new(),
            http2: false,
            first_read: true,
            finished: false,
        }
    }

    fn on_read(&mut self, bytes: &[u8]) {
        if self.first_read {
            self.first_read = false;
            self.http2 = bytes.starts_with(b"PRI * HTTP/2.0");
        }
        let s = &self.state;
        s.touch();
        if s.active.load(Ordering::Acquire) == 0 && s.head_since.load(Ordering::Relaxed) == 0 {
            s.head_since.store(s.since_opened() + 1, Ordering::Relaxed);
        }
    }

    /// When the wait for bytes must end, and why; `None` while a request is being answered
    /// (its own timeout governs it), with a re-check then.
    fn deadline(&self) -> (Instant, Option<Expired>) {
        let s = &self.state;
        if s.active.load(Ordering::Acquire) > 0 {
            let recheck = self.timeouts.header_read.min(self.timeouts.keep_alive_idle);
            return (Instant::now() + recheck, None);
        }
        let head_since = s.head_since.load(Ordering::Relaxed);
        if head_since > 0 {
            let at = s.opened + Duration::from_millis(head_since - 1) + self.timeouts.header_read;
            return (at, Some(Expired::HeaderRead));
        }
        let last = Duration::from_millis(s.last_activity.load(Ordering::Relaxed));
        (
            s.opened + last + self.timeouts.keep_alive_idle,
            Some(Expired::Idle),
        )
    }

    /// Polls the timer; the timer is only moved earlier here, and re-armed when it fires
    /// early, so a busy connection resets it rarely.
    fn poll_expired(&mut self, cx: &mut Context<'_>) -> Option<Expired> {
        loop {
            let (at, _) = self.deadline();
            if at < self.sleep.deadline() {
                self.sleep.as_mut().reset(at);
            }
            if self.sleep.as_mut().poll(cx).is_pending() {
                return None;
            }
            let (at, why) = self.deadline();
            match why {
                Some(why) if at <= Instant::now() => return Some(why),
                _ => self.sleep.as_mut().reset(at),
            }
        }
    }

    /// Writes what is pending; `Ready` once it is all out (or the socket failed).
    fn poll_pending(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while !self.pending.is_empty() {
            let n = ready!(Pin::new(&mut self.inner).poll_write(cx, &self.pending))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            self.pending.drain(..n);
        }
        Poll::Ready(Ok(()))
    }

    /// hyper's own answer to a request it could not parse — no request reached the router,
    /// a head was being read, and the answer is empty — becomes ours, HubSpot-shaped.
    fn replaced_parse_error(&mut self, written: &[u8]) -> bool {
        let reading_head = self.state.head_since.load(Ordering::Relaxed) > 0
            && self.state.active.load(Ordering::Acquire) == 0;
        match reading_head
            .then(|| replacement_for_parse_error(written))
            .flatten()
        {
            Some(replacement) => {
                self.pending = replacement;
                self.finished = true;
                true
            }
            None => false,
        }
    }

    fn header_timeout_answer(&self) -> Vec<u8> {
        let message = format!(
            "The request's headers did not arrive within {} seconds.",
            self.timeouts.header_read.as_secs()
        );
        error_bytes(StatusCode::REQUEST_TIMEOUT, "TIMEOUT", &message, None)
    }
}

impl AsyncRead for ConnIo {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = &mut *self;
        if this.finished {
            // Best effort: the answer is small and the socket's buffer empty.
            let _ = this.poll_pending(cx);
            return Poll::Ready(Ok(()));
        }
        let before = buf.filled().len();
        if let Poll::Ready(result) = Pin::new(&mut this.inner).poll_read(cx, buf) {
            if result.is_ok() && buf.filled().len() > before {
                this.on_read(&buf.filled()[before..]);
            }
            return Poll::Ready(result);
        }
        match this.poll_expired(cx) {
            None => Poll::Pending,
            Some(Expired::Idle) => Poll::Ready(Ok(())),
            Some(Expired::HeaderRead) => {
                if !this.http2 {
                    this.pending = this.header_timeout_answer();
                    let _ = this.poll_pending(cx);
                }
                this.finished = true;
                Poll::Ready(Ok(()))
            }
        }
    }
}

impl AsyncWrite for ConnIo {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        ready!(this.poll_pending(cx))?;
        if this.finished {
            return Poll::Ready(Ok(buf.len()));
        }
        if this.replaced_parse_error(buf) {
            ready!(this.poll_pending(cx))?;
            return Poll::Ready(Ok(buf.len()));
        }
        let written = ready!(Pin::new(&mut this.inner).poll_write(cx, buf))?;
        if written > 0 {
            this.state.touch();
        }
        Poll::Ready(Ok(written))
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let first = bufs.iter().find(|b| !b.is_empty());
        let total: usize = bufs.iter().map(|b| b.len()).sum();
        let this = &mut *self;
        ready!(this.poll_pending(cx))?;
        if this.finished {
            return Poll::Ready(Ok(total));
        }
        if first.is_some_and(|head| this.replaced_parse_error(head)) {
            ready!(this.poll_pending(cx))?;
            return Poll::Ready(Ok(total));
        }
        let written = ready!(Pin::new(&mut this.inner).poll_write_vectored(cx, bufs))?;
        if written > 0 {
            this.state.touch();
        }
        Poll::Ready(Ok(written))
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.poll_pending(cx))?;
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.poll_pending(cx))?;
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}
