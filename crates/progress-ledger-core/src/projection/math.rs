//! Completion math of each indicator kind, and schedule status. Pure functions.
//!
//! Completion is a fraction (0.6875 means 68.75%). `raw` may pass 1 (or fall below 0 for a
//! level that got worse than its baseline); `capped` is clamped to [0, 1] and is what rollups
//! use. The rules are written out in docs/completion.md.

use std::collections::{BTreeMap, BTreeSet};

use jiff::civil::Date;
use rust_decimal::Decimal;
use serde::Serialize;

use super::aggregate::{Latest, Sum, Tally};
use super::state::{Contribution, IndicatorState, Update};
use super::trace::{Counted, LevelRule, NoTrace, Node, Role, Step, Trace};
use crate::plan::{Direction, IndicatorKind, IndicatorSpec, ItemStatus};

/// A completion, raw and capped.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Completion {
    /// Uncapped fraction.
    pub raw: Decimal,
    /// Fraction clamped to [0, 1].
    pub capped: Decimal,
}

impl Completion {
    /// A completion from its raw fraction.
    pub fn from_raw(raw: Decimal) -> Self {
        Self {
            raw,
            capped: raw.clamp(Decimal::ZERO, Decimal::ONE),
        }
    }

    /// Zero completion.
    pub const ZERO: Completion = Completion {
        raw: Decimal::ZERO,
        capped: Decimal::ZERO,
    };
}

/// Where an indicator stands against the share of the plan period elapsed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Schedule {
    /// Behind: completion below the share of the period elapsed.
    Behind,
    /// Nothing reported yet.
    NotStarted,
    /// Completion at or above the share of the period elapsed.
    OnTrack,
    /// Target met (capped completion is 1).
    Met,
}

impl Schedule {
    /// Lowercase name, as in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Schedule::Behind => "behind",
            Schedule::NotStarted => "not_started",
            Schedule::OnTrack => "on_track",
            Schedule::Met => "met",
        }
    }

    /// Chinese label for reports.
    pub fn label_zh(self) -> &'static str {
        match self {
            Schedule::Behind => "滞后",
            Schedule::NotStarted => "未启动",
            Schedule::OnTrack => "按进度",
            Schedule::Met => "已完成",
        }
    }
}

/// Share of the period `[start, end]` elapsed at the end of `day`, in [0, 1].
pub fn elapsed_share(start: Date, end: Date, day: Date) -> Decimal {
    let total = i64::from((end - start).get_days()) + 1;
    let done = i64::from((day - start).get_days()) + 1;
    if total <= 0 {
        return Decimal::ONE;
    }
    (Decimal::from(done.clamp(0, total)) / Decimal::from(total)).round_dp(6)
}

/// The schedule status of a completion at a point of the period.
pub fn schedule(capped: Decimal, started: bool, elapsed: Decimal) -> Schedule {
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

/// What an indicator's updates add up to.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Evaluation {
    /// The value: sum (cumulative), latest measurement (level), districts meeting the target
    /// (coverage), deliverables done (milestones), or 0 / 0.5 / 1 (status).
    pub value: Option<Decimal>,
    /// Completion against the target, if one can be computed.
    pub completion: Completion,
    /// Whether any update counts.
    pub started: bool,
    /// How many updates count.
    pub updates: usize,
}

fn ratio(numerator: Decimal, denominator: Decimal) -> Option<Decimal> {
    if denominator.is_zero() {
        None
    } else {
        numerator.checked_div(denominator).map(|r| r.round_dp(6))
    }
}

/// The rule a level's completion follows, with its numerator and denominator.
fn level_rule(
    value: Decimal,
    target: Decimal,
    direction: Direction,
    baseline: Option<Decimal>,
) -> (LevelRule, Decimal, Decimal) {
    match (direction, baseline) {
        (Direction::AtLeast, Some(b)) if b < target => {
            (LevelRule::UpFromBaseline, value - b, target - b)
        }
        (Direction::AtLeast, _) => (LevelRule::ShareOfTarget, value, target),
        (Direction::AtMost, Some(b)) if b > target => {
            (LevelRule::DownFromBaseline, b - value, b - target)
        }
        (Direction::AtMost, _) if value <= target => {
            (LevelRule::UnderCeiling, Decimal::ONE, Decimal::ONE)
        }
        (Direction::AtMost, _) => (LevelRule::CeilingOverValue, target, value),
    }
}

/// Completion of a level value against a target, in a direction, from an optional baseline.
pub fn level_completion(
    value: Decimal,
    target: Decimal,
    direction: Direction,
    baseline: Option<Decimal>,
) -> Decimal {
    let (_, numerator, denominator) = level_rule(value, target, direction, baseline);
    ratio(numerator, denominator).unwrap_or(Decimal::ZERO)
}

/// Evaluates an indicator's updates that count on `effective` (all if `None`) against
/// `target`; `districts` is the plan's district set (for coverage).
pub fn evaluate(
    spec: &IndicatorSpec,
    target: Option<Decimal>,
    state: &IndicatorState,
    effective: Option<Date>,
    districts: usize,
) -> Evaluation {
    evaluate_traced(spec, target, state, effective, districts, &mut NoTrace)
}

/// [`evaluate`], telling `trace` (if it wants the indicator) the role of every update that
/// counts and each step from them to the value and the completion.
///
/// The figures come from the indicator's aggregates ([`IndicatorState::tally`]), whatever the
/// number of updates; a trace that wants the indicator is also told each update's role, read
/// from the same tally (which update is the latest, which deltas it sums).
pub fn evaluate_traced<T: Trace>(
    spec: &IndicatorSpec,
    target: Option<Decimal>,
    state: &IndicatorState,
    effective: Option<Date>,
    districts: usize,
    trace: &mut T,
) -> Evaluation {
    state.with_tally(effective, |tally| {
        evaluate_tally(spec, target, state, tally, effective, districts, trace)
    })
}

/// [`evaluate_traced`] from the tally of `state`'s updates that count on `effective`.
fn evaluate_tally<T: Trace>(
    spec: &IndicatorSpec,
    target: Option<Decimal>,
    state: &IndicatorState,
    tally: &Tally,
    effective: Option<Date>,
    districts: usize,
    trace: &mut T,
) -> Evaluation {
    let node = Node::Indicator(&spec.id);
    let traced = trace.wants(node);
    // Only a trace reads the updates one by one.
    let live: Vec<Update<'_>> = if traced {
        state.live(effective).collect()
    } else {
        Vec::new()
    };
    let started = tally.live() > 0;
    let (value, raw) = match spec.kind {
        IndicatorKind::Cumulative => {
            let sum = tally.deltas().value();
            if traced {
                for update in &live {
                    let role = match update.contribution {
                        Contribution::Delta { .. } => Role::Summed,
                        _ => Role::Unused,
                    };
                    trace.update(node, update, role);
                }
                trace.step(
                    node,
                    Step::Sum {
                        terms: tally.deltas().terms(),
                        value: sum,
                    },
                );
            }
            let raw = target.and_then(|t| {
                let result = ratio(sum, t);
                if traced {
                    trace.step(
                        node,
                        Step::Ratio {
                            numerator: sum,
                            denominator: t,
                            result,
                        },
                    );
                }
                result
            });
            (Some(sum), raw)
        }
        IndicatorKind::Level => {
            // The measurement with the latest effective date (the later-recorded one on a tie);
            // plan-wide measurements only: district ones show in the district view.
            let latest = tally.measured();
            if traced {
                for update in &live {
                    let role = match update.contribution {
                        Contribution::Measurement { district: None, .. } => {
                            if is_latest(latest, update) {
                                Role::Latest
                            } else {
                                Role::Superseded
                            }
                        }
                        Contribution::Measurement { .. } => Role::DistrictOnly,
                        _ => Role::Unused,
                    };
                    trace.update(node, update, role);
                }
                trace.step(
                    node,
                    Step::Latest {
                        effective: latest.map(|l| l.effective),
                        value: latest.map(|l| l.value),
                    },
                );
            }
            let latest = latest.map(|l| l.value);
            let raw = match (latest, target) {
                (Some(v), Some(t)) => {
                    let (rule, numerator, denominator) =
                        level_rule(v, t, spec.direction, spec.baseline);
                    let result = ratio(numerator, denominator).unwrap_or(Decimal::ZERO);
                    if traced {
                        trace.step(
                            node,
                            Step::Level {
                                rule,
                                direction: spec.direction,
                                value: v,
                                target: t,
                                baseline: spec.baseline,
                                numerator,
                                denominator,
                                result,
                            },
                        );
                    }
                    Some(result)
                }
                _ => None,
            };
            (latest, raw)
        }
        IndicatorKind::Coverage => {
            let per_district = district_sums(state, tally);
            let needed = target.unwrap_or(Decimal::ONE);
            let met = per_district
                .values()
                .filter(|sum| sum.value() >= needed)
                .count();
            let met = Decimal::from(met);
            if traced {
                for update in &live {
                    let role = match update.contribution {
                        Contribution::Delta {
                            district: Some(_), ..
                        } => Role::DistrictSum,
                        _ => Role::Unused,
                    };
                    trace.update(node, update, role);
                }
                for (district, sum) in &per_district {
                    trace.step(
                        node,
                        Step::District {
                            district: (*district).to_owned(),
                            terms: sum.terms(),
                            sum: sum.value(),
                            needed,
                            met: sum.value() >= needed,
                        },
                    );
                }
                trace.step(
                    node,
                    Step::Count {
                        of: Counted::DistrictsMet,
                        value: met,
                    },
                );
            }
            let raw = ratio(met, Decimal::from(districts));
            if traced {
                trace.step(
                    node,
                    Step::Ratio {
                        numerator: met,
                        denominator: Decimal::from(districts),
                        result: raw,
                    },
                );
            }
            (Some(met), raw)
        }
        IndicatorKind::Milestones => {
            let done = tally.names().filter(|(_, name)| name.reached > 0).count();
            if traced {
                let mut seen: BTreeSet<&str> = BTreeSet::new();
                for update in &live {
                    let role = match update.contribution {
                        Contribution::Milestone(name) if seen.insert(name) => Role::Reached,
                        Contribution::Milestone(_) => Role::AlreadyReached,
                        _ => Role::Unused,
                    };
                    trace.update(node, update, role);
                }
            }
            let done = Decimal::from(done);
            let total = Decimal::from(spec.deliverables.len());
            let raw = ratio(done, total);
            if traced {
                trace.step(
                    node,
                    Step::Count {
                        of: Counted::DeliverablesReached,
                        value: done,
                    },
                );
                trace.step(
                    node,
                    Step::Ratio {
                        numerator: done,
                        denominator: total,
                        result: raw,
                    },
                );
            }
            (Some(done), raw)
        }
        IndicatorKind::Status => {
            let latest = tally.status();
            let status = latest.map_or(ItemStatus::NotStarted, |l| l.value);
            let value = match status {
                ItemStatus::NotStarted => Decimal::ZERO,
                ItemStatus::InProgress => Decimal::new(5, 1),
                ItemStatus::Done => Decimal::ONE,
            };
            if traced {
                for update in &live {
                    let role = match update.contribution {
                        Contribution::Status(_) if is_latest(latest, update) => Role::Latest,
                        Contribution::Status(_) => Role::Superseded,
                        _ => Role::Unused,
                    };
                    trace.update(node, update, role);
                }
                trace.step(
                    node,
                    Step::Latest {
                        effective: latest.map(|l| l.effective),
                        value: Some(value),
                    },
                );
                trace.step(node, Step::Status { status, value });
            }
            (Some(value), Some(value))
        }
    };
    let completion = raw.map_or(Completion::ZERO, Completion::from_raw);
    if traced {
        match raw {
            Some(raw) => trace.step(
                node,
                Step::Cap {
                    raw,
                    capped: completion.capped,
                },
            ),
            None => trace.step(node, Step::NoCompletion),
        }
    }
    Evaluation {
        value,
        completion,
        started,
        updates: tally.live(),
    }
}

/// Whether `update` is the latest one of a tally.
fn is_latest<V>(latest: Option<Latest<V>>, update: &Update<'_>) -> bool {
    latest.is_some_and(|l| l.order as usize == update.order)
}

/// The schedule status of `node`, telling `trace` the step if it wants the node.
pub fn judge<T: Trace>(
    node: Node<'_>,
    capped: Decimal,
    started: bool,
    elapsed: Decimal,
    trace: &mut T,
) -> Schedule {
    let status = schedule(capped, started, elapsed);
    if trace.wants(node) {
        trace.step(
            node,
            Step::Schedule {
                capped,
                started,
                elapsed,
                status,
            },
        );
    }
    status
}

/// The sum of the deltas reported per district, of the districts with any, by name.
pub(crate) fn district_sums<'a>(
    state: &'a IndicatorState,
    tally: &Tally,
) -> BTreeMap<&'a str, Sum> {
    tally
        .names()
        .filter(|(_, name)| name.deltas.terms() > 0)
        .filter_map(|(index, name)| Some((state.name_at(index)?, name.deltas)))
        .collect()
}

/// The latest measurement per district, of the districts with any, by name.
pub(crate) fn district_measurements<'a>(
    state: &'a IndicatorState,
    tally: &Tally,
) -> BTreeMap<&'a str, Decimal> {
    tally
        .names()
        .filter_map(|(index, name)| Some((state.name_at(index)?, name.measured?.value)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str) -> Decimal {
        text.parse().unwrap_or_default()
    }

    #[test]
    fn level_completion_by_direction_and_baseline() {
        // 孕产妇系统管理率达92%以上: at least 92, no baseline.
        assert_eq!(
            level_completion(d("46"), d("92"), Direction::AtLeast, None),
            d("0.5")
        );
        assert_eq!(
            level_completion(d("92"), d("92"), Direction::AtLeast, None),
            d("1")
        );
        // At least 90 from a baseline of 80: 85 is half-way.
        assert_eq!(
            level_completion(d("85"), d("90"), Direction::AtLeast, Some(d("80"))),
            d("0.5")
        );
        // 由半小时缩短到20分钟以下: at most 20 from 30; 25 is half-way, 15 passes.
        assert_eq!(
            level_completion(d("25"), d("20"), Direction::AtMost, Some(d("30"))),
            d("0.5")
        );
        assert_eq!(
            level_completion(d("15"), d("20"), Direction::AtMost, Some(d("30"))),
            d("1.5")
        );
        assert_eq!(
            level_completion(d("35"), d("20"), Direction::AtMost, Some(d("30"))),
            d("-0.5")
        );
        // PM2.5不高于32: no baseline; at or under the ceiling is done, above it target/value.
        assert_eq!(
            level_completion(d("30"), d("32"), Direction::AtMost, None),
            d("1")
        );
        assert_eq!(
            level_completion(d("40"), d("32"), Direction::AtMost, None),
            d("0.8")
        );
    }

    #[test]
    fn elapsed_share_over_a_year() {
        let start = jiff::civil::date(2023, 1, 1);
        let end = jiff::civil::date(2023, 12, 31);
        assert_eq!(
            elapsed_share(start, end, jiff::civil::date(2022, 6, 1)),
            Decimal::ZERO
        );
        assert_eq!(elapsed_share(start, end, end), Decimal::ONE);
        assert_eq!(
            elapsed_share(start, end, jiff::civil::date(2024, 3, 1)),
            Decimal::ONE
        );
        // 2023-07-02 is day 183 of 365.
        assert_eq!(
            elapsed_share(start, end, jiff::civil::date(2023, 7, 2)),
            d("0.501370")
        );
    }

    #[test]
    fn schedule_statuses() {
        let half = d("0.5");
        assert_eq!(schedule(Decimal::ONE, true, half), Schedule::Met);
        assert_eq!(schedule(Decimal::ZERO, false, half), Schedule::NotStarted);
        assert_eq!(schedule(d("0.6"), true, half), Schedule::OnTrack);
        assert_eq!(schedule(d("0.4"), true, half), Schedule::Behind);
    }
}
