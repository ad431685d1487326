//! The data directory: where the ledger and the tokens are, opening them with clear errors, and
//! the plan loaded when the ledger has none.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use progress_ledger_core::plan::Plan;
use progress_ledger_core::{Ledger, Tracker, TrackerConfig};

use crate::failure::{Failure, Outcome};
use crate::progress;

/// The ledger's directory inside the data directory.
pub fn ledger_path(data: &Path) -> PathBuf {
    data.join("ledger")
}

fn open_error(data: &Path, error: progress_ledger_core::Error) -> Failure {
    if let progress_ledger_core::Error::Locked { .. } = error {
        Failure::msg(format!(
            "the ledger in {} is open in another process (is `progress-ledger serve` running? use its HTTP API while it runs)",
            data.display()
        ))
    } else {
        let message = format!("cannot open the ledger in {}", data.display());
        Failure::from(error).with_message(message)
    }
}

/// Opens the tracker (ledger and projection) of a data directory, creating it if needed. A
/// projection rebuilt from the log shows a progress bar.
pub fn open_tracker(data: &Path) -> Outcome<Tracker> {
    std::fs::create_dir_all(data)
        .map_err(|e| Failure::from(e).with_message(format!("cannot create {}", data.display())))?;
    let mut config = TrackerConfig::new(ledger_path(data));
    let bar = progress::events("rebuilding the projection", 0);
    if !bar.is_hidden() {
        let shown = bar.clone();
        config.rebuild_progress = Some(Arc::new(move |done, total| {
            shown.set_length(total);
            shown.set_position(done);
        }));
    }
    let tracker = Tracker::open_with(config).map_err(|e| open_error(data, e));
    bar.finish_and_clear();
    tracker
}

/// Opens only the ledger (for verify, export, import: no projection is built).
pub fn open_ledger(data: &Path) -> Outcome<Ledger> {
    std::fs::create_dir_all(data)
        .map_err(|e| Failure::from(e).with_message(format!("cannot create {}", data.display())))?;
    Ledger::open(ledger_path(data)).map_err(|e| open_error(data, e))
}

/// Opens the ledger of an existing data directory for reading only: nothing is written.
pub fn open_read_only(data: &Path) -> Outcome<Ledger> {
    if !ledger_path(data).exists() {
        return Err(Failure::msg(format!(
            "there is no ledger in {}",
            data.display()
        )));
    }
    Ledger::open_read_only(ledger_path(data)).map_err(|e| open_error(data, e))
}

/// Opens the tracker of an existing data directory (reads should not create one).
pub fn open_existing(data: &Path) -> Outcome<Tracker> {
    if !ledger_path(data).exists() {
        return Err(Failure::msg(format!(
            "there is no ledger in {} (run `progress-ledger serve` once, or pass --data)",
            data.display()
        )));
    }
    open_tracker(data)
}

/// Reads and checks a plan file (or the `plan.toml` of a plan folder).
pub fn read_plan_file(path: &Path) -> Outcome<Plan> {
    progress_ledger_core::plan::load_plan_file(path).map_err(|e| {
        Failure::from(e).with_message(format!("cannot use the plan {}", path.display()))
    })
}

/// The plan `serve` loads into a ledger that has none: the Hefei 2023 plan, embedded.
pub fn default_plan() -> Outcome<Plan> {
    progress_ledger_core::plan::hefei_2023()
        .map_err(|e| Failure::from(e).with_message("the built-in Hefei 2023 plan cannot be read"))
}
