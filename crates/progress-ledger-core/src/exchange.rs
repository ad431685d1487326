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
use crate::error::{Error, Result};
use crate::event::{Event, Head};
use crate::store::Ledger;
use crate::verify::Problem;

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
        if !self.is_empty() {
            return Err(Error::NotEmpty { events: self.len() });
        }
        let checked = check_jsonl(path, &mut |_| {})?;
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
        if head != checked {
            return Err(Error::ImportRefused {
                line: head.seq,
                reason: "the file changed while it was being imported".into(),
            });
        }
        progress(head.seq);
        Ok(head)
    }
}

/// Checks a JSON Lines export without importing it: every line parses, and each event follows
/// the one before, by the rules `verify` applies: its hash is recomputed from its canonical
/// bytes, its seq and stream version are the next ones, its previous-hash is the hash of the
/// line before, and its recorded-at is not before that line's. A line's `canonical` field, if it
/// has one, must be those canonical bytes (base64). Returns the file's head.
pub fn check_jsonl(path: &Path, progress: &mut dyn FnMut(u64)) -> Result<Head> {
    let mut chain = Chain::new();
    for (line, event) in read_events(path)? {
        let event = event.map_err(|reason| Error::ImportRefused { line, reason })?;
        follow(&mut chain, line, &event)?;
        let head = chain.head();
        if head.seq % PROGRESS_EVERY == 0 {
            progress(head.seq);
        }
    }
    Ok(chain.head())
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
