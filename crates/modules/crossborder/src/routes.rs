//! The crossborder module's read API: corridors, what moved through one,
//! and a transfer out. The records the other network proves are read with
//! their state proofs at `GET /v1/state?key=crossborder/out/<id>` and
//! `crossborder/in/<corridor>/<id>`.

use crate::codes;
use crate::model::{corridor_key, out_key, valid_id, valid_transfer_id, Corridor, TransferOut};
use publica_runtime::overlay::StateRead;
use publica_runtime::routes::{
    IndexPage, Param, ReadError, ReadView, Reply, Route, RouteRequest, Verb, Weight,
};
use serde_json::json;

const CORRIDOR_SCHEMA: &str = r##"{
  "type": "object",
  "required": ["corridor"],
  "properties": {"corridor": {"type": "object", "required": ["id", "agency", "currency", "account", "remote_chain", "remote_corridor", "remote_sets", "followed", "rate", "limit", "timeout_ms", "approvals", "open", "paired", "totals"],
    "properties": {
      "limit": {"$ref": "#/components/schemas/Amount"},
      "rate": {"type": "object", "required": ["remote", "local"]},
      "remote_sets": {"type": "object", "required": ["origin", "cosigners", "quorum"]},
      "totals": {"type": "object", "required": ["sent", "pending", "delivered", "refunded", "received", "expired"]}}}}
}"##;

const TRANSFER_SCHEMA: &str = r##"{
  "type": "object",
  "required": ["transfer"],
  "properties": {"transfer": {"type": "object", "required": ["id", "corridor", "remote_corridor", "from_chain", "to_chain", "from", "sender", "to", "amount", "currency", "deadline_ms", "height", "status"],
    "properties": {
      "id": {"$ref": "#/components/schemas/Hex32"},
      "amount": {"$ref": "#/components/schemas/Amount"},
      "status": {"enum": ["pending", "delivered", "refunded"]}}}}
}"##;

const ID: Param = Param::path("id", "The corridor's id");
const FROM: Param = IndexPage::FROM;
const LIMIT: Param = IndexPage::LIMIT;

/// The routes, in the order the OpenAPI document lists them.
pub const ROUTES: &[Route] = &[
    Route {
        name: "corridors",
        verb: Verb::Get,
        path: "/v1/crossborder/corridors",
        summary: "Corridors to other networks, oldest first.",
        params: &[FROM, LIMIT],
        body: None,
        answer: "`{total, next, entries: [{corridor, remote_chain, height}]}`",
        schema: IndexPage::SCHEMA,
        errors: &[(400, "Malformed paging")],
        weight: Weight::Light,
        handler: corridors,
    },
    Route {
        name: "corridor",
        verb: Verb::Get,
        path: "/v1/crossborder/corridors/{id}",
        summary: "A corridor: its agency, currency and account, the other network's chain id and the validator sets followed, the paired corridor, rate, limit, timeout, approvals, and totals sent, pending, delivered, refunded, received and expired.",
        params: &[ID],
        body: None,
        answer: "`{corridor}`",
        schema: CORRIDOR_SCHEMA,
        errors: &[(400, "Malformed id"), (404, "No such corridor (crossborder.unknown_corridor)")],
        weight: Weight::Light,
        handler: corridor,
    },
    Route {
        name: "transfers",
        verb: Verb::Get,
        path: "/v1/crossborder/corridors/{id}/transfers",
        summary: "What moved through a corridor, in order: transfers sent, delivered and refunded; transfers received and expired.",
        params: &[ID, FROM, LIMIT],
        body: None,
        answer: "`{total, next, entries: [{transfer, kind, from?, to?, amount?, deadline_ms?, height}]}`",
        schema: IndexPage::SCHEMA,
        errors: &[(400, "Malformed id or paging")],
        weight: Weight::Light,
        handler: transfers,
    },
    Route {
        name: "transfer",
        verb: Verb::Get,
        path: "/v1/crossborder/transfers/{id}",
        summary: "A transfer out: corridor, chains, accounts, amount, deadline and status (pending, delivered, refunded).",
        params: &[Param::path("id", "The transfer's id (the sending transaction's id)")],
        body: None,
        answer: "`{transfer}`",
        schema: TRANSFER_SCHEMA,
        errors: &[(400, "Malformed id"), (404, "No such transfer (crossborder.unknown_transfer)")],
        weight: Weight::Light,
        handler: transfer,
    },
];

fn corridor_id(req: &RouteRequest) -> Result<&str, ReadError> {
    let id = req.path("id");
    if valid_id(id) {
        Ok(id)
    } else {
        Err(ReadError::bad_param(
            "a corridor id is 1..=64 of [a-z0-9_-]",
        ))
    }
}

fn corridors(view: &dyn ReadView, req: &RouteRequest) -> Result<Reply, ReadError> {
    Ok(Reply::json(
        IndexPage::read(view, req, "crossborder/corridors")?.json(),
    ))
}

fn corridor(view: &dyn ReadView, req: &RouteRequest) -> Result<Reply, ReadError> {
    let id = corridor_id(req)?;
    let c: Corridor = view
        .state()
        .value(&corridor_key(id))
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or_else(|| {
            ReadError::not_found(codes::UNKNOWN_CORRIDOR, format!("no corridor '{id}'"))
        })?;
    Ok(Reply::json(json!({"corridor": c})))
}

fn transfers(view: &dyn ReadView, req: &RouteRequest) -> Result<Reply, ReadError> {
    let id = corridor_id(req)?;
    Ok(Reply::json(
        IndexPage::read(view, req, &format!("crossborder/transfers/{id}"))?.json(),
    ))
}

fn transfer(view: &dyn ReadView, req: &RouteRequest) -> Result<Reply, ReadError> {
    let id = req.path("id");
    if !valid_transfer_id(id) {
        return Err(ReadError::bad_param(
            "a transfer id is 64 lowercase hex digits",
        ));
    }
    let t: TransferOut = view
        .state()
        .value(out_key(id).as_bytes())
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or_else(|| {
            ReadError::not_found(codes::UNKNOWN_TRANSFER, format!("no transfer out {id}"))
        })?;
    Ok(Reply::json(json!({"transfer": t})))
}
