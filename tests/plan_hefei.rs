//! The Hefei 2023 plan file (`plans/hefei-2023/plan.toml`): its counts, targets checked against
//! the source text, units and aliases, ids, sources; the file format's validation; and, in
//! `plan_hefei/load.rs`, loading the plan into a real ledger (idempotent, target revisions,
//! reopen).

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::str::FromStr;

use progress_ledger::plan::{
    Direction, DistrictKind, IndicatorKind, IndicatorSpec, Item, Plan, hefei_2023, load_plan_file,
    parse_plan, plan_to_toml,
};
use progress_ledger::{Error, StreamId};
use rust_decimal::Decimal;

#[path = "plan_hefei/commitments.rs"]
mod commitments;
#[path = "plan_hefei/load.rs"]
mod load;

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn dec(text: &str) -> Decimal {
    Decimal::from_str(text).unwrap_or_else(|e| panic!("bad decimal {text}: {e}"))
}

/// (task number, item, category number) of every item, in order.
fn items(plan: &Plan) -> Vec<(u32, &Item, u32)> {
    plan.parts
        .iter()
        .flat_map(|p| &p.categories)
        .flat_map(|c| c.tasks.iter().map(move |t| (c.number, t)))
        .flat_map(|(c, t)| t.items.iter().map(move |i| (t.number, i, c)))
        .collect()
}

/// Every indicator with its task, item and category.
fn indicators(plan: &Plan) -> BTreeMap<String, (u32, Option<u32>, u32, IndicatorSpec)> {
    let mut all = BTreeMap::new();
    for (task, item, category) in items(plan) {
        for spec in &item.indicators {
            all.insert(spec.id.clone(), (task, item.number, category, spec.clone()));
        }
    }
    all
}

#[test]
fn counts_header_and_districts() -> TestResult {
    let plan = hefei_2023()?;
    assert_eq!(plan.id, "hefei-2023");
    assert_eq!(plan.title, "合肥市“为民优服务”行动方案(2023)");
    assert_eq!(plan.issuer, "合肥市人民政府");
    assert_eq!(plan.issued, jiff::civil::date(2023, 8, 14));
    assert_eq!(plan.period_start, jiff::civil::date(2023, 1, 1));
    assert_eq!(plan.period_end, jiff::civil::date(2023, 12, 31));

    let titles: Vec<&str> = plan.parts.iter().map(|p| p.title.as_str()).collect();
    assert_eq!(
        titles,
        ["重点群体优服务", "重点领域优服务", "政府建设优服务"]
    );
    let categories: Vec<_> = plan.parts.iter().flat_map(|p| &p.categories).collect();
    assert_eq!(categories.len(), 17);
    assert_eq!(categories[0].title, "幼有所育");
    assert_eq!(categories[16].title, "强化数字赋能");
    let per_part: Vec<usize> = plan.parts.iter().map(|p| p.categories.len()).collect();
    assert_eq!(per_part, [8, 5, 4]);

    let tasks: Vec<u32> = categories
        .iter()
        .flat_map(|c| &c.tasks)
        .map(|t| t.number)
        .collect();
    assert_eq!(tasks, (1..=82).collect::<Vec<_>>());
    let all = items(&plan);
    assert_eq!(all.len(), 109, "attributed items");
    assert_eq!(
        all.iter().filter(|(_, i, _)| i.number.is_some()).count(),
        37,
        "sub-items"
    );
    assert!(all.iter().all(|(_, i, _)| !i.lead_units.is_empty()));

    // The indicators by kind, as docs/plan-data.md counts them.
    let mut kinds = BTreeMap::new();
    for (_, _, spec) in plan.indicators() {
        *kinds.entry(format!("{:?}", spec.kind)).or_insert(0) += 1;
    }
    assert_eq!(
        kinds,
        BTreeMap::from(
            [
                ("Cumulative", 109),
                ("Level", 77),
                ("Coverage", 5),
                ("Milestones", 5),
                ("Status", 44),
            ]
            .map(|(k, n)| (k.to_owned(), n))
        )
    );
    assert_eq!(plan.indicators().count(), 240);

    let county: Vec<&str> = plan
        .districts
        .iter()
        .filter(|d| d.kind == DistrictKind::County)
        .map(|d| d.name.as_str())
        .collect();
    assert_eq!(
        county,
        [
            "瑶海区",
            "庐阳区",
            "蜀山区",
            "包河区",
            "长丰县",
            "肥东县",
            "肥西县",
            "庐江县",
            "巢湖市"
        ]
    );
    let zones: Vec<&str> = plan
        .districts
        .iter()
        .filter(|d| d.kind == DistrictKind::DevelopmentZone)
        .map(|d| d.name.as_str())
        .collect();
    assert_eq!(
        zones,
        [
            "合肥高新区",
            "合肥经开区",
            "合肥新站高新区",
            "安徽巢湖经开区"
        ]
    );
    Ok(())
}

#[test]
fn attribution_as_the_text_gives_it() -> TestResult {
    let plan = hefei_2023()?;
    let item = |task: u32, number: Option<u32>| -> &Item {
        let found = items(&plan)
            .into_iter()
            .find(|(t, i, _)| *t == task && i.number == number)
            .map(|(_, i, _)| i);
        found.unwrap_or_else(|| panic!("task {task} item {number:?} is missing"))
    };
    assert_eq!(item(1, Some(3)).lead_units, ["市卫健委", "市妇联"]);
    assert_eq!(item(1, Some(3)).cooperating_units, ["各县(市)区、开发区"]);
    // The district set as a lead unit, and the text's comma spelling of it.
    assert_eq!(
        item(19, None).lead_units,
        ["市房产局", "各县(市)区、开发区"]
    );
    assert_eq!(
        item(11, Some(1)).cooperating_units,
        ["市市场监管局", "市卫健委", "各县(市)区,开发区"]
    );
    // Brackets in ASCII parentheses, and an item with lead units only.
    assert_eq!(item(10, Some(5)).cooperating_units, ["市重点局"]);
    assert_eq!(item(76, None).lead_units, ["市直相关部门"]);
    assert!(item(76, None).cooperating_units.is_empty());
    // Aliases spelled as the text spells them in that item.
    assert_eq!(item(30, None).lead_units, ["市政务服务管理局"]);
    assert_eq!(item(77, None).lead_units, ["市政务服务局"]);
    assert!(
        item(27, Some(2))
            .cooperating_units
            .contains(&"市医疗保障局".to_owned())
    );
    assert!(
        item(47, None)
            .cooperating_units
            .contains(&"市交通运输局".to_owned())
    );
    // A comma between lead units; 等 after the last named unit dropped.
    assert_eq!(item(82, None).lead_units, ["市数据资源局", "市自规局"]);
    assert_eq!(item(18, None).cooperating_units[9], "市土储中心");
    // The district set named in 102 of the 109 items (one of them in its comma spelling twice).
    let named = items(&plan)
        .iter()
        .filter(|(_, i, _)| {
            i.lead_units
                .iter()
                .chain(&i.cooperating_units)
                .any(|u| u.starts_with("各县(市)区"))
        })
        .count();
    assert_eq!(named, 102);
    Ok(())
}

#[test]
fn aliases_resolve_and_every_unit_is_known() -> TestResult {
    let plan = hefei_2023()?;
    let mut canonical = BTreeMap::new();
    for unit in &plan.units {
        canonical.insert(unit.name.as_str(), unit.name.as_str());
        for alias in &unit.aliases {
            canonical.insert(alias.as_str(), unit.name.as_str());
        }
    }
    for (alias, name) in [
        ("市政务服务管理局", "市政务服务局"),
        ("市医疗保障局", "市医保局"),
        ("市交通运输局", "市交通局"),
        ("市直有关部门", "市直相关部门"),
        ("各县(市)区,开发区", "各县(市)区、开发区"),
        ("市卫健委", "市卫健委"),
    ] {
        assert_eq!(canonical.get(alias), Some(&name), "{alias}");
    }
    for (task, item, _) in items(&plan) {
        for unit in item.lead_units.iter().chain(&item.cooperating_units) {
            assert!(
                canonical.contains_key(unit.as_str()),
                "task {task}: unknown unit {unit}"
            );
        }
    }
    Ok(())
}

#[test]
fn ids_unique_readable_and_placed() -> TestResult {
    let plan = hefei_2023()?;
    let mut seen = BTreeSet::new();
    for (task, item, _) in items(&plan) {
        let prefix = format!("t{task:02}-{}-", item.number.unwrap_or(0));
        for spec in &item.indicators {
            assert!(seen.insert(spec.id.clone()), "duplicate id {}", spec.id);
            assert!(
                spec.id.starts_with(&prefix),
                "{} is not under {prefix}",
                spec.id
            );
            assert!(spec.id.len() > prefix.len());
            assert!(
                spec.id
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            );
            StreamId::indicator(&spec.id)?;
        }
    }
    assert_eq!(seen.len(), indicators(&plan).len());
    Ok(())
}

#[test]
fn every_item_is_trackable_and_sources_are_verbatim() -> TestResult {
    let plan = hefei_2023()?;
    for (task, item, _) in items(&plan) {
        assert!(!item.indicators.is_empty(), "task {task} {:?}", item.number);
        let numeric = item.indicators.iter().any(|s| {
            matches!(
                s.kind,
                IndicatorKind::Cumulative | IndicatorKind::Level | IndicatorKind::Coverage
            )
        });
        let status = item
            .indicators
            .iter()
            .filter(|s| s.kind == IndicatorKind::Status)
            .count();
        // A status indicator exactly when the item has no numeric target.
        assert_eq!(
            status,
            usize::from(!numeric),
            "task {task} {:?}",
            item.number
        );
        for spec in &item.indicators {
            if spec.kind == IndicatorKind::Status {
                assert_eq!(spec.target, None);
                continue;
            }
            assert!(!spec.source.is_empty(), "{}", spec.id);
            assert!(
                item.text.contains(&spec.source),
                "{}: {:?}",
                spec.id,
                spec.source
            );
            if spec.kind != IndicatorKind::Milestones {
                assert!(
                    spec.target.is_some() && !spec.unit.is_empty(),
                    "{}",
                    spec.id
                );
            }
        }
    }
    Ok(())
}

/// The plan's official text, kept beside its data.
fn seed_text() -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("plans/hefei-2023/source.txt");
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

#[test]
fn item_texts_are_verbatim_in_the_seed() -> TestResult {
    let plan = hefei_2023()?;
    let seed = seed_text();
    for (task, item, _) in items(&plan) {
        assert!(
            seed.contains(&item.text),
            "task {task} {:?}: text not in the seed",
            item.number
        );
        let heading = match item.number {
            Some(n) => format!("({n}){}", item.text),
            None => format!("{task}.{}\n{}", item.title, item.text),
        };
        assert!(
            seed.contains(&heading),
            "task {task} {:?}: not where expected",
            item.number
        );
    }
    Ok(())
}

/// "id target unit direction" (>= at least, <= at most), checked against the source text by
/// hand, covering all 17 categories and every 万- and 亿-scaled target.
const SPOT: &[&str] = &[
    // (一) 幼有所育
    "t01-1-maternal-management-rate 92 % >=",
    "t01-2-newborn-screening-rate 98 % >=",
    "t02-1-childcare-seats 16000 个 >=", // 1.6万个
    "t02-1-inclusive-childcare-per-district 1 个 >=",
    // (二) 学有所教
    "t03-0-kindergarten-places 26000 个 >=", // 2.6万个
    "t03-0-public-kindergarten-share 60 % >=",
    "t04-0-school-places 45000 个 >=",    // 4.5万个
    "t07-0-senior-learners 120000 人 >=", // 12万人左右
    "t07-0-community-senior-schools 134 所 >=",
    // (三) 病有所医
    "t09-3-immunisation-rate 90 % >=",
    "t10-2-ambulance-stations 53 个 >=",
    "t10-4-youth-psychology-clinics 75 % >=",
    "t10-4-psychotherapy-clinics 100 % >=", // 所有精神专科医院
    // (四) 老有所养
    "t12-0-home-adaptations 1800 户 >=",
    "t13-0-senior-canteens 290 个 >=",
    "t14-0-nursing-bed-share 52 % >=",
    "t16-0-provincial-model-centres 8 家 >=",
    // (五) 住有所居
    "t17-1-rental-housing-units 11800 套 >=",     // 1.18万套
    "t17-3-resettlement-starts 77000 套 >=",      // 7.7万套
    "t17-3-resettlement-completions 21300 套 >=", // 2.13万套
    "t17-4-hard-to-resettle-units 130000 套 >=",  // 13万套
    "t17-5-rent-withdrawals 12 次 >=",
    "t18-0-demolition-area 4480000 平方米 >=", // 448万平方米
    // (六) 劳有所得
    "t21-0-reemployment 37600 人 >=",         // 3.76万人
    "t22-0-graduates-attracted 300000 人 >=", // 30万人
    "t22-0-graduate-retention-rate 52 % >=",
    "t23-0-startup-loans 1000000000 元 >=",        // 10亿元
    "t23-0-startups-supported 18000 名 >=",        // 1.8万名
    "t23-0-startup-training 30000 人 >=",          // 3万人
    "t23-0-startup-training-offline 20000 人 >=",  // 2万人
    "t24-0-subsidised-training 110000 人次 >=",    // 11万人次
    "t24-0-high-skill-talent 25000 人 >=",         // 2.5万人
    "t24-0-migrant-worker-training 27500 人次 >=", // 2.75万人次
    // (七) 弱有所扶
    "t27-2-psychiatric-drug-subsidies 10450 名 >=",
    "t27-4-barrier-free-homes 2000 户 >=",
    "t28-4-custody-enforcement-rate 90 % >=",
    // (八) 诉有所应
    "t30-0-policy-query-days 3 工作日 <=",
    "t30-0-hotline-hours 24 小时/天 >=",     // “7×24小时”
    "t32-0-police-chat-members 20000 人 >=", // 2万人
    "t33-0-first-petition-satisfaction-rate 90 % >=",
    // (九) 文体旅游服务提升
    "t34-0-books-per-reading-space 10000 册 >=",
    "t35-0-villages-performances 1194 个 >=",
    "t36-0-fitness-trails 200 公里 >=",
    "t40-0-park-service-radius-coverage 86 % >=",
    "t43-0-tourism-leaflets 100000 册 >=", // 10万册
    // (十) 生态环境服务提升
    "t44-0-provincial-sections-good-rate 77.4 % >=",
    "t44-0-national-sections-compliance 100 % >=", // 全部达标
    "t46-0-pm10 63 微克/立方米 <=",
    "t47-0-pm25 32 微克/立方米 <=",
    "t49-0-noise-average 60 分贝 <=",
    // (十一) 城乡建设服务提升
    "t50-0-toilet-renovation 10000 户 >=",
    "t51-0-gas-pipes 247 公里 >=",
    "t54-0-parking-spaces 100000 个 >=",       // 10万个
    "t54-0-public-parking-spaces 14000 个 >=", // 1.4万个
    "t56-0-kitchen-waste-collection-rate 100 % >=",
    "t56-0-collection-points-in-operation 4000 座 >=", // 4000余座…全部投入运行
    "t57-0-toilet-opening-hours 24 小时/天 >=",
    "t57-0-class-one-toilet-share 80 % >=",
    // (十二) 社会治安服务提升
    "t63-0-return-pledges 10000 户 >=", // 1万户
    "t63-0-complex-coverage 60 % >=",
    // (十三) 城市安全服务提升
    "t65-0-city-county-hazard-rate 90 % >=",
    "t67-0-dangerous-buildings 24000 平方米 >=", // 2.4万平方米
    "t69-0-elevator-rescue-minutes 20 分钟 <=",
    "t69-0-elevator-spot-checks-per-district 10 % >=",
    "t70-0-food-tests 2000 批次 >=",
    // (十四) 加强法治建设
    "t71-0-legality-review-rate 100 % >=",
    "t73-0-publicity-events 200 场 >=",
    // (十六) 提升服务效能
    "t77-0-model-service-centre-per-district 1 处 >=",
];

#[test]
fn targets_match_the_source_text() -> TestResult {
    let plan = hefei_2023()?;
    let all = indicators(&plan);
    let mut categories = BTreeSet::new();
    for line in SPOT {
        let [id, target, unit, direction] = line.split(' ').collect::<Vec<_>>()[..] else {
            panic!("bad spot-check line {line:?}");
        };
        let (_, _, category, spec) = all.get(id).unwrap_or_else(|| panic!("{id} is missing"));
        assert_eq!(spec.target, Some(dec(target)), "{id}");
        assert_eq!(spec.unit, unit, "{id}");
        let direction = if direction == "<=" {
            Direction::AtMost
        } else {
            Direction::AtLeast
        };
        assert_eq!(spec.direction, direction, "{id}");
        categories.insert(*category);
    }
    assert!(SPOT.len() >= 40);

    // Kinds: per-district targets are coverage, rates are levels, counts cumulative.
    let kind = |id: &str| all.get(id).map(|(_, _, _, s)| s.kind);
    assert_eq!(
        kind("t02-1-inclusive-childcare-per-district"),
        Some(IndicatorKind::Coverage)
    );
    assert_eq!(
        kind("t69-0-elevator-rescue-teams-per-district"),
        Some(IndicatorKind::Coverage)
    );
    assert_eq!(kind("t47-0-pm25"), Some(IndicatorKind::Level));
    assert_eq!(
        kind("t02-1-childcare-seats"),
        Some(IndicatorKind::Cumulative)
    );

    // 由半小时缩短到20分钟以下: baseline 30 minutes.
    let rescue = &all["t69-0-elevator-rescue-minutes"].3;
    assert_eq!(rescue.baseline, Some(dec("30")));
    assert_eq!(
        rescue.source,
        "救援人员到达现场平均时间由半小时缩短到20分钟以下"
    );

    // Milestones: the named hospital projects of task 10 (5), and the e-licence systems of 81.
    let hospitals = &all["t10-5-hospital-projects-completed"].3;
    assert_eq!(hospitals.kind, IndicatorKind::Milestones);
    assert_eq!(
        hospitals.deliverables,
        [
            "市空港医院",
            "三院新区",
            "中医院",
            "妇幼保健院",
            "口腔医院滨湖分院"
        ]
    );
    let systems = &all["t81-0-e-licence-seal-systems"].3;
    assert_eq!(systems.deliverables, ["电子证照系统", "电子印章系统"]);
    categories.insert(all["t81-0-e-licence-seal-systems"].2);

    // (十五) 推进廉洁从政 has no figure: its three tasks are tracked by status.
    for id in ["t74-0-status", "t75-0-status", "t76-0-status"] {
        let (_, _, category, spec) = &all[id];
        assert_eq!(
            (spec.kind, spec.target, *category),
            (IndicatorKind::Status, None, 15)
        );
        categories.insert(*category);
    }
    assert_eq!(
        categories,
        (1..=17).collect::<BTreeSet<_>>(),
        "every category is checked"
    );

    // Scope figures are not targets.
    for phrase in ["137座桥梁", "7316公里", "第五批37所", "107所", "30万人的"] {
        assert!(
            all.values().all(|(_, _, _, s)| !s.source.contains(phrase)),
            "{phrase} is scope, not a target"
        );
    }
    Ok(())
}

#[test]
fn folder_file_and_written_forms_agree() -> TestResult {
    let embedded = hefei_2023()?;
    let folder = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("plans/hefei-2023");
    assert_eq!(load_plan_file(&folder)?, embedded);
    assert_eq!(load_plan_file(folder.join("plan.toml"))?, embedded);
    let written = plan_to_toml(&embedded)?;
    assert_eq!(parse_plan(&written, "written")?, embedded);
    assert_eq!(Plan::from_toml_str(&written)?, embedded);
    Ok(())
}

fn plan_error(text: &str) -> String {
    match parse_plan(text, "test.toml") {
        Err(Error::Plan { path, reason }) => {
            assert_eq!(path, "test.toml");
            reason
        }
        Err(other) => panic!("expected a plan error, got {other}"),
        Ok(_) => panic!("expected a plan error, but the plan was accepted"),
    }
}

#[test]
fn validation_reports_problems_without_panicking() {
    let text = progress_ledger::plan::HEFEI_2023_TOML;
    let dup = text.replacen(
        "t01-2-premarital-check-rate",
        "t01-1-maternal-management-rate",
        1,
    );
    assert!(plan_error(&dup).contains("already used"), "duplicate ids");

    let unknown = text.replacen("lead = [\"市卫健委\"]", "lead = [\"市卫生局\"]", 1);
    assert!(plan_error(&unknown).contains("\"市卫生局\" is not in the units list"));

    let gap = text.replacen("number = 5\ncategory = 2", "number = 50\ncategory = 2", 1);
    assert!(plan_error(&gap).contains("tasks (numbered across the plan)"));

    let untargeted = text.replacen("target = 16000\n", "", 1);
    assert!(plan_error(&untargeted).contains("needs a target"));

    let moved = text.replacen(
        "source = \"新增托位1.6万个\"",
        "source = \"新增托位2万个\"",
        1,
    );
    assert!(plan_error(&moved).contains("not a verbatim phrase"));

    let typo = text.replacen("deliverables = [", "deliverable = [", 1);
    assert!(plan_error(&typo).contains("unknown field"));

    assert!(
        !plan_error("id = \"x\"\n[[task]\n").is_empty(),
        "broken TOML"
    );
    assert!(matches!(
        load_plan_file("/nonexistent/plan.toml"),
        Err(Error::Plan { .. })
    ));
}
