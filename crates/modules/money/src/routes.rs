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
        errors: &[(404, "No such currency")],
        weight: Weight::Light,
        handler: currency,
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
