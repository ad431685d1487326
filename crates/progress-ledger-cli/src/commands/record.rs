//! `record`: append an update from the command line, through the same typed path and checks as
//! the server's `POST /v1/events` (or, with `--from`, a filled sheet: see [`super::sheets`]).

use std::io::Write;
use std::path::Path;

use progress_ledger_server::dto::{AppendedDto, PlainFields, Update};

use crate::cli::RecordArgs;
use crate::data::open_existing;
use crate::failure::{Failure, Outcome};

/// The update the flags state (numbers as their text, so they stay exact).
fn update(args: &RecordArgs) -> Outcome<Update> {
    // clap requires these unless --from is given, and --from goes to `record_from`.
    let (Some(kind), Some(indicator), Some(effective)) = (
        args.kind,
        args.indicator.as_deref(),
        args.effective.as_deref(),
    ) else {
        return Err(Failure::msg(
            "record needs --indicator, --type and --effective (or --from FILE)",
        ));
    };
    Ok(Update {
        id: args.id.clone(),
        expected_version: args.expected_version,
        note: args.note.clone(),
        fields: PlainFields {
            delta: args.delta.clone(),
            value: args.value.clone(),
            district: args.district.clone(),
            deliverable: args.deliverable.clone(),
            status: args.status.clone(),
        },
        corrects: args.corrects.clone(),
        reason: args.reason.clone(),
        target: args.target.clone(),
        ..Update::new(kind, indicator, effective)
    })
}

pub fn record(data: &Path, args: RecordArgs, out: &mut dyn Write) -> Outcome {
    if let Some(file) = &args.from {
        return super::sheets::record_from(data, file, &args, out);
    }
    let checked = update(&args)?
        .check(&args.actor)
        .map_err(|e| Failure::msg(format!("{} ({})", e.message, e.code)))?;
    let tracker = open_existing(data)?;
    let appended = tracker
        .record(checked.event)
        .map_err(|e| Failure::from(e).with_message("the update was not recorded"))?;
    let dto = AppendedDto::from(&appended);
    if args.json {
        serde_json::to_writer_pretty(&mut *out, &dto)?;
        writeln!(out)?;
    } else {
        let what = if dto.already_recorded {
            "already recorded"
        } else {
            "recorded"
        };
        writeln!(
            out,
            "{what}: seq {} id {} version {}",
            dto.seq, dto.id, dto.version
        )?;
        writeln!(out, "hash {}", dto.hash)?;
    }
    Ok(())
}
