//! The crossborder module between two in-memory networks, each with its
//! own chain id and validator set: proofs are real state proofs under
//! checkpoints cosigned by each network's validators.

mod property;
mod transfers;
mod world;
