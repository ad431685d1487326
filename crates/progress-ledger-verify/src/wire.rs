//! The JSON forms of proofs: what the proof files hold and what the server's proof endpoints
//! answer. Hashes are 64 lowercase hex digits (uppercase is accepted too); unknown fields are
//! ignored.
//!
//! ```json
//! {"index": 3, "size": 10, "hashes": ["96a296d2…", "5f083f0a…"]}
//! {"from": 7, "to": 10, "hashes": ["0ebc5d34…", "ca854ea1…", "d37ee418…"]}
//! ```
//!
//! `hashes` are in RFC 6962 / RFC 9162 order: for an inclusion proof the leaf's sibling first;
//! for a consistency proof the order of RFC 6962 §2.1.2 `PROOF(from, D[to])`.

use progress_ledger_tlog::Hash;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::VerifyError;

/// An inclusion proof: leaf `index` is in the tree of `size` leaves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InclusionProof {
    /// The leaf index (from 0).
    pub index: u64,
    /// The tree size the proof is for: the checkpoint's.
    pub size: u64,
    /// The audit path.
    #[serde(with = "hex_hashes")]
    pub hashes: Vec<Hash>,
}

/// A consistency proof: the tree of `to` leaves extends the tree of `from` leaves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsistencyProof {
    /// The older tree size.
    pub from: u64,
    /// The newer tree size.
    pub to: u64,
    /// The proof.
    #[serde(with = "hex_hashes")]
    pub hashes: Vec<Hash>,
}

impl InclusionProof {
    /// Parses the JSON form; `source_name` (a path or URL) goes into the error.
    pub fn from_json(bytes: &[u8], source_name: &str) -> Result<InclusionProof, VerifyError> {
        parse(bytes, source_name)
    }
}

impl ConsistencyProof {
    /// Parses the JSON form; `source_name` (a path or URL) goes into the error.
    pub fn from_json(bytes: &[u8], source_name: &str) -> Result<ConsistencyProof, VerifyError> {
        parse(bytes, source_name)
    }
}

fn parse<T: for<'de> Deserialize<'de>>(bytes: &[u8], source_name: &str) -> Result<T, VerifyError> {
    serde_json::from_slice(bytes).map_err(|e| VerifyError::Proof {
        source_name: source_name.to_owned(),
        reason: e.to_string(),
    })
}

mod hex_hashes {
    use super::*;

    pub fn serialize<S: Serializer>(hashes: &[Hash], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(hashes.iter().map(Hash::to_hex))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Hash>, D::Error> {
        let texts = Vec::<String>::deserialize(d)?;
        texts
            .iter()
            .map(|t| Hash::from_hex(t).map_err(serde::de::Error::custom))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_strictness() {
        let p = ConsistencyProof {
            from: 1,
            to: 2,
            hashes: vec![Hash([0xab; 32])],
        };
        let json = serde_json::to_string(&p).expect("serialises");
        assert_eq!(
            json,
            format!(r#"{{"from":1,"to":2,"hashes":["{}"]}}"#, "ab".repeat(32))
        );
        assert_eq!(
            ConsistencyProof::from_json(json.as_bytes(), "x").ok(),
            Some(p)
        );
        for bad in [
            r#"{"from":1,"to":2}"#,
            r#"{"from":-1,"to":2,"hashes":[]}"#,
            r#"{"from":1,"to":2,"hashes":["abc"]}"#,
            r#"{"from":1,"to":2,"hashes":[12]}"#,
            r#"{"from":1,"to":2,"hashes":[]} x"#,
        ] {
            assert!(
                ConsistencyProof::from_json(bad.as_bytes(), "x").is_err(),
                "{bad}"
            );
        }
    }
}
