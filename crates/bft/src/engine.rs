//! One validator's engine stack, the same over the simulated network and
//! over real sockets: marshal (ordered finalized blocks, block broadcast,
//! backfill from peers), simplex consensus, the evidence recorder and the
//! cosignature gossip, each on its own p2p channel.

use crate::app::PublicaApp;
use crate::block::BftBlock;
use crate::evidence::EvidenceReporter;
use crate::executor::Executor;
use crate::finality::run_gossip;
use commonware_broadcast::buffered;
use commonware_consensus::{
    marshal::{self, core::Actor, resolver::p2p as resolver, standard::Inline, Start},
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
    Digested, Digestible, Sha256, Signer as _,
};
use commonware_p2p::{Blocker, Channel, Provider, Receiver, Sender};
use commonware_parallel::Sequential;
use commonware_runtime::{buffer::paged::CacheRef, Clock, Metrics, Spawner, Storage};
use commonware_storage::archive::immutable;
use commonware_utils::{ordered::Set, NZDuration, NZUsize, NZU16, NZU64};
use rand_core::CryptoRng;
use std::time::Duration;

/// Signing namespace of consensus messages (the chain id is appended, so
/// votes of one chain never count on another).
pub const NAMESPACE: &[u8] = b"publica/bft/v1";
/// Blocks per engine epoch (validator sets change only at epoch ends).
const BLOCKS_PER_EPOCH: u64 = 1 << 40;

/// The p2p channels, by number.
pub const CH_BACKFILL: Channel = 1;
pub const CH_BROADCAST: Channel = 2;
pub const CH_VOTES: Channel = 3;
pub const CH_CERTIFICATES: Channel = 4;
pub const CH_RESOLVING: Channel = 5;
pub const CH_COSIGN: Channel = 6;
/// Transactions admitted at one validator, relayed to the others.
pub const CH_TXS: Channel = 7;

/// A validator's registered channels (sender, receiver), one per job.
pub struct Channels<S, R> {
    pub backfill: (S, R),
    pub broadcast: (S, R),
    pub votes: (S, R),
    pub certificates: (S, R),
    pub resolving: (S, R),
    pub cosign: (S, R),
}

/// Who a validator is and with whom it runs.
pub struct Identity<P, B> {
    /// Its consensus key.
    pub signer: PrivateKey,
    /// Every validator's consensus key (itself included).
    pub participants: Set<PublicKey>,
    /// The consensus signing namespace.
    pub namespace: Vec<u8>,
    /// Prefix of its storage partitions (`[a-zA-Z0-9_-]`).
    pub partition: String,
    /// The network's view of connected peers.
    pub peers: P,
    /// Blocks peers that send invalid messages.
    pub blocker: B,
}

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

/// Starts a validator's engine on `context`: its tasks run until the
/// context stops (or, in the simulation, its supervising task is aborted);
/// the engine's journals and archives stay in `context`'s storage, and
/// starting again resumes from them.
pub async fn start<E, P, B, S, R, X>(
    context: E,
    id: Identity<P, B>,
    channels: Channels<S, R>,
    app: PublicaApp<X>,
) where
    E: Clock + CryptoRng + Spawner + Storage + Metrics,
    P: Provider<PublicKey = PublicKey> + Clone,
    B: Blocker<PublicKey = PublicKey> + Clone,
    S: Sender<PublicKey = PublicKey>,
    R: Receiver<PublicKey = PublicKey>,
    X: Executor,
{
    let me = id.signer.public_key();
    let scheme = ed25519::Scheme::signer(&id.namespace, id.participants.clone(), id.signer)
        .expect("a validator is a participant");
    let page_cache = CacheRef::new(NZU16!(1024), NZUsize!(64));
    let prefix = id.partition;

    let resolver = resolver::init(
        context.child("resolver"),
        resolver::Config {
            public_key: me.clone(),
            peer_provider: id.peers.clone(),
            blocker: id.blocker.clone(),
            mailbox_size: NZUsize!(1024),
            fetch_timeout: NZDuration!(Duration::from_secs(2)),
            fetch_retry_delay: Duration::from_millis(100),
            priority_requests: false,
            priority_responses: false,
        },
        channels.backfill,
    );
    let (broadcast, buffer) = buffered::Engine::new(
        context.child("broadcast"),
        buffered::Config {
            public_key: me.clone(),
            mailbox_size: NZUsize!(1024),
            deque_size: 10,
            priority: false,
            codec_config: (),
            peer_provider: id.peers.clone(),
            strategy: Sequential,
        },
    );
    broadcast.start(channels.broadcast);

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
            blocker: id.blocker,
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
    engine.start(channels.votes, channels.certificates, channels.resolving);

    let (tx, rx) = channels.cosign;
    context
        .child("cosign")
        .spawn(move |ctx| run_gossip(ctx, gossip_app, tx, rx));
}
