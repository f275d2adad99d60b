//! The registry's settings, meters, and signed readings: each batch is
//! checked against the meter's key, order and capacity, and the
//! renewable exports in it issue certificates.

use crate::codes::EnergyRejection as R;
use crate::events::EnergyEvent;
use crate::model::{
    holding_key, lot_key, meter_by_key, meter_key, registry_key, signing_bytes, valid_id, Lot,
    Meter, MeterRole, Reading, Registry, Technology, BATCH_MAX, CAPACITY_W_MAX,
};
use publica_runtime::kit::is_reference;
use publica_runtime::{CallContext, Rejections};
use publica_types::{AccountId, SignatureBytes, TxError};
use serde::Deserialize;

/// `energy.configure`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigureArgs {
    /// The agency (its grid operator signs).
    pub agency: String,
    /// Watt-hours per unit (1..=1,000,000).
    pub unit_wh: u64,
    /// The metering interval (ms; one minute to one hour, dividing a day).
    pub interval_ms: u64,
    /// Validity after the interval (days, 1..=3660).
    pub validity_days: u64,
    /// The country (ISO 3166-1 alpha-2, upper case).
    pub country: String,
}

/// `energy.register_meter`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegisterArgs {
    /// The agency.
    pub agency: String,
    /// The meter's id.
    pub id: String,
    /// The meter's signing key.
    #[serde(deserialize_with = "publica_crypto::key::one")]
    pub key: AccountId,
    /// Who receives its certificates.
    #[serde(deserialize_with = "publica_crypto::key::one")]
    pub holder: AccountId,
    /// What it measures.
    pub role: MeterRole,
    /// Its source.
    pub technology: Technology,
    /// Where (a reference).
    pub location: String,
    /// Rated capacity (W).
    pub capacity_w: u64,
}

/// `energy.flag_meter`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FlagArgs {
    /// The agency.
    pub agency: String,
    /// The meter.
    pub meter: String,
    /// The reason (a reference), or none to clear the flag.
    pub faulty: Option<String>,
}

/// `energy.submit_readings`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReadingsArgs {
    /// The agency.
    pub agency: String,
    /// The meter.
    pub meter: String,
    /// The readings, oldest first, one per interval.
    pub readings: Vec<Reading>,
    /// The meter's Ed25519 signature over [`signing_bytes`].
    pub signature: SignatureBytes,
}

pub(crate) fn bad(msg: impl Into<String>) -> TxError {
    R::InvalidField.err(msg)
}

/// The agency's registry, configured.
pub fn registry(ctx: &CallContext<'_>, agency: &str) -> Result<Registry, TxError> {
    ctx.read(&registry_key(agency)).ok_or_else(|| {
        R::NotConfigured.err(format!("'{agency}' has no certificate registry configured"))
    })
}

/// The meter `id` of `agency`.
pub fn meter(ctx: &CallContext<'_>, agency: &str, id: &str) -> Result<Meter, TxError> {
    if !valid_id(id) {
        return Err(bad("a meter id is 1..=64 of [a-z0-9_-]"));
    }
    ctx.read(&meter_key(agency, id))
        .ok_or_else(|| R::UnknownMeter.err(format!("'{agency}' has no meter '{id}'")))
}

/// `energy.configure`: settings may change; totals stay.
pub fn configure(ctx: &mut CallContext<'_>, a: ConfigureArgs) -> Result<(), TxError> {
    if !(1..=1_000_000).contains(&a.unit_wh) || !(1..=3660).contains(&a.validity_days) {
        return Err(bad("unit_wh is 1..=1000000, validity_days 1..=3660"));
    }
    if !(60_000..=3_600_000).contains(&a.interval_ms) || 86_400_000 % a.interval_ms != 0 {
        return Err(bad(
            "interval_ms is one minute to one hour and divides a day",
        ));
    }
    if a.country.len() != 2 || !a.country.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(bad("country is ISO 3166-1 alpha-2, upper case"));
    }
    let mut r: Registry = ctx.read(&registry_key(&a.agency)).unwrap_or_default();
    if r.meters > 0 && (r.interval_ms != a.interval_ms || r.unit_wh != a.unit_wh) {
        return Err(bad(
            "the interval and the unit cannot change once meters are registered",
        ));
    }
    r.agency.clone_from(&a.agency);
    r.unit_wh = a.unit_wh;
    r.interval_ms = a.interval_ms;
    r.validity_days = a.validity_days;
    r.country = a.country;
    ctx.write(registry_key(&a.agency), &r);
    ctx.emit_event(&EnergyEvent::Configured { agency: a.agency });
    Ok(())
}

/// `energy.register_meter`.
pub fn register(ctx: &mut CallContext<'_>, a: RegisterArgs) -> Result<(), TxError> {
    let mut r = registry(ctx, &a.agency)?;
    if !valid_id(&a.id) || !is_reference(&a.location) {
        return Err(bad(
            "a meter id is 1..=64 of [a-z0-9_-]; its location a reference",
        ));
    }
    if !(1..=CAPACITY_W_MAX).contains(&a.capacity_w) {
        return Err(bad(format!("capacity_w is 1..={CAPACITY_W_MAX}")));
    }
    if a.role == MeterRole::Consumer && a.technology != Technology::None {
        return Err(bad("a consumer's meter has technology 'none'"));
    }
    if ctx.contains(&meter_key(&a.agency, &a.id)) || ctx.contains(&meter_by_key(&a.agency, &a.key))
    {
        return Err(R::MeterExists.err(format!(
            "'{}' has a meter '{}' or a meter with this key",
            a.agency, a.id
        )));
    }
    let m = Meter {
        id: a.id,
        key: a.key,
        holder: a.holder,
        role: a.role,
        technology: a.technology,
        location: a.location,
        capacity_w: a.capacity_w,
        faulty: None,
        last_start_ms: None,
        imported_wh: 0,
        exported_wh: 0,
        carry_wh: 0,
        height: ctx.env().height,
    };
    ctx.write(meter_by_key(&a.agency, &m.key), &m.id);
    ctx.write(meter_key(&a.agency, &m.id), &m);
    r.meters += 1;
    ctx.write(registry_key(&a.agency), &r);
    ctx.emit_event(&EnergyEvent::MeterRegistered {
        agency: a.agency,
        meter: m.id,
    });
    Ok(())
}

/// `energy.flag_meter`.
pub fn flag(ctx: &mut CallContext<'_>, a: FlagArgs) -> Result<(), TxError> {
    let mut m = meter(ctx, &a.agency, &a.meter)?;
    if let Some(reason) = &a.faulty {
        if !is_reference(reason) {
            return Err(bad(publica_runtime::kit::reference_rule("faulty")));
        }
    }
    m.faulty.clone_from(&a.faulty);
    ctx.write(meter_key(&a.agency, &m.id), &m);
    ctx.emit_event(&EnergyEvent::MeterFlagged {
        agency: a.agency,
        meter: m.id,
        faulty: a.faulty,
    });
    Ok(())
}

/// Checks a batch against the meter and the registry: order, alignment,
/// intervals already over, capacity.
fn check_batch(r: &Registry, m: &Meter, readings: &[Reading], now_ms: u64) -> Result<(), TxError> {
    if readings.is_empty() || readings.len() > BATCH_MAX {
        return Err(bad(format!("a batch has 1..={BATCH_MAX} readings")));
    }
    // The most one interval can carry at the rated capacity.
    let cap = u128::from(m.capacity_w) * u128::from(r.interval_ms) / 3_600_000;
    let mut last = m.last_start_ms;
    for (i, x) in readings.iter().enumerate() {
        if last.is_some_and(|l| x.start_ms <= l) {
            return Err(R::OutOfOrder.err(format!(
                "reading {i}: interval {} is not after {}",
                x.start_ms,
                last.unwrap_or_default()
            )));
        }
        if x.start_ms % r.interval_ms != 0 {
            return Err(R::Implausible.err(format!(
                "reading {i}: {} is not the start of a {} ms interval",
                x.start_ms, r.interval_ms
            )));
        }
        if x.start_ms.saturating_add(r.interval_ms) > now_ms {
            return Err(R::Implausible.err(format!(
                "reading {i}: the interval starting {} is not over yet",
                x.start_ms
            )));
        }
        if u128::from(x.import_wh) > cap || u128::from(x.export_wh) > cap {
            return Err(R::Implausible.err(format!(
                "reading {i}: over the {cap} Wh a {} W meter can measure in one interval",
                m.capacity_w
            )));
        }
        last = Some(x.start_ms);
    }
    Ok(())
}

/// `energy.submit_readings` (anyone may submit; the meter's key signs).
pub fn readings(ctx: &mut CallContext<'_>, a: ReadingsArgs) -> Result<(), TxError> {
    let mut r = registry(ctx, &a.agency)?;
    let mut m = meter(ctx, &a.agency, &a.meter)?;
    let msg = signing_bytes(&ctx.env().chain_id, &a.agency, &m.id, &a.readings);
    if publica_crypto::verify(&m.key, &msg, &a.signature).is_err() {
        return Err(
            R::BadSignature.err(format!("the batch is not signed by meter '{}''s key", m.id))
        );
    }
    if let Some(reason) = &m.faulty {
        return Err(R::MeterFaulty.err(format!("meter '{}' is flagged faulty ({reason})", m.id)));
    }
    check_batch(&r, &m, &a.readings, ctx.env().time_ms)?;
    let (mut import, mut export) = (0u64, 0u64);
    for x in &a.readings {
        import = import.saturating_add(x.import_wh);
        export = export.saturating_add(x.export_wh);
        if m.renewable() {
            issue(ctx, &mut r, &mut m, x, &a.agency);
        }
    }
    m.imported_wh = m.imported_wh.saturating_add(import);
    m.exported_wh = m.exported_wh.saturating_add(export);
    m.last_start_ms = a.readings.last().map(|x| x.start_ms);
    ctx.write(meter_key(&a.agency, &m.id), &m);
    ctx.write(registry_key(&a.agency), &r);
    ctx.emit_event(&EnergyEvent::Readings {
        agency: a.agency,
        meter: m.id,
        first_ms: a.readings[0].start_ms,
        last_ms: a.readings[a.readings.len() - 1].start_ms,
        count: a.readings.len() as u64,
        import_wh: import,
        export_wh: export,
    });
    Ok(())
}

/// Issues the whole units one interval's renewable export makes with the
/// meter's remainder; the rest stays as the remainder.
fn issue(ctx: &mut CallContext<'_>, r: &mut Registry, m: &mut Meter, x: &Reading, agency: &str) {
    let total = m.carry_wh + x.export_wh;
    let units = total / r.unit_wh;
    let carry = total % r.unit_wh;
    r.generated_wh += x.export_wh;
    r.carry_wh = r.carry_wh - m.carry_wh + carry;
    m.carry_wh = carry;
    if units == 0 {
        return;
    }
    r.issued_units += units;
    let end_ms = x.start_ms + r.interval_ms;
    let lot = Lot {
        id: format!("{}/{}", m.id, x.start_ms),
        meter: m.id.clone(),
        technology: m.technology,
        location: m.location.clone(),
        country: r.country.clone(),
        start_ms: x.start_ms,
        end_ms,
        units,
        cancelled: 0,
        height: ctx.env().height,
        issued_ms: ctx.env().time_ms,
        expires_ms: end_ms.saturating_add(r.validity_days * 86_400_000),
    };
    // Intervals only move forward (checked above): a lot is never issued
    // twice.
    debug_assert!(!ctx.contains(&lot_key(agency, &lot.id)));
    // Energy sold on the market for this interval takes its certificates
    // with it: each buyer gets the whole units of what they bought (while
    // any are left); the holder the rest.
    let owed: Vec<(AccountId, u64)> = ctx
        .read(&crate::market::owed_key(agency, &m.id, x.start_ms))
        .unwrap_or_default();
    let mut left = units;
    let mut to: Vec<(AccountId, u64)> = Vec::new();
    for (buyer, wh) in owed {
        let n = (wh / r.unit_wh).min(left);
        if n > 0 {
            left -= n;
            to.push((buyer, n));
        }
    }
    if left > 0 {
        to.push((m.holder, left));
    }
    ctx.write(lot_key(agency, &lot.id), &lot);
    for (who, n) in to {
        let key = holding_key(agency, &lot.id, &who);
        let had: u64 = ctx.read(&key).unwrap_or(0);
        ctx.write(key, &(had + n));
        ctx.emit_event(&EnergyEvent::Issued {
            agency: agency.to_string(),
            lot: lot.id.clone(),
            holder: who,
            units: n,
        });
    }
}
