//! Units written after a number, and the exact conversions between time and length units.

use rust_decimal::Decimal;

use crate::text::View;

/// Units, as written after a number; the longest match wins. `(pattern, unit)`.
const UNITS: &[(&str, &str)] = &[
    ("微克/立方米", "微克/立方米"),
    ("毫克/立方米", "毫克/立方米"),
    ("平方公里", "平方公里"),
    ("平方千米", "平方千米"),
    ("平方米", "平方米"),
    ("立方米", "立方米"),
    ("公里", "公里"),
    ("千米", "千米"),
    ("千瓦", "千瓦"),
    ("千克", "千克"),
    ("公斤", "公斤"),
    ("公顷", "公顷"),
    ("亩", "亩"),
    ("米", "米"),
    ("吨", "吨"),
    ("%", "%"),
    ("‰", "‰"),
    ("个百分点", "个百分点"),
    ("百分点", "个百分点"),
    ("个工作日", "工作日"),
    ("工作日", "工作日"),
    ("个小时", "小时"),
    ("小时", "小时"),
    ("分钟", "分钟"),
    ("秒", "秒"),
    ("个月", "个月"),
    ("天", "天"),
    ("日", "日"),
    ("周", "周"),
    ("年", "年"),
    ("月", "月"),
    ("岁", "岁"),
    ("分贝", "分贝"),
    ("分", "分"),
    ("倍", "倍"),
    ("元", "元"),
    ("人次", "人次"),
    ("人(次)", "人次"),
    ("场次", "场次"),
    ("批次", "批次"),
    ("架次", "架次"),
    ("车次", "车次"),
    ("户次", "户次"),
    ("班次", "班次"),
    ("人", "人"),
    ("名", "名"),
    ("位", "位"),
    ("户", "户"),
    ("个", "个"),
    ("所", "所"),
    ("家", "家"),
    ("座", "座"),
    ("条", "条"),
    ("处", "处"),
    ("项", "项"),
    ("支", "支"),
    ("套", "套"),
    ("册", "册"),
    ("场", "场"),
    ("次", "次"),
    ("张", "张"),
    ("台", "台"),
    ("辆", "辆"),
    ("间", "间"),
    ("栋", "栋"),
    ("幢", "幢"),
    ("件", "件"),
    ("部", "部"),
    ("份", "份"),
    ("期", "期"),
    ("批", "批"),
    ("株", "株"),
    ("棵", "棵"),
    ("床", "床"),
    ("组", "组"),
    ("对", "对"),
    ("篇", "篇"),
    ("本", "本"),
    ("种", "种"),
    ("门", "门"),
    ("根", "根"),
    ("盏", "盏"),
    ("片", "片"),
    ("段", "段"),
    ("块", "块"),
    ("类", "类"),
    ("单", "单"),
];

/// The unit written at `position`, ending by `limit`: (its length in characters, the unit).
pub(crate) fn unit_at(
    view: &View<'_>,
    position: usize,
    limit: usize,
) -> Option<(usize, &'static str)> {
    let (&(_, unit), length) = view.longest_at(position, UNITS)?;
    (position + length <= limit).then_some((length, unit))
}

/// Converts `value` from unit `from` to unit `to` when they are time or length units that convert
/// exactly; `None` when they do not.
pub(crate) fn convert(value: Decimal, from: &str, to: &str) -> Option<Decimal> {
    if from == to {
        return Some(value);
    }
    let seconds = |unit: &str| -> Option<i64> {
        Some(match unit {
            "秒" => 1,
            "分钟" => 60,
            "小时" => 3_600,
            "天" | "日" => 86_400,
            "周" => 604_800,
            _ => return None,
        })
    };
    let metres = |unit: &str| -> Option<i64> {
        Some(match unit {
            "米" => 1,
            "公里" | "千米" => 1_000,
            _ => return None,
        })
    };
    let (from_size, to_size) = match (seconds(from), seconds(to)) {
        (Some(from_seconds), Some(to_seconds)) => (from_seconds, to_seconds),
        _ => (metres(from)?, metres(to)?),
    };
    value
        .checked_mul(Decimal::from(from_size))?
        .checked_div(Decimal::from(to_size))
        .map(|converted| converted.normalize())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::dec;

    #[test]
    fn longest_unit_within_the_limit() {
        let view = View::new("3个百分点");
        assert_eq!(unit_at(&view, 1, view.len()), Some((4, "个百分点")));
        assert_eq!(unit_at(&view, 1, 2), None);
    }

    #[test]
    fn time_and_length_convert_exactly() {
        assert_eq!(convert(dec("0.5"), "小时", "分钟"), Some(dec("30")));
        assert_eq!(convert(dec("2"), "天", "小时"), Some(dec("48")));
        assert_eq!(convert(dec("3"), "公里", "米"), Some(dec("3000")));
        assert_eq!(convert(dec("3"), "个", "米"), None);
    }
}
