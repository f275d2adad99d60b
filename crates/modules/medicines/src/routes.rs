//! The medicines module's read API: parties, and what an identifier names.

use crate::model::valid_id;
use crate::queries::{owner_of, read_party};
use crate::{codes, gs1};
use publica_runtime::routes::{
    Param, ReadError, ReadView, Reply, Route, RouteRequest, Verb, Weight,
};
use serde_json::json;

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
];

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
