//! The orchestrator: the task that moves a validator's engine from epoch to
//! epoch. Every [`ORCHESTRATOR_TICK`] it checks whether the executed state
//! settled a new epoch and, if this validator is in its set, starts that
//! epoch's simplex instance on its own sub-channels (the previous one is
//! aborted). Every [`SLOW_TICKS`] ticks it also removes ended epochs'
//! journals, follows the peers of the current and next sets, and asks
//! peers for final blocks it is missing. Messages for an epoch it does not
//! run yet come out of the channels' backups and are kept for its engine.

use crate::app::PublicaApp;
use crate::block::BftBlock;
use crate::engine::Tracker;
use crate::epochs::Epochs;
use crate::evidence::{EvidenceLog, EvidenceReporter};
use crate::executor::Executor;
use commonware_consensus::{
    marshal::{
        core::Mailbox,
        standard::{Inline, Standard},
    },
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
    sha256::Digest,
    Digestible as _, Sha256,
};
use commonware_p2p::{utils::mux::MuxHandle, Blocker, Channel, Message, Receiver, Sender};
use commonware_parallel::Sequential;
use commonware_runtime::{buffer::paged::CacheRef, Clock, Handle, Metrics, Spawner, Storage};
use commonware_utils::{channel::mpsc, vec::NonEmptyVec, NZDuration, NZUsize};
use rand_core::CryptoRng;
use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

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

/// Where messages for epochs without an open sub-channel come out.
pub(crate) type Backup = mpsc::Receiver<(Channel, Message<PublicKey>)>;

/// The backups of the three epoch-split channels. Kept apart from the
/// [`Orchestrator`] so that its loop can wait on them while a tick changes
/// the orchestrator.
pub(crate) struct Backups {
    pub(crate) votes: Backup,
    pub(crate) certificates: Backup,
    pub(crate) resolving: Backup,
}

/// The engine was closed under the orchestrator: it stops.
struct Closed;

/// A validator's epoch switching, with everything it starts engines with.
pub(crate) struct Orchestrator<E, B, S, X>
where
    E: Clock + CryptoRng + Spawner + Storage + Metrics,
    S: Sender<PublicKey = PublicKey>,
    X: Executor,
{
    pub(crate) epochs: Epochs,
    pub(crate) app: PublicaApp<X>,
    pub(crate) marshal: Mailbox<ed25519::Scheme, Standard<BftBlock>>,
    /// The application as simplex sees it (marshal verifies and orders).
    pub(crate) wrapper: Inline<E, ed25519::Scheme, PublicaApp<X>, BftBlock, FixedEpocher>,
    pub(crate) evidence: Arc<Mutex<EvidenceLog>>,
    pub(crate) blocker: B,
    pub(crate) track: Option<Tracker>,
    pub(crate) namespace: Vec<u8>,
    pub(crate) signer: PrivateKey,
    /// Prefix of the storage partitions.
    pub(crate) prefix: String,
    pub(crate) page_cache: CacheRef,
    /// The block a state sync started from: below it the marshal holds
    /// nothing, so the simplex instance of its epoch starts from it.
    pub(crate) synced_from: Option<(u64, crate::sync::Certificate)>,
    /// One sub-channel per epoch on each consensus channel.
    pub(crate) votes: MuxHandle<S>,
    pub(crate) certificates: MuxHandle<S>,
    pub(crate) resolving: MuxHandle<S>,
    pub(crate) progress: Progress,
}

/// What the orchestrator has done so far.
#[derive(Default)]
pub(crate) struct Progress {
    /// The epoch whose engine runs (if this validator is in its set).
    running: Option<Handle<()>>,
    entered: Option<u64>,
    tracked: Vec<(PublicKey, SocketAddr)>,
    track_id: u64,
    ticks: u64,
    /// Messages of the epoch about to start, per channel (votes,
    /// certificates, resolver), replayed to its engine.
    early: [Early; 3],
    /// Ended epochs whose journals go after a grace period.
    retired: VecDeque<(u64, SystemTime)>,
    last_hint: Option<SystemTime>,
    last_ahead_hint: Option<SystemTime>,
}

impl<E, B, S, X> Orchestrator<E, B, S, X>
where
    E: Clock + CryptoRng + Spawner + Storage + Metrics,
    B: Blocker<PublicKey = PublicKey> + Clone,
    S: Sender<PublicKey = PublicKey>,
    X: Executor,
{
    /// Runs until the engine's channels close.
    pub(crate) async fn run(mut self, ctx: E, mut backups: Backups) {
        loop {
            commonware_macros::select! {
                msg = backups.votes.recv() => {
                    let Some((their_epoch, (from, raw))) = msg else { return };
                    let ours = self.epochs.settled_through();
                    self.hint_from_later_vote(&ctx, their_epoch, ours, &from);
                    let entered = self.progress.entered;
                    self.progress.early[0].keep(their_epoch, ours, entered, (from, raw));
                },
                msg = backups.certificates.recv() => {
                    let Some((their_epoch, m)) = msg else { return };
                    let (ours, entered) = (self.epochs.settled_through(), self.progress.entered);
                    self.progress.early[1].keep(their_epoch, ours, entered, m);
                },
                msg = backups.resolving.recv() => {
                    let Some((their_epoch, m)) = msg else { return };
                    let (ours, entered) = (self.epochs.settled_through(), self.progress.entered);
                    self.progress.early[2].keep(their_epoch, ours, entered, m);
                },
                _ = ctx.sleep(ORCHESTRATOR_TICK) => {
                    if self.tick(&ctx, &mut backups).await.is_err() {
                        return;
                    }
                },
            }
        }
    }

    /// Someone votes in a later epoch than the one this validator runs:
    /// every block of its epoch is final there, and it lacks some (the
    /// network may even wait for its vote). At most one hint per
    /// [`HINT_EVERY`]: votes come in bursts.
    fn hint_from_later_vote(&mut self, ctx: &E, their_epoch: u64, ours: u64, from: &PublicKey) {
        let now = ctx.current();
        if their_epoch > ours
            && self.app.with_ledger(super::executor::Executor::height)
                < self.epochs.last_height(ours)
            && self
                .progress
                .last_hint
                .is_none_or(|t| now >= t + HINT_EVERY)
        {
            self.progress.last_hint = Some(now);
            self.marshal.hint_finalized(
                Height::new(self.epochs.last_height(ours)),
                NonEmptyVec::new(from.clone()),
            );
        }
    }

    /// One tick: enters the settled epoch if it is not in it yet; every
    /// [`SLOW_TICKS`] ticks, the slower chores too.
    async fn tick(&mut self, ctx: &E, backups: &mut Backups) -> Result<(), Closed> {
        self.progress.ticks += 1;
        let target = self.epochs.settled_through();
        if self.progress.entered != Some(target) {
            self.enter(ctx, target, backups).await?;
        }
        if !self.progress.ticks.is_multiple_of(SLOW_TICKS) {
            return Ok(());
        }
        self.remove_retired_journals(ctx).await;
        self.track_peers();
        self.hint_ahead(ctx);
        Ok(())
    }

    /// Leaves the running epoch and enters `target`, as a validator when
    /// it is in `target`'s set, else as a follower.
    async fn enter(&mut self, ctx: &E, target: u64, backups: &mut Backups) -> Result<(), Closed> {
        if let Some(old) = self.progress.running.take() {
            old.abort();
        }
        self.retire(ctx, target);
        if let Some(participants) = self.epochs.participants(target) {
            let scheme =
                ed25519::Scheme::signer(&self.namespace, participants, self.signer.clone());
            if let Some(scheme) = scheme {
                self.start_epoch(ctx, target, scheme, backups).await?;
                tracing::info!(epoch = target, "entered epoch as a validator");
            } else {
                tracing::info!(
                    epoch = target,
                    "not in this epoch's validator set: following"
                );
            }
        }
        self.progress.entered = Some(target);
        Ok(())
    }

    /// Votes of ended epochs are never needed again (a validator never
    /// re-enters one): their journals go once their engines are surely
    /// gone (at start: the ones a crash between switches may have left).
    fn retire(&mut self, ctx: &E, target: u64) {
        let now = ctx.current();
        match self.progress.entered {
            Some(previous) => self.progress.retired.push_back((previous, now)),
            None => self
                .progress
                .retired
                .extend((target.saturating_sub(2)..target).map(|e| (e, now))),
        }
    }

    /// Where `target`'s simplex instance starts: the state sync's block in
    /// the first epoch this validator runs after the sync, genesis in epoch
    /// 0, else the last block of the epoch before (this epoch's genesis;
    /// executed here, so the marshal holds it).
    async fn epoch_floor(&mut self, ctx: &E, target: u64) -> Floor<ed25519::Scheme, Digest> {
        let synced = self
            .synced_from
            .as_ref()
            .filter(|(h, _)| target == 0 || self.epochs.last_height(target - 1) < *h);
        if let Some((_, f)) = synced {
            return Floor::Finalized(f.clone());
        }
        if target == 0 {
            return Floor::Genesis(BftBlock::genesis().digest());
        }
        let h = Height::new(self.epochs.last_height(target - 1));
        loop {
            if let Some((_, d)) = self.marshal.get_info(h).await {
                return Floor::Genesis(d);
            }
            ctx.sleep(ORCHESTRATOR_TICK).await;
        }
    }

    /// Starts `target`'s simplex instance on its own sub-channels, after
    /// the messages for it that arrived early.
    async fn start_epoch(
        &mut self,
        ctx: &E,
        target: u64,
        scheme: ed25519::Scheme,
        backups: &mut Backups,
    ) -> Result<(), Closed> {
        let floor = self.epoch_floor(ctx, target).await;
        let prefix = &self.prefix;
        let (leader_timeout, certification_timeout, timeout_retry, skip_timeout) =
            crate::app::round_deadlines(self.app.idle_wait());
        let engine = simplex::Engine::new(
            ctx.child("simplex").with_attribute("epoch", target),
            simplex::config::Config {
                scheme,
                elector: RoundRobin::<Sha256>::default(),
                blocker: self.blocker.clone(),
                automaton: self.wrapper.clone(),
                relay: self.wrapper.clone(),
                reporter: EvidenceReporter::new(self.wrapper.clone(), self.evidence.clone()),
                strategy: Sequential,
                partition: format!("{prefix}-simplex-{target}"),
                mailbox_size: NZUsize!(1024),
                epoch: Epoch::new(target),
                floor,
                replay_buffer: NZUsize!(1 << 16),
                write_buffer: NZUsize!(1 << 16),
                page_cache: self.page_cache.clone(),
                leader_timeout,
                certification_timeout,
                timeout_retry,
                view_retention: ViewDelta::new(10),
                skip: SkipPolicy::Enabled {
                    timeout: skip_timeout,
                    budget: SkipBudget::Participants,
                },
                fetch_timeout: NZDuration!(Duration::from_secs(1)),
                fetch_retry_delay: Duration::from_millis(100),
                forward: ForwardPolicy::Disabled,
                track_historical_votes: true,
            },
        );
        let (Ok(v), Ok(c), Ok(r)) = (
            self.votes.register(target).await,
            self.certificates.register(target).await,
            self.resolving.register(target).await,
        ) else {
            tracing::error!(epoch = target, "cannot open the epoch's channels");
            return Err(Closed);
        };
        // What reached the backups before the sub-channels opened (this
        // task was busy here) belongs to the new engine.
        let entered = self.progress.entered;
        let early = &mut self.progress.early;
        for (kept, backup) in early.iter_mut().zip([
            &mut backups.votes,
            &mut backups.certificates,
            &mut backups.resolving,
        ]) {
            while let Ok((e, m)) = backup.try_recv() {
                kept.keep(e, target, entered, m);
            }
        }
        let [ev, ec, er] = early;
        self.progress.running = Some(engine.start(
            (v.0, ev.replay(target, v.1)),
            (c.0, ec.replay(target, c.1)),
            (r.0, er.replay(target, r.1)),
        ));
        Ok(())
    }

    /// Removes the journals of epochs ended more than [`JOURNAL_GRACE`] ago.
    async fn remove_retired_journals(&mut self, ctx: &E) {
        while let Some((epoch, at)) = self.progress.retired.front().copied() {
            if ctx.current() < at + JOURNAL_GRACE {
                break;
            }
            self.progress.retired.pop_front();
            let _ = ctx
                .remove(&format!("{}-simplex-{epoch}", self.prefix), None)
                .await;
        }
    }

    /// Tells the network about a change of the peers to stay connected to.
    fn track_peers(&mut self) {
        if let Some(track) = self.track.as_mut() {
            let peers = self.epochs.peers();
            if peers != self.progress.tracked {
                self.progress.track_id += 1;
                track(self.progress.track_id, peers.clone());
                self.progress.tracked = peers;
            }
        }
    }

    /// A peer showed a height well beyond this one: ask again every
    /// [`HINT_EVERY`] until it is reached (a stalled network sends nothing
    /// new to hint by).
    fn hint_ahead(&mut self, ctx: &E) {
        let Some((height, from)) = self.app.ahead() else {
            return;
        };
        let executed = self.app.with_ledger(super::executor::Executor::height);
        let reach = self.epochs.last_height(self.epochs.settled_through());
        let now = ctx.current();
        if height <= executed {
            self.app.clear_ahead(height);
        } else if height > executed + BEHIND_HINT
            && self
                .progress
                .last_ahead_hint
                .is_none_or(|t| now >= t + HINT_EVERY)
        {
            self.progress.last_ahead_hint = Some(now);
            self.marshal
                .hint_finalized(Height::new(height.min(reach)), NonEmptyVec::new(from));
        }
    }
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
