//! The RFC 6962 §2.1 hashes: `SHA-256(0x00 ‖ entry)` for a leaf, `SHA-256(0x01 ‖ left ‖ right)`
//! for an interior node, and `SHA-256()` for the empty tree.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use sha2::{Digest, Sha256};

use crate::Error;

/// Size of a [`Hash`](struct@Hash) in bytes.
pub const HASH_SIZE: usize = 32;

/// A SHA-256 hash: a leaf, an interior node or the root of a tree.
///
/// Text forms: lowercase hex ([`Hash::to_hex`], also `Display`), as in the verifier's JSON
/// proofs, and standard base64 ([`Hash::to_base64`]), as in checkpoints.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Hash(pub [u8; HASH_SIZE]);

/// The root of the empty tree, `SHA-256()` (RFC 6962 §2.1).
pub const EMPTY_ROOT: Hash = Hash([
    0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4, 0xc8, 0x99, 0x6f, 0xb9, 0x24,
    0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b, 0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55,
]);

/// The leaf hash of an entry: `SHA-256(0x00 ‖ entry)`.
///
/// For progress-ledger the entry is an event's 32-byte hash (see the crate documentation).
pub fn leaf_hash(entry: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([0x00]);
    h.update(entry);
    Hash(h.finalize().into())
}

/// The hash of an interior node: `SHA-256(0x01 ‖ left ‖ right)`.
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut buf = [0u8; 1 + 2 * HASH_SIZE];
    buf[0] = 0x01;
    buf[1..1 + HASH_SIZE].copy_from_slice(&left.0);
    buf[1 + HASH_SIZE..].copy_from_slice(&right.0);
    Hash(Sha256::digest(buf).into())
}

impl Hash {
    /// The 32 bytes.
    pub fn as_bytes(&self) -> &[u8; HASH_SIZE] {
        &self.0
    }

    /// Takes a hash from exactly 32 bytes.
    pub fn from_slice(bytes: &[u8]) -> Result<Hash, Error> {
        <[u8; HASH_SIZE]>::try_from(bytes).map(Hash).map_err(|_| {
            Error::MalformedHash(format!("{} bytes, expected {HASH_SIZE}", bytes.len()))
        })
    }

    /// Lowercase hex, 64 characters.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    /// Parses 64 hex digits (lowercase or uppercase, nothing else).
    pub fn from_hex(s: &str) -> Result<Hash, Error> {
        if s.len() != 2 * HASH_SIZE {
            return Err(Error::MalformedHash(format!(
                "{:?} has {} characters, expected {} hex digits",
                s,
                s.chars().count(),
                2 * HASH_SIZE
            )));
        }
        let mut out = [0u8; HASH_SIZE];
        hex::decode_to_slice(s, &mut out)
            .map_err(|_| Error::MalformedHash(format!("{s:?} is not hex")))?;
        Ok(Hash(out))
    }

    /// Standard base64 with padding (RFC 4648 §4), 44 characters.
    pub fn to_base64(&self) -> String {
        STANDARD.encode(self.0)
    }

    /// Parses standard, canonically padded base64 of exactly 32 bytes.
    pub fn from_base64(s: &str) -> Result<Hash, Error> {
        let bytes = STANDARD
            .decode(s)
            .map_err(|e| Error::MalformedHash(format!("{s:?} is not base64: {e}")))?;
        Hash::from_slice(&bytes)
    }
}

impl fmt::Display for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Debug for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Hash({})", self.to_hex())
    }
}

impl From<[u8; HASH_SIZE]> for Hash {
    fn from(bytes: [u8; HASH_SIZE]) -> Hash {
        Hash(bytes)
    }
}

impl AsRef<[u8]> for Hash {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_root_is_the_hash_of_nothing() {
        assert_eq!(EMPTY_ROOT, Hash(Sha256::digest([]).into()));
    }

    #[test]
    fn hex_and_base64_round_trip() {
        let h = leaf_hash(b"L123456");
        assert_eq!(Hash::from_hex(&h.to_hex()).ok(), Some(h));
        assert_eq!(Hash::from_hex(&h.to_hex().to_uppercase()).ok(), Some(h));
        assert_eq!(Hash::from_base64(&h.to_base64()).ok(), Some(h));
        assert!(Hash::from_hex(&h.to_hex()[1..]).is_err());
        assert!(Hash::from_hex(&format!("{}g", &h.to_hex()[1..])).is_err());
        assert!(Hash::from_hex(&format!("{}é", &h.to_hex()[2..])).is_err());
        assert!(Hash::from_base64(&h.to_base64()[..43]).is_err());
        assert!(Hash::from_base64(&STANDARD.encode([0u8; 31])).is_err());
    }
}
