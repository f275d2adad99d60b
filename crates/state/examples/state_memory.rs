//! Memory held by the state tree per entry, for entries shaped like the
//! ledger's (a money account, a nonce), measured as the
//! process's resident memory before and after inserting them (Linux
//! `/proc/self/status`), with the root computed, under the node's allocator
//! (mimalloc).
//!
//! ```sh
//! cargo run --release -p publica-state --example state_memory -- 1000000
//! ```

use publica_state::StateTree;

// The node's allocator, so that size classes round as they do there.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn rss_bytes() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("Linux /proc");
    let kib: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .expect("VmRSS in /proc/self/status");
    kib * 1024
}

/// Makes the key and value of entry `i`.
type Shape = dyn Fn(usize) -> (Vec<u8>, Vec<u8>);

/// Resident bytes per entry of a tree of `n` entries made by `entry(i)`.
fn per_entry(n: usize, entry: impl Fn(usize) -> (Vec<u8>, Vec<u8>)) -> (u64, usize) {
    let before = rss_bytes();
    let mut t = StateTree::new();
    let mut kv_bytes = 0;
    for i in 0..n {
        let (k, v) = entry(i);
        kv_bytes += k.len() + v.len();
        t.insert(&k, &v);
    }
    t.root();
    let held = rss_bytes().saturating_sub(before) / n as u64;
    (held, kv_bytes / n)
}

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    let account = br#"{"id":"bench-25e84a9b-560000","currency":"B25E84A9B","owner":{"kind":"citizen","account":"27f47e9f795dfad68d2e110d2ac37f32c73d53739c0c972195d53795e0c59a53"},"balance":"1000000000","pending_out":"0","overdraft_limit":"0","frozen":false,"closed":false,"provenance":{"B25E84A9B/bench":"1000000000"}}"#;
    let shapes: [(&str, Box<Shape>); 2] = [
        (
            "money account",
            Box::new(|i| {
                (
                    format!("money/account/bench-25e84a9b-{i}").into_bytes(),
                    account.to_vec(),
                )
            }),
        ),
        (
            "nonce",
            Box::new(|i| {
                (
                    format!("runtime/nonce/{i:064x}").into_bytes(),
                    b"1".to_vec(),
                )
            }),
        ),
    ];
    // Each shape in a fresh process: memory freed by one would be reused
    // by the next and hide its cost.
    let Some(only) = std::env::args().nth(2) else {
        for (name, _) in &shapes {
            let out = std::process::Command::new(std::env::current_exe().expect("own path"))
                .args([n.to_string(), name.to_string()])
                .output()
                .expect("run a shape");
            print!("{}", String::from_utf8_lossy(&out.stdout));
        }
        return;
    };
    for (name, entry) in shapes.into_iter().filter(|(name, _)| *name == only) {
        let (held, kv) = per_entry(n, entry);
        println!(
            "{{\"entry\":\"{name}\",\"entries\":{n},\"key_and_value_bytes\":{kv},\"resident_bytes_per_entry\":{held},\"tree_overhead_per_entry\":{}}}",
            held as i64 - kv as i64
        );
    }
}
