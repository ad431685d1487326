//! The tracker: a ledger with its projection kept current, checks before every append,
//! snapshots every K events, and the queries users come for (progress now, as recorded at a
//! time, as effective on a date, the trail of an indicator, the supervision report).

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};

use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::Offset;
use rust_decimal::Decimal;
use serde::Serialize;
use uuid::Uuid;

use crate::PROGRESS_EVERY;
use crate::error::{Error, Result};
use crate::event::{Event, NewEvent, Payload};
use crate::plan::Plan;
use crate::policy::{self, Identity, Place};
use crate::projection::{
    self, Completion, ProgressView, Projection, Report, SnapshotMark, Unfolded, indicator_id,
};
use crate::store::{self, Appended, Ledger, LedgerConfig};

mod audit;
mod batch;
mod recorded;
mod trail;

pub use audit::{RestatementQuery, Since};
use batch::Checks;
pub use batch::{BatchOutcome, RefusedUpdate};
pub use trail::TrailPage;

/// Format byte of projection snapshots (bump when their encoding changes; an unreadable
/// snapshot is ignored and the state is rebuilt from the log): chained parts, each with only
/// the updates since the part before it (no event ids) and the versions of the events that
/// made none, the catalog only if it may have changed since then, and the (seq, hash) of the
/// last event it covers (see `projection/snapshot.rs`).
const SNAPSHOT_FORMAT: u8 = 6;

/// How to open a tracker.
#[derive(Clone)]
pub struct TrackerConfig {
    /// The ledger to open.
    pub ledger: LedgerConfig,
    /// Take a projection snapshot every this many events (at least 1).
    pub snapshot_every: u64,
    /// Store a tally checkpoint every this many events (at least 1): an answer "as recorded
    /// at" a time folds at most about this many events after the nearest one.
    pub tallies_every: u64,
    /// Called while opening rebuilds the projection from the first event (when no usable
    /// snapshot is stored) with the events folded and the events to fold, every 10,000 events
    /// and once at the end.
    pub rebuild_progress: Option<Arc<dyn Fn(u64, u64) + Send + Sync>>,
}

impl TrackerConfig {
    /// Default snapshot interval.
    pub const DEFAULT_SNAPSHOT_EVERY: u64 = 10_000;

    /// Default tally checkpoint interval.
    pub const DEFAULT_TALLIES_EVERY: u64 = 32_768;

    /// Defaults for the ledger at `path`.
    pub fn new(path: impl Into<std::path::PathBuf>) -> Self {
        Self {
            ledger: LedgerConfig::new(path),
            snapshot_every: Self::DEFAULT_SNAPSHOT_EVERY,
            tallies_every: Self::DEFAULT_TALLIES_EVERY,
            rebuild_progress: None,
        }
    }
}

impl std::fmt::Debug for TrackerConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TrackerConfig")
            .field("ledger", &self.ledger)
            .field("snapshot_every", &self.snapshot_every)
            .field("tallies_every", &self.tallies_every)
            .field("rebuild_progress", &self.rebuild_progress.is_some())
            .finish()
    }
}

/// The business time zone of plan dates: Asia/Shanghai, which is UTC+8 all year (no daylight
/// saving since 1991), so a fixed offset needs no time-zone database.
pub const PLAN_OFFSET: Offset = Offset::constant(8);

/// The date of `time` in the plan time zone.
pub fn plan_date(time: Timestamp) -> Date {
    PLAN_OFFSET.to_datetime(time).date()
}

/// Today's date in the plan time zone.
pub fn today() -> Date {
    plan_date(Timestamp::now())
}

/// The last microsecond of `date` in the plan time zone.
pub fn end_of_day(date: Date) -> Timestamp {
    date.tomorrow()
        .ok()
        .and_then(|next| {
            PLAN_OFFSET
                .to_timestamp(next.to_datetime(jiff::civil::Time::midnight()))
                .ok()
        })
        .and_then(|t| t.checked_sub(jiff::SignedDuration::from_micros(1)).ok())
        .unwrap_or(Timestamp::MAX)
}

/// Which state of the log a query looks at.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProgressQuery {
    /// Plan id (`None`: the only plan, or the first by id).
    pub plan: Option<String>,
    /// As recorded at this time: only events recorded at or before it (`None`: now).
    pub as_of: Option<Timestamp>,
    /// As effective on this date: only updates whose business date is on or before it.
    pub effective: Option<Date>,
}

/// One step of an indicator's trail: an event and what the indicator stood at after it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TrailStep {
    /// The event.
    pub event: Event,
    /// Value after it.
    pub value: Option<Decimal>,
    /// Target in force after it.
    pub target: Option<Decimal>,
    /// Completion after it.
    pub completion: Completion,
}

struct Live {
    /// Every durable event folded, and nothing else: what readers see. Readers take a clone of
    /// the `Arc` and compute outside the lock; folding changes the projection in place when no
    /// reader holds it, and copies it first when one does (`Arc::make_mut`): a copy shares
    /// every indicator's updates, and the fold copies only the states it changes.
    projection: Arc<Projection>,
    /// Events written to the log but not yet known durable, in log order: folded once they are.
    written: VecDeque<Event>,
    /// What the stored snapshot parts cover: the next part holds what came after.
    snapshot: SnapshotMark,
    /// Seq of the newest tally checkpoint stored.
    tallies: u64,
    /// The last "now" view computed: (plan asked for, schedule date, view). Valid while the
    /// projection has not moved past `view.seq`.
    current_view: Option<(Option<String>, Date, ProgressView)>,
    /// No snapshot part is tried before the projection reaches this seq (after a failed one).
    snapshot_retry_at: u64,
    /// Why the last snapshot or tally checkpoint could not be read or stored, until one is.
    derived_problem: Option<String>,
}

impl Live {
    /// The value of `result`, or `None` with its error kept as the derived-data problem.
    fn derived<T>(&mut self, what: &str, result: Result<T>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(e) => {
                self.derived_problem = Some(format!("{what}: {e}"));
                None
            }
        }
    }
}

/// A ledger with its live projection. Cheap to clone; thread-safe.
#[derive(Clone)]
pub struct Tracker {
    ledger: Ledger,
    live: Arc<Mutex<Live>>,
    snapshot_every: u64,
    tallies_every: u64,
}

impl std::fmt::Debug for Tracker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tracker")
            .field("ledger", &self.ledger)
            .finish_non_exhaustive()
    }
}

impl Tracker {
    /// Opens the ledger at `path` with defaults.
    pub fn open(path: impl Into<std::path::PathBuf>) -> Result<Tracker> {
        Self::open_with(TrackerConfig::new(path))
    }

    /// Opens a ledger and brings its projection up to date: from the newest snapshot, folding
    /// only the events after it.
    pub fn open_with(config: TrackerConfig) -> Result<Tracker> {
        // The ledger opens on a thread of its own while this one reads and decodes the newest
        // snapshot chain: checking the ledger's index and tree takes about as long (a second
        // each at ten million events), and the two share no file. The projection is decoded
        // here so that its memory comes from this thread's allocator arena, not from one that
        // a finished thread leaves fragmented.
        let parts_dir = config.ledger.path.join(store::PARTS_DIR);
        let opening = std::thread::Builder::new()
            .name("ledger-open".to_owned())
            .spawn({
                let config = config.ledger.clone();
                move || Ledger::open_with(config)
            });
        let early = if config.ledger.read_only {
            Ok(None)
        } else {
            store::SnapshotFiles::list(&parts_dir)
                .map_err(Error::from)
                .and_then(|files| chain_at(u64::MAX, |at| files.at_or_before(at)))
        };
        let ledger = match opening {
            Ok(opening) => opening.join().map_err(|_| {
                Error::Damaged("opening the ledger failed unexpectedly".to_owned())
            })??,
            // No thread to be had: the ledger opens here, after the snapshots.
            Err(_) => Ledger::open_with(config.ledger)?,
        };
        let tracker = Tracker {
            ledger,
            live: Arc::new(Mutex::new(Live {
                projection: Arc::new(Projection::without_ids()),
                written: VecDeque::new(),
                snapshot: SnapshotMark::default(),
                tallies: 0,
                current_view: None,
                snapshot_retry_at: 0,
                derived_problem: None,
            })),
            snapshot_every: config.snapshot_every.max(1),
            tallies_every: config.tallies_every.max(1),
        };
        // The replay starts at the newest usable snapshot. If there is none but snapshots are
        // stored (an older snapshot format, a broken chain), the replay starts from the first
        // event and writes a new part in place of each of them as it passes it: as-of queries
        // keep their starting points, and the old values, which sled would keep in memory
        // beside the new ones, are gone.
        let head = tracker.ledger.len();
        let mut live = tracker.lock();
        // The chain read early is used if it ends within this log and is of it; otherwise (a
        // log cut short since, snapshots moved from an earlier build's sled while it read, a
        // failed read) the search starts again from the head.
        let early = match early {
            Ok(Some(projection)) if projection.seq() <= head => tracker.of_this_log(projection)?,
            _ => None,
        };
        // Snapshots that cannot be read (a directory that cannot be listed, a read error)
        // mean a replay from the first event, not a ledger that does not open.
        let start = match early {
            Some(found) => Some(found),
            None => {
                let found = tracker.snapshot_at(head);
                live.derived("reading the snapshots", found).flatten()
            }
        };
        match start {
            Some((start, mark)) => {
                live.projection = Arc::new(tracker.fold_onto(start, head)?.0);
                live.snapshot = mark;
            }
            None => {
                let stale = tracker.ledger.snapshot_seqs();
                let mut stale = live
                    .derived("listing the snapshots", stale)
                    .unwrap_or_default();
                stale.sort_unstable();
                let progress = config.rebuild_progress.as_deref();
                for event in tracker.ledger.events_from(1) {
                    let event = event?;
                    if event.seq > head {
                        break;
                    }
                    tracker.fold(Arc::make_mut(&mut live.projection), &event)?;
                    if stale.binary_search(&event.seq).is_ok() {
                        let taken = tracker.take_snapshot(&mut live);
                        live.derived("storing a snapshot", taken);
                    }
                    if let Some(progress) = progress {
                        if event.seq % PROGRESS_EVERY == 0 {
                            progress(event.seq, head);
                        }
                    }
                }
                if let Some(progress) = progress {
                    progress(head, head);
                }
            }
        }
        let filled = tracker.fill_tallies(head);
        live.tallies = live
            .derived("filling in the tally checkpoints", filled)
            .unwrap_or(head);
        tracker.maybe_snapshot(&mut live);
        drop(live);
        Ok(tracker)
    }

    fn lock(&self) -> MutexGuard<'_, Live> {
        // The live state is only replaced by whole values, so a poisoned lock is still sound.
        self.live
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The underlying ledger (for reads, verification, export). Write through the tracker.
    pub fn ledger(&self) -> &Ledger {
        &self.ledger
    }

    /// Records one update after checking it against the plan (see [`Projection::check`]), as
    /// a trusted writer: the actor is the event's own, and no ownership rule applies (what an
    /// admin may do). Returns once durable. A retry of an already-recorded id returns the
    /// original without checking again. Callers acting for someone use [`Tracker::record_as`].
    pub fn record(&self, new: NewEvent) -> Result<Appended> {
        let mut all = self.record_batch(vec![new])?;
        all.pop()
            .ok_or_else(|| Error::InvalidEvent("nothing was recorded".into()))
    }

    /// Records several updates atomically as a trusted writer (see [`Tracker::record`]);
    /// returns once they are durable. Each is checked against the recorded state (durable or
    /// not yet) and the batch's earlier updates.
    ///
    /// Readers see an event only once it is durable: it is folded into the projection that
    /// queries read after the flush that made it durable, by the first recorder to return.
    pub fn record_batch(&self, batch: Vec<NewEvent>) -> Result<Vec<Appended>> {
        self.record_checked(None, batch, Checks::FirstRefusal)?
            .into_result()
    }

    /// Records one update for `identity`: its actor is the identity's unit (whatever `new`
    /// says), and the ownership rules of [`crate::policy`] are decided under the tracker's
    /// lock, in the same step as the plan's checks and the append, against the recorded state
    /// (durable or not yet). A refusal is [`Error::Forbidden`]. Returns once durable; a retry
    /// of an already-recorded id returns the original without checking again.
    pub fn record_as(&self, identity: &Identity, new: NewEvent) -> Result<Appended> {
        let mut all = self.record_batch_as(identity, vec![new])?;
        all.pop()
            .ok_or_else(|| Error::InvalidEvent("nothing was recorded".into()))
    }

    /// Records several updates atomically for `identity` (see [`Tracker::record_as`]).
    pub fn record_batch_as(
        &self,
        identity: &Identity,
        mut batch: Vec<NewEvent>,
    ) -> Result<Vec<Appended>> {
        for new in &mut batch {
            identity.unit().clone_into(&mut new.actor);
        }
        self.record_checked(Some(identity), batch, Checks::FirstRefusal)?
            .into_result()
    }

    /// Checks every event of `batch` (the ownership rules for `identity`, if given, then the
    /// plan's) and appends them, all under the lock; waits for durability outside it.
    /// How far the checks go and whether the batch is written: see [`Checks`].
    fn record_checked(
        &self,
        identity: Option<&Identity>,
        batch: Vec<NewEvent>,
        checks: Checks,
    ) -> Result<BatchOutcome> {
        let list_all = checks != Checks::FirstRefusal;
        let today = today();
        let mut live = self.lock();
        let mut unfolded = Unfolded::of(&live.written);
        let mut refusals = Vec::new();
        for (index, new) in batch.iter().enumerate() {
            let retry = match new.id {
                Some(id) => self.ledger.contains_id(id)?,
                None => false,
            };
            if retry {
                continue;
            }
            let named = self.named_by(&new.payload)?;
            let named = named.as_ref();
            let checked = match identity {
                Some(identity) => self.authorize(identity, &live.projection, &unfolded, new, named),
                None => Ok(()),
            }
            .and_then(|()| live.projection.check_with(new, today, &unfolded, named));
            match checked {
                Ok(()) => unfolded.add(&new.stream, new.id, &new.actor, &new.payload),
                Err(error) if list_all && error.is_refusal() => {
                    refusals.push(RefusedUpdate { index, error });
                }
                Err(error) => return Err(error),
            }
        }
        if !refusals.is_empty() {
            return Ok(BatchOutcome::Refused(refusals));
        }
        if checks == Checks::Only {
            return Ok(BatchOutcome::Checked);
        }
        let pending = self.ledger.write_batch(batch)?;
        live.written.extend(pending.events().cloned());
        drop(live);
        let outcome = pending.wait();
        self.fold_durable(&mut self.lock())?;
        outcome.map(BatchOutcome::Recorded)
    }

    /// Applies the ownership rules to `new` by `identity`, against `projection` and the events
    /// written but not folded (`unfolded`). For a correction, who recorded the corrected event
    /// comes from `unfolded` if it is not folded yet, else from `named`, that event as the
    /// ledger holds it.
    fn authorize(
        &self,
        identity: &Identity,
        projection: &Projection,
        unfolded: &Unfolded,
        new: &NewEvent,
        named: Option<&Event>,
    ) -> Result<()> {
        let catalog = projection.catalog();
        let place = indicator_id(new.stream.as_str())
            .and_then(|id| catalog.indicator(id))
            .map(|def| {
                let plan = catalog.plan(&def.plan);
                let item = catalog.item_of(def);
                (def, plan.zip(item))
            });
        let place = match place {
            None => None,
            Some((def, Some((plan, item)))) => Some(Place {
                plan,
                item,
                indicator: &def.spec.id,
            }),
            Some((def, None)) => {
                // A definition without its plan or item: no recorder owns it.
                return match identity.role() {
                    crate::policy::Role::Admin => Ok(()),
                    _ => Err(Error::Forbidden {
                        rule: policy::Rule::NotAUnitOfTheItem,
                        message: format!(
                            "{}: indicator {} has no item in a loaded plan; only an admin writes to it",
                            policy::Rule::NotAUnitOfTheItem.code(),
                            def.spec.id
                        ),
                    }),
                };
            }
        };
        let owner = match &new.payload {
            Payload::Corrected { corrects, .. }
                if identity.role() != crate::policy::Role::Admin =>
            {
                match unfolded.recorded_by(corrects) {
                    Some(actor) => Some(actor.to_owned()),
                    None => named.map(|event| event.actor.clone()),
                }
            }
            _ => None,
        };
        policy::authorize(identity, place, &new.payload, owner.as_deref())?;
        Ok(())
    }

    /// The event a correction names, as the ledger holds it (`None` for any other event, or
    /// if there is no such event): the live projection keeps no index of update ids, the
    /// ledger's id index (on disk) finds that event.
    fn named_by(&self, payload: &Payload) -> Result<Option<Event>> {
        match payload {
            Payload::Corrected { corrects, .. } => self.ledger.get_by_id(*corrects),
            _ => Ok(None),
        }
    }

    /// Folds `event` into `projection`, a projection without ids (see [`Tracker::named_by`]).
    fn fold(&self, projection: &mut Projection, event: &Event) -> Result<()> {
        let named = self.named_by(&event.payload)?;
        projection.apply_with(event, named.as_ref());
        Ok(())
    }

    /// Folds the written events that are durable now into the projection, in log order, and
    /// drops those that never will be (the ledger refuses writes after a failed one). An event
    /// whose fold fails (the event a correction names cannot be read) stays to be folded.
    fn fold_durable(&self, live: &mut Live) -> Result<()> {
        let durable = self.ledger.len();
        while let Some(event) = live.written.front().filter(|event| event.seq <= durable) {
            let named = self.named_by(&event.payload)?;
            if let Some(event) = live.written.pop_front() {
                Arc::make_mut(&mut live.projection).apply_with(&event, named.as_ref());
            }
        }
        if self.ledger.refuses_writes() {
            live.written.clear();
        }
        self.maybe_snapshot(live);
        Ok(())
    }

    /// Loads a plan: checks it ([`crate::plan::validate_plan`]), then writes atomically the
    /// events that make the ledger's definitions match it (see
    /// [`crate::plan::definition_events`]); nothing if they already do. Recorders wait while
    /// it runs, so that the definitions are computed from every recorded event.
    pub fn load_plan(&self, plan: &Plan, actor: &str) -> Result<Vec<Appended>> {
        self.load_plan_checked(plan, actor)
    }

    /// [`Tracker::load_plan`] for `identity`, whose unit is the actor: only an admin loads
    /// plans (see [`crate::policy`]).
    pub fn load_plan_as(&self, identity: &Identity, plan: &Plan) -> Result<Vec<Appended>> {
        policy::authorize(
            identity,
            None,
            &Payload::PlanDefined(Box::new(plan.clone())),
            None,
        )?;
        self.load_plan_checked(plan, identity.unit())
    }

    fn load_plan_checked(&self, plan: &Plan, actor: &str) -> Result<Vec<Appended>> {
        crate::plan::validate_plan(plan)?;
        let mut live = self.lock();
        self.ledger.sync()?;
        self.fold_durable(&mut live)?;
        let events = crate::plan::definition_events(live.projection.catalog(), plan, actor)?;
        if events.is_empty() {
            return Ok(Vec::new());
        }
        let written = self.ledger.write_batch(events)?;
        live.written.extend(written.events().cloned());
        let outcome = written.wait();
        self.fold_durable(&mut live)?;
        outcome
    }

    /// Stores a snapshot part once `snapshot_every` events were folded since the last one (it
    /// holds only the updates folded since then), and a tally checkpoint when one is due.
    ///
    /// Both are derived data: one that cannot be stored (a full disk, a directory that cannot
    /// be written) fails no append, whose events are durable all the same. The reason is kept
    /// for [`Tracker::derived_problem`]; a snapshot part is tried again `snapshot_every` events
    /// later (the next part must be based on the last one stored), a tally checkpoint at the
    /// next interval, and opening fills in those missing.
    fn maybe_snapshot(&self, live: &mut Live) {
        let seq = live.projection.seq();
        if seq >= live.snapshot.seq() + self.snapshot_every && seq >= live.snapshot_retry_at {
            let taken = self.take_snapshot(live);
            if live.derived("storing a snapshot", taken).is_some() {
                live.derived_problem = None;
            } else {
                live.snapshot_retry_at = seq.saturating_add(self.snapshot_every);
            }
        }
        if let Some(put) = self.maybe_put_tallies(live) {
            if live.derived("storing a tally checkpoint", put).is_some() {
                live.derived_problem = None;
            }
        }
    }

    /// Closes cleanly: stores a snapshot part of what was folded since the last one, so that
    /// the next opening folds no event, then closes the ledger ([`Ledger::close`]: everything
    /// durable, the index saved). A part that cannot be stored does not stop the close:
    /// [`Tracker::derived_problem`] says why, and the next opening folds the events after the
    /// last part stored; so does an event that cannot be folded, whose error is returned once
    /// the ledger is closed. Later calls on clones still work.
    pub fn close(&self) -> Result<()> {
        if !self.ledger.refuses_writes() {
            self.ledger.sync()?;
        }
        let folded = {
            let mut live = self.lock();
            let folded = self.fold_durable(&mut live);
            if folded.is_ok()
                && self.ledger.keeps_derived()
                && live.projection.seq() > live.snapshot.seq()
            {
                let taken = self.take_snapshot(&mut live);
                if live.derived("storing a snapshot", taken).is_some() {
                    live.derived_problem = None;
                }
            }
            folded
        };
        self.ledger.close()?;
        folded
    }

    /// Why the last projection snapshot or tally checkpoint could not be read or stored, if
    /// the last attempt failed. They are derived data: without them the ledger records and
    /// answers all the same, but opening and answers as recorded at a time fold more events.
    pub fn derived_problem(&self) -> Option<String> {
        self.lock().derived_problem.clone()
    }

    /// Stores a snapshot part of what was folded since the last one.
    fn take_snapshot(&self, live: &mut Live) -> Result<()> {
        let mut bytes = vec![SNAPSHOT_FORMAT];
        let part = live
            .projection
            .encode_snapshot(&live.snapshot)
            .map_err(|e| Error::InvalidEvent(format!("snapshot cannot be encoded: {e}")))?;
        bytes.extend_from_slice(&part);
        self.ledger.put_snapshot(live.projection.seq(), &bytes)?;
        live.snapshot = live.projection.snapshot_mark();
        Arc::make_mut(&mut live.projection).snapshot_taken();
        Ok(())
    }

    /// The projection held by the newest snapshot at or before `seq` and the chain of parts
    /// under it, with the mark of what they cover; `None` if there is none, the chain is
    /// unreadable, or it is of another history.
    fn snapshot_at(&self, seq: u64) -> Result<Option<(Projection, SnapshotMark)>> {
        let files = self.ledger.snapshot_files()?;
        match chain_at(seq, |at| files.at_or_before(at))? {
            Some(projection) => self.of_this_log(projection),
            None => Ok(None),
        }
    }

    /// `projection` and its mark if it is of this log: a snapshot of another history (a log
    /// restored, rewritten or cut short since) is not used, so the event it ends at must be in
    /// the log with the same hash.
    fn of_this_log(&self, projection: Projection) -> Result<Option<(Projection, SnapshotMark)>> {
        let head = projection.head();
        if self.ledger.get(head.seq)?.map(|event| event.head()) != Some(head) {
            return Ok(None);
        }
        let mark = projection.snapshot_mark();
        Ok(Some((projection, mark)))
    }

    /// The projection of the log up to `seq`, from the newest usable snapshot at or before it,
    /// and how many events had to be folded on top of that snapshot.
    pub fn projection_at(&self, seq: u64) -> Result<(Projection, u64)> {
        let start = self
            .snapshot_at(seq)?
            .map_or_else(Projection::without_ids, |(projection, _)| projection);
        self.fold_onto(start, seq)
    }

    fn fold_onto(&self, mut projection: Projection, seq: u64) -> Result<(Projection, u64)> {
        let mut folded = 0;
        if projection.seq() < seq {
            for event in self.ledger.events_from(projection.seq() + 1) {
                let event = event?;
                if event.seq > seq {
                    break;
                }
                self.fold(&mut projection, &event)?;
                folded += 1;
            }
        }
        Ok((projection, folded))
    }

    /// Rebuilds the projection from the first event, ignoring snapshots.
    pub fn rebuild(&self) -> Result<Projection> {
        let head = self.ledger.len();
        self.fold_onto(Projection::without_ids(), head)
            .map(|(p, _)| p)
    }

    /// A copy of the live projection.
    pub fn live_projection(&self) -> Projection {
        self.lock().projection.as_ref().clone()
    }

    /// The live projection as it is now, shared: taken under the tracker's lock, read outside
    /// it, so that a long read never holds up an append. (An append that folds while a reader
    /// holds it copies the projection first: its catalog and the states the fold changes, not
    /// the updates of the others.)
    pub fn shared_live(&self) -> Arc<Projection> {
        Arc::clone(&self.lock().projection)
    }

    /// Runs `f` on the live projection without copying it, outside the tracker's lock (see
    /// [`Tracker::shared_live`]).
    pub fn with_live<T>(&self, f: impl FnOnce(&Projection) -> T) -> T {
        f(&self.shared_live())
    }

    /// Runs `f` on the projection a query looks at: the live one (not copied), or the log as
    /// recorded at `as_of`. Either way outside the tracker's lock.
    fn at<T>(
        &self,
        as_of: Option<Timestamp>,
        f: impl FnOnce(&Projection) -> Result<T>,
    ) -> Result<T> {
        match as_of {
            None => f(&self.shared_live()),
            Some(time) => {
                let seq = self.ledger.seq_recorded_by(time)?;
                f(&self.projection_at(seq)?.0)
            }
        }
    }

    /// Progress of a plan, now, as recorded at a time, as effective on a date, or both.
    pub fn progress(&self, query: &ProgressQuery) -> Result<ProgressView> {
        if query.as_of.is_none() && query.effective.is_none() {
            return self.current_progress(query.plan.as_deref());
        }
        let schedule_date = query
            .effective
            .or_else(|| query.as_of.map(plan_date))
            .unwrap_or_else(today);
        if let (Some(time), None) = (query.as_of, query.effective) {
            let seq = self.ledger.seq_recorded_by(time)?;
            if let Some(projection) = self.recorded_totals(seq)? {
                let plan = pick_plan(&projection, query.plan.as_deref())?;
                return Ok(projection::progress_view(
                    &projection,
                    &plan,
                    None,
                    schedule_date,
                ));
            }
        }
        self.at(query.as_of, |projection| {
            let plan = pick_plan(projection, query.plan.as_deref())?;
            Ok(projection::progress_view(
                projection,
                &plan,
                query.effective,
                schedule_date,
            ))
        })
    }

    /// Progress now, computed on the live projection without copying it and outside the
    /// tracker's lock, and kept until the next append or the next day.
    fn current_progress(&self, plan: Option<&str>) -> Result<ProgressView> {
        let today = today();
        let projection = {
            let live = self.lock();
            let seq = live.projection.seq();
            if let Some((asked, date, view)) = &live.current_view {
                if asked.as_deref() == plan && *date == today && view.seq == seq {
                    return Ok(view.clone());
                }
            }
            Arc::clone(&live.projection)
        };
        let chosen = pick_plan(&projection, plan)?;
        let view = projection::progress_view(&projection, &chosen, None, today);
        let mut live = self.lock();
        let newer_kept = live
            .current_view
            .as_ref()
            .is_some_and(|(_, date, kept)| *date == today && kept.seq > view.seq);
        if !newer_kept {
            live.current_view = Some((plan.map(str::to_owned), today, view.clone()));
        }
        Ok(view)
    }

    /// The supervision report on `date`: everything recorded by `recorded_by` (`None`: now)
    /// that is effective on or before `date`.
    pub fn report(
        &self,
        plan: Option<&str>,
        date: Date,
        recorded_by: Option<Timestamp>,
    ) -> Result<Report> {
        self.at(recorded_by, |projection| {
            let plan = pick_plan(projection, plan)?;
            let view = projection::progress_view(projection, &plan, Some(date), date);
            Ok(projection::report(&view, &plan))
        })
    }

    /// Whether an event with this id is recorded (durable or not).
    pub fn contains(&self, id: Uuid) -> Result<bool> {
        self.ledger.contains_id(id)
    }
}

/// The plan a query names, or the only (first) plan.
fn pick_plan(projection: &Projection, id: Option<&str>) -> Result<Plan> {
    let catalog = projection.catalog();
    let plan = match id {
        Some(id) => catalog.plan(id),
        None => catalog.plans().next(),
    };
    plan.cloned().ok_or_else(|| Error::Plan {
        path: id.unwrap_or("(any)").to_owned(),
        reason: "no such plan is loaded in this ledger (at that time)".into(),
    })
}

/// The projection held by the newest chain of snapshot parts at or before `seq`, each part
/// found by `part_at_or_before`; `None` if there is none or the chain is unreadable. Whether it
/// is of this log is not checked here.
fn chain_at<B: AsRef<[u8]>>(
    seq: u64,
    mut part_at_or_before: impl FnMut(u64) -> Result<Option<(u64, B)>>,
) -> Result<Option<Projection>> {
    let mut parts = Vec::new();
    let mut at = seq;
    loop {
        let Some((found, bytes)) = part_at_or_before(at)? else {
            return Ok(None);
        };
        // A base must be stored at exactly its sequence number.
        if !parts.is_empty() && found != at {
            return Ok(None);
        }
        let base = match bytes.as_ref().split_first() {
            Some((&SNAPSHOT_FORMAT, part)) => projection::snapshot_base(part),
            _ => None,
        };
        let Some(base) = base.filter(|&base| base < found) else {
            return Ok(None);
        };
        parts.push(bytes);
        if base == 0 {
            break;
        }
        at = base;
    }
    let oldest_first: Vec<&[u8]> = parts
        .iter()
        .rev()
        .filter_map(|bytes| bytes.as_ref().get(1..))
        .collect();
    Ok(Projection::from_snapshots(&oldest_first))
}
