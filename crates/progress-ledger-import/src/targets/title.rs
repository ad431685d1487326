//! Titles cut from the text: the segment around a figure, without the figure, the starting value
//! of a change, and the words that are not part of a title.

use super::Span;
use super::change::change_start;
use crate::figures::Figure;
use crate::text::{View, char_len, trim_punct};

/// Words written at the start of a phrase that are not part of an indicator's title.
const FILLERS: &[&str] = &[
    "实现",
    "力争",
    "确保",
    "争取",
    "全市",
    "全年",
    "年度内",
    "年内",
    "年底前",
    "年度",
    "其中",
    "同时",
    "并",
    "和",
    "及",
    "的",
];

/// Words left at the end of a title once the figure is taken out.
const TRAILERS: &[&str] = &["达到", "达", "在", "为", "实现", "力争", "分别", "近", "约"];

/// Longest title, in characters.
const MAX_TITLE_CHARS: usize = 40;

/// Words that join two counted things in one segment (32所…学校和55个…专业).
const CONNECTORS: &[&str] = &["以及", "和", "及", "与", "并"];

/// The part of its segment that belongs to each of `figures` (in order): a segment holding
/// several figures (培训300名教师和500名医生) is cut between each pair of them, at the last
/// connector (和, 及, 与 …) between them, or else where the later figure starts. Each number
/// belongs to the noun after it.
pub(super) fn parts(view: &View<'_>, segments: &[Span], figures: &[Figure]) -> Vec<Span> {
    let segment_of = |figure: &Figure| {
        segments
            .iter()
            .copied()
            .find(|segment| segment.contains(figure.number_start))
            .unwrap_or(Span {
                start: figure.start,
                end: figure.end,
            })
    };
    let mut parts: Vec<Span> = figures.iter().map(segment_of).collect();
    for index in 1..figures.len() {
        let (Some(previous), Some(figure)) = (figures.get(index - 1), figures.get(index)) else {
            continue;
        };
        if segment_of(previous) != segment_of(figure) {
            continue;
        }
        let connector = CONNECTORS
            .iter()
            .filter_map(|word| {
                view.rfind(previous.end, figure.start, word)
                    .map(|at| (at, char_len(word)))
            })
            .max_by_key(|&(at, _)| at);
        let (cut, next_start) = connector.map_or((figure.start, figure.start), |(at, length)| {
            (at, at + length)
        });
        if let Some(part) = parts.get_mut(index - 1) {
            part.end = cut;
        }
        if let Some(part) = parts.get_mut(index) {
            part.start = next_start;
        }
    }
    parts
}

/// The words before a figure in its part (培训 of 培训300名教师), which the figures listed after it
/// share when their parts start with the figure (500名医生 → 培训医生).
pub(super) fn lead_in(view: &View<'_>, part: Span, figure: &Figure) -> String {
    tidy(view.verbatim(part.start, figure.start.max(part.start)))
}

/// A title from the part of the text around a figure: the words without the figure, the
/// starting value of a change, fillers (实现, 全市 …) and trailing words (达到, 为 …). A part that
/// starts with its figure takes `lead_in`, the words before the figure listed before it.
pub(super) fn title(view: &View<'_>, part: Span, figure: &Figure, lead_in: &str) -> String {
    // 由半小时缩短到20分钟: the title stops before the starting value.
    let before_end = change_start(view, part.start, figure).unwrap_or(figure.start.max(part.start));
    let before = view.verbatim(part.start, before_end);
    let after = view.verbatim(figure.end.min(part.end), part.end);
    let prefix = if trim_punct(before).is_empty() {
        lead_in
    } else {
        ""
    };
    tidy(&format!("{prefix}{before}{after}"))
        .chars()
        .take(MAX_TITLE_CHARS)
        .collect()
}

/// `text` without the punctuation around it, fillers at its start and trailing words at its end.
pub(super) fn tidy(text: &str) -> String {
    let mut title = text.to_string();
    loop {
        let trimmed = trim_punct(&title);
        let stripped = FILLERS
            .iter()
            .find_map(|word| trimmed.strip_prefix(word))
            .or_else(|| TRAILERS.iter().find_map(|word| trimmed.strip_suffix(word)))
            .or_else(|| {
                CONNECTORS
                    .iter()
                    .find_map(|word| trimmed.strip_suffix(word))
            });
        match stripped {
            Some(rest) => title = rest.to_string(),
            None => return trimmed.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::extract;

    fn titles(text: &str) -> Vec<String> {
        extract(text)
            .proposals
            .into_iter()
            .map(|proposal| proposal.candidate.title)
            .collect()
    }

    #[test]
    fn each_number_belongs_to_the_noun_after_it() {
        assert_eq!(
            titles("培训300名教师、500名医生和1200名社工。"),
            ["培训教师", "培训医生", "培训社工"]
        );
        assert_eq!(
            titles("立项建设32所市级优秀中等职业学校和55个市级优质专业。"),
            ["立项建设市级优秀中等职业学校", "立项建设市级优质专业"]
        );
        assert_eq!(
            titles("新改扩建公办幼儿园45所、新增学位1.2万个。"),
            ["新改扩建公办幼儿园", "新增学位"]
        );
    }
}
