//! Simulated figures for the Hefei 2023 plan, to see the pages populated (`serve --demo`).
//!
//! Every event recorded here carries the note [`SIMULATED_NOTE`]; the pages of a server started
//! with [`crate::PagesConfig::simulated`] say 模拟数据 on every page. The figures are made up
//! from each indicator's id (the same every time), spread over 2023: some indicators met, some
//! on their way, some behind, some not started; one report of 新增托位 is corrected and one
//! target is revised, so the indicator pages show both. Never run this on a real ledger: the CLI
//! runs it only in a fresh temporary directory.

use jiff::civil::{Date, date};
use progress_ledger_core::plan::{IndicatorKind, IndicatorSpec, Item, ItemStatus, Plan};
use progress_ledger_core::{NewEvent, Payload, Result, StreamId, Tracker};
use rand::rngs::StdRng;
use rand::{Rng as _, SeedableRng as _};
use rust_decimal::Decimal;

/// The note of every simulated event.
pub const SIMULATED_NOTE: &str = "模拟数据（演示用，非真实进展）";

/// The indicator whose trail shows a correction and a target revision.
pub const SHOWCASE: &str = "t02-1-childcare-seats";

/// Deterministic draws for one indicator: rand's `StdRng` seeded from its id (FNV-1a).
struct Dice(StdRng);

impl Dice {
    fn of(name: &str) -> Self {
        let mut seed = 0xcbf2_9ce4_8422_2325u64;
        for byte in name.bytes() {
            seed = (seed ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
        }
        Dice(StdRng::seed_from_u64(seed))
    }

    /// A whole number in `0..n`.
    fn below(&mut self, n: u64) -> u64 {
        self.0.random_range(0..n.max(1))
    }
}

/// How far along an indicator is by the end of the year, in hundredths (0: not started).
fn reach(dice: &mut Dice) -> i64 {
    match dice.below(20) {
        0..=2 => 0,
        3..=9 => 100 + i64::try_from(dice.below(15)).unwrap_or(0),
        _ => 35 + i64::try_from(dice.below(60)).unwrap_or(0),
    }
}

/// The last day of `month` of 2023.
fn month_end(month: i8) -> Date {
    date(2023, month, 1).last_of_month()
}

/// The unit that reports an item's figures: its first lead unit that is not the district set.
fn reporter(item: &Item) -> String {
    item.lead_units
        .iter()
        .find(|u| !u.starts_with('各'))
        .cloned()
        .unwrap_or_else(|| "市政府办公室".to_owned())
}

fn names_districts(item: &Item) -> bool {
    item.lead_units
        .iter()
        .chain(&item.cooperating_units)
        .any(|u| u.starts_with('各'))
}

/// The simulated updates of one indicator.
fn updates(plan: &Plan, item: &Item, spec: &IndicatorSpec) -> Vec<NewEvent> {
    let mut dice = Dice::of(&spec.id);
    let reach = reach(&mut dice);
    let Ok(stream) = StreamId::indicator(&spec.id) else {
        return Vec::new();
    };
    if reach == 0 {
        return Vec::new();
    }
    let actor = reporter(item);
    let steps = 3 + dice.below(5);
    let first = 2 + i8::try_from(dice.below(3)).unwrap_or(0);
    let month = |i: u64| {
        let span = 12 - i64::from(first);
        let offset = span * i64::try_from(i + 1).unwrap_or(1) / i64::try_from(steps).unwrap_or(1);
        month_end(first + i8::try_from(offset).unwrap_or(0))
    };
    let event = |effective: Date, actor: &str, payload: Payload| {
        NewEvent::new(stream.clone(), effective, actor, payload).with_note(SIMULATED_NOTE)
    };
    let fraction = Decimal::new(reach, 2);
    let district = |i: u64| -> Option<String> {
        names_districts(item)
            .then(|| {
                plan.districts
                    .get(usize::try_from(i).unwrap_or(0) % plan.districts.len().max(1))
            })
            .flatten()
            .map(|d| d.name.clone())
    };
    match spec.kind {
        IndicatorKind::Cumulative => {
            let target = spec.target.unwrap_or(Decimal::ONE_HUNDRED);
            let total = target * fraction;
            let mut left = total;
            (0..steps)
                .map(|i| {
                    let share = if i + 1 == steps {
                        left
                    } else {
                        let weight = Decimal::from(5 + dice.below(10));
                        (total * weight / Decimal::from(10 * steps)).min(left)
                    };
                    let share = if target >= Decimal::ONE_HUNDRED {
                        share.round()
                    } else {
                        share.round_dp(2)
                    };
                    left -= share;
                    event(
                        month(i),
                        &actor,
                        Payload::ProgressReported {
                            delta: share.max(Decimal::ZERO),
                            district: district(i),
                        },
                    )
                })
                .collect()
        }
        IndicatorKind::Level => {
            let target = spec.target.unwrap_or(Decimal::ONE_HUNDRED);
            let up = spec.direction == progress_ledger_core::plan::Direction::AtLeast;
            let start = spec.baseline.unwrap_or(if up {
                target * Decimal::new(85, 2)
            } else {
                target * Decimal::new(125, 2)
            });
            let end = start + (target - start) * fraction;
            (0..steps)
                .map(|i| {
                    let step = Decimal::from(i + 1) / Decimal::from(steps);
                    let value = (start + (end - start) * step)
                        .round_dp(1)
                        .max(Decimal::ZERO);
                    event(
                        month(i),
                        &actor,
                        Payload::MeasurementTaken {
                            value,
                            district: None,
                        },
                    )
                })
                .collect()
        }
        IndicatorKind::Coverage => {
            let needed = spec.target.unwrap_or(Decimal::ONE);
            let count = plan.districts.len() * usize::try_from(reach.min(100)).unwrap_or(0) / 100;
            plan.districts
                .iter()
                .take(count)
                .enumerate()
                .map(|(i, d)| {
                    let i = u64::try_from(i).unwrap_or(0);
                    event(
                        month(i % steps),
                        &d.name,
                        Payload::ProgressReported {
                            delta: needed,
                            district: Some(d.name.clone()),
                        },
                    )
                })
                .collect()
        }
        IndicatorKind::Milestones => {
            let done = spec.deliverables.len() * usize::try_from(reach.min(100)).unwrap_or(0) / 100;
            spec.deliverables
                .iter()
                .take(done.max(1))
                .enumerate()
                .map(|(i, d)| {
                    let i = u64::try_from(i).unwrap_or(0);
                    event(
                        month(i % steps),
                        &actor,
                        Payload::MilestoneReached {
                            deliverable: d.clone(),
                        },
                    )
                })
                .collect()
        }
        IndicatorKind::Status => {
            let mut list = vec![event(
                month(0),
                &actor,
                Payload::StatusChanged {
                    status: ItemStatus::InProgress,
                },
            )];
            if reach >= 100 {
                list.push(event(
                    month(steps - 1),
                    &actor,
                    Payload::StatusChanged {
                        status: ItemStatus::Done,
                    },
                ));
            }
            list
        }
    }
}

/// Records the simulated year into `tracker` (whose plan must be the Hefei 2023 plan, loaded):
/// returns how many events were written.
pub fn seed(tracker: &Tracker) -> Result<usize> {
    let plan = tracker
        .with_live(|p| p.catalog().plans().next().cloned())
        .ok_or_else(|| progress_ledger_core::Error::Plan {
            path: "(demo)".into(),
            reason: "load the plan before the simulated figures".into(),
        })?;
    let indicators: Vec<(Item, IndicatorSpec)> = tracker.with_live(|p| {
        let catalog = p.catalog();
        catalog
            .indicators()
            .filter(|def| def.plan == plan.id && !def.retired)
            .filter_map(|def| {
                catalog
                    .item_of(def)
                    .map(|item| (item.clone(), def.spec.clone()))
            })
            .collect()
    });
    let mut written = 0;
    for (item, spec) in &indicators {
        let batch = updates(&plan, item, spec);
        if batch.is_empty() {
            continue;
        }
        let count = batch.len();
        match tracker.record_batch(batch) {
            Ok(_) => written += count,
            Err(error) => {
                tracing::warn!(indicator = %spec.id, %error, "a simulated update was refused; skipped");
            }
        }
    }
    // The showcase: a double-counted report corrected, and the target revised.
    if let Ok(stream) = StreamId::indicator(SHOWCASE) {
        let wrong = NewEvent::new(
            stream.clone(),
            date(2023, 6, 30),
            "市卫健委",
            Payload::ProgressReported {
                delta: Decimal::from(900),
                district: Some("蜀山区".into()),
            },
        )
        .with_note(format!("{SIMULATED_NOTE}；重复报送"));
        let recorded = tracker.record(wrong)?;
        let correction = NewEvent::new(
            stream.clone(),
            date(2023, 6, 30),
            "市卫健委",
            Payload::Corrected {
                corrects: recorded.event.id,
                reason: "重复报送，核减".into(),
                replacement: Some(Box::new(Payload::ProgressReported {
                    delta: Decimal::from(300),
                    district: Some("蜀山区".into()),
                })),
            },
        )
        .with_note(SIMULATED_NOTE);
        tracker.record(correction)?;
        let revision = NewEvent::new(
            stream,
            date(2023, 7, 15),
            "市政府办公室",
            Payload::TargetRevised {
                target: Decimal::from(18000),
                reason: "动态调整（模拟）".into(),
            },
        )
        .with_note(SIMULATED_NOTE);
        tracker.record(revision)?;
        written += 3;
    }
    Ok(written)
}
