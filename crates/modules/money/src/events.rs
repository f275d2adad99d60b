//! The `money` module's events: one enum, whose JSON is the event's
//! `kind` and `data` exactly as blocks carry them. Everything that reads a
//! money event (the account histories, the API, the portal) decodes it as
//! a [`MoneyEvent`].

use publica_types::{AccountId, Amount};
use serde::{Deserialize, Serialize};

/// A `money` event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "data", rename_all = "snake_case")]
pub enum MoneyEvent {
    /// A currency was created.
    CurrencyCreated {
        /// Its code.
        currency: String,
    },
    /// An appropriation was proposed.
    AppropriationProposed {
        /// Its currency.
        currency: String,
        /// Its id.
        appropriation: String,
    },
    /// An administrator approved an appropriation.
    AppropriationApproved {
        /// Its id.
        appropriation: String,
        /// The administrator.
        by: AccountId,
        /// Whether it is active now.
        active: bool,
    },
    /// An account was opened.
    AccountOpened {
        /// The account.
        account: String,
        /// Its currency.
        currency: String,
        /// Who opened it.
        by: AccountId,
    },
    /// An account was closed.
    AccountClosed {
        /// The account.
        account: String,
        /// Who closed it.
        by: AccountId,
    },
    /// An account was frozen.
    Frozen {
        /// The account.
        account: String,
        /// The treasurer.
        by: AccountId,
        /// The reason code.
        reason: String,
    },
    /// An account was unfrozen.
    Unfrozen {
        /// The account.
        account: String,
        /// The treasurer.
        by: AccountId,
        /// The reason code.
        reason: String,
    },
    /// A merchant was accredited in a currency.
    MerchantAccredited {
        /// The currency.
        currency: String,
        /// The merchant's key.
        merchant: AccountId,
        /// The categories it may accept.
        categories: Vec<String>,
        /// The treasurer.
        by: AccountId,
    },
    /// A merchant's accreditation was revoked.
    MerchantRevoked {
        /// The currency.
        currency: String,
        /// The merchant's key.
        merchant: AccountId,
        /// The treasurer.
        by: AccountId,
    },
    /// Money moved between two accounts.
    Transfer {
        /// The debited account.
        from: String,
        /// The credited account.
        to: String,
        /// How much.
        amount: Amount,
        /// The currency.
        currency: String,
        /// The payer's reference.
        reference: String,
        /// SHA-256 of an off-ledger memo, if any.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        memo_hash: Option<String>,
    },
    /// Money was minted under an appropriation.
    Mint {
        /// The currency.
        currency: String,
        /// The appropriation.
        appropriation: String,
        /// The credited account.
        to: String,
        /// How much.
        amount: Amount,
    },
    /// Money was burned.
    Burn {
        /// The currency.
        currency: String,
        /// The debited account.
        from: String,
        /// How much.
        amount: Amount,
    },
    /// Money was held for a two-phase transfer.
    PendingCreated {
        /// The hold.
        pending: String,
        /// The payer.
        from: String,
        /// The payee.
        to: String,
        /// How much is held.
        amount: Amount,
    },
    /// A hold was posted (in part or whole).
    PendingPosted {
        /// The hold.
        pending: String,
        /// The payer.
        from: String,
        /// The payee.
        to: String,
        /// How much reached the payee.
        posted: Amount,
        /// How much went back to the payer.
        returned: Amount,
    },
    /// A hold was voided (or expired).
    PendingVoided {
        /// The hold.
        pending: String,
        /// The payer.
        from: String,
        /// The payee.
        to: String,
        /// Nothing.
        posted: Amount,
        /// Everything held, back to the payer.
        returned: Amount,
    },
    /// An agency opened an account for cash-outs (or changed its minimum);
    /// at the start of ledger format 5, every account that had taken
    /// cash-outs was opened so, with a minimum of 1.
    CashOutAccountDeclared {
        /// The agency's cash-out account.
        account: String,
        /// The smallest cash-out it takes, in minor units.
        minimum: Amount,
    },
    /// A holder asked to cash out: the money is in the agency's account.
    CashOutRequested {
        /// The agency's cash-out account.
        account: String,
        /// The request's number under it.
        request: u64,
        /// The holder's account.
        from: String,
        /// Minor units.
        amount: Amount,
    },
    /// A treasurer recorded the batch file that carries waiting requests.
    CashOutsSettled {
        /// The cash-out account.
        account: String,
        /// The batch id.
        batch: String,
        /// Requests carried.
        count: u64,
        /// Their total.
        total: Amount,
    },
    /// The bank sent a request back: refunded to its holder.
    CashOutReturned {
        /// The cash-out account.
        account: String,
        /// The request.
        request: u64,
        /// The holder's account, refunded.
        to: String,
        /// Minor units.
        amount: Amount,
    },
    /// Money was taken back by an official's decision.
    Clawback {
        /// The debited account.
        from: String,
        /// The issuer's or program's account credited.
        to: String,
        /// How much.
        amount: Amount,
        /// The reason code.
        reason: String,
        /// The treasurer who carried it out.
        by: AccountId,
        /// The treasurer who proposed it, when two were needed.
        proposed_by: Option<AccountId>,
    },
    /// A clawback above the single-official limit waits for a second
    /// treasurer.
    ClawbackProposed {
        /// The currency.
        currency: String,
        /// The proposal's id.
        id: String,
        /// The account to debit.
        from: String,
        /// The account to credit.
        to: String,
        /// How much.
        amount: Amount,
        /// The reason code.
        reason: String,
        /// The proposing treasurer.
        by: AccountId,
    },
    /// An expired earmarked balance went back to its return account.
    Swept {
        /// The expired account.
        account: String,
        /// The return account.
        to: String,
        /// How much.
        amount: Amount,
    },
}

impl publica_runtime::kit::Events for MoneyEvent {}
