//! What the `credentials` module keeps: accreditations (who may issue which
//! kind of credential, from when to when, granted by which accreditor),
//! changes waiting for the accreditor's administrators, and status lists
//! (bitstrings in pages). Nothing about a credential's holder is kept.

use publica_types::AccountId;
use serde::{Deserialize, Serialize};

/// Kinds of credential an institution is accredited for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CredentialKind {
    /// A degree or diploma (Open Badges 3.0 `OpenBadgeCredential`).
    Degree,
    /// A transcript of courses, credits and grades.
    Transcript,
    /// A professional licence.
    ProfessionalLicence,
    /// Proof of enrolment.
    Enrolment,
}

impl CredentialKind {
    /// The credential `type` (besides `VerifiableCredential`) that marks it.
    #[must_use]
    pub fn vc_type(self) -> &'static str {
        match self {
            CredentialKind::Degree => "OpenBadgeCredential",
            CredentialKind::Transcript => "TranscriptCredential",
            CredentialKind::ProfessionalLicence => "ProfessionalLicenceCredential",
            CredentialKind::Enrolment => "EnrolmentCredential",
        }
    }

    /// The kind a credential's `type` list names, if one.
    #[must_use]
    pub fn of_types(types: &[&str]) -> Option<Self> {
        [
            CredentialKind::Degree,
            CredentialKind::Transcript,
            CredentialKind::ProfessionalLicence,
            CredentialKind::Enrolment,
        ]
        .into_iter()
        .find(|k| types.contains(&k.vc_type()))
    }
}

/// Where an accreditation stands.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case", deny_unknown_fields)]
pub enum Standing {
    /// In force between its dates.
    Active,
    /// Suspended: credentials issued meanwhile are not accredited.
    Suspended {
        /// Why.
        reason: String,
        /// Block time it took effect (ms).
        since_ms: u64,
    },
    /// Withdrawn for good: credentials issued after it are not accredited.
    Withdrawn {
        /// Why.
        reason: String,
        /// Block time it took effect (ms).
        since_ms: u64,
    },
}

/// A period an accreditation stood as it did (for checks "at issuance").
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Interval {
    /// Kinds covered.
    pub kinds: Vec<CredentialKind>,
    /// From (block time, ms; inclusive).
    pub from_ms: u64,
    /// Until (block time, ms; exclusive).
    pub until_ms: u64,
}

/// One institution's accreditation by one accreditor.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Accreditation {
    /// The accrediting agency (a ministry).
    pub accreditor: String,
    /// The accredited institution (an agency whose issuers sign).
    pub institution: String,
    /// Kinds it may issue now.
    pub kinds: Vec<CredentialKind>,
    /// Valid from (ms).
    pub from_ms: u64,
    /// Valid until (ms, exclusive).
    pub until_ms: u64,
    /// Now.
    pub standing: Standing,
    /// The intervals it was in force, oldest first (at most
    /// [`INTERVALS_MAX`]): a credential is accredited if its `validFrom`
    /// falls in one that covers its kind.
    pub intervals: Vec<Interval>,
    /// Changes enacted so far.
    pub changes: u32,
    /// Height of the last change.
    pub height: u64,
}

/// Most intervals kept per accreditation.
pub const INTERVALS_MAX: usize = 64;

impl Accreditation {
    /// Whether a credential of `kind` valid from `at_ms` falls in an
    /// interval the accreditation was in force for it.
    #[must_use]
    pub fn covers(&self, kind: CredentialKind, at_ms: u64) -> bool {
        self.intervals
            .iter()
            .any(|i| i.kinds.contains(&kind) && i.from_ms <= at_ms && at_ms < i.until_ms)
    }
}

/// A change of an accreditation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "change", rename_all = "snake_case", deny_unknown_fields)]
pub enum Change {
    /// Grant (or renew, or change the kinds or dates of) an accreditation.
    Grant {
        /// Kinds it covers (1..=4).
        kinds: Vec<CredentialKind>,
        /// Valid from (ms).
        from_ms: u64,
        /// Valid until (ms, exclusive).
        until_ms: u64,
    },
    /// Suspend it from enactment.
    Suspend {
        /// Why (1..=200 bytes).
        reason: String,
    },
    /// Lift a suspension.
    Reinstate,
    /// Withdraw it for good.
    Withdraw {
        /// Why (1..=200 bytes).
        reason: String,
    },
}

/// A change waiting for the accreditor's administrators.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pending {
    /// The change.
    pub change: Change,
    /// SHA-256 of the change's canonical JSON with accreditor and
    /// institution: what approvals name.
    pub hash: String,
    /// Who proposed it.
    pub proposed_by: AccountId,
    /// Administrators who approved it so far.
    pub approvals: Vec<AccountId>,
    /// Height proposed at.
    pub height: u64,
}

/// What a status list's bits mean.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Purpose {
    /// A set bit revokes, for good.
    Revocation,
    /// A set bit suspends; clearing it lifts the suspension.
    Suspension,
}

impl Purpose {
    /// The W3C `statusPurpose` value.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::Revocation => "revocation",
            Purpose::Suspension => "suspension",
        }
    }
}

/// A status list of an institution.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatusList {
    /// The institution.
    pub institution: String,
    /// Its id.
    pub id: String,
    /// What a set bit means.
    pub purpose: Purpose,
    /// Entries (bits): a multiple of [`PAGE_BITS`], at least
    /// [`LIST_BITS_MIN`] (the W3C minimum, for herd privacy).
    pub size: u64,
    /// Bits set now.
    pub set: u64,
    /// Height created.
    pub height: u64,
    /// Height of the last change.
    pub changed_height: u64,
}

/// Bits per stored page of a status list.
pub const PAGE_BITS: u64 = 4_096;
/// Smallest list: 131,072 entries (16 KiB), the W3C recommendation.
pub const LIST_BITS_MIN: u64 = 131_072;
/// Largest list: 8,388,608 entries (1 MiB).
pub const LIST_BITS_MAX: u64 = 8_388_608;

/// A credential recognised by another institution (credits accepted),
/// named by its hash: the credential itself is never on the ledger.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Recognition {
    /// The recognising institution.
    pub institution: String,
    /// SHA-256 of the credential's RFC 8785 form (hex).
    pub credential_hash: String,
    /// The institution that issued it.
    pub issuer: String,
    /// Its kind.
    pub kind: CredentialKind,
    /// Credits accepted (ECTS).
    pub credits_accepted: u32,
    /// Into which programme (an id of the recognising institution's).
    pub programme: String,
    /// Who recorded it.
    pub by: AccountId,
    /// Height recorded.
    pub height: u64,
}

/// State key of a recognition.
#[must_use]
pub fn recognition_key(institution: &str, hash: &str) -> Vec<u8> {
    format!("credentials/recognition/{institution}/{hash}").into_bytes()
}

/// State key of an accreditation.
#[must_use]
pub fn accreditation_key(accreditor: &str, institution: &str) -> Vec<u8> {
    format!("credentials/accreditation/{accreditor}/{institution}").into_bytes()
}

/// State key of a change waiting for approval.
#[must_use]
pub fn pending_key(accreditor: &str, institution: &str) -> Vec<u8> {
    format!("credentials/pending/{accreditor}/{institution}").into_bytes()
}

/// State key of the institution a `did:web` domain names (a JSON string).
#[must_use]
pub fn domain_key(domain: &str) -> Vec<u8> {
    format!("credentials/domain/{domain}").into_bytes()
}

/// State key of an institution's `did:web` domain (a JSON string).
#[must_use]
pub fn domain_of_key(institution: &str) -> Vec<u8> {
    format!("credentials/domain-of/{institution}").into_bytes()
}

/// Longest `did:web` domain.
pub const DOMAIN_BYTES_MAX: usize = 253;

/// A host name for `did:web`: two or more DNS labels of lowercase letters,
/// digits and inner hyphens, each 1..=63, at most 253 bytes in all (no
/// port, no path).
#[must_use]
pub fn valid_domain(d: &str) -> bool {
    let labels: Vec<&str> = d.split('.').collect();
    d.len() <= DOMAIN_BYTES_MAX
        && labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        })
}

/// State key of a status list.
#[must_use]
pub fn list_key(institution: &str, id: &str) -> Vec<u8> {
    format!("credentials/list/{institution}/{id}").into_bytes()
}

/// State key of page `page` of a status list's bits (absent: all zero).
#[must_use]
pub fn page_key(institution: &str, id: &str, page: u64) -> Vec<u8> {
    format!("credentials/bits/{institution}/{id}/{page}").into_bytes()
}

/// An id: 1..=64 of `[a-z0-9_-]`, starting with a letter or digit.
#[must_use]
pub fn valid_id(s: &str) -> bool {
    (1..=64).contains(&s.len())
        && s.bytes()
            .next()
            .is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
}
