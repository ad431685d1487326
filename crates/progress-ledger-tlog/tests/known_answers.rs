//! Known answers from the specifications and the reference implementations, each with its source.
//!
//! - RFC 6962 hashes and the 8-leaf reference tree of Certificate Transparency: leaves, every
//!   node hash, every root, and the inclusion and consistency proofs of the CT test suite, as
//!   published in github.com/transparency-dev/merkle (`testonly/constants.go`,
//!   `rfc6962/rfc6962_test.go`, `cmd/proofgen/main.go`, `testdata/*/happy-path.json`).
//! - The audit paths and consistency proofs of the example tree in RFC 6962 §2.1.3.
//! - The accumulated subtree-hash vector of draft-ietf-plants-merkle-tree-certs ("Subtree Test
//!   Vectors"), as checked by transparency-dev/merkle `testonly/vectors_test.go`.
//! - C2SP signed-note (c2sp.org/signed-note): the example verifier key and note, and the opening
//!   example; C2SP tlog-checkpoint (c2sp.org/tlog-checkpoint): the example checkpoint.
//! - Go's golang.org/x/mod/sumdb/note tests and examples: the PeterNeumann signer and verifier
//!   keys, the note it signs, and the EnochRoot key made from an all-zero seed.
//! - C2SP tlog-tiles (c2sp.org/tlog-tiles): the path encoding of 1234067 and the tiles of trees
//!   of 70,000 and 256 leaves.

use progress_ledger_tlog::note::{Note, Signer, Verifier};
use progress_ledger_tlog::tile::{Bundle, Tile, TilePath, parse_tile_path, tiles_for_size};
use progress_ledger_tlog::{
    Checkpoint, EMPTY_ROOT, Error, Hash, check_record, check_tree, leaf_hash, node_hash,
    prove_record, prove_tree, root_from_leaf_hashes, stored_hashes, tree_hash,
};
use sha2::{Digest, Sha256};

fn h(hex: &str) -> Hash {
    Hash::from_hex(hex).expect("vector hashes are hex")
}

fn bytes(hex: &str) -> Vec<u8> {
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("vector bytes are hex"))
        .collect()
}

// --- RFC 6962 hashing (transparency-dev/merkle rfc6962/rfc6962_test.go) ---

#[test]
fn rfc6962_hashes() {
    assert_eq!(
        EMPTY_ROOT,
        h("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    );
    assert_eq!(
        leaf_hash(b""),
        h("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d")
    );
    assert_eq!(
        leaf_hash(b"L123456"),
        h("395aa064aa4c29f7010acfe3f25db9485bbd4b91897b6ad7ad547639252b4d56")
    );
}

// --- The CT reference tree (transparency-dev/merkle testonly/constants.go) ---

const LEAVES: [&str; 8] = [
    "",
    "00",
    "10",
    "2021",
    "3031",
    "40414243",
    "5051525354555657",
    "606162636465666768696a6b6c6d6e6f",
];

/// Node hashes of every complete subtree, by level then index.
const NODES: [&[&str]; 4] = [
    &[
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
        "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        "4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658",
        "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
        "46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1",
    ],
    &[
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
    ],
    &[
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ],
    &["5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"],
];

/// Roots of the trees of sizes 1 to 8.
const ROOTS: [&str; 8] = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
];

/// Inclusion proofs of the CT test suite: (leaf index, tree size, proof). transparency-dev's
/// `cmd/proofgen` counts leaves from 1; the indexes here are from 0, as in its JSON testdata.
const INCLUSION: [(u64, u64, &[&str]); 5] = [
    (0, 1, &[]),
    (
        0,
        8,
        &[
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        5,
        8,
        &[
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (
        2,
        3,
        &["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"],
    ),
    (
        1,
        5,
        &[
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
];

/// Consistency proofs of the CT test suite: (old size, new size, proof).
const CONSISTENCY: [(u64, u64, &[&str]); 5] = [
    (1, 1, &[]),
    (
        1,
        8,
        &[
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        6,
        8,
        &[
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (
        2,
        5,
        &[
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
    (
        6,
        7,
        &[
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
];

fn reference_store() -> (Vec<Hash>, Vec<Hash>) {
    let mut stored = Vec::new();
    let mut leaves = Vec::new();
    for (n, leaf) in LEAVES.iter().enumerate() {
        let entry = bytes(leaf);
        leaves.push(leaf_hash(&entry));
        let new = stored_hashes(n as u64, &entry, &stored).expect("in memory");
        stored.extend(new);
    }
    (stored, leaves)
}

fn hashes(list: &[&str]) -> Vec<Hash> {
    list.iter().map(|x| h(x)).collect()
}

#[test]
fn reference_tree_nodes_and_roots() {
    let (stored, leaves) = reference_store();
    for (level, nodes) in NODES.iter().enumerate() {
        for (i, node) in nodes.iter().enumerate() {
            let width = 1 << level;
            let got = root_from_leaf_hashes(&leaves[i * width..(i + 1) * width]);
            assert_eq!(got, h(node), "node ({level}, {i})");
        }
    }
    assert_eq!(tree_hash(0, &stored).ok(), Some(EMPTY_ROOT));
    for (i, root) in ROOTS.iter().enumerate() {
        let size = i as u64 + 1;
        assert_eq!(
            tree_hash(size, &stored).ok(),
            Some(h(root)),
            "root of {size}"
        );
        assert_eq!(
            root_from_leaf_hashes(&leaves[..=i]),
            h(root),
            "root of {size}"
        );
    }
}

#[test]
fn reference_inclusion_proofs() {
    let (stored, leaves) = reference_store();
    for (index, size, proof) in INCLUSION {
        let want = hashes(proof);
        assert_eq!(
            prove_record(size, index, &stored).ok(),
            Some(want.clone()),
            "{index} in {size}"
        );
        let root = h(ROOTS[size as usize - 1]);
        assert!(check_record(&want, size, &root, index, &leaves[index as usize]).is_ok());
    }
}

#[test]
fn reference_consistency_proofs() {
    let (stored, _) = reference_store();
    for (old, new, proof) in CONSISTENCY {
        let want = hashes(proof);
        assert_eq!(
            prove_tree(new, old, &stored).ok(),
            Some(want.clone()),
            "{old} to {new}"
        );
        let (old_root, new_root) = (h(ROOTS[old as usize - 1]), h(ROOTS[new as usize - 1]));
        assert!(
            check_tree(&want, new, &new_root, old, &old_root).is_ok(),
            "{old} to {new}"
        );
    }
}

/// transparency-dev/merkle `testdata/consistency/additional`: a consistency proof from the empty
/// tree is refused, whatever the roots.
#[test]
fn consistency_from_the_empty_tree_is_refused() {
    let one = h(ROOTS[0]);
    assert!(matches!(
        check_tree(&[], 1, &one, 0, &EMPTY_ROOT),
        Err(Error::InvalidSizes { .. })
    ));
    assert!(matches!(
        check_tree(&[], 0, &EMPTY_ROOT, 0, &EMPTY_ROOT),
        Err(Error::InvalidSizes { .. })
    ));
}

// --- RFC 6962 §2.1.3, the example tree of 7 leaves ---

#[test]
fn rfc6962_example_paths() {
    let (stored, leaves) = reference_store();
    let [a, b, c, d, e, f, j] = [0, 1, 2, 3, 4, 5, 6].map(|i| leaves[i]);
    let (g, hh, i) = (node_hash(&a, &b), node_hash(&c, &d), node_hash(&e, &f));
    let (k, l) = (node_hash(&g, &hh), node_hash(&i, &j));
    // "The audit path for d0 is [b, h, l]", d3 [c, g, l], d4 [f, j, k], d6 [i, k].
    for (leaf, path) in [
        (0, vec![b, hh, l]),
        (3, vec![c, g, l]),
        (4, vec![f, j, k]),
        (6, vec![i, k]),
    ] {
        assert_eq!(
            prove_record(7, leaf, &stored).ok(),
            Some(path),
            "audit path of d{leaf}"
        );
    }
    // PROOF(3, D[7]) = [c, d, g, l]; PROOF(4, D[7]) = [l]; PROOF(6, D[7]) = [i, j, k].
    for (old, proof) in [(3, vec![c, d, g, l]), (4, vec![l]), (6, vec![i, j, k])] {
        assert_eq!(
            prove_tree(7, old, &stored).ok(),
            Some(proof),
            "PROOF({old}, D[7])"
        );
    }
}

// --- draft-ietf-plants-merkle-tree-certs, Subtree Test Vectors ---

/// For d[i] = [i], i < 130, every valid subtree [start, end) of every tree up to 130 leaves is
/// written as "[start, end) <hex hash>\n" into one SHA-256, which the draft publishes. A subtree
/// is valid when start = 0, start = end, or start is a multiple of the smallest power of two
/// ≥ end − start; its hash is the RFC 6962 hash of leaves start..end.
#[test]
fn subtree_hash_vector() {
    let leaves: Vec<Hash> = (0..130u8).map(|i| leaf_hash(&[i])).collect();
    let mut acc = Sha256::new();
    for end in 0..=130u64 {
        for start in 0..=end {
            let valid =
                start == 0 || start == end || start % (end - start).next_power_of_two() == 0;
            if valid {
                let hash = root_from_leaf_hashes(&leaves[start as usize..end as usize]);
                acc.update(format!("[{start}, {end}) {hash}\n"));
            }
        }
    }
    let got = Hash(acc.finalize().into());
    assert_eq!(
        got,
        h("b82806ad4265bb151c1119c0f4db437bb4d1a1f887b3a7fba1cd4ebf552e3e81")
    );
}

// --- C2SP signed-note ---

const C2SP_VKEY: &str = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k";
const C2SP_NOTE: &str = "This is an example message.\n\n\u{2014} example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n";
const C2SP_QUASIMODO: &str = "Ognuno sta solo sul cuor della terra\ntrafitto da un raggio di sole:\n\ned è subito sera.\n\n\u{2014} quasimodo.example/salvatore NnugSzTjtVAewIS+Z/iJhUPeFDkO/5QQ2i5ddnGITLlC+EhfLW9oJKONrMouFSQU0xMcXxj99ihAQwaqP3ZekRwNtIc=\n";

#[test]
fn c2sp_signed_note_example() {
    let v = Verifier::from_vkey(C2SP_VKEY).expect("the spec's key parses");
    assert_eq!(v.name(), "example.com/foo");
    assert_eq!(v.key_id(), 0x530d903a);
    assert_eq!(v.vkey(), C2SP_VKEY);
    let note = progress_ledger_tlog::note::open(C2SP_NOTE.as_bytes(), &[v]).expect("verifies");
    assert_eq!(note.text(), "This is an example message.\n");
    assert_eq!(note.to_bytes(), C2SP_NOTE.as_bytes());
}

#[test]
fn c2sp_opening_example_parses_and_re_encodes() {
    // The spec gives no key for this one: it parses, re-encodes byte for byte, and is
    // unverified by any key we have.
    let note = Note::parse(C2SP_QUASIMODO.as_bytes()).expect("parses");
    assert_eq!(
        note.text(),
        "Ognuno sta solo sul cuor della terra\ntrafitto da un raggio di sole:\n\ned è subito sera.\n"
    );
    assert_eq!(note.signatures().len(), 1);
    assert_eq!(note.signatures()[0].name, "quasimodo.example/salvatore");
    assert_eq!(note.to_bytes(), C2SP_QUASIMODO.as_bytes());
    let v = Verifier::from_vkey(C2SP_VKEY).expect("parses");
    assert!(matches!(
        note.verify(&[v]),
        Err(Error::UnverifiedNote { .. })
    ));
}

// --- C2SP tlog-checkpoint ---

const C2SP_CHECKPOINT: &str = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\n\u{2014} example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n";

#[test]
fn c2sp_checkpoint_example() {
    let note = Note::parse(C2SP_CHECKPOINT.as_bytes()).expect("parses");
    let c = Checkpoint::parse(note.text()).expect("is a checkpoint");
    assert_eq!(c.origin(), "example.com/behind-the-sofa");
    assert_eq!(c.size(), 20852163);
    assert_eq!(
        c.root().to_base64(),
        "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I="
    );
    assert!(c.extensions().is_empty());
    assert_eq!(c.to_text(), note.text());
    assert_eq!(note.to_bytes(), C2SP_CHECKPOINT.as_bytes());
    // The spec publishes no key for it: no key we hold verifies it.
    let v = Verifier::from_vkey(C2SP_VKEY).expect("parses");
    assert!(matches!(
        Checkpoint::open(C2SP_CHECKPOINT.as_bytes(), &[v]),
        Err(Error::UnverifiedNote { .. })
    ));
}

// --- Go golang.org/x/mod/sumdb/note ---

const PETER_SKEY: &str =
    "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
const PETER_VKEY: &str = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
const ENOCH_VKEY: &str = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop";
const PETER_TEXT: &str = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const PETER_SIG: &str = "\u{2014} PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
const ENOCH_SIG: &str = "\u{2014} EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n";

#[test]
fn go_note_sign_is_byte_for_byte() {
    let peter = Signer::from_skey(PETER_SKEY).expect("Go's test key parses");
    assert_eq!(peter.skey(), PETER_SKEY);
    assert_eq!(peter.verifier().vkey(), PETER_VKEY);
    let mut note = Note::new(PETER_TEXT).expect("valid text");
    note.sign(&peter);
    assert_eq!(
        String::from_utf8(note.to_bytes()).ok(),
        Some(format!("{PETER_TEXT}\n{PETER_SIG}"))
    );
    // Signing again by the same key replaces the signature.
    note.sign(&peter);
    assert_eq!(note.signatures().len(), 1);
}

#[test]
fn go_note_zero_seed_key_and_added_signature() {
    // Go's ExampleSign_add_signatures generates EnochRoot from a reader of zeros.
    let enoch = Signer::from_seed("EnochRoot", &[0; 32]).expect("valid name");
    assert_eq!(enoch.verifier().vkey(), ENOCH_VKEY);
    let peter_v = Verifier::from_vkey(PETER_VKEY).expect("parses");
    let msg = format!("{PETER_TEXT}\n{PETER_SIG}");
    let mut note = progress_ledger_tlog::note::open(msg.as_bytes(), std::slice::from_ref(&peter_v))
        .expect("verifies");
    note.sign(&enoch);
    let want = format!("{PETER_TEXT}\n{PETER_SIG}{ENOCH_SIG}");
    assert_eq!(String::from_utf8(note.to_bytes()).ok(), Some(want.clone()));
    // Go's TestOpen: one key known, both known, none known.
    let enoch_v = Verifier::from_vkey(ENOCH_VKEY).expect("parses");
    let parsed = Note::parse(want.as_bytes()).expect("parses");
    let by = parsed
        .verify(std::slice::from_ref(&peter_v))
        .expect("peter verifies");
    assert_eq!(
        by.iter().map(|v| v.name()).collect::<Vec<_>>(),
        ["PeterNeumann"]
    );
    let keys = [peter_v, enoch_v];
    let by = parsed.verify(&keys).expect("both verify");
    assert_eq!(
        by.iter().map(|v| v.name()).collect::<Vec<_>>(),
        ["PeterNeumann", "EnochRoot"]
    );
    assert!(matches!(
        parsed.verify(&[]),
        Err(Error::UnverifiedNote { .. })
    ));
}

// --- C2SP tlog-tiles ---

#[test]
fn tile_paths_from_the_spec() {
    let t = Tile::new(0, 1234067, 256).expect("valid");
    assert_eq!(t.path(), "tile/0/x001/x234/067");
    let t = Tile::new(3, 1234067, 1).expect("valid");
    assert_eq!(t.path(), "tile/3/x001/x234/067.p/1");
    let b = Bundle::new(1234067, 255).expect("valid");
    assert_eq!(b.path(), "tile/entries/x001/x234/067.p/255");
    assert_eq!(
        Tile::new(2, 67, 256).map(|t| t.path()).ok(),
        Some("tile/2/067".to_owned())
    );
    assert_eq!(
        Tile::new(0, 1000, 256).map(|t| t.path()).ok(),
        Some("tile/0/x001/000".to_owned())
    );
    for (path, want) in [
        (
            "tile/0/x001/x234/067",
            TilePath::Hashes(Tile::new(0, 1234067, 256).expect("valid")),
        ),
        (
            "tile/63/000.p/1",
            TilePath::Hashes(Tile::new(63, 0, 1).expect("valid")),
        ),
        (
            "tile/entries/x001/x234/067.p/255",
            TilePath::Entries(Bundle::new(1234067, 255).expect("valid")),
        ),
    ] {
        assert_eq!(parse_tile_path(path).ok(), Some(want), "{path}");
    }
}

#[test]
fn tiles_of_the_spec_examples() {
    // "a tree of size 70,000 will be represented by 273 full level 0 tiles, one partial level 0
    // tile of width 112, one full level 1 tile, one partial level 1 tile of width 17, and one
    // partial level 2 tile of width 1."
    let tiles = tiles_for_size(0, 70_000);
    let count = |level: u8, full: bool| {
        tiles
            .iter()
            .filter(|t| t.level() == level && t.is_partial() != full)
            .count()
    };
    assert_eq!(count(0, true), 273);
    assert_eq!(count(1, true), 1);
    assert_eq!(count(2, true), 0);
    let partial: Vec<(u8, u16)> = tiles
        .iter()
        .filter(|t| t.is_partial())
        .map(|t| (t.level(), t.width()))
        .collect();
    assert_eq!(partial, [(0, 112), (1, 17), (2, 1)]);
    assert_eq!(tiles.len(), 273 + 1 + 1 + 1 + 1);
    // "a tree of size 256 will be represented by a full level 0 tile and a partial level 1 tile
    // of width 1."
    let tiles = tiles_for_size(0, 256);
    assert_eq!(
        tiles,
        [
            Tile::new(0, 0, 256).expect("valid"),
            Tile::new(1, 0, 1).expect("valid")
        ]
    );
}
