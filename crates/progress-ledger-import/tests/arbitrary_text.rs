//! The importer on arbitrary text: it never panics, every line is accounted for, and every
//! draft keeps its invariants (unique ids, an indicator for every item, a JSON round trip).

mod common;

use common::{assert_draft_invariants, assert_every_line_accounted_for};
use progress_ledger_import::import_document;
use proptest::prelude::*;

/// Shrunk from `mixed_fragments_are_all_accounted_for`: (1) and ① are both sub-item 1.
#[test]
fn repeated_numbers_get_unique_ids() {
    let text = "1.6\n(1)\n①";
    let draft = import_document(text);
    let ids: Vec<&str> = draft
        .items()
        .flat_map(|(_, item)| {
            item.indicators
                .iter()
                .map(|candidate| candidate.id.as_str())
        })
        .collect();
    assert_eq!(ids, ["t01-1-1", "t01-1-1-2"]);
    assert!(
        draft
            .warnings
            .iter()
            .any(|warning| warning.message.contains("used twice"))
    );
    assert_draft_invariants(&draft);
    assert_every_line_accounted_for(text, &draft);
}

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
        "1)",
        "12)",
        "(责任单位:市发改委)",
        "（牵头单位：市教育局，责任单位：各区人民政府）",
        "(牵头单位:省人力资源社会",
        "保障厅)",
        "皖民生办〔",
        "20241",
        "3年内",
        "连续2年",
        "每3年开展一次",
        "每年调整一次或适时调整",
        "培训300名教师、500名医生和1200名社工",
        "68 万人左右",
        "1500元/人",
        "控制在103.5以内",
        "应保尽保",
        "全覆盖",
        "“7×24小时”",
        "15分钟生活圈",
        "总体目标",
        "关于印发的通知",
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
    let line = prop::collection::vec(fragment(), 0..5).prop_map(|fragments| fragments.concat());
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
