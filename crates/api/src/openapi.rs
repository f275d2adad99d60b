//! The OpenAPI 3.1 document, generated from the handlers' annotations.

use crate::handlers;
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
        handlers::get_block,
        handlers::get_status,
        handlers::network,
        crate::sync_routes::floor,
        crate::sync_routes::blocks,
        crate::sync_routes::snapshot,
        handlers::get_state,
        handlers::get_nonce,
        handlers::events,
        crate::log_routes::checkpoint,
        crate::log_routes::tile,
        crate::log_routes::log_info,
        crate::log_routes::consistency,
        crate::identity_routes::resolve_did,
        crate::identity_routes::agencies,
        crate::identity_routes::members,
        crate::identity_routes::proposals,
        crate::identity_routes::genesis,
        crate::money_routes::account,
        crate::money_routes::history,
        crate::money_routes::provenance,
        crate::money_routes::currency,
        crate::program_routes::program,
        crate::program_routes::enrolee,
        crate::program_routes::run,
        crate::program_routes::dry_run,
        crate::program_routes::indexes,
        crate::program_routes::index,
        handlers::healthz,
        handlers::readyz,
        handlers::metrics,
    ),
    components(schemas(
        crate::error::ErrorBody,
        handlers::Accepted,
        handlers::BatchRequest,
        handlers::BatchItem,
        handlers::BatchResponse
    ))
)]
pub struct ApiDoc;

/// The document as JSON.
pub fn document() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}
