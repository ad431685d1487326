//! Tables of corrupted inputs, every one rejected: proofs (index ±1, size doubled or halved,
//! wrong, empty or swapped roots, extra or missing hashes, a flipped bit anywhere), notes (wrong
//! key name, key ID or signature, changed origin, size or root, extra lines, broken syntax),
//! keys, checkpoints and tile paths.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use progress_ledger_tlog::note::{self, Note, NoteSignature, Signer, Verifier};
use progress_ledger_tlog::tile::parse_tile_path;
use progress_ledger_tlog::{
    Checkpoint, EMPTY_ROOT, Error, Hash, check_record, check_tree, leaf_hash, prove_record,
    prove_tree, stored_hashes, tree_hash,
};

const LEAVES: u64 = 300;

fn store() -> Vec<Hash> {
    let mut stored = Vec::new();
    for n in 0..LEAVES {
        let new = stored_hashes(n, &entry(n), &stored).expect("in memory");
        stored.extend(new);
    }
    stored
}

fn entry(n: u64) -> Vec<u8> {
    format!("entry {n}").into_bytes()
}

fn root(stored: &[Hash], size: u64) -> Hash {
    tree_hash(size, &stored).expect("stored")
}

/// Every way of flipping one bit of one hash in the list.
fn bit_flips(hashes: &[Hash]) -> Vec<(String, Vec<Hash>)> {
    let mut out = Vec::new();
    for i in 0..hashes.len() {
        for bit in 0..256 {
            let mut p = hashes.to_vec();
            p[i].0[bit / 8] ^= 1 << (bit % 8);
            out.push((format!("bit {bit} of hash {i} flipped"), p));
        }
    }
    out
}

/// The proof with one hash too many or too few, or out of order.
fn reshaped(proof: &[Hash], stranger: Hash) -> Vec<(String, Vec<Hash>)> {
    let mut out = vec![
        ("hash appended".to_owned(), [proof, &[stranger]].concat()),
        ("hash prepended".to_owned(), [&[stranger], proof].concat()),
        (
            "first hash repeated".to_owned(),
            [&proof[..1.min(proof.len())], proof].concat(),
        ),
    ];
    if !proof.is_empty() {
        out.push(("first hash missing".to_owned(), proof[1..].to_vec()));
        out.push((
            "last hash missing".to_owned(),
            proof[..proof.len() - 1].to_vec(),
        ));
        out.push(("empty".to_owned(), Vec::new()));
    }
    if proof.len() > 1 {
        let mut swapped = proof.to_vec();
        swapped.swap(0, 1);
        out.push(("first two swapped".to_owned(), swapped));
        let mut reversed = proof.to_vec();
        reversed.reverse();
        out.push(("reversed".to_owned(), reversed));
    }
    out.retain(|(_, p)| p != proof);
    out
}

/// (index, tree size) pairs: the edges and a few inside.
const INCLUSION_CASES: [(u64, u64); 10] = [
    (0, 1),
    (0, 2),
    (1, 2),
    (0, 8),
    (5, 8),
    (6, 7),
    (2, 3),
    (100, 257),
    (255, 256),
    (298, 299),
];

#[test]
fn corrupted_inclusion_proofs_are_rejected() {
    let stored = store();
    let stranger = leaf_hash(b"stranger");
    for (n, t) in INCLUSION_CASES {
        let proof = prove_record(t, n, &stored).expect("stored");
        let (r, leaf) = (root(&stored, t), leaf_hash(&entry(n)));
        assert!(check_record(&proof, t, &r, n, &leaf).is_ok(), "{n} in {t}");

        // (what, proof, size, root, index, leaf)
        let mut cases: Vec<(String, Vec<Hash>, u64, Hash, u64, Hash)> = Vec::new();
        let mut case = |what: String, p: &[Hash], t2: u64, r2: Hash, n2: u64, l2: Hash| {
            cases.push((what, p.to_vec(), t2, r2, n2, l2));
        };
        case("index + 1".into(), &proof, t, r, n + 1, leaf);
        if n > 0 {
            case("index − 1".into(), &proof, t, r, n - 1, leaf);
        }
        case("index xor 2".into(), &proof, t, r, n ^ 2, leaf);
        case("size doubled".into(), &proof, 2 * t, r, n, leaf);
        case("size halved".into(), &proof, t / 2, r, n, leaf);
        case(
            "size doubled, its root".into(),
            &proof,
            2 * t,
            root(&stored, (2 * t).min(LEAVES)),
            n,
            leaf,
        );
        case("wrong root".into(), &proof, t, stranger, n, leaf);
        case("empty-tree root".into(), &proof, t, EMPTY_ROOT, n, leaf);
        case(
            "root of the tree one smaller".into(),
            &proof,
            t,
            root(&stored, t - 1),
            n,
            leaf,
        );
        if r != leaf {
            case("leaf as root".into(), &proof, t, leaf, n, leaf);
            case("root as leaf".into(), &proof, t, r, n, r);
        }
        case("wrong leaf".into(), &proof, t, r, n, stranger);
        case(
            "another entry's leaf".into(),
            &proof,
            t,
            r,
            n,
            leaf_hash(&entry(n + 1)),
        );
        for (what, p) in reshaped(&proof, stranger) {
            case(what, &p, t, r, n, leaf);
        }
        for (what, p) in bit_flips(&proof) {
            case(what, &p, t, r, n, leaf);
        }
        for (what, [r2, l2]) in bit_flips(&[r, leaf])
            .into_iter()
            .map(|(w, v)| (w, [v[0], v[1]]))
        {
            case(format!("root/leaf: {what}"), &proof, t, r2, n, l2);
        }
        for (what, p, t2, r2, n2, l2) in cases {
            assert!(
                check_record(&p, t2, &r2, n2, &l2).is_err(),
                "inclusion of {n} in {t}: {what} was accepted"
            );
        }
    }
}

/// (old size, new size) pairs.
const CONSISTENCY_CASES: [(u64, u64); 10] = [
    (1, 1),
    (1, 2),
    (1, 8),
    (2, 5),
    (3, 7),
    (6, 8),
    (6, 7),
    (8, 8),
    (100, 257),
    (256, 299),
];

#[test]
fn corrupted_consistency_proofs_are_rejected() {
    let stored = store();
    let stranger = leaf_hash(b"stranger");
    for (m, t) in CONSISTENCY_CASES {
        let proof = prove_tree(t, m, &stored).expect("stored");
        let (old, new) = (root(&stored, m), root(&stored, t));
        assert!(check_tree(&proof, t, &new, m, &old).is_ok(), "{m} to {t}");

        // (what, proof, new size, new root, old size, old root)
        let mut cases: Vec<(String, Vec<Hash>, u64, Hash, u64, Hash)> = Vec::new();
        let mut case = |what: &str, p: &[Hash], t2: u64, new2: Hash, m2: u64, old2: Hash| {
            cases.push((what.to_owned(), p.to_vec(), t2, new2, m2, old2));
        };
        // A size changed with its root kept is not in this table: see
        // `a_proof_binds_sizes_only_through_their_roots`.
        case(
            "old size + 1, its root",
            &proof,
            t,
            new,
            m + 1,
            root(&stored, m + 1),
        );
        case(
            "old size − 1, its root",
            &proof,
            t,
            new,
            m - 1,
            root(&stored, m - 1),
        );
        case(
            "new size + 1, its root",
            &proof,
            t + 1,
            root(&stored, t + 1),
            m,
            old,
        );
        case("new size doubled", &proof, 2 * t, new, m, old);
        case("new size halved", &proof, t / 2, new, m, old);
        case("old size doubled", &proof, t, new, 2 * m, old);
        case("old size halved", &proof, t, new, m / 2, old);
        if old != new {
            case("sizes swapped", &proof, m, old, t, new);
            case("roots swapped", &proof, t, old, m, new);
            case("new root for both", &proof, t, new, m, new);
            case("old root for both", &proof, t, old, m, old);
        }
        case("wrong old root", &proof, t, new, m, stranger);
        case("wrong new root", &proof, t, stranger, m, old);
        case("empty old root", &proof, t, new, m, EMPTY_ROOT);
        case("empty new root", &proof, t, EMPTY_ROOT, m, old);
        for (what, p) in reshaped(&proof, stranger) {
            case(&what, &p, t, new, m, old);
        }
        for (what, p) in bit_flips(&proof) {
            case(&what, &p, t, new, m, old);
        }
        for (what, v) in bit_flips(&[new, old]) {
            case(&format!("roots: {what}"), &proof, t, v[0], m, v[1]);
        }
        for (what, p, t2, new2, m2, old2) in cases {
            assert!(
                check_tree(&p, t2, &new2, m2, &old2).is_err(),
                "consistency {m} to {t}: {what} was accepted"
            );
        }
    }
}

/// Not a corruption a proof can catch: RFC 6962 proofs commit to roots, not sizes, so the proof
/// from size 2 to size 5 also "proves" size 2 to size 6 if the verifier is told that 6 is the
/// size of root R5. Sizes and roots must come together from one signed checkpoint, which is how
/// the verifier uses them.
#[test]
fn a_proof_binds_sizes_only_through_their_roots() {
    let stored = store();
    let proof = prove_tree(5, 2, &stored).expect("stored");
    let (r2, r5) = (root(&stored, 2), root(&stored, 5));
    assert!(check_tree(&proof, 6, &r5, 2, &r2).is_ok());
    assert!(check_tree(&proof, 6, &root(&stored, 6), 2, &r2).is_err());
}

// --- Notes and checkpoints ---

fn log_signer() -> Signer {
    Signer::from_seed("example.com/ledger", &[9; 32]).expect("valid name")
}

fn signed_checkpoint() -> String {
    let c = Checkpoint::new("example.com/ledger", 1234, leaf_hash(b"root")).expect("valid");
    c.sign(&log_signer()).to_string()
}

#[test]
fn corrupted_signed_checkpoints_are_rejected() {
    let good = signed_checkpoint();
    let v = log_signer().verifier();
    assert!(Checkpoint::open(good.as_bytes(), std::slice::from_ref(&v)).is_ok());
    let root_b64 = leaf_hash(b"root").to_base64();
    let sig_line = good.lines().last().expect("a signature line").to_owned();
    let sig_b64 = sig_line.rsplit(' ').next().expect("base64").to_owned();
    let parsed = Note::parse(good.as_bytes()).expect("parses");
    let sig = &parsed.signatures()[0];
    let wrong_id_line = NoteSignature {
        key_id: sig.key_id ^ 1,
        ..sig.clone()
    }
    .line();
    let other = Signer::from_seed("example.com/ledger", &[8; 32]).expect("valid name");
    let other_sig = Checkpoint::new("example.com/ledger", 1234, leaf_hash(b"root"))
        .expect("valid")
        .sign(&other)
        .to_string();

    let replace = |from: &str, to: &str| good.replacen(from, to, 1);
    let cases: Vec<(&str, String)> = vec![
        (
            "wrong key name",
            replace(
                "\u{2014} example.com/ledger ",
                "\u{2014} example.com/ledgeR ",
            ),
        ),
        (
            "wrong key ID",
            replace(&format!("{sig_line}\n"), &wrong_id_line),
        ),
        ("wrong signature", replace(&sig_b64[20..26], "AAAAAA")),
        ("another key's signature", other_sig),
        (
            "changed origin",
            replace("example.com/ledger\n", "example.com/ledgex\n"),
        ),
        ("changed size", replace("\n1234\n", "\n1235\n")),
        ("size with leading zero", replace("\n1234\n", "\n01234\n")),
        (
            "changed root",
            replace(&root_b64, &leaf_hash(b"other").to_base64()),
        ),
        (
            "extension line added",
            replace(&format!("{root_b64}\n"), &format!("{root_b64}\nextra\n")),
        ),
        (
            "blank line added",
            replace(&format!("{root_b64}\n"), &format!("{root_b64}\n\n")),
        ),
        ("line after the signatures", format!("{good}extra\n")),
        ("blank line after the signatures", format!("{good}\n")),
        ("no final newline", good.trim_end_matches('\n').to_owned()),
        ("CRLF", good.replace('\n', "\r\n")),
        ("tab", replace("\n1234\n", "\n1234\t\n")),
        ("NUL", replace("\n1234\n", "\n1234\0\n")),
        (
            "no blank line",
            replace(&format!("{root_b64}\n\n"), &format!("{root_b64}\n")),
        ),
        (
            "no signature",
            good[..good.len() - sig_line.len() - 1].to_owned(),
        ),
        ("hyphen for em dash", replace("\u{2014} ", "- ")),
        (
            "two spaces",
            replace(
                "\u{2014} example.com/ledger ",
                "\u{2014} example.com/ledger  ",
            ),
        ),
        (
            "unpadded signature",
            replace(&sig_b64, sig_b64.trim_end_matches('=')),
        ),
        (
            "signature truncated",
            replace(&sig_b64, &sig_b64[..sig_b64.len() - 4]),
        ),
        ("empty signature", replace(&sig_b64, "")),
        (
            "invalid second signature by the same key",
            format!("{good}{}\n", sig_line.replace(&sig_b64[20..26], "AAAAAA")),
        ),
    ];
    for (what, msg) in &cases {
        assert_ne!(msg, &good, "{what}: the corruption changed nothing");
        assert!(
            Checkpoint::open(msg.as_bytes(), std::slice::from_ref(&v)).is_err(),
            "{what} was accepted:\n{msg}"
        );
    }
    // Bad UTF-8.
    let mut bytes = good.clone().into_bytes();
    bytes[3] = 0xff;
    assert!(matches!(
        Checkpoint::open(&bytes, &[v]),
        Err(Error::MalformedNote(_))
    ));
}

/// Checkpoint texts that are valid notes, correctly signed, but not valid checkpoints.
#[test]
fn malformed_checkpoint_texts_are_rejected_after_a_good_signature() {
    let signer = log_signer();
    let v = signer.verifier();
    let root = leaf_hash(b"root").to_base64();
    let short = Hash([1; 32]).to_base64()[..40].to_owned();
    let texts = [
        "example.com/ledger\n".to_owned(),
        "example.com/ledger\n12\n".to_owned(),
        format!("\n12\n{root}\n"),
        format!("example.com/ledger\n\n{root}\n"),
        format!("example.com/ledger\n012\n{root}\n"),
        format!("example.com/ledger\n+12\n{root}\n"),
        format!("example.com/ledger\n-12\n{root}\n"),
        format!("example.com/ledger\n1_2\n{root}\n"),
        format!("example.com/ledger\n 12\n{root}\n"),
        format!("example.com/ledger\n18446744073709551616\n{root}\n"),
        "example.com/ledger\n12\nnot base64!\n".to_owned(),
        format!("example.com/ledger\n12\n{}\n", root.trim_end_matches('=')),
        format!("example.com/ledger\n12\n{short}\n"),
        format!("example.com/ledger\n12\n{}\n", STANDARD.encode([7; 33])),
        format!("example.com/ledger\n12\n{root} \n"),
    ];
    for text in texts {
        let mut n = Note::new(text.clone()).expect("a valid note text");
        n.sign(&signer);
        let msg = n.to_bytes();
        assert!(
            note::open(&msg, std::slice::from_ref(&v)).is_ok(),
            "the note itself verifies"
        );
        assert!(
            matches!(
                Checkpoint::open(&msg, std::slice::from_ref(&v)),
                Err(Error::MalformedCheckpoint(_))
            ),
            "{text:?} was accepted as a checkpoint"
        );
    }
}

const PETER_VKEY: &str = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
const PETER_SKEY: &str =
    "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
const PETER_TEXT: &str = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const PETER_SIG: &str = "\u{2014} PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";

/// Go's `TestOpen` "invalid encoded message syntax" list (golang.org/x/mod/sumdb/note).
#[test]
fn go_malformed_notes_are_rejected() {
    let v = Verifier::from_vkey(PETER_VKEY).expect("parses");
    let (text, sig) = (PETER_TEXT, PETER_SIG);
    let bad = [
        text.to_owned(),
        format!("{text}\n"),
        format!("{text}\n{}", &sig[..sig.len() - 1]),
        format!("\x01{text}\n{sig}"),
        format!("{text}\n{sig}Unexpected line.\n"),
        format!(
            "{text}\n\u{2014} Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM="
        ),
        format!("{text}\n{}", sig.repeat(101)),
    ];
    for msg in &bad {
        assert!(
            matches!(
                note::open(msg.as_bytes(), std::slice::from_ref(&v)),
                Err(Error::MalformedNote(_))
            ),
            "accepted:\n{msg}"
        );
    }
    let mut invalid_utf8 = format!("{text}\n{sig}").into_bytes();
    invalid_utf8.insert(0, 0xff);
    assert!(matches!(
        note::open(&invalid_utf8, std::slice::from_ref(&v)),
        Err(Error::MalformedNote(_))
    ));
    // "Invalid signature": four characters inserted into the base64.
    let msg = format!("{text}\n{}ABCD{}", &sig[..60], &sig[60..]);
    assert!(matches!(
        note::open(msg.as_bytes(), &[v]),
        Err(Error::InvalidSignature { .. })
    ));
}

/// Go's `TestNewVerifier` / `TestNewSigner`: every proper substring and every one-byte increment
/// of a key is rejected.
#[test]
fn mangled_keys_are_rejected() {
    for (key, parse) in [
        (
            PETER_VKEY,
            (|k: &str| Verifier::from_vkey(k).is_ok()) as fn(&str) -> bool,
        ),
        (PETER_SKEY, |k: &str| Signer::from_skey(k).is_ok()),
    ] {
        assert!(parse(key));
        let b = key.as_bytes();
        for i in 0..=b.len() {
            for j in i + 1..=b.len() {
                if (i, j) != (0, b.len()) {
                    let sub = String::from_utf8_lossy(&b[i..j]);
                    assert!(!parse(&sub), "substring {sub:?} accepted");
                }
            }
        }
        for i in 0..b.len() {
            let mut m = b.to_vec();
            m[i] = m[i].wrapping_add(1);
            let m = String::from_utf8_lossy(&m);
            assert!(!parse(&m), "{m:?} accepted");
        }
    }
    for bad in [
        // Wrong key length with an adjusted key ID; unknown algorithm with an adjusted key ID
        // (both from Go's tests).
        "PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==",
        "PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        // Uppercase hex key ID.
        "PeterNeumann+C74F20A3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
    ] {
        assert!(Verifier::from_vkey(bad).is_err(), "{bad} accepted");
    }
}

#[test]
fn repeated_and_unknown_keys() {
    let signer = log_signer();
    let msg = signed_checkpoint();
    // The same key given twice is one key.
    let v = signer.verifier();
    assert!(Checkpoint::open(msg.as_bytes(), &[v.clone(), v.clone()]).is_ok());
    // A key with the same name but another ID is simply unknown.
    let other = Signer::from_seed("example.com/ledger", &[1; 32])
        .expect("valid")
        .verifier();
    assert_ne!(other.key_id(), v.key_id());
    assert!(matches!(
        Checkpoint::open(msg.as_bytes(), &[other]),
        Err(Error::UnverifiedNote { .. })
    ));
}

#[test]
fn malformed_tile_paths_are_rejected() {
    for path in [
        "",
        "tile",
        "tile/",
        "tile/0",
        "tile/0/",
        "/tile/0/000",
        "tiles/0/000",
        "tile/00/000",
        "tile/-1/000",
        "tile/+1/000",
        "tile/64/000",
        "tile/data/000",
        "tile/0/00",
        "tile/0/0000",
        "tile/0/x000/001",
        "tile/0/001/002",
        "tile/0/x1/000",
        "tile/0/x001/",
        "tile/0/x001",
        "tile/0/000/",
        "tile/0/000.p",
        "tile/0/000.p/",
        "tile/0/000.p/0",
        "tile/0/000.p/256",
        "tile/0/000.p/01",
        "tile/0/000.p/5/6",
        "tile/0/000.p/x",
        "tile/0/x001.p/5/000",
        "tile/entries/000.p/256",
        "tile/entries/",
        "tile/entries/x1000/000",
        "tile/0/x018/x446/x744/x073/x709/x551/616",
    ] {
        assert!(parse_tile_path(path).is_err(), "{path:?} accepted");
    }
}
