//! Certificates change hands and are cancelled: a holder transfers units
//! of a lot to another account, or cancels them for a beneficiary's
//! consumption (the claim the certificate exists for); an expired lot
//! does neither.

use crate::codes::EnergyRejection as R;
use crate::events::EnergyEvent;
use crate::meters::{bad, registry};
use crate::model::{holding_key, lot_key, registry_key, Lot};
use publica_runtime::kit::is_reference;
use publica_runtime::{CallContext, Rejections};
use publica_types::{AccountId, TxError};
use serde::Deserialize;

/// `energy.transfer`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransferArgs {
    /// The registry's agency.
    pub agency: String,
    /// The lot (`<meter>/<start_ms>`).
    pub lot: String,
    /// How many units.
    pub units: u64,
    /// To whom.
    #[serde(deserialize_with = "publica_crypto::key::one")]
    pub to: AccountId,
}

/// `energy.cancel`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CancelArgs {
    /// The registry's agency.
    pub agency: String,
    /// The lot.
    pub lot: String,
    /// How many units.
    pub units: u64,
    /// For whom the consumption is claimed (a reference: a customer
    /// number, a site code).
    pub beneficiary: String,
}

/// The lot `id` of `agency`'s registry.
pub fn lot(ctx: &CallContext<'_>, agency: &str, id: &str) -> Result<Lot, TxError> {
    let ok = id.len() <= 96
        && id.split_once('/').is_some_and(|(m, t)| {
            crate::model::valid_id(m) && !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit())
        });
    if !ok {
        return Err(bad("a lot id is <meter>/<interval start ms>"));
    }
    ctx.read(&lot_key(agency, id))
        .ok_or_else(|| R::UnknownCertificate.err(format!("'{agency}' has no lot '{id}'")))
}

/// Takes `units` of `lot` from the signer, checking the lot is usable.
fn take(
    ctx: &mut CallContext<'_>,
    agency: &str,
    l: &Lot,
    units: u64,
) -> Result<AccountId, TxError> {
    if units == 0 {
        return Err(bad("units is at least 1"));
    }
    if ctx.env().time_ms >= l.expires_ms {
        return Err(R::Expired.err(format!("lot '{}' expired at {}", l.id, l.expires_ms)));
    }
    let me = ctx.signer();
    let key = holding_key(agency, &l.id, &me);
    let held: u64 = ctx.read(&key).unwrap_or(0);
    if held < units {
        return Err(R::InsufficientUnits.err(format!(
            "the signer holds {held} units of '{}', not {units}",
            l.id
        )));
    }
    if held == units {
        ctx.delete(key);
    } else {
        ctx.write(key, &(held - units));
    }
    Ok(me)
}

/// `energy.transfer`.
pub fn transfer(ctx: &mut CallContext<'_>, a: TransferArgs) -> Result<(), TxError> {
    registry(ctx, &a.agency)?;
    let l = lot(ctx, &a.agency, &a.lot)?;
    if a.to == ctx.signer() {
        return Err(bad("a transfer goes to another account"));
    }
    let from = take(ctx, &a.agency, &l, a.units)?;
    let key = holding_key(&a.agency, &l.id, &a.to);
    let theirs: u64 = ctx.read(&key).unwrap_or(0);
    ctx.write(key, &(theirs + a.units));
    ctx.emit_event(&EnergyEvent::Transferred {
        agency: a.agency,
        lot: l.id,
        from,
        to: a.to,
        units: a.units,
    });
    Ok(())
}

/// `energy.cancel`.
pub fn cancel(ctx: &mut CallContext<'_>, a: CancelArgs) -> Result<(), TxError> {
    let mut r = registry(ctx, &a.agency)?;
    let mut l = lot(ctx, &a.agency, &a.lot)?;
    if !is_reference(&a.beneficiary) {
        return Err(bad(publica_runtime::kit::reference_rule("beneficiary")));
    }
    let by = take(ctx, &a.agency, &l, a.units)?;
    l.cancelled += a.units;
    r.cancelled_units += a.units;
    ctx.write(lot_key(&a.agency, &l.id), &l);
    ctx.write(registry_key(&a.agency), &r);
    ctx.emit_event(&EnergyEvent::Cancelled {
        agency: a.agency,
        lot: l.id,
        by,
        units: a.units,
        beneficiary: a.beneficiary,
    });
    Ok(())
}
