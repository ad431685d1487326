//! Commitments without a figure (`docs/plan-data.md`): words that promise all of a set (全覆盖,
//! 所有, 应X尽X …), none left of a set (动态清零, 基本消除) or a service around the clock
//! (“7×24小时”). In an item that has a numeric target, each of them is a level of its own:
//! 100 %, or 24 小时/天.

use progress_ledger_core::plan::{Direction, IndicatorKind};
use rust_decimal::Decimal;

use super::title::tidy;
use super::{Proposal, Span};
use crate::figures::{self, LOOKBACK};
use crate::text::View;
use crate::{Candidate, Certainty, Rule};

/// Words that promise all of a set, or none of it left.
const COMMITMENT_WORDS: &[&str] = &["全覆盖", "全部", "所有", "全量", "均应", "清零", "基本消除"];

/// A service around the clock written as an expression: 7×24小时.
const AROUND_THE_CLOCK: &[&str] = &["×24小时", "*24小时", "x24小时", "X24小时"];

/// Whether `segment` names a commitment word, or 应X尽X (应建尽建, 应保尽保).
pub(super) fn has_commitment_word(view: &View<'_>, span: Span) -> bool {
    view.contains_any(span.start, span.end, COMMITMENT_WORDS)
        || (span.start..span.end).any(|at| {
            view.char_is(at, |c| c == '应')
                && view.char_is(at + 2, |c| c == '尽')
                && view
                    .char_at(at + 1)
                    .is_some_and(|named| named != '尽' && view.char_at(at + 3) == Some(named))
        })
}

/// The commitments of one clause: one level for each segment that names a commitment and has no
/// figure of its own (所有二级以上公立、50%二级以上民营… gives 100 % for the first segment only).
pub(super) fn commitments(view: &View<'_>, clause: Span, segments: &[Span]) -> Vec<Proposal> {
    let (start, end) = view.trim_range(clause.start, clause.end);
    // The clause, as the curated plan quotes it; a clause longer than any real one is not copied
    // into every indicator.
    let whole_clause = end - start <= 2 * LOOKBACK;
    let source = view.phrase(start, end);
    let mut proposals = Vec::new();
    for &segment in segments {
        if !figures::scan(view, segment.start, segment.end).is_empty()
            && !view.contains_any(segment.start, segment.end, AROUND_THE_CLOCK)
        {
            continue;
        }
        let around_the_clock = view.contains_any(segment.start, segment.end, AROUND_THE_CLOCK);
        if !around_the_clock && !has_commitment_word(view, segment) {
            continue;
        }
        let (value, unit) = if around_the_clock {
            (Decimal::from(24), "小时/天")
        } else {
            (Decimal::ONE_HUNDRED, "%")
        };
        proposals.push(Proposal {
            candidate: Candidate {
                id: String::new(),
                title: tidy(view.verbatim(segment.start, segment.end)),
                kind: IndicatorKind::Level,
                unit: unit.to_string(),
                target: Some(value),
                direction: Direction::AtLeast,
                baseline: None,
                source: if whole_clause {
                    source.clone()
                } else {
                    view.phrase(segment.start, segment.end)
                },
                deliverables: Vec::new(),
                growth: false,
                line: 0,
                rule: if around_the_clock {
                    Rule::AroundTheClock
                } else {
                    Rule::Commitment
                },
                certainty: Certainty::Likely,
            },
            at: view.byte_offset(segment.start),
        });
    }
    proposals
}

#[cfg(test)]
mod tests {
    use super::super::extract;
    use super::super::tests::{proposals_of, summary};
    use progress_ledger_core::plan::{
        Direction::AtLeast,
        IndicatorKind::{Cumulative, Level},
    };

    #[test]
    fn commitments_in_an_item_with_targets() {
        assert_eq!(
            proposals_of("开展帮扶不少于5300人次。基本实现孤儿应保尽保。"),
            [
                summary("5300", "人次", AtLeast, Cumulative),
                summary("100", "%", AtLeast, Level)
            ]
        );
        assert_eq!(
            proposals_of("所有二级以上公立、50%二级以上民营综合医院开设精神科。"),
            [
                summary("100", "%", AtLeast, Level),
                summary("50", "%", AtLeast, Level)
            ]
        );
        assert_eq!(
            proposals_of("提供“7×24小时”热线服务,一般诉求3个工作日内办结。")
                .first()
                .cloned(),
            Some(summary("24", "小时/天", AtLeast, Level))
        );
        // The count of the set is the target; no second indicator for the same set.
        assert_eq!(
            proposals_of("全市1194个行政村输送文艺演出全覆盖。"),
            [summary("1194", "个", AtLeast, Cumulative)]
        );
        // An item without a numeric target has a status indicator, which covers its commitments.
        assert!(
            extract("推进乡镇决策事项合法性审查全覆盖。")
                .proposals
                .is_empty()
        );
        // Not commitment words: 全面, 全市, 消除 on its own, 应 and 尽 apart.
        assert_eq!(
            proposals_of("新增托位100个,全面落实消除隐患,应当尽快完成。").len(),
            1
        );
    }
}
