//! Group commit: appenders that wait for durability at the same time share one flush.
//!
//! Writers write, then call [`GroupCommit::wait_durable`]. The first waiter that finds no flush
//! running becomes the leader: it flushes everything written so far and wakes the others; those
//! whose events were covered return, the rest elect the next leader. While one flush runs, later appends pile up
//! and are covered together by the next one.
//!
//! A leader that sees other appenders in the middle of writing waits for them (up to
//! [`GATHER_LIMIT`]) before it flushes, so that one fsync covers them too — the same idea as
//! PostgreSQL's `commit_delay`. A lone appender never waits.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use crate::error::{Error, Result};

#[derive(Debug, Default)]
struct State {
    durable: u64,
    flushing: bool,
    failed: bool,
}

/// Tracks what is written and what is durable, and elects flush leaders.
#[derive(Debug, Default)]
pub(crate) struct GroupCommit {
    state: Mutex<State>,
    changed: Condvar,
    flushes: AtomicU64,
    in_flight: AtomicUsize,
}

/// Longest a flush leader waits for appenders that are still writing.
pub(crate) const GATHER_LIMIT: Duration = Duration::from_micros(500);

/// Marks one appender as writing until dropped.
pub(crate) struct InFlight<'a>(&'a GroupCommit);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::AcqRel);
    }
}

impl GroupCommit {
    /// Starts with everything up to `seq` durable (what was on disk at open).
    pub(crate) fn starting_at(seq: u64) -> Self {
        let commit = Self::default();
        {
            let mut state = commit.lock();
            state.durable = seq;
        }
        commit
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding this lock cannot leave the counters inconsistent (each update is
        // a single assignment), so a poisoned lock is still safe to use.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Marks the caller as about to write; the flush leader waits for it while the guard lives.
    pub(crate) fn begin_write(&self) -> InFlight<'_> {
        self.in_flight.fetch_add(1, Ordering::AcqRel);
        InFlight(self)
    }

    /// Waits (briefly, bounded) until no appender is in the middle of writing.
    fn gather(&self) {
        let started = Instant::now();
        while self.in_flight.load(Ordering::Acquire) > 0 && started.elapsed() < GATHER_LIMIT {
            std::thread::yield_now();
        }
    }

    /// Highest sequence known durable.
    pub(crate) fn durable(&self) -> u64 {
        self.lock().durable
    }

    /// Number of flushes performed so far.
    pub(crate) fn flushes(&self) -> u64 {
        self.flushes.load(Ordering::Relaxed)
    }

    /// Returns once everything up to `seq` is durable, flushing with `flush` if no one else is.
    /// `flush` makes everything written so far durable and returns the last durable sequence.
    pub(crate) fn wait_durable(&self, seq: u64, flush: impl Fn() -> Result<u64>) -> Result<()> {
        let mut state = self.lock();
        loop {
            if state.durable >= seq {
                return Ok(());
            }
            if state.failed {
                return Err(Error::Poisoned);
            }
            if state.flushing {
                state = self.changed.wait(state).unwrap_or_else(|p| p.into_inner());
                continue;
            }
            state.flushing = true;
            drop(state);
            self.gather();
            let outcome = flush();
            state = self.lock();
            state.flushing = false;
            match outcome {
                Ok(target) => {
                    state.durable = state.durable.max(target);
                    self.flushes.fetch_add(1, Ordering::Relaxed);
                }
                Err(_) => state.failed = true,
            }
            self.changed.notify_all();
        }
    }

    /// Waits until something past `seq` is durable, or `timeout` passes; returns the durable
    /// sequence.
    pub(crate) fn wait_beyond(&self, seq: u64, timeout: Duration) -> u64 {
        let deadline = Instant::now() + timeout;
        let mut state = self.lock();
        while state.durable <= seq {
            let now = Instant::now();
            if now >= deadline {
                break;
            }
            state = self
                .changed
                .wait_timeout(state, deadline - now)
                .map(|(guard, _)| guard)
                .unwrap_or_else(|p| p.into_inner().0);
        }
        state.durable
    }

    /// Wakes every waiter (used when the ledger closes).
    pub(crate) fn wake_all(&self) {
        self.changed.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::AtomicU64;

    #[test]
    fn concurrent_waiters_share_flushes() {
        let commit = Arc::new(GroupCommit::starting_at(0));
        let next = Arc::new(AtomicU64::new(0));
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let commit = Arc::clone(&commit);
                let next = Arc::clone(&next);
                std::thread::spawn(move || {
                    for _ in 0..50 {
                        let seq = next.fetch_add(1, Ordering::SeqCst) + 1;
                        let slow_flush = || {
                            let target = next.load(Ordering::SeqCst);
                            std::thread::sleep(Duration::from_millis(1));
                            Ok(target)
                        };
                        assert!(commit.wait_durable(seq, slow_flush).is_ok());
                        assert!(commit.durable() >= seq);
                    }
                })
            })
            .collect();
        for thread in threads {
            assert!(thread.join().is_ok());
        }
        assert_eq!(commit.durable(), 400);
        assert!(
            commit.flushes() < 400,
            "{} flushes for 400 appends",
            commit.flushes()
        );
    }

    #[test]
    fn a_failed_flush_poisons() {
        let commit = GroupCommit::starting_at(0);
        let failing = || Err(Error::InvalidEvent("disk gone".into()));
        assert!(matches!(
            commit.wait_durable(1, failing),
            Err(Error::Poisoned)
        ));
        assert!(matches!(
            commit.wait_durable(1, || Ok(1)),
            Err(Error::Poisoned)
        ));
    }
}
