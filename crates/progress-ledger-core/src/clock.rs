//! The ledger's clock: recorded-at times that never go backwards.

use jiff::Timestamp;

/// Hands out strictly increasing timestamps at microsecond precision, even if the wall clock
/// steps back: each one is the later of "now" and the previous one plus a microsecond.
#[derive(Debug)]
pub struct MonotonicClock {
    last_micros: i64,
}

impl MonotonicClock {
    /// A clock whose next reading is later than `last` (the newest recorded-at in the ledger).
    pub fn starting_after(last: Option<Timestamp>) -> Self {
        Self {
            last_micros: last.map_or(i64::MIN, |t| t.as_microsecond()),
        }
    }

    /// The next reading, given the wall clock's `now`.
    pub fn next_after_wall(&mut self, now: Timestamp) -> Timestamp {
        let micros = now.as_microsecond().max(self.last_micros.saturating_add(1));
        self.last_micros = micros;
        // In range: `now` is valid and a microsecond past a valid recorded-at stays far below
        // jiff's maximum (year 9999).
        Timestamp::from_microsecond(micros).unwrap_or(now)
    }

    /// The next reading of the wall clock.
    pub fn next(&mut self) -> Timestamp {
        self.next_after_wall(Timestamp::now())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_goes_backwards_when_wall_clock_does() {
        let t0 = Timestamp::from_second(1_700_000_000).unwrap_or(Timestamp::UNIX_EPOCH);
        let mut clock = MonotonicClock::starting_after(Some(t0));
        let a = clock.next_after_wall(t0);
        let b = clock.next_after_wall(Timestamp::UNIX_EPOCH);
        let c = clock.next_after_wall(t0);
        assert!(a > t0);
        assert!(b > a);
        assert!(c > b);
        assert_eq!(c.as_microsecond() - a.as_microsecond(), 2);
    }
}
