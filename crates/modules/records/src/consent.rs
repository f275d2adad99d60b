//! Consents and guardians.

use crate::codes::RecordsRejection as R;
use crate::events::RecordsEvent;
use crate::model::{
    consents_key, guardian_key, valid_id, Consent, Grantee, Guardian, Purpose, CONSENTS_MAX,
    CONSENT_MS_MAX, RECORD_TYPES,
};
use crate::{acting_for, model};
use publica_runtime::authz::agency_key;
use publica_runtime::{CallContext, Rejections};
use publica_types::{AccountId, TxError};
use serde::Deserialize;

/// Arguments of `records.grant`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GrantArgs {
    /// The patient (default: the signer; a guardian names them).
    #[serde(default)]
    pub subject: Option<AccountId>,
    /// The consent's id (1..=64 of `[a-z0-9_-]`, unique per subject).
    pub id: String,
    /// Whom it covers.
    pub grantee: Grantee,
    /// For what.
    pub purpose: Purpose,
    /// Which record types (FHIR names; all when empty or absent).
    #[serde(default)]
    pub record_types: Vec<String>,
    /// Until (ms since the epoch, after the block's time, within five
    /// years).
    pub expires_ms: u64,
}

/// Arguments of `records.revoke`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RevokeArgs {
    /// The patient (default: the signer).
    #[serde(default)]
    pub subject: Option<AccountId>,
    /// The consent's id.
    pub id: String,
}

/// Arguments of `records.set_guardian`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GuardianArgs {
    /// The attester's agency (a civil registry, a court).
    pub agency: String,
    /// The patient.
    pub subject: AccountId,
    /// The guardian.
    pub guardian: AccountId,
    /// Appoint (true) or remove (false).
    pub active: bool,
}

/// The subject's consents.
pub fn read_consents(ctx: &CallContext<'_>, subject: &AccountId) -> Vec<Consent> {
    ctx.read(&consents_key(subject)).unwrap_or_default()
}

fn check_grant(ctx: &CallContext<'_>, a: &GrantArgs) -> Result<(), TxError> {
    if !valid_id(&a.id) {
        return Err(R::InvalidField.err("a consent id is 1..=64 of [a-z0-9_-]"));
    }
    if a.record_types.len() > RECORD_TYPES.len() {
        return Err(R::InvalidField.err("record_types lists each type at most once"));
    }
    if let Some(t) = a
        .record_types
        .iter()
        .find(|t| !RECORD_TYPES.contains(&t.as_str()))
    {
        return Err(R::InvalidField.err(format!(
            "'{t}' is not a record type (one of {})",
            RECORD_TYPES.join(", ")
        )));
    }
    let now = ctx.env().time_ms;
    if a.expires_ms <= now || a.expires_ms - now > CONSENT_MS_MAX {
        return Err(R::InvalidField.err(format!(
            "expires_ms is after the block's time ({now}) and within five years of it"
        )));
    }
    if let Grantee::Agency(agency) = &a.grantee {
        if !ctx.contains(&agency_key(agency)) {
            return Err(R::InvalidField.err(format!("no agency '{agency}'")));
        }
    }
    Ok(())
}

/// `records.grant`.
pub fn grant(ctx: &mut CallContext<'_>, a: GrantArgs) -> Result<(), TxError> {
    let subject = acting_for(ctx, a.subject)?;
    check_grant(ctx, &a)?;
    let env = ctx.env().clone();
    let mut consents = read_consents(ctx, &subject);
    if consents.iter().any(|c| c.id == a.id) {
        return Err(R::ConsentExists.err(format!("consent '{}' exists already", a.id)));
    }
    if consents.len() >= CONSENTS_MAX {
        // Past consents make room; their history stays in the events.
        consents.retain(|c| c.live(env.height, env.time_ms));
        if consents.len() >= CONSENTS_MAX {
            return Err(R::TooManyConsents.err(format!(
                "{CONSENTS_MAX} consents are in force: revoke one first"
            )));
        }
    }
    let mut record_types = a.record_types;
    record_types.sort();
    record_types.dedup();
    consents.push(Consent {
        id: a.id.clone(),
        grantee: a.grantee.clone(),
        purpose: a.purpose,
        record_types,
        expires_ms: a.expires_ms,
        granted_by: ctx.signer(),
        granted_height: env.height,
        revoked_height: None,
    });
    ctx.write(consents_key(&subject), &consents);
    ctx.emit_event(&RecordsEvent::ConsentGranted {
        subject,
        consent: a.id,
        grantee: a.grantee,
        purpose: a.purpose,
        expires_ms: a.expires_ms,
    });
    Ok(())
}

/// `records.revoke`: from the next transaction on, the consent covers no
/// access (a later key release for an access under it is refused too).
pub fn revoke(ctx: &mut CallContext<'_>, a: RevokeArgs) -> Result<(), TxError> {
    let subject = acting_for(ctx, a.subject)?;
    let height = ctx.env().height;
    let mut consents = read_consents(ctx, &subject);
    let c = consents
        .iter_mut()
        .find(|c| c.id == a.id)
        .ok_or_else(|| R::UnknownConsent.err(format!("no consent '{}'", a.id)))?;
    if c.revoked_height.is_some() {
        return Err(R::UnknownConsent.err(format!("consent '{}' is revoked already", a.id)));
    }
    c.revoked_height = Some(height);
    ctx.write(consents_key(&subject), &consents);
    ctx.emit_event(&RecordsEvent::ConsentRevoked {
        subject,
        consent: a.id,
    });
    Ok(())
}

/// `records.set_guardian`.
pub fn set_guardian(ctx: &mut CallContext<'_>, a: GuardianArgs) -> Result<(), TxError> {
    if a.subject == a.guardian {
        return Err(R::InvalidField.err("a subject is not their own guardian"));
    }
    if a.guardian == ctx.signer() {
        return Err(R::InvalidField.err("an attester does not appoint or remove themselves"));
    }
    let key = guardian_key(&a.subject, &a.guardian);
    let now: Option<Guardian> = ctx.read(&key);
    match (a.active, now) {
        (true, Some(g)) => {
            return Err(R::InvalidField.err(format!(
                "{} is a guardian of {} already (appointed by '{}')",
                a.guardian, a.subject, g.agency
            )))
        }
        (true, None) => {
            let g = model::Guardian {
                agency: a.agency.clone(),
                since_ms: ctx.env().time_ms,
            };
            ctx.write::<Guardian>(key, &g);
        }
        // Only the agency that appointed a guardian removes them.
        (false, Some(g)) if g.agency == a.agency => ctx.delete(key),
        (false, Some(g)) => {
            return Err(R::InvalidField.err(format!(
                "'{}' appointed this guardian: only it removes them",
                g.agency
            )))
        }
        (false, None) => {
            return Err(
                R::InvalidField.err(format!("{} is not a guardian of {}", a.guardian, a.subject))
            )
        }
    }
    ctx.emit_event(&RecordsEvent::GuardianSet {
        subject: a.subject,
        guardian: a.guardian,
        active: a.active,
        agency: a.agency,
    });
    Ok(())
}
