//! Property tests of the projections: incremental equals rebuild, replay as recorded at T equals
//! what the live projection held then, snapshot-started replay equals from-zero replay, and the
//! completion math's bounds and monotonicity.

mod common;

use common::update;
use jiff::civil::Date;
use progress_ledger::plan::{Direction, IndicatorKind, ItemStatus};
use progress_ledger::projection::{Projection, evaluate, level_completion};
use progress_ledger::{Error, Payload, Tracker, TrackerConfig};
use proptest::prelude::*;
use rust_decimal::Decimal;

const DISTRICTS: [&str; 4] = ["瑶海区", "庐阳区", "蜀山区", "包河区"];

#[derive(Clone, Debug)]
enum Update {
    Seats { delta: u32, district: Option<usize> },
    Centre { district: usize, delta: u32 },
    Measure { id: usize, value: u32 },
    Milestone { which: usize },
    Status { which: usize },
    Correct { pick: usize, replace: Option<u32> },
    Revise { target: u32 },
}

fn update_strategy() -> impl Strategy<Value = (Update, u16)> {
    let update = prop_oneof![
        3 => (0..5000u32, prop::option::of(0..4usize)).prop_map(|(delta, district)| Update::Seats { delta, district }),
        1 => (0..4usize, 0..3u32).prop_map(|(district, delta)| Update::Centre { district, delta }),
        2 => (0..3usize, 0..100u32).prop_map(|(id, value)| Update::Measure { id, value }),
        1 => (0..4usize).prop_map(|which| Update::Milestone { which }),
        1 => (0..3usize).prop_map(|which| Update::Status { which }),
        2 => (any::<usize>(), prop::option::of(0..3000u32)).prop_map(|(pick, replace)| Update::Correct { pick, replace }),
        1 => (1000..30000u32).prop_map(|target| Update::Revise { target }),
    ];
    // Day of 2023 the update is effective on.
    (update, 0..365u16)
}

fn day(offset: u16) -> Date {
    jiff::civil::date(2023, 1, 1)
        .checked_add(jiff::Span::new().days(i64::from(offset)))
        .expect("date in 2023")
}

/// Records the updates; returns the live projection right after each recorded event.
fn record_all(tracker: &Tracker, updates: &[(Update, u16)]) -> Vec<Projection> {
    let mut recorded_ids: Vec<(String, uuid::Uuid)> = Vec::new();
    let mut after_each = vec![tracker.live_projection()];
    for (u, offset) in updates {
        let date = day(*offset);
        let (id, payload) = match u {
            Update::Seats { delta, district } => (
                "seats".to_string(),
                Payload::ProgressReported {
                    delta: Decimal::from(*delta),
                    district: district.map(|d| DISTRICTS[d].into()),
                },
            ),
            Update::Centre { district, delta } => (
                "centres".to_string(),
                Payload::ProgressReported {
                    delta: Decimal::from(*delta),
                    district: Some(DISTRICTS[*district].into()),
                },
            ),
            Update::Measure { id, value } => (
                ["rate", "pm25", "wait"][*id].to_string(),
                Payload::MeasurementTaken {
                    value: Decimal::from(*value),
                    district: None,
                },
            ),
            Update::Milestone { which } => (
                "hospitals".to_string(),
                Payload::MilestoneReached {
                    deliverable: ["A", "B", "C", "D"][*which].into(),
                },
            ),
            Update::Status { which } => (
                "policy".to_string(),
                Payload::StatusChanged {
                    status: [
                        ItemStatus::NotStarted,
                        ItemStatus::InProgress,
                        ItemStatus::Done,
                    ][*which],
                },
            ),
            Update::Correct { pick, replace } => {
                let Some((id, target)) =
                    recorded_ids.get(pick % recorded_ids.len().max(1)).cloned()
                else {
                    continue;
                };
                let replacement = match (id.as_str(), replace) {
                    ("seats", Some(v)) => Some(Box::new(Payload::ProgressReported {
                        delta: Decimal::from(*v),
                        district: None,
                    })),
                    _ => None,
                };
                (
                    id,
                    Payload::Corrected {
                        corrects: target,
                        reason: "test".into(),
                        replacement,
                    },
                )
            }
            Update::Revise { target } => (
                "seats".to_string(),
                Payload::TargetRevised {
                    target: Decimal::from(*target),
                    reason: "test".into(),
                },
            ),
        };
        match tracker.record(update(&id, date, payload)) {
            Ok(appended) => {
                recorded_ids.push((id, appended.event.id));
                after_each.push(tracker.live_projection());
            }
            // Correcting an already-corrected update is refused; nothing was written.
            Err(Error::Rejected { .. }) => {}
            Err(other) => panic!("unexpected error {other}"),
        }
    }
    after_each
}

fn open(snapshot_every: u64) -> (tempfile::TempDir, Tracker) {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut config = TrackerConfig::new(dir.path());
    config.snapshot_every = snapshot_every;
    let tracker = Tracker::open_with(config).expect("open");
    tracker
        .load_plan(&common::small_plan(), "loader")
        .expect("load");
    (dir, tracker)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 40, ..ProptestConfig::default() })]

    #[test]
    fn incremental_projection_equals_full_rebuild(updates in prop::collection::vec(update_strategy(), 0..40)) {
        let (_dir, tracker) = open(1000);
        record_all(&tracker, &updates);
        prop_assert_eq!(tracker.live_projection(), tracker.rebuild().expect("rebuild"));
    }

    #[test]
    fn replay_as_recorded_at_t_equals_what_the_live_projection_held(
        updates in prop::collection::vec(update_strategy(), 1..30),
        picks in prop::collection::vec(any::<prop::sample::Index>(), 1..6),
    ) {
        let (_dir, tracker) = open(7);
        let after_each = record_all(&tracker, &updates);
        let ledger = tracker.ledger();
        for pick in picks {
            let state = &after_each[pick.index(after_each.len())];
            let Some(time) = state.recorded_at() else { continue };
            // At the exact time of the event, and a microsecond before the next one.
            let seq = ledger.seq_recorded_by(time).expect("search");
            prop_assert_eq!(seq, state.seq());
            let (replayed, _) = tracker.projection_at(seq).expect("replay");
            prop_assert_eq!(&replayed, state);
            if let Some(next) = ledger.get(state.seq() + 1).expect("read") {
                let just_before = next.recorded_at.checked_sub(jiff::SignedDuration::from_micros(1)).expect("time");
                prop_assert_eq!(ledger.seq_recorded_by(just_before).expect("search"), state.seq());
            }
        }
    }

    #[test]
    fn snapshot_started_replay_equals_from_zero_replay(
        updates in prop::collection::vec(update_strategy(), 1..40),
        every in 1..8u64,
        pick in any::<prop::sample::Index>(),
    ) {
        let (_dir, tracker) = open(every);
        record_all(&tracker, &updates);
        let head = tracker.ledger().len();
        let seq = pick.index(head as usize + 1) as u64;
        let (from_snapshot, folded) = tracker.projection_at(seq).expect("replay");
        let mut from_zero = Projection::default();
        for event in tracker.ledger().events_from(1) {
            let event = event.expect("read");
            if event.seq > seq { break; }
            from_zero.apply(&event);
        }
        prop_assert_eq!(from_snapshot, from_zero);
        prop_assert!(folded <= every + 12, "folded {} with snapshots every {}", folded, every);
    }

    #[test]
    fn level_completion_bounds_and_monotonicity(
        value in 0..10_000i64, lower in 0..10_000i64, target in 1..10_000i64,
        baseline in prop::option::of(0..10_000i64),
    ) {
        let (value, lower, target) = (Decimal::new(value, 2), Decimal::new(lower.min(value), 2), Decimal::new(target, 2));
        let baseline = baseline.map(|b| Decimal::new(b, 2));
        // A lower value never lowers an at-most completion; a higher one never lowers at-least.
        let at_most = |v| level_completion(v, target, Direction::AtMost, baseline);
        let at_least = |v| level_completion(v, target, Direction::AtLeast, baseline);
        prop_assert!(at_most(lower) >= at_most(value));
        prop_assert!(at_least(value) >= at_least(lower));
        // Reaching the target is complete in both directions.
        prop_assert!(at_most(target) >= Decimal::ONE);
        prop_assert!(at_least(target) >= Decimal::ONE);
    }

    #[test]
    fn cumulative_completion_is_bounded_and_never_lowered_by_progress(
        deltas in prop::collection::vec(0..10_000u32, 0..20), extra in 0..10_000u32, target in 1..50_000u32,
    ) {
        let spec = common::spec("x", IndicatorKind::Cumulative, "个", Some(i64::from(target)), Direction::AtLeast);
        let mut state = progress_ledger::projection::IndicatorState::default();
        for delta in &deltas {
            state.push(day(0), progress_ledger::projection::Contribution::Delta { amount: Decimal::from(*delta), district: None });
        }
        let before = evaluate(&spec, spec.target, &state, None, 4).completion;
        state.push(day(0), progress_ledger::projection::Contribution::Delta { amount: Decimal::from(extra), district: None });
        let after = evaluate(&spec, spec.target, &state, None, 4).completion;
        prop_assert!(after.raw >= before.raw);
        prop_assert!(after.capped >= before.capped);
        for c in [before, after] {
            prop_assert!(c.capped >= Decimal::ZERO && c.capped <= Decimal::ONE);
            prop_assert!(c.raw >= Decimal::ZERO);
        }
    }
}
