//! Publica as the engine's application: proposals are batches from this
//! validator's mempool; a vote needs the header hash the proposal names
//! (at the last height its proposer executed) to equal this validator's
//! own, valid signatures and a sane time; finalized blocks are executed in
//! height order.

use crate::block::{BftBlock, BLOCK_BYTES_MAX};
use crate::epochs::Epochs;
use crate::evidence::{Evidence, EvidenceLog};
use crate::executor::Executor;
use crate::finality::{Finality, Gossip};
use crate::ledger::{check_claim, Ledger};
use commonware_actor::Feedback;
use commonware_consensus::{
    marshal::{ancestry::Ancestry, Update},
    simplex::{scheme::ed25519, types::Context},
    Application, Heightable, Reporter,
};
use commonware_cryptography::{ed25519::PublicKey, sha256::Digest, Digested, Digestible};
use commonware_runtime::Clock;
use commonware_utils::Acknowledgement;
use futures::StreamExt;
use publica_types::limits::BLOCK_TXS_MAX;
use publica_types::VerifiedTx;
use std::collections::{BTreeMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, UNIX_EPOCH};

/// How far ahead of a validator's clock a proposal's time may be.
pub const CLOCK_DRIFT_MAX_MS: u64 = 10_000;
/// Engine digests of executed heights kept to check proposals' parents.
const DIGESTS_KEPT: usize = 4096;
/// Longest wait, when executing, for the parent block to settle (only for
/// a transaction signed with a rotated key).
const SETTLE_WAIT_MAX: Duration = Duration::from_secs(10);
/// A verified proposal's digest and its checked transactions.
type Checked = (Digest, Vec<VerifiedTx>);
/// Verified proposals whose checked transactions are kept for execution.
const CHECKED_KEPT: usize = 16;
/// How often an idle leader looks for transactions.
const IDLE_STEP: Duration = Duration::from_millis(10);
/// The simplex round deadlines for leaders that wait up to `idle` for
/// transactions: (leader, certification, retry, skip). Up to 900 ms of
/// waiting fits the usual 1 s leader deadline; a longer wait moves every
/// deadline out by it, keeping the engine's order (certification > leader,
/// skip > certification and retry). The skip timeout stays longer than an
/// idle network's interval between blocks, so validators that vote on
/// every idle block count as active, and a crashed leader is still skipped
/// after it rather than waited for.
#[must_use]
pub fn round_deadlines(idle: Duration) -> (Duration, Duration, Duration, Duration) {
    let second = Duration::from_secs(1);
    let leader = if idle <= Duration::from_millis(900) {
        second
    } else {
        idle + second
    };
    let certification = leader + second;
    let retry = 3 * second;
    let skip = (certification + second).max(5 * second);
    (leader, certification, retry, skip)
}

/// How often a proposal or vote waiting for the parent's execution looks.
const WAIT_STEP: Duration = Duration::from_millis(5);

/// Faults a test validator can be told to commit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// Proposes blocks naming a header it did not compute.
    WrongExecutedHeader,
}

/// One validator's application over its executor `X`.
pub struct PublicaApp<X = Ledger> {
    ledger: Arc<Mutex<X>>,
    /// Engine digests of the last executed heights.
    digests: Arc<Mutex<BTreeMap<u64, Digest>>>,
    evidence: Arc<Mutex<EvidenceLog>>,
    finality: Arc<Mutex<Finality>>,
    fault: Option<Fault>,
    /// Most transactions per proposal.
    block_txs_max: usize,
    /// How long a leader with nothing to propose waits for transactions.
    idle_wait: Duration,
    stats: Arc<Mutex<ChainStats>>,
    /// Transactions of recently verified proposals, so executing one that
    /// is finalized does not decode and check them again.
    checked: Arc<Mutex<VecDeque<Checked>>>,
    /// When each peer (consensus key bytes) was last heard from on the
    /// cosignature channel (ms since the epoch, this validator's clock).
    heard: Arc<Mutex<BTreeMap<Vec<u8>, u64>>>,
    /// The validator sets by epoch, once the engine started.
    epochs: Arc<Mutex<Option<Epochs>>>,
    /// The highest height a peer showed it executed, and that peer.
    ahead: Arc<Mutex<Option<(u64, PublicKey)>>>,
}

pub use publica_consensus::ChainStats;

fn now_ms(clock: &impl Clock) -> u64 {
    clock
        .current()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

impl<X> Clone for PublicaApp<X> {
    fn clone(&self) -> Self {
        PublicaApp {
            ledger: self.ledger.clone(),
            digests: self.digests.clone(),
            evidence: self.evidence.clone(),
            finality: self.finality.clone(),
            fault: self.fault,
            block_txs_max: self.block_txs_max,
            idle_wait: self.idle_wait,
            stats: self.stats.clone(),
            checked: self.checked.clone(),
            heard: self.heard.clone(),
            epochs: self.epochs.clone(),
            ahead: self.ahead.clone(),
        }
    }
}

impl PublicaApp<Ledger> {
    /// Queues a transaction for this validator's next proposals; false
    /// when the pool is full.
    pub fn submit(&self, tx: publica_types::Envelope) -> bool {
        self.ledger.lock().expect("ledger").submit(tx)
    }
}

impl<X: Executor> PublicaApp<X> {
    /// An application over `ledger`, cosigning executed checkpoints with
    /// `finality`.
    pub fn new(ledger: X, finality: Finality) -> Self {
        PublicaApp {
            ledger: Arc::new(Mutex::new(ledger)),
            digests: Arc::default(),
            evidence: Arc::default(),
            finality: Arc::new(Mutex::new(finality)),
            fault: None,
            block_txs_max: BLOCK_TXS_MAX.min(5_000),
            idle_wait: Duration::ZERO,
            stats: Arc::default(),
            checked: Arc::default(),
            heard: Arc::default(),
            epochs: Arc::default(),
            ahead: Arc::default(),
        }
    }

    /// The same validator, misbehaving.
    pub fn with_fault(mut self, fault: Fault) -> Self {
        self.fault = Some(fault);
        self
    }

    /// Reads the executor.
    pub fn with_ledger<T>(&self, f: impl FnOnce(&X) -> T) -> T {
        f(&self.ledger.lock().expect("ledger"))
    }

    /// Most transactions per proposal (1..=5000 kept).
    pub fn with_block_txs_max(mut self, n: usize) -> Self {
        self.block_txs_max = n.clamp(1, BLOCK_TXS_MAX.min(5_000));
        self
    }

    /// A leader with no pending transaction waits up to `wait` for one
    /// (or for a time-based rule to fall due) before proposing an empty
    /// block, so an idle network writes one block per `wait`, not a
    /// stream; the engine's round deadlines follow ([`round_deadlines`]).
    pub fn with_idle_wait(mut self, wait: Duration) -> Self {
        self.idle_wait = wait;
        self
    }

    /// How long a leader waits for transactions before an empty block.
    pub fn idle_wait(&self) -> Duration {
        self.idle_wait
    }

    /// Blocks executed and their finality latency since start.
    pub fn stats(&self) -> ChainStats {
        self.stats.lock().expect("stats").clone()
    }

    /// Keeps evidence in the file at `path` too (appended, synced, read
    /// back at start), so it outlives restarts.
    pub fn with_evidence_file(
        self,
        path: &std::path::Path,
    ) -> Result<Self, crate::evidence::EvidenceError> {
        Ok(self.with_evidence_log(EvidenceLog::open(path)?))
    }

    /// Records evidence in `log` (opened with [`EvidenceLog::open`]).
    pub fn with_evidence_log(self, log: EvidenceLog) -> Self {
        *self.evidence.lock().expect("evidence") = log;
        self
    }

    /// Misbehaviour the engine proved so far.
    pub fn evidence(&self) -> Vec<Evidence> {
        self.evidence.lock().expect("evidence").records().to_vec()
    }

    /// Where the engine's evidence is recorded.
    pub fn evidence_log(&self) -> Arc<Mutex<EvidenceLog>> {
        self.evidence.clone()
    }

    /// Reads the finality state (final checkpoints, the cosigner set).
    pub fn with_finality<T>(&self, f: impl FnOnce(&Finality) -> T) -> T {
        f(&self.finality.lock().expect("finality"))
    }

    /// Hands over the validator sets (when the engine starts); from then
    /// on every execution brings them up to date.
    pub fn attach_epochs(&self, epochs: Epochs) {
        let history = epochs.history();
        self.finality
            .lock()
            .expect("finality")
            .set_history(&history);
        *self.epochs.lock().expect("epochs") = Some(epochs);
    }

    /// The validator sets, once the engine started.
    pub fn epochs(&self) -> Option<Epochs> {
        self.epochs.lock().expect("epochs").clone()
    }

    /// Notes that `peer` executed `height` (it cosigned it).
    pub fn peer_at(&self, height: u64, peer: &PublicKey) {
        let mut ahead = self.ahead.lock().expect("ahead");
        if ahead.as_ref().is_none_or(|(h, _)| *h < height) {
            *ahead = Some((height, peer.clone()));
        }
    }

    /// The highest height a peer showed that this validator has not
    /// reached yet (as far as [`Self::clear_ahead`] was told), and the peer.
    pub fn ahead(&self) -> Option<(u64, PublicKey)> {
        self.ahead.lock().expect("ahead").clone()
    }

    /// Forgets the peer's height once this validator reached `height`.
    pub fn clear_ahead(&self, height: u64) {
        let mut ahead = self.ahead.lock().expect("ahead");
        if ahead.as_ref().is_some_and(|(h, _)| *h <= height) {
            *ahead = None;
        }
    }

    /// After executing `height`: the sets as the state now records them.
    fn refresh_sets(&self, ledger: &X, height: u64) {
        let Some(epochs) = self.epochs() else {
            return;
        };
        if epochs.update(ledger.validators(), height) {
            self.finality
                .lock()
                .expect("finality")
                .set_history(&epochs.history());
        }
    }

    /// Records that `peer` (its consensus key bytes) was heard from now.
    pub fn heard_from(&self, peer: &[u8], now_ms: u64) {
        self.heard
            .lock()
            .expect("heard")
            .insert(peer.to_vec(), now_ms);
    }

    /// When each peer was last heard from (ms since the epoch).
    pub fn last_heard(&self) -> BTreeMap<Vec<u8>, u64> {
        self.heard.lock().expect("heard").clone()
    }

    /// A peer's gossip message; returns the answers for that peer.
    pub fn gossip_in(&self, raw: &[u8]) -> Vec<Gossip> {
        let mut reply = Vec::new();
        if let Some(msg) = Gossip::decode(raw) {
            self.finality
                .lock()
                .expect("finality")
                .receive(msg, &mut reply);
        }
        reply
    }

    /// Gossip for every peer (and, with `ask`, requests for missing final
    /// checkpoints).
    pub fn gossip_out(&self, ask: bool) -> Vec<Gossip> {
        self.finality.lock().expect("finality").drain(ask)
    }

    /// Waits until the ledger has executed `height`.
    async fn executed(&self, clock: &impl Clock, height: u64) {
        while self.with_ledger(super::executor::Executor::height) < height {
            clock.sleep(WAIT_STEP).await;
        }
    }

    /// Up to `block_txs_max` pending transactions, not in the proposal's
    /// unfinalized ancestors (`skip`, their ids), within the block's bytes.
    fn take_batch(&self, skip: &HashSet<publica_types::Hash32>) -> Vec<Vec<u8>> {
        let pending = self.with_ledger(|l| l.pending(self.block_txs_max, skip));
        let mut txs = Vec::with_capacity(pending.len());
        let mut bytes = 0;
        for tx in pending {
            let raw = serde_json::to_vec(&tx).expect("envelopes encode");
            if bytes + raw.len() > BLOCK_BYTES_MAX {
                break;
            }
            bytes += raw.len();
            txs.push(raw);
        }
        txs
    }

    /// False when `digest` at `height` conflicts with what this validator
    /// finalized there (unknown heights, beyond the kept window, pass).
    fn on_chain(&self, height: u64, digest: &Digest) -> bool {
        if height == 0 {
            return *digest == BftBlock::genesis().digest();
        }
        match self.digests.lock().expect("digests").get(&height) {
            Some(d) => d == digest,
            None => true,
        }
    }
}

impl<E: Clock + Send + Sync + 'static, X: Executor> Application<E> for PublicaApp<X> {
    type SigningScheme = ed25519::Scheme;
    type Context = Context<Digest, PublicKey>;
    type Block = BftBlock;
    type Input = ();

    async fn propose(
        &mut self,
        (clock, _): (E, Self::Context),
        ancestry: impl Ancestry<Self::Block>,
        _: (),
    ) -> Option<Digested<Self::Block>> {
        let parent = ancestry.peek()?.clone();
        // The parent may be certified and not yet final; its own claim was
        // checked by a quorum, so reaching it keeps claims monotonic.
        self.executed(&clock, parent.inner().executed_height).await;
        let (executed_height, header) = self.with_ledger(|l| {
            let h = l.height().min(parent.height().get());
            (h, l.header_hash(h))
        });
        if !self.on_chain(parent.height().get(), &parent.digest()) {
            return None;
        }
        let mut executed_header_hash = header?;
        // Transactions already in the unfinalized ancestors stay out, and
        // those of final blocks the pool has not settled yet (executed,
        // still on their way to disk) too.
        let settled = self
            .with_ledger(super::executor::Executor::settled_height)
            .min(executed_height);
        let mut skip = HashSet::new();
        let mut chain = ancestry.clone();
        while let Some(b) = chain.next().await {
            if b.height().get() <= settled {
                break;
            }
            skip.extend(Ledger::tx_ids(b.inner()));
        }
        if self.fault == Some(Fault::WrongExecutedHeader) {
            executed_header_hash[0] ^= 1;
        }
        let mut txs = self.take_batch(&skip);
        let idle_until = clock.current() + self.idle_wait;
        while txs.is_empty()
            && clock.current() < idle_until
            && !self.with_ledger(|l| l.due(now_ms(&clock)))
        {
            clock.sleep(IDLE_STEP).await;
            txs = self.take_batch(&skip);
        }
        let block = BftBlock {
            parent: parent.digest(),
            height: parent.height().next(),
            time_ms: now_ms(&clock).max(parent.inner().time_ms + 1),
            executed_height,
            executed_header_hash,
            txs,
        };
        let digest = block.digest();
        Some(Digested::precomputed(block, digest))
    }

    async fn verify(
        &mut self,
        (clock, _): (E, Self::Context),
        ancestry: impl Ancestry<Self::Block>,
    ) -> bool {
        let mut chain = ancestry.clone();
        let (Some(candidate), Some(parent)) = (chain.next().await, chain.next().await) else {
            return false;
        };
        let (block, height) = (candidate.inner(), candidate.height().get());
        let refuse = |why: &str| {
            tracing::warn!(height, reason = why, "refusing a proposal");
            false
        };
        if block.executed_height < parent.inner().executed_height || block.executed_height >= height
        {
            return refuse("executed height out of order");
        }
        if block.time_ms <= parent.inner().time_ms
            || block.time_ms > now_ms(&clock) + CLOCK_DRIFT_MAX_MS
        {
            return refuse("time out of bounds");
        }
        // Signatures this validator verified when it admitted the very same
        // transactions are not verified again.
        let decoded = match Ledger::decode_transactions(block) {
            Ok(d) => d,
            Err(e) => return refuse(&e.0),
        };
        let keys: Vec<_> = decoded
            .iter()
            .map(|d| (d.id, d.envelope.signature))
            .collect();
        let verified = self.with_ledger(|l| l.admitted(&keys));
        let rotated = |a: &publica_types::AccountId| self.with_ledger(|l| l.current_key(a));
        let txs = match Ledger::check_decoded(decoded, &verified, &rotated) {
            Ok(txs) => txs,
            Err(e) => return refuse(&e.0),
        };
        // The named height is final somewhere, so it reaches this validator;
        // waiting abstains until then (the engine may move on).
        self.executed(&clock, block.executed_height).await;
        let header = self.with_ledger(|l| l.header_hash(block.executed_height));
        if !self.on_chain(parent.height().get(), &parent.digest()) {
            return refuse("the parent conflicts with this validator's finalized chain");
        }
        if header != Some(block.executed_header_hash) {
            return refuse("names a header this validator did not compute");
        }
        let mut checked = self.checked.lock().expect("checked");
        checked.push_back((candidate.digest(), txs));
        while checked.len() > CHECKED_KEPT {
            checked.pop_front();
        }
        true
    }
}

impl<X: Executor> Reporter for PublicaApp<X> {
    type Activity = Update<BftBlock>;

    fn report(&mut self, activity: Self::Activity) -> Feedback {
        if let Update::Block(block, ack) = activity {
            let height = block.height().get();
            let mut ledger = self.ledger.lock().expect("ledger");
            if height > ledger.height() {
                // Finalized by a quorum yet not executable here: this copy
                // diverged; withholding the ack stops the marshal.
                let digest = block.digest();
                let known = {
                    let mut checked = self.checked.lock().expect("checked");
                    let at = checked.iter().position(|(d, _)| *d == digest);
                    at.and_then(|i| checked.remove(i)).map(|(_, txs)| txs)
                };
                let executed = check_claim(&*ledger, block.inner())
                    .and_then(|()| match known {
                        Some(txs) => Ok(txs),
                        None => Ledger::decode_transactions(block.inner()).and_then(|d| {
                            // A key rotation in the parent block must be
                            // settled before its new key is known here.
                            let rotated = |a: &publica_types::AccountId| {
                                let deadline = std::time::Instant::now() + SETTLE_WAIT_MAX;
                                while ledger.settled_height() + 1 < height
                                    && std::time::Instant::now() < deadline
                                {
                                    std::thread::sleep(Duration::from_millis(1));
                                }
                                ledger.current_key(a)
                            };
                            Ledger::check_decoded(d, &[], &rotated)
                        }),
                    })
                    .and_then(|txs| ledger.execute(block.inner(), txs));
                let header = match executed {
                    Ok(h) => h,
                    Err(e) => {
                        tracing::error!(height, reason = %e.0, "cannot execute a finalized block");
                        return Feedback::Ok;
                    }
                };
                self.refresh_sets(&ledger, height);
                let format = ledger.ledger_format(height);
                drop(ledger);
                let latency = publica_types::now_ms().saturating_sub(block.inner().time_ms);
                let mut stats = self.stats.lock().expect("stats");
                stats.blocks += 1;
                stats.transactions += block.inner().txs.len() as u64;
                stats.finality_ms_sum += latency;
                stats.finality_ms_max = stats.finality_ms_max.max(latency);
                stats.finality_ms_last = latency;
                drop(stats);
                let mut digests = self.digests.lock().expect("digests");
                digests.insert(height, block.digest());
                while digests.len() > DIGESTS_KEPT {
                    digests.pop_first();
                }
                drop(digests);
                let mut finality = self.finality.lock().expect("finality");
                let checkpoint = publica_log::Checkpoint {
                    origin: finality.origin().to_string(),
                    size: header.log_size,
                    root: header.log_root,
                    state: publica_log::StateLine::for_block(format, height, header.state_root),
                };
                finality.executed(height, &checkpoint, header.time_ms / 1000);
            } else if height > 0 && !self.on_chain(height, &block.digest()) {
                tracing::error!(height, "a second, different block finalized at one height");
                return Feedback::Ok;
            }
            ack.acknowledge();
        }
        Feedback::Ok
    }
}
