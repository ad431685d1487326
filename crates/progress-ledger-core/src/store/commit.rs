//! Group commit: appenders that wait for durability at the same time share one flush.
//!
//! Writers write, then call [`GroupCommit::wait_durable`]. The first waiter that finds no flush
//! running becomes the leader: it flushes everything written so far. The others park; when the
//! flush is done the leader unparks exactly those it covered, and one that it did not, which
//! leads the next flush. So a flush wakes no thread for nothing (no thundering herd on a
//! condition variable), and while one flush runs, later appends pile up for the next one.
//!
//! A leader does not wait for more appenders before it flushes: measured here, a wait of 200 µs
//! to 1 ms (like PostgreSQL's `commit_delay`) put more events in each flush but fewer through.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard};
use std::thread::{self, Thread};
use std::time::{Duration, Instant};

use crate::error::{Error, Result};

#[derive(Debug, Default)]
struct State {
    durable: u64,
    flushing: bool,
    /// Parked appenders and the sequence number each waits for.
    waiters: Vec<(u64, Thread)>,
}

/// Tracks what is durable, and elects flush leaders.
#[derive(Debug, Default)]
pub(crate) struct GroupCommit {
    state: Mutex<State>,
    /// Mirrors `State::durable`, for checks without the lock.
    durable: AtomicU64,
    /// Set for good when a write or flush fails.
    failed: AtomicBool,
    /// What failed.
    failure: Mutex<Option<String>>,
    /// Wakes subscribers (not appenders) when something becomes durable.
    changed: Condvar,
    flushes: AtomicU64,
}

impl GroupCommit {
    /// Starts with everything up to `seq` durable (what was on disk at open).
    pub(crate) fn starting_at(seq: u64) -> Self {
        let commit = Self::default();
        commit.lock().durable = seq;
        commit.durable.store(seq, Ordering::Release);
        commit
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding this lock cannot leave the state inconsistent (each update is a
        // single assignment or a whole push or retain), so a poisoned lock is still safe to use.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Highest sequence known durable.
    pub(crate) fn durable(&self) -> u64 {
        self.durable.load(Ordering::Acquire)
    }

    /// Whether a write or flush failed (for good: nothing is durable after it).
    pub(crate) fn failed(&self) -> bool {
        self.failed.load(Ordering::Acquire)
    }

    /// What failed, if a write or flush did.
    pub(crate) fn failure(&self) -> Option<String> {
        self.failure
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    /// Records that a write or flush failed: nothing more becomes durable, and every waiter not
    /// already covered learns that its outcome is unknown.
    pub(crate) fn fail(&self, reason: &str) {
        self.record_failure(reason);
        let waiters = std::mem::take(&mut self.lock().waiters);
        for (_, thread) in waiters {
            thread.unpark();
        }
        self.changed.notify_all();
    }

    /// Keeps the first failure's reason and sets the failed flag.
    fn record_failure(&self, reason: &str) {
        let mut failure = self
            .failure
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        failure.get_or_insert_with(|| reason.to_owned());
        drop(failure);
        self.failed.store(true, Ordering::Release);
    }

    fn outcome_unknown(&self) -> Error {
        Error::OutcomeUnknown {
            reason: self
                .failure()
                .unwrap_or_else(|| "a write or sync of the log failed".to_owned()),
        }
    }

    /// Number of flushes performed so far.
    pub(crate) fn flushes(&self) -> u64 {
        self.flushes.load(Ordering::Relaxed)
    }

    /// Returns once everything up to `seq` is durable, flushing with `flush` if no one else is.
    /// `flush` makes everything written so far durable and returns the last durable sequence.
    pub(crate) fn wait_durable(&self, seq: u64, flush: impl Fn() -> Result<u64>) -> Result<()> {
        let me = thread::current();
        loop {
            if self.durable() >= seq {
                return Ok(());
            }
            if self.failed() {
                return Err(self.outcome_unknown());
            }
            let mut state = self.lock();
            // A wake-up may have been for an earlier registration: keep at most one.
            state.waiters.retain(|(_, thread)| thread.id() != me.id());
            if state.durable >= seq {
                return Ok(());
            }
            if state.flushing {
                state.waiters.push((seq, me.clone()));
                drop(state);
                thread::park();
                continue;
            }
            state.flushing = true;
            drop(state);
            self.lead(flush());
        }
    }

    /// Ends a flush: records its outcome, then unparks the waiters it covered (all of them if it
    /// failed) and one it did not, to lead the next flush.
    fn lead(&self, outcome: Result<u64>) {
        let mut state = self.lock();
        state.flushing = false;
        match outcome {
            Ok(target) => {
                state.durable = state.durable.max(target);
                self.durable.store(state.durable, Ordering::Release);
                self.flushes.fetch_add(1, Ordering::Relaxed);
            }
            Err(error) => self.record_failure(&error.to_string()),
        }
        let failed = self.failed.load(Ordering::Acquire);
        let durable = state.durable;
        let mut wake = Vec::new();
        state.waiters.retain(|(seq, thread)| {
            let done = failed || *seq <= durable;
            if done {
                wake.push(thread.clone());
            }
            !done
        });
        // The next leader first, so that the next flush starts while the others wake.
        if let Some((_, next)) = state.waiters.first() {
            wake.insert(0, next.clone());
        }
        drop(state);
        for thread in wake {
            thread.unpark();
        }
        self.changed.notify_all();
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

    /// Starts a leader waiting for seq 1 whose flush is held open, then waiters for seqs
    /// `2..=count`; once they are all parked, lets the flush end with `durable` as its result.
    /// Later flushes make everything durable.
    fn park_behind_a_flush(commit: &Arc<GroupCommit>, count: u64, durable: u64) {
        let (release, gate) = std::sync::mpsc::channel::<()>();
        let written = Arc::new(AtomicU64::new(durable));
        let waiter = |seq: u64, gate: Option<std::sync::mpsc::Receiver<()>>| {
            let commit = Arc::clone(commit);
            let written = Arc::clone(&written);
            std::thread::spawn(move || {
                let flush = || {
                    if let Some(gate) = &gate {
                        let _ = gate.recv();
                    }
                    Ok(written.swap(count, Ordering::SeqCst))
                };
                assert!(commit.wait_durable(seq, flush).is_ok());
            })
        };
        // Wait on conditions, not on a clock: the leader is flushing, then the others park.
        // The deadline only keeps a broken build from spinning forever.
        let deadline = Instant::now() + Duration::from_secs(60);
        let wait_until = |done: &dyn Fn(&State) -> bool| {
            while !done(&commit.lock()) {
                assert!(Instant::now() < deadline, "the waiters never got there");
                std::thread::sleep(Duration::from_millis(1));
            }
        };
        let mut threads = vec![waiter(1, Some(gate))];
        wait_until(&|state| state.flushing);
        threads.extend((2..=count).map(|seq| waiter(seq, None)));
        wait_until(&|state| state.waiters.len() == count as usize - 1);
        assert!(release.send(()).is_ok());
        for thread in threads {
            assert!(thread.join().is_ok());
        }
    }

    #[test]
    fn one_flush_covers_every_waiter_parked_behind_it() {
        let commit = Arc::new(GroupCommit::starting_at(0));
        park_behind_a_flush(&commit, 8, 8);
        assert_eq!(commit.durable(), 8);
        assert_eq!(commit.flushes(), 1, "one flush for eight waiters");
    }

    #[test]
    fn waiters_a_flush_did_not_cover_share_the_next_one() {
        let commit = Arc::new(GroupCommit::starting_at(0));
        // The first flush makes 1..=3 durable; 4..=8 are covered by one more flush.
        park_behind_a_flush(&commit, 8, 3);
        assert_eq!(commit.durable(), 8);
        assert_eq!(commit.flushes(), 2);
    }

    #[test]
    fn a_failed_flush_poisons() {
        let commit = GroupCommit::starting_at(0);
        let failing = || Err(Error::InvalidEvent("disk gone".into()));
        assert!(matches!(
            commit.wait_durable(1, failing),
            Err(Error::OutcomeUnknown { .. })
        ));
        // Never retried: a later flush would succeed, but is not run.
        assert!(matches!(
            commit.wait_durable(1, || Ok(1)),
            Err(Error::OutcomeUnknown { reason }) if reason.contains("disk gone")
        ));
        assert_eq!(commit.durable(), 0);
    }
}
