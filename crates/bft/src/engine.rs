//! One validator's engine stack, the same over the simulated network and
//! over real sockets: marshal (ordered finalized blocks, block broadcast,
//! backfill from peers), simplex consensus, the evidence recorder and the
//! cosignature gossip, each on its own p2p channel.

use crate::app::PublicaApp;
use crate::block::BftBlock;
use crate::epochs::Epochs;
use crate::executor::Executor;
use crate::finality::run_gossip;
use crate::orchestrator::{Backup, Backups, Orchestrator, Progress};
use commonware_broadcast::buffered;
use commonware_consensus::{
    marshal::{
        self,
        core::{Actor, Mailbox},
        resolver::p2p as resolver,
        standard::{Inline, Standard},
        Start,
    },
    simplex::scheme::ed25519,
    types::{FixedEpocher, ViewDelta},
};
use commonware_cryptography::{
    ed25519::{PrivateKey, PublicKey},
    sha256::Digest,
    Digested, Digestible, Signer as _,
};
use commonware_p2p::{
    utils::mux::{Builder as _, MuxHandle, Muxer},
    Blocker, Channel, Provider, Receiver, Sender,
};
use commonware_parallel::Sequential;
use commonware_runtime::{buffer::paged::CacheRef, Clock, Metrics, Spawner, Storage};
use commonware_storage::archive::immutable;
use commonware_utils::{NZDuration, NZUsize, NZU16, NZU64};
use publica_identity::ValidatorHistory;
use rand_core::CryptoRng;
use std::net::SocketAddr;
use std::time::Duration;

/// Signing namespace of consensus messages (the chain id is appended, so
/// votes of one chain never count on another).
pub const NAMESPACE: &[u8] = b"publica/bft/v1";

// The p2p channels, by number.
/// Marshal's backfill: finalized blocks fetched from peers.
pub const CH_BACKFILL: Channel = 1;
/// Marshal's block broadcast: proposed blocks sent to every validator.
pub const CH_BROADCAST: Channel = 2;
/// Consensus votes, split into one sub-channel per epoch.
pub const CH_VOTES: Channel = 3;
/// Consensus certificates (a quorum's votes), one sub-channel per epoch.
pub const CH_CERTIFICATES: Channel = 4;
/// Consensus's resolver: certificates of missed views fetched from peers,
/// one sub-channel per epoch.
pub const CH_RESOLVING: Channel = 5;
/// The cosignature gossip of finality evidence (`crate::finality`).
pub const CH_COSIGN: Channel = 6;
/// Transactions admitted at one validator, relayed to the others.
pub const CH_TXS: Channel = 7;

/// A validator's registered channels (sender, receiver), one per job.
pub struct Channels<S, R> {
    /// Finalized blocks fetched from peers ([`CH_BACKFILL`]).
    pub backfill: (S, R),
    /// Proposed blocks sent to every validator ([`CH_BROADCAST`]).
    pub broadcast: (S, R),
    /// Consensus votes ([`CH_VOTES`]).
    pub votes: (S, R),
    /// Consensus certificates ([`CH_CERTIFICATES`]).
    pub certificates: (S, R),
    /// Certificates of missed views fetched from peers ([`CH_RESOLVING`]).
    pub resolving: (S, R),
    /// Checkpoint cosignatures ([`CH_COSIGN`]).
    pub cosign: (S, R),
}

/// Called with the peers to stay connected to whenever they change (a
/// set-change id that only grows, and each peer's key and address).
pub type Tracker = Box<dyn FnMut(u64, Vec<(PublicKey, SocketAddr)>) + Send>;

/// Who a validator is and with whom it runs.
pub struct Identity<P, B> {
    /// Its consensus key.
    pub signer: PrivateKey,
    /// The validator sets when the executed state records none (a
    /// simulation over an empty state); otherwise the state's own.
    pub genesis: ValidatorHistory,
    /// The consensus signing namespace.
    pub namespace: Vec<u8>,
    /// Prefix of its storage partitions (`[a-zA-Z0-9_-]`).
    pub partition: String,
    /// The network's view of connected peers.
    pub peers: P,
    /// Blocks peers that send invalid messages.
    pub blocker: B,
    /// Keeps the network's connections to the validators of the current
    /// and next sets (none: every peer is always reachable).
    pub track: Option<Tracker>,
    /// After a state sync: the height and checked finalization of the
    /// block the engine starts from (the ledger holds everything below it).
    pub floor: Option<(u64, crate::sync::Certificate)>,
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
///
/// The marshal (ordered finalized blocks, backfill) runs across epochs;
/// simplex runs one instance per epoch, only while this validator is in
/// that epoch's set, on its own sub-channels of the vote, certificate and
/// resolver channels. The orchestrator moves to the next epoch as soon as
/// the current epoch's last block is executed (its set is then settled).
pub async fn start<E, P, B, S, R, X>(
    context: E,
    id: Identity<P, B>,
    channels: Channels<S, R>,
    app: PublicaApp<X>,
) -> crate::sync::Floors
where
    E: Clock + CryptoRng + Spawner + Storage + Metrics,
    P: Provider<PublicKey = PublicKey> + Clone,
    B: Blocker<PublicKey = PublicKey> + Clone,
    S: Sender<PublicKey = PublicKey>,
    R: Receiver<PublicKey = PublicKey>,
    X: Executor,
{
    let epochs = attach_epochs(&id, &app);
    let epocher = FixedEpocher::new(
        std::num::NonZeroU64::new(epochs.epoch_blocks()).expect("epochs hold blocks"),
    );
    let page_cache = CacheRef::new(NZU16!(1024), NZUsize!(64));
    let setup = MarshalSetup {
        me: id.signer.public_key(),
        peers: id.peers.clone(),
        blocker: id.blocker.clone(),
        partition: id.partition.clone(),
        floor: id.floor.clone().map(|(_, f)| f),
    };
    let marshal = start_marshal(
        &context,
        setup,
        (channels.backfill, channels.broadcast),
        (&epochs, &epocher, &page_cache),
        &app,
    )
    .await;
    let floors = crate::sync::Floors::new(marshal.clone(), epochs.clone());
    let wrapper = Inline::new(
        context.child("inline"),
        app.clone(),
        marshal.clone(),
        epocher,
    );
    let (votes, votes_backup) = split_by_epoch(&context, "votes_mux", channels.votes);
    let (certificates, certificates_backup) =
        split_by_epoch(&context, "certificates_mux", channels.certificates);
    let (resolving, resolving_backup) =
        split_by_epoch(&context, "resolving_mux", channels.resolving);
    let orchestrator = Orchestrator {
        epochs,
        evidence: app.evidence_log(),
        app: app.clone(),
        marshal,
        wrapper,
        blocker: id.blocker,
        track: id.track,
        namespace: id.namespace,
        signer: id.signer,
        prefix: id.partition,
        page_cache,
        synced_from: id.floor,
        votes,
        certificates,
        resolving,
        progress: Progress::default(),
    };
    let backups = Backups {
        votes: votes_backup,
        certificates: certificates_backup,
        resolving: resolving_backup,
    };
    context
        .child("orchestrator")
        .spawn(move |ctx| orchestrator.run(ctx, backups));
    let (tx, rx) = channels.cosign;
    context
        .child("cosign")
        .spawn(move |ctx| run_gossip(ctx, app, tx, rx));
    floors
}

/// The validator sets as the executed state records them (the genesis
/// sets when it records none), attached to the application.
fn attach_epochs<P, B, X: Executor>(id: &Identity<P, B>, app: &PublicaApp<X>) -> Epochs {
    let executed = app.with_ledger(super::executor::Executor::height);
    let history = app
        .with_ledger(super::executor::Executor::validators)
        .unwrap_or_else(|| id.genesis.clone());
    let epochs = Epochs::new(&id.namespace, id.signer.clone(), history, executed);
    app.attach_epochs(epochs.clone());
    epochs
}

/// Who the marshal serves and where it keeps its archives.
struct MarshalSetup<P, B> {
    me: PublicKey,
    peers: P,
    blocker: B,
    /// Prefix of its storage partitions.
    partition: String,
    /// After a state sync: the finalization it starts from.
    floor: Option<crate::sync::Certificate>,
}

/// Starts the marshal (ordered finalized blocks to `app`, block broadcast,
/// backfill from peers) on the backfill and broadcast channels, resuming
/// from its archives, or from the state sync's floor, or from genesis.
async fn start_marshal<E, P, B, S, R, X>(
    context: &E,
    setup: MarshalSetup<P, B>,
    (backfill, broadcast_channel): ((S, R), (S, R)),
    (epochs, epocher, page_cache): (&Epochs, &FixedEpocher, &CacheRef),
    app: &PublicaApp<X>,
) -> Mailbox<ed25519::Scheme, Standard<BftBlock>>
where
    E: Clock + CryptoRng + Spawner + Storage + Metrics,
    P: Provider<PublicKey = PublicKey> + Clone,
    B: Blocker<PublicKey = PublicKey> + Clone,
    S: Sender<PublicKey = PublicKey>,
    R: Receiver<PublicKey = PublicKey>,
    X: Executor,
{
    let MarshalSetup {
        me,
        peers,
        blocker,
        partition,
        floor,
    } = setup;
    let resolver = resolver::init(
        context.child("resolver"),
        resolver::Config {
            public_key: me.clone(),
            peer_provider: peers.clone(),
            blocker,
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
            public_key: me,
            mailbox_size: NZUsize!(1024),
            deque_size: 10,
            priority: false,
            codec_config: (),
            peer_provider: peers,
            strategy: Sequential,
        },
    );
    broadcast.start(broadcast_channel);
    let (finalizations, blocks) = open_archives(context, &partition, page_cache).await;
    let start = match floor {
        Some(f) => Start::Floor(f),
        None => Start::Genesis(genesis()),
    };
    let (actor, mailbox, _floor) = Actor::init(
        context.child("marshal"),
        finalizations,
        blocks,
        marshal::Config {
            provider: epochs.clone(),
            epocher: epocher.clone(),
            start,
            partition_prefix: partition,
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
    mailbox
}

/// The marshal's archives of finalizations and of finalized blocks.
async fn open_archives<E>(
    context: &E,
    prefix: &str,
    page_cache: &CacheRef,
) -> (
    immutable::Archive<E, Digest, crate::sync::Certificate>,
    immutable::Archive<E, Digest, std::sync::Arc<BftBlock>>,
)
where
    E: Clock + CryptoRng + Spawner + Storage + Metrics,
{
    use commonware_cryptography::certificate::Verifier as _;
    let finalizations = immutable::Archive::init(
        context.child("finalizations"),
        archive(
            prefix,
            "finalizations",
            page_cache,
            ed25519::Scheme::certificate_codec_config_unbounded(),
        ),
    )
    .await
    .expect("finalizations archive");
    let blocks = immutable::Archive::init(
        context.child("blocks"),
        archive(prefix, "blocks", page_cache, ()),
    )
    .await
    .expect("blocks archive");
    (finalizations, blocks)
}

/// Splits a consensus channel into one sub-channel per epoch; messages for
/// an epoch without an open sub-channel come out of the backup.
fn split_by_epoch<E, S, R>(
    context: &E,
    label: &'static str,
    (sender, receiver): (S, R),
) -> (MuxHandle<S>, Backup)
where
    E: Clock + CryptoRng + Spawner + Storage + Metrics,
    S: Sender<PublicKey = PublicKey>,
    R: Receiver<PublicKey = PublicKey>,
{
    let (mux, handle, backup) = Muxer::builder(context.child(label), sender, receiver)
        .with_backup()
        .build();
    mux.start();
    (handle, backup)
}
