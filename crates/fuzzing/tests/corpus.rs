//! Every fuzz target over its whole corpus and every input that once
//! crashed it (`fuzz/corpus/<target>`, `fuzz/regressions/<target>`): a
//! crash the fuzzer found and we fixed stays fixed. The seeds are real
//! objects (signed transactions, a block log, signed and cosigned notes,
//! key files, BFT blocks), written by `write_seeds` below.

use std::path::{Path, PathBuf};

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz")
}

fn inputs(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .map(|e| e.expect("a directory entry").path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

#[test]
fn every_target_runs_its_corpus_and_past_crashes_without_failing() {
    let mut failures = Vec::new();
    for (name, target) in publica_fuzzing::TARGETS {
        let corpus = inputs(&fuzz_dir().join("corpus").join(name));
        assert!(
            !corpus.is_empty(),
            "fuzz/corpus/{name} has no seed: run write_seeds"
        );
        let regressions = inputs(&fuzz_dir().join("regressions").join(name));
        for file in corpus.iter().chain(&regressions) {
            let data = std::fs::read(file).expect("reading an input");
            if std::panic::catch_unwind(|| target(&data)).is_err() {
                failures.push(file.display().to_string());
            }
        }
    }
    assert!(failures.is_empty(), "inputs that fail: {failures:#?}");
}

#[test]
fn every_target_has_a_fuzzer_binary() {
    for (name, _) in publica_fuzzing::TARGETS {
        let bin = fuzz_dir().join("src/bin").join(format!("{name}.rs"));
        let text =
            std::fs::read_to_string(&bin).unwrap_or_else(|e| panic!("{}: {e}", bin.display()));
        assert!(
            text.contains(&format!("target(\"{name}\")")),
            "{} runs another target",
            bin.display()
        );
    }
}

/// Writes the seed corpus from real objects: `cargo test -p
/// publica-fuzzing --test corpus -- --ignored write_seeds`.
#[test]
#[ignore = "writes the committed seed corpus; run by hand"]
fn write_seeds() {
    seeds::write(&fuzz_dir().join("corpus"));
}

mod seeds {
    use publica_crypto::Keypair;
    use publica_types::{Envelope, Expiry, TxBody};
    use serde_json::json;
    use std::path::Path;

    fn put(dir: &Path, target: &str, name: &str, data: &[u8]) {
        let d = dir.join(target);
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(d.join(name), data).unwrap();
    }

    fn envelope(
        kp: &Keypair,
        nonce: u64,
        module: &str,
        method: &str,
        args: serde_json::Value,
    ) -> Envelope {
        let body = TxBody::new(
            "publica-dev",
            nonce,
            Expiry::Height(1_000),
            module,
            method,
            args,
        );
        kp.sign_tx(kp.account(), body).unwrap()
    }

    pub fn write(dir: &Path) {
        let kp = Keypair::from_seed([3; 32]);
        let txs = transactions(dir, &kp);
        block_log(dir);
        notes(dir);
        proofs(dir);
        key_files(dir, &kp);
        bft(dir, &txs);
        imports(dir);
    }

    /// The files officials import: CSV and G2P requests.
    fn imports(dir: &Path) {
        let (a, n, sig) = ("a1".repeat(32), "b2".repeat(32), "c3".repeat(64));
        let csvs = [
            "from,to,amount,reference\ntreasury,alice,125,rent\ntreasury,bob,0\n\"q\",x,1\n".to_string(),
            format!("person,account\nP-001,{a}\nP-002,{a}\n"),
            format!("account,nullifier,registry_signer,registry_signature\n{a},{n},{a},{sig}\n{a},{n}\n"),
            format!("subject,period,expires_ms,age,in_school\n{a},2027-01,,70,true\n{a},2027-13,5,,\n"),
        ];
        for (i, text) in csvs.iter().enumerate() {
            put(dir, "csv_import", &format!("seed-{i}.csv"), text.as_bytes());
        }
        let req = json!({
            "header": {"version": "1.0.0", "message_id": "m-1", "message_ts": "2027-01-15T09:00:00Z",
                       "action": "disburse", "sender_id": "registry", "total_count": 3},
            "message": {"transaction_id": "t-1", "disbursements": [
                {"reference_id": "r-1", "payer_fa": "publica:program:ubi", "payee_fa": format!("publica:account:{a}"),
                 "amount": "25.00", "currency_code": "EUR", "scheduled_timestamp": "2027-01-15T09:00:00Z"},
                {"reference_id": "r-2", "payer_fa": "publica:program:pension", "payee_fa": format!("publica:account:{a}"),
                 "amount": "310.5"},
                {"reference_id": "r-1", "payer_fa": "publica:program:none", "payee_fa": "x", "amount": "1"}
            ]}
        });
        put(
            dir,
            "g2p_disburse",
            "seed-0.json",
            &serde_json::to_vec_pretty(&req).unwrap(),
        );
        // The same request signed by its sender, as the gateway takes it.
        let kp = Keypair::from_seed([7; 32]);
        let sig = publica_programs::g2p_signature::sign(
            &kp,
            "registry",
            &req["header"],
            &req["message"],
            1_000,
            600,
        );
        let signed = json!({"signature": sig, "header": req["header"], "message": req["message"]});
        put(
            dir,
            "g2p_signature",
            "seed-0.json",
            &serde_json::to_vec_pretty(&signed).unwrap(),
        );
        // A commitment and a real proof about it.
        let o = publica_zk::Opening::new(900_000);
        let mut bytes = o.commitment().to_bytes().to_vec();
        bytes.extend(
            publica_zk::prove(&o, publica_zk::Threshold::Below(1_500_000), b"fuzz").unwrap(),
        );
        put(dir, "zk_proof", "seed-0.bin", &bytes);
    }

    /// Envelopes, batches and canonical JSON; returns two signed envelopes.
    fn transactions(dir: &Path, kp: &Keypair) -> [Envelope; 2] {
        let register = envelope(kp, 1, "system", "register_account", json!({}));
        let transfer = envelope(
            kp,
            2,
            "money",
            "transfer",
            json!({"from": "alice", "to": "bob", "amount": "125", "reference": "rent"}),
        );
        let note = envelope(
            kp,
            3,
            "system",
            "set_note",
            json!({"note": "caf\u{e9} \u{2028}"}),
        );
        for (i, e) in [&register, &transfer, &note].iter().enumerate() {
            put(
                dir,
                "envelope",
                &format!("seed-{i}.json"),
                &serde_json::to_vec(e).unwrap(),
            );
            put(
                dir,
                "relay_batch",
                &format!("seed-{i}.json"),
                &serde_json::to_vec(&[e]).unwrap(),
            );
        }
        let batch = json!({"transactions": [register, transfer, note]});
        put(
            dir,
            "batch",
            "seed-0.json",
            &serde_json::to_vec(&batch).unwrap(),
        );
        put(
            dir,
            "batch",
            "seed-1.json",
            br#"{"transactions": [{"body": 1}, "x", null]}"#,
        );
        put(
            dir,
            "relay_batch",
            "seed-3.json",
            &serde_json::to_vec(&[&register, &transfer]).unwrap(),
        );

        put(
            dir,
            "canonical_json",
            "seed-0.json",
            &serde_json::to_vec(&transfer).unwrap(),
        );
        put(
            dir,
            "canonical_json",
            "seed-1.json",
            br#"{"b": [1, -2, 9007199254740991, "\u00e9\ud83d\ude00", null, true, {"z": {}, "a": []}], "a": ""}"#,
        );
        put(dir, "canonical_json", "seed-2.json", b"[1.5, 1e3, -0, 0.1]");
        [register, transfer]
    }

    fn block_log(dir: &Path) {
        // A real chain's block log, whole, torn and with a flipped bit.
        let log = std::fs::read(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../../tests/fixtures/ledger-format-4/blocks.log"),
        )
        .unwrap();
        let cut = log.len().min(6_000);
        put(dir, "block_log", "seed-0.log", &log[..cut]);
        put(
            dir,
            "block_log",
            "seed-1.log",
            &log[..cut.saturating_sub(7)],
        );
        let mut flipped = log[..cut].to_vec();
        flipped[100] ^= 0x10;
        put(dir, "block_log", "seed-2.log", &flipped);

        // The same chain's first blocks as bare payloads, split by zero bytes.
        let fixture =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/ledger-format-4");
        let (chain, _) = publica_store::BlockLog::open_read_only(&fixture).unwrap();
        let mut payloads = Vec::new();
        for h in 1..=chain.height().min(3) {
            payloads.extend(serde_json::to_vec(&chain.read(h).unwrap().unwrap()).unwrap());
            payloads.push(0);
        }
        put(dir, "block_frames", "seed-0.bin", &payloads);
    }

    fn notes(dir: &Path) {
        // Signed and cosigned checkpoint notes.
        let origin = publica_fuzzing::NOTE_ORIGIN;
        let signer = publica_log::NoteSigner::new(origin, publica_fuzzing::note_key()).unwrap();
        let cp = publica_log::Checkpoint {
            origin: origin.into(),
            size: 12,
            root: publica_types::Hash32([9; 32]),
            state: None,
        };
        let signed = signer.sign(&cp.to_text());
        put(
            dir,
            "checkpoint_note",
            "seed-0.txt",
            format!("{}\n{signed}", signer.verifier_key()).as_bytes(),
        );
        // add-checkpoint bodies: the same checkpoint again (cosigned), and
        // a larger one with a proof that does not link it.
        let grown = publica_log::Checkpoint {
            origin: origin.into(),
            size: 14,
            root: publica_types::Hash32([8; 32]),
            state: Some(publica_log::StateLine {
                height: 3,
                state_root: publica_types::Hash32([7; 32]),
            }),
        };
        for (i, req) in [
            publica_log::witness::AddCheckpoint {
                old_size: 12,
                proof: vec![],
                note: signed.clone(),
            },
            publica_log::witness::AddCheckpoint {
                old_size: 12,
                proof: vec![
                    publica_types::Hash32([1; 32]),
                    publica_types::Hash32([2; 32]),
                ],
                note: signer.sign(&grown.to_text()),
            },
        ]
        .iter()
        .enumerate()
        {
            put(
                dir,
                "witness_request",
                &format!("seed-{i}.txt"),
                req.to_body().as_bytes(),
            );
        }
        let other =
            publica_log::NoteSigner::new("other.example/log", Keypair::from_seed([5; 32])).unwrap();
        put(
            dir,
            "checkpoint_note",
            "seed-1.txt",
            format!(
                "{}\n{}",
                other.verifier_key(),
                other.sign("other.example/log\n3\nAAAA\n")
            )
            .as_bytes(),
        );
        let cosigners: Vec<publica_log::Cosigner> = (0..4u8)
            .map(|i| {
                publica_log::Cosigner::new(&format!("v{i}"), Keypair::from_seed([20 + i; 32]))
                    .unwrap()
            })
            .collect();
        let set = publica_log::ValidatorSet::new(
            origin,
            cosigners.iter().map(publica_log::Cosigner::key).collect(),
        );
        let mut cosigned = signed.clone();
        for c in &cosigners[..3] {
            cosigned.push_str(&c.cosign(&cp.to_text(), 1_700_000_000));
        }
        put(
            dir,
            "cosigned_note",
            "seed-0.txt",
            format!("{}\n{cosigned}", set.to_json().replace('\n', "")).as_bytes(),
        );
    }

    fn proofs(dir: &Path) {
        let mut proof = Vec::new();
        proof.extend_from_slice(&5u64.to_be_bytes());
        proof.extend_from_slice(&37u64.to_be_bytes());
        proof.extend_from_slice(&[3; 64]);
        put(dir, "inclusion_proof", "seed-0.bin", &proof);
        put(dir, "inclusion_proof", "seed-1.bin", &[0xff; 16]);

        let mut state = publica_state::StateTree::new();
        state.insert(b"k", b"v");
        state.insert(b"money/account/alice", b"{}");
        let root = state.root();
        for (i, key) in ["k", "absent"].iter().enumerate() {
            let p = state.prove(key.as_bytes());
            let value = state
                .get(key.as_bytes())
                .map(|v| String::from_utf8(v.into_owned()).unwrap());
            let doc = json!({
                "root": root.to_hex(),
                "key": key,
                "value": value,
                "proof": p,
            });
            put(
                dir,
                "state_proof",
                &format!("seed-{i}.json"),
                &serde_json::to_vec(&doc).unwrap(),
            );
        }

        for (i, p) in ["0/x001/234", "1/005.p/7", "entries/x002/003", "0/001"]
            .iter()
            .enumerate()
        {
            put(dir, "tile_path", &format!("seed-{i}.txt"), p.as_bytes());
        }
    }

    fn key_files(dir: &Path, kp: &Keypair) {
        let plain = publica_crypto::KeyFile::seal(kp, None);
        put(
            dir,
            "key_file",
            "seed-0.json",
            &serde_json::to_vec(&plain).unwrap(),
        );
        let sealed = publica_crypto::KeyFile::seal(kp, Some(b"passphrase"));
        let mut cheap = serde_json::to_value(&sealed).unwrap();
        cheap["secret"]["m_cost_kib"] = json!(8);
        cheap["secret"]["t_cost"] = json!(1);
        put(
            dir,
            "key_file",
            "seed-1.json",
            &serde_json::to_vec(&cheap).unwrap(),
        );
    }

    fn bft(dir: &Path, [register, transfer]: &[Envelope; 2]) {
        use commonware_codec::Encode as _;
        let genesis = publica_bft::BftBlock::genesis();
        put(dir, "bft_block", "seed-0.bin", &genesis.encode());
        let block = publica_bft::BftBlock {
            parent: genesis.parent,
            height: commonware_consensus_height(1),
            time_ms: 1_700_000_000_000,
            executed_height: 0,
            executed_header_hash: [0; 32],
            txs: vec![
                serde_json::to_vec(register).unwrap(),
                serde_json::to_vec(transfer).unwrap(),
            ],
        };
        put(dir, "bft_block", "seed-1.bin", &block.encode());

        let floor = json!({
            "height": 1,
            "epoch": 0,
            "block": hex::encode(block.encode()),
            "finalization": "00",
            "participants": [Keypair::from_seed([20; 32]).account().to_hex()],
        });
        put(
            dir,
            "sync_floor",
            "seed-0.json",
            &serde_json::to_vec(&floor).unwrap(),
        );
    }

    fn commonware_consensus_height(h: u64) -> commonware_consensus::types::Height {
        commonware_consensus::types::Height::new(h)
    }
}
