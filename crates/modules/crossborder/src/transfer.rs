//! Transfers: sent out (locked in the corridor's account), received on
//! the other network (paid from its corridor's account) or marked expired
//! there, and settled here (delivered, or refunded) on the proof of that
//! mark. Every proof is a state answer of the other network verified
//! against the validator sets the corridor follows.

use crate::codes::CrossborderRejection as R;
use crate::corridor::{corridor, light, open_corridor};
use crate::events::CrossborderEvent;
use crate::model::{
    corridor_key, corridor_program, in_key, out_key, valid_transfer_id, Corridor, InStatus,
    Incoming, OutStatus, TransferOut, TIMEOUT_MS_RANGE,
};
use publica_money::interface as money;
use publica_runtime::state_answer::{verify_state_answer, StateAnswerError};
use publica_runtime::{CallContext, Rejections};
use publica_types::{Amount, TxError};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::Value;

/// Arguments of `crossborder.send`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SendArgs {
    /// The corridor.
    pub corridor: String,
    /// The account debited (the signer must be allowed to debit it).
    pub from: String,
    /// The account credited on the other network.
    pub to: String,
    /// The amount, in this network's currency.
    pub amount: Amount,
    /// How long it waits for its credit (ms; the corridor's when absent).
    #[serde(default)]
    pub timeout_ms: Option<u64>,
}

/// Arguments of `crossborder.receive`, `crossborder.expire` and
/// `crossborder.settle`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProofArgs {
    /// The corridor here.
    pub corridor: String,
    /// A state answer of the other network (`GET /v1/state?key=…` with its
    /// final checkpoint): of `crossborder/out/<id>` to receive or expire,
    /// of `crossborder/in/<paired corridor>/<id>` to settle.
    pub proof: Value,
}

fn reference(id: &str) -> String {
    format!("crossborder:{id}")
}

fn add(a: Amount, b: Amount) -> Amount {
    // Totals stay below the money supply, itself a u128 that never wraps.
    a.checked_add(b).unwrap_or(a)
}

/// `crossborder.send` (the sender): locks `amount` in the corridor's
/// account and records the transfer out the other network will read.
pub fn send(ctx: &mut CallContext<'_>, a: SendArgs) -> Result<(), TxError> {
    let mut c = open_corridor(ctx, &a.corridor)?;
    if !c.paired {
        return Err(R::NotPaired.err(format!(
            "corridor '{}' is not paired yet: relay {}'s corridor '{}' (crossborder.pair) before sending",
            c.id, c.remote_chain, c.remote_corridor
        )));
    }
    if a.amount.is_zero() {
        return Err(R::TooSmall.err("the amount is zero"));
    }
    if a.amount > c.limit {
        return Err(R::OverLimit.err(format!(
            "{} is over corridor '{}''s limit of {} for one transfer",
            a.amount, c.id, c.limit
        )));
    }
    if !publica_money::model::valid_id(&a.to) {
        return Err(R::InvalidField.err("to is a money account id: 1..=64 of [a-z0-9._:-]"));
    }
    let timeout = a.timeout_ms.unwrap_or(c.timeout_ms);
    if !TIMEOUT_MS_RANGE.contains(&timeout) {
        return Err(R::InvalidField.err("timeout_ms is 10 s to 30 days"));
    }
    let id = ctx
        .tx_id()
        .ok_or_else(|| R::InvalidField.err("a transfer out is sent by a transaction"))?
        .to_hex();
    money::transfer_as_signer(ctx, &a.from, &c.account, a.amount, &reference(&id))?;
    let env = ctx.env().clone();
    let t = TransferOut {
        id: id.clone(),
        corridor: c.id.clone(),
        remote_corridor: c.remote_corridor.clone(),
        from_chain: env.chain_id,
        to_chain: c.remote_chain.clone(),
        from: a.from,
        sender: ctx.signer(),
        to: a.to,
        amount: a.amount,
        currency: c.currency.clone(),
        deadline_ms: env.time_ms.saturating_add(timeout),
        height: env.height,
        status: OutStatus::Pending,
    };
    c.totals.sent = add(c.totals.sent, a.amount);
    c.totals.pending += 1;
    ctx.emit_event(&CrossborderEvent::Sent {
        corridor: c.id.clone(),
        transfer: id.clone(),
        from: t.from.clone(),
        to: t.to.clone(),
        amount: t.amount,
        deadline_ms: t.deadline_ms,
    });
    ctx.write(out_key(&id).into_bytes(), &t);
    ctx.write(corridor_key(&c.id), &c);
    Ok(())
}

/// The key and value a state answer of the other network proves, checked
/// against the sets the corridor follows. Only a block the latest set
/// followed finalizes is taken: the records stay in the other network's
/// state, so a proof of a recent block can always be had, and validators
/// who left the set cannot sign one.
fn proven(c: &Corridor, proof: &Value) -> Result<(String, Option<Vec<u8>>), TxError> {
    let client = light(c)?;
    let since = client.sets.changes.last().map_or(0, |s| s.from_height);
    let height = proof["height"].as_u64().unwrap_or(0);
    if height < since {
        return Err(R::Untrusted.err(format!(
            "the proof is of block {height}; corridor '{}' takes proofs from block {since} on, which {}'s current validator set finalizes: ask a node for a fresh one",
            c.id, c.remote_chain
        )));
    }
    match verify_state_answer(proof, client.trust(), Some(&client.sets.origin)) {
        Ok(v) => Ok((v.key, v.value)),
        Err(
            e @ (StateAnswerError::NoCheckpoint
            | StateAnswerError::Checkpoint(_)
            | StateAnswerError::NoStateLine
            | StateAnswerError::WrongBlock { .. }),
        ) => Err(R::Untrusted.err(format!(
            "{e} (corridor '{}' follows {}'s sets up to its change of block {})",
            c.id, c.remote_chain, c.followed
        ))),
        Err(e) => Err(R::BadProof.err(e.to_string())),
    }
}

/// The record a proven value holds, and the id its key names after
/// `prefix`.
fn record<T: DeserializeOwned>(
    key: &str,
    value: Option<Vec<u8>>,
    prefix: &str,
) -> Result<(String, T), TxError> {
    let wrong = |m: String| R::WrongRecord.err(m);
    let id = key
        .strip_prefix(prefix)
        .filter(|id| valid_transfer_id(id))
        .ok_or_else(|| wrong(format!("the proof is of '{key}', not of {prefix}<id>")))?;
    let value = value.ok_or_else(|| wrong(format!("the proof shows '{key}' absent")))?;
    let t = serde_json::from_slice(&value)
        .map_err(|e| wrong(format!("'{key}' does not hold the record expected: {e}")))?;
    Ok((id.to_string(), t))
}

/// The other network's pending transfer out through the corridor paired
/// with `c`, to this network, not yet received or expired here.
fn transfer_in(ctx: &CallContext<'_>, c: &Corridor, proof: &Value) -> Result<TransferOut, TxError> {
    let (key, value) = proven(c, proof)?;
    let (id, t): (String, TransferOut) = record(&key, value, "crossborder/out/")?;
    let here = &ctx.env().chain_id;
    if t.id != id
        || t.corridor != c.remote_corridor
        || t.remote_corridor != c.id
        || t.from_chain != c.remote_chain
        || &t.to_chain != here
    {
        return Err(R::WrongRecord.err(format!(
            "transfer {id} is from {}'s corridor '{}' to {}'s '{}', not from {}'s '{}' to {here}'s '{}'",
            t.from_chain, t.corridor, t.to_chain, t.remote_corridor, c.remote_chain, c.remote_corridor, c.id
        )));
    }
    if t.status != OutStatus::Pending {
        return Err(R::WrongRecord.err(format!("transfer {id} is {:?} there", t.status)));
    }
    if ctx.contains(in_key(&c.id, &id).as_bytes()) {
        return Err(R::Replayed.err(format!(
            "transfer {id} was credited or marked expired here already"
        )));
    }
    Ok(t)
}

/// `crossborder.receive` (anyone relays): credits the other network's
/// transfer out, converted at the corridor's rate, from the corridor's
/// account, at most once and only before its deadline.
pub fn receive(ctx: &mut CallContext<'_>, a: ProofArgs) -> Result<(), TxError> {
    let mut c = open_corridor(ctx, &a.corridor)?;
    let t = transfer_in(ctx, &c, &a.proof)?;
    if ctx.env().time_ms > t.deadline_ms {
        return Err(R::Expired.err(format!(
            "transfer {}'s deadline ({} ms) has passed: it can only be marked expired",
            t.id, t.deadline_ms
        )));
    }
    let credited = c
        .rate
        .convert(t.amount)
        .ok_or_else(|| R::OverLimit.err("the converted amount does not fit"))?;
    if credited.is_zero() {
        return Err(R::TooSmall.err(format!(
            "{} {} is nothing at the corridor's rate",
            t.amount, t.currency
        )));
    }
    if credited > c.limit {
        return Err(R::OverLimit.err(format!(
            "{credited} is over corridor '{}''s limit of {} for one transfer",
            c.id, c.limit
        )));
    }
    // Money locked by our transfers out that are not settled stays for
    // their refunds: a transfer in is paid only from the rest.
    let locked = c.totals.locked();
    let balance = money::account(ctx, &c.account)?.balance;
    if balance
        .checked_sub(credited)
        .is_none_or(|left| left < locked)
    {
        return Err(R::NoLiquidity.err(format!(
            "'{}' holds {balance}, of which {locked} is locked by transfers out: it cannot pay {credited}",
            c.account
        )));
    }
    money::pay_from_program(
        ctx,
        &c.agency,
        &corridor_program(&c.id),
        &c.account,
        &t.to,
        credited,
        &reference(&t.id),
    )?;
    c.totals.received = add(c.totals.received, credited);
    mark(ctx, &c, &t, InStatus::Received, credited);
    ctx.emit_event(&CrossborderEvent::Received {
        corridor: c.id.clone(),
        transfer: t.id,
        to: t.to,
        amount: credited,
    });
    ctx.write(corridor_key(&c.id), &c);
    Ok(())
}

fn mark(
    ctx: &mut CallContext<'_>,
    c: &Corridor,
    t: &TransferOut,
    status: InStatus,
    credited: Amount,
) {
    let m = Incoming {
        id: t.id.clone(),
        corridor: c.id.clone(),
        from_chain: c.remote_chain.clone(),
        status,
        to: t.to.clone(),
        sent: t.amount,
        credited,
        height: ctx.env().height,
    };
    ctx.write(in_key(&c.id, &t.id).into_bytes(), &m);
}

/// `crossborder.expire` (anyone relays, after the deadline): marks the
/// other network's transfer out expired, so that it is never credited
/// here and the sender can be refunded there.
pub fn expire(ctx: &mut CallContext<'_>, a: ProofArgs) -> Result<(), TxError> {
    let mut c = corridor(ctx, &a.corridor)?;
    let t = transfer_in(ctx, &c, &a.proof)?;
    if ctx.env().time_ms <= t.deadline_ms {
        return Err(R::NotExpired.err(format!(
            "transfer {} may be credited until {} ms",
            t.id, t.deadline_ms
        )));
    }
    c.totals.expired += 1;
    mark(ctx, &c, &t, InStatus::Expired, Amount::ZERO);
    ctx.emit_event(&CrossborderEvent::Expired {
        corridor: c.id.clone(),
        transfer: t.id,
    });
    ctx.write(corridor_key(&c.id), &c);
    Ok(())
}

/// What pairing reads of the other network's half of a corridor: its
/// other fields (and any a later version adds) are the other network's.
#[derive(Deserialize)]
struct Half {
    id: String,
    remote_chain: String,
    remote_corridor: String,
    open: bool,
}

/// `crossborder.pair` (anyone relays): the other network's paired
/// corridor, proven open and pointing back at this one (this network's
/// chain id and corridor id), pairs this one. Until then nothing is sent:
/// a transfer to a corridor that does not exist there could be neither
/// credited nor expired, so never refunded.
pub fn pair(ctx: &mut CallContext<'_>, a: ProofArgs) -> Result<(), TxError> {
    let mut c = open_corridor(ctx, &a.corridor)?;
    if c.paired {
        return Err(R::AlreadyPaired.err(format!("corridor '{}' is paired", c.id)));
    }
    let (key, value) = proven(&c, &a.proof)?;
    let want = format!("crossborder/corridor/{}", c.remote_corridor);
    if key != want {
        return Err(R::WrongRecord.err(format!("the proof is of '{key}', not of '{want}'")));
    }
    let there: Half = value
        .and_then(|v| serde_json::from_slice(&v).ok())
        .ok_or_else(|| {
            R::WrongRecord.err(format!("'{want}' is absent there, or not a corridor"))
        })?;
    let here = &ctx.env().chain_id;
    if there.id != c.remote_corridor
        || &there.remote_chain != here
        || there.remote_corridor != c.id
        || !there.open
    {
        return Err(R::WrongRecord.err(format!(
            "{}'s corridor '{}' is paired with {}'s '{}' (open: {}), not with {here}'s '{}'",
            c.remote_chain, there.id, there.remote_chain, there.remote_corridor, there.open, c.id
        )));
    }
    c.paired = true;
    ctx.emit_event(&CrossborderEvent::Paired {
        corridor: c.id.clone(),
    });
    ctx.write(corridor_key(&c.id), &c);
    Ok(())
}

/// `crossborder.settle` (anyone relays): the other network's mark of a
/// transfer out settles it here, delivered or refunded to the account it
/// came from.
pub fn settle(ctx: &mut CallContext<'_>, a: ProofArgs) -> Result<(), TxError> {
    let mut c = corridor(ctx, &a.corridor)?;
    let (key, value) = proven(&c, &a.proof)?;
    let prefix = format!("crossborder/in/{}/", c.remote_corridor);
    let (id, m): (String, Incoming) = record(&key, value, &prefix)?;
    let mut t: TransferOut = ctx
        .read(out_key(&id).as_bytes())
        .ok_or_else(|| R::UnknownTransfer.err(format!("no transfer out {id}")))?;
    if m.id != id
        || m.corridor != c.remote_corridor
        || m.from_chain != ctx.env().chain_id
        || t.corridor != c.id
        || m.sent != t.amount
        || m.to != t.to
    {
        return Err(R::WrongRecord.err(format!(
            "the mark proven is not {}'s mark of transfer {id} through corridor '{}'",
            c.remote_chain, c.remote_corridor
        )));
    }
    if t.status != OutStatus::Pending {
        return Err(R::Settled.err(format!("transfer {id} is {:?}", t.status)));
    }
    match m.status {
        InStatus::Received => {
            t.status = OutStatus::Delivered;
            c.totals.delivered = add(c.totals.delivered, t.amount);
            ctx.emit_event(&CrossborderEvent::Delivered {
                corridor: c.id.clone(),
                transfer: id.clone(),
            });
        }
        InStatus::Expired => {
            money::pay_from_program(
                ctx,
                &c.agency,
                &corridor_program(&c.id),
                &c.account,
                &t.from,
                t.amount,
                &reference(&id),
            )?;
            t.status = OutStatus::Refunded;
            c.totals.refunded = add(c.totals.refunded, t.amount);
            ctx.emit_event(&CrossborderEvent::Refunded {
                corridor: c.id.clone(),
                transfer: id.clone(),
                to: t.from.clone(),
                amount: t.amount,
            });
        }
    }
    c.totals.pending = c.totals.pending.saturating_sub(1);
    ctx.write(out_key(&id).into_bytes(), &t);
    ctx.write(corridor_key(&c.id), &c);
    Ok(())
}
