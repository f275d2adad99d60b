//! The validator's consensus side as the API shows it: its typed network
//! status (`GET /v1/network`), the engine's metrics, and the floor it
//! offers to validators that sync state.

use crate::start::ValidatorFiles;
use publica_api::{FloorFuture, NetworkView};
use publica_bft::Engine;
use publica_consensus::{
    EvidenceShown, FloorFile, NetworkStatus, PeerHeard, SetChange, ValidatorAddress,
    ValidatorStatus,
};
use publica_identity::{Validator, ValidatorHistory};
use publica_node::Node;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Newest evidence records shown on the status page.
const EVIDENCE_SHOWN: usize = 100;
/// How long a floor found is served again: looking for one reads the
/// marshal's archives, so a flood of requests costs one search per this.
const FLOOR_KEPT: Duration = Duration::from_secs(1);

/// A floor found, and when.
type KeptFloor = Option<(Instant, FloorFile)>;

/// A running validator's [`NetworkView`].
pub(crate) struct ValidatorView {
    name: String,
    /// The transparency log's origin (the verifier set names it).
    origin: String,
    /// Each validator's API by name, from the network file.
    apis: HashMap<String, String>,
    node: Node,
    engine: Engine,
    floor: Arc<tokio::sync::Mutex<KeptFloor>>,
}

impl ValidatorView {
    /// The view of a validator with `files` whose node and engine run.
    pub(crate) fn new(files: &ValidatorFiles, node: Node, engine: Engine) -> Self {
        ValidatorView {
            name: files.config.name.clone(),
            origin: files.network.log_origin.clone(),
            apis: files
                .network
                .validators
                .iter()
                .map(|v| (v.name.clone(), v.api.clone()))
                .collect(),
            node,
            engine,
            floor: Arc::default(),
        }
    }

    /// Everything `GET /v1/network` shows of this validator.
    fn validator_status(&self) -> ValidatorStatus {
        let app = &self.engine.app;
        let stats = app.stats();
        let height = self.node.status().height;
        let sets = app.epochs().map(|e| e.history());
        let current: Vec<Validator> = sets
            .as_ref()
            .map(|h| h.set_at(height + 1).to_vec())
            .unwrap_or_default();
        let evidence = app.evidence();
        ValidatorStatus {
            name: self.name.clone(),
            in_validator_set: current.iter().any(|v| v.name == self.name),
            epoch: sets.as_ref().map(|h| h.epoch_of(height + 1)),
            epoch_blocks: sets.as_ref().map(|h| h.epoch_blocks),
            validators: current.iter().map(|v| self.address(v)).collect(),
            next_change: sets.as_ref().and_then(|h| next_change(h, height)),
            verifier_set: sets
                .as_ref()
                .and_then(|h| h.verifier_set(&self.origin).ok()),
            peers: self.peers(sets.as_ref()),
            quorum: publica_log::quorum(current.len().max(1)),
            height,
            final_height: app.with_finality(publica_bft::Finality::latest_final),
            finality_ms_avg: stats.finality_ms_sum.checked_div(stats.blocks),
            executed: stats,
            relay: self.engine.running.relay_counts(),
            evidence: shown_evidence(&evidence, &current),
            evidence_total: evidence.len(),
        }
    }

    /// A validator of the current set and where to reach it.
    fn address(&self, v: &Validator) -> ValidatorAddress {
        ValidatorAddress {
            name: v.name.clone(),
            p2p: v.address.clone(),
            api: self.apis.get(&v.name).cloned(),
        }
    }

    /// The peers heard from, named by any set that lists their key.
    fn peers(&self, sets: Option<&ValidatorHistory>) -> Vec<PeerHeard> {
        let names: HashMap<String, String> = sets
            .iter()
            .flat_map(|h| h.epochs.iter().flat_map(|e| e.validators.iter()))
            .map(|v| (v.consensus_key.to_ascii_lowercase(), v.name.clone()))
            .collect();
        let now = publica_types::now_ms();
        self.engine
            .app
            .last_heard()
            .into_iter()
            .map(|(key, at)| {
                let hex_key = hex::encode(key);
                PeerHeard {
                    name: names.get(&hex_key).cloned().unwrap_or(hex_key),
                    heard_ms_ago: now.saturating_sub(at),
                }
            })
            .collect()
    }
}

/// The set change approved for a height beyond `height`, if any.
fn next_change(h: &ValidatorHistory, height: u64) -> Option<SetChange> {
    h.epochs
        .last()
        .filter(|e| e.first_height > height)
        .map(|e| SetChange {
            from_height: e.first_height,
            epoch: e.epoch,
            validators: e.validators.iter().map(|v| v.name.clone()).collect(),
        })
}

/// The newest evidence, newest first, each offender named: the engine
/// numbers the current set in the order of its consensus keys.
fn shown_evidence(evidence: &[publica_bft::Evidence], current: &[Validator]) -> Vec<EvidenceShown> {
    let mut by_index: Vec<(String, String)> = current
        .iter()
        .map(|v| (v.consensus_key.to_ascii_lowercase(), v.name.clone()))
        .collect();
    by_index.sort();
    evidence
        .iter()
        .rev()
        .take(EVIDENCE_SHOWN)
        .map(|e| EvidenceShown {
            kind: e.kind.to_string(),
            view: e.view,
            offender: by_index
                .get(e.offender as usize)
                .map(|(_, name)| name.clone())
                .unwrap_or_else(|| e.offender.to_string()),
            proof: hex::encode(&e.proof),
        })
        .collect()
}

impl NetworkView for ValidatorView {
    fn status(&self) -> NetworkStatus {
        NetworkStatus::Validator(Box::new(self.validator_status()))
    }

    fn metrics_text(&self) -> String {
        use publica_node::metrics::{counter, gauge};
        let s = self.validator_status();
        let mut out = String::new();
        gauge(
            &mut out,
            "publica_validator_in_set",
            "1 while this validator is in the current validator set.",
            u8::from(s.in_validator_set),
        );
        gauge(
            &mut out,
            "publica_validator_set_size",
            "Validators in the current set.",
            s.validators.len(),
        );
        gauge(
            &mut out,
            "publica_validator_peers_heard",
            "Peers heard from in the last 60 seconds.",
            s.peers.iter().filter(|p| p.heard_ms_ago <= 60_000).count(),
        );
        gauge(
            &mut out,
            "publica_validator_final_height",
            "Height of the newest block known final (a quorum's finalization).",
            s.final_height.unwrap_or(0),
        );
        counter(
            &mut out,
            "publica_validator_finalized_blocks_total",
            "Finalized blocks executed since start.",
            s.executed.blocks,
        );
        counter(
            &mut out,
            "publica_validator_finality_milliseconds_total",
            "Sum over those blocks of the time from proposal to finality, ms.",
            s.executed.finality_ms_sum,
        );
        counter(
            &mut out,
            "publica_validator_evidence_total",
            "Evidence of validator misbehaviour recorded (double votes and the like).",
            s.evidence_total,
        );
        out.push_str(&self.engine.running.metrics());
        out
    }

    fn floor(&self) -> FloorFuture {
        let floors = self.engine.running.floors();
        let kept = self.floor.clone();
        let executed = self.node.status().height;
        Box::pin(async move {
            let mut kept = kept.lock().await;
            if let Some((at, floor)) = kept.as_ref() {
                if at.elapsed() < FLOOR_KEPT {
                    return Some(floor.clone());
                }
            }
            let floor = floors.latest(executed).await?.to_file();
            *kept = Some((Instant::now(), floor.clone()));
            Some(floor)
        })
    }
}
