//! The citydata module's read API: an agency's data sets, one with its
//! batches, one batch, the grants and the recorded accesses. The content
//! itself is served by the store (`/v1/data-store/...`).

use super::codes;
use super::model::{batch_key, dataset_key, Batch, DataSet};
use crate::model::valid_id;
use crate::routes::read;
use publica_runtime::routes::{
    IndexPage, Param, ReadError, ReadView, Reply, Route, RouteRequest, Verb, Weight,
};
use serde_json::json;

const DATASET_SCHEMA: &str = r#"{
  "type": "object",
  "required": ["dataset", "batches"],
  "properties": {"dataset": {"type": "object", "required": ["agency", "id", "kind", "schema", "licence", "access", "batches", "last_end_ms", "bytes"],
      "properties": {"access": {"enum": ["open", "agencies", "purpose"]}, "kind": {"enum": ["dataset", "feed"]}}},
    "batches": {"type": "object", "required": ["total", "entries"]}}
}"#;

const BATCH_SCHEMA: &str = r#"{
  "type": "object",
  "required": ["batch", "content"],
  "properties": {"batch": {"type": "object", "required": ["seq", "hash", "bytes", "start_ms", "end_ms", "media_type", "by", "at_ms"]},
    "content": {"type": "string"}}
}"#;

const AGENCY: Param = Param::path("agency", "The publishing agency");
const ID: Param = Param::path("id", "The data set's id");
const FROM: Param = IndexPage::FROM;
const LIMIT: Param = IndexPage::LIMIT;
const PAGING: (u16, &str) = (400, "Malformed agency, id or paging");

/// The routes, in the order the OpenAPI document lists them.
pub const ROUTES: &[Route] = &[
    Route {
        name: "datasets",
        verb: Verb::Get,
        path: "/v1/citydata/{agency}",
        summary: "The data sets and feeds the agency registered, in order: id, kind, access.",
        params: &[AGENCY, FROM, LIMIT],
        body: None,
        answer: "`{total, next, entries: [{agency, dataset, data_kind, access, height}]}`",
        schema: IndexPage::SCHEMA,
        errors: &[PAGING],
        weight: Weight::Light,
        handler: datasets,
    },
    Route {
        name: "dataset",
        verb: Verb::Get,
        path: "/v1/citydata/{agency}/{id}",
        summary: "A data set or feed: schema, licence, access, batches published and bytes; its batches page by page (hash, size, window).",
        params: &[AGENCY, ID, FROM, LIMIT],
        body: None,
        answer: "`{dataset, batches: {total, next, entries: [{seq, hash, bytes, start_ms, end_ms, height}]}}`",
        schema: DATASET_SCHEMA,
        errors: &[PAGING, (404, "No such data set (citydata.unknown_dataset)")],
        weight: Weight::Light,
        handler: dataset,
    },
    Route {
        name: "batch",
        verb: Verb::Get,
        path: "/v1/citydata/{agency}/{id}/batches/{seq}",
        summary: "One batch: its SHA-256, size, time window, media type, publisher and time, and where its content is served.",
        params: &[AGENCY, ID, Param::path("seq", "The batch's number")],
        body: None,
        answer: "`{batch, content}`",
        schema: BATCH_SCHEMA,
        errors: &[(400, "Malformed id or number"), (404, "No such batch (citydata.unknown_dataset)")],
        weight: Weight::Light,
        handler: batch,
    },
    Route {
        name: "grants",
        verb: Verb::Get,
        path: "/v1/citydata/{agency}/{id}/grants",
        summary: "Grants of the data set to other agencies, and revocations, in order.",
        params: &[AGENCY, ID, FROM, LIMIT],
        body: None,
        answer: "`{total, next, entries: [{grantee, purpose, expires_ms, revoked, height}]}`",
        schema: IndexPage::SCHEMA,
        errors: &[PAGING],
        weight: Weight::Light,
        handler: grants,
    },
    Route {
        name: "accesses",
        verb: Verb::Get,
        path: "/v1/citydata/{agency}/{id}/accesses",
        summary: "Every recorded access to the data set's batches, in order: which batch, which agency, for what, by whom.",
        params: &[AGENCY, ID, FROM, LIMIT],
        body: None,
        answer: "`{total, next, entries: [{batch, grantee, purpose, by, tx_id, height}]}`",
        schema: IndexPage::SCHEMA,
        errors: &[PAGING],
        weight: Weight::Light,
        handler: accesses,
    },
];

fn ids(req: &RouteRequest, with_id: bool) -> Result<(&str, &str), ReadError> {
    let (a, i) = (
        req.path("agency"),
        if with_id { req.path("id") } else { "x" },
    );
    if valid_id(a) && valid_id(i) {
        Ok((a, i))
    } else {
        Err(ReadError::bad_param(
            "agency and id are 1..=64 of [a-z0-9_-]",
        ))
    }
}

fn page(view: &dyn ReadView, req: &RouteRequest, key: &str) -> Result<Reply, ReadError> {
    Ok(Reply::json(IndexPage::read(view, req, key)?.json()))
}

fn datasets(view: &dyn ReadView, req: &RouteRequest) -> Result<Reply, ReadError> {
    let (a, _) = ids(req, false)?;
    page(view, req, &format!("citydata/datasets/{a}"))
}

fn dataset(view: &dyn ReadView, req: &RouteRequest) -> Result<Reply, ReadError> {
    let (a, i) = ids(req, true)?;
    let d: DataSet = read(view.state(), &dataset_key(a, i)).ok_or_else(|| {
        ReadError::not_found(codes::UNKNOWN_DATASET, format!("'{a}' publishes no '{i}'"))
    })?;
    let batches = IndexPage::read(view, req, &format!("citydata/batches/{a}/{i}"))?.json();
    Ok(Reply::json(json!({"dataset": d, "batches": batches})))
}

fn batch(view: &dyn ReadView, req: &RouteRequest) -> Result<Reply, ReadError> {
    let (a, i) = ids(req, true)?;
    let s = req.path("seq");
    let seq: u64 = (s.len() <= 15 && s.bytes().all(|b| b.is_ascii_digit()))
        .then(|| s.parse().ok())
        .flatten()
        .ok_or_else(|| ReadError::bad_param("seq is a batch number"))?;
    let b: Batch = read(view.state(), &batch_key(a, i, seq)).ok_or_else(|| {
        ReadError::not_found(codes::UNKNOWN_DATASET, format!("'{i}' has no batch {seq}"))
    })?;
    let content = format!("/v1/data-store/{a}/{i}/{seq}");
    Ok(Reply::json(json!({"batch": b, "content": content})))
}

fn grants(view: &dyn ReadView, req: &RouteRequest) -> Result<Reply, ReadError> {
    let (a, i) = ids(req, true)?;
    page(view, req, &format!("citydata/grants/{a}/{i}"))
}

fn accesses(view: &dyn ReadView, req: &RouteRequest) -> Result<Reply, ReadError> {
    let (a, i) = ids(req, true)?;
    page(view, req, &format!("citydata/accesses/{a}/{i}"))
}
