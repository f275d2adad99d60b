//! Dispatch of transactions to modules, and replay of committed blocks.

use crate::authz::{agency_key, current_key, has_role};
use crate::block::{assemble_block, assemble_header, block_hash, BlockEnv};
use crate::context::{CallContext, LEDGER_ACCOUNT};
use crate::index::{IndexEntry, IndexFiler};
use crate::module::{Authority, Module};
use crate::nonce::{committed_nonce, set_nonce};
use crate::overlay::{BlockState, StateRead};
use crate::system::{account_key, System};
use publica_log::AppendLog;
use publica_state::StateTree;
use publica_types::format::LedgerFormats;
use publica_types::tx::Call;
use publica_types::{codes, Block, BlockHeader, Hash32, TxError, TxOutcome, TxStatus, VerifiedTx};
use std::collections::BTreeMap;

/// Why replaying a stored block did not reproduce it.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("block {height}: {reason}")]
pub struct ReplayError {
    /// The block.
    pub height: u64,
    /// What differed.
    pub reason: String,
}

/// What executing a block produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockResult {
    /// Events of the modules' start-of-block work.
    pub ledger_events: Vec<publica_types::Event>,
    /// One outcome per transaction.
    pub outcomes: Vec<TxOutcome>,
}

/// The set of modules and the dispatch rules.
pub struct Runtime {
    modules: BTreeMap<&'static str, Box<dyn Module>>,
    /// Which ledger format's rules each height executes by.
    formats: LedgerFormats,
}

impl std::fmt::Debug for Runtime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Runtime({:?})", self.modules.keys().collect::<Vec<_>>())
    }
}

impl Default for Runtime {
    fn default() -> Self {
        Self::new()
    }
}

impl Runtime {
    /// A runtime with every built-in module.
    pub fn new() -> Self {
        let mut rt = Runtime {
            modules: BTreeMap::new(),
            formats: LedgerFormats::default(),
        };
        rt.register(Box::new(System));
        rt
    }

    /// What a committed block files in the event index, in order: the
    /// start-of-block events, then each successful transaction's. Keys are
    /// `<module>/<module's key>`; each entry gains the block's `height`
    /// and, for a transaction's event, its `tx_id`.
    pub fn index_block(&self, block: &Block) -> Vec<IndexEntry> {
        let mut out = Vec::new();
        let height = block.header.height;
        let mut file = |tx: Option<(&Hash32, &Call)>, e: &publica_types::Event| {
            let Some((name, m)) = self.modules.get_key_value(e.module.as_str()) else {
                return;
            };
            let filer = IndexFiler::new(name, height, tx.map(|t| t.0), &mut out);
            let mut filer = match tx {
                Some((_, call)) => filer.with_call(call),
                None => filer,
            };
            m.index_event(&e.kind, &e.data, &mut filer);
        };
        for e in &block.ledger_events {
            file(None, e);
        }
        for (o, tx) in block.outcomes.iter().zip(&block.transactions) {
            if o.status == TxStatus::Ok {
                for e in &o.events {
                    file(Some((&o.tx_id, &tx.body.call)), e);
                }
            }
        }
        out
    }

    /// The registered modules, by name.
    pub fn modules(&self) -> impl Iterator<Item = &dyn Module> {
        self.modules.values().map(std::convert::AsRef::as_ref)
    }

    /// The Markdown tables of every module's rejection codes (code, HTTP
    /// status, meaning), one section per module, as `docs/errors.md` holds
    /// them between its `module-codes` markers.
    pub fn codes_markdown(&self) -> String {
        let mut out = String::new();
        for m in self.modules() {
            let rows = m.rejections();
            if rows.is_empty() {
                continue;
            }
            out.push_str(&format!(
                "\n### `{}`\n\n| code | HTTP | meaning |\n|---|---|---|\n",
                m.name()
            ));
            for (code, status, meaning) in rows {
                out.push_str(&format!("| `{code}` | {status} | {meaning} |\n"));
            }
        }
        out
    }

    /// Executes each height by the rules of its format in `formats` (a
    /// data directory's record; a new chain has this build's format from
    /// the first block).
    pub fn set_formats(&mut self, formats: LedgerFormats) {
        self.formats = formats;
    }

    /// Which ledger format each height executes by.
    pub fn formats(&self) -> &LedgerFormats {
        &self.formats
    }

    /// Adds a module. Two modules may not share a name, and no module may be
    /// called `runtime` (that prefix holds nonces).
    pub fn register(&mut self, module: Box<dyn Module>) {
        let name = module.name();
        assert_ne!(name, "runtime", "the runtime prefix is reserved");
        assert!(
            self.modules.insert(name, module).is_none(),
            "module {name} registered twice"
        );
    }

    /// Executes `txs` as the block `env` on top of `parent` and assembles
    /// the block: state root, results, and the log after its entries.
    pub fn run_block(
        &self,
        state: &mut StateTree,
        log: &mut impl AppendLog,
        env: &BlockEnv,
        parent: Option<&BlockHeader>,
        txs: Vec<VerifiedTx>,
    ) -> Block {
        let result = self.execute_block(state, env, &txs);
        assemble_block(
            env,
            parent,
            txs,
            result.outcomes,
            result.ledger_events,
            state.root(),
            log,
        )
    }

    /// Runs every module's start-of-block work, then executes `txs` in
    /// order on `state` for the block `env`.
    pub fn execute_block(
        &self,
        state: &mut StateTree,
        env: &BlockEnv,
        txs: &[VerifiedTx],
    ) -> BlockResult {
        let mut state = BlockState::new(state);
        let mut ledger_events = Vec::new();
        let format = self.formats.at(env.height);
        if let Some(format) = self.formats.starts_at(env.height) {
            // A new format starts: each module first moves its state to it,
            // through every format passed over (4 to 6 runs 5's and 6's).
            let before = self.formats.at(env.height.saturating_sub(1));
            for step in before.saturating_add(1)..=format {
                for module in self.modules.values() {
                    let mut ctx =
                        CallContext::new(&state, module.name(), LEDGER_ACCOUNT, None, env, step);
                    module.upgrade(&mut ctx, step);
                    let (writes, events) = ctx.into_parts();
                    state.absorb(writes);
                    ledger_events.extend(events);
                }
            }
        }
        for module in self.modules.values() {
            let mut ctx =
                CallContext::new(&state, module.name(), LEDGER_ACCOUNT, None, env, format);
            module.begin_block(&mut ctx);
            let (writes, events) = ctx.into_parts();
            state.absorb(writes);
            ledger_events.extend(events);
        }
        let outcomes = txs
            .iter()
            .map(|tx| {
                let (status, error, events) = match self.execute_tx(&mut state, env, tx) {
                    Ok(events) => (TxStatus::Ok, None, events),
                    Err(e) => (TxStatus::Failed, Some(e), Vec::new()),
                };
                TxOutcome {
                    tx_id: tx.id,
                    status,
                    error,
                    events,
                }
            })
            .collect();
        state.finish();
        BlockResult {
            ledger_events,
            outcomes,
        }
    }

    /// Whether `module` checks anything ahead ([`Module::prepares`]).
    pub fn prepares(&self, module: &str) -> bool {
        self.modules.get(module).is_some_and(|m| m.prepares())
    }

    /// Runs the named module's [`Module::prepare`] for transaction `id`
    /// being admitted (nothing for an unknown module); `Err` is a refusal
    /// execution would certainly make too.
    pub fn prepare(
        &self,
        state: &dyn crate::StateRead,
        id: &publica_types::Hash32,
        envelope: &publica_types::Envelope,
    ) -> Result<(), TxError> {
        let call = &envelope.body.call;
        match self.modules.get(call.module.as_str()) {
            Some(m) => m.prepare(state, (id, &envelope.signer), &call.method, &call.args),
            None => Ok(()),
        }
    }

    /// The earliest time any module has start-of-block work due.
    pub fn next_due_ms(&self, state: &StateTree) -> Option<u64> {
        self.modules
            .values()
            .filter_map(|m| m.next_due_ms(state))
            .min()
    }

    fn execute_tx(
        &self,
        state: &mut BlockState,
        env: &BlockEnv,
        vtx: &VerifiedTx,
    ) -> Result<Vec<publica_types::Event>, TxError> {
        let tx = &vtx.envelope;
        let body = &tx.body;
        // Checks that leave the nonce alone: a transaction of another chain
        // is not one of this chain's, and a wrong nonce is not this one to
        // use. Admission refuses both, so an honest block holds neither.
        if body.chain_id != env.chain_id {
            return Err(TxError::new(
                codes::TX_WRONG_CHAIN,
                "transaction is for another chain",
            ));
        }
        let last = committed_nonce(&*state, &tx.signer);
        if body.nonce <= last {
            return Err(TxError::new(
                codes::TX_NONCE_REPLAYED,
                format!("nonce {} already used; next is {}", body.nonce, last + 1),
            ));
        }
        if body.nonce != last + 1 {
            return Err(TxError::new(
                codes::TX_NONCE_GAP,
                format!("nonce {} skips ahead; next is {}", body.nonce, last + 1),
            ));
        }
        // From here on the nonce is consumed, whatever fails after: the same
        // transaction can never be executed, or fail, in a second block.
        set_nonce(state, &tx.signer, body.nonce);
        if publica_crypto::is_weak_key(&tx.signer.0) {
            // Admission refuses these; a block proposed by a faulty
            // validator may still carry one. The all-zero account, the
            // ledger's own, is among them.
            return Err(TxError::new(
                codes::TX_INVALID_SIGNER,
                format!("the signer {}", publica_crypto::key::WEAK_KEY_MESSAGE),
            ));
        }
        if body.expiry.has_passed(env.height, env.time_ms) {
            return Err(TxError::new(
                codes::TX_EXPIRED,
                "transaction expired before this block",
            ));
        }
        // After a rotation or recovery only the account's current key signs
        // for it: a transaction signed with the old key, even one admitted
        // before the rotation, fails here.
        let key = current_key(&*state, &tx.signer);
        if key != tx.signer {
            publica_crypto::verify(&key, &vtx.signing_bytes, &tx.signature).map_err(|_| {
                TxError::new(
                    codes::TX_BAD_SIGNATURE,
                    "not signed by the account's current key (it was rotated)",
                )
            })?;
        }
        let module = self.modules.get(body.call.module.as_str()).ok_or_else(|| {
            TxError::new(
                codes::CALL_UNKNOWN_MODULE,
                format!("no module named '{}'", body.call.module),
            )
        })?;
        let authority = module.authority(&body.call.method, &body.call.args)?;
        match authority {
            Authority::AgencyRole { agency, role } => {
                if !state.contains(&agency_key(&agency)) {
                    return Err(TxError::new(
                        codes::AUTH_UNKNOWN_AGENCY,
                        format!("there is no agency '{agency}'"),
                    ));
                }
                if !has_role(&*state, &agency, &tx.signer, role) {
                    return Err(TxError::new(
                        codes::AUTH_UNAUTHORIZED,
                        format!("this call needs the {role:?} role in agency '{agency}'"),
                    ));
                }
            }
            Authority::AnySigner => {}
            Authority::RegisteredAccount => {
                if !state.contains(&account_key(&tx.signer)) {
                    return Err(TxError::new(
                        codes::AUTH_ACCOUNT_NOT_REGISTERED,
                        "the signer has no registered account; send system.register_account first",
                    ));
                }
            }
        }
        let format = self.formats.at(env.height);
        let mut ctx = CallContext::new(state, module.name(), tx.signer, Some(vtx.id), env, format);
        // A panic is a fault in the module, not in the call: it fails this
        // transaction alone (its writes are buffered in `ctx`, dropped
        // here), the same way on every validator and on replay, instead of
        // stopping the chain.
        let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            module.execute(&mut ctx, &body.call.method, &body.call.args)
        }));
        match run {
            Ok(done) => done?,
            Err(_) => {
                return Err(TxError::new(
                    codes::CALL_MODULE_FAULT,
                    format!(
                        "module '{}' failed on this call (a fault in the module, reported in the node's log)",
                        module.name()
                    ),
                ))
            }
        }
        let (writes, events) = ctx.into_parts();
        state.absorb(writes);
        Ok(events)
    }

    /// Re-executes a stored block on `state` (the parent's post-state) and
    /// checks that it reproduces the block exactly: parent link, outcomes,
    /// every root and the log size.
    pub fn replay_block(
        &self,
        state: &mut StateTree,
        log: &mut impl AppendLog,
        parent: Option<&BlockHeader>,
        block: &Block,
    ) -> Result<(), ReplayError> {
        let h = &block.header;
        let fail = |reason: String| ReplayError {
            height: h.height,
            reason,
        };
        let expected_height = parent.map(|p| p.height + 1).unwrap_or(1);
        if h.height != expected_height {
            return Err(fail(format!("expected height {expected_height}")));
        }
        let expected_parent = parent.map(block_hash).unwrap_or(Hash32::ZERO);
        if h.parent_hash != expected_parent {
            return Err(fail("parent hash does not match the previous block".into()));
        }
        if parent.is_some_and(|p| h.time_ms < p.time_ms) {
            return Err(fail("block time goes backwards".into()));
        }
        let txs: Vec<VerifiedTx> = block
            .transactions
            .iter()
            .map(|e| {
                let bytes = e
                    .body
                    .signing_bytes()
                    .map_err(|err| fail(format!("transaction not canonical: {err}")))?;
                Ok(VerifiedTx {
                    envelope: e.clone(),
                    id: publica_crypto::tx_id(&e.signer, &bytes),
                    signing_bytes: bytes,
                })
            })
            .collect::<Result<_, ReplayError>>()?;
        let env = BlockEnv {
            chain_id: h.chain_id.clone(),
            height: h.height,
            time_ms: h.time_ms,
        };
        let result = self.execute_block(state, &env, &txs);
        let state_root = state.root();
        let rebuilt = assemble_header(
            &env,
            parent,
            &block.transactions,
            &result.outcomes,
            &result.ledger_events,
            state_root,
            log,
        );
        if result.outcomes != block.outcomes {
            return Err(fail("re-execution gives different outcomes".into()));
        }
        if result.ledger_events != block.ledger_events {
            return Err(fail("re-execution gives different ledger events".into()));
        }
        if rebuilt != *h {
            return Err(fail(format!(
                "re-execution gives a different header (state root {} instead of {})",
                rebuilt.state_root, h.state_root
            )));
        }
        Ok(())
    }
}
