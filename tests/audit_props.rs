//! Property tests of explanations and restatements over random histories of the small plan:
//! updates of every indicator kind (plan-wide and per district), updates about earlier dates
//! recorded later, corrections with and without a replacement, target revisions, retirements,
//! and plan reloads that add, retire, re-add and redefine indicators.
//!
//! - Recomputing an indicator's value, completion and status from its explanation — the events
//!   it lists and the arithmetic it writes down — gives exactly the projected figures, and the
//!   events it lists are exactly those the fold used (found here from the log by a model of
//!   corrections). Every rollup's mean recomputes from its terms, and each term is the figure
//!   the view shows for that child.
//! - For random T1 ≤ T2 and a date, applying the restatements between T1 and T2 to the figures
//!   as recorded at T1 gives the figures as recorded at T2; each listed change is a real change;
//!   every indicator change has causes, and its late reports and corrections are exactly those
//!   a model of the log finds.

mod common;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use common::update;
use jiff::civil::Date;
use progress_ledger::plan::{Direction, IndicatorKind, ItemStatus, Plan};
use progress_ledger::projection::{
    CauseKind, Contributed, Explanation, Figures, IndicatorExplanation, ProgressView, Role,
    Schedule, Scope, Step, Subject,
};
use progress_ledger::{
    Error, Event, Payload, ProgressQuery, RestatementQuery, StreamId, Tracker, TrackerConfig,
    plan_date,
};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use rust_decimal::Decimal;
use uuid::Uuid;

const DISTRICTS: [&str; 4] = ["瑶海区", "庐阳区", "蜀山区", "包河区"];
const DELIVERABLES: [&str; 4] = ["A", "B", "C", "D"];
/// Indicators that take updates (`extra` exists only after a reload of variant 2).
const IDS: [&str; 8] = [
    "seats",
    "centres",
    "rate",
    "pm25",
    "wait",
    "hospitals",
    "policy",
    "extra",
];
/// Indicators with a numeric target.
const TARGETED: [&str; 6] = ["seats", "centres", "rate", "pm25", "wait", "extra"];

#[derive(Clone, Debug)]
enum Op {
    Report {
        which: usize,
        amount: u32,
        district: Option<usize>,
        choice: usize,
    },
    Correct {
        pick: usize,
        replace: Option<(u32, Option<usize>, usize)>,
    },
    Revise {
        which: usize,
        target: u32,
    },
    Retire {
        which: usize,
    },
    Reload {
        variant: usize,
    },
}

fn op_strategy() -> impl Strategy<Value = (Op, u16)> {
    let op = prop_oneof![
        8 => (0..IDS.len(), 0..5000u32, prop::option::of(0..4usize), 0..4usize)
            .prop_map(|(which, amount, district, choice)| Op::Report { which, amount, district, choice }),
        3 => (any::<usize>(), prop::option::of((0..5000u32, prop::option::of(0..4usize), 0..4usize)))
            .prop_map(|(pick, replace)| Op::Correct { pick, replace }),
        1 => (0..TARGETED.len(), 1..30000u32).prop_map(|(which, target)| Op::Revise { which, target }),
        1 => (0..IDS.len()).prop_map(|which| Op::Retire { which }),
        1 => (0..4usize).prop_map(|variant| Op::Reload { variant }),
    ];
    (op, 0..365u16)
}

fn day(offset: u16) -> Date {
    jiff::civil::date(2023, 1, 1)
        .checked_add(jiff::Span::new().days(i64::from(offset)))
        .expect("a date in 2023")
}

/// The small plan (0), without `policy` (1), with an `extra` cumulative indicator of weight 2
/// beside `hospitals` (2), or with `rate` weighing 3 (3).
fn variant(which: usize) -> Plan {
    let mut plan = common::small_plan();
    let items = plan
        .parts
        .iter_mut()
        .flat_map(|p| &mut p.categories)
        .flat_map(|c| &mut c.tasks)
        .flat_map(|t| &mut t.items);
    for item in items {
        match which {
            1 => item.indicators.retain(|i| i.id != "policy"),
            2 if item.indicators.iter().any(|i| i.id == "hospitals") => {
                let mut extra = common::spec(
                    "extra",
                    IndicatorKind::Cumulative,
                    "个",
                    Some(500),
                    Direction::AtLeast,
                );
                extra.weight = Decimal::from(2);
                item.text.push_str(&format!("，{}", extra.source));
                item.indicators.push(extra);
            }
            3 => {
                for indicator in item.indicators.iter_mut().filter(|i| i.id == "rate") {
                    indicator.weight = Decimal::from(3);
                }
            }
            _ => {}
        }
    }
    plan
}

/// An update of `id` made of the generated numbers.
fn payload(id: &str, amount: u32, district: Option<usize>, choice: usize) -> Payload {
    let district_name = |d: Option<usize>| d.map(|d| DISTRICTS[d].to_owned());
    match id {
        "seats" | "extra" => Payload::ProgressReported {
            delta: Decimal::from(amount),
            district: district_name(district),
        },
        "centres" => Payload::ProgressReported {
            delta: Decimal::from(amount % 3),
            district: district_name(Some(district.unwrap_or(choice))),
        },
        "rate" | "pm25" | "wait" => Payload::MeasurementTaken {
            value: Decimal::new(i64::from(amount % 10_001), 2),
            district: district_name(district),
        },
        "hospitals" => Payload::MilestoneReached {
            deliverable: DELIVERABLES[choice].to_owned(),
        },
        _ => Payload::StatusChanged {
            status: [
                ItemStatus::NotStarted,
                ItemStatus::InProgress,
                ItemStatus::Done,
            ][choice % 3],
        },
    }
}

fn open() -> (tempfile::TempDir, Tracker) {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut config = TrackerConfig::new(dir.path());
    config.snapshot_every = 9;
    let tracker = Tracker::open_with(config).expect("open");
    tracker.load_plan(&variant(0), "loader").expect("load");
    (dir, tracker)
}

/// Records the history (what the checks refuse is skipped); returns the whole log.
fn record(tracker: &Tracker, ops: &[(Op, u16)]) -> Vec<Event> {
    // Updates that may be corrected: (indicator, event id).
    let mut updates: Vec<(String, Uuid)> = Vec::new();
    for (op, offset) in ops {
        let date = day(*offset);
        let (id, payload) = match op {
            Op::Report {
                which,
                amount,
                district,
                choice,
            } => (
                IDS[*which],
                payload(IDS[*which], *amount, *district, *choice),
            ),
            Op::Correct { pick, replace } => {
                let Some((id, corrects)) = updates.get(pick % updates.len().max(1)).cloned() else {
                    continue;
                };
                let id = IDS.iter().find(|i| **i == id).copied().unwrap_or("seats");
                let replacement = replace.map(|(amount, district, choice)| {
                    Box::new(payload(id, amount, district, choice))
                });
                (
                    id,
                    Payload::Corrected {
                        corrects,
                        reason: "核对后更正".into(),
                        replacement,
                    },
                )
            }
            Op::Revise { which, target } => {
                let id = TARGETED[*which];
                let target = match id {
                    "rate" => target % 100 + 1,
                    "centres" => target % 3 + 1,
                    _ => *target,
                };
                (
                    id,
                    Payload::TargetRevised {
                        target: Decimal::from(target),
                        reason: "动态调整".into(),
                    },
                )
            }
            Op::Retire { which } => (
                IDS[*which],
                Payload::IndicatorRetired {
                    reason: "不再考核".into(),
                },
            ),
            Op::Reload { variant: v } => {
                tracker.load_plan(&variant(*v), "loader").expect("reload");
                continue;
            }
        };
        let counts = matches!(
            &payload,
            Payload::Corrected {
                replacement: Some(_),
                ..
            } | Payload::ProgressReported { .. }
                | Payload::MeasurementTaken { .. }
                | Payload::MilestoneReached { .. }
                | Payload::StatusChanged { .. }
        );
        match tracker.record(update(id, date, payload)) {
            Ok(appended) => {
                if counts {
                    updates.push((id.to_owned(), appended.event.id));
                }
            }
            Err(Error::Rejected { .. }) => {}
            Err(other) => panic!("unexpected error {other}"),
        }
    }
    common::whole_log(tracker.ledger())
}

/// One update of an indicator as a model of the log sees it.
#[derive(Clone, Debug)]
struct Candidate {
    id: Uuid,
    seq: u64,
    effective: Date,
    payload: Payload,
    /// The correction that voided it.
    voided_by: Option<u64>,
    /// The update a correction's replacement replaces.
    replaces: Option<Uuid>,
}

/// The updates of indicator `id` in `events`, voided ones marked: corrections void the update
/// they name; a replacement is an update of the correction's own id and date.
fn candidates(events: &[Event], id: &str) -> Vec<Candidate> {
    let stream = StreamId::indicator(id).expect("stream");
    let mut out: Vec<Candidate> = Vec::new();
    for event in events.iter().filter(|e| e.stream == stream) {
        let made = match &event.payload {
            Payload::Corrected {
                corrects,
                replacement,
                ..
            } => {
                if let Some(voided) = out.iter_mut().find(|c| c.id == *corrects) {
                    voided.voided_by = Some(event.seq);
                }
                replacement.as_deref().map(|r| (r.clone(), Some(*corrects)))
            }
            Payload::ProgressReported { .. }
            | Payload::MeasurementTaken { .. }
            | Payload::MilestoneReached { .. }
            | Payload::StatusChanged { .. } => Some((event.payload.clone(), None)),
            _ => None,
        };
        if let Some((payload, replaces)) = made {
            out.push(Candidate {
                id: event.id,
                seq: event.seq,
                effective: event.effective,
                payload,
                voided_by: None,
                replaces,
            });
        }
    }
    out
}

fn contributed(payload: &Payload) -> Contributed {
    match payload {
        Payload::ProgressReported { delta, district } => Contributed {
            amount: Some(*delta),
            district: district.clone(),
            ..Contributed::default()
        },
        Payload::MeasurementTaken { value, district } => Contributed {
            amount: Some(*value),
            district: district.clone(),
            ..Contributed::default()
        },
        Payload::MilestoneReached { deliverable } => Contributed {
            deliverable: Some(deliverable.clone()),
            ..Contributed::default()
        },
        Payload::StatusChanged { status } => Contributed {
            status: Some(*status),
            ..Contributed::default()
        },
        _ => Contributed::default(),
    }
}

fn round6(value: Decimal) -> Decimal {
    value.round_dp(6)
}

fn quotient(numerator: Decimal, denominator: Decimal) -> Option<Decimal> {
    (!denominator.is_zero()).then(|| round6(numerator / denominator))
}

/// The rules of docs/completion.md for a level, written out again.
fn level(
    value: Decimal,
    target: Decimal,
    direction: Direction,
    baseline: Option<Decimal>,
) -> Decimal {
    let result = match (direction, baseline) {
        (Direction::AtLeast, Some(b)) if b < target => quotient(value - b, target - b),
        (Direction::AtLeast, _) => quotient(value, target),
        (Direction::AtMost, Some(b)) if b > target => quotient(b - value, b - target),
        (Direction::AtMost, _) if value <= target => Some(Decimal::ONE),
        (Direction::AtMost, _) => quotient(target, value),
    };
    result.unwrap_or(Decimal::ZERO)
}

fn judged(capped: Decimal, started: bool, elapsed: Decimal) -> Schedule {
    if capped >= Decimal::ONE {
        Schedule::Met
    } else if !started {
        Schedule::NotStarted
    } else if capped >= elapsed {
        Schedule::OnTrack
    } else {
        Schedule::Behind
    }
}

/// Every step's own arithmetic holds.
fn steps_hold(steps: &[Step]) -> Result<(), TestCaseError> {
    for step in steps {
        match step {
            Step::Ratio {
                numerator,
                denominator,
                result,
            } => prop_assert_eq!(*result, quotient(*numerator, *denominator)),
            Step::Level {
                numerator,
                denominator,
                result,
                ..
            } => prop_assert_eq!(
                *result,
                quotient(*numerator, *denominator).unwrap_or(Decimal::ZERO)
            ),
            Step::Cap { raw, capped } => {
                prop_assert_eq!(*capped, (*raw).clamp(Decimal::ZERO, Decimal::ONE));
            }
            Step::Mean {
                terms,
                weighted_sum,
                total_weight,
                value,
            } => {
                let sum: Decimal = terms.iter().map(|t| t.completion * t.weight).sum();
                let weight: Decimal = terms.iter().map(|t| t.weight).sum();
                prop_assert_eq!(*weighted_sum, sum);
                prop_assert_eq!(*total_weight, weight);
                prop_assert_eq!(*value, quotient(sum, weight).unwrap_or(Decimal::ZERO));
            }
            Step::Schedule {
                capped,
                started,
                elapsed,
                status,
            } => prop_assert_eq!(*status, judged(*capped, *started, *elapsed)),
            Step::District {
                sum, needed, met, ..
            } => prop_assert_eq!(*met, sum >= needed),
            _ => {}
        }
    }
    Ok(())
}

/// The figures of every subject of a view, by subject: capped completion.
fn completions(view: &ProgressView) -> HashMap<Subject, Decimal> {
    Figures::of(view)
        .figures
        .into_iter()
        .map(|(subject, figure)| (subject, figure.completion))
        .collect()
}

/// Checks one indicator's explanation against a model of `events` (the log up to the head).
fn check_indicator(
    explained: &IndicatorExplanation,
    events: &[Event],
    effective: Option<Date>,
    view: &ProgressView,
    projection: &progress_ledger::projection::Projection,
    districts: usize,
    elapsed: Decimal,
) -> Result<(), TestCaseError> {
    let id = explained.id.as_str();
    let def = projection.catalog().indicator(id).expect("defined");
    let all = candidates(events, id);
    let counts_on = |c: &Candidate| effective.is_none_or(|d| c.effective <= d);
    let live: Vec<&Candidate> = all
        .iter()
        .filter(|c| c.voided_by.is_none() && counts_on(c))
        .collect();
    // Exactly the events the fold used, in log order, each as the log has it.
    let listed: Vec<u64> = explained.counted.iter().map(|c| c.event.seq).collect();
    let expected: Vec<u64> = live.iter().map(|c| c.seq).collect();
    prop_assert_eq!(&listed, &expected, "{}: counted events", id);
    for (counted, candidate) in explained.counted.iter().zip(&live) {
        prop_assert_eq!(counted.event.id, candidate.id);
        prop_assert_eq!(&counted.contribution, &contributed(&candidate.payload));
        prop_assert_eq!(counted.replaces, candidate.replaces);
        prop_assert_eq!(counted.event.effective, candidate.effective);
        let recorded = events[(candidate.seq - 1) as usize].recorded_at;
        prop_assert_eq!(
            counted.arrived_after_effective,
            effective.is_some_and(|d| plan_date(recorded) > d)
        );
    }
    let voided: Vec<(u64, u64)> = explained
        .voided
        .iter()
        .map(|v| (v.event.seq, v.voided_by.seq))
        .collect();
    let expected_voided: Vec<(u64, u64)> = all
        .iter()
        .filter(|c| counts_on(c))
        .filter_map(|c| c.voided_by.map(|by| (c.seq, by)))
        .collect();
    prop_assert_eq!(voided, expected_voided, "{}: voided", id);
    let later = all
        .iter()
        .filter(|c| c.voided_by.is_none() && !counts_on(c))
        .count();
    prop_assert_eq!(explained.effective_later, later);

    // The target in force, and the event that set it.
    let target = def.target();
    prop_assert_eq!(explained.target.value, target);
    let set_by = explained
        .target
        .set_by
        .as_ref()
        .expect("a target is set by an event");
    let setter = &events[(set_by.seq - 1) as usize];
    prop_assert_eq!(setter.id, set_by.id);
    match &setter.payload {
        Payload::TargetRevised { target: t, .. } => prop_assert_eq!(Some(*t), target),
        Payload::IndicatorDefined { spec, .. } => prop_assert_eq!(spec.target, target),
        other => prop_assert!(false, "{id}: the target set by {other:?}"),
    }

    // Recompute the value and the roles from the listed updates.
    let roles: Vec<Role> = explained.counted.iter().map(|c| c.role).collect();
    let amount =
        |c: &progress_ledger::projection::CountedUpdate| c.contribution.amount.unwrap_or_default();
    let latest = |keep: &dyn Fn(&Contributed) -> bool| {
        explained
            .counted
            .iter()
            .enumerate()
            .filter(|(_, c)| keep(&c.contribution))
            .max_by_key(|(_, c)| (c.event.effective, c.event.seq))
            .map(|(at, _)| at)
    };
    let (value, raw, expected_roles): (Option<Decimal>, Option<Decimal>, Vec<Role>) =
        match def.spec.kind {
            IndicatorKind::Cumulative => {
                let sum: Decimal = explained.counted.iter().map(amount).sum();
                let roles = vec![Role::Summed; explained.counted.len()];
                (Some(sum), target.and_then(|t| quotient(sum, t)), roles)
            }
            IndicatorKind::Level => {
                let at = latest(&|c| c.district.is_none());
                let roles = explained
                    .counted
                    .iter()
                    .enumerate()
                    .map(
                        |(i, c)| match (c.contribution.district.is_some(), Some(i) == at) {
                            (true, _) => Role::DistrictOnly,
                            (false, true) => Role::Latest,
                            (false, false) => Role::Superseded,
                        },
                    )
                    .collect();
                let value = at.map(|i| amount(&explained.counted[i]));
                let raw = match (value, target) {
                    (Some(v), Some(t)) => Some(level(v, t, def.spec.direction, def.spec.baseline)),
                    _ => None,
                };
                (value, raw, roles)
            }
            IndicatorKind::Coverage => {
                let mut sums: BTreeMap<String, Decimal> = BTreeMap::new();
                for c in &explained.counted {
                    let district = c.contribution.district.clone().unwrap_or_default();
                    *sums.entry(district).or_default() += amount(c);
                }
                let needed = target.unwrap_or(Decimal::ONE);
                let met = Decimal::from(sums.values().filter(|s| **s >= needed).count());
                let roles = vec![Role::DistrictSum; explained.counted.len()];
                (Some(met), quotient(met, Decimal::from(districts)), roles)
            }
            IndicatorKind::Milestones => {
                let mut seen = BTreeSet::new();
                let roles = explained
                    .counted
                    .iter()
                    .map(|c| {
                        if seen.insert(c.contribution.deliverable.clone()) {
                            Role::Reached
                        } else {
                            Role::AlreadyReached
                        }
                    })
                    .collect();
                let done = Decimal::from(seen.len());
                let total = Decimal::from(def.spec.deliverables.len());
                (Some(done), quotient(done, total), roles)
            }
            IndicatorKind::Status => {
                let at = latest(&|_| true);
                let status = at
                    .and_then(|i| explained.counted[i].contribution.status)
                    .unwrap_or(ItemStatus::NotStarted);
                let value = match status {
                    ItemStatus::NotStarted => Decimal::ZERO,
                    ItemStatus::InProgress => Decimal::new(5, 1),
                    ItemStatus::Done => Decimal::ONE,
                };
                let roles = (0..explained.counted.len())
                    .map(|i| {
                        if Some(i) == at {
                            Role::Latest
                        } else {
                            Role::Superseded
                        }
                    })
                    .collect();
                (Some(value), Some(value), roles)
            }
        };
    prop_assert_eq!(&roles, &expected_roles, "{}: roles", id);
    prop_assert_eq!(explained.value, value, "{}: value", id);
    let raw = raw.unwrap_or(Decimal::ZERO);
    let capped = raw.clamp(Decimal::ZERO, Decimal::ONE);
    prop_assert_eq!(explained.completion.raw, raw, "{}: raw completion", id);
    prop_assert_eq!(explained.completion.capped, capped);
    let status = judged(capped, !explained.counted.is_empty(), elapsed);
    prop_assert_eq!(explained.status, status);
    // The steps say the same, and each holds.
    steps_hold(&explained.steps)?;
    match explained.steps.last() {
        Some(Step::Schedule {
            capped: c,
            status: s,
            elapsed: e,
            ..
        }) => {
            prop_assert_eq!((*c, *s, *e), (capped, status, elapsed));
        }
        other => prop_assert!(false, "{id}: the last step is {other:?}"),
    }
    let cap = explained.steps.iter().find_map(|s| match s {
        Step::Cap { raw, capped } => Some((*raw, *capped)),
        _ => None,
    });
    if cap.is_some() {
        prop_assert_eq!(cap, Some((raw, capped)));
    } else {
        prop_assert!(explained.steps.contains(&Step::NoCompletion));
        prop_assert_eq!(raw, Decimal::ZERO);
    }
    let value_step = explained.steps.iter().find_map(|s| match s {
        Step::Sum { value, .. } => Some(Some(*value)),
        Step::Latest { value, .. } => Some(*value),
        Step::Count { value, .. } => Some(Some(*value)),
        _ => None,
    });
    prop_assert_eq!(value_step.flatten(), value);

    // The projection's own figures.
    match view.indicators.iter().find(|i| i.id == id) {
        Some(figures) => {
            prop_assert!(!def.retired);
            prop_assert!(explained.retired.is_none());
            prop_assert_eq!(figures.value, explained.value);
            prop_assert_eq!(figures.completion, explained.completion);
            prop_assert_eq!(figures.status, explained.status);
            prop_assert_eq!(figures.updates, explained.counted.len());
        }
        None => {
            prop_assert!(def.retired, "{id} is in the view unless retired");
            let retirement = explained.retired.as_ref().expect("the retirement is named");
            let is_retirement = matches!(
                events[(retirement.seq - 1) as usize].payload,
                Payload::IndicatorRetired { .. }
            );
            prop_assert!(is_retirement, "{} retired by {:?}", id, retirement);
        }
    }
    Ok(())
}

/// Checks every rollup of an explanation against the plan tree and the view.
fn check_rollups(
    explanation: &Explanation,
    view: &ProgressView,
    projection: &progress_ledger::projection::Projection,
) -> Result<(), TestCaseError> {
    let figures = completions(view);
    let plan = projection.catalog().plan(&view.plan).expect("plan");
    let live: Vec<_> = projection
        .catalog()
        .indicators()
        .filter(|d| d.plan == plan.id && !d.retired)
        .collect();
    let started = |task: u32, item: Option<Option<u32>>| {
        view.indicators
            .iter()
            .any(|i| i.task == task && item.is_none_or(|n| i.item == n) && i.updates > 0)
    };
    for rollup in &explanation.rollups {
        steps_hold(&rollup.steps)?;
        let Some(Step::Mean { terms, value, .. }) = rollup.steps.first() else {
            prop_assert!(false, "{}: no mean", rollup.subject);
            continue;
        };
        prop_assert_eq!(*value, rollup.completion);
        prop_assert_eq!(Some(&rollup.completion), figures.get(&rollup.subject));
        for term in terms {
            prop_assert_eq!(Some(&term.completion), figures.get(&term.subject));
        }
        let children: BTreeSet<Subject> = terms.iter().map(|t| t.subject.clone()).collect();
        let (expected, weights, any_started): (BTreeSet<Subject>, Vec<Decimal>, bool) =
            match &rollup.subject {
                Subject::Item { task, item } => {
                    let defs: Vec<_> = live
                        .iter()
                        .filter(|d| d.task == *task && d.item == *item)
                        .collect();
                    (
                        defs.iter()
                            .map(|d| Subject::Indicator {
                                id: d.spec.id.clone(),
                            })
                            .collect(),
                        defs.iter().map(|d| d.spec.weight).collect(),
                        started(*task, Some(*item)),
                    )
                }
                Subject::Task { number } => {
                    let task = plan.tasks().find(|t| t.number == *number).expect("task");
                    let items: BTreeSet<Subject> = task
                        .items
                        .iter()
                        .map(|i| Subject::Item {
                            task: *number,
                            item: i.number,
                        })
                        .collect();
                    let ones = vec![Decimal::ONE; items.len()];
                    (items, ones, started(*number, None))
                }
                Subject::Category { number } => {
                    let (_, category) = plan
                        .categories()
                        .find(|(_, c)| c.number == *number)
                        .expect("category");
                    let tasks: BTreeSet<Subject> = category
                        .tasks
                        .iter()
                        .map(|t| Subject::Task { number: t.number })
                        .collect();
                    let any = category.tasks.iter().any(|t| started(t.number, None));
                    let ones = vec![Decimal::ONE; tasks.len()];
                    (tasks, ones, any)
                }
                Subject::Part { number } => {
                    let part = plan
                        .parts
                        .iter()
                        .find(|p| p.number == *number)
                        .expect("part");
                    let categories: BTreeSet<Subject> = part
                        .categories
                        .iter()
                        .map(|c| Subject::Category { number: c.number })
                        .collect();
                    let any = part
                        .categories
                        .iter()
                        .flat_map(|c| &c.tasks)
                        .any(|t| started(t.number, None));
                    let ones = vec![Decimal::ONE; categories.len()];
                    (categories, ones, any)
                }
                Subject::Plan => {
                    let parts: BTreeSet<Subject> = plan
                        .parts
                        .iter()
                        .map(|p| Subject::Part { number: p.number })
                        .collect();
                    let ones = vec![Decimal::ONE; parts.len()];
                    (parts, ones, false)
                }
                Subject::Indicator { .. } => {
                    prop_assert!(false, "an indicator among the rollups");
                    continue;
                }
            };
        prop_assert_eq!(&children, &expected, "{}: terms", rollup.subject);
        let mut listed: Vec<Decimal> = terms.iter().map(|t| t.weight).collect();
        let mut weights = weights;
        listed.sort();
        weights.sort();
        prop_assert_eq!(listed, weights, "{}: weights", rollup.subject);
        match (&rollup.subject, rollup.steps.get(1)) {
            (Subject::Plan, None) => prop_assert_eq!(rollup.status, None),
            (
                _,
                Some(Step::Schedule {
                    capped,
                    started,
                    elapsed,
                    status,
                }),
            ) => {
                prop_assert_eq!(*capped, rollup.completion);
                prop_assert_eq!(*started, any_started, "{}: started", rollup.subject);
                prop_assert_eq!(*elapsed, view.elapsed);
                prop_assert_eq!(Some(*status), rollup.status);
            }
            (subject, step) => prop_assert!(false, "{subject}: schedule step {step:?}"),
        }
    }
    Ok(())
}

/// The log up to the last event recorded by `as_of` (the whole log if `None`).
fn through(log: &[Event], as_of: Option<jiff::Timestamp>) -> &[Event] {
    let end = as_of.map_or(log.len(), |t| {
        log.iter().take_while(|e| e.recorded_at <= t).count()
    });
    &log[..end]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn an_explanation_recomputes_the_projected_figures_from_the_events_it_lists(
        ops in prop::collection::vec(op_strategy(), 0..45),
        as_of in prop::option::of(any::<prop::sample::Index>()),
        effective in prop::option::of(0..365u16),
    ) {
        let (_dir, tracker) = open();
        let log = record(&tracker, &ops);
        let as_of = as_of.map(|pick| log[pick.index(log.len())].recorded_at);
        let effective = effective.map(day);
        let events = through(&log, as_of);
        let query = ProgressQuery { plan: None, as_of, effective };
        let view = tracker.progress(&query).expect("progress");
        let (projection, _) = tracker.projection_at(events.len() as u64).expect("replay");
        let plan = projection.catalog().plan(&view.plan).expect("plan").clone();
        let ids: Vec<String> = projection.catalog().indicators().map(|d| d.spec.id.clone()).collect();
        for id in &ids {
            let explanation = tracker
                .explain(&query, &Scope::Indicator(id.clone()))
                .expect("explain")
                .expect("the indicator is in the plan");
            prop_assert_eq!(explanation.head.seq, events.len() as u64);
            prop_assert_eq!(explanation.head.hash, events.last().expect("events").hash);
            prop_assert_eq!(explanation.elapsed.share, view.elapsed);
            prop_assert_eq!(explanation.indicators.len(), 1);
            check_indicator(
                &explanation.indicators[0], events, effective, &view, &projection,
                plan.districts.len(), view.elapsed,
            )?;
            // The rollups from its item up to the plan.
            let kinds: Vec<&str> = explanation.rollups.iter().map(|r| match r.subject {
                Subject::Item { .. } => "item",
                Subject::Task { .. } => "task",
                Subject::Category { .. } => "category",
                Subject::Part { .. } => "part",
                Subject::Plan => "plan",
                Subject::Indicator { .. } => "indicator",
            }).collect();
            prop_assert_eq!(kinds, ["item", "task", "category", "part", "plan"]);
            check_rollups(&explanation, &view, &projection)?;
        }
        for scope in [Scope::Task(1), Scope::Task(2), Scope::Task(3), Scope::Category(2), Scope::Plan] {
            let explanation = tracker.explain(&query, &scope).expect("explain").expect("in the plan");
            let tasks: Vec<u32> = match &scope {
                Scope::Task(n) => vec![*n],
                Scope::Category(_) => vec![3],
                _ => vec![1, 2, 3],
            };
            let listed: BTreeSet<&str> = explanation.indicators.iter().map(|i| i.id.as_str()).collect();
            let expected: BTreeSet<&str> = projection.catalog().indicators()
                .filter(|d| tasks.contains(&d.task))
                .map(|d| d.spec.id.as_str())
                .collect();
            prop_assert_eq!(listed, expected);
            for indicator in &explanation.indicators {
                check_indicator(indicator, events, effective, &view, &projection, plan.districts.len(), view.elapsed)?;
            }
            check_rollups(&explanation, &view, &projection)?;
        }
        prop_assert!(tracker.explain(&query, &Scope::Task(99)).expect("explain").is_none());
        prop_assert!(tracker.explain(&query, &Scope::Indicator("nothing".into())).expect("explain").is_none());
    }

    #[test]
    fn restatements_turn_the_figures_as_recorded_at_t1_into_those_at_t2(
        ops in prop::collection::vec(op_strategy(), 0..45),
        first in any::<prop::sample::Index>(),
        second in any::<prop::sample::Index>(),
        effective in 0..365u16,
    ) {
        let (_dir, tracker) = open();
        let log = record(&tracker, &ops);
        let (a, b) = (first.index(log.len()), second.index(log.len()));
        let (t1, t2) = (log[a.min(b)].recorded_at, log[a.max(b)].recorded_at);
        let (seq1, seq2) = (a.min(b) as u64 + 1, a.max(b) as u64 + 1);
        let effective = day(effective);
        let restated = tracker
            .restatements(&RestatementQuery { plan: None, from: t1, to: Some(t2), effective })
            .expect("restatements");
        prop_assert_eq!((restated.from.seq, restated.to.seq), (seq1, seq2));
        let figures_at = |t| {
            tracker
                .progress(&ProgressQuery { plan: None, as_of: Some(t), effective: Some(effective) })
                .map(|view| Figures::of(&view))
                .expect("progress")
        };
        let (before, after) = (figures_at(t1), figures_at(t2));
        let mut applied = before.clone();
        restated.apply(&mut applied);
        prop_assert_eq!(&applied, &after, "applying the restatements gives the later figures");
        let mut seen = BTreeSet::new();
        for change in &restated.changes {
            prop_assert!(seen.insert(change.subject.clone()), "{} listed twice", change.subject);
            prop_assert_eq!(change.before.as_ref(), before.figures.get(&change.subject));
            prop_assert_eq!(change.after.as_ref(), after.figures.get(&change.subject));
            prop_assert_ne!(&change.before, &change.after, "{} did not change", change.subject);
        }
        let between = &log[seq1 as usize..seq2 as usize];
        let changed: BTreeSet<String> = restated.indicators().map(|c| match &c.subject {
            Subject::Indicator { id } => id.clone(),
            _ => String::new(),
        }).collect();
        for change in &restated.changes {
            for cause in &change.causes {
                prop_assert!(cause.event.seq > seq1 && cause.event.seq <= seq2, "cause {} outside", cause.event.seq);
            }
            let Subject::Indicator { id } = &change.subject else {
                prop_assert!(
                    !change.indicators.is_empty() || !change.causes.is_empty(),
                    "{}: a rollup change with no cause", change.subject
                );
                for id in &change.indicators {
                    prop_assert!(changed.contains(id));
                }
                continue;
            };
            prop_assert!(!change.causes.is_empty(), "{id}: a change with no cause");
            let stream = StreamId::indicator(id).expect("stream");
            for cause in &change.causes {
                let event = &log[(cause.event.seq - 1) as usize];
                prop_assert_eq!(event.id, cause.event.id);
                if cause.kind != CauseKind::PlanRedefined {
                    prop_assert_eq!(&event.stream, &stream);
                }
            }
            let of_kind = |kinds: &[CauseKind]| -> BTreeSet<(u64, CauseKind)> {
                change.causes.iter().filter(|c| kinds.contains(&c.kind)).map(|c| (c.event.seq, c.kind)).collect()
            };
            match (&change.before, &change.after) {
                (Some(_), Some(_)) => {
                    // Late reports and corrections: exactly those a model of the log finds.
                    let then = candidates(&log[..seq1 as usize], id);
                    let now = candidates(&log[..seq2 as usize], id);
                    let counts = |c: &Candidate| c.voided_by.is_none() && c.effective <= effective;
                    let mut expected = BTreeSet::new();
                    for c in now.iter().filter(|c| c.seq > seq1 && counts(c)) {
                        let kind = if c.replaces.is_some() { CauseKind::Correction } else { CauseKind::LateReport };
                        expected.insert((c.seq, kind));
                    }
                    for event in between.iter().filter(|e| e.stream == stream) {
                        if let Payload::Corrected { corrects, .. } = &event.payload {
                            if then.iter().any(|c| c.id == *corrects && counts(c)) {
                                expected.insert((event.seq, CauseKind::Correction));
                            }
                        }
                    }
                    prop_assert_eq!(of_kind(&[CauseKind::LateReport, CauseKind::Correction]), expected, "{}", id);
                    for cause in change.causes.iter().filter(|c| c.kind == CauseKind::Correction) {
                        let voided = then.iter().find(|c| {
                            matches!(&log[(cause.event.seq - 1) as usize].payload,
                                Payload::Corrected { corrects, .. } if *corrects == c.id) && counts(c)
                        });
                        prop_assert_eq!(cause.voids.as_ref().map(|v| v.event.seq), voided.map(|c| c.seq));
                    }
                    let revisions: BTreeSet<(u64, CauseKind)> = between.iter()
                        .filter(|e| e.stream == stream && matches!(e.payload, Payload::TargetRevised { .. }))
                        .map(|e| (e.seq, CauseKind::TargetRevised))
                        .collect();
                    prop_assert_eq!(of_kind(&[CauseKind::TargetRevised]), revisions);
                }
                (None, Some(_)) => {
                    prop_assert_eq!(change.causes.len(), 1);
                    prop_assert_eq!(change.causes[0].kind, CauseKind::IndicatorAdded);
                }
                (Some(_), None) => {
                    prop_assert_eq!(change.causes.len(), 1);
                    prop_assert_eq!(change.causes[0].kind, CauseKind::IndicatorRetired);
                }
                (None, None) => prop_assert!(false, "{id}: listed with no figures"),
            }
        }
    }
}
