//! Progress bars on stderr for long work: export, import, verify, a projection rebuilt at open,
//! `plan import`, and a sheet recorded with `record --from`. They are drawn only when stderr is
//! a terminal and the command does not print JSON; `main` decides that once, before the command
//! runs ([`show_progress`]).

use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

/// Whether progress bars are drawn.
static SHOWN: AtomicBool = AtomicBool::new(false);

/// Draws progress bars from now on if stderr is a terminal, unless the command prints JSON.
pub fn show_progress(prints_json: bool) {
    SHOWN.store(
        !prints_json && std::io::stderr().is_terminal(),
        Ordering::Relaxed,
    );
}

/// A bar of `total` events (0: set later), labelled `what`; hidden unless progress is shown.
pub fn events(what: &'static str, total: u64) -> ProgressBar {
    if !SHOWN.load(Ordering::Relaxed) {
        return ProgressBar::hidden();
    }
    ProgressBar::new(total)
        .with_style(style(
            "{msg} [{wide_bar}] {human_pos}/{human_len} events, {eta} left",
        ))
        .with_message(what)
}

/// A bar of `total` rows of a sheet, labelled `what`; hidden unless progress is shown.
pub fn rows(what: &'static str, total: u64) -> ProgressBar {
    if !SHOWN.load(Ordering::Relaxed) {
        return ProgressBar::hidden();
    }
    ProgressBar::new(total)
        .with_style(style(
            "{msg} [{wide_bar}] {human_pos}/{human_len} rows, {eta} left",
        ))
        .with_message(what)
}

/// A spinner for work of unknown length, labelled `what`, that counts the events it is told
/// of; hidden unless progress is shown.
pub fn spinner(what: impl Into<String>) -> ProgressBar {
    if !SHOWN.load(Ordering::Relaxed) {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new_spinner()
        .with_style(style("{spinner} {msg} {human_pos} events ({elapsed})"))
        .with_message(what.into());
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}

/// A spinner for work that counts nothing, labelled `what`; hidden unless progress is shown.
pub fn working(what: impl Into<String>) -> ProgressBar {
    let bar = spinner(what);
    bar.set_style(style("{spinner} {msg} ({elapsed})"));
    bar
}

fn style(template: &str) -> ProgressStyle {
    // The templates are constants of this module; a bad one would fall back to the default.
    ProgressStyle::with_template(template).unwrap_or_else(|_| ProgressStyle::default_bar())
}
