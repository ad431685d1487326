//! Character views over source text.
//!
//! Every scanner in the importer works on a [`View`]: the characters of a source string, each
//! normalised (full-width ASCII forms → ASCII, so `（１）` reads as `(1)`) and carrying its byte
//! offset in the original, so that quoted phrases are always verbatim slices of the source. All
//! access is by `get`: no indexing that can panic, no slicing at non-char boundaries.

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

/// Trims whitespace (including the ideographic space) and byte-order marks.
pub(crate) fn trim(s: &str) -> &str {
    s.trim_matches(|c: char| c.is_whitespace() || c == '\u{FEFF}')
}

/// Trims whitespace and the punctuation that may end or separate a clause.
pub(crate) fn trim_punct(s: &str) -> &str {
    s.trim_matches(|c: char| {
        c.is_whitespace()
            || c == '\u{FEFF}'
            || matches!(
                normalize_char(c),
                '。' | ',' | ';' | ':' | '、' | '.' | '!' | '?'
            )
    })
}

/// Number of characters in `s`.
pub(crate) fn char_len(s: &str) -> usize {
    s.chars().count()
}

/// Characters of a source string, normalised, with their byte offsets.
pub(crate) struct View<'a> {
    src: &'a str,
    chars: Vec<(usize, char)>,
}

impl<'a> View<'a> {
    /// Builds the view of `src`.
    pub(crate) fn new(src: &'a str) -> Self {
        let chars = src
            .char_indices()
            .map(|(off, c)| (off, normalize_char(c)))
            .collect();
        View { src, chars }
    }

    /// Number of characters.
    pub(crate) fn len(&self) -> usize {
        self.chars.len()
    }

    /// The normalised character at `i`, if any.
    pub(crate) fn c(&self, i: usize) -> Option<char> {
        self.chars.get(i).map(|&(_, c)| c)
    }

    /// Whether the character at `i` satisfies `f` (false past the end).
    pub(crate) fn is(&self, i: usize, f: impl Fn(char) -> bool) -> bool {
        self.c(i).is_some_and(f)
    }

    /// Byte offset of character `i` in the source (the source length past the end).
    pub(crate) fn byte(&self, i: usize) -> usize {
        self.chars.get(i).map_or(self.src.len(), |&(off, _)| off)
    }

    /// The verbatim source text of characters `a..b`.
    pub(crate) fn slice(&self, a: usize, b: usize) -> &'a str {
        let (a, b) = (self.byte(a), self.byte(b.max(a)));
        self.src.get(a..b).unwrap_or("")
    }

    /// The normalised text of characters `a..b`.
    pub(crate) fn norm(&self, a: usize, b: usize) -> String {
        (a..b.min(self.len())).filter_map(|i| self.c(i)).collect()
    }

    /// Whether the normalised text at `i` starts with `pat` (compared after normalising `pat`).
    pub(crate) fn starts_with_at(&self, i: usize, pat: &str) -> bool {
        (i..)
            .zip(pat.chars())
            .all(|(k, p)| self.c(k) == Some(normalize_char(p)))
    }

    /// Whether `pat` ends right before character `i`, not reaching before `floor`.
    pub(crate) fn ends_with_at(&self, i: usize, pat: &str, floor: usize) -> bool {
        let n = char_len(pat);
        i >= floor + n && self.starts_with_at(i - n, pat)
    }

    /// First position in `a..b` where `pat` starts (and fits before `b`).
    pub(crate) fn find(&self, a: usize, b: usize, pat: &str) -> Option<usize> {
        let n = char_len(pat);
        let b = b.min(self.len());
        (a..b)
            .take_while(|i| i + n <= b)
            .find(|&i| self.starts_with_at(i, pat))
    }

    /// Last position in `a..b` where `pat` starts (and fits before `b`).
    pub(crate) fn rfind(&self, a: usize, b: usize, pat: &str) -> Option<usize> {
        let n = char_len(pat);
        let b = b.min(self.len());
        if b < a + n {
            return None;
        }
        (a..=b - n).rev().find(|&i| self.starts_with_at(i, pat))
    }

    /// Whether `pat` occurs within `a..b`.
    pub(crate) fn contains(&self, a: usize, b: usize, pat: &str) -> bool {
        self.find(a, b, pat).is_some()
    }

    /// The longest of `pats` that starts at `i`, as (index in `pats`, length in chars).
    pub(crate) fn longest_at(&self, i: usize, pats: &[&str]) -> Option<(usize, usize)> {
        pats.iter()
            .enumerate()
            .filter(|(_, p)| !p.is_empty() && self.starts_with_at(i, p))
            .map(|(k, p)| (k, char_len(p)))
            .max_by_key(|&(_, n)| n)
    }

    /// The longest of `pats` that ends right before `i`, not reaching before `floor`.
    pub(crate) fn longest_before(
        &self,
        i: usize,
        pats: &[&str],
        floor: usize,
    ) -> Option<(usize, usize)> {
        pats.iter()
            .enumerate()
            .filter(|(_, p)| !p.is_empty() && self.ends_with_at(i, p, floor))
            .map(|(k, p)| (k, char_len(p)))
            .max_by_key(|&(_, n)| n)
    }

    /// Trims whitespace from both ends of `a..b`, returning the narrowed range.
    pub(crate) fn trim_range(&self, mut a: usize, mut b: usize) -> (usize, usize) {
        b = b.min(self.len());
        while a < b && self.is(a, |c| c.is_whitespace() || c == '\u{FEFF}') {
            a += 1;
        }
        while b > a && self.is(b - 1, |c| c.is_whitespace() || c == '\u{FEFF}') {
            b -= 1;
        }
        (a, b)
    }
}

/// Value of a Chinese numeral digit (零〇一二两三四五六七八九).
fn cn_digit(c: char) -> Option<u32> {
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
pub(crate) fn is_cn_numeral(c: char) -> bool {
    cn_digit(c).is_some() || matches!(c, '十' | '百' | '千')
}

/// Parses a Chinese numeral below ten thousand (十七 → 17, 一百零五 → 105); `None` for anything
/// else, including an empty string or an overflow.
pub(crate) fn parse_cn_numeral(s: &str) -> Option<u32> {
    let (mut total, mut digit, mut any) = (0u32, None::<u32>, false);
    for c in s.chars() {
        any = true;
        if let Some(d) = cn_digit(c) {
            digit = Some(d);
            continue;
        }
        let scale = match c {
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
        for (s, n) in cases {
            assert_eq!(parse_cn_numeral(s), Some(n), "{s}");
        }
        assert_eq!(parse_cn_numeral(""), None);
        assert_eq!(parse_cn_numeral("十a"), None);
    }

    #[test]
    fn view_normalises_and_keeps_offsets() {
        let v = View::new("（１）达９０％");
        assert_eq!(v.norm(0, v.len()), "(1)达90%");
        assert_eq!(v.slice(4, 7), "９０％");
        assert!(v.starts_with_at(0, "(1)"));
        assert!(v.ends_with_at(4, "达", 0));
        assert_eq!(v.find(0, v.len(), "90"), Some(4));
        assert_eq!(v.rfind(0, v.len(), ")"), Some(2));
        assert_eq!(v.slice(5, 99), "０％");
    }
}
