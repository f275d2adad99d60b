//! Program routes: a program's figures, an enrolee's payouts, a payment
//! run's reconciliation (JSON, CSV or G2P Connect disburse shapes) and the
//! dry run of a rule change.

use crate::error::{query_params, ApiError, ErrorBody};
use crate::server::AppState;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use publica_programs::{codes as pcodes, period, queries};
use publica_types::{codes, AccountId};
use serde::Deserialize;
use serde_json::{json, Value};
use utoipa::IntoParams;

fn no_program(id: &str) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        pcodes::UNKNOWN_PROGRAM,
        format!("no program '{id}'"),
    )
}

/// A program: definition, rule versions, enrolled count, paid total,
/// remaining budget, payouts per period, next scheduled run.
#[utoipa::path(get, path = "/v1/programs/{id}", tag = "programs",
    params(("id" = String, Path, description = "Program id")),
    responses((status = 200, description = "`{program, enrolled, paid_total, remaining_budget, periods: [...], schedule}`", body = Object), (status = 404, description = "No such program", body = ErrorBody)))]
pub async fn program(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let v = state
        .node
        .with_state(|s, h| queries::summary(s, &id, h))
        .ok_or_else(|| no_program(&id))?;
    Ok(Json(v).into_response())
}

/// An enrolee's enrolment and payouts; each payout names its block height
/// and, when a transaction released it, the transaction id whose receipt
/// proves it (scheduled payouts are in the block's `ledger_events`).
#[utoipa::path(get, path = "/v1/programs/{id}/enrolees/{account}", tag = "programs",
    params(("id" = String, Path, description = "Program id"), ("account" = String, Path, description = "Enrolee account (hex)")),
    responses((status = 200, description = "`{enrolment, payouts: [...]}`", body = Object), (status = 400, description = "Malformed account", body = ErrorBody), (status = 404, description = "Not enrolled", body = ErrorBody)))]
pub async fn enrolee(
    State(state): State<AppState>,
    Path((id, account)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let a: AccountId = account.parse().map_err(|_| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            codes::REQUEST_INVALID_PARAM,
            "an account is 64 hex characters",
        )
    })?;
    let v = state
        .node
        .with_state(|s, _| queries::enrolee(s, &id, &a))
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::NOT_FOUND,
                pcodes::NOT_ENROLLED,
                format!("{account} is not enrolled in '{id}'"),
            )
        })?;
    Ok(Json(v).into_response())
}

/// Paging and format of a run report.
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct RunQuery {
    /// First entry (default 0).
    pub from: Option<u64>,
    /// Entries (1..=10000, default 1000).
    pub limit: Option<u64>,
    /// `json` (default), `csv`, or `g2p` (G2P Connect disburse shapes).
    pub format: Option<String>,
}

/// A payment run's reconciliation: every payout and failure of a period,
/// with its totals.
#[utoipa::path(get, path = "/v1/programs/{id}/runs/{period}", tag = "programs",
    params(("id" = String, Path, description = "Program id"), ("period" = String, Path, description = "YYYY-MM"), RunQuery),
    responses((status = 200, description = "JSON `{program, period, totals, entries}`, CSV, or G2P Connect on-disburse `{header, message: {transaction_id, disburse_response: [...]}}`", body = Object), (status = 400, description = "Bad period or parameter", body = ErrorBody), (status = 404, description = "No run for that period", body = ErrorBody)))]
pub async fn run(
    State(state): State<AppState>,
    Path((id, per)): Path<(String, String)>,
    q: Result<Query<RunQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let q = query_params(q, codes::REQUEST_INVALID_PARAM)?;
    let bad = |m: &str| ApiError::new(StatusCode::BAD_REQUEST, codes::REQUEST_INVALID_PARAM, m);
    if !period::valid(&per) {
        return Err(bad("a period is YYYY-MM"));
    }
    let limit = q.limit.unwrap_or(1000);
    if !(1..=queries::PAGE_MAX).contains(&limit) {
        return Err(bad("limit must be 1..=10000"));
    }
    let format = q.format.unwrap_or_else(|| "json".into());
    if !["json", "csv", "g2p"].contains(&format.as_str()) {
        return Err(bad("format is json, csv or g2p"));
    }
    let from = q.from.unwrap_or(0);
    let (currency, found) = state.node.with_state(|s, _| {
        (
            queries::program(s, &id).map(|p| p.currency),
            queries::run(s, &id, &per, from, limit),
        )
    });
    let currency = currency.ok_or_else(|| no_program(&id))?;
    let (totals, entries) = found.ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            pcodes::INVALID_PERIOD,
            format!("program '{id}' has no run for {per}"),
        )
    })?;
    match format.as_str() {
        "csv" => {
            let mut out = String::from("account,period,status,amount,currency,code,version,kind,height,tx_id\n");
            for e in &entries {
                out.push_str(&format!(
                    "{},{},{},{},{},{},{},{},{},{}\n",
                    e.account.to_hex(),
                    e.period,
                    e.status,
                    e.amount.0,
                    currency,
                    e.code.as_deref().unwrap_or(""),
                    e.version,
                    e.kind.as_str(),
                    e.height,
                    e.tx_id.as_deref().unwrap_or(""),
                ));
            }
            Ok(([(header::CONTENT_TYPE, "text/csv; charset=utf-8")], out).into_response())
        }
        "g2p" => {
            // G2P Connect's on-disburse shapes, where they fit: payee
            // financial address = the enrolee's account, payer = the
            // program, one record per payout.
            let now = period::timestamp(publica_types::now_ms());
            let records: Vec<Value> = entries
                .iter()
                .enumerate()
                .map(|(i, e)| {
                    json!({
                        "reference_id": format!("{id}/{per}/{}", from + i as u64),
                        "timestamp": now,
                        "payer_fa": format!("publica:program:{id}"),
                        "payee_fa": format!("publica:account:{}", e.account.to_hex()),
                        "amount": e.amount.0.to_string(),
                        "currency_code": currency,
                        "status": if e.status == "paid" { "succ" } else { "rjct" },
                        "status_reason_code": e.code,
                        "status_reason_message": e.message,
                        "instruction": format!("{} payout, rules version {}, block {}{}", e.kind.as_str(), e.version, e.height, e.tx_id.as_deref().map(|t| format!(", tx {t}")).unwrap_or_default()),
                    })
                })
                .collect();
            Ok(Json(json!({
                "header": {"version": "1.0.0", "message_id": format!("{id}/{per}/{from}"), "message_ts": now, "action": "on-disburse", "status": "succ", "total_count": totals.entries, "completed_count": totals.paid_count},
                "message": {"transaction_id": format!("{id}/{per}"), "disburse_response": records},
            }))
            .into_response())
        }
        _ => Ok(Json(json!({"program": id, "period": per, "totals": totals, "from": from, "entries": entries})).into_response()),
    }
}

/// Evaluates a proposed rule change against every current enrolee and
/// reports who would gain or lose what; nothing is enacted.
#[utoipa::path(post, path = "/v1/programs/{id}/dry-run", tag = "programs",
    params(("id" = String, Path, description = "Program id")),
    request_body(content = Object, description = "`{eligibility?, benefit?, condition?, params?, period?}`"),
    responses((status = 200, description = "`{gainers, losers, unchanged, total_current, total_proposed, changes: [...]}` (totals are decimal strings)", body = Object), (status = 400, description = "Malformed body or bad rule (with line and column; rules above 256 cost units are refused)", body = ErrorBody), (status = 404, description = "No such program", body = ErrorBody), (status = 429, description = "Two dry runs are already running", body = ErrorBody)))]
pub async fn dry_run(
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let proposal: queries::Proposal = serde_json::from_slice(&body).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            codes::REQUEST_MALFORMED_JSON,
            format!("the body is not a proposal: {e}"),
        )
    })?;
    // At most a few at once, each on a snapshot of the state (a cheap
    // copy-on-write clone) off the chain's lock and off the async workers:
    // a dry run never holds up a block.
    let Ok(permit) = state.heavy.clone().try_acquire_owned() else {
        return Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            publica_types::codes::REQUEST_RATE_LIMITED,
            "other dry runs are running; try again in a moment",
        ));
    };
    let (snapshot, height) = state.node.with_state(|s, h| (s.clone(), h));
    let now = publica_types::now_ms();
    let r = tokio::task::spawn_blocking(move || {
        let _permit = permit;
        queries::dry_run(&snapshot, &id, proposal, height, now)
    })
    .await
    .map_err(|e| {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            publica_types::codes::INTERNAL,
            format!("the dry run failed: {e}"),
        )
    })?;
    match r {
        Ok(v) => Ok(Json(v).into_response()),
        Err((code, m)) if code == pcodes::UNKNOWN_PROGRAM => {
            Err(ApiError::new(StatusCode::NOT_FOUND, &code, m))
        }
        Err((code, m)) => Err(ApiError::new(StatusCode::BAD_REQUEST, &code, m)),
    }
}

/// Every published index (e.g. a statistics office's CPI) with its latest
/// value.
#[utoipa::path(get, path = "/v1/indexes", tag = "programs",
    responses((status = 200, description = "`{indexes: [{agency, name, reference, threshold, latest, published}]}`", body = Object)))]
pub async fn indexes(State(state): State<AppState>) -> Result<Response, ApiError> {
    let list = state.node.with_state(|s, _| queries::indexes(s));
    Ok(Json(serde_json::json!({ "indexes": list })).into_response())
}

/// One agency's index: every published value (the period it measures,
/// when and at which height it was published) and the open votes.
#[utoipa::path(get, path = "/v1/indexes/{agency}/{name}", tag = "programs",
    params(("agency" = String, Path, description = "The oracle agency"), ("name" = String, Path, description = "Index name")),
    responses((status = 200, description = "`{name, agency, threshold, values: [{period, value, published_ms, height}], votes}`", body = Object), (status = 404, description = "No such index", body = ErrorBody)))]
pub async fn index(
    State(state): State<AppState>,
    Path((agency, name)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let idx = state
        .node
        .with_state(|s, _| queries::index(s, &agency, &name))
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::NOT_FOUND,
                pcodes::UNKNOWN_INDEX,
                format!("no index '{agency}/{name}'"),
            )
        })?;
    Ok(Json(idx).into_response())
}
