//! The dashboard: the plan tree with completion bars and statuses, filtered and sorted.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::response::Response;
use maud::{Markup, html};
use progress_ledger_core::plan::IndicatorKind;
use progress_ledger_core::projection::{IndicatorView, ItemView, NodeView, ProgressView, Schedule};
use rust_decimal::Decimal;

use super::*;
use crate::Pages;
use crate::format::{self, badge, bar, grouped, number, percent};
use crate::layout::{self, Frame, Section};
use crate::query::{Moment, PageParams, encode};

/// `GET /`: the plan tree.
pub(crate) async fn dashboard(
    State(pages): State<Pages>,
    Query(params): Query<PageParams>,
) -> Response {
    render(pages, move |pages| dashboard_page(pages, &params)).await
}

/// One indicator's place in the tree, and whether the filters keep it.
struct Row<'a> {
    view: &'a IndicatorView,
    kept: bool,
}

fn dashboard_page(pages: &Pages, params: &PageParams) -> Result<Markup, PageError> {
    let moment = moment_of(params)?;
    let (view, plan) = view_of(pages, &moment)?;
    let verified = verification(pages);
    let status = status_of(params.status.as_deref());
    let words = params.q.as_deref().map(str::trim).unwrap_or_default();
    let sort = params.sort.as_deref();
    let filtering = status.is_some() || !words.is_empty();

    let parts: HashMap<u32, &NodeView> = view.parts.iter().map(|n| (n.number, n)).collect();
    let categories: HashMap<u32, &NodeView> =
        view.categories.iter().map(|n| (n.number, n)).collect();
    let tasks: HashMap<u32, &NodeView> = view.tasks.iter().map(|n| (n.number, n)).collect();
    let items: HashMap<(u32, Option<u32>), &ItemView> =
        view.items.iter().map(|i| ((i.task, i.item), i)).collect();
    let mut indicators: HashMap<(u32, Option<u32>), Vec<Row<'_>>> = HashMap::new();
    for indicator in &view.indicators {
        let item = items.get(&(indicator.task, indicator.item));
        let task = tasks.get(&indicator.task);
        let text_matches = words.is_empty()
            || [
                indicator.title.as_str(),
                indicator.id.as_str(),
                item.map_or("", |i| i.title.as_str()),
                task.map_or("", |t| t.title.as_str()),
            ]
            .iter()
            .any(|t| t.contains(words))
            || item.is_some_and(|i| {
                i.lead_units
                    .iter()
                    .chain(&i.cooperating_units)
                    .any(|u| u.contains(words))
            });
        let kept = text_matches && status.is_none_or(|s| indicator.status == s);
        indicators
            .entry((indicator.task, indicator.item))
            .or_default()
            .push(Row {
                view: indicator,
                kept,
            });
    }
    let shown = indicators.values().flatten().filter(|r| r.kept).count();
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for item in &view.items {
        *counts.entry(item.status.as_str()).or_default() += 1;
    }
    let report_date = crate::report::report_date(&moment);
    let keep = filter_fields(params);

    // The tree, leaves first: which nodes have kept indicators, in the order asked for.
    let kept_in = |task: u32, item: Option<u32>| {
        indicators
            .get(&(task, item))
            .is_some_and(|rows| rows.iter().any(|r| r.kept))
    };
    type Tasks<'p> = Vec<(&'p progress_ledger_core::plan::Task, &'p NodeView)>;
    type Categories<'p> = Vec<(
        &'p progress_ledger_core::plan::Category,
        &'p NodeView,
        Tasks<'p>,
    )>;
    let mut tree: Vec<(&progress_ledger_core::plan::Part, &NodeView, Categories<'_>)> = Vec::new();
    for part in &plan.parts {
        let Some(part_view) = parts.get(&part.number) else {
            continue;
        };
        let mut category_list = Vec::new();
        for category in &part.categories {
            let Some(category_view) = categories.get(&category.number) else {
                continue;
            };
            let mut task_list: Tasks<'_> = category
                .tasks
                .iter()
                .filter(|t| t.items.iter().any(|i| kept_in(t.number, i.number)))
                .filter_map(|t| tasks.get(&t.number).map(|v| (t, *v)))
                .collect();
            sort_by(&mut task_list, sort, |(_, v)| v.completion);
            if !task_list.is_empty() {
                category_list.push((category, *category_view, task_list));
            }
        }
        sort_by(&mut category_list, sort, |(_, v, _)| v.completion);
        if !category_list.is_empty() {
            tree.push((part, *part_view, category_list));
        }
    }
    sort_by(&mut tree, sort, |(_, v, _)| v.completion);

    let body = html! {
        section class="summary" {
            div class="card" data-kind="plan" data-id=(view.plan) data-completion=(number(view.completion)) {
                h2 { "总体完成率" }
                div class="big" { (percent(view.completion)) }
                (bar(view.completion, overall_status(&view)))
            }
            div class="card" {
                h2 { "时间进度" }
                div class="big" data-elapsed=(number(view.elapsed)) { (percent(view.elapsed)) }
                p class="muted" { "按 " (view.schedule_date) " 计（方案期 " (plan.period_start) " 至 " (plan.period_end) "）" }
            }
            div class="card" {
                h2 { "事项状态" }
                ul class="counts" {
                    @for s in format::STATUSES {
                        li {
                            a href=(moment.link(&format!("/?status={}", s.as_str()))) {
                                (badge(s)) " "
                                span data-count=(s.as_str()) { (counts.get(s.as_str()).copied().unwrap_or(0)) }
                            }
                        }
                    }
                }
                p class="muted" { "共 " (view.items.len()) " 个事项、" (view.indicators.len()) " 个指标" }
            }
            div class="card" id="verification" data-ok=(verified.ok) data-seq=(verified.head.seq) {
                h2 { "账本校验" }
                @if verified.ok {
                    div class="ok" { "✓ 哈希链完整" }
                } @else {
                    div class="bad" role="alert" { "✗ 校验发现问题：" (verified.problem.as_deref().unwrap_or("")) }
                }
                p class="muted" {
                    "共 " (verified.events) " 条事件；链头 #" (verified.head.seq) " "
                    code title=(verified.head.hash.to_string()) { (short_hash(&verified.head.hash.to_string())) }
                }
                p class="muted" { "本页数据截至事件 #" (view.seq) }
            }
            div class="card" id="reports" {
                h2 { "督查通报" }
                p { "业务日期 " (report_date) "：" }
                p class="downloads" {
                    a href=(moment.link("/report?format=markdown")) download data-format="markdown" { "Markdown" } " "
                    a href=(moment.link("/report?format=csv")) download data-format="csv" { "CSV" } " "
                    a href={ "/v1/report?as_of=" (report_date) "&format=json" } download data-format="json" { "JSON" }
                }
                @if moment.as_of.is_some() { p class="muted" { "JSON 由 API 按当前已录入的记录生成" } }
            }
        }
        form class="filters" method="get" action="/" {
            input type="search" name="q" value=(words) placeholder="按名称、单位筛选" aria-label="按名称、单位筛选";
            select name="status" aria-label="状态" {
                option value="" { "全部状态" }
                @for s in format::STATUSES {
                    option value=(s.as_str()) selected[status == Some(s)] { (format::status_label(s)) }
                }
            }
            select name="sort" aria-label="排序" {
                @for (value, label) in SORTS {
                    option value=(value) selected[sort.unwrap_or("plan") == value] { (label) }
                }
            }
            @if let Some(text) = &moment.as_of_text { input type="hidden" name="as_of" value=(text); }
            @if let Some(date) = moment.effective { input type="hidden" name="effective" value=(date); }
            button type="submit" { "筛选" }
            @if filtering { a href=(moment.link("/")) { "清除" } }
            span class="muted" id="shown-count" data-shown=(shown) { "显示 " (shown) " / " (view.indicators.len()) " 个指标" }
        }
        p class="legend" {
            @for s in format::STATUSES { (badge(s)) " " }
            button type="button" class="link" data-toggle="open" { "全部展开" }
            button type="button" class="link" data-toggle="close" { "全部收起" }
        }
        div class="tree" id="tree" {
            @for (part, part_view, category_list) in &tree {
                details class="node part" open data-kind="part" data-id=(part.number) data-completion=(number(part_view.completion)) data-status=(part_view.status.as_str()) {
                    summary { span class="title" { (chinese_number(part.number)) "、" (part.title) } (bar(part_view.completion, part_view.status)) (badge(part_view.status)) }
                    @for (category, category_view, task_list) in category_list {
                        details class="node category" open data-kind="category" data-id=(category.number) data-completion=(number(category_view.completion)) data-status=(category_view.status.as_str()) {
                            summary { span class="title" { "（" (chinese_number(category.number)) "）" (category.title) } (bar(category_view.completion, category_view.status)) (badge(category_view.status)) }
                            @for (task, task_view) in task_list {
                                details class="node task" open[filtering] data-kind="task" data-id=(task.number) data-completion=(number(task_view.completion)) data-status=(task_view.status.as_str()) {
                                    summary { span class="title" { (task.number) ". " (task.title) } (bar(task_view.completion, task_view.status)) (badge(task_view.status)) }
                                    @for item in task.items.iter().filter(|i| kept_in(task.number, i.number)) {
                                        @if let Some(item_view) = items.get(&(task.number, item.number)) {
                                            (item_block(&moment, item_view, indicators.get(&(task.number, item.number)).map(Vec::as_slice).unwrap_or(&[]), sort))
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            @if shown == 0 { p class="empty" { "没有符合条件的指标" } }
        }
        script src="/assets/app.js" defer {}
    };
    Ok(layout::page(
        Frame {
            title: "总览",
            section: Section::Dashboard,
            plan: &view.title,
            simulated: pages.config.simulated,
            moment: Some((&moment, "/")),
            keep,
        },
        body,
    ))
}

fn item_block(moment: &Moment, item: &ItemView, rows: &[Row<'_>], sort: Option<&str>) -> Markup {
    let mut kept: Vec<&Row<'_>> = rows.iter().filter(|r| r.kept).collect();
    sort_by(&mut kept, sort, |r| r.view.completion.capped);
    let number = item.item.map(|n| format!("（{n}）")).unwrap_or_default();
    html! {
        div class="item" data-kind="item" data-id=(item_key(item)) data-completion=(format::number(item.completion)) data-status=(item.status.as_str()) {
            div class="row" {
                span class="title" { (number) (item.title) }
                (bar(item.completion, item.status)) (badge(item.status))
            }
            p class="units" {
                "牵头："
                @for (i, unit) in item.lead_units.iter().enumerate() {
                    @if i > 0 { "、" }
                    a href=(moment.link(&format!("/units/{}", encode(unit)))) { (unit) }
                }
                @if !item.cooperating_units.is_empty() {
                    " · 配合：" (item.cooperating_units.join("、"))
                }
            }
            ul class="indicators" {
                @for row in kept {
                    (indicator_row(moment, row.view))
                }
            }
        }
    }
}

pub(super) fn indicator_row(moment: &Moment, indicator: &IndicatorView) -> Markup {
    html! {
        li class="indicator" data-kind="indicator" data-id=(indicator.id)
            data-completion=(number(indicator.completion.capped))
            data-completion-raw=(number(indicator.completion.raw))
            data-value=(indicator.value.map(number).unwrap_or_default())
            data-target=(indicator.target.map(number).unwrap_or_default())
            data-status=(indicator.status.as_str()) {
            a class="title" href=(moment.link(&format!("/indicators/{}", indicator.id))) { (indicator.title) }
            span class="figure" { (figure(indicator)) }
            (bar(indicator.completion.capped, indicator.status))
            (badge(indicator.status))
        }
    }
}

/// "1,200 / 16,000 个" — the value against the target, as the kind reads.
fn figure(indicator: &IndicatorView) -> String {
    let value = indicator.value.map(grouped).unwrap_or_else(|| "—".into());
    match indicator.kind {
        IndicatorKind::Status => match indicator.value {
            Some(v) if v >= Decimal::ONE => "已完成".into(),
            Some(v) if v > Decimal::ZERO => "推进中".into(),
            _ => "未开始".into(),
        },
        IndicatorKind::Coverage => format!("{value} 个县(市)区达标"),
        IndicatorKind::Milestones => format!("已完成 {value} 项"),
        _ => match indicator.target {
            Some(target) => format!("{value} / {} {}", grouped(target), indicator.unit),
            None => format!("{value} {}", indicator.unit),
        },
    }
}

pub(super) fn item_key(item: &ItemView) -> String {
    match item.item {
        Some(n) => format!("{}-{n}", item.task),
        None => format!("{}", item.task),
    }
}

fn overall_status(view: &ProgressView) -> Schedule {
    progress_ledger_core::projection::schedule(
        view.completion,
        view.indicators.iter().any(|i| i.updates > 0),
        view.elapsed,
    )
}

fn filter_fields(params: &PageParams) -> Vec<(&'static str, String)> {
    let mut keep = Vec::new();
    for (name, value) in [
        ("q", &params.q),
        ("status", &params.status),
        ("sort", &params.sort),
    ] {
        if let Some(value) = value.as_deref().filter(|v| !v.is_empty()) {
            keep.push((name, value.to_owned()));
        }
    }
    keep
}

fn short_hash(hash: &str) -> &str {
    hash.get(..12).unwrap_or(hash)
}

/// 1 → 一 … 99 (the plan's parts and categories are numbered so).
pub(crate) fn chinese_number(n: u32) -> String {
    const DIGITS: [&str; 10] = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    let digit = |d: u32| DIGITS[usize::try_from(d).unwrap_or(0) % 10];
    match n {
        0..=9 => digit(n).to_owned(),
        10 => "十".to_owned(),
        11..=19 => format!("十{}", digit(n % 10)),
        20..=99 if n.is_multiple_of(10) => format!("{}十", digit(n / 10)),
        20..=99 => format!("{}十{}", digit(n / 10), digit(n % 10)),
        _ => n.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_and_categories_are_numbered_in_chinese() {
        assert_eq!(chinese_number(1), "一");
        assert_eq!(chinese_number(10), "十");
        assert_eq!(chinese_number(14), "十四");
        assert_eq!(chinese_number(20), "二十");
        assert_eq!(chinese_number(23), "二十三");
    }
}
