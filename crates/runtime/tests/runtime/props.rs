//! Property tests of the runtime over random calls from random signers:
//! failed calls change no module state, only valid calls change anything,
//! every transaction that passes the chain and nonce checks uses its nonce
//! (so none executes twice), a weak signer never acts, and replaying the
//! produced blocks reproduces every root.

use proptest::prelude::*;
use publica_crypto::{tx_id, Keypair};
use publica_runtime::nonce::{committed_nonce, nonce_key};
use publica_runtime::{assemble_block, BlockEnv, Runtime};
use publica_state::StateTree;
use publica_types::{Block, Call, Envelope, Expiry, TxBody, TxStatus, VerifiedTx};
use serde_json::{json, Value};

#[derive(Debug, Clone)]
struct Op {
    signer: usize,
    nonce_shift: i8,
    call: u8,
    note_len: usize,
    chain_ok: bool,
    expired: bool,
}

fn op() -> impl Strategy<Value = Op> {
    (
        0usize..4,
        prop_oneof![6 => Just(0i8), 1 => Just(-1i8), 1 => Just(1i8)],
        0u8..7,
        0usize..300,
        prop::bool::weighted(0.95),
        prop::bool::weighted(0.05),
    )
        .prop_map(
            |(signer, nonce_shift, call, note_len, chain_ok, expired)| Op {
                signer,
                nonce_shift,
                call,
                note_len,
                chain_ok,
                expired,
            },
        )
}

fn make_call(c: u8, note_len: usize) -> (String, String, Value) {
    let (m, f, a) = match c {
        0 => ("system", "register_account", json!({})),
        1 | 2 => (
            "system",
            "set_note",
            json!({ "note": "x".repeat(note_len) }),
        ),
        3 => ("system", "clear_note", json!({})),
        4 => ("system", "set_note", json!({ "note": "a", "extra": 1 })),
        5 => ("system", "no_such_method", json!({})),
        _ => ("nosuchmodule", "x", json!({})),
    };
    (m.into(), f.into(), a)
}

fn entries(s: &StateTree) -> Vec<(Vec<u8>, Vec<u8>)> {
    s.sorted_entries()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, .. ProptestConfig::default() })]
    #[test]
    fn failed_calls_change_nothing_and_replay_reproduces_roots(ops in proptest::collection::vec(op(), 1..60), block_size in 1usize..6) {
        let keys: Vec<Keypair> = (0..3u8).map(|i| Keypair::from_seed([i + 1; 32])).collect();
        // Signer 3 is the all-zero account, the ledger's own: a small-order
        // key under which anyone forges a signature (admission refuses it;
        // a faulty proposer's block may still carry it).
        let signer_of = |i: usize| if i < 3 { keys[i].account() } else { publica_types::AccountId([0; 32]) };
        let rt = Runtime::new();
        let mut state = StateTree::new();
        let mut blocks: Vec<Block> = Vec::new();
        let mut log = publica_log::MerkleLog::new();
        let mut height = 0u64;
        for chunk in ops.chunks(block_size) {
            height += 1;
            let env = BlockEnv { chain_id: "c".into(), height, time_ms: height * 10 };
            let mut txs = Vec::new();
            for o in chunk {
                let kp = &keys[o.signer % 3];
                let signer = signer_of(o.signer);
                let (module, method, args) = make_call(o.call, o.note_len);
                let base = committed_nonce(&state, &signer) as i64 + 1;
                let body = TxBody {
                    chain_id: if o.chain_ok { "c".into() } else { "other".into() },
                    nonce: (base + i64::from(o.nonce_shift)).max(1) as u64,
                    expiry: if o.expired { Expiry::Height(height - 1) } else { Expiry::Height(height + 5) },
                    call: Call { module, method, args },
                };
                let nonce_exact = body.nonce as i64 == base;
                let bytes = body.signing_bytes().unwrap();
                let id = tx_id(&signer, &bytes);
                let envelope = Envelope { signature: kp.sign(&bytes), signer, body };
                // Execute one at a time to compare state around each call.
                let before = entries(&state);
                let nonce_before = committed_nonce(&state, &signer);
                let vt = VerifiedTx { envelope, id, signing_bytes: bytes };
                let outcome = rt.execute_block(&mut state, &env, std::slice::from_ref(&vt)).outcomes.pop().unwrap();
                let after = entries(&state);
                if outcome.status == TxStatus::Failed {
                    // Only the signer's nonce may have moved, and by one.
                    let nk = nonce_key(&signer);
                    let strip = |v: &Vec<(Vec<u8>, Vec<u8>)>| v.iter().filter(|(k, _)| *k != nk).cloned().collect::<Vec<_>>();
                    prop_assert_eq!(strip(&before), strip(&after));
                    let nonce_after = committed_nonce(&state, &signer);
                    prop_assert!(nonce_after == nonce_before || nonce_after == nonce_before + 1);
                    let code = outcome.error.as_ref().unwrap().code.clone();
                    let pre_nonce = ["tx.wrong_chain", "tx.nonce_replayed", "tx.nonce_gap"].contains(&code.as_str());
                    prop_assert_eq!(nonce_after == nonce_before, pre_nonce, "code {}", code);
                    prop_assert_eq!(pre_nonce, !(o.chain_ok && nonce_exact), "code {}", code);
                    if o.signer == 3 && !pre_nonce {
                        prop_assert_eq!(code.as_str(), "tx.invalid_signer");
                    }
                    if !pre_nonce {
                        // Its nonce is used: the same transaction in a later
                        // block fails on it, and changes nothing.
                        let again = rt.execute_block(&mut state.clone(), &env, std::slice::from_ref(&vt)).outcomes.pop().unwrap();
                        prop_assert_eq!(again.error.map(|e| e.code), Some("tx.nonce_replayed".to_string()));
                    }
                } else {
                    prop_assert!(o.signer < 3, "a weak signer acted");
                    prop_assert_eq!(committed_nonce(&state, &signer), nonce_before + 1);
                    prop_assert!(o.chain_ok && !o.expired && nonce_exact);
                    prop_assert!(o.call <= 3);
                }
                txs.push((vt, outcome));
            }
            let parent = blocks.last().map(|b| b.header.clone());
            let (envs, outs): (Vec<_>, Vec<_>) = txs.into_iter().unzip();
            blocks.push(assemble_block(&env, parent.as_ref(), envs, outs, vec![], state.root(), &mut log));
        }
        // Replay from genesis reproduces every block exactly.
        let mut replayed = StateTree::new();
        let mut replayed_log = publica_log::MerkleLog::new();
        let mut parent = None;
        for b in &blocks {
            prop_assert!(rt.replay_block(&mut replayed, &mut replayed_log, parent.as_ref(), b).is_ok());
            parent = Some(b.header.clone());
        }
        prop_assert_eq!(replayed.root(), state.root());
        // A tampered block does not replay.
        if let Some(b) = blocks.first() {
            let mut bad = b.clone();
            bad.header.state_root.0[0] ^= 1;
            prop_assert!(rt.replay_block(&mut StateTree::new(), &mut publica_log::MerkleLog::new(), None, &bad).is_err());
        }
    }
}
