//! One clause: its figures sorted into targets, scope and odd numbers, and a proposal for each
//! target (with the rates and frequencies that share its figure).

use progress_ledger_core::plan::Direction;

use super::certainty::{Reading, is_growth, judge};
use super::change::baseline;
use super::kind::{is_percent, kind_of};
use super::milestones::milestones;
use super::per_unit::{is_optional_frequency, per_unit, trailing_denominator};
use super::scope::scope_reason;
use super::title::{lead_in, parts, title};
use super::{Extracted, Nesting, NotedPhrase, Proposal, Span};
use crate::figures::{self, Figure, NumberReading};
use crate::text::View;
use crate::{Candidate, Certainty, Rule};

/// The most numbers read in one clause (real clauses hold a handful); a bound on the work.
const MAX_NUMBERS: usize = 64;

/// How many characters on either side of a number the phrase it is listed with may reach.
const CONTEXT: usize = 40;

/// Why a figure inside quotation marks is not a target.
const QUOTED: &str = "inside quotation marks: a name or slogan";

/// A clause of the item text and its segments (cut at 、).
struct Clause<'c> {
    view: &'c View<'c>,
    span: Span,
    segments: &'c [Span],
}

impl Clause<'_> {
    /// The index of the segment that holds `position` (segments are in order).
    fn segment_index(&self, position: usize) -> Option<usize> {
        let index = self
            .segments
            .partition_point(|segment| segment.end <= position);
        self.segments
            .get(index)
            .is_some_and(|segment| segment.contains(position))
            .then_some(index)
    }

    /// The segment that holds `position` (the whole clause when none does).
    fn segment_of(&self, position: usize) -> Span {
        self.segment_index(position)
            .and_then(|index| self.segments.get(index).copied())
            .unwrap_or(self.span)
    }

    /// The segment that holds `position`, cut to at most [`CONTEXT`] characters on either side
    /// of it: the phrase a skipped or odd number is listed with.
    fn context_of(&self, position: usize) -> Span {
        let segment = self.segment_of(position);
        Span {
            start: segment.start.max(position.saturating_sub(CONTEXT)),
            end: segment.end.min(position.saturating_add(CONTEXT)),
        }
    }

    /// The phrase `start..end`, noted with `reason`.
    fn noted(&self, start: usize, end: usize, reason: String) -> NotedPhrase {
        NotedPhrase {
            at: self.view.byte_offset(start),
            phrase: self.view.phrase(start, end),
            reason,
        }
    }

    /// Every number in the clause, in order: the digit runs, the Chinese-numeral figures of
    /// per-unit standards (每学期至少开展一次), and Chinese-numeral counts of things right after a
    /// verb that builds them (新建两所幼儿园).
    fn readings(&self) -> Vec<NumberReading> {
        let mut readings = figures::scan(self.view, self.span.start, self.span.end);
        for segment in self.segments {
            for figure in figures::scan_chinese(self.view, segment.start, segment.end) {
                if !self
                    .view
                    .contains(figure.floor(segment.start), figure.start, "每")
                {
                    if is_built_count(self.view, segment.start, &figure) {
                        readings.push(NumberReading::Figure(figure));
                    }
                    continue;
                }
                if is_optional_frequency(self.view, *segment, &figure) {
                    readings.push(NumberReading::Ignored {
                        start: figure.start,
                        end: figure.end,
                        reason: "a frequency offered with an alternative (每年调整一次或适时调整): \
                                 it binds no figure",
                    });
                } else {
                    readings.push(NumberReading::Figure(figure));
                }
            }
        }
        readings.sort_by_key(NumberReading::number_start);
        if let Some(first_unread) = readings.get(MAX_NUMBERS).map(NumberReading::number_start) {
            readings.truncate(MAX_NUMBERS);
            readings.push(NumberReading::Odd {
                start: first_unread,
                end: self.span.end,
                reason: "more numbers in one clause than any plan writes: the rest are not read",
            });
        }
        readings
    }

    /// Sorts the readings out: returns the targets, and lists the scope figures as skipped and
    /// the numbers that could not be read as odd.
    fn targets(
        &self,
        readings: Vec<NumberReading>,
        nesting: &Nesting,
        extracted: &mut Extracted,
    ) -> Vec<Figure> {
        let mut targets = Vec::new();
        for reading in readings {
            match reading {
                NumberReading::Figure(figure) if nesting.is_quoted(figure.number_start) => {
                    let segment = self.context_of(figure.number_start);
                    let noted = self.noted(segment.start, segment.end, QUOTED.into());
                    extracted.skipped.push(noted);
                }
                NumberReading::Figure(figure) => {
                    match scope_reason(self.view, self.span, &figure) {
                        Some(reason) => {
                            let segment = self.context_of(figure.number_start);
                            let noted = self.noted(segment.start, segment.end, reason);
                            extracted.skipped.push(noted);
                        }
                        None => targets.push(figure),
                    }
                }
                NumberReading::Ignored { start, end, reason } => {
                    extracted
                        .skipped
                        .push(self.noted(start, end, reason.into()));
                }
                NumberReading::Odd { start, end, .. } if nesting.is_quoted(start) => {
                    extracted
                        .skipped
                        .push(self.noted(start, end, QUOTED.into()));
                }
                NumberReading::Odd { start, end, reason } => {
                    let segment = self.context_of(start);
                    let context = self.view.phrase(segment.start, segment.end);
                    let noted = self.noted(start, end, format!("{reason} (in {context})"));
                    extracted.odd.push(noted);
                }
            }
        }
        targets
    }
}

/// Reads one clause into `extracted`.
pub(super) fn read_clause(
    view: &View<'_>,
    span: Span,
    segments: &[Span],
    nesting: &Nesting,
    extracted: &mut Extracted,
) {
    let clause = Clause {
        view,
        span,
        segments,
    };
    let readings = clause.readings();
    if readings.is_empty() {
        extracted.proposals.extend(milestones(view, span, segments));
        return;
    }
    let targets = clause.targets(readings, nesting, extracted);
    propose(&clause, &targets, extracted);
}

/// A proposal for each target, in order, with the rates and frequencies that share its figure.
fn propose(clause: &Clause<'_>, targets: &[Figure], extracted: &mut Extracted) {
    let view = clause.view;
    let clause_start = clause.span.start;
    let single = targets.len() == 1;
    let mut previous_direction: Option<Direction> = None;
    let mut last_segment: Option<usize> = None;
    let mut previous_denominator: Option<String> = None;
    let parts = parts(view, clause.segments, targets);
    let mut previous_lead_in = String::new();
    for (figure, &part) in targets.iter().zip(&parts) {
        let segment = clause.segment_of(figure.number_start);
        // Segments since the previous figure that have no figure of their own: rates named
        // without a number (化解率、满意率90%以上) and frequencies (每天、每周…排查1次) share
        // this figure.
        let index = clause.segment_index(figure.number_start);
        let first_after_last = last_segment.map_or(0, |last| last + 1);
        let between: Vec<Span> = index
            .and_then(|index| clause.segments.get(first_after_last..index))
            .unwrap_or(&[])
            .iter()
            .copied()
            .filter(|other| other.start >= figure.floor(clause_start))
            .filter(|other| figures::scan(view, other.start, other.end).is_empty())
            .collect();
        last_segment = index.or(last_segment);
        let explicit = figure.explicit_direction(view, clause_start);
        let distant = explicit
            .is_none()
            .then(|| figure.distant_direction(view, part.start))
            .flatten();
        let direction = explicit
            .or(distant)
            .or(previous_direction)
            .unwrap_or_else(|| figure.direction_from_verbs(view, clause_start));
        if explicit.is_some() {
            previous_direction = explicit;
        }
        let mut doubtful_baseline = false;
        let baseline = match baseline(view, clause_start, figure) {
            Ok(baseline) => baseline,
            Err(note) => {
                extracted
                    .notes
                    .push(clause.noted(figure.start, figure.end, note));
                doubtful_baseline = true;
                None
            }
        };
        let source = if single {
            let (start, end) = view.trim_range(clause_start, clause.span.end);
            Span { start, end }
        } else {
            part
        };
        let denominator = per_unit(
            view,
            clause_start,
            segment,
            figure,
            previous_denominator.as_ref(),
        );
        let own_every = view.contains(figure.floor(segment.start), figure.start, "每");
        previous_denominator = denominator.clone();
        let around_the_clock = denominator.is_none() && is_around_the_clock(figure);
        let unit = match &denominator {
            Some(denominator) => format!("{}/{denominator}", figure.unit),
            // 24小时开放: a service around the clock, 24 hours a day (24小时内 is a time limit).
            None if around_the_clock => "小时/天".to_string(),
            None => figure.unit.clone(),
        };
        let reading = Reading {
            explicit,
            distant: distant.is_some(),
            per_unit: denominator.is_some() || figure.unit.contains('/'),
            around_the_clock,
        };
        let (rule, mut certainty) = judge(view, clause.span, figure, &reading);
        if doubtful_baseline {
            certainty = Certainty::Unsure;
        }
        let proposal = Proposal {
            candidate: Candidate {
                id: String::new(),
                title: title(view, part, figure, &previous_lead_in),
                kind: kind_of(
                    view,
                    clause_start,
                    part.start,
                    figure,
                    direction,
                    denominator.is_some() || figure.unit.contains('/'),
                ),
                unit,
                target: Some(figure.value),
                direction,
                baseline,
                source: view.phrase(source.start, source.end),
                deliverables: Vec::new(),
                growth: is_growth(view, part, figure),
                line: 0,
                rule,
                certainty,
            },
            at: view.byte_offset(figure.number_start),
        };
        let lead_in = lead_in(view, part, figure);
        if !lead_in.is_empty() {
            previous_lead_in = lead_in;
        }
        let sharing = |other: Span, unit: String, rule: Rule| Proposal {
            candidate: Candidate {
                title: view.phrase(other.start, other.end),
                unit,
                source: view.phrase(other.start, figure.end),
                rule,
                certainty: Certainty::Likely,
                ..proposal.candidate.clone()
            },
            at: view.byte_offset(other.start),
        };
        if own_every && denominator.is_some() {
            for &other in &between {
                if let Some(denominator) = trailing_denominator(view, other) {
                    let unit = format!("{}/{denominator}", figure.unit);
                    extracted
                        .proposals
                        .push(sharing(other, unit, Rule::SharedFrequency));
                }
            }
        }
        if is_percent(&figure.unit) {
            for &other in &between {
                if view.phrase(other.start, other.end).ends_with('率') {
                    let unit = proposal.candidate.unit.clone();
                    extracted
                        .proposals
                        .push(sharing(other, unit, Rule::SharedRate));
                }
            }
        }
        extracted.proposals.push(proposal);
    }
}

/// Verbs that build or add things, after which a count in Chinese numerals is a target
/// (新建两所幼儿园, 建成三个服务中心).
const BUILD_VERBS: &[&str] = &[
    "新建",
    "新增",
    "建成",
    "建设",
    "改造",
    "打造",
    "培育",
    "创建",
    "设立",
    "开设",
    "改扩建",
    "新改扩建",
];

/// Units of things built, for counts in Chinese numerals (not events: 开展一次 is a one-off act).
const BUILT_UNITS: &[&str] = &[
    "所", "个", "家", "座", "条", "处", "项", "支", "套", "名", "户",
];

/// Whether a Chinese-numeral `figure` is a count of things right after a verb that builds them.
fn is_built_count(view: &View<'_>, floor: usize, figure: &Figure) -> bool {
    view.longest_before(figure.start, BUILD_VERBS, floor)
        .is_some()
        && BUILT_UNITS.contains(&figure.unit.as_str())
}

/// Whether a figure is a service around the clock: 24 小时 with no direction word (24小时开放,
/// not 24小时内办结).
fn is_around_the_clock(figure: &Figure) -> bool {
    figure.unit == "小时"
        && figure.value == rust_decimal::Decimal::from(24)
        && figure.word_before.is_none()
        && figure.word_after.is_none()
}
