//! The elections module's read API: the elections, one election with its
//! result, its record for verification (everything but the ballots), the
//! board of ballots and of challenged ballots page by page, and a
//! tracking code's fate.

use crate::codes;
use crate::model::{
    aggregate_key, ballot_key, challenged_key, commitment_key, election_key, outcome_key,
    partial_key, tracking_key, valid_id, Commitment, Election, Outcome, StoredBallot, Tracked,
    WireShare,
};
use publica_runtime::overlay::StateRead;
use publica_runtime::routes::{
    IndexPage, Param, ReadError, ReadView, Reply, Route, RouteRequest, Verb, Weight,
};
use serde_json::{json, Value};

const ELECTION_SCHEMA: &str = r#"{
  "type": "object",
  "required": ["election"],
  "properties": {
    "election": {"type": "object", "required": ["id", "agency", "contests", "guardians", "threshold", "opens_ms", "closes_ms", "census", "manifest_hash", "phase", "counted", "cast", "challenged"],
      "properties": {"phase": {"enum": ["proposed", "ceremony", "ready", "failed", "tallied"]},
        "answer_ms": {"type": "integer", "minimum": 1000},
        "complaints": {"type": "array", "items": {"type": "object", "required": ["guardian", "dealer", "answer_by_ms", "status"],
          "properties": {"status": {"enum": ["open", "answered", "upheld"]}, "share": {"type": "string", "pattern": "^[0-9a-f]{64}$"}}}},
        "disqualified": {"type": "array", "items": {"type": "integer", "minimum": 1}}}},
    "outcome": {"type": ["object", "null"]}
  }
}"#;

const RECORD_SCHEMA: &str = r#"{
  "type": "object",
  "required": ["chain_id", "election", "commitments", "partials", "aggregate"],
  "properties": {"commitments": {"type": "array"}, "partials": {"type": "array"}, "aggregate": {"type": "array"}}
}"#;

const TRACKING_SCHEMA: &str = r#"{
  "type": "object",
  "required": ["election", "tracking", "voter", "height", "status"],
  "properties": {"status": {"enum": ["counted", "replaced", "challenged"]}}
}"#;

const VOTER_SCHEMA: &str = r#"{
  "type": "object",
  "required": ["election", "voter", "tracking", "height"],
  "properties": {"tracking": {"type": "string", "pattern": "^[0-9a-f]{64}$"}, "height": {"type": "integer"}}
}"#;

const ID: Param = Param::path("id", "The election's id");
const FROM: Param = IndexPage::FROM;
const LIMIT: Param = IndexPage::LIMIT;

/// The routes, in the order the OpenAPI document lists them.
pub const ROUTES: &[Route] = &[
    Route {
        name: "elections",
        verb: Verb::Get,
        path: "/v1/elections",
        summary: "Every election published, oldest first, page by page.",
        params: &[FROM, LIMIT],
        body: None,
        answer: "`{total, next, entries: [{election, agency, height}]}`",
        schema: IndexPage::SCHEMA,
        errors: &[(400, "Bad paging")],
        weight: Weight::Light,
        handler: elections,
    },
    Route {
        name: "election",
        verb: Verb::Get,
        path: "/v1/elections/{id}",
        summary: "An election: its manifest, guardians, census root, window, phase, key and base hash once the ceremony is done, counts of ballots, and its result once published.",
        params: &[ID],
        body: None,
        answer: "`{election, outcome}`",
        schema: ELECTION_SCHEMA,
        errors: &[(400, "Malformed id"), (404, "No such election (elections.unknown_election)")],
        weight: Weight::Light,
        handler: election,
    },
    Route {
        name: "record",
        verb: Verb::Get,
        path: "/v1/elections/{id}/record",
        summary: "The election record but its ballots: the election, every guardian's ceremony message, the encrypted tally, every partial decryption and the result. With the board (`/ballots`, `/challenged`) it is all `publica election verify` needs.",
        params: &[ID],
        body: None,
        answer: "`{chain_id, election, commitments, aggregate, partials, outcome}`",
        schema: RECORD_SCHEMA,
        errors: &[(400, "Malformed id"), (404, "No such election (elections.unknown_election)")],
        weight: Weight::Light,
        handler: record,
    },
    Route {
        name: "ballots",
        verb: Verb::Get,
        path: "/v1/elections/{id}/ballots",
        summary: "The bulletin board: every ballot cast, in order, with its voter (pseudonymous account, or the nullifier in an anonymous census), tracking code, the ballot it replaces, the encrypted ballot and its census proof (or membership proof).",
        params: &[ID, FROM, LIMIT],
        body: None,
        answer: "`{total, next, entries: [{voter, tracking, replaces, ballot, census | member, height}]}`",
        schema: IndexPage::SCHEMA,
        errors: &[(400, "Malformed id or paging")],
        weight: Weight::Light,
        handler: ballots,
    },
    Route {
        name: "members",
        verb: Verb::Get,
        path: "/v1/elections/{id}/members",
        summary: "An anonymous census's registrations, in order: each voter's account, its commitment and its census proof. A ballot's membership proof names a bucket of them, never which one is its voter's.",
        params: &[ID, FROM, LIMIT],
        body: None,
        answer: "`{total, next, entries: [{account, index, commitment, census, height}]}`",
        schema: IndexPage::SCHEMA,
        errors: &[(400, "Malformed id or paging")],
        weight: Weight::Light,
        handler: members,
    },
    Route {
        name: "challenged",
        verb: Verb::Get,
        path: "/v1/elections/{id}/challenged",
        summary: "Challenged ballots: each with its nonces and the choices they open it to; none is counted.",
        params: &[ID, FROM, LIMIT],
        body: None,
        answer: "`{total, next, entries: [{voter, tracking, choices, ballot, nonces, height}]}`",
        schema: IndexPage::SCHEMA,
        errors: &[(400, "Malformed id or paging")],
        weight: Weight::Light,
        handler: challenged,
    },
    Route {
        name: "voter",
        verb: Verb::Get,
        path: "/v1/elections/{id}/voters/{voter}",
        summary: "A voter's last counted ballot (the voter is an account, or a nullifier in an anonymous census): an anonymous ballot names the one it replaces.",
        params: &[ID, Param::path("voter", "The voter (64 hex)")],
        body: None,
        answer: "`{election, voter, tracking, height}`",
        schema: VOTER_SCHEMA,
        errors: &[(400, "Malformed id or voter"), (404, "No ballot of this voter (elections.unknown_ballot)")],
        weight: Weight::Light,
        handler: voter,
    },
    Route {
        name: "tracking",
        verb: Verb::Get,
        path: "/v1/elections/{id}/tracking/{code}",
        summary: "A voter checks their tracking code: on the board, and counted (the voter's last ballot), replaced by a later one, or challenged.",
        params: &[ID, Param::path("code", "The tracking code (64 hex)")],
        body: None,
        answer: "`{election, tracking, voter, height, status}`",
        schema: TRACKING_SCHEMA,
        errors: &[(400, "Malformed id or code"), (404, "Not on the board (elections.unknown_ballot)")],
        weight: Weight::Light,
        handler: tracking,
    },
];

fn read<T: serde::de::DeserializeOwned>(state: &dyn StateRead, key: &[u8]) -> Option<T> {
    state
        .value(key)
        .and_then(|b| serde_json::from_slice(&b).ok())
}

fn election_of(view: &dyn ReadView, req: &RouteRequest) -> Result<Election, ReadError> {
    let id = req.path("id");
    if !valid_id(id) {
        return Err(ReadError::bad_param(
            "an election id is 1..=64 of [a-z0-9_-]",
        ));
    }
    read(view.state(), &election_key(id))
        .ok_or_else(|| ReadError::not_found(codes::UNKNOWN_ELECTION, format!("no election '{id}'")))
}

fn elections(view: &dyn ReadView, req: &RouteRequest) -> Result<Reply, ReadError> {
    Ok(Reply::json(
        IndexPage::read(view, req, "elections/all")?.json(),
    ))
}

fn election(view: &dyn ReadView, req: &RouteRequest) -> Result<Reply, ReadError> {
    let e = election_of(view, req)?;
    let outcome: Option<Outcome> = read(view.state(), &outcome_key(&e.id));
    Ok(Reply::json(json!({"election": e, "outcome": outcome})))
}

fn record(view: &dyn ReadView, req: &RouteRequest) -> Result<Reply, ReadError> {
    let e = election_of(view, req)?;
    let state = view.state();
    let commitments: Vec<Commitment> = (1..=e.guardians.len() as u32)
        .filter_map(|n| read(state, &commitment_key(&e.id, n)))
        .collect();
    let partials: Vec<Value> = e
        .decrypted
        .iter()
        .filter_map(|&n| {
            read::<Vec<Vec<WireShare>>>(state, &partial_key(&e.id, n))
                .map(|shares| json!({"guardian": n, "shares": shares}))
        })
        .collect();
    // With delegation, guardians decrypt the sum weighted at the close.
    let weighting: Option<Value> = read(state, &crate::delegated::weighting_key(&e.id));
    let aggregate: Value = read(state, &crate::delegated::weighted_key(&e.id))
        .or_else(|| read(state, &aggregate_key(&e.id)))
        .unwrap_or(Value::Null);
    let outcome: Option<Outcome> = read(state, &outcome_key(&e.id));
    Ok(Reply::json(json!({
        "chain_id": e.chain_id,
        "election": e, "commitments": commitments, "aggregate": aggregate,
        "partials": partials, "outcome": outcome, "weighting": weighting,
    })))
}

fn ballots(view: &dyn ReadView, req: &RouteRequest) -> Result<Reply, ReadError> {
    let e = election_of(view, req)?;
    Ok(Reply::json(
        IndexPage::read(view, req, &format!("elections/ballots/{}", e.id))?.json(),
    ))
}

fn members(view: &dyn ReadView, req: &RouteRequest) -> Result<Reply, ReadError> {
    let e = election_of(view, req)?;
    Ok(Reply::json(
        IndexPage::read(view, req, &format!("elections/members/{}", e.id))?.json(),
    ))
}

fn challenged(view: &dyn ReadView, req: &RouteRequest) -> Result<Reply, ReadError> {
    let e = election_of(view, req)?;
    Ok(Reply::json(
        IndexPage::read(view, req, &format!("elections/challenged/{}", e.id))?.json(),
    ))
}

fn voter(view: &dyn ReadView, req: &RouteRequest) -> Result<Reply, ReadError> {
    let e = election_of(view, req)?;
    let voter: publica_types::AccountId = req
        .path("voter")
        .parse()
        .map_err(|_| ReadError::bad_param("a voter is 64 hex digits"))?;
    let b: StoredBallot = read(view.state(), &ballot_key(&e.id, &voter)).ok_or_else(|| {
        ReadError::not_found(
            codes::UNKNOWN_BALLOT,
            format!("no ballot of {voter} on the board of '{}'", e.id),
        )
    })?;
    Ok(Reply::json(
        json!({"election": e.id, "voter": voter, "tracking": b.tracking, "height": b.height}),
    ))
}

fn tracking(view: &dyn ReadView, req: &RouteRequest) -> Result<Reply, ReadError> {
    let e = election_of(view, req)?;
    let code = req.path("code");
    if code.len() != 64
        || !code
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    {
        return Err(ReadError::bad_param(
            "a tracking code is 64 lowercase hex digits",
        ));
    }
    let state = view.state();
    let t: Tracked = read(state, &tracking_key(&e.id, code)).ok_or_else(|| {
        ReadError::not_found(
            codes::UNKNOWN_BALLOT,
            format!("ballot {code} is not on the board of '{}'", e.id),
        )
    })?;
    let status = if state.value(&challenged_key(&e.id, code)).is_some() {
        "challenged"
    } else if read::<StoredBallot>(state, &ballot_key(&e.id, &t.voter))
        .is_some_and(|b| b.tracking == code)
    {
        "counted"
    } else {
        "replaced"
    };
    Ok(Reply::json(
        json!({"election": e.id, "tracking": code, "voter": t.voter, "height": t.height, "status": status}),
    ))
}
