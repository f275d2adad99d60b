//! Measures the transparency log's hot paths on one core: leaves appended
//! per second, and inclusion/consistency proof generation latency (p50, p99,
//! max) at a given size.
//!
//! ```sh
//! cargo run --release -p publica-log --example log_bench -- 10000000 10000
//! ```
//! Arguments: leaves, proofs to sample.

use publica_log::{leaf_hash, MerkleLog};
use std::time::Instant;

fn percentile(sorted: &[u128], p: f64) -> u128 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n: u64 = args
        .get(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(10_000_000);
    let samples: u64 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(10_000);
    // Leaf hashes are computed from entries before the clock starts, as the
    // node hashes entries while executing a block.
    let leaves: Vec<_> = (0..n).map(|i| leaf_hash(&i.to_le_bytes())).collect();
    let mut log = MerkleLog::new();
    let t = Instant::now();
    for l in &leaves {
        log.append(*l);
    }
    let append_s = t.elapsed().as_secs_f64();
    let root_t = Instant::now();
    let root = log.root();
    let root_us = root_t.elapsed().as_micros();

    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut rand = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let mut incl = Vec::with_capacity(samples as usize);
    let mut cons = Vec::with_capacity(samples as usize);
    for _ in 0..samples {
        let i = rand() % n;
        let t = Instant::now();
        let p = log.inclusion_proof(i, n).expect("in range");
        incl.push(t.elapsed().as_nanos());
        std::hint::black_box(p);
        let m = 1 + rand() % n;
        let t = Instant::now();
        let p = log.consistency_proof(m, n).expect("in range");
        cons.push(t.elapsed().as_nanos());
        std::hint::black_box(p);
    }
    incl.sort_unstable();
    cons.sort_unstable();
    println!(
        "{}",
        serde_json::json!({
            "leaves": n,
            "append_leaves_per_s": (n as f64 / append_s).round(),
            "root_us": root_us,
            "root": root,
            "inclusion_proof_ns": {"p50": percentile(&incl, 0.5), "p99": percentile(&incl, 0.99), "max": incl[incl.len() - 1]},
            "consistency_proof_ns": {"p50": percentile(&cons, 0.5), "p99": percentile(&cons, 0.99), "max": cons[cons.len() - 1]},
        })
    );
}
