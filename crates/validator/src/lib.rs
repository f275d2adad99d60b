//! One validator of a Publica network, assembled: the files that describe
//! the network ([`NetworkFile`], [`ValidatorConfig`]), `testnet init`
//! ([`init`]), state sync at start ([`prepare`]), and a running validator
//! ([`Validator`]): its node with the BFT engine as the node's consensus,
//! and its API with the typed network status.
//!
//! The steps, in order: [`ValidatorConfig::read`],
//! [`ValidatorConfig::check_ports`], [`ValidatorFiles::read`],
//! [`prepare`], [`Validator::start`] (with the keys the caller opened),
//! [`Validator::serve`].

mod error;
mod files;
mod init;
mod start;
mod statesync;
mod status;

pub use error::ValidatorError;
pub use files::{
    NetworkFile, ValidatorConfig, ValidatorEntry, IDLE_BLOCK_MS_DEFAULT, IDLE_BLOCK_MS_MAX,
    VALIDATORS_MAX,
};
pub use init::{init, InitPlan, InitReport};
pub use start::{Validator, ValidatorFiles, ValidatorKeys};
pub use statesync::{prepare, StartFloor, StateSynced};
