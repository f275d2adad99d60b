//! Test harness: runs the real `publica` binary on a loopback port with a
//! temporary data directory, and signs transactions for it.
#![allow(dead_code)]

use publica_crypto::Keypair;
use publica_types::{Envelope, Expiry, TxBody};
use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// Runs the binary with `args`; it must succeed; its stdout as JSON.
pub fn run_ok(args: &[&str]) -> Value {
    let out = Command::new(bin())
        .args(args)
        .output()
        .expect("running publica");
    assert!(
        out.status.success(),
        "publica {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON on stdout")
}

/// Path of the binary under test.
pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_publica"))
}

/// A running `publica dev`. Killed (and its output drained) on drop.
pub struct TestNode {
    pub child: Child,
    pub url: String,
    pub data_dir: PathBuf,
    pub stderr: std::sync::Arc<std::sync::Mutex<String>>,
}

impl TestNode {
    /// Starts a node on `data_dir` with extra arguments.
    pub fn start_in(data_dir: &Path, extra: &[&str]) -> TestNode {
        Self::try_start_in(data_dir, extra).unwrap_or_else(|e| panic!("node did not start: {e}"))
    }

    /// Starts a node; `Err(stderr)` if it exits before listening.
    pub fn try_start_in(data_dir: &Path, extra: &[&str]) -> Result<TestNode, String> {
        let mut cmd = Command::new(bin());
        cmd.args(["dev", "--data-dir"]).arg(data_dir);
        if !extra.contains(&"--listen") {
            cmd.args(["--listen", "127.0.0.1:0"]);
        }
        if !extra.contains(&"--block-ms") {
            cmd.args(["--block-ms", "20"]);
        }
        cmd.args(extra);
        Self::launch(cmd, data_dir)
    }

    /// Runs `cmd` (a `publica` command that serves an API) until it prints
    /// the address it listens on; `Err(stderr)` if it exits before.
    pub fn launch(mut cmd: Command, data_dir: &Path) -> Result<TestNode, String> {
        let mut child = cmd
            .env("PUBLICA_LOG", "info")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawning publica");
        let stderr_buf = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
        let err = child.stderr.take().unwrap();
        let sink = stderr_buf.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(err).lines().map_while(Result::ok) {
                sink.lock().unwrap().push_str(&line);
                sink.lock().unwrap().push('\n');
            }
        });
        let out = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                if let Some(url) = line.strip_prefix("publica: listening on ") {
                    let _ = tx.send(url.to_string());
                }
            }
        });
        match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(url) => Ok(TestNode {
                child,
                url,
                data_dir: data_dir.to_path_buf(),
                stderr: stderr_buf,
            }),
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                std::thread::sleep(Duration::from_millis(100));
                let text = stderr_buf.lock().unwrap().clone();
                Err(text)
            }
        }
    }

    /// SIGKILL, as a power cut would.
    pub fn kill9(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// SIGTERM; returns the exit status.
    pub fn terminate(mut self) -> std::process::ExitStatus {
        send_sigterm(self.child.id());
        self.child.wait().expect("waiting for publica")
    }

    pub fn stderr_text(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }
}

fn send_sigterm(pid: u32) {
    let _ = Command::new("kill")
        .arg("-TERM")
        .arg(pid.to_string())
        .status();
}

impl Drop for TestNode {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A blocking HTTP client with a short timeout.
pub fn http() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap()
}

/// GET; returns (status, JSON or string).
pub fn get(url: &str) -> (u16, Value) {
    let r = http()
        .get(url)
        .send()
        .unwrap_or_else(|e| panic!("GET {url}: {e}"));
    let status = r.status().as_u16();
    let text = r.text().unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

/// POST raw bytes as JSON; returns (status, JSON or string).
pub fn post_raw(url: &str, body: Vec<u8>) -> (u16, Value) {
    let r = http()
        .post(url)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .unwrap_or_else(|e| panic!("POST {url}: {e}"));
    let status = r.status().as_u16();
    let text = r.text().unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

/// Percent-encodes a form or query value.
pub fn encode(text: &str) -> String {
    publica_types::uri::encode(text)
}

/// POST JSON.
pub fn post(url: &str, body: &Value) -> (u16, Value) {
    post_raw(url, serde_json::to_vec(body).unwrap())
}

/// Signs a call.
pub fn sign(
    kp: &Keypair,
    chain_id: &str,
    nonce: u64,
    expiry: Expiry,
    module: &str,
    method: &str,
    args: Value,
) -> Envelope {
    let body = TxBody::new(chain_id, nonce, expiry, module, method, args);
    kp.sign_tx(kp.account(), body).unwrap()
}

/// Signs a `system` call on the dev chain, expiring far ahead.
pub fn system_tx(kp: &Keypair, nonce: u64, method: &str, args: Value) -> Envelope {
    sign(
        kp,
        "publica-dev",
        nonce,
        Expiry::Height(1_000_000),
        "system",
        method,
        args,
    )
}

/// The `n`-th transaction of an account that registers (nonce 1) and then
/// sets notes: the workload most tests need.
pub fn note_tx(kp: &Keypair, n: u64, note: &str) -> Envelope {
    note_tx_on("publica-dev", kp, n, note)
}

/// [`note_tx`] on chain `chain_id`.
pub fn note_tx_on(chain_id: &str, kp: &Keypair, n: u64, note: &str) -> Envelope {
    let (method, args) = if n == 1 {
        ("register_account", json!({}))
    } else {
        ("set_note", json!({ "note": note }))
    };
    sign(
        kp,
        chain_id,
        n,
        Expiry::Height(1_000_000),
        "system",
        method,
        args,
    )
}

/// Submits one envelope; returns (status, answer).
pub fn submit(node: &TestNode, env: &Envelope) -> (u16, Value) {
    post(&format!("{}/v1/transactions", node.url), &json!(env))
}

/// Waits for a receipt (200), panicking after 30 s.
pub fn receipt(node: &TestNode, tx_id: &str) -> Value {
    for _ in 0..30 {
        let (s, v) = get(&format!(
            "{}/v1/transactions/{tx_id}?wait_ms=1000",
            node.url
        ));
        match s {
            200 => return v,
            202 => continue,
            _ => panic!("receipt for {tx_id}: {s} {v}"),
        }
    }
    panic!("no receipt for {tx_id} within 30 s")
}

/// A fresh account registers and sets `n - 1` notes; waits for every
/// receipt and returns the transaction ids.
pub fn commit_notes(node: &TestNode, n: u64) -> Vec<String> {
    let kp = Keypair::generate();
    let ids: Vec<String> = (1..=n)
        .map(|nonce| {
            let (s, v) = submit(node, &note_tx(&kp, nonce, &nonce.to_string()));
            assert_eq!(s, 202, "{v}");
            v["tx_id"].as_str().unwrap().to_string()
        })
        .collect();
    for id in &ids {
        receipt(node, id);
    }
    ids
}

/// Runs `publica admin verify-chain` on a stopped node's data directory,
/// requires success, and returns how many blocks were replayed.
pub fn verify_chain(data_dir: &Path) -> u64 {
    let out = Command::new(bin())
        .args(["admin", "verify-chain", "--data-dir"])
        .arg(data_dir)
        .output()
        .expect("running publica admin verify-chain");
    assert!(
        out.status.success(),
        "verify-chain failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).expect("verify-chain prints JSON");
    report["verified_blocks"].as_u64().expect("verified_blocks")
}

/// A deterministic stream of pseudo-random numbers (xorshift64*): a seed
/// replays a run (a crash campaign, a money campaign).
pub struct Dice(pub u64);

impl Dice {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    pub fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len() as u64) as usize]
    }
}

/// The dev chain's administrator key, which `publica dev` writes into a
/// new data directory.
pub fn dev_admin(data_dir: &Path) -> Keypair {
    publica_crypto::KeyFile::read(&data_dir.join("dev-admin-key.json"))
        .expect("a dev data directory holds dev-admin-key.json")
        .open("dev-admin-key.json", None)
        .expect("the dev admin key is not encrypted")
}

/// The path of a dev data directory's admin key file.
pub fn dev_admin_path(data_dir: &Path) -> String {
    data_dir
        .join("dev-admin-key.json")
        .to_str()
        .expect("a UTF-8 path")
        .to_string()
}

/// `publica tx send` of one call signed with the key file `key` to the
/// node at `url`; panics, with the node's answer, unless it succeeded.
pub fn send_tx(url: &str, key: &str, module: &str, method: &str, args: &Value) {
    let a = args.to_string();
    let (ok, out, err) = publica(&[
        "tx", "send", "--key", key, "--node", url, "--module", module, "--method", method,
        "--args", &a,
    ]);
    assert!(ok, "{module}.{method}: {out} {err}");
}

/// Runs the `publica` binary: (success, stdout, stderr).
pub fn publica(args: &[&str]) -> (bool, String, String) {
    let out = std::process::Command::new(bin())
        .args(args)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The `status` of each row of a bulk command's report (`results`), in
/// order: `ok`, `failed`, `rejected` or `invalid`.
pub fn statuses(report: &Value) -> Vec<&str> {
    report["results"]
        .as_array()
        .expect("a report's results")
        .iter()
        .map(|r| r["status"].as_str().expect("a row's status"))
        .collect()
}

/// A dev node in a directory of its own, and the binary run against it:
/// the set-up of a command-line scenario.
pub struct DevCli {
    /// Holds the node's data (`d/`) and the scenario's files.
    pub dir: tempfile::TempDir,
    /// The node's data directory.
    pub data: PathBuf,
    /// The running node.
    pub node: TestNode,
}

impl DevCli {
    /// Starts `publica dev` with `extra` arguments.
    pub fn start(extra: &[&str]) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("d");
        let node = TestNode::start_in(&data, extra);
        DevCli { dir, data, node }
    }

    /// A file of the scenario.
    pub fn path(&self, name: &str) -> String {
        self.dir.path().join(name).to_str().unwrap().to_string()
    }

    /// The binary with `args` and `--node` this node.
    pub fn run(&self, args: &[&str]) -> (bool, String, String) {
        let mut all = args.to_vec();
        all.extend_from_slice(&["--node", &self.node.url]);
        publica(&all)
    }
}

/// A base port with `count` free ports from it.
pub fn free_port_range(count: u16) -> u16 {
    // Tests of this file run in parallel: each call starts elsewhere.
    static CALLS: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let call = CALLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    for attempt in 0..200u32 {
        let spread = std::process::id() * 7 + call * 4_001 + attempt * 97;
        // Below the ephemeral range (32768+), where outgoing connections
        // of other tests take their local ports.
        let base = 20_000 + (spread % 12_000) as u16;
        let held: Vec<_> = (0..count)
            .map_while(|i| std::net::TcpListener::bind(("127.0.0.1", base + i)).ok())
            .collect();
        if held.len() == count as usize {
            return base;
        }
    }
    panic!("no free port range on 127.0.0.1");
}

/// A network of one validator (`publica testnet init --validators 1`),
/// started and past its first block; stopped on drop.
pub struct OneValidator {
    pub url: String,
    pub node: TestNode,
}

impl OneValidator {
    /// `publica testnet init` of one validator of `chain` in `dir`.
    pub fn init(dir: &Path, chain: &str) {
        let base = free_port_range(2).to_string();
        run_ok(&[
            "testnet",
            "init",
            "--validators",
            "1",
            "--out",
            dir.to_str().unwrap(),
            "--chain-id",
            chain,
            "--base-port",
            &base,
            "--idle-block-ms",
            "300",
        ]);
    }

    /// Starts the validator of the network in `dir`.
    pub fn start(dir: &Path) -> Self {
        let mut cmd = Command::new(bin());
        cmd.arg("node")
            .arg("--config")
            .arg(dir.join("validator-0/config.json"));
        let node = TestNode::launch(cmd, &dir.join("validator-0/data"))
            .unwrap_or_else(|e| panic!("{}: the validator did not start: {e}", dir.display()));
        let url = node.url.clone();
        let deadline = std::time::Instant::now() + Duration::from_secs(60);
        while get(&format!("{url}/v1/status")).1["height"]
            .as_u64()
            .unwrap_or(0)
            < 1
        {
            assert!(
                std::time::Instant::now() < deadline,
                "{url}: no first block"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
        OneValidator { url, node }
    }
}
