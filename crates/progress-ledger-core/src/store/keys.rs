//! Key layout of the index: the sled tree `index`, derived from the log file.
//!
//! | prefix | key                              | value                               |
//! |--------|----------------------------------|-------------------------------------|
//! | `O`    | `O` ‖ seq (u64 BE)               | offset of its frame in the log (BE) |
//! | `I`    | `I` ‖ event id (16 bytes)        | seq (u64 BE)                        |
//! | `S`    | `S` ‖ stream ‖ 0 ‖ version (BE)  | seq (u64 BE)                        |
//! | `V`    | `V` ‖ stream                     | stream version (BE)                 |
//! | `C`    | `C`                              | checkpoint: seq ‖ hash ‖ end offset |
//!
//! The checkpoint names the last event indexed and where its frame ends; everything up to it
//! is in the index. Snapshots use [`seq_key`] in their own tree. Big-endian numbers make key
//! order the numeric order.

use uuid::Uuid;

use crate::event::{Head, StreamId};
use crate::hash::Hash;

const OFFSET: u8 = b'O';
const ID: u8 = b'I';
const STREAM: u8 = b'S';
pub(crate) const VERSION: u8 = b'V';
pub(crate) const CHECKPOINT: &[u8] = b"C";
/// Prefix of snapshot keys (in the snapshot tree).
const SNAPSHOT: u8 = b'L';

/// Key of the log offset of event `seq`.
pub(crate) fn offset(seq: u64) -> [u8; 9] {
    let mut key = [OFFSET; 9];
    key[1..].copy_from_slice(&seq.to_be_bytes());
    key
}

/// Key of a snapshot taken at `seq`.
pub(crate) fn seq_key(seq: u64) -> [u8; 9] {
    let mut key = [SNAPSHOT; 9];
    key[1..].copy_from_slice(&seq.to_be_bytes());
    key
}

/// The seq of a snapshot key.
pub(crate) fn key_seq(key: &[u8]) -> Option<u64> {
    match key {
        [SNAPSHOT, rest @ ..] => Some(u64::from_be_bytes(rest.try_into().ok()?)),
        _ => None,
    }
}

pub(crate) fn id(id: &Uuid) -> [u8; 17] {
    let mut key = [ID; 17];
    key[1..].copy_from_slice(id.as_bytes());
    key
}

pub(crate) fn stream_prefix(stream: &StreamId) -> Vec<u8> {
    let mut key = Vec::with_capacity(stream.as_str().len() + 10);
    key.push(STREAM);
    key.extend_from_slice(stream.as_str().as_bytes());
    key.push(0);
    key
}

pub(crate) fn stream_event(stream: &StreamId, version: u64) -> Vec<u8> {
    let mut key = stream_prefix(stream);
    key.extend_from_slice(&version.to_be_bytes());
    key
}

pub(crate) fn stream_version(stream: &StreamId) -> Vec<u8> {
    let mut key = Vec::with_capacity(stream.as_str().len() + 1);
    key.push(VERSION);
    key.extend_from_slice(stream.as_str().as_bytes());
    key
}

pub(crate) fn u64_value(bytes: &[u8]) -> Option<u64> {
    Some(u64::from_be_bytes(bytes.get(..8)?.try_into().ok()?))
}

/// The value of the checkpoint: the last event indexed, and the offset where its frame ends.
pub(crate) fn checkpoint_value(head: &Head, end: u64) -> [u8; 48] {
    let mut value = [0u8; 48];
    value[..8].copy_from_slice(&head.seq.to_be_bytes());
    value[8..40].copy_from_slice(&head.hash.0);
    value[40..].copy_from_slice(&end.to_be_bytes());
    value
}

/// Parses a checkpoint value.
pub(crate) fn parse_checkpoint(bytes: &[u8]) -> Option<(Head, u64)> {
    if bytes.len() != 48 {
        return None;
    }
    let seq = u64_value(bytes)?;
    let hash: [u8; 32] = bytes[8..40].try_into().ok()?;
    let end = u64_value(&bytes[40..])?;
    Some((
        Head {
            seq,
            hash: Hash(hash),
        },
        end,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seq_keys_sort_numerically_and_round_trip() {
        let seqs = [1u64, 2, 255, 256, 65_535, 65_536, u64::MAX];
        for pair in seqs.windows(2) {
            assert!(seq_key(pair[0]) < seq_key(pair[1]));
            assert!(offset(pair[0]) < offset(pair[1]));
        }
        for seq in seqs {
            assert_eq!(key_seq(&seq_key(seq)), Some(seq));
        }
        assert_eq!(key_seq(b"Xabcdefgh"), None);
    }

    #[test]
    fn checkpoint_value_round_trips() {
        let head = Head {
            seq: 42,
            hash: Hash::of(b"x"),
        };
        assert_eq!(
            parse_checkpoint(&checkpoint_value(&head, 9_000)),
            Some((head, 9_000))
        );
        assert_eq!(parse_checkpoint(b"short"), None);
    }
}
