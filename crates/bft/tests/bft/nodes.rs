//! Real Publica nodes (durable block log, mempool with admission, receipts)
//! as the executors of a BFT-ordered chain, in the deterministic simulation:
//! transactions admitted at any node are committed with receipts on every
//! node, all nodes hold the same blocks and state roots, and a validator
//! whose node is shut down and reopened (recovery from its block log)
//! catches up and goes on.
#![allow(
    clippy::too_many_lines,
    reason = "a scenario test reads top to bottom as one story"
)]

use commonware_runtime::{deterministic, Clock, Runner as _};
use publica_bft::sim::{cosigner, link, validator_keys, SimNetwork};
use publica_bft::{Finality, NodeExecutor, PublicaApp};
use publica_consensus::{BlockSink, Consensus, ConsensusHandle, TxSource};
use publica_crypto::Keypair;
use publica_identity::Genesis;
use publica_log::ValidatorSet;
use publica_node::query::TxLookup;
use publica_node::{Node, NodeConfig};
use publica_runtime::receipt::{verify_receipt_with, Trust};
use publica_types::{Expiry, Hash32, TxBody};
use serde_json::json;
use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Duration;

const N: usize = 4;
const CHAIN: &str = "publica-bft-nodes";

/// The validators' cosigner keys for the nodes' log.
fn validator_set(origin: &str) -> ValidatorSet {
    ValidatorSet::new(origin, (0..N).map(|i| cosigner(i).key()).collect())
}

/// The simulation's stand-in for the engine as the node's consensus: the
/// engine runs on the deterministic runtime, outside the node, so the
/// node's mempool and pipeline are handed out to it (a real validator
/// starts `publica_bft::BftConsensus` instead).
struct Simulated(std::sync::mpsc::Sender<NodeExecutor>);

impl Consensus for Simulated {
    fn start(
        self: Box<Self>,
        source: Arc<dyn TxSource>,
        sink: Arc<dyn BlockSink>,
    ) -> ConsensusHandle {
        let _ = self.0.send(NodeExecutor::new(source, sink));
        ConsensusHandle::new(Arc::new(AtomicBool::new(false)), None)
    }
}

/// Opens validator `i`'s node and its application: the node executes, and
/// stores the final checkpoints its receipts then carry.
fn open(i: usize, dir: &Path, genesis: &Genesis) -> (Node, PublicaApp<NodeExecutor>) {
    let mut config = NodeConfig::dev(dir.to_path_buf());
    config.chain_id = CHAIN.into();
    config.genesis = Some(genesis.clone());
    let (handover, executor) = std::sync::mpsc::channel();
    let node = Node::start(config, Box::new(Simulated(handover))).expect("node starts");
    let executor = executor.recv().expect("consensus started");
    let origin = node.log_origin();
    let keeper = node.clone();
    let finality = Finality::new(&origin, cosigner(i), validator_set(&origin).cosigners).on_final(
        Box::new(move |height, note| {
            keeper
                .add_final_checkpoint(height, note)
                .expect("a checkpoint of this log");
        }),
    );
    (node, PublicaApp::new(executor, finality))
}

fn note(kp: &Keypair, n: u64) -> publica_types::Envelope {
    let (method, args) = if n == 1 {
        ("register_account", json!({}))
    } else {
        ("set_note", json!({"note": format!("note {n}")}))
    };
    let body = TxBody::new(CHAIN, n, Expiry::Height(1 << 30), "system", method, args);
    kp.sign_tx(kp.account(), body).unwrap()
}

fn committed_everywhere(nodes: &[Option<Node>], ids: &[Hash32]) -> bool {
    nodes.iter().flatten().all(|n| {
        ids.iter()
            .all(|id| matches!(n.lookup_tx(id), Ok(TxLookup::Committed(_))))
    })
}

async fn wait(context: &deterministic::Context, limit: Duration, ok: impl Fn() -> bool) -> bool {
    let deadline = context.current() + limit;
    while !ok() {
        if context.current() >= deadline {
            return false;
        }
        // The nodes persist on their own threads: give them real time too.
        std::thread::sleep(Duration::from_millis(1));
        context.sleep(Duration::from_millis(50)).await;
    }
    true
}

#[test]
fn nodes_execute_the_bft_chain_and_a_reopened_node_catches_up() {
    let dirs: Vec<tempfile::TempDir> = (0..N).map(|_| tempfile::tempdir().unwrap()).collect();
    let paths: Vec<std::path::PathBuf> = dirs.iter().map(|d| d.path().to_path_buf()).collect();
    let genesis = Genesis::dev(CHAIN, Keypair::from_seed([7; 32]).account());
    let cfg = deterministic::Config::new()
        .with_seed(1)
        .with_timeout(Some(Duration::from_secs(600)));
    deterministic::Runner::new(cfg).start(|context| async move {
        let mut net = SimNetwork::start(&context, validator_keys(N)).await;
        net.connect_all(link(20, 2)).await;
        let mut nodes: Vec<Option<Node>> = Vec::new();
        let mut handles = Vec::new();
        for (i, path) in paths.iter().enumerate() {
            let (node, app) = open(i, path, &genesis);
            nodes.push(Some(node));
            handles.push(net.spawn_validator(&context, i, app));
        }
        // Accounts register at different nodes, then write notes.
        let keys: Vec<Keypair> = (0..8u8).map(|i| Keypair::from_seed([i + 1; 32])).collect();
        let mut ids = Vec::new();
        for (a, kp) in keys.iter().enumerate() {
            let r = nodes[a % N].as_ref().unwrap().submit(vec![note(kp, 1)]);
            ids.push(*r[0].as_ref().expect("admitted"));
        }
        assert!(
            wait(&context, Duration::from_secs(60), || committed_everywhere(
                &nodes, &ids
            ))
            .await,
            "registrations committed on every node"
        );

        // Validator 2's node shuts down; the others go on.
        handles[2].abort();
        // Let the aborted tasks drop their hold on the node's pipeline, so
        // its persister can finish and the node shut down.
        context.sleep(Duration::from_millis(100)).await;
        nodes[2].take().unwrap().shutdown();
        let mut more = Vec::new();
        for (a, kp) in keys.iter().enumerate() {
            let r = nodes[[0, 1, 3][a % 3]]
                .as_ref()
                .unwrap()
                .submit(vec![note(kp, 2)]);
            more.push(*r[0].as_ref().expect("admitted"));
        }
        assert!(
            wait(&context, Duration::from_secs(60), || committed_everywhere(
                &nodes, &more
            ))
            .await,
            "three nodes go on"
        );

        // It reopens from its block log and catches up.
        let (node, app) = open(2, &paths[2], &genesis);
        nodes[2] = Some(node);
        handles[2] = net.spawn_validator(&context, 2, app);
        let target = nodes[0].as_ref().unwrap().status().height;
        assert!(
            wait(&context, Duration::from_secs(120), || {
                nodes[2].as_ref().unwrap().status().height >= target
            })
            .await,
            "the reopened node catches up to {target}"
        );
        // Caught up, it admits the next transactions and they are committed
        // everywhere.
        let last: Vec<Hash32> = keys
            .iter()
            .map(|kp| {
                *nodes[2].as_ref().unwrap().submit(vec![note(kp, 3)])[0]
                    .as_ref()
                    .expect("admitted")
            })
            .collect();
        let all: Vec<Hash32> = ids.iter().chain(&more).chain(&last).copied().collect();
        assert!(
            wait(&context, Duration::from_secs(120), || committed_everywhere(
                &nodes, &all
            ))
            .await,
            "what the reopened node admitted is committed everywhere"
        );
        // Same blocks everywhere: compare each height's block hash.
        let tip = nodes
            .iter()
            .flatten()
            .map(|n| n.status().height)
            .min()
            .unwrap();
        assert!(tip >= 3);
        for h in 1..=tip {
            let hashes: Vec<_> = nodes
                .iter()
                .flatten()
                .map(|n| publica_runtime::block_hash(&n.block(h).unwrap().unwrap().header))
                .collect();
            assert!(hashes.windows(2).all(|w| w[0] == w[1]), "height {h}");
            // Nothing proposed twice: every transaction ran once, and ran.
            let block = nodes[0].as_ref().unwrap().block(h).unwrap().unwrap();
            assert!(
                block
                    .outcomes
                    .iter()
                    .all(|o| o.status == publica_types::TxStatus::Ok),
                "height {h}: {:?}",
                block.outcomes
            );
        }
        let executed: usize = (1..=tip)
            .map(|h| {
                nodes[0]
                    .as_ref()
                    .unwrap()
                    .block(h)
                    .unwrap()
                    .unwrap()
                    .transactions
                    .len()
            })
            .sum();
        assert_eq!(
            executed,
            all.len(),
            "each admitted transaction executed once"
        );
        // Committed transactions left every mempool (proposers only peek).
        for n in nodes.iter().flatten() {
            assert_eq!(n.status().mempool_txs, 0, "mempool emptied");
        }
        // Every node serves receipts whose checkpoint a quorum of validators
        // cosigned: they verify offline against the validator set alone.
        let n0 = nodes[0].as_ref().unwrap();
        let set = validator_set(&n0.log_origin());
        // A node stores only checkpoints of its own log.
        assert!(n0.add_final_checkpoint(1, "no blank line").is_err());
        let forged = publica_log::Checkpoint {
            origin: n0.log_origin(),
            size: 3,
            root: Hash32([1; 32]),
            state: None,
        }
        .to_text();
        let err = n0
            .add_final_checkpoint(1, &format!("{forged}\n{}", cosigner(0).cosign(&forged, 1)))
            .unwrap_err()
            .to_string();
        assert!(err.contains("not one of this log"), "{err}");
        for n in nodes.iter().flatten() {
            for id in &all {
                let TxLookup::Committed(r) = n.lookup_tx(id).unwrap() else {
                    panic!("committed")
                };
                let json = serde_json::to_value(&*r).unwrap();
                verify_receipt_with(&json, Trust::Validators(&set), None)
                    .expect("a receipt final under the validator set");
                // The checkpoint's block picks the set: never one before
                // the transaction's own block.
                let at = json["checkpoint_height"]
                    .as_u64()
                    .expect("a network receipt");
                assert!(at >= json["block_height"].as_u64().unwrap());
                for bad in [json!(0), json!("7"), json!(-1)] {
                    let mut forged = json.clone();
                    forged["checkpoint_height"] = bad;
                    assert!(verify_receipt_with(&forged, Trust::Validators(&set), None).is_err());
                }
            }
        }
        for h in &handles {
            h.abort();
        }
        context.sleep(Duration::from_millis(100)).await;
        for n in nodes.iter().flatten() {
            n.shutdown();
        }
    });
}
