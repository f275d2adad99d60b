//! Identity routes: DID resolution, agencies, members, proposals, genesis.

use crate::error::{ApiError, ErrorBody};
use crate::server::AppState;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use publica_identity::did::{self, DidError};
use publica_identity::queries;
use publica_types::codes;
use serde::Deserialize;
use serde_json::json;
use utoipa::IntoParams;

/// Resolves `did:publica:<account hex | agency id>` (W3C DID-resolution result).
#[utoipa::path(get, path = "/v1/identity/did/{did}", tag = "identity",
    params(("did" = String, Path, description = "e.g. did:publica:<64 hex> or did:publica:<agency id>")),
    responses(
        (status = 200, description = "DID-resolution result `{didDocument, didResolutionMetadata, didDocumentMetadata}`", body = Object),
        (status = 400, description = "Not a did:publica identifier (`didResolutionMetadata.error = invalidDid`)", body = Object),
        (status = 404, description = "No such account or agency (`notFound`)", body = Object)))]
pub async fn resolve_did(State(state): State<AppState>, Path(d): Path<String>) -> Response {
    if d.len() > 200 {
        return error_result(DidError::InvalidDid);
    }
    match state.node.with_state(|s, _| did::resolve(s, &d)) {
        Ok(v) => (
            [(
                header::CONTENT_TYPE,
                "application/ld+json;profile=\"https://w3id.org/did-resolution\"",
            )],
            Json(v),
        )
            .into_response(),
        Err(e) => error_result(e),
    }
}

fn error_result(e: DidError) -> Response {
    let status = match e {
        DidError::InvalidDid => StatusCode::BAD_REQUEST,
        DidError::NotFound => StatusCode::NOT_FOUND,
    };
    (
        status,
        Json(json!({
            "@context": "https://w3id.org/did-resolution/v1",
            "didDocument": null,
            "didResolutionMetadata": { "error": e.code() },
            "didDocumentMetadata": {},
        })),
    )
        .into_response()
}

/// List limits.
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// At most this many (1..=1000, default 100).
    pub limit: Option<usize>,
    /// Proposals only: `pending`, `executed` or `expired`.
    pub status: Option<String>,
}

fn limit(q: &ListQuery) -> Result<usize, ApiError> {
    match q.limit.unwrap_or(100) {
        n @ 1..=1000 => Ok(n),
        _ => Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            codes::REQUEST_INVALID_PARAM,
            "limit must be 1..=1000",
        )),
    }
}

type QueryResult = Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>;

fn list_query(q: QueryResult) -> Result<ListQuery, ApiError> {
    crate::error::query_params(q, codes::REQUEST_INVALID_PARAM)
}

/// Every agency.
#[utoipa::path(get, path = "/v1/identity/agencies", tag = "identity", params(ListQuery),
    responses((status = 200, description = "`{agencies: [{id, name, created_height, policy_threshold, administrators}]}`", body = Object), (status = 400, description = "Bad limit", body = ErrorBody)))]
pub async fn agencies(State(state): State<AppState>, q: QueryResult) -> Result<Response, ApiError> {
    let n = limit(&list_query(q)?)?;
    let list = state.node.with_state(|s, _| queries::agencies(s, n));
    Ok(Json(json!({ "agencies": list })).into_response())
}

/// An agency's members and their roles.
#[utoipa::path(get, path = "/v1/identity/agencies/{agency}/members", tag = "identity",
    params(("agency" = String, Path, description = "Agency id"), ListQuery),
    responses((status = 200, description = "`{agency, members: [{account, roles, since_height}]}`", body = Object), (status = 404, description = "No such agency", body = ErrorBody)))]
pub async fn members(
    State(state): State<AppState>,
    Path(agency): Path<String>,
    q: QueryResult,
) -> Result<Response, ApiError> {
    let n = limit(&list_query(q)?)?;
    let found = state.node.with_state(|s, _| {
        s.get(&publica_runtime::authz::agency_key(&agency))
            .is_some()
            .then(|| queries::members(s, &agency, n))
    });
    let list = found.ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            codes::AUTH_UNKNOWN_AGENCY,
            format!("there is no agency '{agency}'"),
        )
    })?;
    Ok(Json(json!({ "agency": agency, "members": list })).into_response())
}

/// Proposals and their approvals.
#[utoipa::path(get, path = "/v1/identity/proposals", tag = "identity", params(ListQuery),
    responses((status = 200, description = "`{proposals: [...]}` with every approval", body = Object), (status = 400, description = "Bad status or limit", body = ErrorBody)))]
pub async fn proposals(
    State(state): State<AppState>,
    q: QueryResult,
) -> Result<Response, ApiError> {
    let q = list_query(q)?;
    let n = limit(&q)?;
    if let Some(s) = q.status.as_deref() {
        if !["pending", "executed", "expired"].contains(&s) {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                codes::REQUEST_INVALID_PARAM,
                "status is pending, executed or expired",
            ));
        }
    }
    let list = state
        .node
        .with_state(|s, h| queries::proposals(s, q.status.as_deref(), h, n));
    Ok(Json(json!({ "proposals": list })).into_response())
}

/// The chain's genesis file.
#[utoipa::path(get, path = "/v1/genesis", tag = "chain", responses((status = 200, description = "The genesis (docs/genesis.md)", body = Object)))]
pub async fn genesis(State(state): State<AppState>) -> Result<Response, ApiError> {
    let g = state
        .node
        .genesis()
        .ok_or_else(|| ApiError::internal("the data directory has no readable genesis"))?;
    Ok(Json(g).into_response())
}
