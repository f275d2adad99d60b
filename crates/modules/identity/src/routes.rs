//! The identity module's read API: DID resolution, agencies, their
//! members, and multi-signature proposals.

use crate::did::{self, DidError};
use crate::queries;
use publica_runtime::routes::{
    Param, ReadError, ReadView, Reply, Route, RouteRequest, Verb, Weight,
};
use publica_types::codes;
use serde_json::{json, Value};

/// A member's latest role changes read for the report of who holds what
/// since when.
const ROLE_CHANGES_READ: u64 = 256;

const LIMIT: Param = Param::query("limit", "At most this many (1..=1000, default 100)");

/// The routes, in the order the OpenAPI document lists them.
pub const ROUTES: &[Route] = &[
    Route {
        name: "did",
        verb: Verb::Get,
        path: "/v1/identity/did/{did}",
        summary: "Resolves `did:publica:<account hex | agency id>` (a W3C DID-resolution result).",
        params: &[Param::path(
            "did",
            "e.g. did:publica:<64 hex> or did:publica:<agency id>",
        )],
        body: None,
        answer: "DID-resolution result `{didDocument, didResolutionMetadata, didDocumentMetadata}`",
        schema: r#"{
          "type": "object",
          "description": "A W3C DID-resolution result.",
          "required": [
            "@context",
            "didDocument",
            "didResolutionMetadata",
            "didDocumentMetadata"
          ],
          "properties": {
            "@context": {
              "type": "string"
            },
            "didDocument": {
              "type": [
                "object",
                "null"
              ],
              "required": [
                "id",
                "verificationMethod"
              ],
              "properties": {
                "id": {
                  "type": "string"
                },
                "controller": {
                  "type": "array",
                  "items": {
                    "type": "string"
                  }
                },
                "verificationMethod": {
                  "type": "array",
                  "items": {
                    "type": "object",
                    "required": [
                      "id",
                      "type",
                      "controller",
                      "publicKeyMultibase"
                    ],
                    "properties": {
                      "id": {
                        "type": "string"
                      },
                      "type": {
                        "const": "Multikey"
                      },
                      "controller": {
                        "type": "string"
                      },
                      "publicKeyMultibase": {
                        "type": "string",
                        "pattern": "^z"
                      }
                    }
                  }
                }
              }
            },
            "didResolutionMetadata": {
              "type": "object"
            },
            "didDocumentMetadata": {
              "type": "object"
            }
          }
        }"#,
        errors: &[
            (
                400,
                "Not a did:publica identifier (`didResolutionMetadata.error = invalidDid`)",
            ),
            (404, "No such account or agency (`notFound`)"),
        ],
        weight: Weight::Light,
        handler: resolve_did,
    },
    Route {
        name: "agencies",
        verb: Verb::Get,
        path: "/v1/identity/agencies",
        summary: "Every agency.",
        params: &[LIMIT],
        body: None,
        answer: "`{agencies: [{id, name, created_height, policy_threshold, administrators}]}`",
        schema: r#"{
          "type": "object",
          "required": [
            "agencies"
          ],
          "properties": {
            "agencies": {
              "type": "array",
              "items": {
                "type": "object",
                "required": [
                  "id",
                  "name",
                  "created_height",
                  "policy_threshold",
                  "administrators"
                ],
                "properties": {
                  "id": {
                    "type": "string"
                  },
                  "name": {
                    "type": "string"
                  },
                  "created_height": {
                    "type": "integer",
                    "minimum": 0
                  },
                  "policy_threshold": {
                    "type": "integer",
                    "minimum": 1
                  },
                  "administrators": {
                    "type": "integer",
                    "minimum": 0,
                    "description": "How many administrators it has."
                  }
                }
              }
            }
          }
        }"#,
        errors: &[(400, "Bad limit")],
        weight: Weight::Light,
        handler: agencies,
    },
    Route {
        name: "members",
        verb: Verb::Get,
        path: "/v1/identity/agencies/{agency}/members",
        summary: "An agency's members and their roles.",
        params: &[Param::path("agency", "Agency id"), LIMIT],
        body: None,
        answer: "`{agency, members: [{account, roles, since_height, granted: {role: height}}]}`",
        schema: r##"{
          "type": "object",
          "required": [
            "agency",
            "members"
          ],
          "properties": {
            "agency": {
              "type": "string"
            },
            "members": {
              "type": "array",
              "items": {
                "type": "object",
                "required": [
                  "account",
                  "roles",
                  "since_height",
                  "granted"
                ],
                "properties": {
                  "account": {
                    "$ref": "#/components/schemas/Hex32"
                  },
                  "roles": {
                    "type": "array",
                    "items": {
                      "type": "string"
                    }
                  },
                  "since_height": {
                    "type": "integer",
                    "minimum": 0
                  },
                  "granted": {
                    "type": "object",
                    "description": "The height from which each role has been held",
                    "additionalProperties": {"type": "integer", "minimum": 0}
                  }
                }
              }
            }
          }
        }"##,
        errors: &[(400, "Bad limit"), (404, "No such agency")],
        weight: Weight::Light,
        handler: members,
    },
    Route {
        name: "proposals",
        verb: Verb::Get,
        path: "/v1/identity/proposals",
        summary: "Multi-signature proposals and their approvals.",
        params: &[
            LIMIT,
            Param::query("status", "Only `pending`, `executed` or `expired` ones"),
        ],
        body: None,
        answer: "`{proposals: [...]}` with every approval",
        schema: r#"{
          "type": "object",
          "required": [
            "proposals"
          ],
          "properties": {
            "proposals": {
              "type": "array",
              "items": {
                "type": "object"
              }
            }
          }
        }"#,
        errors: &[(400, "Bad status or limit")],
        weight: Weight::Light,
        handler: proposals,
    },
];

/// Longest DID resolved.
const DID_BYTES_MAX: usize = 200;

fn resolve_did(view: &dyn ReadView, req: &RouteRequest) -> Result<Reply, ReadError> {
    let d = req.path("did");
    let resolved = if d.len() > DID_BYTES_MAX {
        Err(DidError::InvalidDid)
    } else {
        did::resolve(view.state(), d)
    };
    Ok(match resolved {
        Ok(v) => Reply::typed_json(
            200,
            "application/ld+json;profile=\"https://w3id.org/did-resolution\"",
            v,
        ),
        Err(e) => {
            let status = match e {
                DidError::InvalidDid => 400,
                DidError::NotFound => 404,
            };
            Reply::typed_json(
                status,
                "application/json",
                json!({
                    "@context": "https://w3id.org/did-resolution/v1",
                    "didDocument": null,
                    "didResolutionMetadata": { "error": e.code() },
                    "didDocumentMetadata": {},
                }),
            )
        }
    })
}

fn limit(req: &RouteRequest) -> Result<usize, ReadError> {
    req.number("limit", 100, 1..=1000)
}

fn agencies(view: &dyn ReadView, req: &RouteRequest) -> Result<Reply, ReadError> {
    let list = queries::agencies(view.state(), limit(req)?);
    Ok(Reply::json(json!({ "agencies": list })))
}

fn members(view: &dyn ReadView, req: &RouteRequest) -> Result<Reply, ReadError> {
    let n = limit(req)?;
    let agency = req.path("agency");
    if view
        .state()
        .get(&publica_runtime::authz::agency_key(agency))
        .is_none()
    {
        return Err(ReadError::not_found(
            codes::AUTH_UNKNOWN_AGENCY,
            format!("there is no agency '{agency}'"),
        ));
    }
    let mut list = queries::members(view.state(), agency, n);
    for m in &mut list {
        let Some(account) = m["account"].as_str().and_then(|a| a.parse().ok()) else {
            continue;
        };
        let key = format!("identity/{}", queries::role_changes_key(agency, &account));
        let (total, _) = view.indexed(&key, 0, 0)?;
        let (_, changes) = view.indexed(
            &key,
            total.saturating_sub(ROLE_CHANGES_READ),
            ROLE_CHANGES_READ as usize,
        )?;
        let since = m["since_height"].as_u64().unwrap_or(0);
        let roles = m["roles"].as_array().cloned().unwrap_or_default();
        m["granted"] = Value::Object(queries::granted_heights(&roles, &changes, since));
    }
    Ok(Reply::json(json!({ "agency": agency, "members": list })))
}

fn proposals(view: &dyn ReadView, req: &RouteRequest) -> Result<Reply, ReadError> {
    let n = limit(req)?;
    let status = req.query("status");
    if status.is_some_and(|s| !["pending", "executed", "expired"].contains(&s)) {
        return Err(ReadError::bad_param(
            "status is pending, executed or expired",
        ));
    }
    let list = queries::proposals(view.state(), status, view.height(), n);
    Ok(Reply::json(json!({ "proposals": list })))
}
