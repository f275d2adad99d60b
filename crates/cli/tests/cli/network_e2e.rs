//! A four-validator network of real `publica node` processes on loopback:
//! a client submits transactions to every validator while one validator is
//! killed with SIGKILL and later restarted; at the end every receipted
//! transaction is committed on every validator, all hold the same blocks
//! and state roots, and receipts verify offline against the validator set.
#![allow(
    clippy::too_many_lines,
    reason = "a scenario test reads top to bottom as one story"
)]

use crate::common::{bin, free_port_range, get, post, run_ok, TestNode};
use publica_crypto::Keypair;
use publica_types::Envelope;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const N: usize = 4;
const CHAIN: &str = "publica-e2e-net";

/// A base port with 2N free ports above it (p2p, then API).
fn free_ports() -> u16 {
    free_port_range(2 * N as u16)
}

fn start(dir: &Path, i: usize) -> TestNode {
    let config = dir.join(format!("validator-{i}/config.json"));
    let mut cmd = Command::new(bin());
    cmd.arg("node").arg("--config").arg(&config);
    TestNode::launch(cmd, &dir.join(format!("validator-{i}/data")))
        .unwrap_or_else(|e| panic!("validator {i} did not start: {e}"))
}

fn tx(kp: &Keypair, n: u64) -> Envelope {
    crate::common::note_tx_on(CHAIN, kp, n, &format!("note {n}"))
}

/// Submits `env` to the first validator from `first` on that is up and
/// admits it (or already has it); returns which one.
fn submit(urls: &[String], alive: &[bool], first: usize, env: &Envelope) -> usize {
    for k in 0..N {
        let i = (first + k) % N;
        if !alive[i] {
            continue;
        }
        let (s, v) = post(&format!("{}/v1/transactions", urls[i]), &json!(env));
        // 409: already pending or used here (relayed from another one).
        if s == 202 || (s == 409 && v["code"] == "tx.nonce_replayed") {
            return i;
        }
    }
    panic!("no validator admitted {}", env.body.nonce);
}

/// The receipt of `id` at `url` once committed and final, if it is.
fn committed(url: &str, id: &str) -> Option<Value> {
    let (s, v) = get(&format!("{url}/v1/transactions/{id}"));
    (s == 200).then_some(v)
}

/// Waits until the transaction `sent` (its envelope and id) is committed
/// at one live validator, or at every one (`everywhere`), sending it again
/// every 5 s from validator `first` on (one admitted by a validator that
/// then died or stopped may be lost with it); fails at `deadline`.
fn until_committed(
    urls: &[String],
    alive: &[bool],
    sent: &(Envelope, String),
    first: usize,
    everywhere: bool,
    deadline: Instant,
    what: &str,
) {
    let (e, id) = sent;
    let done = || {
        let mut at = (0..N)
            .filter(|i| alive[*i])
            .map(|i| committed(&urls[i], id).is_some());
        if everywhere {
            at.all(|c| c)
        } else {
            at.any(|c| c)
        }
    };
    let mut resent = Instant::now();
    while !done() {
        assert!(Instant::now() < deadline, "timed out: {what} not committed");
        if resent.elapsed() > Duration::from_secs(5) {
            submit(urls, alive, first, e);
            resent = Instant::now();
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn height(url: &str) -> u64 {
    get(&format!("{url}/v1/status")).1["height"]
        .as_u64()
        .unwrap()
}

fn wait_until(limit: Duration, what: &str, mut ok: impl FnMut() -> bool) {
    let deadline = Instant::now() + limit;
    while !ok() {
        assert!(Instant::now() < deadline, "timed out: {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn four_validators_survive_a_kill_and_agree_on_every_block() {
    const ROUNDS: u64 = 6;
    let tmp = tempfile::tempdir().unwrap();
    let dir: PathBuf = tmp.path().join("net");
    let base = free_ports();
    // Short epochs: the kill and the restart cross epoch switches.
    let init = init_network(&dir, base, &["--epoch-blocks", "8"]);
    assert_eq!(init["validators"].as_array().unwrap().len(), N);
    let mut nodes: Vec<Option<TestNode>> = (0..N).map(|i| Some(start(&dir, i))).collect();
    let urls: Vec<String> = nodes
        .iter()
        .map(|n| n.as_ref().unwrap().url.clone())
        .collect();
    let mut alive = vec![true; N];
    wait_until(Duration::from_secs(60), "first blocks", || {
        urls.iter().all(|u| height(u) >= 1)
    });

    let keys: Vec<Keypair> = (0..12u8).map(|i| Keypair::from_seed([i + 1; 32])).collect();
    let mut ids: Vec<String> = Vec::new();
    for round in 1..=ROUNDS {
        let batch: Vec<(Envelope, String)> = keys
            .iter()
            .map(|kp| {
                let e = tx(kp, round);
                let id =
                    publica_crypto::tx_id(&e.signer, &e.body.signing_bytes().unwrap()).to_string();
                (e, id)
            })
            .collect();
        for (a, (e, _)) in batch.iter().enumerate() {
            submit(&urls, &alive, a + round as usize, e);
        }
        // One transaction sent to every live validator at once: it must
        // run once all the same.
        for (i, u) in urls.iter().enumerate().filter(|(i, _)| alive[*i]) {
            let (s, v) = post(&format!("{u}/v1/transactions"), &json!(batch[0].0));
            assert!(s == 202 || s == 409, "validator {i}: {s} {v}");
        }
        if round == 2 {
            // Validator 3 dies mid-round: SIGKILL, like a power cut, with
            // transactions it admitted maybe not yet relayed.
            nodes[3].take().unwrap().kill9();
            alive[3] = false;
        }
        if round == 4 {
            nodes[3] = Some(start(&dir, 3));
            alive[3] = true;
        }
        // Every transaction of the round is committed somewhere alive; one
        // lost with the killed validator is submitted again elsewhere.
        let deadline = Instant::now() + Duration::from_secs(90);
        for (a, sent) in batch.iter().enumerate() {
            let what = format!("round {round}: {}", sent.1);
            until_committed(&urls, &alive, sent, a, false, deadline, &what);
        }
        ids.extend(batch.into_iter().map(|(_, id)| id));
    }

    // An account rotates its key at one validator and signs with the new
    // key at another: every validator's vote accepts the new key.
    let old_file = tmp.path().join("old-key.json");
    let new_file = tmp.path().join("new-key.json");
    let next = Keypair::from_seed([99; 32]);
    publica_crypto::KeyFile::seal(&keys[0], None)
        .write_new(&old_file)
        .unwrap();
    publica_crypto::KeyFile::seal(&next, None)
        .write_new(&new_file)
        .unwrap();
    run_ok(&[
        "identity",
        "rotate-key",
        "--key",
        old_file.to_str().unwrap(),
        "--new-key",
        new_file.to_str().unwrap(),
        "--node",
        &urls[0],
    ]);
    let body = publica_types::TxBody::new(
        CHAIN,
        ROUNDS + 2,
        publica_types::Expiry::Height(1 << 30),
        "system",
        "set_note",
        json!({"note": "signed with the new key"}),
    );
    let rotated = next.sign_tx(keys[0].account(), body).unwrap();
    let id =
        publica_crypto::tx_id(&rotated.signer, &rotated.body.signing_bytes().unwrap()).to_string();
    submit(&urls, &alive, 1, &rotated);
    wait_until(Duration::from_secs(60), "the new key's note", || {
        urls.iter().all(|u| committed(u, &id).is_some())
    });
    ids.push(id);

    // The restarted validator caught up; every transaction is committed on
    // every validator, once, in the same block.
    let top = urls.iter().map(|u| height(u)).max().unwrap();
    wait_until(
        Duration::from_secs(90),
        "every validator at the top",
        || urls.iter().all(|u| height(u) >= top),
    );
    let mut placed: HashMap<String, u64> = HashMap::new();
    for id in &ids {
        for u in &urls {
            let r = committed(u, id).unwrap_or_else(|| panic!("{id} not committed at {u}"));
            assert_eq!(r["outcome"]["status"], "ok", "{r}");
            let h = r["block_height"].as_u64().unwrap();
            assert_eq!(
                *placed.entry(id.clone()).or_insert(h),
                h,
                "{id} heights differ"
            );
        }
    }
    let mut executed = 0;
    for h in 1..=top {
        let blocks: Vec<Value> = urls
            .iter()
            .map(|u| get(&format!("{u}/v1/blocks/{h}")).1)
            .collect();
        for b in &blocks[1..] {
            assert_eq!(b["hash"], blocks[0]["hash"], "block {h} differs");
            assert_eq!(b["header"]["state_root"], blocks[0]["header"]["state_root"]);
        }
        let outcomes = blocks[0]["outcomes"].as_array().unwrap();
        assert!(outcomes.iter().all(|o| o["status"] == "ok"), "block {h}");
        executed += outcomes.len();
    }
    // Resent, relayed and multiply-submitted: each ran exactly once.
    // (and the key rotation itself)
    assert_eq!(executed, ids.len() + 1, "every transaction executed once");
    let status = get(&format!("{}/v1/network", urls[3])).1;
    assert_eq!(status["mode"], "validator", "{status}");
    assert!(status["final_height"].as_u64().unwrap_or(0) > 0, "{status}");
    // The restarted validator hears from the three others (their
    // cosignatures may reach it a little later on a loaded machine).
    wait_until(
        Duration::from_secs(30),
        "the restarted validator hearing from the three others",
        || {
            get(&format!("{}/v1/network", urls[3])).1["peers"]
                .as_array()
                .map_or(0, Vec::len)
                == N - 1
        },
    );
    let status = get(&format!("{}/v1/network", urls[3])).1;
    let peers = status["peers"].as_array().unwrap();
    assert_eq!(peers.len(), N - 1, "{status}");
    assert!(
        peers
            .iter()
            .all(|p| p["name"].as_str().unwrap().starts_with("validator-")
                && p["heard_ms_ago"].as_u64().unwrap() < 10_000),
        "{status}"
    );
    let metrics = crate::common::http()
        .get(format!("{}/metrics", urls[0]))
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(metrics.contains("publica_"), "node metrics");
    assert!(metrics.contains("simplex"), "consensus metrics");

    // A receipt from any validator verifies offline against the set alone,
    // once a quorum cosigned a checkpoint covering it.
    let set = dir.join("validators.json");
    for (k, u) in urls.iter().enumerate() {
        let id = &ids[k * 7 % ids.len()];
        let file = tmp.path().join(format!("receipt-{k}.json"));
        wait_until(Duration::from_secs(30), "a final receipt", || {
            let r = committed(u, id).unwrap();
            std::fs::write(&file, r.to_string()).unwrap();
            Command::new(bin())
                .args(["verify", "receipt"])
                .arg(&file)
                .arg("--validators")
                .arg(&set)
                .output()
                .unwrap()
                .status
                .success()
        });
    }

    // Each validator's portal names the validators, and its server-side
    // receipt check holds a network receipt to the validators' quorum.
    let home = crate::common::http()
        .get(format!("{}/", urls[1]))
        .header("accept", "text/html")
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(
        home.contains(&format!("{N} validators keep this ledger together")),
        "{home}"
    );
    assert!(home.contains("validator-0") && home.contains("this node"));
    let final_receipt = std::fs::read_to_string(tmp.path().join("receipt-0.json")).unwrap();
    let checked = crate::common::http()
        .post(format!("{}/check", urls[2]))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("receipt={}", crate::common::encode(&final_receipt)))
        .send()
        .unwrap();
    assert_eq!(checked.status().as_u16(), 200);
    assert!(checked.text().unwrap().contains("Verified"));
    drop(nodes);
}

/// Borrows owned arguments as `run_ok` takes them.
fn strs(args: &[String]) -> Vec<&str> {
    args.iter().map(String::as_str).collect()
}

/// Runs the binary with `args`; it must fail; returns its stderr.
fn refused(args: &[String]) -> String {
    fails(&args.iter().map(std::ffi::OsStr::new).collect::<Vec<_>>())
}

/// Runs the binary; it must fail; returns its stderr.
fn fails(args: &[&std::ffi::OsStr]) -> String {
    let out = Command::new(bin()).args(args).output().unwrap();
    assert!(!out.status.success(), "{args:?} should fail");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn testnet_files_and_bad_validator_configs_are_refused_clearly() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("net");
    let d = dir.to_str().unwrap();
    let os = |v: &[&str]| -> Vec<std::ffi::OsString> {
        v.iter().map(std::convert::Into::into).collect()
    };
    let refuse = |v: &[&str]| {
        let a = os(v);
        fails(
            &a.iter()
                .map(std::ffi::OsString::as_os_str)
                .collect::<Vec<_>>(),
        )
    };
    assert!(refuse(&["testnet", "init", "--validators", "0", "--out", d]).contains("1..=16"));
    assert!(refuse(&["testnet", "init", "--validators", "17", "--out", d]).contains("1..=16"));
    let e = refuse(&["testnet", "init", "--spares", "17", "--out", d]);
    assert!(e.contains("--spares must be at most 16"), "{e}");
    let propose = |extra: &[&str]| {
        let base = ["identity", "propose", "--key", "k.json", "--as-agency", "a"];
        refuse(&[&base[..], extra].concat())
    };
    let e = propose(&["--action", "{bad"]);
    assert!(e.contains("--action must be JSON or @FILE"), "{e}");
    let e = propose(&[]);
    assert!(e.contains("--action"), "{e}");
    let big = tmp.path().join("big.json");
    std::fs::write(&big, vec![b' '; 5 << 20]).unwrap();
    let e = propose(&["--action", &format!("@{}", big.display())]);
    assert!(e.contains("is larger than"), "{e}");
    let e = propose(&["--add-validator", "/nonexistent/validator.json"]);
    assert!(e.contains("reading /nonexistent/validator.json"), "{e}");
    let e = propose(&["--action", "{}", "--remove-validator", "v"]);
    assert!(e.contains("cannot be used with"), "{e}");
    let e = refuse(&["testnet", "init", "--epoch-blocks", "2", "--out", d]);
    assert!(e.contains("--epoch-blocks must be 4.."), "{e}");
    assert!(
        refuse(&["testnet", "init", "--out", d, "--chain-id", "bad chain"]).contains("--chain-id")
    );
    assert!(
        refuse(&["testnet", "init", "--out", d, "--base-port", "65530"]).contains("--base-port")
    );
    let e = refuse(&["testnet", "init", "--out", d, "--host", "0.0.0.0"]);
    assert!(e.contains("--host must be an address"), "{e}");
    let e = refuse(&["bench", "--submit-to", "http://127.0.0.1:9"]);
    assert!(e.contains("--submit-to needs --node"), "{e}");
    // Ports chosen at run time: a validator refused for its keys must not
    // first fail to bind a port another test holds.
    let base = free_ports().to_string();
    run_ok(&[
        "testnet",
        "init",
        "--validators",
        "4",
        "--out",
        d,
        "--base-port",
        &base,
    ]);
    assert!(refuse(&["testnet", "init", "--out", d]).contains("not empty"));

    // The operator's way to publish a cosigner key matches init's.
    let net: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("network.json")).unwrap()).unwrap();
    let v0 = &net["validators"][0];
    let shown = run_ok(&[
        "keys",
        "show",
        dir.join("validator-0/cosigner-key.json").to_str().unwrap(),
        "--cosigner-name",
        v0["name"].as_str().unwrap(),
    ]);
    assert_eq!(shown["cosigner_key"], v0["cosigner_key"]);
    let consensus = run_ok(&[
        "keys",
        "show",
        dir.join("validator-0/consensus-key.json").to_str().unwrap(),
    ]);
    assert_eq!(consensus["account"], v0["consensus_key"]);
    let set = std::fs::read_to_string(dir.join("validators.json")).unwrap();
    assert!(set.contains(v0["cosigner_key"].as_str().unwrap()));

    let config = |i: usize| dir.join(format!("validator-{i}/config.json"));
    let node = |c: &Path| refuse(&["node", "--config", c.to_str().unwrap()]);
    assert!(node(&dir.join("nope.json")).contains("reading config"));
    // Validator 0's config with validator 1's consensus key.
    let c0: Value = serde_json::from_str(&std::fs::read_to_string(config(0)).unwrap()).unwrap();
    let edit = |name: &str, f: &dyn Fn(&mut Value)| {
        let mut c = c0.clone();
        f(&mut c);
        let p = dir.join(format!("validator-0/{name}.json"));
        std::fs::write(&p, c.to_string()).unwrap();
        node(&p)
    };
    let e = edit("wrong-key", &|c| {
        c["consensus_key"] = json!("../validator-1/consensus-key.json");
    });
    assert!(e.contains("is not the consensus key"), "{e}");
    let e = edit("wrong-cosigner", &|c| {
        c["cosigner_key"] = json!("../validator-1/cosigner-key.json");
    });
    assert!(e.contains("is not the cosigner key"), "{e}");
    // A validator outside the genesis set (one to be added) may not use
    // a genesis validator's key.
    let e = edit("stranger", &|c| c["name"] = json!("stranger.example"));
    assert!(e.contains("the consensus key of another validator"), "{e}");
    let e = edit("unknown-field", &|c| c["colour"] = json!("red"));
    assert!(e.contains("unknown field"), "{e}");
    let e = edit("big-blocks", &|c| c["block_txs_max"] = json!(9_999_999));
    assert!(e.contains("block_txs_max"), "{e}");
    let e = edit("slow-idle", &|c| c["idle_block_ms"] = json!(60_001));
    assert!(e.contains("idle_block_ms must be 0..=60000"), "{e}");
    let e = edit("no-header-time", &|c| {
        c["http_header_timeout_ms"] = json!(5);
    });
    assert!(
        e.contains("http_header_timeout_ms must be 100..=600000"),
        "{e}"
    );
    let e = edit("no-connections", &|c| {
        c["http_max_connections_per_ip"] = json!(0);
    });
    assert!(e.contains("http_max_connections_per_ip"), "{e}");
    let e = edit("no-snapshots", &|c| {
        c["snapshot_interval_blocks"] = json!(0);
    });
    assert!(e.contains("snapshot_interval_blocks"), "{e}");
    let e = edit("bad-trust", &|c| {
        c["state_sync_trusted_keys"] = json!(["abcd"]);
    });
    assert!(e.contains("not a 32-byte hex key"), "{e}");
    let k = v0["consensus_key"].clone();
    let e = edit("twice-trusted", &|c| {
        c["state_sync_trusted_keys"] = json!([k.clone(), k.clone()]);
    });
    assert!(e.contains("is named twice"), "{e}");
    let held = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = held.local_addr().unwrap();
    let e = edit("taken-port", &|c| c["api_listen"] = json!(port.to_string()));
    assert!(e.contains("cannot listen"), "{e}");
    // A network file that names one key twice.
    let mut bad = net.clone();
    bad["validators"][1]["consensus_key"] = v0["consensus_key"].clone();
    std::fs::write(dir.join("bad-network.json"), bad.to_string()).unwrap();
    let e = edit("dup-network", &|c| {
        c["network"] = json!("../bad-network.json");
    });
    assert!(e.contains("is used by two validators"), "{e}");
    // A network file whose validators are not the genesis set.
    let mut moved = net.clone();
    moved["validators"][2]["p2p"] = json!("127.0.0.1:1");
    std::fs::write(dir.join("moved-network.json"), moved.to_string()).unwrap();
    let e = edit("moved-network", &|c| {
        c["network"] = json!("../moved-network.json");
    });
    assert!(e.contains("differ from the genesis set"), "{e}");
    // A light client's store: from a validator set only, made once; a
    // damaged one, or a node that is not there, said in words.
    let store = tmp.path().join("light.json");
    let st = store.to_str().unwrap();
    let e = refuse(&[
        "light",
        "init",
        "--validators",
        dir.join("network.json").to_str().unwrap(),
        "--store",
        st,
    ]);
    assert!(e.contains("reading the validator set"), "{e}");
    let set = dir.join("validators.json");
    run_ok(&[
        "light",
        "init",
        "--validators",
        set.to_str().unwrap(),
        "--store",
        st,
    ]);
    let e = refuse(&[
        "light",
        "init",
        "--validators",
        set.to_str().unwrap(),
        "--store",
        st,
    ]);
    assert!(e.contains("exists: a store is created once"), "{e}");
    let e = refuse(&[
        "light",
        "sync",
        "--store",
        st,
        "--node",
        "http://127.0.0.1:9",
    ]);
    assert!(e.contains("127.0.0.1:9"), "{e}");
    let damaged = tmp.path().join("damaged.json");
    std::fs::write(
        &damaged,
        r#"{"sets": {"origin": "x"}, "followed": 0, "held": null}"#,
    )
    .unwrap();
    let e = refuse(&[
        "light",
        "verify",
        "receipt",
        st,
        "--store",
        damaged.to_str().unwrap(),
    ]);
    assert!(e.contains("the light client's store is damaged"), "{e}");
}

#[test]
fn testnet_run_starts_every_validator_reports_a_dead_one_and_stops_them_all() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("net");
    let base = free_ports();
    run_ok(&[
        "testnet",
        "init",
        "--out",
        dir.to_str().unwrap(),
        "--base-port",
        &base.to_string(),
    ]);
    let mut run = Command::new(bin())
        .args(["testnet", "run", "--dir"])
        .arg(&dir)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let urls: Vec<String> = (0..N)
        .map(|i| format!("http://127.0.0.1:{}", base + (N + i) as u16))
        .collect();
    let live = |u: &str| {
        crate::common::http()
            .get(format!("{u}/v1/status"))
            .send()
            .ok()
            .and_then(|r| r.json::<Value>().ok())
            .and_then(|v| v["height"].as_u64())
            .is_some_and(|h| h >= 1)
    };
    wait_until(Duration::from_secs(60), "every validator producing", || {
        urls.iter().all(|u| live(u))
    });
    // The pids it printed; one validator dies on its own.
    let mut out = String::new();
    let mut reader = std::io::BufReader::new(run.stdout.take().unwrap());
    let mut pids = Vec::new();
    while pids.len() < N {
        out.clear();
        std::io::BufRead::read_line(&mut reader, &mut out).unwrap();
        if let Some(p) = out.split("(pid ").nth(1) {
            pids.push(p.split(',').next().unwrap().to_string());
        }
    }
    Command::new("kill")
        .args(["-KILL", &pids[1]])
        .status()
        .unwrap();
    std::thread::sleep(Duration::from_secs(2));
    Command::new("kill")
        .args(["-TERM", &run.id().to_string()])
        .status()
        .unwrap();
    let output = run.wait_with_output().unwrap();
    assert!(output.status.success(), "{output:?}");
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(err.contains("validator-1.publica-testnet exited"), "{err}");
    assert!(err.contains("stopped"), "{err}");
    for p in &pids {
        assert!(
            !Path::new(&format!("/proc/{p}")).exists()
                || std::fs::read_to_string(format!("/proc/{p}/stat"))
                    .map(|s| s.contains(") Z "))
                    .unwrap_or(true),
            "validator pid {p} still running"
        );
    }
    assert!(urls.iter().all(|u| !live(u)), "every API stopped");
}

/// `publica testnet init` of four validators in `dir` from port `base`,
/// with `extra` options.
fn init_network(dir: &Path, base: u16, extra: &[&str]) -> Value {
    let base = base.to_string();
    let mut args = vec![
        "testnet",
        "init",
        "--validators",
        "4",
        "--out",
        dir.to_str().unwrap(),
        "--chain-id",
        CHAIN,
        "--base-port",
        &base,
    ];
    args.extend_from_slice(extra);
    // Tests that wait for blocks without submitting anything want them
    // often; `an_idle_network_cuts_few_blocks` runs the long default.
    if !extra.contains(&"--idle-block-ms") {
        args.extend_from_slice(&["--idle-block-ms", "300"]);
    }
    run_ok(&args)
}

/// A four-validator network in `<tmp>/net`, every validator started and
/// past its first block: its folder, the nodes and their API URLs.
fn four_running(tmp: &Path) -> (PathBuf, Vec<TestNode>, Vec<String>) {
    let dir = tmp.join("net");
    init_network(&dir, free_ports(), &[]);
    let nodes: Vec<TestNode> = (0..N).map(|i| start(&dir, i)).collect();
    let urls: Vec<String> = nodes.iter().map(|n| n.url.clone()).collect();
    wait_until(Duration::from_secs(60), "first blocks", || {
        urls.iter().all(|u| height(u) >= 1)
    });
    (dir, nodes, urls)
}

/// Agency `i`'s administrator: its key file's path and its account.
fn admin_of(dir: &Path, i: usize) -> (String, String) {
    let key = dir.join(format!("validator-{i}/admin-key.json"));
    let key = key.to_str().unwrap().to_string();
    let me = run_ok(&["keys", "show", &key])["account"]
        .as_str()
        .unwrap()
        .to_string();
    (key, me)
}

/// Every validator at `urls` serves the same header (with its state root)
/// at each of `heights`.
fn agree_on(urls: &[String], heights: &[u64]) {
    for h in heights {
        let headers: Vec<Value> = urls
            .iter()
            .map(|u| get(&format!("{u}/v1/blocks/{h}")).1["header"].clone())
            .collect();
        assert!(
            headers.iter().all(|x| *x == headers[0] && !x.is_null()),
            "block {h}: {headers:?}"
        );
    }
}

/// Every validator at `urls` finalizes four more blocks.
fn goes_on(urls: &[String], what: &str) {
    let h = height(&urls[0]);
    wait_until(Duration::from_secs(90), what, || {
        urls.iter().all(|u| height(u) >= h + 4)
    });
}

/// The network status page of a validator.
fn network(url: &str) -> Value {
    let (s, v) = get(&format!("{url}/v1/network"));
    assert_eq!(s, 200, "{v}");
    v
}

/// Agency `i`'s administrator runs `publica identity <args>` at `url`
/// (as that agency); the call must succeed.
fn governance(dir: &Path, url: &str, i: usize, args: &[&str]) -> Value {
    let key = dir.join(format!("validator-{i}/admin-key.json"));
    let agency = format!("agency-{i}");
    let mut all = vec!["identity"];
    all.extend_from_slice(args);
    all.extend_from_slice(&[
        "--key",
        key.to_str().unwrap(),
        "--as-agency",
        &agency,
        "--node",
        url,
    ]);
    let r = run_ok(&all);
    assert_eq!(r["outcome"]["status"], "ok", "{r}");
    r
}

/// Agency `by` proposes a set change (`what`: `--add-validator FILE` or
/// `--remove-validator NAME`), the next two agencies approve: returns the
/// height from which the new set finalizes blocks.
fn change_set(dir: &Path, urls: &[String], by: usize, what: &[&str]) -> u64 {
    let mut args = vec!["propose"];
    args.extend_from_slice(what);
    let r = governance(dir, &urls[by], by, &args);
    let id = r["outcome"]["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "proposal_created")
        .and_then(|e| e["data"]["proposal"].as_u64())
        .unwrap_or_else(|| panic!("a proposal_created event: {r}"))
        .to_string();
    for i in [(by + 1) % N, (by + 2) % N] {
        governance(dir, &urls[i], i, &["approve", "--proposal", &id]);
    }
    let next = network(&urls[by])["next_change"].clone();
    next["from_height"]
        .as_u64()
        .unwrap_or_else(|| panic!("a change ahead: {next}"))
}

#[test]
fn governance_adds_a_validator_that_joins_and_removes_one_that_leaves() {
    let tmp = tempfile::tempdir().unwrap();
    let dir: PathBuf = tmp.path().join("net");
    let base = free_port_range(2 * (N as u16 + 1));
    let init = init_network(&dir, base, &["--spares", "1", "--epoch-blocks", "16"]);
    assert_eq!(init["spares"].as_array().unwrap().len(), 1, "{init}");
    // All five start; the spare is outside the genesis set and follows.
    let mut nodes: Vec<Option<TestNode>> = (0..=N).map(|i| Some(start(&dir, i))).collect();
    let urls: Vec<String> = nodes
        .iter()
        .map(|n| n.as_ref().unwrap().url.clone())
        .collect();
    // The others do not let it connect before governance adds it.
    wait_until(Duration::from_secs(60), "first blocks", || {
        urls[..N].iter().all(|u| height(u) >= 1)
    });
    let spare = network(&urls[N]);
    assert_eq!(spare["in_validator_set"], false, "{spare}");
    assert_eq!(spare["validators"].as_array().unwrap().len(), N);

    // The agencies add it (3 of 4 approve): from the next epoch on.
    let entry = dir.join("validator-4/validator.json");
    let added_from = change_set(
        &dir,
        &urls,
        0,
        &["--add-validator", entry.to_str().unwrap()],
    );
    assert_eq!(added_from % 16, 0);
    wait_until(Duration::from_secs(90), "the five-validator epoch", || {
        urls.iter().all(|u| height(u) > added_from)
    });
    let joined = network(&urls[N]);
    assert_eq!(joined["in_validator_set"], true, "{joined}");
    assert_eq!(joined["validators"].as_array().unwrap().len(), N + 1);
    assert_eq!(joined["quorum"], 4);

    // Validator 0 dies: 4 of the 5 must vote, the new one among them.
    nodes[0].take().unwrap().kill9();
    let live: Vec<String> = urls[1..].to_vec();
    goes_on(&live, "blocks without validator 0");

    // A transaction sent to the new validator is committed everywhere
    // alive, and its receipt verifies offline against the sets the ledger
    // recorded (published on the status page).
    let kp = Keypair::from_seed([77; 32]);
    let e = tx(&kp, 1);
    let (s, v) = post(&format!("{}/v1/transactions", urls[N]), &json!(e));
    assert_eq!(s, 202, "{v}");
    let id = v["tx_id"].as_str().unwrap().to_string();
    wait_until(
        Duration::from_secs(60),
        "the new validator's transaction",
        || live.iter().all(|u| committed(u, &id).is_some()),
    );
    let receipt = committed(&urls[N], &id).unwrap();
    assert!(receipt["checkpoint_height"].as_u64().unwrap() >= added_from);
    let sets = tmp.path().join("sets.json");
    std::fs::write(&sets, network(&urls[1])["verifier_set"].to_string()).unwrap();
    let receipt_file = tmp.path().join("receipt.json");
    std::fs::write(&receipt_file, receipt.to_string()).unwrap();
    let verified = run_ok(&[
        "verify",
        "receipt",
        receipt_file.to_str().unwrap(),
        "--validators",
        sets.to_str().unwrap(),
    ]);
    assert_eq!(verified["verified"], true, "{verified}");
    // The checkpoint alone, against the set of its height.
    let note = tmp.path().join("checkpoint.txt");
    std::fs::write(&note, receipt["checkpoint"].as_str().unwrap()).unwrap();
    let at = receipt["checkpoint_height"].to_string();
    let cp = run_ok(&[
        "verify",
        "checkpoint",
        note.to_str().unwrap(),
        "--validators",
        sets.to_str().unwrap(),
        "--height",
        &at,
    ]);
    assert_eq!(cp["final"], true, "{cp}");
    let e = fails(&[
        "verify".as_ref(),
        "checkpoint".as_ref(),
        note.as_os_str(),
        "--height".as_ref(),
        at.as_ref(),
        "--log-key".as_ref(),
        "k".as_ref(),
    ]);
    assert!(e.contains("--validators"), "{e}");
    // A light client that trusts the genesis set alone follows the change
    // (proven under the genesis set's quorum), holds the latest final
    // checkpoint and verifies the receipt offline.
    let store = tmp.path().join("light.json");
    let store = store.to_str().unwrap();
    let genesis_set = dir.join("validators.json");
    run_ok(&[
        "light",
        "init",
        "--validators",
        genesis_set.to_str().unwrap(),
        "--store",
        store,
    ]);
    let synced = run_ok(&["light", "sync", "--store", store, "--node", &urls[1]]);
    assert_eq!(synced["sets"], 2, "{synced}");
    assert_eq!(synced["followed"].as_array().unwrap().len(), 1, "{synced}");
    let checked = run_ok(&[
        "light",
        "verify",
        "receipt",
        receipt_file.to_str().unwrap(),
        "--store",
        store,
    ]);
    assert_eq!(checked["verified"], true, "{checked}");
    // Each validator recorded the change with its proof.
    let (_, changes) = get(&format!("{}/v1/network/set-changes", urls[2]));
    assert_eq!(changes["changes"].as_array().unwrap().len(), 1, "{changes}");
    // The agencies remove validator 0, through the others.
    let name = format!("validator-0.{CHAIN}");
    let removed_from = change_set(&dir, &live, 0, &["--remove-validator", &name]);
    wait_until(
        Duration::from_secs(90),
        "the epoch without validator 0",
        || live.iter().all(|u| height(u) > removed_from),
    );
    let after = network(&live[0]);
    assert_eq!(after["validators"].as_array().unwrap().len(), N, "{after}");
    assert_eq!(after["quorum"], 3);
    // The light client follows the removal too, from another validator,
    // and its held checkpoint grows consistently.
    let synced = run_ok(&["light", "sync", "--store", store, "--node", &live[1]]);
    assert_eq!(synced["sets"], 3, "{synced}");
    assert!(
        synced["held"]["height"].as_u64().unwrap() > removed_from,
        "{synced}"
    );
    // Validator 1 dies too: three of the four remaining still finalize
    // (in the five-validator set, three could not).
    nodes[1].take().unwrap().kill9();
    let rest: Vec<String> = urls[2..].to_vec();
    goes_on(&rest, "blocks with two of five down");
    // The same blocks on every validator still running.
    let top = rest.iter().map(|u| height(u)).min().unwrap();
    for height in [1, added_from, removed_from, top] {
        let hashes: Vec<Value> = rest
            .iter()
            .map(|u| get(&format!("{u}/v1/blocks/{height}")).1["header"].clone())
            .collect();
        assert!(hashes.windows(2).all(|w| w[0] == w[1]), "block {height}");
    }
}

/// A local HTTP proxy to the validator API at `to` that alters one
/// transaction's signature in every page of blocks it passes on; its URL.
fn lying_proxy(to: String) -> String {
    use std::io::{BufRead, BufReader, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(mut conn) = conn else { return };
            let mut reader = BufReader::new(conn.try_clone().unwrap());
            let mut line = String::new();
            if reader.read_line(&mut line).is_err() {
                continue;
            }
            let path = line.split_whitespace().nth(1).unwrap_or("/").to_string();
            // The rest of the request head.
            loop {
                let mut h = String::new();
                if reader.read_line(&mut h).unwrap_or(0) <= 2 {
                    break;
                }
            }
            let Ok(r) = crate::common::http().get(format!("{to}{path}")).send() else {
                continue;
            };
            let status = r.status().as_u16();
            let mut body = r.bytes().unwrap().to_vec();
            if path.starts_with("/v1/sync/blocks") && status == 200 {
                let mut blocks: Value = serde_json::from_slice(&body).unwrap();
                if let Some(b) = blocks
                    .as_array_mut()
                    .unwrap()
                    .iter_mut()
                    .find(|b| !b["transactions"].as_array().unwrap().is_empty())
                {
                    let sig = b["transactions"][0]["signature"]
                        .as_str()
                        .unwrap()
                        .to_string();
                    let flipped = if sig.starts_with('0') { "1" } else { "0" };
                    b["transactions"][0]["signature"] = json!(format!("{flipped}{}", &sig[1..]));
                }
                body = blocks.to_string().into_bytes();
            }
            let head = format!(
                "HTTP/1.1 {status} X\r\ncontent-length: {}\r\ncontent-type: application/json\r\nconnection: close\r\n\r\n",
                body.len()
            );
            let _ = conn.write_all(head.as_bytes());
            let _ = conn.write_all(&body);
        }
    });
    url
}

/// Sets `fields` in validator `i`'s config.
fn configure(dir: &Path, i: usize, fields: &Value) {
    let path = dir.join(format!("validator-{i}/config.json"));
    let mut c: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    for (k, v) in fields.as_object().unwrap() {
        c[k] = v.clone();
    }
    std::fs::write(&path, c.to_string()).unwrap();
}

#[test]
fn validators_far_behind_or_new_sync_state_from_a_snapshot_and_then_vote() {
    let tmp = tempfile::tempdir().unwrap();
    let dir: PathBuf = tmp.path().join("net");
    let base = free_port_range(2 * (N as u16 + 1));
    init_network(&dir, base, &["--epoch-blocks", "16", "--spares", "1"]);
    // Snapshots every 10 blocks, a sync when more than 30 behind, and
    // empty blocks without waiting, so the chain grows quickly.
    for i in 0..=N {
        configure(
            &dir,
            i,
            &json!({"snapshot_interval_blocks": 10, "state_sync_after_blocks": 30, "idle_block_ms": 20}),
        );
    }
    // Validator 3 stays off while the others write the chain.
    let mut nodes: Vec<Option<TestNode>> = (0..N - 1).map(|i| Some(start(&dir, i))).collect();
    let mut urls: Vec<String> = nodes
        .iter()
        .map(|n| n.as_ref().unwrap().url.clone())
        .collect();
    let kp = Keypair::from_seed([91; 32]);
    let alive = [true, true, true, false];
    let ids: Vec<String> = (1..=20)
        .map(|n| {
            let e = tx(&kp, n);
            submit(&urls, &alive, n as usize, &e);
            publica_crypto::tx_id(&e.signer, &e.body.signing_bytes().unwrap()).to_string()
        })
        .collect();
    wait_until(Duration::from_secs(90), "the early transactions", || {
        ids.iter().all(|id| committed(&urls[0], id).is_some())
    });
    wait_until(Duration::from_secs(120), "a long chain", || {
        height(&urls[0]) >= 120
    });

    // A floor is served; a dev-style refusal for bad pages.
    let (s, floor) = get(&format!("{}/v1/sync/floor", urls[1]));
    assert_eq!(s, 200, "{floor}");
    assert_eq!(floor["participants"].as_array().unwrap().len(), N);
    let (s, v) = get(&format!("{}/v1/sync/blocks?from=0", urls[1]));
    assert_eq!(
        (s, v["code"].as_str()),
        (400, Some("request.invalid_param"))
    );
    let (s, v) = get(&format!("{}/v1/sync/blocks?from=5&limit=3", urls[1]));
    assert_eq!(s, 200);
    let heights: Vec<u64> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["header"]["height"].as_u64().unwrap())
        .collect();
    assert_eq!(heights, [5, 6, 7]);
    let (s, v) = get(&format!("{}/v1/sync/snapshot?max_height=5", urls[1]));
    assert_eq!((s, v["code"].as_str()), (404, Some("sync.no_snapshot")));
    let r = crate::common::http()
        .get(format!("{}/v1/sync/snapshot", urls[1]))
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let at: u64 = r.headers()["x-publica-snapshot-height"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(at >= 110 && at.is_multiple_of(10), "snapshot at {at}");
    let len: usize = r.headers()["content-length"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let body = r.bytes().unwrap();
    assert_eq!(body.len(), len);
    assert!(body.starts_with(b"PSNAP001"));

    // A peer that alters one transaction in the blocks it serves: the
    // validator's sync fails (the blocks no longer match their headers'
    // log roots), says why, and installs nothing.
    let liar = lying_proxy(urls[1].clone());
    let mut net: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("network.json")).unwrap()).unwrap();
    for (i, v) in net["validators"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .enumerate()
    {
        // Only the liar answers.
        v["api"] = json!(if i == 1 {
            liar.clone()
        } else {
            "http://127.0.0.1:9".to_string()
        });
    }
    std::fs::write(dir.join("liar-network.json"), net.to_string()).unwrap();
    configure(&dir, 3, &json!({"network": "../liar-network.json"}));
    let config = dir.join("validator-3/config.json");
    let e = fails(&["node".as_ref(), "--config".as_ref(), config.as_os_str()]);
    assert!(e.contains("state sync failed"), "{e}");
    assert!(e.contains("transparency log does not match"), "{e}");
    assert!(!dir.join("validator-3/data/ledger").exists());
    assert!(!dir.join("validator-3/data/ledger.sync").exists());
    configure(&dir, 3, &json!({"network": "../network.json"}));

    // Told to trust other keys than the validators', validator 3 refuses
    // every floor and does not sync (it would catch up block by block).
    let strangers: Vec<String> = (1..=4u8)
        .map(|i| Keypair::from_seed([200 + i; 32]).account().to_string())
        .collect();
    configure(&dir, 3, &json!({"state_sync_trusted_keys": strangers}));
    let wary = start(&dir, 3);
    std::thread::sleep(Duration::from_millis(500));
    let log = wary.stderr_text();
    assert!(log.contains("refusing the peer's floor"), "{log}");
    assert!(!log.contains("state synced"), "{log}");
    wary.kill9();
    std::fs::remove_dir_all(dir.join("validator-3/data")).unwrap();
    configure(&dir, 3, &json!({"state_sync_trusted_keys": []}));

    // Validator 3 starts with nothing: it takes the state from a snapshot
    // and executes only the blocks after it.
    let before = height(&urls[0]);
    nodes.push(Some(start(&dir, 3)));
    urls.push(nodes[3].as_ref().unwrap().url.clone());
    let log = nodes[3].as_ref().unwrap().stderr_text();
    assert!(log.contains("state synced"), "{log}");
    wait_until(
        Duration::from_secs(60),
        "the synced validator keeps up",
        || height(&urls[3]) >= before + 8,
    );
    let executed = network(&urls[3])["executed"]["blocks"].as_u64().unwrap();
    let at = height(&urls[3]);
    assert!(
        executed + 60 < at,
        "executed {executed} blocks to reach {at}: not a state sync"
    );
    // The transactions before the sync are there, with their receipts.
    wait_until(
        Duration::from_secs(30),
        "receipts of the synced blocks",
        || ids.iter().all(|id| committed(&urls[3], id).is_some()),
    );
    // It votes: without validator 0, three of four must, the synced one
    // among them (still catching up: the others wait for it, and it must
    // find the blocks it lacks without new traffic to hint it).
    nodes[0].take().unwrap().kill9();
    let live: Vec<String> = urls[1..].to_vec();
    goes_on(&live, "blocks with the synced validator voting");
    let e = tx(&kp, 21);
    let (s, v) = post(&format!("{}/v1/transactions", urls[3]), &json!(e));
    assert_eq!(s, 202, "{v}");
    let id = v["tx_id"].as_str().unwrap().to_string();
    wait_until(
        Duration::from_secs(60),
        "a transaction after the sync",
        || live.iter().all(|u| committed(u, &id).is_some()),
    );
    // The same blocks (and so state roots) everywhere, below and above
    // the floor.
    let top = live.iter().map(|u| height(u)).min().unwrap();
    for h in [1, 10, before / 2, before, top] {
        let headers: Vec<Value> = live
            .iter()
            .map(|u| get(&format!("{u}/v1/blocks/{h}")).1["header"].clone())
            .collect();
        assert!(headers[0].is_object(), "block {h}");
        assert!(headers.windows(2).all(|w| w[0] == w[1]), "block {h}");
    }

    // A new validator joins by syncing: governance adds the spare, which
    // is not running. In the five-validator epoch four must vote (1, 2, 3
    // and the new one), so the network waits for it.
    let entry = dir.join("validator-4/validator.json");
    let added_from = change_set(
        &dir,
        &urls,
        1,
        &["--add-validator", entry.to_str().unwrap()],
    );
    wait_until(
        Duration::from_secs(90),
        "the last four-validator block",
        || live.iter().all(|u| height(u) + 1 >= added_from),
    );
    std::thread::sleep(Duration::from_secs(1));
    assert!(
        live.iter().all(|u| height(u) < added_from + 2),
        "the five-validator epoch finalized without its new validator"
    );
    nodes.push(Some(start(&dir, 4)));
    let newcomer = nodes[4].as_ref().unwrap().url.clone();
    let log = nodes[4].as_ref().unwrap().stderr_text();
    assert!(log.contains("state synced"), "{log}");
    let mut five = live.clone();
    five.push(newcomer.clone());
    goes_on(&five, "blocks with the synced newcomer voting");
    let joined = network(&newcomer);
    assert_eq!(joined["in_validator_set"], true, "{joined}");
    assert!(joined["executed"]["blocks"].as_u64().unwrap() + 60 < height(&newcomer));

    // Restarted, the first synced validator resumes from its own ledger
    // (the floor file is kept); the network waits for it again.
    nodes[3].take().unwrap().kill9();
    nodes[3] = Some(start(&dir, 3));
    goes_on(&five, "blocks after the synced validator restarted");

    // Its ledger removed (and syncing turned off), it refuses to start the
    // engine at the kept floor over a ledger that does not reach it.
    nodes[3].take().unwrap().kill9();
    std::fs::remove_dir_all(dir.join("validator-3/data/ledger")).unwrap();
    configure(&dir, 3, &json!({"state_sync_after_blocks": 0}));
    let config = dir.join("validator-3/config.json");
    let e = fails(&["node".as_ref(), "--config".as_ref(), config.as_os_str()]);
    assert!(e.contains("ledger holds only 0 blocks"), "{e}");
}

/// Welfare programs on the four-validator network, end to end: an agency
/// sets up a currency and two programs through one validator (a monthly
/// scheduled UBI and a conditional cash transfer), the registry's tokens
/// and the attestations go in from CSV files through others, the ledger's
/// scheduled payouts and the attested condition's release run on every
/// validator, and all four agree on the programs' books and state.
#[test]
fn programs_pay_on_the_validator_network() {
    let tmp = tempfile::tempdir().unwrap();
    let (dir, _nodes, urls) = four_running(tmp.path());
    let (key, me) = admin_of(&dir, 0);
    let key = key.as_str();
    let send = |at: usize, module: &str, method: &str, args: Value| {
        let args = args.to_string();
        let r = run_ok(&[
            "tx", "send", "--key", key, "--node", &urls[at], "--module", module, "--method",
            method, "--args", &args,
        ]);
        assert_eq!(r["outcome"]["status"], "ok", "{module}.{method}: {r}");
        r
    };
    let agency = "agency-0";
    for role in ["treasurer", "program_officer", "attester"] {
        send(
            0,
            "identity",
            "grant_role",
            json!({"agency": agency, "account": me, "role": role}),
        );
    }
    let now = publica_types::now_ms();
    let month = publica_programs::period::of(now);
    let start_ms = publica_programs::period::start_ms(&month).unwrap();
    send(
        1,
        "money",
        "create_currency",
        json!({"agency": agency, "code": "NET", "name": "Network coin", "decimals": 2, "supply_cap": "10000000"}),
    );
    send(
        1,
        "money",
        "propose_appropriation",
        json!({"agency": agency, "currency": "NET", "id": "welfare", "name": "Welfare", "cap": "10000000"}),
    );
    send(
        1,
        "money",
        "approve_appropriation",
        json!({"agency": agency, "currency": "NET", "id": "welfare"}),
    );
    for (id, extra) in [
        (
            "ubi",
            json!({"schedule": "monthly", "params": {"amount": 10_000}}),
        ),
        (
            "cct",
            json!({"condition": "attr.attendance_pct >= 85", "params": {"amount": 2_500}}),
        ),
    ] {
        send(
            2,
            "money",
            "open_account",
            json!({"id": format!("program:{id}"), "currency": "NET", "agency": agency, "owner": {"kind": "program", "agency": agency, "program": id}}),
        );
        send(
            2,
            "money",
            "mint",
            json!({"agency": agency, "currency": "NET", "appropriation": "welfare", "to": format!("program:{id}"), "amount": "1000000"}),
        );
        let mut def = json!({
            "agency": agency, "id": id, "name": id, "currency": "NET", "funding_account": format!("program:{id}"),
            "budget_cap": "1000000", "attesters": [agency], "registry": agency,
            "attributes": {"resident": "bool", "attendance_pct": "int"},
            "eligibility": "attr.resident", "benefit": "params.amount",
            "start_ms": start_ms, "end_ms": start_ms + 400 * 86_400_000u64,
        });
        for (k, v) in extra.as_object().unwrap() {
            def[k] = v.clone();
        }
        send(3, "programs", "create_program", def);
        let (_, p) = get(&format!("{}/v1/programs/{id}", urls[3]));
        send(
            3,
            "programs",
            "approve",
            json!({"agency": agency, "program": id, "hash": p["approval_hash"]}),
        );
    }

    // Three residents: attested, given registry tokens, enrolled in both.
    let people: Vec<String> = (0..3)
        .map(|_| Keypair::generate().account().to_hex())
        .collect();
    let files = tmp.path();
    let write = |name: &str, text: String| {
        let p = files.join(name);
        std::fs::write(&p, text).unwrap();
        p.to_str().unwrap().to_string()
    };
    let att = write(
        "att.csv",
        format!(
            "subject,resident\n{}\n",
            people
                .iter()
                .map(|a| format!("{a},true"))
                .collect::<Vec<_>>()
                .join("\n")
        ),
    );
    let persons = write(
        "persons.csv",
        format!(
            "person,account\n{}\n",
            people
                .iter()
                .enumerate()
                .map(|(i, a)| format!("P-{i},{a}"))
                .collect::<Vec<_>>()
                .join("\n")
        ),
    );
    let secret = write("secret", "5a".repeat(32));
    let cli = |args: &[&str]| {
        let out = Command::new(bin()).args(args).output().unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    cli(&[
        "programs",
        "import-attestations",
        "--key",
        key,
        "--node",
        &urls[1],
        "--agency",
        agency,
        "--file",
        &att,
    ]);
    for (i, id) in ["ubi", "cct"].iter().enumerate() {
        let enrol = files.join(format!("enrol-{id}.csv"));
        let enrol = enrol.to_str().unwrap();
        cli(&[
            "programs",
            "registry-tokens",
            "--key",
            key,
            "--node",
            &urls[i],
            "--secret-file",
            &secret,
            "--program",
            id,
            "--file",
            &persons,
            "--out",
            enrol,
        ]);
        cli(&[
            "programs",
            "import-enrolments",
            "--key",
            key,
            "--node",
            &urls[i + 2],
            "--program",
            id,
            "--agency",
            agency,
            "--file",
            enrol,
        ]);
    }

    // The school attests this month's attendance: 90 % releases the CCT,
    // 70 % does not.
    let pct = write(
        "attendance.csv",
        format!(
            "subject,period,attendance_pct\n{},{month},90\n{},{month},70\n",
            people[0], people[1]
        ),
    );
    cli(&[
        "programs",
        "import-attestations",
        "--key",
        key,
        "--node",
        &urls[3],
        "--agency",
        agency,
        "--program",
        "cct",
        "--file",
        &pct,
    ]);

    // Every validator pays the UBI by its schedule and agrees on the books.
    wait_until(
        Duration::from_secs(60),
        "scheduled payouts everywhere",
        || {
            urls.iter()
                .all(|u| get(&format!("{u}/v1/programs/ubi")).1["paid_total"] == "30000")
        },
    );
    let paid = |u: &str, id: &str| get(&format!("{u}/v1/programs/{id}")).1["paid_total"].clone();
    for u in &urls {
        assert_eq!(paid(u, "cct"), "2500", "{u}: one condition met");
        let (_, run) = get(&format!("{u}/v1/programs/ubi/runs/{month}"));
        assert_eq!(run["totals"]["paid_count"], 3, "{u}: {run}");
        let (_, e) = get(&format!("{u}/v1/programs/cct/enrolees/{}", people[0]));
        assert_eq!(e["payouts"][0]["kind"], "conditional", "{u}: {e}");
    }
    // The same state at the same height on all four.
    let h = urls.iter().map(|u| height(u)).min().unwrap();
    let root = |u: &str| get(&format!("{u}/v1/blocks/{h}")).1["header"]["state_root"].clone();
    let first = root(&urls[0]);
    assert!(first.is_string());
    for u in &urls[1..] {
        assert_eq!(root(u), first, "{u} at {h}");
    }
}

/// A patient moves a record from a hospital whose node is validator 0 to
/// a clinic whose node is validator 1: the transfer names the clinic
/// node's store, validator 0 hands the data key over wrapped for that
/// store alone, validator 1 keeps the ciphertext, and the clinic's
/// clinician reads the record there under the patient's consent.
/// Validator 2, never handed it, answers `records.not_stored`.
#[test]
fn a_record_moves_to_another_hospitals_node_by_transfer() {
    let tmp = tempfile::tempdir().unwrap();
    let (dir, nodes, urls) = four_running(tmp.path());
    let path = |p: PathBuf| p.to_str().unwrap().to_string();
    let (hospital, clinic) = (
        path(dir.join("validator-0/admin-key.json")),
        path(dir.join("validator-1/admin-key.json")),
    );
    let patient = path(tmp.path().join("patient.json"));
    run_ok(&["keys", "new", "--out", &patient, "--plain"]);
    let account = |k: &str| {
        run_ok(&["keys", "show", k])["account"]
            .as_str()
            .unwrap()
            .to_string()
    };
    for (key, url, agency, role) in [
        (&hospital, &urls[0], "agency-0", "custodian"),
        (&clinic, &urls[1], "agency-1", "clinician"),
    ] {
        let args = json!({"agency": agency, "account": account(key), "role": role}).to_string();
        let r = run_ok(&[
            "tx",
            "send",
            "--key",
            key,
            "--node",
            url,
            "--module",
            "identity",
            "--method",
            "grant_role",
            "--args",
            &args,
        ]);
        assert_eq!(r["outcome"]["status"], "ok", "{r}");
    }
    let resource = json!({"resourceType": "Observation", "status": "final",
        "code": {"text": "Blood pressure"}, "valueQuantity": {"value": 128, "unit": "mmHg"}});
    let file = path(tmp.path().join("bp.json"));
    std::fs::write(&file, resource.to_string()).unwrap();
    let put = run_ok(&[
        "records",
        "put",
        "--key",
        &hospital,
        "--node",
        &urls[0],
        "--agency",
        "agency-0",
        "--subject",
        &account(&patient),
        &file,
    ]);
    let record = put["record"].as_str().unwrap().to_string();
    // `publica records copy` of the record to validator `to`'s store.
    let copy_to = |to: &str| {
        [
            "records",
            "copy",
            "--record",
            &record,
            "--from",
            &urls[0],
            "--to-node",
            to,
        ]
        .map(String::from)
    };
    let e = refused(&copy_to(&urls[1]));
    assert!(e.contains("records.no_handover"), "never transferred: {e}");

    let moved = run_ok(&[
        "records",
        "transfer",
        "--key",
        &patient,
        "--node",
        &urls[0],
        "--record",
        &record,
        "--to",
        "agency-1",
        "--to-node",
        &urls[1],
    ]);
    assert_eq!(moved["copied"]["stored"], true, "{moved}");
    assert_eq!(moved["copied"]["custodian"], "agency-1", "{moved}");
    // The handover is on the patient's access log.
    let (_, log) = get(&format!(
        "{}/v1/records/subjects/{}/log",
        urls[0],
        account(&patient)
    ));
    let handover = log["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["basis"] == "handover")
        .unwrap_or_else(|| panic!("no handover on the log: {log}"));
    assert_eq!(
        (&handover["record"], &handover["agency"]),
        (&json!(record), &json!("agency-1"))
    );
    assert_eq!(
        run_ok(&strs(&copy_to(&urls[1])))["stored"],
        false,
        "held already"
    );
    // Validator 2's store was not named: it takes nothing.
    let e = refused(&copy_to(&urls[2]));
    assert!(e.contains("records.no_handover"), "another store: {e}");

    run_ok(&[
        "records",
        "grant",
        "--key",
        &patient,
        "--node",
        &urls[1],
        "--id",
        "care",
        "--to-agency",
        "agency-1",
        "--purpose",
        "treatment",
        "--types",
        "Observation",
        "--days",
        "30",
    ]);
    let read_at = |at: &str| {
        [
            "records", "read", "--key", &clinic, "--node", at, "--record", &record, "--agency",
            "agency-1",
        ]
        .map(String::from)
    };
    let got = run_ok(&strs(&read_at(&urls[1])));
    assert_eq!(got, resource, "read on the clinic's node");
    let e = refused(&read_at(&urls[2]));
    assert!(e.contains("records.not_stored"), "{e}");
    drop(nodes);
}

/// Every metric the alert rules and the Grafana dashboard of
/// `deploy/monitoring` name is one a validator exports on `GET /metrics`,
/// and the validator's own gauges say what the network is: four in the
/// set, the other three heard from.
#[test]
fn the_monitoring_kit_names_only_metrics_a_validator_exports() {
    let tmp = tempfile::tempdir().unwrap();
    let (_dir, nodes, urls) = four_running(tmp.path());
    let metrics = || {
        reqwest::blocking::get(format!("{}/metrics", urls[0]))
            .and_then(reqwest::blocking::Response::text)
            .unwrap_or_default()
    };
    let value = |text: &str, name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(name)?.strip_prefix(' '))
            .and_then(|v| v.parse::<f64>().ok())
    };
    wait_until(Duration::from_secs(60), "peers heard", || {
        let text = metrics();
        value(&text, "publica_validator_peers_heard") == Some(3.0)
            && value(&text, "publica_block_height").is_some_and(|h| h >= 1.0)
    });
    let text = metrics();
    assert_eq!(value(&text, "publica_validator_set_size"), Some(4.0));
    assert_eq!(value(&text, "publica_validator_in_set"), Some(1.0));
    assert_eq!(value(&text, "publica_validator_evidence_total"), Some(0.0));
    assert!(value(&text, "publica_data_dir_free_bytes").is_some_and(|b| b > 0.0));
    assert!(value(&text, "publica_block_time_seconds").is_some_and(|t| t > 1.7e9));
    let exported: std::collections::HashSet<&str> = text
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split([' ', '{']).next())
        .collect();
    let kit = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../deploy/monitoring");
    let mut named = std::collections::BTreeSet::new();
    for file in ["alerts.yml", "grafana-dashboard.json"] {
        let text = std::fs::read_to_string(kit.join(file)).unwrap();
        for (at, _) in text.match_indices("publica_") {
            let name: String = text[at..]
                .chars()
                .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                .collect();
            named.insert(name);
        }
    }
    assert!(named.len() >= 15, "{named:?}");
    let missing: Vec<&String> = named
        .iter()
        .filter(|n| !exported.contains(n.as_str()))
        .collect();
    assert!(
        missing.is_empty(),
        "named in deploy/monitoring, not exported: {missing:?}"
    );
    drop(nodes);
}

/// An idle network with the default `idle_block_ms` (10 s) cuts one block
/// per interval, not a stream (with 300 ms it cut about 30 in the same
/// window), and a transaction submitted meanwhile is proposed as soon as
/// the leader sees it, not at the next interval.
#[test]
fn an_idle_network_cuts_few_blocks() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("net");
    let ms = publica_validator::IDLE_BLOCK_MS_DEFAULT.to_string();
    init_network(&dir, free_ports(), &["--idle-block-ms", &ms]);
    let nodes: Vec<TestNode> = (0..N).map(|i| start(&dir, i)).collect();
    let url = nodes[0].url.clone();
    wait_until(Duration::from_secs(60), "first block", || height(&url) >= 1);
    let h0 = height(&url);
    std::thread::sleep(Duration::from_secs(21));
    let h1 = height(&url);
    assert!(
        h1 > h0 && h1 - h0 <= 4,
        "{} blocks in 21 s of idle time",
        h1 - h0
    );
    // Time still passes on the chain: the blocks carry it.
    let key = dir.join("validator-0/admin-key.json");
    let sent = std::time::Instant::now();
    let r = run_ok(&[
        "tx",
        "send",
        "--key",
        key.to_str().unwrap(),
        "--node",
        &url,
        "--module",
        "system",
        "--method",
        "register_account",
        "--args",
        "{}",
    ]);
    assert_eq!(r["outcome"]["status"], "ok", "{r}");
    // Well inside the 10 s interval: the leader did not wait it out.
    assert!(
        sent.elapsed() < Duration::from_secs(8),
        "{:?}",
        sent.elapsed()
    );
    drop(nodes);
}

/// A rolling upgrade (docs/operations.md, "Upgrading a network"): each
/// validator in turn is stopped with SIGTERM and started again from its
/// data directory by the binary (as a new release of the same ledger
/// format would be) while a client keeps sending transactions; the other
/// three keep committing while it is down, it catches up, every
/// transaction is committed, and all four agree on every block.
#[test]
fn a_rolling_upgrade_restarts_one_validator_at_a_time_and_the_chain_keeps_committing() {
    let tmp = tempfile::tempdir().unwrap();
    let (dir, nodes, urls) = four_running(tmp.path());
    let mut nodes: Vec<Option<TestNode>> = nodes.into_iter().map(Some).collect();
    let mut alive = vec![true; N];
    let kp = Keypair::from_seed([7; 32]);
    let mut sent: Vec<(Envelope, String)> = Vec::new();
    for i in 0..N {
        let status = nodes[i].take().unwrap().terminate();
        assert!(status.success(), "validator {i} stops cleanly: {status:?}");
        alive[i] = false;
        for _ in 0..3 {
            let e = tx(&kp, sent.len() as u64 + 1);
            let id = publica_crypto::tx_id(&e.signer, &e.body.signing_bytes().unwrap()).to_string();
            submit(&urls, &alive, i + 1, &e);
            sent.push((e, id));
        }
        let up: Vec<String> = (0..N)
            .filter(|j| alive[*j])
            .map(|j| urls[j].clone())
            .collect();
        goes_on(
            &up,
            &format!("three validators commit while validator {i} is upgraded"),
        );
        nodes[i] = Some(start(&dir, i));
        alive[i] = true;
        let target = height(&up[0]);
        wait_until(
            Duration::from_secs(90),
            &format!("validator {i} catches up"),
            || height(&urls[i]) >= target,
        );
    }
    // Every transaction committed (one admitted by a validator just before
    // it stopped is sent again), seen by every validator.
    let deadline = Instant::now() + Duration::from_secs(90);
    for (k, tx) in sent.iter().enumerate() {
        let what = format!("transaction {k} ({}) everywhere", tx.1);
        until_committed(&urls, &alive, tx, k, true, deadline, &what);
    }
    let top = urls.iter().map(|u| height(u)).min().unwrap();
    agree_on(&urls, &[1, top / 2, top]);
    drop(nodes);
}

/// A network moves to a new ledger format at one height: four validators
/// whose ledgers record format 4 until block 60 and format 8 from it (what
/// `publica admin migrate --at-height 60` writes into each, stopped, in a
/// rolling upgrade: `migrate_e2e` runs the command itself). Blocks before
/// that height keep the old rules (a cash-out into any account of an
/// agency is judged by who may debit the source; checkpoints name no state
/// root), blocks from it run the new ones (only an account opened for
/// cash-outs takes them; the quorum cosigns each block's state root, so a
/// state answer verifies against the validator set alone), all four agree
/// on every block and state root across the change, and a receipt from
/// before it still verifies.
#[test]
fn a_network_moves_to_a_new_ledger_format_at_one_height() {
    // Far enough for the set-up below to finish before it (about a third
    // of it on this 2-core machine, at a block every 300 ms when idle).
    const AT: u64 = 60;
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("net");
    init_network(&dir, free_ports(), &[]);
    for i in 0..N {
        // A validator's ledger is `<data_dir>/ledger`; a new one keeps the
        // record of formats it finds there.
        let ledger = dir.join(format!("validator-{i}/data/ledger"));
        std::fs::create_dir_all(&ledger).unwrap();
        std::fs::write(
            ledger.join("LEDGER_FORMAT"),
            format!("8\n4 from 1\n8 from {AT}\n"),
        )
        .unwrap();
    }
    let nodes: Vec<TestNode> = (0..N).map(|i| start(&dir, i)).collect();
    let urls: Vec<String> = nodes.iter().map(|n| n.url.clone()).collect();
    wait_until(Duration::from_secs(60), "first block", || {
        height(&urls[0]) >= 1
    });
    let (key, me) = admin_of(&dir, 0);
    let key = key.as_str();
    let send = |url: &str, method: &str, args: Value| -> u64 {
        let (module, method) = method.split_once('.').unwrap();
        let args = args.to_string();
        let r = run_ok(&[
            "tx", "send", "--key", key, "--node", url, "--module", module, "--method", method,
            "--args", &args,
        ]);
        assert_eq!(r["outcome"]["status"], "ok", "{module}.{method}: {r}");
        r["block_height"].as_u64().unwrap()
    };
    let ag = "agency-0";
    send(
        &urls[0],
        "identity.grant_role",
        json!({"agency": ag, "account": me, "role": "treasurer"}),
    );
    send(
        &urls[1],
        "money.create_currency",
        json!({"agency": ag, "code": "NET", "name": "Net", "decimals": 2, "supply_cap": "1000"}),
    );
    for (at, id) in [(2, "office"), (3, "desk")] {
        send(
            &urls[at],
            "money.open_account",
            json!({"id": id, "currency": "NET", "agency": ag, "owner": {"kind": "agency", "agency": ag}}),
        );
    }
    // A stranger's cash-out from `desk` into `office`: under format 4 an
    // account of an agency takes cash-outs, so the refusal is who may
    // debit it; from format 5 it is the account, not opened for them.
    let stranger_cash_out = |url: &str| -> (u64, Value, Value) {
        let kp = Keypair::generate();
        let e = crate::common::sign(
            &kp,
            CHAIN,
            1,
            publica_types::Expiry::Height(1_000_000),
            "money",
            "cash_out",
            json!({"from": "desk", "to": "office", "amount": "1", "reference": "r"}),
        );
        let id = publica_crypto::tx_id(&e.signer, &e.body.signing_bytes().unwrap()).to_string();
        let (s, v) = post(&format!("{url}/v1/transactions"), &json!(e));
        assert_eq!(s, 202, "{v}");
        let (s, r) = get(&format!("{url}/v1/transactions/{id}?wait_ms=30000"));
        assert_eq!(s, 200, "{r}");
        (
            r["block_height"].as_u64().unwrap(),
            r["outcome"]["error"]["code"].clone(),
            r,
        )
    };
    let (h, code, before) = stranger_cash_out(&urls[1]);
    eprintln!("the cash-out before the new format is in block {h} of {AT}");
    assert!(h < AT, "the set-up took the chain to block {h}, past {AT}");
    assert_eq!(code, "money.not_owner", "block {h}");
    wait_until(Duration::from_secs(90), "the new format's height", || {
        height(&urls[3]) >= AT
    });
    let (top, code, _) = stranger_cash_out(&urls[2]);
    assert!(top >= AT, "{top}");
    assert_eq!(code, "money.not_cash_out_account", "block {top}");
    // The receipt from before the change still verifies against the set;
    // its checkpoint names no state root.
    let set = dir.join("validators.json");
    let verify = |what: &str, answer: &Value| -> Value {
        let file = tmp.path().join(format!("{what}.json"));
        std::fs::write(&file, answer.to_string()).unwrap();
        run_ok(&[
            "verify",
            what,
            file.to_str().unwrap(),
            "--validators",
            set.to_str().unwrap(),
        ])
    };
    assert!(
        !before["checkpoint"]
            .as_str()
            .unwrap()
            .contains("publica-state"),
        "{before}"
    );
    verify("receipt", &before);
    // A state answer carries the quorum's checkpoint of its block, which
    // names its state root: it verifies from the validator set alone.
    let key = "money/account/office";
    let (s, answer) = get(&format!("{}/v1/state?key={key}", urls[3]));
    assert_eq!(s, 200, "{answer}");
    let at = answer["height"].as_u64().unwrap();
    assert!(at >= AT, "{answer}");
    let note = answer["checkpoint"].as_str().expect("a final checkpoint");
    assert!(
        note.contains(&format!(
            "\npublica-state {at} {}\n",
            answer["state_root"].as_str().unwrap()
        )),
        "{note}"
    );
    let v = verify("state", &answer);
    assert_eq!(
        (v["final"].clone(), v["present"].clone()),
        (json!(true), json!(true)),
        "{v}"
    );
    let mut forged = answer.clone();
    forged["value_hex"] = json!(hex::encode(b"{}"));
    let file = tmp.path().join("forged.json");
    std::fs::write(&file, forged.to_string()).unwrap();
    let (ok, _, err) = crate::common::publica(&[
        "verify",
        "state",
        file.to_str().unwrap(),
        "--validators",
        set.to_str().unwrap(),
    ]);
    assert!(!ok && err.contains("proof mismatch"), "{err}");
    wait_until(
        Duration::from_secs(90),
        "every validator has the block",
        || urls.iter().all(|u| height(u) >= top),
    );
    agree_on(&urls, &[AT - 1, AT, top]);
    drop(nodes);
    for i in 0..N {
        let ledger = dir.join(format!("validator-{i}/data/ledger"));
        assert!(crate::common::verify_chain(&ledger) >= top);
    }
}

/// Copies the folder `from` to `to` (a network's files, before it runs).
fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).unwrap();
        }
    }
}

#[test]
fn a_light_client_names_both_checkpoints_of_a_network_serving_two_histories() {
    // One network's files twice: the same genesis, origin and validator
    // key, run as two processes that each commit a different transaction
    // — a validator signing two histories with one key.
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    crate::common::OneValidator::init(&a, "publica-forked");
    copy_dir(&a, &b);
    let config = std::fs::read_to_string(a.join("validator-0/config.json")).unwrap();
    let port = |key: &str| -> String {
        let v: Value = serde_json::from_str(&config).unwrap();
        v[key]
            .as_str()
            .unwrap()
            .rsplit(':')
            .next()
            .unwrap()
            .to_string()
    };
    let (p2p, api) = (port("p2p_listen"), port("api_listen"));
    let base = free_port_range(2);
    for file in ["validator-0/config.json", "network.json", "genesis.json"] {
        let path = b.join(file);
        let text = std::fs::read_to_string(&path)
            .unwrap()
            .replace(&format!("127.0.0.1:{p2p}"), &format!("127.0.0.1:{base}"))
            .replace(
                &format!("127.0.0.1:{api}"),
                &format!("127.0.0.1:{}", base + 1),
            );
        std::fs::write(&path, text).unwrap();
    }
    let one = crate::common::OneValidator::start(&a);
    let other = crate::common::OneValidator::start(&b);
    let admin = a.join("validator-0/admin-key.json");
    let admin = admin.to_str().unwrap();
    for (url, method) in [(&one.url, "register_account"), (&other.url, "set_note")] {
        let args = if method == "set_note" {
            r#"{"note": "another history"}"#
        } else {
            "{}"
        };
        // The note is refused (the account is not registered there), but
        // committed: a transaction in that log all the same.
        let (_, out, err) = crate::common::publica(&[
            "tx", "send", "--key", admin, "--node", url, "--module", "system", "--method", method,
            "--args", args,
        ]);
        assert!(
            out.contains("\"ok\"") || err.contains("was committed"),
            "{out} {err}"
        );
    }
    // Each has its one transaction, then a few blocks for its final
    // checkpoint.
    for url in [&one.url, &other.url] {
        wait_until(
            Duration::from_secs(30),
            "the transaction in the log",
            || {
                get(&format!("{url}/v1/status")).1["log_size"]
                    .as_u64()
                    .unwrap_or(0)
                    >= 1
            },
        );
        goes_on(std::slice::from_ref(url), "blocks after the transaction");
    }
    let store = tmp.path().join("light.json");
    let store = store.to_str().unwrap();
    let set = a.join("validators.json");
    run_ok(&[
        "light",
        "init",
        "--validators",
        set.to_str().unwrap(),
        "--store",
        store,
    ]);
    let held = run_ok(&["light", "sync", "--store", store, "--node", &one.url]);
    assert_eq!(held["held"]["size"], 1, "{held}");
    let (ok, out, err) =
        crate::common::publica(&["light", "sync", "--store", store, "--node", &other.url]);
    assert!(!ok, "a forked view must fail: {out}");
    assert!(err.contains("fork"), "{err}");
    let fork: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"));
    let (h, s) = (&fork["fork"]["held"], &fork["fork"]["served"]);
    assert!(h["checkpoint"] != s["checkpoint"], "{fork}");
    assert!(
        h["checkpoint"]
            .as_str()
            .unwrap()
            .starts_with("publica.network/publica-forked\n")
            && s["checkpoint"]
                .as_str()
                .unwrap()
                .starts_with("publica.network/publica-forked\n"),
        "{fork}"
    );
    // The store still holds the first history's checkpoint: the client
    // keeps following it.
    let again = run_ok(&["light", "sync", "--store", store, "--node", &one.url]);
    assert_eq!(
        again["held"]["root"], held["held"]["root"],
        "{again} {held}"
    );
}
