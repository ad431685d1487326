//! The supervision report (督查通报): per lead unit, its items with completion and schedule
//! status, behind first; as JSON (serde), Markdown or CSV.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use jiff::Timestamp;
use jiff::civil::Date;
use rust_decimal::Decimal;
use serde::Serialize;

use super::math::Schedule;
use super::restate::Restatements;
use super::view::{ItemView, ProgressView, StatusCounts, unit_aliases};
use crate::event::Head;
use crate::plan::Plan;

/// The report for one date.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Report {
    /// Plan id.
    pub plan: String,
    /// Plan title.
    pub title: String,
    /// The date reported on.
    pub date: Date,
    /// Events folded.
    pub seq: u64,
    /// The head the report was computed from (the last event folded), so that two reports can
    /// be compared later.
    pub head: Head,
    /// The restatements of an earlier report's figures, when asked for.
    pub restated: Option<Restated>,
    /// Share of the plan period elapsed on that date.
    pub elapsed: Decimal,
    /// Plan completion.
    pub completion: Decimal,
    /// Items by status, over the whole plan.
    pub counts: StatusCounts,
    /// One section per lead unit, units with the most items behind first.
    pub units: Vec<UnitReport>,
}

/// What changed in an earlier report's figures: the report for `restatements.effective` as
/// recorded at `as_of`, against the same date as this report was computed.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Restated {
    /// When the earlier report was computed (its recorded-at cutoff).
    pub as_of: Timestamp,
    /// The changes, from the earlier report's head to this report's.
    pub restatements: Restatements,
}

/// One lead unit's section.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct UnitReport {
    /// Canonical unit name.
    pub unit: String,
    /// Mean completion of its items.
    pub completion: Decimal,
    /// Its items by status.
    pub counts: StatusCounts,
    /// Its items, behind first, then not started, on track, met.
    pub items: Vec<ReportItem>,
}

/// One item in a unit's section.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ReportItem {
    /// Task number.
    pub task: u32,
    /// Sub-item number.
    pub item: Option<u32>,
    /// Title.
    pub title: String,
    /// Completion.
    pub completion: Decimal,
    /// Schedule status.
    pub status: Schedule,
}

fn count(items: &[ReportItem]) -> StatusCounts {
    let mut counts = StatusCounts::default();
    for item in items {
        match item.status {
            Schedule::Met => counts.met += 1,
            Schedule::OnTrack => counts.on_track += 1,
            Schedule::Behind => counts.behind += 1,
            Schedule::NotStarted => counts.not_started += 1,
        }
    }
    counts
}

fn line(item: &ItemView) -> ReportItem {
    ReportItem {
        task: item.task,
        item: item.item,
        title: item.title.clone(),
        completion: item.completion,
        status: item.status,
    }
}

/// Builds the report from a progress view of `plan` (normally as effective on `date`).
pub fn report(view: &ProgressView, plan: &Plan) -> Report {
    let canonical = unit_aliases(plan);
    let mut by_unit: BTreeMap<String, Vec<ReportItem>> = BTreeMap::new();
    for item in &view.items {
        for unit in &item.lead_units {
            let name = canonical
                .get(unit.as_str())
                .copied()
                .unwrap_or(unit.as_str());
            by_unit.entry(name.to_owned()).or_default().push(line(item));
        }
    }
    let mut units: Vec<UnitReport> = by_unit
        .into_iter()
        .map(|(unit, mut items)| {
            items.sort_by(|a, b| {
                (a.status, a.completion, a.task, a.item).cmp(&(
                    b.status,
                    b.completion,
                    b.task,
                    b.item,
                ))
            });
            let values: Decimal = items.iter().map(|i| i.completion).sum();
            let completion = (values / Decimal::from(items.len().max(1))).round_dp(6);
            UnitReport {
                unit,
                completion,
                counts: count(&items),
                items,
            }
        })
        .collect();
    units.sort_by(|a, b| {
        b.counts
            .behind
            .cmp(&a.counts.behind)
            .then_with(|| a.unit.cmp(&b.unit))
    });
    let all: Vec<ReportItem> = view.items.iter().map(line).collect();
    Report {
        plan: view.plan.clone(),
        title: view.title.clone(),
        date: view.schedule_date,
        seq: view.seq,
        head: Head {
            seq: view.seq,
            hash: view.hash,
        },
        restated: None,
        elapsed: view.elapsed,
        completion: view.completion,
        counts: count(&all),
        units,
    }
}

pub(super) fn percent(fraction: Decimal) -> String {
    format!("{}%", (fraction * Decimal::ONE_HUNDRED).round_dp(1))
}

fn item_label(item: &ReportItem) -> String {
    match item.item {
        Some(n) => format!("{}({n})", item.task),
        None => item.task.to_string(),
    }
}

impl Report {
    /// The report as Markdown, grouped by lead unit.
    pub fn to_markdown(&self) -> String {
        let mut out = String::new();
        let c = &self.counts;
        let _ = writeln!(out, "# {} 督查通报\n", self.title);
        let _ = writeln!(
            out,
            "截至 {}（计划期已过 {}），总体完成度 {}。共 {} 项：已完成 {}，按进度 {}，滞后 {}，未启动 {}。\n",
            self.date,
            percent(self.elapsed),
            percent(self.completion),
            c.met + c.on_track + c.behind + c.not_started,
            c.met,
            c.on_track,
            c.behind,
            c.not_started
        );
        let _ = writeln!(
            out,
            "_Computed from the ledger head seq {}, hash {} (the last event folded)._\n",
            self.head.seq, self.head.hash
        );
        if let Some(restated) = &self.restated {
            super::report_restated::markdown(&mut out, restated);
        }
        for unit in &self.units {
            let u = &unit.counts;
            let _ = writeln!(
                out,
                "## {}\n\n完成度 {}；滞后 {}，未启动 {}，按进度 {}，已完成 {}。\n",
                unit.unit,
                percent(unit.completion),
                u.behind,
                u.not_started,
                u.on_track,
                u.met
            );
            let _ = writeln!(
                out,
                "| 事项 | 内容 | 完成度 | 状态 |\n| --- | --- | ---: | --- |"
            );
            for item in &unit.items {
                let _ = writeln!(
                    out,
                    "| {} | {} | {} | {} |",
                    item_label(item),
                    item.title.replace('|', "｜"),
                    percent(item.completion),
                    item.status.label_zh()
                );
            }
            out.push('\n');
        }
        out
    }

    /// The report as CSV (one row per unit and item), with a header row.
    pub fn to_csv(&self) -> String {
        let mut out = String::from("unit,task,item,title,completion,status\n");
        for unit in &self.units {
            for item in &unit.items {
                let _ = writeln!(
                    out,
                    "{},{},{},{},{},{}",
                    csv_field(&unit.unit),
                    item.task,
                    item.item.map(|n| n.to_string()).unwrap_or_default(),
                    csv_field(&item.title),
                    item.completion,
                    item.status.as_str()
                );
            }
        }
        let _ = writeln!(
            out,
            "\nhead_seq,head_hash\n{},{}",
            self.head.seq, self.head.hash
        );
        if let Some(restated) = &self.restated {
            super::report_restated::csv(&mut out, restated);
        }
        out
    }
}

/// Quotes a CSV field if it needs it (RFC 4180).
pub(super) fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_quoted_when_needed() {
        assert_eq!(csv_field("市卫健委"), "市卫健委");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
    }
}
