//! One indicator: its figures, its trail as a chart and a table.

use axum::extract::{Path, Query, State};
use axum::response::Response;
use maud::{Markup, html};

use super::*;
use crate::Pages;
use crate::chart;
use crate::format::{self, badge, bar, grouped, number, percent};
use crate::layout::{self, Frame, Section};
use crate::query::{PageParams, encode};

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
