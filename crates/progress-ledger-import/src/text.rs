//! Character views over source text, word lists, brackets and Chinese numerals.
//!
//! Every scanner in the importer works on a [`View`]: the characters of a source string, each
//! normalised (full-width ASCII forms → ASCII, so `（１）` reads as `(1)`) and carrying its byte
//! offset in the original, so that quoted phrases are always verbatim slices of the source. All
//! access is by position: no indexing that can panic, no slicing at non-char boundaries.

/// Maps a full-width ASCII variant (U+FF01–U+FF5E) and the ideographic space to ASCII; other
/// characters are returned unchanged.
pub(crate) fn normalize_char(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        '\u{3000}' => ' ',
        '\u{301C}' => '~',
        _ => c,
    }
}

/// Whether `c` is whitespace or a byte-order mark.
fn is_blank(c: char) -> bool {
    c.is_whitespace() || c == '\u{FEFF}'
}

/// Trims whitespace (including the ideographic space) and byte-order marks.
pub(crate) fn trim(text: &str) -> &str {
    text.trim_matches(is_blank)
}

/// Trims whitespace and the punctuation that may end or separate a clause.
pub(crate) fn trim_punct(text: &str) -> &str {
    text.trim_matches(|c: char| {
        is_blank(c)
            || matches!(
                normalize_char(c),
                '。' | ',' | ';' | ':' | '、' | '.' | '!' | '?'
            )
    })
}

/// Number of characters in `text`.
pub(crate) fn char_len(text: &str) -> usize {
    text.chars().count()
}

/// Whether the (normalised) character opens a bracket: ( [ 【 〔.
pub(crate) fn is_opening_bracket(c: char) -> bool {
    matches!(c, '(' | '[' | '【' | '〔')
}

/// Whether the (normalised) character closes a bracket: ) ] 】 〕.
pub(crate) fn is_closing_bracket(c: char) -> bool {
    matches!(c, ')' | ']' | '】' | '〕')
}

/// An entry of a word list: a word on its own, or a word with what it means.
pub(crate) trait Written {
    /// The entry as written in the text.
    fn written(&self) -> &str;
}

impl Written for &str {
    fn written(&self) -> &str {
        self
    }
}

impl<T> Written for (&str, T) {
    fn written(&self) -> &str {
        self.0
    }
}

/// Characters of a source string, normalised, with their byte offsets.
pub(crate) struct View<'a> {
    source: &'a str,
    chars: Vec<(usize, char)>,
}

impl<'a> View<'a> {
    /// Builds the view of `source`.
    pub(crate) fn new(source: &'a str) -> Self {
        let chars = source
            .char_indices()
            .map(|(offset, c)| (offset, normalize_char(c)))
            .collect();
        View { source, chars }
    }

    /// Number of characters.
    pub(crate) fn len(&self) -> usize {
        self.chars.len()
    }

    /// The normalised character at `position`, if any.
    pub(crate) fn char_at(&self, position: usize) -> Option<char> {
        self.chars.get(position).map(|&(_, c)| c)
    }

    /// Whether the character at `position` satisfies `predicate` (false past the end).
    pub(crate) fn char_is(&self, position: usize, predicate: impl Fn(char) -> bool) -> bool {
        self.char_at(position).is_some_and(predicate)
    }

    /// The end of the run of characters satisfying `predicate` that starts at `from`, not going
    /// past `limit`.
    pub(crate) fn end_of_run(
        &self,
        from: usize,
        limit: usize,
        predicate: impl Fn(char) -> bool,
    ) -> usize {
        let mut end = from;
        while end < limit && self.char_is(end, &predicate) {
            end += 1;
        }
        end
    }

    /// Byte offset of character `position` in the source (the source length past the end).
    pub(crate) fn byte_offset(&self, position: usize) -> usize {
        self.chars
            .get(position)
            .map_or(self.source.len(), |&(offset, _)| offset)
    }

    /// The verbatim source text of characters `start..end`.
    pub(crate) fn verbatim(&self, start: usize, end: usize) -> &'a str {
        let (from, to) = (self.byte_offset(start), self.byte_offset(end.max(start)));
        self.source.get(from..to).unwrap_or("")
    }

    /// The verbatim source text of characters `start..end`, without the whitespace and clause
    /// punctuation around it.
    pub(crate) fn phrase(&self, start: usize, end: usize) -> String {
        trim_punct(self.verbatim(start, end)).to_string()
    }

    /// The normalised text of characters `start..end`.
    pub(crate) fn normalized(&self, start: usize, end: usize) -> String {
        (start..end.min(self.len()))
            .filter_map(|position| self.char_at(position))
            .collect()
    }

    /// Whether the normalised text at `position` starts with `pattern` (compared after
    /// normalising `pattern`).
    pub(crate) fn starts_with_at(&self, position: usize, pattern: &str) -> bool {
        (position..)
            .zip(pattern.chars())
            .all(|(at, c)| self.char_at(at) == Some(normalize_char(c)))
    }

    /// Whether `pattern` ends right before character `position`, not reaching before `floor`.
    pub(crate) fn ends_with_at(&self, position: usize, pattern: &str, floor: usize) -> bool {
        let length = char_len(pattern);
        position >= floor + length && self.starts_with_at(position - length, pattern)
    }

    /// First position in `start..end` where `pattern` starts (and fits before `end`).
    pub(crate) fn find(&self, start: usize, end: usize, pattern: &str) -> Option<usize> {
        let length = char_len(pattern);
        let end = end.min(self.len());
        (start..end)
            .take_while(|position| position + length <= end)
            .find(|&position| self.starts_with_at(position, pattern))
    }

    /// Last position in `start..end` where `pattern` starts (and fits before `end`).
    pub(crate) fn rfind(&self, start: usize, end: usize, pattern: &str) -> Option<usize> {
        let length = char_len(pattern);
        let end = end.min(self.len());
        if end < start + length {
            return None;
        }
        (start..=end - length)
            .rev()
            .find(|&position| self.starts_with_at(position, pattern))
    }

    /// Whether `pattern` occurs within `start..end`.
    pub(crate) fn contains(&self, start: usize, end: usize, pattern: &str) -> bool {
        self.find(start, end, pattern).is_some()
    }

    /// Whether any of `words` occurs within `start..end`.
    pub(crate) fn contains_any(&self, start: usize, end: usize, words: &[&str]) -> bool {
        words.iter().any(|word| self.contains(start, end, word))
    }

    /// The longest of `entries` written at `position`, with its length in characters.
    pub(crate) fn longest_at<'t, E: Written>(
        &self,
        position: usize,
        entries: &'t [E],
    ) -> Option<(&'t E, usize)> {
        entries
            .iter()
            .filter(|entry| {
                !entry.written().is_empty() && self.starts_with_at(position, entry.written())
            })
            .map(|entry| (entry, char_len(entry.written())))
            .max_by_key(|&(_, length)| length)
    }

    /// The longest of `entries` written right before `position`, not reaching before `floor`,
    /// with its length in characters.
    pub(crate) fn longest_before<'t, E: Written>(
        &self,
        position: usize,
        entries: &'t [E],
        floor: usize,
    ) -> Option<(&'t E, usize)> {
        entries
            .iter()
            .filter(|entry| {
                !entry.written().is_empty() && self.ends_with_at(position, entry.written(), floor)
            })
            .map(|entry| (entry, char_len(entry.written())))
            .max_by_key(|&(_, length)| length)
    }

    /// Trims whitespace from both ends of `start..end`, returning the narrowed range.
    pub(crate) fn trim_range(&self, start: usize, end: usize) -> (usize, usize) {
        let mut start = start;
        let mut end = end.min(self.len());
        while start < end && self.char_is(start, is_blank) {
            start += 1;
        }
        while end > start && self.char_is(end - 1, is_blank) {
            end -= 1;
        }
        (start, end)
    }
}

/// Value of a Chinese numeral digit (零〇一二两三四五六七八九).
fn chinese_digit(c: char) -> Option<u32> {
    Some(match c {
        '零' | '〇' => 0,
        '一' => 1,
        '二' | '两' => 2,
        '三' => 3,
        '四' => 4,
        '五' => 5,
        '六' => 6,
        '七' => 7,
        '八' => 8,
        '九' => 9,
        _ => return None,
    })
}

/// Whether `c` can be part of a Chinese numeral (digits and 十百千).
pub(crate) fn is_chinese_numeral(c: char) -> bool {
    chinese_digit(c).is_some() || matches!(c, '十' | '百' | '千')
}

/// Parses a Chinese numeral below ten thousand (十七 → 17, 一百零五 → 105); `None` for anything
/// else, including an empty string or an overflow.
pub(crate) fn parse_chinese_numeral(numeral: &str) -> Option<u32> {
    let (mut total, mut digit, mut any) = (0u32, None::<u32>, false);
    for character in numeral.chars() {
        any = true;
        if let Some(value) = chinese_digit(character) {
            digit = Some(value);
            continue;
        }
        let scale = match character {
            '十' => 10,
            '百' => 100,
            '千' => 1000,
            _ => return None,
        };
        total = total.checked_add(digit.unwrap_or(1).checked_mul(scale)?)?;
        digit = None;
    }
    if !any {
        return None;
    }
    total.checked_add(digit.unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_numerals() {
        let cases = [
            ("一", 1),
            ("九", 9),
            ("十", 10),
            ("十一", 11),
            ("十七", 17),
            ("二十", 20),
            ("二十三", 23),
            ("一百零五", 105),
            ("两千", 2000),
        ];
        for (numeral, value) in cases {
            assert_eq!(parse_chinese_numeral(numeral), Some(value), "{numeral}");
        }
        assert_eq!(parse_chinese_numeral(""), None);
        assert_eq!(parse_chinese_numeral("十a"), None);
    }

    #[test]
    fn view_normalises_and_keeps_offsets() {
        let view = View::new("（１）达９０％");
        assert_eq!(view.normalized(0, view.len()), "(1)达90%");
        assert_eq!(view.verbatim(4, 7), "９０％");
        assert!(view.starts_with_at(0, "(1)"));
        assert!(view.ends_with_at(4, "达", 0));
        assert_eq!(view.find(0, view.len(), "90"), Some(4));
        assert_eq!(view.rfind(0, view.len(), ")"), Some(2));
        assert_eq!(view.verbatim(5, 99), "０％");
        assert_eq!(view.end_of_run(4, view.len(), |c| c.is_ascii_digit()), 6);
    }

    #[test]
    fn longest_entry_wins() {
        let view = View::new("个百分点");
        let units: &[(&str, &str)] = &[
            ("个", "个"),
            ("个百分点", "个百分点"),
            ("百分点", "个百分点"),
        ];
        assert_eq!(
            view.longest_at(0, units),
            Some((&("个百分点", "个百分点"), 4))
        );
        assert_eq!(
            view.longest_before(4, &["分点", "百分点"], 0),
            Some((&"百分点", 3))
        );
        assert_eq!(view.longest_before(4, &["百分点"], 2), None);
    }
}
