//! The registry of parties through the real runtime: only the regulator's
//! officials register, one party per prefix, location and account;
//! licences are suspended, reinstated and revoked for good, and every
//! interval is kept; the owner of a number is the party with the longest
//! registered prefix it begins with.

#![allow(
    clippy::too_many_lines,
    reason = "a scenario test reads top to bottom as one story"
)]

use publica_crypto::Keypair;
use publica_identity::{Genesis, GenesisAgency, Identity};
use publica_medicines::{gs1, model, queries, Medicines};
use publica_runtime::testkit::{Rejected, TestChain, TEST_CHAIN};
use publica_runtime::Runtime;
use serde_json::{json, Value};

pub(crate) const T0: u64 = 1_800_000_000_000;

pub(crate) struct World {
    pub(crate) c: TestChain,
    pub(crate) admin: Keypair,
    pub(crate) regulator: Keypair,
}

pub(crate) fn world() -> World {
    let (admin, regulator) = (Keypair::generate(), Keypair::generate());
    let agency = |id: &str| GenesisAgency {
        id: id.into(),
        name: id.into(),
        administrators: vec![admin.account()],
        policy_threshold: 1,
    };
    let genesis = Genesis {
        version: 1,
        chain_id: TEST_CHAIN.into(),
        agencies: vec![agency("health"), agency("other-health")],
        governance: publica_identity::genesis::GenesisGovernance {
            create_agency_threshold: 1,
        },
        validators: None,
    };
    let mut rt = Runtime::new();
    rt.register(Box::new(Identity));
    rt.register(Box::new(Medicines));
    let mut w = World {
        c: TestChain::new(rt, genesis.initial_state()),
        admin,
        regulator,
    };
    w.c.time_ms = T0;
    let reg = w.regulator.account();
    let admin = Keypair::from_seed(w.admin.seed());
    w.c.call(
        &admin,
        "identity",
        "add_member",
        json!({"agency": "health", "account": reg, "roles": ["regulator"]}),
    )
    .unwrap();
    w
}

impl World {
    pub(crate) fn med(&mut self, who: &str, method: &str, args: Value) -> Result<(), Rejected> {
        let kp = match who {
            "regulator" => Keypair::from_seed(self.regulator.seed()),
            _ => Keypair::from_seed(self.admin.seed()),
        };
        self.c.call(&kp, "medicines", method, args)
    }
    fn party(&self, id: &str) -> model::Party {
        serde_json::from_slice(&self.c.state.get(&model::party_key(id)).unwrap()).unwrap()
    }
}

pub(crate) fn code(r: Result<(), Rejected>) -> String {
    r.expect_err("the call must fail").code
}

fn register(id: &str, prefixes: &[&str], glns: &[&str], account: &Keypair) -> Value {
    json!({"agency": "health", "id": id, "name": format!("{id} Ltd"), "kind": "manufacturer",
           "company_prefixes": prefixes, "glns": glns, "accounts": [account.account()]})
}

#[test]
fn parties_are_registered_licensed_and_looked_up_by_prefix() {
    let mut w = world();
    let (a, b) = (Keypair::generate(), Keypair::generate());
    // Only a regulator of the agency.
    assert!(code(w.med(
        "admin",
        "register_party",
        register("acme", &["0614141"], &["0614141000005"], &a)
    ))
    .starts_with("auth"));
    for (args, what) in [
        (register("Acme", &["0614141"], &["0614141000005"], &a), "id"),
        (
            register("acme", &["06141"], &["0614141000005"], &a),
            "prefix",
        ),
        (
            register("acme", &["0614141"], &["0614141000006"], &a),
            "GLN",
        ),
        (register("acme", &["0614141"], &[], &a), "glns"),
    ] {
        assert_eq!(
            code(w.med("regulator", "register_party", args)),
            "medicines.invalid_field",
            "{what}"
        );
    }
    w.med(
        "regulator",
        "register_party",
        register("acme", &["0614141"], &["0614141000005"], &a),
    )
    .unwrap();
    assert_eq!(
        code(w.med(
            "regulator",
            "register_party",
            register("acme", &["0614142"], &["0614142000004"], &b)
        )),
        "medicines.party_exists"
    );
    assert_eq!(
        code(w.med(
            "regulator",
            "register_party",
            register("beta", &["0614141"], &["0614142000004"], &b)
        )),
        "medicines.prefix_taken"
    );
    assert_eq!(
        code(w.med(
            "regulator",
            "register_party",
            register("beta", &["0614142"], &["0614141000005"], &b)
        )),
        "medicines.gln_taken"
    );
    assert_eq!(
        code(w.med(
            "regulator",
            "register_party",
            register("beta", &["0614142"], &["0614142000004"], &a)
        )),
        "medicines.account_taken"
    );
    // A sub-allocated prefix: its numbers belong to its holder.
    w.med(
        "regulator",
        "register_party",
        register("beta", &["06141419"], &["0614142000004"], &b),
    )
    .unwrap();
    let owner = |w: &World, uri: &str| {
        queries::owner_of(&w.c.state, &gs1::parse(uri).unwrap()).map(|p| p.id)
    };
    assert_eq!(
        owner(&w, "urn:epc:id:sgtin:0614141.107346.2017").as_deref(),
        Some("acme")
    );
    assert_eq!(
        owner(&w, "urn:epc:id:sgtin:06141419.10734.7").as_deref(),
        Some("beta")
    );
    assert_eq!(owner(&w, "urn:epc:id:sgtin:0614143.107346.1"), None);

    // Licences: suspended, reinstated, revoked for good; intervals kept.
    let lic = |status: &str| json!({"agency": "health", "party": "acme", "status": status, "reason": "inspection 2027/3"});
    w.c.time_ms = T0 + 1_000;
    w.med("regulator", "set_licence", lic("suspended")).unwrap();
    assert_eq!(
        code(w.med("regulator", "set_licence", lic("suspended"))),
        "medicines.invalid_field"
    );
    w.c.time_ms = T0 + 5_000;
    w.med("regulator", "set_licence", lic("active")).unwrap();
    let p = w.party("acme");
    assert!(p.licensed_at(T0 + 500) && !p.licensed_at(T0 + 2_000) && p.licensed_at(T0 + 6_000));
    w.c.time_ms = T0 + 9_000;
    w.med("regulator", "set_licence", lic("revoked")).unwrap();
    assert_eq!(
        code(w.med("regulator", "set_licence", lic("active"))),
        "medicines.licence_revoked"
    );
    let p = w.party("acme");
    assert!(!p.licensed_at(T0 + 9_500) && p.licensed_at(T0 + 8_000));
    assert_eq!(p.intervals.len(), 2);

    // Only the registering agency's regulators change a party.
    let other = Keypair::generate();
    let admin = Keypair::from_seed(w.admin.seed());
    w.c.call(
        &admin,
        "identity",
        "add_member",
        json!({"agency": "other-health", "account": other.account(), "roles": ["regulator"]}),
    )
    .unwrap();
    let r = w.c.call(
        &other,
        "medicines",
        "set_licence",
        json!({"agency": "other-health", "party": "beta", "status": "suspended", "reason": "x"}),
    );
    assert_eq!(code(r), "medicines.not_the_regulator");

    // An update replaces lists and releases what it drops.
    w.med(
        "regulator",
        "update_party",
        json!({"agency": "health", "party": "beta", "company_prefixes": ["0614150"]}),
    )
    .unwrap();
    assert_eq!(
        owner(&w, "urn:epc:id:sgtin:06141419.10734.7").as_deref(),
        Some("acme")
    );
    assert_eq!(
        owner(&w, "urn:epc:id:sgtin:0614150.107346.1").as_deref(),
        Some("beta")
    );
    w.c.check_replay();
}
