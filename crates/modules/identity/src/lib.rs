//! The `identity` module: agencies, their members and roles, M-of-N
//! proposals for sensitive acts, key rotation, guardian recovery, genesis,
//! DID documents, and a validator network's sets by engine epoch.
//!
//! Roles and current keys are stored in the layout `publica_runtime::authz`
//! fixes, so the runtime checks every module's calls against them before
//! the module runs.

pub mod codes;
pub mod did;
pub mod events;
pub mod genesis;
pub mod light;
pub mod module;
pub mod proposal;
pub mod queries;
pub mod recovery;
pub mod routes;
pub mod state;
pub mod validators;

pub use events::IdentityEvent;
pub use genesis::{Genesis, GenesisAgency, GenesisError};
pub use module::Identity;
pub use validators::{Validator, ValidatorHistory, ValidatorSetError, VALIDATORS_KEY};
