//! The records module's read API: a record and its proof, an access, a
//! patient's access log, consents and records, and an agency's emergency
//! accesses (overdue reviews). The record store's routes (upload, key
//! release) are the API's (`publica_api::records`).

use crate::codes;
use crate::model::{valid_id, valid_record_id, Access};
use crate::queries;
use publica_runtime::routes::{
    IndexPage, Param, ReadError, ReadView, Reply, Route, RouteRequest, Verb, Weight,
};
use publica_types::AccountId;
use serde_json::{json, Value};

const RECORD_SCHEMA: &str = r#"{
  "type": "object",
  "required": ["record", "proof"],
  "properties": {
    "record": {"type": "object", "required": ["id", "subject", "record_type", "custodian", "size", "height", "registered_ms", "status"],
      "properties": {"status": {"enum": ["active", "erased"]}, "erased_ms": {"type": "integer"},
        "holds": {"type": "array"}, "transfers": {"type": "array"}}},
    "proof": {"type": "object", "required": ["key", "height", "state_root", "proof"]}
  }
}"#;

const ACCESS_SCHEMA: &str = r#"{
  "type": "object",
  "required": ["id", "record", "subject", "reader", "purpose", "reader_key", "basis", "height", "at_ms"],
  "properties": {
    "purpose": {"enum": ["treatment", "insurance_claim", "research"]},
    "basis": {"type": "object", "required": ["kind"], "properties": {"kind": {"enum": ["consent", "emergency", "refused"]}}},
    "review": {"type": "object", "required": ["by", "justified", "note", "at_ms", "late"]},
    "overdue": {"type": "boolean"}
  }
}"#;

const ACCOUNT: Param = Param::path("account", "The patient's account (64 hex)");
const FROM: Param = IndexPage::FROM;
const LIMIT: Param = IndexPage::LIMIT;

/// The routes, in the order the OpenAPI document lists them.
pub const ROUTES: &[Route] = &[
    Route {
        name: "record",
        verb: Verb::Get,
        path: "/v1/records/{id}",
        summary: "A record as the ledger knows it — commitment, FHIR type, custodian, subject, size, active or erased (with when), legal holds, transfers — and a state proof of it: after an erasure, proof that the data existed and was erased.",
        params: &[Param::path("id", "The record (SHA-256 of its ciphertext, 64 hex)")],
        body: None,
        answer: "`{record, proof}`",
        schema: RECORD_SCHEMA,
        errors: &[(400, "Malformed id"), (404, "No such record (records.unknown_record)")],
        weight: Weight::Light,
        handler: record,
    },
    Route {
        name: "access",
        verb: Verb::Get,
        path: "/v1/records/access/{id}",
        summary: "One access of the log: who asked to read which record, for what, when, on what ground (a consent, an emergency, or refused with its code), and for an emergency its review or whether the review is overdue.",
        params: &[Param::path("id", "The access (its transaction's id, 64 hex)")],
        body: None,
        answer: "The access, with `overdue`",
        schema: ACCESS_SCHEMA,
        errors: &[(400, "Malformed id"), (404, "No such access (records.unknown_access)")],
        weight: Weight::Light,
        handler: access,
    },
    Route {
        name: "log",
        verb: Verb::Get,
        path: "/v1/records/subjects/{account}/log",
        summary: "Who looked at my records: every access to the patient's records — let through or refused — and every erasure, oldest first, each with the transaction whose receipt proves it.",
        params: &[ACCOUNT, FROM, LIMIT],
        body: None,
        answer: "`{total, next, entries: [{access, record, reader, agency, basis, code, height, tx_id}]}`",
        schema: IndexPage::SCHEMA,
        errors: &[(400, "Malformed account or paging")],
        weight: Weight::Light,
        handler: log,
    },
    Route {
        name: "consents",
        verb: Verb::Get,
        path: "/v1/records/subjects/{account}/consents",
        summary: "The patient's consents, live and past: grantee, purpose, record types, expiry, revocation, and whether each is in force now.",
        params: &[ACCOUNT],
        body: None,
        answer: "`{consents: [consent + live]}`",
        schema: r#"{"type": "object", "required": ["consents"], "properties": {"consents": {"type": "array",
          "items": {"type": "object", "required": ["id", "grantee", "purpose", "expires_ms", "live"]}}}}"#,
        errors: &[(400, "Malformed account")],
        weight: Weight::Light,
        handler: consents,
    },
    Route {
        name: "records",
        verb: Verb::Get,
        path: "/v1/records/subjects/{account}/records",
        summary: "The patient's records, oldest first: id, FHIR type, custodian and status now.",
        params: &[ACCOUNT, FROM, LIMIT],
        body: None,
        answer: "`{total, next, entries: [{record, type, custodian, status, height, tx_id}]}`",
        schema: IndexPage::SCHEMA,
        errors: &[(400, "Malformed account or paging")],
        weight: Weight::Light,
        handler: subject_records,
    },
    Route {
        name: "emergencies",
        verb: Verb::Get,
        path: "/v1/records/agencies/{agency}/emergencies",
        summary: "An agency's break-glass accesses, oldest first, each reviewed, pending or overdue (not reviewed within 72 hours); `overdue=true` lists only the overdue ones.",
        params: &[
            Param::path("agency", "The clinicians' agency"),
            FROM,
            LIMIT,
            Param::query("overdue", "true: only overdue reviews"),
        ],
        body: None,
        answer: "`{total, next, entries: [access + overdue]}`: `total` counts every emergency access of the agency; with `overdue=true` a page lists, of the accesses in its range, only the overdue ones (so it may hold fewer than `limit`; follow `next`)",
        schema: IndexPage::SCHEMA,
        errors: &[(400, "Malformed agency or paging")],
        weight: Weight::Light,
        handler: emergencies,
    },
];

fn record(view: &dyn ReadView, req: &RouteRequest) -> Result<Reply, ReadError> {
    let id = req.path("id");
    if !valid_record_id(id) {
        return Err(ReadError::bad_param(
            "a record id is 64 lowercase hex digits",
        ));
    }
    let r = queries::record(view.state(), id)
        .ok_or_else(|| ReadError::not_found(codes::UNKNOWN_RECORD, format!("no record {id}")))?;
    let key = crate::model::record_key(id);
    let ans = view.prove(&key);
    Ok(Reply::json(json!({
        "record": r,
        "proof": {
            "key": String::from_utf8_lossy(&key),
            "height": ans.height,
            "state_root": ans.state_root,
            "value_hex": ans.value.as_deref().map(hex::encode),
            "proof": ans.proof,
        }
    })))
}

fn with_overdue(a: &Access, now_ms: u64) -> Value {
    let mut v = serde_json::to_value(a).unwrap_or_default();
    v["overdue"] = Value::Bool(a.overdue(now_ms));
    v
}

fn access(view: &dyn ReadView, req: &RouteRequest) -> Result<Reply, ReadError> {
    let id = req.path("id").to_ascii_lowercase();
    if !valid_record_id(&id) {
        return Err(ReadError::bad_param(
            "an access id is a transaction id, 64 hex digits",
        ));
    }
    let a = queries::access(view.state(), &id)
        .ok_or_else(|| ReadError::not_found(codes::UNKNOWN_ACCESS, format!("no access {id}")))?;
    Ok(Reply::json(with_overdue(&a, view.now_ms())))
}

fn account(req: &RouteRequest) -> Result<AccountId, ReadError> {
    req.path("account")
        .parse()
        .map_err(|_| ReadError::bad_param("account is 64 hex digits"))
}

fn log(view: &dyn ReadView, req: &RouteRequest) -> Result<Reply, ReadError> {
    let who = account(req)?;
    Ok(Reply::json(
        IndexPage::read(view, req, &format!("records/access/{}", who.to_hex()))?.json(),
    ))
}

fn consents(view: &dyn ReadView, req: &RouteRequest) -> Result<Reply, ReadError> {
    let who = account(req)?;
    let (height, now) = (view.height(), view.now_ms());
    let list: Vec<Value> = queries::consents(view.state(), &who)
        .iter()
        .map(|c| {
            let mut v = serde_json::to_value(c).unwrap_or_default();
            v["live"] = Value::Bool(c.live(height, now));
            v
        })
        .collect();
    Ok(Reply::json(json!({ "consents": list })))
}

fn subject_records(view: &dyn ReadView, req: &RouteRequest) -> Result<Reply, ReadError> {
    let who = account(req)?;
    let mut page = IndexPage::read(view, req, &format!("records/records/{}", who.to_hex()))?;
    for e in &mut page.entries {
        let id = e["record"].as_str().unwrap_or_default().to_string();
        if let Some(r) = queries::record(view.state(), &id) {
            e["status"] = json!(r.status);
            e["custodian"] = json!(r.custodian);
        }
    }
    Ok(Reply::json(page.json()))
}

fn emergencies(view: &dyn ReadView, req: &RouteRequest) -> Result<Reply, ReadError> {
    let agency = req.path("agency");
    if !valid_id(agency) {
        return Err(ReadError::bad_param("agency is an agency id"));
    }
    let only_overdue = match req.query("overdue") {
        None | Some("false") => false,
        Some("true") => true,
        Some(_) => return Err(ReadError::bad_param("overdue is true or false")),
    };
    let mut page = IndexPage::read(view, req, &format!("records/emergency/{agency}"))?;
    let now = view.now_ms();
    page.entries = page
        .entries
        .iter()
        .filter_map(|e| queries::access(view.state(), e["access"].as_str()?))
        .filter(|a| !only_overdue || a.overdue(now))
        .map(|a| with_overdue(&a, now))
        .collect();
    Ok(Reply::json(page.json()))
}
