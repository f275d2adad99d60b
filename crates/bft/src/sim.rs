//! A deterministic simulation of an N-validator Publica network: every
//! validator runs the engine (simplex consensus, marshal ordering with
//! block broadcast and backfill) and its own [`PublicaApp`] over a
//! simulated network whose links the test cuts, slows and heals. The same
//! seed replays the same run, so a failing seed is a reproducible bug.

use crate::app::PublicaApp;
use crate::block::BftBlock;
use crate::evidence::EvidenceReporter;
use crate::executor::Executor;
use crate::finality::{run_gossip, Finality};
use commonware_broadcast::buffered;
use commonware_consensus::{
    marshal::{
        self,
        core::Actor,
        resolver::p2p as resolver,
        standard::{Inline, Standard},
        Start,
    },
    simplex::{
        self,
        config::{Floor, ForwardPolicy, SkipBudget, SkipPolicy},
        elector::RoundRobin,
        scheme::ed25519,
    },
    types::{Epoch, FixedEpocher, ViewDelta},
};
use commonware_cryptography::{
    certificate::ConstantProvider,
    ed25519::{PrivateKey, PublicKey},
    Digested, Digestible, Sha256, Signer,
};
use commonware_p2p::simulated::{self, Link, Network, Oracle};
use commonware_parallel::Sequential;
use commonware_runtime::{
    buffer::paged::CacheRef, deterministic, Handle, Quota, Spawner as _, Supervisor as _,
};
use commonware_storage::archive::immutable;
use commonware_utils::{ordered::Set, NZDuration, NZUsize, TryCollect as _, NZU16, NZU32, NZU64};
use publica_log::Cosigner;
use std::time::Duration;

/// Signing namespace of consensus messages.
pub const NAMESPACE: &[u8] = b"publica/bft/v1";
/// Blocks per engine epoch (validator sets change only at epoch ends).
const BLOCKS_PER_EPOCH: u64 = 1 << 40;
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

/// The genesis block with its digest.
fn genesis() -> Digested<BftBlock> {
    let g = BftBlock::genesis();
    let d = g.digest();
    Digested::precomputed(g, d)
}

/// Storage of one of marshal's archives.
fn archive<C>(prefix: &str, name: &str, page_cache: &CacheRef, codec: C) -> immutable::Config<C> {
    immutable::Config {
        metadata_partition: format!("{prefix}-{name}-metadata"),
        freezer_table_partition: format!("{prefix}-{name}-freezer-table"),
        freezer_table_initial_size: 64,
        freezer_table_resize_frequency: 10,
        freezer_table_resize_chunk_size: 10,
        freezer_key_partition: format!("{prefix}-{name}-freezer-key"),
        freezer_key_page_cache: page_cache.clone(),
        freezer_value_partition: format!("{prefix}-{name}-freezer-value"),
        freezer_value_target_size: 1 << 20,
        freezer_value_compression: None,
        ordinal_partition: format!("{prefix}-{name}-ordinal"),
        items_per_section: NZU64!(64),
        codec_config: codec,
        replay_buffer: NZUsize!(1 << 16),
        freezer_key_write_buffer: NZUsize!(1 << 16),
        freezer_value_write_buffer: NZUsize!(1 << 16),
        ordinal_write_buffer: NZUsize!(1 << 16),
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

/// The simulated network, with every validator's public key.
#[derive(Clone)]
pub struct SimNetwork {
    pub oracle: Oracle<PublicKey, deterministic::Context>,
    pub keys: Vec<PrivateKey>,
    pub participants: Set<PublicKey>,
}

impl SimNetwork {
    /// Starts the network (no links yet: see [`SimNetwork::connect_all`]).
    pub async fn start(context: &deterministic::Context, keys: Vec<PrivateKey>) -> Self {
        let participants: Set<PublicKey> = keys
            .iter()
            .map(|k| k.public_key())
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
            futures::future::pending::<()>().await
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
        let scheme =
            ed25519::Scheme::signer(NAMESPACE, self.participants.clone(), self.keys[i].clone())
                .expect("a validator is a participant");
        let quota = Quota::per_second(NZU32!(100_000));
        let page_cache = CacheRef::new(NZU16!(1024), NZUsize!(64));
        let prefix = format!("publica-{i}");
        let control = self.oracle.control(me.clone());

        // Backfill of missed blocks (channel 1) and block broadcast (2).
        let backfill = control.register(1, quota).await.expect("channel 1");
        let resolver = resolver::init(
            context.child("resolver"),
            resolver::Config {
                public_key: me.clone(),
                peer_provider: self.oracle.manager(),
                blocker: self.oracle.control(me.clone()),
                mailbox_size: NZUsize!(1024),
                fetch_timeout: NZDuration!(Duration::from_secs(2)),
                fetch_retry_delay: Duration::from_millis(100),
                priority_requests: false,
                priority_responses: false,
            },
            backfill,
        );
        let (broadcast, buffer) = buffered::Engine::new(
            context.child("broadcast"),
            buffered::Config {
                public_key: me.clone(),
                mailbox_size: NZUsize!(1024),
                deque_size: 10,
                priority: false,
                codec_config: (),
                peer_provider: self.oracle.manager(),
                strategy: Sequential,
            },
        );
        broadcast.start(control.register(2, quota).await.expect("channel 2"));

        use commonware_cryptography::certificate::Verifier as _;
        let finalizations = immutable::Archive::init(
            context.child("finalizations"),
            archive(
                &prefix,
                "finalizations",
                &page_cache,
                ed25519::Scheme::certificate_codec_config_unbounded(),
            ),
        )
        .await
        .expect("finalizations archive");
        let blocks = immutable::Archive::init(
            context.child("blocks"),
            archive(&prefix, "blocks", &page_cache, ()),
        )
        .await
        .expect("blocks archive");
        let (actor, marshal_mailbox, _floor) = Actor::init(
            context.child("marshal"),
            finalizations,
            blocks,
            marshal::Config {
                provider: ConstantProvider::new(scheme.clone()),
                epocher: FixedEpocher::new(NZU64!(BLOCKS_PER_EPOCH)),
                start: Start::Genesis(genesis()),
                partition_prefix: prefix.clone(),
                mailbox_size: NZUsize!(1024),
                view_retention: ViewDelta::new(10),
                prunable_items_per_section: NZU64!(64),
                page_cache: page_cache.clone(),
                replay_buffer: NZUsize!(1 << 16),
                key_write_buffer: NZUsize!(1 << 16),
                value_write_buffer: NZUsize!(1 << 16),
                block_codec_config: (),
                max_repair: NZUsize!(16),
                max_pending_acks: NZUsize!(1),
                strategy: Sequential,
            },
        )
        .await;
        actor.start(app.clone(), buffer, resolver);

        // Consensus itself on channels 3 (votes), 4 (certificates), 5
        // (resolving certificates).
        let gossip_app = app.clone();
        let evidence = app.evidence_log();
        let wrapper = Inline::new(
            context.child("inline"),
            app,
            marshal_mailbox,
            FixedEpocher::new(NZU64!(BLOCKS_PER_EPOCH)),
        );
        let engine = simplex::Engine::new(
            context.child("simplex"),
            simplex::config::Config {
                scheme,
                elector: RoundRobin::<Sha256>::default(),
                blocker: self.oracle.control(me.clone()),
                automaton: wrapper.clone(),
                relay: wrapper.clone(),
                reporter: EvidenceReporter::new(wrapper, evidence),
                strategy: Sequential,
                partition: format!("{prefix}-simplex"),
                mailbox_size: NZUsize!(1024),
                epoch: Epoch::zero(),
                floor: Floor::Genesis(BftBlock::genesis().digest()),
                replay_buffer: NZUsize!(1 << 16),
                write_buffer: NZUsize!(1 << 16),
                page_cache,
                leader_timeout: Duration::from_secs(1),
                certification_timeout: Duration::from_secs(2),
                timeout_retry: Duration::from_secs(3),
                view_retention: ViewDelta::new(10),
                skip: SkipPolicy::Enabled {
                    timeout: Duration::from_secs(5),
                    budget: SkipBudget::Participants,
                },
                fetch_timeout: NZDuration!(Duration::from_secs(1)),
                fetch_retry_delay: Duration::from_millis(100),
                forward: ForwardPolicy::Disabled,
                track_historical_votes: true,
            },
        );
        let votes = control.register(3, quota).await.expect("channel 3");
        let certificates = control.register(4, quota).await.expect("channel 4");
        let resolving = control.register(5, quota).await.expect("channel 5");
        engine.start(votes, certificates, resolving);

        // Cosignatures of executed checkpoints (6).
        let (tx, rx) = control.register(6, quota).await.expect("channel 6");
        context
            .child("cosign")
            .spawn(move |ctx| run_gossip(ctx, gossip_app, tx, rx));
    }
}
