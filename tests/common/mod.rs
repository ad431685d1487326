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

/// Bytes of the log file's magic, before the first frame.
pub const LOG_START: usize = 8;
/// Bytes of a frame header: `len` (u32 LE) ‖ `flags` (u8) ‖ CRC32C (u32 LE).
pub const FRAME_HEADER: usize = 9;
/// Frame flag: the last frame of a batch.
pub const BATCH_END: u8 = 1;
/// Frame flag: the first frame of a write made when everything before it was durable.
pub const DURABLE_BEFORE: u8 = 2;

/// A frame of the log for `stored`, with `flags` and its checksum (see docs/format.md).
pub fn frame(stored: &[u8], flags: u8) -> Vec<u8> {
    let len = (stored.len() as u32).to_le_bytes();
    let mut out = len.to_vec();
    out.push(flags);
    let crc = crc32c::crc32c_append(crc32c::crc32c(&out), stored);
    out.extend_from_slice(&crc.to_le_bytes());
    out.extend_from_slice(stored);
    out
}

/// Sets the flags of the frame at `at` in a log file's bytes, with its checksum.
pub fn set_flags(file: &mut [u8], at: usize, flags: u8) {
    let len = u32::from_le_bytes(file[at..at + 4].try_into().expect("4 bytes")) as usize;
    let stored = file[at + FRAME_HEADER..at + FRAME_HEADER + len].to_vec();
    file[at..at + FRAME_HEADER + len].copy_from_slice(&frame(&stored, flags));
}

/// The flags of the frame at `at` in a log file's bytes.
pub fn flags_at(file: &[u8], at: usize) -> u8 {
    file[at + 4]
}

/// The frames of a closed ledger's log file as (offset, stored event bytes), and the whole
/// file. A frame is `len` (u32 LE) ‖ `flags` ‖ CRC32C ‖ stored event; a zero header ends the
/// log.
pub fn log_frames(dir: &std::path::Path) -> (Vec<(usize, Vec<u8>)>, Vec<u8>) {
    let file = std::fs::read(dir.join("events.log")).expect("read the log");
    let mut frames = Vec::new();
    let mut at = LOG_START;
    while at + FRAME_HEADER <= file.len() {
        let len = u32::from_le_bytes(file[at..at + 4].try_into().expect("4 bytes")) as usize;
        if len == 0 || at + FRAME_HEADER + len > file.len() {
            break;
        }
        frames.push((
            at,
            file[at + FRAME_HEADER..at + FRAME_HEADER + len].to_vec(),
        ));
        at += FRAME_HEADER + len;
    }
    (frames, file)
}

/// Where the log's frames end.
pub fn log_end(dir: &std::path::Path) -> usize {
    log_frames(dir)
        .0
        .last()
        .map_or(LOG_START, |(at, stored)| at + FRAME_HEADER + stored.len())
}

/// The five rules an event keeps to follow the one before it in the chain, for the tests that
/// break each of them on every path that checks them (verify, opening, migration, import).
#[derive(Clone, Copy, Debug)]
pub enum Rule {
    /// Its hash is the SHA-256 of its canonical bytes.
    Hash,
    /// Its seq is the next one.
    Seq,
    /// Its previous-hash is the hash of the event before it.
    Link,
    /// Its stream version is the next one of its stream.
    Version,
    /// Its recorded-at is not before the previous event's.
    Clock,
}

impl Rule {
    /// Every rule.
    pub const ALL: [Rule; 5] = [
        Rule::Hash,
        Rule::Seq,
        Rule::Link,
        Rule::Version,
        Rule::Clock,
    ];

    /// The events of a sound chain up to the one at position `at` (0-based, at least 1), which
    /// is changed so that it breaks this rule and no other.
    pub fn break_at(
        self,
        events: &[progress_ledger::Event],
        at: usize,
    ) -> Vec<progress_ledger::Event> {
        let mut out = events[..=at].to_vec();
        let previous = events[at - 1].recorded_at;
        let event = &mut out[at];
        match self {
            Rule::Hash => {}
            Rule::Seq => event.seq += 1,
            Rule::Link => event.prev_hash = progress_ledger::Hash::of(b"another event"),
            Rule::Version => event.version += 1,
            Rule::Clock => {
                event.recorded_at = previous - jiff::SignedDuration::from_micros(1);
            }
        }
        progress_ledger::codec::seal(event).expect("seal");
        if let Rule::Hash = self {
            event.hash = progress_ledger::Hash::of(b"not these bytes");
        }
        out
    }

    /// Whether `kind` is how a break of this rule is reported.
    pub fn reported_as(self, kind: &progress_ledger::ProblemKind) -> bool {
        use progress_ledger::ProblemKind as K;
        match self {
            Rule::Hash => matches!(kind, K::HashMismatch { .. }),
            Rule::Seq => matches!(kind, K::WrongSeq { .. }),
            Rule::Link => matches!(kind, K::BrokenLink),
            Rule::Version => matches!(kind, K::StreamVersionGap { .. }),
            Rule::Clock => matches!(kind, K::ClockWentBack { .. }),
        }
    }

    /// Words of the message that reports a break of this rule.
    pub fn words(self) -> &'static str {
        match self {
            Rule::Hash => "but the bytes hash to",
            Rule::Seq => "says seq",
            Rule::Link => "previous-hash does not match",
            Rule::Version => "jumps to version",
            Rule::Clock => "is before the previous event's",
        }
    }
}

/// The stored form of an event as it carries it: its canonical bytes and its `hash` field.
pub fn stored(event: &progress_ledger::Event) -> Vec<u8> {
    let mut bytes = progress_ledger::codec::canonical_bytes(event).expect("encodes");
    bytes.extend_from_slice(&event.hash.0);
    bytes
}
