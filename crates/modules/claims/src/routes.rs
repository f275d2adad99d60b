//! The claims module's read API: a plan, its monthly report, a claim, a
//! member's claims, an insurer's queue of referrals and appeals.

use crate::codes;
use crate::model::{claim_key, plan_key, stats_key, valid_id, Claim, Plan, Stats, Status};
use publica_runtime::overlay::StateRead;
use publica_runtime::routes::{
    IndexPage, Param, ReadError, ReadView, Reply, Route, RouteRequest, Verb, Weight,
};
use publica_types::{AccountId, Amount};
use serde_json::{json, Value};

const PAGE_SCHEMA: &str = r#"{
  "type": "object",
  "required": ["total", "entries"],
  "properties": {"total": {"type": "integer"}, "next": {"type": ["integer", "null"]},
    "entries": {"type": "array", "items": {"type": "object", "required": ["provider", "claim", "status"]}}}
}"#;

const AGENCY: Param = Param::path("agency", "The insurer agency");
const FROM: Param = IndexPage::FROM;
const LIMIT: Param = IndexPage::LIMIT;

/// The routes, in the order the OpenAPI document lists them.
pub const ROUTES: &[Route] = &[
    Route {
        name: "plan",
        verb: Verb::Get,
        path: "/v1/claims/plans/{agency}/{id}",
        summary: "An insurance plan: its cover and referral rules (CEL), tariff of procedure codes, yearly limit per member, co-payment, currency and account.",
        params: &[AGENCY, Param::path("id", "The plan")],
        body: None,
        answer: "The plan",
        schema: r##"{"type": "object", "required": ["agency", "id", "name", "currency", "account", "cover", "tariff", "annual_limit", "copay_pct"],
          "properties": {"tariff": {"type": "object", "additionalProperties": {"$ref": "#/components/schemas/Amount"}},
            "annual_limit": {"$ref": "#/components/schemas/Amount"}, "copay_pct": {"type": "integer", "minimum": 0, "maximum": 100}}}"##,
        errors: &[(400, "Malformed id"), (404, "No such plan (claims.unknown_plan)")],
        weight: Weight::Light,
        handler: plan,
    },
    Route {
        name: "report",
        verb: Verb::Get,
        path: "/v1/claims/plans/{agency}/{id}/report",
        summary: "A plan's figures per month of submission (at most 24 months): claims submitted, approved, denied (by reason), referred, decided, appealed, overturned on appeal, and paid; with their totals.",
        params: &[AGENCY, Param::path("id", "The plan"),
            Param::query("from", "First month, YYYY-MM"), Param::query("to", "Last month, YYYY-MM (default: from)")],
        body: None,
        answer: "`{plan, months: [{month, ...figures}], total}`",
        schema: r#"{"type": "object", "required": ["plan", "months", "total"],
          "properties": {"months": {"type": "array", "items": {"type": "object", "required": ["month", "submitted", "approved", "denied", "referred", "paid"]}},
            "total": {"type": "object", "required": ["submitted", "paid"]}}}"#,
        errors: &[(400, "Malformed months or more than 24"), (404, "No such plan (claims.unknown_plan)")],
        weight: Weight::Light,
        handler: report,
    },
    Route {
        name: "claim",
        verb: Verb::Get,
        path: "/v1/claims/{provider}/{id}",
        summary: "A claim: member, plan, service date, diagnosis, items (claimed, allowed by the tariff, covered or not), evidence (record commitments), where it stands and why, what was paid and the member's co-payment, who decided it, its appeal.",
        params: &[Param::path("provider", "The provider agency"), Param::path("id", "The claim")],
        body: None,
        answer: "The claim",
        schema: r##"{"type": "object", "required": ["provider", "id", "agency", "plan", "member", "service_date", "diagnosis", "items", "status", "paid", "copay"],
          "properties": {"status": {"enum": ["approved", "denied", "referred", "appealed"]},
            "paid": {"$ref": "#/components/schemas/Amount"}, "copay": {"$ref": "#/components/schemas/Amount"}}}"##,
        errors: &[(400, "Malformed id"), (404, "No such claim (claims.unknown_claim)")],
        weight: Weight::Light,
        handler: claim,
    },
    Route {
        name: "member",
        verb: Verb::Get,
        path: "/v1/claims/members/{account}",
        summary: "A member's claims, oldest first, each with where it stands now.",
        params: &[Param::path("account", "The member's account (64 hex)"), FROM, LIMIT],
        body: None,
        answer: "`{total, next, entries: [{provider, claim, status, height, tx_id}]}`",
        schema: PAGE_SCHEMA,
        errors: &[(400, "Malformed account or paging")],
        weight: Weight::Light,
        handler: member,
    },
    Route {
        name: "queue",
        verb: Verb::Get,
        path: "/v1/claims/queue/{agency}",
        summary: "An insurer's claims waiting for an adjudicator: referred by the rules, or appealed; oldest first.",
        params: &[AGENCY, FROM, LIMIT],
        body: None,
        answer: "`{total, next, entries: [{provider, claim, status}]}`: `total` counts every claim ever queued for the insurer; a page lists, of the claims in its range, only those still waiting (so a page may hold fewer than `limit`; follow `next`)",
        schema: PAGE_SCHEMA,
        errors: &[(400, "Malformed agency or paging")],
        weight: Weight::Light,
        handler: queue,
    },
];

fn read<T: serde::de::DeserializeOwned>(state: &dyn StateRead, key: &[u8]) -> Option<T> {
    state
        .value(key)
        .and_then(|b| serde_json::from_slice(&b).ok())
}

fn ids<'a>(req: &'a RouteRequest, a: &str, b: &str) -> Result<(&'a str, &'a str), ReadError> {
    let (x, y) = (req.path(a), req.path(b));
    if !valid_id(x) || !valid_id(y) {
        return Err(ReadError::bad_param(format!(
            "{a} and {b} are ids (1..=64 of [a-z0-9_-])"
        )));
    }
    Ok((x, y))
}

fn the_plan(view: &dyn ReadView, agency: &str, id: &str) -> Result<Plan, ReadError> {
    read(view.state(), &plan_key(agency, id)).ok_or_else(|| {
        ReadError::not_found(
            codes::UNKNOWN_PLAN,
            format!("'{agency}' has no plan '{id}'"),
        )
    })
}

fn plan(view: &dyn ReadView, req: &RouteRequest) -> Result<Reply, ReadError> {
    let (agency, id) = ids(req, "agency", "id")?;
    Ok(Reply::json(the_plan(view, agency, id)?))
}

fn month(s: &str) -> Option<(i64, i64)> {
    let (y, m) = s.split_once('-')?;
    let (y, m): (i64, i64) = (y.parse().ok()?, m.parse().ok()?);
    (s.len() == 7 && (1900..=9999).contains(&y) && (1..=12).contains(&m)).then_some((y, m))
}

fn report(view: &dyn ReadView, req: &RouteRequest) -> Result<Reply, ReadError> {
    let (agency, id) = ids(req, "agency", "id")?;
    the_plan(view, agency, id)?;
    let from = req
        .query("from")
        .and_then(month)
        .ok_or_else(|| ReadError::bad_param("from is a month YYYY-MM"))?;
    let to = match req.query("to") {
        None => from,
        Some(t) => month(t).ok_or_else(|| ReadError::bad_param("to is a month YYYY-MM"))?,
    };
    let (a, b) = (from.0 * 12 + from.1 - 1, to.0 * 12 + to.1 - 1);
    if b < a || b - a >= 24 {
        return Err(ReadError::bad_param("from..=to spans 1..=24 months"));
    }
    let mut total = Stats::default();
    let mut months = Vec::new();
    for n in a..=b {
        let m = format!("{:04}-{:02}", n / 12, n % 12 + 1);
        let s: Stats = read(view.state(), &stats_key(agency, id, &m)).unwrap_or_default();
        total.submitted += s.submitted;
        total.approved += s.approved;
        total.denied += s.denied;
        total.referred += s.referred;
        total.decided += s.decided;
        total.appealed += s.appealed;
        total.overturned += s.overturned;
        total.paid = total.paid.checked_add(s.paid).unwrap_or(total.paid);
        for (k, v) in &s.denied_by {
            *total.denied_by.entry(k.clone()).or_default() += v;
        }
        let mut v = serde_json::to_value(&s).map_err(ReadError::internal)?;
        v["month"] = json!(m);
        months.push(v);
    }
    Ok(Reply::json(
        json!({"plan": id, "agency": agency, "months": months, "total": total}),
    ))
}

fn claim(view: &dyn ReadView, req: &RouteRequest) -> Result<Reply, ReadError> {
    let (provider, id) = ids(req, "provider", "id")?;
    let c: Claim = read(view.state(), &claim_key(provider, id)).ok_or_else(|| {
        ReadError::not_found(
            codes::UNKNOWN_CLAIM,
            format!("'{provider}' has no claim '{id}'"),
        )
    })?;
    Ok(Reply::json(c))
}

fn now_status(view: &dyn ReadView, e: &Value) -> Option<(Status, Amount)> {
    let c: Claim = read(
        view.state(),
        &claim_key(e["provider"].as_str()?, e["claim"].as_str()?),
    )?;
    Some((c.status, c.paid))
}

fn member(view: &dyn ReadView, req: &RouteRequest) -> Result<Reply, ReadError> {
    let who: AccountId = req
        .path("account")
        .parse()
        .map_err(|_| ReadError::bad_param("account is 64 hex digits"))?;
    let mut page = IndexPage::read(view, req, &format!("claims/member/{}", who.to_hex()))?;
    for e in &mut page.entries {
        if let Some((s, paid)) = now_status(view, e) {
            e["status"] = json!(s);
            e["paid"] = json!(paid);
        }
    }
    Ok(Reply::json(page.json()))
}

fn queue(view: &dyn ReadView, req: &RouteRequest) -> Result<Reply, ReadError> {
    let agency = req.path("agency");
    if !valid_id(agency) {
        return Err(ReadError::bad_param("agency is an agency id"));
    }
    let mut page = IndexPage::read(view, req, &format!("claims/queue/{agency}"))?;
    page.entries = std::mem::take(&mut page.entries)
        .into_iter()
        .filter_map(|mut e| {
            let (s, _) = now_status(view, &e)?;
            matches!(s, Status::Referred | Status::Appealed).then(|| {
                e["status"] = json!(s);
                e
            })
        })
        .collect();
    Ok(Reply::json(page.json()))
}
