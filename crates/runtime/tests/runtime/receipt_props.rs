//! Receipts built from a real chain execution verify offline, and every
//! single-bit flip anywhere in their verified fields is rejected.

use proptest::prelude::*;
use publica_crypto::{tx_id, Keypair};
use publica_log::{Checkpoint, MerkleLog, NoteSigner, NoteVerifier};
use publica_runtime::receipt::{verify_receipt, ReceiptError};
use publica_runtime::{assemble_block, BlockEnv, Runtime};
use publica_state::StateTree;
use publica_types::{Call, Envelope, Expiry, TxBody, VerifiedTx};
use serde_json::{json, Value};

const ORIGIN: &str = "publica.local/test";

fn chain() -> (Vec<Value>, NoteVerifier) {
    let rt = Runtime::new();
    let mut state = StateTree::new();
    let mut log = MerkleLog::new();
    let kp = Keypair::from_seed([3; 32]);
    let mut blocks = Vec::new();
    let mut parent = None;
    for height in 1..=3u64 {
        let env = BlockEnv {
            chain_id: "c".into(),
            height,
            time_ms: height,
        };
        let txs: Vec<VerifiedTx> = (0..height)
            .map(|i| {
                let nonce = blocks
                    .iter()
                    .map(|b: &publica_types::Block| b.transactions.len() as u64)
                    .sum::<u64>()
                    + i
                    + 1;
                let (method, args) = if nonce == 1 {
                    ("register_account", json!({}))
                } else {
                    ("set_note", json!({"note": format!("n{nonce} é")}))
                };
                let body = TxBody {
                    chain_id: "c".into(),
                    nonce,
                    expiry: Expiry::Height(100),
                    call: Call {
                        module: "system".into(),
                        method: method.into(),
                        args,
                    },
                };
                let bytes = body.signing_bytes().unwrap();
                let id = tx_id(&kp.account(), &bytes);
                VerifiedTx {
                    envelope: Envelope {
                        signature: kp.sign(&bytes),
                        signer: kp.account(),
                        body,
                    },
                    id,
                    signing_bytes: bytes,
                }
            })
            .collect();
        let outcomes = rt.execute_block(&mut state, &env, &txs).outcomes;
        let b = assemble_block(
            &env,
            parent.as_ref(),
            txs,
            outcomes,
            vec![],
            state.root(),
            &mut log,
        );
        parent = Some(b.header.clone());
        blocks.push(b);
    }
    let signer = NoteSigner::new(ORIGIN, Keypair::from_seed([9; 32])).unwrap();
    let cp = signer.sign(
        &Checkpoint {
            origin: ORIGIN.into(),
            size: log.len(),
            root: log.root(),
            state: None,
        }
        .to_text(),
    );
    let mut receipts = Vec::new();
    for b in &blocks {
        for (i, (t, o)) in b.transactions.iter().zip(&b.outcomes).enumerate() {
            let leaf_index = b.header.log_size - b.header.tx_count + i as u64;
            receipts.push(json!({
                "tx_id": o.tx_id,
                "transaction": t,
                "outcome": o,
                "leaf_index": leaf_index,
                "tree_size": log.len(),
                "inclusion_proof": log.inclusion_proof(leaf_index, log.len()).unwrap(),
                "checkpoint": cp,
            }));
        }
    }
    (
        receipts,
        NoteVerifier::parse(&signer.verifier_key()).unwrap(),
    )
}

#[test]
fn every_receipt_verifies_and_each_kind_of_tampering_has_its_reason() {
    let (receipts, key) = chain();
    assert_eq!(receipts.len(), 6);
    for r in &receipts {
        verify_receipt(r, &key, None).unwrap();
    }
    let r = &receipts[4];
    let other = NoteVerifier::parse(
        &NoteSigner::new(ORIGIN, Keypair::from_seed([1; 32]))
            .unwrap()
            .verifier_key(),
    )
    .unwrap();
    assert!(matches!(
        verify_receipt(r, &other, None),
        Err(ReceiptError::Checkpoint(_))
    ));
    let e = verify_receipt(r, &key, Some("elsewhere.example/log")).unwrap_err();
    assert!(e.to_string().contains("wrong origin"), "{e}");
    let mut t = r.clone();
    t["checkpoint"] = json!(r["checkpoint"]
        .as_str()
        .unwrap()
        .replacen("\n6\n", "\n7\n", 1));
    assert!(verify_receipt(&t, &key, None)
        .unwrap_err()
        .to_string()
        .contains("bad signature"));
    let mut t = r.clone();
    t["tree_size"] = json!(5);
    assert!(matches!(
        verify_receipt(&t, &key, None),
        Err(ReceiptError::TreeSizeMismatch { .. })
    ));
    let mut t = r.clone();
    t["leaf_index"] = json!(3);
    assert!(matches!(
        verify_receipt(&t, &key, None),
        Err(ReceiptError::ProofMismatch(_))
    ));
    let mut t = r.clone();
    t["inclusion_proof"].as_array_mut().unwrap().pop();
    assert!(matches!(
        verify_receipt(&t, &key, None),
        Err(ReceiptError::ProofMismatch(_))
    ));
    let mut t = r.clone();
    t["inclusion_proof"]
        .as_array_mut()
        .unwrap()
        .push(json!("00".repeat(32)));
    assert!(matches!(
        verify_receipt(&t, &key, None),
        Err(ReceiptError::ProofMismatch(_))
    ));
    let mut t = r.clone();
    t["tx_id"] = receipts[3]["tx_id"].clone();
    assert!(matches!(
        verify_receipt(&t, &key, None),
        Err(ReceiptError::WrongLeaf(_))
    ));
    let mut t = r.clone();
    t["outcome"]["status"] = json!("failed");
    assert!(matches!(
        verify_receipt(&t, &key, None),
        Err(ReceiptError::ProofMismatch(_))
    ));
    let mut t = r.clone();
    t["transaction"]["body"]["call"]["args"]["note"] = json!("forged");
    assert!(matches!(
        verify_receipt(&t, &key, None),
        Err(ReceiptError::BadTransactionSignature)
    ));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, .. ProptestConfig::default() })]
    #[test]
    fn any_bit_flip_is_rejected(which in 0usize..6, pos in any::<prop::sample::Index>(), bit in 0u8..8) {
        let (receipts, key) = chain();
        let text = serde_json::to_vec(&receipts[which]).unwrap();
        let mut bytes = text.clone();
        let i = pos.index(bytes.len());
        bytes[i] ^= 1 << bit;
        let rejected = match serde_json::from_slice::<Value>(&bytes) {
            Err(_) => true,
            Ok(v) => verify_receipt(&v, &key, None).is_err(),
        };
        prop_assert!(rejected, "flip of bit {} at byte {} accepted: {}", bit, i, String::from_utf8_lossy(&bytes));
    }
}
