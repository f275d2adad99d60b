//! Cash-out: a holder turns local money into a bank transfer through the
//! issuing agency (docs/money.md, "Cash-out through the agency's bank").
//!
//! A treasurer of an agency opens one of its accounts for cash-outs with
//! `declare_cash_out_account`, naming the smallest amount it takes. The
//! holder pays that account with `cash_out`: the money
//! moves at once and the request waits, numbered, under that account.
//! A treasurer of the agency then exports the waiting requests as one
//! ISO 20022 `pain.001` credit-transfer file for its bank (`publica money
//! cash-out-batch`, which maps accounts to bank accounts off the ledger)
//! and records the batch with `settle_cash_outs`: its id, the file's
//! SHA-256 and which requests it carried, each at most once. A request
//! the bank sends back, or one the agency will not pay, is refunded with
//! `return_cash_out`. Nothing
//! personal is on the ledger: bank accounts and names stay in the
//! agency's payee book.

use crate::codes;
use crate::events::MoneyEvent;
use crate::ledger::{self, err};
use crate::model::{valid_id, Owner};
use publica_runtime::CallContext;
use publica_types::{AccountId, Amount, TxError};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// Most requests one batch settles.
pub const BATCH_REQUESTS_MAX: usize = 10_000;

/// `cash_out`'s arguments.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CashOutArgs {
    /// The holder's account; the signer must be allowed to debit it.
    pub from: String,
    /// The agency's cash-out account, in the same currency.
    pub to: String,
    /// Minor units to cash out.
    pub amount: Amount,
    /// The holder's reference, 1..=128 bytes without control characters:
    /// the request's idempotency key (one request per account and
    /// reference, as a transfer sent `once`).
    pub reference: String,
}

/// `declare_cash_out_account`'s arguments.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeclareArgs {
    /// An account of the agency; the signer must be its treasurer.
    pub account: String,
    /// The smallest cash-out it takes, in minor units (at least 1): what
    /// one request costs the agency to pay keeps requests that are not
    /// worth a bank transfer out of its waiting list.
    pub minimum: Amount,
}

/// An account opened for cash-outs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CashOutAccount {
    /// The smallest cash-out it takes, in minor units.
    pub minimum: Amount,
    /// Height at which it was opened, or its minimum last changed.
    pub height: u64,
}

/// The ledger format from which cash-outs go only into declared accounts.
pub const DECLARED_ACCOUNTS_FORMAT: u32 = 5;

/// `settle_cash_outs`' arguments.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SettleArgs {
    /// The agency's cash-out account; the signer must be its treasurer.
    pub account: String,
    /// The batch's id (the file's message id): 1..=35 of `[a-z0-9._:-]`,
    /// unique under the account.
    pub batch: String,
    /// SHA-256 of the exported file, 64 lowercase hex characters.
    pub file_sha256: String,
    /// The requests the file carries, 1..=10,000, each waiting.
    pub requests: Vec<u64>,
}

/// `return_cash_out`'s arguments.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReturnArgs {
    /// The agency's cash-out account; the signer must be its treasurer.
    pub account: String,
    /// The request the bank sent back (or a waiting one the agency will
    /// not pay).
    pub request: u64,
    /// Why, as a code (e.g. the bank's ISO 20022 reason `ac01`).
    pub reason: String,
}

/// Where a cash-out request stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CashOutStatus {
    /// Paid in, waiting for a batch.
    Waiting,
    /// Carried by a batch to the bank.
    Batched,
    /// Refunded: sent back by the bank, or never paid by the agency.
    Returned,
}

/// A cash-out request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CashOut {
    /// Its number under the cash-out account, from 0.
    pub id: u64,
    /// The account it was paid from (and a return goes back to).
    pub from: String,
    /// Minor units.
    pub amount: Amount,
    /// The holder's reference.
    pub reference: String,
    /// Height of the request.
    pub height: u64,
    /// Where it stands.
    pub status: CashOutStatus,
    /// The batch that carried it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch: Option<String>,
    /// Why the bank sent it back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub returned: Option<String>,
}

/// A settled batch.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CashOutBatch {
    /// Its id.
    pub id: String,
    /// The cash-out account.
    pub account: String,
    /// SHA-256 of the exported file.
    pub file_sha256: String,
    /// The requests it carried, in the file's order.
    pub requests: Vec<u64>,
    /// Their total, in minor units.
    pub total: Amount,
    /// Height at which it was recorded.
    pub height: u64,
    /// The treasurer who recorded it.
    pub by: AccountId,
}

/// State key of an account opened for cash-outs.
pub fn declared_key(account: &str) -> Vec<u8> {
    format!("money/cash-out/account/{account}").into_bytes()
}
/// Prefix of the next-request counters: one per account that took a
/// cash-out.
const NEXT_PREFIX: &str = "money/cash-out/next/";

/// State key of a request waiting for a batch.
pub fn waiting_key(account: &str, id: u64) -> Vec<u8> {
    format!("money/cash-out/waiting/{account}/{id:020}").into_bytes()
}
/// Prefix of the requests waiting under `account`, in request order.
pub fn waiting_prefix(account: &str) -> Vec<u8> {
    format!("money/cash-out/waiting/{account}/").into_bytes()
}
/// State key of a request once batched (or returned).
pub fn done_key(account: &str, id: u64) -> Vec<u8> {
    format!("money/cash-out/done/{account}/{id:020}").into_bytes()
}
/// State key of the next request number under `account`.
pub fn next_key(account: &str) -> Vec<u8> {
    format!("{NEXT_PREFIX}{account}").into_bytes()
}
/// State key of a batch.
pub fn batch_key(account: &str, batch: &str) -> Vec<u8> {
    format!("money/cash-out/batch/{account}/{batch}").into_bytes()
}

/// The agency that owns a cash-out account, or the refusal.
fn office(ctx: &CallContext<'_>, id: &str) -> Result<String, TxError> {
    match ledger::account(ctx, id)?.owner {
        Owner::Agency { agency } => Ok(agency),
        _ => Err(err(
            codes::NOT_CASH_OUT_ACCOUNT,
            format!("'{id}' is not an agency's account: money is cashed out through an agency"),
        )),
    }
}

fn check_treasurer(ctx: &CallContext<'_>, id: &str) -> Result<(), TxError> {
    let agency = office(ctx, id)?;
    if ledger::manages(ctx, &ledger::account(ctx, id)?) {
        return Ok(());
    }
    Err(err(
        codes::NOT_OWNER,
        format!("only a treasurer of '{agency}' settles the cash-outs of '{id}'"),
    ))
}

/// `cash_out`: the holder's money moves to the agency's account and the
/// request waits there for a batch.
pub(crate) fn cash_out(ctx: &mut CallContext<'_>, a: CashOutArgs) -> Result<(), TxError> {
    if a.reference.trim().is_empty() {
        return Err(err(
            codes::INVALID_FIELD,
            "a cash-out names its reference: it is the request's idempotency key",
        ));
    }
    office(ctx, &a.to)?;
    if ctx.format() >= DECLARED_ACCOUNTS_FORMAT {
        let Some(open) = ctx.read::<CashOutAccount>(&declared_key(&a.to)) else {
            return Err(err(
                codes::NOT_CASH_OUT_ACCOUNT,
                format!(
                    "'{}' is not open for cash-outs: a treasurer of its agency opens it with declare_cash_out_account",
                    a.to
                ),
            ));
        };
        if a.amount < open.minimum {
            return Err(err(
                codes::BELOW_MINIMUM,
                format!(
                    "'{}' takes cash-outs of at least {} minor units, not {}",
                    a.to, open.minimum, a.amount
                ),
            ));
        }
    }
    let t = crate::module::Transfer {
        from: a.from,
        to: a.to,
        amount: a.amount,
        reference: a.reference,
        memo_hash: None,
        once: true,
    };
    crate::module::check_transfer_fields(&t)?;
    ledger::pay_once(ctx, &t)?;
    ledger::transfer(ctx, &t.from, &t.to, t.amount, &t.reference, None)?;
    let id: u64 = ctx.read(&next_key(&t.to)).unwrap_or(0);
    ctx.write(next_key(&t.to), &(id + 1));
    let request = CashOut {
        id,
        from: t.from,
        amount: t.amount,
        reference: t.reference,
        height: ctx.env().height,
        status: CashOutStatus::Waiting,
        batch: None,
        returned: None,
    };
    ctx.emit_event(&MoneyEvent::CashOutRequested {
        account: t.to.clone(),
        request: id,
        from: request.from.clone(),
        amount: request.amount,
    });
    ctx.write(waiting_key(&t.to, id), &request);
    Ok(())
}

/// `declare_cash_out_account`: a treasurer opens an account of the agency
/// for cash-outs, or changes its minimum (requests already waiting stay).
pub(crate) fn declare(ctx: &mut CallContext<'_>, a: DeclareArgs) -> Result<(), TxError> {
    check_treasurer(ctx, &a.account)?;
    if a.minimum == Amount::ZERO {
        return Err(err(
            codes::ZERO_AMOUNT,
            "a cash-out account's minimum is at least 1 minor unit",
        ));
    }
    declare_unchecked(ctx, &a.account, a.minimum);
    Ok(())
}

fn declare_unchecked(ctx: &mut CallContext<'_>, account: &str, minimum: Amount) {
    let height = ctx.env().height;
    ctx.write(declared_key(account), &CashOutAccount { minimum, height });
    ctx.emit_event(&MoneyEvent::CashOutAccountDeclared {
        account: account.to_string(),
        minimum,
    });
}

/// The move to ledger format 5: every account that took a cash-out under
/// the earlier rule (any account of an agency) is opened for cash-outs
/// with a minimum of 1, so that it goes on taking them.
pub(crate) fn upgrade(ctx: &mut CallContext<'_>, format: u32) {
    if format != DECLARED_ACCOUNTS_FORMAT {
        return;
    }
    for (key, _) in ctx.scan_for_upgrade(NEXT_PREFIX.as_bytes()) {
        let Some(account) = std::str::from_utf8(&key[NEXT_PREFIX.len()..]).ok() else {
            continue;
        };
        let account = account.to_string();
        if !ctx.contains(&declared_key(&account)) {
            declare_unchecked(ctx, &account, Amount::new(1));
        }
    }
}

fn check_sha256(h: &str) -> Result<(), TxError> {
    if h.len() == 64
        && h.bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
    {
        return Ok(());
    }
    Err(err(
        codes::INVALID_FIELD,
        "file_sha256 is a SHA-256 in 64 lowercase hex characters",
    ))
}

/// `settle_cash_outs`: records which waiting requests one exported file
/// carries, all or none.
pub(crate) fn settle(ctx: &mut CallContext<'_>, a: SettleArgs) -> Result<(), TxError> {
    check_treasurer(ctx, &a.account)?;
    if !valid_id(&a.batch) || a.batch.len() > 35 {
        return Err(err(
            codes::INVALID_FIELD,
            "a batch id is 1..=35 of [a-z0-9._:-] (it is the file's message id)",
        ));
    }
    check_sha256(&a.file_sha256)?;
    if a.requests.is_empty() || a.requests.len() > BATCH_REQUESTS_MAX {
        return Err(err(
            codes::INVALID_BATCH,
            format!("a cash-out batch carries 1..={BATCH_REQUESTS_MAX} requests"),
        ));
    }
    if ctx.contains(&batch_key(&a.account, &a.batch)) {
        return Err(err(
            codes::BATCH_EXISTS,
            format!("'{}' already recorded batch '{}'", a.account, a.batch),
        ));
    }
    let mut seen = BTreeSet::new();
    let mut total = Amount::ZERO;
    for &id in &a.requests {
        if !seen.insert(id) {
            return Err(err(
                codes::INVALID_BATCH,
                format!("request {id} is listed twice"),
            ));
        }
        let mut r: CashOut = ctx.read(&waiting_key(&a.account, id)).ok_or_else(|| {
            err(
                codes::NOT_WAITING,
                format!(
                    "request {id} of '{}' is not waiting (unknown, or carried by an earlier batch)",
                    a.account
                ),
            )
        })?;
        total = ledger::add(total, r.amount)?;
        r.status = CashOutStatus::Batched;
        r.batch = Some(a.batch.clone());
        ctx.delete(waiting_key(&a.account, id));
        ctx.write(done_key(&a.account, id), &r);
    }
    let batch = CashOutBatch {
        id: a.batch,
        account: a.account,
        file_sha256: a.file_sha256,
        requests: a.requests,
        total,
        height: ctx.env().height,
        by: ctx.signer(),
    };
    ctx.emit_event(&MoneyEvent::CashOutsSettled {
        account: batch.account.clone(),
        batch: batch.id.clone(),
        count: batch.requests.len() as u64,
        total,
    });
    ctx.write(batch_key(&batch.account, &batch.id), &batch);
    Ok(())
}

/// `return_cash_out`: a request the bank sent back, or one still waiting
/// that the agency will not pay, is refunded to the account it came from,
/// once.
pub(crate) fn give_back(ctx: &mut CallContext<'_>, a: ReturnArgs) -> Result<(), TxError> {
    check_treasurer(ctx, &a.account)?;
    if !valid_id(&a.reason) {
        return Err(err(
            codes::INVALID_FIELD,
            "a reason code is 1..=64 of [a-z0-9._:-]",
        ));
    }
    // A waiting request the agency will not pay (sent to the wrong
    // account, a holder without a bank account on file) is refunded as
    // one the bank sent back.
    let waiting = waiting_key(&a.account, a.request);
    let found = match ctx.read::<CashOut>(&waiting) {
        Some(r) => {
            ctx.delete(waiting);
            Some(r)
        }
        None => ctx
            .read::<CashOut>(&done_key(&a.account, a.request))
            .filter(|r| r.status == CashOutStatus::Batched),
    };
    let mut r = found.ok_or_else(|| {
        err(
            codes::NOT_WAITING,
            format!(
                "request {} of '{}' is unknown or was already returned",
                a.request, a.account
            ),
        )
    })?;
    let key = done_key(&a.account, a.request);
    let reference = format!("cash-out {} returned: {}", a.request, a.reason);
    ledger::transfer(ctx, &a.account, &r.from, r.amount, &reference, None)?;
    r.status = CashOutStatus::Returned;
    r.returned = Some(a.reason);
    ctx.emit_event(&MoneyEvent::CashOutReturned {
        account: a.account,
        request: a.request,
        to: r.from.clone(),
        amount: r.amount,
    });
    ctx.write(key, &r);
    Ok(())
}
