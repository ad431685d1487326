//! Changes written 由 X 缩短到 Y: where the starting value X is, and the baseline it gives in the
//! target's unit.

use rust_decimal::Decimal;

use crate::figures::{self, Figure};
use crate::text::View;

/// The words that introduce a starting value.
pub(super) const CHANGE_FROM: &[&str] = &["由", "从"];

/// Where the starting value of a change starts (the 由 or 从 before it), when `figure` is the
/// end of a change (its word before ends with 到 or 至) and 由/从 is written in
/// `view[floor..]` before it.
pub(super) fn change_start(view: &View<'_>, floor: usize, figure: &Figure) -> Option<usize> {
    let (word, _) = figure.word_before?;
    if !(word.ends_with('到') || word.ends_with('至')) {
        return None;
    }
    CHANGE_FROM
        .iter()
        .filter_map(|from| view.rfind(figure.floor(floor), figure.start, from))
        .max()
}

/// The baseline a change phrase gives (由半小时缩短到20分钟 → 30 in the target's unit), `None`
/// when the figure is not the end of a change, and an error saying why when the starting value
/// cannot be read or converted.
pub(super) fn baseline(
    view: &View<'_>,
    clause_start: usize,
    figure: &Figure,
) -> Result<Option<Decimal>, String> {
    let Some(from) = change_start(view, clause_start, figure) else {
        return Ok(None);
    };
    let phrase = view.verbatim(from, figure.end);
    let Some((value, unit)) = figures::quantity(view, from + 1, figure.start) else {
        return Err(format!("could not read the starting value in {phrase}"));
    };
    match figures::convert(value, unit, &figure.unit) {
        Some(converted) => Ok(Some(converted)),
        None => Err(format!(
            "starting value in {phrase} is in {unit}, the target in {}",
            figure.unit
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::super::extract;
    use super::super::tests::{proposals_of, summary};
    use crate::test_support::dec;
    use progress_ledger_core::plan::{Direction::AtMost, IndicatorKind::Level};

    #[test]
    fn ceilings_and_baselines() {
        let extracted = extract("救援人员到达现场平均时间由半小时缩短到20分钟以下。");
        let rescue = extracted
            .proposals
            .first()
            .map(|proposal| proposal.candidate.clone());
        assert_eq!(
            rescue.as_ref().and_then(|candidate| candidate.baseline),
            Some(dec("30"))
        );
        assert_eq!(
            rescue
                .as_ref()
                .map(|candidate| (candidate.direction, candidate.kind)),
            Some((AtMost, Level))
        );
        assert_eq!(
            rescue.as_ref().and_then(|candidate| candidate.target),
            Some(dec("20"))
        );
        assert_eq!(
            proposals_of("实现PM2.5平均浓度不高于32微克/立方米。"),
            [summary("32", "微克/立方米", AtMost, Level)]
        );
        assert_eq!(
            proposals_of("3个工作日内办结"),
            [summary("3", "工作日", AtMost, Level)]
        );
        let extracted = extract("办理时间由5件缩短到3天");
        assert_eq!(extracted.notes.len(), 1, "{extracted:?}");
    }
}
