//! The double-entry core: every function moves money between records in
//! one call's buffered writes, so a failure anywhere leaves no trace.

use crate::codes;
use crate::events::MoneyEvent;
use crate::model::{
    account_key, appropriation_key, currency_key, merchant_key, paid_once_key, pending_key,
    valid_id, Account, Appropriation, Currency, MerchantAccreditation, Owner, Pending,
    PendingStatus,
};
use publica_runtime::authz::Role;
use publica_runtime::CallContext;
use publica_types::{Amount, TxError};

use std::collections::BTreeMap;

pub(crate) fn err(code: &str, msg: impl Into<String>) -> TxError {
    TxError::new(code, msg)
}

pub(crate) fn nonzero(amount: Amount) -> Result<(), TxError> {
    if amount.is_zero() {
        return Err(err(codes::ZERO_AMOUNT, "the amount must be positive"));
    }
    if amount.get() > i128::MAX as u128 / 4 {
        return Err(err(codes::OVERFLOW, "the amount is too large"));
    }
    Ok(())
}

pub(crate) fn add(a: Amount, b: Amount) -> Result<Amount, TxError> {
    a.checked_add(b)
        .ok_or_else(|| err(codes::OVERFLOW, "amount overflow"))
}

pub(crate) fn sub(a: Amount, b: Amount) -> Result<Amount, TxError> {
    a.checked_sub(b)
        .ok_or_else(|| err(codes::OVERFLOW, "amount underflow"))
}

pub(crate) fn currency(ctx: &CallContext<'_>, code: &str) -> Result<Currency, TxError> {
    ctx.read(&currency_key(code))
        .ok_or_else(|| err(codes::UNKNOWN_CURRENCY, format!("no currency '{code}'")))
}

/// The issuing agency of `code` must be the agency the signer acts for;
/// returns the currency.
pub(crate) fn check_issuer(
    ctx: &CallContext<'_>,
    agency: &str,
    code: &str,
) -> Result<Currency, TxError> {
    let cur = currency(ctx, code)?;
    if cur.agency != agency {
        return Err(err(
            codes::NOT_OWNER,
            format!("{code} is issued by '{}', not '{agency}'", cur.agency),
        ));
    }
    Ok(cur)
}

pub(crate) fn account(ctx: &CallContext<'_>, id: &str) -> Result<Account, TxError> {
    ctx.read(&account_key(id))
        .ok_or_else(|| err(codes::UNKNOWN_ACCOUNT, format!("no account '{id}'")))
}

pub(crate) fn save(ctx: &mut CallContext<'_>, a: Account) {
    debug_assert_eq!(
        Amount::checked_sum(a.provenance.values().copied()),
        Some(a.balance),
        "provenance sums to the balance"
    );
    ctx.put(account_key(&a.id), a);
}

/// True when the signer may move money out of `a`. Nobody may move money
/// out of a program's account by hand: it pays only through the program's
/// payouts (`interface::pay_from_program`), so the program's budget
/// always tells what it has paid.
pub(crate) fn can_debit(ctx: &CallContext<'_>, a: &Account) -> bool {
    match &a.owner {
        Owner::Program { .. } => false,
        _ => manages(ctx, a),
    }
}

/// True when the signer runs `a` (closes it, once empty): its citizen's or
/// merchant's key, a treasurer of the owning agency, or for a program's
/// account its agency's program officers and treasurers.
pub(crate) fn manages(ctx: &CallContext<'_>, a: &Account) -> bool {
    let me = ctx.signer();
    match &a.owner {
        Owner::Citizen { account } | Owner::Merchant { account, .. } => *account == me,
        Owner::Agency { agency } => ctx.has_role(agency, &me, Role::Treasurer),
        Owner::Program { agency, .. } => {
            ctx.has_role(agency, &me, Role::ProgramOfficer)
                || ctx.has_role(agency, &me, Role::Treasurer)
        }
    }
}

pub(crate) fn open_for_transfer(a: &Account, side: &str) -> Result<(), TxError> {
    if a.closed {
        return Err(err(
            codes::CLOSED,
            format!("the {side} account '{}' is closed", a.id),
        ));
    }
    if a.frozen {
        return Err(err(
            codes::FROZEN,
            format!("the {side} account '{}' is frozen", a.id),
        ));
    }
    Ok(())
}

/// [`open_for_transfer`] on the credit side, and an earmarked account
/// whose money expired (or was swept) takes nothing in: it would be
/// stranded there.
pub(crate) fn open_for_credit(ctx: &CallContext<'_>, a: &Account) -> Result<(), TxError> {
    open_for_transfer(a, "credit")?;
    if earmark_expired(ctx, a) || a.earmark.as_ref().is_some_and(|e| e.swept) {
        return Err(err(
            codes::EXPIRED,
            format!(
                "the earmarked money in '{}' has expired; it takes nothing in",
                a.id
            ),
        ));
    }
    Ok(())
}

fn earmark_expired(ctx: &CallContext<'_>, a: &Account) -> bool {
    a.earmark
        .as_ref()
        .and_then(|e| e.expires_height)
        .is_some_and(|h| ctx.env().height > h)
}

/// Earmarked money only goes to merchants of the listed categories, and
/// not at all once expired ([`open_for_credit`] keeps it from coming in).
pub(crate) fn check_earmark(
    ctx: &CallContext<'_>,
    from: &Account,
    to: &Account,
) -> Result<(), TxError> {
    let Some(e) = &from.earmark else {
        return Ok(());
    };
    if earmark_expired(ctx, from) {
        return Err(err(
            codes::EXPIRED,
            format!(
                "the earmarked money in '{}' has expired; it can only be swept back",
                from.id
            ),
        ));
    }
    match &to.owner {
        Owner::Merchant {
            account, category, ..
        } if e.categories.contains(category) => accredited(ctx, &to.currency, account, category),
        _ => Err(err(
            codes::EARMARK_VIOLATION,
            format!(
                "money in '{}' may only be spent at merchants of: {}",
                from.id,
                e.categories.join(", ")
            ),
        )),
    }
}

/// Ok when `merchant` may accept `category` in `code` now: accredited by
/// the issuer for it, not revoked, and still holding the identity
/// `merchant` role in the issuing agency.
pub(crate) fn accredited(
    ctx: &CallContext<'_>,
    code: &str,
    merchant: &publica_types::AccountId,
    category: &str,
) -> Result<(), TxError> {
    let cur = currency(ctx, code)?;
    let ok = ctx
        .read::<MerchantAccreditation>(&merchant_key(code, merchant))
        .is_some_and(|m| m.active && m.categories.iter().any(|c| c == category))
        && ctx.has_role(&cur.agency, merchant, Role::Merchant);
    if !ok {
        return Err(err(
            codes::NOT_ACCREDITED,
            format!(
                "{merchant} is not a merchant accredited by '{}' for '{category}' in {code}",
                cur.agency
            ),
        ));
    }
    Ok(())
}

/// Takes `amount` of provenance from `a` (appropriations in key order).
/// The caller has checked that `a` holds `amount`: provenance sums to the
/// balance, so it covers it.
fn take_provenance(a: &mut Account, amount: Amount) -> BTreeMap<String, Amount> {
    let mut left = amount;
    let mut out = BTreeMap::new();
    let keys: Vec<String> = a.provenance.keys().cloned().collect();
    for k in keys {
        if left.is_zero() {
            break;
        }
        let have = a.provenance[&k];
        let take = have.min(left);
        left = left.checked_sub(take).expect("take is at most left");
        match have.checked_sub(take).expect("take is at most have") {
            rest if rest.is_zero() => a.provenance.remove(&k),
            rest => a.provenance.insert(k.clone(), rest),
        };
        out.insert(k, take);
    }
    assert!(
        left.is_zero(),
        "provenance covers the balance of '{}'",
        a.id
    );
    out
}

/// Adds incoming provenance to `a`. Each entry is at most the amount
/// credited with it, which the caller checked fits the balance; the sum is
/// checked all the same.
fn give_provenance(a: &mut Account, incoming: BTreeMap<String, Amount>) -> Result<(), TxError> {
    for (k, v) in incoming {
        let e = a.provenance.entry(k).or_default();
        *e = add(*e, v)?;
    }
    Ok(())
}

/// Debits `amount` from `a`; returns the provenance of the money that
/// left. No account goes below zero: every unit in circulation was
/// minted under an approved appropriation, within the supply cap.
pub(crate) fn debit(a: &mut Account, amount: Amount) -> Result<BTreeMap<String, Amount>, TxError> {
    let new = a.balance.checked_sub(amount).ok_or_else(|| {
        err(
            codes::OVERDRAFT,
            format!("account '{}' holds {}, less than {amount}", a.id, a.balance),
        )
    })?;
    let prov = take_provenance(a, amount);
    a.balance = new;
    Ok(prov)
}

/// Credits `amount` with its provenance to `a`.
pub(crate) fn credit(
    a: &mut Account,
    amount: Amount,
    prov: BTreeMap<String, Amount>,
) -> Result<(), TxError> {
    let new = add(a.balance, amount)?;
    give_provenance(a, prov)?;
    a.balance = new;
    Ok(())
}

/// Loads the two accounts of a movement: distinct, existing, and holding
/// the same currency (one place for the checks every movement needs).
pub(crate) fn load_pair(
    ctx: &CallContext<'_>,
    from_id: &str,
    to_id: &str,
) -> Result<(Account, Account), TxError> {
    if from_id == to_id {
        return Err(err(
            codes::INVALID_FIELD,
            "from and to are the same account",
        ));
    }
    let from = account(ctx, from_id)?;
    let to = account(ctx, to_id)?;
    if from.currency != to.currency {
        return Err(err(
            codes::CURRENCY_MISMATCH,
            format!(
                "'{}' holds {} but '{}' holds {}",
                from.id, from.currency, to.id, to.currency
            ),
        ));
    }
    Ok((from, to))
}

/// Moves `amount` from `from` to `to` with every check; `reference` and
/// `memo_hash` go to both histories.
pub(crate) fn transfer(
    ctx: &mut CallContext<'_>,
    from_id: &str,
    to_id: &str,
    amount: Amount,
    reference: &str,
    memo_hash: Option<&str>,
) -> Result<(), TxError> {
    nonzero(amount)?;
    let (from, to) = load_pair(ctx, from_id, to_id)?;
    if !can_debit(ctx, &from) {
        return Err(err(
            codes::NOT_OWNER,
            format!("the signer may not move money from '{}'", from.id),
        ));
    }
    move_loaded(ctx, from, to, amount, reference, memo_hash)
}

/// What the ledger keeps of a transfer sent `once`: where it went.
#[derive(Clone, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct PaidOnce {
    /// The transaction that carried it (hex).
    tx: String,
    /// Its height.
    height: u64,
    /// The credited account.
    to: String,
    /// Minor units.
    amount: Amount,
}

/// For a transfer sent `once`: refuses it when its account already paid
/// that reference once, otherwise remembers it (dropped with the rest of
/// the call's writes if the transfer then fails).
pub(crate) fn pay_once(
    ctx: &mut CallContext<'_>,
    t: &crate::module::Transfer,
) -> Result<(), TxError> {
    if !t.once {
        return Ok(());
    }
    let key = paid_once_key(&t.from, &t.reference);
    if let Some(earlier) = ctx.read::<PaidOnce>(&key) {
        return Err(err(
            codes::DUPLICATE_PAYMENT,
            format!(
                "'{}' paid reference '{}' once already: {} to '{}' in transaction {} (height {})",
                t.from, t.reference, earlier.amount, earlier.to, earlier.tx, earlier.height
            ),
        ));
    }
    let paid = PaidOnce {
        tx: ctx.tx_id().map(|h| h.to_hex()).unwrap_or_default(),
        height: ctx.env().height,
        to: t.to.clone(),
        amount: t.amount,
    };
    ctx.write(key, &paid);
    Ok(())
}

/// Moves `amount` with every check but the signer's: the caller decided
/// who may debit `from` (the signer, or a module acting for a program).
pub(crate) fn move_money(
    ctx: &mut CallContext<'_>,
    from_id: &str,
    to_id: &str,
    amount: Amount,
    reference: &str,
    memo_hash: Option<&str>,
) -> Result<(), TxError> {
    nonzero(amount)?;
    let (from, to) = load_pair(ctx, from_id, to_id)?;
    move_loaded(ctx, from, to, amount, reference, memo_hash)
}

/// [`move_money`] between two accounts already loaded by [`load_pair`].
fn move_loaded(
    ctx: &mut CallContext<'_>,
    mut from: Account,
    mut to: Account,
    amount: Amount,
    reference: &str,
    memo_hash: Option<&str>,
) -> Result<(), TxError> {
    open_for_transfer(&from, "debit")?;
    open_for_credit(ctx, &to)?;
    check_earmark(ctx, &from, &to)?;
    let prov = debit(&mut from, amount)?;
    credit(&mut to, amount, prov)?;
    ctx.emit_event(&MoneyEvent::Transfer {
        from: from.id.clone(),
        to: to.id.clone(),
        amount,
        currency: from.currency.clone(),
        reference: reference.to_string(),
        memo_hash: memo_hash.map(str::to_string),
    });
    save(ctx, from);
    save(ctx, to);
    Ok(())
}

/// Mints against an appropriation into `to`.
pub(crate) fn mint(
    ctx: &mut CallContext<'_>,
    code: &str,
    appropriation: &str,
    to_id: &str,
    amount: Amount,
) -> Result<(), TxError> {
    nonzero(amount)?;
    let mut cur = currency(ctx, code)?;
    let mut appr: Appropriation = ctx
        .read(&appropriation_key(code, appropriation))
        .ok_or_else(|| {
            err(
                codes::UNKNOWN_APPROPRIATION,
                format!("no appropriation '{appropriation}' in {code}"),
            )
        })?;
    if !appr.active {
        return Err(err(
            codes::APPROPRIATION_INACTIVE,
            format!("appropriation '{appropriation}' is not approved yet"),
        ));
    }
    // The appropriation's cap bounds all that is ever minted against it
    // (burning does not refill a budget line); the supply cap bounds what
    // is in circulation.
    let appr_gross = add(appr.minted, amount)?;
    let supply = sub(add(cur.minted, amount)?, cur.burned)?;
    if appr_gross > appr.cap || supply > cur.supply_cap {
        return Err(err(
            codes::CAP_EXCEEDED,
            "minting this would exceed the appropriation's cap or the currency's supply cap",
        ));
    }
    let mut to = account(ctx, to_id)?;
    if to.currency != code {
        return Err(err(
            codes::CURRENCY_MISMATCH,
            format!("'{}' holds {}", to.id, to.currency),
        ));
    }
    open_for_credit(ctx, &to)?;
    if !matches!(&to.owner, Owner::Agency { agency } | Owner::Program { agency, .. } if *agency == cur.agency)
    {
        return Err(err(
            codes::INVALID_FIELD,
            "money is minted into an account of the issuing agency or its programs",
        ));
    }
    let mut prov = BTreeMap::new();
    prov.insert(format!("{code}/{appropriation}"), amount);
    credit(&mut to, amount, prov)?;
    appr.minted = add(appr.minted, amount)?;
    cur.minted = add(cur.minted, amount)?;
    ctx.emit_event(&MoneyEvent::Mint {
        currency: code.to_string(),
        appropriation: appropriation.to_string(),
        to: to.id.clone(),
        amount,
    });
    save(ctx, to);
    ctx.write(appropriation_key(code, appropriation), &appr);
    ctx.write(currency_key(code), &cur);
    Ok(())
}

/// Burns money from `from`, returning it to the appropriations it came from.
pub(crate) fn burn(
    ctx: &mut CallContext<'_>,
    from_id: &str,
    amount: Amount,
) -> Result<(), TxError> {
    nonzero(amount)?;
    let mut from = account(ctx, from_id)?;
    if !can_debit(ctx, &from) {
        return Err(err(
            codes::NOT_OWNER,
            format!("the signer may not move money from '{}'", from.id),
        ));
    }
    open_for_transfer(&from, "debit")?;
    if earmark_expired(ctx, &from) {
        // Expired earmarked money belongs back where it came from; burning
        // it would let the holder destroy it before the sweep.
        return Err(err(
            codes::EXPIRED,
            format!(
                "the earmarked money in '{}' has expired; it can only be swept back",
                from.id
            ),
        ));
    }
    let prov = debit(&mut from, amount)?;
    let mut cur = currency(ctx, &from.currency)?;
    for (k, v) in &prov {
        if let Some((code, id)) = k.split_once('/').filter(|(c, _)| *c == cur.code) {
            let key = appropriation_key(code, id);
            if let Some(mut appr) = ctx.read::<Appropriation>(&key) {
                appr.burned = add(appr.burned, *v)?;
                ctx.write(key, &appr);
            }
        }
    }
    cur.burned = add(cur.burned, amount)?;
    if cur.burned > cur.minted {
        // Every unit was minted, so this means a broken invariant, never a
        // user's mistake; refuse rather than brick the currency's mints.
        return Err(err(
            codes::OVERFLOW,
            format!(
                "burning {amount} would burn more {} than was ever minted",
                cur.code
            ),
        ));
    }
    ctx.emit_event(&MoneyEvent::Burn {
        currency: cur.code.clone(),
        from: from.id.clone(),
        amount,
    });
    save(ctx, from);
    ctx.write(currency_key(&cur.code), &cur);
    Ok(())
}

/// Holds `amount` from `from` for `to` until posted, voided or timed out.
#[allow(clippy::too_many_arguments)]
pub(crate) fn create_pending(
    ctx: &mut CallContext<'_>,
    id: &str,
    from_id: &str,
    to_id: &str,
    amount: Amount,
    timeout_blocks: u64,
    reference: &str,
) -> Result<(), TxError> {
    nonzero(amount)?;
    if !valid_id(id)
        || (1..=1_000_000)
            .contains(&timeout_blocks)
            .then_some(())
            .is_none()
    {
        return Err(err(
            codes::INVALID_FIELD,
            "a pending id is 1..=64 of [a-z0-9._:-] and timeout_blocks 1..=1000000",
        ));
    }
    if ctx.contains(&pending_key(id)) {
        return Err(err(
            codes::PENDING_EXISTS,
            format!("pending transfer '{id}' exists"),
        ));
    }
    let (mut from, to) = load_pair(ctx, from_id, to_id)?;
    if !can_debit(ctx, &from) {
        return Err(err(
            codes::NOT_OWNER,
            format!("the signer may not move money from '{}'", from.id),
        ));
    }
    open_for_transfer(&from, "debit")?;
    open_for_credit(ctx, &to)?;
    if from.earmark.is_some() {
        return Err(err(
            codes::EARMARK_VIOLATION,
            "earmarked money moves by plain transfers only",
        ));
    }
    check_earmark(ctx, &from, &to)?;
    let prov = debit(&mut from, amount)?;
    from.pending_out = add(from.pending_out, amount)?;
    let p = Pending {
        id: id.into(),
        from: from.id.clone(),
        to: to.id.clone(),
        amount,
        provenance: prov,
        timeout_height: ctx.env().height + timeout_blocks,
        status: PendingStatus::Pending,
        posted: Amount::ZERO,
        reference: reference.into(),
    };
    ctx.emit_event(&MoneyEvent::PendingCreated {
        pending: id.to_string(),
        from: from.id.clone(),
        to: to.id.clone(),
        amount,
    });
    save(ctx, from);
    ctx.write(pending_key(id), &p);
    Ok(())
}

/// Posts `amount` (all when `None`) of a pending transfer, or voids it.
pub(crate) fn settle_pending(
    ctx: &mut CallContext<'_>,
    id: &str,
    post: Option<Option<Amount>>,
) -> Result<(), TxError> {
    let mut p: Pending = ctx.read(&pending_key(id)).ok_or_else(|| {
        err(
            codes::UNKNOWN_PENDING,
            format!("no pending transfer '{id}'"),
        )
    })?;
    if p.status != PendingStatus::Pending {
        return Err(err(
            codes::PENDING_CLOSED,
            format!("pending transfer '{id}' was already {:?}", p.status).to_lowercase(),
        ));
    }
    let mut from = account(ctx, &p.from)?;
    let timed_out = ctx.env().height > p.timeout_height;
    let posting = post.unwrap_or(None).unwrap_or(p.amount);
    let is_post = post.is_some();
    if is_post && timed_out {
        return Err(err(
            codes::PENDING_EXPIRED,
            format!(
                "pending transfer '{id}' timed out at height {}; it can only be voided",
                p.timeout_height
            ),
        ));
    }
    // The debit side's owner posts or voids; anyone may void after timeout;
    // the issuer's treasurer voids a frozen account's hold, so that a
    // clawback can reach the money.
    let issuer_voids_frozen = !is_post
        && from.frozen
        && ctx.has_role(
            &currency(ctx, &from.currency)?.agency,
            &ctx.signer(),
            Role::Treasurer,
        );
    if !(can_debit(ctx, &from) || (!is_post && timed_out) || issuer_voids_frozen) {
        return Err(err(
            codes::NOT_OWNER,
            format!("the signer may not settle '{id}'"),
        ));
    }
    let posted = if is_post { posting } else { Amount::ZERO };
    if is_post {
        // A freeze stops a hold made before it from being paid out; a void
        // only returns the money to its (frozen) owner.
        open_for_transfer(&from, "debit")?;
        nonzero(posted)?;
        if posted > p.amount {
            return Err(err(
                codes::POST_EXCEEDS_PENDING,
                format!("{} pending, {} asked", p.amount, posted),
            ));
        }
    }
    // Split the held provenance: the first `posted` goes on, the rest back.
    let mut held = Account {
        provenance: p.provenance.clone(),
        balance: p.amount,
        ..from.clone()
    };
    let to_prov = take_provenance(&mut held, posted);
    let back = sub(p.amount, posted)?;
    from.pending_out = sub(from.pending_out, p.amount)?;
    if !back.is_zero() {
        credit(&mut from, back, held.provenance)?;
    }
    if !posted.is_zero() {
        let mut to = account(ctx, &p.to)?;
        open_for_credit(ctx, &to)?;
        credit(&mut to, posted, to_prov)?;
        save(ctx, to);
    }
    save(ctx, from);
    p.status = if is_post {
        PendingStatus::Posted
    } else {
        PendingStatus::Voided
    };
    p.posted = posted;
    ctx.write(pending_key(id), &p);
    let (pending, from, to, returned) = (id.to_string(), p.from.clone(), p.to.clone(), back);
    ctx.emit_event(&if is_post {
        MoneyEvent::PendingPosted {
            pending,
            from,
            to,
            posted,
            returned,
        }
    } else {
        MoneyEvent::PendingVoided {
            pending,
            from,
            to,
            posted,
            returned,
        }
    });
    Ok(())
}

/// Takes money back by an official's decision (the signer's, after
/// `proposed_by`'s when two were needed), with a reason code the holder
/// sees in its history; ignores freezes and earmarks.
pub(crate) fn clawback(
    ctx: &mut CallContext<'_>,
    from_id: &str,
    to_id: &str,
    amount: Amount,
    reason: &str,
    proposed_by: Option<publica_types::AccountId>,
) -> Result<(), TxError> {
    nonzero(amount)?;
    let (mut from, mut to) = load_pair(ctx, from_id, to_id)?;
    open_for_credit(ctx, &to)?;
    let prov = debit(&mut from, amount)?;
    credit(&mut to, amount, prov)?;
    ctx.emit_event(&MoneyEvent::Clawback {
        from: from.id.clone(),
        to: to.id.clone(),
        amount,
        reason: reason.to_string(),
        by: ctx.signer(),
        proposed_by,
    });
    save(ctx, from);
    save(ctx, to);
    Ok(())
}

/// Returns an expired earmark's balance to its funding account, once.
pub(crate) fn sweep(ctx: &mut CallContext<'_>, id: &str) -> Result<(), TxError> {
    let mut a = account(ctx, id)?;
    let e = a
        .earmark
        .clone()
        .ok_or_else(|| err(codes::NOT_EXPIRED, "the account has no earmark"))?;
    match e.expires_height {
        Some(h) if ctx.env().height > h => {}
        _ => return Err(err(codes::NOT_EXPIRED, "the earmark has not expired")),
    }
    if e.swept {
        return Err(err(
            codes::NOT_EXPIRED,
            "the expired money was already swept",
        ));
    }
    let mut to = account(ctx, &e.return_to)?;
    // A sweep is a transfer like any other: nothing leaves a frozen
    // account, and nothing lands in a frozen or closed one.
    open_for_transfer(&a, "debit")?;
    open_for_credit(ctx, &to)?;
    let amount = a.balance;
    let event = MoneyEvent::Swept {
        account: a.id.clone(),
        to: to.id.clone(),
        amount,
    };
    if !amount.is_zero() {
        let prov = debit(&mut a, amount)?;
        credit(&mut to, amount, prov)?;
        save(ctx, to);
    }
    if let Some(em) = a.earmark.as_mut() {
        em.swept = true;
    }
    save(ctx, a);
    ctx.emit_event(&event);
    Ok(())
}
