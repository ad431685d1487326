//! The durable head of the ledger, watched for every live feed at once.
//!
//! The core's wait for new events blocks a thread, so one thread per server does it for all
//! feeds and publishes the number of durable events on a `tokio::sync::watch` channel; each
//! feed is an async task that awaits the channel and reads the events it has not sent. The
//! thread starts with the first feed and ends within [`POLL`] of the last one's end (or of the
//! server's), so a server without feeds holds no thread and no clone of the ledger.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use progress_ledger_core::Ledger;
use tokio::sync::watch;

use crate::Stopping;

/// How long the thread waits for a new event before it checks whether to end.
pub(crate) const POLL: Duration = Duration::from_millis(200);

/// The watched head: a channel of the number of durable events.
pub(crate) struct Heads {
    ledger: Ledger,
    stopping: Stopping,
    sender: watch::Sender<u64>,
    /// Whether the thread runs; held while a subscriber is added or the thread decides to end,
    /// so that no subscriber is left without a thread.
    running: Mutex<bool>,
}

impl Heads {
    /// The head of `ledger`, watched until `stopping` (once a feed subscribes).
    pub(crate) fn new(ledger: Ledger, stopping: Stopping) -> Arc<Self> {
        let len = ledger.len();
        Arc::new(Self {
            ledger,
            stopping,
            sender: watch::Sender::new(len),
            running: Mutex::new(false),
        })
    }

    /// A receiver of the number of durable events, current now; starts the thread if it does
    /// not run.
    pub(crate) fn subscribe(self: &Arc<Self>) -> std::io::Result<watch::Receiver<u64>> {
        let receiver = self.sender.subscribe();
        self.sender.send_if_modified(|len| {
            let now = self.ledger.len();
            let moved = now > *len;
            *len = (*len).max(now);
            moved
        });
        let mut running = self.running.lock().unwrap_or_else(|p| p.into_inner());
        if !*running {
            let weak = Arc::downgrade(self);
            let ledger = self.ledger.clone();
            std::thread::Builder::new()
                .name("live-head".into())
                .spawn(move || follow(&weak, &ledger))?;
            *running = true;
        }
        Ok(receiver)
    }
}

/// The thread: waits for the ledger to grow and publishes its length, until no feed listens,
/// the server stops, or the state is dropped.
fn follow(heads: &Weak<Heads>, ledger: &Ledger) {
    loop {
        let seen = {
            let Some(heads) = heads.upgrade() else {
                return;
            };
            let mut running = heads.running.lock().unwrap_or_else(|p| p.into_inner());
            if heads.sender.receiver_count() == 0 || heads.stopping.is_stopping() {
                *running = false;
                return;
            }
            *heads.sender.borrow()
        };
        let now = ledger.wait_beyond(seen, POLL);
        let Some(heads) = heads.upgrade() else {
            return;
        };
        if now > seen {
            heads.sender.send_if_modified(|len| {
                let moved = now > *len;
                *len = (*len).max(now);
                moved
            });
        }
    }
}

/// The JSON of the most recent events, encoded once for every feed: feeds that follow the head
/// (or catch up over the same recent events) take them from here instead of reading and
/// encoding each event once per feed.
#[derive(Default)]
pub(crate) struct Frames {
    kept: Mutex<BTreeMap<u64, Arc<str>>>,
}

impl Frames {
    /// Most events kept.
    const KEPT: usize = 4096;

    /// The kept JSON of the events after `after`, in order, up to `most`, stopping at the first
    /// one not kept.
    pub(crate) fn after(&self, after: u64, most: usize) -> Vec<(u64, Arc<str>)> {
        let kept = self.kept.lock().unwrap_or_else(|p| p.into_inner());
        (after + 1..)
            .zip(kept.range(after + 1..))
            .take_while(|(next, (seq, _))| *seq == next)
            .take(most)
            .map(|(_, (seq, data))| (*seq, Arc::clone(data)))
            .collect()
    }

    /// Keeps `frames`, dropping the oldest beyond [`Frames::KEPT`].
    pub(crate) fn keep(&self, frames: &[(u64, Arc<str>)]) {
        let mut kept = self.kept.lock().unwrap_or_else(|p| p.into_inner());
        for (seq, data) in frames {
            kept.insert(*seq, Arc::clone(data));
        }
        while kept.len() > Self::KEPT {
            kept.pop_first();
        }
    }
}
