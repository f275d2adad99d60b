//! A module's read API: the routes the node serves for it, declared as
//! data. One list (the module registry, `publica_node::chain_runtime`)
//! then gives the HTTP router, the OpenAPI document and the CLI's
//! `publica read`, so a new module adds its routes in its own crate.
//!
//! A route's handler is a plain function over a [`ReadView`]: a snapshot
//! of the committed state at one height, with proofs and the event index.
//! It never sees HTTP, so it runs the same behind the API and in tests.

use publica_state::{Proof, StateTree};
use publica_types::{codes, Hash32};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::str::FromStr;

/// Largest request body a module's `POST` route takes, in bytes.
pub const ROUTE_BODY_BYTES_MAX: usize = 64 * 1024;

/// The HTTP method of a route. Module routes only read: `Post` is for
/// reads that take a body (a dry run), never for changes, which go through
/// signed transactions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verb {
    /// `GET`.
    Get,
    /// `POST` with a JSON body.
    Post,
}

/// Where a parameter is given.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Place {
    /// A `{name}` segment of the path.
    Path,
    /// `?name=value`; optional.
    Query,
}

/// A parameter of a route.
#[derive(Clone, Copy, Debug)]
pub struct Param {
    /// Its name.
    pub name: &'static str,
    /// Path or query.
    pub place: Place,
    /// What it is, with its bounds and default.
    pub description: &'static str,
}

impl Param {
    /// A path parameter.
    pub const fn path(name: &'static str, description: &'static str) -> Param {
        Param {
            name,
            place: Place::Path,
            description,
        }
    }
    /// An optional query parameter.
    pub const fn query(name: &'static str, description: &'static str) -> Param {
        Param {
            name,
            place: Place::Query,
            description,
        }
    }
}

/// How much a route costs the node.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Weight {
    /// A few state reads.
    Light,
    /// Work over many records (a dry run over every enrolee): the API runs
    /// only a few at once and answers `429 request.rate_limited` beyond.
    Heavy,
}

/// What a route's handler is.
pub type Handler = fn(&dyn ReadView, &RouteRequest) -> Result<Reply, ReadError>;

/// A route a module serves.
#[derive(Clone, Copy, Debug)]
pub struct Route {
    /// Its name in the CLI: `publica read <module> <name> <path params>`.
    pub name: &'static str,
    /// Its method.
    pub verb: Verb,
    /// Its path, with `{param}` segments, e.g. `/v1/money/accounts/{id}`.
    pub path: &'static str,
    /// One sentence: what it answers.
    pub summary: &'static str,
    /// Its parameters; path ones in the order they appear in the path.
    pub params: &'static [Param],
    /// For a `Post` route: what the JSON body holds.
    pub body: Option<&'static str>,
    /// The shape of a `200` answer, in a sentence.
    pub answer: &'static str,
    /// The JSON Schema (2020-12) of a `200` JSON answer, as JSON text: the
    /// OpenAPI document declares it, and a test checks real answers
    /// against it. `$ref`s may name the node's shared schemas
    /// (`#/components/schemas/Hex32`, `Amount`, `StateProof`, ...;
    /// `crates/api/openapi/schemas.json`).
    pub schema: &'static str,
    /// The other statuses it answers, and when.
    pub errors: &'static [(u16, &'static str)],
    /// Its cost.
    pub weight: Weight,
    /// The handler.
    pub handler: Handler,
}

impl Route {
    /// Its path parameters, in order.
    pub fn path_params(&self) -> impl Iterator<Item = &'static Param> {
        self.params.iter().filter(|p| p.place == Place::Path)
    }
}

/// A value read with its proof against a block's state root.
#[derive(Clone, Debug)]
pub struct StateProofAnswer {
    /// The block whose post-state was read.
    pub height: u64,
    /// That block's state root.
    pub state_root: Hash32,
    /// The value, or `None` (the proof then shows absence).
    pub value: Option<Vec<u8>>,
    /// The proof.
    pub proof: Proof,
}

/// Most entries one page of an index route answers with.
pub const INDEX_PAGE_MAX: usize = 200;

/// One page of the entries a module filed under an index key, as a route
/// answers it.
#[derive(Debug)]
pub struct IndexPage {
    /// How many entries the key holds.
    pub total: u64,
    /// Where the next page starts, if there is one.
    pub next: Option<u64>,
    /// The page's entries (each with `height`, `tx_id` and `n`).
    pub entries: Vec<Value>,
}

impl IndexPage {
    /// The `from` query parameter of a page.
    pub const FROM: Param = Param::query("from", "First entry (default 0)");
    /// The `limit` query parameter of a page.
    pub const LIMIT: Param = Param::query("limit", "Entries (1..=200, default 50)");
    /// The JSON schema of a page (`{total, next, entries}`, each entry
    /// with its `height`).
    pub const SCHEMA: &'static str = r#"{
  "type": "object",
  "required": ["total", "entries"],
  "properties": {"total": {"type": "integer"}, "next": {"type": ["integer", "null"]},
    "entries": {"type": "array", "items": {"type": "object", "required": ["height"]}}}
}"#;

    /// The page of `key` the request's `from` (default 0) and `limit`
    /// (1..=[`INDEX_PAGE_MAX`], default 50) query parameters ask for.
    ///
    /// # Errors
    /// A malformed or out-of-range parameter, or an index that cannot be
    /// read.
    pub fn read(view: &dyn ReadView, req: &RouteRequest, key: &str) -> Result<Self, ReadError> {
        let from: u64 = req.number("from", 0, 0..=u64::MAX)?;
        let limit: usize = req.number("limit", 50, 1..=INDEX_PAGE_MAX)?;
        let (total, entries) = view.indexed(key, from, limit)?;
        let end = from + entries.len() as u64;
        Ok(IndexPage {
            total,
            next: (end < total).then_some(end),
            entries,
        })
    }

    /// `{total, next, entries}`.
    #[must_use]
    pub fn json(self) -> Value {
        serde_json::json!({"total": self.total, "next": self.next, "entries": self.entries})
    }
}

/// The committed state at one height, as a route reads it.
pub trait ReadView {
    /// The state after block [`Self::height`].
    fn state(&self) -> &StateTree;
    /// The height read.
    fn height(&self) -> u64;
    /// The value under `key` with its proof against that block's root.
    fn prove(&self, key: &[u8]) -> StateProofAnswer;
    /// Entries `from .. from + limit` a module filed under `key` in the
    /// event index (keys carry the module's prefix), and how many `key`
    /// has.
    fn indexed(&self, key: &str, from: u64, limit: usize) -> Result<(u64, Vec<Value>), ReadError>;
    /// The wall clock, ms since the Unix epoch (for answers that say when
    /// they were made; never for what they contain).
    fn now_ms(&self) -> u64;
    /// The block time (ms) of the committed block at `height`, if it is at
    /// or below [`Self::height`].
    fn block_time_ms(&self, height: u64) -> Option<u64>;
    /// A note, signed with the node's log key, of [`Self::height`] and its
    /// state root (`publica_log::StateNote`), if this view has a signer.
    fn state_note(&self) -> Option<String> {
        None
    }
}

/// A call of a route: its parameters and body.
#[derive(Clone, Debug, Default)]
pub struct RouteRequest {
    path: BTreeMap<String, String>,
    query: BTreeMap<String, String>,
    body: Vec<u8>,
}

impl RouteRequest {
    /// A request with these path and query parameters and body; query
    /// parameters the route does not declare are refused here.
    pub fn new(
        route: &Route,
        path: BTreeMap<String, String>,
        query: BTreeMap<String, String>,
        body: Vec<u8>,
    ) -> Result<RouteRequest, ReadError> {
        if let Some(k) = query.keys().find(|k| {
            !route
                .params
                .iter()
                .any(|p| p.place == Place::Query && p.name == *k)
        }) {
            return Err(ReadError::bad_param(format!(
                "unknown parameter '{k}'; see /openapi.json"
            )));
        }
        Ok(RouteRequest { path, query, body })
    }

    /// The path parameter `name` (routes name only their own).
    pub fn path(&self, name: &str) -> &str {
        self.path.get(name).map_or("", String::as_str)
    }

    /// The query parameter `name`, if given.
    pub fn query(&self, name: &str) -> Option<&str> {
        self.query.get(name).map(String::as_str)
    }

    /// The number given as `name`, or `default`; either way within
    /// `range`, else `400 request.invalid_param`.
    pub fn number<T>(
        &self,
        name: &str,
        default: T,
        range: std::ops::RangeInclusive<T>,
    ) -> Result<T, ReadError>
    where
        T: FromStr + PartialOrd + std::fmt::Display + Copy,
    {
        let n = match self.query(name) {
            None => default,
            Some(s) => s
                .parse()
                .map_err(|_| ReadError::bad_param(format!("{name} must be a whole number")))?,
        };
        if !range.contains(&n) {
            return Err(ReadError::bad_param(format!(
                "{name} must be {}..={}",
                range.start(),
                range.end()
            )));
        }
        Ok(n)
    }

    /// The body as `T`, or `400 request.malformed_json`.
    pub fn body<T: DeserializeOwned>(&self, what: &str) -> Result<T, ReadError> {
        serde_json::from_slice(&self.body).map_err(|e| {
            ReadError::new(
                400,
                codes::REQUEST_MALFORMED_JSON,
                format!("the body is not {what}: {e}"),
            )
        })
    }
}

/// A route's answer.
#[derive(Clone, Debug)]
pub struct Reply {
    /// HTTP status.
    pub status: u16,
    /// Its media type.
    pub content_type: &'static str,
    /// Its bytes.
    pub body: Vec<u8>,
    /// For an answer that may be cached: a weak validator (sent as `ETag:
    /// W/"…"`; a request whose `If-None-Match` names it is answered 304)
    /// and how many seconds a cache may serve it (`Cache-Control: public,
    /// max-age=…`).
    pub cache: Option<(String, u32)>,
}

impl Reply {
    /// This answer, cacheable for `max_age_s` seconds and validated by
    /// `tag` (what stays the same while the answer means the same).
    #[must_use]
    pub fn cacheable(mut self, tag: impl Into<String>, max_age_s: u32) -> Reply {
        self.cache = Some((tag.into(), max_age_s));
        self
    }

    /// `200` with `value` as JSON.
    pub fn json(value: impl Serialize) -> Reply {
        Reply::typed_json(200, "application/json", value)
    }

    /// `status` with `value` as JSON of media type `content_type` (a JSON
    /// profile such as DID resolution's).
    pub fn typed_json(status: u16, content_type: &'static str, value: impl Serialize) -> Reply {
        Reply {
            status,
            content_type,
            body: serde_json::to_vec(&value).expect("values serialise"),
            cache: None,
        }
    }

    /// `200` with `text` of media type `content_type` (CSV, say).
    pub fn text(content_type: &'static str, text: String) -> Reply {
        Reply {
            status: 200,
            content_type,
            body: text.into_bytes(),
            cache: None,
        }
    }
}

/// Why a route gave no answer: an HTTP status with a stable code
/// (`docs/errors.md`) and a sentence.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct ReadError {
    /// HTTP status.
    pub status: u16,
    /// Stable code.
    pub code: String,
    /// For people.
    pub message: String,
}

impl ReadError {
    /// An error with this status, code and message.
    pub fn new(status: u16, code: &str, message: impl Into<String>) -> ReadError {
        ReadError {
            status,
            code: code.to_string(),
            message: message.into(),
        }
    }
    /// `404` with a module's code (`money.unknown_account`).
    pub fn not_found(code: &str, message: impl Into<String>) -> ReadError {
        ReadError::new(404, code, message)
    }
    /// `400 request.invalid_param`.
    pub fn bad_param(message: impl Into<String>) -> ReadError {
        ReadError::new(400, codes::REQUEST_INVALID_PARAM, message)
    }
    /// `500 internal`; the detail is for the node's log, not the client.
    pub fn internal(detail: impl std::fmt::Display) -> ReadError {
        ReadError::new(500, codes::INTERNAL, detail.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nothing(_: &dyn ReadView, _: &RouteRequest) -> Result<Reply, ReadError> {
        Ok(Reply::json(()))
    }

    const ROUTE: Route = Route {
        name: "page",
        verb: Verb::Get,
        path: "/v1/x/{id}",
        summary: "A page.",
        params: &[Param::path("id", "Id"), Param::query("limit", "1..=10")],
        body: None,
        answer: "`{}`",
        schema: r#"{"type": "object", "maxProperties": 0}"#,
        errors: &[],
        weight: Weight::Light,
        handler: nothing,
    };

    fn query(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn undeclared_query_parameters_are_refused() {
        let e = RouteRequest::new(&ROUTE, query(&[]), query(&[("limt", "3")]), vec![]).unwrap_err();
        assert_eq!(
            (e.status, e.code.as_str()),
            (400, codes::REQUEST_INVALID_PARAM)
        );
        assert!(e.message.contains("'limt'"), "{e}");
    }

    #[test]
    fn numbers_are_bounded_and_defaulted() {
        let r = |v: &str| {
            RouteRequest::new(
                &ROUTE,
                query(&[("id", "a")]),
                query(&[("limit", v)]),
                vec![],
            )
            .unwrap()
        };
        assert_eq!(r("7").number("limit", 5usize, 1..=10), Ok(7));
        assert_eq!(r("7").path("id"), "a");
        for bad in ["0", "11", "-1", "x", ""] {
            let e = r(bad).number("limit", 5usize, 1..=10).unwrap_err();
            assert_eq!(e.code, codes::REQUEST_INVALID_PARAM, "{bad}");
        }
        let none = RouteRequest::new(&ROUTE, query(&[]), query(&[]), vec![]).unwrap();
        assert_eq!(none.number("limit", 5usize, 1..=10), Ok(5));
    }
}
