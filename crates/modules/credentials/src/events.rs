//! The `credentials` module's events.

use crate::model::{Change, Purpose, Standing};
use publica_types::AccountId;
use serde::{Deserialize, Serialize};

/// A `credentials` event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "data", rename_all = "snake_case")]
pub enum CredentialsEvent {
    /// A change of an accreditation was proposed.
    AccreditationProposed {
        /// The accreditor.
        accreditor: String,
        /// The institution.
        institution: String,
        /// What approvals name.
        hash: String,
    },
    /// An administrator approved it.
    AccreditationApproved {
        /// The accreditor.
        accreditor: String,
        /// The institution.
        institution: String,
        /// The administrator.
        by: AccountId,
    },
    /// The change took effect (its last approval).
    AccreditationChanged {
        /// The accreditor.
        accreditor: String,
        /// The institution.
        institution: String,
        /// The change.
        change: Change,
        /// Where it stands now.
        standing: Standing,
    },
    /// An institution created a status list.
    StatusListCreated {
        /// The institution.
        institution: String,
        /// The list.
        list: String,
        /// What a set bit means.
        purpose: Purpose,
        /// Entries.
        size: u64,
    },
    /// An institution recognised another's credential.
    Recognised {
        /// The recognising institution.
        institution: String,
        /// The credential's hash.
        credential_hash: String,
        /// The issuing institution.
        issuer: String,
        /// Credits accepted.
        credits_accepted: u32,
    },
    /// An institution registered (or removed) its `did:web` domain.
    DomainSet {
        /// The institution.
        institution: String,
        /// The domain, or none when removed.
        domain: Option<String>,
        /// The domain it replaced, if any.
        replaced: Option<String>,
    },
    /// An institution set or cleared entries of a status list.
    StatusChanged {
        /// The institution.
        institution: String,
        /// The list.
        list: String,
        /// The entries changed.
        indexes: Vec<u64>,
        /// Set (revoked or suspended) or cleared.
        status: bool,
    },
}

impl publica_runtime::kit::Events for CredentialsEvent {}
