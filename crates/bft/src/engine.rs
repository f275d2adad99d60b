//! One validator's engine stack, the same over the simulated network and
//! over real sockets: marshal (ordered finalized blocks, block broadcast,
//! backfill from peers), simplex consensus, the evidence recorder and the
//! cosignature gossip, each on its own p2p channel.

use crate::app::PublicaApp;
use crate::block::BftBlock;
use crate::epochs::Epochs;
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
    types::{Epoch, FixedEpocher, Height, ViewDelta},
};
use commonware_cryptography::{
    ed25519::{PrivateKey, PublicKey},
    Digested, Digestible, Sha256, Signer as _,
};
use commonware_p2p::{
    utils::mux::{Builder as _, Muxer},
    Blocker, Channel, Message, Provider, Receiver, Sender,
};
use commonware_parallel::Sequential;
use commonware_runtime::{buffer::paged::CacheRef, Clock, Handle, Metrics, Spawner, Storage};
use commonware_storage::archive::immutable;
use commonware_utils::{vec::NonEmptyVec, NZDuration, NZUsize, NZU16, NZU64};
use publica_identity::ValidatorHistory;
use rand_core::CryptoRng;
use std::collections::VecDeque;
use std::net::SocketAddr;
use std::time::Duration;

/// Signing namespace of consensus messages (the chain id is appended, so
/// votes of one chain never count on another).
pub const NAMESPACE: &[u8] = b"publica/bft/v1";
/// How often the orchestrator looks for a new epoch (its other checks run
/// every [`SLOW_TICKS`] ticks).
const ORCHESTRATOR_TICK: Duration = Duration::from_millis(5);
/// How long after an epoch ends its journal is removed (its aborted
/// engine's tasks are gone by then).
const JOURNAL_GRACE: Duration = Duration::from_secs(10);
/// Ticks between the orchestrator's peer and catch-up checks.
const SLOW_TICKS: u64 = 20;
/// Messages of the next epoch kept per channel until this validator
/// enters it (they arrive while it still executes the boundary block).
const EARLY_KEPT: usize = 4_096;
/// How far behind its peers (in heights) a validator asks them for the
/// final block it is missing, rather than waiting for consensus traffic.
const BEHIND_HINT: u64 = 8;

/// Least time between two catch-up hints drawn from later-epoch votes.
const HINT_EVERY: Duration = Duration::from_millis(500);

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
    let me = id.signer.public_key();
    let executed = app.with_ledger(|l| l.height());
    let history = app
        .with_ledger(|l| l.validators())
        .unwrap_or_else(|| id.genesis.clone());
    let epochs = Epochs::new(&id.namespace, id.signer.clone(), history, executed);
    app.attach_epochs(epochs.clone());
    let epocher = FixedEpocher::new(
        std::num::NonZeroU64::new(epochs.epoch_blocks()).expect("epochs hold blocks"),
    );
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
            provider: epochs.clone(),
            epocher: epocher.clone(),
            start: match id.floor.clone() {
                Some((_, f)) => Start::Floor(f),
                None => Start::Genesis(genesis()),
            },
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
    let floors = crate::sync::Floors::new(marshal_mailbox.clone(), epochs.clone());
    // The block a state sync started from: below it the marshal holds
    // nothing, so the simplex instance of its epoch starts from it.
    let synced_from = id.floor;

    let gossip_app = app.clone();
    let evidence = app.evidence_log();
    let wrapper = Inline::new(
        context.child("inline"),
        app.clone(),
        marshal_mailbox.clone(),
        epocher,
    );

    // One sub-channel per epoch on each consensus channel; messages for an
    // epoch this validator does not run (yet) come out of the backups.
    let (votes_mux, mut votes, mut votes_backup) = Muxer::builder(
        context.child("votes_mux"),
        channels.votes.0,
        channels.votes.1,
    )
    .with_backup()
    .build();
    votes_mux.start();
    let (certificates_mux, mut certificates, mut certificates_backup) = Muxer::builder(
        context.child("certificates_mux"),
        channels.certificates.0,
        channels.certificates.1,
    )
    .with_backup()
    .build();
    certificates_mux.start();
    let (resolving_mux, mut resolving, mut resolving_backup) = Muxer::builder(
        context.child("resolving_mux"),
        channels.resolving.0,
        channels.resolving.1,
    )
    .with_backup()
    .build();
    resolving_mux.start();

    let blocker = id.blocker;
    let mut track = id.track;
    let namespace = id.namespace;
    let signer = id.signer;
    context
        .child("orchestrator")
        .spawn(move |ctx| async move {
            // The epoch whose engine runs (if this validator is in its set).
            let mut running: Option<Handle<()>> = None;
            let mut entered: Option<u64> = None;
            let mut tracked: Vec<(PublicKey, SocketAddr)> = Vec::new();
            let mut track_id = 0u64;
            let mut ticks = 0u64;
            // Messages of the epoch about to start, per channel (votes,
            // certificates, resolver), replayed to its engine.
            let mut early: [Early; 3] = Default::default();
            // Ended epochs whose journals go after a grace period.
            let mut retired: VecDeque<(u64, std::time::SystemTime)> = VecDeque::new();
            let mut last_hint: Option<std::time::SystemTime> = None;
            let mut last_ahead_hint: Option<std::time::SystemTime> = None;
            loop {
                commonware_macros::select! {
                    msg = votes_backup.recv() => {
                        let Some((their_epoch, (from, raw))) = msg else { return };
                        // Someone votes in a later epoch than the one this
                        // validator runs: every block of its epoch is final
                        // there, and it lacks some (the network may even
                        // wait for its vote). At most one hint per
                        // HINT_EVERY: votes come in bursts.
                        let ours = epochs.settled_through();
                        let now = ctx.current();
                        if their_epoch > ours
                            && app.with_ledger(|l| l.height()) < epochs.last_height(ours)
                            && last_hint.is_none_or(|t| now >= t + HINT_EVERY)
                        {
                            last_hint = Some(now);
                            marshal_mailbox.hint_finalized(
                                Height::new(epochs.last_height(ours)),
                                NonEmptyVec::new(from.clone()),
                            );
                        }
                        early[0].keep(their_epoch, ours, entered, (from, raw));
                    },
                    msg = certificates_backup.recv() => {
                        let Some((their_epoch, m)) = msg else { return };
                        early[1].keep(their_epoch, epochs.settled_through(), entered, m);
                    },
                    msg = resolving_backup.recv() => {
                        let Some((their_epoch, m)) = msg else { return };
                        early[2].keep(their_epoch, epochs.settled_through(), entered, m);
                    },
                    _ = ctx.sleep(ORCHESTRATOR_TICK) => {
                        ticks += 1;
                        let target = epochs.settled_through();
                        if entered != Some(target) {
                            if let Some(old) = running.take() {
                                old.abort();
                            }
                            // Votes of ended epochs are never needed again
                            // (a validator never re-enters one): their
                            // journals go once their engines are surely
                            // gone (at start: the ones a crash between
                            // switches may have left).
                            let now = ctx.current();
                            match entered {
                                Some(previous) => retired.push_back((previous, now)),
                                None => retired.extend(
                                    (target.saturating_sub(2)..target).map(|e| (e, now)),
                                ),
                            }
                            if let Some(participants) = epochs.participants(target) {
                                let scheme = ed25519::Scheme::signer(
                                    &namespace,
                                    participants,
                                    signer.clone(),
                                );
                                if let Some(scheme) = scheme {
                                    // (The floor's epoch: the first this
                                    // validator runs after the sync.)
                                    let synced = synced_from.as_ref().filter(|(h, _)| {
                                        target == 0 || epochs.last_height(target - 1) < *h
                                    });
                                    let floor = if let Some((_, f)) = synced {
                                        Floor::Finalized(f.clone())
                                    } else if target == 0 {
                                        Floor::Genesis(BftBlock::genesis().digest())
                                    } else {
                                        // The last block of the epoch before
                                        // is this epoch's genesis; executed
                                        // here, so the marshal holds it.
                                        let h = Height::new(epochs.last_height(target - 1));
                                        let digest = loop {
                                            if let Some((_, d)) = marshal_mailbox.get_info(h).await {
                                                break d;
                                            }
                                            ctx.sleep(ORCHESTRATOR_TICK).await;
                                        };
                                        Floor::Genesis(digest)
                                    };
                                    let engine = simplex::Engine::new(
                                        ctx.child("simplex").with_attribute("epoch", target),
                                        simplex::config::Config {
                                            scheme,
                                            elector: RoundRobin::<Sha256>::default(),
                                            blocker: blocker.clone(),
                                            automaton: wrapper.clone(),
                                            relay: wrapper.clone(),
                                            reporter: EvidenceReporter::new(
                                                wrapper.clone(),
                                                evidence.clone(),
                                            ),
                                            strategy: Sequential,
                                            partition: format!("{prefix}-simplex-{target}"),
                                            mailbox_size: NZUsize!(1024),
                                            epoch: Epoch::new(target),
                                            floor,
                                            replay_buffer: NZUsize!(1 << 16),
                                            write_buffer: NZUsize!(1 << 16),
                                            page_cache: page_cache.clone(),
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
                                    let (Ok(v), Ok(c), Ok(r)) = (
                                        votes.register(target).await,
                                        certificates.register(target).await,
                                        resolving.register(target).await,
                                    ) else {
                                        tracing::error!(epoch = target, "cannot open the epoch's channels");
                                        return;
                                    };
                                    // What reached the backups before the
                                    // sub-channels opened (this task was
                                    // busy here) belongs to the new engine.
                                    while let Ok((e, m)) = votes_backup.try_recv() {
                                        early[0].keep(e, target, entered, m);
                                    }
                                    while let Ok((e, m)) = certificates_backup.try_recv() {
                                        early[1].keep(e, target, entered, m);
                                    }
                                    while let Ok((e, m)) = resolving_backup.try_recv() {
                                        early[2].keep(e, target, entered, m);
                                    }
                                    let [ev, ec, er] = &mut early;
                                    running = Some(engine.start(
                                        (v.0, ev.replay(target, v.1)),
                                        (c.0, ec.replay(target, c.1)),
                                        (r.0, er.replay(target, r.1)),
                                    ));
                                    tracing::info!(epoch = target, "entered epoch as a validator");
                                } else {
                                    tracing::info!(epoch = target, "not in this epoch's validator set: following");
                                }
                            }
                            entered = Some(target);
                        }
                        if !ticks.is_multiple_of(SLOW_TICKS) {
                            continue;
                        }
                        while let Some((epoch, at)) = retired.front().copied() {
                            if ctx.current() < at + JOURNAL_GRACE {
                                break;
                            }
                            retired.pop_front();
                            let _ = ctx.remove(&format!("{prefix}-simplex-{epoch}"), None).await;
                        }
                        if let Some(track) = track.as_mut() {
                            let peers = epochs.peers();
                            if peers != tracked {
                                track_id += 1;
                                track(track_id, peers.clone());
                                tracked = peers;
                            }
                        }
                        // A peer showed a height well beyond this one: ask
                        // again every HINT_EVERY until it is reached (a
                        // stalled network sends nothing new to hint by).
                        if let Some((height, from)) = app.ahead() {
                            let executed = app.with_ledger(|l| l.height());
                            let reach = epochs.last_height(epochs.settled_through());
                            let now = ctx.current();
                            if height <= executed {
                                app.clear_ahead(height);
                            } else if height > executed + BEHIND_HINT
                                && last_ahead_hint.is_none_or(|t| now >= t + HINT_EVERY)
                            {
                                last_ahead_hint = Some(now);
                                marshal_mailbox.hint_finalized(
                                    Height::new(height.min(reach)),
                                    NonEmptyVec::new(from),
                                );
                            }
                        }
                    },
                }
            }
        });

    let (tx, rx) = channels.cosign;
    context
        .child("cosign")
        .spawn(move |ctx| run_gossip(ctx, gossip_app, tx, rx));
    floors
}

/// Messages of one channel for the epoch about to start.
#[derive(Default)]
struct Early {
    epoch: u64,
    kept: VecDeque<Message<PublicKey>>,
}

impl Early {
    /// Keeps `m` if it is for the next epoch (settled or about to be, and
    /// not entered yet); older ones are dropped.
    fn keep(&mut self, epoch: u64, settled: u64, entered: Option<u64>, m: Message<PublicKey>) {
        let ahead = entered.is_none_or(|e| epoch > e);
        if !ahead || epoch < settled || epoch > settled + 1 {
            return;
        }
        if epoch != self.epoch {
            self.epoch = epoch;
            self.kept.clear();
        }
        if self.kept.len() == EARLY_KEPT {
            self.kept.pop_front();
        }
        self.kept.push_back(m);
    }

    /// `inner`, after the messages kept for `epoch`.
    fn replay<R: Receiver<PublicKey = PublicKey>>(&mut self, epoch: u64, inner: R) -> Replayed<R> {
        let early = if self.epoch == epoch {
            std::mem::take(&mut self.kept)
        } else {
            VecDeque::new()
        };
        self.kept.clear();
        Replayed { early, inner }
    }
}

/// A sub-channel's receiver that first yields what arrived before it was
/// opened.
#[derive(Debug)]
struct Replayed<R: Receiver> {
    early: VecDeque<Message<R::PublicKey>>,
    inner: R,
}

impl<R: Receiver> Receiver for Replayed<R> {
    type Error = R::Error;
    type PublicKey = R::PublicKey;

    async fn recv(&mut self) -> Result<Message<R::PublicKey>, R::Error> {
        match self.early.pop_front() {
            Some(m) => Ok(m),
            None => self.inner.recv().await,
        }
    }

    fn capacity(&self) -> std::num::NonZeroUsize {
        self.inner.capacity()
    }
}
