//! The money module's read API: accounts with state proofs, histories,
//! provenance, and currencies with their appropriations.

use crate::{codes, history, model, queries};
use publica_runtime::routes::{
    Param, ReadError, ReadView, Reply, Route, RouteRequest, Verb, Weight,
};
use serde_json::{json, Value};

const ACCOUNT_ID: Param = Param::path("id", "Account id (1..=64 of [a-z0-9._:-])");

/// The routes, in the order the OpenAPI document lists them.
pub const ROUTES: &[Route] = &[
    Route {
        name: "account",
        verb: Verb::Get,
        path: "/v1/money/accounts/{id}",
        summary: "An account (balance, flags, earmark, provenance) with a proof against the last block's state root.",
        params: &[ACCOUNT_ID],
        body: None,
        answer: "`{account, key, height, state_root, value_hex, proof}`",
        schema: r##"{
          "type": "object",
          "description": "An account's record with its proof against the state root of block `height` (`value_hex` is the record's bytes, which the proof covers).",
          "required": [
            "account",
            "key",
            "height",
            "state_root",
            "value_hex",
            "proof"
          ],
          "properties": {
            "account": {
              "type": "object",
              "required": [
                "id",
                "currency",
                "balance",
                "owner",
                "frozen",
                "closed"
              ],
              "properties": {
                "id": {
                  "type": "string"
                },
                "currency": {
                  "type": "string"
                },
                "balance": {
                  "$ref": "#/components/schemas/Amount"
                },
                "pending_out": {
                  "$ref": "#/components/schemas/Amount"
                },
                "owner": {
                  "type": "object",
                  "required": [
                    "kind"
                  ],
                  "properties": {
                    "kind": {
                      "type": "string"
                    }
                  }
                },
                "frozen": {
                  "type": "boolean"
                },
                "closed": {
                  "type": "boolean"
                },
                "provenance": {
                  "type": "object",
                  "additionalProperties": {
                    "$ref": "#/components/schemas/Amount"
                  }
                }
              }
            },
            "key": {
              "type": "string"
            },
            "height": {
              "type": "integer",
              "minimum": 0
            },
            "state_root": {
              "$ref": "#/components/schemas/Hex32"
            },
            "value_hex": {
              "type": "string",
              "pattern": "^([0-9a-f]{2})*$"
            },
            "proof": {
              "$ref": "#/components/schemas/StateProof"
            }
          }
        }"##,
        errors: &[(400, "Malformed account id"), (404, "No such account")],
        weight: Weight::Light,
        handler: account,
    },
    Route {
        name: "history",
        verb: Verb::Get,
        path: "/v1/money/accounts/{id}/history",
        summary: "An account's history, oldest first: one entry per movement, numbered `n` from 0, with the block `height` and the `tx_id` whose receipt proves it (absent for the ledger's own scheduled work).",
        params: &[
            ACCOUNT_ID,
            Param::query("from", "First entry (default 0)"),
            Param::query("limit", "Entries (1..=500, default 100)"),
        ],
        body: None,
        answer: "`{account, from, entries: [{n, kind, direction, amount, ..., height, tx_id}], total}`",
        schema: r##"{
          "type": "object",
          "required": [
            "account",
            "from",
            "entries",
            "total"
          ],
          "properties": {
            "account": {
              "type": "string"
            },
            "from": {
              "type": "integer",
              "minimum": 0
            },
            "total": {
              "type": "integer",
              "minimum": 0
            },
            "entries": {
              "type": "array",
              "items": {
                "type": "object",
                "required": [
                  "n",
                  "kind",
                  "direction",
                  "height"
                ],
                "properties": {
                  "n": {
                    "type": "integer",
                    "minimum": 0
                  },
                  "kind": {
                    "type": "string"
                  },
                  "direction": {
                    "type": "string",
                    "enum": [
                      "in",
                      "out",
                      "none"
                    ]
                  },
                  "amount": {
                    "$ref": "#/components/schemas/Amount"
                  },
                  "height": {
                    "type": "integer",
                    "minimum": 1
                  },
                  "tx_id": {
                    "$ref": "#/components/schemas/Hex32",
                    "description": "Absent for the ledger's own scheduled work."
                  }
                }
              }
            }
          }
        }"##,
        errors: &[(400, "Bad paging"), (404, "No such account")],
        weight: Weight::Light,
        handler: history,
    },
    Route {
        name: "provenance",
        verb: Verb::Get,
        path: "/v1/money/accounts/{id}/provenance",
        summary: "Where an account's money came from, by appropriation.",
        params: &[ACCOUNT_ID],
        body: None,
        answer: "`{account, currency, balance, provenance: {\"<currency>/<appropriation>\": amount}}`",
        schema: r##"{
          "type": "object",
          "required": [
            "account",
            "currency",
            "balance",
            "provenance"
          ],
          "properties": {
            "account": {
              "type": "string"
            },
            "currency": {
              "type": "string"
            },
            "balance": {
              "$ref": "#/components/schemas/Amount"
            },
            "provenance": {
              "type": "object",
              "description": "`<currency>/<appropriation>` -> amount.",
              "additionalProperties": {
                "$ref": "#/components/schemas/Amount"
              }
            }
          }
        }"##,
        errors: &[(404, "No such account")],
        weight: Weight::Light,
        handler: provenance,
    },
    Route {
        name: "currency",
        verb: Verb::Get,
        path: "/v1/money/currencies/{code}",
        summary: "A currency with its totals, appropriations and accredited merchants.",
        params: &[Param::path("code", "Currency code")],
        body: None,
        answer: "`{currency: {minted, burned, supply_cap, ...}, appropriations: [{id, cap, minted, burned, active, approvals, expires_height}], merchants: [{merchant, currency, categories, active, by, height}]}`",
        schema: r##"{
          "type": "object",
          "required": [
            "currency",
            "appropriations",
            "merchants"
          ],
          "properties": {
            "currency": {
              "type": "object",
              "required": [
                "code",
                "name",
                "agency",
                "decimals",
                "minted",
                "burned",
                "supply_cap"
              ],
              "properties": {
                "code": {
                  "type": "string"
                },
                "name": {
                  "type": "string"
                },
                "agency": {
                  "type": "string"
                },
                "decimals": {
                  "type": "integer",
                  "minimum": 0,
                  "maximum": 18
                },
                "minted": {
                  "$ref": "#/components/schemas/Amount"
                },
                "burned": {
                  "$ref": "#/components/schemas/Amount"
                },
                "supply_cap": {
                  "$ref": "#/components/schemas/Amount"
                },
                "clawback_single_max": {
                  "$ref": "#/components/schemas/Amount"
                }
              }
            },
            "appropriations": {
              "type": "array",
              "items": {
                "type": "object",
                "required": [
                  "id",
                  "cap",
                  "minted",
                  "burned",
                  "active",
                  "approvals"
                ],
                "properties": {
                  "id": {
                    "type": "string"
                  },
                  "cap": {
                    "$ref": "#/components/schemas/Amount"
                  },
                  "minted": {
                    "$ref": "#/components/schemas/Amount"
                  },
                  "burned": {
                    "$ref": "#/components/schemas/Amount"
                  },
                  "active": {
                    "type": "boolean"
                  },
                  "approvals": {
                    "type": "array",
                    "items": {
                      "$ref": "#/components/schemas/Hex32"
                    }
                  },
                  "expires_height": {
                    "type": [
                      "integer",
                      "null"
                    ]
                  }
                }
              }
            },
            "merchants": {
              "type": "array",
              "items": {
                "type": "object"
              }
            }
          }
        }"##,
        errors: &[(404, "No such currency")],
        weight: Weight::Light,
        handler: currency,
    },
    Route {
        name: "cash_outs",
        verb: Verb::Get,
        path: "/v1/money/cash-outs/{id}",
        summary: "The cash-out requests waiting for a batch under an agency's cash-out account, oldest first (docs/money.md, \"Cash-out through the agency's bank\").",
        params: &[
            ACCOUNT_ID,
            Param::query("from", "The first request number listed (default 0): a page starts after the last one seen"),
            Param::query("limit", "Requests (1..=10000, default 1000)"),
        ],
        body: None,
        answer: "`{account, open, waiting: [{id, from, amount, reference, height, status}], next}`",
        schema: r##"{
          "type": "object",
          "required": ["account", "open", "waiting", "next"],
          "properties": {
            "account": {"type": "string"},
            "open": {
              "description": "Whether the account takes cash-outs (declare_cash_out_account), and the smallest it takes; null: it does not.",
              "oneOf": [
                {"type": "null"},
                {"type": "object", "required": ["minimum", "height"], "additionalProperties": false, "properties": {
                  "minimum": {"type": "string", "pattern": "^[0-9]+$", "description": "Minor units."},
                  "height": {"type": "integer", "minimum": 0}
                }}
              ]
            },
            "waiting": {"type": "array", "items": {"$ref": "#/components/schemas/CashOut"}},
            "next": {"type": "integer", "minimum": 0, "description": "The number the next request will get: requests 0..next were made."}
          }
        }"##,
        errors: &[(400, "Malformed account id or limit"), (404, "No such account")],
        weight: Weight::Light,
        handler: cash_outs,
    },
    Route {
        name: "cash_out",
        verb: Verb::Get,
        path: "/v1/money/cash-outs/{id}/requests/{n}",
        summary: "One cash-out request, waiting, batched (with its batch) or returned.",
        params: &[
            ACCOUNT_ID,
            Param::path("n", "The request's number"),
        ],
        body: None,
        answer: "A cash-out request",
        schema: r##"{"$ref": "#/components/schemas/CashOut"}"##,
        errors: &[(400, "Malformed account id or number"), (404, "No such request")],
        weight: Weight::Light,
        handler: cash_out,
    },
    Route {
        name: "cash_out_batch",
        verb: Verb::Get,
        path: "/v1/money/cash-outs/{id}/batches/{batch}",
        summary: "A recorded cash-out batch: the exported file's SHA-256 and the requests it carried.",
        params: &[
            ACCOUNT_ID,
            Param::path("batch", "The batch id"),
        ],
        body: None,
        answer: "`{id, account, file_sha256, requests, total, height, by}`",
        schema: r##"{
          "type": "object",
          "required": ["id", "account", "file_sha256", "requests", "total", "height", "by"],
          "properties": {
            "id": {"type": "string"},
            "account": {"type": "string"},
            "file_sha256": {"$ref": "#/components/schemas/Hex32"},
            "requests": {"type": "array", "items": {"type": "integer", "minimum": 0}},
            "total": {"$ref": "#/components/schemas/Amount"},
            "height": {"type": "integer", "minimum": 0},
            "by": {"$ref": "#/components/schemas/Hex32"}
          }
        }"##,
        errors: &[(404, "No such batch")],
        weight: Weight::Light,
        handler: cash_out_batch,
    },
];

fn no_account(id: &str) -> ReadError {
    ReadError::not_found(codes::UNKNOWN_ACCOUNT, format!("no account '{id}'"))
}

fn account_of(view: &dyn ReadView, id: &str) -> Result<model::Account, ReadError> {
    queries::account(view.state(), id).ok_or_else(|| no_account(id))
}

fn account(view: &dyn ReadView, req: &RouteRequest) -> Result<Reply, ReadError> {
    let id = req.path("id");
    if !model::valid_id(id) {
        return Err(ReadError::bad_param(
            "an account id is 1..=64 of [a-z0-9._:-]",
        ));
    }
    let key = model::account_key(id);
    let ans = view.prove(&key);
    let value = ans.value.as_ref().ok_or_else(|| no_account(id))?;
    let account: Value = serde_json::from_slice(value).map_err(ReadError::internal)?;
    Ok(Reply::json(json!({
        "account": account,
        "key": String::from_utf8_lossy(&key),
        "height": ans.height,
        "state_root": ans.state_root,
        "value_hex": hex::encode(value),
        "proof": ans.proof,
    })))
}

fn history(view: &dyn ReadView, req: &RouteRequest) -> Result<Reply, ReadError> {
    let limit = req.number("limit", 100, 1..=queries::HISTORY_PAGE_MAX)?;
    let from = req.number("from", 0, 0..=u64::MAX)?;
    let id = req.path("id");
    account_of(view, id)?;
    let key = format!("money/{}", history::history_key(id));
    let (total, entries) = view.indexed(&key, from, limit)?;
    Ok(Reply::json(
        json!({ "account": id, "from": from, "total": total, "entries": entries }),
    ))
}

fn provenance(view: &dyn ReadView, req: &RouteRequest) -> Result<Reply, ReadError> {
    let a = account_of(view, req.path("id"))?;
    Ok(Reply::json(json!({
        "account": a.id,
        "currency": a.currency,
        "balance": a.balance,
        "provenance": a.provenance,
    })))
}

fn currency(view: &dyn ReadView, req: &RouteRequest) -> Result<Reply, ReadError> {
    let code = req.path("code");
    let (c, apprs, merchants) = queries::currency(view.state(), code).ok_or_else(|| {
        ReadError::not_found(codes::UNKNOWN_CURRENCY, format!("no currency '{code}'"))
    })?;
    Ok(Reply::json(
        json!({ "currency": c, "appropriations": apprs, "merchants": merchants }),
    ))
}

fn cash_outs(view: &dyn ReadView, req: &RouteRequest) -> Result<Reply, ReadError> {
    let limit = req.number("limit", 1_000, 1..=crate::cashout::BATCH_REQUESTS_MAX)?;
    let id = req.path("id");
    if !model::valid_id(id) {
        return Err(ReadError::bad_param(
            "an account id is 1..=64 of [a-z0-9._:-]",
        ));
    }
    let from = req.number("from", 0, 0..=u64::MAX)?;
    account_of(view, id)?;
    let first = crate::cashout::waiting_key(id, from);
    let waiting: Vec<Value> = view
        .state()
        .scan_prefix(&crate::cashout::waiting_prefix(id), usize::MAX)
        .into_iter()
        .filter(|(k, _)| *k >= first)
        .take(limit)
        .filter_map(|(_, v)| serde_json::from_slice(&v).ok())
        .collect();
    let next: u64 = view
        .state()
        .get(&crate::cashout::next_key(id))
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or(0);
    let open: Option<crate::cashout::CashOutAccount> = view
        .state()
        .get(&crate::cashout::declared_key(id))
        .and_then(|b| serde_json::from_slice(&b).ok());
    Ok(Reply::json(
        json!({ "account": id, "open": open, "waiting": waiting, "next": next }),
    ))
}

fn cash_out(view: &dyn ReadView, req: &RouteRequest) -> Result<Reply, ReadError> {
    let id = req.path("id");
    let n: u64 = req
        .path("n")
        .parse()
        .map_err(|_| ReadError::bad_param("a request number is a whole number"))?;
    let state = view.state();
    [
        crate::cashout::waiting_key(id, n),
        crate::cashout::done_key(id, n),
    ]
    .iter()
    .find_map(|k| state.get(k))
    .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
    .map(Reply::json)
    .ok_or_else(|| {
        ReadError::not_found(
            codes::NOT_WAITING,
            format!("'{id}' has no cash-out request {n}"),
        )
    })
}

fn cash_out_batch(view: &dyn ReadView, req: &RouteRequest) -> Result<Reply, ReadError> {
    let (id, batch) = (req.path("id"), req.path("batch"));
    view.state()
        .get(&crate::cashout::batch_key(id, batch))
        .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
        .map(Reply::json)
        .ok_or_else(|| {
            ReadError::not_found(
                codes::NOT_WAITING,
                format!("'{id}' recorded no cash-out batch '{batch}'"),
            )
        })
}
