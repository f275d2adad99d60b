//! The genesis file: the chain id, the founding agencies with their
//! administrators, and the governance threshold. See `docs/genesis.md`.

use crate::proposal::ADMINISTRATORS_MAX;
use crate::state::{check_agency_id, governance_key, Agency, Governance, AGENCY_NAME_BYTES_MAX};
use crate::validators::ValidatorSetError;
use publica_runtime::authz::{self, Membership, Role};
use publica_state::StateTree;
use publica_types::canonical::canonicalize;
use publica_types::{AccountId, TxError};
use serde::{Deserialize, Serialize};

/// Most founding agencies.
pub const GENESIS_AGENCIES_MAX: usize = 100;

/// Why a genesis file was refused: the message names the setting.
#[derive(Debug, thiserror::Error)]
pub enum GenesisError {
    /// The text is not a genesis file's JSON.
    #[error("genesis is not valid: {0}")]
    Json(#[source] serde_json::Error),
    /// The format version is not 1.
    #[error("genesis version must be 1")]
    Version,
    /// The chain id is empty, too long or not printable ASCII.
    #[error("chain_id must be 1..=64 printable ASCII characters")]
    ChainId,
    /// No founding agency, or more than [`GENESIS_AGENCIES_MAX`].
    #[error("genesis names 1..={GENESIS_AGENCIES_MAX} agencies")]
    AgencyCount,
    /// Two founding agencies share an id.
    #[error("agency ids must be distinct")]
    DuplicateAgency,
    /// An agency id is not a valid id.
    #[error("agency '{agency}': {}", .error.message)]
    AgencyId {
        /// The agency id given.
        agency: String,
        /// Why the id is refused.
        #[source]
        error: TxError,
    },
    /// An agency's name is empty or too long.
    #[error("agency '{agency}': name must be 1..={AGENCY_NAME_BYTES_MAX} bytes")]
    AgencyName {
        /// The agency.
        agency: String,
    },
    /// An agency has no administrator, too many, or one twice.
    #[error("agency '{agency}': 1..={ADMINISTRATORS_MAX} distinct administrators")]
    Administrators {
        /// The agency.
        agency: String,
    },
    /// An administrator's key signs for anyone (a weak Ed25519 key).
    #[error(
        "agency '{agency}': administrator {key} {}",
        publica_crypto::key::WEAK_KEY_MESSAGE
    )]
    WeakAdministratorKey {
        /// The agency.
        agency: String,
        /// The weak key.
        key: AccountId,
    },
    /// An agency's threshold is 0 or above its administrators.
    #[error("agency '{agency}': policy_threshold must be 1..=administrators")]
    PolicyThreshold {
        /// The agency.
        agency: String,
    },
    /// The governance threshold is 0 or above the number of agencies.
    #[error("governance.create_agency_threshold must be 1..=number of agencies")]
    GovernanceThreshold,
    /// The validator sets are not valid.
    #[error("validators: {0}")]
    Validators(#[source] ValidatorSetError),
}

/// A founding agency.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GenesisAgency {
    /// Agency id (`[a-z0-9-]`, up to 32 characters).
    pub id: String,
    /// Display name.
    pub name: String,
    /// Administrator accounts (public keys, hex).
    pub administrators: Vec<AccountId>,
    /// Approvals of its administrators needed for its sensitive acts.
    pub policy_threshold: u32,
}

/// Chain-wide governance at genesis.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GenesisGovernance {
    /// Agencies that must approve a new agency or a governance change.
    pub create_agency_threshold: u32,
}

/// The genesis file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Genesis {
    /// Format version, 1.
    pub version: u32,
    /// The chain id every transaction names.
    pub chain_id: String,
    /// The founding agencies.
    pub agencies: Vec<GenesisAgency>,
    /// Governance.
    pub governance: GenesisGovernance,
    /// A validator network's first set (absent for a single node).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validators: Option<GenesisValidators>,
}

/// A network's validators at genesis.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GenesisValidators {
    /// Heights per engine epoch: set changes take effect at epoch starts.
    pub epoch_blocks: u64,
    /// The validators of epoch 0.
    pub set: Vec<crate::Validator>,
}

impl GenesisValidators {
    /// The history this starts.
    pub fn history(&self) -> Result<crate::ValidatorHistory, GenesisError> {
        crate::ValidatorHistory::genesis(self.epoch_blocks, self.set.clone())
            .map_err(GenesisError::Validators)
    }
}

impl GenesisAgency {
    /// Checks the agency's id, name, administrators and threshold.
    fn validate(&self) -> Result<(), GenesisError> {
        let agency = || self.id.clone();
        check_agency_id(&self.id).map_err(|error| GenesisError::AgencyId {
            agency: agency(),
            error,
        })?;
        if self.name.is_empty() || self.name.len() > AGENCY_NAME_BYTES_MAX {
            return Err(GenesisError::AgencyName { agency: agency() });
        }
        let mut admins = self.administrators.clone();
        admins.sort();
        admins.dedup();
        if admins.is_empty()
            || admins.len() != self.administrators.len()
            || admins.len() > ADMINISTRATORS_MAX
        {
            return Err(GenesisError::Administrators { agency: agency() });
        }
        if let Some(k) = admins.iter().find(|k| !publica_crypto::is_public_key(k.0)) {
            return Err(GenesisError::WeakAdministratorKey {
                agency: agency(),
                key: *k,
            });
        }
        if self.policy_threshold == 0 || self.policy_threshold as usize > admins.len() {
            return Err(GenesisError::PolicyThreshold { agency: agency() });
        }
        Ok(())
    }
}

impl Genesis {
    /// A genesis of the agencies `ids` (each named after its id),
    /// administered by `admin` alone with a policy threshold of one, and
    /// one agency's approval to create another: a test chain's, or a small
    /// pilot's before it names its officials.
    pub fn of_agencies(chain_id: &str, ids: &[&str], admin: AccountId) -> Genesis {
        Genesis {
            version: 1,
            chain_id: chain_id.to_string(),
            agencies: ids
                .iter()
                .map(|id| GenesisAgency {
                    id: (*id).into(),
                    name: (*id).into(),
                    administrators: vec![admin],
                    policy_threshold: 1,
                })
                .collect(),
            governance: GenesisGovernance {
                create_agency_threshold: 1,
            },
            validators: None,
        }
    }

    /// A one-agency dev genesis administered by `admin`.
    pub fn dev(chain_id: &str, admin: AccountId) -> Genesis {
        Genesis {
            version: 1,
            chain_id: chain_id.to_string(),
            agencies: vec![GenesisAgency {
                id: "dev-agency".into(),
                name: "Development agency".into(),
                administrators: vec![admin],
                policy_threshold: 1,
            }],
            governance: GenesisGovernance {
                create_agency_threshold: 1,
            },
            validators: None,
        }
    }

    /// Parses and checks a genesis file's text.
    pub fn parse(text: &str) -> Result<Genesis, GenesisError> {
        let g: Genesis = serde_json::from_str(text).map_err(GenesisError::Json)?;
        g.validate()?;
        Ok(g)
    }

    /// Checks every limit and reference.
    pub fn validate(&self) -> Result<(), GenesisError> {
        if self.version != 1 {
            return Err(GenesisError::Version);
        }
        if self.chain_id.is_empty()
            || self.chain_id.len() > 64
            || !self.chain_id.bytes().all(|b| b.is_ascii_graphic())
        {
            return Err(GenesisError::ChainId);
        }
        if self.agencies.is_empty() || self.agencies.len() > GENESIS_AGENCIES_MAX {
            return Err(GenesisError::AgencyCount);
        }
        let mut ids: Vec<&str> = self.agencies.iter().map(|a| a.id.as_str()).collect();
        ids.sort();
        ids.dedup();
        if ids.len() != self.agencies.len() {
            return Err(GenesisError::DuplicateAgency);
        }
        for a in &self.agencies {
            a.validate()?;
        }
        let t = self.governance.create_agency_threshold;
        if t == 0 || t as usize > self.agencies.len() {
            return Err(GenesisError::GovernanceThreshold);
        }
        if let Some(v) = &self.validators {
            v.history()?;
        }
        Ok(())
    }

    /// The state before the first block.
    pub fn initial_state(&self) -> StateTree {
        let mut s = StateTree::new();
        let mut put = |k: Vec<u8>, v: &dyn erased::Json| s.insert(&k, &v.bytes());
        for a in &self.agencies {
            put(
                authz::agency_key(&a.id),
                &Agency {
                    id: a.id.clone(),
                    name: a.name.clone(),
                    created_height: 0,
                    policy_threshold: a.policy_threshold,
                    administrators: a.administrators.len() as u32,
                },
            );
            for admin in &a.administrators {
                put(
                    authz::member_key(&a.id, admin),
                    &Membership {
                        roles: vec![Role::Administrator],
                        since_height: 0,
                    },
                );
            }
        }
        put(
            governance_key(),
            &Governance {
                create_agency_threshold: self.governance.create_agency_threshold,
                agencies: self.agencies.len() as u32,
            },
        );
        if let Some(v) = &self.validators {
            put(
                crate::VALIDATORS_KEY.to_vec(),
                &v.history().expect("validated"),
            );
        }
        s
    }
}

mod erased {
    /// Canonical JSON of a record, as modules store it.
    pub trait Json {
        fn bytes(&self) -> Vec<u8>;
    }
    impl<T: serde::Serialize> Json for T {
        fn bytes(&self) -> Vec<u8> {
            super::canonicalize(self).expect("genesis records are canonicalisable")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_names_the_problem() {
        let admin = publica_crypto::Keypair::from_seed([1; 32]).account();
        let g = Genesis::dev("c", admin);
        assert!(g.validate().is_ok());
        // The all-zero key and the identity point sign for anyone.
        for weak in [[0u8; 32], {
            let mut k = [0u8; 32];
            k[0] = 1;
            k
        }] {
            let bad = Genesis::dev("c", AccountId(weak));
            assert!(
                bad.validate()
                    .unwrap_err()
                    .to_string()
                    .contains("not a usable Ed25519"),
                "{weak:?}"
            );
        }
        let mut bad = g.clone();
        bad.agencies[0].policy_threshold = 2;
        assert!(bad
            .validate()
            .unwrap_err()
            .to_string()
            .contains("policy_threshold"));
        let mut bad = g.clone();
        bad.governance.create_agency_threshold = 2;
        assert!(bad
            .validate()
            .unwrap_err()
            .to_string()
            .contains("create_agency_threshold"));
        let mut bad = g.clone();
        bad.agencies.push(bad.agencies[0].clone());
        assert!(bad.validate().unwrap_err().to_string().contains("distinct"));
        assert!(Genesis::parse("{\"version\":1}").is_err());
        let text = serde_json::to_string(&g).unwrap();
        assert_eq!(Genesis::parse(&text).unwrap(), g);
    }
}
