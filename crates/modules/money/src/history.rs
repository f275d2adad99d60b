//! Account histories: what each committed money event files, per account,
//! in the node's event index (not in the state: a history grows with every
//! payment, and the state holds only what the rules need to decide the
//! next one).
//!
//! Every movement emits one event carrying both sides; [`entries`] turns
//! it into one entry per account it touched, in the shape the history API
//! serves. The node adds `n` (the entry's place in that account's
//! history), `height` and `tx_id` (whose receipt proves the event).

use publica_runtime::index::Field::{Json as J, Str as S};
use publica_runtime::index::{Field, Fields, IndexFiler};
use serde_json::Value;

/// The event-index key of an account's history (the runtime prefixes it
/// with `money/`).
pub fn history_key(account: &str) -> String {
    format!("account/{account}")
}

fn amount_is_zero(v: &Value) -> bool {
    v.as_str() == Some("0")
}

/// Files the history entries of one `money` event: one per account it
/// touched, under [`history_key`], each written straight from the event.
pub fn file_entries(kind: &str, d: &Value, filer: &mut IndexFiler<'_>) {
    // Files `fields` under the account named by the event's `side`.
    let mut file = |side: &str, fields: &[(&str, Field<'_>)]| {
        if let Some(account) = d.get(side).and_then(Value::as_str) {
            filer.file(&history_key(account), &Fields(fields));
        }
    };
    let kind_is = |k| ("kind", S(k));
    let out = ("direction", S("out"));
    let into = ("direction", S("in"));
    // A change of the account itself, which moves no money.
    let none = ("direction", S("none"));
    let by = ("by", J(&d["by"]));
    match kind {
        "transfer" => {
            let shared = |counterparty| {
                [
                    ("counterparty", J(&d[counterparty])),
                    ("amount", J(&d["amount"])),
                    ("reference", J(&d["reference"])),
                    ("memo_hash", J(&d["memo_hash"])),
                ]
            };
            let [c, a, r, m] = shared("to");
            file("from", &[kind_is("transfer"), out, c, a, r, m]);
            let [c, a, r, m] = shared("from");
            file("to", &[kind_is("transfer"), into, c, a, r, m]);
        }
        "mint" => file(
            "to",
            &[
                kind_is("mint"),
                into,
                ("appropriation", J(&d["appropriation"])),
                ("amount", J(&d["amount"])),
            ],
        ),
        "burn" => file("from", &[kind_is("burn"), out, ("amount", J(&d["amount"]))]),
        "pending_created" => file(
            "from",
            &[
                kind_is("pending"),
                out,
                ("pending", J(&d["pending"])),
                ("counterparty", J(&d["to"])),
                ("amount", J(&d["amount"])),
            ],
        ),
        "pending_posted" | "pending_voided" => {
            if !amount_is_zero(&d["posted"]) {
                file(
                    "to",
                    &[
                        kind_is("post"),
                        into,
                        ("pending", J(&d["pending"])),
                        ("counterparty", J(&d["from"])),
                        ("amount", J(&d["posted"])),
                    ],
                );
            }
            let settled = if kind == "pending_posted" {
                "post"
            } else {
                "void"
            };
            file(
                "from",
                &[
                    kind_is(settled),
                    out,
                    ("pending", J(&d["pending"])),
                    ("amount", J(&d["posted"])),
                    ("returned", J(&d["returned"])),
                ],
            );
        }
        "clawback" => {
            file(
                "from",
                &[
                    kind_is("clawback"),
                    out,
                    ("counterparty", J(&d["to"])),
                    ("amount", J(&d["amount"])),
                    ("reason", J(&d["reason"])),
                    ("by", J(&d["by"])),
                    ("proposed_by", J(&d["proposed_by"])),
                ],
            );
            file(
                "to",
                &[
                    kind_is("clawback"),
                    into,
                    ("counterparty", J(&d["from"])),
                    ("amount", J(&d["amount"])),
                    ("reason", J(&d["reason"])),
                ],
            );
        }
        "swept" => {
            if !amount_is_zero(&d["amount"]) {
                file(
                    "to",
                    &[
                        kind_is("sweep"),
                        into,
                        ("counterparty", J(&d["account"])),
                        ("amount", J(&d["amount"])),
                    ],
                );
            }
            file(
                "account",
                &[
                    kind_is("sweep"),
                    out,
                    ("counterparty", J(&d["to"])),
                    ("amount", J(&d["amount"])),
                ],
            );
        }
        "account_opened" => file(
            "account",
            &[kind_is("opened"), none, ("currency", J(&d["currency"])), by],
        ),
        "frozen" | "unfrozen" => file(
            "account",
            &[kind_is(kind), none, ("reason", J(&d["reason"])), by],
        ),
        "account_closed" => file("account", &[kind_is("closed"), none, by]),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use publica_runtime::IndexEntry;
    use serde_json::json;

    /// The entries `kind` files, as the history API serves them (`n` 0),
    /// by key.
    fn filed(kind: &str, data: Value) -> Vec<(String, Value)> {
        let mut out: Vec<IndexEntry> = Vec::new();
        let tx = publica_types::Hash32([1; 32]);
        file_entries(
            kind,
            &data,
            &mut IndexFiler::new("money", 9, Some(&tx), &mut out),
        );
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
                json!({"from": "a", "to": "b", "amount": "5", "reference": "r1", "memo_hash": "ab"}),
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
            // Missing details are null, not absent.
            (
                "transfer",
                json!({"from": "a", "to": "b", "amount": "5"}),
                vec![
                    (
                        "a",
                        json!({"kind": "transfer", "direction": "out", "counterparty": "b", "amount": "5", "reference": null, "memo_hash": null}),
                    ),
                    (
                        "b",
                        json!({"kind": "transfer", "direction": "in", "counterparty": "a", "amount": "5", "reference": null, "memo_hash": null}),
                    ),
                ],
            ),
            (
                "mint",
                json!({"to": "b", "amount": "7", "appropriation": "p"}),
                vec![(
                    "b",
                    json!({"kind": "mint", "direction": "in", "appropriation": "p", "amount": "7"}),
                )],
            ),
            (
                "burn",
                json!({"from": "a", "amount": "2"}),
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
                json!({"from": "a", "to": "t", "amount": "4", "reason": "fraud", "by": "treasury", "proposed_by": "p"}),
                vec![
                    (
                        "a",
                        json!({"kind": "clawback", "direction": "out", "counterparty": "t", "amount": "4", "reason": "fraud", "by": "treasury", "proposed_by": "p"}),
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
                json!({"account": "a", "currency": "EURC", "by": "k"}),
                vec![(
                    "a",
                    json!({"kind": "opened", "direction": "none", "currency": "EURC", "by": "k"}),
                )],
            ),
            (
                "frozen",
                json!({"account": "a", "by": "t", "reason": "fraud"}),
                vec![(
                    "a",
                    json!({"kind": "frozen", "direction": "none", "reason": "fraud", "by": "t"}),
                )],
            ),
            (
                "unfrozen",
                json!({"account": "a", "by": "t", "reason": "cleared"}),
                vec![(
                    "a",
                    json!({"kind": "unfrozen", "direction": "none", "reason": "cleared", "by": "t"}),
                )],
            ),
            (
                "account_closed",
                json!({"account": "a", "by": "k"}),
                vec![(
                    "a",
                    json!({"kind": "closed", "direction": "none", "by": "k"}),
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
