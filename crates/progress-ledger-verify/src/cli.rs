//! The command line (clap derive; the doc comments are the help text) and what each command
//! prints.

use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use progress_ledger_tlog::{Hash, Verifier};

use crate::VerifyError;
use crate::checks::{read, read_checkpoint, verify_consistency, verify_inclusion};
use crate::export::verify_export;
use crate::tiles::verify_tiles_dir;
use crate::watch::{WatchConfig, watch_once};
use crate::wire::{ConsistencyProof, InclusionProof};

/// Check a progress-ledger transparency log without trusting its server: signed checkpoints,
/// inclusion and consistency proofs, mirrored tiles, and a watcher that detects forks.
///
/// Exit status: 0 when every check passed, 1 when one failed or an input could not be read,
/// 2 for a wrong command line, 3 when `watch` found a fork.
#[derive(Debug, Parser)]
#[command(name = "progress-ledger-verify", version)]
pub struct Cli {
    /// What to check.
    #[command(subcommand)]
    pub command: Command,
}

/// The log's public keys.
#[derive(Debug, Clone, Args)]
pub struct Keys {
    /// A verifier key of the log, `<name>+<key id>+<base64 key>` (C2SP signed-note); repeat for
    /// several. Signatures by other keys are ignored; at least one signature by these must verify.
    #[arg(long = "key", value_name = "VKEY", required = true, value_parser = parse_vkey)]
    pub keys: Vec<Verifier>,
}

fn parse_vkey(s: &str) -> Result<Verifier, String> {
    Verifier::from_vkey(s).map_err(|e| e.to_string())
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check a signed checkpoint's signature; print its origin, size and root.
    Checkpoint {
        /// The signed checkpoint (C2SP tlog-checkpoint note).
        file: PathBuf,
        /// The log's verifier keys.
        #[command(flatten)]
        keys: Keys,
    },
    /// Check that an entry is leaf INDEX of a signed checkpoint's tree.
    Inclusion {
        /// The signed checkpoint.
        #[arg(long)]
        checkpoint: PathBuf,
        /// The log's verifier keys.
        #[command(flatten)]
        keys: Keys,
        /// The leaf index, from 0.
        #[arg(long)]
        index: u64,
        /// The entry: the event's 32-byte hash, raw (or give it in hex with --event-hash).
        #[arg(
            long,
            required_unless_present = "event_hash",
            conflicts_with = "event_hash"
        )]
        entry_file: Option<PathBuf>,
        /// The entry as 64 hex digits: the event's `hash` (as exports and the API show it).
        #[arg(long, value_name = "HEX")]
        event_hash: Option<String>,
        /// The proof, JSON: {"index": I, "size": N, "hashes": ["HEX", …]}, each HEX 64 hex digits.
        #[arg(long)]
        proof_file: PathBuf,
    },
    /// Check that the tree of a newer signed checkpoint extends the tree of an older one.
    Consistency {
        /// The older signed checkpoint.
        #[arg(long)]
        old: PathBuf,
        /// The newer signed checkpoint.
        #[arg(long)]
        new: PathBuf,
        /// The log's verifier keys.
        #[command(flatten)]
        keys: Keys,
        /// The proof, JSON: {"from": M, "to": N, "hashes": ["HEX", …]}, each HEX 64 hex digits.
        #[arg(long)]
        proof_file: PathBuf,
    },
    /// Recompute the root from a mirrored tiles directory (hash tiles and entry bundles) and
    /// check every entry bundle against the leaf hashes.
    Tiles {
        /// The directory holding `tile/` (C2SP tlog-tiles layout).
        dir: PathBuf,
        /// The signed checkpoint to check the tiles against.
        #[arg(long)]
        checkpoint: PathBuf,
        /// The log's verifier keys.
        #[command(flatten)]
        keys: Keys,
    },
    /// Recompute the root of a JSON Lines export (`progress-ledger export`) and check it against
    /// a signed checkpoint: each line's canonical bytes must hash to its hash, link to the line
    /// before, and the first SIZE leaves must give the checkpoint's root.
    Export {
        /// The JSON Lines export.
        file: PathBuf,
        /// The signed checkpoint to check the export against.
        #[arg(long)]
        checkpoint: PathBuf,
        /// The log's verifier keys.
        #[command(flatten)]
        keys: Keys,
    },
    /// Fetch the server's checkpoint, check that it extends the last one seen, and store it;
    /// on a fork print both signed checkpoints as evidence and exit with status 3.
    Watch {
        /// The server's base URL, e.g. http://127.0.0.1:8080.
        url: String,
        /// The log's verifier keys.
        #[command(flatten)]
        keys: Keys,
        /// The directory keeping the last checkpoint seen (created if missing).
        #[arg(long)]
        state: PathBuf,
        /// Path of the signed checkpoint on the server.
        #[arg(long, default_value = "/v1/checkpoint")]
        checkpoint_path: String,
        /// Path of consistency proofs on the server (`?from=M&to=N` is appended).
        #[arg(long, default_value = "/v1/proofs/consistency")]
        consistency_path: String,
        /// Check again every this many seconds, until a check fails (default: once).
        #[arg(long, value_name = "SECONDS")]
        interval: Option<u64>,
        /// Seconds before a request is given up.
        #[arg(long, value_name = "SECONDS", default_value_t = 30)]
        timeout: u64,
    },
}

/// Runs a command, writing its report to `out`.
pub fn run(cli: Cli, out: &mut dyn Write) -> Result<(), VerifyError> {
    match cli.command {
        Command::Checkpoint { file, keys } => {
            let signed = read_checkpoint(&file, &keys.keys)?;
            let c = &signed.checkpoint;
            writeln!(out, "origin     {}", c.origin())?;
            writeln!(out, "size       {}", c.size())?;
            writeln!(out, "root       {}", c.root().to_base64())?;
            writeln!(out, "signed by  {}", signed.verified_by.join(", "))?;
        }
        Command::Inclusion {
            checkpoint,
            keys,
            index,
            entry_file,
            event_hash,
            proof_file,
        } => {
            let signed = read_checkpoint(&checkpoint, &keys.keys)?;
            let (entry, shown) = match (&entry_file, &event_hash) {
                (Some(file), _) => (read(file)?, file.display().to_string()),
                (None, Some(hex)) => (
                    Hash::from_hex(hex.trim())
                        .map_err(VerifyError::check("--event-hash"))?
                        .0
                        .to_vec(),
                    format!("event hash {}", hex.trim()),
                ),
                (None, None) => {
                    return Err(VerifyError::Mismatch(
                        "give --entry-file or --event-hash".into(),
                    ));
                }
            };
            let proof =
                InclusionProof::from_json(&read(&proof_file)?, &proof_file.display().to_string())?;
            verify_inclusion(&signed.checkpoint, index, &entry, &proof)?;
            writeln!(
                out,
                "ok: {shown} is leaf {index} of {}'s tree of size {}",
                signed.checkpoint.origin(),
                signed.checkpoint.size()
            )?;
        }
        Command::Consistency {
            old,
            new,
            keys,
            proof_file,
        } => {
            let old = read_checkpoint(&old, &keys.keys)?;
            let new = read_checkpoint(&new, &keys.keys)?;
            let proof = ConsistencyProof::from_json(
                &read(&proof_file)?,
                &proof_file.display().to_string(),
            )?;
            verify_consistency(&old.checkpoint, &new.checkpoint, &proof)?;
            writeln!(
                out,
                "ok: {}'s tree of size {} extends its tree of size {}",
                new.checkpoint.origin(),
                new.checkpoint.size(),
                old.checkpoint.size()
            )?;
        }
        Command::Tiles {
            dir,
            checkpoint,
            keys,
        } => {
            let signed = read_checkpoint(&checkpoint, &keys.keys)?;
            let report = verify_tiles_dir(&dir, &signed.checkpoint)?;
            writeln!(
                out,
                "ok: {} entries in {} bundles and {} hash tiles give root {}, as {}'s checkpoint of size {} says",
                report.entries,
                report.bundles,
                report.hash_tiles,
                signed.checkpoint.root().to_base64(),
                signed.checkpoint.origin(),
                signed.checkpoint.size()
            )?;
        }
        Command::Export {
            file,
            checkpoint,
            keys,
        } => {
            let signed = read_checkpoint(&checkpoint, &keys.keys)?;
            let report = verify_export(&file, &signed.checkpoint)?;
            writeln!(
                out,
                "ok: {} events, chained; the first {} give root {}, as {}'s checkpoint of size {} says",
                report.events,
                signed.checkpoint.size(),
                signed.checkpoint.root().to_base64(),
                signed.checkpoint.origin(),
                signed.checkpoint.size()
            )?;
        }
        Command::Watch {
            url,
            keys,
            state,
            checkpoint_path,
            consistency_path,
            interval,
            timeout,
        } => {
            let cfg = WatchConfig {
                checkpoint_path,
                consistency_path,
                timeout: Duration::from_secs(timeout),
                ..WatchConfig::new(url, keys.keys, state)
            };
            loop {
                watch_once(&cfg, out)?;
                out.flush()?;
                match interval {
                    Some(seconds) => std::thread::sleep(Duration::from_secs(seconds)),
                    None => break,
                }
            }
        }
    }
    Ok(())
}
