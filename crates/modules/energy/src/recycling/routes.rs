//! The recycling module's read API: the scheme with its totals, the rate
//! table in force and open pickup requests; rate tables; collection
//! points and their deposits; providers with their mass balance, flags
//! and service levels; organisations and their attestations; a person's
//! credits.

use super::codes;
use super::model::{
    org_key, point_key, provider_key, rates_key, request_key, scheme_key, sli_key, Org, Point,
    Provider, RateTable, Request, Scheme, Sli,
};
use crate::model::valid_id;
use crate::routes::{agency, read};
use publica_runtime::overlay::StateRead;
use publica_runtime::routes::{
    IndexPage, Param, ReadError, ReadView, Reply, Route, RouteRequest, Verb, Weight,
};
use publica_types::AccountId;
use serde_json::{json, Value};

const SCHEME_SCHEMA: &str = r#"{
  "type": "object",
  "required": ["scheme", "rates", "open_requests"],
  "properties": {
    "scheme": {"type": "object", "required": ["agency", "currency", "fund_account", "rates_in_force", "rates_proposed", "deposits", "deposited_g", "deposit_credits", "volunteer_minutes", "volunteer_paid", "requests", "open_requests"]},
    "rates": {"type": ["object", "null"]},
    "open_requests": {"type": "array", "items": {"type": "object", "required": ["request", "overdue"]}}
  }
}"#;

const RATES_SCHEMA: &str = r#"{
  "type": "object",
  "required": ["rates", "in_force"],
  "properties": {"rates": {"type": "object", "required": ["version", "materials", "rule", "params", "max_credit", "volunteer_rate_per_hour", "volunteer_cap_per_month", "proposed_by", "hash", "approvals", "approved"]},
    "in_force": {"type": "boolean"}}
}"#;

const POINT_SCHEMA: &str = r#"{
  "type": "object",
  "required": ["point", "deposits"],
  "properties": {"point": {"type": "object", "required": ["id", "key", "location", "materials", "licensed", "collected_g", "picked_up_g", "deposits", "credited"]},
    "deposits": {"type": "object", "required": ["total", "entries"]}}
}"#;

const PROVIDER_SCHEMA: &str = r#"{
  "type": "object",
  "required": ["provider", "adds_up", "sli", "reports"],
  "properties": {"provider": {"type": "object", "required": ["id", "key", "kind", "licensed", "balance", "flagged", "months"],
      "properties": {"kind": {"enum": ["hauler", "recycler"]}}},
    "adds_up": {"type": "boolean"},
    "sli": {"type": "array", "items": {"type": "object", "required": ["month", "served", "on_time", "on_time_pct", "mean_response_ms"]}},
    "reports": {"type": "object", "required": ["total", "entries"]}}
}"#;

const ORG_SCHEMA: &str = r#"{
  "type": "object",
  "required": ["org", "attestations"],
  "properties": {"org": {"type": "object", "required": ["id", "key", "active", "budget", "spent", "minutes"]},
    "attestations": {"type": "object", "required": ["total", "entries"]}}
}"#;

const REQUEST_SCHEMA: &str = r#"{
  "type": "object",
  "required": ["request", "overdue"],
  "properties": {"request": {"type": "object", "required": ["id", "point", "material", "requested_ms", "due_ms", "served"]},
    "overdue": {"type": "boolean"}}
}"#;

const AGENCY: Param = Param::path("agency", "The agency running the scheme");
const ID: Param = Param::path("id", "The id");
const FROM: Param = IndexPage::FROM;
const LIMIT: Param = IndexPage::LIMIT;
const PAGING: (u16, &str) = (400, "Malformed agency, id or paging");

/// The routes, in the order the OpenAPI document lists them.
pub const ROUTES: &[Route] = &[
    Route {
        name: "scheme",
        verb: Verb::Get,
        path: "/v1/recycling/{agency}",
        summary: "The agency's recycling and volunteering scheme: currency, fund, the rate table in force (with the volunteer rate and monthly cap), totals (deposits, grams per material, credits, volunteer minutes and rewards) and the pickup requests open, each with whether it is overdue.",
        params: &[AGENCY],
        body: None,
        answer: "`{scheme, rates, open_requests: [{request, overdue}]}`",
        schema: SCHEME_SCHEMA,
        errors: &[(400, "Malformed agency"), (404, "No scheme (recycling.not_configured)")],
        weight: Weight::Light,
        handler: scheme,
    },
    Route {
        name: "rate-history",
        verb: Verb::Get,
        path: "/v1/recycling/{agency}/rates",
        summary: "Rate tables proposed and approved, in order.",
        params: &[AGENCY, FROM, LIMIT],
        body: None,
        answer: "`{total, next, entries: [{version, kind, hash?, by?, height}]}`",
        schema: IndexPage::SCHEMA,
        errors: &[PAGING],
        weight: Weight::Light,
        handler: rate_history,
    },
    Route {
        name: "rates",
        verb: Verb::Get,
        path: "/v1/recycling/{agency}/rates/{version}",
        summary: "A rate table: materials, rule (CEL), parameters, the most a deposit earns, the volunteer rate and monthly cap, who proposed it, its hash, the administrators who approved it, and whether it is in force.",
        params: &[AGENCY, Param::path("version", "The version")],
        body: None,
        answer: "`{rates, in_force}`",
        schema: RATES_SCHEMA,
        errors: &[(400, "Malformed version"), (404, "No such table (recycling.unknown)")],
        weight: Weight::Light,
        handler: rates,
    },
    Route {
        name: "points",
        verb: Verb::Get,
        path: "/v1/recycling/{agency}/points",
        summary: "Collection points licensed, in order.",
        params: &[AGENCY, FROM, LIMIT],
        body: None,
        answer: "`{total, next, entries: [{point, height}]}`",
        schema: IndexPage::SCHEMA,
        errors: &[PAGING],
        weight: Weight::Light,
        handler: points,
    },
    Route {
        name: "point",
        verb: Verb::Get,
        path: "/v1/recycling/{agency}/points/{id}",
        summary: "A collection point: key, location, materials, licence, grams collected and picked up per material, credits paid; with its deposits page by page.",
        params: &[AGENCY, ID, FROM, LIMIT],
        body: None,
        answer: "`{point, deposits: {total, next, entries: [{account, material, grams, credit, version, reference, height}]}}`",
        schema: POINT_SCHEMA,
        errors: &[PAGING, (404, "No such point (recycling.unknown)")],
        weight: Weight::Light,
        handler: point,
    },
    Route {
        name: "providers",
        verb: Verb::Get,
        path: "/v1/recycling/{agency}/providers",
        summary: "Service providers registered, in order.",
        params: &[AGENCY, FROM, LIMIT],
        body: None,
        answer: "`{total, next, entries: [{provider, kind, height}]}`",
        schema: IndexPage::SCHEMA,
        errors: &[PAGING],
        weight: Weight::Light,
        handler: providers,
    },
    Route {
        name: "provider",
        verb: Verb::Get,
        path: "/v1/recycling/{agency}/providers/{id}",
        summary: "A service provider: its mass balance per material (collected, processed, stock), whether it adds up, its flag, its service levels per month (requests served, on time, mean response) and its reports page by page.",
        params: &[AGENCY, ID, FROM, LIMIT],
        body: None,
        answer: "`{provider, adds_up, sli: [{month, served, on_time, on_time_pct, mean_response_ms}], reports: {total, next, entries}}`",
        schema: PROVIDER_SCHEMA,
        errors: &[PAGING, (404, "No such provider (recycling.unknown)")],
        weight: Weight::Light,
        handler: provider,
    },
    Route {
        name: "flags",
        verb: Verb::Get,
        path: "/v1/recycling/{agency}/flags",
        summary: "Every time a provider's figures stopped adding up, and every flag cleared, in order.",
        params: &[AGENCY, FROM, LIMIT],
        body: None,
        answer: "`{total, next, entries: [{provider, material?, reason?, cleared?, height}]}`",
        schema: IndexPage::SCHEMA,
        errors: &[PAGING],
        weight: Weight::Light,
        handler: flags,
    },
    Route {
        name: "orgs",
        verb: Verb::Get,
        path: "/v1/recycling/{agency}/orgs",
        summary: "Volunteer organisations registered and budgets set, in order.",
        params: &[AGENCY, FROM, LIMIT],
        body: None,
        answer: "`{total, next, entries: [{org, budget, height}]}`",
        schema: IndexPage::SCHEMA,
        errors: &[PAGING],
        weight: Weight::Light,
        handler: orgs,
    },
    Route {
        name: "org",
        verb: Verb::Get,
        path: "/v1/recycling/{agency}/orgs/{id}",
        summary: "A volunteer organisation: key, whether active, budget, spent, minutes; with its attestations page by page.",
        params: &[AGENCY, ID, FROM, LIMIT],
        body: None,
        answer: "`{org, attestations: {total, next, entries: [{account, minutes, reward, paid, reference, height}]}}`",
        schema: ORG_SCHEMA,
        errors: &[PAGING, (404, "No such organisation (recycling.unknown)")],
        weight: Weight::Light,
        handler: org,
    },
    Route {
        name: "person",
        verb: Verb::Get,
        path: "/v1/recycling/{agency}/people/{account}",
        summary: "What a person (by their account key, pseudonymous) was credited, in order: deposits and volunteer work.",
        params: &[AGENCY, Param::path("account", "The person's account key (64 hex)"), FROM, LIMIT],
        body: None,
        answer: "`{total, next, entries: [{kind, account, credit?, paid?, ...height}]}`",
        schema: IndexPage::SCHEMA,
        errors: &[(400, "Malformed account or paging")],
        weight: Weight::Light,
        handler: person,
    },
    Route {
        name: "request",
        verb: Verb::Get,
        path: "/v1/recycling/{agency}/requests/{id}",
        summary: "A pickup request: point, material, when asked and due, who served it and when, and whether it is overdue now.",
        params: &[AGENCY, Param::path("id", "The request's number")],
        body: None,
        answer: "`{request, overdue}`",
        schema: REQUEST_SCHEMA,
        errors: &[(400, "Malformed id"), (404, "No such request (recycling.unknown)")],
        weight: Weight::Light,
        handler: request,
    },
];

fn id(req: &RouteRequest) -> Result<&str, ReadError> {
    let id = req.path("id");
    if valid_id(id) {
        Ok(id)
    } else {
        Err(ReadError::bad_param("an id is 1..=64 of [a-z0-9_-]"))
    }
}

fn number(req: &RouteRequest, name: &str) -> Result<u64, ReadError> {
    let s = req.path(name);
    if s.is_empty() || s.len() > 15 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ReadError::bad_param(format!("{name} is a number")));
    }
    s.parse()
        .map_err(|_| ReadError::bad_param(format!("{name} is a number")))
}

fn unknown(what: String) -> ReadError {
    ReadError::not_found(codes::UNKNOWN, what)
}

fn page(view: &dyn ReadView, req: &RouteRequest, key: &str) -> Result<Value, ReadError> {
    Ok(IndexPage::read(view, req, key)?.json())
}

fn overdue(r: &Request, now: u64) -> bool {
    r.served.is_none() && now > r.due_ms
}

fn scheme(view: &dyn ReadView, req: &RouteRequest) -> Result<Reply, ReadError> {
    let a = agency(req)?;
    let s: Scheme = read(view.state(), &scheme_key(a)).ok_or_else(|| {
        ReadError::not_found(
            codes::NOT_CONFIGURED,
            format!("'{a}' runs no recycling scheme"),
        )
    })?;
    let rates: Option<RateTable> = read(view.state(), &rates_key(a, s.rates_in_force));
    let now = view.now_ms();
    let open: Vec<Value> = s
        .open_requests
        .iter()
        .filter_map(|&r| read::<Request>(view.state(), &request_key(a, r)))
        .map(|r| json!({"overdue": overdue(&r, now), "request": r}))
        .collect();
    Ok(Reply::json(
        json!({"scheme": s, "rates": rates, "open_requests": open}),
    ))
}

fn rate_history(view: &dyn ReadView, req: &RouteRequest) -> Result<Reply, ReadError> {
    let a = agency(req)?;
    Ok(Reply::json(page(
        view,
        req,
        &format!("recycling/rates/{a}"),
    )?))
}

fn rates(view: &dyn ReadView, req: &RouteRequest) -> Result<Reply, ReadError> {
    let a = agency(req)?;
    let v = number(req, "version")?;
    let t: RateTable = read(view.state(), &rates_key(a, v))
        .ok_or_else(|| unknown(format!("'{a}' has no rate table {v}")))?;
    let in_force =
        read::<Scheme>(view.state(), &scheme_key(a)).is_some_and(|s| s.rates_in_force == v);
    Ok(Reply::json(json!({"rates": t, "in_force": in_force})))
}

fn points(view: &dyn ReadView, req: &RouteRequest) -> Result<Reply, ReadError> {
    let a = agency(req)?;
    Ok(Reply::json(page(
        view,
        req,
        &format!("recycling/points/{a}"),
    )?))
}

fn point(view: &dyn ReadView, req: &RouteRequest) -> Result<Reply, ReadError> {
    let (a, p) = (agency(req)?, id(req)?);
    let pt: Point = read(view.state(), &point_key(a, p))
        .ok_or_else(|| unknown(format!("'{a}' has no collection point '{p}'")))?;
    let deposits = page(view, req, &format!("recycling/deposits/{a}/{p}"))?;
    Ok(Reply::json(json!({"point": pt, "deposits": deposits})))
}

fn providers(view: &dyn ReadView, req: &RouteRequest) -> Result<Reply, ReadError> {
    let a = agency(req)?;
    Ok(Reply::json(page(
        view,
        req,
        &format!("recycling/providers/{a}"),
    )?))
}

/// A provider's service levels in each month it served requests.
pub fn service_levels(state: &dyn StateRead, agency: &str, p: &Provider) -> Vec<Value> {
    p.months
        .iter()
        .map(|m| {
            let l: Sli = read(state, &sli_key(agency, &p.id, m)).unwrap_or_default();
            let pct = (l.on_time * 100).checked_div(l.served).unwrap_or(0);
            let mean = l.response_ms.checked_div(l.served).unwrap_or(0);
            json!({"month": m, "served": l.served, "on_time": l.on_time,
                "on_time_pct": pct, "mean_response_ms": mean})
        })
        .collect()
}

fn provider(view: &dyn ReadView, req: &RouteRequest) -> Result<Reply, ReadError> {
    let (a, p) = (agency(req)?, id(req)?);
    let pr: Provider = read(view.state(), &provider_key(a, p))
        .ok_or_else(|| unknown(format!("'{a}' has no provider '{p}'")))?;
    let adds_up = pr.balance.values().all(super::model::MassBalance::adds_up);
    let sli = service_levels(view.state(), a, &pr);
    let reports = page(view, req, &format!("recycling/reports/{a}/{p}"))?;
    Ok(Reply::json(
        json!({"provider": pr, "adds_up": adds_up, "sli": sli, "reports": reports}),
    ))
}

fn flags(view: &dyn ReadView, req: &RouteRequest) -> Result<Reply, ReadError> {
    let a = agency(req)?;
    Ok(Reply::json(page(
        view,
        req,
        &format!("recycling/flags/{a}"),
    )?))
}

fn orgs(view: &dyn ReadView, req: &RouteRequest) -> Result<Reply, ReadError> {
    let a = agency(req)?;
    Ok(Reply::json(page(
        view,
        req,
        &format!("recycling/orgs/{a}"),
    )?))
}

fn org(view: &dyn ReadView, req: &RouteRequest) -> Result<Reply, ReadError> {
    let (a, o) = (agency(req)?, id(req)?);
    let og: Org = read(view.state(), &org_key(a, o))
        .ok_or_else(|| unknown(format!("'{a}' has no organisation '{o}'")))?;
    let attestations = page(view, req, &format!("recycling/volunteering/{a}/{o}"))?;
    Ok(Reply::json(
        json!({"org": og, "attestations": attestations}),
    ))
}

fn person(view: &dyn ReadView, req: &RouteRequest) -> Result<Reply, ReadError> {
    let a = agency(req)?;
    let acct: AccountId = serde_json::from_value(Value::String(req.path("account").into()))
        .map_err(|_| ReadError::bad_param("an account is 64 hex digits"))?;
    Ok(Reply::json(page(
        view,
        req,
        &format!("recycling/people/{a}/{}", acct.to_hex()),
    )?))
}

fn request(view: &dyn ReadView, req: &RouteRequest) -> Result<Reply, ReadError> {
    let a = agency(req)?;
    let n = number(req, "id")?;
    let r: Request = read(view.state(), &request_key(a, n))
        .ok_or_else(|| unknown(format!("'{a}' has no pickup request {n}")))?;
    let overdue = overdue(&r, view.now_ms());
    Ok(Reply::json(json!({"request": r, "overdue": overdue})))
}
