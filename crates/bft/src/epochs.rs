//! Validator sets by engine epoch, as the executed ledger state records
//! them (`publica_identity::validators`): the engine asks which keys sign and
//! verify the certificates of an epoch, the orchestrator which epoch to
//! run, and the p2p layer whom to connect to.
//!
//! An epoch's set is settled once the last block of the epoch before it is
//! executed (state written by a later block cannot change it), so every
//! validator that executed that far answers the same; for later epochs it
//! answers nothing yet, and the engine waits.

use commonware_consensus::{simplex::scheme::ed25519, types::Epoch};
use commonware_cryptography::{
    certificate::{Provider, Scoped},
    ed25519::{PrivateKey, PublicKey},
    Signer as _,
};
use commonware_utils::ordered::Set;
use publica_identity::validators::{Validator, ValidatorHistory};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, RwLock};

/// Epoch schemes kept built.
const SCHEMES_KEPT: usize = 16;

/// The sets this validator knows, shared by its engine parts.
#[derive(Clone)]
pub struct Epochs {
    namespace: Arc<Vec<u8>>,
    me: PrivateKey,
    inner: Arc<RwLock<Known>>,
}

struct Known {
    history: ValidatorHistory,
    /// The last executed height.
    executed: u64,
    /// Schemes built so far, by epoch.
    schemes: BTreeMap<u64, Scoped<ed25519::Scheme>>,
}

/// A validator's consensus key from the history's hex.
pub fn consensus_key(v: &Validator) -> Option<PublicKey> {
    let bytes = v.consensus_key_bytes().ok()?;
    crate::network::public_key(&bytes).ok()
}

impl Epochs {
    /// Sets for the validator with key `me`, signing under `namespace`,
    /// from `history` as of executed height `executed`.
    pub fn new(namespace: &[u8], me: PrivateKey, history: ValidatorHistory, executed: u64) -> Self {
        Epochs {
            namespace: Arc::new(namespace.to_vec()),
            me,
            inner: Arc::new(RwLock::new(Known {
                history,
                executed,
                schemes: BTreeMap::new(),
            })),
        }
    }

    /// After executing `executed`: the history as the state now records
    /// it. Returns true when a set changed.
    pub fn update(&self, history: Option<ValidatorHistory>, executed: u64) -> bool {
        let mut k = self.inner.write().expect("epochs lock");
        k.executed = k.executed.max(executed);
        match history {
            Some(h) if h != k.history => {
                // Epochs already settled keep their sets; only later ones
                // may differ, and their schemes were never built.
                k.history = h;
                let settled = k.history.settled_through(k.executed);
                k.schemes.retain(|e, _| *e <= settled);
                true
            }
            _ => false,
        }
    }

    /// The history as known.
    pub fn history(&self) -> ValidatorHistory {
        self.inner.read().expect("epochs lock").history.clone()
    }

    /// Heights per epoch.
    pub fn epoch_blocks(&self) -> u64 {
        self.inner.read().expect("epochs lock").history.epoch_blocks
    }

    /// The latest epoch whose set is settled.
    pub fn settled_through(&self) -> u64 {
        let k = self.inner.read().expect("epochs lock");
        k.history.settled_through(k.executed)
    }

    /// The last height of `epoch`.
    pub fn last_height(&self, epoch: u64) -> u64 {
        self.inner
            .read()
            .expect("epochs lock")
            .history
            .last_height(epoch)
    }

    /// The consensus keys of `epoch`'s set, once settled.
    pub fn participants(&self, epoch: u64) -> Option<Set<PublicKey>> {
        let k = self.inner.read().expect("epochs lock");
        if epoch > k.history.settled_through(k.executed) {
            return None;
        }
        let keys: Vec<PublicKey> = k
            .history
            .set_of(epoch)
            .iter()
            .filter_map(consensus_key)
            .collect();
        Set::try_from(keys).ok()
    }

    /// Whether this validator is in `epoch`'s set (false while unsettled).
    pub fn is_member(&self, epoch: u64) -> bool {
        let me = self.me.public_key();
        self.participants(epoch)
            .is_some_and(|p| p.iter().any(|k| *k == me))
    }

    /// The peers to keep connections with: the sets of the current epoch
    /// and of every later one the history already names (a validator
    /// being added syncs before its epoch starts).
    pub fn peers(&self) -> Vec<(PublicKey, SocketAddr)> {
        let k = self.inner.read().expect("epochs lock");
        let current = k.history.epoch_of(k.executed.saturating_add(1));
        let mut out: Vec<(PublicKey, SocketAddr)> = Vec::new();
        let later = k.history.epochs.iter().filter(|e| e.epoch > current);
        for v in k
            .history
            .set_of(current)
            .iter()
            .chain(later.flat_map(|e| e.validators.iter()))
        {
            if let (Some(key), Ok(addr)) = (consensus_key(v), v.socket_addr()) {
                if !out.iter().any(|(k, _)| *k == key) {
                    out.push((key, addr));
                }
            }
        }
        out
    }
}

impl Provider for Epochs {
    type Scope = Epoch;
    type Scheme = ed25519::Scheme;

    fn scoped(&self, scope: Epoch) -> Option<Scoped<ed25519::Scheme>> {
        let epoch = scope.get();
        if let Some(s) = self.inner.read().expect("epochs lock").schemes.get(&epoch) {
            return Some(s.clone());
        }
        let participants = self.participants(epoch)?;
        // A validator outside the set still needs the whole scheme to check
        // certificates (it cannot sign with it: it holds no key of the set).
        let scheme =
            ed25519::Scheme::signer(&self.namespace, participants.clone(), self.me.clone())
                .unwrap_or_else(|| ed25519::Scheme::verifier(&self.namespace, participants));
        let scoped = Scoped::scheme(Arc::new(scheme));
        let mut k = self.inner.write().expect("epochs lock");
        k.schemes.insert(epoch, scoped.clone());
        // Older epochs are rarely asked again; they are rebuilt if so.
        while k.schemes.len() > SCHEMES_KEPT {
            k.schemes.pop_first();
        }
        Some(scoped)
    }
}
