//! The CLI's error: a message with the chain of causes, and how it ends the process.

use std::error::Error as StdError;
use std::fmt;

/// A failed command: what went wrong, and why (the source chain).
#[derive(Debug)]
pub struct Failure {
    message: String,
    source: Option<Box<dyn StdError + Send + Sync + 'static>>,
    /// Exit status to end with.
    pub code: u8,
}

impl Failure {
    /// A failure with a message and no cause; exit status 1.
    pub fn msg(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            source: None,
            code: 1,
        }
    }

    /// A failure that is not an error of the program but a finding (exit status `code`).
    pub fn finding(message: impl Into<String>, code: u8) -> Self {
        Self {
            message: message.into(),
            source: None,
            code,
        }
    }

    /// Replaces the message, keeping the cause (the old message becomes the first cause).
    pub fn with_message(mut self, message: impl Into<String>) -> Self {
        if self.source.is_none() {
            self.source = Some(Box::new(Plain(std::mem::take(&mut self.message))));
        }
        self.message = message.into();
        self
    }

    /// Whether the chain contains a broken pipe (the reader went away: not a failure).
    pub fn is_broken_pipe(&self) -> bool {
        let mut cause: Option<&(dyn StdError + 'static)> = self.source.as_deref().map(|e| e as _);
        while let Some(error) = cause {
            if let Some(io) = error.downcast_ref::<std::io::Error>()
                && io.kind() == std::io::ErrorKind::BrokenPipe
            {
                return true;
            }
            // serde_json's error does not chain to the I/O error it wraps.
            if let Some(json) = error.downcast_ref::<serde_json::Error>()
                && json.io_error_kind() == Some(std::io::ErrorKind::BrokenPipe)
            {
                return true;
            }
            cause = error.source();
        }
        false
    }

    /// The message and every cause, one per line.
    pub fn report(&self) -> String {
        let mut out = format!("error: {}", self.message);
        let mut cause: Option<&(dyn StdError + 'static)> = self.source.as_deref().map(|e| e as _);
        // An error converted with `?` is its own message: start the chain at its cause.
        if let Some(error) = cause.filter(|e| e.to_string() == self.message) {
            cause = error.source();
        }
        while let Some(error) = cause {
            out.push_str(&format!("\n  caused by: {error}"));
            cause = error.source();
        }
        out
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl<E: StdError + Send + Sync + 'static> From<E> for Failure {
    fn from(error: E) -> Self {
        Self {
            message: error.to_string(),
            source: Some(Box::new(error)),
            code: 1,
        }
    }
}

/// Result of a command.
pub type Outcome<T = ()> = Result<T, Failure>;

/// A message as an error, for [`Failure::with_message`].
#[derive(Debug)]
struct Plain(String);

impl fmt::Display for Plain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl StdError for Plain {}
