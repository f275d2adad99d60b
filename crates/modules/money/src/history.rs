//! Account histories: what each committed money event files, per account,
//! in the node's event index (not in the state: a history grows with every
//! payment, and the state holds only what the rules need to decide the
//! next one).
//!
//! Every movement emits one event carrying both sides; [`entries`] turns
//! it into one entry per account it touched, in the shape the history API
//! serves. The node adds `n` (the entry's place in that account's
//! history), `height` and `tx_id` (whose receipt proves the event).

use serde_json::{json, Value};

/// The event-index key of an account's history (the runtime prefixes it
/// with `money/`).
pub fn history_key(account: &str) -> String {
    format!("account/{account}")
}

fn amount_is_zero(v: &Value) -> bool {
    v.as_str() == Some("0")
}

/// The history entries one `money` event files: `(index key, entry)`.
pub fn entries(kind: &str, d: &Value) -> Vec<(String, Value)> {
    let at = |field: &str| d.get(field).and_then(Value::as_str).map(history_key);
    let mut out = Vec::new();
    let mut file = |key: Option<String>, entry: Value| {
        if let Some(k) = key {
            out.push((k, entry));
        }
    };
    match kind {
        "transfer" => {
            let memo = d.get("memo_hash").cloned().unwrap_or(Value::Null);
            file(
                at("from"),
                json!({"kind": "transfer", "direction": "out", "counterparty": d["to"], "amount": d["amount"], "reference": d["reference"], "memo_hash": memo}),
            );
            file(
                at("to"),
                json!({"kind": "transfer", "direction": "in", "counterparty": d["from"], "amount": d["amount"], "reference": d["reference"], "memo_hash": memo}),
            );
        }
        "mint" => file(
            at("to"),
            json!({"kind": "mint", "direction": "in", "appropriation": d["appropriation"], "amount": d["amount"]}),
        ),
        "burn" => file(
            at("from"),
            json!({"kind": "burn", "direction": "out", "amount": d["amount"]}),
        ),
        "pending_created" => file(
            at("from"),
            json!({"kind": "pending", "direction": "out", "pending": d["pending"], "counterparty": d["to"], "amount": d["amount"]}),
        ),
        "pending_posted" | "pending_voided" => {
            if !amount_is_zero(&d["posted"]) {
                file(
                    at("to"),
                    json!({"kind": "post", "direction": "in", "pending": d["pending"], "counterparty": d["from"], "amount": d["posted"]}),
                );
            }
            let settled = if kind == "pending_posted" {
                "post"
            } else {
                "void"
            };
            file(
                at("from"),
                json!({"kind": settled, "direction": "out", "pending": d["pending"], "amount": d["posted"], "returned": d["returned"]}),
            );
        }
        "clawback" => {
            file(
                at("from"),
                json!({"kind": "clawback", "direction": "out", "counterparty": d["to"], "amount": d["amount"], "reason": d["reason"], "by": d["by"]}),
            );
            file(
                at("to"),
                json!({"kind": "clawback", "direction": "in", "counterparty": d["from"], "amount": d["amount"], "reason": d["reason"]}),
            );
        }
        "swept" => {
            if !amount_is_zero(&d["amount"]) {
                file(
                    at("to"),
                    json!({"kind": "sweep", "direction": "in", "counterparty": d["account"], "amount": d["amount"]}),
                );
            }
            file(
                at("account"),
                json!({"kind": "sweep", "direction": "out", "counterparty": d["to"], "amount": d["amount"]}),
            );
        }
        _ => {}
    }
    out
}
