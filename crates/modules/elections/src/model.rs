//! What the `elections` module keeps: elections, guardians' ceremony
//! messages, the last ballot of each voter, the running encrypted tally,
//! challenged ballots and partial decryptions. Points and scalars are kept
//! as their hex encodings (`crate::group`).

use publica_types::AccountId;
use serde::{Deserialize, Serialize};

pub use publica_ballot::census::voter_leaf;
pub use publica_ballot::wire::{
    Contest, Membership, WireBallot, WireBranch, WireContest, WireProof, WireRing, WireSelection,
};

/// Most contests in an election.
pub const CONTESTS_MAX: usize = 10;
/// Most selections in one contest.
pub const SELECTIONS_MAX: usize = 20;
/// Most selections in an election: a ballot stays under the transaction
/// size limit (about 730 bytes of JSON per selection, 290 per branch of a
/// contest's proof).
pub const BALLOT_SELECTIONS_MAX: usize = 40;
/// Most branches of all contests' limit proofs together (`limit + 1`
/// each).
pub const CONTEST_BRANCHES_MAX: u64 = 50;
/// Most guardians.
pub const GUARDIANS_MAX: usize = 15;
/// The longest census proof (a census of up to 2^40 voters).
pub const CENSUS_PROOF_MAX: usize = 40;
/// The longest voting window: a year.
pub const WINDOW_MS_MAX: u64 = 366 * 86_400_000;
/// How long an accused dealer has to answer a complaint, unless the
/// election says otherwise (`answer_ms`): an hour of block time.
pub const ANSWER_MS_DEFAULT: u64 = 3_600_000;
/// The bounds of `answer_ms`: a second to a week.
pub const ANSWER_MS_RANGE: std::ops::RangeInclusive<u64> = 1_000..=7 * 86_400_000;
/// The first ledger format in which a complaint is answered in public
/// (the dealer reveals the share or is disqualified) rather than failing
/// the election.
pub const PUBLIC_COMPLAINTS_FORMAT: u32 = 7;
/// The first ledger format in which a cast ballot is kept once, in its
/// transaction: the `cast` event names it by its tracking code, the board
/// shows it from the transaction, and the voter's stored ballot keeps only
/// its ciphertexts.
pub const BALLOT_ONCE_FORMAT: u32 = 8;

/// A guardian: who, and the X25519 key its shares are sealed for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Guardian {
    /// The guardian's account (signs its ceremony messages and shares).
    pub account: AccountId,
    /// Its X25519 public key (hex), for the ceremony's sealed shares.
    pub seal_key: String,
}

/// The census: the RFC 6962 Merkle root over the voters' leaves
/// ([`voter_leaf`]) and how many there are.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Census {
    /// The root (hex).
    pub root: String,
    /// The number of voters.
    pub size: u64,
    /// An anonymous census: voters register a commitment before the
    /// window opens and vote by a membership proof among rings of this
    /// many registrations (a power of two, 2..=1024); their ballots name
    /// a nullifier, never their account. Absent: ballots are signed by
    /// the voter's account with its census proof.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ring: Option<u64>,
}

/// Where an election is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Published, awaiting the approval of the authority's other election
    /// officers (as many as its policy threshold, the publisher counted).
    Proposed,
    /// Guardians are publishing their commitments and shares.
    Ceremony,
    /// The key is set: ballots are taken in the window (none while a
    /// complaint is open).
    Ready,
    /// Fewer dealers than the threshold remain qualified (before ledger
    /// format 7: any complaint): the election cannot open; publish a new
    /// one.
    Failed,
    /// Decrypted: the result is published.
    Tallied,
}

/// An election.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Election {
    /// The chain it is on (bound into every hash).
    pub chain_id: String,
    /// Its id.
    pub id: String,
    /// The election authority (agency).
    pub agency: String,
    /// A title (a reference, e.g. `municipal-2027`).
    pub title: String,
    /// The contests.
    pub contests: Vec<Contest>,
    /// The guardians, numbered from 1 in this order.
    pub guardians: Vec<Guardian>,
    /// How many guardians decrypt.
    pub threshold: u32,
    /// Ballots from this time (ms, block time).
    pub opens_ms: u64,
    /// Ballots before this time.
    pub closes_ms: u64,
    /// Who may vote.
    pub census: Census,
    /// The manifest hash `H_M` (hex) every ceremony proof is bound to.
    pub manifest_hash: String,
    /// Where it is.
    pub phase: Phase,
    /// Guardians (numbers) whose ceremony message is in.
    pub committed: Vec<u32>,
    /// The election key `K` (hex), once every guardian committed.
    pub key: Option<String>,
    /// The extended base hash `H_E = SHA-256(H_M ‖ K)` (hex), with the key.
    pub base_hash: Option<String>,
    /// Ballots counted (the last of each voter).
    pub counted: u64,
    /// Ballots cast, re-votes included.
    pub cast: u64,
    /// Ballots challenged (decrypted, not counted).
    pub challenged: u64,
    /// Guardians (numbers) whose partial decryption is in.
    pub decrypted: Vec<u32>,
    /// The dealer whose complaint failed the election, when failed.
    pub failed_dealer: Option<u32>,
    /// The election officers who approved its publication, the publisher
    /// first.
    #[serde(default)]
    pub approvals: Vec<AccountId>,
    /// How long an accused dealer has to reveal the share (ms of block
    /// time); [`ANSWER_MS_DEFAULT`] when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answer_ms: Option<u64>,
    /// Every complaint of the ceremony, in the order made.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub complaints: Vec<Complaint>,
    /// Dealers disqualified (numbers, in order): their polynomials are out
    /// of the key and of every guardian's decryption key.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub disqualified: Vec<u32>,
    /// The community topic whose public delegations weigh its members'
    /// secret ballots at the close (`crate::delegated`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delegation: Option<crate::delegated::Delegation>,
    /// Commitments registered (an anonymous census).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub registered: u64,
}

#[allow(clippy::trivially_copy_pass_by_ref)]
fn is_zero(n: &u64) -> bool {
    *n == 0
}

impl Election {
    /// The dealers whose polynomials make the key: those not
    /// disqualified, in order.
    pub fn qualified(&self) -> Vec<u32> {
        (1..=self.guardians.len() as u32)
            .filter(|n| !self.disqualified.contains(n))
            .collect()
    }

    /// A complaint still awaiting its dealer's answer, if any.
    pub fn open_complaint(&self) -> Option<&Complaint> {
        self.complaints
            .iter()
            .find(|c| c.status == ComplaintStatus::Open)
    }

    /// How long an accused dealer has to answer.
    pub fn answer_window_ms(&self) -> u64 {
        self.answer_ms.unwrap_or(ANSWER_MS_DEFAULT)
    }
}

/// Where a complaint stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ComplaintStatus {
    /// Awaiting the dealer's answer until `answer_by_ms`.
    Open,
    /// The dealer revealed a share that checks against its commitments:
    /// the complaining guardian uses it.
    Answered,
    /// Unanswered in time: the dealer is disqualified.
    Upheld,
}

/// A guardian's complaint that the share a dealer sealed for it fails the
/// dealer's commitments (or does not open).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Complaint {
    /// The complaining guardian.
    pub guardian: u32,
    /// The dealer accused.
    pub dealer: u32,
    /// The dealer answers before this time (block time, ms).
    pub answer_by_ms: u64,
    /// Where it stands.
    pub status: ComplaintStatus,
    /// The share `P_dealer(guardian)` the dealer revealed (hex scalar),
    /// when answered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub share: Option<String>,
}

/// A guardian's ceremony message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Commitment {
    /// `K_{i,j}` for `j` in `0..t` (hex).
    pub commitments: Vec<String>,
    /// A proof of knowledge of each coefficient.
    pub proofs: Vec<WireProof>,
    /// The share `P_i(ℓ)` for every other guardian, sealed for its key.
    pub shares: Vec<SealedShare>,
}

/// A share sealed for guardian `to` (`publica_crypto::seal`, additional
/// data [`share_aad`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SealedShare {
    /// The recipient's number.
    pub to: u32,
    /// The sealed 32-byte scalar (hex).
    pub sealed: String,
}

/// A registration in an anonymous census.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Registration {
    /// The voter's account (in the census).
    pub account: AccountId,
    /// Its commitment `P = s·G` (hex).
    pub commitment: String,
    /// When.
    pub height: u64,
}

/// State key of registration `index` of an anonymous census.
pub fn member_key(id: &str, index: u64) -> Vec<u8> {
    format!("elections/member/{id}/{index}").into_bytes()
}

/// State key marking `account` registered (its index).
pub fn registered_key(id: &str, account: &AccountId) -> Vec<u8> {
    format!("elections/registered/{id}/{}", account.to_hex()).into_bytes()
}

/// State key marking a commitment taken.
pub fn commitment_taken_key(id: &str, commitment: &str) -> Vec<u8> {
    format!("elections/commitment-taken/{id}/{commitment}").into_bytes()
}

/// A voter's last ballot, as counted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredBallot {
    /// The ballot (before ledger format 8).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ballot: Option<WireBallot>,
    /// Its tracking code.
    pub tracking: String,
    /// When it was cast.
    pub height: u64,
    /// Its ciphertexts, per contest and selection (from ledger format 8;
    /// the ballot itself is in its transaction).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cts: Option<crate::sum::Text>,
}

impl StoredBallot {
    /// The ciphertexts of the ballot, which the module accepted.
    #[must_use]
    pub fn ciphertexts(&self) -> Vec<Vec<crate::proofs::Ciphertext>> {
        let point = |hex: &str| crate::group::point_from_hex(hex).expect("a point the module took");
        match (&self.cts, &self.ballot) {
            (Some(cts), _) => crate::sum::decode(cts).expect("points the module took"),
            (None, Some(ballot)) => ballot
                .contests
                .iter()
                .map(|c| {
                    c.selections
                        .iter()
                        .map(|s| crate::proofs::Ciphertext {
                            a: point(&s.a),
                            b: point(&s.b),
                        })
                        .collect()
                })
                .collect(),
            (None, None) => Vec::new(),
        }
    }
}

/// A challenged ballot, decrypted by its nonces.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Challenged {
    /// Its tracking code.
    pub tracking: String,
    /// The choices it held (0 or 1 per selection, per contest).
    pub choices: Vec<Vec<u64>>,
    /// When it was challenged.
    pub height: u64,
}

/// A partial decryption `M_ℓ` of one aggregate selection, with its proof.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WireShare {
    /// `M_ℓ = A·z_ℓ` (hex).
    pub m: String,
    /// `c`.
    pub c: String,
    /// `v`.
    pub v: String,
}

/// The published result: per contest, per selection, the count.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcome {
    /// Counts, in manifest order.
    pub counts: Vec<Vec<u64>>,
    /// The guardians whose partial decryptions were combined.
    pub guardians: Vec<u32>,
    /// When.
    pub height: u64,
}

/// State key of election `id`.
pub fn election_key(id: &str) -> Vec<u8> {
    format!("elections/election/{id}").into_bytes()
}

/// State key of guardian `n`'s ceremony message.
pub fn commitment_key(id: &str, n: u32) -> Vec<u8> {
    format!("elections/commitment/{id}/{n}").into_bytes()
}

/// State key of `voter`'s last ballot.
pub fn ballot_key(id: &str, voter: &AccountId) -> Vec<u8> {
    format!("elections/ballot/{id}/{}", voter.to_hex()).into_bytes()
}

/// State key of the running encrypted tally: per contest, per selection,
/// `[A, B]` (hex).
pub fn aggregate_key(id: &str) -> Vec<u8> {
    format!("elections/aggregate/{id}").into_bytes()
}

/// State key of a ballot counted or superseded, by tracking code.
pub fn tracking_key(id: &str, code: &str) -> Vec<u8> {
    format!("elections/tracking/{id}/{code}").into_bytes()
}

/// State key of a challenged ballot.
pub fn challenged_key(id: &str, code: &str) -> Vec<u8> {
    format!("elections/challenged/{id}/{code}").into_bytes()
}

/// State key of guardian `n`'s partial decryption.
pub fn partial_key(id: &str, n: u32) -> Vec<u8> {
    format!("elections/partial/{id}/{n}").into_bytes()
}

/// State key of the result.
pub fn outcome_key(id: &str) -> Vec<u8> {
    format!("elections/outcome/{id}").into_bytes()
}

/// What a tracking code names.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tracked {
    /// The voter (pseudonymous account).
    pub voter: AccountId,
    /// When cast.
    pub height: u64,
}

/// An id: 1..=64 of `[a-z0-9_-]`.
pub fn valid_id(s: &str) -> bool {
    (1..=64).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
}

/// The additional data a share from `from` to `to` is sealed with.
pub fn share_aad(election: &str, from: u32, to: u32) -> Vec<u8> {
    format!("publica/elections/v1/share/{election}/{from}/{to}").into_bytes()
}
