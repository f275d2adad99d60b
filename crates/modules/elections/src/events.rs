//! The `elections` module's events: the bulletin board as it grows. They
//! name elections, guardians' numbers, voters' pseudonymous accounts and
//! encrypted ballots, never a counted ballot's content.

use crate::lifecycle::CensusProof;
use crate::model::{Membership, WireBallot};
use publica_types::AccountId;
use serde::{Deserialize, Serialize};

/// An `elections` event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "data", rename_all = "snake_case")]
pub enum ElectionsEvent {
    /// An election officer published an election.
    Created {
        /// The election.
        election: String,
        /// Its authority.
        agency: String,
        /// `H_M`.
        manifest_hash: String,
    },
    /// An election officer approved a published election.
    Approved {
        /// The election.
        election: String,
        /// The officer.
        by: AccountId,
    },
    /// A guardian's ceremony message is in.
    Committed {
        /// The election.
        election: String,
        /// The guardian's number.
        guardian: u32,
    },
    /// Every guardian committed: the election key.
    KeyPublished {
        /// The election.
        election: String,
        /// `K`.
        key: String,
        /// `H_E`.
        base_hash: String,
    },
    /// A guardian found a dealer's share bad (before ledger format 7, the
    /// election failed; from it, the dealer must answer).
    Complained {
        /// The election.
        election: String,
        /// The guardian complaining.
        guardian: u32,
        /// The dealer named.
        dealer: u32,
    },
    /// A dealer answered a complaint: the share, public, checks against
    /// its commitments.
    ShareRevealed {
        /// The election.
        election: String,
        /// The dealer.
        dealer: u32,
        /// The guardian who complained.
        guardian: u32,
        /// `P_dealer(guardian)` (hex scalar).
        share: String,
    },
    /// A dealer left a complaint unanswered: its polynomial is out of the
    /// key (a new `KeyPublished` follows unless the election failed).
    Disqualified {
        /// The election.
        election: String,
        /// The dealer.
        dealer: u32,
    },
    /// A ballot was cast (replacing the voter's earlier one, if any).
    Cast {
        /// The election.
        election: String,
        /// The voter.
        voter: AccountId,
        /// Its tracking code.
        tracking: String,
        /// The tracking code of the ballot it replaces.
        replaces: Option<String>,
        /// The encrypted ballot (before ledger format 8; from it, the
        /// ballot, its census proof and its membership proof are read
        /// from the transaction's arguments).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        ballot: Option<WireBallot>,
        /// The voter's place in the census (a census of accounts).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        census: Option<CensusProof>,
        /// The membership proof (an anonymous census; `voter` is the
        /// nullifier).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        member: Option<Membership>,
    },
    /// A ballot was challenged: opened, not counted.
    Challenged {
        /// The election.
        election: String,
        /// The voter.
        voter: AccountId,
        /// Its tracking code.
        tracking: String,
        /// What it held.
        choices: Vec<Vec<u64>>,
        /// The encrypted ballot.
        ballot: WireBallot,
        /// Its nonces.
        nonces: Vec<Vec<String>>,
        /// The membership proof (an anonymous census).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        member: Option<Membership>,
    },
    /// A guardian's partial decryption is in.
    Decrypted {
        /// The election.
        election: String,
        /// The guardian's number.
        guardian: u32,
    },
    /// A voter registered a commitment in an anonymous census.
    Registered {
        /// The election.
        election: String,
        /// The voter's account.
        account: AccountId,
        /// Its registration's index.
        index: u64,
        /// `P = s·G` (hex).
        commitment: String,
        /// Its proof of knowledge.
        proof: crate::model::WireProof,
        /// The account's place in the census.
        census: CensusProof,
    },
    /// An election with delegation was weighed at its close.
    Weighed {
        /// The election.
        election: String,
        /// Every ballot's weight together.
        total: u64,
        /// The weight lent through delegations.
        delegated: u64,
    },
    /// The result.
    Tallied {
        /// The election.
        election: String,
        /// Per contest, per selection.
        counts: Vec<Vec<u64>>,
        /// The guardians combined.
        guardians: Vec<u32>,
    },
}
impl publica_runtime::kit::Events for ElectionsEvent {}
