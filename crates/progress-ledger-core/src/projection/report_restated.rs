//! The report's section on restatements: what changed in an earlier report's figures, each
//! change with its causes, in Markdown and CSV.

use std::fmt::Write as _;

use rust_decimal::Decimal;

use super::figures::Figure;
use super::refs::Contributed;
use super::report::{Restated, csv_field, percent};
use super::restate::{Cause, CauseKind, Restatement};
use super::trace::Subject;

impl CauseKind {
    /// Chinese label with the snake_case name, as reports print it: `补报 (late_report)`.
    pub fn label(self) -> &'static str {
        match self {
            CauseKind::LateReport => "补报 (late_report)",
            CauseKind::Correction => "更正 (correction)",
            CauseKind::TargetRevised => "目标调整 (target_revised)",
            CauseKind::IndicatorAdded => "新增指标 (indicator_added)",
            CauseKind::IndicatorRetired => "指标退出 (indicator_retired)",
            CauseKind::Redefined => "重新定义 (redefined)",
            CauseKind::PlanRedefined => "方案调整 (plan_redefined)",
        }
    }
}

impl Subject {
    /// Whose figure, in Chinese, as reports print it: `任务 2`, `事项 2(1)`, `指标 <id>`.
    pub fn label(&self) -> String {
        match self {
            Subject::Plan => "总体".to_owned(),
            Subject::Part { number } => format!("部分 {number}"),
            Subject::Category { number } => format!("类别 {number}"),
            Subject::Task { number } => format!("任务 {number}"),
            Subject::Item {
                task,
                item: Some(item),
            } => format!("事项 {task}({item})"),
            Subject::Item { task, item: None } => format!("事项 {task}"),
            Subject::Indicator { id } => format!("指标 {id}"),
        }
    }
}

impl Cause {
    /// The cause in one line, as reports print it: its kind and event, the update it voided,
    /// what it counted, a target it changed, and its reason.
    pub fn line(&self) -> String {
        cause_text(self)
    }
}

impl Restatement {
    /// Every cause of the change in one line, then the restated indicators under a rollup,
    /// joined with `；`.
    pub fn causes_line(&self) -> String {
        causes_text(self)
    }
}

fn number(value: Decimal) -> String {
    value.normalize().to_string()
}

fn figure_text(figure: Option<&Figure>) -> String {
    let Some(figure) = figure else {
        return "—".to_owned();
    };
    let mut parts = Vec::new();
    match (figure.value, figure.target) {
        (Some(value), Some(target)) => {
            parts.push(format!("{} / {}", number(value), number(target)))
        }
        (Some(value), None) => parts.push(number(value)),
        _ => {}
    }
    parts.push(percent(figure.completion));
    if let Some(status) = figure.status {
        parts.push(status.label_zh().to_owned());
    }
    parts.join(" ")
}

fn contribution_text(contribution: &Contributed) -> String {
    let mut parts = Vec::new();
    if let Some(district) = &contribution.district {
        parts.push(district.clone());
    }
    if let Some(amount) = contribution.amount {
        parts.push(number(amount));
    }
    if let Some(deliverable) = &contribution.deliverable {
        parts.push(deliverable.clone());
    }
    if let Some(status) = contribution.status {
        parts.push(status.label_zh().to_owned());
    }
    parts.join(" ")
}

fn cause_text(cause: &Cause) -> String {
    let event = &cause.event;
    let mut text = format!(
        "{} seq {}（{}，{}）",
        cause.kind.label(),
        event.seq,
        event.effective,
        event.actor
    );
    if let Some(voided) = &cause.voids {
        let _ = write!(
            text,
            " 作废 seq {}（{}）",
            voided.event.seq,
            contribution_text(&voided.contribution)
        );
    }
    if let Some(contribution) = &cause.contribution {
        let verb = if cause.kind == CauseKind::Correction {
            "改为"
        } else {
            "计入"
        };
        let _ = write!(text, " {verb} {}", contribution_text(contribution));
    }
    if let Some(target) = &cause.target {
        let show = |t: Option<Decimal>| t.map_or_else(|| "—".to_owned(), number);
        let _ = write!(
            text,
            " 目标 {} → {}",
            show(target.before),
            show(target.after)
        );
    }
    if let Some(reason) = &cause.reason {
        let _ = write!(text, " 理由:{reason}");
    }
    text
}

fn causes_text(change: &Restatement) -> String {
    let mut all: Vec<String> = change.causes.iter().map(cause_text).collect();
    if !change.indicators.is_empty() {
        all.push(format!("指标 {}", change.indicators.join("、")));
    }
    all.join("；")
}

/// The section in Markdown.
pub(super) fn markdown(out: &mut String, restated: &Restated) {
    let r = &restated.restatements;
    let _ = writeln!(
        out,
        "## 重述：{} 通报数字的变更 (restatements since the report of {})\n",
        r.effective, r.effective
    );
    let _ = writeln!(
        out,
        "{} 的通报按 {} 记录的账本计算（head seq {}, hash {}）；按本通报的账本（head seq {}），其中 {} 个数字已变更。\n",
        r.effective,
        restated.as_of,
        r.from.seq,
        r.from.hash,
        r.to.seq,
        r.changes.len()
    );
    if r.changes.is_empty() {
        out.push_str("无变更。\n\n");
        return;
    }
    let _ = writeln!(
        out,
        "| 对象 | 名称 | 原数 | 现数 | 原因 |\n| --- | --- | --- | --- | --- |"
    );
    for change in &r.changes {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} |",
            change.subject.label(),
            change.title.replace('|', "｜"),
            figure_text(change.before.as_ref()),
            figure_text(change.after.as_ref()),
            causes_text(change).replace('|', "｜")
        );
    }
    out.push('\n');
}

/// The section in CSV: a table of its own after a blank line, one row per change.
pub(super) fn csv(out: &mut String, restated: &Restated) {
    let r = &restated.restatements;
    out.push_str(
        "\nrestated_date,from_seq,from_hash,subject,title,before_value,after_value,\
         before_target,after_target,before_completion,after_completion,before_status,\
         after_status,causes\n",
    );
    let value = |figure: Option<&Figure>, pick: fn(&Figure) -> Option<Decimal>| {
        figure
            .and_then(pick)
            .map(|v| v.to_string())
            .unwrap_or_default()
    };
    for change in &r.changes {
        let (before, after) = (change.before.as_ref(), change.after.as_ref());
        let status = |f: Option<&Figure>| {
            f.and_then(|f| f.status)
                .map(|s| s.as_str().to_owned())
                .unwrap_or_default()
        };
        let _ = writeln!(
            out,
            "{},{},{},{},{},{},{},{},{},{},{},{},{},{}",
            r.effective,
            r.from.seq,
            r.from.hash,
            csv_field(&change.subject.to_string()),
            csv_field(&change.title),
            value(before, |f| f.value),
            value(after, |f| f.value),
            value(before, |f| f.target),
            value(after, |f| f.target),
            value(before, |f| Some(f.completion)),
            value(after, |f| Some(f.completion)),
            status(before),
            status(after),
            csv_field(&causes_text(change))
        );
    }
}
