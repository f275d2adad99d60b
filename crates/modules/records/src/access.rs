//! Accesses (the log the subject checks) and the review of emergency ones.

use crate::codes::RecordsRejection as R;
use crate::consent::read_consents;
use crate::events::RecordsEvent;
use crate::model::{
    access_key, record_key, valid_record_id, Access, Basis, Consent, Grantee, Purpose, Record,
    Review, Status, REVIEW_WITHIN_MS,
};
use crate::reference;
use publica_runtime::authz::Role;
use publica_runtime::{CallContext, Rejections};
use publica_types::{AccountId, TxError};
use serde::Deserialize;

/// Arguments of `records.access`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccessArgs {
    /// The record.
    pub record: String,
    /// Why.
    pub purpose: Purpose,
    /// The X25519 public key (hex) the data key is to be wrapped for.
    pub reader_key: String,
    /// The agency the reader reads for (a consent to an agency, and
    /// break-glass, need it).
    #[serde(default)]
    pub agency: Option<String>,
    /// Break-glass: the emergency, as a reference (no consent needed; a
    /// clinician of `agency`; reviewed afterwards).
    #[serde(default)]
    pub emergency: Option<String>,
}

/// Arguments of `records.review`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReviewArgs {
    /// The privacy officer's agency: the clinician's.
    pub agency: String,
    /// The emergency access (its id).
    pub access: String,
    /// Whether the emergency justified it.
    pub justified: bool,
    /// A reference to the review's file.
    pub note: String,
}

/// Whether `c` lets `reader` (reading for `agency`) in.
fn grantee_matches(
    ctx: &CallContext<'_>,
    c: &Consent,
    reader: &AccountId,
    agency: Option<&str>,
) -> bool {
    match &c.grantee {
        Grantee::Account(a) => a == reader,
        Grantee::Agency(g) => {
            agency == Some(g.as_str()) && ctx.has_role(g, reader, Role::Clinician)
        }
    }
}

/// The ground for `reader` to read `record` now, or the refusal.
pub fn judge(
    ctx: &CallContext<'_>,
    record: &Record,
    reader: &AccountId,
    a: &AccessArgs,
) -> Result<Basis, TxError> {
    let env = ctx.env();
    if record.status == Status::Erased {
        return Err(R::Erased.err(format!("record {} was erased", record.id)));
    }
    if let Some(reason) = &a.emergency {
        let agency = a.agency.as_deref().unwrap_or_default();
        if !ctx.has_role(agency, reader, Role::Clinician) {
            return Err(R::NotAClinician.err(format!(
                "{reader} holds no clinician role in '{agency}' to break the glass"
            )));
        }
        return Ok(Basis::Emergency {
            reason: reason.clone(),
            review_due_ms: env.time_ms.saturating_add(REVIEW_WITHIN_MS),
        });
    }
    let consents = read_consents(ctx, &record.subject);
    let mine = consents.iter().filter(|c| {
        c.covers(a.purpose, &record.record_type)
            && grantee_matches(ctx, c, reader, a.agency.as_deref())
    });
    let mut past: Option<&Consent> = None;
    for c in mine {
        if c.live(env.height, env.time_ms) {
            return Ok(Basis::Consent {
                consent: c.id.clone(),
                granted_height: c.granted_height,
                expires_ms: c.expires_ms,
            });
        }
        past = Some(c);
    }
    Err(match past {
        Some(c) if c.revoked_height.is_some() => {
            R::ConsentRevoked.err(format!("consent '{}' was revoked", c.id))
        }
        Some(c) => {
            R::ConsentExpired.err(format!("consent '{}' expired at {} ms", c.id, c.expires_ms))
        }
        None => R::NoConsent.err(format!(
            "no consent of {} lets {reader} read a {} for {}",
            record.subject,
            record.record_type,
            crate::purpose_name(a.purpose)
        )),
    })
}

fn check(ctx: &CallContext<'_>, a: &AccessArgs) -> Result<Record, TxError> {
    if !valid_record_id(&a.record) {
        return Err(R::InvalidField.err("a record id is 64 lowercase hex digits"));
    }
    let key = hex::decode(&a.reader_key)
        .ok()
        .and_then(|b| <[u8; 32]>::try_from(b).ok())
        .ok_or_else(|| R::InvalidField.err("reader_key is an X25519 public key, 64 hex digits"))?;
    if !publica_crypto::seal::usable_public(&key) {
        return Err(R::InvalidField.err("reader_key is a small-order point"));
    }
    if let Some(r) = &a.emergency {
        reference(r, "emergency")?;
    }
    if let Some(agency) = &a.agency {
        if !crate::model::valid_id(agency) {
            return Err(R::InvalidField.err("agency is an agency id"));
        }
    }
    ctx.read(&record_key(&a.record))
        .ok_or_else(|| R::UnknownRecord.err(format!("no record {}", a.record)))
}

/// `records.access`: logs the access — let through on a consent in force
/// or break-glass, refused otherwise — and succeeds either way once the
/// record exists, so that a refused attempt is on the subject's log too.
pub fn access(ctx: &mut CallContext<'_>, a: AccessArgs) -> Result<(), TxError> {
    let record = check(ctx, &a)?;
    let reader = ctx.signer();
    let basis = match judge(ctx, &record, &reader, &a) {
        Ok(b) => b,
        Err(e) => Basis::Refused {
            code: e.code,
            message: e.message,
        },
    };
    let id = ctx
        .tx_id()
        .ok_or_else(|| R::InvalidField.err("an access is a transaction of its reader"))?
        .to_hex();
    let (kind, code) = match &basis {
        Basis::Consent { .. } => ("consent", None),
        Basis::Emergency { .. } => ("emergency", None),
        Basis::Refused { code, .. } => ("refused", Some(code.clone())),
    };
    let env = ctx.env().clone();
    let entry = Access {
        id: id.clone(),
        record: record.id.clone(),
        subject: record.subject,
        reader,
        agency: a.agency.clone(),
        purpose: a.purpose,
        reader_key: a.reader_key.to_ascii_lowercase(),
        basis,
        height: env.height,
        at_ms: env.time_ms,
        review: None,
    };
    ctx.write(access_key(&id), &entry);
    ctx.emit_event(&RecordsEvent::Accessed {
        access: id,
        record: record.id,
        subject: record.subject,
        reader,
        agency: a.agency,
        basis: kind.to_string(),
        code,
    });
    Ok(())
}

/// `records.review`.
pub fn review(ctx: &mut CallContext<'_>, a: ReviewArgs) -> Result<(), TxError> {
    reference(&a.note, "note")?;
    let id = a.access.to_ascii_lowercase();
    let mut entry: Access = ctx
        .read(&access_key(&id))
        .ok_or_else(|| R::UnknownAccess.err(format!("no access {id}")))?;
    let Basis::Emergency { review_due_ms, .. } = entry.basis else {
        return Err(R::NotReviewable.err("only an emergency access is reviewed"));
    };
    let officer = ctx.signer();
    if entry.agency.as_deref() != Some(a.agency.as_str()) {
        return Err(R::NotReviewable.err(format!(
            "the access was made for '{}', not '{}'",
            entry.agency.as_deref().unwrap_or_default(),
            a.agency
        )));
    }
    if entry.review.is_some() {
        return Err(R::NotReviewable.err("the access is reviewed already"));
    }
    if entry.reader == officer {
        return Err(R::NotReviewable.err("a clinician does not review their own emergency access"));
    }
    let now = ctx.env().time_ms;
    let late = now > review_due_ms;
    entry.review = Some(Review {
        by: officer,
        justified: a.justified,
        note: a.note,
        at_ms: now,
        late,
    });
    ctx.write(access_key(&id), &entry);
    ctx.emit_event(&RecordsEvent::Reviewed {
        access: id,
        agency: a.agency,
        justified: a.justified,
        late,
    });
    Ok(())
}
