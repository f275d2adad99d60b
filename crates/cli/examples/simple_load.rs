//! A simple load against a running node: pre-signs `N` `system.set_note`
//! transactions from `M` registered accounts, submits them in batches over
//! HTTP from several threads, and reports committed transactions per second
//! (durable, as measured by the node's `log_size`).
//!
//! ```sh
//! cargo run --release --example simple_load -- http://127.0.0.1:8700 200000 2000 4
//! ```
//! Arguments: node URL, transactions, accounts, submitting threads. The
//! full load generator (`publica bench`) is its own piece of work; this is
//! the quick check the node foundation reports.

use publica_crypto::Keypair;
use publica_types::{Expiry, TxBody};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

fn sign(kp: &Keypair, chain: &str, nonce: u64, method: &str, args: Value) -> Value {
    let body = TxBody::new(
        chain,
        nonce,
        Expiry::Height(1 << 40),
        "system",
        method,
        args,
    );
    json!(kp.sign_tx(kp.account(), body).expect("canonical"))
}

fn post_batches(client: &reqwest::blocking::Client, url: &str, txs: &[Value]) {
    for chunk in txs.chunks(5_000) {
        let resp: Value = client
            .post(format!("{url}/v1/transactions/batch"))
            .json(&json!({ "transactions": chunk }))
            .send()
            .expect("submitting a batch")
            .json()
            .expect("batch answer");
        let rejected = resp["rejected"].as_u64().unwrap_or(0);
        assert_eq!(
            rejected,
            0,
            "rejected items: {}",
            resp["results"]
                .as_array()
                .map(|r| r.iter().find(|i| i.get("error").is_some()).cloned())
                .unwrap_or_default()
                .unwrap_or_default()
        );
    }
}

fn log_size(client: &reqwest::blocking::Client, url: &str) -> u64 {
    let v: Value = client
        .get(format!("{url}/v1/status"))
        .send()
        .expect("status")
        .json()
        .expect("status json");
    v["log_size"].as_u64().unwrap_or(0)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let url = args
        .get(1)
        .cloned()
        .unwrap_or_else(|| "http://127.0.0.1:8700".into());
    let n: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(100_000);
    let m: usize = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(1_000);
    let threads: usize = args.get(4).and_then(|s| s.parse().ok()).unwrap_or(4);
    let client = reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(120))
        .build()
        .expect("client");
    let status: Value = client
        .get(format!("{url}/v1/status"))
        .send()
        .expect("node reachable")
        .json()
        .expect("json");
    let chain = status["chain_id"].as_str().expect("chain id").to_string();

    eprintln!("setting up {m} accounts…");
    let keys: Vec<Keypair> = (0..m).map(|_| Keypair::generate()).collect();
    let regs: Vec<Value> = keys
        .iter()
        .map(|k| sign(k, &chain, 1, "register_account", json!({})))
        .collect();
    let base = log_size(&client, &url);
    post_batches(&client, &url, &regs);
    while log_size(&client, &url) < base + m as u64 {
        std::thread::sleep(Duration::from_millis(20));
    }

    eprintln!("pre-signing {n} transactions…");
    let txs: Vec<Value> = (0..n)
        .map(|i| {
            let k = &keys[i % m];
            let nonce = 2 + (i / m) as u64;
            sign(
                k,
                &chain,
                nonce,
                "set_note",
                json!({ "note": format!("load {i}") }),
            )
        })
        .collect();
    // Each thread owns whole accounts so that nonces arrive in order.
    let mut per_thread: Vec<Vec<Value>> = vec![Vec::new(); threads];
    for (i, tx) in txs.into_iter().enumerate() {
        per_thread[(i % m) % threads].push(tx);
    }

    let start_size = log_size(&client, &url);
    let started = Instant::now();
    std::thread::scope(|s| {
        for part in &per_thread {
            let (client, url) = (client.clone(), url.clone());
            s.spawn(move || post_batches(&client, &url, part));
        }
    });
    let submitted = started.elapsed();
    while log_size(&client, &url) < start_size + n as u64 {
        std::thread::sleep(Duration::from_millis(5));
    }
    let total = started.elapsed();
    let report = json!({
        "transactions": n,
        "accounts": m,
        "threads": threads,
        "submit_seconds": submitted.as_secs_f64(),
        "commit_seconds": total.as_secs_f64(),
        "committed_tx_per_s": (n as f64 / total.as_secs_f64()).round(),
    });
    println!("{}", serde_json::to_string_pretty(&report).expect("json"));
}
