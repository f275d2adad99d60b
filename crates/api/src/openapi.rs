//! The OpenAPI 3.1 document, generated from the handlers' annotations and
//! the modules' route declarations, with every JSON answer typed: the
//! node's own shapes are in `openapi/schemas.json` (JSON Schema 2020-12,
//! which OpenAPI 3.1 takes as it is), each module route's in its
//! declaration ([`publica_runtime::routes::Route::schema`]).

use crate::handlers;
use publica_runtime::routes::Verb;
use serde_json::{json, Value};
use utoipa::OpenApi;

/// Publica's HTTP API.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Publica node API",
        description = "Submit signed transactions, read receipts, blocks and state with proofs. Errors are `{code, message}` (docs/errors.md)."
    ),
    paths(
        handlers::submit_tx,
        handlers::submit_batch,
        handlers::get_tx,
        crate::records::store_key,
        crate::records::upload,
        crate::records::release_key,
        crate::records::copy,
        crate::citydata::upload,
        crate::citydata::open_content,
        crate::citydata::restricted_content,
        handlers::get_block,
        handlers::get_status,
        handlers::network,
        handlers::set_changes,
        crate::sync_routes::floor,
        crate::sync_routes::blocks,
        crate::sync_routes::snapshot,
        handlers::get_state,
        handlers::get_nonce,
        handlers::events,
        crate::log_routes::checkpoint,
        crate::log_routes::tile,
        crate::log_routes::log_info,
        crate::log_routes::witnessed,
        crate::log_routes::consistency,
        handlers::genesis,
        handlers::healthz,
        handlers::readyz,
        handlers::metrics,
    ),
    components(schemas(
        crate::error::ErrorBody,
        handlers::Accepted,
        handlers::BatchRequest,
        handlers::BatchItem,
        handlers::BatchResponse,
        handlers::OutcomeDetail
    ))
)]
pub struct ApiDoc;

/// The node's own answer shapes, by name.
const SCHEMAS: &str = include_str!("../openapi/schemas.json");

/// The schema of each of the node's own JSON answers: path, method,
/// status, schema name.
const ANSWERS: &[(&str, &str, &str, &str)] = &[
    ("/v1/transactions/{tx_id}", "get", "200", "Receipt"),
    ("/v1/transactions/{tx_id}", "get", "202", "PendingTx"),
    ("/v1/blocks/{height}", "get", "200", "Block"),
    ("/v1/status", "get", "200", "Status"),
    ("/v1/network", "get", "200", "NetworkStatus"),
    ("/v1/network/set-changes", "get", "200", "SetChanges"),
    ("/v1/sync/floor", "get", "200", "FloorFile"),
    ("/v1/sync/blocks", "get", "200", "BlockList"),
    ("/v1/state", "get", "200", "StateAnswer"),
    ("/v1/accounts/{account}/nonce", "get", "200", "Nonces"),
    ("/v1/log", "get", "200", "LogInfo"),
    ("/v1/log/witnessed", "get", "200", "Witnessed"),
    ("/v1/log/consistency", "get", "200", "Consistency"),
    ("/v1/genesis", "get", "200", "Genesis"),
    ("/v1/records/store", "get", "200", "RecordStoreKey"),
    ("/v1/records/store", "post", "202", "RecordStored"),
    ("/v1/records/release", "post", "200", "Release"),
    ("/v1/records/copy", "post", "200", "RecordCopied"),
    ("/v1/data-store", "post", "202", "DataStored"),
];

/// The document: the node's own routes and every registered module's, each
/// JSON answer with its schema.
pub fn document() -> Value {
    let mut api = ApiDoc::openapi();
    crate::module_routes::document(&mut api);
    let mut doc = serde_json::to_value(api).expect("the document is JSON");
    let own: serde_json::Map<String, Value> =
        serde_json::from_str(SCHEMAS).expect("openapi/schemas.json is a JSON object");
    doc["components"]["schemas"]
        .as_object_mut()
        .expect("the document has component schemas")
        .extend(own);
    for (path, method, status, name) in ANSWERS {
        let schema = json!({ "$ref": format!("#/components/schemas/{name}") });
        set_answer(&mut doc, path, method, status, schema);
    }
    for (module, routes) in crate::module_routes::registered() {
        for route in routes {
            let schema: Value = serde_json::from_str(route.schema).unwrap_or_else(|e| {
                panic!("{module} route {}: its schema is not JSON: {e}", route.path)
            });
            let method = match route.verb {
                Verb::Get => "get",
                Verb::Post => "post",
            };
            set_answer(&mut doc, route.path, method, "200", schema);
        }
    }
    doc
}

fn set_answer(doc: &mut Value, path: &str, method: &str, status: &str, schema: Value) {
    let media = doc
        .pointer_mut(&format!(
            "/paths/{}/{method}/responses/{status}/content/application~1json",
            path.replace('~', "~0").replace('/', "~1")
        ))
        .unwrap_or_else(|| panic!("{method} {path} has no JSON answer {status}"));
    media["schema"] = schema;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refs(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Object(m) => {
                if let Some(Value::String(r)) = m.get("$ref") {
                    out.push(r.clone());
                }
                m.values().for_each(|x| refs(x, out));
            }
            Value::Array(a) => a.iter().for_each(|x| refs(x, out)),
            _ => {}
        }
    }

    #[test]
    fn every_json_answer_is_typed_and_every_reference_resolves() {
        let doc = document();
        let mut untyped = Vec::new();
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, op) in item.as_object().unwrap() {
                for (status, answer) in op["responses"].as_object().unwrap() {
                    let Some(media) = answer.pointer("/content/application~1json") else {
                        continue;
                    };
                    let schema = &media["schema"];
                    let vague = schema.is_null()
                        || *schema == json!({})
                        || *schema == json!({ "type": "object" });
                    if status.starts_with('2') && vague {
                        untyped.push(format!("{method} {path} {status}"));
                    }
                }
            }
        }
        assert!(untyped.is_empty(), "answers without a schema: {untyped:?}");
        let mut all = Vec::new();
        refs(&doc, &mut all);
        for r in all {
            let name = r
                .strip_prefix("#/components/schemas/")
                .unwrap_or_else(|| panic!("a reference outside the schemas: {r}"));
            assert!(
                doc["components"]["schemas"].get(name).is_some(),
                "{r} names no schema"
            );
        }
    }
}
