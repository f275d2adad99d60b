//! The `money` module's calls. Calls that act for an agency name it in
//! `agency` and the runtime checks the role before the module runs; calls
//! that move money from an account check, inside, that the signer may
//! debit it (its citizen or merchant key, or a treasurer / program officer
//! of the owning agency). See `docs/money.md`.

use crate::codes;
use crate::events::MoneyEvent;
use crate::ledger::{self, check_issuer, err};
use crate::model::{
    account_key, appropriation_key, currency_key, merchant_key, valid_code, valid_id, Account,
    Appropriation, Currency, Earmark, MerchantAccreditation, Owner, BENEFIT_ACCOUNT_PREFIX,
    CATEGORIES_MAX,
};
use publica_runtime::authz::Role;
use publica_runtime::{CallContext, IndexFiler, Need, TypedModule};
use publica_types::{AccountId, Amount, TxError};
use serde::Deserialize;

/// Most transfers in one linked batch.
pub const BATCH_TRANSFERS_MAX: usize = 100;
/// Longest reference or reason, in bytes.
pub const REFERENCE_BYTES_MAX: usize = 128;
/// Blocks an appropriation waits for its approvals unless the proposal
/// says otherwise.
pub const APPROPRIATION_LIFETIME_BLOCKS_DEFAULT: u64 = 1_000;
/// Longest an appropriation may wait for its approvals, in blocks.
pub const APPROPRIATION_LIFETIME_BLOCKS_MAX: u64 = 1_000_000;

/// The `money` module.
#[derive(Debug, Default)]
pub struct Money;

/// Arguments of a `money` call.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateCurrency {
    /// The issuing agency; the signer must be one of its treasurers.
    pub agency: String,
    /// The currency's code, 2..=12 of `[A-Z0-9]`, unique on the ledger.
    pub code: String,
    /// Its display name, 1..=128 bytes.
    pub name: String,
    /// Decimal places of one major unit (0..=18): with 2, `12500` minor
    /// units read 125.00.
    pub decimals: u8,
    /// Most minor units in circulation (minted − burned) at any time.
    pub supply_cap: Amount,
    /// Largest clawback, in minor units, one treasurer carries out alone;
    /// 0 when absent, so every clawback needs a second official.
    #[serde(default)]
    pub clawback_single_max: Option<Amount>,
}

/// Arguments of a `money` call.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProposeAppropriation {
    /// The issuing agency; the signer must be one of its treasurers.
    pub agency: String,
    /// Code of the currency the appropriation mints.
    pub currency: String,
    /// The appropriation's id, 1..=64 of `[a-z0-9._:-]`, unique within the
    /// currency.
    pub id: String,
    /// The budget line's name, 1..=128 bytes.
    pub name: String,
    /// Most minor units ever minted against it; burning does not refill it.
    pub cap: Amount,
    /// Blocks it may wait for its approvals (1..=1,000,000); 1,000 when
    /// absent.
    #[serde(default)]
    pub expires_in_blocks: Option<u64>,
}

/// Arguments of a `money` call.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AppropriationRef {
    /// The issuing agency; the signer must be one of its administrators.
    pub agency: String,
    /// Code of the currency the appropriation mints.
    pub currency: String,
    /// The appropriation's id within the currency.
    pub id: String,
}

/// Arguments of a `money` call.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mint {
    /// The issuing agency; the signer must be one of its treasurers.
    pub agency: String,
    /// Code of the currency minted.
    pub currency: String,
    /// Id of the approved appropriation the units are minted against.
    pub appropriation: String,
    /// The receiving account, the issuer's or one of its programs'.
    pub to: String,
    /// Minor units to create.
    pub amount: Amount,
}

/// Arguments of a `money` call.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Burn {
    /// The account the units leave; the signer must be allowed to debit it.
    pub from: String,
    /// Minor units to destroy, returned to the appropriations they came
    /// from.
    pub amount: Amount,
}

/// Arguments of a `money` call.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpenAccount {
    /// The new account's id, 1..=64 of `[a-z0-9._:-]`; ids beginning `b.`
    /// are reserved for benefit accounts.
    pub id: String,
    /// Code of the currency the account holds.
    pub currency: String,
    /// Who the account belongs to, and so who may move money out of it.
    pub owner: Owner,
    /// The issuing agency whose treasurer opens the account for someone
    /// else; absent when a citizen opens a plain account of their own.
    #[serde(default)]
    pub agency: Option<String>,
    /// Refused unless zero: accounts never go below zero. Kept as a field
    /// so that a client still sending it learns why, not just that it is
    /// unknown.
    #[serde(default)]
    pub overdraft_limit: Option<Amount>,
    /// Restricts where the money may be spent and until when; needs
    /// `agency`.
    #[serde(default)]
    pub earmark: Option<EarmarkArgs>,
}

/// Arguments of a `money` call.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EarmarkArgs {
    /// Merchant categories the money may be spent at, 1..=16 of
    /// `[a-z0-9._:-]`.
    pub categories: Vec<String>,
    /// Last block height at which the money may be spent; never expires
    /// when absent.
    #[serde(default)]
    pub expires_height: Option<u64>,
    /// The account, in the same currency, an expiry sweep returns the
    /// balance to.
    pub return_to: String,
}

/// Arguments of a `money` call.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IdRef {
    /// Id of the account (`close_account`) or hold (`void_pending`) acted on.
    pub id: String,
}

/// Arguments of a `money` call.
#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct Transfer {
    /// The debited account; the signer must be allowed to debit it.
    pub from: String,
    /// The credited account, in the same currency.
    pub to: String,
    /// Minor units moved.
    pub amount: Amount,
    /// Free text both sides see in their histories, at most 128 bytes
    /// without control characters; empty when absent.
    #[serde(default)]
    pub reference: String,
    /// SHA-256 of an off-ledger memo, 64 lowercase hex characters.
    #[serde(default)]
    pub memo_hash: Option<String>,
    /// The reference is this payment's idempotency key: a later transfer
    /// from the same account with the same reference, also sent `once`,
    /// is refused (`money.duplicate_payment`), so a payment file run
    /// twice pays nobody twice.
    #[serde(default)]
    pub once: bool,
}

/// Arguments of a `money` call.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Batch {
    /// The linked transfers, 1..=100, carried out in order, all or none.
    pub transfers: Vec<Transfer>,
}

/// Arguments of a `money` call.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreatePending {
    /// The hold's id, 1..=64 of `[a-z0-9._:-]`, unique on the ledger.
    pub id: String,
    /// The debited account; the amount leaves its balance at once.
    pub from: String,
    /// The account a post pays.
    pub to: String,
    /// Minor units held.
    pub amount: Amount,
    /// Blocks (1..=1,000,000) after which the hold can only be voided.
    pub timeout_blocks: u64,
    /// Free text seen in the histories, at most 128 bytes without control
    /// characters; empty when absent.
    #[serde(default)]
    pub reference: String,
}

/// Arguments of a `money` call.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PostPending {
    /// Id of the hold to post.
    pub id: String,
    /// Minor units paid to `to`, the rest returned to `from`; the whole
    /// hold when absent.
    #[serde(default)]
    pub amount: Option<Amount>,
}

/// Arguments of a `money` call.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Freeze {
    /// The issuing agency of the account's currency; the signer must be
    /// one of its treasurers.
    pub agency: String,
    /// Id of the account frozen or unfrozen.
    pub account: String,
    /// Why, as a code the holder sees in the account's history.
    pub reason: String,
}

/// Arguments of a `money` call.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccreditMerchant {
    /// The issuing agency; the signer must be one of its treasurers.
    pub agency: String,
    /// Code of the currency the merchant may accept.
    pub currency: String,
    /// The merchant's key, which must hold the identity `merchant` role in
    /// `agency`.
    #[serde(deserialize_with = "publica_crypto::key::one")]
    pub merchant: AccountId,
    /// Categories the merchant is accredited for, 1..=16 of
    /// `[a-z0-9._:-]`; replaces any earlier list.
    pub categories: Vec<String>,
}

/// Arguments of a `money` call.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RevokeMerchant {
    /// The issuing agency; the signer must be one of its treasurers.
    pub agency: String,
    /// Code of the currency the accreditation is in.
    pub currency: String,
    /// The merchant's key.
    pub merchant: AccountId,
}

/// Arguments of a `money` call.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sweep {
    /// Id of the earmarked account whose expired balance returns to its
    /// `return_to`.
    pub account: String,
}

publica_runtime::calls! {
    /// The calls of `money` (see `docs/money.md`).
    #[derive(Debug)]
    pub enum MoneyCall {
        /// Create a currency (its issuing agency's treasurer).
        CreateCurrency(CreateCurrency) = "create_currency" => Need::Role(Role::Treasurer, "agency"),
        /// Propose an appropriation.
        ProposeAppropriation(ProposeAppropriation) = "propose_appropriation" => Need::Role(Role::Treasurer, "agency"),
        /// Approve an appropriation (administrators, M-of-N).
        ApproveAppropriation(AppropriationRef) = "approve_appropriation" => Need::Role(Role::Administrator, "agency"),
        /// Mint under an active appropriation.
        Mint(Mint) = "mint" => Need::Role(Role::Treasurer, "agency"),
        /// Burn from an account the signer may debit.
        Burn(Burn) = "burn" => Need::Any,
        /// Open an account: one's own, or (naming `agency`) for others.
        OpenAccount(OpenAccount) = "open_account" => Need::RoleIfNamed(Role::Treasurer, "agency"),
        /// Close an empty account.
        CloseAccount(IdRef) = "close_account" => Need::Any,
        /// Move money.
        Transfer(Transfer) = "transfer" => Need::Any,
        /// Move money in a linked batch, all or none.
        TransferBatch(Batch) = "transfer_batch" => Need::Any,
        /// Hold money for a two-phase transfer.
        CreatePending(CreatePending) = "create_pending" => Need::Any,
        /// Post a hold (all or part).
        PostPending(PostPending) = "post_pending" => Need::Any,
        /// Void a hold.
        VoidPending(IdRef) = "void_pending" => Need::Any,
        /// Take money back with a reason code.
        Clawback(crate::clawback::ClawbackArgs) = "clawback" => Need::Role(Role::Treasurer, "agency"),
        /// Carry out a clawback proposed by another treasurer.
        ApproveClawback(crate::clawback::ApproveClawback) = "approve_clawback" => Need::Role(Role::Treasurer, "agency"),
        /// Freeze an account, with a reason code.
        Freeze(Freeze) = "freeze" => Need::Role(Role::Treasurer, "agency"),
        /// Unfreeze it, with a reason code.
        Unfreeze(Freeze) = "unfreeze" => Need::Role(Role::Treasurer, "agency"),
        /// Accredit a merchant in the issuer's currency.
        AccreditMerchant(AccreditMerchant) = "accredit_merchant" => Need::Role(Role::Treasurer, "agency"),
        /// Revoke a merchant's accreditation.
        RevokeMerchant(RevokeMerchant) = "revoke_merchant" => Need::Role(Role::Treasurer, "agency"),
        /// Return an expired earmarked balance.
        SweepExpired(Sweep) = "sweep_expired" => Need::Any,
        /// Open an account of the agency for cash-outs, with a minimum (a
        /// treasurer).
        DeclareCashOutAccount(crate::cashout::DeclareArgs) = "declare_cash_out_account" => Need::Any,
        /// Cash money out through the agency's bank.
        CashOut(crate::cashout::CashOutArgs) = "cash_out" => Need::Any,
        /// Record the bank file that carries waiting cash-outs (a treasurer).
        SettleCashOuts(crate::cashout::SettleArgs) = "settle_cash_outs" => Need::Any,
        /// Refund a cash-out the bank sent back (a treasurer).
        ReturnCashOut(crate::cashout::ReturnArgs) = "return_cash_out" => Need::Any,
    }
}

fn check_reference(r: &str) -> Result<(), TxError> {
    if r.len() > REFERENCE_BYTES_MAX || r.chars().any(char::is_control) {
        return Err(err(
            codes::INVALID_FIELD,
            format!(
                "a reference is at most {REFERENCE_BYTES_MAX} bytes without control characters"
            ),
        ));
    }
    Ok(())
}

pub(crate) fn check_transfer_fields(t: &Transfer) -> Result<(), TxError> {
    check_reference(&t.reference)?;
    if t.once && t.reference.trim().is_empty() {
        return Err(err(
            codes::INVALID_FIELD,
            "a transfer sent once names its reference: the reference is what makes it once",
        ));
    }
    if let Some(h) = &t.memo_hash {
        if h.len() != 64
            || !h
                .bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
        {
            return Err(err(
                codes::INVALID_FIELD,
                "memo_hash is a SHA-256 in 64 lowercase hex characters",
            ));
        }
    }
    Ok(())
}

impl Money {
    /// Accredits (or re-accredits, with new categories) a merchant in the
    /// issuer's currency. The key must hold the identity `merchant` role
    /// in the issuing agency: identity says who it is, money what it may
    /// accept.
    fn accredit_merchant(
        ctx: &mut CallContext<'_>,
        agency: &str,
        m: AccreditMerchant,
    ) -> Result<(), TxError> {
        check_issuer(ctx, agency, &m.currency)?;
        if !ctx.has_role(agency, &m.merchant, Role::Merchant) {
            return Err(err(
                codes::NOT_ACCREDITED,
                format!(
                    "{} does not hold the merchant role in '{agency}' (identity.grant_role)",
                    m.merchant
                ),
            ));
        }
        let mut categories = m.categories;
        if categories.is_empty()
            || categories.len() > CATEGORIES_MAX
            || !categories.iter().all(|c| valid_id(c))
        {
            return Err(err(
                codes::INVALID_FIELD,
                format!(
                    "a merchant is accredited for 1..={CATEGORIES_MAX} categories of [a-z0-9._:-]"
                ),
            ));
        }
        categories.sort();
        categories.dedup();
        let rec = MerchantAccreditation {
            merchant: m.merchant,
            currency: m.currency,
            categories,
            active: true,
            by: ctx.signer(),
            height: ctx.env().height,
        };
        ctx.emit_event(&MoneyEvent::MerchantAccredited {
            currency: rec.currency.clone(),
            merchant: rec.merchant,
            categories: rec.categories.clone(),
            by: rec.by,
        });
        ctx.write(merchant_key(&rec.currency, &rec.merchant), &rec);
        Ok(())
    }

    fn open_account(ctx: &mut CallContext<'_>, a: OpenAccount) -> Result<(), TxError> {
        Self::check_new_account(ctx, &a)?;
        let cur = ledger::currency(ctx, &a.currency)?;
        Self::check_account_opener(ctx, &a, &cur)?;
        Self::check_account_owner(ctx, &a)?;
        let earmark = match a.earmark {
            None => None,
            Some(e) => Some(Self::earmark(ctx, e, &a.currency)?),
        };
        let acct = Account::new(a.id, a.currency, a.owner, earmark);
        ctx.emit_event(&MoneyEvent::AccountOpened {
            account: acct.id.clone(),
            currency: acct.currency.clone(),
            by: ctx.signer(),
        });
        ledger::save(ctx, acct);
        Ok(())
    }

    /// The checks of `open_account` on the account itself: a valid id,
    /// not reserved, not taken, and no overdraft.
    fn check_new_account(ctx: &CallContext<'_>, a: &OpenAccount) -> Result<(), TxError> {
        if !valid_id(&a.id) {
            return Err(err(
                codes::INVALID_FIELD,
                "an account id is 1..=64 of [a-z0-9._:-]",
            ));
        }
        if a.id.starts_with(BENEFIT_ACCOUNT_PREFIX) {
            // Taken first, a benefit account's predictable id would let
            // anyone block an enrolment or receive its payments.
            return Err(err(
                codes::INVALID_FIELD,
                format!("account ids beginning '{BENEFIT_ACCOUNT_PREFIX}' are reserved for benefit accounts, which only programs open"),
            ));
        }
        if ctx.contains(&account_key(&a.id)) {
            return Err(err(
                codes::ACCOUNT_EXISTS,
                format!("account '{}' exists", a.id),
            ));
        }
        if a.overdraft_limit.is_some_and(|l| !l.is_zero()) {
            // An overdraft would put units in circulation that no
            // appropriation approved and no supply cap counts.
            return Err(err(
                codes::INVALID_FIELD,
                "accounts have no overdraft: an agency spends only money minted under an approved appropriation",
            ));
        }
        Ok(())
    }

    /// Whether the signer may open this account in currency `cur`.
    fn check_account_opener(
        ctx: &CallContext<'_>,
        a: &OpenAccount,
        cur: &Currency,
    ) -> Result<(), TxError> {
        let me = ctx.signer();
        // Without `agency`, a citizen opens a plain account of their own.
        // With it, a treasurer opens agency, program, merchant or
        // earmarked citizen accounts for that agency.
        match (&a.agency, &a.owner) {
            (None, Owner::Citizen { account }) if *account == me && a.earmark.is_none() => {}
            (None, _) => return Err(err(
                codes::NOT_OWNER,
                "without 'agency', only a plain citizen account of the signer's own can be opened",
            )),
            (
                Some(ag),
                Owner::Agency { agency }
                | Owner::Program { agency, .. }
                | Owner::Merchant { agency, .. },
            ) if agency != ag => {
                return Err(err(
                    codes::NOT_OWNER,
                    format!("the account belongs to '{agency}', not '{ag}'"),
                ))
            }
            (Some(ag), _) if *ag != cur.agency => {
                return Err(err(
                    codes::NOT_OWNER,
                    format!(
                        "{} is issued by '{}': only its treasurers open accounts in it for others",
                        cur.code, cur.agency
                    ),
                ))
            }
            (Some(_), _) => {}
        }
        Ok(())
    }

    /// The owner's key is usable, and a merchant owner is accredited for
    /// its category.
    fn check_account_owner(ctx: &CallContext<'_>, a: &OpenAccount) -> Result<(), TxError> {
        if let Owner::Citizen { account } | Owner::Merchant { account, .. } = &a.owner {
            if !publica_crypto::is_public_key(account.0) {
                return Err(err(
                    codes::INVALID_FIELD,
                    format!(
                        "the owner {account} {}",
                        publica_crypto::key::WEAK_KEY_MESSAGE
                    ),
                ));
            }
        }
        if let Owner::Merchant {
            account, category, ..
        } = &a.owner
        {
            if !valid_id(category) {
                return Err(err(
                    codes::INVALID_FIELD,
                    "a category is 1..=64 of [a-z0-9._:-]",
                ));
            }
            ledger::accredited(ctx, &a.currency, account, category)?;
        }
        Ok(())
    }

    /// The earmark of a new account in `currency`, checked.
    fn earmark(ctx: &CallContext<'_>, e: EarmarkArgs, currency: &str) -> Result<Earmark, TxError> {
        if e.categories.is_empty()
            || e.categories.len() > CATEGORIES_MAX
            || !e.categories.iter().all(|c| valid_id(c))
        {
            return Err(err(
                codes::INVALID_FIELD,
                format!("an earmark lists 1..={CATEGORIES_MAX} categories of [a-z0-9._:-]"),
            ));
        }
        let ret = ledger::account(ctx, &e.return_to)?;
        if ret.currency != currency {
            return Err(err(
                codes::CURRENCY_MISMATCH,
                "the return account holds another currency",
            ));
        }
        let mut categories = e.categories;
        categories.sort();
        categories.dedup();
        Ok(Earmark {
            categories,
            expires_height: e.expires_height,
            return_to: e.return_to,
            swept: false,
        })
    }
}

impl TypedModule for Money {
    const NAME: &'static str = "money";
    type Call = MoneyCall;
    type Rejection = codes::MoneyRejection;
    type Event = MoneyEvent;
    const ROUTES: &'static [publica_runtime::Route] = crate::routes::ROUTES;

    fn index_event(&self, event: &MoneyEvent, filer: &mut IndexFiler<'_>) {
        crate::history::file_entries(event, filer);
    }

    fn upgrade(&self, ctx: &mut CallContext<'_>, format: u32) {
        crate::cashout::upgrade(ctx, format);
    }

    fn execute(&self, ctx: &mut CallContext<'_>, call: MoneyCall) -> Result<(), TxError> {
        match call {
            MoneyCall::CreateCurrency(a) => Self::create_currency(ctx, a),
            MoneyCall::ProposeAppropriation(a) => Self::propose_appropriation(ctx, a),
            MoneyCall::ApproveAppropriation(a) => Self::approve_appropriation(ctx, a),
            MoneyCall::Mint(a) => Self::mint(ctx, &a),
            MoneyCall::Burn(a) => ledger::burn(ctx, &a.from, a.amount),
            MoneyCall::OpenAccount(a) => Self::open_account(ctx, a),
            MoneyCall::CloseAccount(a) => Self::close_account(ctx, &a),
            MoneyCall::Transfer(t) => Self::transfer(ctx, &t),
            MoneyCall::TransferBatch(b) => Self::transfer_batch(ctx, &b),
            MoneyCall::CreatePending(p) => Self::create_pending(ctx, &p),
            MoneyCall::PostPending(p) => ledger::settle_pending(ctx, &p.id, Some(p.amount)),
            MoneyCall::VoidPending(p) => ledger::settle_pending(ctx, &p.id, None),
            MoneyCall::Clawback(c) => {
                let agency = c.agency.clone();
                crate::clawback::clawback(ctx, &agency, c)
            }
            MoneyCall::ApproveClawback(c) => {
                let agency = c.agency.clone();
                crate::clawback::approve(ctx, &agency, c)
            }
            MoneyCall::AccreditMerchant(m) => {
                let agency = m.agency.clone();
                Self::accredit_merchant(ctx, &agency, m)
            }
            MoneyCall::RevokeMerchant(m) => Self::revoke_merchant(ctx, m),
            MoneyCall::SweepExpired(s) => ledger::sweep(ctx, &s.account),
            MoneyCall::DeclareCashOutAccount(c) => crate::cashout::declare(ctx, c),
            MoneyCall::CashOut(c) => crate::cashout::cash_out(ctx, c),
            MoneyCall::SettleCashOuts(c) => crate::cashout::settle(ctx, c),
            MoneyCall::ReturnCashOut(c) => crate::cashout::give_back(ctx, c),
            MoneyCall::Freeze(f) => Self::freeze(ctx, f, true),
            MoneyCall::Unfreeze(f) => Self::freeze(ctx, f, false),
        }
    }
}

impl Money {
    fn create_currency(ctx: &mut CallContext<'_>, a: CreateCurrency) -> Result<(), TxError> {
        let agency = a.agency.clone();
        if !valid_code(&a.code) || a.name.is_empty() || a.name.len() > 128 || a.decimals > 18 {
            return Err(err(
                codes::INVALID_FIELD,
                "a code is 2..=12 of [A-Z0-9], a name 1..=128 bytes, decimals 0..=18",
            ));
        }
        if ctx.contains(&currency_key(&a.code)) {
            return Err(err(
                codes::CURRENCY_EXISTS,
                format!("currency {} exists", a.code),
            ));
        }
        let c = Currency {
            code: a.code.clone(),
            name: a.name,
            decimals: a.decimals,
            agency,
            supply_cap: a.supply_cap,
            minted: Amount::ZERO,
            burned: Amount::ZERO,
            clawback_single_max: a.clawback_single_max.unwrap_or_default(),
        };
        ctx.write(currency_key(&a.code), &c);
        ctx.emit_event(&MoneyEvent::CurrencyCreated { currency: a.code });
        Ok(())
    }

    fn propose_appropriation(
        ctx: &mut CallContext<'_>,
        a: ProposeAppropriation,
    ) -> Result<(), TxError> {
        let agency = a.agency.clone();
        check_issuer(ctx, &agency, &a.currency)?;
        if !valid_id(&a.id) || a.name.is_empty() || a.name.len() > 128 {
            return Err(err(
                codes::INVALID_FIELD,
                "an appropriation id is 1..=64 of [a-z0-9._:-] and its name 1..=128 bytes",
            ));
        }
        ledger::nonzero(a.cap)?;
        let lifetime = a
            .expires_in_blocks
            .unwrap_or(APPROPRIATION_LIFETIME_BLOCKS_DEFAULT);
        if !(1..=APPROPRIATION_LIFETIME_BLOCKS_MAX).contains(&lifetime) {
            return Err(err(
                codes::INVALID_FIELD,
                format!("expires_in_blocks is 1..={APPROPRIATION_LIFETIME_BLOCKS_MAX}"),
            ));
        }
        let key = appropriation_key(&a.currency, &a.id);
        if ctx.contains(&key) {
            return Err(err(
                codes::APPROPRIATION_EXISTS,
                format!("appropriation '{}' exists", a.id),
            ));
        }
        let appr = Appropriation {
            id: a.id.clone(),
            currency: a.currency.clone(),
            name: a.name,
            cap: a.cap,
            minted: Amount::ZERO,
            burned: Amount::ZERO,
            approvals: vec![],
            active: false,
            created_height: ctx.env().height,
            expires_height: ctx.env().height + lifetime,
        };
        ctx.write(key, &appr);
        ctx.emit_event(&MoneyEvent::AppropriationProposed {
            currency: a.currency,
            appropriation: a.id,
        });
        Ok(())
    }

    fn approve_appropriation(
        ctx: &mut CallContext<'_>,
        a: AppropriationRef,
    ) -> Result<(), TxError> {
        let agency = a.agency.clone();
        check_issuer(ctx, &agency, &a.currency)?;
        let key = appropriation_key(&a.currency, &a.id);
        let mut appr: Appropriation = ctx.read(&key).ok_or_else(|| {
            err(
                codes::UNKNOWN_APPROPRIATION,
                format!("no appropriation '{}'", a.id),
            )
        })?;
        let me = ctx.signer();
        if appr.approvals.contains(&me) {
            return Err(err(
                codes::ALREADY_APPROVED,
                "this administrator already approved",
            ));
        }
        if !appr.active && ctx.env().height > appr.expires_height {
            return Err(err(
                codes::APPROPRIATION_EXPIRED,
                format!(
                    "appropriation '{}' could be approved until height {}; propose it again",
                    a.id, appr.expires_height
                ),
            ));
        }
        // The policy in force now decides, and only approvals of
        // those who are still administrators count.
        appr.approvals
            .retain(|k| ctx.has_role(&agency, k, Role::Administrator));
        appr.approvals.push(me);
        if appr.approvals.len() as u32 >= ctx.policy_threshold(&agency) {
            appr.active = true;
        }
        ctx.write(key, &appr);
        ctx.emit_event(&MoneyEvent::AppropriationApproved {
            appropriation: a.id,
            by: me,
            active: appr.active,
        });
        Ok(())
    }

    fn mint(ctx: &mut CallContext<'_>, a: &Mint) -> Result<(), TxError> {
        check_issuer(ctx, &a.agency, &a.currency)?;
        ledger::mint(ctx, &a.currency, &a.appropriation, &a.to, a.amount)
    }

    fn close_account(ctx: &mut CallContext<'_>, a: &IdRef) -> Result<(), TxError> {
        let mut acct = ledger::account(ctx, &a.id)?;
        if !ledger::manages(ctx, &acct) {
            return Err(err(codes::NOT_OWNER, "only the account's owner closes it"));
        }
        if !acct.balance.is_zero() || !acct.pending_out.is_zero() {
            return Err(err(codes::NOT_EMPTY, "move the balance out first"));
        }
        acct.closed = true;
        ctx.emit_event(&MoneyEvent::AccountClosed {
            account: acct.id.clone(),
            by: ctx.signer(),
        });
        ledger::save(ctx, acct);
        Ok(())
    }

    fn transfer(ctx: &mut CallContext<'_>, t: &Transfer) -> Result<(), TxError> {
        check_transfer_fields(t)?;
        ledger::pay_once(ctx, t)?;
        ledger::transfer(
            ctx,
            &t.from,
            &t.to,
            t.amount,
            &t.reference,
            t.memo_hash.as_deref(),
        )
    }

    fn transfer_batch(ctx: &mut CallContext<'_>, b: &Batch) -> Result<(), TxError> {
        if b.transfers.is_empty() || b.transfers.len() > BATCH_TRANSFERS_MAX {
            return Err(err(
                codes::INVALID_BATCH,
                format!("a linked batch holds 1..={BATCH_TRANSFERS_MAX} transfers"),
            ));
        }
        // All or none: the first failure fails the call, and the
        // runtime discards every write made before it.
        for (i, t) in b.transfers.iter().enumerate() {
            check_transfer_fields(t)?;
            ledger::pay_once(ctx, t).map_err(|e| {
                TxError::new(&e.code, format!("transfer {i} of the batch: {}", e.message))
            })?;
            ledger::transfer(
                ctx,
                &t.from,
                &t.to,
                t.amount,
                &t.reference,
                t.memo_hash.as_deref(),
            )
            .map_err(|e| {
                TxError::new(&e.code, format!("transfer {i} of the batch: {}", e.message))
            })?;
        }
        Ok(())
    }

    fn create_pending(ctx: &mut CallContext<'_>, p: &CreatePending) -> Result<(), TxError> {
        check_reference(&p.reference)?;
        ledger::create_pending(
            ctx,
            &p.id,
            &p.from,
            &p.to,
            p.amount,
            p.timeout_blocks,
            &p.reference,
        )
    }

    fn revoke_merchant(ctx: &mut CallContext<'_>, m: RevokeMerchant) -> Result<(), TxError> {
        let agency = m.agency.clone();
        check_issuer(ctx, &agency, &m.currency)?;
        let key = merchant_key(&m.currency, &m.merchant);
        let mut rec: MerchantAccreditation = ctx
            .read(&key)
            .filter(|r: &MerchantAccreditation| r.active)
            .ok_or_else(|| {
                err(
                    codes::NOT_ACCREDITED,
                    format!(
                        "{} is not an accredited merchant in {}",
                        m.merchant, m.currency
                    ),
                )
            })?;
        rec.active = false;
        rec.by = ctx.signer();
        rec.height = ctx.env().height;
        ctx.write(key, &rec);
        ctx.emit_event(&MoneyEvent::MerchantRevoked {
            currency: m.currency,
            merchant: m.merchant,
            by: rec.by,
        });
        Ok(())
    }

    /// Freezes (or unfreezes) an account of the issuer's currency.
    fn freeze(ctx: &mut CallContext<'_>, f: Freeze, frozen: bool) -> Result<(), TxError> {
        let agency = f.agency.clone();
        let mut acct = ledger::account(ctx, &f.account)?;
        check_issuer(ctx, &agency, &acct.currency)?;
        if !valid_id(&f.reason) {
            return Err(err(
                codes::INVALID_FIELD,
                "a reason code is 1..=64 of [a-z0-9._:-]",
            ));
        }
        acct.frozen = frozen;
        let (account, by, reason) = (acct.id.clone(), ctx.signer(), f.reason);
        ctx.emit_event(&if frozen {
            MoneyEvent::Frozen {
                account,
                by,
                reason,
            }
        } else {
            MoneyEvent::Unfrozen {
                account,
                by,
                reason,
            }
        });
        ledger::save(ctx, acct);
        Ok(())
    }
}
