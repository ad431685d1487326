//! Direction words: the words before a number or after its unit that make a target a floor or a
//! ceiling (不少于, 以上, 不高于, 以内 …), and the decrease verbs that turn a neutral 到 / 至 into a
//! ceiling.

use progress_ledger_core::plan::Direction;

use super::Figure;
use crate::text::View;

/// Direction words written before a number, with the direction they give (`None`: neutral).
pub(super) const WORDS_BEFORE: &[(&str, Option<Direction>)] = &[
    ("不得少于", Some(Direction::AtLeast)),
    ("不少于", Some(Direction::AtLeast)),
    ("不得低于", Some(Direction::AtLeast)),
    ("不低于", Some(Direction::AtLeast)),
    ("至少", Some(Direction::AtLeast)),
    ("达到", Some(Direction::AtLeast)),
    ("达", Some(Direction::AtLeast)),
    ("超过", Some(Direction::AtLeast)),
    ("高于", Some(Direction::AtLeast)),
    ("大于", Some(Direction::AtLeast)),
    ("多于", Some(Direction::AtLeast)),
    ("提高到", Some(Direction::AtLeast)),
    ("提高至", Some(Direction::AtLeast)),
    ("提升到", Some(Direction::AtLeast)),
    ("提升至", Some(Direction::AtLeast)),
    ("增加到", Some(Direction::AtLeast)),
    ("增加至", Some(Direction::AtLeast)),
    ("增长到", Some(Direction::AtLeast)),
    ("增长至", Some(Direction::AtLeast)),
    ("增至", Some(Direction::AtLeast)),
    ("扩大到", Some(Direction::AtLeast)),
    ("延长到", Some(Direction::AtLeast)),
    ("延长至", Some(Direction::AtLeast)),
    ("扩大至", Some(Direction::AtLeast)),
    ("增长", Some(Direction::AtLeast)),
    ("不高于", Some(Direction::AtMost)),
    ("不得高于", Some(Direction::AtMost)),
    ("不超过", Some(Direction::AtMost)),
    ("不得超过", Some(Direction::AtMost)),
    ("不大于", Some(Direction::AtMost)),
    ("不多于", Some(Direction::AtMost)),
    ("低于", Some(Direction::AtMost)),
    ("少于", Some(Direction::AtMost)),
    ("小于", Some(Direction::AtMost)),
    ("控制在", Some(Direction::AtMost)),
    ("缩短到", Some(Direction::AtMost)),
    ("缩短至", Some(Direction::AtMost)),
    ("缩减到", Some(Direction::AtMost)),
    ("缩减至", Some(Direction::AtMost)),
    ("降低到", Some(Direction::AtMost)),
    ("降低至", Some(Direction::AtMost)),
    ("降到", Some(Direction::AtMost)),
    ("降至", Some(Direction::AtMost)),
    ("下降到", Some(Direction::AtMost)),
    ("下降至", Some(Direction::AtMost)),
    ("减少到", Some(Direction::AtMost)),
    ("减少至", Some(Direction::AtMost)),
    ("压缩到", Some(Direction::AtMost)),
    ("压缩至", Some(Direction::AtMost)),
    ("压减到", Some(Direction::AtMost)),
    ("压减至", Some(Direction::AtMost)),
    ("到", None),
    ("至", None),
];

/// Direction words written after the unit.
pub(super) const WORDS_AFTER: &[(&str, Option<Direction>)] = &[
    ("及以上", Some(Direction::AtLeast)),
    ("以上", Some(Direction::AtLeast)),
    ("以下", Some(Direction::AtMost)),
    ("以内", Some(Direction::AtMost)),
    ("之内", Some(Direction::AtMost)),
    ("内", Some(Direction::AtMost)),
    ("左右", None),
];

/// Words that make a neutral 到 / 至 (and a missing direction) read as a ceiling.
const DECREASE_VERBS: &[&str] = &["缩短", "降低", "下降", "减少", "压缩", "压减", "控制"];

impl Figure {
    /// The direction the words around the figure give, if they give one. A neutral 到/至 takes
    /// its direction from the verbs before it in `view[floor..]` (缩短到 → at most).
    pub(crate) fn explicit_direction(&self, view: &View<'_>, floor: usize) -> Option<Direction> {
        if let Some((_, Some(direction))) = self.word_after {
            return Some(direction);
        }
        match self.word_before {
            Some((_, Some(direction))) => Some(direction),
            Some((_, None)) => Some(self.direction_from_verbs(view, floor)),
            None => None,
        }
    }

    /// The direction of the last direction word of two or more characters written in
    /// `view[floor..]` before the figure but not next to it (不低于当地最低生活保障标准的1.3倍,
    /// 至少建成1个).
    pub(crate) fn distant_direction(&self, view: &View<'_>, floor: usize) -> Option<Direction> {
        WORDS_BEFORE
            .iter()
            .filter(|(word, direction)| direction.is_some() && word.chars().count() >= 2)
            .filter_map(|&(word, direction)| {
                let length = word.chars().count();
                view.rfind(self.floor(floor), self.start, word)
                    .map(|position| ((position + length, length), direction))
            })
            // The word that ends last, and the longest of those (不低于, not 低于).
            .max_by_key(|&(end_and_length, _)| end_and_length)
            .and_then(|(_, direction)| direction)
    }

    /// At most when a decrease verb (缩短, 降低 …) is written in `view[floor..]` before the figure,
    /// at least otherwise.
    pub(crate) fn direction_from_verbs(&self, view: &View<'_>, floor: usize) -> Direction {
        if view.contains_any(self.floor(floor), self.start, DECREASE_VERBS) {
            Direction::AtMost
        } else {
            Direction::AtLeast
        }
    }
}
