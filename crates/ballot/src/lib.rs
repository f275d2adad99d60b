//! A voter's ballot for Publica's elections, without a ledger: the group
//! ([`group`]), exponential ElGamal and its proofs ([`proofs`]), the ballot
//! on the wire ([`wire`]), encrypting, checking and opening it
//! ([`ballot`]), the voter's place in a census ([`census`]), and in an
//! anonymous census its registration and membership proof ([`ring`],
//! [`member`]).
//! `docs/elections.md` is the specification.
//!
//! The `elections` module checks ballots with this crate; the CLI and the
//! portal's vote page (through `crates/ballot-wasm`) make them with it, so
//! a ballot made in a browser is the ballot the ledger checks.

pub mod ballot;
pub mod census;
pub mod entropy;
pub mod group;
pub mod member;
pub mod proofs;
pub mod ring;
pub mod wire;
