//! The governance module's read API: communities, a member's standing and
//! delegations, the delegations on record, proposals with their count and
//! votes, budgeting rounds with their result (or as a pabulib file), and
//! objections.

use super::codes;
use super::model::{
    community_key, delegation_key, member_key, proposal_key, round_key, Community, Delegation,
    Member, Proposal, Round,
};
use super::rounds;
use crate::model::valid_id;
use publica_runtime::overlay::StateRead;
use publica_runtime::routes::{
    IndexPage, Param, ReadError, ReadView, Reply, Route, RouteRequest, Verb, Weight,
};
use publica_types::AccountId;
use serde_json::{json, Map, Value};

const COMMUNITY_SCHEMA: &str = r#"{
  "type": "object",
  "required": ["community", "treasury"],
  "properties": {
    "community": {"type": "object", "required": ["agency", "id", "title", "topics", "account", "currency", "members", "height"]},
    "treasury": {"type": ["string", "null"]}
  }
}"#;

const MEMBER_SCHEMA: &str = r#"{
  "type": "object",
  "required": ["community", "account", "member", "delegations"],
  "properties": {"member": {"type": ["object", "null"]}, "delegations": {"type": "object"}}
}"#;

const PROPOSAL_SCHEMA: &str = r#"{
  "type": "object",
  "required": ["proposal"],
  "properties": {"proposal": {"type": "object", "required": ["id", "topic", "title", "text_hash", "by", "actions", "closes_ms", "veto_ms", "quorum_pct", "status", "tally", "height"],
    "properties": {"status": {"enum": ["open", "passed", "rejected", "vetoed", "executed", "failed"]}}}}
}"#;

const ROUND_SCHEMA: &str = r#"{
  "type": "object",
  "required": ["round"],
  "properties": {"round": {"type": "object", "required": ["id", "title", "budget", "projects", "rule", "closes_ms", "objection_ms", "status", "winners", "objections", "height"],
    "properties": {"status": {"enum": ["open", "objection", "cancelled", "funded", "unfunded"]}}}}
}"#;

const AGENCY: Param = Param::path("agency", "The agency running the community");
const COMMUNITY: Param = Param::path("community", "The community's id");
const ID: Param = Param::path("id", "The proposal's or round's id");
const FROM: Param = IndexPage::FROM;
const LIMIT: Param = IndexPage::LIMIT;

const NOT_FOUND: (u16, &str) = (404, "No such community (governance.unknown_community)");

/// The routes, in the order the OpenAPI document lists them.
pub const ROUTES: &[Route] = &[
    Route {
        name: "communities",
        verb: Verb::Get,
        path: "/v1/governance",
        summary: "Every community, oldest first, page by page.",
        params: &[FROM, LIMIT],
        body: None,
        answer: "`{total, next, entries: [{agency, community, height}]}`",
        schema: IndexPage::SCHEMA,
        errors: &[(400, "Bad paging")],
        weight: Weight::Light,
        handler: communities,
    },
    Route {
        name: "community",
        verb: Verb::Get,
        path: "/v1/governance/{agency}/{community}",
        summary: "A community: its topics, members' count and treasury account with its balance.",
        params: &[AGENCY, COMMUNITY],
        body: None,
        answer: "`{community, treasury}`",
        schema: COMMUNITY_SCHEMA,
        errors: &[(400, "Malformed id"), NOT_FOUND],
        weight: Weight::Light,
        handler: community,
    },
    Route {
        name: "member",
        verb: Verb::Get,
        path: "/v1/governance/{agency}/{community}/members/{account}",
        summary: "A member's standing: enrolled since when (or null), and their delegation on each topic.",
        params: &[AGENCY, COMMUNITY, Param::path("account", "The account (64 hex)")],
        body: None,
        answer: "`{community, account, member, delegations: {topic: {to, height}}}`",
        schema: MEMBER_SCHEMA,
        errors: &[(400, "Malformed id or account"), NOT_FOUND],
        weight: Weight::Light,
        handler: member,
    },
    Route {
        name: "delegations",
        verb: Verb::Get,
        path: "/v1/governance/{agency}/{community}/delegations",
        summary: "Every delegation made and revoked (`to` null), in order: delegations are public.",
        params: &[AGENCY, COMMUNITY, FROM, LIMIT],
        body: None,
        answer: "`{total, next, entries: [{topic, from, to, height}]}`",
        schema: IndexPage::SCHEMA,
        errors: &[(400, "Malformed id or paging"), NOT_FOUND],
        weight: Weight::Light,
        handler: delegations,
    },
    Route {
        name: "proposals",
        verb: Verb::Get,
        path: "/v1/governance/{agency}/{community}/proposals",
        summary: "The community's proposals, oldest first.",
        params: &[AGENCY, COMMUNITY, FROM, LIMIT],
        body: None,
        answer: "`{total, next, entries: [{proposal, topic, by, height}]}`",
        schema: IndexPage::SCHEMA,
        errors: &[(400, "Malformed id or paging"), NOT_FOUND],
        weight: Weight::Light,
        handler: proposals,
    },
    Route {
        name: "proposal",
        verb: Verb::Get,
        path: "/v1/governance/{agency}/{community}/proposals/{id}",
        summary: "A proposal: its actions, window, status, and once closed its count (weights through delegations, the delegates' weights) and when its actions run.",
        params: &[AGENCY, COMMUNITY, ID],
        body: None,
        answer: "`{proposal}`",
        schema: PROPOSAL_SCHEMA,
        errors: &[(400, "Malformed id"), (404, "No such community or proposal (governance.unknown_proposal)")],
        weight: Weight::Light,
        handler: proposal,
    },
    Route {
        name: "votes",
        verb: Verb::Get,
        path: "/v1/governance/{agency}/{community}/proposals/{id}/votes",
        summary: "Every vote on a proposal, or ballot in a round, in order (a later one of the same voter replaces the earlier).",
        params: &[AGENCY, COMMUNITY, ID, FROM, LIMIT],
        body: None,
        answer: "`{total, next, entries: [{voter, choice | approvals, height}]}`",
        schema: IndexPage::SCHEMA,
        errors: &[(400, "Malformed id or paging"), NOT_FOUND],
        weight: Weight::Light,
        handler: votes,
    },
    Route {
        name: "rounds",
        verb: Verb::Get,
        path: "/v1/governance/{agency}/{community}/rounds",
        summary: "The community's participatory budgeting rounds, oldest first.",
        params: &[AGENCY, COMMUNITY, FROM, LIMIT],
        body: None,
        answer: "`{total, next, entries: [{round, budget, height}]}`",
        schema: IndexPage::SCHEMA,
        errors: &[(400, "Malformed id or paging"), NOT_FOUND],
        weight: Weight::Light,
        handler: rounds_list,
    },
    Route {
        name: "round",
        verb: Verb::Get,
        path: "/v1/governance/{agency}/{community}/rounds/{id}",
        summary: "A budgeting round: projects, budget, rule, status; once closed the approvals per project, the winners, what they cost and when they are paid; objections filed. With `format=pb`, the round and every member's current ballot as a pabulib `.pb` file (`text/plain`; amounts in hundredths of the minor unit's hundred, as pabulib writes cents; `selected` set once decided): recount it with `publica election pb`.",
        params: &[AGENCY, COMMUNITY, ID, Param::query("format", "`json` (default) or `pb` (a pabulib file)")],
        body: None,
        answer: "`{round}`, or the `.pb` file",
        schema: ROUND_SCHEMA,
        errors: &[(400, "Malformed id or format"), (404, "No such community or round (governance.unknown_proposal)")],
        weight: Weight::Light,
        handler: round,
    },
    Route {
        name: "objections",
        verb: Verb::Get,
        path: "/v1/governance/{agency}/{community}/rounds/{id}/objections",
        summary: "Objections filed against a round's result, in order.",
        params: &[AGENCY, COMMUNITY, ID, FROM, LIMIT],
        body: None,
        answer: "`{total, next, entries: [{by, reason, height}]}`",
        schema: IndexPage::SCHEMA,
        errors: &[(400, "Malformed id or paging"), NOT_FOUND],
        weight: Weight::Light,
        handler: objections,
    },
];

fn read<T: serde::de::DeserializeOwned>(state: &dyn StateRead, key: &[u8]) -> Option<T> {
    state
        .value(key)
        .and_then(|b| serde_json::from_slice(&b).ok())
}

fn community_of(view: &dyn ReadView, req: &RouteRequest) -> Result<Community, ReadError> {
    let (agency, id) = (req.path("agency"), req.path("community"));
    if !valid_id(agency) || !valid_id(id) {
        return Err(ReadError::bad_param(
            "agency and community ids are 1..=64 of [a-z0-9_-]",
        ));
    }
    read(view.state(), &community_key(agency, id)).ok_or_else(|| {
        ReadError::not_found(
            codes::UNKNOWN_COMMUNITY,
            format!("'{agency}' has no community '{id}'"),
        )
    })
}

fn id_of(req: &RouteRequest) -> Result<&str, ReadError> {
    let id = req.path("id");
    if valid_id(id) {
        Ok(id)
    } else {
        Err(ReadError::bad_param("an id is 1..=64 of [a-z0-9_-]"))
    }
}

fn page(view: &dyn ReadView, req: &RouteRequest, what: &str) -> Result<Reply, ReadError> {
    let c = community_of(view, req)?;
    Ok(Reply::json(
        IndexPage::read(
            view,
            req,
            &format!("governance/{what}/{}/{}", c.agency, c.id),
        )?
        .json(),
    ))
}

/// The index `what` of one proposal or round of the community.
fn item_page(view: &dyn ReadView, req: &RouteRequest, what: &str) -> Result<Reply, ReadError> {
    let c = community_of(view, req)?;
    let id = id_of(req)?;
    Ok(Reply::json(
        IndexPage::read(
            view,
            req,
            &format!("governance/{what}/{}/{}/{id}", c.agency, c.id),
        )?
        .json(),
    ))
}

fn communities(view: &dyn ReadView, req: &RouteRequest) -> Result<Reply, ReadError> {
    Ok(Reply::json(
        IndexPage::read(view, req, "governance/communities")?.json(),
    ))
}

fn community(view: &dyn ReadView, req: &RouteRequest) -> Result<Reply, ReadError> {
    let c = community_of(view, req)?;
    let acct: Option<Value> = read(view.state(), &publica_money::model::account_key(&c.account));
    let treasury = acct.and_then(|a| a.get("balance").cloned());
    Ok(Reply::json(json!({"community": c, "treasury": treasury})))
}

fn member(view: &dyn ReadView, req: &RouteRequest) -> Result<Reply, ReadError> {
    let c = community_of(view, req)?;
    let account: AccountId = serde_json::from_value(Value::String(req.path("account").into()))
        .map_err(|_| ReadError::bad_param("an account is 64 hex digits"))?;
    let state = view.state();
    let m: Option<Member> = read(state, &member_key(&c.agency, &c.id, &account));
    let mut delegations = Map::new();
    for t in &c.topics {
        if let Some(d) = read::<Delegation>(state, &delegation_key(&c.agency, &c.id, t, &account)) {
            delegations.insert(t.clone(), json!(d));
        }
    }
    Ok(Reply::json(json!({
        "community": c.id, "account": account,
        "member": m.map(|m| json!({"since": m.height})), "delegations": delegations,
    })))
}

fn delegations(view: &dyn ReadView, req: &RouteRequest) -> Result<Reply, ReadError> {
    page(view, req, "delegations")
}

fn proposals(view: &dyn ReadView, req: &RouteRequest) -> Result<Reply, ReadError> {
    page(view, req, "proposals")
}

fn rounds_list(view: &dyn ReadView, req: &RouteRequest) -> Result<Reply, ReadError> {
    page(view, req, "rounds")
}

fn unknown(c: &Community, id: &str) -> ReadError {
    ReadError::not_found(codes::UNKNOWN_PROPOSAL, format!("'{}' has no '{id}'", c.id))
}

fn proposal(view: &dyn ReadView, req: &RouteRequest) -> Result<Reply, ReadError> {
    let c = community_of(view, req)?;
    let id = id_of(req)?;
    let p: Proposal =
        read(view.state(), &proposal_key(&c.agency, &c.id, id)).ok_or_else(|| unknown(&c, id))?;
    Ok(Reply::json(json!({"proposal": p})))
}

fn votes(view: &dyn ReadView, req: &RouteRequest) -> Result<Reply, ReadError> {
    item_page(view, req, "votes")
}

fn round_of(view: &dyn ReadView, req: &RouteRequest) -> Result<(Community, Round), ReadError> {
    let c = community_of(view, req)?;
    let id = id_of(req)?;
    let r: Round =
        read(view.state(), &round_key(&c.agency, &c.id, id)).ok_or_else(|| unknown(&c, id))?;
    Ok((c, r))
}

fn round(view: &dyn ReadView, req: &RouteRequest) -> Result<Reply, ReadError> {
    let format = req.query("format").unwrap_or("json");
    if !["json", "pb"].contains(&format) {
        return Err(ReadError::bad_param("format is json or pb"));
    }
    let (c, r) = round_of(view, req)?;
    if format == "json" {
        return Ok(Reply::json(json!({"round": r})));
    }
    let inst = rounds::instance_from(view.state(), &c, &r);
    let winners: Option<Vec<usize>> = r.winners.as_ref().map(|w| {
        w.iter()
            .filter_map(|id| r.projects.iter().position(|p| &p.id == id))
            .collect()
    });
    Ok(Reply::text(
        "text/plain; charset=utf-8",
        inst.write(winners.as_deref()),
    ))
}

fn objections(view: &dyn ReadView, req: &RouteRequest) -> Result<Reply, ReadError> {
    item_page(view, req, "objections")
}
