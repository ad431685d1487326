//! The rules for the classes of text the importer was found to misread, on a hand-written
//! document with sentences of each class (time frames, several targets in one sentence, default
//! directions and kinds, approximations, a goals paragraph, other bracket forms). It is written
//! for this test, not taken from a real plan.

mod common;

use common::{assert_draft_invariants, assert_every_line_accounted_for};
use progress_ledger_core::plan::{Direction, IndicatorKind};
use progress_ledger_import::{Certainty, Draft, import_document};

const DOCUMENT: &str = "\
某市2024年民生实事项目责任分解方案
一、总体目标
到2025年,全市托位数达到3万个,居民人均可支配收入增长6%左右。
二、重点任务
1.老旧小区改造。3年内完成全市老旧小区改造200个。(牵头单位：市住建局，配合单位：各区人民政府)
2.托育服务。2024年起,连续2年新增托位5000个。(牵头单位:市卫健委)
3.医教培训。培训300名教师、500名医生和1200名社工。(牵头单位:市教育局;责任单位:市卫健委、市民政局)
4.人才引进。引进高层次人才5000名左右,服务中小企业800家。(责任单位:市人才办)
5.稳定就业。力争城镇新增就业达到6万人以上,城镇调查失业率控制在5.5%以内,持证社工超过800人。(牵头单位:市人社局)
6.普查。每3年开展一次普查,用2年时间为约500户困难家庭发放补贴,打造15分钟便民生活圈30个。(牵头单位:市统计局)
";

/// (task, value, unit, direction, kind) of every numeric target, and of the goals as task 0.
type Row = (u32, String, String, Direction, IndicatorKind);

fn rows(draft: &Draft) -> Vec<Row> {
    let row = |task: u32, candidate: &progress_ledger_import::Candidate| {
        (
            task,
            candidate
                .target
                .map(|target| target.to_string())
                .unwrap_or_default(),
            candidate.unit.clone(),
            candidate.direction,
            candidate.kind,
        )
    };
    let goals = draft
        .goals
        .iter()
        .flat_map(|goal| &goal.indicators)
        .map(|candidate| row(0, candidate));
    let items = draft.items().flat_map(|(task, item)| {
        item.indicators
            .iter()
            .map(move |candidate| row(task, candidate))
    });
    goals.chain(items).collect()
}

fn expected(task: u32, value: &str, unit: &str, direction: Direction, kind: IndicatorKind) -> Row {
    (task, value.to_string(), unit.to_string(), direction, kind)
}

#[test]
fn each_class_is_read_by_its_rule() {
    use Direction::{AtLeast, AtMost};
    use IndicatorKind::{Cumulative, Level};
    let draft = import_document(DOCUMENT);
    assert_eq!(
        rows(&draft),
        [
            // The goals paragraph: a stock to reach, a growth rate (左右: the figure, at least).
            expected(0, "30000", "个", AtLeast, Level),
            expected(0, "6", "%", AtLeast, Level),
            // 3年内, 2024年起, 连续2年, 每3年, 用2年时间: time frames, not targets.
            expected(1, "200", "个", AtLeast, Cumulative),
            expected(2, "5000", "个", AtLeast, Cumulative),
            // Each number belongs to the noun after it.
            expected(3, "300", "名", AtLeast, Cumulative),
            expected(3, "500", "名", AtLeast, Cumulative),
            expected(3, "1200", "名", AtLeast, Cumulative),
            // A count the plan will reach: cumulative, at least; 左右 keeps the figure.
            expected(4, "5000", "名", AtLeast, Cumulative),
            expected(4, "800", "家", AtLeast, Cumulative),
            // 达到 after an additive verb: an amount; 超过 with none: a stock to reach.
            expected(5, "60000", "人", AtLeast, Cumulative),
            expected(5, "5.5", "%", AtMost, Level),
            expected(5, "800", "人", AtLeast, Level),
            // A frequency per period; 约 keeps the figure; 15分钟生活圈 is a name.
            expected(6, "1", "次/3年", AtLeast, Level),
            expected(6, "500", "户", AtLeast, Cumulative),
            expected(6, "30", "个", AtLeast, Cumulative),
        ]
    );
    let titles: Vec<&str> = draft
        .items()
        .filter(|(task, _)| *task == 3)
        .flat_map(|(_, item)| &item.indicators)
        .map(|candidate| candidate.title.as_str())
        .collect();
    assert_eq!(titles, ["培训教师", "培训医生", "培训社工"]);
    // Full-width brackets, 责任单位 as the second role and as the only one.
    let leads: Vec<(u32, Vec<String>, Vec<String>)> = draft
        .items()
        .map(|(task, item)| {
            (
                task,
                item.lead_units.clone(),
                item.cooperating_units.clone(),
            )
        })
        .collect();
    assert_eq!(
        leads.first(),
        Some(&(1, vec!["市住建局".into()], vec!["各区人民政府".into()]))
    );
    assert_eq!(
        leads.get(2),
        Some(&(
            3,
            vec!["市教育局".into()],
            vec!["市卫健委".into(), "市民政局".into()]
        ))
    );
    assert_eq!(leads.get(3), Some(&(4, vec!["市人才办".into()], vec![])));
    // The time frames are listed as skipped, with their rule.
    let frames = draft
        .skipped
        .iter()
        .filter(|noted| noted.reason.contains("time frame") || noted.reason.contains("每"))
        .count();
    assert_eq!(frames, 4, "{:#?}", draft.skipped);
    // Every target says how sure it is; the unsure ones are listed first in the draft. Goals
    // are one step less sure than the same figure in an item.
    let unsure: Vec<&str> = draft
        .review_first
        .iter()
        .map(|note| note.id.as_str())
        .collect();
    assert_eq!(unsure, ["g01-2"]);
    let goal_certainty = draft
        .goals
        .iter()
        .flat_map(|goal| &goal.indicators)
        .map(|candidate| candidate.certainty)
        .collect::<Vec<_>>();
    assert_eq!(goal_certainty, [Certainty::Likely, Certainty::Unsure]);
    assert_every_line_accounted_for(DOCUMENT, &draft);
    assert_draft_invariants(&draft);
}
