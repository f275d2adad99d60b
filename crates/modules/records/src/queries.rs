//! Reads of the records module's state: what its routes answer with, and
//! the check the record store makes before it releases a key.

use crate::codes::RecordsRejection as R;
use crate::model::{
    access_key, consents_key, record_key, Access, Basis, Consent, Record, Status,
    HANDOVER_WINDOW_MS, RELEASE_WINDOW_MS,
};
use publica_runtime::overlay::StateRead;
use publica_runtime::Rejections;
use publica_types::{AccountId, TxError};

fn read<T: serde::de::DeserializeOwned>(state: &dyn StateRead, key: &[u8]) -> Option<T> {
    state
        .value(key)
        .and_then(|b| serde_json::from_slice(&b).ok())
}

/// The record `id`.
#[must_use]
pub fn record(state: &dyn StateRead, id: &str) -> Option<Record> {
    read(state, &record_key(id))
}

/// The access `id`.
#[must_use]
pub fn access(state: &dyn StateRead, id: &str) -> Option<Access> {
    read(state, &access_key(&id.to_ascii_lowercase()))
}

/// `subject`'s consents, live and past.
#[must_use]
pub fn consents(state: &dyn StateRead, subject: &AccountId) -> Vec<Consent> {
    read(state, &consents_key(subject)).unwrap_or_default()
}

/// What the store releases a key for: a logged access let through, with
/// its record.
#[derive(Debug)]
pub struct Releasable {
    /// The access.
    pub access: Access,
    /// Its record.
    pub record: Record,
}

/// Whether the key of access `id`'s record may be released now (the
/// ledger at `height`, its time `now_ms`): the access was let through, is
/// at most [`RELEASE_WINDOW_MS`] old, its record is not erased, and — for
/// an access under a consent — the consent is still in force (a revocation
/// A record whose last transfer hands its data key over to the new
/// custodian's store now: the record and that store's key.
pub fn handover(
    state: &dyn StateRead,
    id: &str,
    now_ms: u64,
) -> Result<(Record, [u8; 32]), TxError> {
    let record =
        record(state, id).ok_or_else(|| R::UnknownRecord.err(format!("no record {id}")))?;
    if record.status == Status::Erased {
        return Err(R::Erased.err(format!("record {id} was erased")));
    }
    let last = record
        .transfers
        .last()
        .ok_or_else(|| R::NoHandover.err(format!("record {id} was never transferred")))?;
    let key = last
        .store_key
        .as_deref()
        .and_then(|k| hex::decode(k).ok())
        .and_then(|b| <[u8; 32]>::try_from(b).ok())
        .ok_or_else(|| {
            R::NoHandover.err(format!(
                "record {id}'s last transfer (to '{}') named no store key",
                last.to
            ))
        })?;
    if now_ms.saturating_sub(last.at_ms) > HANDOVER_WINDOW_MS {
        return Err(R::NoHandover.err(format!(
            "record {id} was transferred at {} ms; its key is handed over within a day",
            last.at_ms
        )));
    }
    Ok((record, key))
}

/// or an expiry since the access stops the release too).
pub fn releasable(
    state: &dyn StateRead,
    id: &str,
    height: u64,
    now_ms: u64,
) -> Result<Releasable, TxError> {
    let access =
        access(state, id).ok_or_else(|| R::UnknownAccess.err(format!("no access {id}")))?;
    if let Basis::Refused { code, message } = &access.basis {
        return Err(R::AccessRefused.err(format!("the access was refused ({code}: {message})")));
    }
    if now_ms.saturating_sub(access.at_ms) > RELEASE_WINDOW_MS {
        return Err(R::AccessStale.err(format!(
            "the access was logged at {} ms; keys are released within {} s of it",
            access.at_ms,
            RELEASE_WINDOW_MS / 1000
        )));
    }
    let record = record(state, &access.record)
        .ok_or_else(|| R::UnknownRecord.err(format!("no record {}", access.record)))?;
    if record.status == Status::Erased {
        return Err(R::Erased.err(format!("record {} was erased", record.id)));
    }
    if let Basis::Consent {
        consent,
        granted_height,
        ..
    } = &access.basis
    {
        // The very consent the access was let through by: an id can be
        // given again once its consent was pruned.
        let all = consents(state, &record.subject);
        match all
            .iter()
            .find(|c| &c.id == consent && c.granted_height == *granted_height)
        {
            Some(c) if c.live(height, now_ms) => {}
            Some(c) if c.revoked_height.is_some() => {
                return Err(R::ConsentRevoked.err(format!("consent '{consent}' was revoked")))
            }
            _ => return Err(R::ConsentExpired.err(format!("consent '{consent}' has expired"))),
        }
    }
    Ok(Releasable { access, record })
}
