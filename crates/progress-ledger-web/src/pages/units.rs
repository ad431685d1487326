//! The views per lead unit and per district.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::response::Response;
use maud::{Markup, html};
use progress_ledger_core::plan::IndicatorKind;
use progress_ledger_core::projection::{IndicatorView, ItemView, unit_aliases};

use super::dashboard::{indicator_row, item_key};
use super::*;
use crate::Pages;
use crate::format::{badge, bar, grouped, number, percent};
use crate::layout::{self, Frame, Section};
use crate::query::{PageParams, encode};

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
