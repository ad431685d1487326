//! The state of one indicator: every update folded so far, voided or not.

use jiff::civil::Date;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::plan::ItemStatus;

/// What one update contributes to its indicator.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Contribution {
    /// A delta to a cumulative or coverage indicator.
    Delta {
        /// Amount added.
        amount: Decimal,
        /// District, if reported for one.
        district: Option<String>,
    },
    /// A measurement of a level indicator.
    Measurement {
        /// Value measured.
        value: Decimal,
        /// District, if measured for one.
        district: Option<String>,
    },
    /// A deliverable completed.
    Milestone(String),
    /// A status reported.
    Status(ItemStatus),
}

/// One update of an indicator, as folded.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// Sequence number of the event that made it (a correction, for a replacement).
    pub seq: u64,
    /// Business date it is about.
    #[serde(with = "crate::codec::date")]
    pub effective: Date,
    /// What it contributes.
    pub contribution: Contribution,
    /// Whether a later correction voided it.
    pub voided: bool,
}

/// Every update of one indicator, in log order.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct IndicatorState {
    /// Updates in log order, voided ones included (they are marked).
    pub entries: Vec<Entry>,
}

impl IndicatorState {
    /// The updates that count on business date `effective` (all dates if `None`): not voided,
    /// and effective on or before it.
    pub fn live(&self, effective: Option<Date>) -> impl Iterator<Item = &Entry> {
        self.entries
            .iter()
            .filter(move |e| !e.voided && effective.is_none_or(|d| e.effective <= d))
    }
}
