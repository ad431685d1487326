//! The stored form of an event, and the canonical bytes its hash covers.
//!
//! A stored event is `canonical ‖ hash`, where `canonical` is one format-version byte followed by
//! the bincode encoding of the envelope and payload (everything but the hash, `prev_hash`
//! included), and `hash` is the 32-byte SHA-256 of `canonical`.
//!
//! Format version 1 uses bincode 1.3 `DefaultOptions`: varint integers, little endian, trailing
//! bytes rejected, and a size limit on decode. Decoding a version this build does not know is an
//! error, never a guess. A ledger written today stays readable after the payload enum grows,
//! because new variants are only appended; any other change to the stored types needs a new
//! version byte and a decoder for the old one kept here.

use bincode::Options;
use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::event::{Event, Payload, StreamId};
use crate::hash::Hash;

/// Format version written by this build.
pub const FORMAT_VERSION: u8 = 1;

/// Largest stored event accepted, in bytes (a plan definition is the largest kind).
pub const MAX_EVENT_BYTES: u64 = 4 * 1024 * 1024;

const HASH_LEN: usize = 32;

fn options() -> impl Options {
    bincode::DefaultOptions::new().with_limit(MAX_EVENT_BYTES)
}

/// Why stored bytes could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecodeError {
    /// Shorter than a version byte and a hash.
    TooShort(usize),
    /// A format version this build cannot read.
    UnsupportedVersion(u8),
    /// The bytes do not decode as an event of the declared version.
    Malformed(String),
}

impl std::fmt::Display for DecodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DecodeError::TooShort(len) => write!(f, "only {len} bytes stored"),
            DecodeError::UnsupportedVersion(v) => write!(
                f,
                "format version {v} is not supported by this build (it reads version {FORMAT_VERSION})"
            ),
            DecodeError::Malformed(why) => write!(f, "malformed event bytes: {why}"),
        }
    }
}

#[derive(Serialize)]
struct BodyRef<'a> {
    seq: u64,
    id: Uuid,
    stream: &'a StreamId,
    version: u64,
    #[serde(with = "timestamp")]
    recorded_at: Timestamp,
    #[serde(with = "date")]
    effective: Date,
    actor: &'a str,
    note: &'a Option<String>,
    payload: &'a Payload,
    prev_hash: Hash,
}

#[derive(Deserialize)]
struct Body {
    seq: u64,
    id: Uuid,
    stream: StreamId,
    version: u64,
    #[serde(with = "timestamp")]
    recorded_at: Timestamp,
    #[serde(with = "date")]
    effective: Date,
    actor: String,
    note: Option<String>,
    payload: Payload,
    prev_hash: Hash,
}

/// The canonical bytes of an event: the format-version byte and the encoded body, without the
/// hash. The event's hash is SHA-256 of exactly these bytes.
pub fn canonical_bytes(event: &Event) -> Result<Vec<u8>, crate::Error> {
    let body = BodyRef {
        seq: event.seq,
        id: event.id,
        stream: &event.stream,
        version: event.version,
        recorded_at: event.recorded_at,
        effective: event.effective,
        actor: &event.actor,
        note: &event.note,
        payload: &event.payload,
        prev_hash: event.prev_hash,
    };
    let mut out = vec![FORMAT_VERSION];
    options()
        .serialize_into(&mut out, &body)
        .map_err(|e| crate::Error::InvalidEvent(format!("event cannot be encoded: {e}")))?;
    Ok(out)
}

/// Fills in `event.hash` from its canonical bytes and returns the stored form.
pub fn seal(event: &mut Event) -> Result<Vec<u8>, crate::Error> {
    let mut bytes = canonical_bytes(event)?;
    event.hash = Hash::of(&bytes);
    bytes.extend_from_slice(&event.hash.0);
    Ok(bytes)
}

/// Decodes a stored event. The stored hash is returned as is; checking it is `verify`'s job.
pub fn decode(stored: &[u8]) -> Result<Event, DecodeError> {
    if stored.len() < 1 + HASH_LEN {
        return Err(DecodeError::TooShort(stored.len()));
    }
    let (canonical, hash) = stored.split_at(stored.len() - HASH_LEN);
    if canonical[0] != FORMAT_VERSION {
        return Err(DecodeError::UnsupportedVersion(canonical[0]));
    }
    let body: Body = options()
        .deserialize(&canonical[1..])
        .map_err(|e| DecodeError::Malformed(e.to_string()))?;
    let mut hash_bytes = [0u8; HASH_LEN];
    hash_bytes.copy_from_slice(hash);
    Ok(Event {
        seq: body.seq,
        id: body.id,
        stream: body.stream,
        version: body.version,
        recorded_at: body.recorded_at,
        effective: body.effective,
        actor: body.actor,
        note: body.note,
        payload: body.payload,
        prev_hash: body.prev_hash,
        hash: Hash(hash_bytes),
    })
}

/// Splits a stored event into its canonical bytes and its stored hash, for verification.
pub fn split_stored(stored: &[u8]) -> Option<(&[u8], Hash)> {
    if stored.len() < 1 + HASH_LEN {
        return None;
    }
    let (canonical, hash) = stored.split_at(stored.len() - HASH_LEN);
    let mut bytes = [0u8; HASH_LEN];
    bytes.copy_from_slice(hash);
    Some((canonical, Hash(bytes)))
}

/// Serde for timestamps: RFC 3339 text in human-readable formats, microseconds since the Unix
/// epoch in binary ones. Recorded-at times are kept to the microsecond.
pub mod timestamp {
    use jiff::Timestamp;
    use serde::{Deserialize, Deserializer, Serializer};

    /// Serializes a timestamp.
    pub fn serialize<S: Serializer>(ts: &Timestamp, serializer: S) -> Result<S::Ok, S::Error> {
        if serializer.is_human_readable() {
            serializer.collect_str(ts)
        } else {
            serializer.serialize_i64(ts.as_microsecond())
        }
    }

    /// Deserializes a timestamp.
    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Timestamp, D::Error> {
        if deserializer.is_human_readable() {
            let text = String::deserialize(deserializer)?;
            text.parse().map_err(serde::de::Error::custom)
        } else {
            let micros = i64::deserialize(deserializer)?;
            Timestamp::from_microsecond(micros).map_err(serde::de::Error::custom)
        }
    }
}

/// Serde for dates: `YYYY-MM-DD` in human-readable formats, (year, month, day) in binary ones.
pub mod date {
    use jiff::civil::Date;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    /// Serializes a date.
    pub fn serialize<S: Serializer>(date: &Date, serializer: S) -> Result<S::Ok, S::Error> {
        if serializer.is_human_readable() {
            serializer.collect_str(date)
        } else {
            (date.year(), date.month(), date.day()).serialize(serializer)
        }
    }

    /// Deserializes a date.
    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Date, D::Error> {
        if deserializer.is_human_readable() {
            let text = String::deserialize(deserializer)?;
            text.parse().map_err(serde::de::Error::custom)
        } else {
            let (year, month, day) = <(i16, i8, i8)>::deserialize(deserializer)?;
            Date::new(year, month, day).map_err(serde::de::Error::custom)
        }
    }
}
