//! Titles cut from the text: the segment around a figure, without the figure, the starting value
//! of a change, and the words that are not part of a title.

use super::Span;
use super::change::change_start;
use crate::figures::Figure;
use crate::text::{View, trim_punct};

/// Words written at the start of a phrase that are not part of an indicator's title.
const FILLERS: &[&str] = &[
    "实现", "力争", "确保", "争取", "全市", "全年", "年度", "其中", "同时", "并", "和", "及", "的",
];

/// Words left at the end of a title once the figure is taken out.
const TRAILERS: &[&str] = &["达到", "达", "在", "为", "实现", "力争", "分别", "近", "约"];

/// Longest title, in characters.
const MAX_TITLE_CHARS: usize = 40;

/// A title from the segment around a figure: the words without the figure and without fillers.
pub(super) fn title(view: &View<'_>, segment: Span, figure: &Figure) -> String {
    // 由半小时缩短到20分钟: the title stops before the starting value.
    let before_end =
        change_start(view, segment.start, figure).unwrap_or(figure.start.max(segment.start));
    let mut title = format!(
        "{}{}",
        view.verbatim(segment.start, before_end),
        view.verbatim(figure.end.min(segment.end), segment.end)
    );
    loop {
        let trimmed = trim_punct(&title);
        let stripped = FILLERS
            .iter()
            .find_map(|word| trimmed.strip_prefix(word))
            .or_else(|| TRAILERS.iter().find_map(|word| trimmed.strip_suffix(word)));
        match stripped {
            Some(rest) => title = rest.to_string(),
            None => {
                title = trimmed.to_string();
                break;
            }
        }
    }
    title.chars().take(MAX_TITLE_CHARS).collect()
}
