//! The calls: an agency's data publisher (an `oracle`) registers a data
//! set or feed and publishes its batches by hash; it grants a restricted
//! data set to other agencies (for a purpose, until a date) or revokes
//! the grant; a member of a granted agency records an access to a batch,
//! which the publisher's node honours with the content.

use super::codes::CityDataRejection as R;
use super::events::CityDataEvent as E;
use super::model::{
    access_key, batch_key, content_key, dataset_key, grant_key, Access, AccessRecord, Batch,
    DataSet, Grant, Kind, BATCH_BYTES_MAX,
};
use crate::model::valid_id;
use publica_runtime::kit::{is_reference, reference_rule};
use publica_runtime::{CallContext, Rejections};
use publica_types::{AccountId, TxError};
use serde::Deserialize;

fn bad(msg: impl Into<String>) -> TxError {
    R::InvalidField.err(msg)
}

fn id(s: &str, what: &str) -> Result<(), TxError> {
    if valid_id(s) {
        Ok(())
    } else {
        Err(bad(format!("{what} is 1..=64 of [a-z0-9_-]")))
    }
}

fn reference(s: &str, what: &str) -> Result<(), TxError> {
    if is_reference(s) {
        Ok(())
    } else {
        Err(bad(reference_rule(what)))
    }
}

/// The data set `id` of `agency`.
pub fn dataset(ctx: &CallContext<'_>, agency: &str, ds: &str) -> Result<DataSet, TxError> {
    id(ds, "a data set id")?;
    ctx.read(&dataset_key(agency, ds))
        .ok_or_else(|| R::UnknownDataset.err(format!("'{agency}' publishes no data set '{ds}'")))
}

/// `citydata.register`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegisterArgs {
    /// The publishing agency (an oracle of it signs).
    pub agency: String,
    /// The data set's id.
    pub id: String,
    /// Data set or feed.
    pub kind: Kind,
    /// The schema (a reference).
    pub schema: String,
    /// The licence (an SPDX id, a reference).
    pub licence: String,
    /// Who may read it.
    pub access: Access,
}

/// `citydata.register`.
pub fn register(ctx: &mut CallContext<'_>, a: RegisterArgs) -> Result<(), TxError> {
    id(&a.id, "a data set id")?;
    reference(&a.schema, "schema")?;
    reference(&a.licence, "licence")?;
    let key = dataset_key(&a.agency, &a.id);
    if ctx.contains(&key) {
        return Err(R::Exists.err(format!("'{}' publishes '{}' already", a.agency, a.id)));
    }
    let d = DataSet {
        agency: a.agency.clone(),
        id: a.id.clone(),
        kind: a.kind,
        schema: a.schema,
        licence: a.licence,
        access: a.access,
        batches: 0,
        last_end_ms: 0,
        bytes: 0,
    };
    ctx.write(key, &d);
    ctx.emit_event(&E::Registered {
        agency: a.agency,
        dataset: a.id,
        data_kind: a.kind,
        access: a.access,
    });
    Ok(())
}

/// `citydata.publish`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PublishArgs {
    /// The publishing agency (an oracle of it signs).
    pub agency: String,
    /// The data set.
    pub dataset: String,
    /// SHA-256 of the content (64 lower-case hex).
    pub hash: String,
    /// The content's size (1..=16 MiB).
    pub bytes: u64,
    /// The window's start (ms).
    pub start_ms: u64,
    /// The window's end (ms, exclusive; at most the block's time).
    pub end_ms: u64,
    /// The media type (`text/csv`, `application/json`, …).
    pub media_type: String,
}

/// Whether `s` is a media type we name: `type/subtype` of
/// `[a-z0-9.+-]`, at most 64 bytes.
fn media_type(s: &str) -> bool {
    s.len() <= 64
        && s.split_once('/').is_some_and(|(t, st)| {
            [t, st].iter().all(|p| {
                !p.is_empty()
                    && p.bytes().all(|b| {
                        b.is_ascii_lowercase()
                            || b.is_ascii_digit()
                            || matches!(b, b'.' | b'+' | b'-')
                    })
            })
        })
}

/// `citydata.publish`: the next batch, by hash; a feed's windows follow
/// one another.
pub fn publish(ctx: &mut CallContext<'_>, a: PublishArgs) -> Result<(), TxError> {
    let mut d = dataset(ctx, &a.agency, &a.dataset)?;
    if a.hash.len() != 64
        || !a
            .hash
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    {
        return Err(bad(
            "hash is the content's SHA-256, 64 lower-case hex digits",
        ));
    }
    if !(1..=BATCH_BYTES_MAX).contains(&a.bytes) {
        return Err(bad(format!("bytes is 1..={BATCH_BYTES_MAX}")));
    }
    if !media_type(&a.media_type) {
        return Err(bad(
            "media_type is type/subtype of [a-z0-9.+-], at most 64 bytes",
        ));
    }
    let now = ctx.env().time_ms;
    if a.start_ms >= a.end_ms || a.end_ms > now {
        return Err(R::OutOfOrder.err(format!(
            "the window [{}, {}) must be non-empty and over by the block's time {now}",
            a.start_ms, a.end_ms
        )));
    }
    if d.kind == Kind::Feed && a.start_ms < d.last_end_ms {
        return Err(R::OutOfOrder.err(format!(
            "feed '{}' has data up to {}; the next batch starts there or later",
            a.dataset, d.last_end_ms
        )));
    }
    d.batches += 1;
    d.last_end_ms = d.last_end_ms.max(a.end_ms);
    d.bytes += a.bytes;
    let b = Batch {
        seq: d.batches,
        hash: a.hash.clone(),
        bytes: a.bytes,
        start_ms: a.start_ms,
        end_ms: a.end_ms,
        media_type: a.media_type,
        by: ctx.signer(),
        at_ms: now,
    };
    ctx.write(batch_key(&a.agency, &a.dataset, b.seq), &b);
    ctx.write(dataset_key(&a.agency, &a.dataset), &d);
    ctx.write(content_key(&a.hash), &true);
    ctx.emit_event(&E::Published {
        agency: a.agency,
        dataset: a.dataset,
        seq: b.seq,
        hash: a.hash,
        bytes: a.bytes,
        start_ms: a.start_ms,
        end_ms: a.end_ms,
    });
    Ok(())
}

/// `citydata.grant`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GrantArgs {
    /// The publishing agency (an oracle of it signs).
    pub agency: String,
    /// The data set.
    pub dataset: String,
    /// The agency granted.
    pub grantee: String,
    /// For what (a reference), or `*` for any purpose.
    pub purpose: String,
    /// Until when (ms), if it ends.
    #[serde(default)]
    pub expires_ms: Option<u64>,
    /// Revoke the grant instead.
    #[serde(default)]
    pub revoke: bool,
}

/// `citydata.grant`: grants a restricted data set, or revokes a grant.
pub fn grant(ctx: &mut CallContext<'_>, a: GrantArgs) -> Result<(), TxError> {
    let d = dataset(ctx, &a.agency, &a.dataset)?;
    id(&a.grantee, "grantee")?;
    if a.purpose != "*" {
        reference(&a.purpose, "purpose")?;
    }
    if d.access == Access::Open {
        return Err(bad(format!(
            "'{}' is open data: it needs no grant",
            a.dataset
        )));
    }
    if d.access == Access::Agencies && a.purpose != "*" {
        return Err(bad(
            "an agencies-only data set is granted for any purpose (*)",
        ));
    }
    if a.grantee == a.agency || !ctx.contains(&publica_runtime::authz::agency_key(&a.grantee)) {
        return Err(bad(format!(
            "'{}' is not another agency on the ledger",
            a.grantee
        )));
    }
    let key = grant_key(&a.agency, &a.dataset, &a.grantee, &a.purpose);
    if a.revoke {
        if !ctx.contains(&key) {
            return Err(R::NoGrant.err(format!("'{}' holds no such grant", a.grantee)));
        }
        ctx.delete(key);
    } else {
        if a.expires_ms.is_some_and(|t| t <= ctx.env().time_ms) {
            return Err(bad("expires_ms is after the block's time"));
        }
        let g = Grant {
            grantee: a.grantee.clone(),
            purpose: a.purpose.clone(),
            expires_ms: a.expires_ms,
            by: ctx.signer(),
        };
        ctx.write(key, &g);
    }
    ctx.emit_event(&E::Granted {
        agency: a.agency,
        dataset: a.dataset,
        grantee: a.grantee,
        purpose: a.purpose,
        expires_ms: a.expires_ms,
        revoked: a.revoke,
    });
    Ok(())
}

/// Whether `grantee` may read `d` for `purpose` at `now`; `read` gives
/// the bytes under a state key.
pub fn granted(
    read: &dyn Fn(&[u8]) -> Option<Vec<u8>>,
    d: &DataSet,
    grantee: &str,
    purpose: &str,
    now: u64,
) -> bool {
    let valid = |p: &str| {
        read(&grant_key(&d.agency, &d.id, grantee, p))
            .and_then(|b| serde_json::from_slice::<Grant>(&b).ok())
            .is_some_and(|g| g.expires_ms.is_none_or(|t| now < t))
    };
    match d.access {
        Access::Open => true,
        Access::Agencies => valid("*"),
        Access::Purpose => valid(purpose) || valid("*"),
    }
}

/// `citydata.access`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccessArgs {
    /// The publisher.
    pub agency: String,
    /// The data set.
    pub dataset: String,
    /// The batch.
    pub batch: u64,
    /// The reading agency (the signer is a member of it).
    pub grantee: String,
    /// The purpose (a reference).
    pub purpose: String,
}

/// `citydata.access`: recorded on the ledger before the content is
/// served; the signer downloads with it within the hour.
pub fn access(ctx: &mut CallContext<'_>, a: AccessArgs) -> Result<(), TxError> {
    let d = dataset(ctx, &a.agency, &a.dataset)?;
    id(&a.grantee, "grantee")?;
    reference(&a.purpose, "purpose")?;
    if a.batch == 0 || a.batch > d.batches {
        return Err(R::UnknownDataset.err(format!("'{}' has no batch {}", a.dataset, a.batch)));
    }
    let me: AccountId = ctx.signer();
    let member = ctx.contains(&publica_runtime::authz::member_key(&a.grantee, &me));
    let now = ctx.env().time_ms;
    let read = |k: &[u8]| ctx.get(k);
    if !member || !granted(&read, &d, &a.grantee, &a.purpose, now) {
        return Err(R::NoGrant.err(format!(
            "the signer is not a member of '{}', or it holds no valid grant of '{}' for '{}'",
            a.grantee, a.dataset, a.purpose
        )));
    }
    let tx = ctx
        .tx_id()
        .ok_or_else(|| bad("an access is recorded by a transaction"))?
        .to_hex();
    let rec = AccessRecord {
        agency: a.agency.clone(),
        dataset: a.dataset.clone(),
        batch: a.batch,
        grantee: a.grantee.clone(),
        purpose: a.purpose.clone(),
        by: me,
        at_ms: now,
    };
    ctx.write(access_key(&tx), &rec);
    ctx.emit_event(&E::Accessed {
        agency: a.agency,
        dataset: a.dataset,
        batch: a.batch,
        grantee: a.grantee,
        purpose: a.purpose,
        by: me,
    });
    Ok(())
}
