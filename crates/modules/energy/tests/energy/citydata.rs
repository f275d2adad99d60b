//! City data on the ledger: data sets and feeds registered by an agency's
//! oracle, batches published by hash in time order, grants to other
//! agencies (for any purpose or one), accesses recorded only by members
//! of granted agencies while their grant holds, and a property test:
//! an access is recorded exactly when a reference model of the grants
//! allows it.

#![allow(
    clippy::too_many_lines,
    reason = "a scenario test reads top to bottom as one story"
)]

use crate::world::{code, T0};
use proptest::prelude::*;
use publica_crypto::Keypair;
use publica_energy::citydata::CityData;
use publica_identity::{Genesis, Identity};
use publica_runtime::testkit::{Rejected, TestChain, TEST_CHAIN};
use publica_runtime::Runtime;
use serde_json::{json, Value};

struct Agencies {
    c: TestChain,
    oracle: Keypair,
    planner: Keypair,
    outsider: Keypair,
}

fn agencies() -> Agencies {
    let admin = Keypair::generate();
    let genesis = Genesis::of_agencies(
        TEST_CHAIN,
        &["city", "transport", "health"],
        admin.account(),
    );
    let mut rt = Runtime::new();
    rt.register(Box::new(Identity));
    rt.register(Box::new(CityData));
    let mut t = Agencies {
        c: TestChain::new(rt, genesis.initial_state()),
        oracle: Keypair::generate(),
        planner: Keypair::generate(),
        outsider: Keypair::generate(),
    };
    t.c.time_ms = T0;
    for (agency, who, roles) in [
        ("city", t.oracle.account(), json!(["oracle"])),
        ("transport", t.planner.account(), json!(["auditor"])),
        ("health", t.outsider.account(), json!(["auditor"])),
    ] {
        t.c.call(
            &admin,
            "identity",
            "add_member",
            json!({"agency": agency, "account": who, "roles": roles}),
        )
        .unwrap();
    }
    t
}

fn hash(n: u64) -> String {
    publica_crypto::sha256(&n.to_be_bytes()).to_hex()
}

impl Agencies {
    fn oracle(&mut self, method: &str, mut args: Value) -> Result<(), Rejected> {
        args["agency"] = json!("city");
        self.c.call(&self.oracle, "citydata", method, args)
    }

    fn publish(&mut self, ds: &str, n: u64, start: u64, end: u64) -> Result<(), Rejected> {
        self.oracle(
            "publish",
            json!({"dataset": ds, "hash": hash(n), "bytes": 100 + n,
            "start_ms": start, "end_ms": end, "media_type": "text/csv"}),
        )
    }

    fn access(
        &mut self,
        who: &Keypair,
        grantee: &str,
        ds: &str,
        batch: u64,
        purpose: &str,
    ) -> Result<(), Rejected> {
        self.c.call(
            who,
            "citydata",
            "access",
            json!({"agency": "city", "dataset": ds, "batch": batch,
            "grantee": grantee, "purpose": purpose}),
        )
    }
}

#[test]
fn data_sets_feeds_grants_and_recorded_accesses() {
    let mut t = agencies();
    let register = |id: &str, kind: &str, access: &str| {
        json!({"id": id, "kind": kind,
        "schema": "urn:city:traffic-counts:v1", "licence": "CC-BY-4.0", "access": access})
    };
    // Only the agency's oracle registers; a licence is a reference.
    assert_eq!(
        code(t.c.call(
            &t.planner,
            "citydata",
            "register",
            json!({"agency": "city", "id": "x", "kind": "dataset",
        "schema": "s", "licence": "l", "access": "open"})
        )),
        "auth.unauthorized"
    );
    let mut free_text = register("x", "dataset", "open");
    free_text["licence"] = json!("free for everyone to use");
    assert_eq!(
        code(t.oracle("register", free_text)),
        "citydata.invalid_field"
    );
    t.oracle("register", register("traffic", "feed", "open"))
        .unwrap();
    t.oracle("register", register("water-use", "dataset", "purpose"))
        .unwrap();
    t.oracle("register", register("air", "feed", "agencies"))
        .unwrap();
    assert_eq!(
        code(t.oracle("register", register("traffic", "feed", "open"))),
        "citydata.exists"
    );
    // A feed's batches follow one another and are over.
    let h = 3_600_000;
    t.publish("traffic", 1, T0 - 2 * h, T0 - h).unwrap();
    t.publish("traffic", 2, T0 - h, T0).unwrap();
    assert_eq!(
        code(t.publish("traffic", 3, T0 - h / 2, T0)),
        "citydata.out_of_order"
    );
    assert_eq!(
        code(t.publish("traffic", 3, T0, T0 + h)),
        "citydata.out_of_order"
    );
    assert_eq!(
        code(t.oracle(
            "publish",
            json!({"dataset": "traffic", "hash": "AB", "bytes": 1,
        "start_ms": T0 - 1, "end_ms": T0, "media_type": "text/csv"})
        )),
        "citydata.invalid_field"
    );
    assert_eq!(
        code(t.oracle(
            "publish",
            json!({"dataset": "traffic", "hash": hash(9), "bytes": 17 << 20,
        "start_ms": T0 - 1, "end_ms": T0, "media_type": "text/csv"})
        )),
        "citydata.invalid_field"
    );
    // A data set's releases may cover any window.
    t.publish("water-use", 4, T0 - 30 * 24 * h, T0 - 24 * h)
        .unwrap();
    t.publish("water-use", 5, T0 - 60 * 24 * h, T0 - 24 * h)
        .unwrap();
    t.publish("air", 6, T0 - h, T0).unwrap();
    let ds = t.c.get("citydata/dataset/city/traffic").unwrap();
    assert_eq!(
        (
            ds["batches"].as_u64(),
            ds["last_end_ms"].as_u64(),
            ds["bytes"].as_u64()
        ),
        (Some(2), Some(T0), Some(203))
    );
    assert_eq!(
        t.c.get("citydata/batch/city/traffic/2").unwrap()["hash"],
        hash(2)
    );
    // Open data needs no grant; grants name another agency on the ledger.
    assert_eq!(
        code(t.oracle(
            "grant",
            json!({"dataset": "traffic", "grantee": "transport", "purpose": "*"})
        )),
        "citydata.invalid_field"
    );
    assert_eq!(
        code(t.oracle(
            "grant",
            json!({"dataset": "water-use", "grantee": "nowhere", "purpose": "planning"})
        )),
        "citydata.invalid_field"
    );
    assert_eq!(
        code(t.oracle(
            "grant",
            json!({"dataset": "air", "grantee": "transport", "purpose": "planning"})
        )),
        "citydata.invalid_field"
    );
    t.oracle("grant", json!({"dataset": "water-use", "grantee": "transport", "purpose": "planning", "expires_ms": T0 + 24 * h})).unwrap();
    t.oracle(
        "grant",
        json!({"dataset": "air", "grantee": "transport", "purpose": "*"}),
    )
    .unwrap();
    // A member of the granted agency, for the purpose granted.
    let planner = Keypair::from_seed(t.planner.seed());
    t.access(&planner, "transport", "water-use", 1, "planning")
        .unwrap();
    assert_eq!(
        code(t.access(&planner, "transport", "water-use", 1, "marketing")),
        "citydata.no_grant"
    );
    assert_eq!(
        code(t.access(&planner, "transport", "water-use", 3, "planning")),
        "citydata.unknown_dataset"
    );
    let outsider = Keypair::from_seed(t.outsider.seed());
    assert_eq!(
        code(t.access(&outsider, "transport", "water-use", 1, "planning")),
        "citydata.no_grant"
    );
    assert_eq!(
        code(t.access(&outsider, "health", "water-use", 1, "planning")),
        "citydata.no_grant"
    );
    t.access(&planner, "transport", "air", 1, "anything-at-all")
        .unwrap();
    // Grants expire, and are revoked.
    t.c.time_ms = T0 + 25 * h;
    assert_eq!(
        code(t.access(&planner, "transport", "water-use", 2, "planning")),
        "citydata.no_grant"
    );
    t.oracle(
        "grant",
        json!({"dataset": "air", "grantee": "transport", "purpose": "*", "revoke": true}),
    )
    .unwrap();
    assert_eq!(
        code(t.access(&planner, "transport", "air", 1, "research")),
        "citydata.no_grant"
    );
    assert_eq!(
        code(t.oracle(
            "grant",
            json!({"dataset": "air", "grantee": "transport", "purpose": "*", "revoke": true})
        )),
        "citydata.no_grant"
    );
    let log = t.c.indexed("citydata/accesses/city/water-use");
    assert_eq!(log.len(), 1);
    assert_eq!(log[0]["purpose"], "planning");
    let rec =
        t.c.get(&format!(
            "citydata/access/{}",
            log[0]["tx_id"].as_str().unwrap()
        ))
        .unwrap();
    assert_eq!(
        (rec["grantee"].as_str(), rec["batch"].as_u64()),
        (Some("transport"), Some(1))
    );
    assert_eq!(t.c.indexed("citydata/grants/city/air").len(), 2);
    t.c.check_replay();
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    /// Over random grants, revocations, expiries and accesses, an access
    /// is recorded exactly when a reference model of the grants allows
    /// it.
    #[test]
    fn accesses_follow_the_grants(
        steps in proptest::collection::vec((0u8..4, 0usize..2, 0usize..2, 0u64..3), 1..30),
    ) {
        let mut t = agencies();
        t.oracle("register", json!({"id": "water", "kind": "dataset", "schema": "urn:s", "licence": "CC0-1.0", "access": "purpose"})).unwrap();
        t.publish("water", 1, T0 - 10, T0).unwrap();
        let purposes = ["planning", "research"];
        let planner = Keypair::from_seed(t.planner.seed());
        // (purpose) -> expiry (None: forever)
        let mut grants = std::collections::BTreeMap::<usize, Option<u64>>::new();
        for (op, p, _, dt) in steps {
            match op {
                0 => {
                    let exp = (dt > 0).then(|| t.c.time_ms + dt * 1_000);
                    t.oracle("grant", json!({"dataset": "water", "grantee": "transport", "purpose": purposes[p], "expires_ms": exp})).unwrap();
                    grants.insert(p, exp);
                }
                1 => {
                    let r = t.oracle("grant", json!({"dataset": "water", "grantee": "transport", "purpose": purposes[p], "revoke": true}));
                    prop_assert_eq!(r.is_ok(), grants.remove(&p).is_some());
                }
                2 => t.c.time_ms += dt * 1_000,
                _ => {
                    let now = t.c.time_ms;
                    let allowed = grants.get(&p).is_some_and(|e| e.is_none_or(|e| now < e));
                    let r = t.access(&planner, "transport", "water", 1, purposes[p]);
                    prop_assert_eq!(r.is_ok(), allowed, "{:?}", r);
                }
            }
        }
    }
}
