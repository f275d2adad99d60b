//! The records module's state: records (commitments), consents, guardians
//! and the access log.
//!
//! - `records/record/<id>` = [`Record`] (`id`: the SHA-256 of the
//!   ciphertext, hex);
//! - `records/consents/<subject hex>` = the subject's consents, live and
//!   past ([`Consent`], at most [`CONSENTS_MAX`]);
//! - `records/guardian/<subject hex>/<guardian hex>` = [`Guardian`];
//! - `records/access/<tx id hex>` = [`Access`], one per access logged.

use publica_types::AccountId;
use serde::{Deserialize, Serialize};

/// The resource types a record may be (FHIR R4 names).
pub const RECORD_TYPES: [&str; 5] = [
    "Patient",
    "Observation",
    "Condition",
    "MedicationRequest",
    "DocumentReference",
];

/// Largest ciphertext a record may have, in bytes (8 MiB).
pub const RECORD_BYTES_MAX: u64 = 8 * 1024 * 1024;

/// Consents a subject may hold at once, live or past; past ones (revoked
/// or expired) make room for new ones.
pub const CONSENTS_MAX: usize = 64;

/// Longest a consent may last: five years.
pub const CONSENT_MS_MAX: u64 = 5 * 366 * 86_400_000;

/// Legal holds a record may have at once.
pub const HOLDS_MAX: usize = 8;

/// Custody transfers a record keeps in its history.
pub const TRANSFERS_MAX: usize = 32;

/// A privacy officer reviews an emergency access within this: 72 hours.
pub const REVIEW_WITHIN_MS: u64 = 72 * 3_600_000;

/// A logged access releases its key within this of its block time: 10
/// minutes. Later, the reader logs a new access.
pub const RELEASE_WINDOW_MS: u64 = 10 * 60_000;

/// How long after a transfer naming the new custodian's store its data key
/// is handed over to that store (`POST /v1/records/release` with
/// `transfer`).
pub const HANDOVER_WINDOW_MS: u64 = 24 * 3_600_000;

/// The associated data a record's ciphertext is bound to.
pub fn record_aad(record_type: &str) -> Vec<u8> {
    format!("publica/records/v1/{record_type}").into_bytes()
}

/// State key of record `id`.
pub fn record_key(id: &str) -> Vec<u8> {
    format!("records/record/{id}").into_bytes()
}

/// State key of `subject`'s consents.
pub fn consents_key(subject: &AccountId) -> Vec<u8> {
    format!("records/consents/{}", subject.to_hex()).into_bytes()
}

/// State key of `guardian`'s appointment for `subject`.
pub fn guardian_key(subject: &AccountId, guardian: &AccountId) -> Vec<u8> {
    format!(
        "records/guardian/{}/{}",
        subject.to_hex(),
        guardian.to_hex()
    )
    .into_bytes()
}

/// State key of access `id` (its transaction's id, hex).
pub fn access_key(id: &str) -> Vec<u8> {
    format!("records/access/{id}").into_bytes()
}

/// A record id: 64 lowercase hex digits (the commitment).
pub fn valid_record_id(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// A consent id or hold id: 1..=64 of `[a-z0-9_-]`.
pub fn valid_id(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
}

/// Why a reader reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Purpose {
    /// Care of the patient.
    Treatment,
    /// An insurer judging a claim.
    InsuranceClaim,
    /// A study the patient agreed to.
    Research,
}

/// Whom a consent covers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Grantee {
    /// One account (a clinician, an insurer's officer).
    Account(AccountId),
    /// An agency (a hospital, an insurer): its members with the clinician
    /// role, reading for it.
    Agency(String),
}

/// Whether a record can still be read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Stored and readable under consent.
    Active,
    /// Erased at its subject's request.
    Erased,
}

/// A legal hold on a record: it blocks erasure.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Hold {
    /// Its id.
    pub id: String,
    /// The custodian agency that placed it.
    pub agency: String,
    /// Why (a case reference, never personal data).
    pub reason: String,
    /// When (block time, ms).
    pub placed_ms: u64,
}

/// One change of custodian.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Transfer {
    /// The custodian before.
    pub from: String,
    /// The custodian after.
    pub to: String,
    /// When (block time, ms).
    pub at_ms: u64,
    /// The new custodian's record store key (X25519, hex) the data key is
    /// handed over to, when its node is another.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub store_key: Option<String>,
}

/// A record on the ledger: what exists, never what it says.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Record {
    /// SHA-256 of the ciphertext, hex: the record's id.
    pub id: String,
    /// The patient's (pseudonymous) account.
    pub subject: AccountId,
    /// Its FHIR resource type.
    pub record_type: String,
    /// The agency that holds it (a hospital).
    pub custodian: String,
    /// Ciphertext length, bytes.
    pub size: u64,
    /// Height of registration.
    pub height: u64,
    /// Block time of registration (ms).
    pub registered_ms: u64,
    /// Active or erased.
    pub status: Status,
    /// When it was erased (block time, ms).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub erased_ms: Option<u64>,
    /// Height of the erasure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub erased_height: Option<u64>,
    /// Legal holds in force.
    #[serde(default)]
    pub holds: Vec<Hold>,
    /// Custody changes, oldest first.
    #[serde(default)]
    pub transfers: Vec<Transfer>,
}

/// A consent: a subject lets a grantee read some of their records for a
/// purpose until a time.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Consent {
    /// Its id (unique per subject).
    pub id: String,
    /// Whom it covers.
    pub grantee: Grantee,
    /// For what.
    pub purpose: Purpose,
    /// Which record types (all when empty).
    #[serde(default)]
    pub record_types: Vec<String>,
    /// Until (block time, ms; exclusive).
    pub expires_ms: u64,
    /// Who signed it: the subject or a guardian.
    pub granted_by: AccountId,
    /// Height it was given at.
    pub granted_height: u64,
    /// When it was revoked, if it was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked_height: Option<u64>,
}

impl Consent {
    /// In force at a block of this height and time.
    #[must_use]
    pub fn live(&self, height: u64, time_ms: u64) -> bool {
        self.granted_height <= height
            && self.revoked_height.is_none_or(|r| height < r)
            && time_ms < self.expires_ms
    }

    /// Covers a record of this type for this purpose.
    #[must_use]
    pub fn covers(&self, purpose: Purpose, record_type: &str) -> bool {
        self.purpose == purpose
            && (self.record_types.is_empty() || self.record_types.iter().any(|t| t == record_type))
    }
}

/// A guardian's appointment for a subject (a parent, a legal guardian).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Guardian {
    /// The agency whose attester appointed them.
    pub agency: String,
    /// Since (block time, ms).
    pub since_ms: u64,
}

/// On what ground an access was let through, or why it was refused.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Basis {
    /// A consent of the subject in force at the access's height.
    Consent {
        /// Its id.
        consent: String,
        /// Height it was given at.
        granted_height: u64,
        /// Until when it runs.
        expires_ms: u64,
    },
    /// Break-glass: an emergency, reviewed afterwards.
    Emergency {
        /// What the clinician gave as the emergency.
        reason: String,
        /// The review is due by (block time, ms).
        review_due_ms: u64,
    },
    /// Refused: no key is released.
    Refused {
        /// The code.
        code: String,
        /// Its sentence.
        message: String,
    },
}

/// A privacy officer's verdict on an emergency access.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Review {
    /// The officer.
    pub by: AccountId,
    /// Whether the emergency justified the access.
    pub justified: bool,
    /// Their note (no personal data).
    pub note: String,
    /// When (block time, ms).
    pub at_ms: u64,
    /// After the deadline.
    pub late: bool,
}

/// One entry of the access log: who asked to read which record, when,
/// and on what ground.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Access {
    /// Its id: the access transaction's id (hex), whose receipt proves it.
    pub id: String,
    /// The record.
    pub record: String,
    /// Its subject.
    pub subject: AccountId,
    /// Who asked.
    pub reader: AccountId,
    /// The agency they read for, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agency: Option<String>,
    /// Why.
    pub purpose: Purpose,
    /// The X25519 key the data key is wrapped for (hex).
    pub reader_key: String,
    /// The ground, or the refusal.
    pub basis: Basis,
    /// Height.
    pub height: u64,
    /// Block time (ms).
    pub at_ms: u64,
    /// The review of an emergency access.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review: Option<Review>,
}

impl Access {
    /// Let through (a consent or an emergency), not refused.
    #[must_use]
    pub fn granted(&self) -> bool {
        !matches!(self.basis, Basis::Refused { .. })
    }

    /// An emergency access whose review is past due.
    #[must_use]
    pub fn overdue(&self, now_ms: u64) -> bool {
        matches!(&self.basis, Basis::Emergency { review_due_ms, .. } if self.review.is_none() && now_ms > *review_due_ms)
    }
}
