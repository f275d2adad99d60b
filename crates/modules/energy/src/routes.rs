//! The energy module's read API: the registry with its reconciliation,
//! meters and their readings, certificate lots, an account's certificate
//! movements, and cancellations.

use crate::codes;
use crate::model::{lot_key, meter_key, registry_key, valid_id, Lot, Meter, Registry};
use publica_runtime::overlay::StateRead;
use publica_runtime::routes::{
    IndexPage, Param, ReadError, ReadView, Reply, Route, RouteRequest, Verb, Weight,
};
use publica_types::AccountId;
use serde_json::{json, Value};

const REGISTRY_SCHEMA: &str = r#"{
  "type": "object",
  "required": ["registry", "reconciles"],
  "properties": {
    "registry": {"type": "object", "required": ["agency", "unit_wh", "interval_ms", "validity_days", "country", "meters", "generated_wh", "issued_units", "cancelled_units", "carry_wh"]},
    "reconciles": {"type": "boolean"}
  }
}"#;

const METER_SCHEMA: &str = r#"{
  "type": "object",
  "required": ["meter"],
  "properties": {"meter": {"type": "object", "required": ["id", "key", "holder", "role", "technology", "location", "capacity_w", "faulty", "last_start_ms", "imported_wh", "exported_wh", "carry_wh", "height"],
    "properties": {"technology": {"enum": ["solar", "wind", "hydro", "biomass", "geothermal", "none"]}}}}
}"#;

const LOT_SCHEMA: &str = r#"{
  "type": "object",
  "required": ["lot", "expired"],
  "properties": {"lot": {"type": "object", "required": ["id", "meter", "technology", "location", "country", "start_ms", "end_ms", "units", "cancelled", "height", "issued_ms", "expires_ms"]},
    "expired": {"type": "boolean"}}
}"#;

const MARKET_SCHEMA: &str = r#"{
  "type": "object",
  "required": ["market", "intervals"],
  "properties": {"market": {"type": "object", "required": ["agency", "currency", "escrow_account", "escrow_agency", "fee_account", "fee_per_kwh", "gate_ms", "price_cap"]},
    "intervals": {"type": "object", "required": ["total", "entries"]}}
}"#;

const INTERVAL_SCHEMA: &str = r#"{
  "type": "object",
  "required": ["interval", "settlement"],
  "properties": {"interval": {"type": "object", "required": ["orders", "cleared", "price", "volume_wh", "paid", "fees", "refunded"]},
    "settlement": {"type": "object", "required": ["total", "entries"]}}
}"#;

const AGENCY: Param = Param::path("agency", "The agency running the registry");
const METER: Param = Param::path("id", "The meter's id");
const FROM: Param = IndexPage::FROM;
const LIMIT: Param = IndexPage::LIMIT;
const NO_REGISTRY: (u16, &str) = (404, "No registry configured (energy.not_configured)");

/// The routes, in the order the OpenAPI document lists them.
pub const ROUTES: &[Route] = &[
    Route {
        name: "registry",
        verb: Verb::Get,
        path: "/v1/energy/{agency}",
        summary: "The agency's certificate registry: unit, interval, validity, country, meters, and its totals — renewable generation metered, units issued and cancelled, remainders — with whether they reconcile (units × unit + remainders = generation).",
        params: &[AGENCY],
        body: None,
        answer: "`{registry, reconciles}`",
        schema: REGISTRY_SCHEMA,
        errors: &[(400, "Malformed agency"), NO_REGISTRY],
        weight: Weight::Light,
        handler: registry,
    },
    Route {
        name: "meters",
        verb: Verb::Get,
        path: "/v1/energy/{agency}/meters",
        summary: "Meters registered, oldest first.",
        params: &[AGENCY, FROM, LIMIT],
        body: None,
        answer: "`{total, next, entries: [{meter, height}]}`",
        schema: IndexPage::SCHEMA,
        errors: &[(400, "Malformed agency or paging")],
        weight: Weight::Light,
        handler: meters,
    },
    Route {
        name: "meter",
        verb: Verb::Get,
        path: "/v1/energy/{agency}/meters/{id}",
        summary: "A meter: key, holder, role, technology, location, capacity, faulty flag, last interval read, totals imported and exported, remainder.",
        params: &[AGENCY, METER],
        body: None,
        answer: "`{meter}`",
        schema: METER_SCHEMA,
        errors: &[(400, "Malformed id"), (404, "No such meter (energy.unknown_meter)")],
        weight: Weight::Light,
        handler: meter,
    },
    Route {
        name: "readings",
        verb: Verb::Get,
        path: "/v1/energy/{agency}/meters/{id}/readings",
        summary: "A meter's accepted batches of readings, in order: first and last interval, count, energy imported and exported.",
        params: &[AGENCY, METER, FROM, LIMIT],
        body: None,
        answer: "`{total, next, entries: [{first_ms, last_ms, count, import_wh, export_wh, height}]}`",
        schema: IndexPage::SCHEMA,
        errors: &[(400, "Malformed id or paging")],
        weight: Weight::Light,
        handler: readings,
    },
    Route {
        name: "certificates",
        verb: Verb::Get,
        path: "/v1/energy/{agency}/certificates",
        summary: "Certificate lots issued, in order: lot, first holder, units.",
        params: &[AGENCY, FROM, LIMIT],
        body: None,
        answer: "`{total, next, entries: [{lot, holder, units, height}]}`",
        schema: IndexPage::SCHEMA,
        errors: &[(400, "Malformed agency or paging")],
        weight: Weight::Light,
        handler: certificates,
    },
    Route {
        name: "lot",
        verb: Verb::Get,
        path: "/v1/energy/{agency}/certificates/{meter}/{start}",
        summary: "A certificate lot: production device, technology, location, country, interval, units issued and cancelled, issuance and expiry.",
        params: &[AGENCY, Param::path("meter", "The production meter"), Param::path("start", "The interval's start (ms)")],
        body: None,
        answer: "`{lot, expired}`",
        schema: LOT_SCHEMA,
        errors: &[(400, "Malformed lot"), (404, "No such lot (energy.unknown_certificate)")],
        weight: Weight::Light,
        handler: lot,
    },
    Route {
        name: "account",
        verb: Verb::Get,
        path: "/v1/energy/{agency}/accounts/{account}",
        summary: "An account's certificate movements, in order: issued to it, sent, received, cancelled.",
        params: &[AGENCY, Param::path("account", "The account (64 hex)"), FROM, LIMIT],
        body: None,
        answer: "`{total, next, entries: [{lot, kind, units, counterparty?, beneficiary?, height}]}`",
        schema: IndexPage::SCHEMA,
        errors: &[(400, "Malformed account or paging")],
        weight: Weight::Light,
        handler: account,
    },
    Route {
        name: "market",
        verb: Verb::Get,
        path: "/v1/energy/{agency}/market",
        summary: "The market's settings (currency, escrow and fee accounts, fee per kWh, gate, price cap) and its cleared intervals, newest last, page by page: clearing price, volume, orders.",
        params: &[AGENCY, FROM, LIMIT],
        body: None,
        answer: "`{market, intervals: {total, next, entries: [{start_ms, price, volume_wh, orders, error, height}]}}`",
        schema: MARKET_SCHEMA,
        errors: &[(400, "Malformed agency or paging"), (404, "No market (energy.not_configured)")],
        weight: Weight::Light,
        handler: market,
    },
    Route {
        name: "interval",
        verb: Verb::Get,
        path: "/v1/energy/{agency}/market/{start}",
        summary: "One market interval: orders taken, whether cleared, the clearing price, volume, paid to sellers, grid fees, refunds; with its per-order settlement page by page.",
        params: &[AGENCY, Param::path("start", "The interval's start (ms)"), FROM, LIMIT],
        body: None,
        answer: "`{interval, settlement: {total, next, entries: [{seq, by, side, matched_wh, amount, fee, refund, height}]}}`",
        schema: INTERVAL_SCHEMA,
        errors: &[(400, "Malformed interval or paging"), (404, "No order for this interval (energy.not_configured)")],
        weight: Weight::Light,
        handler: interval,
    },
    Route {
        name: "cancellations",
        verb: Verb::Get,
        path: "/v1/energy/{agency}/cancellations",
        summary: "Every cancellation, in order: lot, units, holder, beneficiary — who claimed which renewable energy.",
        params: &[AGENCY, FROM, LIMIT],
        body: None,
        answer: "`{total, next, entries: [{lot, kind, units, by, beneficiary, height}]}`",
        schema: IndexPage::SCHEMA,
        errors: &[(400, "Malformed agency or paging")],
        weight: Weight::Light,
        handler: cancellations,
    },
];

/// A JSON value of the state (for this crate's read routes).
pub(crate) fn read<T: serde::de::DeserializeOwned>(state: &dyn StateRead, key: &[u8]) -> Option<T> {
    state
        .value(key)
        .and_then(|b| serde_json::from_slice(&b).ok())
}

/// The `agency` path parameter, checked (for this crate's read routes).
pub(crate) fn agency(req: &RouteRequest) -> Result<&str, ReadError> {
    let a = req.path("agency");
    if valid_id(a) {
        Ok(a)
    } else {
        Err(ReadError::bad_param("an agency id is 1..=64 of [a-z0-9_-]"))
    }
}

fn page(view: &dyn ReadView, req: &RouteRequest, key: &str) -> Result<Reply, ReadError> {
    Ok(Reply::json(IndexPage::read(view, req, key)?.json()))
}

fn registry(view: &dyn ReadView, req: &RouteRequest) -> Result<Reply, ReadError> {
    let a = agency(req)?;
    let r: Registry = read(view.state(), &registry_key(a)).ok_or_else(|| {
        ReadError::not_found(
            codes::NOT_CONFIGURED,
            format!("'{a}' has no certificate registry"),
        )
    })?;
    Ok(Reply::json(
        json!({"reconciles": r.reconciles(), "registry": r}),
    ))
}

fn meters(view: &dyn ReadView, req: &RouteRequest) -> Result<Reply, ReadError> {
    let a = agency(req)?;
    page(view, req, &format!("energy/meters/{a}"))
}

fn meter_id(req: &RouteRequest) -> Result<&str, ReadError> {
    let id = req.path("id");
    if valid_id(id) {
        Ok(id)
    } else {
        Err(ReadError::bad_param("a meter id is 1..=64 of [a-z0-9_-]"))
    }
}

fn meter(view: &dyn ReadView, req: &RouteRequest) -> Result<Reply, ReadError> {
    let a = agency(req)?;
    let id = meter_id(req)?;
    let m: Meter = read(view.state(), &meter_key(a, id)).ok_or_else(|| {
        ReadError::not_found(codes::UNKNOWN_METER, format!("'{a}' has no meter '{id}'"))
    })?;
    Ok(Reply::json(json!({"meter": m})))
}

fn readings(view: &dyn ReadView, req: &RouteRequest) -> Result<Reply, ReadError> {
    let a = agency(req)?;
    let id = meter_id(req)?;
    page(view, req, &format!("energy/readings/{a}/{id}"))
}

fn certificates(view: &dyn ReadView, req: &RouteRequest) -> Result<Reply, ReadError> {
    let a = agency(req)?;
    page(view, req, &format!("energy/lots/{a}"))
}

fn lot(view: &dyn ReadView, req: &RouteRequest) -> Result<Reply, ReadError> {
    let a = agency(req)?;
    let (m, start) = (req.path("meter"), req.path("start"));
    if !valid_id(m)
        || start.is_empty()
        || start.len() > 20
        || !start.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(ReadError::bad_param(
            "a lot is a meter id and an interval start in ms",
        ));
    }
    let id = format!("{m}/{start}");
    let l: Lot = read(view.state(), &lot_key(a, &id)).ok_or_else(|| {
        ReadError::not_found(
            codes::UNKNOWN_CERTIFICATE,
            format!("'{a}' has no lot '{id}'"),
        )
    })?;
    let expired = view.now_ms() >= l.expires_ms;
    Ok(Reply::json(json!({"lot": l, "expired": expired})))
}

fn account(view: &dyn ReadView, req: &RouteRequest) -> Result<Reply, ReadError> {
    let a = agency(req)?;
    let acct: AccountId = serde_json::from_value(Value::String(req.path("account").into()))
        .map_err(|_| ReadError::bad_param("an account is 64 hex digits"))?;
    page(view, req, &format!("energy/account/{a}/{}", acct.to_hex()))
}

fn market(view: &dyn ReadView, req: &RouteRequest) -> Result<Reply, ReadError> {
    let a = agency(req)?;
    let m: crate::market::Market =
        read(view.state(), &crate::market::market_key(a)).ok_or_else(|| {
            ReadError::not_found(codes::NOT_CONFIGURED, format!("'{a}' runs no market"))
        })?;
    let intervals = IndexPage::read(view, req, &format!("energy/intervals/{a}"))?.json();
    Ok(Reply::json(json!({"market": m, "intervals": intervals})))
}

fn interval(view: &dyn ReadView, req: &RouteRequest) -> Result<Reply, ReadError> {
    let a = agency(req)?;
    let start: u64 = req
        .path("start")
        .parse()
        .map_err(|_| ReadError::bad_param("an interval is its start in ms"))?;
    let iv: crate::market::Interval = read(view.state(), &crate::market::interval_key(a, start))
        .ok_or_else(|| {
            ReadError::not_found(
                codes::NOT_CONFIGURED,
                format!("no order for '{a}' interval {start}"),
            )
        })?;
    let settlement = IndexPage::read(view, req, &format!("energy/settlement/{a}/{start}"))?.json();
    Ok(Reply::json(
        json!({"interval": iv, "settlement": settlement}),
    ))
}

fn cancellations(view: &dyn ReadView, req: &RouteRequest) -> Result<Reply, ReadError> {
    let a = agency(req)?;
    page(view, req, &format!("energy/cancellations/{a}"))
}
