//! Numbers, dates and statuses as the pages show them.

use jiff::Timestamp;
use maud::{Markup, html};
use progress_ledger_core::PLAN_OFFSET;
use progress_ledger_core::plan::IndicatorKind;
use progress_ledger_core::projection::Schedule;
use rust_decimal::Decimal;

/// A number as plain text: no trailing zeros, no exponent (16000, 0.075, 92.5).
pub(crate) fn number(value: Decimal) -> String {
    value.normalize().to_string()
}

/// A fraction as a percentage with one decimal (0.0752 → 7.5%).
pub(crate) fn percent(fraction: Decimal) -> String {
    let shown = (fraction * Decimal::ONE_HUNDRED).round_dp(1);
    format!("{shown:.1}%")
}

/// A number with thousands grouped (16000 → 16,000; 1234.5 → 1,234.5).
pub(crate) fn grouped(value: Decimal) -> String {
    let text = number(value);
    let (sign, digits) = match text.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", text.as_str()),
    };
    let (whole, fraction) = match digits.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (digits, None),
    };
    let mut out = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    match fraction {
        Some(f) => format!("{sign}{out}.{f}"),
        None => format!("{sign}{out}"),
    }
}

/// A recorded-at time in Beijing time, to the second.
pub(crate) fn time(time: Timestamp) -> String {
    PLAN_OFFSET
        .to_datetime(time)
        .strftime("%Y-%m-%d %H:%M:%S")
        .to_string()
}

/// The schedule status's Chinese label.
pub(crate) fn status_label(status: Schedule) -> &'static str {
    status.label_zh()
}

/// A coloured badge of a schedule status (`status-behind` …), with its label.
pub(crate) fn badge(status: Schedule) -> Markup {
    html! {
        span class={ "badge status-" (status.as_str()) } data-status=(status.as_str()) {
            (status_label(status))
        }
    }
}

/// A completion bar (capped fraction) with its percentage.
pub(crate) fn bar(completion: Decimal, status: Schedule) -> Markup {
    let width = (completion.clamp(Decimal::ZERO, Decimal::ONE) * Decimal::ONE_HUNDRED).round_dp(1);
    html! {
        span class="bar" role="img" aria-label={ "完成 " (percent(completion)) } {
            span class={ "fill status-" (status.as_str()) } style={ "width:" (width) "%" } {}
        }
        span class="pct" data-completion=(number(completion)) { (percent(completion)) }
    }
}

/// The Chinese name of an indicator kind.
pub(crate) fn kind_label(kind: IndicatorKind) -> &'static str {
    match kind {
        IndicatorKind::Cumulative => "累计",
        IndicatorKind::Level => "水平",
        IndicatorKind::Coverage => "覆盖",
        IndicatorKind::Milestones => "节点",
        IndicatorKind::Status => "状态",
    }
}

/// The statuses in the order the filters list them, with their labels.
pub(crate) const STATUSES: [Schedule; 4] = [
    Schedule::Behind,
    Schedule::NotStarted,
    Schedule::OnTrack,
    Schedule::Met,
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_as_written() {
        assert_eq!(number(Decimal::new(16000, 0)), "16000");
        assert_eq!(number(Decimal::new(7500, 5)), "0.075");
        assert_eq!(percent(Decimal::new(752, 4)), "7.5%");
        assert_eq!(percent(Decimal::ONE), "100.0%");
        assert_eq!(grouped(Decimal::new(16000, 0)), "16,000");
        assert_eq!(grouped(Decimal::new(-12345, 1)), "-1,234.5");
        assert_eq!(grouped(Decimal::new(999, 0)), "999");
    }
}
