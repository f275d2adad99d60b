//! The credentials module's read API: accreditations, status lists (whole,
//! as a status list credential, or one entry with its state proof) and
//! verification of a credential.

use crate::model::{page_key, valid_id};
use crate::{codes, queries, status, verify};
use publica_runtime::routes::{
    Param, ReadError, ReadView, Reply, Route, RouteRequest, Verb, Weight,
};
use serde_json::json;

const INSTITUTION: Param = Param::path("institution", "Institution (agency id)");
const LIST: Param = Param::path("list", "Status list id (1..=64 of [a-z0-9_-])");

/// The schema of a verification report: `$checks` the check names (a JSON
/// array), `$extra` more properties (JSON members after a comma, or "").
macro_rules! report_schema {
    ($checks:literal, $extra:literal) => {
        concat!(
            r#"{"type": "object", "required": ["verified", "checks"], "properties": {
              "verified": {"type": "boolean"},
              "checks": {"type": "array", "items": {"type": "object",
                "required": ["check", "ok", "message"], "additionalProperties": false,
                "properties": {"check": {"enum": "#,
            $checks,
            r#"}, "ok": {"type": "boolean"}, "code": {"type": "string"}, "message": {"type": "string"}}}},
              "institution": {"type": "string"},
              "kind": {"enum": ["degree", "transcript", "professional_licence", "enrolment"]}"#,
            $extra,
            "}}"
        )
    };
}

/// The routes, in the order the OpenAPI document lists them.
pub const ROUTES: &[Route] = &[
    Route {
        name: "accreditation",
        verb: Verb::Get,
        path: "/v1/credentials/accreditations/{accreditor}/{institution}",
        summary: "An institution's accreditation by an accreditor (kinds, dates, standing, the intervals it was in force) and the change waiting for approval, if any.",
        params: &[Param::path("accreditor", "Accrediting agency id"), INSTITUTION],
        body: None,
        answer: "`{accreditation, pending}` (either may be null)",
        schema: r##"{
          "type": "object",
          "required": ["accreditation", "pending"],
          "properties": {
            "accreditation": {
              "type": ["object", "null"],
              "required": ["accreditor", "institution", "kinds", "from_ms", "until_ms", "standing", "intervals", "changes", "height"],
              "properties": {
                "accreditor": {"type": "string"},
                "institution": {"type": "string"},
                "kinds": {"type": "array", "items": {"enum": ["degree", "transcript", "professional_licence", "enrolment"]}},
                "from_ms": {"type": "integer", "minimum": 0},
                "until_ms": {"type": "integer", "minimum": 0},
                "standing": {"type": "object", "required": ["state"], "properties": {"state": {"enum": ["active", "suspended", "withdrawn"]}, "reason": {"type": "string"}, "since_ms": {"type": "integer"}}},
                "intervals": {"type": "array", "items": {"type": "object", "required": ["kinds", "from_ms", "until_ms"]}},
                "changes": {"type": "integer", "minimum": 0},
                "height": {"type": "integer", "minimum": 0}
              }
            },
            "pending": {
              "type": ["object", "null"],
              "required": ["change", "hash", "proposed_by", "approvals", "height"],
              "properties": {
                "change": {"type": "object", "required": ["change"]},
                "hash": {"$ref": "#/components/schemas/Hex32"},
                "proposed_by": {"$ref": "#/components/schemas/Hex32"},
                "approvals": {"type": "array", "items": {"$ref": "#/components/schemas/Hex32"}},
                "height": {"type": "integer", "minimum": 0}
              }
            }
          }
        }"##,
        errors: &[(400, "Malformed id"), (404, "No such accreditation")],
        weight: Weight::Light,
        handler: accreditation,
    },
    Route {
        name: "status-list",
        verb: Verb::Get,
        path: "/v1/credentials/status/{institution}/{list}",
        summary: "A status list as a W3C BitstringStatusListCredential (encodedList: multibase base64url of the GZIP of the bitstring), rebuilt from the ledger's state; `publica` gives the height it was read at. Cacheable: `Cache-Control: public, max-age=60` and a weak `ETag` that changes only when a bit does (`If-None-Match` is answered 304).",
        params: &[INSTITUTION, LIST],
        body: None,
        answer: "A `BitstringStatusListCredential` with `publica: {height, size, set, changed_height}`",
        schema: r#"{
          "type": "object",
          "required": ["@context", "id", "type", "issuer", "credentialSubject", "publica"],
          "properties": {
            "@context": {"type": "array", "items": {"type": "string"}},
            "id": {"type": "string"},
            "type": {"type": "array", "items": {"type": "string"}},
            "issuer": {"type": "string"},
            "credentialSubject": {
              "type": "object",
              "required": ["id", "type", "statusPurpose", "encodedList"],
              "properties": {
                "type": {"const": "BitstringStatusList"},
                "statusPurpose": {"enum": ["revocation", "suspension"]},
                "encodedList": {"type": "string", "pattern": "^u[A-Za-z0-9_-]+$"}
              }
            },
            "publica": {
              "type": "object",
              "required": ["height", "size", "set", "changed_height"],
              "properties": {
                "height": {"type": "integer", "minimum": 0},
                "size": {"type": "integer", "minimum": 131072},
                "set": {"type": "integer", "minimum": 0},
                "changed_height": {"type": "integer", "minimum": 0}
              }
            }
          }
        }"#,
        errors: &[(400, "Malformed id"), (404, "No such list")],
        weight: Weight::Heavy,
        handler: status_list,
    },
    Route {
        name: "status-entry",
        verb: Verb::Get,
        path: "/v1/credentials/status/{institution}/{list}/{index}",
        summary: "One entry of a status list, with a state proof of the page holding it (4,096 entries, hex; absent means all clear).",
        params: &[INSTITUTION, LIST, Param::path("index", "Entry (0..size)")],
        body: None,
        answer: "`{institution, list, purpose, index, set, key, height, state_root, value_hex, proof}`",
        schema: r##"{
          "type": "object",
          "required": ["institution", "list", "purpose", "index", "set", "key", "height", "state_root", "value_hex", "proof"],
          "properties": {
            "institution": {"type": "string"},
            "list": {"type": "string"},
            "purpose": {"enum": ["revocation", "suspension"]},
            "index": {"type": "integer", "minimum": 0},
            "set": {"type": "boolean"},
            "key": {"type": "string"},
            "height": {"type": "integer", "minimum": 0},
            "state_root": {"$ref": "#/components/schemas/Hex32"},
            "value_hex": {"type": "string", "pattern": "^([0-9a-f]{2})*$"},
            "proof": {"$ref": "#/components/schemas/StateProof"}
          }
        }"##,
        errors: &[(400, "Malformed id or index"), (404, "No such list")],
        weight: Weight::Light,
        handler: status_entry,
    },
    Route {
        name: "recognition",
        verb: Verb::Get,
        path: "/v1/credentials/recognitions/{institution}/{hash}",
        summary: "An institution's recognition of another's credential (credits accepted), named by the credential's hash (`credentials.credential_hash`: SHA-256 of its RFC 8785 form, or of its canonical N-Quads for eddsa-rdfc-2022), with a state proof.",
        params: &[INSTITUTION, Param::path("hash", "The credential's hash (64 hex; see the summary)")],
        body: None,
        answer: "`{recognition, key, height, state_root, value_hex, proof}`",
        schema: r##"{
          "type": "object",
          "required": ["recognition", "key", "height", "state_root", "value_hex", "proof"],
          "properties": {
            "recognition": {
              "type": "object",
              "required": ["institution", "credential_hash", "issuer", "kind", "credits_accepted", "programme", "by", "height"],
              "properties": {
                "credential_hash": {"$ref": "#/components/schemas/Hex32"},
                "kind": {"enum": ["degree", "transcript", "professional_licence", "enrolment"]},
                "credits_accepted": {"type": "integer", "minimum": 0, "maximum": 1000},
                "by": {"$ref": "#/components/schemas/Hex32"}
              }
            },
            "key": {"type": "string"},
            "height": {"type": "integer", "minimum": 0},
            "state_root": {"$ref": "#/components/schemas/Hex32"},
            "value_hex": {"type": "string", "pattern": "^([0-9a-f]{2})*$"},
            "proof": {"$ref": "#/components/schemas/StateProof"}
          }
        }"##,
        errors: &[(400, "Malformed id or hash"), (404, "No such recognition")],
        weight: Weight::Light,
        handler: recognition,
    },
    Route {
        name: "verify",
        verb: Verb::Post,
        path: "/v1/credentials/verify",
        summary: "Verifies a credential against the ledger: its eddsa-jcs-2022 or eddsa-rdfc-2022 proof, contexts, issuer, accreditation on its date, validity dates and status; each check named, each failure with its code.",
        params: &[Param::query("accreditor", "The accrediting agency trusted (required)")],
        body: Some("The credential (JSON, at most 64 KiB)"),
        answer: "`{verified, checks: [{check, ok, code?, message}], institution?, kind?}`",
        schema: report_schema!(
            r#"["proof", "context", "issuer", "accreditation", "validity", "status"]"#,
            ""
        ),
        errors: &[(400, "Not JSON, or no accreditor")],
        weight: Weight::Light,
        handler: verify_route,
    },
    Route {
        name: "verify-presentation",
        verb: Verb::Post,
        path: "/v1/credentials/verify-presentation",
        summary: "Verifies an SD-JWT VC presentation for an audience and nonce: the issuer's EdDSA signature and the disclosures, the holder's key binding, the issuer, accreditation on its iat, validity; answers the claims shown (clear and disclosed) when verified.",
        params: &[Param::query("accreditor", "The accrediting agency trusted (required)")],
        body: Some("`{presentation, aud, nonce}`: the presentation (compact, `<JWS>~<disclosures>~<key binding JWT>`), the audience and the nonce the verifier gave the holder"),
        answer: "`{verified, checks: [{check, ok, code?, message}], institution?, kind?, claims?}`",
        schema: report_schema!(
            r#"["proof", "key_binding", "issuer", "accreditation", "validity"]"#,
            r#", "claims": {"type": "object"}"#
        ),
        errors: &[(400, "Not JSON, no accreditor, or no presentation, aud or nonce")],
        weight: Weight::Light,
        handler: verify_presentation,
    },
    Route {
        name: "snapshot",
        verb: Verb::Post,
        path: "/v1/credentials/snapshot",
        summary: "What a verifier needs to check a credential offline: every ledger value its verification reads (the signer's key and issuer role, the accreditation, the status list and pages), each with its state proof, under a state note of the block's state root signed with the node's log key.",
        params: &[Param::query("accreditor", "The accrediting agency trusted (required)")],
        body: Some("The credential (JSON, at most 64 KiB)"),
        answer: "`{state_note, accreditor, entries: [{key, value_hex, proof}]}`",
        schema: r#"{
          "type": "object",
          "required": ["state_note", "accreditor", "entries"],
          "additionalProperties": false,
          "properties": {
            "state_note": {"type": "string"},
            "accreditor": {"type": "string"},
            "entries": {"type": "array", "maxItems": 64, "items": {"type": "object",
              "required": ["key", "value_hex", "proof"], "additionalProperties": false,
              "properties": {"key": {"type": "string"}, "value_hex": {"type": ["string", "null"]},
                "proof": {"type": "object", "required": ["siblings", "terminal"]}}}}
          }
        }"#,
        errors: &[(400, "Not JSON, no accreditor, or a credential whose verification reads more than 64 ledger values")],
        weight: Weight::Light,
        handler: snapshot_route,
    },
    Route {
        name: "did-web",
        verb: Verb::Get,
        path: "/v1/credentials/did-web/{domain}",
        summary: "The did:web document of an institution's registered domain (what https://<domain>/.well-known/did.json serves when the institution's web server forwards it here): its issuers' current keys as Multikeys, for assertionMethod.",
        params: &[Param::path("domain", "The domain (university.example)")],
        body: None,
        answer: "A DID document `{@context, id, alsoKnownAs, verificationMethod, assertionMethod}`",
        schema: r#"{
          "type": "object",
          "required": ["@context", "id", "alsoKnownAs", "verificationMethod", "assertionMethod"],
          "properties": {
            "id": {"type": "string", "pattern": "^did:web:"},
            "alsoKnownAs": {"type": "array", "items": {"type": "string"}},
            "verificationMethod": {"type": "array", "items": {"type": "object",
              "required": ["id", "type", "controller", "publicKeyMultibase"],
              "properties": {"type": {"const": "Multikey"}, "publicKeyMultibase": {"type": "string", "pattern": "^z6Mk"}}}},
            "assertionMethod": {"type": "array", "items": {"type": "string"}}
          }
        }"#,
        errors: &[(400, "Not a domain"), (404, "No institution registered the domain")],
        weight: Weight::Heavy,
        handler: did_web,
    },
    Route {
        name: "contexts",
        verb: Verb::Get,
        path: "/v1/credentials/contexts",
        summary: "The JSON-LD contexts this verifier holds (files of the repository, never fetched), for other verifiers of eddsa-rdfc-2022 credentials to load once: VC 2.0's and Publica's.",
        params: &[],
        body: None,
        answer: "`{contexts: [{url, document}]}`",
        schema: r#"{
          "type": "object",
          "required": ["contexts"],
          "properties": {
            "contexts": {"type": "array", "items": {"type": "object", "required": ["url", "document"],
              "properties": {"url": {"type": "string"}, "document": {"type": "object", "required": ["@context"]}}}}
          }
        }"#,
        errors: &[],
        weight: Weight::Light,
        handler: contexts_route,
    },
];

fn snapshot_route(view: &dyn ReadView, req: &RouteRequest) -> Result<Reply, ReadError> {
    let accreditor = accreditor(req)?;
    let credential: serde_json::Value = req.body("a credential")?;
    Ok(Reply::json(crate::offline::snapshot(
        view,
        &credential,
        accreditor,
    )?))
}

fn did_web(view: &dyn ReadView, req: &RouteRequest) -> Result<Reply, ReadError> {
    let domain = req.path("domain");
    if !crate::model::valid_domain(domain) {
        return Err(ReadError::bad_param(
            "a domain is a lowercase host name (university.example)",
        ));
    }
    queries::did_web_document(view.state(), domain)
        .map(Reply::json)
        .ok_or_else(|| {
            ReadError::not_found(
                codes::UNKNOWN_DOMAIN,
                format!("no institution registered {domain}"),
            )
        })
}

fn contexts_route(_view: &dyn ReadView, _req: &RouteRequest) -> Result<Reply, ReadError> {
    let list: Vec<serde_json::Value> = crate::contexts::all()
        .iter()
        .map(|(url, doc)| json!({"url": url, "document": doc}))
        .collect();
    Ok(Reply::json(json!({ "contexts": list })))
}

/// The body of `POST /v1/credentials/verify-presentation`.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct PresentationRequest {
    presentation: String,
    aud: String,
    nonce: String,
}

fn verify_presentation(view: &dyn ReadView, req: &RouteRequest) -> Result<Reply, ReadError> {
    let accreditor = accreditor(req)?;
    let r: PresentationRequest = req.body("{presentation, aud, nonce}")?;
    if r.aud.is_empty() || r.nonce.is_empty() || r.aud.len() > 200 || r.nonce.len() > 200 {
        return Err(ReadError::bad_param("aud and nonce are 1..=200 characters"));
    }
    let report = verify::presentation(
        view.state(),
        view.now_ms(),
        &r.presentation,
        accreditor,
        &r.aud,
        &r.nonce,
    );
    Ok(Reply::json(
        serde_json::to_value(report).map_err(ReadError::internal)?,
    ))
}

fn ids(view_ids: &[(&str, &str)]) -> Result<(), ReadError> {
    for (what, id) in view_ids {
        if !valid_id(id) {
            return Err(ReadError::bad_param(format!(
                "{what} is 1..=64 of [a-z0-9_-]"
            )));
        }
    }
    Ok(())
}

fn accreditation(view: &dyn ReadView, req: &RouteRequest) -> Result<Reply, ReadError> {
    let (acc, inst) = (req.path("accreditor"), req.path("institution"));
    ids(&[("accreditor", acc), ("institution", inst)])?;
    queries::accreditation(view.state(), acc, inst)
        .map(Reply::json)
        .ok_or_else(|| {
            ReadError::not_found(
                codes::UNKNOWN_ACCREDITATION,
                format!("'{acc}' never accredited '{inst}'"),
            )
        })
}

fn recognition(view: &dyn ReadView, req: &RouteRequest) -> Result<Reply, ReadError> {
    let (inst, hash) = (req.path("institution"), req.path("hash"));
    ids(&[("institution", inst)])?;
    if hash.len() != 64
        || !hash
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    {
        return Err(ReadError::bad_param("hash is 64 lowercase hex characters"));
    }
    let key = crate::model::recognition_key(inst, hash);
    let ans = view.prove(&key);
    let value = ans.value.as_ref().ok_or_else(|| {
        ReadError::not_found(
            codes::UNKNOWN_RECOGNITION,
            format!("'{inst}' recorded no recognition of {hash}"),
        )
    })?;
    let rec: serde_json::Value = serde_json::from_slice(value).map_err(ReadError::internal)?;
    Ok(Reply::json(json!({
        "recognition": rec, "key": String::from_utf8_lossy(&key), "height": ans.height,
        "state_root": ans.state_root, "value_hex": hex::encode(value), "proof": ans.proof,
    })))
}

fn no_list(inst: &str, list: &str) -> ReadError {
    ReadError::not_found(
        codes::UNKNOWN_LIST,
        format!("'{inst}' has no status list '{list}'"),
    )
}

/// The status list the path names.
fn path_list(
    view: &dyn ReadView,
    req: &RouteRequest,
) -> Result<crate::model::StatusList, ReadError> {
    let (inst, id) = (req.path("institution"), req.path("list"));
    ids(&[("institution", inst), ("list", id)])?;
    queries::list(view.state(), inst, id).ok_or_else(|| no_list(inst, id))
}

/// How long a cache may serve a status list, in seconds (also its `ttl`).
pub const STATUS_LIST_MAX_AGE_S: u32 = 60;

fn status_list(view: &dyn ReadView, req: &RouteRequest) -> Result<Reply, ReadError> {
    let l = path_list(view, req)?;
    // The list means the same until its bits change: validated by the
    // height of their last change.
    let tag = format!("{}/{}/{}", l.institution, l.id, l.changed_height);
    Ok(
        Reply::json(queries::list_credential(view.state(), &l, view.height()))
            .cacheable(tag, STATUS_LIST_MAX_AGE_S),
    )
}

fn status_entry(view: &dyn ReadView, req: &RouteRequest) -> Result<Reply, ReadError> {
    let l = path_list(view, req)?;
    let (inst, id) = (l.institution.as_str(), l.id.as_str());
    let index: u64 = req
        .path("index")
        .parse()
        .ok()
        .filter(|i| *i < l.size)
        .ok_or_else(|| ReadError::bad_param(format!("index is 0..{}", l.size)))?;
    let (page, _, _) = status::locate(index);
    let key = page_key(inst, id, page);
    let ans = view.prove(&key);
    let set = status::bit(&l, index, &|k| {
        view.state().get(k).map(std::borrow::Cow::into_owned)
    });
    Ok(Reply::json(json!({
        "institution": inst, "list": id, "purpose": l.purpose, "index": index, "set": set,
        "key": String::from_utf8_lossy(&key), "height": ans.height, "state_root": ans.state_root,
        "value_hex": hex::encode(ans.value.unwrap_or_default()), "proof": ans.proof,
    })))
}

/// The `accreditor` query parameter: required, an agency id.
fn accreditor(req: &RouteRequest) -> Result<&str, ReadError> {
    req.query("accreditor")
        .filter(|a| valid_id(a))
        .ok_or_else(|| ReadError::bad_param("give accreditor: the accrediting agency you trust"))
}

fn verify_route(view: &dyn ReadView, req: &RouteRequest) -> Result<Reply, ReadError> {
    let accreditor = accreditor(req)?;
    let credential: serde_json::Value = req.body("a credential")?;
    let report = verify::credential(view.state(), view.now_ms(), &credential, accreditor);
    Ok(Reply::json(
        serde_json::to_value(report).map_err(ReadError::internal)?,
    ))
}
