//! Private eligibility: numbers (income, age, …) attested as commitments,
//! and thresholds on them proven in zero knowledge (`publica-zk`,
//! Bulletproofs+), checked by the ledger at enrolment and at a re-check.
//!
//! - A program may declare up to [`PRIVATE_CONDITIONS_MAX`]
//!   [`PrivateCondition`]s (`{"attribute": "income", "below": 1200000}`,
//!   `{"attribute": "age", "at_least": 65}`), part of its approved
//!   definition. Their attributes are not among its clear `attributes`, so
//!   no rule reads them.
//! - An attester of an agency the program trusts for the attribute records
//!   `programs.attest_committed`: a Pedersen commitment to the value (never
//!   the value) with a proof that it is a `u64` (the domain proof), bound to
//!   the chain, subject, attribute and agency. It hands the opening (value
//!   and blinding) to the person, off the ledger.
//! - Enrolling (and optionally re-checking) carries one proof per condition,
//!   in order, made from the opening and bound to the chain, program,
//!   subject, attribute, agency and commitment, so it cannot be reused for
//!   anyone or anything else. The commitments proven are kept in the
//!   enrolment; a re-check without new proofs asks for an exit when one of
//!   them was revoked, expired or replaced.
//!
//! What an observer of the ledger still learns is in docs/programs.md
//! ("Private eligibility").

use crate::codes;
use crate::events::ProgramsEvent;
use crate::model::{valid_name, Enrolment, Program};
use crate::module::err;
use crate::rules::Ty;
use publica_runtime::authz::Role;
use publica_runtime::CallContext;
use publica_types::{AccountId, TxError};
use publica_zk::{Commitment, Threshold};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Most private conditions of one program.
pub const PRIVATE_CONDITIONS_MAX: usize = 4;
/// Largest threshold (and committed value a rule can usefully bound): 2^53,
/// the integers JSON carries exactly.
pub const THRESHOLD_MAX: u64 = 1 << 53;

/// A threshold on a privately attested number.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrivateCondition {
    /// The attribute (attested with `programs.attest_committed`).
    pub attribute: String,
    /// The value is at least this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_least: Option<u64>,
    /// The value is below this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub below: Option<u64>,
}

impl PrivateCondition {
    /// Its threshold (a checked condition has exactly one).
    #[must_use]
    pub fn threshold(&self) -> Threshold {
        match (self.at_least, self.below) {
            (Some(t), _) => Threshold::AtLeast(t),
            (None, Some(x)) => Threshold::Below(x),
            (None, None) => Threshold::AtLeast(0),
        }
    }

    /// For people: `income < 1200000`.
    #[must_use]
    pub fn describe(&self) -> String {
        match self.threshold() {
            Threshold::AtLeast(t) => format!("{} >= {t}", self.attribute),
            Threshold::Below(x) => format!("{} < {x}", self.attribute),
        }
    }
}

/// Checks a program's private conditions against its clear attributes.
///
/// # Errors
/// `programs.invalid_field` naming what is wrong.
pub fn check_conditions(
    conditions: &[PrivateCondition],
    clear: &BTreeMap<String, Ty>,
) -> Result<(), TxError> {
    let bad = |m: String| Err(err(codes::INVALID_FIELD, m));
    if conditions.len() > PRIVATE_CONDITIONS_MAX {
        return bad(format!(
            "a program has at most {PRIVATE_CONDITIONS_MAX} private conditions"
        ));
    }
    for c in conditions {
        if !valid_name(&c.attribute) {
            return bad(format!("bad attribute name '{}'", c.attribute));
        }
        if clear.contains_key(&c.attribute) {
            return bad(format!(
                "'{}' is a clear attribute: a private condition's attribute is attested only as a commitment",
                c.attribute
            ));
        }
        match (c.at_least, c.below) {
            (Some(t), None) if t <= THRESHOLD_MAX => {}
            (None, Some(x)) if (1..=THRESHOLD_MAX).contains(&x) => {}
            _ => {
                return bad(format!(
                    "private condition on '{}': give exactly one of at_least (0..=2^53) or below (1..=2^53)",
                    c.attribute
                ))
            }
        }
    }
    Ok(())
}

/// A committed attestation: the commitment to a number, never the number.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommittedAttestation {
    /// The Pedersen commitment (64 hex characters).
    pub commitment: String,
    /// The attester's agency.
    pub agency: String,
    /// The attester.
    pub attester: AccountId,
    /// Block time after which it no longer counts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_ms: Option<u64>,
    /// Revoked by its agency.
    pub revoked: bool,
    /// Height it was recorded at.
    pub height: u64,
}

/// State key of `agency`'s committed attestation of `name` about `subject`.
#[must_use]
pub fn committed_key(subject: &AccountId, name: &str, agency: &str) -> Vec<u8> {
    format!("programs/committed/{}/{name}/{agency}", subject.to_hex()).into_bytes()
}

/// Arguments of `programs.attest_committed`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AttestCommitted {
    /// The attesting agency; the signer must be one of its attesters.
    pub agency: String,
    /// The subject's pseudonymous account.
    #[serde(deserialize_with = "publica_crypto::key::one")]
    pub subject: AccountId,
    /// The attribute.
    pub name: String,
    /// The commitment to its value (64 hex characters).
    pub commitment: String,
    /// The proof that the committed value is a `u64`
    /// (`publica_zk::prove(.., AtLeast(0), domain_context(..))`, hex).
    pub domain_proof: String,
    /// Block time (ms) from which it no longer counts; never when absent.
    #[serde(default)]
    pub expires_ms: Option<u64>,
}

/// What the domain proof of a committed attestation is bound to.
#[must_use]
pub fn domain_context(
    chain: &str,
    subject: &AccountId,
    name: &str,
    agency: &str,
    commitment: &str,
) -> Vec<u8> {
    format!(
        "publica/attest-committed/v1\n{chain}\n{}\n{name}\n{agency}\n{commitment}",
        subject.to_hex()
    )
    .into_bytes()
}

/// What the proof of a program's private condition is bound to (the
/// threshold itself is bound by the proof system's transcript).
#[must_use]
pub fn condition_context(
    chain: &str,
    program: &str,
    subject: &AccountId,
    name: &str,
    agency: &str,
    commitment: &str,
) -> Vec<u8> {
    format!(
        "publica/private-condition/v1\n{chain}\n{program}\n{}\n{name}\n{agency}\n{commitment}",
        subject.to_hex()
    )
    .into_bytes()
}

/// Reads a proof: [`publica_zk::PROOF_BYTES`] bytes as hex.
fn proof_bytes(text: &str, what: &str) -> Result<Vec<u8>, TxError> {
    hex::decode(text)
        .ok()
        .filter(|b| b.len() == publica_zk::PROOF_BYTES)
        .ok_or_else(|| {
            err(
                codes::PROOF_INVALID,
                format!(
                    "{what} is {} bytes as hex ({} characters)",
                    publica_zk::PROOF_BYTES,
                    2 * publica_zk::PROOF_BYTES
                ),
            )
        })
}

/// `programs.attest_committed`.
pub(crate) fn attest(ctx: &mut CallContext<'_>, a: AttestCommitted) -> Result<(), TxError> {
    if !valid_name(&a.name) {
        return Err(err(
            codes::INVALID_FIELD,
            format!("bad attribute name '{}'", a.name),
        ));
    }
    let c = Commitment::from_hex(&a.commitment)
        .map_err(|e| err(codes::INVALID_FIELD, format!("commitment: {e}")))?;
    if a.expires_ms.is_some_and(|e| e <= ctx.env().time_ms) {
        return Err(err(
            codes::ATTESTATION_EXPIRED,
            "the attestation has already expired",
        ));
    }
    let proof = proof_bytes(&a.domain_proof, "domain_proof")?;
    let context = domain_context(
        &ctx.env().chain_id,
        &a.subject,
        &a.name,
        &a.agency,
        &a.commitment,
    );
    if !publica_zk::verify(&c, Threshold::AtLeast(0), &context, &proof) {
        return Err(err(
            codes::PROOF_INVALID,
            "the domain proof does not show that the committed value is a u64 for this subject, attribute and agency",
        ));
    }
    let rec = CommittedAttestation {
        commitment: a.commitment.clone(),
        agency: a.agency.clone(),
        attester: ctx.signer(),
        expires_ms: a.expires_ms,
        revoked: false,
        height: ctx.env().height,
    };
    ctx.write(committed_key(&a.subject, &a.name, &a.agency), &rec);
    ctx.emit_event(&ProgramsEvent::AttestedCommitted {
        subject: a.subject,
        agency: a.agency,
        name: a.name,
        commitment: a.commitment,
    });
    Ok(())
}

/// Revokes `agency`'s committed attestation of `name` about `subject`.
pub(crate) fn revoke(
    ctx: &mut CallContext<'_>,
    subject: &AccountId,
    name: &str,
    agency: &str,
) -> Result<(), TxError> {
    let key = committed_key(subject, name, agency);
    let mut rec: CommittedAttestation = ctx.read(&key).ok_or_else(|| {
        err(
            codes::UNKNOWN_ATTESTATION,
            format!("'{agency}' made no committed attestation of '{name}'"),
        )
    })?;
    rec.revoked = true;
    ctx.write(key, &rec);
    ctx.emit_event(&ProgramsEvent::AttestationRevoked {
        subject: *subject,
        name: name.to_string(),
        agency: agency.to_string(),
        period: None,
    });
    Ok(())
}

/// The committed attestation of `name` about `subject` that counts for
/// `p` now: from an agency `p` trusts for it (in the program's order), not
/// revoked or expired, by an attester who still holds the role.
fn current(
    ctx: &CallContext<'_>,
    p: &Program,
    subject: &AccountId,
    name: &str,
) -> Option<CommittedAttestation> {
    let now = ctx.env().time_ms;
    p.trusted_for(name).iter().find_map(|agency| {
        let a: CommittedAttestation = ctx.read(&committed_key(subject, name, agency))?;
        let valid = !a.revoked
            && a.expires_ms.is_none_or(|e| e > now)
            && ctx.has_role(&a.agency, &a.attester, Role::Attester);
        valid.then_some(a)
    })
}

/// Checks `proofs` (hex, one per private condition of `p`, in order) for
/// `subject`: the commitments proven, by attribute.
///
/// # Errors
/// `programs.proof_invalid` (a missing, malformed or failing proof),
/// `programs.not_eligible` (no committed attestation counts),
/// `programs.invalid_field` (proofs for a program without conditions).
pub(crate) fn check_proofs(
    ctx: &CallContext<'_>,
    p: &Program,
    subject: &AccountId,
    proofs: &[String],
) -> Result<BTreeMap<String, String>, TxError> {
    let conditions = &p.private_conditions;
    if conditions.is_empty() {
        if proofs.is_empty() {
            return Ok(BTreeMap::new());
        }
        return Err(err(
            codes::INVALID_FIELD,
            format!(
                "program '{}' has no private conditions: give no proofs",
                p.id
            ),
        ));
    }
    if proofs.len() != conditions.len() {
        return Err(err(
            codes::PROOF_INVALID,
            format!(
                "program '{}' needs one proof per private condition, in order: {}",
                p.id,
                conditions
                    .iter()
                    .map(PrivateCondition::describe)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ));
    }
    let mut proven = BTreeMap::new();
    for (c, text) in conditions.iter().zip(proofs) {
        let what = c.describe();
        let proof = proof_bytes(text, &format!("the proof of '{what}'"))?;
        let a = current(ctx, p, subject, &c.attribute).ok_or_else(|| {
            err(
                codes::NOT_ELIGIBLE,
                format!(
                    "no valid committed attestation of '{}' from an agency the program trusts",
                    c.attribute
                ),
            )
        })?;
        let commitment = Commitment::from_hex(&a.commitment).expect("checked when it was attested");
        let context = condition_context(
            &ctx.env().chain_id,
            &p.id,
            subject,
            &c.attribute,
            &a.agency,
            &a.commitment,
        );
        if !publica_zk::verify(&commitment, c.threshold(), &context, &proof) {
            return Err(err(
                codes::PROOF_INVALID,
                format!(
                    "the proof of '{what}' does not verify for this program and subject against the commitment '{}' attested now",
                    a.agency
                ),
            ));
        }
        proven.insert(c.attribute.clone(), a.commitment);
    }
    Ok(proven)
}

/// Whether every commitment proven for `e` still counts (not revoked,
/// expired or replaced).
pub(crate) fn still_proven(ctx: &CallContext<'_>, p: &Program, e: &Enrolment) -> bool {
    p.private_conditions.iter().all(|c| {
        let now = current(ctx, p, &e.account, &c.attribute).map(|a| a.commitment);
        now.is_some() && now.as_ref() == e.proven.get(&c.attribute)
    })
}
