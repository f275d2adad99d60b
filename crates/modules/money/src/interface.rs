//! What other modules may do with money. They call these with their own
//! [`CallContext`]; each function switches to `money` (its prefix, its
//! events) through [`CallContext::as_module`] and keeps every money rule:
//! conservation, no overdraft, frozen and closed accounts, earmarks.

use crate::codes;
use crate::events::MoneyEvent;
use crate::ledger::{self, err};
use crate::model::{account_key, benefit_account_id, valid_id, Account, Earmark, Owner};
use publica_runtime::CallContext;
use publica_types::{AccountId, Amount, TxError};

/// The account `id`, read-only.
pub fn account(ctx: &CallContext<'_>, id: &str) -> Result<Account, TxError> {
    ledger::account(ctx, id)
}

/// The account `id`, checked to be the account of `program` run by
/// `agency`, holding `currency`.
pub fn program_account(
    ctx: &CallContext<'_>,
    id: &str,
    agency: &str,
    program: &str,
    currency: &str,
) -> Result<Account, TxError> {
    let a = ledger::account(ctx, id)?;
    match &a.owner {
        Owner::Program {
            agency: ag,
            program: p,
        } if ag == agency && p == program => {}
        _ => {
            return Err(err(
                codes::NOT_OWNER,
                format!("'{id}' is not the account of program '{program}' of '{agency}'"),
            ))
        }
    }
    if a.currency != currency {
        return Err(err(
            codes::CURRENCY_MISMATCH,
            format!("'{id}' holds {}, not {currency}", a.currency),
        ));
    }
    Ok(a)
}

/// The restriction a program puts on the money it pays.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BenefitEarmark {
    /// Merchant categories the money may be spent at.
    pub categories: Vec<String>,
    /// Height after which what is left is swept back.
    pub expires_height: Option<u64>,
    /// Where the sweep sends it (the program's funding account).
    pub return_to: String,
}

/// Opens `holder`'s benefit account in `program` ([`benefit_account_id`])
/// in `currency` for the program's payments, earmarked when the program
/// says so. Nobody else can open an account with that id (the prefix is
/// reserved), so one that exists was opened by this program for this
/// holder; it is kept only if its currency and earmark are the program's.
pub fn open_benefit_account(
    ctx: &mut CallContext<'_>,
    program: &str,
    currency: &str,
    holder: AccountId,
    earmark: Option<BenefitEarmark>,
) -> Result<String, TxError> {
    let id = benefit_account_id(program, &holder);
    ctx.as_module("money", |ctx| {
        if !valid_id(&id) {
            return Err(err(
                codes::INVALID_FIELD,
                format!("the benefit account id '{id}' is not 1..=64 of [a-z0-9._:-]"),
            ));
        }
        let earmark = earmark.map(|e| {
            let mut categories = e.categories;
            categories.sort();
            categories.dedup();
            Earmark {
                categories,
                expires_height: e.expires_height,
                return_to: e.return_to,
                swept: false,
            }
        });
        if let Some(a) = ctx.read::<Account>(&account_key(&id)) {
            let same_earmark = match (&a.earmark, &earmark) {
                (None, None) => true,
                (Some(x), Some(y)) => {
                    (&x.categories, x.expires_height, &x.return_to)
                        == (&y.categories, y.expires_height, &y.return_to)
                }
                _ => false,
            };
            return match a.owner {
                Owner::Citizen { account }
                    if account == holder && a.currency == currency && same_earmark =>
                {
                    Ok(id.clone())
                }
                _ => Err(err(
                    codes::ACCOUNT_EXISTS,
                    format!(
                        "account '{id}' exists and is not this program's account for this citizen"
                    ),
                )),
            };
        }
        ledger::currency(ctx, currency)?;
        let acct = Account::new(
            id.clone(),
            currency.to_string(),
            Owner::Citizen { account: holder },
            earmark,
        );
        ctx.emit_event(&MoneyEvent::AccountOpened {
            account: acct.id.clone(),
            currency: acct.currency.clone(),
            by: ctx.signer(),
        });
        ledger::save(ctx, acct);
        Ok(id.clone())
    })
}

/// Moves `amount` from `from` to `to` as the transaction's signer would
/// with `money.transfer`: every money rule holds, and the signer must be
/// allowed to debit `from` (another module's call escrowing the signer's
/// own money, e.g. an energy bid).
pub fn transfer_as_signer(
    ctx: &mut CallContext<'_>,
    from: &str,
    to: &str,
    amount: Amount,
    reference: &str,
) -> Result<(), TxError> {
    ctx.as_module("money", |ctx| {
        ledger::transfer(ctx, from, to, amount, reference, None)
    })
}

/// Pays `amount` from the account of `program` (run by `agency`) to `to`.
/// Only the `programs` module (a benefit), the `claims` module (an
/// insurance plan's claim), the `governance` module (a passed proposal,
/// a decided budgeting round), the `energy` module (a market interval's
/// settlement from its escrow), the `recycling` module (a credit for a
/// deposit or volunteer work, by the approved rate table and caps) and the
/// `crossborder` module (a transfer in, proven from the other network, or
/// a refund of one it proved expired) may call it: the program's, the
/// plan's, the community's, the market's, the scheme's or the corridor's
/// rules, not a signer, authorise the payment.
pub fn pay_from_program(
    ctx: &mut CallContext<'_>,
    agency: &str,
    program: &str,
    from: &str,
    to: &str,
    amount: Amount,
    reference: &str,
) -> Result<(), TxError> {
    let a = ledger::account(ctx, from)?;
    program_account(ctx, from, agency, program, &a.currency)?;
    ctx.as_module("money", |ctx| {
        assert!(
            matches!(
                ctx.caller(),
                Some("programs" | "claims" | "governance" | "energy" | "recycling" | "crossborder")
            ),
            "only the programs, claims, governance, energy, recycling and crossborder modules pay from program accounts"
        );
        ledger::move_money(ctx, from, to, amount, reference, None)
    })
}
