//! An in-memory chain for testing modules through the real runtime: each
//! call is a signed transaction in its own block, and [`TestChain::check_replay`]
//! replays every block from the initial state to the same roots.

use crate::block::BlockEnv;
use crate::nonce::committed_nonce;
use crate::runtime::Runtime;
use publica_crypto::{tx_id, Keypair};
use publica_log::MerkleLog;
use publica_state::StateTree;
use publica_types::{AccountId, Block, Envelope, Expiry, TxBody, TxOutcome, TxStatus, VerifiedTx};
use serde_json::Value;

/// The chain id test chains use.
pub const TEST_CHAIN: &str = "t";

/// A call that failed in its block: the error code its outcome recorded
/// (compares equal to the code as a string, so a test can say
/// `Err("money.overdraft".into())`).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{code}")]
pub struct Rejected {
    /// The stable error code, e.g. `money.overdraft`.
    pub code: String,
}

impl From<&str> for Rejected {
    fn from(code: &str) -> Self {
        Rejected { code: code.into() }
    }
}

impl PartialEq<str> for Rejected {
    fn eq(&self, code: &str) -> bool {
        self.code == code
    }
}

impl PartialEq<&str> for Rejected {
    fn eq(&self, code: &&str) -> bool {
        self.code == *code
    }
}

/// A chain in memory.
pub struct TestChain {
    /// The runtime under test.
    pub rt: Runtime,
    /// The current state.
    pub state: StateTree,
    initial: StateTree,
    log: MerkleLog,
    /// Every block so far.
    pub blocks: Vec<Block>,
    /// The next block's time (ms); each block is at least 1 ms later.
    pub time_ms: u64,
    /// The chain id its blocks and transactions carry ([`TEST_CHAIN`]
    /// unless set: two chains talking to each other need two).
    pub chain_id: String,
}

impl TestChain {
    /// A chain starting from `initial` state.
    pub fn new(rt: Runtime, initial: StateTree) -> Self {
        TestChain {
            rt,
            state: initial.clone(),
            initial,
            log: MerkleLog::new(),
            blocks: vec![],
            time_ms: 1,
            chain_id: TEST_CHAIN.into(),
        }
    }

    /// Height of the last block.
    pub fn height(&self) -> u64 {
        self.blocks.len() as u64
    }

    /// Runs `txs` as the next block; returns their outcomes.
    pub fn push(&mut self, txs: Vec<VerifiedTx>) -> Vec<TxOutcome> {
        let height = self.height() + 1;
        let env = BlockEnv {
            chain_id: self.chain_id.clone(),
            height,
            time_ms: self.time_ms,
        };
        self.time_ms += 1;
        let parent = self.blocks.last().map(|b| b.header.clone());
        let block = self
            .rt
            .run_block(&mut self.state, &mut self.log, &env, parent.as_ref(), txs);
        let outcomes = block.outcomes.clone();
        self.blocks.push(block);
        outcomes
    }

    /// `account`'s call with `nonce`, signed with `key`.
    pub fn sign(
        account: AccountId,
        key: &Keypair,
        nonce: u64,
        module: &str,
        method: &str,
        args: Value,
    ) -> VerifiedTx {
        Self::sign_on(TEST_CHAIN, account, key, nonce, module, method, args)
    }

    /// [`TestChain::sign`] for the chain `chain`.
    pub fn sign_on(
        chain: &str,
        account: AccountId,
        key: &Keypair,
        nonce: u64,
        module: &str,
        method: &str,
        args: Value,
    ) -> VerifiedTx {
        let body = TxBody::new(chain, nonce, Expiry::Height(1 << 40), module, method, args);
        let bytes = body.signing_bytes().expect("canonical");
        VerifiedTx {
            id: tx_id(&account, &bytes),
            envelope: Envelope {
                signature: key.sign(&bytes),
                signer: account,
                body,
            },
            signing_bytes: bytes,
        }
    }

    /// Signs `account`'s call with `key` and runs it in a new block;
    /// [`Rejected`] with the outcome's code when it failed.
    pub fn call_as(
        &mut self,
        account: AccountId,
        key: &Keypair,
        module: &str,
        method: &str,
        args: Value,
    ) -> Result<(), Rejected> {
        let nonce = committed_nonce(&self.state, &account) + 1;
        let tx = Self::sign_on(&self.chain_id, account, key, nonce, module, method, args);
        let outcome = self.push(vec![tx]).pop().expect("one outcome");
        match outcome.status {
            TxStatus::Ok => Ok(()),
            TxStatus::Failed => Err(Rejected {
                code: outcome.error.expect("failed outcomes carry an error").code,
            }),
        }
    }

    /// `call_as` for the key's own account.
    pub fn call(
        &mut self,
        key: &Keypair,
        module: &str,
        method: &str,
        args: Value,
    ) -> Result<(), Rejected> {
        self.call_as(key.account(), key, module, method, args)
    }

    /// Empty blocks, to let heights pass.
    pub fn idle(&mut self, blocks: u64) {
        for _ in 0..blocks {
            self.push(vec![]);
        }
    }

    /// A state value as JSON.
    pub fn get(&self, key: &str) -> Option<Value> {
        self.state
            .get(key.as_bytes())
            .map(|b| serde_json::from_slice(&b).expect("JSON values"))
    }

    /// The entries the blocks so far filed under `key` in the event index
    /// (see [`Runtime::index_block`]), numbered as the node numbers them.
    pub fn indexed(&self, key: &str) -> Vec<Value> {
        let mut out: Vec<Value> = Vec::new();
        for b in &self.blocks {
            for entry in self.rt.index_block(b) {
                if entry.key == key {
                    let n = out.len() as u64;
                    out.push(serde_json::from_slice(&entry.into_object(n)).expect("JSON entries"));
                }
            }
        }
        out
    }

    /// Replaying every block from the initial state reproduces every block.
    pub fn check_replay(&self) {
        let mut state = self.initial.clone();
        let mut log = MerkleLog::new();
        let mut parent = None;
        for b in &self.blocks {
            self.rt
                .replay_block(&mut state, &mut log, parent.as_ref(), b)
                .expect("replay reproduces the block");
            parent = Some(b.header.clone());
        }
        assert_eq!(state.root(), self.state.clone().root());
    }
}
