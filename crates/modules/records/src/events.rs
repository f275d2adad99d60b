//! The `records` module's events. They name accounts (pseudonymous),
//! agencies, commitments and references, never what a record says.

use crate::model::{Grantee, Purpose};
use publica_types::AccountId;
use serde::{Deserialize, Serialize};

/// A `records` event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "data", rename_all = "snake_case")]
pub enum RecordsEvent {
    /// A custodian registered a record.
    Registered {
        /// The record (commitment).
        record: String,
        /// Its subject.
        subject: AccountId,
        /// Its FHIR type.
        record_type: String,
        /// The custodian agency.
        custodian: String,
    },
    /// A subject (or guardian) gave a consent.
    ConsentGranted {
        /// The subject.
        subject: AccountId,
        /// The consent's id.
        consent: String,
        /// Whom it covers.
        grantee: Grantee,
        /// For what.
        purpose: Purpose,
        /// Until (ms).
        expires_ms: u64,
    },
    /// A subject (or guardian) revoked a consent.
    ConsentRevoked {
        /// The subject.
        subject: AccountId,
        /// The consent's id.
        consent: String,
    },
    /// An attester appointed or removed a guardian.
    GuardianSet {
        /// The subject.
        subject: AccountId,
        /// The guardian.
        guardian: AccountId,
        /// Appointed (true) or removed.
        active: bool,
        /// The attester's agency.
        agency: String,
    },
    /// Someone asked to read a record: let through or refused.
    Accessed {
        /// The access (its transaction's id).
        access: String,
        /// The record.
        record: String,
        /// Its subject.
        subject: AccountId,
        /// Who asked.
        reader: AccountId,
        /// The agency they read for.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        agency: Option<String>,
        /// `consent`, `emergency` or `refused`.
        basis: String,
        /// The refusal's code.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        code: Option<String>,
    },
    /// A privacy officer reviewed an emergency access.
    Reviewed {
        /// The access.
        access: String,
        /// The clinician's agency.
        agency: String,
        /// The verdict.
        justified: bool,
        /// After the deadline.
        late: bool,
    },
    /// A record was erased at its subject's request.
    Erased {
        /// The record.
        record: String,
        /// Its subject.
        subject: AccountId,
        /// Its custodian, who deletes the ciphertext.
        custodian: String,
    },
    /// A legal hold was placed on a record.
    HoldPlaced {
        /// The record.
        record: String,
        /// The hold's id.
        hold: String,
    },
    /// A legal hold was lifted.
    HoldLifted {
        /// The record.
        record: String,
        /// The hold's id.
        hold: String,
    },
    /// A record changed custodian.
    Transferred {
        /// The record.
        record: String,
        /// From.
        from: String,
        /// To.
        to: String,
        /// The new custodian's store key, when its node takes a copy.
        #[serde(skip_serializing_if = "Option::is_none")]
        store_key: Option<String>,
        /// The patient, named when a store key is: the data key is handed
        /// over to that store, an entry of the patient's access log.
        #[serde(skip_serializing_if = "Option::is_none")]
        subject: Option<AccountId>,
    },
}

impl publica_runtime::kit::Events for RecordsEvent {}
