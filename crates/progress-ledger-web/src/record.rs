//! The recording form: a unit's clerk pastes (or keeps on the device) a token and gets a form
//! limited to the indicators the unit may write. The form writes with `POST /v1/events` and the
//! token, so the server decides (and its messages are shown as they are); what the form offers
//! comes from the same rules ([`progress_ledger_core::policy::authorize`]), asked here for each
//! indicator of the plan and each district.

use axum::Json;
use axum::extract::{Query, State};
use axum::http::header::AUTHORIZATION;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use maud::html;
use progress_ledger_core::plan::{IndicatorKind, IndicatorSpec, Item, ItemStatus, Plan};
use progress_ledger_core::policy::{Place, authorize};
use progress_ledger_core::{Identity, Payload, Role};
use progress_ledger_server::credentials::Caller;
use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::Pages;
use crate::format::number;
use crate::layout::{self, Frame, Section};
use crate::pages::render;

/// The form's query: an indicator to preselect, an event to correct.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct FormParams {
    indicator: Option<String>,
    corrects: Option<String>,
}

/// `GET /record`: the form (filled in by `record.js` once a token is given).
pub(crate) async fn page(State(pages): State<Pages>, Query(params): Query<FormParams>) -> Response {
    render(pages, move |pages| {
        let plan = pages
            .tracker
            .with_live(|p| p.catalog().plans().next().map(|plan| plan.title.clone()))
            .unwrap_or_else(|| "progress-ledger".to_owned());
        let corrects = params
            .corrects
            .as_deref()
            .filter(|c| uuid::Uuid::parse_str(c).is_ok());
        let body = html! {
            h1 { "填报" }
            p class="muted" {
                "用本单位的令牌（token）填报本单位负责的指标。令牌由管理员用 "
                code { "progress-ledger token add" } " 发放；它只保存在这台设备的浏览器里（勾选“记住”时），不会写进页面地址。"
            }
            section class="token" id="token-box" {
                label for="token" { "令牌" }
                div class="token-row" {
                    input type="password" id="token" name="token" autocomplete="off" spellcheck="false" placeholder="plt_…";
                    button type="button" id="use-token" { "使用" }
                    button type="button" id="forget-token" class="link" { "清除" }
                }
                label class="check" { input type="checkbox" id="remember"; " 在本设备记住令牌" }
                p id="who" class="who" role="status" {}
            }
            form id="record" class="record" hidden novalidate
                data-indicator=[params.indicator.as_deref()]
                data-corrects=[corrects] {
                div class="correction-banner" id="correction" hidden {
                    "更正事件 " code id="corrects-id" {} "：该事件将被作废；如填写新的数值，则以新数值代替。"
                }
                label for="indicator" { "指标" }
                select id="indicator" name="indicator" required {}
                p id="indicator-info" class="muted" {}
                div class="field" id="f-reason" hidden {
                    label for="reason" { "更正原因" }
                    input type="text" id="reason" name="reason" maxlength="500";
                }
                div class="field" id="f-delta" hidden {
                    label for="delta" { "新增数量" }
                    input type="text" id="delta" name="delta" inputmode="decimal" autocomplete="off";
                }
                div class="field" id="f-value" hidden {
                    label for="value" { "测得数值" }
                    input type="text" id="value" name="value" inputmode="decimal" autocomplete="off";
                }
                div class="field" id="f-deliverable" hidden {
                    label for="deliverable" { "完成的节点" }
                    select id="deliverable" name="deliverable" {}
                }
                div class="field" id="f-status" hidden {
                    label for="status" { "状态" }
                    select id="status" name="status" {
                        option value="in_progress" { "推进中" }
                        option value="done" { "已完成" }
                        option value="not_started" { "未开始" }
                    }
                }
                div class="field" id="f-district" hidden {
                    label for="district" { "县(市)区" }
                    select id="district" name="district" {}
                }
                div class="field" {
                    label for="effective" { "业务日期" }
                    input type="date" id="effective" name="effective" required;
                }
                div class="field" {
                    label for="note" { "备注" }
                    textarea id="note" name="note" rows="2" maxlength="2000" {}
                }
                div class="actions" {
                    button type="submit" id="submit" { "提交" }
                    span class="muted" id="event-id" {}
                }
            }
            div id="outcome" class="outcome" role="status" hidden {}
            div id="refusal" class="error" role="alert" hidden {}
            script src="/assets/record.js" defer {}
        };
        Ok(layout::page(
            Frame {
                title: "填报",
                section: Section::Record,
                plan: &plan,
                simulated: pages.config.simulated,
                moment: None,
                keep: Vec::new(),
            },
            body,
        ))
    })
    .await
}

fn refused(status: StatusCode, code: &str, message: &str) -> Response {
    (
        status,
        Json(json!({ "error": { "code": code, "message": message } })),
    )
        .into_response()
}

/// `GET /record/options` with `Authorization: Bearer <token>`: who the token is, and what it
/// may write: each indicator with whether it takes a city-wide figure and which districts.
pub(crate) async fn options(State(pages): State<Pages>, headers: HeaderMap) -> Response {
    let bearer = headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned);
    let credentials = pages.credentials.clone();
    let outcome = tokio::task::spawn_blocking(move || {
        let caller = credentials.authenticate(bearer.as_deref(), true);
        (caller, pages)
    })
    .await;
    let Ok((caller, pages)) = outcome else {
        return refused(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "the check failed",
        );
    };
    let (identity, mode) = match caller {
        Ok(Caller::Token { unit, role, .. }) => match role.as_str().parse::<Role>() {
            Ok(role) => (Identity::new(unit, role), "token"),
            Err(_) => {
                return refused(
                    StatusCode::FORBIDDEN,
                    "forbidden",
                    "未知的角色 (unknown role)",
                );
            }
        },
        Ok(Caller::Development) => (Identity::admin("development"), "open_development"),
        Ok(_) => {
            return refused(
                StatusCode::UNAUTHORIZED,
                "missing_token",
                "请先填入令牌 (a token is needed)",
            );
        }
        Err(refusal) => {
            return refused(
                StatusCode::UNAUTHORIZED,
                "invalid_token",
                &format!("令牌无效、已撤销或已过期 (the token is not accepted: {refusal:?})"),
            );
        }
    };
    let offers = pages.tracker.with_live(|projection| {
        let catalog = projection.catalog();
        let Some(plan) = catalog.plans().next() else {
            return Vec::new();
        };
        catalog
            .indicators()
            .filter(|def| def.plan == plan.id && !def.retired)
            .filter_map(|def| {
                let item = catalog.item_of(def)?;
                let task = plan.tasks().find(|t| t.number == def.task)?;
                let spec = &def.spec;
                offer(&identity, plan, item, spec).map(|(city, districts)| {
                    json!({
                        "id": spec.id,
                        "title": spec.title,
                        "task": task.number,
                        "task_title": task.title,
                        "item": item.number,
                        "item_title": item.title,
                        "kind": kind_name(spec.kind),
                        "type": update_type(spec.kind),
                        "unit": spec.unit,
                        "target": def.target().map(number),
                        "deliverables": spec.deliverables,
                        "city": city,
                        "districts": districts,
                    })
                })
            })
            .collect::<Vec<Value>>()
    });
    Json(json!({
        "unit": identity.unit(),
        "role": identity.role().as_str(),
        "mode": mode,
        "indicators": offers,
    }))
    .into_response()
}

fn kind_name(kind: IndicatorKind) -> &'static str {
    progress_ledger_core::projection::kind_name(kind)
}

/// The API's update type that records an indicator of this kind.
fn update_type(kind: IndicatorKind) -> &'static str {
    match kind {
        IndicatorKind::Cumulative | IndicatorKind::Coverage => "progress",
        IndicatorKind::Level => "measurement",
        IndicatorKind::Milestones => "milestone",
        IndicatorKind::Status => "status",
    }
}

/// Whether `identity` may write `spec`: (a figure without a district, the districts it may name),
/// or `None` if nothing.
fn offer(
    identity: &Identity,
    plan: &Plan,
    item: &Item,
    spec: &IndicatorSpec,
) -> Option<(bool, Vec<String>)> {
    let probe = |district: Option<&str>| -> Payload {
        let district = district.map(str::to_owned);
        match spec.kind {
            IndicatorKind::Cumulative | IndicatorKind::Coverage => Payload::ProgressReported {
                delta: Decimal::ONE,
                district,
            },
            IndicatorKind::Level => Payload::MeasurementTaken {
                value: Decimal::ONE,
                district,
            },
            IndicatorKind::Milestones => Payload::MilestoneReached {
                deliverable: spec.deliverables.first().cloned().unwrap_or_default(),
            },
            IndicatorKind::Status => Payload::StatusChanged {
                status: ItemStatus::InProgress,
            },
        }
    };
    let place = Place {
        plan,
        item,
        indicator: &spec.id,
    };
    let allowed =
        |district: Option<&str>| authorize(identity, Some(place), &probe(district), None).is_ok();
    let takes_district = matches!(
        spec.kind,
        IndicatorKind::Cumulative | IndicatorKind::Level | IndicatorKind::Coverage
    );
    // A coverage figure belongs to a district: the core refuses one without.
    let city = spec.kind != IndicatorKind::Coverage && allowed(None);
    let districts: Vec<String> = if takes_district {
        plan.districts
            .iter()
            .filter(|d| allowed(Some(&d.name)))
            .map(|d| d.name.clone())
            .collect()
    } else {
        Vec::new()
    };
    (city || !districts.is_empty()).then_some((city, districts))
}

#[cfg(test)]
mod tests {
    use super::*;
    use progress_ledger_core::plan::hefei_2023;

    fn offers(identity: &Identity) -> Vec<(String, bool, Vec<String>)> {
        let plan = hefei_2023().expect("plan");
        plan.indicators()
            .filter_map(|(_, item, spec)| {
                offer(identity, &plan, item, spec).map(|(c, d)| (spec.id.clone(), c, d))
            })
            .collect()
    }

    #[test]
    fn a_unit_is_offered_its_own_indicators_and_a_district_its_own_district() {
        let health = offers(&Identity::recorder("市卫健委"));
        assert!(
            health
                .iter()
                .any(|(id, city, _)| id == "t02-1-childcare-seats" && *city)
        );
        assert!(
            !health.iter().any(|(id, _, _)| id == "t46-0-pm10"),
            "not the environment's"
        );
        let shushan = offers(&Identity::recorder("蜀山区"));
        let seats = shushan
            .iter()
            .find(|(id, _, _)| id == "t02-1-childcare-seats")
            .expect("a district records childcare seats");
        assert_eq!(
            (seats.1, seats.2.clone()),
            (false, vec!["蜀山区".to_owned()])
        );
        assert!(offers(&Identity::auditor("市卫健委")).is_empty());
        let admin = offers(&Identity::admin("市政府办公室"));
        assert_eq!(
            admin.len(),
            hefei_2023().expect("plan").indicators().count()
        );
    }
}
