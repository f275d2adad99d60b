//! The OpenAPI 3.1 document, generated from the handlers' annotations and
//! the modules' route declarations.

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

/// The document: the node's own routes and every registered module's.
pub fn document() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    crate::module_routes::document(&mut doc);
    doc
}
