//! Corridors: opened by the agency's treasurers (up to the agency's policy
//! threshold), and kept following the other network's validator sets.

use crate::codes::CrossborderRejection as R;
use crate::events::CrossborderEvent;
use crate::model::{
    corridor_key, corridor_program, valid_id, Corridor, Rate, Totals, RATE_TERM_MAX,
    TIMEOUT_MS_RANGE,
};
use publica_identity::light::{Followed, LightClient};
use publica_log::ValidatorSet;
use publica_money::interface as money;
use publica_runtime::{CallContext, Rejections};
use publica_types::{Amount, TxError};
use serde::Deserialize;
use serde_json::Value;

/// Arguments of `crossborder.open_corridor`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpenArgs {
    /// The agency (its treasurer signs).
    pub agency: String,
    /// The corridor's id.
    pub id: String,
    /// The currency it moves here.
    pub currency: String,
    /// The money account of program `crossborder:<id>` run by `agency`.
    pub account: String,
    /// The other network's chain id.
    pub remote_chain: String,
    /// The paired corridor's id there.
    pub remote_corridor: String,
    /// The other network's validator set (its genesis set, or a later one
    /// with its changes), as `publica verify --validators` reads it.
    pub remote_validators: Value,
    /// The exchange rate for transfers in (1:1 when absent).
    #[serde(default)]
    pub rate: Rate,
    /// The largest amount of one transfer.
    pub limit: Amount,
    /// How long a transfer out waits for its credit (ms).
    pub timeout_ms: u64,
}

/// The remote set a corridor is given, checked (`ValidatorSet::parse`:
/// 1..=100 cosigners a set, a BFT quorum, increasing heights) and in its
/// canonical JSON.
fn remote_set(v: &Value) -> Result<(ValidatorSet, Value), TxError> {
    let bad = |m: String| R::InvalidField.err(format!("remote_validators: {m}"));
    let set = ValidatorSet::parse(&v.to_string()).map_err(|e| bad(e.to_string()))?;
    let canonical = serde_json::from_str(&set.to_json()).map_err(|e| bad(e.to_string()))?;
    Ok((set, canonical))
}

/// `crossborder.open_corridor` (a treasurer of the agency): proposes the
/// corridor, open at once when the agency's policy threshold is 1.
pub fn open(ctx: &mut CallContext<'_>, a: OpenArgs) -> Result<(), TxError> {
    for (field, v) in [
        ("id", &a.id),
        ("remote_chain", &a.remote_chain),
        ("remote_corridor", &a.remote_corridor),
    ] {
        if !valid_id(v) {
            return Err(R::InvalidField.err(format!("{field} is 1..=64 of [a-z0-9_-]")));
        }
    }
    if ctx.read::<Corridor>(&corridor_key(&a.id)).is_some() {
        return Err(R::CorridorExists.err(format!("corridor '{}' exists", a.id)));
    }
    if a.remote_chain == ctx.env().chain_id {
        return Err(R::InvalidField.err("remote_chain is this network's own chain id"));
    }
    let (_, remote_sets) = remote_set(&a.remote_validators)?;
    if !TIMEOUT_MS_RANGE.contains(&a.timeout_ms) {
        return Err(R::InvalidField.err("timeout_ms is 10 s to 30 days"));
    }
    let terms = [a.rate.remote, a.rate.local];
    if terms.iter().any(|t| *t == 0 || *t > RATE_TERM_MAX) {
        return Err(R::InvalidField.err("each term of rate is 1..=10^12"));
    }
    if a.limit.is_zero() {
        return Err(R::InvalidField.err("limit is at least 1"));
    }
    money::program_account(
        ctx,
        &a.account,
        &a.agency,
        &corridor_program(&a.id),
        &a.currency,
    )?;
    let signer = ctx.signer();
    let mut c = Corridor {
        id: a.id,
        agency: a.agency,
        currency: a.currency,
        account: a.account,
        remote_chain: a.remote_chain,
        remote_corridor: a.remote_corridor,
        remote_sets,
        followed: 0,
        rate: a.rate,
        limit: a.limit,
        timeout_ms: a.timeout_ms,
        approvals: vec![signer],
        open: false,
        paired: false,
        totals: Totals::default(),
    };
    ctx.emit_event(&CrossborderEvent::CorridorProposed {
        corridor: c.id.clone(),
        remote_chain: c.remote_chain.clone(),
        by: signer,
    });
    opens_if_approved(ctx, &mut c);
    ctx.write(corridor_key(&c.id), &c);
    Ok(())
}

fn opens_if_approved(ctx: &mut CallContext<'_>, c: &mut Corridor) {
    if c.approvals.len() >= ctx.policy_threshold(&c.agency) as usize {
        c.open = true;
        ctx.emit_event(&CrossborderEvent::CorridorOpened {
            corridor: c.id.clone(),
        });
    }
}

/// Arguments of `crossborder.approve_corridor`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApproveArgs {
    /// The agency (its treasurer signs).
    pub agency: String,
    /// The corridor.
    pub id: String,
}

/// The corridor `id`.
pub fn corridor(ctx: &CallContext<'_>, id: &str) -> Result<Corridor, TxError> {
    ctx.read(&corridor_key(id))
        .ok_or_else(|| R::UnknownCorridor.err(format!("no corridor '{id}'")))
}

/// The corridor `id`, open.
pub fn open_corridor(ctx: &CallContext<'_>, id: &str) -> Result<Corridor, TxError> {
    let c = corridor(ctx, id)?;
    if c.open {
        Ok(c)
    } else {
        Err(R::NotOpen.err(format!("corridor '{id}' waits for its approvals")))
    }
}

/// `crossborder.approve_corridor` (another treasurer of the agency).
pub fn approve(ctx: &mut CallContext<'_>, a: ApproveArgs) -> Result<(), TxError> {
    let mut c = corridor(ctx, &a.id)?;
    if c.agency != a.agency {
        return Err(R::InvalidField.err(format!(
            "corridor '{}' is {}'s, not {}'s",
            a.id, c.agency, a.agency
        )));
    }
    let signer = ctx.signer();
    if c.open || c.approvals.contains(&signer) {
        return Err(R::AlreadyApproved.err(format!(
            "corridor '{}' is open or {signer} approved it already",
            a.id
        )));
    }
    c.approvals.push(signer);
    opens_if_approved(ctx, &mut c);
    ctx.write(corridor_key(&c.id), &c);
    Ok(())
}

/// The light client of the other network a corridor holds.
pub fn light(c: &Corridor) -> Result<LightClient, TxError> {
    let sets = ValidatorSet::parse(&c.remote_sets.to_string())
        .map_err(|e| R::InvalidField.err(format!("the corridor's stored sets: {e}")))?;
    Ok(LightClient {
        sets,
        followed: c.followed,
        held: None,
    })
}

/// Arguments of `crossborder.follow`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FollowArgs {
    /// The corridor.
    pub corridor: String,
    /// One set change of the other network, as its nodes serve it (`GET
    /// /v1/network/set-changes`): a state answer of `identity/validators`
    /// with the changing block's final checkpoint.
    pub change: Value,
}

/// `crossborder.follow` (anyone relays): the corridor follows one set
/// change of the other network, proven under a quorum of the set before
/// it, exactly as the light client does.
pub fn follow(ctx: &mut CallContext<'_>, a: FollowArgs) -> Result<(), TxError> {
    let mut c = corridor(ctx, &a.corridor)?;
    let mut client = light(&c)?;
    let held = client.sets.changes.clone();
    match client.follow(&a.change) {
        Ok(Followed::New) => {}
        Ok(Followed::Known) => {
            return Err(R::KnownChange.err(format!(
                "corridor '{}' followed the change of block {} already",
                c.id,
                a.change["height"].as_u64().unwrap_or(0)
            )))
        }
        Err(e) => return Err(R::BadChange.err(e.to_string())),
    }
    // A corridor opened with a later set already holds changes the light
    // client has not seen followed: an older change must not drop them.
    if !client.sets.changes.starts_with(&held) {
        return Err(R::BadChange.err(format!(
            "the change of block {} drops set changes corridor '{}' holds: it is older than the sets followed",
            client.followed, c.id
        )));
    }
    let sets = serde_json::from_str(&client.sets.to_json())
        .map_err(|e| R::BadChange.err(e.to_string()))?;
    c.remote_sets = sets;
    c.followed = client.followed;
    ctx.emit_event(&CrossborderEvent::SetFollowed {
        corridor: c.id.clone(),
        height: client.followed,
    });
    ctx.write(corridor_key(&c.id), &c);
    Ok(())
}
