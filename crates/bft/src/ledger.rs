//! One validator's copy of the ledger: executes each finalized block with
//! the Publica runtime, in height order, and remembers the header hash it
//! computed for each height, which later proposals repeat. It keeps every
//! block in memory: it serves the simulation and tests; a node executes
//! through its own pipeline and block log (see the ADR's open work).

use crate::block::BftBlock;
use commonware_cryptography::{sha256::Digest, Digestible};
use publica_crypto::{tx_id, verify};
use publica_log::MerkleLog;
use publica_runtime::block::{block_hash, BlockEnv};
use publica_runtime::nonce::committed_nonce;
use publica_runtime::Runtime;
use publica_state::StateTree;
use publica_types::{AccountId, Block, Envelope, VerifiedTx};

/// Why a proposed block is invalid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid(pub String);

/// A validator's executed chain.
pub struct Ledger {
    chain_id: String,
    rt: Runtime,
    state: StateTree,
    log: MerkleLog,
    blocks: Vec<Block>,
    digests: Vec<Digest>,
}

impl Ledger {
    /// A ledger at genesis (`initial` state, nothing executed).
    pub fn new(chain_id: &str, rt: Runtime, initial: StateTree) -> Self {
        Ledger {
            chain_id: chain_id.into(),
            rt,
            state: initial,
            log: MerkleLog::new(),
            blocks: vec![],
            digests: vec![],
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

    /// The current state.
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

    /// The engine's digest of the block executed at `height` (height ≥ 1).
    pub fn digest_at(&self, height: u64) -> Option<Digest> {
        height
            .checked_sub(1)
            .and_then(|i| self.digests.get(i as usize).copied())
    }

    /// The account's last committed nonce.
    pub fn committed_nonce(&self, account: &AccountId) -> u64 {
        committed_nonce(&self.state, account)
    }

    /// Decodes the block's transactions and checks every signature; the
    /// runtime checks the rest (chain, expiry, nonce, authority) when it
    /// executes, recording failures.
    pub fn check_transactions(block: &BftBlock) -> Result<Vec<VerifiedTx>, Invalid> {
        let mut seen = std::collections::HashSet::with_capacity(block.txs.len());
        block
            .txs
            .iter()
            .enumerate()
            .map(|(i, raw)| {
                let envelope: Envelope = serde_json::from_slice(raw)
                    .map_err(|e| Invalid(format!("transaction {i} is not an envelope: {e}")))?;
                let bytes = envelope
                    .body
                    .signing_bytes()
                    .map_err(|e| Invalid(format!("transaction {i}: {e}")))?;
                verify(&envelope.signer, &bytes, &envelope.signature)
                    .map_err(|_| Invalid(format!("transaction {i}: bad signature")))?;
                let id = tx_id(&envelope.signer, &bytes);
                if !seen.insert(id) {
                    return Err(Invalid(format!("transaction {i} appears twice")));
                }
                Ok(VerifiedTx { id, envelope })
            })
            .collect()
    }

    /// Executes the finalized `block` as the next height.
    pub fn execute(&mut self, block: &BftBlock) -> Result<(), Invalid> {
        let height = block.height.get();
        if height != self.height() + 1 {
            return Err(Invalid(format!(
                "block {height} delivered at height {}",
                self.height()
            )));
        }
        // A finalized block was verified by a quorum: a mismatch here means
        // this validator's state diverged, which must stop it.
        if block.executed_height >= height
            || self.header_hash(block.executed_height) != Some(block.executed_header_hash)
        {
            return Err(Invalid(format!(
                "block {height} names a header at height {} that this validator did not compute",
                block.executed_height
            )));
        }
        let txs = Self::check_transactions(block)?;
        let env = BlockEnv {
            chain_id: self.chain_id.clone(),
            height,
            time_ms: block.time_ms,
        };
        let parent = self.blocks.last().map(|b| b.header.clone());
        let executed =
            self.rt
                .run_block(&mut self.state, &mut self.log, &env, parent.as_ref(), txs);
        self.blocks.push(executed);
        self.digests.push(block.digest());
        Ok(())
    }
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
            parent: l.digest_at(h).unwrap_or(Sha256::hash(&[b"g"])),
            height: Height::new(h + 1),
            time_ms: 1_000 + h,
            executed_height: h,
            executed_header_hash: l.header_hash(h).unwrap(),
            txs,
        }
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

        let b1 = block(&l, vec![note(&kp, 1), note(&kp, 2)]);
        l.execute(&b1).unwrap();
        assert_eq!((l.height(), l.committed_nonce(&kp.account())), (1, 2));
        assert_eq!(l.digest_at(1), Some(b1.digest()));
        assert!(l
            .execute(&b1)
            .unwrap_err()
            .0
            .contains("delivered at height 1"));
        // A block naming a header this ledger did not compute is refused,
        // and nothing changes.
        let mut b2 = block(&l, vec![note(&kp, 3)]);
        b2.executed_header_hash[5] ^= 1;
        assert!(l.execute(&b2).unwrap_err().0.contains("did not compute"));
        let mut b2 = block(&l, vec![note(&kp, 3)]);
        b2.executed_height = 2;
        assert!(l.execute(&b2).is_err());
        assert_eq!((l.height(), l.committed_nonce(&kp.account())), (1, 2));
        l.execute(&block(&l, vec![note(&kp, 3)])).unwrap();
        assert_eq!(
            l.blocks()[1].header.parent_hash.0,
            l.header_hash(1).unwrap()
        );
        assert_eq!(l.chain_id(), "c");
        assert!(l.state().get(b"system/note/").is_none());
    }
}
