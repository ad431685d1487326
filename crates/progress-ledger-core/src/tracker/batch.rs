//! Batches recorded all or nothing, with every refused update listed: what a sheet of figures
//! or a system pushing many updates needs to fix all its rows at once.

use super::Tracker;
use crate::error::{Error, Result};
use crate::event::NewEvent;
use crate::policy::Identity;
use crate::store::Appended;

/// One refused update of a batch.
#[derive(Debug)]
pub struct RefusedUpdate {
    /// Its position in the batch (from 0).
    pub index: usize,
    /// Why it was refused (see [`Error::is_refusal`]).
    pub error: Error,
}

/// What became of a batch.
#[derive(Debug)]
pub enum BatchOutcome {
    /// Every update was recorded (or was a retry of one recorded before) and is durable.
    Recorded(Vec<Appended>),
    /// Some were refused: nothing was written.
    Refused(Vec<RefusedUpdate>),
    /// Every update passed the checks; nothing was written (a dry run).
    Checked,
}

/// How far a batch's checks go, and whether it is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Checks {
    /// The first refusal is the error.
    FirstRefusal,
    /// Every update is checked, each refused one as if it were not in the batch; written if
    /// none is refused.
    ListAll,
    /// As `ListAll`, but nothing is written.
    Only,
}

impl BatchOutcome {
    /// The appended events, or the first refusal as the error.
    pub(super) fn into_result(self) -> Result<Vec<Appended>> {
        match self {
            BatchOutcome::Recorded(appended) => Ok(appended),
            BatchOutcome::Checked => Ok(Vec::new()),
            BatchOutcome::Refused(refusals) => Err(refusals
                .into_iter()
                .next()
                .map(|r| r.error)
                .unwrap_or_else(|| Error::InvalidEvent("the batch was refused".into()))),
        }
    }
}

impl Tracker {
    /// Records `batch` all or nothing as a trusted writer (the actors are the events' own and
    /// no ownership rule applies, as for [`Tracker::record_batch`]), listing every refusal as
    /// [`Tracker::record_batch_listing_refusals_as`] does: what a local, trusted caller (the
    /// command line) records a sheet with.
    pub fn record_batch_listing_refusals(&self, batch: Vec<NewEvent>) -> Result<BatchOutcome> {
        self.record_checked(None, batch, Checks::ListAll)
    }

    /// Checks `batch` as [`Tracker::record_batch_listing_refusals`] does and writes nothing:
    /// [`BatchOutcome::Checked`] if every update would be recorded.
    pub fn check_batch(&self, batch: Vec<NewEvent>) -> Result<BatchOutcome> {
        self.record_checked(None, batch, Checks::Only)
    }

    /// Records `batch` for `identity` all or nothing, like [`Tracker::record_batch_as`], but a
    /// refusal does not end the checks: every update is checked (against the recorded state and
    /// the batch's accepted updates before it), and if any is refused nothing is written and
    /// every refusal is listed. Retries of recorded ids are accepted and write nothing.
    pub fn record_batch_listing_refusals_as(
        &self,
        identity: &Identity,
        mut batch: Vec<NewEvent>,
    ) -> Result<BatchOutcome> {
        for new in &mut batch {
            identity.unit().clone_into(&mut new.actor);
        }
        self.record_checked(Some(identity), batch, Checks::ListAll)
    }

    /// Checks `batch` for `identity` as [`Tracker::record_batch_listing_refusals_as`] does and
    /// writes nothing: [`BatchOutcome::Checked`] if every update would be recorded.
    pub fn check_batch_as(
        &self,
        identity: &Identity,
        mut batch: Vec<NewEvent>,
    ) -> Result<BatchOutcome> {
        for new in &mut batch {
            identity.unit().clone_into(&mut new.actor);
        }
        self.record_checked(Some(identity), batch, Checks::Only)
    }
}
