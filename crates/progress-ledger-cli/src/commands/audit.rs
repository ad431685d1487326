//! `verify`, `export`, `import`: the auditor's commands. Long work shows a progress bar on a
//! terminal (see [`crate::progress`]).

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use progress_ledger_core::{Hash, Head, ImportOptions, VerifyOptions};
use serde_json::json;

use crate::cli::{ExportArgs, ImportArgs, VerifyArgs};
use crate::data::{open_ledger, open_read_only};
use crate::failure::{Failure, Outcome};
use crate::progress;
use crate::table::{Align, Table};

/// Exit status of `verify` when it finds a problem.
pub const VERIFY_PROBLEM: u8 = 3;

pub fn verify(data: &Path, args: VerifyArgs, out: &mut dyn Write) -> Outcome {
    let published = match (args.seq, &args.hash) {
        (Some(seq), Some(hash)) => Some(Head {
            seq,
            hash: Hash::from_hex(hash.trim())?,
        }),
        _ => None,
    };
    // Read-only: verifying never changes the ledger (a torn tail is reported, not moved), and
    // works while the server holds it.
    let ledger = open_read_only(data)?;
    let bar = progress::events("verifying", ledger.len());
    let report = ledger.verify_with(VerifyOptions {
        published,
        progress: Some(&mut |count| bar.set_position(count)),
    })?;
    bar.finish_and_clear();
    let torn_tail = ledger.torn_tail();
    let set_aside_earlier = ledger.torn_tail_files()?;
    if args.json {
        let problem = report
            .problem
            .as_ref()
            .map(|p| json!({"seq": p.seq, "kind": p.kind.code(), "message": p.to_string()}));
        let body = json!({
            "ok": report.ok(),
            "events": report.events,
            "head": {"seq": report.head.seq, "hash": report.head.hash.to_hex()},
            "problem": problem,
            "published": published.map(|h| json!({"seq": h.seq, "hash": h.hash.to_hex()})),
            "torn_tail": torn_tail.map(|t| json!({"offset": t.offset, "bytes": t.bytes})),
            "set_aside_files": set_aside_earlier.iter().map(|f| f.display().to_string()).collect::<Vec<_>>(),
            "damaged_run_files": report.damaged_runs,
        });
        serde_json::to_writer_pretty(&mut *out, &body)?;
        writeln!(out)?;
    } else {
        match &report.problem {
            None => writeln!(
                out,
                "ok: {} events verified; head seq {} hash {}",
                report.events,
                report.head.seq,
                report.head.hash.to_hex()
            )?,
            Some(problem) => writeln!(
                out,
                "PROBLEM {problem}\n{} events verified before it; last sound head seq {} hash {}",
                report.events,
                report.head.seq,
                report.head.hash.to_hex()
            )?,
        }
        if let Some(tail) = torn_tail {
            writeln!(
                out,
                "unfinished: {} bytes after the last whole batch, at offset {} (an append cut \
                 short by a crash, or in progress if the server is writing); opening the ledger \
                 for writing sets them aside",
                tail.bytes, tail.offset
            )?;
        }
        for file in &set_aside_earlier {
            writeln!(out, "set aside earlier: {}", file.display())?;
        }
        for number in &report.damaged_runs {
            writeln!(
                out,
                "DAMAGED run file runs/{number:010}.run: it does not hold the log's events of its \
                 run (its checksums are sound: it was rewritten); streams are read from the log \
                 instead; a verify while the ledger is open for writing (the server's GET \
                 /v1/verify) sets it aside and writes it again"
            )?;
        }
    }
    match (&report.problem, report.damaged_runs.as_slice()) {
        (None, []) => Ok(()),
        (Some(problem), _) => Err(Failure::finding(
            format!("verification found a problem {problem}"),
            VERIFY_PROBLEM,
        )),
        (None, runs) => Err(Failure::finding(
            format!(
                "verification found {} run file(s) that do not hold the log's events \
                 (the log itself is sound)",
                runs.len()
            ),
            VERIFY_PROBLEM,
        )),
    }
}

pub fn export(data: &Path, args: ExportArgs, out: &mut dyn Write) -> Outcome {
    let ledger = open_ledger(data)?;
    let file = File::create(&args.file).map_err(|e| {
        Failure::from(e).with_message(format!("cannot create {}", args.file.display()))
    })?;
    let mut writer = BufWriter::new(file);
    let bar = progress::events("exporting", ledger.len());
    let head = ledger
        .export_jsonl(&mut writer, &mut |count| bar.set_position(count))
        .map_err(|e| {
            Failure::from(e).with_message(format!("cannot export to {}", args.file.display()))
        })?;
    writer
        .into_inner()
        .map_err(|e| {
            Failure::msg(format!(
                "cannot write {}: {}",
                args.file.display(),
                e.error()
            ))
        })?
        .sync_all()?;
    bar.finish_and_clear();
    writeln!(
        out,
        "exported {} events to {}; head seq {} hash {}",
        head.seq,
        args.file.display(),
        head.seq,
        head.hash.to_hex()
    )?;
    Ok(())
}

/// Imports an export: the chain and every update are checked against the plan as recorded
/// before it (as `record` checks them) before anything is written; the actors the events name
/// are listed, since nothing in an export authenticates them.
pub fn import(data: &Path, args: ImportArgs, out: &mut dyn Write) -> Outcome {
    let ledger = open_ledger(data)?;
    let bar = progress::spinner(format!("checking and importing {}", args.file.display()));
    let options = ImportOptions {
        check_updates: true,
    };
    let imported = ledger
        .import_jsonl_with(&args.file, options, &mut |count| bar.set_position(count))
        .map_err(|e| {
            Failure::from(e).with_message(format!("cannot import {}", args.file.display()))
        })?;
    bar.finish_and_clear();
    ledger.close()?;
    let head = imported.head;
    writeln!(
        out,
        "imported {} events; head seq {} hash {}",
        head.seq,
        head.seq,
        head.hash.to_hex()
    )?;
    writeln!(
        out,
        "the events name these actors (as the export says; an export authenticates no one):"
    )?;
    let mut table = Table::new(&[("actor", Align::Left), ("events", Align::Right)]);
    for (actor, count) in &imported.actors {
        table.row(vec![actor.clone(), count.to_string()]);
    }
    write!(out, "{}", table.render())?;
    Ok(())
}
