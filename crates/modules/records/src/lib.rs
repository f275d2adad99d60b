//! The `records` module: patient records kept off the ledger, encrypted,
//! with the ledger holding who may see what, and who did (issue 29).
//!
//! - a **record** is registered by its custodian (a member with the
//!   `custodian` role in a hospital agency) as a commitment (SHA-256 of its
//!   ciphertext), its FHIR resource type, its custodian and its subject's
//!   pseudonymous account; the ciphertext lives in the record store of the
//!   custodian's node (`publica_store::blobs`), its data key wrapped for
//!   the store's key;
//! - a **consent** is given and revoked by the subject (or a guardian an
//!   attester appointed): a grantee (an account, or an agency's clinicians),
//!   a purpose, record types and an expiry;
//! - an **access** is a transaction of the reader: checked against the
//!   consents in force at its height (or break-glass by a clinician), and
//!   logged either way — let through or refused — so the subject sees every
//!   attempt; the store releases the data key, wrapped for the key the
//!   access names, only for an access let through, within a short window,
//!   while the consent still stands;
//! - **break-glass** accesses are reviewed by a privacy officer of the
//!   clinician's agency within 72 hours, or show as overdue;
//! - **erasure**: the subject erases a record (unless a legal hold blocks
//!   it); the ledger keeps the commitment and the erasure, the store
//!   deletes the ciphertext;
//! - **transfer**: the subject moves a record to another custodian.
//!
//! See `docs/health.md`.

pub mod access;
pub mod codes;
pub mod consent;
pub mod events;
pub mod fhir;
pub mod lifecycle;
pub mod model;
pub mod queries;
pub mod routes;

use codes::RecordsRejection as R;
use events::RecordsEvent;
use model::{guardian_key, Purpose};
use publica_runtime::authz::Role;
use publica_runtime::{CallContext, IndexFiler, Need, Rejections, TypedModule};
use publica_types::{AccountId, TxError};
use serde_json::json;

/// The `records` module.
#[derive(Debug, Default)]
pub struct Records;

publica_runtime::calls! {
    /// The calls of `records`.
    #[derive(Debug)]
    pub enum RecordsCall {
        /// Register a record (its commitment) held by the agency.
        Register(lifecycle::RegisterArgs) = "register" => Need::Role(Role::Custodian, "agency"),
        /// Give a consent (the subject or a guardian).
        Grant(consent::GrantArgs) = "grant" => Need::Any,
        /// Revoke a consent (the subject or a guardian).
        Revoke(consent::RevokeArgs) = "revoke" => Need::Any,
        /// Appoint or remove a subject's guardian (an attester).
        SetGuardian(consent::GuardianArgs) = "set_guardian" => Need::Role(Role::Attester, "agency"),
        /// Ask to read a record: logged, let through or refused.
        Access(access::AccessArgs) = "access" => Need::Any,
        /// Review an emergency access (a privacy officer of the clinician's agency).
        Review(access::ReviewArgs) = "review" => Need::Role(Role::PrivacyOfficer, "agency"),
        /// Erase a record (the subject or a guardian).
        Erase(lifecycle::EraseArgs) = "erase" => Need::Any,
        /// Place a legal hold (a privacy officer of the custodian).
        Hold(lifecycle::HoldArgs) = "hold" => Need::Role(Role::PrivacyOfficer, "agency"),
        /// Lift a legal hold (a privacy officer of the custodian).
        LiftHold(lifecycle::LiftArgs) = "lift_hold" => Need::Role(Role::PrivacyOfficer, "agency"),
        /// Move a record to another custodian (the subject or a guardian).
        Transfer(lifecycle::TransferArgs) = "transfer" => Need::Any,
    }
}

/// Refuses `s` unless it is a reference, never free text
/// ([`publica_runtime::kit::is_reference`]).
pub(crate) fn reference(s: &str, what: &str) -> Result<(), TxError> {
    if publica_runtime::kit::is_reference(s) {
        Ok(())
    } else {
        Err(R::InvalidField.err(publica_runtime::kit::reference_rule(what)))
    }
}

/// The subject the signer acts for: `subject` (default: the signer),
/// when the signer is it or a guardian appointed for it.
pub(crate) fn acting_for(
    ctx: &CallContext<'_>,
    subject: Option<AccountId>,
) -> Result<AccountId, TxError> {
    let signer = ctx.signer();
    let subject = subject.unwrap_or(signer);
    if subject == signer || ctx.contains(&guardian_key(&subject, &signer)) {
        Ok(subject)
    } else {
        Err(R::NotTheSubject.err(format!(
            "{signer} is neither {subject} nor a guardian appointed for them"
        )))
    }
}

/// The purpose as the wire writes it.
pub(crate) fn purpose_name(p: Purpose) -> &'static str {
    match p {
        Purpose::Treatment => "treatment",
        Purpose::InsuranceClaim => "insurance_claim",
        Purpose::Research => "research",
    }
}

impl TypedModule for Records {
    const NAME: &'static str = "records";
    type Call = RecordsCall;
    type Rejection = R;
    type Event = RecordsEvent;
    const ROUTES: &'static [publica_runtime::Route] = routes::ROUTES;

    fn index_event(&self, event: &RecordsEvent, filer: &mut IndexFiler<'_>) {
        match event {
            RecordsEvent::Registered {
                record,
                subject,
                record_type,
                custodian,
            } => {
                let entry = json!({"record": record, "type": record_type, "custodian": custodian});
                filer.file(&format!("records/{}", subject.to_hex()), &entry);
            }
            RecordsEvent::Accessed {
                access,
                record,
                subject,
                reader,
                agency,
                basis,
                code,
            } => {
                let entry = json!({"access": access, "record": record, "reader": reader,
                    "agency": agency, "basis": basis, "code": code});
                filer.file(&format!("access/{}", subject.to_hex()), &entry);
                filer.file(&format!("record/{record}"), &entry);
                if let (Some(a), "emergency") = (agency, basis.as_str()) {
                    filer.file(&format!("emergency/{a}"), &json!({"access": access}));
                }
            }
            RecordsEvent::ConsentGranted {
                subject, consent, ..
            } => filer.file(
                &format!("consents/{}", subject.to_hex()),
                &json!({"consent": consent, "change": "granted"}),
            ),
            RecordsEvent::ConsentRevoked { subject, consent } => filer.file(
                &format!("consents/{}", subject.to_hex()),
                &json!({"consent": consent, "change": "revoked"}),
            ),
            RecordsEvent::GuardianSet {
                subject,
                guardian,
                active,
                agency,
            } => {
                let change = if *active {
                    "guardian_appointed"
                } else {
                    "guardian_removed"
                };
                filer.file(
                    &format!("access/{}", subject.to_hex()),
                    &json!({"guardian": guardian, "basis": change, "agency": agency}),
                );
            }
            RecordsEvent::Transferred {
                record,
                to,
                store_key: Some(key),
                subject: Some(subject),
                ..
            } => filer.file(
                &format!("access/{}", subject.to_hex()),
                &json!({"record": record, "basis": "handover", "agency": to, "store_key": key}),
            ),
            RecordsEvent::Erased {
                record, subject, ..
            } => filer.file(
                &format!("access/{}", subject.to_hex()),
                &json!({"record": record, "basis": "erased"}),
            ),
            _ => {}
        }
    }

    fn execute(&self, ctx: &mut CallContext<'_>, call: RecordsCall) -> Result<(), TxError> {
        match call {
            RecordsCall::Register(a) => lifecycle::register(ctx, a),
            RecordsCall::Grant(a) => consent::grant(ctx, a),
            RecordsCall::Revoke(a) => consent::revoke(ctx, a),
            RecordsCall::SetGuardian(a) => consent::set_guardian(ctx, a),
            RecordsCall::Access(a) => access::access(ctx, a),
            RecordsCall::Review(a) => access::review(ctx, a),
            RecordsCall::Erase(a) => lifecycle::erase(ctx, a),
            RecordsCall::Hold(a) => lifecycle::hold(ctx, a),
            RecordsCall::LiftHold(a) => lifecycle::lift_hold(ctx, a),
            RecordsCall::Transfer(a) => lifecycle::transfer(ctx, a),
        }
    }
}
