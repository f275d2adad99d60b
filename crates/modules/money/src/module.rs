//! The `money` module's calls. Calls that act for an agency name it in
//! `agency` and the runtime checks the role before the module runs; calls
//! that move money from an account check, inside, that the signer may
//! debit it (its citizen or merchant key, or a treasurer / program officer
//! of the owning agency). See `docs/money.md`.

use crate::codes;
use crate::ledger::{self, check_issuer, err};
use crate::model::*;
use publica_runtime::authz::Role;
use publica_runtime::module::{agency_arg, parse_args, unknown_method};
use publica_runtime::{Authority, CallContext, IndexFiler, Module};
use publica_types::{AccountId, Amount, TxError};
use serde::Deserialize;
use serde_json::{json, Value};

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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateCurrency {
    #[allow(dead_code)]
    agency: String,
    code: String,
    name: String,
    decimals: u8,
    supply_cap: Amount,
    #[serde(default)]
    clawback_single_max: Option<Amount>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ProposeAppropriation {
    #[allow(dead_code)]
    agency: String,
    currency: String,
    id: String,
    name: String,
    cap: Amount,
    #[serde(default)]
    expires_in_blocks: Option<u64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AppropriationRef {
    #[allow(dead_code)]
    agency: String,
    currency: String,
    id: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Mint {
    #[allow(dead_code)]
    agency: String,
    currency: String,
    appropriation: String,
    to: String,
    amount: Amount,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Burn {
    from: String,
    amount: Amount,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OpenAccount {
    id: String,
    currency: String,
    owner: Owner,
    #[serde(default)]
    agency: Option<String>,
    /// Refused unless zero: accounts never go below zero. Kept as a field
    /// so that a client still sending it learns why, not just that it is
    /// unknown.
    #[serde(default)]
    overdraft_limit: Option<Amount>,
    #[serde(default)]
    earmark: Option<EarmarkArgs>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EarmarkArgs {
    categories: Vec<String>,
    #[serde(default)]
    expires_height: Option<u64>,
    return_to: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct IdRef {
    id: String,
}

#[derive(Deserialize, Clone)]
#[serde(deny_unknown_fields)]
struct Transfer {
    from: String,
    to: String,
    amount: Amount,
    #[serde(default)]
    reference: String,
    #[serde(default)]
    memo_hash: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Batch {
    transfers: Vec<Transfer>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreatePending {
    id: String,
    from: String,
    to: String,
    amount: Amount,
    timeout_blocks: u64,
    #[serde(default)]
    reference: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PostPending {
    id: String,
    #[serde(default)]
    amount: Option<Amount>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Freeze {
    #[allow(dead_code)]
    agency: String,
    account: String,
    /// Why, as a code the holder sees in the account's history.
    reason: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AccreditMerchant {
    #[allow(dead_code)]
    agency: String,
    currency: String,
    #[serde(deserialize_with = "publica_crypto::key::one")]
    merchant: AccountId,
    categories: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RevokeMerchant {
    #[allow(dead_code)]
    agency: String,
    currency: String,
    merchant: AccountId,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Sweep {
    account: String,
}

fn agency_of(args: &Value) -> Result<String, TxError> {
    agency_arg(args, "agency")
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

fn check_transfer_fields(t: &Transfer) -> Result<(), TxError> {
    check_reference(&t.reference)?;
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
        ctx.emit(
            "merchant_accredited",
            json!({"currency": rec.currency, "merchant": rec.merchant, "categories": rec.categories, "by": rec.by}),
        );
        ctx.write(merchant_key(&rec.currency, &rec.merchant), &rec);
        Ok(())
    }

    fn open_account(ctx: &mut CallContext<'_>, a: OpenAccount) -> Result<(), TxError> {
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
        if a.overdraft_limit.is_some_and(|l| l.0 > 0) {
            // An overdraft would put units in circulation that no
            // appropriation approved and no supply cap counts.
            return Err(err(
                codes::INVALID_FIELD,
                "accounts have no overdraft: an agency spends only money minted under an approved appropriation",
            ));
        }
        let cur = ledger::currency(ctx, &a.currency)?;
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
        let earmark = match a.earmark {
            None => None,
            Some(e) => {
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
                if ret.currency != a.currency {
                    return Err(err(
                        codes::CURRENCY_MISMATCH,
                        "the return account holds another currency",
                    ));
                }
                let mut categories = e.categories;
                categories.sort();
                categories.dedup();
                Some(Earmark {
                    categories,
                    expires_height: e.expires_height,
                    return_to: e.return_to,
                    swept: false,
                })
            }
        };
        let acct = Account::new(a.id, a.currency, a.owner, earmark);
        ctx.emit(
            "account_opened",
            json!({"account": acct.id, "currency": acct.currency, "by": ctx.signer()}),
        );
        ledger::save(ctx, acct);
        Ok(())
    }
}

impl Module for Money {
    fn name(&self) -> &'static str {
        "money"
    }

    fn index_event(&self, kind: &str, data: &Value, filer: &mut IndexFiler<'_>) {
        crate::history::file_entries(kind, data, filer)
    }

    fn authority(&self, method: &str, args: &Value) -> Result<Authority, TxError> {
        let role = |role: Role| {
            Ok(Authority::AgencyRole {
                agency: agency_of(args)?,
                role,
            })
        };
        match method {
            "create_currency"
            | "propose_appropriation"
            | "mint"
            | "clawback"
            | "freeze"
            | "unfreeze"
            | "accredit_merchant"
            | "revoke_merchant"
            | "approve_clawback" => role(Role::Treasurer),
            "approve_appropriation" => role(Role::Administrator),
            "open_account" if args.get("agency").is_some() => role(Role::Treasurer),
            "open_account" | "close_account" | "burn" | "transfer" | "transfer_batch"
            | "create_pending" | "post_pending" | "void_pending" | "sweep_expired" => {
                Ok(Authority::AnySigner)
            }
            _ => Err(unknown_method(self.name(), method)),
        }
    }

    fn execute(
        &self,
        ctx: &mut CallContext<'_>,
        method: &str,
        args: &Value,
    ) -> Result<(), TxError> {
        match method {
            "create_currency" => {
                let a: CreateCurrency = parse_args(args)?;
                let agency = agency_of(args)?;
                if !valid_code(&a.code)
                    || a.name.is_empty()
                    || a.name.len() > 128
                    || a.decimals > 18
                {
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
                    minted: Amount(0),
                    burned: Amount(0),
                    clawback_single_max: a.clawback_single_max.unwrap_or(Amount(0)),
                };
                ctx.write(currency_key(&a.code), &c);
                ctx.emit("currency_created", json!({"currency": a.code}));
            }
            "propose_appropriation" => {
                let a: ProposeAppropriation = parse_args(args)?;
                let agency = agency_of(args)?;
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
                    minted: Amount(0),
                    burned: Amount(0),
                    approvals: vec![],
                    active: false,
                    created_height: ctx.env().height,
                    expires_height: ctx.env().height + lifetime,
                };
                ctx.write(key, &appr);
                ctx.emit(
                    "appropriation_proposed",
                    json!({"currency": a.currency, "appropriation": a.id}),
                );
            }
            "approve_appropriation" => {
                let a: AppropriationRef = parse_args(args)?;
                let agency = agency_of(args)?;
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
                ctx.emit(
                    "appropriation_approved",
                    json!({"appropriation": a.id, "by": me, "active": appr.active}),
                );
            }
            "mint" => {
                let a: Mint = parse_args(args)?;
                let agency = agency_of(args)?;
                check_issuer(ctx, &agency, &a.currency)?;
                ledger::mint(ctx, &a.currency, &a.appropriation, &a.to, a.amount)?;
            }
            "burn" => {
                let a: Burn = parse_args(args)?;
                ledger::burn(ctx, &a.from, a.amount)?;
            }
            "open_account" => {
                let a: OpenAccount = parse_args(args)?;
                Self::open_account(ctx, a)?;
            }
            "close_account" => {
                let a: IdRef = parse_args(args)?;
                let mut acct = ledger::account(ctx, &a.id)?;
                if !ledger::manages(ctx, &acct) {
                    return Err(err(codes::NOT_OWNER, "only the account's owner closes it"));
                }
                if acct.balance.0 != 0 || acct.pending_out.0 != 0 {
                    return Err(err(codes::NOT_EMPTY, "move the balance out first"));
                }
                acct.closed = true;
                ctx.emit(
                    "account_closed",
                    json!({"account": acct.id, "by": ctx.signer()}),
                );
                ledger::save(ctx, acct);
            }
            "transfer" => {
                let t: Transfer = parse_args(args)?;
                check_transfer_fields(&t)?;
                ledger::transfer(
                    ctx,
                    &t.from,
                    &t.to,
                    t.amount,
                    &t.reference,
                    t.memo_hash.as_deref(),
                )?;
            }
            "transfer_batch" => {
                let b: Batch = parse_args(args)?;
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
            }
            "create_pending" => {
                let p: CreatePending = parse_args(args)?;
                check_reference(&p.reference)?;
                ledger::create_pending(
                    ctx,
                    &p.id,
                    &p.from,
                    &p.to,
                    p.amount,
                    p.timeout_blocks,
                    &p.reference,
                )?;
            }
            "post_pending" => {
                let p: PostPending = parse_args(args)?;
                ledger::settle_pending(ctx, &p.id, Some(p.amount))?;
            }
            "void_pending" => {
                let p: IdRef = parse_args(args)?;
                ledger::settle_pending(ctx, &p.id, None)?;
            }
            "clawback" => {
                let c: crate::clawback::ClawbackArgs = parse_args(args)?;
                let agency = agency_of(args)?;
                crate::clawback::clawback(ctx, &agency, c)?;
            }
            "approve_clawback" => {
                let c: crate::clawback::ApproveClawback = parse_args(args)?;
                let agency = agency_of(args)?;
                crate::clawback::approve(ctx, &agency, c)?;
            }
            "freeze" | "unfreeze" => {
                let f: Freeze = parse_args(args)?;
                let agency = agency_of(args)?;
                let mut acct = ledger::account(ctx, &f.account)?;
                check_issuer(ctx, &agency, &acct.currency)?;
                if !valid_id(&f.reason) {
                    return Err(err(
                        codes::INVALID_FIELD,
                        "a reason code is 1..=64 of [a-z0-9._:-]",
                    ));
                }
                acct.frozen = method == "freeze";
                ctx.emit(
                    if acct.frozen { "frozen" } else { "unfrozen" },
                    json!({"account": acct.id, "by": ctx.signer(), "reason": f.reason}),
                );
                ledger::save(ctx, acct);
            }
            "accredit_merchant" => {
                let m: AccreditMerchant = parse_args(args)?;
                let agency = agency_of(args)?;
                Self::accredit_merchant(ctx, &agency, m)?;
            }
            "revoke_merchant" => {
                let m: RevokeMerchant = parse_args(args)?;
                let agency = agency_of(args)?;
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
                ctx.emit(
                    "merchant_revoked",
                    json!({"currency": m.currency, "merchant": m.merchant, "by": rec.by}),
                );
            }
            "sweep_expired" => {
                let s: Sweep = parse_args(args)?;
                ledger::sweep(ctx, &s.account)?;
            }
            _ => return Err(unknown_method(self.name(), method)),
        }
        Ok(())
    }
}
