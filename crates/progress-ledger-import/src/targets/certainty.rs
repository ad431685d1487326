//! Which rule drafted a figure, how sure that reading is, and whether it is a growth rate.

use progress_ledger_core::plan::Direction;

use super::Span;
use super::kind::is_percent;
use super::scope::ACTION_VERBS;
use crate::figures::Figure;
use crate::text::View;
use crate::{Certainty, Rule};

/// Words that make a share a growth rate (增长10%, 年均增幅不低于4.5%).
const GROWTH_WORDS: &[&str] = &["增长", "增幅", "增速", "增加"];

/// How far before a count the 为 of the people or places served may be written (为全县12所…).
const SERVED_REACH: usize = 4;

/// What the reading of a figure rests on.
pub(super) struct Reading {
    /// The direction word the text writes around it, if any.
    pub explicit: Option<Direction>,
    /// Whether a direction word is written earlier in its part, not next to it.
    pub distant: bool,
    /// Whether it is counted per something.
    pub per_unit: bool,
    /// Whether it is a service around the clock.
    pub around_the_clock: bool,
}

/// The rule that drafts `figure` and how sure it is, first match wins: no unit (unsure), an
/// approximation (likely), around the clock (likely), per unit (sure with a direction word,
/// likely without), a direction word (sure), a share (likely), a count after a verb of doing or
/// of people served (为N名…提供) (likely), a bare figure (unsure).
pub(super) fn judge(
    view: &View<'_>,
    clause: Span,
    figure: &Figure,
    reading: &Reading,
) -> (Rule, Certainty) {
    let (clause_start, clause_end) = (figure.floor(clause.start), figure.limit(clause.end));
    if figure.unit.is_empty() {
        return (Rule::NoUnit, Certainty::Unsure);
    }
    if figure.approx {
        return (Rule::Approximate, Certainty::Likely);
    }
    if reading.around_the_clock {
        return (Rule::AroundTheClock, Certainty::Likely);
    }
    if reading.per_unit {
        let certainty = match reading.explicit {
            Some(_) => Certainty::Sure,
            None => Certainty::Likely,
        };
        return (Rule::PerUnit, certainty);
    }
    if reading.explicit.is_some() {
        return (Rule::DirectionWord, Certainty::Sure);
    }
    if reading.distant {
        return (Rule::DirectionWord, Certainty::Likely);
    }
    if is_percent(&figure.unit) {
        return (Rule::Share, Certainty::Likely);
    }
    // 新增…10万人; 为10450名困难精神残疾人发放…: the people served.
    let served = view.contains(
        figure.start.saturating_sub(SERVED_REACH).max(clause_start),
        figure.start,
        "为",
    ) && view.contains_any(figure.end, clause_end, ACTION_VERBS);
    if view.contains_any(clause_start, figure.start, ACTION_VERBS) || served {
        return (Rule::CountAfterVerb, Certainty::Likely);
    }
    (Rule::BareFigure, Certainty::Unsure)
}

/// Whether a share in `part` is a growth rate: 增长, 增幅 … before it.
pub(super) fn is_growth(view: &View<'_>, part: Span, figure: &Figure) -> bool {
    is_percent(&figure.unit) && view.contains_any(part.start, figure.number_start, GROWTH_WORDS)
}

#[cfg(test)]
mod tests {
    use super::super::extract;
    use crate::{Certainty, Rule};

    fn judged(text: &str) -> Vec<(Rule, Certainty, bool)> {
        extract(text)
            .proposals
            .into_iter()
            .map(|proposal| {
                let candidate = proposal.candidate;
                (candidate.rule, candidate.certainty, candidate.growth)
            })
            .collect()
    }

    #[test]
    fn rules_and_certainty() {
        use Certainty::{Likely, Sure, Unsure};
        let cases = [
            ("开展帮扶不少于5300人次", (Rule::DirectionWord, Sure, false)),
            ("新增城镇就业68万人左右", (Rule::Approximate, Likely, false)),
            (
                "新增家政服务人员10万人",
                (Rule::CountAfterVerb, Likely, false),
            ),
            (
                "在全市120家社区养老服务中心设立",
                (Rule::BareFigure, Unsure, false),
            ),
            (
                "为4753名残疾儿童提供康复训练救助",
                (Rule::CountAfterVerb, Likely, false),
            ),
            (
                "为 14.65 万名残疾人提供康复救助",
                (Rule::CountAfterVerb, Likely, false),
            ),
            ("按1500元/人标准发放", (Rule::PerUnit, Likely, false)),
            (
                "特困人员基本生活标准不低于当地最低生活保障标准的1.3倍",
                (Rule::DirectionWord, Likely, false),
            ),
            ("每千人口不得少于10个托位", (Rule::PerUnit, Sure, false)),
            ("城镇化率70%", (Rule::Share, Likely, false)),
            ("地区生产总值增长10%左右", (Rule::Approximate, Likely, true)),
            ("外贸出口增长10%", (Rule::DirectionWord, Sure, true)),
            (
                "居民消费价格指数控制在103.5以内",
                (Rule::NoUnit, Unsure, false),
            ),
            (
                "重点区域实行24小时开放",
                (Rule::AroundTheClock, Likely, false),
            ),
        ];
        for (text, expected) in cases {
            assert_eq!(judged(text), [expected], "{text}");
        }
    }
}
