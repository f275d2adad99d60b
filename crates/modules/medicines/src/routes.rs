//! The medicines module's read API: parties, and what an identifier names.

use crate::model::{event_key, item_key, valid_id, EventRecord};
use crate::queries::{self, owner_of, read_party};
use crate::{codes, gs1};
use publica_runtime::routes::{
    Param, ReadError, ReadView, Reply, Route, RouteRequest, Verb, Weight,
};
use serde_json::{json, Value};

const PARTY_SCHEMA: &str = r##"{
  "type": "object",
  "required": ["id", "name", "kind", "regulator", "company_prefixes", "glns", "accounts", "licence", "intervals", "height"],
  "properties": {
    "id": {"type": "string"},
    "name": {"type": "string"},
    "kind": {"enum": ["manufacturer", "wholesaler", "pharmacy", "hospital"]},
    "regulator": {"type": "string"},
    "company_prefixes": {"type": "array", "items": {"type": "string", "pattern": "^[0-9]{6,12}$"}},
    "glns": {"type": "array", "items": {"type": "string", "pattern": "^[0-9]{13}$"}},
    "accounts": {"type": "array", "items": {"$ref": "#/components/schemas/Hex32"}},
    "licence": {"enum": ["active", "suspended", "revoked"]},
    "intervals": {"type": "array", "items": {"type": "object", "required": ["from_ms"],
      "properties": {"from_ms": {"type": "integer"}, "until_ms": {"type": "integer"}}}},
    "height": {"type": "integer", "minimum": 0}
  }
}"##;

/// The routes, in the order the OpenAPI document lists them.
pub const ROUTES: &[Route] = &[
    Route {
        name: "party",
        verb: Verb::Get,
        path: "/v1/medicines/parties/{id}",
        summary: "A registered party: kind, regulator, GS1 company prefixes, locations (GLNs), capturing accounts, licence and the intervals it was in force.",
        params: &[Param::path("id", "Party id (1..=64 of [a-z0-9_-])")],
        body: None,
        answer: "The party",
        schema: PARTY_SCHEMA,
        errors: &[(400, "Malformed id"), (404, "No such party")],
        weight: Weight::Light,
        handler: party,
    },
    Route {
        name: "identify",
        verb: Verb::Get,
        path: "/v1/medicines/identify",
        summary: "What a GS1 identifier names: an EPC URI or a Digital Link checked (digits, check digit, characters), its canonical key and Digital Link, and the registered party whose company prefix it begins with (the longest), licensed now or not.",
        params: &[Param::query("uri", "An EPC URI (urn:epc:id:sgtin:…) or a GS1 Digital Link (https://id.gs1.org/01/…/21/…)")],
        body: None,
        answer: "`{key, digital_link, scheme, owner}` (owner null when no party holds the prefix)",
        schema: r#"{
          "type": "object",
          "required": ["key", "digital_link", "scheme", "owner"],
          "properties": {
            "key": {"type": "string"},
            "digital_link": {"type": "string"},
            "scheme": {"enum": ["sgtin", "lgtin", "sscc", "sgln"]},
            "owner": {"type": ["object", "null"], "required": ["party", "name", "kind", "licensed"],
              "properties": {"party": {"type": "string"}, "name": {"type": "string"}, "licensed": {"type": "boolean"}}}
          }
        }"#,
        errors: &[(400, "Not a supported, well-formed GS1 identifier (medicines.unsupported_identifier)")],
        weight: Weight::Light,
        handler: identify,
    },
    Route {
        name: "verify",
        verb: Verb::Get,
        path: "/v1/medicines/verify",
        summary: "Verify this pack: given its EPC URI or Digital Link, who commissioned it, its custodian now, whether it was dispensed, decommissioned or destroyed, recalled, expired, or left the licensed chain, with the chain of custody (each custodian licensed at the time or not) and a state proof of the pack's record (and of each container's).",
        params: &[Param::query("uri", "The pack's (or container's) EPC URI or GS1 Digital Link")],
        body: None,
        answer: "`{authentic, problems: [{code, message}], commissioned_by, custodian, status, containers, lot, expiry, recall, chain, proofs}`; `authentic` false with `not_commissioned` for a number never commissioned",
        schema: VERDICT_SCHEMA,
        errors: &[(400, "Not a supported, well-formed GS1 identifier (medicines.unsupported_identifier)")],
        weight: Weight::Light,
        handler: verify,
    },
    Route {
        name: "events",
        verb: Verb::Get,
        path: "/v1/medicines/events",
        summary: "EPCIS 2.0 query (SimpleEventQuery, the REST binding's parameters): captured events by object, type, business step, business location and time window, in capture order, as an EPCISQueryDocument; each event as captured, with its recordTime and its ledger receipt (`publica:receipt`); the next page's token in `publica:nextPageToken`.",
        params: &[
            Param::query("MATCH_anyEPC", "An object (EPC URI or Digital Link) the events name, in any list"),
            Param::query("eventType", "ObjectEvent, AggregationEvent, TransformationEvent, TransactionEvent or AssociationEvent"),
            Param::query("EQ_bizStep", "A business step (CBV name such as shipping, or a URI)"),
            Param::query("EQ_bizLocation", "A business location (SGLN EPC URI or Digital Link)"),
            Param::query("GE_eventTime", "Events at or after (RFC 3339)"),
            Param::query("LT_eventTime", "Events before (RFC 3339)"),
            Param::query("perPage", "Events per page (1..=100, default 30)"),
            Param::query("nextPageToken", "The token a previous page gave"),
        ],
        body: None,
        answer: "An EPCISQueryDocument",
        schema: r#"{"type": "object", "required": ["@context", "type", "schemaVersion", "epcisBody"],
          "properties": {"type": {"enum": ["EPCISQueryDocument"]},
            "epcisBody": {"type": "object", "required": ["queryResults"]},
            "publica:nextPageToken": {"type": "string"}}}"#,
        errors: &[(400, "A malformed parameter, identifier or token")],
        weight: Weight::Light,
        handler: events,
    },
    Route {
        name: "recall",
        verb: Verb::Get,
        path: "/v1/medicines/recalls/{id}",
        summary: "A recall and its reach: every pack of the product (or lot) commissioned, with its custodian now and its status (held, in transit, dispensed, …), a page at a time in commissioning order, and the page's count per custodian.",
        params: &[
            Param::path("id", "Recall id"),
            Param::query("from", "First commissioned pack of the product to look at (default 0)"),
            Param::query("limit", "Packs looked at (1..=1000, default 200)"),
        ],
        body: None,
        answer: "`{recall, from, next, total_commissioned, packs: [{key, lot, custodian, status}], by_custodian}`",
        schema: r#"{"type": "object", "required": ["recall", "from", "next", "packs", "by_custodian"],
          "properties": {"packs": {"type": "array", "items": {"type": "object", "required": ["key", "custodian", "status"]}},
            "by_custodian": {"type": "object"}}}"#,
        errors: &[(400, "Malformed id"), (404, "No such recall (medicines.unknown_recall)")],
        weight: Weight::Light,
        handler: recall,
    },
];

const VERDICT_SCHEMA: &str = r#"{
  "type": "object",
  "required": ["key", "digital_link", "authentic", "problems", "chain", "containers", "proofs"],
  "properties": {
    "authentic": {"type": "boolean"},
    "problems": {"type": "array", "items": {"type": "object", "required": ["code", "message"],
      "properties": {"code": {"enum": ["not_commissioned", "dispensed", "decommissioned", "destroyed", "transformed", "recalled", "expired", "diverted", "unlicensed_custodian"]}}}},
    "status": {"type": ["string", "null"]},
    "chain": {"type": "array", "items": {"type": "object", "required": ["party", "since_ms", "event", "licensed"]}},
    "proofs": {"type": "array"}
  }
}"#;

fn identifier(req: &RouteRequest, name: &str) -> Result<gs1::Id, ReadError> {
    let uri = req.query(name).ok_or_else(|| {
        ReadError::bad_param(format!("give {name}: an EPC URI or a GS1 Digital Link"))
    })?;
    gs1::parse(uri).map_err(|e| ReadError::new(400, codes::UNSUPPORTED_IDENTIFIER, e.to_string()))
}

fn verify(view: &dyn ReadView, req: &RouteRequest) -> Result<Reply, ReadError> {
    let id = identifier(req, "uri")?;
    let verdict = queries::verify(view.state(), &id, view.now_ms());
    let mut keys = vec![verdict.key.clone()];
    keys.extend(verdict.containers.iter().cloned());
    let proofs: Vec<Value> = keys
        .iter()
        .map(|k| {
            let key = item_key(k);
            let ans = view.prove(&key);
            json!({
                "key": String::from_utf8_lossy(&key),
                "height": ans.height,
                "state_root": ans.state_root,
                "value_hex": ans.value.as_deref().map(hex_of),
                "proof": ans.proof,
            })
        })
        .collect();
    let mut answer = serde_json::to_value(&verdict).map_err(ReadError::internal)?;
    answer["proofs"] = Value::Array(proofs);
    Ok(Reply::json(answer))
}

fn hex_of(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// Most index entries one query page looks at.
const SCAN_MAX: usize = 2_000;

fn time_param(req: &RouteRequest, name: &str) -> Result<Option<u64>, ReadError> {
    req.query(name)
        .map(|t| {
            crate::epcis::parse_time(t)
                .ok_or_else(|| ReadError::bad_param(format!("{name} is an RFC 3339 date-time")))
        })
        .transpose()
}

fn events(view: &dyn ReadView, req: &RouteRequest) -> Result<Reply, ReadError> {
    let per_page: usize = req.number("perPage", 30, 1..=100)?;
    let from: u64 = match req.query("nextPageToken") {
        Some(t) => t
            .parse()
            .map_err(|_| ReadError::bad_param("nextPageToken is one a previous page gave"))?,
        None => 0,
    };
    let (ge, lt) = (
        time_param(req, "GE_eventTime")?,
        time_param(req, "LT_eventTime")?,
    );
    let kind = req.query("eventType");
    if let Some(k) = kind {
        if ![
            "ObjectEvent",
            "AggregationEvent",
            "TransformationEvent",
            "TransactionEvent",
            "AssociationEvent",
        ]
        .contains(&k)
        {
            return Err(ReadError::bad_param(format!(
                "eventType '{k}' is not an EPCIS event type"
            )));
        }
    }
    let step = req.query("EQ_bizStep").map(|s| {
        s.strip_prefix("https://ref.gs1.org/cbv/BizStep-")
            .or_else(|| s.strip_prefix("urn:epcglobal:cbv:bizstep:"))
            .unwrap_or(s)
            .to_string()
    });
    let index = if req.query("MATCH_anyEPC").is_some() {
        format!("medicines/epc/{}", identifier(req, "MATCH_anyEPC")?.key())
    } else if req.query("EQ_bizLocation").is_some() {
        format!(
            "medicines/location/{}",
            identifier(req, "EQ_bizLocation")?.key()
        )
    } else if let Some(s) = &step {
        format!("medicines/step/{}", publica_types::uri::encode(s))
    } else if let Some(k) = kind {
        format!("medicines/type/{k}")
    } else {
        "medicines/events".to_string()
    };
    let (total, entries) = view.indexed(&index, from, SCAN_MAX)?;
    let mut list = Vec::new();
    let mut next = None;
    for entry in &entries {
        let n = entry["n"].as_u64().unwrap_or_default();
        if list.len() == per_page {
            next = Some(n);
            break;
        }
        let t = entry["t"].as_u64().unwrap_or_default();
        let fits = kind.is_none_or(|k| entry["type"] == k)
            && step.as_deref().is_none_or(|s| entry["step"] == s)
            && ge.is_none_or(|g| t >= g)
            && lt.is_none_or(|l| t < l);
        if fits {
            let hash = entry["hash"].as_str().unwrap_or_default();
            let party = entry["party"].as_str().unwrap_or_default();
            list.push(captured_event(view, party, hash)?);
        }
    }
    if next.is_none() && from + (entries.len() as u64) < total {
        next = Some(from + entries.len() as u64);
    }
    let mut doc = json!({
        "@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",
                     {"publica": "urn:publica:epcis:"}],
        "type": "EPCISQueryDocument",
        "schemaVersion": "2.0",
        "creationDate": crate::hash::format_time(view.now_ms()),
        "epcisBody": {"queryResults": {"queryName": "SimpleEventQuery",
                      "resultsBody": {"eventList": list}}},
    });
    if let Some(n) = next {
        doc["publica:nextPageToken"] = Value::String(n.to_string());
    }
    Ok(Reply::json(doc))
}

/// The event `party` captured whose hash is `hash`, as captured, with its
/// recordTime and its ledger receipt.
fn captured_event(view: &dyn ReadView, party: &str, hash: &str) -> Result<Value, ReadError> {
    let hex =
        crate::hash::hex_of_id(hash).ok_or_else(|| ReadError::internal("bad hash in index"))?;
    let record: EventRecord = view
        .state()
        .get(&event_key(party, hex))
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or_else(|| ReadError::internal("an indexed event is missing from state"))?;
    let mut event = record.event;
    if let Some(o) = event.as_object_mut() {
        o.entry("recordTime")
            .or_insert_with(|| Value::String(crate::hash::format_time(record.record_ms)));
        o.insert(
            "publica:receipt".into(),
            json!({"eventHash": record.hash, "party": record.party, "height": record.height,
                   "txId": record.tx_id,
                   "receipt": record.tx_id.map(|t| format!("/v1/transactions/{}", t.to_hex()))}),
        );
    }
    Ok(event)
}

fn recall(view: &dyn ReadView, req: &RouteRequest) -> Result<Reply, ReadError> {
    let id = req.path("id");
    if !valid_id(id) {
        return Err(ReadError::bad_param("a recall id is 1..=64 of [a-z0-9_-]"));
    }
    let from = req.number("from", 0, 0..=u64::MAX)?;
    let limit = req.number("limit", 200, 1..=1_000)?;
    let r = queries::read_recall(view.state(), id)
        .ok_or_else(|| ReadError::not_found(codes::UNKNOWN_RECALL, format!("no recall '{id}'")))?;
    let (total, entries) = view.indexed(&format!("medicines/gtin/{}", r.gtin), from, limit)?;
    let mut packs = Vec::new();
    let mut by_custodian = serde_json::Map::new();
    for e in &entries {
        let lot = e["lot"].as_str();
        if r.lot.is_some() && lot != r.lot.as_deref() {
            continue;
        }
        let key = e["key"].as_str().unwrap_or_default();
        let Some(items) = queries::item_and_containers(view.state(), key) else {
            continue;
        };
        let (item, top) = (&items[0].1, &items[items.len() - 1].1);
        let status = if item.status.is_final() {
            &item.status
        } else {
            &top.status
        };
        let custodian = queries::custodian(&items);
        let count = by_custodian.entry(custodian.clone()).or_insert(json!(0));
        *count = json!(count.as_u64().unwrap_or(0) + 1);
        packs
            .push(json!({"key": key, "lot": lot, "custodian": custodian, "status": status.name()}));
    }
    let next = from + entries.len() as u64;
    Ok(Reply::json(json!({
        "recall": r, "from": from, "next": (next < total).then_some(next),
        "total_commissioned": total, "packs": packs, "by_custodian": by_custodian,
    })))
}

fn party(view: &dyn ReadView, req: &RouteRequest) -> Result<Reply, ReadError> {
    let id = req.path("id");
    if !valid_id(id) {
        return Err(ReadError::bad_param("a party id is 1..=64 of [a-z0-9_-]"));
    }
    read_party(view.state(), id)
        .map(Reply::json)
        .ok_or_else(|| ReadError::not_found(codes::UNKNOWN_PARTY, format!("no party '{id}'")))
}

fn identify(view: &dyn ReadView, req: &RouteRequest) -> Result<Reply, ReadError> {
    let uri = req
        .query("uri")
        .ok_or_else(|| ReadError::bad_param("give uri: an EPC URI or a GS1 Digital Link"))?;
    let id = gs1::parse(uri)
        .map_err(|e| ReadError::new(400, codes::UNSUPPORTED_IDENTIFIER, e.to_string()))?;
    let scheme = match id {
        gs1::Id::Sgtin { .. } => "sgtin",
        gs1::Id::Lgtin { .. } => "lgtin",
        gs1::Id::Sscc { .. } => "sscc",
        gs1::Id::Sgln { .. } => "sgln",
    };
    let owner = owner_of(view.state(), &id).map(|p| {
        json!({"party": p.id, "name": p.name, "kind": p.kind, "licensed": p.licensed_at(view.now_ms())})
    });
    Ok(Reply::json(json!({
        "key": id.key(), "digital_link": id.digital_link(), "scheme": scheme, "owner": owner,
    })))
}
