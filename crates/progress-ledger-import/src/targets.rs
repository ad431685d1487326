//! Candidate targets of one item: which figures are targets, with what kind, direction, baseline
//! and title, and which only describe scope.
//!
//! The text is cut into clauses at 。 , ; (outside brackets and quotation marks) and clauses into
//! segments at 、 (except inside the district set 各县(市)区、开发区). Each figure the scanner
//! finds is then a target, a scope figure (skipped, with the reason) or odd (unclassified).
//! `docs/importer.md` states the rules in prose.

use rust_decimal::Decimal;

use super::figures::{self, DECREASE_VERBS, Figure, Found};
use super::text::{View, char_len, trim_punct};
use progress_ledger_core::plan::{Direction, IndicatorKind};

/// A proposed indicator, before ids and line numbers are assigned.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Proposed {
    pub title: String,
    pub kind: IndicatorKind,
    pub unit: String,
    pub target: Option<Decimal>,
    pub direction: Direction,
    pub baseline: Option<Decimal>,
    pub source: String,
    pub deliverables: Vec<String>,
    /// Byte offset of the figure in the item text.
    pub at: usize,
}

/// A figure that was read but not proposed, or could not be read.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Noted {
    /// Byte offset in the item text.
    pub at: usize,
    /// The phrase, verbatim.
    pub phrase: String,
    /// Why.
    pub reason: String,
}

/// Everything found in one item's text.
#[derive(Debug, Default)]
pub(crate) struct Extracted {
    pub proposed: Vec<Proposed>,
    /// Figures read as scope, dates, codes, or quoted names: not targets.
    pub skipped: Vec<Noted>,
    /// Digits that could not be interpreted.
    pub odd: Vec<Noted>,
    /// Remarks on proposals (a baseline that could not be converted …).
    pub notes: Vec<Noted>,
}

/// Verbs after which a count describes what is acted on, not how much is to be done.
const SCOPE_VERBS: &[&str] = &[
    "监测", "覆盖", "加强", "依托", "针对", "涉及", "面向", "围绕", "聚焦", "包括", "包含",
];

/// Verbs of doing: a later one of these cancels an earlier scope verb in the same clause.
const ACTION_VERBS: &[&str] = &[
    "新增", "新建", "建成", "建设", "完成", "改造", "改建", "扩建", "实施", "开展", "培训", "培育",
    "打造", "举办", "发放", "支持", "治理", "整治", "消除", "开通", "开工", "筹集", "更新", "提供",
    "引进", "扶持", "解危", "发展", "动员", "推动", "推进", "启动", "形成", "配备", "达到", "实现",
    "设立", "创建", "解决", "增加", "打通", "优化", "抽查", "成立", "开设", "派遣", "输送", "招聘",
    "组织", "救助", "投放", "盘活", "升级", "提升", "规划",
];

/// Words that make a figure a level (a rate, a share, a concentration).
const LEVEL_WORDS: &[&str] = &["率", "占比", "比例", "比重", "浓度", "平均", "均值", "指数"];

/// Units of levels.
const LEVEL_UNITS: &[&str] = &[
    "%",
    "‰",
    "个百分点",
    "微克/立方米",
    "毫克/立方米",
    "分贝",
    "分",
    "倍",
    "秒",
    "分钟",
    "小时",
    "天",
    "日",
    "工作日",
    "周",
    "个月",
];

/// Words written at the start of a phrase that are not part of an indicator's title.
const FILLERS: &[&str] = &[
    "实现", "力争", "确保", "争取", "全市", "全年", "年度", "其中", "同时", "并", "和", "及", "的",
];

/// Words left at the end of a title once the figure is taken out.
const TRAILERS: &[&str] = &["达到", "达", "在", "为", "实现", "力争", "分别", "近", "约"];

/// The district set, as the coverage rule looks for it (normalised spellings).
const DISTRICT_HEADS: &[&str] = &["各县(市)区", "各县(市、区)", "各县区", "各区县", "各县(区)"];

fn is_percent(unit: &str) -> bool {
    matches!(unit, "%" | "‰" | "个百分点")
}

/// Per-character flags: inside quotation marks, and bracket depth.
fn marks(v: &View<'_>) -> (Vec<bool>, Vec<u32>) {
    let mut quoted = Vec::with_capacity(v.len());
    let mut depth = Vec::with_capacity(v.len());
    let (mut q, mut ascii_q, mut d) = (0u32, false, 0u32);
    for i in 0..v.len() {
        let c = v.c(i).unwrap_or(' ');
        match c {
            '“' | '‘' | '《' | '「' | '『' => q += 1,
            '"' => ascii_q = !ascii_q,
            '(' | '[' | '【' | '〔' => d += 1,
            _ => {}
        }
        quoted.push(q > 0 || ascii_q || matches!(c, '”' | '’' | '》' | '」' | '』'));
        depth.push(d);
        match c {
            '”' | '’' | '》' | '」' | '』' => q = q.saturating_sub(1),
            ')' | ']' | '】' | '〕' => d = d.saturating_sub(1),
            // A sentence end closes whatever was left open, so one stray mark cannot swallow the
            // rest of the item.
            '。' => (q, ascii_q, d) = (0, false, 0),
            _ => {}
        }
    }
    (quoted, depth)
}

/// Cuts `a..b` at the characters for which `cut(i)` holds, returning the pieces.
fn split(a: usize, b: usize, cut: impl Fn(usize) -> bool) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut s = a;
    for i in a..b {
        if cut(i) {
            out.push((s, i));
            s = i + 1;
        }
    }
    out.push((s, b));
    out
}

/// Reads the candidate targets of one item's text.
pub(crate) fn extract(text: &str) -> Extracted {
    let v = View::new(text);
    let (quoted, depth) = marks(&v);
    let free = |i: usize| !quoted.get(i).copied().unwrap_or(false) && depth.get(i) == Some(&0);
    let digit = |i: usize| v.is(i, |c| c.is_ascii_digit());
    let clauses = split(0, v.len(), |i| {
        free(i)
            && match v.c(i) {
                Some('。' | ';' | '!' | '?') => true,
                Some(',') => !(i > 0 && digit(i - 1) && digit(i + 1)),
                _ => false,
            }
    });
    let mut out = Extracted::default();
    for (s, e) in clauses {
        let segments = split(s, e, |i| {
            free(i)
                && v.is(i, |c| c == '、')
                && !(v.ends_with_at(i, "县(市)区", s) && v.starts_with_at(i + 1, "开发区"))
        });
        clause(&v, (s, e), &segments, &quoted, &mut out);
    }
    out
}

/// The reason a target-looking figure only describes scope, if it does.
fn scope_reason(v: &View<'_>, s: usize, f: &Figure) -> Option<String> {
    if f.unit == "岁" {
        return Some("an age: describes who is served".into());
    }
    if v.ends_with_at(f.num_start, "由", s) || v.ends_with_at(f.num_start, "从", s) {
        return Some("follows 由/从: a starting value, not a target".into());
    }
    let near = f.num_start.saturating_sub(4).max(s);
    if v.contains(near, f.num_start, "第") {
        return Some("follows 第: an ordinal or batch number".into());
    }
    // A percentage is always a share to reach; a figure with a direction word (不少于, 以上 …)
    // is a standard to meet, whatever it is about.
    if is_percent(&f.unit) || f.explicit_direction(v, s).is_some() {
        return None;
    }
    if v.is(f.end, |c| c == '的') {
        return Some("followed by 的: describes the size of what follows".into());
    }
    let last = |words: &[&'static str]| {
        words
            .iter()
            .filter_map(|w| v.rfind(s, f.start, w).map(|p| (p, *w)))
            // 针对性 is an adjective, not the verb 针对.
            .filter(|&(p, w)| !v.is(p + char_len(w), |c| c == '性'))
            .max_by_key(|&(p, _)| p)
    };
    if let Some((p, verb)) = last(SCOPE_VERBS) {
        if last(ACTION_VERBS).is_none_or(|(q, _)| q < p) {
            return Some(format!("follows {verb}: describes what is acted on"));
        }
    }
    if v.contains(s, f.start, "已") || v.contains(s, f.start, "现有") {
        return Some("an existing stock (已…, 现有…)".into());
    }
    None
}

/// Periods a per-unit standard may be counted over (每半年, 每学期 …).
const PERIODS: &[&str] = &[
    "半年", "季度", "学期", "学年", "半月", "年", "月", "周", "天", "日",
];

/// Administrative units a per-unit standard may be counted per (每个县(市)).
const ADMIN_UNITS: &[&str] = &["县(市)", "县(区)", "县", "区", "乡镇", "街道", "村", "社区"];

/// The denominator written after the 每 at `p`: 每半年 → 半年, 每千人口 → 千人, 每百户 → 百户,
/// 每所(学校) → 所, 每个县(市) → 县(市). `None` for 每个 + an ordinary noun (每个阅读空间), whose
/// figure keeps its plain unit.
fn denominator(v: &View<'_>, p: usize) -> Option<String> {
    let k = p + 1;
    if let Some((idx, _)) = v.longest_at(k, PERIODS) {
        return PERIODS.get(idx).map(|x| x.to_string());
    }
    if v.is(k, |c| c == '个') {
        let (idx, _) = v.longest_at(k + 1, ADMIN_UNITS)?;
        return ADMIN_UNITS.get(idx).map(|x| x.to_string());
    }
    let mut j = k;
    while v.is(j, |c| matches!(c, '十' | '百' | '千' | '万')) {
        j += 1;
    }
    if j > k {
        return match v.c(j) {
            Some('人') => Some(format!("{}人", v.norm(k, j))),
            Some(c @ ('户' | '名')) => Some(format!("{}{c}", v.norm(k, j))),
            _ => None,
        };
    }
    v.is(k, |c| c == '所').then(|| "所".to_string())
}

/// Per-unit standards: the denominator of a figure (`个/千人`, `次/半年`), if it has one.
///
/// - 每 + denominator before the figure in its own segment (每半年至少开展1次);
/// - a segment that opens with a period, in a clause that has a 每 before it
///   (每个阅读空间…、月更新不少于500册 → 册/月);
/// - a bare figure continuing a list takes the previous figure's denominator
///   (每千人口…不得少于10个托位、8个托位).
fn per_unit(
    v: &View<'_>,
    clause_start: usize,
    (a, b): (usize, usize),
    f: &Figure,
    previous: Option<&String>,
) -> Option<String> {
    if let Some(p) = v.rfind(a, f.start, "每") {
        return denominator(v, p);
    }
    let (ta, _) = v.trim_range(a, b);
    if v.contains(clause_start, a, "每") {
        if let Some((idx, len)) = v.longest_at(ta, PERIODS) {
            let qualifier = v.is(ta + len, |c| {
                matches!(c, '底' | '内' | '度' | '末' | '初' | '份' | '前' | '中')
            });
            if !qualifier && ta + len < f.start {
                return PERIODS.get(idx).map(|x| x.to_string());
            }
        }
    }
    if ta == f.start {
        return previous.cloned();
    }
    None
}

/// A segment without a figure that ends with 每 + a denominator (村(社区)每天、…每半月排查1次)
/// shares the next frequency: its denominator.
fn trailing_denominator(v: &View<'_>, (a, b): (usize, usize)) -> Option<String> {
    let (a, b) = v.trim_range(a, b);
    let p = v.rfind(a, b, "每")?;
    let d = denominator(v, p)?;
    (p + 1 + d.chars().count() == b).then_some(d)
}

/// The kind a figure suggests.
fn kind_of(
    v: &View<'_>,
    clause_start: usize,
    seg_start: usize,
    f: &Figure,
    d: Direction,
) -> IndicatorKind {
    if DISTRICT_HEADS
        .iter()
        .any(|h| v.contains(clause_start, f.start, h))
    {
        return IndicatorKind::Coverage;
    }
    let level = LEVEL_UNITS.contains(&f.unit.as_str())
        || d == Direction::AtMost
        || LEVEL_WORDS
            .iter()
            .any(|w| v.contains(seg_start, f.start, w))
        || v.contains(clause_start, f.start, "每");
    if level {
        IndicatorKind::Level
    } else {
        IndicatorKind::Cumulative
    }
}

/// The baseline a change phrase gives (由半小时缩短到20分钟 → 30 in the target's unit).
fn baseline(v: &View<'_>, s: usize, f: &Figure) -> Result<Option<Decimal>, String> {
    let Some((word, _)) = f.pre else {
        return Ok(None);
    };
    if !(word.ends_with('到') || word.ends_with('至')) {
        return Ok(None);
    }
    let from = [v.rfind(s, f.start, "由"), v.rfind(s, f.start, "从")]
        .into_iter()
        .flatten()
        .max();
    let Some(p) = from else {
        return Ok(None);
    };
    let phrase = v.slice(p, f.end);
    let Some((value, unit)) = figures::quantity(v, p + 1, f.start) else {
        return Err(format!("could not read the starting value in {phrase}"));
    };
    match figures::convert(value, unit, &f.unit) {
        Some(b) => Ok(Some(b)),
        None => Err(format!(
            "starting value in {phrase} is in {unit}, the target in {}",
            f.unit
        )),
    }
}

/// A title from the phrase around a figure: the words without the figure and without fillers.
fn title(v: &View<'_>, (a, b): (usize, usize), f: &Figure) -> String {
    // 由半小时缩短到20分钟: the title stops before the starting value.
    let changes = f
        .pre
        .is_some_and(|(w, _)| w.ends_with('到') || w.ends_with('至'));
    let before_end = [v.rfind(a, f.start, "由"), v.rfind(a, f.start, "从")]
        .into_iter()
        .flatten()
        .max()
        .filter(|_| changes)
        .unwrap_or(f.start.max(a));
    let mut t = format!("{}{}", v.slice(a, before_end), v.slice(f.end.min(b), b));
    loop {
        let trimmed = trim_punct(&t);
        let stripped = FILLERS
            .iter()
            .find_map(|w| trimmed.strip_prefix(w))
            .or_else(|| TRAILERS.iter().find_map(|w| trimmed.strip_suffix(w)));
        match stripped {
            Some(rest) => t = rest.to_string(),
            None => {
                t = trimmed.to_string();
                break;
            }
        }
    }
    t.chars().take(40).collect()
}

/// Milestones: 完成A、B和C等项目建设 (no digits) names its deliverables.
fn milestones(
    v: &View<'_>,
    (s, e): (usize, usize),
    segments: &[(usize, usize)],
) -> Option<Proposed> {
    let (s, e) = v.trim_range(s, e);
    if !v.starts_with_at(s, "完成") || segments.len() < 2 {
        return None;
    }
    let deng = v.rfind(s, e, "等")?;
    let names: Vec<String> = segments
        .iter()
        .flat_map(|&(a, b)| {
            let (a, b) = (a.max(s + 2), b.min(deng));
            let mut parts = Vec::new();
            let mut start = a;
            for i in a..b {
                if v.is(i, |c| c == '和' || c == '及') {
                    parts.push((start, i));
                    start = i + 1;
                }
            }
            parts.push((start, b));
            parts
        })
        .filter(|&(a, b)| a < b)
        .map(|(a, b)| trim_punct(v.slice(a, b)).to_string())
        .filter(|n| !n.is_empty())
        .collect();
    if names.len() < 2 {
        return None;
    }
    let first_end = segments.first().map_or(e, |&(_, b)| b);
    let title = format!(
        "{}等{}",
        v.slice(s, first_end),
        trim_punct(v.slice(deng + 1, e))
    );
    Some(Proposed {
        title,
        kind: IndicatorKind::Milestones,
        unit: String::new(),
        target: Some(Decimal::from(names.len())),
        direction: Direction::AtLeast,
        baseline: None,
        source: trim_punct(v.slice(s, e)).to_string(),
        deliverables: names,
        at: v.byte(s),
    })
}

/// Reads one clause.
fn clause(
    v: &View<'_>,
    (s, e): (usize, usize),
    segments: &[(usize, usize)],
    quoted: &[bool],
    out: &mut Extracted,
) {
    let mut found = figures::scan(v, s, e);
    // Per-unit standards may be written in Chinese numerals (每学期至少开展一次).
    for &(a, b) in segments {
        for f in figures::scan_chinese(v, a, b) {
            if v.contains(a, f.start, "每") {
                found.push(Found::Figure(f));
            }
        }
    }
    found.sort_by_key(|f| match f {
        Found::Figure(f) => f.num_start,
        Found::Ignored { start, .. } | Found::Odd { start, .. } => *start,
    });
    if found.is_empty() {
        out.proposed.extend(milestones(v, (s, e), segments));
        return;
    }
    let segment_of = |i: usize| {
        segments
            .iter()
            .copied()
            .find(|&(a, b)| a <= i && i < b)
            .unwrap_or((s, e))
    };
    let is_quoted = |i: usize| quoted.get(i).copied().unwrap_or(false);
    let noted = |a: usize, b: usize, reason: String| Noted {
        at: v.byte(a),
        phrase: trim_punct(v.slice(a, b)).to_string(),
        reason,
    };
    // Sort the figures into targets, skipped and odd.
    let mut targets: Vec<Figure> = Vec::new();
    for f in found {
        match f {
            Found::Figure(f) if is_quoted(f.num_start) => {
                let (a, b) = segment_of(f.num_start);
                out.skipped.push(noted(
                    a,
                    b,
                    "inside quotation marks: a name or slogan".into(),
                ));
            }
            Found::Figure(f) => match scope_reason(v, s, &f) {
                Some(reason) => {
                    let (a, b) = segment_of(f.num_start);
                    out.skipped.push(noted(a, b, reason));
                }
                None => targets.push(f),
            },
            Found::Ignored { start, end, reason } => {
                out.skipped.push(noted(start, end, reason.into()));
            }
            Found::Odd { start, end, .. } if is_quoted(start) => {
                out.skipped.push(noted(
                    start,
                    end,
                    "inside quotation marks: a name or slogan".into(),
                ));
            }
            Found::Odd { start, end, reason } => {
                let (a, b) = segment_of(start);
                let context = trim_punct(v.slice(a, b));
                out.odd
                    .push(noted(start, end, format!("{reason} (in {context})")));
            }
        }
    }
    let single = targets.len() == 1;
    let mut previous: Option<Direction> = None;
    let mut last_segment: Option<usize> = None;
    let mut previous_denominator: Option<String> = None;
    for f in &targets {
        let seg = segment_of(f.num_start);
        // Segments since the previous figure that name a rate without a number
        // (化解率、满意率90%以上) share this figure.
        let index = segments.iter().position(|&x| x == seg);
        let from = last_segment.map_or(0, |k| k + 1);
        let between: Vec<(usize, usize)> = index
            .and_then(|k| segments.get(from..k))
            .unwrap_or(&[])
            .iter()
            .copied()
            .filter(|&(a, b)| figures::scan(v, a, b).is_empty())
            .collect();
        let pending_rates: Vec<(usize, usize)> = between
            .iter()
            .copied()
            .filter(|&(a, b)| trim_punct(v.slice(a, b)).ends_with('率'))
            .collect();
        last_segment = index.or(last_segment);
        let explicit = f.explicit_direction(v, s);
        let direction = explicit.or(previous).unwrap_or_else(|| {
            if DECREASE_VERBS.iter().any(|w| v.contains(s, f.start, w)) {
                Direction::AtMost
            } else {
                Direction::AtLeast
            }
        });
        if explicit.is_some() {
            previous = explicit;
        }
        let baseline = match baseline(v, s, f) {
            Ok(b) => b,
            Err(note) => {
                out.notes.push(noted(f.start, f.end, note));
                None
            }
        };
        let (src_a, src_b) = if single { v.trim_range(s, e) } else { seg };
        let denominator = per_unit(v, s, seg, f, previous_denominator.as_ref());
        let own_every = v.contains(seg.0, f.start, "每");
        previous_denominator = denominator.clone();
        let unit = match &denominator {
            Some(d) => format!("{}/{d}", f.unit),
            None => f.unit.clone(),
        };
        let proposed = Proposed {
            title: title(v, seg, f),
            kind: kind_of(v, s, seg.0, f, direction),
            unit,
            target: Some(f.value),
            direction,
            baseline,
            source: trim_punct(v.slice(src_a, src_b)).to_string(),
            deliverables: Vec::new(),
            at: v.byte(f.num_start),
        };
        if own_every && denominator.is_some() {
            for &(a, b) in &between {
                if let Some(d) = trailing_denominator(v, (a, b)) {
                    out.proposed.push(Proposed {
                        title: trim_punct(v.slice(a, b)).to_string(),
                        unit: format!("{}/{d}", f.unit),
                        source: trim_punct(v.slice(a, f.end)).to_string(),
                        at: v.byte(a),
                        ..proposed.clone()
                    });
                }
            }
        }
        if is_percent(&f.unit) {
            for (a, b) in pending_rates {
                out.proposed.push(Proposed {
                    title: trim_punct(v.slice(a, b)).to_string(),
                    source: trim_punct(v.slice(a, f.end)).to_string(),
                    at: v.byte(a),
                    ..proposed.clone()
                });
            }
        }
        out.proposed.push(proposed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn dec(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap_or_default()
    }

    /// (value, unit, direction, kind) of every proposal.
    fn targets(text: &str) -> Vec<(String, String, Direction, IndicatorKind)> {
        extract(text)
            .proposed
            .into_iter()
            .map(|p| {
                let value = p.target.map(|t| t.to_string()).unwrap_or_default();
                (value, p.unit, p.direction, p.kind)
            })
            .collect()
    }

    fn t(
        value: &str,
        unit: &str,
        d: Direction,
        k: IndicatorKind,
    ) -> (String, String, Direction, IndicatorKind) {
        (value.to_string(), unit.to_string(), d, k)
    }

    use Direction::{AtLeast, AtMost};
    use IndicatorKind::{Coverage, Cumulative, Level, Milestones};

    #[test]
    fn childcare_item() {
        let text = "扩大普惠托育供给。新增托位1.6万个,新建县级公办独立托育机构4个、公立医疗机构托育点2个,各县(市)区、开发区至少建成1个普惠性托育服务机构。";
        assert_eq!(
            targets(text),
            [
                t("16000", "个", AtLeast, Cumulative),
                t("4", "个", AtLeast, Cumulative),
                t("2", "个", AtLeast, Cumulative),
                t("1", "个", AtLeast, Coverage),
            ]
        );
        let e = extract(text);
        let titles: Vec<&str> = e.proposed.iter().map(|p| p.title.as_str()).collect();
        assert_eq!(
            titles,
            [
                "新增托位",
                "新建县级公办独立托育机构",
                "公立医疗机构托育点",
                "各县(市)区、开发区至少建成普惠性托育服务机构"
            ]
        );
        assert_eq!(
            e.proposed.first().map(|p| p.source.as_str()),
            Some("新增托位1.6万个")
        );
    }

    #[test]
    fn rates_and_shared_rates() {
        assert_eq!(
            targets("婚前医学检查率达90%以上、孕妇产前筛查率达70%以上。"),
            [t("90", "%", AtLeast, Level), t("70", "%", AtLeast, Level)]
        );
        let e = extract("初次信访事项化解率、满意率90%以上。");
        let got: Vec<(&str, String)> = e
            .proposed
            .iter()
            .map(|p| {
                (
                    p.title.as_str(),
                    p.target.map(|x| x.to_string()).unwrap_or_default(),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                ("初次信访事项化解率", "90".to_string()),
                ("满意率", "90".to_string())
            ]
        );
    }

    #[test]
    fn ceilings_and_baselines() {
        let e = extract("救援人员到达现场平均时间由半小时缩短到20分钟以下。");
        let p = e.proposed.first().cloned();
        assert_eq!(p.as_ref().and_then(|p| p.baseline), Some(dec("30")));
        assert_eq!(
            p.as_ref().map(|p| (p.direction, p.kind)),
            Some((AtMost, Level))
        );
        assert_eq!(p.as_ref().and_then(|p| p.target), Some(dec("20")));
        assert_eq!(
            targets("实现PM2.5平均浓度不高于32微克/立方米。"),
            [t("32", "微克/立方米", AtMost, Level)]
        );
        assert_eq!(
            targets("3个工作日内办结"),
            [t("3", "工作日", AtMost, Level)]
        );
        let e = extract("办理时间由5件缩短到3天");
        assert_eq!(e.notes.len(), 1, "{e:?}");
    }

    #[test]
    fn scope_figures_are_skipped() {
        for text in [
            "持续监测全市137座桥梁、7316公里管线。",
            "开展第五批37所新优质学校评估。",
            "加强107所农村小规模学校和68所乡镇寄宿制学校管理。",
            "常态化开展65岁以上常住老年人免费常规体检。",
            "已建成的4000余座居民小区生活垃圾分类集中投放点全部投入运行。",
            "建强用好30万人的“合肥义警”等群防群治力量。",
            "启动改造老旧小区项目119个,覆盖131万平方米、742栋楼房。",
            "持续举办“合肥请您来,20万个岗位供您选”活动。",
        ] {
            let e = extract(text);
            let proposed: Vec<String> = e
                .proposed
                .iter()
                .map(|p| p.target.map(|x| x.to_string()).unwrap_or_default())
                .collect();
            let allowed: &[&str] = if text.contains("119个") {
                &["119"]
            } else {
                &[]
            };
            assert_eq!(proposed, allowed, "{text}");
            assert!(!e.skipped.is_empty(), "{text}");
        }
        assert_eq!(
            targets("覆盖60%以上大型商业综合体"),
            [t("60", "%", AtLeast, Level)]
        );
    }

    #[test]
    fn coverage_and_levels() {
        assert_eq!(
            targets("各县(市)区、开发区不少于10%的幼儿园开设2-3岁托班。"),
            [t("10", "%", AtLeast, Coverage)]
        );
        assert_eq!(
            targets("每所中小学至少配备1名专(兼)职心理健康教师"),
            [t("1", "名/所", AtLeast, Level)]
        );
        assert_eq!(
            targets("新建小区按每百户不低于30平方米、单体面积不低于350平方米标准配套建设"),
            [
                t("30", "平方米/百户", AtLeast, Level),
                t("350", "平方米", AtLeast, Level)
            ]
        );
    }

    #[test]
    fn per_unit_standards_and_frequencies() {
        assert_eq!(
            targets("每千人口规划建设分别不得少于10个托位、8个托位"),
            [
                t("10", "个/千人", AtLeast, Level),
                t("8", "个/千人", AtLeast, Level)
            ]
        );
        assert_eq!(
            targets("每半年至少开展1次应急知识宣传和1次应急演练"),
            [
                t("1", "次/半年", AtLeast, Level),
                t("1", "次/半年", AtLeast, Level)
            ]
        );
        assert_eq!(
            targets("学校每学期至少开展一次防校园欺凌专项教育培训"),
            [t("1", "次/学期", AtLeast, Level)]
        );
        assert_eq!(
            targets("推动每个县(市)集中力量打造一所多功能、现代化的职教中心"),
            [t("1", "所/县(市)", AtLeast, Level)]
        );
        assert_eq!(
            targets(
                "每个阅读空间配备公共图书不少于10000册、月更新不少于500册、年举办公益性活动不少于100场"
            ),
            [
                t("10000", "册", AtLeast, Level),
                t("500", "册/月", AtLeast, Level),
                t("100", "场/年", AtLeast, Level),
            ]
        );
        assert_eq!(
            targets("村(社区)每天、乡镇(街道)每周、县级层面每半月排查1次矛盾纠纷和信访隐患"),
            [
                t("1", "次/天", AtLeast, Level),
                t("1", "次/周", AtLeast, Level),
                t("1", "次/半月", AtLeast, Level),
            ]
        );
        // No 每: Chinese numerals are not figures; 年度 is not a period of a standard.
        assert_eq!(targets("完成严重精神障碍患者住院一次救助"), []);
        assert_eq!(
            targets("年度扶持残疾人创业100名以上"),
            [t("100", "名", AtLeast, Cumulative)]
        );
        // A count that full coverage must reach is a target.
        assert_eq!(
            targets("全市1194个行政村输送文艺演出全覆盖"),
            [t("1194", "个", AtLeast, Cumulative)]
        );
    }

    #[test]
    fn milestones_name_deliverables() {
        let e = extract(
            "完成市空港医院、三院新区、中医院、妇幼保健院和口腔医院滨湖分院等项目建设,加快建设新站老年护理院、骨科和口腔专科医院等项目。",
        );
        let m: Vec<&Proposed> = e.proposed.iter().filter(|p| p.kind == Milestones).collect();
        assert_eq!(m.len(), 1);
        let m = m
            .first()
            .map(|p| (p.deliverables.clone(), p.target, p.title.clone()));
        assert_eq!(
            m,
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

    #[test]
    fn odd_numbers_are_reported() {
        let e = extract("提供“7×24小时”12345热线电话受理服务,建立全市120统一指挥平台。");
        assert!(e.proposed.is_empty());
        assert_eq!(e.odd.len(), 2, "{e:?}");
        assert_eq!(e.skipped.len(), 1);
    }
}
