//! `plan import` and `plan show`.

use std::io::Write;
use std::path::Path;

use progress_ledger_import::{DraftReport, import_document};
use progress_ledger_server::dto::{IndicatorDto, PlanDto};
use serde_json::json;

use crate::cli::PlanCommand;
use crate::data::{default_plan, open_existing, open_tracker, read_plan_file};
use crate::failure::{Failure, Outcome};
use crate::progress;
use crate::table::{Align, Table};

/// Actor of the events that load a plan from the command line.
const LOADER: &str = "progress-ledger plan load";

pub fn plan(data: &Path, command: PlanCommand, out: &mut dyn Write) -> Outcome {
    match command {
        PlanCommand::Import { file, report } => {
            let text = std::fs::read_to_string(&file).map_err(|e| {
                Failure::from(e).with_message(format!("cannot read {}", file.display()))
            })?;
            let bar = progress::working(format!("reading {}", file.display()));
            let draft = import_document(&text);
            bar.finish_and_clear();
            if report {
                write!(out, "{}", render_report(&draft.report()))?;
                return Ok(());
            }
            serde_json::to_writer_pretty(&mut *out, &draft)?;
            writeln!(out)?;
            let indicators: usize = draft.items().map(|(_, i)| i.indicators.len()).sum();
            eprintln!(
                "{} parts, {} categories, {} tasks, {} items, {} indicators; {} unclassified, {} warnings",
                draft.parts.len(),
                draft.category_count(),
                draft.tasks().count(),
                draft.items().count(),
                indicators,
                draft.unclassified.len(),
                draft.warnings.len()
            );
        }
        PlanCommand::Load { file } => {
            let plan = match &file {
                Some(file) => read_plan_file(file)?,
                None => default_plan()?,
            };
            let tracker = open_tracker(data)?;
            let written = tracker.load_plan(&plan, LOADER).map_err(|e| {
                Failure::from(e).with_message(format!("cannot load plan {}", plan.id))
            })?;
            if written.is_empty() {
                writeln!(out, "plan {} is loaded and unchanged", plan.id)?;
            } else {
                let last = written.last().map_or(0, |a| a.event.seq);
                writeln!(
                    out,
                    "loaded plan {}: {} definition events, up to seq {last}",
                    plan.id,
                    written.len()
                )?;
            }
        }
        PlanCommand::Show { json } => {
            let tracker = open_existing(data)?;
            let shown = tracker.with_live(|p| {
                let catalog = p.catalog();
                catalog.plans().next().map(|plan| {
                    (
                        PlanDto::new(plan, catalog),
                        IndicatorDto::all(catalog, Some(&plan.id)),
                    )
                })
            });
            let Some((plan, indicators)) = shown else {
                return Err(Failure::msg("no plan is loaded in this ledger"));
            };
            if json {
                serde_json::to_writer_pretty(
                    &mut *out,
                    &json!({"plan": plan, "indicators": indicators}),
                )?;
                writeln!(out)?;
                return Ok(());
            }
            let tasks = plan
                .parts
                .iter()
                .flat_map(|p| &p.categories)
                .flat_map(|c| &c.tasks);
            let items: usize = tasks.clone().map(|t| t.items.len()).sum();
            writeln!(out, "{} ({})", plan.title, plan.id)?;
            writeln!(
                out,
                "issued {} by {}; period {} to {}; {} parts, {} tasks, {} items, {} indicators, {} districts",
                plan.issued,
                plan.issuer,
                plan.period_start,
                plan.period_end,
                plan.parts.len(),
                tasks.count(),
                items,
                indicators.len(),
                plan.districts.len()
            )?;
            let mut table = Table::new(&[
                ("item", Align::Left),
                ("indicator", Align::Left),
                ("title", Align::Left),
                ("kind", Align::Left),
                ("target", Align::Right),
                ("unit", Align::Left),
                ("lead units", Align::Left),
            ])
            .max_width(1, 32)
            .max_width(2, 24)
            .max_width(6, 30);
            for i in &indicators {
                let value = serde_json::to_value(i).unwrap_or_default();
                let text = |k: &str| {
                    value
                        .get(k)
                        .map(|v| v.to_string().trim_matches('"').to_owned())
                        .unwrap_or_default()
                };
                let def = &i.definition;
                table.row(vec![
                    match def.item {
                        Some(n) => format!("{}({n})", def.task),
                        None => def.task.to_string(),
                    },
                    i.id.clone(),
                    def.title.clone(),
                    text("kind"),
                    if def.target.is_some() {
                        text("target")
                    } else {
                        "-".into()
                    },
                    def.unit.clone(),
                    i.lead_units.join("、"),
                ]);
            }
            write!(out, "\n{}", table.render())?;
        }
    }
    Ok(())
}

/// The facts of `plan import --report`, one per row.
fn render_report(report: &DraftReport) -> String {
    let rows = [
        ("parts", report.parts),
        ("categories", report.categories),
        ("tasks", report.tasks),
        ("items", report.items),
        ("items with a bracket", report.brackets),
        ("items without a lead unit", report.items_without_lead),
        ("targets in items", report.targets),
        ("targets outside any task (goals)", report.goal_targets),
        ("targets sure", report.sure),
        ("targets likely", report.likely),
        ("targets unsure (review first)", report.unsure),
        ("milestones", report.milestones),
        ("items with no numeric target", report.statuses),
        (
            "figures skipped (scope, dates, time frames)",
            report.skipped,
        ),
        ("lines not used", report.lines_not_used),
        ("lines joined (broken brackets)", report.joined_lines),
        ("warnings", report.warnings),
    ];
    let mut table = Table::new(&[("draft", Align::Left), ("count", Align::Right)]);
    for (fact, count) in rows {
        table.row(vec![fact.to_string(), count.to_string()]);
    }
    table.render()
}
