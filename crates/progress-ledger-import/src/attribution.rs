//! Attribution brackets: 〔牵头单位:…;配合单位:…〕 and their round-bracket and bare variants.

use crate::district_set::{DEVELOPMENT_ZONES, is_district_head};
use crate::text::{View, is_closing_bracket, is_opening_bracket, trim};

/// Labels that introduce lead units (simplified and traditional spellings).
const LEAD_LABELS: &[&str] = &[
    "牵头单位",
    "牵头部门",
    "主责单位",
    "牽頭單位",
    "牽頭部門",
    "主責單位",
];
/// Labels that introduce the units responsible: the lead units when no lead label is written
/// (无牵头单位的,责任单位即为牵头单位), cooperating units after one.
const RESPONSIBLE_LABELS: &[&str] = &["责任单位", "责任部门", "責任單位", "責任部門"];
/// Labels that introduce cooperating units.
const COOPERATING_LABELS: &[&str] = &[
    "配合单位",
    "配合部门",
    "协办单位",
    "参与单位",
    "协同单位",
    "协作单位",
    "配合單位",
    "配合部門",
    "協辦單位",
    "參與單位",
    "協同單位",
    "協作單位",
];

/// Labels that name the leaders in charge (people, not units): their sections are left out.
const LEADER_LABELS: &[&str] = &[
    "牵头领导",
    "责任领导",
    "分管领导",
    "牵头市领导",
    "牽頭領導",
    "責任領導",
    "分管領導",
];

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
pub(crate) struct AttributionSpan {
    /// Byte offset where the bracket (or bare label) starts.
    pub start: usize,
    /// Byte offset just after the bracket.
    pub end: usize,
    /// The parsed units.
    pub attribution: Attribution,
}

/// Which list of units a label introduces.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Role {
    Lead,
    Responsible,
    Cooperating,
    Leader,
}

/// The label written at `position`: its role and its length in characters.
fn label_at(view: &View<'_>, position: usize) -> Option<(Role, usize)> {
    [
        (Role::Lead, LEAD_LABELS),
        (Role::Responsible, RESPONSIBLE_LABELS),
        (Role::Cooperating, COOPERATING_LABELS),
        (Role::Leader, LEADER_LABELS),
    ]
    .into_iter()
    .find_map(|(role, labels)| {
        view.longest_at(position, labels)
            .map(|(_, length)| (role, length))
    })
}

/// Whether the line mentions an attribution label at all.
pub(crate) fn has_label(line: &str) -> bool {
    let view = View::new(line);
    (0..view.len()).any(|position| label_at(&view, position).is_some())
}

/// Finds the attribution bracket of a line, if it has one.
///
/// A bracket is an opening 〔 ( [ 【 directly followed (spaces aside) by a label
/// (牵头单位, 配合单位, 责任单位 …), up to its matching closing bracket; round brackets nest, so
/// `(牵头单位:…;配合单位:各县(市)区、开发区)` closes at the last `)`. A label followed by a
/// colon without any bracket is taken as a bare attribution running to the end of the line.
pub(crate) fn find(line: &str) -> Option<AttributionSpan> {
    let view = View::new(line);
    let mut position = 0;
    while position < view.len() {
        match label_at(&view, position) {
            Some((_, length)) => {
                if let Some(span) = read_at_label(&view, position) {
                    return Some(span);
                }
                position += length;
            }
            None => position += 1,
        }
    }
    None
}

/// Tries to read an attribution whose first label is at `first_label`.
fn read_at_label(view: &View<'_>, first_label: usize) -> Option<AttributionSpan> {
    let line_end = view.len();
    let mut before_label = first_label;
    while before_label > 0 && view.char_is(before_label - 1, char::is_whitespace) {
        before_label -= 1;
    }
    let opening = before_label
        .checked_sub(1)
        .and_then(|position| view.char_at(position).map(|c| (position, c)));
    let mut notes = Vec::new();
    let (start, content_end, end) = match opening {
        Some((open_at, bracket @ ('〔' | '(' | '[' | '【'))) => {
            match matching_close(view, open_at, bracket) {
                Some(close_at) => (open_at, close_at, close_at + 1),
                None => {
                    notes.push(format!("attribution bracket {bracket} is not closed"));
                    (open_at, line_end, line_end)
                }
            }
        }
        _ => {
            let (_, length) = label_at(view, first_label)?;
            if !view.char_is(first_label + length, |c| c == ':') {
                return None;
            }
            notes.push("attribution written without brackets".to_string());
            (first_label, line_end, line_end)
        }
    };
    let mut attribution = read_sections(view, first_label, content_end);
    attribution.notes.splice(0..0, notes);
    Some(AttributionSpan {
        start: view.byte_offset(start),
        end: view.byte_offset(end),
        attribution,
    })
}

/// The position of the bracket that closes the `bracket` opened at `open_at` (brackets of the
/// same kind nest).
fn matching_close(view: &View<'_>, open_at: usize, bracket: char) -> Option<usize> {
    let closing = match bracket {
        '〔' => '〕',
        '(' => ')',
        '[' => ']',
        _ => '】',
    };
    let mut depth = 0usize;
    for position in open_at..view.len() {
        match view.char_at(position) {
            Some(character) if character == bracket => depth += 1,
            Some(character) if character == closing => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return Some(position);
                }
            }
            _ => {}
        }
    }
    None
}

/// Reads `start..end` (starting at a label) into lead and cooperating units: each label opens a
/// section that runs to the next label. The units of a 责任单位 section lead when no 牵头单位 is
/// written, and cooperate otherwise.
fn read_sections(view: &View<'_>, start: usize, end: usize) -> Attribution {
    let mut attribution = Attribution::default();
    let mut labels = Vec::new();
    let mut position = start;
    while position < end {
        if let Some((role, length)) = label_at(view, position) {
            labels.push((position, role, length));
            position += length;
        } else {
            position += 1;
        }
    }
    let has_lead = labels.iter().any(|&(_, role, _)| role == Role::Lead);
    for (index, &(label_start, role, length)) in labels.iter().enumerate() {
        let units_start = view.end_of_run(label_start + length, view.len(), |c| {
            c == ':' || c.is_whitespace()
        });
        let units_end = labels
            .get(index + 1)
            .map_or(end, |&(next_label, _, _)| next_label);
        let units = split_units(view, units_start, units_end, &mut attribution.notes);
        match role {
            Role::Lead => attribution.lead.extend(units),
            Role::Responsible if !has_lead => attribution.lead.extend(units),
            Role::Responsible | Role::Cooperating => attribution.cooperating.extend(units),
            Role::Leader => {}
        }
    }
    attribution
}

/// A name between separators, and the separator after it (`None` at the end of the list).
struct ListEntry {
    start: usize,
    end: usize,
    separator: Option<char>,
}

/// Splits a list of units at separators outside brackets (, 、 ; and spaces), keeping the district
/// set 各县(市)区、开发区 (also written 各县(市)区,开发区) as one unit spelled as written, and
/// dropping a trailing 等.
fn split_units(view: &View<'_>, start: usize, end: usize, notes: &mut Vec<String>) -> Vec<String> {
    let mut entries = Vec::new();
    let (mut depth, mut entry_start) = (0usize, start);
    for position in start..end {
        match view.char_at(position) {
            Some(character) if is_opening_bracket(character) => depth += 1,
            Some(character) if is_closing_bracket(character) => depth = depth.saturating_sub(1),
            Some(separator @ (',' | '、' | ';' | ' ' | '\t')) if depth == 0 => {
                entries.push(ListEntry {
                    start: entry_start,
                    end: position,
                    separator: Some(separator),
                });
                entry_start = position + 1;
            }
            _ => {}
        }
    }
    entries.push(ListEntry {
        start: entry_start,
        end,
        separator: None,
    });
    let mut units: Vec<String> = Vec::new();
    let mut entries = entries.iter().peekable();
    while let Some(entry) = entries.next() {
        let name = trim(view.verbatim(entry.start, entry.end));
        if name.is_empty() {
            continue;
        }
        if is_district_head(name) {
            let zones = entries
                .next_if(|next| trim(view.verbatim(next.start, next.end)) == DEVELOPMENT_ZONES);
            if let Some(zones) = zones {
                let written = trim(view.verbatim(entry.start, zones.end));
                if entry.separator != Some('、') {
                    notes.push(format!(
                        "district set written as \"{written}\": kept as one unit, as written \
                         (list it as an alias of {name}、{DEVELOPMENT_ZONES})"
                    ));
                }
                units.push(written.to_string());
                continue;
            }
        }
        let mut name = name.trim_end_matches(['。', '.']).to_string();
        if name.chars().count() > 1 && name.ends_with('等') {
            name.pop();
            notes.push(format!("dropped the trailing 等 of {name}等"));
        }
        if !name.is_empty() {
            units.push(name);
        }
    }
    units
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The line with its attribution replaced by `|`, and the attribution.
    fn parse(line: &str) -> (String, Attribution) {
        match find(line) {
            Some(span) => {
                let before = line.get(..span.start).unwrap_or_default();
                let after = line.get(span.end..).unwrap_or_default();
                (format!("{before}|{after}"), span.attribution)
            }
            None => (line.to_string(), Attribution::default()),
        }
    }

    #[test]
    fn square_bracket_with_district_set() {
        let (rest, attribution) =
            parse("规范筛查。〔牵头单位:市卫健委;配合单位:市妇联,各县(市)区、开发区〕");
        assert_eq!(rest, "规范筛查。|");
        assert_eq!(attribution.lead, ["市卫健委"]);
        assert_eq!(attribution.cooperating, ["市妇联", "各县(市)区、开发区"]);
        assert!(attribution.notes.is_empty());
    }

    #[test]
    fn round_brackets_nest_and_fullwidth_forms() {
        let (rest, attribution) =
            parse("正文。（牵头单位：市卫健委、市教育局；配合单位：各县（市）区、开发区）尾");
        assert_eq!(rest, "正文。|尾");
        assert_eq!(attribution.lead, ["市卫健委", "市教育局"]);
        assert_eq!(attribution.cooperating, ["各县（市）区、开发区"]);
    }

    #[test]
    fn district_set_with_comma_and_trailing_deng() {
        let (_, attribution) =
            parse("〔牵头单位:市医保局;配合单位:市土储中心等,各县(市)区,开发区〕");
        assert_eq!(attribution.cooperating, ["市土储中心", "各县(市)区,开发区"]);
        assert_eq!(attribution.notes.len(), 2);
    }

    #[test]
    fn district_set_in_lead_and_semicolon_inside_list() {
        let (_, attribution) =
            parse("〔牵头单位:市房产局,各县(市)区、开发区;配合单位:市公安局;各县(市)区、开发区〕");
        assert_eq!(attribution.lead, ["市房产局", "各县(市)区、开发区"]);
        assert_eq!(attribution.cooperating, ["市公安局", "各县(市)区、开发区"]);
    }

    #[test]
    fn responsible_units_lead_only_without_a_lead_label() {
        let (_, attribution) =
            parse("(牵头单位:市农业农村局;责任单位:市公安局、市人社局,各区人民政府)");
        assert_eq!(attribution.lead, ["市农业农村局"]);
        assert_eq!(
            attribution.cooperating,
            ["市公安局", "市人社局", "各区人民政府"]
        );
        let (_, attribution) = parse("(责任单位:市发改委)");
        assert_eq!(attribution.lead, ["市发改委"]);
        let (_, attribution) = parse("(责任单位:市教育局;配合单位:各区)");
        assert_eq!(
            (attribution.lead, attribution.cooperating),
            (vec!["市教育局".to_string()], vec!["各区".to_string()])
        );
        let (_, attribution) = parse("(牵头领导:张三;牵头单位:市教育局;配合单位:市财政局)");
        assert_eq!(attribution.lead, ["市教育局"]);
        assert_eq!(attribution.cooperating, ["市财政局"]);
        let (_, attribution) = parse("（牽頭單位：市衛健委；配合單位：市財政局）");
        assert_eq!(attribution.lead, ["市衛健委"]);
        assert_eq!(attribution.cooperating, ["市財政局"]);
    }

    #[test]
    fn only_lead_unclosed_and_bare() {
        let (_, attribution) = parse("(牵头单位:市直相关部门)");
        assert_eq!(attribution.lead, ["市直相关部门"]);
        assert!(attribution.cooperating.is_empty());
        let (rest, attribution) = parse("文〔牵头单位:市民政局");
        assert_eq!(rest, "文|");
        assert_eq!(attribution.lead, ["市民政局"]);
        assert_eq!(attribution.notes.len(), 1);
        let (rest, attribution) = parse("文。牵头单位:市民政局");
        assert_eq!(rest, "文。|");
        assert_eq!(attribution.lead, ["市民政局"]);
        assert!(find("各牵头单位要明确责任。").is_none());
    }
}
