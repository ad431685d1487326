//! Export to JSON Lines and import from it.
//!
//! The file has one event per line, every envelope field included (`hash` and `prev_hash` as
//! hex), so the chain can be recomputed from the file alone, and `canonical`: base64 of the
//! event's canonical bytes, so that a tool without this codec can recompute each event's hash
//! (and its Merkle leaf) too. Import checks the whole file first (a `canonical` field, when
//! present, must be the canonical bytes recomputed from the line's fields) and writes nothing
//! if any line is wrong; then it writes in batches.

use std::fs::File;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};

use crate::PROGRESS_EVERY;
use crate::chain::Chain;
use crate::codec;
use std::collections::BTreeMap;

use crate::error::{Error, Result};
use crate::event::{Event, Head, NewEvent, Payload};
use crate::plan::{PLAN_FILE_CHANGED, REMOVED_FROM_PLAN};
use crate::projection::Projection;
use crate::store::Ledger;
use crate::tracker::plan_date;
use crate::verify::Problem;

/// How an import checks its file beyond the chain.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ImportOptions {
    /// Also check every update against the plan as recorded before it, as
    /// [`crate::Tracker::record`] does, on the day it was recorded: its indicator is defined and
    /// not retired, its kind, numbers, district, deliverable and dates fit, a correction names a
    /// live update. Definitions, and the target revisions and retirements a plan load writes,
    /// are a plan load's, which `record` does not check either. The ownership rules cannot be
    /// checked: an export says which unit each event names as its actor, not which credential
    /// wrote it (see [`Imported::actors`]).
    pub check_updates: bool,
}

/// What an import file held, as checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Imported {
    /// The head of the file.
    pub head: Head,
    /// Every actor the file's events name, with how many events name it, by name. Nothing
    /// authenticates them: they are what the ledger exported says.
    pub actors: Vec<(String, u64)>,
}

/// Events written per batch during import.
const IMPORT_BATCH: usize = 1000;

/// One line of an export: the event's fields, and its canonical bytes in base64.
#[derive(Serialize)]
struct LineOut<'a> {
    #[serde(flatten)]
    event: &'a Event,
    canonical: String,
}

/// One line of a file to import: the event's fields, and its canonical bytes if the line has
/// them.
#[derive(Deserialize)]
struct LineIn {
    #[serde(flatten)]
    event: Event,
    canonical: Option<String>,
}

impl Ledger {
    /// Writes every durable event to `out` as JSON Lines; returns the head exported.
    pub fn export_jsonl(&self, out: &mut dyn Write, progress: &mut dyn FnMut(u64)) -> Result<Head> {
        let mut head = Head::EMPTY;
        for event in self.events_from(1) {
            let event = event?;
            let line = LineOut {
                canonical: STANDARD.encode(codec::canonical_bytes(&event)?),
                event: &event,
            };
            serde_json::to_writer(&mut *out, &line).map_err(std::io::Error::from)?;
            out.write_all(b"\n")?;
            head = event.head();
            if head.seq % PROGRESS_EVERY == 0 {
                progress(head.seq);
            }
        }
        out.flush()?;
        Ok(head)
    }

    /// Imports a JSON Lines export into this ledger, which must be empty. The file is checked
    /// completely (each event must follow the one before, see [`check_jsonl`]) before anything
    /// is written; a broken file is refused with the line of its first problem. Returns the
    /// head imported.
    pub fn import_jsonl(&self, path: &Path, progress: &mut dyn FnMut(u64)) -> Result<Head> {
        self.import_jsonl_with(path, ImportOptions::default(), progress)
            .map(|imported| imported.head)
    }

    /// [`Ledger::import_jsonl`], with the checks of `options` in the pass over the file that
    /// comes before anything is written; returns the head and the actors of the file.
    pub fn import_jsonl_with(
        &self,
        path: &Path,
        options: ImportOptions,
        progress: &mut dyn FnMut(u64),
    ) -> Result<Imported> {
        if !self.is_empty() {
            return Err(Error::NotEmpty { events: self.len() });
        }
        let checked = check_jsonl_with(path, options, &mut |_| {})?;
        let mut chain = Chain::new();
        let mut batch = Vec::with_capacity(IMPORT_BATCH);
        let mut stored_head = Head::EMPTY;
        for (line, event) in read_events(path)? {
            let event = event.map_err(|reason| Error::ImportRefused { line, reason })?;
            let stored = follow(&mut chain, line, &event)?;
            let event = event.event;
            batch.push((event, stored));
            if batch.len() == IMPORT_BATCH {
                self.store_verbatim(stored_head, std::mem::take(&mut batch))?;
                stored_head = chain.head();
                progress(stored_head.seq);
            }
        }
        self.store_verbatim(stored_head, batch)?;
        self.sync()?;
        let head = chain.head();
        if head != checked.head {
            return Err(Error::ImportRefused {
                line: head.seq,
                reason: "the file changed while it was being imported".into(),
            });
        }
        progress(head.seq);
        Ok(checked)
    }
}

/// Checks a JSON Lines export without importing it: every line parses, and each event follows
/// the one before, by the rules `verify` applies: its hash is recomputed from its canonical
/// bytes, its seq and stream version are the next ones, its previous-hash is the hash of the
/// line before, and its recorded-at is not before that line's. A line's `canonical` field, if it
/// has one, must be those canonical bytes (base64). Returns the file's head.
pub fn check_jsonl(path: &Path, progress: &mut dyn FnMut(u64)) -> Result<Head> {
    check_jsonl_with(path, ImportOptions::default(), progress).map(|checked| checked.head)
}

/// [`check_jsonl`], with the checks of `options`; returns the head and the actors of the file.
pub fn check_jsonl_with(
    path: &Path,
    options: ImportOptions,
    progress: &mut dyn FnMut(u64),
) -> Result<Imported> {
    let mut chain = Chain::new();
    let mut actors: BTreeMap<String, u64> = BTreeMap::new();
    let mut projection = Projection::default();
    for (line, event) in read_events(path)? {
        let read = event.map_err(|reason| Error::ImportRefused { line, reason })?;
        follow(&mut chain, line, &read)?;
        let event = read.event;
        if options.check_updates {
            check_update(&projection, line, &event)?;
            projection.apply(&event);
        }
        match actors.get_mut(&event.actor) {
            Some(count) => *count += 1,
            None => {
                actors.insert(event.actor, 1);
            }
        }
        let head = chain.head();
        if head.seq % PROGRESS_EVERY == 0 {
            progress(head.seq);
        }
    }
    Ok(Imported {
        head: chain.head(),
        actors: actors.into_iter().collect(),
    })
}

/// Checks `event`, read from `line`, against `projection` (the events before it) as
/// [`crate::Tracker::record`] checked it on the day it was recorded, unless a plan load wrote
/// it (see [`ImportOptions::check_updates`]).
fn check_update(projection: &Projection, line: u64, event: &Event) -> Result<()> {
    let by_plan_load = match &event.payload {
        Payload::PlanDefined(_) | Payload::IndicatorDefined { .. } => true,
        Payload::TargetRevised { reason, .. } => reason == PLAN_FILE_CHANGED,
        Payload::IndicatorRetired { reason } => reason == REMOVED_FROM_PLAN,
        _ => false,
    };
    if by_plan_load {
        return Ok(());
    }
    let new = NewEvent {
        id: Some(event.id),
        stream: event.stream.clone(),
        expected_version: None,
        effective: event.effective,
        actor: event.actor.clone(),
        note: event.note.clone(),
        payload: event.payload.clone(),
    };
    projection
        .check(&new, plan_date(event.recorded_at))
        .map_err(|error| Error::ImportRefused {
            line,
            reason: format!(
                "event {} ({} by {}) does not fit the plan as recorded before it: {error}",
                event.seq,
                event.payload.kind_name(),
                event.actor
            ),
        })
}

/// Checks `event`, read from `line` of a file, as the next event of `chain`; returns its stored
/// form.
fn follow(chain: &mut Chain, line: u64, read: &LineIn) -> Result<Vec<u8>> {
    let refuse = |reason: String| Error::ImportRefused { line, reason };
    let event = &read.event;
    let mut stored = codec::canonical_bytes(event).map_err(|e| refuse(e.to_string()))?;
    if let Some(canonical) = &read.canonical {
        let given = STANDARD
            .decode(canonical)
            .map_err(|e| refuse(format!("its canonical field is not base64: {e}")))?;
        if given != stored {
            return Err(refuse(format!(
                "its canonical field ({} bytes) is not the canonical bytes of its fields ({} \
                 bytes): the line was changed, or written by another codec",
                given.len(),
                stored.len()
            )));
        }
    }
    let seq = chain.head().seq + 1;
    chain
        .follow(event, &stored)
        .map_err(|kind| refuse(Problem { seq, kind }.to_string()))?;
    stored.extend_from_slice(&event.hash.0);
    Ok(stored)
}

/// Non-empty lines of the file, numbered from 1, each parsed as an event.
fn read_events(path: &Path) -> Result<impl Iterator<Item = (u64, Result<LineIn, String>)>> {
    let file = File::open(path)?;
    Ok(BufReader::new(file)
        .lines()
        .zip(1u64..)
        .filter_map(|(line, number)| match line {
            Err(e) => Some((number, Err(format!("cannot read the line: {e}")))),
            Ok(text) if text.trim().is_empty() => None,
            Ok(text) => Some((
                number,
                serde_json::from_str(&text).map_err(|e| format!("not an event: {e}")),
            )),
        }))
}
