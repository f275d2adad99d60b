//! A record's life: registration, legal holds, transfer, erasure.

use crate::codes::RecordsRejection as R;
use crate::events::RecordsEvent;
use crate::model::{
    record_key, valid_id, valid_record_id, Hold, Record, Status, Transfer, HOLDS_MAX,
    RECORD_BYTES_MAX, RECORD_TYPES, TRANSFERS_MAX,
};
use crate::{acting_for, reference};
use publica_runtime::authz::agency_key;
use publica_runtime::{CallContext, Rejections};
use publica_types::{AccountId, TxError};
use serde::Deserialize;

/// Arguments of `records.register`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegisterArgs {
    /// The custodian agency; the signer holds `custodian` in it.
    pub agency: String,
    /// The commitment: SHA-256 of the ciphertext (64 hex digits).
    pub record: String,
    /// The patient's account.
    pub subject: AccountId,
    /// Its FHIR resource type.
    pub record_type: String,
    /// Ciphertext length in bytes (1..=8 MiB).
    pub size: u64,
}

/// Arguments of `records.erase`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EraseArgs {
    /// The record.
    pub record: String,
}

/// Arguments of `records.hold`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HoldArgs {
    /// The custodian agency.
    pub agency: String,
    /// The record.
    pub record: String,
    /// The hold's id (1..=64 of `[a-z0-9_-]`).
    pub id: String,
    /// Why: a case reference.
    pub reason: String,
}

/// Arguments of `records.lift_hold`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LiftArgs {
    /// The custodian agency.
    pub agency: String,
    /// The record.
    pub record: String,
    /// The hold's id.
    pub id: String,
}

/// Arguments of `records.transfer`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransferArgs {
    /// The record.
    pub record: String,
    /// The new custodian agency.
    pub to: String,
    /// The new custodian's record store key (`GET /v1/records/store` on
    /// its node), when its node is another: that store may then take the
    /// ciphertext with the data key re-wrapped for it, within a day.
    #[serde(default)]
    pub store_key: Option<String>,
}

/// The record `id`, which must exist.
pub fn read_record(ctx: &CallContext<'_>, id: &str) -> Result<Record, TxError> {
    if !valid_record_id(id) {
        return Err(R::InvalidField.err("a record id is 64 lowercase hex digits"));
    }
    ctx.read(&record_key(id))
        .ok_or_else(|| R::UnknownRecord.err(format!("no record {id}")))
}

/// `records.register`.
pub fn register(ctx: &mut CallContext<'_>, a: RegisterArgs) -> Result<(), TxError> {
    if !valid_record_id(&a.record) {
        return Err(
            R::InvalidField.err("record is the SHA-256 of the ciphertext, 64 lowercase hex digits")
        );
    }
    if !RECORD_TYPES.contains(&a.record_type.as_str()) {
        return Err(R::InvalidResource.err(format!(
            "'{}' is not a record type this ledger keeps (one of {})",
            a.record_type,
            RECORD_TYPES.join(", ")
        )));
    }
    if a.size == 0 || a.size > RECORD_BYTES_MAX {
        return Err(R::InvalidField.err(format!("size is 1..={RECORD_BYTES_MAX} bytes")));
    }
    if ctx.contains(&record_key(&a.record)) {
        return Err(R::RecordExists.err(format!("record {} exists already", a.record)));
    }
    let env = ctx.env().clone();
    let record = Record {
        id: a.record.clone(),
        subject: a.subject,
        record_type: a.record_type.clone(),
        custodian: a.agency.clone(),
        size: a.size,
        height: env.height,
        registered_ms: env.time_ms,
        status: Status::Active,
        erased_ms: None,
        erased_height: None,
        holds: Vec::new(),
        transfers: Vec::new(),
    };
    ctx.write(record_key(&a.record), &record);
    ctx.emit_event(&RecordsEvent::Registered {
        record: a.record,
        subject: a.subject,
        record_type: a.record_type,
        custodian: a.agency,
    });
    Ok(())
}

fn live(record: &Record) -> Result<(), TxError> {
    if record.status == Status::Erased {
        return Err(R::Erased.err(format!("record {} was erased", record.id)));
    }
    Ok(())
}

/// `records.erase`: the ledger keeps the commitment and the erasure; the
/// custodian's store deletes the ciphertext and its wrapped key when it
/// sees the erasure committed.
pub fn erase(ctx: &mut CallContext<'_>, a: EraseArgs) -> Result<(), TxError> {
    let mut record = read_record(ctx, &a.record)?;
    acting_for(ctx, Some(record.subject))?;
    live(&record)?;
    if let Some(h) = record.holds.first() {
        return Err(R::LegalHold.err(format!(
            "legal hold '{}' of '{}' blocks erasure: {}",
            h.id, h.agency, h.reason
        )));
    }
    let env = ctx.env().clone();
    record.status = Status::Erased;
    record.erased_ms = Some(env.time_ms);
    record.erased_height = Some(env.height);
    ctx.write(record_key(&record.id), &record);
    ctx.emit_event(&RecordsEvent::Erased {
        record: record.id,
        subject: record.subject,
        custodian: record.custodian,
    });
    Ok(())
}

fn custodian_of(ctx: &CallContext<'_>, agency: &str, id: &str) -> Result<Record, TxError> {
    let record = read_record(ctx, id)?;
    if record.custodian != agency {
        return Err(
            R::NotTheCustodian.err(format!("record {id} is held by '{}'", record.custodian))
        );
    }
    live(&record)?;
    Ok(record)
}

/// `records.hold`.
pub fn hold(ctx: &mut CallContext<'_>, a: HoldArgs) -> Result<(), TxError> {
    if !valid_id(&a.id) {
        return Err(R::InvalidField.err("a hold id is 1..=64 of [a-z0-9_-]"));
    }
    reference(&a.reason, "reason")?;
    let mut record = custodian_of(ctx, &a.agency, &a.record)?;
    if record.holds.iter().any(|h| h.id == a.id) {
        return Err(R::InvalidField.err(format!("hold '{}' is in force already", a.id)));
    }
    if record.holds.len() >= HOLDS_MAX {
        return Err(R::InvalidField.err(format!("a record has at most {HOLDS_MAX} holds")));
    }
    record.holds.push(Hold {
        id: a.id.clone(),
        agency: a.agency,
        reason: a.reason,
        placed_ms: ctx.env().time_ms,
    });
    ctx.write(record_key(&record.id), &record);
    ctx.emit_event(&RecordsEvent::HoldPlaced {
        record: record.id,
        hold: a.id,
    });
    Ok(())
}

/// `records.lift_hold`.
pub fn lift_hold(ctx: &mut CallContext<'_>, a: LiftArgs) -> Result<(), TxError> {
    let mut record = custodian_of(ctx, &a.agency, &a.record)?;
    let before = record.holds.len();
    // Only the agency that placed a hold lifts it.
    record
        .holds
        .retain(|h| !(h.id == a.id && h.agency == a.agency));
    if record.holds.len() == before {
        return Err(R::InvalidField.err(format!(
            "no hold '{}' of '{}' on the record",
            a.id, a.agency
        )));
    }
    ctx.write(record_key(&record.id), &record);
    ctx.emit_event(&RecordsEvent::HoldLifted {
        record: record.id,
        hold: a.id,
    });
    Ok(())
}

/// `records.transfer`: the record's custody moves; the new custodian's
/// node takes the ciphertext with the data key re-wrapped for its store
/// (`publica records transfer`), never the plaintext.
pub fn transfer(ctx: &mut CallContext<'_>, a: TransferArgs) -> Result<(), TxError> {
    let mut record = read_record(ctx, &a.record)?;
    acting_for(ctx, Some(record.subject))?;
    live(&record)?;
    if !valid_id(&a.to) || !ctx.contains(&agency_key(&a.to)) {
        return Err(R::InvalidField.err(format!("no agency '{}'", a.to)));
    }
    // The same custodian again only to hand the record over to another of
    // its stores (a store key mistyped, a node replaced).
    let same_store = record.transfers.last().and_then(|t| t.store_key.as_deref())
        == a.store_key
            .as_deref()
            .map(str::to_ascii_lowercase)
            .as_deref();
    if record.custodian == a.to && (a.store_key.is_none() || same_store) {
        return Err(R::InvalidField.err(format!("'{}' holds the record already", a.to)));
    }
    if let Some(h) = record.holds.first() {
        // Custody stays with the agency answerable to the court.
        return Err(R::LegalHold.err(format!(
            "legal hold '{}' of '{}' keeps the record where it is: {}",
            h.id, h.agency, h.reason
        )));
    }
    let store_key = match a.store_key {
        Some(k) if k.len() == 64 && k.bytes().all(|b| b.is_ascii_hexdigit()) => {
            Some(k.to_ascii_lowercase())
        }
        Some(_) => {
            return Err(R::InvalidField.err("store_key is an X25519 public key, 64 hex digits"))
        }
        None => None,
    };
    if record.transfers.len() >= TRANSFERS_MAX {
        record.transfers.remove(0);
    }
    let from = std::mem::replace(&mut record.custodian, a.to.clone());
    record.transfers.push(Transfer {
        from: from.clone(),
        to: a.to.clone(),
        at_ms: ctx.env().time_ms,
        store_key: store_key.clone(),
    });
    ctx.write(record_key(&record.id), &record);
    ctx.emit_event(&RecordsEvent::Transferred {
        record: record.id,
        from,
        to: a.to,
        subject: store_key.as_ref().map(|_| record.subject),
        store_key,
    });
    Ok(())
}
