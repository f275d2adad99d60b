//! JSON errors with stable codes.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use publica_types::{codes, TxError};
use serde::Serialize;
use utoipa::ToSchema;

/// The body of every error response.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ErrorBody {
    /// Stable machine-readable code, e.g. `tx.nonce_replayed`.
    pub code: String,
    /// A sentence for people.
    pub message: String,
}

/// An error answered over HTTP.
#[derive(Debug, Clone)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Code and message.
    pub body: ErrorBody,
    /// Seconds the client should wait before trying again (`Retry-After`).
    pub retry_after_s: Option<u64>,
}

impl ApiError {
    /// A module's rejection `e`, answered with the status its code
    /// declares in `R` (400 for a code `R` does not list).
    pub fn rejected<R: publica_runtime::Rejections>(e: publica_types::TxError) -> Self {
        let status = R::ALL
            .iter()
            .find(|r| r.code() == e.code)
            .map_or(StatusCode::BAD_REQUEST, |r| {
                StatusCode::from_u16(r.status()).unwrap_or(StatusCode::BAD_REQUEST)
            });
        ApiError::new(status, &e.code, e.message)
    }

    /// An error with an explicit status.
    pub fn new(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            body: ErrorBody {
                code: code.into(),
                message: message.into(),
            },
            retry_after_s: None,
        }
    }

    /// The same error with a `Retry-After` of `seconds`.
    #[must_use]
    pub fn retry_after(mut self, seconds: u64) -> Self {
        self.retry_after_s = Some(seconds);
        self
    }

    /// An internal error; details go to the log, not the client.
    pub fn internal(detail: impl std::fmt::Display) -> Self {
        tracing::error!(%detail, "internal error serving a request");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            codes::INTERNAL,
            "internal error; see the node's log",
        )
    }
}

/// The HTTP status for a transaction error code.
pub fn status_for(code: &str) -> StatusCode {
    match code {
        codes::TX_NONCE_REPLAYED | codes::TX_NONCE_GAP => StatusCode::CONFLICT,
        codes::TX_TOO_LARGE | codes::REQUEST_TOO_LARGE => StatusCode::PAYLOAD_TOO_LARGE,
        codes::MEMPOOL_FULL | codes::NODE_UNAVAILABLE | codes::NODE_READ_ONLY => {
            StatusCode::SERVICE_UNAVAILABLE
        }
        codes::REQUEST_RATE_LIMITED | codes::MEMPOOL_SIGNER_FULL => StatusCode::TOO_MANY_REQUESTS,
        codes::TX_NOT_FOUND
        | codes::BLOCK_NOT_FOUND
        | codes::REQUEST_NOT_FOUND
        | codes::TILE_NOT_FOUND => StatusCode::NOT_FOUND,
        codes::INTERNAL => StatusCode::INTERNAL_SERVER_ERROR,
        _ => StatusCode::BAD_REQUEST,
    }
}

impl From<TxError> for ApiError {
    fn from(e: TxError) -> Self {
        ApiError {
            status: status_for(&e.code),
            body: ErrorBody {
                code: e.code,
                message: e.message,
            },
            retry_after_s: None,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status, Json(self.body)).into_response();
        if let Some(seconds) = self.retry_after_s {
            response
                .headers_mut()
                .insert(axum::http::header::RETRY_AFTER, seconds.into());
        }
        response
    }
}

/// A query string, or a 400 with `code` saying what was wrong with it.
pub fn query_params<T>(
    q: Result<axum::extract::Query<T>, axum::extract::rejection::QueryRejection>,
    code: &str,
) -> Result<T, ApiError> {
    q.map(|axum::extract::Query(v)| v)
        .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, code, e.body_text()))
}
