//! Helpers for the unit tests.

use std::str::FromStr;

use rust_decimal::Decimal;

/// The exact decimal written `text` (zero when it is not one).
pub(crate) fn dec(text: &str) -> Decimal {
    Decimal::from_str(text).unwrap_or_default()
}
