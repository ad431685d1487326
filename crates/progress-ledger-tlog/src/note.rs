//! C2SP signed notes (<https://c2sp.org/signed-note>) with Ed25519 signatures: a text, a blank
//! line, and one signature line per key.
//!
//! ```text
//! <text, ending in a newline>
//!
//! — <key name> base64(key ID ‖ signature)
//! ```
//!
//! The key ID of an Ed25519 key is the first four bytes, big-endian, of
//! `SHA-256(key name ‖ 0x0A ‖ 0x01 ‖ public key)`. Keys travel as text, the formats of Go's
//! `golang.org/x/mod/sumdb/note`:
//!
//! - verifier key (public): `<name>+<hex key ID>+base64(0x01 ‖ public key)`
//! - signer key (secret): `PRIVATE+KEY+<name>+<hex key ID>+base64(0x01 ‖ 32-byte seed)`
//!
//! Parsing is strict: a note must be valid UTF-8 without ASCII control characters other than
//! newline, end in a newline, have at least one signature line after its last blank line and
//! nothing but signature lines there, and every signature must be canonical base64 of at least
//! five bytes, by a valid key name. Verification follows the specification: signatures by
//! unknown keys are ignored; every signature by a known key must verify, or the note is
//! rejected; and at least one must be there.

use std::fmt;
use std::str::FromStr;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::{Signature as Ed25519Signature, Signer as _, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};

use crate::Error;

/// The signature type byte of Ed25519 in key IDs and keys.
pub const ALG_ED25519: u8 = 0x01;

/// The most signatures a note may carry (the specification asks verifiers to accept at least
/// 16; Go's implementation stops at 100, and so does this one).
pub const MAX_SIGNATURES: usize = 100;

/// The largest note accepted, in bytes.
pub const MAX_NOTE_BYTES: usize = 1 << 20;

const SIG_PREFIX: &str = "\u{2014} ";

/// The key ID of an Ed25519 key: `SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key)[:4]`, big-endian.
pub fn ed25519_key_id(name: &str, public_key: &[u8; 32]) -> u32 {
    let mut h = Sha256::new();
    h.update(name.as_bytes());
    h.update([b'\n', ALG_ED25519]);
    h.update(public_key);
    let d = h.finalize();
    u32::from_be_bytes([d[0], d[1], d[2], d[3]])
}

/// Whether `name` may name a key: non-empty, no Unicode white space, no `+`.
pub fn is_valid_key_name(name: &str) -> bool {
    !name.is_empty() && !name.chars().any(|c| c.is_whitespace() || c == '+')
}

fn check_key_name(name: &str) -> Result<(), Error> {
    if is_valid_key_name(name) {
        Ok(())
    } else {
        Err(Error::MalformedKey(format!(
            "key name {name:?} is empty or has a space or a plus sign"
        )))
    }
}

/// Splits `<name>+<8 hex digits>+<base64>` (the base64 may itself contain `+`).
fn split_key<'a>(key: &'a str, what: &str) -> Result<(&'a str, u32, Vec<u8>), Error> {
    let bad = |why: &str| Error::MalformedKey(format!("{what}: {why}"));
    let (name, rest) = key
        .split_once('+')
        .ok_or_else(|| bad("no '+' after the key name"))?;
    let (id_hex, b64) = rest
        .split_once('+')
        .ok_or_else(|| bad("no '+' after the key ID"))?;
    check_key_name(name)?;
    if id_hex.len() != 8
        || !id_hex
            .bytes()
            .all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f'))
    {
        return Err(bad(&format!(
            "key ID {id_hex:?} is not 8 lowercase hex digits"
        )));
    }
    let id = u32::from_str_radix(id_hex, 16).map_err(|_| bad("key ID is not hex"))?;
    let bytes = STANDARD
        .decode(b64)
        .map_err(|e| bad(&format!("key is not canonical base64: {e}")))?;
    Ok((name, id, bytes))
}

/// Takes `0x01 ‖ 32 bytes` apart.
fn ed25519_key_bytes(bytes: &[u8], what: &str) -> Result<[u8; 32], Error> {
    match bytes.split_first() {
        Some((&ALG_ED25519, key)) => <[u8; 32]>::try_from(key).map_err(|_| {
            Error::MalformedKey(format!(
                "{what}: Ed25519 key of {} bytes, expected 32",
                key.len()
            ))
        }),
        Some((alg, _)) => Err(Error::MalformedKey(format!(
            "{what}: signature type {alg:#04x} is not supported (only Ed25519, 0x01)"
        ))),
        None => Err(Error::MalformedKey(format!("{what}: empty key"))),
    }
}

/// A public key that checks signatures: a C2SP verifier key.
#[derive(Clone, PartialEq, Eq)]
pub struct Verifier {
    name: String,
    key_id: u32,
    key: VerifyingKey,
}

impl Verifier {
    /// Parses a verifier key `<name>+<hex key ID>+base64(0x01 ‖ public key)`, checking that the
    /// key ID is the one the name and key give.
    pub fn from_vkey(vkey: &str) -> Result<Verifier, Error> {
        let (name, id, bytes) = split_key(vkey, "verifier key")?;
        let pk = ed25519_key_bytes(&bytes, "verifier key")?;
        let v = Verifier::new_ed25519(name, &pk)?;
        if v.key_id != id {
            return Err(Error::MalformedKey(format!(
                "verifier key: key ID {id:08x} does not match the name and key, which give {:08x}",
                v.key_id
            )));
        }
        Ok(v)
    }

    /// A verifier for an Ed25519 public key under `name`.
    pub fn new_ed25519(name: &str, public_key: &[u8; 32]) -> Result<Verifier, Error> {
        check_key_name(name)?;
        let key = VerifyingKey::from_bytes(public_key).map_err(|_| {
            Error::MalformedKey("verifier key: not a valid Ed25519 public key".into())
        })?;
        Ok(Verifier {
            name: name.to_owned(),
            key_id: ed25519_key_id(name, public_key),
            key,
        })
    }

    /// The key name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The key ID.
    pub fn key_id(&self) -> u32 {
        self.key_id
    }

    /// The 32-byte Ed25519 public key.
    pub fn public_key(&self) -> [u8; 32] {
        self.key.to_bytes()
    }

    /// The verifier key text (`Display` gives the same).
    pub fn vkey(&self) -> String {
        let mut material = vec![ALG_ED25519];
        material.extend_from_slice(self.key.as_bytes());
        format!(
            "{}+{:08x}+{}",
            self.name,
            self.key_id,
            STANDARD.encode(material)
        )
    }

    /// Whether `signature` (without the key ID) is this key's Ed25519 signature of `message`.
    /// Uses `verify_strict`: non-canonical signatures and weak keys fail.
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        match Ed25519Signature::from_slice(signature) {
            Ok(sig) => self.key.verify_strict(message, &sig).is_ok(),
            Err(_) => false,
        }
    }
}

impl FromStr for Verifier {
    type Err = Error;
    fn from_str(s: &str) -> Result<Verifier, Error> {
        Verifier::from_vkey(s)
    }
}

impl fmt::Display for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.vkey())
    }
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Verifier({})", self.vkey())
    }
}

/// A secret key that signs notes. `Debug` shows only its name and key ID.
#[derive(Clone)]
pub struct Signer {
    name: String,
    key_id: u32,
    key: SigningKey,
}

impl Signer {
    /// Parses a signer key `PRIVATE+KEY+<name>+<hex key ID>+base64(0x01 ‖ seed)`, checking the
    /// key ID against the public key the seed gives.
    pub fn from_skey(skey: &str) -> Result<Signer, Error> {
        let rest = skey.strip_prefix("PRIVATE+KEY+").ok_or_else(|| {
            Error::MalformedKey("signer key: does not start with PRIVATE+KEY+".into())
        })?;
        let (name, id, bytes) = split_key(rest, "signer key")?;
        let seed = ed25519_key_bytes(&bytes, "signer key")?;
        let s = Signer::from_seed(name, &seed)?;
        if s.key_id != id {
            return Err(Error::MalformedKey(format!(
                "signer key: key ID {id:08x} does not match the name and key, which give {:08x}",
                s.key_id
            )));
        }
        Ok(s)
    }

    /// The signer of an Ed25519 key made from a 32-byte seed (RFC 8032 private key).
    pub fn from_seed(name: &str, seed: &[u8; 32]) -> Result<Signer, Error> {
        check_key_name(name)?;
        let key = SigningKey::from_bytes(seed);
        let key_id = ed25519_key_id(name, key.verifying_key().as_bytes());
        Ok(Signer {
            name: name.to_owned(),
            key_id,
            key,
        })
    }

    /// A new key under `name`, from 32 bytes of the operating system's randomness (`getrandom`).
    pub fn generate(name: &str) -> Result<Signer, Error> {
        let mut seed = [0u8; 32];
        getrandom::fill(&mut seed).map_err(|e| Error::Randomness(e.to_string()))?;
        let signer = Signer::from_seed(name, &seed);
        seed.fill(0);
        signer
    }

    /// The key name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The key ID.
    pub fn key_id(&self) -> u32 {
        self.key_id
    }

    /// The signer key text. It is the secret: keep it out of logs.
    pub fn skey(&self) -> String {
        let mut material = vec![ALG_ED25519];
        material.extend_from_slice(self.key.as_bytes());
        format!(
            "PRIVATE+KEY+{}+{:08x}+{}",
            self.name,
            self.key_id,
            STANDARD.encode(material)
        )
    }

    /// The matching verifier (public key).
    pub fn verifier(&self) -> Verifier {
        Verifier {
            name: self.name.clone(),
            key_id: self.key_id,
            key: self.key.verifying_key(),
        }
    }

    /// The 64-byte Ed25519 signature of `message`.
    pub fn sign(&self, message: &[u8]) -> [u8; 64] {
        self.key.sign(message).to_bytes()
    }
}

impl fmt::Debug for Signer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Signer({}+{:08x})", self.name, self.key_id)
    }
}

/// One signature line of a note.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteSignature {
    /// The key name.
    pub name: String,
    /// The key ID (first four bytes of the decoded signature).
    pub key_id: u32,
    /// The signature after the key ID (64 bytes for Ed25519; other types may differ).
    pub signature: Vec<u8>,
}

impl NoteSignature {
    /// The line as it appears in a note, newline included.
    pub fn line(&self) -> String {
        let mut raw = self.key_id.to_be_bytes().to_vec();
        raw.extend_from_slice(&self.signature);
        format!("{SIG_PREFIX}{} {}\n", self.name, STANDARD.encode(raw))
    }
}

/// A signed note: its text and its signatures, in order.
///
/// [`Note::parse`] only checks the syntax; the text means nothing until [`Note::verify`] (or
/// [`open`]) has checked a signature by a trusted key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    text: String,
    signatures: Vec<NoteSignature>,
}

fn check_text(text: &str) -> Result<(), Error> {
    if let Some(c) = text.chars().find(|&c| c < ' ' && c != '\n') {
        return Err(Error::MalformedNote(format!(
            "control character U+{:04X} (only newlines are allowed)",
            u32::from(c)
        )));
    }
    if !text.ends_with('\n') {
        return Err(Error::MalformedNote(
            "the text does not end in a newline".into(),
        ));
    }
    Ok(())
}

impl Note {
    /// An unsigned note with this text, which must end in a newline and contain no ASCII control
    /// characters other than newlines.
    pub fn new(text: impl Into<String>) -> Result<Note, Error> {
        let text = text.into();
        check_text(&text)?;
        Ok(Note {
            text,
            signatures: Vec::new(),
        })
    }

    /// Parses a signed note without verifying it (see [`Note::verify`]).
    pub fn parse(msg: &[u8]) -> Result<Note, Error> {
        let malformed = |why: &str| Error::MalformedNote(why.to_owned());
        if msg.len() > MAX_NOTE_BYTES {
            return Err(Error::MalformedNote(format!(
                "{} bytes, more than the {MAX_NOTE_BYTES} accepted",
                msg.len()
            )));
        }
        let msg = std::str::from_utf8(msg).map_err(|e| {
            Error::MalformedNote(format!("not UTF-8 (at byte {})", e.valid_up_to()))
        })?;
        check_text(msg)?;
        let split = msg
            .rfind("\n\n")
            .ok_or_else(|| malformed("no blank line before the signatures"))?;
        let (text, sigs) = (&msg[..split + 1], &msg[split + 2..]);
        if sigs.is_empty() {
            return Err(malformed("no signature after the blank line"));
        }
        let mut signatures = Vec::new();
        // `sigs` ends in a newline (checked above), so every line is complete.
        for line in sigs.strip_suffix('\n').unwrap_or(sigs).split('\n') {
            if signatures.len() == MAX_SIGNATURES {
                return Err(Error::MalformedNote(format!(
                    "more than {MAX_SIGNATURES} signatures"
                )));
            }
            signatures.push(parse_signature_line(line)?);
        }
        Ok(Note {
            text: text.to_owned(),
            signatures,
        })
    }

    /// The text, final newline included, blank line excluded.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The signatures, in the order of their lines.
    pub fn signatures(&self) -> &[NoteSignature] {
        &self.signatures
    }

    /// Adds `signer`'s signature of the text, replacing one by the same key name and ID; new
    /// signatures go last.
    pub fn sign(&mut self, signer: &Signer) {
        self.signatures
            .retain(|s| !(s.name == signer.name && s.key_id == signer.key_id));
        self.signatures.push(NoteSignature {
            name: signer.name.clone(),
            key_id: signer.key_id,
            signature: signer.sign(self.text.as_bytes()).to_vec(),
        });
    }

    /// The encoded note: text, blank line, signature lines. (A note without signatures encodes
    /// to a text and a blank line, which [`Note::parse`] rejects: sign it first.)
    pub fn to_bytes(&self) -> Vec<u8> {
        self.to_string().into_bytes()
    }

    /// Checks the signatures against the known keys `verifiers` and returns the keys whose
    /// signatures verified, in signature order.
    ///
    /// Signatures whose name and key ID match no known key are ignored. Every one that matches
    /// must verify ([`Error::InvalidSignature`] otherwise), and at least one must match
    /// ([`Error::UnverifiedNote`] otherwise). Two known keys with the same name and ID but
    /// different public keys are [`Error::AmbiguousKey`] when a signature names them.
    pub fn verify<'v>(&self, verifiers: &'v [Verifier]) -> Result<Vec<&'v Verifier>, Error> {
        let mut verified: Vec<&Verifier> = Vec::new();
        for sig in &self.signatures {
            let mut matching = verifiers
                .iter()
                .filter(|v| v.name == sig.name && v.key_id == sig.key_id);
            let Some(v) = matching.next() else {
                continue;
            };
            if matching.any(|other| other.key != v.key) {
                return Err(Error::AmbiguousKey {
                    name: sig.name.clone(),
                    key_id: sig.key_id,
                });
            }
            if !v.verify(self.text.as_bytes(), &sig.signature) {
                return Err(Error::InvalidSignature {
                    name: sig.name.clone(),
                    key_id: sig.key_id,
                });
            }
            if !verified
                .iter()
                .any(|known| known.key == v.key && known.name == v.name)
            {
                verified.push(v);
            }
        }
        if verified.is_empty() {
            return Err(Error::UnverifiedNote {
                signed_by: self
                    .signatures
                    .iter()
                    .map(|s| format!("{}+{:08x}", s.name, s.key_id))
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        }
        Ok(verified)
    }
}

impl fmt::Display for Note {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)?;
        f.write_str("\n")?;
        for s in &self.signatures {
            f.write_str(&s.line())?;
        }
        Ok(())
    }
}

fn parse_signature_line(line: &str) -> Result<NoteSignature, Error> {
    let bad = |why: String| Error::MalformedNote(format!("signature line {line:?}: {why}"));
    let rest = line
        .strip_prefix(SIG_PREFIX)
        .ok_or_else(|| bad("does not start with an em dash and a space".into()))?;
    let (name, b64) = rest
        .split_once(' ')
        .ok_or_else(|| bad("no space between key name and signature".into()))?;
    if !is_valid_key_name(name) {
        return Err(bad("invalid key name".into()));
    }
    let raw = STANDARD
        .decode(b64)
        .map_err(|e| bad(format!("signature is not canonical base64: {e}")))?;
    if raw.len() < 5 {
        return Err(bad(format!(
            "{} bytes, fewer than a key ID and a signature",
            raw.len()
        )));
    }
    Ok(NoteSignature {
        name: name.to_owned(),
        key_id: u32::from_be_bytes([raw[0], raw[1], raw[2], raw[3]]),
        signature: raw[4..].to_vec(),
    })
}

/// Parses `msg` and verifies it against `verifiers` (see [`Note::verify`]).
pub fn open(msg: &[u8], verifiers: &[Verifier]) -> Result<Note, Error> {
    let note = Note::parse(msg)?;
    note.verify(verifiers)?;
    Ok(note)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_names() {
        assert!(is_valid_key_name("example.com/log42"));
        assert!(is_valid_key_name("合肥.example/台账"));
        for bad in [
            "",
            "a b",
            "a+b",
            "a\u{00a0}b",
            "a\u{3000}b",
            "a\tb",
            "a\u{2028}b",
        ] {
            assert!(!is_valid_key_name(bad), "{bad:?}");
        }
    }

    #[test]
    fn signer_debug_hides_the_secret() {
        let s = Signer::from_seed("k", &[7; 32]).expect("valid name");
        let shown = format!("{s:?}");
        assert!(!shown.contains(&s.skey()[20..]), "{shown}");
        assert!(shown.starts_with("Signer(k+"));
    }

    #[test]
    fn generated_keys_round_trip() {
        let s = Signer::generate("example.com/log").expect("randomness");
        let s2 = Signer::from_skey(&s.skey()).expect("own key parses");
        assert_eq!(s2.verifier(), s.verifier());
        let v = Verifier::from_vkey(&s.verifier().vkey()).expect("own key parses");
        assert_eq!(v, s.verifier());
        assert!(v.verify(b"hi", &s.sign(b"hi")));
        assert!(!v.verify(b"ho", &s.sign(b"hi")));
        assert!(!v.verify(b"hi", &[0; 63]));
    }
}
