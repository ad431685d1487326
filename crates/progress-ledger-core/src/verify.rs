//! Verification: recompute the hash chain from the first event and report the first problem.

use std::collections::HashMap;

use jiff::Timestamp;
use serde::Serialize;

use crate::codec;
use crate::error::Result;
use crate::event::{Head, StreamId};
use crate::hash::Hash;
use crate::store::{Ledger, Stored};

/// What verification found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct VerifyReport {
    /// Events checked and found sound (all of them if there is no problem).
    pub events: u64,
    /// The last sound event's (seq, hash).
    pub head: Head,
    /// The first problem, if any. Verification stops there.
    pub problem: Option<Problem>,
}

impl VerifyReport {
    /// True if the log verified without a problem.
    pub fn ok(&self) -> bool {
        self.problem.is_none()
    }
}

/// The first place where the log is not what the chain says it must be.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// Sequence number where the problem is.
    pub seq: u64,
    /// What is wrong there.
    pub kind: ProblemKind,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "at seq {}: {}", self.seq, self.kind)
    }
}

/// Kinds of verification problems.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
#[non_exhaustive]
pub enum ProblemKind {
    /// The event with this sequence number is not stored.
    Missing,
    /// The stored bytes cannot be decoded.
    Undecodable {
        /// What the decoder said.
        reason: String,
    },
    /// The stored hash is not the SHA-256 of the stored canonical bytes.
    HashMismatch {
        /// Hash stored with the event.
        stored: Hash,
        /// Hash recomputed from its bytes.
        computed: Hash,
    },
    /// The event stored under this sequence number says it has another one.
    WrongSeq {
        /// Sequence number inside the event.
        stored: u64,
    },
    /// The event's previous-hash is not the hash of the event before it.
    BrokenLink,
    /// The event's stream version does not follow the stream's previous event.
    StreamVersionGap {
        /// The stream.
        stream: StreamId,
        /// Version expected.
        expected: u64,
        /// Version found.
        found: u64,
    },
    /// Recorded-at went backwards.
    ClockWentBack {
        /// Recorded-at of the previous event.
        previous: Timestamp,
        /// Recorded-at of this event.
        found: Timestamp,
    },
    /// The index's checkpoint names an event the log does not have where it says.
    HeadMismatch {
        /// The recorded head.
        recorded: Head,
    },
    /// The log does not reach, or does not match, a head published earlier.
    PublishedHeadMismatch {
        /// The published head.
        published: Head,
    },
}

impl ProblemKind {
    /// snake_case name of the kind (the `kind` tag of its serialised form), e.g.
    /// `hash_mismatch`.
    pub fn code(&self) -> &'static str {
        match self {
            ProblemKind::Missing => "missing",
            ProblemKind::Undecodable { .. } => "undecodable",
            ProblemKind::HashMismatch { .. } => "hash_mismatch",
            ProblemKind::WrongSeq { .. } => "wrong_seq",
            ProblemKind::BrokenLink => "broken_link",
            ProblemKind::StreamVersionGap { .. } => "stream_version_gap",
            ProblemKind::ClockWentBack { .. } => "clock_went_back",
            ProblemKind::HeadMismatch { .. } => "head_mismatch",
            ProblemKind::PublishedHeadMismatch { .. } => "published_head_mismatch",
        }
    }
}

impl std::fmt::Display for ProblemKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ProblemKind::Missing => write!(f, "the event is missing"),
            ProblemKind::Undecodable { reason } => {
                write!(f, "the event cannot be decoded: {reason}")
            }
            ProblemKind::HashMismatch { stored, computed } => {
                write!(f, "stored hash {stored} but the bytes hash to {computed}")
            }
            ProblemKind::WrongSeq { stored } => {
                write!(f, "the event stored here says seq {stored}")
            }
            ProblemKind::BrokenLink => write!(f, "previous-hash does not match the event before"),
            ProblemKind::StreamVersionGap {
                stream,
                expected,
                found,
            } => {
                write!(
                    f,
                    "stream {stream} jumps to version {found}, expected {expected}"
                )
            }
            ProblemKind::ClockWentBack { previous, found } => {
                write!(
                    f,
                    "recorded-at {found} is before the previous event's {previous}"
                )
            }
            ProblemKind::HeadMismatch { recorded } => write!(
                f,
                "the index records seq {} hash {} there, which the log does not match",
                recorded.seq, recorded.hash
            ),
            ProblemKind::PublishedHeadMismatch { published } => write!(
                f,
                "the published head seq {} hash {} does not match the log",
                published.seq, published.hash
            ),
        }
    }
}

/// Walks the chain and stops at the first problem.
struct Walk {
    head: Head,
    last_recorded: Option<Timestamp>,
    versions: HashMap<StreamId, u64>,
}

impl Walk {
    /// Checks the stored event at log position `key_seq` (always the one after `head`).
    fn check(&mut self, key_seq: u64, stored: &[u8]) -> Option<ProblemKind> {
        let Some((canonical, stored_hash)) = codec::split_stored(stored) else {
            return Some(ProblemKind::Undecodable {
                reason: format!("only {} bytes", stored.len()),
            });
        };
        let computed = Hash::of(canonical);
        if computed != stored_hash {
            return Some(ProblemKind::HashMismatch {
                stored: stored_hash,
                computed,
            });
        }
        let event = match codec::decode(stored) {
            Ok(event) => event,
            Err(e) => {
                return Some(ProblemKind::Undecodable {
                    reason: e.to_string(),
                });
            }
        };
        if event.seq != key_seq {
            return Some(ProblemKind::WrongSeq { stored: event.seq });
        }
        if event.prev_hash != self.head.hash {
            return Some(ProblemKind::BrokenLink);
        }
        let stream_expected = self.versions.get(&event.stream).copied().unwrap_or(0) + 1;
        if event.version != stream_expected {
            return Some(ProblemKind::StreamVersionGap {
                stream: event.stream,
                expected: stream_expected,
                found: event.version,
            });
        }
        if let Some(previous) = self.last_recorded {
            if event.recorded_at < previous {
                return Some(ProblemKind::ClockWentBack {
                    previous,
                    found: event.recorded_at,
                });
            }
        }
        self.versions.insert(event.stream, event.version);
        self.last_recorded = Some(event.recorded_at);
        self.head = Head {
            seq: key_seq,
            hash: stored_hash,
        };
        None
    }
}

impl Ledger {
    /// Recomputes the hash chain over every stored event and reports the first problem.
    pub fn verify(&self) -> Result<VerifyReport> {
        self.verify_with_progress(&mut |_| {})
    }

    /// [`Ledger::verify`], calling `progress` with the number of events checked every 10,000.
    pub fn verify_with_progress(&self, progress: &mut dyn FnMut(u64)) -> Result<VerifyReport> {
        let mut walk = Walk {
            head: Head::EMPTY,
            last_recorded: None,
            versions: HashMap::new(),
        };
        for entry in self.raw_log() {
            let (seq, stored) = entry?;
            let found = match stored {
                Stored::Bytes(bytes) => walk.check(seq, &bytes),
                Stored::Missing => Some(ProblemKind::Missing),
                Stored::Unreadable(reason) => Some(ProblemKind::Undecodable { reason }),
            };
            if let Some(kind) = found {
                return Ok(report(&walk, Some(Problem { seq, kind })));
            }
            if walk.head.seq % 10_000 == 0 {
                progress(walk.head.seq);
            }
        }
        if let Some(problem) = self.damage_found_at_open() {
            return Ok(report(&walk, Some(problem.clone())));
        }
        Ok(report(&walk, None))
    }

    /// Verifies the chain and checks that it passes through `published`, a head published
    /// earlier: the event at `published.seq` must exist and have exactly that hash.
    pub fn verify_against(&self, published: Head) -> Result<VerifyReport> {
        let mut report = self.verify()?;
        let reaches = report.head.seq >= published.seq;
        if report
            .problem
            .as_ref()
            .is_some_and(|p| p.seq <= published.seq)
        {
            return Ok(report);
        }
        let matches = if published.seq == 0 {
            true
        } else if reaches {
            self.get(published.seq)?
                .is_some_and(|e| e.hash == published.hash)
        } else {
            false
        };
        if !matches {
            let seq = if reaches {
                published.seq
            } else {
                report.head.seq + 1
            };
            report.problem = Some(Problem {
                seq,
                kind: ProblemKind::PublishedHeadMismatch { published },
            });
        }
        Ok(report)
    }
}

fn report(walk: &Walk, problem: Option<Problem>) -> VerifyReport {
    VerifyReport {
        events: walk.head.seq,
        head: walk.head,
        problem,
    }
}
