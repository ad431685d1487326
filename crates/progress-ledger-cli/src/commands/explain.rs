//! `explain` and `restatements`: where a figure comes from, and what changed in the figures for
//! a date between two recorded times — as text for people or JSON (the API's shapes).

use std::fmt::Write as _;
use std::io::Write;
use std::path::Path;

use progress_ledger_core::projection::{
    Cause, Contributed, Explanation, Figure, IndicatorExplanation, Restatements, Scope, Step,
};
use progress_ledger_core::{ProgressQuery, RestatementQuery};
use progress_ledger_server::dto::{ExplanationDto, RestatementsDto};
use progress_ledger_server::params::{parse_as_of, parse_effective};
use rust_decimal::Decimal;

use super::queries::{api_error, moment, percent};
use crate::cli::{ExplainArgs, RestatementsArgs};
use crate::data::open_existing;
use crate::failure::{Failure, Outcome};

fn n(value: Decimal) -> String {
    value.normalize().to_string()
}

fn opt(value: Option<Decimal>) -> String {
    value.map_or_else(|| "-".to_owned(), n)
}

pub fn explain(data: &Path, args: ExplainArgs, out: &mut dyn Write) -> Outcome {
    let (as_of, effective) = moment(args.as_of.as_deref(), args.effective.as_deref())?;
    let scope = match (&args.indicator, args.task, args.category, args.whole_plan) {
        (Some(id), None, None, false) => Scope::Indicator(id.clone()),
        (None, Some(task), None, false) => Scope::Task(task),
        (None, None, Some(category), false) => Scope::Category(category),
        (None, None, None, true) => Scope::Plan,
        _ => {
            return Err(Failure::msg(
                "name one thing to explain: an indicator id, --task N, --category N or --whole-plan",
            ));
        }
    };
    let tracker = open_existing(data)?;
    let query = ProgressQuery {
        plan: None,
        as_of,
        effective,
    };
    let explanation = tracker
        .explain(&query, &scope)?
        .ok_or_else(|| Failure::msg(format!("the plan has no {scope:?} (at that time)")))?;
    if args.json {
        let cutoff = as_of.unwrap_or_else(jiff::Timestamp::now);
        serde_json::to_writer_pretty(&mut *out, &ExplanationDto::new(&explanation, cutoff))?;
        writeln!(out)?;
        return Ok(());
    }
    out.write_all(explanation_text(&explanation).as_bytes())?;
    Ok(())
}

/// An explanation for people.
pub fn explanation_text(e: &Explanation) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Where the figures of {} come from — {}",
        e.scope, e.title
    );
    let _ = writeln!(
        out,
        "computed from the ledger head seq {} (hash {}){}{}",
        e.head.seq,
        e.head.hash,
        e.recorded_through
            .map_or_else(String::new, |t| format!(", recorded through {t}")),
        e.effective.map_or_else(String::new, |d| format!(
            "; updates effective on or before {d}"
        ))
    );
    let _ = writeln!(
        out,
        "schedule judged on {}: day {} of {} of the plan period ({} to {}), elapsed share {}",
        e.elapsed.day,
        e.elapsed.days_elapsed,
        e.elapsed.days,
        e.elapsed.start,
        e.elapsed.end,
        n(e.elapsed.share)
    );
    for indicator in &e.indicators {
        out.push('\n');
        indicator_text(&mut out, indicator);
    }
    if !e.rollups.is_empty() {
        let _ = writeln!(out, "\nrollups (weighted means of capped completions):");
    }
    for rollup in &e.rollups {
        let _ = writeln!(out, "  {} {}", rollup.subject, rollup.title);
        for step in &rollup.steps {
            let _ = writeln!(out, "    {}", step_text(step));
        }
    }
    out
}

fn contribution_text(c: &Contributed) -> String {
    let mut parts = Vec::new();
    if let Some(amount) = c.amount {
        parts.push(n(amount));
    }
    if let Some(district) = &c.district {
        parts.push(district.clone());
    }
    if let Some(deliverable) = &c.deliverable {
        parts.push(format!("deliverable {deliverable}"));
    }
    if let Some(status) = c.status {
        parts.push(format!("status {status:?}"));
    }
    parts.join(" ")
}

fn indicator_text(out: &mut String, i: &IndicatorExplanation) {
    let _ = writeln!(
        out,
        "indicator {} {} ({}), {:?}",
        i.id, i.title, i.unit, i.kind
    );
    let set_by = i.target.set_by.as_ref().map_or_else(String::new, |e| {
        format!(
            " set by seq {} {} ({}, {})",
            e.seq, e.kind, e.effective, e.actor
        )
    });
    let reason = i
        .target
        .reason
        .as_ref()
        .map_or_else(String::new, |r| format!(": {r}"));
    let _ = writeln!(
        out,
        "  target {}{set_by}{reason}; weight {} in its item",
        opt(i.target.value),
        n(i.weight)
    );
    if let Some(retired) = &i.retired {
        let _ = writeln!(
            out,
            "  RETIRED by seq {} ({}): in no rollup",
            retired.seq, retired.recorded_at
        );
    }
    let _ = writeln!(out, "  counted ({}):", i.counted.len());
    for c in &i.counted {
        let late = if c.arrived_after_effective {
            " [arrived after the date]"
        } else {
            ""
        };
        let replaces = c
            .replaces
            .map_or_else(String::new, |id| format!(" replacing {id}"));
        let _ = writeln!(
            out,
            "    seq {:>6}  {}  {}  {}  {:?}{replaces}{late}",
            c.event.seq,
            c.event.effective,
            c.event.actor,
            contribution_text(&c.contribution),
            c.role
        );
    }
    for v in &i.voided {
        let _ = writeln!(
            out,
            "    voided: seq {} {} ({}) by seq {} \"{}\"{}",
            v.event.seq,
            contribution_text(&v.contribution),
            v.event.effective,
            v.voided_by.seq,
            v.reason,
            if v.replaced { ", replaced" } else { "" }
        );
    }
    if i.effective_later > 0 {
        let _ = writeln!(
            out,
            "    {} update(s) about a later date not counted",
            i.effective_later
        );
    }
    let _ = writeln!(out, "  arithmetic:");
    for step in &i.steps {
        let _ = writeln!(out, "    {}", step_text(step));
    }
    let _ = writeln!(
        out,
        "  value {}, completion {} (raw {}), {}",
        opt(i.value),
        percent(i.completion.capped),
        n(i.completion.raw),
        i.status.label_zh()
    );
}

/// One step of the arithmetic in a line.
pub fn step_text(step: &Step) -> String {
    match step {
        Step::Sum { terms, value } => format!("sum of {terms} update(s) = {}", n(*value)),
        Step::Latest { effective, value } => format!(
            "latest by effective date ({}) = {}",
            effective.map_or_else(|| "none".to_owned(), |d| d.to_string()),
            opt(*value)
        ),
        Step::District {
            district,
            terms,
            sum,
            needed,
            met,
        } => format!(
            "{district}: {terms} update(s), sum {} {} {}",
            n(*sum),
            if *met { "≥" } else { "<" },
            n(*needed)
        ),
        Step::Count { of, value } => format!("{of:?} = {}", n(*value)),
        Step::Status { status, value } => format!("status {status:?} = {}", n(*value)),
        Step::Ratio {
            numerator,
            denominator,
            result,
        } => format!("{} / {} = {}", n(*numerator), n(*denominator), opt(*result)),
        Step::Level {
            rule,
            numerator,
            denominator,
            result,
            ..
        } => format!(
            "{rule:?}: {} / {} = {}",
            n(*numerator),
            n(*denominator),
            n(*result)
        ),
        Step::NoCompletion => "no target or no value: completion 0".to_owned(),
        Step::Cap { raw, capped } => format!("capped to [0, 1]: {} → {}", n(*raw), n(*capped)),
        Step::Mean {
            terms,
            weighted_sum,
            total_weight,
            value,
        } => {
            let inputs: Vec<String> = terms
                .iter()
                .map(|t| format!("{} {}×{}", t.subject, n(t.completion), n(t.weight)))
                .collect();
            format!(
                "mean of [{}] = {} / {} = {}",
                inputs.join(", "),
                n(*weighted_sum),
                n(*total_weight),
                n(*value)
            )
        }
        Step::Schedule {
            capped,
            started,
            elapsed,
            status,
        } => format!(
            "schedule: completion {} against elapsed {}{} → {}",
            n(*capped),
            n(*elapsed),
            if *started { "" } else { ", nothing reported" },
            status.label_zh()
        ),
    }
}

pub fn restatements(data: &Path, args: RestatementsArgs, out: &mut dyn Write) -> Outcome {
    let from = parse_as_of(&args.from).map_err(api_error)?;
    let to = args
        .to
        .as_deref()
        .map(parse_as_of)
        .transpose()
        .map_err(api_error)?;
    let effective = parse_effective(&args.effective).map_err(api_error)?;
    if to.is_some_and(|to| to < from) {
        return Err(Failure::msg("--to is before --from"));
    }
    let tracker = open_existing(data)?;
    let restated = tracker.restatements(&RestatementQuery {
        plan: None,
        from,
        to,
        effective,
    })?;
    if args.json {
        serde_json::to_writer_pretty(&mut *out, &RestatementsDto::from(&restated))?;
        writeln!(out)?;
        return Ok(());
    }
    out.write_all(restatements_text(&restated).as_bytes())?;
    Ok(())
}

fn figure_text(figure: Option<&Figure>) -> String {
    let Some(f) = figure else {
        return "(absent)".to_owned();
    };
    let value = match (f.value, f.target) {
        (Some(v), Some(t)) => format!("{} / {} ", n(v), n(t)),
        (Some(v), None) => format!("{} ", n(v)),
        _ => String::new(),
    };
    let status = f.status.map_or("", |s| s.label_zh());
    format!("{value}{} {status}", percent(f.completion))
}

fn cause_text(c: &Cause) -> String {
    let mut text = format!(
        "{:?} seq {} ({}, {})",
        c.kind, c.event.seq, c.event.effective, c.event.actor
    );
    if let Some(v) = &c.voids {
        let _ = write!(
            text,
            ", voids seq {} ({})",
            v.event.seq,
            contribution_text(&v.contribution)
        );
    }
    if let Some(contribution) = &c.contribution {
        let _ = write!(text, ", counts {}", contribution_text(contribution));
    }
    if let Some(t) = &c.target {
        let _ = write!(text, ", target {} → {}", opt(t.before), opt(t.after));
    }
    if let Some(reason) = &c.reason {
        let _ = write!(text, ": {reason}");
    }
    text
}

/// Restatements for people.
pub fn restatements_text(r: &Restatements) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Figures of {} as effective on {}: the ledger at head seq {} ({}) against head seq {} ({})",
        r.plan,
        r.effective,
        r.from.seq,
        r.from_recorded_through
            .map_or_else(|| "empty".to_owned(), |t| t.to_string()),
        r.to.seq,
        r.to_recorded_through
            .map_or_else(|| "empty".to_owned(), |t| t.to_string()),
    );
    let _ = writeln!(out, "{} figure(s) changed\n", r.changes.len());
    for change in &r.changes {
        let _ = writeln!(
            out,
            "{} {}: {} → {}",
            change.subject,
            change.title,
            figure_text(change.before.as_ref()),
            figure_text(change.after.as_ref())
        );
        for cause in &change.causes {
            let _ = writeln!(out, "    {}", cause_text(cause));
        }
        if !change.indicators.is_empty() {
            let _ = writeln!(
                out,
                "    restated indicators under it: {}",
                change.indicators.join(", ")
            );
        }
    }
    out
}
