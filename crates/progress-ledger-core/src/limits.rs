//! The limits of what an event may hold, defined once.
//!
//! The ledger checks every append against them ([`check_new_event`]); the server checks its
//! requests with the same functions before anything else and states the same numbers in its
//! OpenAPI description (`maxLength`, `maximum`, `pattern`), and the command line goes through the
//! server's checks. Lengths of texts are counted in characters (Unicode scalar values), as JSON
//! Schema's `maxLength` counts them.
//!
//! ```
//! use progress_ledger_core::limits::{FieldProblem, TextField, MAX_NOTE_CHARS};
//!
//! assert!(TextField::Note.check("九月新增托位\n第二行").is_ok());
//! let long = "注".repeat(MAX_NOTE_CHARS + 1);
//! let error = TextField::Note.check(&long).unwrap_err();
//! assert!(matches!(
//!     error,
//!     progress_ledger_core::Error::InvalidField { problem: FieldProblem::TooLong { .. }, .. }
//! ));
//! ```

use std::fmt;

use crate::error::{Error, Result};
use crate::event::{NewEvent, Payload};

/// Longest plan or indicator id, in bytes. Ids are ASCII: a lowercase letter or digit, then
/// lowercase letters, digits, `-`, `_` and `.` (see [`crate::plan::is_valid_id`]).
pub const MAX_ID_LEN: usize = 100;
/// Longest note of an event, in characters.
pub const MAX_NOTE_CHARS: usize = 2000;
/// Longest reason (of a correction, a target revision or a retirement), in characters.
pub const MAX_REASON_CHARS: usize = 2000;
/// Longest district or deliverable name, in characters.
pub const MAX_NAME_CHARS: usize = 200;
/// Longest actor (the unit that records), in characters.
pub const MAX_ACTOR_CHARS: usize = 200;
/// Largest magnitude of a number in an update (a delta, a value, a target): a trillion, beyond
/// any figure of a city's plan. Larger numbers are rejected with
/// [`RejectCode::OutOfRange`](crate::RejectCode::OutOfRange).
pub const MAX_MAGNITUDE: i64 = 1_000_000_000_000;

/// The characters Rust's [`str::trim`] takes for white space (Unicode `White_Space`), so that
/// a description of "not blank" can name them.
pub const WHITE_SPACE: &[char] = &[
    '\t', '\n', '\u{b}', '\u{c}', '\r', ' ', '\u{85}', '\u{a0}', '\u{1680}', '\u{2000}',
    '\u{2001}', '\u{2002}', '\u{2003}', '\u{2004}', '\u{2005}', '\u{2006}', '\u{2007}', '\u{2008}',
    '\u{2009}', '\u{200a}', '\u{2028}', '\u{2029}', '\u{202f}', '\u{205f}', '\u{3000}',
];

/// A text field of an event, with its limits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TextField {
    /// Who records the event: 1 to [`MAX_ACTOR_CHARS`] characters, not blank, one line.
    Actor,
    /// The recorder's note: at most [`MAX_NOTE_CHARS`] characters; line breaks and tabs allowed.
    Note,
    /// Why (a correction, a target revision, a retirement): 1 to [`MAX_REASON_CHARS`]
    /// characters, not blank; line breaks and tabs allowed.
    Reason,
    /// A district: at most [`MAX_NAME_CHARS`] characters, one line.
    District,
    /// A deliverable: at most [`MAX_NAME_CHARS`] characters, one line.
    Deliverable,
}

impl TextField {
    /// The field's name, as in the API's requests.
    pub fn name(self) -> &'static str {
        match self {
            TextField::Actor => "actor",
            TextField::Note => "note",
            TextField::Reason => "reason",
            TextField::District => "district",
            TextField::Deliverable => "deliverable",
        }
    }

    /// Most characters the field may hold.
    pub fn max_chars(self) -> usize {
        match self {
            TextField::Actor => MAX_ACTOR_CHARS,
            TextField::Note => MAX_NOTE_CHARS,
            TextField::Reason => MAX_REASON_CHARS,
            TextField::District | TextField::Deliverable => MAX_NAME_CHARS,
        }
    }

    /// Whether the field may hold line breaks (`\n`, `\r`) and tabs.
    pub fn multiline(self) -> bool {
        matches!(self, TextField::Note | TextField::Reason)
    }

    /// Whether the field must hold a character that is not white space.
    pub fn required(self) -> bool {
        matches!(self, TextField::Actor | TextField::Reason)
    }

    /// Whether the field may hold `c`: any character but control characters (Unicode `Cc`),
    /// except line breaks and tabs in a multi-line field.
    pub fn allows(self, c: char) -> bool {
        !c.is_control() || (self.multiline() && matches!(c, '\n' | '\r' | '\t'))
    }

    /// Checks `text` against the field's limits.
    pub fn check(self, text: &str) -> Result<()> {
        let problem = if text.chars().any(|c| !self.allows(c)) {
            Some(FieldProblem::ControlCharacter)
        } else if self.required() && text.trim().is_empty() {
            Some(FieldProblem::Blank)
        } else {
            let chars = text.chars().count();
            (chars > self.max_chars()).then_some(FieldProblem::TooLong {
                chars,
                max: self.max_chars(),
            })
        };
        match problem {
            None => Ok(()),
            Some(problem) => Err(Error::InvalidField {
                field: self,
                problem,
            }),
        }
    }
}

impl fmt::Display for TextField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What is wrong with a text field.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FieldProblem {
    /// Longer than the field's limit.
    TooLong {
        /// Characters the text has.
        chars: usize,
        /// The field's limit.
        max: usize,
    },
    /// Empty or only white space, in a field that must say something.
    Blank,
    /// Holds a control character the field does not allow.
    ControlCharacter,
}

impl FieldProblem {
    /// snake_case name, as used in API error codes.
    pub fn as_str(self) -> &'static str {
        match self {
            FieldProblem::TooLong { .. } => "string_too_long",
            FieldProblem::Blank => "missing_field",
            FieldProblem::ControlCharacter => "invalid_text",
        }
    }
}

impl fmt::Display for FieldProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FieldProblem::TooLong { chars, max } => {
                write!(f, "is {chars} characters; the limit is {max}")
            }
            FieldProblem::Blank => f.write_str("is empty or only white space"),
            FieldProblem::ControlCharacter => f.write_str("contains control characters"),
        }
    }
}

/// Checks every text field of `new` (its actor, note, and the district, deliverable and reason
/// of its payload, a correction's replacement included) against its limits.
pub fn check_new_event(new: &NewEvent) -> Result<()> {
    TextField::Actor.check(&new.actor)?;
    if let Some(note) = &new.note {
        TextField::Note.check(note)?;
    }
    check_payload(&new.payload)
}

fn check_payload(payload: &Payload) -> Result<()> {
    match payload {
        Payload::ProgressReported { district, .. } | Payload::MeasurementTaken { district, .. } => {
            district
                .as_deref()
                .map_or(Ok(()), |d| TextField::District.check(d))
        }
        Payload::MilestoneReached { deliverable } => TextField::Deliverable.check(deliverable),
        Payload::Corrected {
            reason,
            replacement,
            ..
        } => {
            TextField::Reason.check(reason)?;
            replacement.as_deref().map_or(Ok(()), check_payload)
        }
        Payload::TargetRevised { reason, .. } | Payload::IndicatorRetired { reason } => {
            TextField::Reason.check(reason)
        }
        Payload::StatusChanged { .. }
        | Payload::PlanDefined(_)
        | Payload::IndicatorDefined { .. } => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problem(field: TextField, text: &str) -> Option<FieldProblem> {
        match field.check(text) {
            Ok(()) => None,
            Err(Error::InvalidField { problem, .. }) => Some(problem),
            Err(other) => panic!("unexpected error {other}"),
        }
    }

    #[test]
    fn lengths_are_counted_in_characters() {
        assert_eq!(problem(TextField::Note, &"注".repeat(MAX_NOTE_CHARS)), None);
        assert_eq!(
            problem(TextField::Note, &"注".repeat(MAX_NOTE_CHARS + 1)),
            Some(FieldProblem::TooLong {
                chars: MAX_NOTE_CHARS + 1,
                max: MAX_NOTE_CHARS
            })
        );
        assert_eq!(problem(TextField::District, &"区".repeat(200)), None);
        assert!(problem(TextField::Actor, &"x".repeat(201)).is_some());
    }

    #[test]
    fn line_breaks_only_where_a_field_is_multi_line() {
        assert_eq!(problem(TextField::Note, "a\nb\tc\r\n"), None);
        assert_eq!(problem(TextField::Reason, "a\nb"), None);
        for field in [
            TextField::District,
            TextField::Deliverable,
            TextField::Actor,
        ] {
            assert_eq!(
                problem(field, "蜀山\n区"),
                Some(FieldProblem::ControlCharacter)
            );
        }
        assert_eq!(
            problem(TextField::Note, "a\u{0}b"),
            Some(FieldProblem::ControlCharacter)
        );
        assert_eq!(
            problem(TextField::Note, "a\u{85}b"),
            Some(FieldProblem::ControlCharacter)
        );
    }

    #[test]
    fn required_fields_must_not_be_blank() {
        assert_eq!(problem(TextField::Reason, ""), Some(FieldProblem::Blank));
        assert_eq!(
            problem(TextField::Reason, " \u{3000}\n"),
            Some(FieldProblem::Blank)
        );
        assert_eq!(problem(TextField::Actor, " "), Some(FieldProblem::Blank));
        assert_eq!(problem(TextField::Note, ""), None);
        assert_eq!(problem(TextField::District, ""), None);
    }

    #[test]
    fn white_space_is_what_trim_takes() {
        for c in '\0'..=char::MAX {
            let trimmed = c.to_string().trim().is_empty();
            assert_eq!(WHITE_SPACE.contains(&c), trimmed, "{:?}", c);
        }
    }
}
