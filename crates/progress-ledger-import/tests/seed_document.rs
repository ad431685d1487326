//! The importer on the seed document (Hefei 2023): its structure, attribution brackets, targets,
//! scope figures and what it lists as unclassified.
//!
//! The seed is the plan's official text, kept beside its data in `plans/hefei-2023/source.txt` of
//! the workspace; line numbers are those of the document, after the file's `# ` header lines.

mod common;

use common::{
    assert_draft_invariants, assert_every_line_accounted_for, candidate, dec, item, seed_text,
};
use progress_ledger_core::plan::{Direction, IndicatorKind};
use progress_ledger_import::{FrontMatterRole, import_document};

#[test]
fn seed_structure_matches_the_plan() {
    let draft = import_document(&seed_text());
    let parts: Vec<&str> = draft.parts.iter().map(|part| part.title.as_str()).collect();
    assert_eq!(
        parts,
        ["重点群体优服务", "重点领域优服务", "政府建设优服务"]
    );
    assert_eq!(draft.category_count(), 17);
    let categories: Vec<u32> = draft.categories().map(|category| category.number).collect();
    assert_eq!(categories, (1..=17).collect::<Vec<_>>());
    let per_part: Vec<usize> = draft
        .parts
        .iter()
        .map(|part| part.categories.len())
        .collect();
    assert_eq!(per_part, [8, 5, 4]);
    let tasks: Vec<u32> = draft.tasks().map(|task| task.number).collect();
    assert_eq!(tasks, (1..=82).collect::<Vec<_>>());
    assert_eq!(draft.items().count(), 109);
    assert_eq!(
        draft
            .items()
            .filter(|(_, item)| item.number.is_some())
            .count(),
        37
    );
    assert_eq!(
        draft
            .items()
            .filter(|(_, item)| item.attribution_line.is_some())
            .count(),
        109
    );
    assert!(draft.items().all(|(_, item)| !item.lead_units.is_empty()));
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
        .filter(|line| line.role == FrontMatterRole::Notice)
        .map(|line| line.line)
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
    assert!(
        draft
            .warnings
            .iter()
            .any(|warning| warning.line == Some(44))
    );
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
        let found = item(&draft, task, number)
            .indicators
            .iter()
            .find(|candidate| candidate.target == Some(dec(value)) && candidate.unit == unit);
        assert_eq!(
            found.map(|candidate| candidate.direction),
            Some(direction),
            "task {task} item {number:?} target {value} {unit}"
        );
    }
    // Sources are verbatim phrases of the item text.
    let seats = candidate(&draft, 2, Some(1), "16000");
    assert_eq!(seats.source, "新增托位1.6万个");
    assert_eq!(seats.kind, IndicatorKind::Cumulative);
    assert_eq!(seats.id, "t02-1-3");
    for (_, item) in draft.items() {
        for candidate in &item.indicators {
            assert!(
                item.text.contains(&candidate.source),
                "{} not in its item",
                candidate.source
            );
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
        poverty.indicators.first().map(|candidate| candidate.kind),
        Some(IndicatorKind::Status)
    );
}

#[test]
fn seed_scope_figures_are_not_targets() {
    let draft = import_document(&seed_text());
    let proposed = |task: u32, value: &str| {
        draft
            .items()
            .filter(|(task_number, _)| *task_number == task)
            .flat_map(|(_, item)| &item.indicators)
            .any(|candidate| candidate.target == Some(dec(value)))
    };
    // (task, value, as written): 第五批37所, 107所 and 68所 (加强), 监测137座桥梁 and 7316公里,
    // 覆盖131万平方米 and 742栋, 30万人的合肥义警, 65岁, the slogan “20万个岗位”.
    for (task, value, written) in [
        (4, "37", "37所"),
        (4, "107", "107所"),
        (4, "68", "68所"),
        (64, "137", "137座"),
        (64, "7316", "7316公里"),
        (51, "1310000", "131万平方米"),
        (51, "742", "742栋"),
        (59, "300000", "30万人"),
        (16, "65", "65岁"),
        (22, "200000", "20万个"),
    ] {
        assert!(
            !proposed(task, value),
            "task {task}: {written} is scope, not a target"
        );
        assert!(
            draft
                .skipped
                .iter()
                .any(|noted| noted.text.contains(written)),
            "task {task}: {written} should be listed as skipped"
        );
    }
    // 已建成的4000余座…全部投入运行: an existing stock, but the set that 全部 promises to reach in
    // full, so a target (as in the curated plan).
    assert!(proposed(56, "4000"));
    // Every 万/亿 figure of the text is either proposed (scaled) or listed as skipped.
    let text = seed_text();
    for (index, line) in text.lines().enumerate().skip(9) {
        let chars: Vec<char> = line.chars().collect();
        for (scale_at, &scale) in chars.iter().enumerate() {
            if !matches!(scale, '万' | '亿')
                || scale_at == 0
                || !chars[scale_at - 1].is_ascii_digit()
            {
                continue;
            }
            let start = (0..scale_at)
                .rev()
                .take_while(|&position| chars[position].is_ascii_digit() || chars[position] == '.')
                .last()
                .unwrap_or(scale_at);
            let number: String = chars[start..scale_at].iter().collect();
            let factor = if scale == '万' {
                dec("10000")
            } else {
                dec("100000000")
            };
            let value = dec(&number) * factor;
            let line_number = index + 1;
            let as_target = draft
                .items()
                .flat_map(|(_, item)| &item.indicators)
                .any(|candidate| candidate.line == line_number && candidate.target == Some(value));
            let as_skipped = draft.skipped.iter().any(|noted| {
                noted.line == line_number && noted.text.contains(&format!("{number}{scale}"))
            });
            assert!(
                as_target || as_skipped,
                "line {line_number}: {number}{scale} neither proposed nor skipped"
            );
        }
    }
}

#[test]
fn seed_lists_what_it_could_not_read() {
    let draft = import_document(&seed_text());
    // The only unclassified entries are numbers without units: 120统一指挥平台, 12345热线 ×2.
    let lines: Vec<usize> = draft.unclassified.iter().map(|noted| noted.line).collect();
    assert_eq!(lines, [39, 104, 106]);
    assert!(
        draft
            .unclassified
            .iter()
            .all(|noted| noted.reason.contains("without a recognised unit"))
    );
    // Placeholders are announced.
    assert_eq!(draft.id, "draft");
    let warned = |about: &str| {
        draft
            .warnings
            .iter()
            .any(|warning| warning.message.contains(about))
    };
    assert!(warned("plan id"));
    assert!(warned("period"));
}
