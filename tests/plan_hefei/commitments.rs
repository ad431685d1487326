//! Every commitment of the plan leaves a trace, as rules over the text rather than lists of
//! indicators (docs/plan-data.md, "Commitments without a figure" and "Approximate figures"):
//!
//! - every commitment word in an item's text (全覆盖, 全部, 所有 …) lies inside the `source` of one
//!   of that item's indicators, unless the item has a status indicator, which tracks all of the
//!   item's work that no other indicator does;
//! - indicators made from those words have the kind and target the rule gives;
//! - every approximate figure (近N, 约N, N左右, N余) is a target of N, at least, and its source
//!   keeps the approximating word.

use std::ops::Range;
use std::str::FromStr;

use progress_ledger::plan::{Direction, IndicatorKind, Item, Plan, hefei_2023};
use rust_decimal::Decimal;

use super::{TestResult, items};

/// Words that commit to all or none of a set, or to service around the clock, without a figure of
/// their own. `24小时` also finds “7×24小时”; `清零` also finds 动态清零. The pattern 应X尽X
/// (应建尽建, 应设尽设, 应纳尽纳, 应领尽领 …) is found by [`commitments`] as well.
const COMMITMENT_WORDS: &[&str] = &[
    "全覆盖",
    "全部",
    "所有",
    "全量",
    "均应",
    "清零",
    "基本消除",
    "100%",
    "24小时",
];

/// Of those, the words that mean all or none of a set (not a figure, not a service time).
const ALL_OR_NONE: &[&str] = &["全覆盖", "全部", "所有", "全量", "均应", "清零", "基本消除"];

/// The district set as the text writes it; a per-district commitment names it.
const DISTRICT_SET: &str = "各县(市)区、开发区";

/// Every commitment word in `text`, with its byte range, in text order.
fn commitments(text: &str) -> Vec<(Range<usize>, &str)> {
    let mut found = Vec::new();
    for word in COMMITMENT_WORDS {
        for (at, _) in text.match_indices(word) {
            found.push((at..at + word.len(), &text[at..at + word.len()]));
        }
    }
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    for w in chars.windows(4) {
        if w[0].1 == '应' && w[2].1 == '尽' && w[1].1 == w[3].1 {
            let range = w[0].0..w[3].0 + w[3].1.len_utf8();
            found.push((range.clone(), &text[range]));
        }
    }
    found.sort_by_key(|(range, _)| (range.start, range.end));
    found
}

/// "3" for a task without sub-items, "10(2)" for a sub-item.
fn label(task: u32, item: &Item) -> String {
    match item.number {
        Some(n) => format!("{task}({n})"),
        None => task.to_string(),
    }
}

/// The clause of `text` around `range`, between punctuation marks.
fn clause(text: &str, range: &Range<usize>) -> String {
    let stops = ['。', ',', ';', ':'];
    let start = text[..range.start].rfind(stops).map_or(0, |at| {
        at + text[at..].chars().next().map_or(0, char::len_utf8)
    });
    let end = text[range.end..]
        .find(stops)
        .map_or(text.len(), |at| range.end + at);
    text[start..end].to_owned()
}

/// Byte ranges of every indicator source of `item` in its text.
fn source_spans(item: &Item) -> Vec<Range<usize>> {
    item.indicators
        .iter()
        .filter(|s| !s.source.is_empty())
        .flat_map(|s| {
            item.text
                .match_indices(s.source.as_str())
                .map(|(at, source)| at..at + source.len())
        })
        .collect()
}

/// One line per commitment word that no indicator of its item traces.
fn untraced(plan: &Plan) -> Vec<String> {
    let mut problems = Vec::new();
    for (task, item, _) in items(plan) {
        if item
            .indicators
            .iter()
            .any(|s| s.kind == IndicatorKind::Status)
        {
            continue;
        }
        let spans = source_spans(item);
        for (range, word) in commitments(&item.text) {
            if !spans
                .iter()
                .any(|s| s.start <= range.start && range.end <= s.end)
            {
                problems.push(format!(
                    "task {}: {word} in “{}” is in no indicator's source",
                    label(task, item),
                    clause(&item.text, &range)
                ));
            }
        }
    }
    problems
}

#[test]
fn every_commitment_without_a_figure_has_an_indicator() -> TestResult {
    let plan = hefei_2023()?;
    let problems = untraced(&plan);
    assert!(
        problems.is_empty(),
        "{} untraced commitments:\n{}",
        problems.len(),
        problems.join("\n")
    );
    Ok(())
}

#[test]
fn an_untraced_commitment_is_named_with_its_task() -> TestResult {
    let plan = hefei_2023()?;
    for (id, expected) in [
        (
            "t03-0-extended-care-coverage",
            "task 3: 全覆盖 in “幼儿园延时服务实现有需要的幼儿全覆盖”",
        ),
        (
            "t35-0-villages-performances",
            "task 35: 全覆盖 in “全市1194个行政村输送文艺演出全覆盖”",
        ),
        (
            "t30-0-hotline-hours",
            "task 30: 24小时 in “提供“7×24小时”12345热线电话受理服务”",
        ),
    ] {
        let mut fewer = plan.clone();
        let mut removed = 0;
        for task in fewer.tasks_mut() {
            for item in &mut task.items {
                let before = item.indicators.len();
                item.indicators.retain(|s| s.id != id);
                removed += before - item.indicators.len();
            }
        }
        assert_eq!(removed, 1, "{id} is missing");
        let problems = untraced(&fewer);
        assert!(
            problems.len() == 1 && problems[0].starts_with(expected),
            "without {id}: {problems:?}"
        );
    }
    // An item tracked by its status indicator is traced as a whole (28 (1): 反家暴庇护所全覆盖).
    let shelters = items(&plan)
        .into_iter()
        .find(|(task, item, _)| *task == 28 && item.number == Some(1))
        .map(|(_, item, _)| item)
        .ok_or("task 28 (1) is missing")?;
    assert!(!commitments(&shelters.text).is_empty());
    assert!(
        shelters
            .indicators
            .iter()
            .all(|s| s.kind == IndicatorKind::Status)
    );
    Ok(())
}

#[test]
fn commitment_indicators_follow_the_rule() -> TestResult {
    let plan = hefei_2023()?;
    let mut checked = 0;
    for (_, _, spec) in plan.indicators() {
        if spec.kind == IndicatorKind::Status {
            continue;
        }
        let all_or_none = ALL_OR_NONE.iter().any(|w| spec.source.contains(w))
            || commitments(&spec.source)
                .iter()
                .any(|(_, w)| w.starts_with('应'));
        let id = &spec.id;
        if all_or_none {
            checked += 1;
            assert_eq!(spec.direction, Direction::AtLeast, "{id}");
            match spec.kind {
                // The set is counted in the text: its count (全市1194个行政村…全覆盖).
                IndicatorKind::Cumulative => {
                    let target = spec.target.ok_or("no target")?.normalize().to_string();
                    assert!(
                        spec.source.contains(&target),
                        "{id}: the count {target} is not in {:?}",
                        spec.source
                    );
                }
                // Every district of the district set.
                IndicatorKind::Coverage => assert!(spec.source.contains(DISTRICT_SET), "{id}"),
                // A set the text does not count: the share reached, 100%.
                IndicatorKind::Level => {
                    assert_eq!(
                        (spec.unit.as_str(), spec.target),
                        ("%", Some(Decimal::ONE_HUNDRED)),
                        "{id}"
                    );
                }
                IndicatorKind::Milestones | IndicatorKind::Status => {
                    panic!(
                        "{id}: a commitment to all or none of a set is not {:?}",
                        spec.kind
                    )
                }
            }
        } else if spec.source.contains("24小时") {
            // A service time: a level in hours a day, the same for “7×24小时” and 24小时开放.
            checked += 1;
            assert_eq!(
                (spec.kind, spec.unit.as_str(), spec.target, spec.direction),
                (
                    IndicatorKind::Level,
                    "小时/天",
                    Some(Decimal::from(24)),
                    Direction::AtLeast
                ),
                "{id}"
            );
        }
    }
    assert!(checked >= 17, "only {checked} commitment indicators");
    Ok(())
}

/// An approximate figure in `text`: its byte range (word included) and the figure, scaled.
fn approximate_figures(text: &str) -> Vec<(Range<usize>, Decimal)> {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let end_of = |i: usize| chars.get(i).map_or(text.len(), |(at, _)| *at);
    let is_digit = |i: usize| {
        chars
            .get(i)
            .is_some_and(|(_, c)| c.is_ascii_digit() || *c == '.')
    };
    // The number whose digits run from `start` to `digits_end` (exclusive), with 万 or 亿 after.
    let number = |start: usize, digits_end: usize| -> (usize, Decimal) {
        let digits = &text[end_of(start)..end_of(digits_end)];
        let value = Decimal::from_str(digits).unwrap_or_else(|e| panic!("{digits}: {e}"));
        match chars.get(digits_end).map(|(_, c)| *c) {
            Some('万') => (digits_end + 1, value * Decimal::from(10_000)),
            Some('亿') => (digits_end + 1, value * Decimal::from(100_000_000)),
            _ => (digits_end, value),
        }
    };
    let mut found = Vec::new();
    for (i, (_, c)) in chars.iter().enumerate() {
        match c {
            // 近2000户, 约30万人: the figure follows.
            '近' | '约' if is_digit(i + 1) => {
                let mut j = i + 1;
                while is_digit(j) {
                    j += 1;
                }
                let (end, value) = number(i + 1, j);
                found.push((end_of(i)..end_of(end), value));
            }
            // 4000余座, 1万余人: the figure comes before.
            '余' if i > 0 => {
                let mut j = i;
                if matches!(chars[j - 1].1, '万' | '亿') {
                    j -= 1;
                }
                let digits_end = j;
                while j > 0 && is_digit(j - 1) {
                    j -= 1;
                }
                if j < digits_end {
                    found.push((end_of(j)..end_of(i + 1), number(j, digits_end).1));
                }
            }
            // 12万人左右: the figure and its unit come before.
            '左' if chars.get(i + 1).is_some_and(|(_, c)| *c == '右') => {
                let mut k = i;
                while k > 0 && i - k < 4 && !is_digit(k - 1) {
                    k -= 1;
                }
                let digits_end = k;
                while k > 0 && is_digit(k - 1) {
                    k -= 1;
                }
                if k < digits_end {
                    found.push((end_of(k)..end_of(i + 2), number(k, digits_end).1));
                }
            }
            _ => {}
        }
    }
    found
}

#[test]
fn approximate_figures_are_targets_at_the_figure() -> TestResult {
    let plan = hefei_2023()?;
    let mut seen = Vec::new();
    for (task, item, _) in items(&plan) {
        for (range, figure) in approximate_figures(&item.text) {
            let phrase = &item.text[range];
            seen.push(phrase.to_owned());
            let target = item.indicators.iter().find(|s| s.source.contains(phrase));
            let Some(spec) = target else {
                panic!(
                    "task {}: the approximate figure {phrase} is in no indicator's source",
                    label(task, item)
                );
            };
            assert_eq!(
                (spec.target, spec.direction),
                (Some(figure), Direction::AtLeast),
                "task {}: {phrase} is a target of {figure}, at least ({})",
                label(task, item),
                spec.id
            );
        }
    }
    // The scanner sees each approximate figure of the plan, and the false friends are not figures
    // (就近, 约访, 厨余).
    assert_eq!(seen, ["12万人左右", "近2000", "4000余"]);
    let sample = "约30万人、1万余人、近5户,就近办理,约访,厨余垃圾";
    let figures: Vec<(String, Decimal)> = approximate_figures(sample)
        .into_iter()
        .map(|(range, value)| (sample[range].to_owned(), value))
        .collect();
    assert_eq!(
        figures,
        [
            ("约30万".to_owned(), Decimal::from(300_000)),
            ("1万余".to_owned(), Decimal::from(10_000)),
            ("近5".to_owned(), Decimal::from(5)),
        ]
    );
    Ok(())
}
