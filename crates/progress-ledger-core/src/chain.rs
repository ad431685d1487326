//! The successor check: whether an event follows the one before it in the hash chain.
//!
//! Every path that takes events it did not seal itself applies the same five rules, through
//! [`Chain`]: opening (the events after the saved index), migration from layout 1, `verify`, and
//! import. An event follows the chain if
//!
//! 1. its hash is the SHA-256 of its canonical bytes,
//! 2. its seq is the next one,
//! 3. its previous-hash is the hash of the event before it,
//! 4. its stream version is the next one of its stream, and
//! 5. its recorded-at is not before the previous event's.

use std::borrow::Cow;

use jiff::Timestamp;

use crate::codec;
use crate::event::{Event, Head, StreamId};
use crate::hash::Hash;
use crate::verify::ProblemKind;

/// What rules 2 to 5 read of an event: its place in the chain, its stream and version, and when
/// it was recorded. Borrowed from an event, or owned once the rest of it is dropped.
#[derive(Clone, Debug)]
pub(crate) struct Link<'a> {
    seq: u64,
    prev_hash: Hash,
    hash: Hash,
    stream: Cow<'a, StreamId>,
    version: u64,
    recorded_at: Timestamp,
}

impl<'a> Link<'a> {
    /// The link of `event`, borrowing its stream.
    pub(crate) fn of(event: &'a Event) -> Self {
        Self {
            seq: event.seq,
            prev_hash: event.prev_hash,
            hash: event.hash,
            stream: Cow::Borrowed(&event.stream),
            version: event.version,
            recorded_at: event.recorded_at,
        }
    }

    /// The event's stream.
    pub(crate) fn stream(&self) -> &StreamId {
        &self.stream
    }
}

impl Link<'static> {
    /// The link of `event`, which is dropped but for its stream.
    pub(crate) fn owned(event: Event) -> Self {
        let Event {
            seq,
            prev_hash,
            hash,
            stream,
            version,
            recorded_at,
            ..
        } = event;
        Self {
            seq,
            prev_hash,
            hash,
            stream: Cow::Owned(stream),
            version,
            recorded_at,
        }
    }
}

/// Each stream's last version.
pub(crate) type Versions = crate::FastMap<StreamId, u64>;

/// How far a chain has been followed: its head, the last recorded-at, and each stream's
/// version. Each check either advances it by one event or leaves it unchanged.
#[derive(Debug)]
pub(crate) struct Chain {
    head: Head,
    last_recorded: Option<Timestamp>,
    versions: Versions,
}

impl Chain {
    /// A chain with no event yet.
    pub(crate) fn new() -> Self {
        Self::resume(Head::EMPTY, None, Versions::default())
    }

    /// A chain that already holds the events up to `head`, the last of them recorded at
    /// `last_recorded`, with these stream versions.
    pub(crate) fn resume(head: Head, last_recorded: Option<Timestamp>, versions: Versions) -> Self {
        Self {
            head,
            last_recorded,
            versions,
        }
    }

    /// The last event followed.
    pub(crate) fn head(&self) -> Head {
        self.head
    }

    /// Recorded-at of the last event followed.
    pub(crate) fn last_recorded(&self) -> Option<Timestamp> {
        self.last_recorded
    }

    /// Checks a stored event (`canonical ‖ hash`, as in the log) as the next one; if it
    /// follows, advances past it and returns it decoded.
    pub(crate) fn follow_stored(&mut self, stored: &[u8]) -> Result<Event, ProblemKind> {
        let event = check_stored(stored)?;
        self.follow_checked(&Link::of(&event))?;
        Ok(event)
    }

    /// Checks an event whose canonical bytes are `canonical` (as [`codec::canonical_bytes`]
    /// gives them) and which claims the hash `event.hash`, as the next one; if it follows,
    /// advances past it.
    pub(crate) fn follow(&mut self, event: &Event, canonical: &[u8]) -> Result<(), ProblemKind> {
        check_hash(canonical, event.hash)?;
        self.follow_checked(&Link::of(event))
    }

    /// Rules 2 to 5 (the hash is checked by the caller, as [`check_stored`] does); advances past
    /// the event if they hold.
    pub(crate) fn follow_checked(&mut self, event: &Link<'_>) -> Result<(), ProblemKind> {
        if event.seq != self.head.seq + 1 {
            return Err(ProblemKind::WrongSeq { stored: event.seq });
        }
        if event.prev_hash != self.head.hash {
            return Err(ProblemKind::BrokenLink);
        }
        // One lookup: its stream's version, to be advanced in place if the event follows.
        let version = self.versions.get_mut(event.stream());
        let expected = version.as_deref().map_or(0, |&v| v) + 1;
        if event.version != expected {
            return Err(ProblemKind::StreamVersionGap {
                stream: event.stream().clone(),
                expected,
                found: event.version,
            });
        }
        if let Some(previous) = self.last_recorded {
            if event.recorded_at < previous {
                return Err(ProblemKind::ClockWentBack {
                    previous,
                    found: event.recorded_at,
                });
            }
        }
        // Inserted only when new: `insert` would clone the stream name for every event.
        match version {
            Some(version) => *version = event.version,
            None => {
                self.versions.insert(event.stream().clone(), event.version);
            }
        }
        self.last_recorded = Some(event.recorded_at);
        self.head = Head {
            seq: event.seq,
            hash: event.hash,
        };
        Ok(())
    }
}

/// Rule 1: the stored hash is the SHA-256 of the canonical bytes.
/// Rule 1 for a stored event (`canonical ‖ hash`, as in the log), on its own: its hash is that
/// of its bytes; returns it decoded. It depends on no other event, so many can be checked at
/// once and then followed in order with [`Chain::follow_checked`].
pub(crate) fn check_stored(stored: &[u8]) -> Result<Event, ProblemKind> {
    let Some((canonical, stored_hash)) = codec::split_stored(stored) else {
        return Err(ProblemKind::Undecodable {
            reason: codec::DecodeError::TooShort(stored.len()).to_string(),
        });
    };
    check_hash(canonical, stored_hash)?;
    codec::decode(stored).map_err(|e| ProblemKind::Undecodable {
        reason: e.to_string(),
    })
}

fn check_hash(canonical: &[u8], stored: Hash) -> Result<(), ProblemKind> {
    let computed = Hash::of(canonical);
    if computed == stored {
        Ok(())
    } else {
        Err(ProblemKind::HashMismatch { stored, computed })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::Payload;

    /// Three sealed events: two of stream a, one of stream b, a second apart.
    fn sealed() -> Vec<Event> {
        let mut previous = Head::EMPTY;
        let mut out = Vec::new();
        for (n, (stream, version)) in [("indicator/a", 1), ("indicator/b", 1), ("indicator/a", 2)]
            .into_iter()
            .enumerate()
        {
            let mut event = Event {
                seq: n as u64 + 1,
                id: uuid::Uuid::from_u128(n as u128 + 1),
                stream: StreamId::new(stream).expect("stream"),
                version,
                recorded_at: Timestamp::from_second(1_700_000_000 + n as i64).expect("time"),
                effective: jiff::civil::date(2023, 6, 30),
                actor: "unit".into(),
                note: None,
                payload: Payload::ProgressReported {
                    delta: 1.into(),
                    district: None,
                },
                prev_hash: previous.hash,
                hash: Hash::ZERO,
            };
            codec::seal(&mut event).expect("seal");
            previous = event.head();
            out.push(event);
        }
        out
    }

    /// Whether a problem is the one expected.
    type Expected = fn(&ProblemKind) -> bool;

    fn reseal(mut event: Event) -> Vec<u8> {
        codec::seal(&mut event).expect("seal")
    }

    #[test]
    fn a_sound_chain_is_followed_and_each_break_is_named() {
        let events = sealed();
        let mut chain = Chain::new();
        for event in &events[..2] {
            chain
                .follow_stored(&reseal(event.clone()))
                .expect("follows");
        }
        let third = events[2].clone();
        let later = Timestamp::from_second(1_600_000_000).expect("time");
        let breaks: Vec<(Vec<u8>, Expected)> = vec![
            (
                {
                    let mut stored = reseal(third.clone());
                    stored[3] ^= 1;
                    stored
                },
                |k| matches!(k, ProblemKind::HashMismatch { .. }),
            ),
            (
                reseal(Event {
                    seq: 4,
                    ..third.clone()
                }),
                |k| matches!(k, ProblemKind::WrongSeq { stored: 4 }),
            ),
            (
                reseal(Event {
                    prev_hash: Hash::of(b"another"),
                    ..third.clone()
                }),
                |k| matches!(k, ProblemKind::BrokenLink),
            ),
            (
                reseal(Event {
                    version: 3,
                    ..third.clone()
                }),
                |k| {
                    matches!(
                        k,
                        ProblemKind::StreamVersionGap {
                            expected: 2,
                            found: 3,
                            ..
                        }
                    )
                },
            ),
            (
                reseal(Event {
                    recorded_at: later,
                    ..third.clone()
                }),
                |k| matches!(k, ProblemKind::ClockWentBack { .. }),
            ),
            (vec![1, 2, 3], |k| {
                matches!(k, ProblemKind::Undecodable { .. })
            }),
        ];
        for (stored, expected) in breaks {
            let before = chain.head();
            let found = chain.follow_stored(&stored).expect_err("refused");
            assert!(expected(&found), "{found}");
            assert_eq!(
                chain.head(),
                before,
                "a refused event leaves the chain as it was"
            );
        }
        chain
            .follow(&third, &codec::canonical_bytes(&third).expect("bytes"))
            .expect("the sound third event follows");
        assert_eq!(chain.head(), third.head());
        assert_eq!(chain.last_recorded(), Some(third.recorded_at));
    }
}
