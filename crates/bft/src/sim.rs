//! A deterministic simulation of an N-validator Publica network: every
//! validator runs the engine (simplex consensus, marshal ordering with
//! block broadcast and backfill) and its own [`PublicaApp`] over a
//! simulated network whose links the test cuts, slows and heals. The same
//! seed replays the same run, so a failing seed is a reproducible bug.

use crate::app::PublicaApp;
use crate::block::BftBlock;
pub use crate::engine::NAMESPACE;
use crate::engine::{self, Channels, Identity};
use crate::executor::Executor;
use crate::finality::Finality;
use commonware_consensus::{
    marshal::{self, standard::Standard},
    simplex::scheme::ed25519,
};
use commonware_cryptography::{
    ed25519::{PrivateKey, PublicKey},
    Signer,
};
use commonware_p2p::simulated::{self, Link, Network, Oracle};
use commonware_runtime::{deterministic, Handle, Quota, Spawner as _, Supervisor as _};
use commonware_utils::{ordered::Set, NZUsize, TryCollect as _, NZU32};
use publica_identity::{Validator, ValidatorHistory};
use publica_log::Cosigner;
use std::time::Duration;

const LABELS: [&str; 10] = [
    "validator_0",
    "validator_1",
    "validator_2",
    "validator_3",
    "validator_4",
    "validator_5",
    "validator_6",
    "validator_7",
    "validator_8",
    "validator_9",
];

/// The seeds a scenario runs under: 1..=`count`, or only the one in
/// `PUBLICA_SIM_SEED` (to replay a failing run).
pub fn seeds(count: u64) -> Vec<u64> {
    match std::env::var("PUBLICA_SIM_SEED") {
        Ok(s) => vec![s.parse().expect("PUBLICA_SIM_SEED is a number")],
        Err(_) => (1..=count).collect(),
    }
}

/// A link of the simulated network.
pub fn link(latency_ms: u64, jitter_ms: u64) -> Link {
    Link {
        latency: Duration::from_millis(latency_ms),
        jitter: Duration::from_millis(jitter_ms),
        success_rate: commonware_utils::probability!(1.0),
    }
}

/// The validators' keys, from fixed seeds (a simulation, not a network).
pub fn validator_keys(n: usize) -> Vec<PrivateKey> {
    assert!((1..=LABELS.len()).contains(&n), "1..=10 validators");
    (0..n as u64)
        .map(|i| PrivateKey::from_seed(0xb0b0 + i))
        .collect()
}

/// Origin of the simulated chain's transparency log.
pub const ORIGIN: &str = "publica.sim/log";

/// Validator `i`'s cosigning key (distinct from its consensus key).
pub fn cosigner(i: usize) -> Cosigner {
    Cosigner::new(
        &format!("validator-{i}.publica.sim"),
        publica_crypto::Keypair::from_seed([0xc0 ^ i as u8; 32]),
    )
    .expect("a valid cosigner name")
}

/// Validator `i`'s finality state in an `n`-validator network.
pub fn finality(i: usize, n: usize) -> Finality {
    Finality::new(
        ORIGIN,
        cosigner(i),
        (0..n).map(|j| cosigner(j).key()).collect(),
    )
}

/// Heights per epoch of a chain whose set never changes.
pub const NO_EPOCHS: u64 = 1 << 40;

/// Validator `i` as the ledger's validator sets name it.
pub fn validator(i: usize, key: &PrivateKey) -> Validator {
    Validator {
        name: format!("validator-{i}"),
        consensus_key: hex::encode(commonware_codec::Encode::encode(&key.public_key())),
        cosigner_key: cosigner(i).key().to_vkey(),
        // Never dialled: the simulated network links keys, not addresses.
        address: format!("127.0.0.1:{}", 26_000 + i),
    }
}

/// Validator sets with `keys` from genesis, `epoch_blocks` heights per
/// epoch.
pub fn history(keys: &[PrivateKey], epoch_blocks: u64) -> ValidatorHistory {
    ValidatorHistory::genesis(
        epoch_blocks,
        keys.iter()
            .enumerate()
            .map(|(i, k)| validator(i, k))
            .collect(),
    )
    .expect("a valid simulated set")
}

/// The simulated network, with every validator's public key.
#[derive(Clone)]
pub struct SimNetwork {
    /// The simulator's control: adds and removes links, registers
    /// channels, blocks peers.
    pub oracle: Oracle<PublicKey, deterministic::Context>,
    /// The validators' consensus keys: validator `i` signs with `keys[i]`.
    pub keys: Vec<PrivateKey>,
    /// Every validator's public key, as an ordered set.
    pub participants: Set<PublicKey>,
    /// The sets when a validator's state records none: every key, one
    /// epoch.
    pub genesis: ValidatorHistory,
}

impl SimNetwork {
    /// Starts the network (no links yet: see [`SimNetwork::connect_all`]).
    pub async fn start(context: &deterministic::Context, keys: Vec<PrivateKey>) -> Self {
        let participants: Set<PublicKey> = keys
            .iter()
            .map(commonware_cryptography::Signer::public_key)
            .try_collect()
            .expect("distinct validator keys");
        let max_size = marshal::max_payload_size::<Standard<BftBlock>, ed25519::Scheme>(
            keys.len() as u32,
            &(),
        ) as u32;
        let (network, oracle) = Network::new_with_peers(
            context.child("network"),
            simulated::Config {
                max_size: max_size.max(1 << 20),
                max_peers_per_set: NZUsize!(keys.len()),
                disconnect_on_block: true,
                tracked_peer_sets: NZUsize!(1),
            },
            participants.iter().cloned().collect::<Vec<_>>(),
        )
        .await;
        network.start();
        SimNetwork {
            oracle,
            genesis: history(&keys, NO_EPOCHS),
            keys,
            participants,
        }
    }

    /// Public key of validator `i`.
    pub fn key(&self, i: usize) -> PublicKey {
        self.keys[i].public_key()
    }

    /// Links every pair of validators both ways.
    pub async fn connect_all(&mut self, l: Link) {
        for a in 0..self.keys.len() {
            for b in 0..self.keys.len() {
                if a != b {
                    let _ = self
                        .oracle
                        .add_link(self.key(a), self.key(b), l.clone())
                        .await;
                }
            }
        }
    }

    /// Cuts validator `i` off from every other, both ways.
    pub async fn isolate(&mut self, i: usize) {
        for j in 0..self.keys.len() {
            if i != j {
                let _ = self.oracle.remove_link(self.key(i), self.key(j)).await;
                let _ = self.oracle.remove_link(self.key(j), self.key(i)).await;
            }
        }
    }

    /// Links validator `i` to every other again, both ways.
    pub async fn reconnect(&mut self, i: usize, l: Link) {
        for j in 0..self.keys.len() {
            if i != j {
                let _ = self
                    .oracle
                    .add_link(self.key(i), self.key(j), l.clone())
                    .await;
                let _ = self
                    .oracle
                    .add_link(self.key(j), self.key(i), l.clone())
                    .await;
            }
        }
    }

    /// Runs validator `i` as one supervised task: aborting the returned
    /// handle stops every part of it at once, like a crash; its storage
    /// (the engine's journals and archives) and `app`'s ledger remain, and
    /// spawning it again restarts it from them.
    pub fn spawn_validator<X: Executor>(
        &self,
        context: &deterministic::Context,
        i: usize,
        app: PublicaApp<X>,
    ) -> Handle<()> {
        let mut net = self.clone();
        context.child(LABELS[i]).spawn(move |ctx| async move {
            net.start_validator(&ctx, i, app).await;
            futures::future::pending::<()>().await;
        })
    }

    /// Starts validator `i` with `app` on `context`.
    pub async fn start_validator<X: Executor>(
        &mut self,
        context: &deterministic::Context,
        i: usize,
        app: PublicaApp<X>,
    ) {
        let context = context.child(LABELS[i]);
        let me = self.key(i);
        let quota = Quota::per_second(NZU32!(100_000));
        let control = self.oracle.control(me.clone());
        let channel = async |n| control.register(n, quota).await.expect("a channel");
        let channels = Channels {
            backfill: channel(engine::CH_BACKFILL).await,
            broadcast: channel(engine::CH_BROADCAST).await,
            votes: channel(engine::CH_VOTES).await,
            certificates: channel(engine::CH_CERTIFICATES).await,
            resolving: channel(engine::CH_RESOLVING).await,
            cosign: channel(engine::CH_COSIGN).await,
        };
        let id = Identity {
            signer: self.keys[i].clone(),
            genesis: self.genesis.clone(),
            namespace: NAMESPACE.to_vec(),
            partition: format!("publica-{i}"),
            peers: self.oracle.manager(),
            blocker: self.oracle.control(me),
            track: None,
            floor: None,
        };
        engine::start(context, id, channels, app).await;
    }
}
