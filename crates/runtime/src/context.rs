//! What a module sees while it runs one call: the signer, the block, reads of
//! the state and buffered writes under its own prefix.

use crate::block::BlockEnv;
use crate::overlay::{BlockState, Slot, StateRead};
use publica_types::{AccountId, Event, Hash32};
use serde_json::Value;
use std::collections::BTreeMap;

/// Buffered writes.
pub(crate) type Writes = BTreeMap<Vec<u8>, Slot>;

/// A key and its buffered entry before an attempt first wrote it (`None`:
/// it had none).
type JournalEntry = (Vec<u8>, Option<Slot>);

/// One call's view of the ledger. Writes are buffered and applied only if
/// the call succeeds.
pub struct CallContext<'a> {
    state: &'a BlockState<'a>,
    module: &'static str,
    caller: Option<&'static str>,
    signer: AccountId,
    tx_id: Option<Hash32>,
    env: &'a BlockEnv,
    format: u32,
    writes: Writes,
    events: Vec<Event>,
    /// While an [`Self::attempt`] runs: each key's buffered entry before
    /// its first write, to put back if the attempt fails.
    journal: Option<Vec<JournalEntry>>,
}

/// The account a block's own work (scheduled payouts) runs as: no key
/// signs for it, so no transaction can act as it.
pub const LEDGER_ACCOUNT: AccountId = AccountId([0u8; 32]);

impl<'a> CallContext<'a> {
    pub(crate) fn new(
        state: &'a BlockState<'a>,
        module: &'static str,
        signer: AccountId,
        tx_id: Option<Hash32>,
        env: &'a BlockEnv,
        format: u32,
    ) -> Self {
        CallContext {
            state,
            module,
            caller: None,
            signer,
            tx_id,
            env,
            format,
            writes: BTreeMap::new(),
            events: Vec::new(),
            journal: None,
        }
    }

    /// The transaction being executed; `None` for the block's own work
    /// (the start-of-block hooks), whose signer is [`LEDGER_ACCOUNT`].
    pub fn tx_id(&self) -> Option<Hash32> {
        self.tx_id
    }

    /// The module that handed control to this one through
    /// [`Self::as_module`], if any.
    pub fn caller(&self) -> Option<&'static str> {
        self.caller
    }

    /// Runs `f` as `module`: writes go under its prefix and events carry
    /// its name. This is how one module uses another's public Rust
    /// interface (e.g. `programs` paying through `money`); the callee
    /// enforces its own rules and sees [`Self::caller`].
    pub fn as_module<R>(&mut self, module: &'static str, f: impl FnOnce(&mut Self) -> R) -> R {
        let (outer, outer_caller) = (self.module, self.caller);
        self.caller = Some(outer);
        self.module = module;
        let r = f(self);
        self.module = outer;
        self.caller = outer_caller;
        r
    }

    /// Runs `f`; if it fails, every write and event it made is undone and
    /// the call goes on (one enrolee's failed payout does not undo the
    /// others'). Attempts do not nest.
    pub fn attempt<T, E>(&mut self, f: impl FnOnce(&mut Self) -> Result<T, E>) -> Result<T, E> {
        assert!(self.journal.is_none(), "attempts do not nest");
        self.journal = Some(Vec::new());
        let events = self.events.len();
        let r = f(self);
        let journal = self.journal.take().expect("set above");
        if r.is_err() {
            for (key, before) in journal.into_iter().rev() {
                match before {
                    Some(entry) => self.writes.insert(key, entry),
                    None => self.writes.remove(&key),
                };
            }
            self.events.truncate(events);
        }
        r
    }

    fn buffer(&mut self, key: Vec<u8>, value: Slot) {
        if let Some(j) = &mut self.journal {
            if !j.iter().any(|(k, _)| *k == key) {
                j.push((key.clone(), self.writes.get(&key).cloned()));
            }
        }
        self.writes.insert(key, value);
    }

    /// The account that signed the transaction.
    pub fn signer(&self) -> AccountId {
        self.signer
    }

    /// The block being executed.
    pub fn env(&self) -> &BlockEnv {
        self.env
    }

    /// The ledger format the block executes by
    /// ([`publica_types::format`]): a rule a format changed is kept for
    /// the formats before it, so old blocks replay as they ran.
    pub fn format(&self) -> u32 {
        self.format
    }

    /// Every entry under `prefix` as the tree holds it (not this call's
    /// writes). It walks the whole state: for [`crate::Module::upgrade`]
    /// only, which runs once per ledger format, before any call of its
    /// block.
    pub fn scan_for_upgrade(&self, prefix: &[u8]) -> Vec<(Vec<u8>, Vec<u8>)> {
        self.state.scan_committed(prefix)
    }

    /// The full state key for `suffix` under this module's prefix.
    pub fn key(&self, suffix: &str) -> Vec<u8> {
        format!("{}/{}", self.module, suffix).into_bytes()
    }

    /// Reads any key (this call's own writes first). Modules read other
    /// modules' state only through documented keys.
    pub fn get(&self, key: &[u8]) -> Option<Vec<u8>> {
        match self.slot(key) {
            Some(w) => w.value().map(std::borrow::Cow::into_owned),
            None => self.state.committed(key).map(std::borrow::Cow::into_owned),
        }
    }

    /// True when `key` holds a value (this call's own writes first).
    pub fn contains(&self, key: &[u8]) -> bool {
        match self.writes.get(key) {
            Some(w) => !matches!(w, Slot::Deleted),
            None => self.state.contains(key),
        }
    }

    /// This call's write to `key`, else the block's.
    fn slot(&self, key: &[u8]) -> Option<&Slot> {
        self.writes.get(key).or_else(|| self.state.pending(key))
    }

    /// Reads a JSON value.
    pub fn get_json(&self, key: &[u8]) -> Option<Value> {
        self.get(key).and_then(|b| serde_json::from_slice(&b).ok())
    }

    fn assert_own(&self, key: &[u8]) {
        // A module writing outside its prefix is a bug, not bad input.
        assert!(
            key.starts_with(self.module.as_bytes()) && key.get(self.module.len()) == Some(&b'/'),
            "module {} wrote outside its prefix",
            self.module
        );
    }

    /// Writes `value` as canonical JSON under `key` (which must be this
    /// module's).
    pub fn put_json(&mut self, key: Vec<u8>, value: &Value) {
        self.assert_own(&key);
        let bytes = publica_types::canonical::to_canonical_bytes(value)
            .expect("modules store integers within 2^53 and strings only");
        self.buffer(key, Slot::Bytes(bytes));
    }

    /// Deletes `key` (which must be this module's).
    pub fn delete(&mut self, key: Vec<u8>) {
        self.assert_own(&key);
        self.buffer(key, Slot::Deleted);
    }

    /// Reads a typed record (stored by [`Self::write`]); `None` if absent.
    /// A record that does not decode is a bug in the module that wrote it.
    ///
    /// A record this block already wrote as a `T` is copied, not decoded.
    pub fn read<T: serde::de::DeserializeOwned + Clone + 'static>(&self, key: &[u8]) -> Option<T> {
        let decode =
            |b: &[u8]| serde_json::from_slice(b).expect("modules read back the records they wrote");
        match self.slot(key) {
            Some(w) => w.typed().or_else(|| w.value().map(|b| decode(&b))),
            None => self.state.committed(key).map(|b| decode(&b)),
        }
    }

    /// Writes a typed record as canonical JSON under this module's `key`.
    ///
    /// Typed records are encoded straight to JSON: field order is the
    /// struct's, maps are `BTreeMap`s, so the bytes are deterministic
    /// without a canonicalisation pass on the hot path. A key the block
    /// writes often is encoded once, from its last write, when the block
    /// ends (see [`crate::overlay`]).
    pub fn write<T: serde::Serialize + Clone + 'static>(&mut self, key: Vec<u8>, value: &T) {
        self.put(key, value.clone());
    }

    /// [`Self::write`], taking the record instead of copying it.
    pub fn put<T: serde::Serialize + Clone + 'static>(&mut self, key: Vec<u8>, value: T) {
        self.assert_own(&key);
        self.buffer(key, Slot::Record(Box::new(value)));
    }

    /// True when `account` holds `role` in `agency`, as of this call
    /// (including this call's own writes).
    pub fn has_role(&self, agency: &str, account: &AccountId, role: crate::authz::Role) -> bool {
        self.read::<crate::authz::Membership>(&crate::authz::member_key(agency, account))
            .is_some_and(|m| m.roles.contains(&role))
    }

    /// Approvals of `agency`'s administrators its sensitive acts need (its
    /// policy threshold; at least 1).
    pub fn policy_threshold(&self, agency: &str) -> u32 {
        self.get_json(&crate::authz::agency_key(agency))
            .and_then(|a| a["policy_threshold"].as_u64())
            .unwrap_or(1)
            .max(1) as u32
    }

    /// Emits a typed event (one variant of the module's event enum, whose
    /// JSON is `{"kind": ..., "data": {...}}`).
    pub fn emit_event<E: serde::Serialize>(&mut self, event: &E) {
        let (kind, data) = crate::kit::split_event(event);
        self.emit(&kind, data);
    }

    /// Records an event: its `kind` and its `data`, as
    /// [`Self::emit_event`] splits a typed one.
    pub fn emit(&mut self, kind: &str, data: Value) {
        self.events.push(Event {
            module: self.module.to_string(),
            kind: kind.to_string(),
            data,
        });
    }

    pub(crate) fn into_parts(self) -> (Writes, Vec<Event>) {
        (self.writes, self.events)
    }
}
