//! Milestones: a clause 完成A、B和C等项目建设 (no digits) names its deliverables, and the target
//! is their count.

use progress_ledger_core::plan::{Direction, IndicatorKind};
use rust_decimal::Decimal;

use super::{Proposal, Span, split};
use crate::text::{View, char_len};
use crate::{Candidate, Certainty, Rule};

/// The verb that opens a milestones clause.
const COMPLETE: &str = "完成";

/// Words after 等 that make the names deliverables: projects, systems, things to put into use.
/// Without one (完成高龄、独居…等特殊困难老年人信息采集) the names are categories, not deliverables.
const DELIVERY_WORDS: &[&str] = &[
    "项目",
    "工程",
    "建设",
    "改造",
    "上线",
    "投入使用",
    "投用",
    "系统",
    "平台",
    "竣工",
    "验收",
];

/// The milestones proposal of a clause without figures, if it is one.
pub(super) fn milestones(view: &View<'_>, clause: Span, segments: &[Span]) -> Option<Proposal> {
    let (start, end) = view.trim_range(clause.start, clause.end);
    if !view.starts_with_at(start, COMPLETE) || segments.len() < 2 {
        return None;
    }
    let etc_at = view.rfind(start, end, "等")?;
    if !view.contains_any(etc_at, end, DELIVERY_WORDS) {
        return None;
    }
    let names_start = start + char_len(COMPLETE);
    let deliverables: Vec<String> = segments
        .iter()
        .flat_map(|segment| {
            let names = Span {
                start: segment.start.max(names_start),
                end: segment.end.min(etc_at),
            };
            split(names, |position| {
                view.char_is(position, |c| c == '和' || c == '及')
            })
        })
        .filter(|name| name.start < name.end)
        .map(|name| view.phrase(name.start, name.end))
        .filter(|name| !name.is_empty())
        .collect();
    if deliverables.len() < 2 {
        return None;
    }
    let first_end = segments.first().map_or(end, |segment| segment.end);
    let title = format!(
        "{}等{}",
        view.verbatim(start, first_end),
        view.phrase(etc_at + 1, end)
    );
    Some(Proposal {
        candidate: Candidate {
            id: String::new(),
            title,
            kind: IndicatorKind::Milestones,
            unit: String::new(),
            target: Some(Decimal::from(deliverables.len())),
            direction: Direction::AtLeast,
            baseline: None,
            source: view.phrase(start, end),
            deliverables,
            growth: false,
            line: 0,
            rule: Rule::Milestones,
            certainty: Certainty::Likely,
        },
        at: view.byte_offset(start),
    })
}

#[cfg(test)]
mod tests {
    use super::super::extract;
    use crate::test_support::dec;
    use progress_ledger_core::plan::IndicatorKind::Milestones;

    #[test]
    fn milestones_name_deliverables() {
        let extracted = extract(
            "完成市空港医院、三院新区、中医院、妇幼保健院和口腔医院滨湖分院等项目建设,加快建设新站老年护理院、骨科和口腔专科医院等项目。",
        );
        let milestones: Vec<_> = extracted
            .proposals
            .iter()
            .map(|proposal| &proposal.candidate)
            .filter(|candidate| candidate.kind == Milestones)
            .collect();
        assert_eq!(milestones.len(), 1);
        let read = milestones.first().map(|candidate| {
            (
                candidate.deliverables.clone(),
                candidate.target,
                candidate.title.clone(),
            )
        });
        assert_eq!(
            read,
            Some((
                [
                    "市空港医院",
                    "三院新区",
                    "中医院",
                    "妇幼保健院",
                    "口腔医院滨湖分院"
                ]
                .map(String::from)
                .to_vec(),
                Some(dec("5")),
                "完成市空港医院等项目建设".to_string()
            ))
        );
    }
}
