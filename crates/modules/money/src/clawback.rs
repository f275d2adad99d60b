//! Clawbacks: an official takes money back from an account, with a reason
//! code its holder sees, into the public purse only (an account of the
//! issuer or of one of its programs, never a person's).
//!
//! One treasurer of the issuer claws back up to the currency's
//! `clawback_single_max` (never from a program's account, whose money
//! otherwise leaves only by the program's payouts); above it, or from a
//! program's account, the clawback is proposed under an id and
//! a second treasurer of the issuer, not the proposer, approves it within
//! [`CLAWBACK_LIFETIME_BLOCKS`] blocks. Every check runs again when it is
//! carried out.

use crate::codes;
use crate::events::MoneyEvent;
use crate::ledger::{self, err};
use crate::model::{valid_id, Currency, Owner};
use publica_runtime::CallContext;
use publica_types::{AccountId, Amount, TxError};
use serde::{Deserialize, Serialize};

/// Blocks a proposed clawback waits for its second official.
pub const CLAWBACK_LIFETIME_BLOCKS: u64 = 1_000;

/// `clawback`'s arguments.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClawbackArgs {
    /// The issuing agency of the account's currency; the signer must be
    /// one of its treasurers.
    pub agency: String,
    /// The account money is taken from; freezes and earmarks do not stop it.
    pub from: String,
    /// The issuer's (or one of its programs') account the money goes to.
    pub to: String,
    /// Minor units taken back.
    pub amount: Amount,
    /// Why, as a code (1..=64 of `[a-z0-9._:-]`) the holder sees in the
    /// account's history.
    pub reason: String,
    /// Names the proposal when the amount needs a second official.
    #[serde(default)]
    pub id: Option<String>,
}

/// `approve_clawback`'s arguments.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApproveClawback {
    /// The issuing agency; the signer must be one of its treasurers, not
    /// the proposer.
    pub agency: String,
    /// Code of the currency the clawback was proposed in.
    pub currency: String,
    /// The id the proposal was made under.
    pub id: String,
}

/// A clawback above the single-official limit, waiting for a second one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProposedClawback {
    /// Its id, unique within the currency.
    pub id: String,
    /// The account money is taken from.
    pub from: String,
    /// The issuer's (or its program's) account it goes to.
    pub to: String,
    /// How much.
    pub amount: Amount,
    /// The reason code.
    pub reason: String,
    /// The treasurer who proposed it.
    pub proposed_by: AccountId,
    /// Last height at which it may be approved.
    pub expires_height: u64,
    /// The second treasurer, once carried out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approved_by: Option<AccountId>,
}

/// State key of a proposed clawback.
pub fn proposed_clawback_key(currency: &str, id: &str) -> Vec<u8> {
    format!("money/clawback/{currency}/{id}").into_bytes()
}

/// The checks of every clawback, proposed or carried out: the issuing
/// agency acts, the reason is a code, the money goes to the public purse.
/// Returns the currency's record.
fn check(
    ctx: &CallContext<'_>,
    agency: &str,
    from: &str,
    to: &str,
    reason: &str,
) -> Result<Currency, TxError> {
    let from = ledger::account(ctx, from)?;
    let cur = ledger::check_issuer(ctx, agency, &from.currency)?;
    if !valid_id(reason) {
        return Err(err(
            codes::INVALID_FIELD,
            "a reason code is 1..=64 of [a-z0-9._:-]",
        ));
    }
    let to = ledger::account(ctx, to)?;
    if !matches!(&to.owner, Owner::Agency { agency: ag } | Owner::Program { agency: ag, .. } if ag == agency)
    {
        return Err(err(
            codes::NOT_OWNER,
            format!(
                "a clawback returns money to an account of '{agency}' or of one of its programs, not to '{}'",
                to.id
            ),
        ));
    }
    Ok(cur)
}

/// `clawback`: carried out at once up to the currency's single-official
/// limit, proposed under `id` above it.
pub(crate) fn clawback(
    ctx: &mut CallContext<'_>,
    agency: &str,
    a: ClawbackArgs,
) -> Result<(), TxError> {
    let cur = check(ctx, agency, &a.from, &a.to, &a.reason)?;
    ledger::nonzero(a.amount)?;
    // A program's funds leave it by its payouts only; taking them back is
    // a decision for two officials, whatever the amount.
    let from_program = matches!(ledger::account(ctx, &a.from)?.owner, Owner::Program { .. });
    if a.amount <= cur.clawback_single_max && !from_program {
        return ledger::clawback(ctx, &a.from, &a.to, a.amount, &a.reason, None);
    }
    let id = a.id.filter(|id| valid_id(id)).ok_or_else(|| {
        err(
            codes::NEEDS_SECOND_OFFICIAL,
            format!(
                "a clawback above {} {}, or from a program's account, needs a second treasurer: name it with 'id' (1..=64 of [a-z0-9._:-]) and have another treasurer send approve_clawback",
                cur.clawback_single_max, cur.code
            ),
        )
    })?;
    let key = proposed_clawback_key(&cur.code, &id);
    if ctx.contains(&key) {
        return Err(err(
            codes::INVALID_FIELD,
            format!("a clawback '{id}' was already proposed in {}", cur.code),
        ));
    }
    let p = ProposedClawback {
        id,
        from: a.from,
        to: a.to,
        amount: a.amount,
        reason: a.reason,
        proposed_by: ctx.signer(),
        expires_height: ctx.env().height + CLAWBACK_LIFETIME_BLOCKS,
        approved_by: None,
    };
    ctx.emit_event(&MoneyEvent::ClawbackProposed {
        currency: cur.code.clone(),
        id: p.id.clone(),
        from: p.from.clone(),
        to: p.to.clone(),
        amount: p.amount,
        reason: p.reason.clone(),
        by: p.proposed_by,
    });
    ctx.write(key, &p);
    Ok(())
}

/// `approve_clawback`: a second treasurer of the issuer carries out a
/// proposed clawback, once, before it expires.
pub(crate) fn approve(
    ctx: &mut CallContext<'_>,
    agency: &str,
    a: ApproveClawback,
) -> Result<(), TxError> {
    let key = proposed_clawback_key(&a.currency, &a.id);
    let mut p: ProposedClawback = ctx.read(&key).ok_or_else(|| {
        err(
            codes::UNKNOWN_CLAWBACK,
            format!("no proposed clawback '{}' in {}", a.id, a.currency),
        )
    })?;
    if p.approved_by.is_some() {
        return Err(err(
            codes::UNKNOWN_CLAWBACK,
            format!("clawback '{}' was already carried out", a.id),
        ));
    }
    if ctx.env().height > p.expires_height {
        return Err(err(
            codes::UNKNOWN_CLAWBACK,
            format!(
                "clawback '{}' could be approved until height {}",
                a.id, p.expires_height
            ),
        ));
    }
    let me = ctx.signer();
    if me == p.proposed_by {
        return Err(err(
            codes::NEEDS_SECOND_OFFICIAL,
            "the treasurer who proposed a clawback cannot approve it",
        ));
    }
    check(ctx, agency, &p.from, &p.to, &p.reason)?;
    ledger::clawback(
        ctx,
        &p.from,
        &p.to,
        p.amount,
        &p.reason,
        Some(p.proposed_by),
    )?;
    p.approved_by = Some(me);
    ctx.write(key, &p);
    Ok(())
}
