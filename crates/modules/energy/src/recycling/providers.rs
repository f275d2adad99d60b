//! Service providers and the mass balance: the regulator registers
//! haulers and recyclers; collection points ask for pickups; haulers
//! report pickups (serving a request, on time or late) and deliveries to
//! recyclers, recyclers what they processed, both their stock. After each
//! report the ledger checks every figure it touched — a provider's
//! collected ≥ processed + stock per material, and no point picked up
//! beyond what it collected — and flags the provider whose figures do not
//! add up. Service levels (requests served, on time, response time) are
//! kept per provider and month.

use super::codes::RecyclingRejection as R;
use super::events::{RecyclingEvent as E, ReportKind};
use super::model::{
    point_key, provider_key, request_key, scheme_key, sli_key, valid_material, Point, Provider,
    ProviderKind, Request, Scheme, Sli, GRAMS_MAX, OPEN_REQUESTS_MAX,
};
use super::scheme::{bad, claim_signer, id, once, reference, scheme, signing_point};
use publica_runtime::{CallContext, Rejections};
use publica_types::{AccountId, TxError};
use serde::Deserialize;
use std::collections::BTreeMap;

/// Longest a pickup may be asked ahead: 30 days.
pub const DUE_MAX_MS: u64 = 30 * 86_400_000;

/// `recycling.register_provider`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegisterArgs {
    /// The agency (its regulator signs).
    pub agency: String,
    /// The provider's id.
    pub id: String,
    /// The key that signs its reports.
    #[serde(deserialize_with = "publica_crypto::key::one")]
    pub key: AccountId,
    /// Hauler or recycler.
    pub kind: ProviderKind,
}

/// `recycling.register_provider`.
pub fn register(ctx: &mut CallContext<'_>, a: RegisterArgs) -> Result<(), TxError> {
    scheme(ctx, &a.agency)?;
    id(&a.id, "a provider id")?;
    if ctx.contains(&provider_key(&a.agency, &a.id)) {
        return Err(R::Exists.err(format!("'{}' has a provider '{}' already", a.agency, a.id)));
    }
    claim_signer(ctx, &a.agency, &a.key)?;
    let p = Provider {
        id: a.id.clone(),
        key: a.key,
        kind: a.kind,
        licensed: true,
        balance: BTreeMap::new(),
        flagged: None,
        months: vec![],
    };
    ctx.write(provider_key(&a.agency, &a.id), &p);
    ctx.emit_event(&E::ProviderRegistered {
        agency: a.agency,
        provider: a.id,
        kind: a.kind,
    });
    Ok(())
}

fn provider(ctx: &CallContext<'_>, agency: &str, pid: &str) -> Result<Provider, TxError> {
    id(pid, "a provider id")?;
    ctx.read(&provider_key(agency, pid))
        .ok_or_else(|| R::Unknown.err(format!("'{agency}' has no provider '{pid}'")))
}

/// `recycling.request_pickup`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequestArgs {
    /// The agency.
    pub agency: String,
    /// The point (its key signs).
    pub point: String,
    /// The material to pick up.
    pub material: String,
    /// When the pickup is due (ms; within 30 days).
    pub due_ms: u64,
}

/// `recycling.request_pickup`.
pub fn request(ctx: &mut CallContext<'_>, a: RequestArgs) -> Result<(), TxError> {
    let mut s = scheme(ctx, &a.agency)?;
    let p = signing_point(ctx, &a.agency, &a.point)?;
    if !p.materials.contains(&a.material) {
        return Err(R::Material.err(format!("point '{}' takes no '{}'", a.point, a.material)));
    }
    let now = ctx.env().time_ms;
    if a.due_ms <= now || a.due_ms - now > DUE_MAX_MS {
        return Err(bad(
            "due_ms is after the block's time and within 30 days of it",
        ));
    }
    if s.open_requests.len() >= OPEN_REQUESTS_MAX {
        return Err(R::TooManyOpen.err(format!(
            "'{}' has {OPEN_REQUESTS_MAX} pickup requests open",
            a.agency
        )));
    }
    s.requests += 1;
    let r = Request {
        id: s.requests,
        point: a.point,
        material: a.material,
        requested_ms: now,
        due_ms: a.due_ms,
        served: None,
    };
    s.open_requests.push(r.id);
    ctx.write(request_key(&a.agency, r.id), &r);
    ctx.write(scheme_key(&a.agency), &s);
    ctx.emit_event(&E::PickupRequested {
        agency: a.agency,
        request: r.id,
        point: r.point,
        material: r.material,
        due_ms: r.due_ms,
    });
    Ok(())
}

/// `recycling.report`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportArgs {
    /// The agency.
    pub agency: String,
    /// The provider (its key signs).
    pub provider: String,
    /// What is reported.
    pub report: ReportKind,
    /// The material.
    pub material: String,
    /// Grams (a stock report may be 0).
    pub grams: u64,
    /// A pickup's collection point.
    #[serde(default)]
    pub point: Option<String>,
    /// A pickup's request served, if any.
    #[serde(default)]
    pub request: Option<u64>,
    /// A delivery's recycler.
    #[serde(default)]
    pub to: Option<String>,
    /// The provider's reference (a weighbridge ticket; used once).
    pub reference: String,
}

fn wrong(msg: impl Into<String>) -> TxError {
    R::WrongKind.err(msg)
}

/// `recycling.report`: records the movement, then checks the figures it
/// touched and flags what does not add up.
pub fn report(ctx: &mut CallContext<'_>, a: ReportArgs) -> Result<(), TxError> {
    let mut s = scheme(ctx, &a.agency)?;
    let mut p = provider(ctx, &a.agency, &a.provider)?;
    if !p.licensed || p.key != ctx.signer() {
        return Err(R::Unlicensed.err(format!(
            "provider '{}' is not licensed, or the signer is not its key",
            a.provider
        )));
    }
    if !valid_material(&a.material)
        || a.grams > GRAMS_MAX
        || (a.grams == 0 && a.report != ReportKind::Stock)
    {
        return Err(bad(format!(
            "material is 1..=32 of [a-z0-9_-]; grams 1..={GRAMS_MAX} (0 only for stock)"
        )));
    }
    let extra = (a.point.is_some(), a.request.is_some(), a.to.is_some());
    let fits = match (a.report, p.kind) {
        (ReportKind::Pickup, ProviderKind::Hauler) => extra.0 && !extra.2,
        (ReportKind::Delivery, ProviderKind::Hauler) => extra == (false, false, true),
        (ReportKind::Processed, ProviderKind::Recycler) | (ReportKind::Stock, _) => {
            extra == (false, false, false)
        }
        _ => false,
    };
    if !fits {
        return Err(wrong(format!(
            "a {:?} provider does not report {:?} with these fields (pickup: point and perhaps request; delivery: to)",
            p.kind, a.report
        )));
    }
    once(
        ctx,
        &a.agency,
        &format!("provider:{}", a.provider),
        &a.reference,
    )?;
    let now = ctx.env().time_ms;
    let mut served = None;
    let mut checks: Vec<String> = vec![];
    let b = p.balance.entry(a.material.clone()).or_default();
    match a.report {
        ReportKind::Pickup => {
            let point = a.point.clone().unwrap_or_default();
            b.collected_g += a.grams;
            if let Some(r) = a.request {
                served = Some((r, serve(ctx, &mut s, &a, r, now)?));
            }
            if let Some(why) = picked_up(ctx, &a.agency, &point, &a.material, a.grams)? {
                checks.push(why);
            }
        }
        ReportKind::Delivery => {
            b.processed_g += a.grams;
            let to = a.to.clone().unwrap_or_default();
            let mut r = provider(ctx, &a.agency, &to)?;
            if r.kind != ProviderKind::Recycler || !r.licensed {
                return Err(wrong(format!("'{to}' is not a licensed recycler")));
            }
            let rb = r.balance.entry(a.material.clone()).or_default();
            rb.collected_g += a.grams;
            if !rb.adds_up() {
                let why = imbalance(&a.material, rb);
                flag(ctx, &a.agency, &mut r, &a.material, why);
            }
            ctx.write(provider_key(&a.agency, &to), &r);
        }
        ReportKind::Processed => b.processed_g += a.grams,
        ReportKind::Stock => b.stock_g = a.grams,
    }
    let b = p.balance[&a.material];
    if !b.adds_up() {
        checks.push(imbalance(&a.material, &b));
    }
    if let Some((_, on_time)) = served {
        sli(ctx, &a.agency, &mut p, now, on_time);
    }
    for why in checks {
        flag(ctx, &a.agency, &mut p, &a.material, why);
    }
    ctx.write(provider_key(&a.agency, &a.provider), &p);
    ctx.write(scheme_key(&a.agency), &s);
    ctx.emit_event(&E::Reported {
        agency: a.agency,
        provider: a.provider,
        report: a.report,
        material: a.material,
        grams: a.grams,
        point: a.point,
        to: a.to,
        request: served.map(|(r, _)| r),
        on_time: served.map(|(_, (on_time, _))| on_time),
        reference: a.reference,
    });
    Ok(())
}

fn imbalance(material: &str, b: &super::model::MassBalance) -> String {
    format!(
        "{material}: collected {} g < processed {} g + stock {} g",
        b.collected_g, b.processed_g, b.stock_g
    )
}

/// Adds a pickup to the point's figures; says why if the point has now
/// given more than it collected.
fn picked_up(
    ctx: &mut CallContext<'_>,
    agency: &str,
    pid: &str,
    material: &str,
    grams: u64,
) -> Result<Option<String>, TxError> {
    id(pid, "a point id")?;
    let mut pt: Point = ctx
        .read(&point_key(agency, pid))
        .ok_or_else(|| R::Unknown.err(format!("'{agency}' has no collection point '{pid}'")))?;
    if !pt.materials.iter().any(|m| m == material) {
        return Err(R::Material.err(format!("point '{pid}' takes no '{material}'")));
    }
    let up = pt.picked_up_g.entry(material.to_string()).or_default();
    *up += grams;
    let (up, got) = (*up, pt.collected_g.get(material).copied().unwrap_or(0));
    ctx.write(point_key(agency, pid), &pt);
    Ok((up > got)
        .then(|| format!("{material}: picked up {up} g at point '{pid}', which collected {got} g")))
}

/// Marks request `r` served; answers (on time, response ms).
fn serve(
    ctx: &mut CallContext<'_>,
    s: &mut Scheme,
    a: &ReportArgs,
    r: u64,
    now: u64,
) -> Result<(bool, u64), TxError> {
    let mut req: Request = ctx
        .read(&request_key(&a.agency, r))
        .ok_or_else(|| R::Unknown.err(format!("'{}' has no pickup request {r}", a.agency)))?;
    if req.served.is_some() || Some(&req.point) != a.point.as_ref() || req.material != a.material {
        return Err(wrong(format!(
            "request {r} is served already, or is for point '{}' and '{}'",
            req.point, req.material
        )));
    }
    req.served = Some(super::model::Served {
        provider: a.provider.clone(),
        at_ms: now,
        grams: a.grams,
    });
    s.open_requests.retain(|&x| x != r);
    ctx.write(request_key(&a.agency, r), &req);
    Ok((now <= req.due_ms, now.saturating_sub(req.requested_ms)))
}

/// Counts a served request in the provider's month.
fn sli(ctx: &mut CallContext<'_>, agency: &str, p: &mut Provider, now: u64, served: (bool, u64)) {
    let month = publica_programs::period::of(now);
    let key = sli_key(agency, &p.id, &month);
    let mut l: Sli = ctx.read(&key).unwrap_or_default();
    l.served += 1;
    l.response_ms = l.response_ms.saturating_add(served.1);
    if served.0 {
        l.on_time += 1;
    }
    ctx.write(key, &l);
    if !p.months.contains(&month) {
        p.months.push(month);
    }
}

fn flag(ctx: &mut CallContext<'_>, agency: &str, p: &mut Provider, material: &str, reason: String) {
    if p.flagged.is_none() {
        p.flagged = Some(reason.clone());
    }
    ctx.emit_event(&E::Flagged {
        agency: agency.to_string(),
        provider: p.id.clone(),
        material: material.to_string(),
        reason,
    });
}

/// `recycling.clear_flag`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClearArgs {
    /// The agency (its regulator signs).
    pub agency: String,
    /// The provider.
    pub provider: String,
    /// The regulator's note (a reference: an inspection's number).
    pub note: String,
}

/// `recycling.clear_flag`: only once every figure adds up again.
pub fn clear(ctx: &mut CallContext<'_>, a: ClearArgs) -> Result<(), TxError> {
    scheme(ctx, &a.agency)?;
    reference(&a.note, "note")?;
    let mut p = provider(ctx, &a.agency, &a.provider)?;
    if p.flagged.is_none() {
        return Err(bad(format!("provider '{}' is not flagged", a.provider)));
    }
    if let Some((m, b)) = p.balance.iter().find(|(_, b)| !b.adds_up()) {
        return Err(R::Unbalanced.err(imbalance(m, b)));
    }
    p.flagged = None;
    ctx.write(provider_key(&a.agency, &a.provider), &p);
    ctx.emit_event(&E::FlagCleared {
        agency: a.agency,
        provider: a.provider,
        note: a.note,
    });
    Ok(())
}
