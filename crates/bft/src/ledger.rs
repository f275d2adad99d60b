//! One validator's copy of the ledger: executes each finalized block with
//! the Publica runtime, in height order, and remembers the header hash it
//! computed for each height, which later proposals repeat. It keeps every
//! block in memory: it serves the simulation and tests; a node executes
//! through its own pipeline and block log (see the ADR's open work).

use crate::block::BftBlock;
use publica_crypto::{tx_id, verify_batch};
use publica_log::MerkleLog;
use publica_runtime::block::{block_hash, BlockEnv};
use publica_runtime::nonce::committed_nonce;
use publica_runtime::Runtime;
use publica_state::StateTree;
use publica_types::{AccountId, Block, BlockHeader, Envelope, Hash32, VerifiedTx};
use std::collections::{HashSet, VecDeque};

/// Why a proposed block is invalid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid(pub String);

/// A block's transaction, decoded, before its signature is checked.
#[derive(Debug)]
pub struct Decoded {
    /// The envelope.
    pub envelope: Envelope,
    /// Its signing bytes.
    pub bytes: Vec<u8>,
    /// Its id.
    pub id: Hash32,
}

/// A validator's executed chain.
pub struct Ledger {
    chain_id: String,
    rt: Runtime,
    state: StateTree,
    log: MerkleLog,
    blocks: Vec<Block>,
    pool: VecDeque<Envelope>,
}

/// Most transactions waiting in a ledger's pool.
pub const POOL_MAX: usize = 100_000;

impl Ledger {
    /// A ledger at genesis (`initial` state, nothing executed).
    pub fn new(chain_id: &str, rt: Runtime, initial: StateTree) -> Self {
        Ledger {
            chain_id: chain_id.into(),
            rt,
            state: initial,
            log: MerkleLog::new(),
            blocks: vec![],
            pool: VecDeque::new(),
        }
    }

    /// The chain id transactions must name.
    pub fn chain_id(&self) -> &str {
        &self.chain_id
    }

    /// Height of the last executed block (0 at genesis).
    pub fn height(&self) -> u64 {
        self.blocks.len() as u64
    }

    /// The executed Publica blocks, from height 1.
    pub fn blocks(&self) -> &[Block] {
        &self.blocks
    }

    /// The ledger formats blocks are executed by.
    pub fn formats(&self) -> &publica_types::format::LedgerFormats {
        self.rt.formats()
    }

    /// The state after the last block.
    pub fn state(&self) -> &StateTree {
        &self.state
    }

    /// The hash of the Publica header at `height` (zero for height 0), if
    /// executed.
    pub fn header_hash(&self, height: u64) -> Option<[u8; 32]> {
        match height {
            0 => Some([0; 32]),
            h => self
                .blocks
                .get(h as usize - 1)
                .map(|b| block_hash(&b.header).0),
        }
    }

    /// Queues a transaction for proposals; false when the pool is full.
    pub fn submit(&mut self, tx: Envelope) -> bool {
        if self.pool.len() >= POOL_MAX {
            return false;
        }
        self.pool.push_back(tx);
        true
    }

    /// Up to `max` pooled transactions not committed and not in `skip`;
    /// they stay pooled until committed.
    pub fn pending(&self, max: usize, skip: &HashSet<Hash32>) -> Vec<Envelope> {
        self.pool
            .iter()
            .filter(|t| t.body.nonce > self.committed_nonce(&t.signer))
            .filter(|t| {
                t.body
                    .signing_bytes()
                    .is_ok_and(|b| !skip.contains(&tx_id(&t.signer, &b)))
            })
            .take(max)
            .cloned()
            .collect()
    }

    /// The account's last committed nonce.
    pub fn committed_nonce(&self, account: &AccountId) -> u64 {
        committed_nonce(&self.state, account)
    }

    /// The ids of the block's transactions that decode (no signature check).
    pub fn tx_ids(block: &BftBlock) -> impl Iterator<Item = Hash32> + '_ {
        block.txs.iter().filter_map(|raw| {
            let e: Envelope = serde_json::from_slice(raw).ok()?;
            let bytes = e.body.signing_bytes().ok()?;
            Some(tx_id(&e.signer, &bytes))
        })
    }

    /// Decodes the block's transactions and checks every signature; the
    /// runtime checks the rest (chain, expiry, nonce, authority) when it
    /// executes, recording failures.
    pub fn check_transactions(block: &BftBlock) -> Result<Vec<VerifiedTx>, Invalid> {
        Self::check_decoded(Self::decode_transactions(block)?, &[], &|_| None)
    }

    /// The block's transactions, decoded, with their signing bytes and ids;
    /// refused when one is not an envelope or appears twice.
    pub fn decode_transactions(block: &BftBlock) -> Result<Vec<Decoded>, Invalid> {
        let mut seen = std::collections::HashSet::with_capacity(block.txs.len());
        let mut decoded = Vec::with_capacity(block.txs.len());
        for (i, raw) in block.txs.iter().enumerate() {
            let envelope: Envelope = serde_json::from_slice(raw)
                .map_err(|e| Invalid(format!("transaction {i} is not an envelope: {e}")))?;
            let bytes = envelope
                .body
                .signing_bytes()
                .map_err(|e| Invalid(format!("transaction {i}: {e}")))?;
            let id = tx_id(&envelope.signer, &bytes);
            if !seen.insert(id) {
                return Err(Invalid(format!("transaction {i} appears twice")));
            }
            decoded.push(Decoded {
                envelope,
                bytes,
                id,
            });
        }
        Ok(decoded)
    }

    /// Checks the signatures of `decoded` in one batch, except those marked
    /// true in `verified` (this validator admitted exactly that transaction
    /// with exactly that signature, and checked it then). A signature that
    /// fails under the signer's own key passes under the key `rotated` says
    /// the account signs with now (after a key rotation; the runtime checks
    /// again at execution that it is still the current key).
    pub fn check_decoded(
        decoded: Vec<Decoded>,
        verified: &[bool],
        rotated: &dyn Fn(&AccountId) -> Option<AccountId>,
    ) -> Result<Vec<VerifiedTx>, Invalid> {
        // A small-order or non-canonical signer verifies a forged signature
        // under ZIP-215; admission refuses it, and so does a block.
        if let Some(i) = decoded
            .iter()
            .position(|d| publica_crypto::is_weak_key(&d.envelope.signer.0))
        {
            return Err(Invalid(format!(
                "transaction {i}: the signer is a weak key"
            )));
        }
        let todo: Vec<usize> = (0..decoded.len())
            .filter(|&i| !verified.get(i).copied().unwrap_or(false))
            .collect();
        let items: Vec<_> = todo
            .iter()
            .map(|&i| {
                let d = &decoded[i];
                (d.envelope.signer, d.bytes.as_slice(), d.envelope.signature)
            })
            .collect();
        for (k, r) in verify_batch(&items).iter().enumerate() {
            if r.is_err() {
                let d = &decoded[todo[k]];
                let by_new_key = rotated(&d.envelope.signer).is_some_and(|key| {
                    key != d.envelope.signer
                        && publica_crypto::verify(&key, &d.bytes, &d.envelope.signature).is_ok()
                });
                if !by_new_key {
                    return Err(Invalid(format!("transaction {}: bad signature", todo[k])));
                }
            }
        }
        drop(items);
        Ok(decoded
            .into_iter()
            .map(|d| VerifiedTx {
                id: d.id,
                envelope: d.envelope,
                signing_bytes: d.bytes,
            })
            .collect())
    }

    /// Executes the finalized `block` (its checked transactions `txs`) as
    /// the next height; returns its header.
    pub fn execute(
        &mut self,
        block: &BftBlock,
        txs: Vec<VerifiedTx>,
    ) -> Result<BlockHeader, Invalid> {
        let height = block.height.get();
        if height != self.height() + 1 {
            return Err(Invalid(format!(
                "block {height} delivered at height {}",
                self.height()
            )));
        }
        let env = BlockEnv {
            chain_id: self.chain_id.clone(),
            height,
            time_ms: block.time_ms,
        };
        let parent = self.blocks.last().map(|b| b.header.clone());
        let executed =
            self.rt
                .run_block(&mut self.state, &mut self.log, &env, parent.as_ref(), txs);
        let header = executed.header.clone();
        self.blocks.push(executed);
        let committed = &self.state;
        self.pool
            .retain(|t| t.body.nonce > committed_nonce(committed, &t.signer));
        Ok(header)
    }
}

/// Checks a finalized block's claim against `executor` before executing
/// it: the named height is below the block and its header hash is the one
/// this validator computed. A finalized block failing this means this
/// validator's state diverged from the quorum's.
pub fn check_claim(executor: &impl crate::Executor, block: &BftBlock) -> Result<(), Invalid> {
    let height = block.height.get();
    if block.executed_height >= height
        || executor.header_hash(block.executed_height) != Some(block.executed_header_hash)
    {
        return Err(Invalid(format!(
            "block {height} names a header at height {} that this validator did not compute",
            block.executed_height
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use commonware_consensus::types::Height;
    use commonware_cryptography::{Hasher, Sha256};
    use publica_crypto::Keypair;
    use publica_types::{Expiry, TxBody};
    use serde_json::json;

    fn note(kp: &Keypair, nonce: u64) -> Vec<u8> {
        let (method, args) = match nonce {
            1 => ("register_account", json!({})),
            _ => ("set_note", json!({"note": "n"})),
        };
        let body = TxBody::new("c", nonce, Expiry::Height(100), "system", method, args);
        serde_json::to_vec(&kp.sign_tx(kp.account(), body).unwrap()).unwrap()
    }

    fn block(l: &Ledger, txs: Vec<Vec<u8>>) -> BftBlock {
        let h = l.height();
        BftBlock {
            parent: Sha256::hash(&[b"parent"]),
            height: Height::new(h + 1),
            time_ms: 1_000 + h,
            executed_height: h,
            executed_header_hash: l.header_hash(h).unwrap(),
            txs,
        }
    }

    #[test]
    fn a_rotated_account_signs_with_its_current_key() {
        let (old, new) = (Keypair::from_seed([6; 32]), Keypair::from_seed([7; 32]));
        let l = Ledger::new("c", Runtime::new(), StateTree::new());
        let body = TxBody::new(
            "c",
            2,
            Expiry::Height(100),
            "system",
            "set_note",
            json!({"note": "n"}),
        );
        let env = new.sign_tx(old.account(), body).unwrap();
        let b = block(&l, vec![serde_json::to_vec(&env).unwrap()]);
        let decoded = || Ledger::decode_transactions(&b).unwrap();
        assert!(Ledger::check_decoded(decoded(), &[], &|_| None).is_err());
        let stranger = Keypair::from_seed([8; 32]).account();
        assert!(Ledger::check_decoded(decoded(), &[], &|_| Some(stranger)).is_err());
        let current = new.account();
        assert!(
            Ledger::check_decoded(decoded(), &[], &|a| (*a == old.account())
                .then_some(current))
            .is_ok()
        );
    }

    #[test]
    fn only_signatures_vouched_for_skip_the_check() {
        let kp = Keypair::from_seed([5; 32]);
        let l = Ledger::new("c", Runtime::new(), StateTree::new());
        let mut forged: Envelope = serde_json::from_slice(&note(&kp, 1)).unwrap();
        forged.signature.0[0] ^= 1;
        let b = block(&l, vec![serde_json::to_vec(&forged).unwrap(), note(&kp, 2)]);
        let decoded = || Ledger::decode_transactions(&b).unwrap();
        let e = Ledger::check_decoded(decoded(), &[false, false], &|_| None).unwrap_err();
        assert!(e.0.contains("transaction 0: bad signature"), "{e:?}");
        // The forged one still fails when only the other is vouched for.
        assert!(Ledger::check_decoded(decoded(), &[false, true], &|_| None).is_err());
        assert_eq!(
            Ledger::check_decoded(decoded(), &[true, false], &|_| None)
                .unwrap()
                .len(),
            2
        );
    }

    #[test]
    fn checks_transactions_and_executes_in_order() {
        let kp = Keypair::from_seed([3; 32]);
        let mut l = Ledger::new("c", Runtime::new(), StateTree::new());
        let garbage = block(&l, vec![b"{".to_vec()]);
        assert!(Ledger::check_transactions(&garbage)
            .unwrap_err()
            .0
            .contains("not an envelope"));
        let mut forged = note(&kp, 1);
        let at = forged.len() - 20;
        forged[at] = if forged[at] == b'0' { b'1' } else { b'0' };
        assert!(Ledger::check_transactions(&block(&l, vec![forged]))
            .unwrap_err()
            .0
            .contains("bad signature"));
        let twice = block(&l, vec![note(&kp, 1), note(&kp, 1)]);
        assert!(Ledger::check_transactions(&twice)
            .unwrap_err()
            .0
            .contains("twice"));

        // Pooled transactions are offered until committed, without those
        // the caller skips.
        let envelope = |raw: &[u8]| serde_json::from_slice::<Envelope>(raw).unwrap();
        for n in 1..=3 {
            assert!(l.submit(envelope(&note(&kp, n))));
        }
        let first = block(&l, vec![note(&kp, 1)]);
        let skip: HashSet<Hash32> = Ledger::tx_ids(&first).collect();
        assert_eq!(l.pending(10, &skip).len(), 2);
        assert_eq!(l.pending(1, &HashSet::new()).len(), 1);

        let run = |l: &mut Ledger, b: &BftBlock| {
            check_claim(l, b)?;
            let txs = Ledger::check_transactions(b)?;
            l.execute(b, txs)
        };
        let b1 = block(&l, vec![note(&kp, 1), note(&kp, 2)]);
        let h1 = run(&mut l, &b1).unwrap();
        assert_eq!((l.height(), l.committed_nonce(&kp.account())), (1, 2));
        assert_eq!(block_hash(&h1).0, l.header_hash(1).unwrap());
        assert_eq!(
            l.pending(10, &HashSet::new()).len(),
            1,
            "committed ones leave the pool"
        );
        assert!(l
            .execute(&b1, vec![])
            .unwrap_err()
            .0
            .contains("delivered at height 1"));
        // A block naming a header this ledger did not compute is refused,
        // and nothing changes.
        let mut b2 = block(&l, vec![note(&kp, 3)]);
        b2.executed_header_hash[5] ^= 1;
        assert!(run(&mut l, &b2).unwrap_err().0.contains("did not compute"));
        let mut b2 = block(&l, vec![note(&kp, 3)]);
        b2.executed_height = 2;
        assert!(run(&mut l, &b2).is_err());
        assert_eq!((l.height(), l.committed_nonce(&kp.account())), (1, 2));
        let b2 = block(&l, vec![note(&kp, 3)]);
        run(&mut l, &b2).unwrap();
        assert_eq!(
            l.blocks()[1].header.parent_hash.0,
            l.header_hash(1).unwrap()
        );
        assert_eq!(l.chain_id(), "c");
        assert!(l.state().get(b"system/note/").is_none());
    }
}
