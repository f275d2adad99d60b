//! The modules' read APIs, from the module registry
//! (`publica_node::genesis::chain_runtime`): each module's
//! [`Route`]s are mounted on the router and described in the OpenAPI
//! document, so a module adds routes in its own crate only.

use crate::error::{query_params, ApiError};
use crate::server::AppState;
use axum::body::Bytes;
use axum::extract::rejection::{QueryRejection, RawPathParamsRejection};
use axum::extract::{DefaultBodyLimit, Query, RawPathParams, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, MethodRouter};
use axum::Router;
use publica_runtime::routes::{
    Place, ReadError, Reply, Route, RouteRequest, Verb, Weight, ROUTE_BODY_BYTES_MAX,
};
use publica_types::codes;
use std::collections::BTreeMap;
use utoipa::openapi::path::{HttpMethod, OperationBuilder, ParameterBuilder, ParameterIn};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::{ContentBuilder, ObjectBuilder, Ref, Required, ResponseBuilder, Type};

/// Every registered module with its routes, in registration order.
pub fn registered() -> Vec<(&'static str, &'static [Route])> {
    publica_node::genesis::chain_runtime()
        .modules()
        .map(|m| (m.name(), m.routes()))
        .collect()
}

/// `router` with every module's routes.
pub fn mount(mut router: Router<AppState>) -> Router<AppState> {
    for (_, routes) in registered() {
        for route in routes {
            router = router.route(route.path, method_router(route));
        }
    }
    router
}

fn method_router(route: &'static Route) -> MethodRouter<AppState> {
    let handler = move |State(state): State<AppState>,
                        headers: HeaderMap,
                        path: Result<RawPathParams, RawPathParamsRejection>,
                        query: Result<Query<BTreeMap<String, String>>, QueryRejection>,
                        body: Bytes| async move {
        match answer(state, route, path, query, body).await {
            Ok(reply) => into_response(reply, headers.get(header::IF_NONE_MATCH)),
            Err(e) => e.into_response(),
        }
    };
    match route.verb {
        Verb::Get => get(handler),
        Verb::Post => post(handler).layer(DefaultBodyLimit::max(ROUTE_BODY_BYTES_MAX)),
    }
}

async fn answer(
    state: AppState,
    route: &'static Route,
    path: Result<RawPathParams, RawPathParamsRejection>,
    query: Result<Query<BTreeMap<String, String>>, QueryRejection>,
    body: Bytes,
) -> Result<Reply, ApiError> {
    let path = match path {
        Ok(p) => p
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        Err(RawPathParamsRejection::MissingPathParams(_)) => BTreeMap::new(),
        Err(e) => {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                codes::REQUEST_INVALID_PARAM,
                e.body_text(),
            ))
        }
    };
    let query = query_params(query, codes::REQUEST_INVALID_PARAM)?;
    let request = RouteRequest::new(route, path, query, body.to_vec()).map_err(api_error)?;
    // Heavy reads take one of a few permits or are turned away; every
    // read runs on a snapshot of the state, off the async workers, so no
    // read holds up a block.
    let permit = match route.weight {
        Weight::Light => None,
        Weight::Heavy => Some(state.heavy.clone().try_acquire_owned().map_err(|_| {
            ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                codes::REQUEST_RATE_LIMITED,
                "other heavy queries are running; try again in a moment",
            )
        })?),
    };
    let node = state.node.clone();
    tokio::task::spawn_blocking(move || {
        let _permit = permit;
        (route.handler)(&node.read_view(), &request)
    })
    .await
    .map_err(ApiError::internal)?
    .map_err(api_error)
}

fn api_error(e: ReadError) -> ApiError {
    if e.status == 500 {
        return ApiError::internal(e.message);
    }
    let status = StatusCode::from_u16(e.status).unwrap_or(StatusCode::BAD_REQUEST);
    ApiError::new(status, &e.code, e.message)
}

fn into_response(reply: Reply, if_none_match: Option<&HeaderValue>) -> Response {
    let status = StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let Some((tag, max_age)) = &reply.cache else {
        return (
            status,
            [(header::CONTENT_TYPE, reply.content_type)],
            reply.body,
        )
            .into_response();
    };
    let etag = format!("W/\"{tag}\"");
    let cache = format!("public, max-age={max_age}");
    // Weak comparison (RFC 9110 13.1.2): any listed tag equal to ours, weak
    // or not, or `*`.
    let matches = if_none_match
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',')
                .map(str::trim)
                .any(|t| t == "*" || t.strip_prefix("W/").unwrap_or(t) == &etag[2..])
        });
    let headers = [(header::ETAG, etag), (header::CACHE_CONTROL, cache)];
    if matches && status == StatusCode::OK {
        return (StatusCode::NOT_MODIFIED, headers).into_response();
    }
    (
        status,
        [(header::CONTENT_TYPE, reply.content_type.to_string())],
        headers,
        reply.body,
    )
        .into_response()
}

/// Adds every module's routes to the OpenAPI document `doc`.
pub fn document(doc: &mut utoipa::openapi::OpenApi) {
    for (module, routes) in registered() {
        for route in routes {
            let method = match route.verb {
                Verb::Get => HttpMethod::Get,
                Verb::Post => HttpMethod::Post,
            };
            doc.paths
                .add_path_operation(route.path, vec![method], operation(module, route));
        }
    }
}

fn operation(module: &str, route: &Route) -> utoipa::openapi::path::Operation {
    let json_object = || {
        ContentBuilder::new()
            .schema(Some(ObjectBuilder::new()))
            .build()
    };
    let mut op = OperationBuilder::new()
        .tag(module)
        .operation_id(Some(format!("{module}.{}", route.name)))
        .summary(Some(route.summary))
        .response(
            "200",
            ResponseBuilder::new()
                .description(route.answer)
                .content("application/json", json_object()),
        );
    for p in route.params {
        let (place, required) = match p.place {
            Place::Path => (ParameterIn::Path, Required::True),
            Place::Query => (ParameterIn::Query, Required::False),
        };
        op = op.parameter(
            ParameterBuilder::new()
                .name(p.name)
                .parameter_in(place)
                .required(required)
                .description(Some(p.description))
                .schema(Some(ObjectBuilder::new().schema_type(Type::String))),
        );
    }
    if let Some(body) = route.body {
        op = op.request_body(Some(
            RequestBodyBuilder::new()
                .description(Some(body))
                .required(Some(Required::True))
                .content("application/json", json_object())
                .build(),
        ));
    }
    for (status, when) in route.errors {
        let error_body = ContentBuilder::new()
            .schema(Some(Ref::from_schema_name("ErrorBody")))
            .build();
        op = op.response(
            status.to_string(),
            ResponseBuilder::new()
                .description(*when)
                .content("application/json", error_body),
        );
    }
    op.build()
}
