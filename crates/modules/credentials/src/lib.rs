//! The `credentials` module: education credentials verifiable anywhere.
//!
//! - **Issuer trust registry**: an accrediting agency (a ministry)
//!   accredits an institution (an agency of the ledger) for kinds of
//!   credential (degree, transcript, professional licence, enrolment)
//!   between two dates; every change (grant, suspend, reinstate, withdraw)
//!   is proposed by one of its administrators and enacted when its
//!   administrators have approved it, up to their policy threshold, naming
//!   the hash of the exact change. The intervals an accreditation was in
//!   force are kept, so a credential is judged by its date.
//! - **Status lists** (W3C Bitstring Status List v1.0): an institution's
//!   issuers create lists (revocation or suspension, at least 131,072
//!   entries) and set or clear entries by ledger transactions; the node
//!   serves each list as a status list credential rebuilt from the state.
//! - **Credentials** themselves never touch the ledger: an issuer signs a
//!   W3C Verifiable Credential 2.0 with Data Integrity `eddsa-jcs-2022`
//!   ([`di`]) with its account key, and anyone verifies it ([`verify`]):
//!   signature, issuer role, accreditation on its date, validity dates,
//!   status.
//!
//! See `docs/credentials.md`.

pub mod codes;
pub mod contexts;
pub mod di;
pub mod events;
pub mod jsonld;
pub mod model;
pub mod offline;
pub mod queries;
pub mod routes;
pub mod sdjwt;
pub mod status;
pub mod verify;

use codes::CredentialsRejection as R;
use events::CredentialsEvent;
use model::{
    accreditation_key, list_key, page_key, pending_key, valid_id, Accreditation, Change,
    CredentialKind, Interval, Pending, Purpose, Standing, StatusList, INTERVALS_MAX, LIST_BITS_MAX,
    LIST_BITS_MIN, PAGE_BITS,
};
use publica_runtime::authz::Role;
use publica_runtime::{CallContext, Need, Rejections, TypedModule};
use publica_types::TxError;
use serde::Deserialize;
use std::collections::BTreeMap;

/// Longest reason, in bytes.
pub const REASON_BYTES_MAX: usize = 200;
/// Most entries changed by one `set_status`.
pub const STATUS_CHANGES_MAX: usize = 1_000;

/// The `credentials` module.
#[derive(Debug, Default)]
pub struct Credentials;

/// Arguments of `credentials.propose_accreditation`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Propose {
    /// The accrediting agency; the signer is one of its administrators.
    pub agency: String,
    /// The institution (an agency).
    pub institution: String,
    /// The change.
    pub change: Change,
}

/// Arguments of `credentials.approve_accreditation`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Approve {
    /// The accrediting agency; the signer is one of its administrators.
    pub agency: String,
    /// The institution.
    pub institution: String,
    /// The hash of the change approved (`pending.hash`).
    pub hash: String,
}

/// Arguments of `credentials.create_status_list`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateList {
    /// The institution; the signer is one of its issuers.
    pub agency: String,
    /// The list's id.
    pub id: String,
    /// What a set bit means.
    pub purpose: Purpose,
    /// Entries: a multiple of 4,096 in 131,072..=8,388,608.
    pub size: u64,
}

/// Arguments of `credentials.set_status`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SetStatus {
    /// The institution; the signer is one of its issuers.
    pub agency: String,
    /// The list.
    pub list: String,
    /// The entries (1..=1,000).
    pub indexes: Vec<u64>,
    /// True to set (revoke or suspend), false to clear a suspension.
    pub status: bool,
}

/// Arguments of `credentials.record_recognition`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Recognise {
    /// The recognising institution; the signer is one of its issuers.
    pub agency: String,
    /// SHA-256 of the credential's RFC 8785 form (64 lowercase hex).
    pub credential_hash: String,
    /// The institution that issued it.
    pub issuer: String,
    /// Its kind.
    pub kind: CredentialKind,
    /// Credits accepted (0..=1,000 ECTS).
    pub credits_accepted: u32,
    /// The programme they count towards (an id of the agency's).
    pub programme: String,
}

/// Arguments of `credentials.set_domain`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SetDomain {
    /// The institution; the signer is one of its administrators.
    pub agency: String,
    /// Its `did:web` domain (`university.example`), or null to remove it.
    pub domain: Option<String>,
}

/// Most credits one recognition accepts.
pub const CREDITS_MAX: u32 = 1_000;

publica_runtime::calls! {
    /// The calls of `credentials`.
    #[derive(Debug)]
    pub enum CredentialsCall {
        /// Propose a change of an institution's accreditation.
        ProposeAccreditation(Propose) = "propose_accreditation" => Need::Role(Role::Administrator, "agency"),
        /// Approve it (enacted at the accreditor's policy threshold).
        ApproveAccreditation(Approve) = "approve_accreditation" => Need::Role(Role::Administrator, "agency"),
        /// Create a status list of the institution.
        CreateStatusList(CreateList) = "create_status_list" => Need::Role(Role::Issuer, "agency"),
        /// Set or clear entries of a status list.
        SetStatus(SetStatus) = "set_status" => Need::Role(Role::Issuer, "agency"),
        /// Record the recognition of another institution's credential.
        RecordRecognition(Recognise) = "record_recognition" => Need::Role(Role::Issuer, "agency"),
        /// Register (or remove) the institution's did:web domain.
        SetDomain(SetDomain) = "set_domain" => Need::Role(Role::Administrator, "agency"),
    }
}

/// A reason: 1..=200 bytes, no control characters.
fn check_reason(r: &str) -> Result<(), TxError> {
    if r.is_empty() || r.len() > REASON_BYTES_MAX || r.chars().any(char::is_control) {
        return Err(R::InvalidField.err(format!(
            "a reason is 1..={REASON_BYTES_MAX} bytes without control characters"
        )));
    }
    Ok(())
}

/// What approvals of `change` name.
#[must_use]
pub fn change_hash(accreditor: &str, institution: &str, change: &Change) -> String {
    let v =
        serde_json::json!({"accreditor": accreditor, "institution": institution, "change": change});
    let bytes = publica_types::canonical::canonicalize(&v).expect("a change is JSON");
    publica_crypto::sha256(&bytes).to_hex()
}

impl Credentials {
    /// Registers, moves or removes an institution's `did:web` domain: one
    /// institution per domain, one domain per institution.
    fn set_domain(ctx: &mut CallContext<'_>, a: SetDomain) -> Result<(), TxError> {
        let old: Option<String> = ctx.read(&model::domain_of_key(&a.agency));
        if let Some(d) = &a.domain {
            if !model::valid_domain(d) {
                return Err(R::InvalidField.err(
                    "a domain is a lowercase host name of two or more labels (university.example), without port or path",
                ));
            }
            let owner: Option<String> = ctx.read(&model::domain_key(d));
            if owner.is_some_and(|o| o != a.agency) {
                return Err(R::DomainTaken.err(format!("another institution registered {d}")));
            }
        }
        if let Some(o) = &old {
            ctx.delete(model::domain_key(o));
            ctx.delete(model::domain_of_key(&a.agency));
        }
        if let Some(d) = &a.domain {
            ctx.write(model::domain_key(d), &a.agency);
            ctx.write(model::domain_of_key(&a.agency), d);
        }
        ctx.emit_event(&CredentialsEvent::DomainSet {
            institution: a.agency,
            domain: a.domain,
            replaced: old,
        });
        Ok(())
    }

    fn propose(ctx: &mut CallContext<'_>, a: Propose) -> Result<(), TxError> {
        if !valid_id(&a.institution)
            || !ctx.contains(&publica_runtime::authz::agency_key(&a.institution))
        {
            return Err(R::UnknownInstitution.err(format!(
                "'{}' is not an agency of this ledger",
                a.institution
            )));
        }
        if a.institution == a.agency {
            return Err(R::InvalidField.err("an agency does not accredit itself"));
        }
        let current: Option<Accreditation> =
            ctx.read(&accreditation_key(&a.agency, &a.institution));
        let standing = current.as_ref().map(|c| &c.standing);
        match &a.change {
            Change::Grant {
                kinds,
                from_ms,
                until_ms,
            } => {
                let mut k = kinds.clone();
                k.sort();
                k.dedup();
                if k.is_empty() || k.len() != kinds.len() {
                    return Err(R::InvalidField.err("kinds lists 1..=4 kinds, each once"));
                }
                if from_ms >= until_ms || *until_ms <= ctx.env().time_ms {
                    return Err(R::InvalidField.err(
                        "an accreditation runs from from_ms to a later until_ms, not yet past",
                    ));
                }
            }
            Change::Suspend { reason } | Change::Withdraw { reason } => {
                check_reason(reason)?;
                let ok = match (&a.change, standing) {
                    (_, None) => {
                        return Err(R::UnknownAccreditation.err(format!(
                            "'{}' never accredited '{}'",
                            a.agency, a.institution
                        )))
                    }
                    (Change::Suspend { .. }, Some(s)) => *s == Standing::Active,
                    (_, Some(s)) => !matches!(s, Standing::Withdrawn { .. }),
                };
                if !ok {
                    return Err(R::WrongStanding.err("the accreditation does not stand so"));
                }
            }
            Change::Reinstate => {
                if !matches!(standing, Some(Standing::Suspended { .. })) {
                    return Err(
                        R::WrongStanding.err("only a suspended accreditation is reinstated")
                    );
                }
            }
        }
        let hash = change_hash(&a.agency, &a.institution, &a.change);
        ctx.write(
            pending_key(&a.agency, &a.institution),
            &Pending {
                change: a.change,
                hash: hash.clone(),
                proposed_by: ctx.signer(),
                approvals: vec![],
                height: ctx.env().height,
            },
        );
        ctx.emit_event(&CredentialsEvent::AccreditationProposed {
            accreditor: a.agency,
            institution: a.institution,
            hash,
        });
        Ok(())
    }

    fn approve(ctx: &mut CallContext<'_>, a: Approve) -> Result<(), TxError> {
        let key = pending_key(&a.agency, &a.institution);
        let mut p: Pending = ctx.read(&key).ok_or_else(|| {
            R::NothingPending.err(format!(
                "no change of '{}' by '{}' waits",
                a.institution, a.agency
            ))
        })?;
        if p.hash != a.hash {
            return Err(R::ApprovalMismatch.err(format!("the change waiting has hash {}", p.hash)));
        }
        let me = ctx.signer();
        if p.approvals.contains(&me) {
            return Err(R::AlreadyApproved.err("you approved this change already"));
        }
        p.approvals.push(me);
        ctx.emit_event(&CredentialsEvent::AccreditationApproved {
            accreditor: a.agency.clone(),
            institution: a.institution.clone(),
            by: me,
        });
        if p.approvals.len() < ctx.policy_threshold(&a.agency).max(1) as usize {
            ctx.write(key, &p);
            return Ok(());
        }
        ctx.delete(key);
        Self::enact(ctx, &a.agency, &a.institution, p.change);
        Ok(())
    }

    /// Applies an approved change now.
    fn enact(ctx: &mut CallContext<'_>, accreditor: &str, institution: &str, change: Change) {
        let now = ctx.env().time_ms;
        let key = accreditation_key(accreditor, institution);
        let mut acc: Accreditation = ctx.read(&key).unwrap_or(Accreditation {
            accreditor: accreditor.to_string(),
            institution: institution.to_string(),
            kinds: vec![],
            from_ms: 0,
            until_ms: 0,
            standing: Standing::Active,
            intervals: vec![],
            changes: 0,
            height: 0,
        });
        let close = |acc: &mut Accreditation| {
            if let Some(last) = acc.intervals.last_mut() {
                last.until_ms = last.until_ms.min(now.max(last.from_ms));
            }
        };
        match &change {
            Change::Grant {
                kinds,
                from_ms,
                until_ms,
            } => {
                if acc.standing == Standing::Active {
                    close(&mut acc);
                }
                let mut kinds: Vec<CredentialKind> = kinds.clone();
                kinds.sort();
                acc.kinds.clone_from(&kinds);
                acc.from_ms = *from_ms;
                acc.until_ms = *until_ms;
                acc.standing = Standing::Active;
                acc.intervals.push(Interval {
                    kinds,
                    from_ms: *from_ms,
                    until_ms: *until_ms,
                });
            }
            Change::Suspend { reason } => {
                close(&mut acc);
                acc.standing = Standing::Suspended {
                    reason: reason.clone(),
                    since_ms: now,
                };
            }
            Change::Reinstate => {
                acc.standing = Standing::Active;
                acc.intervals.push(Interval {
                    kinds: acc.kinds.clone(),
                    from_ms: now.max(acc.from_ms),
                    until_ms: acc.until_ms,
                });
            }
            Change::Withdraw { reason } => {
                if acc.standing == Standing::Active {
                    close(&mut acc);
                }
                acc.standing = Standing::Withdrawn {
                    reason: reason.clone(),
                    since_ms: now,
                };
            }
        }
        if acc.intervals.len() > INTERVALS_MAX {
            let extra = acc.intervals.len() - INTERVALS_MAX;
            acc.intervals.drain(..extra);
        }
        acc.changes += 1;
        acc.height = ctx.env().height;
        let standing = acc.standing.clone();
        ctx.write(key, &acc);
        ctx.emit_event(&CredentialsEvent::AccreditationChanged {
            accreditor: accreditor.to_string(),
            institution: institution.to_string(),
            change,
            standing,
        });
    }

    fn create_list(ctx: &mut CallContext<'_>, a: CreateList) -> Result<(), TxError> {
        if !valid_id(&a.id) {
            return Err(R::InvalidField.err("a list id is 1..=64 of [a-z0-9_-]"));
        }
        if !(LIST_BITS_MIN..=LIST_BITS_MAX).contains(&a.size) || !a.size.is_multiple_of(PAGE_BITS) {
            return Err(R::InvalidField.err(format!(
                "size is a multiple of {PAGE_BITS} in {LIST_BITS_MIN}..={LIST_BITS_MAX}"
            )));
        }
        let key = list_key(&a.agency, &a.id);
        if ctx.contains(&key) {
            return Err(R::ListExists.err(format!("'{}' has a list '{}'", a.agency, a.id)));
        }
        let list = StatusList {
            institution: a.agency.clone(),
            id: a.id.clone(),
            purpose: a.purpose,
            size: a.size,
            set: 0,
            height: ctx.env().height,
            changed_height: ctx.env().height,
        };
        ctx.write(key, &list);
        ctx.emit_event(&CredentialsEvent::StatusListCreated {
            institution: a.agency,
            list: a.id,
            purpose: a.purpose,
            size: a.size,
        });
        Ok(())
    }

    fn set_status(ctx: &mut CallContext<'_>, a: SetStatus) -> Result<(), TxError> {
        if a.indexes.is_empty() || a.indexes.len() > STATUS_CHANGES_MAX {
            return Err(
                R::InvalidField.err(format!("indexes lists 1..={STATUS_CHANGES_MAX} entries"))
            );
        }
        let key = list_key(&a.agency, &a.list);
        let mut list: StatusList = ctx.read(&key).ok_or_else(|| {
            R::UnknownList.err(format!("'{}' has no list '{}'", a.agency, a.list))
        })?;
        if let Some(i) = a.indexes.iter().find(|i| **i >= list.size) {
            return Err(R::IndexOutOfRange.err(format!(
                "index {i} is not below the list's size {}",
                list.size
            )));
        }
        // Pages touched, read once, written once, in page order.
        let mut pages: BTreeMap<u64, Vec<u8>> = BTreeMap::new();
        let mut changed = vec![];
        for &i in &a.indexes {
            let (page, byte, mask) = status::locate(i);
            let bytes = pages.entry(page).or_insert_with(|| {
                status::page_bytes(ctx.get(&page_key(&a.agency, &a.list, page)).as_deref())
            });
            let was = bytes[byte] & mask != 0;
            if was == a.status {
                continue;
            }
            if was && list.purpose == Purpose::Revocation {
                return Err(R::RevocationFinal.err(format!(
                    "entry {i} of revocation list '{}' is revoked for good",
                    a.list
                )));
            }
            bytes[byte] ^= mask;
            changed.push(i);
        }
        for (page, bytes) in pages {
            ctx.put_json(
                page_key(&a.agency, &a.list, page),
                &serde_json::json!(hex::encode(bytes)),
            );
        }
        let n = changed.len() as u64;
        list.set = if a.status { list.set + n } else { list.set - n };
        list.changed_height = ctx.env().height;
        ctx.write(key, &list);
        ctx.emit_event(&CredentialsEvent::StatusChanged {
            institution: a.agency,
            list: a.list,
            indexes: changed,
            status: a.status,
        });
        Ok(())
    }
}

impl Credentials {
    fn recognise(ctx: &mut CallContext<'_>, a: Recognise) -> Result<(), TxError> {
        let hex64 = a.credential_hash.len() == 64
            && a.credential_hash
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        if !hex64 {
            return Err(R::InvalidField.err(
                "credential_hash is the SHA-256 (64 lowercase hex) of the credential's RFC 8785 form",
            ));
        }
        if !valid_id(&a.programme) || !valid_id(&a.issuer) {
            return Err(R::InvalidField.err("issuer and programme are ids: 1..=64 of [a-z0-9_-]"));
        }
        if a.issuer == a.agency {
            return Err(R::InvalidField.err("an institution recognises another's credentials"));
        }
        if a.credits_accepted > CREDITS_MAX {
            return Err(R::InvalidField.err(format!("credits_accepted is 0..={CREDITS_MAX}")));
        }
        let key = model::recognition_key(&a.agency, &a.credential_hash);
        if ctx.contains(&key) {
            return Err(
                R::RecognitionExists.err("this credential's recognition is recorded already")
            );
        }
        let rec = model::Recognition {
            institution: a.agency.clone(),
            credential_hash: a.credential_hash.clone(),
            issuer: a.issuer.clone(),
            kind: a.kind,
            credits_accepted: a.credits_accepted,
            programme: a.programme,
            by: ctx.signer(),
            height: ctx.env().height,
        };
        ctx.write(key, &rec);
        ctx.emit_event(&CredentialsEvent::Recognised {
            institution: a.agency,
            credential_hash: a.credential_hash,
            issuer: a.issuer,
            credits_accepted: a.credits_accepted,
        });
        Ok(())
    }
}

/// SHA-256 of a credential's RFC 8785 form (for `eddsa-rdfc-2022`, of its
/// canonical N-Quads): what a recognition and an enrolment attestation name.
///
/// # Errors
/// A credential that cannot be canonicalised.
pub fn credential_hash(credential: &serde_json::Value) -> Result<String, String> {
    // An eddsa-rdfc-2022 credential is what its RDF says: JSON that reads
    // the same (a null member, one value or a list of one) is the same
    // credential, so it is named by its canonical N-Quads, proof included.
    if credential["proof"]["cryptosuite"] == di::RDFC {
        return jsonld::canonicalize(credential, &di::held)
            .map(|n| publica_crypto::sha256(n.as_bytes()).to_hex())
            .map_err(|e| e.to_string());
    }
    publica_types::canonical::to_canonical_bytes(credential)
        .map(|b| publica_crypto::sha256(&b).to_hex())
        .map_err(|e| e.to_string())
}

impl TypedModule for Credentials {
    const NAME: &'static str = "credentials";
    type Call = CredentialsCall;
    type Rejection = R;
    type Event = CredentialsEvent;
    const ROUTES: &'static [publica_runtime::Route] = routes::ROUTES;

    fn execute(&self, ctx: &mut CallContext<'_>, call: CredentialsCall) -> Result<(), TxError> {
        match call {
            CredentialsCall::ProposeAccreditation(a) => Self::propose(ctx, a),
            CredentialsCall::ApproveAccreditation(a) => Self::approve(ctx, a),
            CredentialsCall::CreateStatusList(a) => Self::create_list(ctx, a),
            CredentialsCall::SetStatus(a) => Self::set_status(ctx, a),
            CredentialsCall::RecordRecognition(a) => Self::recognise(ctx, a),
            CredentialsCall::SetDomain(a) => Self::set_domain(ctx, a),
        }
    }
}
