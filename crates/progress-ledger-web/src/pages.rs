//! The reading pages: the dashboard (the plan tree), the lead units, the districts, and one
//! indicator with its trail.
//!
//! Every figure comes from [`progress_ledger_core::Tracker::progress`] for the page's moment,
//! the same query `/v1/progress` answers, and carries its exact value in a `data-` attribute
//! beside the rounded text (the browser tests compare the two).

use std::collections::{BTreeMap, HashMap};

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use maud::{Markup, html};
use progress_ledger_core::plan::{IndicatorKind, Plan};
use progress_ledger_core::projection::{
    IndicatorView, ItemView, NodeView, ProgressView, Schedule, unit_aliases,
};
use progress_ledger_core::{Error as CoreError, Head};
use rust_decimal::Decimal;

use crate::format::{self, badge, bar, grouped, number, percent};
use crate::layout::{self, Frame, Section};
use crate::query::{Moment, PageParams, encode};
use crate::{Pages, chart};

/// A page that could not be made: its status and what to tell the reader.
pub(crate) struct PageError {
    status: StatusCode,
    message: String,
}

impl PageError {
    pub(crate) fn bad_request(message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            message: message.into(),
        }
    }

    pub(crate) fn not_found(message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::NOT_FOUND,
            message: message.into(),
        }
    }
}

impl From<CoreError> for PageError {
    fn from(error: CoreError) -> Self {
        match &error {
            CoreError::Plan { .. } => Self::not_found(format!("账本中还没有这份方案：{error}")),
            CoreError::Rejected { .. } => Self::not_found(error.to_string()),
            _ => {
                tracing::error!(%error, "a page failed");
                Self {
                    status: StatusCode::INTERNAL_SERVER_ERROR,
                    message: format!("页面生成失败 (the page failed): {error}"),
                }
            }
        }
    }
}

/// The outcome of the last verification of the chain.
#[derive(Clone, Debug)]
pub(crate) struct Verified {
    ok: bool,
    events: u64,
    head: Head,
    problem: Option<String>,
}

/// Runs `make` on the blocking pool (replays and verification read the log) and answers HTML.
pub(crate) async fn render(
    pages: Pages,
    make: impl FnOnce(&Pages) -> Result<Markup, PageError> + Send + 'static,
) -> Response {
    let simulated = pages.config.simulated;
    let outcome = tokio::task::spawn_blocking(move || {
        let made = make(&pages);
        (made, plan_title(&pages))
    })
    .await;
    match outcome {
        Ok((Ok(markup), _)) => Html(markup.into_string()).into_response(),
        Ok((Err(error), plan)) => (
            error.status,
            Html(layout::error_page(&plan, simulated, &error.message).into_string()),
        )
            .into_response(),
        Err(_) => (StatusCode::INTERNAL_SERVER_ERROR, "the page failed").into_response(),
    }
}

fn plan_title(pages: &Pages) -> String {
    pages.tracker.with_live(|p| {
        p.catalog()
            .plans()
            .next()
            .map_or_else(|| "progress-ledger".to_owned(), |plan| plan.title.clone())
    })
}

/// The progress view and the plan (the live plan's structure) for a moment.
fn view_of(pages: &Pages, moment: &Moment) -> Result<(ProgressView, Plan), PageError> {
    let view = pages.tracker.progress(&moment.query())?;
    let plan = pages
        .tracker
        .with_live(|p| p.catalog().plan(&view.plan).cloned())
        .ok_or_else(|| PageError::not_found("账本中还没有这份方案 (no plan is loaded)"))?;
    Ok((view, plan))
}

fn moment_of(params: &PageParams) -> Result<Moment, PageError> {
    Moment::of(params).map_err(PageError::bad_request)
}

/// The verification of the whole chain, kept until the head moves.
fn verification(pages: &Pages) -> Verified {
    let ledger = pages.tracker.ledger();
    let seq = ledger.len();
    {
        let kept = pages.verified.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((at, verified)) = kept.as_ref() {
            if *at == seq {
                return verified.clone();
            }
        }
    }
    let verified = match ledger.verify() {
        Ok(report) => Verified {
            ok: report.ok(),
            events: report.events,
            head: report.head,
            problem: report.problem.map(|p| p.to_string()),
        },
        Err(error) => Verified {
            ok: false,
            events: 0,
            head: Head::EMPTY,
            problem: Some(error.to_string()),
        },
    };
    *pages.verified.lock().unwrap_or_else(|p| p.into_inner()) = Some((seq, verified.clone()));
    verified
}

fn status_of(text: Option<&str>) -> Option<Schedule> {
    format::STATUSES
        .into_iter()
        .find(|s| Some(s.as_str()) == text)
}

/// Orders `rows` by completion when the query asks for it (stable: ties keep the plan order).
fn sort_by<T>(rows: &mut [T], sort: Option<&str>, completion: impl Fn(&T) -> Decimal) {
    match sort {
        Some("completion") => rows.sort_by_key(|row| completion(row)),
        Some("-completion") => rows.sort_by_key(|row| std::cmp::Reverse(completion(row))),
        _ => {}
    }
}

const SORTS: [(&str, &str); 3] = [
    ("plan", "方案顺序"),
    ("completion", "完成率从低到高"),
    ("-completion", "完成率从高到低"),
];

// ---------------------------------------------------------------------------------------------
// Dashboard

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
    let report_date = moment.effective.unwrap_or(view.schedule_date);
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
                    @for (format, label) in [("markdown", "Markdown"), ("csv", "CSV"), ("json", "JSON")] {
                        a href={ "/v1/report?as_of=" (report_date) "&format=" (format) } download data-format=(format) { (label) }
                        " "
                    }
                }
                @if moment.as_of.is_some() { p class="muted" { "通报按当前已录入的记录生成" } }
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

fn indicator_row(moment: &Moment, indicator: &IndicatorView) -> Markup {
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

fn item_key(item: &ItemView) -> String {
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
        20..=99 if n % 10 == 0 => format!("{}十", digit(n / 10)),
        20..=99 => format!("{}十{}", digit(n / 10), digit(n % 10)),
        _ => n.to_string(),
    }
}

// ---------------------------------------------------------------------------------------------
// Units

/// `GET /units`: every lead unit, its items and how many are behind.
pub(crate) async fn units(
    State(pages): State<Pages>,
    Query(params): Query<PageParams>,
) -> Response {
    render(pages, move |pages| units_page(pages, &params)).await
}

fn units_page(pages: &Pages, params: &PageParams) -> Result<Markup, PageError> {
    let moment = moment_of(params)?;
    let (view, _) = view_of(pages, &moment)?;
    let sort = params.sort.as_deref().unwrap_or("behind");
    let mut units: Vec<_> = view.units.iter().collect();
    match sort {
        "completion" => units.sort_by_key(|u| u.completion),
        "-completion" => units.sort_by_key(|u| std::cmp::Reverse(u.completion)),
        "name" => units.sort_by(|a, b| a.unit.cmp(&b.unit)),
        _ => units.sort_by_key(|u| {
            (
                std::cmp::Reverse(u.counts.behind),
                std::cmp::Reverse(u.counts.not_started),
            )
        }),
    }
    let sorts = [
        ("behind", "滞后事项多的在前"),
        ("completion", "完成率从低到高"),
        ("-completion", "完成率从高到低"),
        ("name", "按名称"),
    ];
    let body = html! {
        h1 { "牵头单位" }
        p class="muted" { "每个牵头单位所牵头事项的平均完成率，以及滞后、未启动、按进度、已完成的事项数。点单位名看它落后在哪些事项上。" }
        form class="filters" method="get" action="/units" {
            select name="sort" aria-label="排序" {
                @for (value, label) in sorts { option value=(value) selected[sort == value] { (label) } }
            }
            @if let Some(text) = &moment.as_of_text { input type="hidden" name="as_of" value=(text); }
            @if let Some(date) = moment.effective { input type="hidden" name="effective" value=(date); }
            button type="submit" { "排序" }
        }
        div class="table-wrap" {
            table class="units" id="units" {
                thead { tr { th { "单位" } th { "事项" } th { "完成率" } th { "滞后" } th { "未启动" } th { "按进度" } th { "已完成" } } }
                tbody {
                    @for unit in &units {
                        @let status = progress_ledger_core::projection::schedule(unit.completion, unit.counts.not_started < unit.items, view.elapsed);
                        tr data-kind="unit" data-id=(unit.unit) data-completion=(number(unit.completion)) data-behind=(unit.counts.behind) {
                            td { a href=(moment.link(&format!("/units/{}", encode(&unit.unit)))) { (unit.unit) } }
                            td { (unit.items) }
                            td class="barcell" { (bar(unit.completion, status)) }
                            td class=[(unit.counts.behind > 0).then_some("behind")] { (unit.counts.behind) }
                            td { (unit.counts.not_started) }
                            td { (unit.counts.on_track) }
                            td { (unit.counts.met) }
                        }
                    }
                }
            }
        }
    };
    Ok(layout::page(
        Frame {
            title: "牵头单位",
            section: Section::Units,
            plan: &view.title,
            simulated: pages.config.simulated,
            moment: Some((&moment, "/units")),
            keep: vec![("sort", sort.to_owned())],
        },
        body,
    ))
}

/// `GET /units/{unit}`: the items one unit leads or cooperates on, the ones behind first.
pub(crate) async fn unit(
    State(pages): State<Pages>,
    Path(unit): Path<String>,
    Query(params): Query<PageParams>,
) -> Response {
    render(pages, move |pages| unit_page(pages, &unit, &params)).await
}

fn unit_page(pages: &Pages, unit: &str, params: &PageParams) -> Result<Markup, PageError> {
    let moment = moment_of(params)?;
    let (view, plan) = view_of(pages, &moment)?;
    let aliases = unit_aliases(&plan);
    let canonical = |name: &str| {
        aliases
            .get(name.trim())
            .copied()
            .unwrap_or(name.trim())
            .to_owned()
    };
    let me = canonical(unit);
    let by_id: HashMap<&str, &IndicatorView> =
        view.indicators.iter().map(|i| (i.id.as_str(), i)).collect();
    let mut led: Vec<&ItemView> = view
        .items
        .iter()
        .filter(|i| i.lead_units.iter().any(|u| canonical(u) == me))
        .collect();
    let mut cooperating: Vec<&ItemView> = view
        .items
        .iter()
        .filter(|i| i.cooperating_units.iter().any(|u| canonical(u) == me))
        .collect();
    if led.is_empty() && cooperating.is_empty() {
        return Err(PageError::not_found(format!(
            "方案中没有名为 {me} 的单位牵头或配合的事项"
        )));
    }
    let urgency = |i: &&ItemView| (i.status, i.completion);
    led.sort_by_key(urgency);
    cooperating.sort_by_key(urgency);
    let list = |items: &[&ItemView]| {
        html! {
            ul class="unit-items" {
                @for item in items {
                    li data-kind="item" data-id=(item_key(item)) data-status=(item.status.as_str()) data-completion=(number(item.completion)) {
                        div class="row" {
                            span class="title" { (item.task) (item.item.map(|n| format!("（{n}）")).unwrap_or_default()) " " (item.title) }
                            (bar(item.completion, item.status)) (badge(item.status))
                        }
                        ul class="indicators" {
                            @for id in &item.indicators {
                                @if let Some(indicator) = by_id.get(id.as_str()) { (indicator_row(&moment, indicator)) }
                            }
                        }
                    }
                }
            }
        }
    };
    let path = format!("/units/{}", encode(unit));
    let body = html! {
        h1 id="unit-name" { (me) }
        @if let Some(u) = view.units.iter().find(|u| u.unit == me) {
            p {
                "牵头 " (u.items) " 个事项，平均完成率 " span data-completion=(number(u.completion)) { (percent(u.completion)) }
                "；滞后 " strong class="behind" { (u.counts.behind) } "，未启动 " (u.counts.not_started) "，按进度 " (u.counts.on_track) "，已完成 " (u.counts.met) "。"
            }
        }
        @if !led.is_empty() { h2 { "牵头事项（滞后的在前）" } (list(&led)) }
        @if !cooperating.is_empty() { h2 { "配合事项" } (list(&cooperating)) }
    };
    Ok(layout::page(
        Frame {
            title: &me,
            section: Section::Units,
            plan: &view.title,
            simulated: pages.config.simulated,
            moment: Some((&moment, &path)),
            keep: Vec::new(),
        },
        body,
    ))
}

// ---------------------------------------------------------------------------------------------
// Districts

/// `GET /districts`: per district, the figures reported for it.
pub(crate) async fn districts(
    State(pages): State<Pages>,
    Query(params): Query<PageParams>,
) -> Response {
    render(pages, move |pages| districts_page(pages, &params)).await
}

fn districts_page(pages: &Pages, params: &PageParams) -> Result<Markup, PageError> {
    let moment = moment_of(params)?;
    let (view, plan) = view_of(pages, &moment)?;
    let by_id: HashMap<&str, &IndicatorView> =
        view.indicators.iter().map(|i| (i.id.as_str(), i)).collect();
    let reported: HashMap<&str, &progress_ledger_core::projection::DistrictView> = view
        .districts
        .iter()
        .map(|d| (d.district.as_str(), d))
        .collect();
    // Coverage indicators: which districts meet the per-district target.
    let coverage: Vec<&IndicatorView> = view
        .indicators
        .iter()
        .filter(|i| i.kind == IndicatorKind::Coverage)
        .collect();
    let body = html! {
        h1 { "县(市)区" }
        p class="muted" { "各县(市)区、开发区报送的数字。覆盖类指标按每个县(市)区是否达到目标计；未报送的县(市)区标为“未报送”。" }
        @if !coverage.is_empty() {
            h2 { "覆盖类指标：各县(市)区是否达标" }
            div class="table-wrap" {
                table class="coverage" id="coverage" {
                    thead { tr { th { "县(市)区" } @for c in &coverage { th { a href=(moment.link(&format!("/indicators/{}", c.id))) { (c.title) } } } } }
                    tbody {
                        @for district in &plan.districts {
                            tr data-district=(district.name) {
                                th { (district.name) }
                                @for c in &coverage {
                                    @let value = reported.get(district.name.as_str()).and_then(|d| d.indicators.iter().find(|v| v.id == c.id));
                                    @match value {
                                        Some(v) if v.met == Some(true) => td class="met" data-met="true" { "✓ " (grouped(v.value)) },
                                        Some(v) => td class="behind" data-met="false" { (grouped(v.value)) },
                                        None => td class="none" { "未报送" },
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        h2 { "各县(市)区报送的指标" }
        @for district in &plan.districts {
            @let values = reported.get(district.name.as_str()).map(|d| d.indicators.as_slice()).unwrap_or(&[]);
            details class="district" data-kind="district" data-id=(district.name) open[values.len() <= 8 && !values.is_empty()] {
                summary { span class="title" { (district.name) } span class="muted" { " 报送 " (values.len()) " 个指标" } }
                @if values.is_empty() {
                    p class="muted" { "尚未报送" }
                } @else {
                    ul class="indicators" {
                        @for value in values {
                            @let indicator = by_id.get(value.id.as_str());
                            li data-id=(value.id) data-value=(number(value.value)) {
                                a href=(moment.link(&format!("/indicators/{}", value.id))) { (indicator.map_or(value.id.as_str(), |i| i.title.as_str())) }
                                " " span class="figure" { (grouped(value.value)) " " (indicator.map_or("", |i| i.unit.as_str())) }
                                @match value.met { Some(true) => span class="badge status-met" { "达标" }, Some(false) => span class="badge status-behind" { "未达标" }, None => {} }
                            }
                        }
                    }
                }
            }
        }
    };
    Ok(layout::page(
        Frame {
            title: "县(市)区",
            section: Section::Districts,
            plan: &view.title,
            simulated: pages.config.simulated,
            moment: Some((&moment, "/districts")),
            keep: Vec::new(),
        },
        body,
    ))
}

// ---------------------------------------------------------------------------------------------
// Indicator

/// `GET /indicators/{id}`: one indicator, its figures, its trail as a chart and a table.
pub(crate) async fn indicator(
    State(pages): State<Pages>,
    Path(id): Path<String>,
    Query(params): Query<PageParams>,
) -> Response {
    render(pages, move |pages| indicator_page(pages, &id, &params)).await
}

fn indicator_page(pages: &Pages, id: &str, params: &PageParams) -> Result<Markup, PageError> {
    let moment = moment_of(params)?;
    let (view, _) = view_of(pages, &moment)?;
    let Some(indicator) = view.indicators.iter().find(|i| i.id == id) else {
        return Err(PageError::not_found(format!(
            "没有编号为 {id} 的指标 (no such indicator)"
        )));
    };
    let item = view
        .items
        .iter()
        .find(|i| i.task == indicator.task && i.item == indicator.item);
    let task = view.tasks.iter().find(|t| t.number == indicator.task);
    let spec_source = pages
        .tracker
        .with_live(|p| p.catalog().indicator(id).map(|d| d.spec.source.clone()))
        .unwrap_or_default();
    let trail = chart::trail(&pages.tracker, id, &moment)?;
    let path = format!("/indicators/{id}");
    let body = html! {
        p class="crumbs" {
            a href=(moment.link("/")) { "总览" } " › "
            @if let Some(task) = task { (task.number) ". " (task.title) " › " }
            @if let Some(item) = item { (item.title) }
        }
        h1 id="indicator-title" { (indicator.title) }
        @if !spec_source.is_empty() { p class="source" { "方案原文：“" (spec_source) "”" } }
        div class="summary" id="figures" data-kind="indicator" data-id=(indicator.id)
            data-completion=(number(indicator.completion.capped))
            data-completion-raw=(number(indicator.completion.raw))
            data-value=(indicator.value.map(number).unwrap_or_default())
            data-target=(indicator.target.map(number).unwrap_or_default())
            data-status=(indicator.status.as_str()) {
            div class="card" { h2 { "当前值" } div class="big" { (indicator.value.map(grouped).unwrap_or_else(|| "—".into())) } p class="muted" { (indicator.unit) " · " (format::kind_label(indicator.kind)) "类指标" } }
            div class="card" { h2 { "目标" } div class="big" { (indicator.target.map(grouped).unwrap_or_else(|| "—".into())) } p class="muted" { @if indicator.direction == progress_ledger_core::plan::Direction::AtMost { "不高于" } @else { "不低于" } } }
            div class="card" { h2 { "完成率" } div class="big" { (percent(indicator.completion.capped)) } (bar(indicator.completion.capped, indicator.status)) (badge(indicator.status)) }
            div class="card" { h2 { "计入的更新" } div class="big" { (indicator.updates) } @if let Some(item) = item { p class="muted" { "牵头：" (item.lead_units.join("、")) } } }
        }
        h2 { "走势" }
        p class="muted" { "横轴为业务日期；每个点是一条计入的事件（点击查看），虚线为目标，▼ 标出更正，◆ 标出目标调整。" }
        div id="chart" class="chart" role="img" aria-label={ (indicator.title) " 的走势图" } data-points=(trail.points) {}
        (layout::json_script("chart-data", &trail.chart))
        h2 { "记录（" (trail.rows.len()) " 条事件）" }
        p { a href={ "/record?indicator=" (encode(id)) } { "为此指标填报" } }
        div class="table-wrap" {
            table class="trail" id="trail" {
                thead { tr { th { "#" } th { "业务日期" } th { "录入时间" } th { "内容" } th { "单位" } th { "备注" } th { "" } } }
                tbody {
                    @for row in &trail.rows {
                        tr id={ "e-" (row.id) } data-event=(row.id) data-seq=(row.seq) class=[row.class] {
                            td { (row.seq) }
                            td { (row.effective) }
                            td { (format::time(row.recorded_at)) }
                            td { (row.what) }
                            td { (row.actor) }
                            td { (row.note) }
                            td { @if row.correctable { a class="correct" href={ "/record?indicator=" (encode(id)) "&corrects=" (row.id) } { "更正" } } }
                        }
                    }
                }
            }
        }
        script src={ "/assets/" (crate::assets::ECHARTS) } defer {}
        script src="/assets/chart.js" defer {}
    };
    Ok(layout::page(
        Frame {
            title: &indicator.title,
            section: Section::Indicator,
            plan: &view.title,
            simulated: pages.config.simulated,
            moment: Some((&moment, &path)),
            keep: Vec::new(),
        },
        body,
    ))
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
