//! The frame of every page: head, navigation, the simulated-data label, the two date pickers.

use maud::{DOCTYPE, Markup, PreEscaped, html};

use crate::format;
use crate::query::Moment;

/// Which part of the site a page belongs to (highlighted in the navigation).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Section {
    Dashboard,
    Units,
    Districts,
    Indicator,
    Record,
}

/// What the frame needs to know about a page.
pub(crate) struct Frame<'a> {
    /// The page's own title (the browser tab's first words).
    pub(crate) title: &'a str,
    pub(crate) section: Section,
    /// The plan's title, shown at the top.
    pub(crate) plan: &'a str,
    pub(crate) simulated: bool,
    /// The moment shown, with the path the pickers replay (None: the page has no pickers).
    pub(crate) moment: Option<(&'a Moment, &'a str)>,
    /// Other query fields the pickers keep (filters).
    pub(crate) keep: Vec<(&'static str, String)>,
}

/// The label every page with simulated figures carries.
pub(crate) fn simulated_label() -> Markup {
    html! {
        div class="simulated" role="note" data-simulated="true" {
            strong { "模拟数据" }
            " · 本页数字是演示用的模拟数据，并非真实进展（simulated figures for demonstration, not real progress）"
        }
    }
}

/// A whole page.
pub(crate) fn page(frame: Frame<'_>, body: Markup) -> Markup {
    let link = |path: &str| match frame.moment {
        Some((moment, _)) => moment.link(path),
        None => path.to_owned(),
    };
    let nav = [
        (Section::Dashboard, "/", "总览"),
        (Section::Units, "/units", "牵头单位"),
        (Section::Districts, "/districts", "县(市)区"),
        (Section::Record, "/record", "填报"),
    ];
    html! {
        (DOCTYPE)
        html lang="zh-CN" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (frame.title) " · " (frame.plan) }
                link rel="stylesheet" href="/assets/app.css";
            }
            body data-section=(format!("{:?}", frame.section).to_lowercase()) {
                header class="top" {
                    div class="plan-title" { a href=(link("/")) { (frame.plan) } }
                    nav {
                        @for (section, path, label) in nav {
                            @let href = if section == Section::Record { path.to_owned() } else { link(path) };
                            a href=(href) class=[(section == frame.section).then_some("here")] { (label) }
                        }
                    }
                }
                @if frame.simulated { (simulated_label()) }
                @if let Some((moment, path)) = frame.moment {
                    (pickers(moment, path, &frame.keep))
                }
                main { (body) }
                footer {
                    "progress-ledger · 数据来自哈希链账本，"
                    a href="/v1/verify" { "校验" }
                    " · "
                    a href="/openapi.json" { "API" }
                    " · 图表：Apache ECharts 6.1.0（"
                    a href="/assets/ECHARTS-LICENSE.txt" { "Apache-2.0" }
                    "）"
                }
            }
        }
    }
}

/// The two date pickers that replay the page, and the line saying which moment it shows.
fn pickers(moment: &Moment, path: &str, keep: &[(&'static str, String)]) -> Markup {
    html! {
        form class="moment" method="get" action=(path) id="moment" {
            label {
                span { "录入截至" small { "as recorded at" } }
                input type="datetime-local" step="1" name="as_of" id="as_of" value=(moment.as_of_picker());
            }
            label {
                span { "业务日期截至" small { "as effective on" } }
                input type="date" name="effective" id="effective"
                    value=(moment.effective.map(|d| d.to_string()).unwrap_or_default());
            }
            @for (name, value) in keep {
                input type="hidden" name=(name) value=(value);
            }
            button type="submit" { "回看" }
            @if !moment.is_now() {
                a class="now" href=(path) id="back-to-now" { "回到现在" }
            }
        }
        p class="shown-moment" id="shown-moment"
            data-as-of=(moment.as_of.map(|t| t.to_string()).unwrap_or_default())
            data-effective=(moment.effective.map(|d| d.to_string()).unwrap_or_default()) {
            @if moment.is_now() {
                "当前：全部已录入的记录"
            } @else {
                "回看："
                @if let Some(t) = moment.as_of { "截至 " (format::time(t)) "（北京时间）录入的记录" } @else { "全部已录入的记录" }
                @if let Some(d) = moment.effective { "，业务日期截至 " (d) }
            }
        }
    }
}

/// An error page (400 for a bad query, 404 for an unknown name, 500 for a failure).
pub(crate) fn error_page(plan: &str, simulated: bool, message: &str) -> Markup {
    page(
        Frame {
            title: "出错",
            section: Section::Dashboard,
            plan,
            simulated,
            moment: None,
            keep: Vec::new(),
        },
        html! {
            div class="error" role="alert" id="page-error" { (message) }
            p { a href="/" { "返回总览" } }
        },
    )
}

/// A JSON value embedded in a page for its script, safe inside `<script>` (no `</`).
pub(crate) fn json_script(id: &str, value: &serde_json::Value) -> Markup {
    let text = value.to_string().replace("</", "<\\/");
    html! {
        script type="application/json" id=(id) { (PreEscaped(text)) }
    }
}
