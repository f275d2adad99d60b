//! Property test of admission against a real node (real storage in a
//! temporary directory, the dev sequencer running): random submissions from
//! random signers with random nonces are admitted exactly when the nonce is
//! the next one, replays of admitted or committed transactions are always
//! rejected, and each admitted transaction is executed exactly once.

use proptest::prelude::*;
use publica_crypto::Keypair;
use publica_node::{Node, NodeConfig, TxLookup};
use publica_types::{codes, Call, Envelope, Expiry, TxBody};
use serde_json::json;
use std::collections::HashMap;
use std::time::Duration;

fn tx(kp: &Keypair, nonce: u64, note: u32) -> Envelope {
    let body = TxBody {
        chain_id: "publica-dev".into(),
        nonce,
        expiry: Expiry::Height(1_000_000),
        call: Call {
            module: "system".into(),
            method: if nonce == 1 {
                "register_account"
            } else {
                "set_note"
            }
            .into(),
            args: if nonce == 1 {
                json!({})
            } else {
                json!({ "note": format!("{note}") })
            },
        },
    };
    let signature = kp.sign(&body.signing_bytes().unwrap());
    Envelope {
        body,
        signer: kp.account(),
        signature,
    }
}

/// A dev node on a fresh temporary directory, its config tuned by `tune`;
/// the directory lives as long as the returned guard.
fn dev_node(tune: impl FnOnce(&mut NodeConfig)) -> (tempfile::TempDir, Node) {
    let dir = tempfile::tempdir().unwrap();
    let mut config = NodeConfig::dev(dir.path().to_path_buf());
    config.genesis = Some(publica_identity::Genesis::dev(
        "publica-dev",
        Keypair::generate().account(),
    ));
    tune(&mut config);
    let node = Node::start_dev(config).unwrap();
    (dir, node)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, .. ProptestConfig::default() })]
    #[test]
    fn nonces_admit_exactly_the_next_and_replays_never_pass(
        steps in proptest::collection::vec((0usize..3, -2i64..3, any::<bool>()), 1..40)
    ) {
        let (_dir, node) = dev_node(|c| c.block_interval_ms = 3);
        let keys: Vec<Keypair> = (0..3).map(|_| Keypair::generate()).collect();
        let mut next: HashMap<usize, u64> = HashMap::new();
        let mut admitted: Vec<Envelope> = Vec::new();
        for (i, (who, shift, resend)) in steps.into_iter().enumerate() {
            if resend && !admitted.is_empty() {
                // Any earlier admitted transaction, pending or committed.
                let old = admitted[i % admitted.len()].clone();
                let r = node.submit(vec![old]).pop().unwrap();
                prop_assert_eq!(r.unwrap_err().code, codes::TX_NONCE_REPLAYED);
                continue;
            }
            let expected = *next.get(&who).unwrap_or(&1);
            let nonce = (expected as i64 + shift).max(1) as u64;
            let env = tx(&keys[who], nonce, i as u32);
            let r = node.submit(vec![env.clone()]).pop().unwrap();
            if nonce == expected {
                prop_assert!(r.is_ok(), "{:?}", r);
                next.insert(who, expected + 1);
                admitted.push(env);
            } else {
                let code = r.unwrap_err().code;
                let want = if nonce < expected { codes::TX_NONCE_REPLAYED } else { codes::TX_NONCE_GAP };
                prop_assert_eq!(code, want);
            }
        }
        // Everything admitted commits once, in order, and succeeds.
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        for env in &admitted {
            let id = publica_crypto::tx_id(&env.signer, &env.body.signing_bytes().unwrap());
            let found = rt.block_on(node.wait_for_tx(&id, Duration::from_secs(10))).unwrap();
            match found {
                TxLookup::Committed(r) => prop_assert_eq!(r.outcome.status, publica_types::TxStatus::Ok),
                other => prop_assert!(false, "not committed: {:?}", other),
            }
        }
        for (who, n) in &next {
            let (committed, _) = node.nonces(&keys[*who].account());
            prop_assert_eq!(committed, n - 1);
        }
        prop_assert_eq!(node.status().log_size, admitted.len() as u64);
        node.shutdown();
    }
}

/// A full mempool refuses what it cannot keep before checking signatures:
/// an overloaded node does not spend its CPU verifying transactions it
/// will drop. Malformed transactions still get their own error.
#[test]
fn a_full_mempool_refuses_before_checking_signatures() {
    let (_dir, node) = dev_node(|c| {
        // No block is cut during the test: the mempool stays as filled.
        c.block_interval_ms = 60_000;
        c.mempool_txs_max = 5;
    });
    let keys: Vec<Keypair> = (0..8).map(|_| Keypair::generate()).collect();
    let results = node.submit(keys.iter().map(|k| tx(k, 1, 0)).collect());
    let codes_seen: Vec<Option<String>> = results
        .iter()
        .map(|r| r.as_ref().err().map(|e| e.code.clone()))
        .collect();
    assert!(
        codes_seen[..5].iter().all(Option::is_none),
        "{codes_seen:?}"
    );
    for c in &codes_seen[5..] {
        assert_eq!(c.as_deref(), Some(codes::MEMPOOL_FULL));
    }
    assert_eq!(node.status().mempool_txs, 5);
    // A forged signature beyond the room is refused as "full", unverified.
    let mut forged = tx(&Keypair::generate(), 1, 0);
    forged.signature.0[0] ^= 1;
    let r = node.submit(vec![forged]).pop().unwrap();
    assert_eq!(r.unwrap_err().code, codes::MEMPOOL_FULL);
    // A transaction for another chain still says so.
    let mut wrong = tx(&Keypair::generate(), 1, 0);
    wrong.body.chain_id = "elsewhere".into();
    let r = node.submit(vec![wrong]).pop().unwrap();
    assert_eq!(r.unwrap_err().code, codes::TX_WRONG_CHAIN);
    node.shutdown();
}

/// Blocks are cut by bytes as well as by count: 400 transactions of about
/// 50 KB each (20 MB) never go into one block, whose transactions stay
/// within `BLOCK_TX_BYTES_MAX`. The blocks together pass the 16 MiB the
/// node keeps decoded, so the first ones are read back from the block log
/// on disk, and their receipts are still served.
#[test]
fn blocks_of_large_transactions_are_cut_by_bytes() {
    let (_dir, node) = dev_node(|c| c.block_interval_ms = 300);
    let big = "x".repeat(50_000);
    let envs: Vec<Envelope> = (0..400)
        .map(|_| {
            let kp = Keypair::generate();
            // Admitted (under TX_BYTES_MAX), then refused by the system
            // module in its block: the note is too long. Size is the point.
            let body = TxBody::new(
                "publica-dev",
                1,
                Expiry::Height(1_000_000),
                "system",
                "set_note",
                json!({ "note": big }),
            );
            kp.sign_tx(kp.account(), body).unwrap()
        })
        .collect();
    let sizes: HashMap<_, usize> = envs
        .iter()
        .map(|e| {
            let bytes = e.body.signing_bytes().unwrap();
            (publica_crypto::tx_id(&e.signer, &bytes), bytes.len())
        })
        .collect();
    assert!(node.submit(envs).iter().all(Result::is_ok));
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    for id in sizes.keys() {
        let found = rt
            .block_on(node.wait_for_tx(id, Duration::from_secs(30)))
            .unwrap();
        assert!(matches!(found, TxLookup::Committed(_)), "{found:?}");
    }
    let (mut blocks, mut seen) = (0, 0);
    for h in 1..=node.status().height {
        let block = node.block(h).unwrap().unwrap();
        let bytes: usize = block.outcomes.iter().map(|o| sizes[&o.tx_id]).sum();
        assert!(
            bytes <= publica_types::limits::BLOCK_TX_BYTES_MAX,
            "block {h}: {bytes} bytes"
        );
        if !block.transactions.is_empty() {
            blocks += 1;
        }
        seen += block.transactions.len();
    }
    assert_eq!(seen, 400);
    assert!(
        blocks >= 3,
        "20 MB of transactions went into {blocks} block(s)"
    );
    // Block 1 is beyond the decoded ones now: its receipts come from disk,
    // twice (the second from the last block read).
    let first = node.block(1).unwrap().unwrap();
    assert!(first.outcomes.len() >= 2, "block 1 holds the first of them");
    for o in first.outcomes.iter().take(2) {
        match node.lookup_tx(&o.tx_id).unwrap() {
            TxLookup::Committed(r) => assert_eq!(r.block_height, 1),
            other => panic!("not committed: {other:?}"),
        }
    }
    node.shutdown();
}

/// One signer may fill only its share of the mempool (a twentieth); beyond
/// it the signer is refused before its signatures are checked. Forged
/// transactions that name a signer take nothing from its share.
#[test]
fn a_signer_gets_its_share_of_the_mempool_and_no_more() {
    let (_dir, node) = dev_node(|c| {
        c.block_interval_ms = 60_000;
        c.mempool_txs_max = 40_000;
    });
    let share = 2_000u64;
    let signer = Keypair::generate();
    // Someone else's forgeries under this signer's name.
    let forged: Vec<Envelope> = (1..=100)
        .map(|n| {
            let mut f = tx(&Keypair::generate(), n, 0);
            f.signer = signer.account();
            f
        })
        .collect();
    for r in node.submit(forged) {
        assert_eq!(r.unwrap_err().code, codes::TX_BAD_SIGNATURE);
    }
    let own: Vec<Envelope> = (1..=share).map(|n| tx(&signer, n, 1)).collect();
    assert!(node.submit(own).iter().all(Result::is_ok));
    let over = node.submit(vec![tx(&signer, share + 1, 1)]).pop().unwrap();
    let e = over.unwrap_err();
    assert_eq!(e.code, codes::MEMPOOL_SIGNER_FULL, "{}", e.message);
    // A forged one beyond the share is refused as such, unverified.
    let mut forged = tx(&signer, share + 1, 2);
    forged.signature.0[0] ^= 1;
    let r = node.submit(vec![forged]).pop().unwrap();
    assert_eq!(r.unwrap_err().code, codes::MEMPOOL_SIGNER_FULL);
    // Other signers are unaffected.
    let other = node.submit(vec![tx(&Keypair::generate(), 1, 0)]).pop();
    assert!(other.unwrap().is_ok());
    assert_eq!(node.status().mempool_txs as u64, share + 1);
    node.shutdown();
}
