//! Connections: the accept loop of [`crate::run`] and the limits every connection lives under.
//!
//! axum's own `serve` has no timeouts, so the server accepts connections itself and serves each
//! with hyper's HTTP/1 connection:
//!
//! - the request head must arrive within [`ServerConfig::header_read_timeout`] of the moment the
//!   server starts reading it (also between requests on a kept-alive connection, so an idle
//!   connection is closed after it too);
//! - no byte may move either way for [`ServerConfig::idle_timeout`] ([`TimedIo`]);
//! - a write that makes no progress for [`ServerConfig::send_timeout`] (a client that does not
//!   read: its socket buffer is full) closes the connection ([`TimedIo`]);
//! - at most [`ServerConfig::max_connections`] connections are served at once; one over that is
//!   closed as soon as it is accepted.
//!
//! The request body's deadline and the handler's are the router's (see `routes/mod.rs`).

use std::future::Future as _;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio::time::{Instant, Sleep};

use crate::ServerConfig;

/// How long the accept loop pauses after an accept error (out of file descriptors, …).
const ACCEPT_BACKOFF: Duration = Duration::from_millis(50);

/// The limits of one connection's bytes.
#[derive(Clone, Copy, Debug)]
pub(crate) struct IoLimits {
    /// Longest time without a byte read or written.
    pub(crate) idle: Duration,
    /// Longest time a write may wait for the client to read.
    pub(crate) send: Duration,
}

/// A TCP stream that fails with `TimedOut` when no byte moves for [`IoLimits::idle`], or when a
/// write makes no progress for [`IoLimits::send`]. hyper then closes the connection.
pub(crate) struct TimedIo {
    inner: TcpStream,
    limits: IoLimits,
    /// When a byte last moved.
    last_activity: Instant,
    /// When the write that waits now started waiting.
    write_stalled_since: Option<Instant>,
    idle_timer: Pin<Box<Sleep>>,
    send_timer: Pin<Box<Sleep>>,
}

impl TimedIo {
    pub(crate) fn new(inner: TcpStream, limits: IoLimits) -> Self {
        let now = Instant::now();
        Self {
            inner,
            limits,
            last_activity: now,
            write_stalled_since: None,
            idle_timer: Box::pin(tokio::time::sleep_until(now + limits.idle)),
            send_timer: Box::pin(tokio::time::sleep_until(now + limits.send)),
        }
    }

    /// After a poll that waits: an error once `deadline` has passed, else `Pending` with the
    /// timer armed to wake the task at `deadline`.
    fn expired(
        timer: &mut Pin<Box<Sleep>>,
        deadline: Instant,
        cx: &mut Context<'_>,
        what: &str,
    ) -> Poll<io::Error> {
        if Instant::now() >= deadline {
            return Poll::Ready(io::Error::new(io::ErrorKind::TimedOut, what.to_owned()));
        }
        if timer.deadline() != deadline {
            timer.as_mut().reset(deadline);
        }
        match timer.as_mut().poll(cx) {
            Poll::Ready(()) => {
                Poll::Ready(io::Error::new(io::ErrorKind::TimedOut, what.to_owned()))
            }
            Poll::Pending => Poll::Pending,
        }
    }

    fn wrote<T>(
        &mut self,
        result: Poll<io::Result<T>>,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<T>> {
        match result {
            Poll::Ready(result) => {
                self.write_stalled_since = None;
                self.last_activity = Instant::now();
                Poll::Ready(result)
            }
            Poll::Pending => {
                let since = *self.write_stalled_since.get_or_insert_with(Instant::now);
                match Self::expired(
                    &mut self.send_timer,
                    since + self.limits.send,
                    cx,
                    "the client did not read for the send timeout",
                ) {
                    Poll::Ready(error) => Poll::Ready(Err(error)),
                    Poll::Pending => Poll::Pending,
                }
            }
        }
    }
}

impl AsyncRead for TimedIo {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        match Pin::new(&mut this.inner).poll_read(cx, buf) {
            Poll::Ready(result) => {
                this.last_activity = Instant::now();
                Poll::Ready(result)
            }
            Poll::Pending => {
                let deadline = this.last_activity + this.limits.idle;
                match Self::expired(
                    &mut this.idle_timer,
                    deadline,
                    cx,
                    "no byte moved for the idle timeout",
                ) {
                    Poll::Ready(error) => Poll::Ready(Err(error)),
                    Poll::Pending => Poll::Pending,
                }
            }
        }
    }
}

impl AsyncWrite for TimedIo {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let result = Pin::new(&mut this.inner).poll_write(cx, buf);
        this.wrote(result, cx)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let result = Pin::new(&mut this.inner).poll_write_vectored(cx, bufs);
        this.wrote(result, cx)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

/// Accepts connections on `listener` and serves `router` on each, under the limits of
/// `config`, until `stop` resolves; returns the watcher of the connections still open, for a
/// graceful shutdown.
pub(crate) async fn accept_until(
    listener: TcpListener,
    router: axum::Router,
    config: &ServerConfig,
    stop: impl std::future::Future<Output = ()>,
) -> GracefulShutdown {
    let graceful = GracefulShutdown::new();
    let slots = Arc::new(Semaphore::new(config.max_connections.max(1)));
    let limits = IoLimits {
        idle: config.idle_timeout,
        send: config.send_timeout,
    };
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(config.header_read_timeout)
        .keep_alive(true);
    tokio::pin!(stop);
    loop {
        let (stream, peer) = tokio::select! {
            () = &mut stop => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    tracing::warn!(%error, "accepting a connection failed");
                    tokio::time::sleep(ACCEPT_BACKOFF).await;
                    continue;
                }
            },
        };
        let Ok(slot) = Arc::clone(&slots).try_acquire_owned() else {
            tracing::warn!(%peer, max = config.max_connections, "too many connections: closing a new one");
            drop(stream);
            continue;
        };
        let _ = stream.set_nodelay(true);
        let io = TokioIo::new(TimedIo::new(stream, limits));
        let service = TowerToHyperService::new(router.clone());
        let connection = graceful.watch(http.serve_connection(io, service));
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                tracing::debug!(%peer, %error, "connection ended");
            }
            drop(slot);
        });
    }
    graceful
}
