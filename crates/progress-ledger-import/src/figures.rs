//! Figures: a number with its scale (万, 亿), unit and the direction words around it.
//!
//! The scanner reads one clause at a time and returns every run of digits it meets, either as a
//! [`Figure`] or as something it deliberately does not read as a figure (a code such as PM2.5, a
//! date, a range, a number without a unit), so that nothing is dropped silently.

use std::str::FromStr;

use rust_decimal::Decimal;

use super::text::{View, is_cn_numeral, parse_cn_numeral};
use progress_ledger_core::plan::Direction;

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

/// Direction words written before a number, with the direction they give (`None`: neutral).
const PRE_WORDS: &[(&str, Option<Direction>)] = &[
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
const POST_WORDS: &[(&str, Option<Direction>)] = &[
    ("及以上", Some(Direction::AtLeast)),
    ("以上", Some(Direction::AtLeast)),
    ("以下", Some(Direction::AtMost)),
    ("以内", Some(Direction::AtMost)),
    ("之内", Some(Direction::AtMost)),
    ("内", Some(Direction::AtMost)),
    ("左右", None),
];

/// Words that make a neutral 到 / 至 (and a missing direction) read as a ceiling.
pub(crate) const DECREASE_VERBS: &[&str] =
    &["缩短", "降低", "下降", "减少", "压缩", "压减", "控制"];

/// A number read with its scale, unit and direction words. Indices are characters of the view.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Figure {
    /// Start of the phrase: the direction word before the number, or the number.
    pub start: usize,
    /// Start of the digits.
    pub num_start: usize,
    /// End of the phrase: after the unit and any direction word after it.
    pub end: usize,
    /// Value after scaling (1.6万 → 16000), normalised.
    pub value: Decimal,
    /// Unit as read (万人 → 人).
    pub unit: String,
    /// The direction word before the number and the direction it gives.
    pub pre: Option<(&'static str, Option<Direction>)>,
    /// The direction word after the unit and the direction it gives.
    pub post: Option<(&'static str, Option<Direction>)>,
    /// Written as an approximation (余, 多, 近, 约, 左右).
    pub approx: bool,
}

impl Figure {
    /// The direction the words around the figure give, if they give one. A neutral 到/至 takes
    /// its direction from the verb before it in `v[floor..]` (缩短到 → at most).
    pub(crate) fn explicit_direction(&self, v: &View<'_>, floor: usize) -> Option<Direction> {
        if let Some((_, Some(d))) = self.post {
            return Some(d);
        }
        match self.pre {
            Some((_, Some(d))) => Some(d),
            // A neutral 到 / 至.
            Some((_, None)) => {
                if DECREASE_VERBS
                    .iter()
                    .any(|w| v.contains(floor, self.start, w))
                {
                    Some(Direction::AtMost)
                } else {
                    Some(Direction::AtLeast)
                }
            }
            _ => None,
        }
    }
}

/// What the scanner found at a run of digits.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Found {
    /// A figure.
    Figure(Figure),
    /// Digits deliberately not read as a figure (`reason` says why); `start..end` is the run.
    Ignored {
        /// Start of the run.
        start: usize,
        /// End of the run.
        end: usize,
        /// Why it is not a figure.
        reason: &'static str,
    },
    /// Digits that could not be interpreted.
    Odd {
        /// Start of the run.
        start: usize,
        /// End of the run.
        end: usize,
        /// What is wrong.
        reason: &'static str,
    },
}

/// Reads digits (with an optional decimal part and 3-digit groups after commas) from `i`,
/// returning the end and the normalised number text.
fn read_number(v: &View<'_>, i: usize, b: usize) -> (usize, String) {
    let digit = |k: usize| k < b && v.is(k, |c| c.is_ascii_digit());
    let mut j = i;
    let mut text = String::new();
    while digit(j) {
        text.extend(v.c(j));
        j += 1;
    }
    // 10,000: a comma followed by exactly three digits and then no digit.
    while v.is(j, |c| c == ',') && digit(j + 1) && digit(j + 2) && digit(j + 3) && !digit(j + 4) {
        text.push_str(&v.norm(j + 1, j + 4));
        j += 4;
    }
    if v.is(j, |c| c == '.') && digit(j + 1) {
        text.push('.');
        j += 1;
        while digit(j) {
            text.extend(v.c(j));
            j += 1;
        }
    }
    (j, text)
}

/// Reads the scale characters (万, 亿, 千, 百万 …) at `k`; returns the end and the multiplier.
fn read_scale(v: &View<'_>, mut k: usize, b: usize) -> (usize, Option<Decimal>) {
    let mut mult = Some(Decimal::ONE);
    while k < b {
        let factor = match v.c(k) {
            Some('万') => 10_000i64,
            Some('亿') => 100_000_000,
            Some('千') if unit_at(v, k, b).is_none() => 1_000,
            Some('百') if v.is(k + 1, |c| c == '万' || c == '亿') => 100,
            Some('十') if v.is(k + 1, |c| c == '万' || c == '亿') => 10,
            _ => break,
        };
        mult = mult.and_then(|m| m.checked_mul(Decimal::from(factor)));
        k += 1;
    }
    (k, mult)
}

/// The unit at `k`: (its length in characters, the unit).
pub(crate) fn unit_at(v: &View<'_>, k: usize, b: usize) -> Option<(usize, &'static str)> {
    let pats: Vec<&str> = UNITS.iter().map(|(p, _)| *p).collect();
    let (idx, len) = v.longest_at(k, &pats)?;
    if k + len > b {
        return None;
    }
    UNITS.get(idx).map(|&(_, u)| (len, u))
}

/// Consumes a code-like run (letters, digits, dots) from `i`.
fn skip_code(v: &View<'_>, mut i: usize, b: usize) -> usize {
    while i < b && v.is(i, |c| c.is_ascii_alphanumeric() || c == '.' || c == '-') {
        i += 1;
    }
    i
}

/// Scans `a..b` of `v` and returns everything found at runs of digits, in order.
pub(crate) fn scan(v: &View<'_>, a: usize, b: usize) -> Vec<Found> {
    let b = b.min(v.len());
    let mut out = Vec::new();
    let mut i = a;
    while i < b {
        if !v.is(i, |c| c.is_ascii_digit()) {
            i += 1;
            continue;
        }
        let (found, next) = read_at(v, a, i, b);
        out.push(found);
        i = next.max(i + 1);
    }
    out
}

/// Reads what starts at the digit `i` (clause `a..b`); returns it and where to continue.
fn read_at(v: &View<'_>, a: usize, i: usize, b: usize) -> (Found, usize) {
    let ignored = |end: usize, reason| {
        (
            Found::Ignored {
                start: i,
                end,
                reason,
            },
            end,
        )
    };
    let odd = |end: usize, reason| {
        (
            Found::Odd {
                start: i,
                end,
                reason,
            },
            end,
        )
    };
    // Codes and names: PM2.5, P2P, 5G.
    if i > a && v.is(i - 1, |c| c.is_ascii_alphabetic() || c == '.' || c == '_') {
        return ignored(skip_code(v, i, b), "part of a code or name (PM2.5, P2P)");
    }
    let (j, text) = read_number(v, i, b);
    if v.is(j, |c| c.is_ascii_alphabetic()) {
        return ignored(skip_code(v, i, b), "part of a code or name (5G, 3D)");
    }
    // Ranges: 2-3岁, 10~15个, 3至5个.
    if v.is(j, |c| matches!(c, '-' | '~' | '—' | '–' | '至' | '到'))
        && v.is(j + 1, |c| c.is_ascii_digit())
    {
        let (k, _) = read_number(v, j + 1, b);
        let (k, _) = read_scale(v, k, b);
        return match unit_at(v, k, b) {
            Some((len, "岁")) => ignored(k + len, "an age range (describes who, not how many)"),
            Some((len, _)) => odd(k + len, "a range of numbers (no single target)"),
            None => odd(k, "a range of numbers (no single target)"),
        };
    }
    // Expressions: 7×24, 1+100+X, 1/3.
    if v.is(j, |c| matches!(c, '×' | '*' | '+' | '/' | '÷'))
        && v.is(j + 1, |c| c.is_ascii_alphanumeric())
    {
        let mut k = j;
        while k < b
            && v.is(k, |c| {
                c.is_ascii_alphanumeric() || matches!(c, '×' | '*' | '+' | '/' | '÷' | '.')
            })
        {
            k += 1;
        }
        return odd(k, "an arithmetic expression");
    }
    let Ok(base) = Decimal::from_str(&text) else {
        return odd(j, "a number too large to read exactly");
    };
    let (mut k, mult) = read_scale(v, j, b);
    let Some(value) = mult.and_then(|m| base.checked_mul(m)) else {
        return odd(k, "a number too large to read exactly");
    };
    let mut approx = false;
    if k < b && v.is(k, |c| c == '余' || c == '多') {
        approx = true;
        k += 1;
    }
    let Some((ulen, unit)) = unit_at(v, k, b) else {
        return odd(k, "a number without a recognised unit");
    };
    // Dates: 2023年, 8月14日.
    let integer = value.fract().is_zero();
    let is_year = unit == "年"
        && integer
        && value >= Decimal::from(1900)
        && value <= Decimal::from(2100)
        && !approx;
    // Durations in months are written 个月; a bare 月 after digits is a month of the year.
    let is_month = unit == "月";
    let is_day = unit == "日" && i > a && v.is(i - 1, |c| c == '月');
    if is_year || is_month || is_day {
        return ignored(k + ulen, "a date");
    }
    let mut end = k + ulen;
    let post = v
        .longest_at(end, &POST_WORDS.iter().map(|(w, _)| *w).collect::<Vec<_>>())
        .and_then(|(idx, len)| POST_WORDS.get(idx).map(|p| (*p, len)));
    let post = post.map(|(p, len)| {
        end += len;
        p
    });
    if post.is_some_and(|(w, _)| w == "左右") {
        approx = true;
    }
    let mut start = i;
    let pre = v
        .longest_before(i, &PRE_WORDS.iter().map(|(w, _)| *w).collect::<Vec<_>>(), a)
        .and_then(|(idx, len)| PRE_WORDS.get(idx).map(|p| (*p, len)));
    let pre = pre.map(|(p, len)| {
        start = i - len;
        p
    });
    if v.ends_with_at(i, "近", a) || v.ends_with_at(i, "约", a) {
        approx = true;
    }
    let figure = Figure {
        start,
        num_start: i,
        end,
        value: value.normalize(),
        unit: unit.to_string(),
        pre,
        post,
        approx,
    };
    (Found::Figure(figure), end)
}

/// Count units a Chinese-numeral figure may carry (一次, 一所); class and grade words (级, 类, 期)
/// are left out on purpose: 二级以上 and 一类公厕 qualify, they do not count.
const CN_COUNT_UNITS: &[&str] = &[
    "次", "所", "个", "名", "家", "场", "人", "户", "支", "处", "座", "项", "条", "套",
];

/// Figures written in Chinese numerals (一次, 一所, 两场) in `a..b`, for per-unit standards. A
/// numeral right after 每 or 第 (每千人口, 第五批) or inside a longer run of CJK numerals is not
/// a figure, nor is 一次性 (one-off).
pub(crate) fn scan_chinese(v: &View<'_>, a: usize, b: usize) -> Vec<Figure> {
    let b = b.min(v.len());
    let mut out = Vec::new();
    let mut i = a;
    while i < b {
        if !v.is(i, is_cn_numeral) {
            i += 1;
            continue;
        }
        let mut k = i;
        while k < b && v.is(k, is_cn_numeral) {
            k += 1;
        }
        let after_marker = i > a && v.is(i - 1, |c| c == '每' || c == '第');
        let unit = v
            .longest_at(k, CN_COUNT_UNITS)
            .and_then(|(idx, len)| CN_COUNT_UNITS.get(idx).map(|u| (*u, len)));
        let value = parse_cn_numeral(&v.norm(i, k));
        if let (false, Some((unit, len)), Some(value)) = (after_marker, unit, value) {
            if k + len <= b && !v.is(k + len, |c| c == '性') {
                out.push(Figure {
                    start: i,
                    num_start: i,
                    end: k + len,
                    value: Decimal::from(value),
                    unit: unit.to_string(),
                    pre: None,
                    post: None,
                    approx: false,
                });
            }
        }
        i = k;
    }
    out
}

/// Reads a quantity written before a change verb, for baselines: digits or a Chinese numeral
/// (半 = 0.5) in `a..b`, followed by a unit. Returns the value and the unit.
pub(crate) fn quantity(v: &View<'_>, a: usize, b: usize) -> Option<(Decimal, &'static str)> {
    let (a, b) = v.trim_range(a, b);
    if v.is(a, |c| c.is_ascii_digit()) {
        let (j, text) = read_number(v, a, b);
        let base = Decimal::from_str(&text).ok()?;
        let (k, mult) = read_scale(v, j, b);
        let value = base.checked_mul(mult?)?;
        let (len, unit) = unit_at(v, k, b)?;
        return (k + len == b).then_some((value.normalize(), unit));
    }
    let mut k = a;
    let value = if v.is(a, |c| c == '半') {
        k += 1;
        Decimal::new(5, 1)
    } else {
        while k < b && v.is(k, is_cn_numeral) {
            k += 1;
        }
        let n = parse_cn_numeral(&v.norm(a, k))?;
        let half = v.is(k, |c| c == '个') && v.is(k + 1, |c| c == '半');
        Decimal::from(n)
            + if half {
                Decimal::new(5, 1)
            } else {
                Decimal::ZERO
            }
    };
    let k = if v.is(k, |c| c == '个') && v.is(k + 1, |c| c == '半') {
        k + 2
    } else {
        k
    };
    let (len, unit) = unit_at(v, k, b)?;
    (k + len == b).then_some((value.normalize(), unit))
}

/// Converts `value` from unit `from` to unit `to` when they are time or length units that convert
/// exactly; `None` when they do not.
pub(crate) fn convert(value: Decimal, from: &str, to: &str) -> Option<Decimal> {
    if from == to {
        return Some(value);
    }
    let seconds = |u: &str| -> Option<i64> {
        Some(match u {
            "秒" => 1,
            "分钟" => 60,
            "小时" => 3_600,
            "天" | "日" => 86_400,
            "周" => 604_800,
            _ => return None,
        })
    };
    let metres = |u: &str| -> Option<i64> {
        Some(match u {
            "米" => 1,
            "公里" | "千米" => 1_000,
            _ => return None,
        })
    };
    let (f, t) = match (seconds(from), seconds(to)) {
        (Some(f), Some(t)) => (f, t),
        _ => (metres(from)?, metres(to)?),
    };
    value
        .checked_mul(Decimal::from(f))?
        .checked_div(Decimal::from(t))
        .map(|d| d.normalize())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn dec(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap_or_default()
    }

    fn one(s: &str) -> Found {
        let v = View::new(s);
        let mut all = scan(&v, 0, v.len());
        assert_eq!(all.len(), 1, "{s}: {all:?}");
        all.remove(0)
    }

    fn figure(s: &str) -> (Decimal, String, Option<Direction>, String) {
        let v = View::new(s);
        match one(s) {
            Found::Figure(f) => (
                f.value,
                f.unit.clone(),
                f.explicit_direction(&v, 0),
                v.slice(f.start, f.end).to_string(),
            ),
            other => panic!("{s}: {other:?}"),
        }
    }

    #[test]
    fn scaling_is_exact() {
        let cases = [
            ("新增托位1.6万个", "16000", "个"),
            ("发放贷款10亿元以上", "1000000000", "元"),
            ("新增学习人数12万人左右", "120000", "人"),
            ("支持1.8万名以上", "18000", "名"),
            ("解危2.4万平方米", "24000", "平方米"),
            ("再就业3.76万人以上", "37600", "人"),
            ("筹集1.18万套", "11800", "套"),
            ("投入3千万元", "30000000", "元"),
            ("图书10,000册", "10000", "册"),
            ("１．５万户", "15000", "户"),
        ];
        for (s, value, unit) in cases {
            let (v, u, _, _) = figure(s);
            assert_eq!((v, u.as_str()), (dec(value), unit), "{s}");
            assert_eq!(v.to_string(), value, "{s} is normalised");
        }
    }

    #[test]
    fn units_longest_match() {
        let cases = [
            ("不高于63微克/立方米", "微克/立方米"),
            ("培训2400人次以上", "人次"),
            ("演出4场次以上", "场次"),
            ("2000批次", "批次"),
            ("3个工作日内办结", "工作日"),
            ("50所以上", "所"),
            ("20分钟以下", "分钟"),
            ("60分贝", "分贝"),
            ("达92%以上", "%"),
            ("达９２％以上", "%"),
            ("提高2个百分点", "个百分点"),
            ("改造10000户", "户"),
            ("建设5千米", "千米"),
        ];
        for (s, unit) in cases {
            assert_eq!(figure(s).1, unit, "{s}");
        }
    }

    #[test]
    fn direction_words() {
        use Direction::{AtLeast, AtMost};
        let cases = [
            ("管理率达92%以上", Some(AtLeast), "达92%以上"),
            ("不少于1800户", Some(AtLeast), "不少于1800户"),
            ("不得少于10个", Some(AtLeast), "不得少于10个"),
            ("不低于52%", Some(AtLeast), "不低于52%"),
            ("至少1支", Some(AtLeast), "至少1支"),
            ("达到85%", Some(AtLeast), "达到85%"),
            ("超过8200人", Some(AtLeast), "超过8200人"),
            ("不高于32微克/立方米", Some(AtMost), "不高于32微克/立方米"),
            ("不超过5天", Some(AtMost), "不超过5天"),
            ("控制在10%以内", Some(AtMost), "控制在10%以内"),
            ("缩短到20分钟以下", Some(AtMost), "缩短到20分钟以下"),
            ("缩短至30分钟", Some(AtMost), "缩短至30分钟"),
            ("次数至12次", Some(AtLeast), "至12次"),
            ("时间压缩到3天", Some(AtMost), "压缩到3天"),
            ("新增托位1.6万个", None, "1.6万个"),
            ("12万人左右", None, "12万人左右"),
        ];
        for (s, d, phrase) in cases {
            let (_, _, dir, p) = figure(s);
            assert_eq!((dir, p.as_str()), (d, phrase), "{s}");
        }
        let v = View::new("由45分钟缩短到30分钟");
        let found = scan(&v, 0, v.len());
        assert_eq!(found.len(), 2);
    }

    #[test]
    fn not_figures() {
        let ignored = [
            "PM2.5平均浓度",
            "P2P网贷",
            "5G基站",
            "2023年",
            "8月14日",
            "2-3岁托班",
        ];
        for s in ignored {
            let v = View::new(s);
            for f in scan(&v, 0, v.len()) {
                assert!(matches!(f, Found::Ignored { .. }), "{s}: {f:?}");
            }
        }
        let odd = [
            "12345热线",
            "7×24小时",
            "10-15个",
            "1+100+X",
            "99999999999999999999999999999万个",
        ];
        for s in odd {
            assert!(matches!(one(s), Found::Odd { .. }), "{s}");
        }
        // 65岁以上 is a figure whose unit (岁) the target rules treat as scope.
        assert_eq!(figure("65岁以上").1, "岁");
    }

    #[test]
    fn chinese_numeral_figures() {
        let read = |s: &str| {
            let v = View::new(s);
            scan_chinese(&v, 0, v.len())
                .into_iter()
                .map(|f| (f.value.to_string(), f.unit))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            read("每学期至少开展一次培训"),
            [("1".to_string(), "次".to_string())]
        );
        assert_eq!(
            read("推动每个县(市)打造一所职教中心"),
            [("1".to_string(), "所".to_string())]
        );
        assert_eq!(
            read("每月开展两场活动"),
            [("2".to_string(), "场".to_string())]
        );
        for none in [
            "每千人口",
            "第五批",
            "二级以上",
            "一类公厕",
            "一次性用品",
            "三级一体化",
        ] {
            assert_eq!(read(none), [], "{none}");
        }
    }

    #[test]
    fn approximations() {
        for s in ["4000余座", "100多个", "近2000户", "约30人", "12万人左右"] {
            let v = View::new(s);
            assert!(
                matches!(one(s), Found::Figure(Figure { approx: true, .. })),
                "{s}"
            );
            assert_eq!(scan(&v, 0, v.len()).len(), 1);
        }
    }

    #[test]
    fn baseline_quantities_and_conversion() {
        let q = |s: &str| {
            let v = View::new(s);
            quantity(&v, 0, v.len())
        };
        assert_eq!(q("半小时"), Some((dec("0.5"), "小时")));
        assert_eq!(q("45分钟"), Some((dec("45"), "分钟")));
        assert_eq!(q("一个半小时"), Some((dec("1.5"), "小时")));
        assert_eq!(q("三天"), Some((dec("3"), "天")));
        assert_eq!(q("1.2万人"), Some((dec("12000"), "人")));
        assert_eq!(q("很久"), None);
        assert_eq!(convert(dec("0.5"), "小时", "分钟"), Some(dec("30")));
        assert_eq!(convert(dec("2"), "天", "小时"), Some(dec("48")));
        assert_eq!(convert(dec("3"), "公里", "米"), Some(dec("3000")));
        assert_eq!(convert(dec("3"), "个", "米"), None);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]
        #[test]
        fn scanning_never_panics_and_stays_in_range(s in "\\PC{0,60}") {
            let v = View::new(&s);
            for f in scan(&v, 0, v.len()) {
                if let Found::Figure(f) = f {
                    prop_assert!(f.start <= f.num_start && f.num_start < f.end && f.end <= v.len());
                }
            }
        }

        #[test]
        fn integers_with_scale_read_back(n in 0u32..1_000_000, scale in 0usize..3) {
            let (suffix, mult) = [("", 1i64), ("万", 10_000), ("亿", 100_000_000)][scale];
            let s = format!("新增{n}{suffix}个");
            let (v, u, _, _) = figure(&s);
            prop_assert_eq!(v, Decimal::from(n) * Decimal::from(mult));
            prop_assert_eq!(u, "个");
        }
    }
}
