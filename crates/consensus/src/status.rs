//! What a node's consensus reports about itself (`GET /v1/network`), and
//! the floor a validator offers to validators that sync state
//! (`GET /v1/sync/floor`). The API serialises these types; their JSON is
//! documented in `docs/operations.md`.

use serde::{Deserialize, Serialize};

/// The consensus side of a node as `GET /v1/network` shows it; `mode` tags
/// which.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "mode", rename_all = "kebab-case")]
pub enum NetworkStatus {
    /// A dev node: its own sequencer, no other validators.
    SingleNode {
        /// The committed height.
        height: u64,
    },
    /// One validator of a network.
    Validator(Box<ValidatorStatus>),
}

/// One validator's view of its network.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValidatorStatus {
    /// Its name in the network file.
    pub name: String,
    /// Whether it is in the set that orders the next block.
    pub in_validator_set: bool,
    /// The epoch of the next block (`None` before the engine knows the
    /// sets).
    pub epoch: Option<u64>,
    /// Heights per epoch.
    pub epoch_blocks: Option<u64>,
    /// The set that orders the next block.
    pub validators: Vec<ValidatorAddress>,
    /// A set change approved for a later height, if any.
    pub next_change: Option<SetChange>,
    /// Every set so far as an offline verifier holds it (the JSON
    /// `publica verify --validators` reads, `ValidatorSet::to_json`).
    pub verifier_set: Option<publica_log::ValidatorSet>,
    /// The validators it heard from, and how long ago.
    pub peers: Vec<PeerHeard>,
    /// Cosignatures (and votes) a block of the current set needs.
    pub quorum: usize,
    /// The executed height.
    pub height: u64,
    /// The newest height with a checkpoint a quorum cosigned.
    pub final_height: Option<u64>,
    /// What it executed since it started.
    pub executed: ChainStats,
    /// Mean proposal-to-execution time of those blocks (ms).
    pub finality_ms_avg: Option<u64>,
    /// Transactions passed between validators.
    pub relay: RelayCounts,
    /// The newest recorded misbehaviour, newest first (at most a page).
    pub evidence: Vec<EvidenceShown>,
    /// All misbehaviour recorded.
    pub evidence_total: usize,
}

/// A validator of the current set and where to reach it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValidatorAddress {
    /// Its name.
    pub name: String,
    /// Where it listens for the other validators.
    pub p2p: String,
    /// Its public API, when the network file names it.
    pub api: Option<String>,
}

/// A validator-set change that takes effect at a later height.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetChange {
    /// The first height the new set orders.
    pub from_height: u64,
    /// Its epoch.
    pub epoch: u64,
    /// The new set's names.
    pub validators: Vec<String>,
}

/// When a peer was last heard from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeerHeard {
    /// Its name (its consensus key, hex, when no set names it).
    pub name: String,
    /// Milliseconds since.
    pub heard_ms_ago: u64,
}

/// What a validator executed, and how long blocks took to become final.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainStats {
    /// Finalized blocks executed since start.
    pub blocks: u64,
    /// Transactions in them.
    pub transactions: u64,
    /// Sum, over those blocks, of proposal time to execution here (ms).
    pub finality_ms_sum: u64,
    /// The longest of them (ms).
    pub finality_ms_max: u64,
    /// The last block's (ms).
    pub finality_ms_last: u64,
}

/// Counters of the transaction relay between validators.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RelayCounts {
    /// Transactions sent to the other validators.
    pub sent: u64,
    /// Relayed transactions received and admitted here.
    pub admitted: u64,
    /// Relayed transactions refused here (mostly already known).
    pub refused: u64,
    /// Transactions not relayed, or not admitted, because a queue was full.
    pub dropped: u64,
}

/// One proven equivocation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvidenceShown {
    /// `conflicting_notarize`, `conflicting_finalize` or `nullify_finalize`.
    pub kind: String,
    /// The consensus view.
    pub view: u64,
    /// The offender's name (its index in the set when unknown).
    pub offender: String,
    /// The engine's encoding of the two signed votes, hex.
    pub proof: String,
}

/// A floor as JSON: what a validator serves at `GET /v1/sync/floor` and
/// keeps after a state sync (`{height, epoch, block, finalization,
/// participants}`, hex of the engine's encodings). `publica_bft::Floor`
/// decodes and checks it.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct FloorFile {
    /// Height of the finalized block.
    pub height: u64,
    /// Its epoch.
    pub epoch: u64,
    /// The block, hex.
    pub block: String,
    /// Its finalization certificate, hex.
    pub finalization: String,
    /// The set's consensus keys, hex.
    pub participants: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mode_tags_the_status() {
        let dev = NetworkStatus::SingleNode { height: 7 };
        assert_eq!(
            serde_json::to_value(&dev).unwrap(),
            serde_json::json!({"mode": "single-node", "height": 7})
        );
        let v = serde_json::to_value(NetworkStatus::Validator(Box::new(ValidatorStatus {
            name: "v0".into(),
            in_validator_set: true,
            epoch: Some(0),
            epoch_blocks: Some(8),
            validators: vec![ValidatorAddress {
                name: "v0".into(),
                p2p: "127.0.0.1:1".into(),
                api: None,
            }],
            next_change: None,
            verifier_set: None,
            peers: Vec::new(),
            quorum: 1,
            height: 3,
            final_height: None,
            executed: ChainStats::default(),
            finality_ms_avg: None,
            relay: RelayCounts::default(),
            evidence: Vec::new(),
            evidence_total: 0,
        })))
        .unwrap();
        assert_eq!(v["mode"], "validator");
        assert_eq!(v["validators"][0]["api"], serde_json::Value::Null);
        assert_eq!(v["executed"]["finality_ms_max"], 0);
        let back: NetworkStatus = serde_json::from_value(v).unwrap();
        assert!(matches!(back, NetworkStatus::Validator(s) if s.height == 3));
    }

    /// The typed status gives, byte for byte, the JSON the page gave when
    /// it was built with `json!` (keys sorted, `null` for what is absent).
    #[test]
    fn a_validator_status_is_the_json_the_page_always_gave() {
        use publica_log::{CosignerKey, ValidatorSet};
        use serde_json::json;
        let key = CosignerKey::for_public(
            "v0.example",
            publica_crypto::Keypair::from_seed([7; 32]).account(),
        )
        .unwrap();
        let set = ValidatorSet::new("o", vec![key.clone()]);
        let typed = NetworkStatus::Validator(Box::new(ValidatorStatus {
            name: "v1".into(),
            in_validator_set: true,
            epoch: Some(2),
            epoch_blocks: Some(8),
            validators: vec![
                ValidatorAddress {
                    name: "v0".into(),
                    p2p: "127.0.0.1:1".into(),
                    api: Some("http://127.0.0.1:5".into()),
                },
                ValidatorAddress {
                    name: "v9".into(),
                    p2p: "127.0.0.1:9".into(),
                    api: None,
                },
            ],
            next_change: Some(SetChange {
                from_height: 24,
                epoch: 3,
                validators: vec!["v0".into(), "v9".into()],
            }),
            verifier_set: Some(set.clone()),
            peers: vec![PeerHeard {
                name: "v0".into(),
                heard_ms_ago: 12,
            }],
            quorum: 2,
            height: 20,
            final_height: Some(19),
            executed: ChainStats {
                blocks: 4,
                transactions: 9,
                finality_ms_sum: 100,
                finality_ms_max: 40,
                finality_ms_last: 20,
            },
            finality_ms_avg: Some(25),
            relay: RelayCounts {
                sent: 1,
                admitted: 2,
                refused: 3,
                dropped: 4,
            },
            evidence: vec![EvidenceShown {
                kind: "conflicting_notarize".into(),
                view: 7,
                offender: "v9".into(),
                proof: "abcd".into(),
            }],
            evidence_total: 1,
        }));
        let api: Option<&String> = None;
        let page = json!({
            "mode": "validator",
            "name": "v1",
            "in_validator_set": true,
            "epoch": Some(2),
            "epoch_blocks": Some(8),
            "validators": [
                {"name": "v0", "p2p": "127.0.0.1:1", "api": Some("http://127.0.0.1:5")},
                {"name": "v9", "p2p": "127.0.0.1:9", "api": api},
            ],
            "next_change": {"from_height": 24, "epoch": 3, "validators": ["v0", "v9"]},
            "verifier_set": {"origin": "o", "cosigners": [key.to_vkey()], "quorum": 1},
            "peers": [{"name": "v0", "heard_ms_ago": 12}],
            "quorum": 2,
            "height": 20,
            "final_height": Some(19),
            "executed": {"blocks": 4, "transactions": 9, "finality_ms_sum": 100,
                "finality_ms_max": 40, "finality_ms_last": 20},
            "finality_ms_avg": Some(25),
            "relay": {"sent": 1, "admitted": 2, "refused": 3, "dropped": 4},
            "evidence": [{"kind": "conflicting_notarize", "view": 7, "offender": "v9",
                "proof": "abcd"}],
            "evidence_total": 1,
        });
        let typed = serde_json::to_value(&typed).unwrap();
        assert_eq!(typed, page);
        assert_eq!(typed.to_string(), page.to_string());
        let back: NetworkStatus = serde_json::from_value(typed.clone()).unwrap();
        assert!(matches!(back, NetworkStatus::Validator(s) if s.verifier_set == Some(set)));
        refuses_bad_verifier_sets(&typed, &key.to_vkey());
        let none = serde_json::to_value(NetworkStatus::SingleNode { height: 3 }).unwrap();
        assert_eq!(
            none.to_string(),
            json!({"mode": "single-node", "height": 3}).to_string()
        );
    }

    /// A verifier set read back is checked as `publica verify` checks one:
    /// a key that is not a cosigner key, or a quorum the set cannot reach,
    /// is refused.
    fn refuses_bad_verifier_sets(page: &serde_json::Value, vkey: &str) {
        use serde_json::json;
        for bad in [
            json!({"origin": "o", "cosigners": ["k"], "quorum": 1}),
            json!({"origin": "o", "cosigners": [vkey], "quorum": 2}),
        ] {
            let mut page = page.clone();
            page["verifier_set"] = bad;
            assert!(serde_json::from_value::<NetworkStatus>(page).is_err());
        }
    }
}
