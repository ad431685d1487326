//! Attribution brackets: 〔牵头单位:…;配合单位:…〕 and their round-bracket and bare variants.

use super::text::{View, trim};

/// Labels that introduce lead units.
const LEAD_LABELS: &[&str] = &["牵头单位", "牵头部门", "责任单位", "责任部门", "主责单位"];
/// Labels that introduce cooperating units.
const COOP_LABELS: &[&str] = &["配合单位", "配合部门", "协办单位", "参与单位"];

/// What an attribution bracket says.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct Attribution {
    /// Lead units, in order, spelled as in the text.
    pub lead: Vec<String>,
    /// Cooperating units, in order, spelled as in the text.
    pub cooperating: Vec<String>,
    /// Things worth a warning (unclosed bracket, district set written with a comma …).
    pub notes: Vec<String>,
}

/// An attribution found in a line: its byte range in the line and its content.
#[derive(Debug)]
pub(crate) struct Found {
    /// Byte offset where the bracket (or bare label) starts.
    pub start: usize,
    /// Byte offset just after the bracket.
    pub end: usize,
    /// The parsed units.
    pub attribution: Attribution,
}

fn label_at(v: &View<'_>, i: usize) -> Option<(bool, usize)> {
    if let Some((_, n)) = v.longest_at(i, LEAD_LABELS) {
        return Some((true, n));
    }
    v.longest_at(i, COOP_LABELS).map(|(_, n)| (false, n))
}

/// Whether the line mentions an attribution label at all.
pub(crate) fn has_label(s: &str) -> bool {
    let v = View::new(s);
    (0..v.len()).any(|i| label_at(&v, i).is_some())
}

/// Finds the attribution bracket of a line, if it has one.
///
/// A bracket is an opening 〔 ( [ 【 directly followed (spaces aside) by a label
/// (牵头单位, 配合单位, 责任单位 …), up to its matching closing bracket; round brackets nest, so
/// `(牵头单位:…;配合单位:各县(市)区、开发区)` closes at the last `)`. A label followed by a
/// colon without any bracket is taken as a bare attribution running to the end of the line.
pub(crate) fn find(line: &str) -> Option<Found> {
    let v = View::new(line);
    let mut i = 0;
    while i < v.len() {
        match label_at(&v, i) {
            Some((_, len)) => {
                if let Some(found) = try_at(&v, i) {
                    return Some(found);
                }
                i += len;
            }
            None => i += 1,
        }
    }
    None
}

/// Tries to read an attribution whose first label is at `first_label`.
fn try_at(v: &View<'_>, first_label: usize) -> Option<Found> {
    let n = v.len();
    let mut q = first_label;
    while q > 0 && v.is(q - 1, char::is_whitespace) {
        q -= 1;
    }
    let open = q.checked_sub(1).and_then(|o| v.c(o).map(|c| (o, c)));
    let mut notes = Vec::new();
    let (start, content_end, end) = match open {
        Some((o, c @ ('〔' | '(' | '[' | '【'))) => {
            let close = match c {
                '〔' => '〕',
                '(' => ')',
                '[' => ']',
                _ => '】',
            };
            let mut depth = 0usize;
            let mut found = None;
            for k in o..n {
                match v.c(k) {
                    Some(x) if x == c => depth += 1,
                    Some(x) if x == close => {
                        depth = depth.saturating_sub(1);
                        if depth == 0 {
                            found = Some(k);
                            break;
                        }
                    }
                    _ => {}
                }
            }
            match found {
                Some(k) => (o, k, k + 1),
                None => {
                    notes.push(format!("attribution bracket {c} is not closed"));
                    (o, n, n)
                }
            }
        }
        _ => {
            let (_, len) = label_at(v, first_label)?;
            if !v.is(first_label + len, |c| c == ':') {
                return None;
            }
            notes.push("attribution written without brackets".to_string());
            (first_label, n, n)
        }
    };
    let mut attribution = parse_content(v, first_label, content_end);
    attribution.notes.splice(0..0, notes);
    Some(Found {
        start: v.byte(start),
        end: v.byte(end),
        attribution,
    })
}

/// Parses `a..b` (starting at a label) into lead and cooperating units.
fn parse_content(v: &View<'_>, a: usize, b: usize) -> Attribution {
    let mut out = Attribution::default();
    // Label positions.
    let mut labels = Vec::new();
    let mut i = a;
    while i < b {
        if let Some((lead, len)) = label_at(v, i) {
            labels.push((i, lead, len));
            i += len;
        } else {
            i += 1;
        }
    }
    for (k, &(pos, lead, len)) in labels.iter().enumerate() {
        let mut s = pos + len;
        while v.is(s, |c| c == ':' || c.is_whitespace()) {
            s += 1;
        }
        let e = labels.get(k + 1).map_or(b, |&(p, _, _)| p);
        let units = split_units(v, s, e, &mut out.notes);
        if lead {
            out.lead.extend(units);
        } else {
            out.cooperating.extend(units);
        }
    }
    out
}

/// Whether `name` is the head of the district set (各县(市)区 in any bracket style).
fn is_district_head(name: &str) -> bool {
    let n: String = name.chars().map(super::text::normalize_char).collect();
    n == "各县(市)区" || n == "县(市)区" || n == "各县(市、区)" || n == "各县区"
}

/// Splits a list of units at separators outside brackets (, 、 ; and spaces), keeping the district
/// set 各县(市)区、开发区 (also written 各县(市)区,开发区) as one unit spelled as written, and
/// dropping a trailing 等.
fn split_units(v: &View<'_>, a: usize, b: usize, notes: &mut Vec<String>) -> Vec<String> {
    let mut tokens: Vec<(usize, usize, Option<char>)> = Vec::new();
    let (mut depth, mut start) = (0usize, a);
    for i in a..b {
        match v.c(i) {
            Some('(' | '[' | '【' | '〔') => depth += 1,
            Some(')' | ']' | '】' | '〕') => depth = depth.saturating_sub(1),
            Some(c @ (',' | '、' | ';' | ' ' | '\t')) if depth == 0 => {
                tokens.push((start, i, Some(c)));
                start = i + 1;
            }
            _ => {}
        }
    }
    tokens.push((start, b, None));
    let mut out: Vec<String> = Vec::new();
    let mut k = 0;
    while let Some(&(s, e, sep)) = tokens.get(k) {
        let name = trim(v.slice(s, e));
        k += 1;
        if name.is_empty() {
            continue;
        }
        if is_district_head(name) {
            if let Some(&(s2, e2, _)) = tokens.get(k) {
                let next = trim(v.slice(s2, e2));
                if next == "开发区" {
                    k += 1;
                    let written = trim(v.slice(s, e2));
                    if sep != Some('、') {
                        notes.push(format!(
                            "district set written as \"{written}\": kept as one unit, as written \
                             (list it as an alias of {name}、{next})"
                        ));
                    }
                    out.push(written.to_string());
                    continue;
                }
            }
        }
        let mut name = name.trim_end_matches(['。', '.']).to_string();
        if name.chars().count() > 1 && name.ends_with('等') {
            name.pop();
            notes.push(format!("dropped the trailing 等 of {name}等"));
        }
        if !name.is_empty() {
            out.push(name);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> (String, Attribution) {
        match find(s) {
            Some(f) => {
                let rest = format!("{}|{}", &s[..f.start], &s[f.end..]);
                (rest, f.attribution)
            }
            None => (s.to_string(), Attribution::default()),
        }
    }

    #[test]
    fn square_bracket_with_district_set() {
        let (rest, a) = parse("规范筛查。〔牵头单位:市卫健委;配合单位:市妇联,各县(市)区、开发区〕");
        assert_eq!(rest, "规范筛查。|");
        assert_eq!(a.lead, ["市卫健委"]);
        assert_eq!(a.cooperating, ["市妇联", "各县(市)区、开发区"]);
        assert!(a.notes.is_empty());
    }

    #[test]
    fn round_brackets_nest_and_fullwidth_forms() {
        let (rest, a) =
            parse("正文。（牵头单位：市卫健委、市教育局；配合单位：各县（市）区、开发区）尾");
        assert_eq!(rest, "正文。|尾");
        assert_eq!(a.lead, ["市卫健委", "市教育局"]);
        assert_eq!(a.cooperating, ["各县（市）区、开发区"]);
    }

    #[test]
    fn district_set_with_comma_and_trailing_deng() {
        let (_, a) = parse("〔牵头单位:市医保局;配合单位:市土储中心等,各县(市)区,开发区〕");
        assert_eq!(a.cooperating, ["市土储中心", "各县(市)区,开发区"]);
        assert_eq!(a.notes.len(), 2);
    }

    #[test]
    fn district_set_in_lead_and_semicolon_inside_list() {
        let (_, a) =
            parse("〔牵头单位:市房产局,各县(市)区、开发区;配合单位:市公安局;各县(市)区、开发区〕");
        assert_eq!(a.lead, ["市房产局", "各县(市)区、开发区"]);
        assert_eq!(a.cooperating, ["市公安局", "各县(市)区、开发区"]);
    }

    #[test]
    fn only_lead_unclosed_and_bare() {
        let (_, a) = parse("(牵头单位:市直相关部门)");
        assert_eq!(a.lead, ["市直相关部门"]);
        assert!(a.cooperating.is_empty());
        let (rest, a) = parse("文〔牵头单位:市民政局");
        assert_eq!(rest, "文|");
        assert_eq!(a.lead, ["市民政局"]);
        assert_eq!(a.notes.len(), 1);
        let (rest, a) = parse("文。牵头单位:市民政局");
        assert_eq!(rest, "文。|");
        assert_eq!(a.lead, ["市民政局"]);
        assert!(find("各牵头单位要明确责任。").is_none());
    }
}
