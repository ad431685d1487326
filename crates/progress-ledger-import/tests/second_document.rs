//! The importer on a hand-written second document of the same form
//! (`tests/fixtures/second-plan.txt`), with another structure: unnumbered parts, a notice with
//! numbered points, a task without a bracket, a bracket on its own line, page markers.

mod common;

use std::collections::BTreeSet;

use common::{
    assert_draft_invariants, assert_every_line_accounted_for, candidate, dec, fixture_text,
};
use progress_ledger_core::plan::{Direction, IndicatorKind};
use progress_ledger_import::{FrontMatterRole, import_document};

#[test]
fn second_document_structure() {
    let text = fixture_text();
    let draft = import_document(&text);
    type Outline<'a> = Vec<(u32, &'a str, Vec<(u32, &'a str, Vec<(u32, &'a str)>)>)>;
    let outline: Outline<'_> = draft
        .parts
        .iter()
        .map(|part| {
            let categories = part
                .categories
                .iter()
                .map(|category| {
                    let tasks = category
                        .tasks
                        .iter()
                        .map(|task| (task.number, task.title.as_str()))
                        .collect();
                    (category.number, category.title.as_str(), tasks)
                })
                .collect();
            (part.number, part.title.as_str(), categories)
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
    let districts = "各县(市)区、开发区";
    let units = |names: &[&str]| {
        names
            .iter()
            .map(|name| name.to_string())
            .collect::<Vec<_>>()
    };
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
            units(&["市民政局"]),
            units(&["市财政局", "市市场监管局", districts]),
            (14, 14),
        ),
        (
            2,
            Some(1),
            "上门服务",
            units(&["市民政局", "市卫健委"]),
            units(&["各县(市)区,开发区"]),
            (16, 16),
        ),
        (
            2,
            Some(2),
            "适老化改造",
            units(&["市民政局"]),
            units(&["市残联"]),
            (17, 17),
        ),
        (
            2,
            Some(3),
            "助残服务",
            units(&["市残联"]),
            units(&[]),
            (18, 18),
        ),
        (
            3,
            None,
            "创业扶持",
            units(&["市人社局"]),
            units(&["市财政局", "人行滨江中心支行"]),
            (21, 21),
        ),
        (4, None, "技能培训", units(&[]), units(&[]), (24, 24)),
        (
            5,
            None,
            "公交提速",
            units(&["市交通运输局"]),
            units(&["市公安局", "市城管局"]),
            (28, 28),
        ),
        (
            6,
            Some(1),
            "新增停车泊位",
            units(&["市城管局"]),
            units(&["市自规局"]),
            (30, 30),
        ),
        (
            6,
            Some(2),
            "智慧停车",
            units(&["市数据资源局"]),
            units(&[]),
            (31, 31),
        ),
        (
            7,
            None,
            "空气质量",
            units(&["市生态环境局"]),
            units(&[districts]),
            (35, 36),
        ),
        (
            8,
            None,
            "12345热线提速",
            units(&["市政务服务管理局"]),
            units(&["市直相关部门"]),
            (38, 38),
        ),
    ];
    let got: Vec<Row<'_>> = draft
        .items()
        .map(|(task, item)| {
            (
                task,
                item.number,
                item.title.as_str(),
                item.lead_units.clone(),
                item.cooperating_units.clone(),
                (item.first_line, item.last_line),
            )
        })
        .collect();
    assert_eq!(got, expected);
    // Front matter: the notice's 一、二、 points are not parts; the title and introduction.
    let roles: Vec<(usize, FrontMatterRole)> = draft
        .front_matter
        .iter()
        .map(|line| (line.line, line.role))
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
        .map(|noted| (noted.line, noted.text.as_str()))
        .collect();
    assert_eq!(unclassified, [(22, "——"), (28, "12345"), (32, "第3页")]);
    // The task without a bracket, the district set with commas, the trailing 等.
    let warned: BTreeSet<usize> = draft
        .warnings
        .iter()
        .filter_map(|warning| warning.line)
        .collect();
    assert_eq!(warned, BTreeSet::from([16, 24, 28]));
    assert_eq!(
        draft.units,
        [
            "市民政局",
            "市财政局",
            "市市场监管局",
            districts,
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
        .flat_map(|(task, item)| {
            item.indicators.iter().map(move |candidate| {
                let value = candidate
                    .target
                    .map(|target| target.to_string())
                    .unwrap_or_default();
                (
                    task,
                    item.number,
                    value,
                    candidate.unit.clone(),
                    candidate.direction,
                    candidate.kind,
                )
            })
        })
        .collect();
    let row = |task: u32,
               number: Option<u32>,
               value: &str,
               unit: &str,
               direction: Direction,
               kind: IndicatorKind| {
        (
            task,
            number,
            value.to_string(),
            unit.to_string(),
            direction,
            kind,
        )
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
    let skipped: Vec<usize> = draft.skipped.iter().map(|noted| noted.line).collect();
    assert_eq!(skipped, [16, 17, 24, 28, 35]);
}
