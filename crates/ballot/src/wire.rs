//! A ballot on the wire: contests as the manifest has them, and the
//! encrypted ballot with its proofs, points and scalars in hex
//! (`docs/elections.md`, "Ballots").

use serde::{Deserialize, Serialize};

/// A contest: its selections and how many a voter may choose.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Contest {
    /// Its id (1..=64 of `[a-z0-9_-]`).
    pub id: String,
    /// Its selections' ids (candidates, options), in ballot order.
    pub selections: Vec<String>,
    /// At most this many selections per ballot (1..=selections).
    pub limit: u64,
}

/// A proof's challenge and response (hex scalars).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WireProof {
    /// `c`.
    pub c: String,
    /// `v`.
    pub v: String,
}

/// A range proof's branch: its commitments, challenge and response.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WireBranch {
    /// `a_j` (hex point).
    pub a: String,
    /// `b_j` (hex point).
    pub b: String,
    /// `c_j` (hex scalar).
    pub c: String,
    /// `v_j` (hex scalar).
    pub v: String,
}

/// An encrypted selection with its 0/1 proof.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WireSelection {
    /// `A` (hex).
    pub a: String,
    /// `B` (hex).
    pub b: String,
    /// The range proof for `0..=1` (two branches).
    pub proof: Vec<WireBranch>,
}

/// An encrypted contest: its selections and the proof that their sum is
/// at most the limit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WireContest {
    /// One per selection of the contest, in order.
    pub selections: Vec<WireSelection>,
    /// The range proof for `0..=limit` on their sum.
    pub proof: Vec<WireBranch>,
}

/// An encrypted ballot.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WireBallot {
    /// One per contest, in order.
    pub contests: Vec<WireContest>,
}

/// A one-out-of-many proof ([`crate::ring::RingProof`]), hex.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WireRing {
    /// `A`.
    pub a: String,
    /// `B`.
    pub b: String,
    /// `C`.
    pub c: String,
    /// `D`.
    pub d: String,
    /// `X_k`, `k < m`.
    pub x: Vec<String>,
    /// `Y_k`, `k < m`.
    pub y: Vec<String>,
    /// `f_j`, `j < m`.
    pub f: Vec<String>,
    /// `z_A`.
    pub z_a: String,
    /// `z_C`.
    pub z_c: String,
    /// `z`.
    pub z: String,
}

/// An anonymous ballot's eligibility: its nullifier and the proof that
/// its secret made one of the commitments of a bucket of the census.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Membership {
    /// The bucket ([`crate::ring::bucket_members`]).
    pub bucket: u64,
    /// `J = s·U` (hex): the voter's pseudonym in this election.
    pub nullifier: String,
    /// The tracking code of the nullifier's ballot this one replaces
    /// (none for its first); bound into the proof.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replaces: Option<String>,
    /// The proof.
    pub proof: WireRing,
}
