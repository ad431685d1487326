//! Verification: follow the hash chain from the first event (see [`crate::chain`]) and report
//! the first problem.

use std::sync::atomic::{AtomicUsize, Ordering};

use jiff::Timestamp;
use serde::Serialize;

use crate::PROGRESS_EVERY;
use crate::chain::{self, Chain, Link};
use crate::error::{Error, Result};
use crate::event::{Head, StreamId};
use crate::hash::Hash;
use crate::store::{Ledger, RawLog, RunFrames, Stored};

/// What verification found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct VerifyReport {
    /// Events checked and found sound (all of them if there is no problem).
    pub events: u64,
    /// The last sound event's (seq, hash).
    pub head: Head,
    /// The first problem, if any. Verification stops there.
    pub problem: Option<Problem>,
    /// Run files (by number, see `runs/` in `docs/format.md`) that did not hold exactly the
    /// log's events of their run: derived copies that streams were read from. They are read no
    /// more (their events are read from the log) and, unless the ledger is open read-only,
    /// renamed `<k>.run.damaged` and written again. The log may still be sound.
    pub damaged_runs: Vec<u64>,
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
    /// The log ends before the event with this sequence number.
    Missing,
    /// The log ends inside the event's frame: the file is shorter than its header says.
    Truncated,
    /// The event's frame header is not one a writer writes (a zero length with flags, a length
    /// beyond the largest event, unknown flags).
    BadFrame {
        /// What is wrong with the header.
        reason: String,
    },
    /// The event's frame is damaged (cut short, or its checksum does not match), and a sound
    /// frame written after it was made durable follows it: this is damage, not an append a
    /// crash cut short.
    DamagedFrame {
        /// Offset of the damaged frame in the log file.
        offset: u64,
        /// What is wrong with it.
        reason: String,
        /// Offset of the sound frame after it that was written once it was durable.
        durable_after: u64,
    },
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
    /// The log ends before events that were durable: `tree.bin`, whose records are written
    /// only after the log's sync, holds the Merkle leaves of more events.
    LostEvents {
        /// Events whose leaves `tree.bin` holds.
        leaves: u64,
    },
}

impl ProblemKind {
    /// snake_case name of the kind (the `kind` tag of its serialised form), e.g.
    /// `hash_mismatch`.
    pub fn code(&self) -> &'static str {
        match self {
            ProblemKind::Missing => "missing",
            ProblemKind::Truncated => "truncated",
            ProblemKind::BadFrame { .. } => "bad_frame",
            ProblemKind::DamagedFrame { .. } => "damaged_frame",
            ProblemKind::Undecodable { .. } => "undecodable",
            ProblemKind::HashMismatch { .. } => "hash_mismatch",
            ProblemKind::WrongSeq { .. } => "wrong_seq",
            ProblemKind::BrokenLink => "broken_link",
            ProblemKind::StreamVersionGap { .. } => "stream_version_gap",
            ProblemKind::ClockWentBack { .. } => "clock_went_back",
            ProblemKind::HeadMismatch { .. } => "head_mismatch",
            ProblemKind::PublishedHeadMismatch { .. } => "published_head_mismatch",
            ProblemKind::LostEvents { .. } => "lost_events",
        }
    }
}

impl std::fmt::Display for ProblemKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ProblemKind::Missing => write!(f, "the log ends before this event"),
            ProblemKind::Truncated => write!(f, "the log ends inside this event's frame"),
            ProblemKind::BadFrame { reason } => write!(f, "the frame header is invalid: {reason}"),
            ProblemKind::DamagedFrame {
                offset,
                reason,
                durable_after,
            } => write!(
                f,
                "the frame at offset {offset} is damaged ({reason}), and the sound frame at \
                 offset {durable_after}, written after it was durable, follows it"
            ),
            ProblemKind::Undecodable { reason } => {
                write!(f, "the event cannot be decoded: {reason}")
            }
            ProblemKind::HashMismatch { stored, computed } => {
                write!(f, "stored hash {stored} but the bytes hash to {computed}")
            }
            ProblemKind::WrongSeq { stored } => {
                write!(f, "the event here says seq {stored}")
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
            ProblemKind::LostEvents { leaves } => write!(
                f,
                "the log ends before this event, but tree.bin holds the Merkle leaves of \
                 {leaves} events, written once they were durable: the log lost events (it was \
                 cut, removed or replaced), or tree.bin is another log's"
            ),
        }
    }
}

/// How to verify (see [`Ledger::verify_with`]). The default checks the chain alone, silently.
#[derive(Default)]
pub struct VerifyOptions<'a> {
    /// A head published earlier that the chain must pass through: the event at its seq must
    /// exist and have exactly its hash.
    pub published: Option<Head>,
    /// Called with the number of events checked so far, every 10,000 events.
    pub progress: Option<&'a mut dyn FnMut(u64)>,
}

impl std::fmt::Debug for VerifyOptions<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VerifyOptions")
            .field("published", &self.published)
            .field("progress", &self.progress.is_some())
            .finish()
    }
}

impl Ledger {
    /// Follows the hash chain over every stored event and reports the first problem.
    pub fn verify(&self) -> Result<VerifyReport> {
        self.verify_with(VerifyOptions::default())
    }

    /// [`Ledger::verify`], and checks that the chain passes through `published`, a head
    /// published earlier: the event at `published.seq` must exist and have exactly that hash.
    pub fn verify_against(&self, published: Head) -> Result<VerifyReport> {
        self.verify_with(VerifyOptions {
            published: Some(published),
            ..VerifyOptions::default()
        })
    }

    /// Follows the hash chain over every stored event, once, and reports the first problem:
    /// an event that cannot be read, or that does not follow the one before (its hash is not
    /// that of its bytes, its seq or stream version is not the next one, its previous-hash is
    /// not the hash of the event before, or its recorded-at is before that event's); a log that
    /// does not match its saved index; or, with `options.published`, a chain that does not pass
    /// through that head.
    pub fn verify_with(&self, options: VerifyOptions<'_>) -> Result<VerifyReport> {
        let VerifyOptions {
            published,
            progress,
        } = options;
        let mut follower = Follower {
            ledger: self,
            chain: Chain::new(),
            runs: RunCheck::default(),
            problem: None,
            published,
            at_published: None,
            progress,
        };
        let mut log = self.raw_log();
        // Three stages: a batch is read, then checked, then followed. While the other thread
        // checks a batch, this one reads the next and follows the one before.
        let mut read_next = Some(read_run(&mut log, Read::default()));
        let mut pending: Option<Batch> = None;
        // The buffers of the last batch followed, to read the next one into.
        let mut spare = Read::default();
        while read_next.is_some() || pending.is_some() {
            let (read, failed) = read_next.take().unwrap_or_default();
            let more = !read.events.is_empty() && failed.is_none();
            let (checked, (next, went_on)) = check_in_two(&read, || {
                let next = more.then(|| read_run(&mut log, std::mem::take(&mut spare)));
                let went_on = pending.take().map_or(Ok(true), |batch| {
                    let (went_on, read) = follower.follow(batch);
                    spare = read;
                    went_on
                });
                (next, went_on)
            });
            if !went_on? {
                break;
            }
            if !read.events.is_empty() || failed.is_some() {
                pending = Some(Batch {
                    read,
                    checked,
                    failed,
                });
            }
            read_next = next;
        }
        let Follower {
            chain,
            mut runs,
            problem,
            at_published,
            ..
        } = follower;
        runs.finish(self);
        let mut report = VerifyReport {
            events: chain.head().seq,
            head: chain.head(),
            problem: problem.or_else(|| self.damage_found_at_open().cloned()),
            damaged_runs: runs.damaged,
        };
        if let Some(published) = published {
            check_published(&mut report, published, at_published);
        }
        Ok(report)
    }
}

/// Stored events read together and checked each on its own, to be followed in order.
struct Batch {
    read: Read,
    checked: Checked,
    /// The error that stopped the reading after these events, if one did.
    failed: Option<Error>,
}

/// The chain as verification follows it, batch after batch, and what it found on the way.
struct Follower<'l, 'p> {
    ledger: &'l Ledger,
    chain: Chain,
    runs: RunCheck,
    /// The first problem, where verification stopped.
    problem: Option<Problem>,
    published: Option<Head>,
    /// The hash of the event at the published head's seq, once the chain reaches it.
    at_published: Option<Hash>,
    progress: Option<&'p mut dyn FnMut(u64)>,
}

impl Follower<'_, '_> {
    /// Follows the events of `batch` in order: false once one does not follow (the problem
    /// noted), the error that stopped the reading once they are all followed; and the
    /// batch's buffers.
    fn follow(&mut self, batch: Batch) -> (Result<bool>, Read) {
        let Batch {
            read,
            checked,
            failed,
        } = batch;
        let went_on = self.follow_read(&read, checked, failed);
        (went_on, read)
    }

    /// [`Follower::follow`] for the events of `read`, checked.
    fn follow_read(
        &mut self,
        read: &Read,
        checked: Checked,
        failed: Option<Error>,
    ) -> Result<bool> {
        for ((seq, checked), (_, stored)) in checked.into_iter().zip(&read.events) {
            let followed = checked.and_then(|link| {
                self.chain.follow_checked(&link)?;
                Ok(link)
            });
            let link = match followed {
                Ok(link) => link,
                Err(kind) => {
                    self.problem = Some(Problem { seq, kind });
                    return Ok(false);
                }
            };
            // An event the chain passed was read whole.
            if let Stored::Bytes(at) = stored {
                self.runs
                    .compare(self.ledger, seq, link.stream(), &read.bytes[at.clone()]);
            }
            let head = self.chain.head();
            if self.published.is_some_and(|p| p.seq == head.seq) {
                self.at_published = Some(head.hash);
            }
            if head.seq % PROGRESS_EVERY == 0 {
                if let Some(progress) = self.progress.as_mut() {
                    progress(head.seq);
                }
            }
        }
        match failed {
            Some(error) => Err(error),
            None => Ok(true),
        }
    }
}

/// The run file of the run being verified, compared with each event as the chain passes it.
#[derive(Default)]
struct RunCheck {
    /// The run of the last event compared.
    last: Option<u64>,
    /// Its file's frames, if it is kept.
    frames: Option<RunFrames>,
    /// The bytes of the last run file compared, to read the next one into.
    spare: Vec<u8>,
    damaged: Vec<u64>,
}

impl RunCheck {
    /// Compares the event at `seq` of `stream`, just followed, with its run's file; finishes
    /// the run before it when it is the first of a run.
    fn compare(&mut self, ledger: &Ledger, seq: u64, stream: &StreamId, stored: &[u8]) {
        let run = ledger.run_of(seq);
        if run != self.last {
            self.finish(ledger);
            self.last = run;
            let spare = std::mem::take(&mut self.spare);
            self.frames = run.and_then(|number| ledger.run_frames(number, spare));
        }
        if let Some(frames) = &mut self.frames {
            frames.compare(stream, stored);
        }
    }

    /// Notes the run's file damaged if it did not hold every event of its run (a run the
    /// chain did not pass whole is not judged).
    fn finish(&mut self, ledger: &Ledger) {
        if let Some(frames) = self.frames.take() {
            if frames.sound() == Some(false) {
                ledger.run_found_damaged(frames.number());
                self.damaged.push(frames.number());
            }
            self.spare = frames.into_bytes();
        }
    }
}

/// Events read together, then hashed and decoded on two threads (the bulk of the work), then
/// followed in order.
const CHECK_TOGETHER: usize = 8192;

/// Bytes of stored events after which a batch ends even if it has fewer than
/// [`CHECK_TOGETHER`] events: three batches are in flight at once, so that a log of large events
/// (up to 4 MiB each) does not ask for tens of gigabytes.
const CHECK_BYTES: usize = 8 << 20;

/// Stored events as the log yields them: their bytes one after the other, and each position.
#[derive(Default)]
struct Read {
    bytes: Vec<u8>,
    events: Vec<(u64, Stored)>,
}

/// The checks of some stored events.
type Checked = Vec<(u64, std::result::Result<Link<'static>, ProblemKind>)>;

/// The next [`CHECK_TOGETHER`] stored events of `log` (fewer at its end, or once they hold
/// [`CHECK_BYTES`]), read into the buffers of `read`, and the error that stopped the reading
/// early, if one did.
fn read_run(log: &mut RawLog, mut read: Read) -> (Read, Option<Error>) {
    read.bytes.clear();
    read.events.clear();
    while let Some(entry) = log.next_into(&mut read.bytes) {
        match entry {
            Ok(entry) => read.events.push(entry),
            Err(error) => return (read, Some(error)),
        }
        if read.events.len() == CHECK_TOGETHER || read.bytes.len() >= CHECK_BYTES {
            break;
        }
    }
    (read, None)
}

/// Events checked together by one thread in [`check_in_two`].
const CHECK_CHUNK: usize = 256;

/// Each stored event of `read` checked on its own ([`chain::check_stored`]), in order, and what
/// `meanwhile` returns. A thread of its own checks chunks of events, in order, while this one
/// calls `meanwhile` and then checks whatever chunks are left, so that neither waits long for
/// the other (this one checks everything if no thread can be started). Each event is kept as
/// its [`Link`] only: the rest of it is dropped by the thread that decoded it.
fn check_in_two<T>(read: &Read, meanwhile: impl FnOnce() -> T) -> (Checked, T) {
    let chunks: Vec<&[(u64, Stored)]> = read.events.chunks(CHECK_CHUNK).collect();
    let next = AtomicUsize::new(0);
    // The chunks not yet taken, each checked, with its place.
    let take_chunks = || {
        let mut done = Vec::new();
        loop {
            let at = next.fetch_add(1, Ordering::Relaxed);
            let Some(chunk) = chunks.get(at) else {
                return done;
            };
            let checked: Checked = chunk.iter().map(|event| check(read, event)).collect();
            done.push((at, checked));
        }
    };
    std::thread::scope(|scope| {
        let other = std::thread::Builder::new()
            .name("verify".to_owned())
            .spawn_scoped(scope, take_chunks);
        let also = meanwhile();
        let mut done = take_chunks();
        if let Some(theirs) = other.ok().and_then(|other| other.join().ok()) {
            done.extend(theirs);
        }
        // A chunk the other thread took but could not give back (it panicked) is checked here.
        let mut placed: Vec<Option<Checked>> = chunks.iter().map(|_| None).collect();
        for (at, checked) in done {
            if let Some(slot) = placed.get_mut(at) {
                *slot = Some(checked);
            }
        }
        let checked = placed
            .into_iter()
            .zip(&chunks)
            .flat_map(|(checked, chunk)| {
                checked.unwrap_or_else(|| chunk.iter().map(|event| check(read, event)).collect())
            })
            .collect();
        (checked, also)
    })
}

/// One stored event of `read` checked on its own ([`chain::check_stored`]) and kept as its
/// [`Link`].
fn check(
    read: &Read,
    (seq, stored): &(u64, Stored),
) -> (u64, std::result::Result<Link<'static>, ProblemKind>) {
    let checked = match stored {
        Stored::Bytes(at) => chain::check_stored(&read.bytes[at.clone()]).map(Link::owned),
        Stored::Unreadable(kind) => Err(kind.clone()),
    };
    (*seq, checked)
}

/// Adds a problem to `report` if the chain does not pass through `published`, unless it already
/// has one at or before it. `found` is the hash of the event at `published.seq`, if the chain
/// reached it.
fn check_published(report: &mut VerifyReport, published: Head, found: Option<Hash>) {
    if report
        .problem
        .as_ref()
        .is_some_and(|p| p.seq <= published.seq)
    {
        return;
    }
    if published.seq == 0 || found == Some(published.hash) {
        return;
    }
    let seq = if found.is_some() {
        published.seq
    } else {
        report.head.seq + 1
    };
    report.problem = Some(Problem {
        seq,
        kind: ProblemKind::PublishedHeadMismatch { published },
    });
}
