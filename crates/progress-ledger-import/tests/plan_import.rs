//! The importer on the seed document (Hefei 2023), on a hand-written second document of the same
//! form, and on arbitrary text (no panics; every line is accounted for).
//!
//! The seed is the plan's official text, kept beside its data in `plans/hefei-2023/source.txt` of
//! the workspace.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::str::FromStr;

use progress_ledger_core::plan::{Direction, IndicatorKind, IndicatorSpec, Plan, load_plan_file};
use progress_ledger_import::{Candidate, Draft, DraftItem, FrontMatterRole, import_document};
use proptest::prelude::*;
use rust_decimal::Decimal;

/// The seed's folder: `plans/hefei-2023` of the workspace, two levels above this crate.
fn seed_folder() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../plans/hefei-2023")
}

/// The official text of the seed, without the `# ` lines that head the file (title, issuer,
/// date), so that line numbers are those of the document.
fn seed_text() -> String {
    let path = seed_folder().join("source.txt");
    let file = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let body = file
        .lines()
        .skip_while(|line| line.starts_with("# "))
        .skip(1);
    body.map(|line| format!("{line}\n")).collect()
}

fn fixture_text() -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/second-plan.txt");
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

fn dec(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap_or_else(|e| panic!("bad decimal {s}: {e}"))
}

fn item(draft: &Draft, task: u32, number: Option<u32>) -> &DraftItem {
    draft
        .items()
        .find(|(t, i)| *t == task && i.number == number)
        .map(|(_, i)| i)
        .unwrap_or_else(|| panic!("task {task} item {number:?} not found"))
}

/// The candidate of an item with the given target value.
fn candidate<'a>(draft: &'a Draft, task: u32, number: Option<u32>, value: &str) -> &'a Candidate {
    let it = item(draft, task, number);
    it.indicators
        .iter()
        .find(|c| c.target == Some(dec(value)))
        .unwrap_or_else(|| {
            let found: Vec<String> = it
                .indicators
                .iter()
                .map(|c| format!("{:?} {}", c.target, c.unit))
                .collect();
            panic!("task {task} item {number:?}: no candidate with target {value}; found {found:?}")
        })
}

/// Every non-empty line of the input is a front-matter line, a heading, part of an item or
/// listed as unclassified.
fn assert_every_line_accounted_for(text: &str, draft: &Draft) {
    let mut covered = BTreeSet::new();
    covered.extend(draft.front_matter.iter().map(|f| f.line));
    covered.extend(draft.unclassified.iter().map(|u| u.line));
    for p in &draft.parts {
        covered.extend(p.line);
        for c in &p.categories {
            covered.extend(c.line);
            for t in &c.tasks {
                covered.extend(t.line);
                for i in &t.items {
                    assert!(i.first_line <= i.last_line, "{i:?}");
                    covered.extend(i.first_line..=i.last_line);
                    for c in &i.indicators {
                        assert!(
                            (i.first_line..=i.last_line).contains(&c.line),
                            "candidate {} on line {} outside its item",
                            c.id,
                            c.line
                        );
                    }
                }
            }
        }
    }
    for (k, line) in text.lines().enumerate() {
        let trimmed = line.trim_matches(|c: char| c.is_whitespace() || c == '\u{FEFF}');
        if !trimmed.is_empty() {
            assert!(
                covered.contains(&(k + 1)),
                "line {} ({trimmed:?}) is neither classified nor listed as unclassified",
                k + 1
            );
        }
    }
}

/// Invariants of any draft: ids unique, every item tracked, JSON round trip.
fn assert_draft_invariants(draft: &Draft) {
    let mut ids = BTreeSet::new();
    for (_, i) in draft.items() {
        assert!(!i.indicators.is_empty(), "item without indicators: {i:?}");
        for c in &i.indicators {
            assert!(ids.insert(c.id.clone()), "duplicate id {}", c.id);
        }
    }
    let json = serde_json::to_string(draft).expect("a draft serialises to JSON");
    let back: Draft = serde_json::from_str(&json).expect("and reads back");
    assert_eq!(&back, draft);
    let plan = draft.to_plan();
    assert_eq!(plan.parts.len(), draft.parts.len());
}

// --- (a) the seed document ---------------------------------------------------------------------

#[test]
fn seed_structure_matches_the_plan() {
    let draft = import_document(&seed_text());
    let parts: Vec<&str> = draft.parts.iter().map(|p| p.title.as_str()).collect();
    assert_eq!(
        parts,
        ["重点群体优服务", "重点领域优服务", "政府建设优服务"]
    );
    assert_eq!(draft.category_count(), 17);
    let categories: Vec<u32> = draft
        .parts
        .iter()
        .flat_map(|p| p.categories.iter().map(|c| c.number))
        .collect();
    assert_eq!(categories, (1..=17).collect::<Vec<_>>());
    let per_part: Vec<usize> = draft.parts.iter().map(|p| p.categories.len()).collect();
    assert_eq!(per_part, [8, 5, 4]);
    let tasks: Vec<u32> = draft.tasks().map(|t| t.number).collect();
    assert_eq!(tasks, (1..=82).collect::<Vec<_>>());
    assert_eq!(draft.items().count(), 109);
    assert_eq!(
        draft.items().filter(|(_, i)| i.number.is_some()).count(),
        37
    );
    assert_eq!(
        draft
            .items()
            .filter(|(_, i)| i.attribution_line.is_some())
            .count(),
        109
    );
    assert!(draft.items().all(|(_, i)| !i.lead_units.is_empty()));
    // Titles, and the notice's numbered points are front matter, not parts.
    assert_eq!(draft.title, "合肥市“为民优服务”行动方案(2023)");
    assert_eq!(draft.issuer, "合肥市人民政府");
    assert_eq!(draft.issued.to_string(), "2023-08-14");
    assert_eq!(
        (draft.period_start.to_string(), draft.period_end.to_string()),
        ("2023-01-01".to_string(), "2023-12-31".to_string())
    );
    let notice: Vec<usize> = draft
        .front_matter
        .iter()
        .filter(|f| f.role == FrontMatterRole::Notice)
        .map(|f| f.line)
        .collect();
    assert_eq!(notice, [2, 3, 4, 5, 6]);
    assert_draft_invariants(&draft);
    assert_every_line_accounted_for(&seed_text(), &draft);
}

#[test]
fn seed_attribution_brackets() {
    let draft = import_document(&seed_text());
    let districts = "各县(市)区、开发区";
    let first = item(&draft, 1, Some(1));
    assert_eq!(first.lead_units, ["市卫健委"]);
    assert_eq!(first.cooperating_units, ["市妇联", districts]);
    assert!(!first.text.contains('〔') && first.text.ends_with("92%以上。"));
    // Round brackets (lines 42, 202, 204, 206).
    let hospitals = item(&draft, 10, Some(5));
    assert_eq!(hospitals.lead_units, ["市卫健委"]);
    assert_eq!(hospitals.cooperating_units, ["市重点局"]);
    let sunshine = item(&draft, 76, None);
    assert_eq!(sunshine.lead_units, ["市直相关部门"]);
    assert!(sunshine.cooperating_units.is_empty());
    // The district set in the lead units, and after a semicolon.
    let property = item(&draft, 19, None);
    assert_eq!(property.lead_units, ["市房产局", districts]);
    let water = item(&draft, 44, None);
    assert_eq!(water.lead_units, ["省巢管局", "市生态环境局"]);
    assert_eq!(
        water.cooperating_units.last().map(String::as_str),
        Some(districts)
    );
    // Written with a comma (line 44): one unit, spelled as written, with a warning.
    let insurance = item(&draft, 11, Some(1));
    assert_eq!(
        insurance.cooperating_units,
        ["市市场监管局", "市卫健委", "各县(市)区,开发区"]
    );
    assert!(draft.warnings.iter().any(|w| w.line == Some(44)));
    // 市土储中心等 loses its 等.
    assert!(
        item(&draft, 18, None)
            .cooperating_units
            .contains(&"市土储中心".to_string())
    );
    // Both spellings of the same body are kept as written.
    assert!(draft.units.contains(&"市政务服务局".to_string()));
    assert!(draft.units.contains(&"市政务服务管理局".to_string()));
}

#[test]
fn seed_targets_spot_checks() {
    use Direction::{AtLeast, AtMost};
    let draft = import_document(&seed_text());
    // (task, item, value, unit, direction)
    let checks: &[(u32, Option<u32>, &str, &str, Direction)] = &[
        (1, Some(1), "92", "%", AtLeast),
        (1, Some(2), "98", "%", AtLeast),
        (3, None, "60", "%", AtLeast),
        (9, Some(3), "90", "%", AtLeast),
        (10, Some(2), "100", "名", AtLeast),
        (12, None, "1800", "户", AtLeast),
        (14, None, "52", "%", AtLeast),
        (44, None, "77.4", "%", AtLeast),
        (46, None, "63", "微克/立方米", AtMost),
        (47, None, "32", "微克/立方米", AtMost),
        (49, None, "60", "分贝", AtMost),
        (30, None, "3", "工作日", AtMost),
        (70, None, "2000", "批次", AtLeast),
        (37, None, "50", "所", AtLeast),
        (22, None, "400", "场次", AtLeast),
        // The count that full coverage must reach; per-unit standards and frequencies.
        (35, None, "1194", "个", AtLeast),
        (2, Some(1), "10", "个/千人", AtLeast),
        (2, Some(1), "8", "个/千人", AtLeast),
        (6, None, "1", "所/县(市)", AtLeast),
        (8, None, "1", "名/所", AtLeast),
        (13, None, "30", "平方米/百户", AtLeast),
        (14, None, "1", "次/半年", AtLeast),
        (29, Some(4), "1", "次/学期", AtLeast),
        (34, None, "500", "册/月", AtLeast),
        // Every 万 and 亿 figure that is a target.
        (2, Some(1), "16000", "个", AtLeast),
        (3, None, "26000", "个", AtLeast),
        (4, None, "45000", "个", AtLeast),
        (7, None, "120000", "人", AtLeast),
        (17, Some(1), "11800", "套", AtLeast),
        (17, Some(3), "77000", "套", AtLeast),
        (17, Some(3), "21300", "套", AtLeast),
        (17, Some(4), "130000", "套", AtLeast),
        (18, None, "4480000", "平方米", AtLeast),
        (21, None, "37600", "人", AtLeast),
        (22, None, "300000", "人", AtLeast),
        (23, None, "1000000000", "元", AtLeast),
        (23, None, "18000", "名", AtLeast),
        (23, None, "30000", "人", AtLeast),
        (23, None, "20000", "人", AtLeast),
        (24, None, "110000", "人次", AtLeast),
        (24, None, "25000", "人", AtLeast),
        (24, None, "27500", "人次", AtLeast),
        (32, None, "20000", "人", AtLeast),
        (43, None, "100000", "册", AtLeast),
        (54, None, "100000", "个", AtLeast),
        (54, None, "14000", "个", AtLeast),
        (63, None, "10000", "户", AtLeast),
        (67, None, "24000", "平方米", AtLeast),
    ];
    for &(task, number, value, unit, direction) in checks {
        let c = candidate(&draft, task, number, value);
        assert_eq!(
            (c.unit.as_str(), c.direction),
            (unit, direction),
            "task {task} item {number:?} target {value}"
        );
    }
    // Sources are verbatim phrases of the item text.
    let seats = candidate(&draft, 2, Some(1), "16000");
    assert_eq!(seats.source, "新增托位1.6万个");
    assert_eq!(seats.kind, IndicatorKind::Cumulative);
    assert_eq!(seats.id, "t02-1-3");
    for (_, i) in draft.items() {
        for c in &i.indicators {
            assert!(i.text.contains(&c.source), "{} not in its item", c.source);
        }
    }
    // Kinds.
    assert_eq!(
        candidate(&draft, 1, Some(1), "92").kind,
        IndicatorKind::Level
    );
    assert_eq!(
        candidate(&draft, 2, Some(1), "1").kind,
        IndicatorKind::Coverage
    );
    assert_eq!(
        candidate(&draft, 3, None, "10").kind,
        IndicatorKind::Coverage
    );
    assert_eq!(
        candidate(&draft, 77, None, "1").kind,
        IndicatorKind::Coverage
    );
    let milestones = candidate(&draft, 10, Some(5), "5");
    assert_eq!(milestones.kind, IndicatorKind::Milestones);
    assert_eq!(milestones.deliverables.len(), 5);
    // The baseline.
    let rescue = candidate(&draft, 69, None, "20");
    assert_eq!(
        (
            rescue.unit.as_str(),
            rescue.direction,
            rescue.baseline,
            rescue.kind
        ),
        ("分钟", AtMost, Some(dec("30")), IndicatorKind::Level)
    );
    assert_eq!(
        rescue.source,
        "救援人员到达现场平均时间由半小时缩短到20分钟以下"
    );
    // Items without a number get a status indicator.
    let poverty = item(&draft, 26, None);
    assert_eq!(poverty.indicators.len(), 1);
    assert_eq!(
        poverty.indicators.first().map(|c| c.kind),
        Some(IndicatorKind::Status)
    );
}

#[test]
fn seed_scope_figures_are_not_targets() {
    let draft = import_document(&seed_text());
    let proposed = |task: u32, value: &str| {
        draft
            .items()
            .filter(|(t, _)| *t == task)
            .flat_map(|(_, i)| &i.indicators)
            .any(|c| c.target == Some(dec(value)))
    };
    // (task, value, as written): 第五批37所, 107所 and 68所 (加强), 监测137座桥梁 and 7316公里,
    // 覆盖131万平方米 and 742栋, 已建成的4000余座, 30万人的合肥义警, 65岁, the slogan “20万个岗位”.
    for (task, value, written) in [
        (4, "37", "37所"),
        (4, "107", "107所"),
        (4, "68", "68所"),
        (64, "137", "137座"),
        (64, "7316", "7316公里"),
        (51, "1310000", "131万平方米"),
        (51, "742", "742栋"),
        (56, "4000", "4000余座"),
        (59, "300000", "30万人"),
        (16, "65", "65岁"),
        (22, "200000", "20万个"),
    ] {
        assert!(
            !proposed(task, value),
            "task {task}: {written} is scope, not a target"
        );
        assert!(
            draft.skipped.iter().any(|s| s.text.contains(written)),
            "task {task}: {written} should be listed as skipped"
        );
    }
    // Every 万/亿 figure of the text is either proposed (scaled) or listed as skipped.
    let text = seed_text();
    for (k, line) in text.lines().enumerate().skip(9) {
        let chars: Vec<char> = line.chars().collect();
        for (j, c) in chars.iter().enumerate() {
            if !matches!(c, '万' | '亿') || j == 0 || !chars[j - 1].is_ascii_digit() {
                continue;
            }
            let start = (0..j)
                .rev()
                .take_while(|&p| chars[p].is_ascii_digit() || chars[p] == '.')
                .last()
                .unwrap_or(j);
            let number: String = chars[start..j].iter().collect();
            let scale = if *c == '万' {
                dec("10000")
            } else {
                dec("100000000")
            };
            let value = dec(&number) * scale;
            let line_no = k + 1;
            let as_target = draft
                .items()
                .flat_map(|(_, i)| &i.indicators)
                .any(|x| x.line == line_no && x.target == Some(value));
            let as_skipped = draft
                .skipped
                .iter()
                .any(|s| s.line == line_no && s.text.contains(&format!("{number}{c}")));
            assert!(
                as_target || as_skipped,
                "line {line_no}: {number}{c} neither proposed nor skipped"
            );
        }
    }
}

#[test]
fn seed_lists_what_it_could_not_read() {
    let draft = import_document(&seed_text());
    // The only unclassified entries are numbers without units: 120统一指挥平台, 12345热线 ×2.
    let lines: Vec<usize> = draft.unclassified.iter().map(|u| u.line).collect();
    assert_eq!(lines, [39, 104, 106]);
    assert!(
        draft
            .unclassified
            .iter()
            .all(|u| u.reason.contains("without a recognised unit"))
    );
    // Placeholders are announced.
    assert_eq!(draft.id, "draft");
    assert!(draft.warnings.iter().any(|w| w.message.contains("plan id")));
    assert!(draft.warnings.iter().any(|w| w.message.contains("period")));
}

// --- the seed against the curated plan file -------------------------------------------------------

/// (part, category, task, item number, lead units, cooperating units) of every item.
type Outline = Vec<(u32, u32, u32, Option<u32>, Vec<String>, Vec<String>)>;

fn outline(plan: &Plan) -> Outline {
    let mut out = Vec::new();
    for p in &plan.parts {
        for c in &p.categories {
            for t in &c.tasks {
                for i in &t.items {
                    out.push((
                        p.number,
                        c.number,
                        t.number,
                        i.number,
                        i.lead_units.clone(),
                        i.cooperating_units.clone(),
                    ));
                }
            }
        }
    }
    out
}

fn indicators_by_item(plan: &Plan) -> Vec<(u32, Option<u32>, &[IndicatorSpec])> {
    plan.parts
        .iter()
        .flat_map(|p| &p.categories)
        .flat_map(|c| &c.tasks)
        .flat_map(|t| {
            t.items
                .iter()
                .map(move |i| (t.number, i.number, i.indicators.as_slice()))
        })
        .collect()
}

/// The importer, run on the seed, finds the structure of the curated plan
/// (`plans/hefei-2023/plan.toml`) exactly, and proposes at least 90% of its targets with the same
/// value, unit and direction (each proposal matched at most once, within the same item).
#[test]
fn seed_import_agrees_with_the_curated_plan() {
    let path = seed_folder();
    let curated = load_plan_file(&path)
        .unwrap_or_else(|e| panic!("the curated plan {} does not load: {e}", path.display()));
    let imported = import_document(&seed_text()).to_plan();

    type Titles = Vec<(u32, String, Vec<(u32, String)>)>;
    let titles = |plan: &Plan| -> Titles {
        plan.parts
            .iter()
            .map(|p| {
                let cats = p
                    .categories
                    .iter()
                    .map(|c| (c.number, c.title.clone()))
                    .collect();
                (p.number, p.title.clone(), cats)
            })
            .collect()
    };
    assert_eq!(titles(&imported), titles(&curated));
    let tasks = |plan: &Plan| -> Vec<(u32, String)> {
        plan.parts
            .iter()
            .flat_map(|p| &p.categories)
            .flat_map(|c| &c.tasks)
            .map(|t| (t.number, t.title.clone()))
            .collect()
    };
    assert_eq!(tasks(&imported), tasks(&curated));
    let (mine, theirs) = (outline(&imported), outline(&curated));
    assert_eq!(mine.len(), theirs.len());
    for (m, t) in mine.iter().zip(&theirs) {
        assert_eq!(m, t, "item structure differs");
    }

    let proposed = indicators_by_item(&imported);
    let mut total = 0usize;
    let mut matched = 0usize;
    let mut missed = Vec::new();
    for ((task, number, curated_specs), (_, _, proposals)) in
        indicators_by_item(&curated).into_iter().zip(proposed)
    {
        let mut pool: Vec<&IndicatorSpec> = proposals.iter().collect();
        for spec in curated_specs.iter().filter(|s| s.target.is_some()) {
            total += 1;
            let hit = pool.iter().position(|p| {
                p.target == spec.target && p.unit == spec.unit && p.direction == spec.direction
            });
            match hit {
                Some(k) => {
                    pool.remove(k);
                    matched += 1;
                }
                None => missed.push(format!(
                    "task {task} item {number:?}: {} {} {:?} ({})",
                    spec.target.map(|t| t.to_string()).unwrap_or_default(),
                    spec.unit,
                    spec.direction,
                    spec.source
                )),
            }
        }
    }
    let share = matched as f64 / total as f64;
    println!(
        "importer proposes {matched} of the curated plan's {total} targets with the same value, \
         unit and direction: {:.1}%",
        share * 100.0
    );
    for m in &missed {
        println!("  not proposed: {m}");
    }
    assert!(
        share >= 0.9,
        "only {matched}/{total} curated targets proposed: {missed:#?}"
    );
}

// --- (c) a second document of the same form, with another structure ------------------------------

#[test]
fn second_document_structure() {
    let text = fixture_text();
    let draft = import_document(&text);
    type Outline<'a> = Vec<(u32, &'a str, Vec<(u32, &'a str, Vec<(u32, &'a str)>)>)>;
    let outline: Outline<'_> = draft
        .parts
        .iter()
        .map(|p| {
            let cats = p
                .categories
                .iter()
                .map(|c| {
                    let tasks = c
                        .tasks
                        .iter()
                        .map(|t| (t.number, t.title.as_str()))
                        .collect();
                    (c.number, c.title.as_str(), tasks)
                })
                .collect();
            (p.number, p.title.as_str(), cats)
        })
        .collect();
    assert_eq!(
        outline,
        vec![
            (
                1,
                "民生服务",
                vec![
                    (1, "养老助残", vec![(1, "社区助餐"), (2, "居家照护")]),
                    (2, "就业创业", vec![(3, "创业扶持"), (4, "技能培训")]),
                ]
            ),
            (
                2,
                "城市服务",
                vec![
                    (3, "交通出行", vec![(5, "公交提速"), (6, "停车便利")]),
                    (4, "环境质量", vec![(7, "空气质量"), (8, "12345热线提速")]),
                ]
            ),
        ]
    );
    let d = "各县(市)区、开发区";
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    // (task, item number, title, lead, cooperating, lines)
    type Row<'a> = (
        u32,
        Option<u32>,
        &'a str,
        Vec<String>,
        Vec<String>,
        (usize, usize),
    );
    let expected: Vec<Row<'_>> = vec![
        (
            1,
            None,
            "社区助餐",
            s(&["市民政局"]),
            s(&["市财政局", "市市场监管局", d]),
            (14, 14),
        ),
        (
            2,
            Some(1),
            "上门服务",
            s(&["市民政局", "市卫健委"]),
            s(&["各县(市)区,开发区"]),
            (16, 16),
        ),
        (
            2,
            Some(2),
            "适老化改造",
            s(&["市民政局"]),
            s(&["市残联"]),
            (17, 17),
        ),
        (2, Some(3), "助残服务", s(&["市残联"]), s(&[]), (18, 18)),
        (
            3,
            None,
            "创业扶持",
            s(&["市人社局"]),
            s(&["市财政局", "人行滨江中心支行"]),
            (21, 21),
        ),
        (4, None, "技能培训", s(&[]), s(&[]), (24, 24)),
        (
            5,
            None,
            "公交提速",
            s(&["市交通运输局"]),
            s(&["市公安局", "市城管局"]),
            (28, 28),
        ),
        (
            6,
            Some(1),
            "新增停车泊位",
            s(&["市城管局"]),
            s(&["市自规局"]),
            (30, 30),
        ),
        (
            6,
            Some(2),
            "智慧停车",
            s(&["市数据资源局"]),
            s(&[]),
            (31, 31),
        ),
        (7, None, "空气质量", s(&["市生态环境局"]), s(&[d]), (35, 36)),
        (
            8,
            None,
            "12345热线提速",
            s(&["市政务服务管理局"]),
            s(&["市直相关部门"]),
            (38, 38),
        ),
    ];
    let got: Vec<Row<'_>> = draft
        .items()
        .map(|(t, i)| {
            (
                t,
                i.number,
                i.title.as_str(),
                i.lead_units.clone(),
                i.cooperating_units.clone(),
                (i.first_line, i.last_line),
            )
        })
        .collect();
    assert_eq!(got, expected);
    // Front matter: the notice's 一、二、 points are not parts; the title and introduction.
    let roles: Vec<(usize, FrontMatterRole)> = draft
        .front_matter
        .iter()
        .map(|f| (f.line, f.role))
        .collect();
    use FrontMatterRole::{Addressee, Date, Introduction, Issuer, Notice, Title};
    assert_eq!(
        roles,
        [
            (1, Notice),
            (2, Addressee),
            (3, Notice),
            (4, Notice),
            (5, Notice),
            (6, Issuer),
            (7, Date),
            (9, Title),
            (10, Introduction)
        ]
    );
    assert_eq!(draft.issued.to_string(), "2024-03-01");
    assert_eq!(draft.period_end.to_string(), "2024-12-31");
    // The odd lines, and the number without a unit.
    let unclassified: Vec<(usize, &str)> = draft
        .unclassified
        .iter()
        .map(|u| (u.line, u.text.as_str()))
        .collect();
    assert_eq!(unclassified, [(22, "——"), (28, "12345"), (32, "第3页")]);
    // The task without a bracket, the district set with commas, the trailing 等.
    let warned: BTreeSet<usize> = draft.warnings.iter().filter_map(|w| w.line).collect();
    assert_eq!(warned, BTreeSet::from([16, 24, 28]));
    assert_eq!(
        draft.units,
        [
            "市民政局",
            "市财政局",
            "市市场监管局",
            d,
            "市卫健委",
            "各县(市)区,开发区",
            "市残联",
            "市人社局",
            "人行滨江中心支行",
            "市交通运输局",
            "市公安局",
            "市城管局",
            "市自规局",
            "市数据资源局",
            "市生态环境局",
            "市政务服务管理局",
            "市直相关部门"
        ]
    );
    assert_draft_invariants(&draft);
    assert_every_line_accounted_for(&text, &draft);
}

#[test]
fn second_document_targets() {
    use Direction::{AtLeast, AtMost};
    use IndicatorKind::{Coverage, Cumulative, Level, Milestones, Status};
    let draft = import_document(&fixture_text());
    let all: Vec<(u32, Option<u32>, String, String, Direction, IndicatorKind)> = draft
        .items()
        .flat_map(|(t, i)| {
            i.indicators.iter().map(move |c| {
                let value = c.target.map(|x| x.to_string()).unwrap_or_default();
                (t, i.number, value, c.unit.clone(), c.direction, c.kind)
            })
        })
        .collect();
    let row = |t: u32, n: Option<u32>, v: &str, u: &str, d: Direction, k: IndicatorKind| {
        (t, n, v.to_string(), u.to_string(), d, k)
    };
    assert_eq!(
        all,
        [
            row(1, None, "120", "个", AtLeast, Cumulative),
            row(1, None, "2", "个", AtLeast, Coverage),
            row(1, None, "85", "%", AtLeast, Level),
            row(2, Some(1), "12000", "名", AtLeast, Cumulative),
            row(2, Some(2), "800", "户", AtLeast, Cumulative),
            row(2, Some(3), "", "", AtLeast, Status),
            row(3, None, "500000000", "元", AtLeast, Cumulative),
            row(3, None, "1500", "人", AtLeast, Cumulative),
            row(3, None, "5.5", "%", AtMost, Level),
            row(4, None, "35000", "人次", AtLeast, Cumulative),
            row(5, None, "10", "分钟", AtMost, Level),
            row(5, None, "8", "条", AtLeast, Cumulative),
            row(6, Some(1), "22000", "个", AtLeast, Cumulative),
            row(6, Some(2), "3", "", AtLeast, Milestones),
            row(7, None, "35", "微克/立方米", AtMost, Level),
            row(7, None, "82", "%", AtLeast, Level),
            row(8, None, "95", "%", AtLeast, Level),
            row(8, None, "3", "工作日", AtMost, Level),
        ]
    );
    let bus = candidate(&draft, 5, None, "10");
    assert_eq!(bus.baseline, Some(dec("15")));
    assert_eq!(bus.title, "高峰时段公交平均候车时间");
    let parking = candidate(&draft, 6, Some(2), "3");
    assert_eq!(parking.deliverables, ["市民中心", "体育中心", "滨江公园"]);
    // Scope: 监测全市56家, 第三批12所; the slogan “15分钟就业服务圈”.
    let skipped: Vec<usize> = draft.skipped.iter().map(|s| s.line).collect();
    assert_eq!(skipped, [16, 17, 24, 28, 35]);
}

/// Shrunk from `mixed_fragments_are_all_accounted_for`: (1) and ① are both sub-item 1.
#[test]
fn repeated_numbers_get_unique_ids() {
    let text = "1.6\n(1)\n①";
    let draft = import_document(text);
    let ids: Vec<&str> = draft
        .items()
        .flat_map(|(_, i)| i.indicators.iter().map(|c| c.id.as_str()))
        .collect();
    assert_eq!(ids, ["t01-1-1", "t01-1-1-2"]);
    assert!(
        draft
            .warnings
            .iter()
            .any(|w| w.message.contains("used twice"))
    );
    assert_draft_invariants(&draft);
    assert_every_line_accounted_for(text, &draft);
}

// --- (b) arbitrary input ---------------------------------------------------------------------------

/// Fragments of the official form, to be mixed into lines.
fn fragment() -> impl Strategy<Value = String> {
    let fixed = prop::sample::select(vec![
        "一、",
        "二、",
        "十七、",
        "(一)",
        "（二）",
        "(十七)",
        "1.",
        "2、",
        "3．",
        "30.",
        "1.6",
        "(1)",
        "（2）",
        "①",
        "〔牵头单位:市卫健委;配合单位:市妇联,各县(市)区、开发区〕",
        "(牵头单位:市直相关部门)",
        "（牵头单位：市民政局；配合单位：各县（市）区，开发区）",
        "〔牵头单位:",
        "配合单位:",
        "〕",
        "(",
        ")",
        "〔",
        "“",
        "”",
        "《",
        "新增托位1.6万个",
        "10亿元以上",
        "达92%以上",
        "由半小时缩短到20分钟以下",
        "不高于32微克/立方米",
        "12345热线",
        "第五批37所",
        "监测137座桥梁",
        "各县(市)区、开发区至少建成1个",
        "2-3岁",
        "7×24小时",
        "PM2.5",
        "99999999999999999999999999999万",
        "0.0000000000000000000000000001亿",
        "完成甲、乙和丙等项目建设",
        "。",
        ",",
        "、",
        ";",
        ":",
        " ",
        "\u{3000}",
        "合肥市人民政府",
        "2023年8月14日",
        "行动方案(2023)",
        "重点群体优服务",
        "——",
        "第3页",
    ]);
    prop_oneof![
        3 => fixed.prop_map(str::to_string),
        1 => "[\u{4e00}-\u{9fa5}]{0,6}",
        1 => "[0-9.万亿%个人]{0,6}",
    ]
}

fn document() -> impl Strategy<Value = String> {
    let line = prop::collection::vec(fragment(), 0..5).prop_map(|f| f.concat());
    (prop::collection::vec(line, 0..30), any::<bool>())
        .prop_map(|(lines, crlf)| lines.join(if crlf { "\r\n" } else { "\n" }))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_text_never_panics(text in any::<String>()) {
        let draft = import_document(&text);
        assert_every_line_accounted_for(&text, &draft);
        assert_draft_invariants(&draft);
    }

    #[test]
    fn mixed_fragments_are_all_accounted_for(text in document()) {
        let draft = import_document(&text);
        assert_every_line_accounted_for(&text, &draft);
        assert_draft_invariants(&draft);
    }
}
