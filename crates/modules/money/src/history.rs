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

/// The event-index key of an account's history (the runtime prefixes it
/// with `money/`).
pub fn history_key(account: &str) -> String {
    format!("account/{account}")
}

/// Files the history entries of one `money` event: one per account it
/// touched, under [`history_key`], each written straight from the event.
pub fn file_entries(e: &MoneyEvent, filer: &mut IndexFiler<'_>) {
    use MoneyEvent as E;
    let kind = |k| ("kind", S(k));
    let out = ("direction", S("out"));
    let into = ("direction", S("in"));
    // A change of the account itself, which moves no money.
    let none = ("direction", S("none"));
    let mut file = |account: &str, fields: &[(&str, Field<'_>)]| {
        filer.file(&history_key(account), &Fields(fields));
    };
    match e {
        E::Transfer {
            from,
            to,
            amount,
            reference,
            memo_hash,
            ..
        } => {
            let memo = memo_hash.as_deref().map_or(Null, S);
            file(
                from,
                &[
                    kind("transfer"),
                    out,
                    ("counterparty", S(to)),
                    ("amount", A(*amount)),
                    ("reference", S(reference)),
                    ("memo_hash", memo),
                ],
            );
            file(
                to,
                &[
                    kind("transfer"),
                    into,
                    ("counterparty", S(from)),
                    ("amount", A(*amount)),
                    ("reference", S(reference)),
                    ("memo_hash", memo),
                ],
            );
        }
        E::Mint {
            appropriation,
            to,
            amount,
            ..
        } => file(
            to,
            &[
                kind("mint"),
                into,
                ("appropriation", S(appropriation)),
                ("amount", A(*amount)),
            ],
        ),
        E::Burn { from, amount, .. } => file(from, &[kind("burn"), out, ("amount", A(*amount))]),
        E::PendingCreated {
            pending,
            from,
            to,
            amount,
        } => file(
            from,
            &[
                kind("pending"),
                out,
                ("pending", S(pending)),
                ("counterparty", S(to)),
                ("amount", A(*amount)),
            ],
        ),
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
            if !posted.is_zero() {
                file(
                    to,
                    &[
                        kind("post"),
                        into,
                        ("pending", S(pending)),
                        ("counterparty", S(from)),
                        ("amount", A(*posted)),
                    ],
                );
            }
            let settled = if matches!(e, E::PendingPosted { .. }) {
                "post"
            } else {
                "void"
            };
            file(
                from,
                &[
                    kind(settled),
                    out,
                    ("pending", S(pending)),
                    ("amount", A(*posted)),
                    ("returned", A(*returned)),
                ],
            );
        }
        E::Clawback {
            from,
            to,
            amount,
            reason,
            by,
            proposed_by,
        } => {
            let proposer = proposed_by.as_ref().map_or(Null, Key);
            file(
                from,
                &[
                    kind("clawback"),
                    out,
                    ("counterparty", S(to)),
                    ("amount", A(*amount)),
                    ("reason", S(reason)),
                    ("by", Key(by)),
                    ("proposed_by", proposer),
                ],
            );
            file(
                to,
                &[
                    kind("clawback"),
                    into,
                    ("counterparty", S(from)),
                    ("amount", A(*amount)),
                    ("reason", S(reason)),
                ],
            );
        }
        E::Swept {
            account,
            to,
            amount,
        } => {
            if !amount.is_zero() {
                file(
                    to,
                    &[
                        kind("sweep"),
                        into,
                        ("counterparty", S(account)),
                        ("amount", A(*amount)),
                    ],
                );
            }
            file(
                account,
                &[
                    kind("sweep"),
                    out,
                    ("counterparty", S(to)),
                    ("amount", A(*amount)),
                ],
            );
        }
        E::AccountOpened {
            account,
            currency,
            by,
        } => file(
            account,
            &[
                kind("opened"),
                none,
                ("currency", S(currency)),
                ("by", Key(by)),
            ],
        ),
        E::Frozen {
            account,
            by,
            reason,
        } => file(
            account,
            &[kind("frozen"), none, ("reason", S(reason)), ("by", Key(by))],
        ),
        E::Unfrozen {
            account,
            by,
            reason,
        } => file(
            account,
            &[
                kind("unfrozen"),
                none,
                ("reason", S(reason)),
                ("by", Key(by)),
            ],
        ),
        E::AccountClosed { account, by } => file(account, &[kind("closed"), none, ("by", Key(by))]),
        E::CurrencyCreated { .. }
        | E::AppropriationProposed { .. }
        | E::AppropriationApproved { .. }
        | E::MerchantAccredited { .. }
        | E::MerchantRevoked { .. }
        | E::ClawbackProposed { .. } => {}
    }
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
            ("currency_created", json!({"currency": "EURC"}), vec![]),
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
}
