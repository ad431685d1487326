//! Events: the envelope every record carries, and the payload kinds.
//!
//! Names are past tense: an event says what happened. Events are never updated or deleted;
//! a mistake is fixed by a [`Payload::Corrected`] event that voids an earlier one.

use std::fmt;

use jiff::Timestamp;
use jiff::civil::Date;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::hash::Hash;
use crate::plan::{IndicatorSpec, ItemStatus, Plan};

/// Name of a stream: an indicator (`indicator/<id>`) or a plan (`plan/<id>`).
///
/// A stream name is 1–200 bytes of printable text without NUL, so it can be a key prefix.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct StreamId(String);

/// Whether `text` holds a control character: byte by byte if it is ASCII (every event's stream
/// name is checked when it is decoded).
fn has_control(text: &str) -> bool {
    if text.is_ascii() {
        text.bytes().any(|b| b.is_ascii_control())
    } else {
        text.chars().any(char::is_control)
    }
}

impl StreamId {
    /// Longest accepted stream name, in bytes.
    pub const MAX_LEN: usize = 200;

    /// Checks and wraps a stream name.
    pub fn new(name: impl Into<String>) -> Result<Self, crate::Error> {
        let name = name.into();
        if name.is_empty() || name.len() > Self::MAX_LEN || has_control(&name) {
            return Err(crate::Error::InvalidEvent(format!(
                "stream name {name:?} must be 1 to {} bytes of printable text",
                Self::MAX_LEN
            )));
        }
        Ok(Self(name))
    }

    /// The stream of one indicator.
    pub fn indicator(id: &str) -> Result<Self, crate::Error> {
        Self::new(format!("indicator/{id}"))
    }

    /// The stream of a plan's definition.
    pub fn plan(id: &str) -> Result<Self, crate::Error> {
        Self::new(format!("plan/{id}"))
    }

    /// The name as a string.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for StreamId {
    type Error = crate::Error;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::new(value)
    }
}

impl From<StreamId> for String {
    fn from(value: StreamId) -> Self {
        value.0
    }
}

impl fmt::Display for StreamId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What an event says happened.
///
/// Stored events are a compatibility boundary: add variants only at the end; never reorder or
/// change an existing variant without a new format version in `codec.rs`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Payload {
    /// A plan was defined (or redefined): its identity, period, districts, units and tree.
    /// Indicators are defined by their own events. Boxed, as an indicator's spec is, so that
    /// an event takes no more room than an update needs.
    PlanDefined(Box<Plan>),
    /// An indicator was defined, attached to a task and item of a plan.
    IndicatorDefined {
        /// Id of the plan.
        plan: String,
        /// Task number.
        task: u32,
        /// Sub-item number, if the task has sub-items.
        item: Option<u32>,
        /// The indicator.
        spec: Box<IndicatorSpec>,
    },
    /// An indicator's target was revised (动态调整); applies from the moment it is recorded.
    TargetRevised {
        /// The new target.
        target: Decimal,
        /// Why.
        reason: String,
    },
    /// Progress was made: a delta to a cumulative or coverage indicator.
    ProgressReported {
        /// Amount added (never negative: use a correction).
        delta: Decimal,
        /// District the progress belongs to, if any.
        district: Option<String>,
    },
    /// A level was measured.
    MeasurementTaken {
        /// The measured value.
        value: Decimal,
        /// District measured, if the measurement is not plan-wide.
        district: Option<String>,
    },
    /// A named deliverable of a milestones indicator was completed.
    MilestoneReached {
        /// Name of the deliverable, as in the indicator's list.
        deliverable: String,
    },
    /// The status of a status indicator changed.
    StatusChanged {
        /// The new status.
        status: ItemStatus,
    },
    /// An earlier event is void; the replacement, if any, applies in its place.
    Corrected {
        /// Id of the event voided.
        corrects: Uuid,
        /// Why.
        reason: String,
        /// What should have been recorded instead.
        replacement: Option<Box<Payload>>,
    },
    /// An indicator was retired: no more updates are accepted for it.
    IndicatorRetired {
        /// Why.
        reason: String,
    },
}

impl Payload {
    /// A short snake_case name of the payload kind, e.g. `progress_reported`.
    pub fn kind_name(&self) -> &'static str {
        match self {
            Payload::PlanDefined(_) => "plan_defined",
            Payload::IndicatorDefined { .. } => "indicator_defined",
            Payload::TargetRevised { .. } => "target_revised",
            Payload::ProgressReported { .. } => "progress_reported",
            Payload::MeasurementTaken { .. } => "measurement_taken",
            Payload::MilestoneReached { .. } => "milestone_reached",
            Payload::StatusChanged { .. } => "status_changed",
            Payload::Corrected { .. } => "corrected",
            Payload::IndicatorRetired { .. } => "indicator_retired",
        }
    }
}

/// An event to append, as a caller describes it. The ledger assigns sequence, version,
/// recorded-at and hashes.
#[derive(Clone, Debug, PartialEq)]
pub struct NewEvent {
    /// Client-supplied id; supplying one makes a retry idempotent. `None`: the ledger makes one.
    pub id: Option<Uuid>,
    /// Stream the event belongs to.
    pub stream: StreamId,
    /// If set, the append fails unless the stream is at exactly this version (0: empty stream).
    pub expected_version: Option<u64>,
    /// Business date the update is about (Asia/Shanghai).
    pub effective: Date,
    /// Who records it: the unit of the credential, never taken from a request body.
    pub actor: String,
    /// Free text from the recorder.
    pub note: Option<String>,
    /// What happened.
    pub payload: Payload,
}

impl NewEvent {
    /// A new event with no id, no expected version and no note.
    pub fn new(
        stream: StreamId,
        effective: Date,
        actor: impl Into<String>,
        payload: Payload,
    ) -> Self {
        Self {
            id: None,
            stream,
            expected_version: None,
            effective,
            actor: actor.into(),
            note: None,
            payload,
        }
    }

    /// Sets the client-supplied id.
    pub fn with_id(mut self, id: Uuid) -> Self {
        self.id = Some(id);
        self
    }

    /// Sets the expected stream version.
    pub fn expecting_version(mut self, version: u64) -> Self {
        self.expected_version = Some(version);
        self
    }

    /// Sets the note.
    pub fn with_note(mut self, note: impl Into<String>) -> Self {
        self.note = Some(note.into());
        self
    }
}

/// A recorded event: the envelope, the payload, and its place in the hash chain.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// Global sequence number, 1-based and gapless.
    pub seq: u64,
    /// Event id.
    pub id: Uuid,
    /// Stream the event belongs to.
    pub stream: StreamId,
    /// Version within the stream, 1-based and contiguous.
    pub version: u64,
    /// When the ledger recorded it (UTC, never going backwards).
    #[serde(with = "crate::codec::timestamp")]
    pub recorded_at: Timestamp,
    /// Business date the update is about (Asia/Shanghai).
    #[serde(with = "crate::codec::date")]
    pub effective: Date,
    /// Unit that recorded it.
    pub actor: String,
    /// Free text from the recorder.
    pub note: Option<String>,
    /// What happened.
    pub payload: Payload,
    /// Hash of the previous event (zero for the first).
    pub prev_hash: Hash,
    /// SHA-256 over the event's canonical bytes, which include `prev_hash`.
    pub hash: Hash,
}

impl Event {
    /// Whether `new` describes the same event as this one (same stream, date, actor, note and
    /// payload), which makes an append with this event's id an idempotent retry.
    pub fn same_content(&self, new: &NewEvent) -> bool {
        self.stream == new.stream
            && self.effective == new.effective
            && self.actor == new.actor
            && self.note == new.note
            && self.payload == new.payload
    }

    /// The (sequence, hash) pair that names the ledger's state up to and including this event.
    pub fn head(&self) -> Head {
        Head {
            seq: self.seq,
            hash: self.hash,
        }
    }
}

/// The end of a chain: a sequence number and the hash of the event there. Publishing a head lets
/// anyone later check that the log up to it was not altered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Head {
    /// Sequence number of the last event covered (0: empty ledger).
    pub seq: u64,
    /// Hash of that event (zero for an empty ledger).
    pub hash: Hash,
}

impl Head {
    /// The head of an empty ledger.
    pub const EMPTY: Head = Head {
        seq: 0,
        hash: Hash::ZERO,
    };
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn stream_names_with_control_characters_are_refused_ascii_or_not() {
        for name in ["a\nb", "a\u{7f}", "\u{0}", "指标\u{85}", "指标\t"] {
            assert!(StreamId::new(name).is_err(), "{name:?}");
        }
        for name in ["indicator/t02-1", "指标/托位", "a b"] {
            assert!(StreamId::new(name).is_ok(), "{name:?}");
        }
    }

    proptest! {
        #[test]
        fn the_ascii_check_agrees_with_the_character_check(text in any::<String>()) {
            prop_assert_eq!(has_control(&text), text.chars().any(char::is_control));
        }

        #[test]
        fn text_near_the_c1_controls_agrees_too(text in "[\\x00-\\u{ff}\\u{4e00}-\\u{4e0f}]{0,12}") {
            prop_assert_eq!(has_control(&text), text.chars().any(char::is_control));
        }

        #[test]
        fn ascii_text_agrees_too(bytes in prop::collection::vec(0u8..0x80, 0..40)) {
            let text = String::from_utf8(bytes).expect("ASCII");
            prop_assert_eq!(has_control(&text), text.chars().any(char::is_control));
        }
    }
}
