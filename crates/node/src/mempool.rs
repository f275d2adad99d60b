//! The mempool: admitted transactions waiting for a block, with the per-
//! signer nonce bookkeeping that makes admission reject replays and gaps.

use publica_consensus::{TakenBatch, TxSource};
use publica_runtime::nonce::committed_nonce;
use publica_state::StateTree;
use publica_types::{AccountId, Block, Hash32, SignatureBytes, VerifiedTx};
use std::collections::{HashMap, VecDeque};
use std::sync::{Condvar, Mutex};
use std::time::Instant;

#[derive(Default)]
pub(crate) struct Pool {
    pub(crate) queue: VecDeque<VerifiedTx>,
    /// Sum of the queued transactions' signing bytes.
    pub(crate) queued_bytes: usize,
    /// For signers with pending transactions: the next nonce they may use.
    pub(crate) next_nonce: HashMap<AccountId, u64>,
    /// Ids of pending transactions (queued or executing), with the
    /// signature admission verified.
    pub(crate) ids: HashMap<Hash32, SignatureBytes>,
    /// The state as of the last block whose transactions left the pool
    /// (shares its nodes with the readers' copy), for committed nonces:
    /// admission never waits for a block in progress, and the nonces stay
    /// in step with `next_nonce` and `ids`. A copy of every account's
    /// nonce here would cost about 85 bytes per account.
    pub(crate) committed: StateTree,
    /// True once a BFT proposer peeked: committed transactions must then
    /// leave the queue when their block is committed.
    pub(crate) peeked: bool,
    /// The last block whose transactions left the pool.
    pub(crate) settled: u64,
}

impl Pool {
    /// `signer`'s last committed nonce.
    pub(crate) fn committed_nonce(&self, signer: &AccountId) -> u64 {
        committed_nonce(&self.committed, signer)
    }

    /// How many of `signer`'s transactions are pending.
    pub(crate) fn pending_of(&self, signer: &AccountId) -> u64 {
        match self.next_nonce.get(signer) {
            Some(next) => next.saturating_sub(self.committed_nonce(signer) + 1),
            None => 0,
        }
    }

    /// The nonce `signer` must use next.
    pub(crate) fn expected_nonce(&self, signer: &AccountId) -> u64 {
        match self.next_nonce.get(signer) {
            Some(n) => *n,
            None => self.committed_nonce(signer) + 1,
        }
    }
}

/// Pending transactions.
pub struct Mempool {
    pub(crate) pool: Mutex<Pool>,
    /// Accounts whose key changed: the key that signs for them now.
    pub(crate) keys: std::sync::RwLock<HashMap<AccountId, AccountId>>,
    ready: Condvar,
    pub(crate) capacity: usize,
    /// Most transactions of one signer pending at once.
    pub(crate) signer_share: u64,
}

/// The part of the mempool one signer may fill: a twentieth, but never
/// fewer than this many transactions (a small mempool is not divided).
const SIGNER_SHARE_FLOOR: usize = 1_000;

impl std::fmt::Debug for Mempool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Mempool({} txs)", self.len())
    }
}

impl Mempool {
    pub(crate) fn new(
        capacity: usize,
        committed: StateTree,
        keys: HashMap<AccountId, AccountId>,
        height: u64,
    ) -> Self {
        Mempool {
            keys: std::sync::RwLock::new(keys),
            pool: Mutex::new(Pool {
                committed,
                settled: height,
                ..Pool::default()
            }),
            ready: Condvar::new(),
            capacity,
            signer_share: (capacity / 20).max(SIGNER_SHARE_FLOOR.min(capacity)) as u64,
        }
    }

    /// Transactions waiting.
    pub fn len(&self) -> usize {
        self.pool.lock().expect("mempool lock").queue.len()
    }

    /// True when nothing waits.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// True when `id` is pending.
    pub fn contains(&self, id: &Hash32) -> bool {
        self.pool.lock().expect("mempool lock").ids.contains_key(id)
    }

    /// Wakes the sequencer, which re-checks whether a block is full.
    pub(crate) fn notify(&self) {
        self.ready.notify_all();
    }

    /// Forgets committed transactions and settles their signers' nonces;
    /// `state` is the state after `block`.
    pub(crate) fn on_committed(
        &self,
        block: &Block,
        state: StateTree,
        keys: &[(AccountId, AccountId)],
    ) {
        if !keys.is_empty() {
            let mut k = self.keys.write().expect("keys lock");
            for (account, key) in keys {
                k.insert(*account, *key);
            }
        }
        let mut pool = self.pool.lock().expect("mempool lock");
        pool.settled = block.header.height;
        pool.committed = state;
        for (tx, outcome) in block.transactions.iter().zip(&block.outcomes) {
            pool.ids.remove(&outcome.tx_id);
            if pool.next_nonce.get(&tx.signer) == Some(&(tx.body.nonce + 1)) {
                // Nothing newer pending: the committed nonce is authoritative.
                pool.next_nonce.remove(&tx.signer);
            }
        }
        if pool.peeked && !block.transactions.is_empty() {
            // A BFT proposer only peeks: what this block included (run or
            // failed, e.g. expired) and others with a nonce now used leave.
            let included: std::collections::HashSet<&Hash32> =
                block.outcomes.iter().map(|o| &o.tx_id).collect();
            let pool = &mut *pool;
            let (committed, ids, bytes) = (&pool.committed, &mut pool.ids, &mut pool.queued_bytes);
            pool.queue.retain(|t| {
                let signer = &t.envelope.signer;
                let live = !included.contains(&t.id)
                    && committed_nonce(committed, signer) < t.envelope.body.nonce;
                if !live {
                    ids.remove(&t.id);
                    *bytes -= t.signing_bytes.len();
                }
                live
            });
        }
    }
}

impl TxSource for Mempool {
    fn take_batch(&self, max: usize, max_bytes: usize, deadline: Instant) -> TakenBatch {
        let mut pool = self.pool.lock().expect("mempool lock");
        while pool.queue.len() < max && pool.queued_bytes < max_bytes {
            let now = Instant::now();
            if now >= deadline {
                break;
            }
            pool = self
                .ready
                .wait_timeout(pool, deadline - now)
                .expect("mempool lock")
                .0;
        }
        let mut taken = TakenBatch::default();
        while taken.transactions.len() < max {
            match pool.queue.front() {
                Some(t) if taken.bytes + t.signing_bytes.len() <= max_bytes => {
                    let t = pool.queue.pop_front().expect("just seen");
                    pool.queued_bytes -= t.signing_bytes.len();
                    taken.bytes += t.signing_bytes.len();
                    taken.transactions.push(t);
                }
                _ => break,
            }
        }
        taken
    }

    fn settled_height(&self) -> u64 {
        self.pool.lock().expect("mempool lock").settled
    }

    fn admitted(&self, txs: &[(Hash32, SignatureBytes)]) -> Vec<bool> {
        let pool = self.pool.lock().expect("mempool lock");
        txs.iter()
            .map(|(id, sig)| pool.ids.get(id) == Some(sig))
            .collect()
    }

    fn peek_batch(&self, max: usize, skip: &dyn Fn(&Hash32) -> bool) -> Vec<VerifiedTx> {
        let mut pool = self.pool.lock().expect("mempool lock");
        pool.peeked = true;
        pool.queue
            .iter()
            .filter(|t| {
                !skip(&t.id) && pool.committed_nonce(&t.envelope.signer) < t.envelope.body.nonce
            })
            .take(max)
            .cloned()
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_admitted_signature_counts_as_verified() {
        let pool = Mempool::new(10, StateTree::new(), HashMap::new(), 0);
        let (id, sig) = (Hash32([1; 32]), SignatureBytes([2; 64]));
        pool.pool.lock().unwrap().ids.insert(id, sig);
        let asked = [
            (id, sig),
            (id, SignatureBytes([3; 64])),
            (Hash32([4; 32]), sig),
        ];
        assert_eq!(pool.admitted(&asked), vec![true, false, false]);
    }

    #[test]
    fn a_batch_stops_before_the_transaction_that_would_pass_the_byte_budget() {
        let pool = Mempool::new(10, StateTree::new(), HashMap::new(), 0);
        {
            let mut p = pool.pool.lock().unwrap();
            for (i, bytes) in [100usize, 100, 100, 50].into_iter().enumerate() {
                let body = publica_types::TxBody::new(
                    "t",
                    1,
                    publica_types::Expiry::Height(9),
                    "system",
                    "set_note",
                    serde_json::json!({}),
                );
                p.queue.push_back(VerifiedTx {
                    envelope: publica_types::Envelope {
                        body,
                        signer: AccountId([i as u8; 32]),
                        signature: SignatureBytes([0; 64]),
                    },
                    id: Hash32([i as u8; 32]),
                    // The budget counts their length only.
                    signing_bytes: vec![0; bytes],
                });
                p.queued_bytes += bytes;
            }
        }
        let now = Instant::now();
        // 250 bytes of room: two transactions; the third would pass it.
        let taken = pool.take_batch(10, 250, now);
        assert_eq!(taken.transactions.len(), 2);
        assert_eq!(taken.bytes, 200);
        assert_eq!(pool.pool.lock().unwrap().queued_bytes, 150);
        // The count bound still applies.
        let taken = pool.take_batch(1, 1_000, now);
        assert_eq!((taken.transactions.len(), taken.bytes), (1, 100));
        let taken = pool.take_batch(10, 1_000, now);
        assert_eq!((taken.transactions.len(), taken.bytes), (1, 50));
        assert_eq!(pool.pool.lock().unwrap().queued_bytes, 0);
    }
}
