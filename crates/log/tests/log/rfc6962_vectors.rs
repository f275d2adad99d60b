//! Runs every public transparency-dev inclusion and consistency vector
//! (`../shared/testdata/merkle-rfc6962/testdata/{inclusion,consistency}`)
//! through our verifiers and requires exactly the expected outcome. The
//! vectors are read in place, never copied into this repository; where the
//! shared folder is absent (a user's clone) the test says so and skips.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use publica_log::{verify_consistency, verify_inclusion};
use publica_types::Hash32;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn vectors_dir() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/testdata/merkle-rfc6962/testdata");
    dir.is_dir().then_some(dir)
}

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            files(&p, out);
        } else if p.extension().is_some_and(|x| x == "json") {
            out.push(p);
        }
    }
}

/// Decodes a root. A few vectors use placeholder roots that are not 32
/// bytes ("don't care") where only their equality matters; our verifier
/// takes typed 32-byte roots, so such a placeholder is mapped to its SHA-256,
/// which keeps equal placeholders equal and never matches a real root.
fn root_hash(v: &Value) -> Option<Hash32> {
    let b = B64.decode(v.as_str()?).ok()?;
    Some(match <[u8; 32]>::try_from(b.as_slice()) {
        Ok(h) => Hash32(h),
        Err(_) => publica_crypto::sha256(&b),
    })
}

/// Decodes a proof or leaf hash; `None` for one that is not 32 bytes (such
/// a vector must then be rejected).
fn hash(v: &Value) -> Option<Hash32> {
    let s = v.as_str()?;
    let b = B64.decode(s).ok()?;
    Some(Hash32(b.try_into().ok()?))
}

fn hashes(v: &Value) -> Option<Vec<Hash32>> {
    match v {
        Value::Null => Some(Vec::new()),
        Value::Array(a) => a.iter().map(hash).collect(),
        _ => None,
    }
}

fn run(kind: &str, check: impl Fn(&Value) -> bool) -> usize {
    let Some(root) = vectors_dir() else {
        eprintln!("SKIPPED: ../shared/testdata/merkle-rfc6962 not found (a clone without the shared folder); CI runs these vectors");
        return 0;
    };
    let mut paths = Vec::new();
    files(&root.join(kind), &mut paths);
    paths.sort();
    assert!(!paths.is_empty(), "no {kind} vectors found");
    let mut failures = Vec::new();
    for p in &paths {
        let v: Value = serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap();
        let want_err = v["wantErr"].as_bool().unwrap_or(false);
        let ok = check(&v);
        if ok == want_err {
            failures.push(format!(
                "{}: wantErr={want_err} but verification {}",
                p.display(),
                if ok { "passed" } else { "failed" }
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} {kind} vectors disagree:\n{}",
        failures.len(),
        paths.len(),
        failures.join("\n")
    );
    paths.len()
}

#[test]
fn inclusion_vectors() {
    let n = run("inclusion", |v| {
        let (Some(index), Some(size)) = (v["leafIdx"].as_u64(), v["treeSize"].as_u64()) else {
            return false;
        };
        let (Some(leaf), Some(root), Some(proof)) = (
            hash(&v["leafHash"]),
            root_hash(&v["root"]),
            hashes(&v["proof"]),
        ) else {
            return false;
        };
        verify_inclusion(index, size, &leaf, &proof, &root).is_ok()
    });
    eprintln!("{n} inclusion vectors checked");
}

#[test]
fn consistency_vectors() {
    let n = run("consistency", |v| {
        let (Some(size1), Some(size2)) = (v["size1"].as_u64(), v["size2"].as_u64()) else {
            return false;
        };
        let (Some(r1), Some(r2), Some(proof)) = (
            root_hash(&v["root1"]),
            root_hash(&v["root2"]),
            hashes(&v["proof"]),
        ) else {
            return false;
        };
        verify_consistency(size1, size2, &proof, &r1, &r2).is_ok()
    });
    eprintln!("{n} consistency vectors checked");
}

/// Found by the fuzzer (`fuzz/regressions/inclusion_proof`): an index and a
/// size whose 64 bits all differ made the proof's shape overflow a shift
/// (a panic in a debug build); such proofs are refused.
#[test]
fn sizes_at_the_top_of_the_range_are_refused_not_a_panic() {
    let leaf = Hash32([1; 32]);
    let big = 1u64 << 63;
    assert!(verify_inclusion(big, u64::MAX, &leaf, &[], &leaf).is_err());
    assert!(verify_inclusion(0, u64::MAX, &leaf, &[leaf; 3], &leaf).is_err());
    assert!(verify_inclusion(big - 1, big, &leaf, &[leaf; 63], &leaf).is_err());
    assert!(verify_consistency(big - 1, u64::MAX, &[leaf], &leaf, &leaf).is_err());
    assert!(verify_consistency(1, u64::MAX, &[leaf; 64], &leaf, &leaf).is_err());
}
