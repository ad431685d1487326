//! Helpers shared by the integration tests.
#![allow(dead_code)]

use progress_ledger::{NewEvent, Payload, StreamId};
use rust_decimal::Decimal;

/// A stream name for test indicator `n`.
pub fn stream(n: usize) -> StreamId {
    StreamId::indicator(&format!("test-{n}")).expect("valid stream name")
}

/// A progress event of `delta` on test indicator `n`.
pub fn progress(n: usize, delta: i64) -> NewEvent {
    NewEvent::new(
        stream(n),
        jiff::civil::date(2023, 6, 30),
        "市卫健委",
        Payload::ProgressReported {
            delta: Decimal::from(delta),
            district: Some("蜀山区".into()),
        },
    )
}

/// The whole durable log of a ledger, in order.
pub fn whole_log(ledger: &progress_ledger::Ledger) -> Vec<progress_ledger::Event> {
    ledger
        .events_from(1)
        .collect::<Result<Vec<_>, _>>()
        .expect("log reads")
}

use progress_ledger::plan::{
    Category, Direction, District, DistrictKind, IndicatorKind, IndicatorSpec, Item, Part, Plan,
    Task, Unit,
};

/// An indicator spec for the small test plan.
pub fn spec(
    id: &str,
    kind: IndicatorKind,
    unit: &str,
    target: Option<i64>,
    direction: Direction,
) -> IndicatorSpec {
    IndicatorSpec {
        id: id.into(),
        title: id.into(),
        kind,
        unit: unit.into(),
        target: target.map(Decimal::from),
        direction,
        baseline: None,
        source: format!("{id}目标"),
        deliverables: Vec::new(),
        weight: Decimal::ONE,
        growth: false,
    }
}

fn item(number: Option<u32>, lead: &str, indicators: Vec<IndicatorSpec>) -> Item {
    Item {
        number,
        title: format!("item {number:?}"),
        text: indicators
            .iter()
            .map(|i| i.source.as_str())
            .collect::<Vec<_>>()
            .join("，"),
        lead_units: vec![lead.into()],
        cooperating_units: vec!["各县(市)区、开发区".into()],
        indicators,
    }
}

/// A small plan with one indicator of every kind, over four districts, for the year 2023:
///
/// - task 1 (市卫健委): `seats` cumulative 16000 个; `centres` coverage 1 per district
/// - task 2 (1) (市卫健委): `rate` level at least 92 %
/// - task 2 (2) (市生态环境局): `pm25` level at most 32; `wait` level at most 20 from 30 分钟
/// - task 3 (市卫健委 as 市卫生健康委员会): `hospitals` milestones A–D; `policy` status
pub fn small_plan() -> Plan {
    let mut wait = spec(
        "wait",
        IndicatorKind::Level,
        "分钟",
        Some(20),
        Direction::AtMost,
    );
    wait.baseline = Some(Decimal::from(30));
    let mut hospitals = spec(
        "hospitals",
        IndicatorKind::Milestones,
        "",
        None,
        Direction::AtLeast,
    );
    hospitals.deliverables = ["A", "B", "C", "D"].map(String::from).to_vec();
    let district = |name: &str| District {
        name: name.into(),
        kind: DistrictKind::County,
    };
    Plan {
        id: "test-2023".into(),
        title: "测试方案".into(),
        issuer: "测试".into(),
        issued: jiff::civil::date(2023, 8, 14),
        period_start: jiff::civil::date(2023, 1, 1),
        period_end: jiff::civil::date(2023, 12, 31),
        districts: ["瑶海区", "庐阳区", "蜀山区", "包河区"]
            .map(district)
            .to_vec(),
        units: vec![
            Unit {
                name: "市卫健委".into(),
                aliases: vec!["市卫生健康委员会".into()],
            },
            Unit {
                name: "市生态环境局".into(),
                aliases: vec![],
            },
            Unit {
                name: "各县(市)区、开发区".into(),
                aliases: vec![],
            },
        ],
        parts: vec![Part {
            number: 1,
            title: "重点群体优服务".into(),
            categories: vec![
                Category {
                    number: 1,
                    title: "幼有所育".into(),
                    tasks: vec![
                        Task {
                            number: 1,
                            title: "托育".into(),
                            items: vec![item(
                                None,
                                "市卫健委",
                                vec![
                                    spec(
                                        "seats",
                                        IndicatorKind::Cumulative,
                                        "个",
                                        Some(16000),
                                        Direction::AtLeast,
                                    ),
                                    spec(
                                        "centres",
                                        IndicatorKind::Coverage,
                                        "个",
                                        Some(1),
                                        Direction::AtLeast,
                                    ),
                                ],
                            )],
                        },
                        Task {
                            number: 2,
                            title: "健康".into(),
                            items: vec![
                                item(
                                    Some(1),
                                    "市卫健委",
                                    vec![spec(
                                        "rate",
                                        IndicatorKind::Level,
                                        "%",
                                        Some(92),
                                        Direction::AtLeast,
                                    )],
                                ),
                                item(
                                    Some(2),
                                    "市生态环境局",
                                    vec![
                                        spec(
                                            "pm25",
                                            IndicatorKind::Level,
                                            "微克/立方米",
                                            Some(32),
                                            Direction::AtMost,
                                        ),
                                        wait,
                                    ],
                                ),
                            ],
                        },
                    ],
                },
                Category {
                    number: 2,
                    title: "病有所医".into(),
                    tasks: vec![Task {
                        number: 3,
                        title: "医疗".into(),
                        items: vec![item(
                            None,
                            "市卫生健康委员会",
                            vec![
                                hospitals,
                                spec(
                                    "policy",
                                    IndicatorKind::Status,
                                    "",
                                    None,
                                    Direction::AtLeast,
                                ),
                            ],
                        )],
                    }],
                },
            ],
        }],
    }
}

/// An update of indicator `id` of the small plan, effective on `date`.
pub fn update(id: &str, date: jiff::civil::Date, payload: Payload) -> NewEvent {
    NewEvent::new(
        StreamId::indicator(id).expect("stream"),
        date,
        "市卫健委",
        payload,
    )
}

/// A decimal from text.
pub fn dec(text: &str) -> Decimal {
    text.parse().expect("decimal")
}

/// The frames of a closed ledger's log file as (offset, stored event bytes), and the whole
/// file. A frame is `len` (u32 LE) ‖ `flags` ‖ stored event; a zero length ends the log.
pub fn log_frames(dir: &std::path::Path) -> (Vec<(usize, Vec<u8>)>, Vec<u8>) {
    let file = std::fs::read(dir.join("events.log")).expect("read the log");
    let mut frames = Vec::new();
    let mut at = 0;
    while at + 5 <= file.len() {
        let len = u32::from_le_bytes(file[at..at + 4].try_into().expect("4 bytes")) as usize;
        if len == 0 || at + 5 + len > file.len() {
            break;
        }
        frames.push((at, file[at + 5..at + 5 + len].to_vec()));
        at += 5 + len;
    }
    (frames, file)
}
