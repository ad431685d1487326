//! C2SP checkpoints (<https://c2sp.org/tlog-checkpoint>): the signed tree head as a note text.
//!
//! ```text
//! <origin>
//! <tree size, decimal, no leading zeros>
//! <root hash, base64>
//! [extension lines…]
//! ```

use std::fmt;

use crate::Error;
use crate::hash::Hash;
use crate::note::{Note, Signer, Verifier};

/// A checkpoint: which log, how many leaves, which root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    origin: String,
    size: u64,
    root: Hash,
    extensions: Vec<String>,
}

fn check_line(line: &str, what: &str) -> Result<(), Error> {
    if line.is_empty() {
        return Err(Error::MalformedCheckpoint(format!("empty {what}")));
    }
    if let Some(c) = line.chars().find(|&c| c < ' ') {
        return Err(Error::MalformedCheckpoint(format!(
            "{what} {line:?} has control character U+{:04X}",
            u32::from(c)
        )));
    }
    Ok(())
}

impl Checkpoint {
    /// A checkpoint without extension lines. The origin must be one non-empty line without
    /// control characters (the specification recommends a schema-less URL such as
    /// `example.com/log42`, without spaces or `+`).
    pub fn new(origin: impl Into<String>, size: u64, root: Hash) -> Result<Checkpoint, Error> {
        let origin = origin.into();
        check_line(&origin, "origin")?;
        Ok(Checkpoint {
            origin,
            size,
            root,
            extensions: Vec::new(),
        })
    }

    /// The same checkpoint with these extension lines (each non-empty; their use is NOT
    /// RECOMMENDED by the specification, as monitors cannot audit them).
    pub fn with_extensions(mut self, extensions: Vec<String>) -> Result<Checkpoint, Error> {
        for e in &extensions {
            check_line(e, "extension line")?;
        }
        self.extensions = extensions;
        Ok(self)
    }

    /// Parses a checkpoint's note text, strictly: three or more non-empty lines, each ending in
    /// a newline; a size without sign or leading zeros that fits in 64 bits; canonical base64
    /// of exactly 32 bytes.
    pub fn parse(text: &str) -> Result<Checkpoint, Error> {
        let body = text.strip_suffix('\n').ok_or_else(|| {
            Error::MalformedCheckpoint("the text does not end in a newline".into())
        })?;
        let mut lines = body.split('\n');
        let mut next = |what: &str| {
            lines
                .next()
                .ok_or_else(|| Error::MalformedCheckpoint(format!("no {what} line")))
        };
        let (origin, size, root) = (next("origin")?, next("tree size")?, next("root hash")?);
        check_line(origin, "origin")?;
        check_line(size, "tree size")?;
        check_line(root, "root hash")?;
        let size = parse_size(size)?;
        let root = Hash::from_base64(root)
            .map_err(|e| Error::MalformedCheckpoint(format!("root hash: {e}")))?;
        let extensions = lines.map(str::to_owned).collect::<Vec<_>>();
        Checkpoint {
            origin: origin.to_owned(),
            size,
            root,
            extensions: Vec::new(),
        }
        .with_extensions(extensions)
    }

    /// Opens a signed checkpoint: verifies the note against `verifiers` (see [`Note::verify`])
    /// and parses its text.
    pub fn open(msg: &[u8], verifiers: &[Verifier]) -> Result<(Checkpoint, Note), Error> {
        let note = crate::note::open(msg, verifiers)?;
        Ok((Checkpoint::parse(note.text())?, note))
    }

    /// Signs the checkpoint: a note with its text and `signer`'s signature.
    pub fn sign(&self, signer: &Signer) -> Note {
        // The text is valid by construction: lines without control characters, final newline.
        let mut note = match Note::new(self.to_text()) {
            Ok(note) => note,
            Err(e) => unreachable!("a checkpoint's text is a valid note text: {e}"),
        };
        note.sign(signer);
        note
    }

    /// The note text (`Display` gives the same).
    pub fn to_text(&self) -> String {
        self.to_string()
    }

    /// The origin line: which log.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The tree size.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The root hash of the tree of that size.
    pub fn root(&self) -> Hash {
        self.root
    }

    /// The extension lines, if any.
    pub fn extensions(&self) -> &[String] {
        &self.extensions
    }
}

fn parse_size(s: &str) -> Result<u64, Error> {
    let bad = |why: &str| Error::MalformedCheckpoint(format!("tree size {s:?} {why}"));
    if !s.bytes().all(|c| c.is_ascii_digit()) {
        return Err(bad("is not a decimal number"));
    }
    if s.len() > 1 && s.starts_with('0') {
        return Err(bad("has a leading zero"));
    }
    s.parse().map_err(|_| bad("does not fit in 64 bits"))
}

impl fmt::Display for Checkpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{}\n{}\n{}",
            self.origin,
            self.size,
            self.root.to_base64()
        )?;
        for e in &self.extensions {
            writeln!(f, "{e}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::EMPTY_ROOT;

    #[test]
    fn round_trip_with_extensions() {
        let c = Checkpoint::new("example.com/log", 0, EMPTY_ROOT)
            .and_then(|c| c.with_extensions(vec!["a b".into(), "+c".into()]))
            .expect("valid");
        let text = c.to_text();
        assert_eq!(
            text,
            "example.com/log\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\na b\n+c\n"
        );
        assert_eq!(Checkpoint::parse(&text).ok(), Some(c));
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size("0").ok(), Some(0));
        assert_eq!(parse_size("18446744073709551615").ok(), Some(u64::MAX));
        for bad in [
            "",
            "00",
            "01",
            "+1",
            "-1",
            " 1",
            "1 ",
            "1e3",
            "0x10",
            "18446744073709551616",
            "١",
        ] {
            assert!(parse_size(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn constructors_refuse_bad_lines() {
        assert!(Checkpoint::new("", 1, EMPTY_ROOT).is_err());
        assert!(Checkpoint::new("a\nb", 1, EMPTY_ROOT).is_err());
        let c = Checkpoint::new("a", 1, EMPTY_ROOT).expect("valid");
        assert!(c.clone().with_extensions(vec![String::new()]).is_err());
        assert!(c.with_extensions(vec!["x\ny".into()]).is_err());
    }
}
