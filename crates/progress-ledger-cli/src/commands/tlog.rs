//! `key init`, `key show`, `checkpoint`, `prove`: the log's signing key, its signed
//! checkpoints, and inclusion and consistency proofs in the JSON `progress-ledger-verify` reads.

use std::io::Write;
use std::path::Path;

use progress_ledger_core::Error as CoreError;
use progress_ledger_server::checkpoints::{
    CheckpointConfig, Publisher, default_origin, init_key, read_key, read_published,
};
use serde_json::json;

use crate::cli::{KeyCommand, ProveCommand};
use crate::data::{default_plan, open_ledger, open_read_only, open_tracker};
use crate::failure::{Failure, Outcome};

pub fn key(data: &Path, command: KeyCommand, out: &mut dyn Write) -> Outcome {
    let config = CheckpointConfig::new(data);
    match command {
        KeyCommand::Init { origin } => {
            let origin = match origin {
                Some(origin) => origin,
                None => {
                    let tracker = open_tracker(data)?;
                    let has_plan = tracker.with_live(|p| p.catalog().plans().next().is_some());
                    let origin = if has_plan {
                        default_origin(&tracker, data)
                    } else {
                        // `serve` loads the built-in plan into a ledger without one.
                        format!("progress-ledger/{}", default_plan()?.id)
                    };
                    tracker.close()?;
                    origin
                }
            };
            let verifier = init_key(&config.key, &origin)?;
            writeln!(out, "{verifier}")?;
            eprintln!(
                "made the log's key in {} (keep it secret; back it up). Publish the verifier key \
                 above: auditors check checkpoints with it. The server signs checkpoints once it \
                 is restarted.",
                config.key.display()
            );
        }
        KeyCommand::Show => {
            writeln!(out, "{}", read_key(&config.key)?.verifier())?;
        }
    }
    Ok(())
}

/// Signs a checkpoint of every durable event (if the tree grew since the last one) and prints
/// it. While the server holds the ledger, prints the last checkpoint it published instead.
pub fn checkpoint(data: &Path, out: &mut dyn Write) -> Outcome {
    let config = CheckpointConfig::new(data);
    let signer = read_key(&config.key)?;
    let note = match open_ledger(data) {
        Ok(ledger) => {
            let publisher = Publisher::open(ledger.clone(), config)?;
            let note = publisher.publish()?.note;
            drop(publisher);
            ledger.close()?;
            note
        }
        Err(failure) if failure.to_string().contains("open in another process") => {
            let latest = read_published(&config.file, &signer.verifier())?
                .pop()
                .ok_or_else(|| {
                    Failure::msg("the server holds the ledger and has published no checkpoint yet")
                })?;
            eprintln!("the server holds the ledger: this is the last checkpoint it published");
            latest.note
        }
        Err(failure) => return Err(failure),
    };
    out.write_all(&note)?;
    Ok(())
}

/// Prints an inclusion or consistency proof as JSON. Opens the ledger read-only: it works
/// beside a running server.
pub fn prove(data: &Path, command: ProveCommand, out: &mut dyn Write) -> Outcome {
    let ledger = open_read_only(data)?;
    let body = match command {
        ProveCommand::Inclusion { seq, size } => {
            let size = size.unwrap_or_else(|| ledger.len());
            let hashes = ledger.prove_inclusion(seq, size).map_err(tree_failure)?;
            let event = ledger
                .get(seq)?
                .ok_or_else(|| Failure::msg(format!("event {seq} is not in the ledger")))?;
            json!({
                "index": seq - 1,
                "size": size,
                "hashes": hashes.iter().map(|h| h.to_hex()).collect::<Vec<_>>(),
                "seq": seq,
                "event_hash": event.hash.to_hex(),
            })
        }
        ProveCommand::Consistency { from, to } => {
            let to = to.unwrap_or_else(|| ledger.len());
            let hashes = ledger.prove_consistency(from, to).map_err(tree_failure)?;
            json!({
                "from": from,
                "to": to,
                "hashes": hashes.iter().map(|h| h.to_hex()).collect::<Vec<_>>(),
            })
        }
    };
    serde_json::to_writer_pretty(&mut *out, &body)?;
    writeln!(out)?;
    Ok(())
}

fn tree_failure(error: CoreError) -> Failure {
    match error {
        CoreError::NotInTree(message) | CoreError::BeyondLog(message) => Failure::msg(message),
        other => Failure::from(other),
    }
}
