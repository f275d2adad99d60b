//! Account histories: what each committed money event files, per account,
//! in the node's event index (not in the state: a history grows with every
//! payment, and the state holds only what the rules need to decide the
//! next one).
//!
//! Every movement emits one event carrying both sides; [`entries`] turns
//! it into one entry per account it touched, in the shape the history API
//! serves. The node adds `n` (the entry's place in that account's
//! history), `height` and `tx_id` (whose receipt proves the event).

use crate::events::MoneyEvent;
use publica_runtime::index::Field::{Amount as A, Key, Null, Str as S};
use publica_runtime::index::{Field, Fields, IndexFiler};
use publica_types::{AccountId, Amount};

/// The event-index key of an account's history (the runtime prefixes it
/// with `money/`).
pub fn history_key(account: &str) -> String {
    format!("account/{account}")
}

/// The event-index key listing every currency, in creation order (`{id}`
/// entries): what a page of all currencies reads instead of scanning the
/// state.
pub const CURRENCIES_KEY: &str = "directory/currencies";

/// The event-index key listing a currency's appropriations, in the order
/// they were proposed (`{id}` entries).
pub fn appropriations_key(currency: &str) -> String {
    format!("directory/appropriations/{currency}")
}

/// Files the history entries of one `money` event: one per account it
/// touched, under [`history_key`], each written straight from the event.
pub fn file_entries(e: &MoneyEvent, filer: &mut IndexFiler<'_>) {
    use MoneyEvent as E;
    match e {
        E::Transfer {
            from,
            to,
            amount,
            reference,
            memo_hash,
            ..
        } => file_transfer(filer, from, to, *amount, reference, memo_hash.as_deref()),
        E::Mint {
            appropriation,
            to,
            amount,
            ..
        } => file_mint(filer, to, appropriation, *amount),
        E::Burn { from, amount, .. } => {
            file(filer, from, &[kind("burn"), OUT, ("amount", A(*amount))]);
        }
        E::PendingCreated {
            pending,
            from,
            to,
            amount,
        } => file_hold(filer, pending, from, to, *amount),
        E::PendingPosted {
            pending,
            from,
            to,
            posted,
            returned,
        }
        | E::PendingVoided {
            pending,
            from,
            to,
            posted,
            returned,
        } => {
            let settled = if matches!(e, E::PendingPosted { .. }) {
                "post"
            } else {
                "void"
            };
            file_settled(filer, settled, pending, from, to, *posted, *returned);
        }
        E::Clawback {
            from,
            to,
            amount,
            reason,
            by,
            proposed_by,
        } => file_clawback(filer, from, to, *amount, reason, by, proposed_by.as_ref()),
        E::Swept {
            account,
            to,
            amount,
        } => file_sweep(filer, account, to, *amount),
        E::AccountOpened {
            account,
            currency,
            by,
        } => file_opened(filer, account, currency, by),
        E::Frozen {
            account,
            by,
            reason,
        } => file_flag(filer, account, "frozen", reason, by),
        E::Unfrozen {
            account,
            by,
            reason,
        } => file_flag(filer, account, "unfrozen", reason, by),
        E::AccountClosed { account, by } => {
            file(filer, account, &[kind("closed"), NONE, ("by", Key(by))]);
        }
        // The money of a cash-out moves by a transfer, filed with it; the
        // requests and batches are read from state (`/v1/money/cash-outs`).
        E::CashOutAccountDeclared { .. }
        | E::CashOutRequested { .. }
        | E::CashOutsSettled { .. }
        | E::CashOutReturned { .. } => {}
        E::CurrencyCreated { currency } => {
            filer.file(CURRENCIES_KEY, &Fields(&[("id", S(currency))]));
        }
        E::AppropriationProposed {
            currency,
            appropriation,
        } => filer.file(
            &appropriations_key(currency),
            &Fields(&[("id", S(appropriation))]),
        ),
        E::AppropriationApproved { .. }
        | E::MerchantAccredited { .. }
        | E::MerchantRevoked { .. }
        | E::ClawbackProposed { .. } => {}
    }
}

/// Money leaving the account.
const OUT: (&str, Field<'static>) = ("direction", S("out"));
/// Money coming into the account.
const INTO: (&str, Field<'static>) = ("direction", S("in"));
/// A change of the account itself, which moves no money.
const NONE: (&str, Field<'static>) = ("direction", S("none"));

/// The `kind` member of an entry.
fn kind(k: &str) -> (&'static str, Field<'_>) {
    ("kind", S(k))
}

/// Files one entry in `account`'s history.
fn file(filer: &mut IndexFiler<'_>, account: &str, fields: &[(&str, Field<'_>)]) {
    filer.file(&history_key(account), &Fields(fields));
}

/// A mint: the credited account's entry.
fn file_mint(filer: &mut IndexFiler<'_>, to: &str, appropriation: &str, amount: Amount) {
    file(
        filer,
        to,
        &[
            kind("mint"),
            INTO,
            ("appropriation", S(appropriation)),
            ("amount", A(amount)),
        ],
    );
}

/// A hold made: the payer's entry (the amount leaves its balance now).
fn file_hold(filer: &mut IndexFiler<'_>, pending: &str, from: &str, to: &str, amount: Amount) {
    file(
        filer,
        from,
        &[
            kind("pending"),
            OUT,
            ("pending", S(pending)),
            ("counterparty", S(to)),
            ("amount", A(amount)),
        ],
    );
}

/// An account opened, with who opened it.
fn file_opened(filer: &mut IndexFiler<'_>, account: &str, currency: &str, by: &AccountId) {
    file(
        filer,
        account,
        &[
            kind("opened"),
            NONE,
            ("currency", S(currency)),
            ("by", Key(by)),
        ],
    );
}

/// An account frozen or unfrozen (`flag`), with the reason code and who
/// did it.
fn file_flag(filer: &mut IndexFiler<'_>, account: &str, flag: &str, reason: &str, by: &AccountId) {
    file(
        filer,
        account,
        &[kind(flag), NONE, ("reason", S(reason)), ("by", Key(by))],
    );
}

/// A transfer: one entry for each side.
fn file_transfer(
    filer: &mut IndexFiler<'_>,
    from: &str,
    to: &str,
    amount: Amount,
    reference: &str,
    memo_hash: Option<&str>,
) {
    let memo = memo_hash.map_or(Null, S);
    file(
        filer,
        from,
        &[
            kind("transfer"),
            OUT,
            ("counterparty", S(to)),
            ("amount", A(amount)),
            ("reference", S(reference)),
            ("memo_hash", memo),
        ],
    );
    file(
        filer,
        to,
        &[
            kind("transfer"),
            INTO,
            ("counterparty", S(from)),
            ("amount", A(amount)),
            ("reference", S(reference)),
            ("memo_hash", memo),
        ],
    );
}

/// A hold posted or voided (`settled`): the payee's entry when anything
/// reached it, then the payer's.
fn file_settled(
    filer: &mut IndexFiler<'_>,
    settled: &str,
    pending: &str,
    from: &str,
    to: &str,
    posted: Amount,
    returned: Amount,
) {
    if !posted.is_zero() {
        file(
            filer,
            to,
            &[
                kind("post"),
                INTO,
                ("pending", S(pending)),
                ("counterparty", S(from)),
                ("amount", A(posted)),
            ],
        );
    }
    file(
        filer,
        from,
        &[
            kind(settled),
            OUT,
            ("pending", S(pending)),
            ("amount", A(posted)),
            ("returned", A(returned)),
        ],
    );
}

/// A clawback: the holder's entry names both officials, the public
/// purse's does not.
fn file_clawback(
    filer: &mut IndexFiler<'_>,
    from: &str,
    to: &str,
    amount: Amount,
    reason: &str,
    by: &AccountId,
    proposed_by: Option<&AccountId>,
) {
    let proposer = proposed_by.map_or(Null, Key);
    file(
        filer,
        from,
        &[
            kind("clawback"),
            OUT,
            ("counterparty", S(to)),
            ("amount", A(amount)),
            ("reason", S(reason)),
            ("by", Key(by)),
            ("proposed_by", proposer),
        ],
    );
    file(
        filer,
        to,
        &[
            kind("clawback"),
            INTO,
            ("counterparty", S(from)),
            ("amount", A(amount)),
            ("reason", S(reason)),
        ],
    );
}

/// An expiry sweep: the return account's entry when anything reached it,
/// then the expired account's.
fn file_sweep(filer: &mut IndexFiler<'_>, account: &str, to: &str, amount: Amount) {
    if !amount.is_zero() {
        file(
            filer,
            to,
            &[
                kind("sweep"),
                INTO,
                ("counterparty", S(account)),
                ("amount", A(amount)),
            ],
        );
    }
    file(
        filer,
        account,
        &[
            kind("sweep"),
            OUT,
            ("counterparty", S(to)),
            ("amount", A(amount)),
        ],
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use publica_runtime::IndexEntry;
    use serde_json::{json, Value};

    const K1: &str = "0101010101010101010101010101010101010101010101010101010101010101";
    const K2: &str = "0202020202020202020202020202020202020202020202020202020202020202";

    /// The entries `kind` files, as the history API serves them (`n` 0),
    /// by key.
    fn filed(kind: &str, data: Value) -> Vec<(String, Value)> {
        let mut out: Vec<IndexEntry> = Vec::new();
        let tx = publica_types::Hash32([1; 32]);
        if let Some(e) = <MoneyEvent as publica_runtime::kit::Events>::decode(kind, &data) {
            file_entries(&e, &mut IndexFiler::new("money", 9, Some(&tx), &mut out));
        }
        out.into_iter()
            .map(|e| {
                let key = e.key.clone();
                let mut v: Value = serde_json::from_slice(&e.into_object(0)).unwrap();
                let o = v.as_object_mut().unwrap();
                assert_eq!(o.remove("height"), Some(json!(9)));
                assert_eq!(o.remove("tx_id"), Some(json!(tx.to_hex())));
                assert_eq!(o.remove("n"), Some(json!(0)));
                (key, v)
            })
            .collect()
    }

    #[test]
    #[allow(clippy::too_many_lines, reason = "one table of every movement kind")]
    fn each_movement_files_one_entry_per_account_it_touched() {
        // (event kind, event data, the entries it files: account, entry).
        let cases = [
            (
                "transfer",
                json!({"from": "a", "to": "b", "amount": "5", "currency": "EURC", "reference": "r1", "memo_hash": "ab"}),
                vec![
                    (
                        "a",
                        json!({"kind": "transfer", "direction": "out", "counterparty": "b", "amount": "5", "reference": "r1", "memo_hash": "ab"}),
                    ),
                    (
                        "b",
                        json!({"kind": "transfer", "direction": "in", "counterparty": "a", "amount": "5", "reference": "r1", "memo_hash": "ab"}),
                    ),
                ],
            ),
            // No memo: null, not absent.
            (
                "transfer",
                json!({"from": "a", "to": "b", "amount": "5", "currency": "EURC", "reference": ""}),
                vec![
                    (
                        "a",
                        json!({"kind": "transfer", "direction": "out", "counterparty": "b", "amount": "5", "reference": "", "memo_hash": null}),
                    ),
                    (
                        "b",
                        json!({"kind": "transfer", "direction": "in", "counterparty": "a", "amount": "5", "reference": "", "memo_hash": null}),
                    ),
                ],
            ),
            (
                "mint",
                json!({"currency": "EURC", "to": "b", "amount": "7", "appropriation": "p"}),
                vec![(
                    "b",
                    json!({"kind": "mint", "direction": "in", "appropriation": "p", "amount": "7"}),
                )],
            ),
            (
                "burn",
                json!({"currency": "EURC", "from": "a", "amount": "2"}),
                vec![(
                    "a",
                    json!({"kind": "burn", "direction": "out", "amount": "2"}),
                )],
            ),
            (
                "pending_created",
                json!({"from": "a", "to": "b", "amount": "3", "pending": "x"}),
                vec![(
                    "a",
                    json!({"kind": "pending", "direction": "out", "pending": "x", "counterparty": "b", "amount": "3"}),
                )],
            ),
            (
                "pending_posted",
                json!({"from": "a", "to": "b", "pending": "x", "posted": "2", "returned": "1"}),
                vec![
                    (
                        "b",
                        json!({"kind": "post", "direction": "in", "pending": "x", "counterparty": "a", "amount": "2"}),
                    ),
                    (
                        "a",
                        json!({"kind": "post", "direction": "out", "pending": "x", "amount": "2", "returned": "1"}),
                    ),
                ],
            ),
            // Nothing posted: only the payer's side, which got it all back.
            (
                "pending_voided",
                json!({"from": "a", "to": "b", "pending": "x", "posted": "0", "returned": "3"}),
                vec![(
                    "a",
                    json!({"kind": "void", "direction": "out", "pending": "x", "amount": "0", "returned": "3"}),
                )],
            ),
            (
                "clawback",
                json!({"from": "a", "to": "t", "amount": "4", "reason": "fraud", "by": K1, "proposed_by": K2}),
                vec![
                    (
                        "a",
                        json!({"kind": "clawback", "direction": "out", "counterparty": "t", "amount": "4", "reason": "fraud", "by": K1, "proposed_by": K2}),
                    ),
                    (
                        "t",
                        json!({"kind": "clawback", "direction": "in", "counterparty": "a", "amount": "4", "reason": "fraud"}),
                    ),
                ],
            ),
            (
                "swept",
                json!({"account": "a", "to": "p", "amount": "6"}),
                vec![
                    (
                        "p",
                        json!({"kind": "sweep", "direction": "in", "counterparty": "a", "amount": "6"}),
                    ),
                    (
                        "a",
                        json!({"kind": "sweep", "direction": "out", "counterparty": "p", "amount": "6"}),
                    ),
                ],
            ),
            // Nothing left to sweep: only the swept account's side.
            (
                "swept",
                json!({"account": "a", "to": "p", "amount": "0"}),
                vec![(
                    "a",
                    json!({"kind": "sweep", "direction": "out", "counterparty": "p", "amount": "0"}),
                )],
            ),
            // Changes of the account itself, with who made them.
            (
                "account_opened",
                json!({"account": "a", "currency": "EURC", "by": K1}),
                vec![(
                    "a",
                    json!({"kind": "opened", "direction": "none", "currency": "EURC", "by": K1}),
                )],
            ),
            (
                "frozen",
                json!({"account": "a", "by": K2, "reason": "fraud"}),
                vec![(
                    "a",
                    json!({"kind": "frozen", "direction": "none", "reason": "fraud", "by": K2}),
                )],
            ),
            (
                "unfrozen",
                json!({"account": "a", "by": K2, "reason": "cleared"}),
                vec![(
                    "a",
                    json!({"kind": "unfrozen", "direction": "none", "reason": "cleared", "by": K2}),
                )],
            ),
            (
                "account_closed",
                json!({"account": "a", "by": K1}),
                vec![(
                    "a",
                    json!({"kind": "closed", "direction": "none", "by": K1}),
                )],
            ),
            // Events that move nothing, or name no account, file nothing.
            (
                "appropriation_approved",
                json!({"appropriation": "a", "by": K1, "active": true}),
                vec![],
            ),
            ("transfer", json!({"amount": "5"}), vec![]),
        ];
        for (kind, data, expected) in cases {
            let expected: Vec<(String, Value)> = expected
                .into_iter()
                .map(|(account, entry)| (format!("money/account/{account}"), entry))
                .collect();
            assert_eq!(filed(kind, data.clone()), expected, "{kind} {data}");
        }
    }

    #[test]
    fn currencies_and_appropriations_are_listed_in_the_directory() {
        assert_eq!(
            filed("currency_created", json!({"currency": "EURC"})),
            vec![("money/directory/currencies".into(), json!({"id": "EURC"}))]
        );
        assert_eq!(
            filed(
                "appropriation_proposed",
                json!({"currency": "EURC", "appropriation": "budget-2027"})
            ),
            vec![(
                "money/directory/appropriations/EURC".into(),
                json!({"id": "budget-2027"})
            )]
        );
    }
}
