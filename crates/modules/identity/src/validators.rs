//! The validator set as the ledger records it: who runs consensus in each
//! engine epoch, with the keys and addresses the others need.
//!
//! Genesis fixes epoch 0's set. An identity-governance proposal (add or
//! remove a validator, approved M-of-N by the agencies) changes the set of
//! the epoch after the one in which it is executed: every node reads the
//! same state at the same height, so all of them switch at the epoch's
//! first height, and no one restarts. Epochs are `epoch_blocks` heights
//! long: epoch `e` holds heights `e * epoch_blocks ..= (e + 1) *
//! epoch_blocks - 1` (height 0, genesis, is in epoch 0).

use publica_log::cosign::{quorum, CosignerKey, SetChange, ValidatorSet};
use publica_log::NoteError;
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;

/// Where the identity module keeps the history (ledger state key).
pub const VALIDATORS_KEY: &[u8] = b"identity/validators";
/// Most validators in one set: every validator talks to every other,
/// and while a change is pending each connects to two sets (the network
/// layer is sized for twice this).
pub const SET_MAX: usize = 16;
/// Fewest heights per epoch (tests use short epochs).
pub const EPOCH_BLOCKS_MIN: u64 = 4;
/// Most heights per epoch.
pub const EPOCH_BLOCKS_MAX: u64 = 1 << 40;
/// Longest validator name.
pub const VALIDATOR_NAME_MAX: usize = 64;
/// Epochs a history keeps (older sets stay verifiable in receipts
/// already issued; a chain changing its set this often is misconfigured).
pub const EPOCHS_KEPT_MAX: usize = 10_000;

/// Why a validator, a validator set or a history of sets was refused.
#[derive(Debug, thiserror::Error)]
pub enum ValidatorSetError {
    /// A validator's name is empty, too long, or has other characters.
    #[error("validator name {name:?} must be 1..={VALIDATOR_NAME_MAX} of [a-z0-9.-]")]
    Name {
        /// The name given.
        name: String,
    },
    /// A validator's consensus key is not an Ed25519 public key in hex.
    #[error("validator {name}: consensus_key must be 64 hex digits of a valid Ed25519 public key")]
    ConsensusKey {
        /// The validator.
        name: String,
    },
    /// A validator's cosigner key is not a C2SP verifier key.
    #[error("validator {name}: cosigner_key: {source}")]
    CosignerKey {
        /// The validator.
        name: String,
        /// Why the key does not parse.
        source: NoteError,
    },
    /// A validator's address is not `ip:port`.
    #[error("validator {name}: address must be ip:port")]
    Address {
        /// The validator.
        name: String,
    },
    /// A set is empty or larger than [`SET_MAX`].
    #[error("a validator set holds 1..={SET_MAX} validators")]
    SetSize {
        /// How many validators the set has.
        validators: usize,
    },
    /// Two validators of a set share a name, key or address.
    #[error("{what} {value} is used by two validators")]
    Duplicate {
        /// What they share (`name`, `consensus key`, `cosigner name`,
        /// `address`).
        what: &'static str,
        /// The shared value.
        value: String,
    },
    /// `epoch_blocks` is outside [`EPOCH_BLOCKS_MIN`]..=[`EPOCH_BLOCKS_MAX`].
    #[error("epoch_blocks must be {EPOCH_BLOCKS_MIN}..={EPOCH_BLOCKS_MAX}")]
    EpochBlocks {
        /// The value given.
        epoch_blocks: u64,
    },
    /// The history does not start with epoch 0, or holds more than
    /// [`EPOCHS_KEPT_MAX`] sets.
    #[error("the history starts with epoch 0's set")]
    FirstEpoch,
    /// The history's epochs are not increasing.
    #[error("the history's epochs must increase")]
    EpochOrder,
    /// An epoch's first height is not `epoch * epoch_blocks`.
    #[error("epoch {epoch} starts at the wrong height")]
    EpochStart {
        /// The epoch.
        epoch: u64,
    },
    /// A history in the state is not its JSON.
    #[error("validator history: {0}")]
    Json(#[source] serde_json::Error),
    /// The next epoch's first height does not fit in a `u64`.
    #[error("the chain ran out of epochs")]
    OutOfEpochs,
    /// The history already holds [`EPOCHS_KEPT_MAX`] sets.
    #[error("the history holds as many sets as it may")]
    HistoryFull,
}

/// One validator: its consensus key (the engine's votes), its cosigner key
/// (checkpoint cosignatures) and where its peers reach it.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Validator {
    /// Its name (`[a-z0-9.-]`, the operating agency's choice).
    pub name: String,
    /// Ed25519 consensus public key, 64 hex digits.
    pub consensus_key: String,
    /// C2SP cosigner verifier key (`name+id+key`).
    pub cosigner_key: String,
    /// Its p2p address (`ip:port`).
    pub address: String,
}

impl Validator {
    /// Checks every field.
    pub fn check(&self) -> Result<(), ValidatorSetError> {
        let n = &self.name;
        if n.is_empty()
            || n.len() > VALIDATOR_NAME_MAX
            || !n
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.')
        {
            return Err(ValidatorSetError::Name { name: n.clone() });
        }
        self.consensus_key_bytes()?;
        self.cosigner()?;
        self.socket_addr()?;
        Ok(())
    }

    /// The consensus key's bytes.
    pub fn consensus_key_bytes(&self) -> Result<[u8; 32], ValidatorSetError> {
        let bad = || ValidatorSetError::ConsensusKey {
            name: self.name.clone(),
        };
        // The same form as an account id (consensus keys are Ed25519 keys
        // in Publica's key files).
        let key: publica_types::AccountId = self.consensus_key.parse().map_err(|_| bad())?;
        if !publica_crypto::is_public_key(key.0) {
            return Err(bad());
        }
        Ok(key.0)
    }

    /// The cosigner key.
    pub fn cosigner(&self) -> Result<CosignerKey, ValidatorSetError> {
        CosignerKey::parse(&self.cosigner_key).map_err(|source| ValidatorSetError::CosignerKey {
            name: self.name.clone(),
            source,
        })
    }

    /// The p2p address.
    pub fn socket_addr(&self) -> Result<SocketAddr, ValidatorSetError> {
        self.address
            .parse()
            .map_err(|_| ValidatorSetError::Address {
                name: self.name.clone(),
            })
    }
}

/// Checks a set: its size, every member, and that no name, key or address
/// is used twice.
pub fn check_set(set: &[Validator]) -> Result<(), ValidatorSetError> {
    if !(1..=SET_MAX).contains(&set.len()) {
        return Err(ValidatorSetError::SetSize {
            validators: set.len(),
        });
    }
    let mut seen = std::collections::HashSet::new();
    for v in set {
        v.check()?;
        let cosigner = v.cosigner()?.name;
        for (what, value) in [
            ("name", &v.name),
            ("consensus key", &v.consensus_key.to_ascii_lowercase()),
            ("cosigner name", &cosigner),
            ("address", &v.address),
        ] {
            if !seen.insert((what, value.clone())) {
                return Err(ValidatorSetError::Duplicate {
                    what,
                    value: value.clone(),
                });
            }
        }
    }
    Ok(())
}

/// The set of one epoch and the epochs after it, until the next entry.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ValidatorEpoch {
    /// The first epoch with this set.
    pub epoch: u64,
    /// That epoch's first height.
    pub first_height: u64,
    /// The validators.
    pub validators: Vec<Validator>,
}

/// Every set the chain had, from genesis.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ValidatorHistory {
    /// Heights per epoch.
    pub epoch_blocks: u64,
    /// The sets, by first epoch, increasing; the first is epoch 0's.
    pub epochs: Vec<ValidatorEpoch>,
}

impl ValidatorHistory {
    /// The history at genesis.
    pub fn genesis(
        epoch_blocks: u64,
        validators: Vec<Validator>,
    ) -> Result<Self, ValidatorSetError> {
        let h = ValidatorHistory {
            epoch_blocks,
            epochs: vec![ValidatorEpoch {
                epoch: 0,
                first_height: 0,
                validators,
            }],
        };
        h.check()?;
        Ok(h)
    }

    /// Checks the whole history.
    pub fn check(&self) -> Result<(), ValidatorSetError> {
        if !(EPOCH_BLOCKS_MIN..=EPOCH_BLOCKS_MAX).contains(&self.epoch_blocks) {
            return Err(ValidatorSetError::EpochBlocks {
                epoch_blocks: self.epoch_blocks,
            });
        }
        if self.epochs.first().map(|e| e.epoch) != Some(0) || self.epochs.len() > EPOCHS_KEPT_MAX {
            return Err(ValidatorSetError::FirstEpoch);
        }
        for pair in self.epochs.windows(2) {
            if pair[1].epoch <= pair[0].epoch {
                return Err(ValidatorSetError::EpochOrder);
            }
        }
        for e in &self.epochs {
            if Some(e.first_height) != e.epoch.checked_mul(self.epoch_blocks) {
                return Err(ValidatorSetError::EpochStart { epoch: e.epoch });
            }
            check_set(&e.validators)?;
        }
        Ok(())
    }

    /// Parses and checks a history (the state's JSON).
    pub fn parse(bytes: &[u8]) -> Result<Self, ValidatorSetError> {
        let h: ValidatorHistory = serde_json::from_slice(bytes).map_err(ValidatorSetError::Json)?;
        h.check()?;
        Ok(h)
    }

    /// The epoch holding `height`.
    pub fn epoch_of(&self, height: u64) -> u64 {
        height / self.epoch_blocks
    }

    /// The last height of `epoch`.
    pub fn last_height(&self, epoch: u64) -> u64 {
        epoch
            .saturating_add(1)
            .saturating_mul(self.epoch_blocks)
            .saturating_sub(1)
    }

    /// The latest epoch whose set is settled once `executed` is: the next
    /// one as soon as the current epoch's last block is executed.
    pub fn settled_through(&self, executed: u64) -> u64 {
        self.epoch_of(executed.saturating_add(1))
    }

    /// The set of `epoch` (as far as the history knows it).
    pub fn set_of(&self, epoch: u64) -> &[Validator] {
        let e = self
            .epochs
            .iter()
            .rev()
            .find(|e| e.epoch <= epoch)
            .unwrap_or(&self.epochs[0]);
        &e.validators
    }

    /// The set that finalizes `height`.
    pub fn set_at(&self, height: u64) -> &[Validator] {
        self.set_of(self.epoch_of(height))
    }

    /// Changes the set from the epoch after the one holding `height` (the
    /// block executing the change); returns that epoch's first height.
    pub fn change(
        &mut self,
        height: u64,
        f: impl FnOnce(&mut Vec<Validator>) -> Result<(), ValidatorSetError>,
    ) -> Result<u64, ValidatorSetError> {
        let next = self.epoch_of(height) + 1;
        let mut set = self.set_of(next).to_vec();
        f(&mut set)?;
        check_set(&set)?;
        let first_height = next
            .checked_mul(self.epoch_blocks)
            .ok_or(ValidatorSetError::OutOfEpochs)?;
        let entry = ValidatorEpoch {
            epoch: next,
            first_height,
            validators: set,
        };
        let full = self.epochs.len() >= EPOCHS_KEPT_MAX;
        match self.epochs.last_mut() {
            Some(last) if last.epoch == next => *last = entry,
            _ if full => return Err(ValidatorSetError::HistoryFull),
            _ => self.epochs.push(entry),
        }
        Ok(first_height)
    }

    /// The history as an offline verifier holds it: every set's cosigner
    /// keys with the height it starts at.
    pub fn verifier_set(&self, origin: &str) -> Result<ValidatorSet, ValidatorSetError> {
        let keys = |e: &ValidatorEpoch| -> Result<Vec<CosignerKey>, ValidatorSetError> {
            e.validators.iter().map(Validator::cosigner).collect()
        };
        let mut set = ValidatorSet::new(origin, keys(&self.epochs[0])?);
        for e in &self.epochs[1..] {
            let cosigners = keys(e)?;
            set.changes.push(SetChange {
                from_height: e.first_height,
                quorum: quorum(cosigners.len()),
                cosigners,
            });
        }
        Ok(set)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use publica_crypto::Keypair;
    use publica_log::Cosigner;

    pub(crate) fn validator(i: u8) -> Validator {
        let consensus = Keypair::from_seed([i; 32]).account();
        let cosigner =
            Cosigner::new(&format!("v{i}.example"), Keypair::from_seed([i ^ 0x80; 32])).unwrap();
        Validator {
            name: format!("v{i}"),
            consensus_key: consensus.to_string(),
            cosigner_key: cosigner.key().to_vkey(),
            address: format!("127.0.0.1:{}", 26000 + u16::from(i)),
        }
    }

    #[test]
    fn changes_take_effect_in_the_next_epoch() {
        let mut h = ValidatorHistory::genesis(10, (0..4).map(validator).collect()).unwrap();
        assert_eq!(h.epoch_of(9), 0);
        assert_eq!(h.epoch_of(10), 1);
        assert_eq!(h.last_height(0), 9);
        assert_eq!(h.settled_through(8), 0);
        assert_eq!(h.settled_through(9), 1);
        // Executed in epoch 0's last block: epoch 1 has it.
        assert_eq!(
            h.change(9, |s| {
                s.push(validator(4));
                Ok(())
            })
            .unwrap(),
            10
        );
        assert_eq!(h.set_at(9).len(), 4);
        assert_eq!(h.set_at(10).len(), 5);
        // Two changes in one epoch make one entry.
        assert_eq!(
            h.change(12, |s| {
                s.remove(0);
                Ok(())
            })
            .unwrap(),
            20
        );
        assert_eq!(
            h.change(13, |s| {
                s.remove(0);
                Ok(())
            })
            .unwrap(),
            20
        );
        assert_eq!(h.epochs.len(), 3);
        assert_eq!(h.set_at(25).len(), 3);
        assert_eq!(h.set_at(1_000).len(), 3);
        assert_eq!(
            ValidatorHistory::parse(&serde_json::to_vec(&h).unwrap()).unwrap(),
            h
        );
        let vs = h.verifier_set("o.example/log").unwrap();
        assert_eq!(vs.set_at(9).0.len(), 4);
        assert_eq!(vs.set_at(10).0.len(), 5);
        assert_eq!(vs.set_at(20).0.len(), 3);
        assert_eq!(ValidatorSet::parse(&vs.to_json()).unwrap(), vs);
    }

    #[test]
    fn verifier_files_with_changes_refuse_disorder() {
        let mut h = ValidatorHistory::genesis(10, (0..4).map(validator).collect()).unwrap();
        h.change(5, |s| {
            s.push(validator(4));
            Ok(())
        })
        .unwrap();
        h.change(15, |s| {
            s.remove(0);
            Ok(())
        })
        .unwrap();
        let json: serde_json::Value =
            serde_json::from_str(&h.verifier_set("o.example/log").unwrap().to_json()).unwrap();
        assert_eq!(json["changes"][0]["from_height"], 10);
        assert_eq!(json["changes"][1]["from_height"], 20);
        for bad in [
            |j: &mut serde_json::Value| j["changes"][1]["from_height"] = 10.into(),
            |j: &mut serde_json::Value| j["changes"][0]["from_height"] = 0.into(),
            |j: &mut serde_json::Value| j["changes"][0]["quorum"] = 2.into(),
            |j: &mut serde_json::Value| j["changes"][0]["cosigners"] = serde_json::json!([]),
            |j: &mut serde_json::Value| j["changes"] = serde_json::json!({}),
        ] {
            let mut j = json.clone();
            bad(&mut j);
            assert!(ValidatorSet::parse(&j.to_string()).is_err(), "{j}");
        }
    }

    #[test]
    fn bad_sets_and_histories_are_refused() {
        let mut h = ValidatorHistory::genesis(10, (0..4).map(validator).collect()).unwrap();
        let dup = |f: fn(&mut Validator)| {
            let mut v = validator(9);
            f(&mut v);
            v
        };
        for v in [
            dup(|v| v.name = "v0".into()),
            dup(|v| v.consensus_key = validator(1).consensus_key),
            dup(|v| v.address = "127.0.0.1:26002".into()),
            dup(|v| v.cosigner_key = validator(2).cosigner_key),
            dup(|v| v.name = "Bad Name".into()),
            dup(|v| v.consensus_key = "00".repeat(32)),
            dup(|v| v.consensus_key = "zz".repeat(32)),
            dup(|v| v.address = "somewhere".into()),
            dup(|v| v.cosigner_key = "junk".into()),
        ] {
            assert!(
                h.change(3, |s| {
                    s.push(v.clone());
                    Ok(())
                })
                .is_err(),
                "{v:?}"
            );
        }
        assert!(h
            .change(3, |s| {
                s.clear();
                Ok(())
            })
            .is_err());
        assert_eq!(h.epochs.len(), 1, "refused changes leave no trace");
        assert!(ValidatorHistory::genesis(3, vec![validator(0)]).is_err());
        // Every validator talks to every other: sets stay small.
        let mut full =
            ValidatorHistory::genesis(10, (0..SET_MAX as u8).map(validator).collect()).unwrap();
        assert!(full
            .change(3, |s| {
                s.push(validator(SET_MAX as u8));
                Ok(())
            })
            .unwrap_err()
            .to_string()
            .contains("1..=16"));
        let mut bad = h.clone();
        bad.epochs[0].first_height = 1;
        assert!(bad.check().is_err());
    }
}
