//! Candidate targets of one item: which figures are targets, with what kind, direction, baseline
//! and title, and which only describe scope.
//!
//! The text is cut into clauses at 。 , ; (outside brackets and quotation marks) and clauses into
//! segments at 、 (except inside the district set 各县(市)区、开发区). Each figure the scanner
//! finds is then a target, a scope figure (skipped, with the reason) or odd (unclassified).
//! `docs/importer.md` states the rules in prose.
//!
//! In an item with a numeric target, commitments without a figure (全覆盖, 应X尽X …) are added.
//!
//! Modules: `clause` (one clause's figures, sorted out and proposed), `scope` (what only
//! describes scope, and time frames), `per_unit` (denominators: 个/千人, 次/半年), `kind` (level,
//! cumulative, coverage), `change` (由 X 到 Y: baselines), `title` (titles cut from the text, and
//! the part of a list each number owns), `commitments` (全覆盖, 所有 …: 100 %), `certainty` (the
//! rule that drafted a figure, how sure it is, growth rates) and `milestones` (完成A、B和C等…).

mod certainty;
mod change;
mod clause;
mod commitments;
mod kind;
mod milestones;
mod per_unit;
mod scope;
mod title;

use progress_ledger_core::plan::IndicatorKind;

use crate::Candidate;
use crate::district_set::joins_district_set;
use crate::text::{View, is_closing_bracket, is_opening_bracket};

/// A range of character positions of the item text, `start..end`: a clause or a segment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Span {
    start: usize,
    end: usize,
}

impl Span {
    /// Whether `position` is inside the span.
    fn contains(self, position: usize) -> bool {
        self.start <= position && position < self.end
    }
}

/// A proposed indicator and where its figure is in the item text. The candidate's `id` and
/// `line` are empty (`""`, 0): the structure reader sets them when it closes the item.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Proposal {
    /// The proposed indicator.
    pub candidate: Candidate,
    /// Byte offset of the figure in the item text.
    pub at: usize,
}

/// A figure that was read but not proposed, or could not be read.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct NotedPhrase {
    /// Byte offset in the item text.
    pub at: usize,
    /// The phrase, verbatim.
    pub phrase: String,
    /// Why.
    pub reason: String,
}

/// Everything found in one item's text.
#[derive(Debug, Default)]
pub(crate) struct Extracted {
    /// Proposed indicators, in the order of their figures.
    pub proposals: Vec<Proposal>,
    /// Figures read as scope, dates, codes, or quoted names: not targets.
    pub skipped: Vec<NotedPhrase>,
    /// Digits that could not be interpreted.
    pub odd: Vec<NotedPhrase>,
    /// Remarks on proposals (a baseline that could not be converted …).
    pub notes: Vec<NotedPhrase>,
}

/// Per-character nesting of the item text: inside quotation marks, and bracket depth.
struct Nesting {
    quoted: Vec<bool>,
    depth: Vec<u32>,
}

impl Nesting {
    fn of(view: &View<'_>) -> Nesting {
        let mut quoted = Vec::with_capacity(view.len());
        let mut depth = Vec::with_capacity(view.len());
        let (mut quotes_open, mut ascii_quote_open, mut brackets_open) = (0u32, false, 0u32);
        for position in 0..view.len() {
            let character = view.char_at(position).unwrap_or(' ');
            match character {
                '“' | '‘' | '《' | '「' | '『' => quotes_open += 1,
                '"' => ascii_quote_open = !ascii_quote_open,
                _ if is_opening_bracket(character) => brackets_open += 1,
                _ => {}
            }
            quoted.push(
                quotes_open > 0
                    || ascii_quote_open
                    || matches!(character, '”' | '’' | '》' | '」' | '』'),
            );
            depth.push(brackets_open);
            match character {
                '”' | '’' | '》' | '」' | '』' => {
                    quotes_open = quotes_open.saturating_sub(1)
                }
                _ if is_closing_bracket(character) => {
                    brackets_open = brackets_open.saturating_sub(1)
                }
                // A sentence end closes whatever was left open, so one stray mark cannot swallow
                // the rest of the item.
                '。' => (quotes_open, ascii_quote_open, brackets_open) = (0, false, 0),
                _ => {}
            }
        }
        Nesting { quoted, depth }
    }

    /// Whether the character at `position` is inside quotation marks.
    fn is_quoted(&self, position: usize) -> bool {
        self.quoted.get(position).copied().unwrap_or(false)
    }

    /// Whether the character at `position` is outside quotation marks and brackets.
    fn is_free(&self, position: usize) -> bool {
        !self.is_quoted(position) && self.depth.get(position) == Some(&0)
    }
}

/// Cuts `span` at the positions for which `cut` holds (the cutting characters belong to no
/// piece), returning the pieces.
fn split(span: Span, cut: impl Fn(usize) -> bool) -> Vec<Span> {
    let mut pieces = Vec::new();
    let mut piece_start = span.start;
    for position in span.start..span.end {
        if cut(position) {
            pieces.push(Span {
                start: piece_start,
                end: position,
            });
            piece_start = position + 1;
        }
    }
    pieces.push(Span {
        start: piece_start,
        end: span.end,
    });
    pieces
}

/// Reads the candidate targets of one item's text.
pub(crate) fn extract(text: &str) -> Extracted {
    let view = View::new(text);
    let nesting = Nesting::of(&view);
    let digit_at = |position: usize| view.char_is(position, |c| c.is_ascii_digit());
    let whole = Span {
        start: 0,
        end: view.len(),
    };
    let clauses = split(whole, |position| {
        nesting.is_free(position)
            && match view.char_at(position) {
                Some('。' | ';' | '!' | '?') => true,
                // 10,000 is one number.
                Some(',') => !(position > 0 && digit_at(position - 1) && digit_at(position + 1)),
                _ => false,
            }
    });
    let mut extracted = Extracted::default();
    let mut cut = Vec::new();
    for clause in clauses {
        let segments = split(clause, |position| {
            nesting.is_free(position)
                && view.char_is(position, |c| c == '、')
                && !joins_district_set(&view, position, clause.start)
        });
        clause::read_clause(&view, clause, &segments, &nesting, &mut extracted);
        cut.push((clause, segments));
    }
    // Commitments without a figure count only in an item that has a numeric target: otherwise
    // the item's status indicator tracks them.
    let numeric = extracted.proposals.iter().any(|proposal| {
        matches!(
            proposal.candidate.kind,
            IndicatorKind::Cumulative | IndicatorKind::Level | IndicatorKind::Coverage
        )
    });
    if numeric {
        for (clause, segments) in &cut {
            let found = commitments::commitments(&view, *clause, segments);
            extracted.proposals.extend(found);
        }
        extracted.proposals.sort_by_key(|proposal| proposal.at);
    }
    extracted
}

#[cfg(test)]
mod tests {
    use super::*;
    use progress_ledger_core::plan::{Direction, IndicatorKind};

    /// A proposal as the tests compare it: (value, unit, direction, kind).
    pub(super) type Summary = (String, String, Direction, IndicatorKind);

    /// The summary of every proposal of `text`.
    pub(super) fn proposals_of(text: &str) -> Vec<Summary> {
        extract(text)
            .proposals
            .into_iter()
            .map(|proposal| {
                let candidate = proposal.candidate;
                let value = candidate
                    .target
                    .map(|target| target.to_string())
                    .unwrap_or_default();
                (value, candidate.unit, candidate.direction, candidate.kind)
            })
            .collect()
    }

    /// The summary the tests expect.
    pub(super) fn summary(
        value: &str,
        unit: &str,
        direction: Direction,
        kind: IndicatorKind,
    ) -> Summary {
        (value.to_string(), unit.to_string(), direction, kind)
    }

    use Direction::AtLeast;
    use IndicatorKind::{Coverage, Cumulative, Level};

    #[test]
    fn childcare_item() {
        let text = "扩大普惠托育供给。新增托位1.6万个,新建县级公办独立托育机构4个、公立医疗机构托育点2个,各县(市)区、开发区至少建成1个普惠性托育服务机构。";
        assert_eq!(
            proposals_of(text),
            [
                summary("16000", "个", AtLeast, Cumulative),
                summary("4", "个", AtLeast, Cumulative),
                summary("2", "个", AtLeast, Cumulative),
                summary("1", "个", AtLeast, Coverage),
            ]
        );
        let extracted = extract(text);
        let titles: Vec<&str> = extracted
            .proposals
            .iter()
            .map(|proposal| proposal.candidate.title.as_str())
            .collect();
        assert_eq!(
            titles,
            [
                "新增托位",
                "新建县级公办独立托育机构",
                "公立医疗机构托育点",
                "各县(市)区、开发区至少建成普惠性托育服务机构"
            ]
        );
        assert_eq!(
            extracted
                .proposals
                .first()
                .map(|proposal| proposal.candidate.source.as_str()),
            Some("新增托位1.6万个")
        );
    }

    #[test]
    fn rates_and_shared_rates() {
        assert_eq!(
            proposals_of("婚前医学检查率达90%以上、孕妇产前筛查率达70%以上。"),
            [
                summary("90", "%", AtLeast, Level),
                summary("70", "%", AtLeast, Level)
            ]
        );
        let extracted = extract("初次信访事项化解率、满意率90%以上。");
        let got: Vec<(&str, String)> = extracted
            .proposals
            .iter()
            .map(|proposal| {
                let candidate = &proposal.candidate;
                let value = candidate.target.map(|target| target.to_string());
                (candidate.title.as_str(), value.unwrap_or_default())
            })
            .collect();
        assert_eq!(
            got,
            [
                ("初次信访事项化解率", "90".to_string()),
                ("满意率", "90".to_string())
            ]
        );
    }

    #[test]
    fn odd_numbers_are_reported() {
        let extracted = extract("提供“7×24小时”12345热线电话受理服务,建立全市120统一指挥平台。");
        assert!(extracted.proposals.is_empty());
        assert_eq!(extracted.odd.len(), 2, "{extracted:?}");
        assert_eq!(extracted.skipped.len(), 1);
    }
}
