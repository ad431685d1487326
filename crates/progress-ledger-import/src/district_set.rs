//! The district set (各县(市)区、开发区): the spellings of its head, and where the text names it.

use crate::text::{View, normalize_char};

/// The ways the text writes the head of the district set (normalised: ASCII brackets). The
/// attribution brackets list 各县(市)区、开发区 as one unit; a clause naming it before a figure
/// gives a per-district (coverage) target.
const DISTRICT_SET_HEADS: &[&str] = &[
    "各县(市)区",
    "县(市)区",
    "各县(市、区)",
    "各县区",
    "各区县",
    "各县(区)",
];

/// The second half of the district set, after the head and a separator.
pub(crate) const DEVELOPMENT_ZONES: &str = "开发区";

/// Whether `name` is the head of the district set, in any bracket style.
pub(crate) fn is_district_head(name: &str) -> bool {
    let normalized: String = name.chars().map(normalize_char).collect();
    DISTRICT_SET_HEADS.contains(&normalized.as_str())
}

/// Whether the characters `start..end` of `view` name the district set.
pub(crate) fn names_district_set(view: &View<'_>, start: usize, end: usize) -> bool {
    view.contains_any(start, end, DISTRICT_SET_HEADS)
}

/// Whether the separator at `position` joins the district set's head (ending right before it, not
/// before `floor`) to 开发区 (right after it).
pub(crate) fn joins_district_set(view: &View<'_>, position: usize, floor: usize) -> bool {
    DISTRICT_SET_HEADS
        .iter()
        .any(|head| view.ends_with_at(position, head, floor))
        && view.starts_with_at(position + 1, DEVELOPMENT_ZONES)
}

#[cfg(test)]
mod tests {
    use super::*;
    use progress_ledger_core::plan::IndicatorKind;

    #[test]
    fn heads_in_any_bracket_style() {
        for head in [
            "各县(市)区",
            "各县（市）区",
            "县(市)区",
            "各县（市、区）",
            "各区县",
        ] {
            assert!(is_district_head(head), "{head}");
        }
        assert!(!is_district_head("各县(市)区、开发区"));
        assert!(!is_district_head("市直相关部门"));
    }

    #[test]
    fn where_the_set_is_named_and_joined() {
        let view = View::new("各县（市）区、开发区至少建成1个");
        assert!(names_district_set(&view, 0, 10));
        assert!(joins_district_set(&view, 6, 0));
        assert!(!joins_district_set(&view, 6, 3));
        let view = View::new("市卫健委、开发区");
        assert!(!joins_district_set(&view, 4, 0));
    }

    /// Every spelling is one unit in a bracket and names the set for the coverage rule.
    #[test]
    fn brackets_and_targets_read_the_same_spellings() {
        for head in DISTRICT_SET_HEADS {
            let set = format!("{head}、{DEVELOPMENT_ZONES}");
            let bracket = format!("〔牵头单位:市民政局;配合单位:市财政局,{set}〕");
            let span = crate::attribution::find(&bracket);
            assert_eq!(
                span.map(|span| span.attribution.cooperating),
                Some(vec!["市财政局".to_string(), set.clone()]),
                "{bracket}"
            );
            let clause = format!("{set}新建2所托育机构");
            let kinds: Vec<_> = crate::targets::extract(&clause)
                .proposals
                .into_iter()
                .map(|proposal| proposal.candidate.kind)
                .collect();
            assert_eq!(kinds, [IndicatorKind::Coverage], "{clause}");
        }
    }
}
