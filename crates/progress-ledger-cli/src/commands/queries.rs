//! `progress`, `history`, `report`: the queries, as tables for people or JSON for machines (and
//! the report as Markdown, CSV or a workbook).

use std::io::Write;
use std::path::Path;

use jiff::Timestamp;
use jiff::civil::Date;
use progress_ledger_core::ProgressQuery;
use progress_ledger_core::projection::ProgressView;
use progress_ledger_server::dto::{
    HistoryDto, IndicatorDto, ProgressDto, ReportDto, TrailStepDto, TreeHeadDto,
};
use progress_ledger_server::params::{parse_as_of, parse_effective};
use progress_ledger_server::workbooks::report_workbook;
use rust_decimal::Decimal;

use crate::cli::{HistoryArgs, ProgressArgs, ReportArgs, ReportFormat};
use crate::commands::sheets::{write_file, write_workbook};
use crate::data::open_existing;
use crate::failure::{Failure, Outcome};
use crate::table::{Align, Table};

/// Steps in a page of a trail when `--after` is given without `--limit` (as the server's).
const DEFAULT_STEPS: usize = 1000;

/// A fraction as a percentage with one decimal.
pub fn percent(fraction: Decimal) -> String {
    format!("{}%", (fraction * Decimal::ONE_HUNDRED).round_dp(1))
}

fn number(value: Option<Decimal>) -> String {
    value
        .map(|v| v.normalize().to_string())
        .unwrap_or_else(|| "-".into())
}

fn item_label(task: u32, item: Option<u32>) -> String {
    match item {
        Some(n) => format!("{task}({n})"),
        None => task.to_string(),
    }
}

/// A refused parameter, as the API words it.
pub(super) fn api_error(e: progress_ledger_server::ApiError) -> Failure {
    Failure::msg(e.message)
}

/// The moment a query asks about: `--as-of` (a recorded-at time) and `--effective` (a date),
/// parsed as the API parses them.
pub(super) fn moment(
    as_of: Option<&str>,
    effective: Option<&str>,
) -> Result<(Option<Timestamp>, Option<Date>), Failure> {
    let as_of = as_of.map(parse_as_of).transpose().map_err(api_error)?;
    let effective = effective
        .map(parse_effective)
        .transpose()
        .map_err(api_error)?;
    Ok((as_of, effective))
}

pub fn progress(data: &Path, args: ProgressArgs, out: &mut dyn Write) -> Outcome {
    let (as_of, effective) = moment(args.as_of.as_deref(), args.effective.as_deref())?;
    let tracker = open_existing(data)?;
    let view = tracker.progress(&ProgressQuery {
        plan: None,
        as_of,
        effective,
    })?;
    if args.json {
        let cutoff = as_of.unwrap_or_else(jiff::Timestamp::now);
        serde_json::to_writer_pretty(
            &mut *out,
            &ProgressDto::new(&view, cutoff).with_tree(tracker.ledger()),
        )?;
        writeln!(out)?;
        return Ok(());
    }
    render_progress(&view, as_of, &args, out)
}

fn render_progress(
    view: &ProgressView,
    as_of: Option<jiff::Timestamp>,
    args: &ProgressArgs,
    out: &mut dyn Write,
) -> Outcome {
    writeln!(out, "{}", view.title)?;
    let recorded = as_of.map_or_else(|| "now".to_owned(), |t| format!("as recorded at {t}"));
    let effective = view
        .effective
        .map_or_else(String::new, |d| format!(", as effective on {d}"));
    writeln!(
        out,
        "{recorded}{effective}; schedule judged on {} ({} of the period elapsed); {} events",
        view.schedule_date,
        percent(view.elapsed),
        view.seq
    )?;
    writeln!(out, "plan completion {}\n", percent(view.completion))?;

    let mut parts = Table::new(&[
        ("part", Align::Right),
        ("title", Align::Left),
        ("completion", Align::Right),
        ("status", Align::Left),
    ]);
    for part in &view.parts {
        parts.row(vec![
            part.number.to_string(),
            part.title.clone(),
            percent(part.completion),
            part.status.label_zh().into(),
        ]);
    }
    writeln!(out, "{}", parts.render())?;

    let mut tasks = Table::new(&[
        ("task", Align::Right),
        ("title", Align::Left),
        ("completion", Align::Right),
        ("status", Align::Left),
    ]);
    for task in &view.tasks {
        tasks.row(vec![
            task.number.to_string(),
            task.title.clone(),
            percent(task.completion),
            task.status.label_zh().into(),
        ]);
    }
    write!(out, "{}", tasks.render())?;

    if args.indicators {
        let mut table = Table::new(&[
            ("item", Align::Left),
            ("indicator", Align::Left),
            ("title", Align::Left),
            ("value", Align::Right),
            ("target", Align::Right),
            ("unit", Align::Left),
            ("completion", Align::Right),
            ("status", Align::Left),
        ])
        .max_width(1, 32)
        .max_width(2, 24);
        for i in &view.indicators {
            table.row(vec![
                item_label(i.task, i.item),
                i.id.clone(),
                i.title.clone(),
                number(i.value),
                number(i.target),
                i.unit.clone(),
                percent(i.completion.capped),
                i.status.label_zh().into(),
            ]);
        }
        write!(out, "\n{}", table.render())?;
    }
    if args.units {
        let mut table = Table::new(&[
            ("lead unit", Align::Left),
            ("items", Align::Right),
            ("completion", Align::Right),
            ("met", Align::Right),
            ("on track", Align::Right),
            ("behind", Align::Right),
            ("not started", Align::Right),
        ]);
        for u in &view.units {
            table.row(vec![
                u.unit.clone(),
                u.items.to_string(),
                percent(u.completion),
                u.counts.met.to_string(),
                u.counts.on_track.to_string(),
                u.counts.behind.to_string(),
                u.counts.not_started.to_string(),
            ]);
        }
        write!(out, "\n{}", table.render())?;
    }
    Ok(())
}

pub fn history(data: &Path, args: HistoryArgs, out: &mut dyn Write) -> Outcome {
    let tracker = open_existing(data)?;
    let indicator = tracker
        .with_live(|p| {
            let catalog = p.catalog();
            catalog
                .indicator(&args.indicator)
                .map(|def| IndicatorDto::new(def, catalog.item_of(def)))
        })
        .ok_or_else(|| Failure::msg(format!("no indicator {:?} is defined", args.indicator)))?;
    let (trail, next) = match (args.after, args.limit) {
        (None, None) => (tracker.history(&args.indicator)?, None),
        (after, limit) => {
            let page = tracker.history_page(
                &args.indicator,
                after.unwrap_or(0),
                limit.unwrap_or(DEFAULT_STEPS),
                u64::MAX,
            )?;
            (page.steps, page.next)
        }
    };
    if args.json {
        let dto = HistoryDto {
            indicator,
            trail: trail.iter().map(TrailStepDto::from).collect(),
            next,
            // Nothing is appended while the CLI holds the ledger: the whole log is the trail's.
            checkpoint: TreeHeadDto::of(tracker.ledger(), tracker.ledger().len()),
        };
        serde_json::to_writer_pretty(&mut *out, &dto)?;
        writeln!(out)?;
        return Ok(());
    }
    writeln!(
        out,
        "{} {} ({})",
        indicator.id, indicator.definition.title, indicator.definition.unit
    )?;
    let mut table = Table::new(&[
        ("seq", Align::Right),
        ("effective", Align::Left),
        ("recorded at", Align::Left),
        ("actor", Align::Left),
        ("type", Align::Left),
        ("change", Align::Left),
        ("value", Align::Right),
        ("target", Align::Right),
        ("completion", Align::Right),
    ]);
    for step in &trail {
        let dto = TrailStepDto::from(step);
        let e = &dto.event;
        let change = serde_json::to_value(e)
            .ok()
            .and_then(|v| v.as_object().cloned())
            .map(|o| {
                [
                    "delta",
                    "value",
                    "district",
                    "deliverable",
                    "status",
                    "corrects",
                    "target",
                    "reason",
                ]
                .iter()
                .filter_map(|k| {
                    o.get(*k)
                        .map(|v| format!("{k}={}", v.to_string().trim_matches('"')))
                })
                .collect::<Vec<_>>()
                .join(" ")
            })
            .unwrap_or_default();
        table.row(vec![
            e.seq.to_string(),
            e.effective.clone(),
            e.recorded_at.chars().take(19).collect(),
            e.actor.clone(),
            e.kind.clone(),
            change,
            number(step.value),
            number(step.target),
            percent(step.completion.capped),
        ]);
    }
    write!(out, "{}", table.render())?;
    if let Some(next) = next {
        writeln!(out, "more: --after {next}")?;
    }
    Ok(())
}

pub fn report(data: &Path, args: ReportArgs, out: &mut dyn Write) -> Outcome {
    let date = match args.as_of.as_deref() {
        Some(text) => parse_effective(text).map_err(api_error)?,
        None => progress_ledger_core::today(),
    };
    let since = match args.since.as_deref() {
        Some(text) => Some(progress_ledger_core::Since {
            date: parse_effective(text).map_err(api_error)?,
            as_of: args
                .since_as_of
                .as_deref()
                .map(parse_as_of)
                .transpose()
                .map_err(api_error)?,
        }),
        None => None,
    };
    let tracker = open_existing(data)?;
    let report = match since {
        Some(since) => tracker.report_since(None, date, None, since)?,
        None => tracker.report(None, date, None)?,
    };
    let bytes = match args.format {
        ReportFormat::Markdown => report.to_markdown().into_bytes(),
        ReportFormat::Csv => report.to_csv().into_bytes(),
        ReportFormat::Json => {
            let mut text =
                serde_json::to_vec_pretty(&ReportDto::from(&report).with_tree(tracker.ledger()))?;
            text.push(b'\n');
            text
        }
        ReportFormat::Xlsx => {
            let bytes = report_workbook(&tracker, None, date, &report).map_err(api_error)?;
            return write_workbook(args.out.as_deref(), &bytes, out);
        }
    };
    match &args.out {
        Some(file) => write_file(file, &bytes),
        None => Ok(out.write_all(&bytes)?),
    }
}
