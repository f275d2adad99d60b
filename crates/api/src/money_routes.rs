//! Money routes: accounts with state proofs, histories, provenance,
//! currency and appropriation totals.

use crate::error::{query_params, ApiError, ErrorBody};
use crate::server::AppState;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use publica_money::{model, queries};
use publica_types::codes;
use serde::Deserialize;
use serde_json::{json, Value};
use utoipa::IntoParams;

fn not_found(what: &str) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        publica_money::codes::UNKNOWN_ACCOUNT,
        format!("no {what}"),
    )
}

/// An account (balance, flags, earmark, provenance) with a proof against
/// the last block's state root.
#[utoipa::path(get, path = "/v1/money/accounts/{id}", tag = "money",
    params(("id" = String, Path, description = "Account id")),
    responses((status = 200, description = "`{account, key, height, state_root, value_hex, proof}`", body = Object), (status = 404, description = "No such account", body = ErrorBody)))]
pub async fn account(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    if !model::valid_id(&id) {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            codes::REQUEST_INVALID_PARAM,
            "an account id is 1..=64 of [a-z0-9._:-]",
        ));
    }
    let key = model::account_key(&id);
    let ans = state.node.state_proof(&key);
    let value = ans
        .value
        .as_ref()
        .ok_or_else(|| not_found(&format!("account '{id}'")))?;
    let account: Value = serde_json::from_slice(value).map_err(ApiError::internal)?;
    Ok(Json(json!({
        "account": account,
        "key": String::from_utf8_lossy(&key),
        "height": ans.height,
        "state_root": ans.state_root,
        "value_hex": hex::encode(value),
        "proof": ans.proof,
    }))
    .into_response())
}

/// Paging of a history.
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct Page {
    /// First entry (default 0).
    pub from: Option<u64>,
    /// Entries (1..=500, default 100).
    pub limit: Option<usize>,
}

/// An account's history, oldest first: one entry per movement, numbered
/// `n` from 0, with the block `height` and the `tx_id` whose receipt
/// proves it (absent for the ledger's own scheduled work).
#[utoipa::path(get, path = "/v1/money/accounts/{id}/history", tag = "money",
    params(("id" = String, Path, description = "Account id"), Page),
    responses((status = 200, description = "`{account, from, entries: [{n, kind, direction, amount, ..., height, tx_id}], total}`", body = Object), (status = 404, description = "No such account", body = ErrorBody)))]
pub async fn history(
    State(state): State<AppState>,
    Path(id): Path<String>,
    q: Result<Query<Page>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let p = query_params(q, codes::REQUEST_INVALID_PARAM)?;
    let limit = p.limit.unwrap_or(100);
    if !(1..=queries::HISTORY_PAGE_MAX).contains(&limit) {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            codes::REQUEST_INVALID_PARAM,
            "limit must be 1..=500",
        ));
    }
    let from = p.from.unwrap_or(0);
    if state
        .node
        .with_state(|s, _| queries::account(s, &id))
        .is_none()
    {
        return Err(not_found(&format!("account '{id}'")));
    }
    let node = state.node.clone();
    let key = format!("money/{}", publica_money::history::history_key(&id));
    let (total, entries) = tokio::task::spawn_blocking(move || node.indexed(&key, from, limit))
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::internal)?;
    Ok(
        Json(json!({ "account": id, "from": from, "total": total, "entries": entries }))
            .into_response(),
    )
}

/// Where an account's money came from, by appropriation.
#[utoipa::path(get, path = "/v1/money/accounts/{id}/provenance", tag = "money",
    params(("id" = String, Path, description = "Account id")),
    responses((status = 200, description = "`{account, currency, balance, provenance: {\"<currency>/<appropriation>\": amount}}`", body = Object), (status = 404, description = "No such account", body = ErrorBody)))]
pub async fn provenance(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let a = state
        .node
        .with_state(|s, _| queries::account(s, &id))
        .ok_or_else(|| not_found(&format!("account '{id}'")))?;
    Ok(Json(json!({ "account": a.id, "currency": a.currency, "balance": a.balance, "provenance": a.provenance })).into_response())
}

/// A currency with its totals, appropriations and accredited merchants.
#[utoipa::path(get, path = "/v1/money/currencies/{code}", tag = "money",
    params(("code" = String, Path, description = "Currency code")),
    responses((status = 200, description = "`{currency: {minted, burned, supply_cap, ...}, appropriations: [{id, cap, minted, burned, active, approvals, expires_height}], merchants: [{merchant, currency, categories, active, by, height}]}`", body = Object), (status = 404, description = "No such currency", body = ErrorBody)))]
pub async fn currency(
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> Result<Response, ApiError> {
    let (c, apprs, merchants) = state
        .node
        .with_state(|s, _| queries::currency(s, &code))
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::NOT_FOUND,
                publica_money::codes::UNKNOWN_CURRENCY,
                format!("no currency '{code}'"),
            )
        })?;
    Ok(
        Json(json!({ "currency": c, "appropriations": apprs, "merchants": merchants }))
            .into_response(),
    )
}
