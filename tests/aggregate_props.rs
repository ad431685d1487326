//! Property tests of the aggregates the projection keeps per indicator (in all, per month and
//! per day of effective date): on random histories with corrections, replacements, target
//! revisions, retirements and amounts of several decimal scales,
//!
//! - the aggregates kept up to date as events were folded and progress asked for equal those
//!   folded afresh from the updates, and those of a tracker reopened from its snapshots;
//! - every answer — now, as effective on a date, as recorded at a time, per district — equals
//!   the one computed the way the projection computed it before it kept aggregates: by
//!   folding every live update of the indicator (`reference` below, the old arithmetic kept
//!   here as the reference).

mod common;

use std::collections::{BTreeMap, BTreeSet};

use common::update;
use jiff::civil::Date;
use progress_ledger::plan::{IndicatorKind, ItemStatus};
use progress_ledger::projection::{
    Completion, Contribution, DistrictValue, DistrictView, IndicatorState, Projection, Schedule,
    level_completion, progress_view, schedule,
};
use progress_ledger::{Error, Payload, ProgressQuery, Tracker, TrackerConfig};
use proptest::prelude::*;
use rust_decimal::Decimal;

const DISTRICTS: [&str; 4] = ["瑶海区", "庐阳区", "蜀山区", "包河区"];
const PLAN: &str = "test-2023";

#[derive(Clone, Debug)]
enum Step {
    /// A delta to `seats` (district optional) or `centres` (district required).
    Delta {
        centres: bool,
        amount: (u32, u32),
        district: Option<usize>,
    },
    /// A measurement of `rate`, `pm25` or `wait`.
    Measure {
        which: usize,
        value: (u32, u32),
        district: Option<usize>,
    },
    Milestone(usize),
    Status(usize),
    /// Corrects an earlier update, with a replacement of the same kind or none.
    Correct {
        pick: usize,
        replace: Option<(u32, u32)>,
    },
    Revise {
        which: usize,
        target: u32,
    },
    Retire {
        which: usize,
    },
}

/// A decimal of `mantissa` at `scale` (so "1.50", "3.0" and "3" all occur).
fn amount((mantissa, scale): (u32, u32)) -> Decimal {
    Decimal::new(i64::from(mantissa), scale)
}

fn step_strategy() -> impl Strategy<Value = (Step, u16)> {
    // Zero now and then, of every scale: a sum of zeros shows the largest scale whatever the
    // order of its terms ("0" and "0.00" add up to "0.00").
    let number = (prop_oneof![9 => 0..5000u32, 1 => Just(0u32)], 0..3u32);
    let step = prop_oneof![
        4 => (any::<bool>(), number.clone(), prop::option::of(0..4usize))
            .prop_map(|(centres, amount, district)| Step::Delta { centres, amount, district }),
        3 => (0..3usize, (0..1000u32, 0..3u32), prop::option::of(0..4usize))
            .prop_map(|(which, value, district)| Step::Measure { which, value, district }),
        1 => (0..4usize).prop_map(Step::Milestone),
        1 => (0..3usize).prop_map(Step::Status),
        3 => (any::<usize>(), prop::option::of(number))
            .prop_map(|(pick, replace)| Step::Correct { pick, replace }),
        1 => (0..5usize, 1..30000u32).prop_map(|(which, target)| Step::Revise { which, target }),
        1 => (0..50usize).prop_map(|which| Step::Retire { which }),
    ];
    // Half the updates on four days of the year, so that days hold several.
    (step, prop_oneof![0..365u16, 0..4u16])
}

fn day(offset: u16) -> Date {
    jiff::civil::date(2023, 1, 1)
        .checked_add(jiff::Span::new().days(i64::from(offset)))
        .expect("date in 2023")
}

/// The payload of a measurement of indicator `id` (percentages stay within 100).
fn measurement(id: &str, value: (u32, u32), district: Option<usize>) -> Payload {
    let mut value = amount(value);
    if id == "rate" && value > Decimal::ONE_HUNDRED {
        value = Decimal::ONE_HUNDRED;
    }
    Payload::MeasurementTaken {
        value,
        district: district.map(|d| DISTRICTS[d].into()),
    }
}

/// The indicator and payload of a step, given the updates recorded so far (indicator, id).
fn payload_of(step: &Step, recorded: &[(String, uuid::Uuid)]) -> Option<(String, Payload)> {
    let indicators = ["seats", "centres", "rate", "pm25", "wait"];
    Some(match step {
        Step::Delta {
            centres,
            amount: value,
            district,
        } => {
            let id = if *centres { "centres" } else { "seats" };
            let district = if *centres {
                Some(district.unwrap_or(0))
            } else {
                *district
            };
            (
                id.into(),
                Payload::ProgressReported {
                    delta: amount(*value),
                    district: district.map(|d| DISTRICTS[d].into()),
                },
            )
        }
        Step::Measure {
            which,
            value,
            district,
        } => {
            let id = ["rate", "pm25", "wait"][*which];
            (id.into(), measurement(id, *value, *district))
        }
        Step::Milestone(which) => (
            "hospitals".into(),
            Payload::MilestoneReached {
                deliverable: ["A", "B", "C", "D"][*which].into(),
            },
        ),
        Step::Status(which) => (
            "policy".into(),
            Payload::StatusChanged {
                status: [
                    ItemStatus::NotStarted,
                    ItemStatus::InProgress,
                    ItemStatus::Done,
                ][*which],
            },
        ),
        Step::Correct { pick, replace } => {
            let (id, target) = recorded.get(pick % recorded.len().max(1))?.clone();
            let replacement = replace.map(|value| match id.as_str() {
                "seats" => Payload::ProgressReported {
                    delta: amount(value),
                    district: None,
                },
                "centres" => Payload::ProgressReported {
                    delta: amount(value),
                    district: Some(DISTRICTS[value.0 as usize % 4].into()),
                },
                "hospitals" => Payload::MilestoneReached {
                    deliverable: ["A", "B", "C", "D"][value.0 as usize % 4].into(),
                },
                "policy" => Payload::StatusChanged {
                    status: ItemStatus::Done,
                },
                other => measurement(other, value, None),
            });
            (
                id,
                Payload::Corrected {
                    corrects: target,
                    reason: "test".into(),
                    replacement: replacement.map(Box::new),
                },
            )
        }
        Step::Revise { which, target } => (
            indicators[*which].into(),
            Payload::TargetRevised {
                target: Decimal::from(*target % 100 + 1),
                reason: "test".into(),
            },
        ),
        // Mostly a no-op: one in ten retires an indicator.
        Step::Retire { which } => (
            (*indicators.get(*which)?).into(),
            Payload::IndicatorRetired {
                reason: "test".into(),
            },
        ),
    })
}

/// Records the steps; returns the live projection after each recorded event.
fn record_all(tracker: &Tracker, steps: &[(Step, u16)]) -> Vec<Projection> {
    let mut recorded: Vec<(String, uuid::Uuid)> = Vec::new();
    let mut after_each = Vec::new();
    for (step, offset) in steps {
        let Some((id, payload)) = payload_of(step, &recorded) else {
            continue;
        };
        let counts = !matches!(
            payload,
            Payload::TargetRevised { .. } | Payload::IndicatorRetired { .. }
        );
        match tracker.record(update(&id, day(*offset), payload)) {
            Ok(appended) => {
                if counts {
                    recorded.push((id, appended.event.id));
                }
                // Asking for progress brings the live projection's aggregates up to date;
                // asked after about two events in three, a correction finds them up to date
                // or behind.
                if offset % 3 != 0 {
                    tracker
                        .progress(&ProgressQuery::default())
                        .expect("progress now");
                }
                after_each.push(tracker.live_projection());
            }
            // Correcting a corrected update, or writing to a retired indicator, is refused.
            Err(Error::Rejected { .. }) => {}
            Err(other) => panic!("unexpected error {other}"),
        }
    }
    after_each
}

fn ratio(numerator: Decimal, denominator: Decimal) -> Option<Decimal> {
    if denominator.is_zero() {
        None
    } else {
        numerator.checked_div(denominator).map(|r| r.round_dp(6))
    }
}

/// The latest of the live updates `pick` takes a value from: by effective date, then order.
fn latest<V: Copy>(
    state: &IndicatorState,
    effective: Option<Date>,
    pick: impl Fn(Contribution<'_>) -> Option<V>,
) -> Option<V> {
    state
        .live(effective)
        .filter_map(|u| pick(u.contribution).map(|v| (u.effective, u.order, v)))
        .max_by_key(|(date, order, _)| (*date, *order))
        .map(|(_, _, v)| v)
}

/// The figures of one indicator computed as the projection did before it kept aggregates:
/// value, completion, updates that count, whether started.
fn reference(
    kind: IndicatorKind,
    spec: &progress_ledger::plan::IndicatorSpec,
    target: Option<Decimal>,
    state: &IndicatorState,
    effective: Option<Date>,
    districts: usize,
) -> (Option<Decimal>, Completion, usize, bool) {
    let live: Vec<_> = state.live(effective).collect();
    let started = !live.is_empty();
    let (value, raw) = match kind {
        IndicatorKind::Cumulative => {
            let sum = sum(live.iter().filter_map(|u| match u.contribution {
                Contribution::Delta { amount, .. } => Some(amount),
                _ => None,
            }));
            (Some(sum), target.and_then(|t| ratio(sum, t)))
        }
        IndicatorKind::Level => {
            let value = latest(state, effective, |c| match c {
                Contribution::Measurement {
                    value,
                    district: None,
                } => Some(value),
                _ => None,
            });
            let raw = value
                .zip(target)
                .map(|(v, t)| level_completion(v, t, spec.direction, spec.baseline));
            (value, raw)
        }
        IndicatorKind::Coverage => {
            let sums = district_sums(state, effective);
            let needed = target.unwrap_or(Decimal::ONE);
            let met = Decimal::from(sums.values().filter(|s| **s >= needed).count());
            (Some(met), ratio(met, Decimal::from(districts)))
        }
        IndicatorKind::Milestones => {
            let done: BTreeSet<&str> = live
                .iter()
                .filter_map(|u| match u.contribution {
                    Contribution::Milestone(name) => Some(name),
                    _ => None,
                })
                .collect();
            let done = Decimal::from(done.len());
            (
                Some(done),
                ratio(done, Decimal::from(spec.deliverables.len())),
            )
        }
        IndicatorKind::Status => {
            let status = latest(state, effective, |c| match c {
                Contribution::Status(s) => Some(s),
                _ => None,
            })
            .unwrap_or(ItemStatus::NotStarted);
            let value = match status {
                ItemStatus::NotStarted => Decimal::ZERO,
                ItemStatus::InProgress => Decimal::new(5, 1),
                ItemStatus::Done => Decimal::ONE,
            };
            (Some(value), Some(value))
        }
    };
    let completion = raw.map_or(Completion::ZERO, Completion::from_raw);
    (value, completion, live.len(), started)
}

fn district_sums(state: &IndicatorState, effective: Option<Date>) -> BTreeMap<&str, Decimal> {
    let mut terms: BTreeMap<&str, Vec<Decimal>> = BTreeMap::new();
    for u in state.live(effective) {
        if let Contribution::Delta {
            amount,
            district: Some(d),
        } = u.contribution
        {
            terms.entry(d).or_default().push(amount);
        }
    }
    terms
        .into_iter()
        .map(|(district, amounts)| (district, sum(amounts)))
        .collect()
}

/// The sum of `amounts`, shown at the largest of their scales (rust_decimal alone would show
/// "0" for "0" + "0.00" but "0.00" for "0.00" + "0").
fn sum(amounts: impl IntoIterator<Item = Decimal>) -> Decimal {
    let mut sum = Decimal::ZERO;
    let mut scale = 0;
    for amount in amounts {
        sum += amount;
        scale = scale.max(amount.scale());
    }
    sum.rescale(scale);
    sum
}

/// The district view computed as before: per district, per indicator of the view (in plan
/// order, retired ones left out), the sums of deltas, then the latest measurements.
fn reference_districts(
    projection: &Projection,
    indicators: &[String],
    effective: Option<Date>,
) -> Vec<DistrictView> {
    let mut districts: BTreeMap<String, Vec<DistrictValue>> = BTreeMap::new();
    for id in indicators {
        let Some(def) = projection.catalog().indicator(id) else {
            continue;
        };
        let Some(state) = projection.state(id) else {
            continue;
        };
        let needed = def.target().unwrap_or(Decimal::ONE);
        let coverage = def.spec.kind == IndicatorKind::Coverage;
        for (district, value) in district_sums(state, effective) {
            districts
                .entry(district.into())
                .or_default()
                .push(DistrictValue {
                    id: id.clone(),
                    value,
                    met: coverage.then_some(value >= needed),
                });
        }
        let mut latest: BTreeMap<&str, (Date, usize, Decimal)> = BTreeMap::new();
        for u in state.live(effective) {
            if let Contribution::Measurement {
                value,
                district: Some(d),
            } = u.contribution
            {
                let candidate = (u.effective, u.order, value);
                let slot = latest.entry(d).or_insert(candidate);
                if (candidate.0, candidate.1) > (slot.0, slot.1) {
                    *slot = candidate;
                }
            }
        }
        for (district, (_, _, value)) in latest {
            districts
                .entry(district.into())
                .or_default()
                .push(DistrictValue {
                    id: id.clone(),
                    value,
                    met: None,
                });
        }
    }
    districts
        .into_iter()
        .map(|(district, indicators)| DistrictView {
            district,
            indicators,
        })
        .collect()
}

/// Text that shows a decimal's scale ("3.0" is not "3").
fn shown<T: std::fmt::Debug>(value: &T) -> String {
    format!("{value:?}")
}

/// Checks every indicator's figures and the district view of `view`, computed from
/// `projection`, against the reference fold.
fn check_answers(
    projection: &Projection,
    view: &progress_ledger::projection::ProgressView,
    effective: Option<Date>,
) -> Result<(), TestCaseError> {
    let plan = projection.catalog().plan(PLAN).expect("the plan is loaded");
    for figures in &view.indicators {
        let def = projection
            .catalog()
            .indicator(&figures.id)
            .expect("a defined indicator");
        let empty = IndicatorState::default();
        let state = projection.state(&figures.id).unwrap_or(&empty);
        let (value, completion, updates, started) = reference(
            def.spec.kind,
            &def.spec,
            def.target(),
            state,
            effective,
            plan.districts.len(),
        );
        prop_assert_eq!(
            shown(&figures.value),
            shown(&value),
            "value of {}",
            &figures.id
        );
        prop_assert_eq!(
            shown(&figures.completion),
            shown(&completion),
            "completion of {}",
            &figures.id
        );
        prop_assert_eq!(figures.updates, updates, "updates of {}", &figures.id);
        let status: Schedule = schedule(completion.capped, started, view.elapsed);
        prop_assert_eq!(figures.status, status, "status of {}", &figures.id);
    }
    let indicators: Vec<String> = view.indicators.iter().map(|i| i.id.clone()).collect();
    prop_assert_eq!(
        shown(&view.districts),
        shown(&reference_districts(projection, &indicators, effective))
    );
    Ok(())
}

fn open(snapshot_every: u64, tallies_every: u64) -> (tempfile::TempDir, Tracker) {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut config = TrackerConfig::new(dir.path());
    config.snapshot_every = snapshot_every;
    config.tallies_every = tallies_every;
    let tracker = Tracker::open_with(config).expect("open");
    tracker
        .load_plan(&common::small_plan(), "loader")
        .expect("load");
    (dir, tracker)
}

#[test]
fn a_decimal_shows_its_scale() {
    assert_ne!(shown(&common::dec("3.0")), shown(&common::dec("3")));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    #[test]
    fn maintained_aggregates_equal_a_rebuild_and_answers_equal_the_full_fold(
        steps in prop::collection::vec(step_strategy(), 0..60),
        dates in prop::collection::vec(0..370u16, 1..4),
        picks in prop::collection::vec(any::<prop::sample::Index>(), 1..4),
        every in 1..9u64,
        tallies in prop_oneof![1..9u64, Just(u64::MAX)],
        refill in 1..9u64,
    ) {
        let (dir, tracker) = open(every, tallies);
        let after_each = record_all(&tracker, &steps);
        let live = tracker.live_projection();

        // The aggregates kept as events were folded equal those folded afresh from the
        // updates, and those a reopened tracker loads from its snapshot parts.
        for def in live.catalog().indicators() {
            if let Some(state) = live.state(&def.spec.id) {
                prop_assert_eq!(state, &state.rebuilt(), "aggregates of {}", &def.spec.id);
            }
        }
        drop(tracker);
        // Reopened with another interval of tally checkpoints (or none before): opening
        // stores those missing.
        let mut config = TrackerConfig::new(dir.path());
        config.snapshot_every = every;
        config.tallies_every = refill;
        let tracker = Tracker::open_with(config).expect("reopen");
        prop_assert_eq!(&tracker.live_projection(), &live);

        // Now and as effective on dates (some after the period's last day).
        let plan = live.catalog().plan(PLAN).expect("the plan").clone();
        let today = jiff::civil::date(2024, 1, 1);
        let mut effective: Vec<Option<Date>> = dates.iter().map(|d| Some(day(*d))).collect();
        effective.push(None);
        for at in &effective {
            let view = progress_view(&live, &plan, *at, today);
            check_answers(&live, &view, *at)?;
        }

        // As recorded at the time of some event, as the tracker answers it (a tally
        // checkpoint and the events after it in all, a snapshot and the events after it as
        // effective on a date), against the projection the log held then.
        for pick in picks {
            let Some(then) = after_each.get(pick.index(after_each.len().max(1))) else {
                continue;
            };
            for at in &effective {
                let view = tracker
                    .progress(&ProgressQuery {
                        plan: Some(PLAN.into()),
                        as_of: then.recorded_at(),
                        effective: *at,
                    })
                    .expect("as recorded");
                prop_assert_eq!(view.seq, then.seq());
                check_answers(then, &view, *at)?;
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    /// A trail read a page at a time (each page from the tally checkpoint before it) is the
    /// trail folded whole, and a page from any sequence number, up to any head, is that part
    /// of it.
    #[test]
    fn a_trail_read_a_page_at_a_time_is_the_whole_trail(
        steps in prop::collection::vec(step_strategy(), 0..60),
        tallies in 1..9u64,
        limit in 1..7usize,
        starts in prop::collection::vec(
            (any::<prop::sample::Index>(), any::<prop::sample::Index>()),
            1..4,
        ),
    ) {
        let (_dir, tracker) = open(1_000, tallies);
        record_all(&tracker, &steps);
        let live = tracker.live_projection();
        let len = tracker.ledger().len();
        for def in live.catalog().indicators() {
            let id = &def.spec.id;
            let whole = tracker.history(id).expect("history");
            let mut paged = Vec::new();
            let mut after = 0;
            for _ in 0..=whole.len() {
                let page = tracker.history_page(id, after, limit, u64::MAX).expect("page");
                prop_assert!(page.steps.len() <= limit);
                paged.extend(page.steps);
                match page.next {
                    Some(next) => {
                        prop_assert_eq!(paged.last().map(|s| s.event.seq), Some(next));
                        after = next;
                    }
                    None => break,
                }
            }
            prop_assert_eq!(shown(&paged), shown(&whole), "{}", id);
            for (start, end) in &starts {
                let from = start.index(len as usize + 1) as u64;
                let head = end.index(len as usize + 1) as u64;
                let page = tracker.history_page(id, from, limit, head).expect("page");
                let part: Vec<_> = whole
                    .iter()
                    .filter(|s| s.event.seq > from && s.event.seq <= head)
                    .take(limit)
                    .cloned()
                    .collect();
                prop_assert_eq!(shown(&page.steps), shown(&part), "{} after {} to {}", id, from, head);
            }
        }
    }
}
