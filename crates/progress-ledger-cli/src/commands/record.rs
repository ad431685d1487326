//! `record`: append an update from the command line, checked exactly as the server checks it.

use std::io::Write;
use std::path::Path;

use progress_ledger_server::dto::{AppendedDto, NewEventRequest};
use serde_json::{Map, Value};

use crate::cli::RecordArgs;
use crate::data::open_existing;
use crate::failure::{Failure, Outcome};

/// The request the server would receive for these flags (numbers as strings: exact).
fn request(args: &RecordArgs) -> Outcome<NewEventRequest> {
    let mut body = Map::new();
    let mut put = |key: &str, value: &Option<String>| {
        if let Some(value) = value {
            body.insert(key.to_owned(), Value::String(value.clone()));
        }
    };
    put("id", &args.id);
    put("indicator", &Some(args.indicator.clone()));
    put("type", &Some(args.kind.as_str().to_owned()));
    put("effective", &Some(args.effective.clone()));
    put("note", &args.note);
    put("delta", &args.delta);
    put("value", &args.value);
    put("district", &args.district);
    put("deliverable", &args.deliverable);
    put("status", &args.status);
    put("corrects", &args.corrects);
    put("reason", &args.reason);
    put("target", &args.target);
    if let Some(version) = args.expected_version {
        body.insert("expected_version".into(), Value::from(version));
    }
    let bytes = serde_json::to_vec(&Value::Object(body))?;
    NewEventRequest::from_json(&bytes).map_err(|e| Failure::msg(e.message))
}

pub fn record(data: &Path, args: RecordArgs, out: &mut dyn Write) -> Outcome {
    let checked = request(&args)?
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
