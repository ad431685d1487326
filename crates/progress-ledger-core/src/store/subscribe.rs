//! Live subscriptions: catch up from a position, then follow new durable appends.

use std::collections::VecDeque;
use std::time::Duration;

use super::Ledger;
use crate::error::Result;
use crate::event::Event;

/// Events fetched from the log per read while catching up.
const PAGE: usize = 512;

/// Yields every durable event after a position, in order, then waits for new ones.
///
/// Positions only move forward one sequence number at a time, so a subscriber sees no gap and no
/// duplicate. Use [`Subscription::next_timeout`] to wait with a limit; the `Iterator`
/// implementation waits without one.
#[derive(Debug)]
pub struct Subscription {
    ledger: Ledger,
    position: u64,
    buffer: VecDeque<Event>,
}

impl Subscription {
    pub(super) fn new(ledger: Ledger, after: u64) -> Self {
        Self {
            ledger,
            position: after,
            buffer: VecDeque::new(),
        }
    }

    /// Sequence number of the last event handed out (or the starting position).
    pub fn position(&self) -> u64 {
        self.position
    }

    /// The next event if one is durable now, without waiting.
    pub fn try_next(&mut self) -> Result<Option<Event>> {
        if self.buffer.is_empty() {
            self.buffer
                .extend(self.ledger.read_forward(self.position, PAGE)?);
        }
        Ok(self
            .buffer
            .pop_front()
            .inspect(|event| self.position = event.seq))
    }

    /// The next event, waiting up to `timeout` for one to be appended. `Ok(None)` on time-out.
    pub fn next_timeout(&mut self, timeout: Duration) -> Result<Option<Event>> {
        if let Some(event) = self.try_next()? {
            return Ok(Some(event));
        }
        self.ledger.inner.commit.wait_beyond(self.position, timeout);
        self.try_next()
    }
}

impl Iterator for Subscription {
    type Item = Result<Event>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            match self.next_timeout(Duration::from_secs(3600)) {
                Ok(Some(event)) => return Some(Ok(event)),
                Ok(None) => continue,
                Err(error) => return Some(Err(error)),
            }
        }
    }
}
