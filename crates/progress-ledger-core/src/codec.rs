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

/// Everything [`BodyRef`] encodes but `prev_hash`, its last field: 32 raw bytes that
/// [`decode`] takes from the end as they are (decoding them through serde goes a byte at a
/// time).
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
}

impl Body {
    fn into_event(self, prev_hash: Hash, hash: Hash) -> Event {
        Event {
            seq: self.seq,
            id: self.id,
            stream: self.stream,
            version: self.version,
            recorded_at: self.recorded_at,
            effective: self.effective,
            actor: self.actor,
            note: self.note,
            payload: self.payload,
            prev_hash,
            hash,
        }
    }
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
///
/// The body's fields before `prev_hash` must take exactly the bytes before its 32: decoded
/// so, the bytes decode exactly when the whole body does, trailing bytes rejected.
pub fn decode(stored: &[u8]) -> Result<Event, DecodeError> {
    if stored.len() < 1 + HASH_LEN {
        return Err(DecodeError::TooShort(stored.len()));
    }
    let (canonical, hash) = stored.split_at(stored.len() - HASH_LEN);
    if canonical[0] != FORMAT_VERSION {
        return Err(DecodeError::UnsupportedVersion(canonical[0]));
    }
    let Some(fields) = canonical[1..].len().checked_sub(HASH_LEN) else {
        return Err(DecodeError::Malformed(
            "too short for the previous event's hash".to_owned(),
        ));
    };
    let (fields, prev_hash) = canonical[1..].split_at(fields);
    let body: Body = options()
        .deserialize(fields)
        .map_err(|e| DecodeError::Malformed(e.to_string()))?;
    Ok(body.into_event(hash_of(prev_hash), hash_of(hash)))
}

/// 32 bytes as a hash.
fn hash_of(bytes: &[u8]) -> Hash {
    let mut out = [0u8; HASH_LEN];
    out.copy_from_slice(bytes);
    Hash(out)
}

/// Splits a stored event into its canonical bytes and its stored hash, for verification.
pub fn split_stored(stored: &[u8]) -> Option<(&[u8], Hash)> {
    if stored.len() < 1 + HASH_LEN {
        return None;
    }
    let (canonical, hash) = stored.split_at(stored.len() - HASH_LEN);
    Some((canonical, hash_of(hash)))
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

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// [`decode`] the plain way: the whole body through serde, trailing bytes rejected.
    fn decode_whole(stored: &[u8]) -> Option<Event> {
        let (canonical, hash) = split_stored(stored)?;
        if canonical[0] != FORMAT_VERSION {
            return None;
        }
        let body: (Body, [u8; HASH_LEN]) = options().deserialize(&canonical[1..]).ok()?;
        let (body, prev_hash) = body;
        Some(body.into_event(Hash(prev_hash), hash))
    }

    /// A sealed event of one of the kinds a stream holds most.
    fn sealed() -> impl Strategy<Value = Vec<u8>> {
        let payload = prop_oneof![
            (0..10_000_000i64, proptest::option::of("[a-z区县]{1,6}")).prop_map(
                |(units, district)| Payload::ProgressReported {
                    delta: rust_decimal::Decimal::new(units, 2),
                    district,
                }
            ),
            ("[ -~]{0,12}", any::<bool>()).prop_map(|(reason, replaced)| Payload::Corrected {
                corrects: Uuid::from_u128(7),
                reason,
                replacement: replaced.then(|| {
                    Box::new(Payload::MeasurementTaken {
                        value: rust_decimal::Decimal::new(925, 1),
                        district: None,
                    })
                }),
            }),
        ];
        (
            any::<u64>(),
            any::<u128>(),
            "[a-z0-9-]{1,20}",
            any::<u64>(),
            0..4_000_000_000_000_000i64,
            "[a-z]{1,8}",
            proptest::option::of("[ -~]{0,16}"),
            payload,
            any::<[u8; HASH_LEN]>(),
        )
            .prop_filter_map(
                "a valid stream id",
                |(seq, id, indicator, version, micros, actor, note, payload, prev)| {
                    let mut event = Event {
                        seq,
                        id: Uuid::from_u128(id),
                        stream: StreamId::indicator(&indicator).ok()?,
                        version,
                        recorded_at: Timestamp::from_microsecond(micros).ok()?,
                        effective: Date::new(2024, 6, 30).ok()?,
                        actor,
                        note,
                        payload,
                        prev_hash: Hash(prev),
                        hash: Hash::ZERO,
                    };
                    seal(&mut event).ok()
                },
            )
    }

    /// How stored bytes are damaged: cut at, a byte put in at, or a byte changed at a place.
    #[derive(Debug, Clone)]
    enum Damage {
        Cut(prop::sample::Index),
        Insert(prop::sample::Index, u8),
        Flip(prop::sample::Index, u8),
    }

    fn damage() -> impl Strategy<Value = Damage> {
        prop_oneof![
            any::<prop::sample::Index>().prop_map(Damage::Cut),
            (any::<prop::sample::Index>(), any::<u8>()).prop_map(|(i, b)| Damage::Insert(i, b)),
            (any::<prop::sample::Index>(), 1..=255u8).prop_map(|(i, m)| Damage::Flip(i, m)),
        ]
    }

    proptest! {
        /// Taking `prev_hash` from the end decodes exactly what decoding the whole body does,
        /// sound bytes or damaged: the same event, or an error from both.
        #[test]
        fn decoding_with_the_hash_taken_from_the_end_is_decoding_the_whole_body(
            stored in sealed(),
            damages in prop::collection::vec(damage(), 0..3),
        ) {
            let mut bytes = stored.clone();
            for damage in damages {
                match damage {
                    Damage::Cut(at) => bytes.truncate(at.index(bytes.len() + 1)),
                    Damage::Insert(at, byte) => bytes.insert(at.index(bytes.len() + 1), byte),
                    Damage::Flip(at, mask) => {
                        if !bytes.is_empty() {
                            let at = at.index(bytes.len());
                            bytes[at] ^= mask;
                        }
                    }
                }
            }
            prop_assert_eq!(decode(&bytes).ok(), decode_whole(&bytes));
            prop_assert!(decode(&stored).is_ok());
        }
    }
}
