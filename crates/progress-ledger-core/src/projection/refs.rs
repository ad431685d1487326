//! How explanations and restatements name an event and what an update contributes, owned.

use jiff::Timestamp;
use jiff::civil::Date;
use rust_decimal::Decimal;
use serde::Serialize;
use uuid::Uuid;

use super::state::Contribution;
use crate::event::Event;
use crate::plan::ItemStatus;

/// An event, as an explanation names it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct EventRef {
    /// Sequence number.
    pub seq: u64,
    /// Id.
    pub id: Uuid,
    /// Payload kind, e.g. `progress_reported`.
    pub kind: &'static str,
    /// Who recorded it.
    pub actor: String,
    /// When it was recorded.
    pub recorded_at: Timestamp,
    /// The business date it is about.
    pub effective: Date,
}

impl EventRef {
    /// The reference to `event`.
    pub fn of(event: &Event) -> EventRef {
        EventRef {
            seq: event.seq,
            id: event.id,
            kind: event.payload.kind_name(),
            actor: event.actor.clone(),
            recorded_at: event.recorded_at,
            effective: event.effective,
        }
    }
}

/// What one update contributes, owned.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Contributed {
    /// Delta or measured value.
    pub amount: Option<Decimal>,
    /// District, if the update names one.
    pub district: Option<String>,
    /// Deliverable reached.
    pub deliverable: Option<String>,
    /// Status reported.
    pub status: Option<ItemStatus>,
}

impl From<Contribution<'_>> for Contributed {
    fn from(contribution: Contribution<'_>) -> Self {
        match contribution {
            Contribution::Delta { amount, district }
            | Contribution::Measurement {
                value: amount,
                district,
            } => Contributed {
                amount: Some(amount),
                district: district.map(str::to_owned),
                ..Contributed::default()
            },
            Contribution::Milestone(name) => Contributed {
                deliverable: Some(name.to_owned()),
                ..Contributed::default()
            },
            Contribution::Status(status) => Contributed {
                status: Some(status),
                ..Contributed::default()
            },
        }
    }
}
