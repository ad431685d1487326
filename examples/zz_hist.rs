use progress_ledger::{LedgerConfig, Tracker, TrackerConfig};
use std::time::Instant;
fn main() {
    let path = std::env::args().nth(1).expect("path");
    let tracker = Tracker::open_with(TrackerConfig {
        ledger: LedgerConfig::new(&path),
        snapshot_every: 1_000_000,
        tallies_every: TrackerConfig::DEFAULT_TALLIES_EVERY,
        rebuild_progress: None,
    })
    .expect("open");
    let t = Instant::now();
    for _ in 0..30 {
        std::hint::black_box(
            tracker
                .history("t02-1-childcare-seats")
                .expect("history")
                .len(),
        );
    }
    println!("history {:?}", t.elapsed() / 30);
}
