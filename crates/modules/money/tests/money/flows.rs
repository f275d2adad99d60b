//! Money through the real runtime, every call a signed transaction in its
//! own block, with replay from genesis at the end.
#![allow(
    clippy::too_many_lines,
    reason = "a scenario test reads top to bottom as one story"
)]

use publica_crypto::Keypair;
use publica_identity::{Genesis, GenesisAgency, Identity};
use publica_money::Money;
use publica_runtime::testkit::{Rejected, TestChain};
use publica_runtime::Runtime;
use publica_types::AccountId;
use serde_json::{json, Value};

struct World {
    c: TestChain,
    admin: Keypair,
    treasurer: Keypair,
    alice: Keypair,
    grocer: Keypair,
    books: Keypair,
}

/// A chain with identity and money whose genesis founds `agencies`, each
/// with `admin` as its one administrator.
fn chain(admin: &Keypair, agencies: &[&str]) -> TestChain {
    let genesis = Genesis {
        version: 1,
        chain_id: "t".into(),
        agencies: agencies
            .iter()
            .map(|id| GenesisAgency {
                id: id.to_string(),
                name: id.to_string(),
                administrators: vec![admin.account()],
                policy_threshold: 1,
            })
            .collect(),
        governance: publica_identity::genesis::GenesisGovernance {
            create_agency_threshold: 1,
        },
        validators: None,
    };
    let mut rt = Runtime::new();
    rt.register(Box::new(Identity));
    rt.register(Box::new(Money));
    TestChain::new(rt, genesis.initial_state())
}

fn world() -> World {
    let admin = Keypair::generate();
    let mut w = World {
        c: chain(&admin, &["treasury"]),
        admin,
        treasurer: Keypair::generate(),
        alice: Keypair::generate(),
        grocer: Keypair::generate(),
        books: Keypair::generate(),
    };
    let t = w.treasurer.account();
    w.c.call(
        &w.admin,
        "identity",
        "add_member",
        json!({"agency": "treasury", "account": t, "roles": ["treasurer"]}),
    )
    .unwrap();
    w
}

impl World {
    /// The treasurer opens `id` in EURC for the agency, owned by `owner`.
    fn open_eurc(&mut self, id: &str, owner: Value) {
        self.m(
            "treasurer",
            "open_account",
            json!({"id": id, "currency": "EURC", "agency": "treasury", "owner": owner}),
        )
        .unwrap();
    }

    /// The currency EURC (2 decimals) with an approved appropriation `a`
    /// of 1,000.00.
    fn eurc_with_budget(&mut self) {
        self.m("treasurer", "create_currency", json!({"agency": "treasury", "code": "EURC", "name": "E", "decimals": 2, "supply_cap": "1000000"})).unwrap();
        self.m(
            "treasurer",
            "propose_appropriation",
            json!({"agency": "treasury", "currency": "EURC", "id": "a", "name": "A", "cap": "100000"}),
        )
        .unwrap();
        self.m(
            "admin",
            "approve_appropriation",
            json!({"agency": "treasury", "currency": "EURC", "id": "a"}),
        )
        .unwrap();
    }

    /// Makes `merchant` a merchant of the agency (identity role) accredited
    /// in EURC for `categories`.
    fn accredit(&mut self, merchant: AccountId, categories: Value) {
        self.identity(
            "add_member",
            json!({"agency": "treasury", "account": merchant, "roles": ["merchant"]}),
        )
        .unwrap();
        self.m(
            "treasurer",
            "accredit_merchant",
            json!({"agency": "treasury", "currency": "EURC", "merchant": merchant, "categories": categories}),
        )
        .unwrap();
    }

    /// Alice's plain account and the grocer's (an accredited food
    /// merchant), in EURC.
    fn open_alice_and_grocer(&mut self) {
        let (alice, grocer) = (self.alice.account(), self.grocer.account());
        self.accredit(grocer, json!(["food"]));
        self.open_eurc("alice", json!({"kind": "citizen", "account": alice}));
        self.open_eurc(
            "grocer",
            json!({"kind": "merchant", "account": grocer, "agency": "treasury", "category": "food"}),
        );
    }
    /// An identity call by the agency's administrator.
    fn identity(&mut self, method: &str, args: Value) -> Result<(), Rejected> {
        let admin = Keypair::from_seed(self.admin.seed());
        self.c.call(&admin, "identity", method, args)
    }

    fn m(&mut self, who: &str, method: &str, args: Value) -> Result<(), Rejected> {
        let kp = match who {
            "admin" => &self.admin,
            "treasurer" => &self.treasurer,
            "alice" => &self.alice,
            "grocer" => &self.grocer,
            _ => &self.books,
        };
        let kp = Keypair::from_seed(kp.seed());
        self.c.call(&kp, "money", method, args)
    }
    fn balance(&self, id: &str) -> i128 {
        self.c.get(&format!("money/account/{id}")).unwrap()["balance"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap()
    }
    fn conserved(&self, code: &str) {
        let cur = self.c.get(&format!("money/currency/{code}")).unwrap();
        let minted: i128 = cur["minted"].as_str().unwrap().parse().unwrap();
        let burned: i128 = cur["burned"].as_str().unwrap().parse().unwrap();
        let mut total = 0i128;
        for (_, v) in self.c.state.scan_prefix(b"money/account/", usize::MAX) {
            let a: Value = serde_json::from_slice(&v).unwrap();
            if a["currency"] == code {
                total += a["balance"].as_str().unwrap().parse::<i128>().unwrap()
                    + a["pending_out"].as_str().unwrap().parse::<i128>().unwrap();
            }
        }
        assert_eq!(total, minted - burned, "money is conserved");
    }
}

#[test]
fn public_money_end_to_end() {
    let mut w = world();
    let (alice, grocer, books) = (w.alice.account(), w.grocer.account(), w.books.account());
    assert_eq!(w.m("alice", "create_currency", json!({"agency": "treasury", "code": "EURC", "name": "City euro", "decimals": 2, "supply_cap": "1000000"})), Err("auth.unauthorized".into()));
    w.m("treasurer", "create_currency", json!({"agency": "treasury", "code": "EURC", "name": "City euro", "decimals": 2, "supply_cap": "1000000", "clawback_single_max": "100"})).unwrap();
    assert_eq!(w.m("treasurer", "create_currency", json!({"agency": "treasury", "code": "EURC", "name": "x", "decimals": 2, "supply_cap": "1"})), Err("money.currency_exists".into()));
    w.m("treasurer", "create_currency", json!({"agency": "treasury", "code": "TOKEN", "name": "Other", "decimals": 0, "supply_cap": "1000"})).unwrap();
    w.m("treasurer", "propose_appropriation", json!({"agency": "treasury", "currency": "EURC", "id": "benefits-2027", "name": "Benefits 2027", "cap": "100000"})).unwrap();

    let open = |owner: Value, id: &str, extra: Value| {
        let mut a = json!({"id": id, "currency": "EURC", "owner": owner, "agency": "treasury"});
        for (k, v) in extra.as_object().unwrap() {
            a[k] = v.clone();
        }
        a
    };
    w.m(
        "treasurer",
        "open_account",
        open(
            json!({"kind": "agency", "agency": "treasury"}),
            "treasury:main",
            json!({}),
        ),
    )
    .unwrap();
    w.m(
        "treasurer",
        "open_account",
        open(
            json!({"kind": "program", "agency": "treasury", "program": "food-aid"}),
            "program:food-aid",
            json!({}),
        ),
    )
    .unwrap();
    w.m(
        "alice",
        "open_account",
        json!({"id": "alice", "currency": "EURC", "owner": {"kind": "citizen", "account": alice}}),
    )
    .unwrap();
    assert_eq!(w.m("alice", "open_account", json!({"id": "not-mine", "currency": "EURC", "owner": {"kind": "citizen", "account": grocer}})), Err("money.not_owner".into()));
    w.accredit(grocer, json!(["food"]));
    w.accredit(books, json!(["books"]));
    w.m("treasurer", "open_account", open(json!({"kind": "merchant", "account": grocer, "agency": "treasury", "category": "food"}), "grocer", json!({}))).unwrap();
    w.m("treasurer", "open_account", open(json!({"kind": "merchant", "account": books, "agency": "treasury", "category": "books"}), "bookshop", json!({}))).unwrap();
    let expires = w.c.height() + 200;
    w.m("treasurer", "open_account", open(json!({"kind": "citizen", "account": alice}), "alice:food", json!({"earmark": {"categories": ["food"], "expires_height": expires, "return_to": "program:food-aid"}}))).unwrap();
    assert_eq!(w.m("alice", "open_account", json!({"id": "alice", "currency": "EURC", "owner": {"kind": "citizen", "account": alice}})), Err("money.account_exists".into()));
    assert_eq!(w.m("alice", "open_account", json!({"id": "alice2", "currency": "NOPE", "owner": {"kind": "citizen", "account": alice}})), Err("money.unknown_currency".into()));
    w.m("treasurer", "open_account", json!({"id": "alice:token", "currency": "TOKEN", "owner": {"kind": "citizen", "account": alice}, "agency": "treasury"})).unwrap();

    // Minting needs an approved appropriation, within its cap.
    let mint = |amount: &str| json!({"agency": "treasury", "currency": "EURC", "appropriation": "benefits-2027", "to": "treasury:main", "amount": amount});
    assert_eq!(
        w.m("treasurer", "mint", mint("50000")),
        Err("money.appropriation_inactive".into())
    );
    assert_eq!(
        w.m(
            "treasurer",
            "approve_appropriation",
            json!({"agency": "treasury", "currency": "EURC", "id": "benefits-2027"})
        ),
        Err("auth.unauthorized".into())
    );
    w.m(
        "admin",
        "approve_appropriation",
        json!({"agency": "treasury", "currency": "EURC", "id": "benefits-2027"}),
    )
    .unwrap();
    assert_eq!(
        w.m(
            "admin",
            "approve_appropriation",
            json!({"agency": "treasury", "currency": "EURC", "id": "benefits-2027"})
        ),
        Err("money.already_approved".into())
    );
    w.m("treasurer", "mint", mint("50000")).unwrap();
    assert_eq!(
        w.m("treasurer", "mint", mint("60000")),
        Err("money.cap_exceeded".into())
    );
    assert_eq!(w.m("treasurer", "mint", json!({"agency": "treasury", "currency": "EURC", "appropriation": "nope", "to": "treasury:main", "amount": "1"})), Err("money.unknown_appropriation".into()));
    w.conserved("EURC");

    let tr = |from: &str, to: &str, amount: &str| json!({"from": from, "to": to, "amount": amount, "reference": "r"});
    w.m(
        "treasurer",
        "transfer",
        tr("treasury:main", "program:food-aid", "10000"),
    )
    .unwrap();
    assert_eq!(
        w.m("alice", "transfer", tr("treasury:main", "alice", "1")),
        Err("money.not_owner".into())
    );
    // A program's funding account pays only through the program's payouts.
    assert_eq!(
        w.m(
            "treasurer",
            "transfer",
            tr("program:food-aid", "alice", "1000")
        ),
        Err("money.not_owner".into())
    );
    w.m(
        "treasurer",
        "transfer",
        tr("treasury:main", "alice", "1000"),
    )
    .unwrap();
    w.m(
        "treasurer",
        "transfer",
        tr("treasury:main", "alice:food", "500"),
    )
    .unwrap();
    assert_eq!(
        w.m("alice", "transfer", tr("alice:food", "bookshop", "100")),
        Err("money.earmark_violation".into())
    );
    assert_eq!(
        w.m("alice", "transfer", tr("alice:food", "alice", "100")),
        Err("money.earmark_violation".into())
    );
    w.m("alice", "transfer", tr("alice:food", "grocer", "100"))
        .unwrap();
    assert_eq!(
        w.m("alice", "transfer", tr("alice", "alice:token", "1")),
        Err("money.currency_mismatch".into())
    );
    assert_eq!(
        w.m("alice", "transfer", tr("alice", "grocer", "5000")),
        Err("money.overdraft".into())
    );
    assert_eq!(
        w.m("alice", "transfer", tr("alice", "grocer", "0")),
        Err("money.zero_amount".into())
    );
    assert_eq!(
        w.m("alice", "transfer", tr("alice", "nobody", "1")),
        Err("money.unknown_account".into())
    );
    assert_eq!(
        w.m(
            "alice",
            "transfer",
            tr("alice", "grocer", "340282366920938463463374607431768211455")
        ),
        Err("money.overflow".into())
    );
    // One rule for arguments: an amount that is not a string of decimal
    // digits (no sign, fraction, exponent or leading zero) does not fit
    // the method's schema, in every form; a well-formed amount the module
    // refuses has the module's code (zero, overflow, above).
    for bad in [
        json!("-1"),
        json!("1.5"),
        json!("1e3"),
        json!("007"),
        json!(""),
        json!(" 1"),
        json!(5),
        json!(null),
    ] {
        assert_eq!(
            w.m(
                "alice",
                "transfer",
                json!({"from": "alice", "to": "grocer", "amount": bad})
            ),
            Err("call.invalid_args".into()),
            "amount {bad}"
        );
    }

    // Freeze.
    assert_eq!(
        w.m(
            "alice",
            "freeze",
            json!({"agency": "treasury", "account": "alice", "reason": "fraud.suspected"})
        ),
        Err("auth.unauthorized".into())
    );
    w.m(
        "treasurer",
        "freeze",
        json!({"agency": "treasury", "account": "alice", "reason": "fraud.suspected"}),
    )
    .unwrap();
    assert_eq!(
        w.m("alice", "transfer", tr("alice", "grocer", "1")),
        Err("money.frozen".into())
    );
    w.m(
        "treasurer",
        "unfreeze",
        json!({"agency": "treasury", "account": "alice", "reason": "fraud.suspected"}),
    )
    .unwrap();

    // A linked batch is all or nothing.
    let before = w.balance("alice");
    let batch =
        json!({"transfers": [tr("alice", "grocer", "100"), tr("alice", "grocer", "99999")]});
    assert_eq!(
        w.m("alice", "transfer_batch", batch),
        Err("money.overdraft".into())
    );
    assert_eq!(w.balance("alice"), before);
    w.m(
        "alice",
        "transfer_batch",
        json!({"transfers": [tr("alice", "grocer", "100"), tr("alice", "bookshop", "50")]}),
    )
    .unwrap();
    assert_eq!(w.balance("alice"), before - 150);

    // Two-phase: post partially, the rest comes back.
    let held = w.balance("alice");
    w.m(
        "alice",
        "create_pending",
        json!({"id": "p1", "from": "alice", "to": "grocer", "amount": "300", "timeout_blocks": 3}),
    )
    .unwrap();
    assert_eq!(w.balance("alice"), held - 300);
    w.conserved("EURC");
    assert_eq!(
        w.m(
            "alice",
            "post_pending",
            json!({"id": "p1", "amount": "400"})
        ),
        Err("money.post_exceeds_pending".into())
    );
    w.m(
        "alice",
        "post_pending",
        json!({"id": "p1", "amount": "200"}),
    )
    .unwrap();
    assert_eq!(w.balance("alice"), held - 200);
    assert_eq!(
        w.m("alice", "post_pending", json!({"id": "p1"})),
        Err("money.pending_closed".into())
    );
    assert_eq!(
        w.m("alice", "void_pending", json!({"id": "p1"})),
        Err("money.pending_closed".into())
    );
    w.m(
        "alice",
        "create_pending",
        json!({"id": "p2", "from": "alice", "to": "grocer", "amount": "100", "timeout_blocks": 2}),
    )
    .unwrap();
    assert_eq!(
        w.m("grocer", "void_pending", json!({"id": "p2"})),
        Err("money.not_owner".into())
    );
    w.c.idle(3);
    assert_eq!(
        w.m("alice", "post_pending", json!({"id": "p2"})),
        Err("money.pending_expired".into())
    );
    w.m("grocer", "void_pending", json!({"id": "p2"})).unwrap();
    assert_eq!(
        w.m("alice", "post_pending", json!({"id": "p2"})),
        Err("money.pending_closed".into()),
        "a voided hold cannot be posted"
    );
    assert_eq!(w.balance("alice"), held - 200);
    assert_eq!(
        w.m("alice", "post_pending", json!({"id": "nope"})),
        Err("money.unknown_pending".into())
    );

    // Clawback, visible to the holder with its reason.
    assert_eq!(w.m("alice", "clawback", json!({"agency": "treasury", "from": "alice", "to": "treasury:main", "amount": "50", "reason": "fraud.duplicate"})), Err("auth.unauthorized".into()));
    w.m("treasurer", "clawback", json!({"agency": "treasury", "from": "alice", "to": "treasury:main", "amount": "50", "reason": "fraud.duplicate"})).unwrap();
    let hist = w.c.indexed("money/account/alice");
    assert!(hist
        .iter()
        .any(|e| e["kind"] == "clawback" && e["reason"] == "fraud.duplicate"));

    // Provenance follows the money back to its appropriation.
    let a = publica_money::queries::account(&w.c.state, "grocer").unwrap();
    assert_eq!(
        a.provenance.keys().collect::<Vec<_>>(),
        vec!["EURC/benefits-2027"]
    );
    assert_eq!(
        publica_types::Amount::checked_sum(a.provenance.values().copied()),
        Some(a.balance)
    );

    // Expiry: after the height, spending is refused and a sweep returns it once.
    assert_eq!(
        w.m("grocer", "sweep_expired", json!({"account": "alice:food"})),
        Err("money.not_expired".into())
    );
    let left = w.balance("alice:food");
    let program = w.balance("program:food-aid");
    let wait = expires + 1 - w.c.height();
    w.c.idle(wait);
    assert_eq!(
        w.m("alice", "transfer", tr("alice:food", "grocer", "1")),
        Err("money.expired".into())
    );
    w.m("grocer", "sweep_expired", json!({"account": "alice:food"}))
        .unwrap();
    assert_eq!(w.balance("alice:food"), 0);
    assert_eq!(w.balance("program:food-aid"), program + left);
    assert_eq!(
        w.m("grocer", "sweep_expired", json!({"account": "alice:food"})),
        Err("money.not_expired".into())
    );

    // Burning returns money to its appropriation.
    w.m(
        "treasurer",
        "burn",
        json!({"from": "treasury:main", "amount": "1000"}),
    )
    .unwrap();
    let appr = w.c.get("money/appropriation/EURC/benefits-2027").unwrap();
    assert_eq!(appr["burned"], "1000");
    w.conserved("EURC");
    assert_eq!(
        w.m("treasurer", "close_account", json!({"id": "treasury:main"})),
        Err("money.not_empty".into())
    );
    w.c.check_replay();

    // Blocks a node takes without executing them again (below a snapshot)
    // feed the histories too, so their events are checked against the
    // headers: a forged ledger event or outcome is refused.
    let (last, before) = w.c.blocks.split_last().unwrap();
    let mut log = publica_log::MerkleLog::new();
    for b in before {
        publica_runtime::append_committed(&mut log, b).unwrap();
    }
    let mut forged = last.clone();
    forged.ledger_events.push(publica_types::Event {
        module: "money".into(),
        kind: "transfer".into(),
        data: json!({"from": "treasury:main", "to": "alice", "amount": "1", "reference": ""}),
    });
    let e = publica_runtime::append_committed(&mut log.clone(), &forged).unwrap_err();
    assert!(e.to_string().contains("results root"), "{e}");
    let mut forged = last.clone();
    forged.outcomes[0].tx_id = publica_types::Hash32([7; 32]);
    assert!(publica_runtime::append_committed(&mut log.clone(), &forged).is_err());
    publica_runtime::append_committed(&mut log, last).unwrap();
}

/// The outside test's reproduction: a member holding only the treasurer
/// role opened an agency account with an unbounded overdraft and paid a
/// citizen out of it, with nothing minted; and a treasurer of another
/// agency did the same in a currency it does not issue.
#[test]
fn no_treasurer_makes_money_without_minting_it() {
    let admin = Keypair::generate();
    let mut c = chain(&admin, &["agency-0", "agency-1"]);
    let (t0, t1, citizen) = (
        Keypair::generate(),
        Keypair::generate(),
        Keypair::generate(),
    );
    for (t, ag) in [(&t0, "agency-0"), (&t1, "agency-1")] {
        c.call(
            &admin,
            "identity",
            "add_member",
            json!({"agency": ag, "account": t.account(), "roles": ["treasurer"]}),
        )
        .unwrap();
    }
    c.call(&t0, "money", "create_currency", json!({"agency": "agency-0", "code": "XC", "name": "X", "decimals": 0, "supply_cap": "1000"}))
        .unwrap();
    let agency_account = |id: &str, ag: &str| json!({"id": id, "currency": "XC", "agency": ag, "owner": {"kind": "agency", "agency": ag}});
    let mut od = agency_account("od", "agency-0");
    od["overdraft_limit"] = json!("1000000000000000");
    let refused = c.call(&t0, "money", "open_account", od).unwrap_err();
    assert_eq!(refused, "money.invalid_field");
    // The issuer's own agency account, without overdraft, is fine.
    c.call(
        &t0,
        "money",
        "open_account",
        agency_account("od", "agency-0"),
    )
    .unwrap();
    c.call(&t0, "money", "open_account", json!({"id": "payee", "currency": "XC", "agency": "agency-0", "owner": {"kind": "citizen", "account": citizen.account()}}))
        .unwrap();
    assert_eq!(
        c.call(
            &t0,
            "money",
            "transfer",
            json!({"from": "od", "to": "payee", "amount": "1000000000000"})
        ),
        Err("money.overdraft".into())
    );
    // Agency-1 opens nothing in agency-0's currency, with or without an
    // overdraft, for itself or for anyone.
    for args in [
        agency_account("other", "agency-1"),
        json!({"id": "other", "currency": "XC", "agency": "agency-1", "owner": {"kind": "citizen", "account": citizen.account()}}),
        json!({"id": "other", "currency": "XC", "agency": "agency-1", "owner": {"kind": "program", "agency": "agency-1", "program": "p"}}),
    ] {
        assert_eq!(
            c.call(&t1, "money", "open_account", args),
            Err("money.not_owner".into())
        );
    }
    assert!(c.get("money/account/other").is_none());
    // A citizen still opens a plain account of their own in any currency.
    c.call(&citizen, "money", "open_account", json!({"id": "mine", "currency": "XC", "owner": {"kind": "citizen", "account": citizen.account()}}))
        .unwrap();
    let cur = c.get("money/currency/XC").unwrap();
    assert_eq!(
        (cur["minted"].as_str(), cur["burned"].as_str()),
        (Some("0"), Some("0"))
    );
    for id in ["od", "payee", "mine"] {
        assert_eq!(
            c.get(&format!("money/account/{id}")).unwrap()["balance"],
            "0"
        );
    }
    c.check_replay();
}

/// Keys nobody holds, or that alias another, never own an account.
#[test]
fn accounts_are_never_opened_for_weak_keys() {
    let mut w = world();
    let t = Keypair::from_seed(w.treasurer.seed());
    w.c.call(&t, "money", "create_currency", json!({"agency": "treasury", "code": "XC", "name": "X", "decimals": 0, "supply_cap": "1000"}))
        .unwrap();
    let mut identity = [0u8; 32];
    identity[0] = 1;
    for weak in [[0u8; 32], identity] {
        let key = publica_types::AccountId(weak);
        for owner in [
            json!({"kind": "citizen", "account": key}),
            json!({"kind": "merchant", "account": key, "agency": "treasury", "category": "food"}),
        ] {
            assert_eq!(
                w.c.call(
                    &t,
                    "money",
                    "open_account",
                    json!({"id": "weak", "currency": "XC", "agency": "treasury", "owner": owner})
                ),
                Err("money.invalid_field".into())
            );
        }
    }
}

/// A freeze stops a hold made before it from being paid out; expired
/// earmarked money can be neither burned nor swept out of a frozen account
/// or into a frozen or closed one (issue: money controls, items 4, 10, 12).
#[test]
fn frozen_and_expired_money_stays_where_the_rules_put_it() {
    let mut w = world();
    let alice = w.alice.account();
    w.eurc_with_budget();
    let open = |id: &str, owner: Value| json!({"id": id, "currency": "EURC", "agency": "treasury", "owner": owner});
    w.open_eurc(
        "program",
        json!({"kind": "program", "agency": "treasury", "program": "food"}),
    );
    w.open_eurc("main", json!({"kind": "agency", "agency": "treasury"}));
    w.open_alice_and_grocer();
    let expires = w.c.height() + 10;
    let mut food = open("alice:food", json!({"kind": "citizen", "account": alice}));
    food["earmark"] =
        json!({"categories": ["food"], "expires_height": expires, "return_to": "program"});
    w.m("treasurer", "open_account", food).unwrap();
    w.m("treasurer", "mint", json!({"agency": "treasury", "currency": "EURC", "appropriation": "a", "to": "main", "amount": "5000"})).unwrap();
    let tr = |from: &str, to: &str, amount: &str| json!({"from": from, "to": to, "amount": amount});
    w.m("treasurer", "transfer", tr("main", "alice", "1000"))
        .unwrap();
    w.m("treasurer", "transfer", tr("main", "alice:food", "700"))
        .unwrap();

    // A hold made before the freeze is not paid out while frozen; a void
    // returns it to the frozen owner.
    w.m(
        "alice",
        "create_pending",
        json!({"id": "h", "from": "alice", "to": "grocer", "amount": "400", "timeout_blocks": 100}),
    )
    .unwrap();
    let freeze = |account: &str| json!({"agency": "treasury", "account": account, "reason": "fraud.suspected"});
    w.m("treasurer", "freeze", freeze("alice")).unwrap();
    assert_eq!(
        w.m("alice", "post_pending", json!({"id": "h"})),
        Err("money.frozen".into())
    );
    assert_eq!(w.balance("grocer"), 0);
    w.m("alice", "void_pending", json!({"id": "h"})).unwrap();
    assert_eq!(w.balance("alice"), 1000);
    w.m("treasurer", "unfreeze", freeze("alice")).unwrap();

    // Expired earmarked money is not burned by its holder.
    w.c.idle(expires + 1 - w.c.height());
    assert_eq!(
        w.m(
            "alice",
            "burn",
            json!({"from": "alice:food", "amount": "100"})
        ),
        Err("money.expired".into())
    );
    // The sweep moves nothing out of a frozen account, nor into a frozen one.
    w.m("treasurer", "freeze", freeze("alice:food")).unwrap();
    assert_eq!(
        w.m("grocer", "sweep_expired", json!({"account": "alice:food"})),
        Err("money.frozen".into())
    );
    w.m("treasurer", "unfreeze", freeze("alice:food")).unwrap();
    w.m("treasurer", "freeze", freeze("program")).unwrap();
    assert_eq!(
        w.m("grocer", "sweep_expired", json!({"account": "alice:food"})),
        Err("money.frozen".into())
    );
    w.m("treasurer", "unfreeze", freeze("program")).unwrap();
    assert_eq!(w.balance("alice:food"), 700);
    w.m("grocer", "sweep_expired", json!({"account": "alice:food"}))
        .unwrap();
    assert_eq!(w.balance("alice:food"), 0);
    assert_eq!(w.balance("program"), 700);
    w.conserved("EURC");
    w.c.check_replay();
}

/// Benefit accounts are the programs' alone: nobody opens one first to
/// skip its earmark, divert it or block an enrolment; clawbacks go back to
/// the issuer; frozen holds can be voided by the issuer; appropriations
/// follow the policy in force, expire, and cap what is ever minted; every
/// change of an account is in its history (issue: money controls, items
/// 1–3, 4, 8, 13, 14, 16).
#[test]
fn accounts_and_appropriations_follow_the_issuers_rules() {
    let mut w = world();
    let alice = w.alice.account();
    w.m("treasurer", "create_currency", json!({"agency": "treasury", "code": "EURC", "name": "E", "decimals": 2, "supply_cap": "1000000", "clawback_single_max": "100"})).unwrap();
    // A predictable benefit account id cannot be taken first, by the
    // citizen or by a treasurer.
    let benefit = publica_money::model::benefit_account_id("food", &alice);
    assert_eq!(
        w.m("alice", "open_account", json!({"id": benefit, "currency": "EURC", "owner": {"kind": "citizen", "account": alice}})),
        Err("money.invalid_field".into())
    );
    assert_eq!(
        w.m("treasurer", "open_account", json!({"id": benefit, "currency": "EURC", "agency": "treasury", "owner": {"kind": "citizen", "account": alice}})),
        Err("money.invalid_field".into())
    );
    assert!(w.c.get(&format!("money/account/{benefit}")).is_none());

    // An appropriation expires unapproved, and the threshold in force at
    // approval decides.
    let propose = |id: &str, blocks: u64| json!({"agency": "treasury", "currency": "EURC", "id": id, "name": id, "cap": "1000", "expires_in_blocks": blocks});
    let approve = |id: &str| json!({"agency": "treasury", "currency": "EURC", "id": id});
    assert_eq!(
        w.m("treasurer", "propose_appropriation", propose("x", 0)),
        Err("money.invalid_field".into())
    );
    w.m("treasurer", "propose_appropriation", propose("late", 2))
        .unwrap();
    w.c.idle(3);
    assert_eq!(
        w.m("admin", "approve_appropriation", approve("late")),
        Err("money.appropriation_expired".into())
    );
    w.m("treasurer", "propose_appropriation", propose("a", 100))
        .unwrap();
    w.m("admin", "approve_appropriation", approve("a")).unwrap();
    let appr = w.c.get("money/appropriation/EURC/a").unwrap();
    assert_eq!(appr["active"], true);

    // The cap bounds all ever minted: burning does not refill it.
    let open = |id: &str, owner: Value| json!({"id": id, "currency": "EURC", "agency": "treasury", "owner": owner});
    w.m(
        "treasurer",
        "open_account",
        open("main", json!({"kind": "agency", "agency": "treasury"})),
    )
    .unwrap();
    let mint = |amount: &str| json!({"agency": "treasury", "currency": "EURC", "appropriation": "a", "to": "main", "amount": amount});
    w.m("treasurer", "mint", mint("1000")).unwrap();
    w.m(
        "treasurer",
        "burn",
        json!({"from": "main", "amount": "600"}),
    )
    .unwrap();
    assert_eq!(
        w.m("treasurer", "mint", mint("1")),
        Err("money.cap_exceeded".into())
    );

    // Clawbacks return money to the issuer, never to a person.
    w.open_alice_and_grocer();
    w.m(
        "treasurer",
        "transfer",
        json!({"from": "main", "to": "alice", "amount": "300"}),
    )
    .unwrap();
    let claw = |to: &str, amount: &str| json!({"agency": "treasury", "from": "alice", "to": to, "amount": amount, "reason": "fraud"});
    assert_eq!(
        w.m("treasurer", "clawback", claw("grocer", "10")),
        Err("money.not_owner".into())
    );
    w.m("treasurer", "clawback", claw("main", "10")).unwrap();

    // A frozen account's hold: its owner cannot post it, the issuer voids
    // it, and a clawback then reaches the money.
    w.m("alice", "create_pending", json!({"id": "h", "from": "alice", "to": "grocer", "amount": "290", "timeout_blocks": 1000})).unwrap();
    w.m(
        "treasurer",
        "freeze",
        json!({"agency": "treasury", "account": "alice", "reason": "fraud.suspected"}),
    )
    .unwrap();
    assert_eq!(
        w.m("grocer", "void_pending", json!({"id": "h"})),
        Err("money.not_owner".into())
    );
    w.m("treasurer", "void_pending", json!({"id": "h"}))
        .unwrap();
    // Above the currency's single-official limit, a second treasurer
    // approves, once; the proposer cannot.
    assert_eq!(
        w.m("treasurer", "clawback", claw("main", "290")),
        Err("money.needs_second_official".into())
    );
    let mut big = claw("main", "290");
    big["id"] = json!("case-7");
    w.m("treasurer", "clawback", big).unwrap();
    assert_eq!(w.balance("alice"), 290, "proposed, not yet carried out");
    let approve = json!({"agency": "treasury", "currency": "EURC", "id": "case-7"});
    assert_eq!(
        w.m("treasurer", "approve_clawback", approve.clone()),
        Err("money.needs_second_official".into())
    );
    assert_eq!(
        w.m("books", "approve_clawback", approve.clone()),
        Err("auth.unauthorized".into())
    );
    let books = w.books.account();
    w.identity(
        "add_member",
        json!({"agency": "treasury", "account": books, "roles": ["treasurer"]}),
    )
    .unwrap();
    w.m("books", "approve_clawback", approve.clone()).unwrap();
    assert_eq!(
        w.m("books", "approve_clawback", approve),
        Err("money.unknown_clawback".into())
    );
    assert_eq!(w.balance("alice"), 0);

    // A freeze says why: without a reason code it is refused.
    assert_eq!(
        w.m(
            "treasurer",
            "freeze",
            json!({"agency": "treasury", "account": "alice"})
        ),
        Err("call.invalid_args".into())
    );
    assert_eq!(
        w.m(
            "treasurer",
            "freeze",
            json!({"agency": "treasury", "account": "alice", "reason": "Because I said so"})
        ),
        Err("money.invalid_field".into())
    );
    // Every change of the account is in its history, with who made it.
    w.m(
        "treasurer",
        "unfreeze",
        json!({"agency": "treasury", "account": "alice", "reason": "fraud.suspected"}),
    )
    .unwrap();
    w.m("alice", "close_account", json!({"id": "alice"}))
        .unwrap();
    let kinds: Vec<(String, String)> =
        w.c.indexed("money/account/alice")
            .iter()
            .map(|e| {
                (
                    e["kind"].as_str().unwrap().to_string(),
                    e["by"].as_str().unwrap_or("").to_string(),
                )
            })
            .collect();
    let t = w.treasurer.account().to_hex();
    let (a, b) = (alice.to_hex(), books.to_hex());
    let expect = [
        ("opened", t.as_str()),
        ("transfer", ""),
        ("clawback", t.as_str()),
        ("pending", ""),
        ("frozen", t.as_str()),
        ("void", ""),
        ("clawback", b.as_str()),
        ("unfrozen", t.as_str()),
        ("closed", a.as_str()),
    ];
    let entries = w.c.indexed("money/account/alice");
    let frozen = entries.iter().find(|e| e["kind"] == "frozen").unwrap();
    assert_eq!(frozen["reason"], "fraud.suspected", "{frozen}");
    assert_eq!(
        kinds,
        expect
            .iter()
            .map(|(k, b)| (k.to_string(), b.to_string()))
            .collect::<Vec<_>>()
    );
    w.conserved("EURC");
    w.c.check_replay();
}

/// Merchant status is the issuer's to give and take: a key becomes a
/// merchant only with the identity role in the issuing agency and the
/// issuer's accreditation for a category in that currency; revoking
/// either stops earmarked payments at once; accreditations are public
/// (issue: money controls, item 6).
#[test]
fn merchants_are_accredited_by_the_issuer_and_revocable() {
    let mut w = world();
    let (alice, grocer) = (w.alice.account(), w.grocer.account());
    w.m("treasurer", "create_currency", json!({"agency": "treasury", "code": "EURC", "name": "E", "decimals": 2, "supply_cap": "1000000"})).unwrap();
    let merchant = |id: &str, key: AccountId, category: &str| json!({"id": id, "currency": "EURC", "agency": "treasury", "owner": {"kind": "merchant", "account": key, "agency": "treasury", "category": category}});
    // The treasurer cannot make any key, his own included, a merchant.
    let t = w.treasurer.account();
    assert_eq!(
        w.m("treasurer", "open_account", merchant("mine", t, "food")),
        Err("money.not_accredited".into())
    );
    let accredit = |key: AccountId, cats: Value| json!({"agency": "treasury", "currency": "EURC", "merchant": key, "categories": cats});
    assert_eq!(
        w.m(
            "treasurer",
            "accredit_merchant",
            accredit(t, json!(["food"]))
        ),
        Err("money.not_accredited".into()),
        "no merchant role"
    );
    assert_eq!(
        w.m(
            "alice",
            "accredit_merchant",
            accredit(grocer, json!(["food"]))
        ),
        Err("auth.unauthorized".into())
    );
    w.accredit(grocer, json!(["food", "food"]));
    assert_eq!(
        w.m(
            "treasurer",
            "accredit_merchant",
            accredit(grocer, json!([]))
        ),
        Err("money.invalid_field".into())
    );
    // Only for the accredited category.
    assert_eq!(
        w.m(
            "treasurer",
            "open_account",
            merchant("grocer:books", grocer, "books")
        ),
        Err("money.not_accredited".into())
    );
    w.m(
        "treasurer",
        "open_account",
        merchant("grocer", grocer, "food"),
    )
    .unwrap();
    let (_, _, merchants) = publica_money::queries::currency(&w.c.state, "EURC").unwrap();
    assert_eq!(
        (
            merchants.len(),
            merchants[0].categories.clone(),
            merchants[0].active
        ),
        (1, vec!["food".to_string()], true)
    );

    // Earmarked food money reaches it while it is accredited.
    w.m(
        "treasurer",
        "propose_appropriation",
        json!({"agency": "treasury", "currency": "EURC", "id": "a", "name": "A", "cap": "1000"}),
    )
    .unwrap();
    w.m(
        "admin",
        "approve_appropriation",
        json!({"agency": "treasury", "currency": "EURC", "id": "a"}),
    )
    .unwrap();
    w.open_eurc("main", json!({"kind": "agency", "agency": "treasury"}));
    let mut food = json!({"id": "alice:food", "currency": "EURC", "agency": "treasury", "owner": {"kind": "citizen", "account": alice}});
    food["earmark"] = json!({"categories": ["food"], "return_to": "main"});
    w.m("treasurer", "open_account", food).unwrap();
    w.m("treasurer", "mint", json!({"agency": "treasury", "currency": "EURC", "appropriation": "a", "to": "main", "amount": "500"})).unwrap();
    w.m(
        "treasurer",
        "transfer",
        json!({"from": "main", "to": "alice:food", "amount": "300"}),
    )
    .unwrap();
    let pay = json!({"from": "alice:food", "to": "grocer", "amount": "10"});
    w.m("alice", "transfer", pay.clone()).unwrap();
    // Revoked: no more earmarked money, no new merchant account.
    let revoke = json!({"agency": "treasury", "currency": "EURC", "merchant": grocer});
    w.m("treasurer", "revoke_merchant", revoke.clone()).unwrap();
    assert_eq!(
        w.m("treasurer", "revoke_merchant", revoke),
        Err("money.not_accredited".into())
    );
    assert_eq!(
        w.m("alice", "transfer", pay.clone()),
        Err("money.not_accredited".into())
    );
    assert_eq!(
        w.m(
            "treasurer",
            "open_account",
            merchant("grocer2", grocer, "food")
        ),
        Err("money.not_accredited".into())
    );
    // Accredited again, it is paid; without its identity role, it is not.
    w.m(
        "treasurer",
        "accredit_merchant",
        accredit(grocer, json!(["food"])),
    )
    .unwrap();
    w.m("alice", "transfer", pay.clone()).unwrap();
    w.identity(
        "revoke_role",
        json!({"agency": "treasury", "account": grocer, "role": "merchant"}),
    )
    .unwrap();
    assert_eq!(
        w.m("alice", "transfer", pay),
        Err("money.not_accredited".into())
    );
    assert_eq!(w.balance("grocer"), 20);
    w.conserved("EURC");
    w.c.check_replay();
}

/// The treasury's accounts `main` (5,000 minted) and `cash-out`, and
/// `alice` holding 1,000 of it.
fn cash_out_world() -> World {
    let mut w = world();
    w.eurc_with_budget();
    w.open_eurc("main", json!({"kind": "agency", "agency": "treasury"}));
    w.open_eurc("cash-out", json!({"kind": "agency", "agency": "treasury"}));
    w.open_alice_and_grocer();
    w.m("treasurer", "mint", json!({"agency": "treasury", "currency": "EURC", "appropriation": "a", "to": "main", "amount": "5000"})).unwrap();
    w.m(
        "treasurer",
        "transfer",
        json!({"from": "main", "to": "alice", "amount": "1000"}),
    )
    .unwrap();
    w
}

/// Cash-out: a holder pays the agency's cash-out account, a treasurer
/// records the batch file that carries the waiting requests (each once),
/// and a request the bank sends back is refunded once.
#[test]
fn cash_outs_are_batched_once_and_returned_once() {
    let mut w = cash_out_world();
    let co = |amount: &str, reference: &str| json!({"from": "alice", "to": "cash-out", "amount": amount, "reference": reference});

    // The account takes cash-outs once a treasurer of its agency opens it
    // for them, with a minimum.
    assert_eq!(
        w.m("alice", "cash_out", co("100", "r0")),
        Err("money.not_cash_out_account".into())
    );
    let declare = |minimum: &str| json!({"account": "cash-out", "minimum": minimum});
    assert_eq!(
        w.m("alice", "declare_cash_out_account", declare("50")),
        Err("money.not_owner".into())
    );
    assert_eq!(
        w.m("treasurer", "declare_cash_out_account", declare("0")),
        Err("money.zero_amount".into())
    );
    assert_eq!(
        w.m(
            "treasurer",
            "declare_cash_out_account",
            json!({"account": "alice", "minimum": "50"})
        ),
        Err("money.not_cash_out_account".into())
    );
    w.m("treasurer", "declare_cash_out_account", declare("50"))
        .unwrap();
    assert_eq!(
        w.m("alice", "cash_out", co("49", "r0")),
        Err("money.below_minimum".into())
    );

    // Requests: into an agency's account only, with a reference, once each.
    assert_eq!(
        w.m(
            "alice",
            "cash_out",
            json!({"from": "alice", "to": "grocer", "amount": "1", "reference": "x"})
        ),
        Err("money.not_cash_out_account".into())
    );
    assert_eq!(
        w.m(
            "alice",
            "cash_out",
            json!({"from": "alice", "to": "main", "amount": "100", "reference": "x"})
        ),
        Err("money.not_cash_out_account".into()),
        "an account of the agency not opened for cash-outs takes none"
    );
    assert_eq!(
        w.m("alice", "cash_out", co("100", " ")),
        Err("money.invalid_field".into())
    );
    assert_eq!(
        w.m("grocer", "cash_out", co("100", "r0")),
        Err("money.not_owner".into())
    );
    assert_eq!(
        w.m("alice", "cash_out", co("2000", "r0")),
        Err("money.overdraft".into())
    );
    w.m("alice", "cash_out", co("300", "r1")).unwrap();
    assert_eq!(
        w.m("alice", "cash_out", co("300", "r1")),
        Err("money.duplicate_payment".into())
    );
    w.m("alice", "cash_out", co("200", "r2")).unwrap();
    w.m("alice", "cash_out", co("100", "r3")).unwrap();
    assert_eq!((w.balance("alice"), w.balance("cash-out")), (400, 600));
    let waiting = |w: &World| {
        w.c.state
            .scan_prefix(b"money/cash-out/waiting/cash-out/", 100)
            .len()
    };
    assert_eq!(waiting(&w), 3);

    // Batches: a treasurer of the owning agency, each request at most once,
    // all or none, a batch id once.
    let sha = "ab".repeat(32);
    let settle = |batch: &str, requests: Value| json!({"account": "cash-out", "batch": batch, "file_sha256": sha, "requests": requests});
    assert_eq!(
        w.m("alice", "settle_cash_outs", settle("b1", json!([0]))),
        Err("money.not_owner".into())
    );
    assert_eq!(
        w.m("treasurer", "settle_cash_outs", settle("b1", json!([0, 0]))),
        Err("money.invalid_batch".into())
    );
    assert_eq!(
        w.m("treasurer", "settle_cash_outs", settle("b1", json!([]))),
        Err("money.invalid_batch".into())
    );
    assert_eq!(
        w.m("treasurer", "settle_cash_outs", settle("b1", json!([0, 7]))),
        Err("money.not_waiting".into())
    );
    assert_eq!(
        waiting(&w),
        3,
        "a refused batch leaves every request waiting"
    );
    assert_eq!(
        w.m(
            "treasurer",
            "settle_cash_outs",
            json!({"account": "cash-out", "batch": "B1", "file_sha256": sha, "requests": [0]})
        ),
        Err("money.invalid_field".into())
    );
    w.m("treasurer", "settle_cash_outs", settle("b1", json!([0, 1])))
        .unwrap();
    assert_eq!(
        w.m("treasurer", "settle_cash_outs", settle("b1", json!([2]))),
        Err("money.batch_exists".into())
    );
    assert_eq!(
        w.m("treasurer", "settle_cash_outs", settle("b2", json!([1, 2]))),
        Err("money.not_waiting".into())
    );
    assert_eq!(waiting(&w), 1);
    let batch = w.c.get("money/cash-out/batch/cash-out/b1").unwrap();
    assert_eq!(
        (batch["total"].as_str(), batch["requests"].clone()),
        (Some("500"), json!([0, 1]))
    );
    let r1 =
        w.c.get(&format!("money/cash-out/done/cash-out/{:020}", 1))
            .unwrap();
    assert_eq!(
        (
            r1["status"].as_str(),
            r1["batch"].as_str(),
            r1["from"].as_str()
        ),
        (Some("batched"), Some("b1"), Some("alice"))
    );

    // A return: a batched request the bank sent back, or a waiting one the
    // agency will not pay; once each, back to where it came from.
    let ret = |request: u64| json!({"account": "cash-out", "request": request, "reason": "ac01"});
    assert_eq!(
        w.m("treasurer", "return_cash_out", ret(9)),
        Err("money.not_waiting".into())
    );
    assert_eq!(
        w.m("alice", "return_cash_out", ret(1)),
        Err("money.not_owner".into())
    );
    w.m("treasurer", "return_cash_out", ret(1)).unwrap();
    assert_eq!(
        w.m("treasurer", "return_cash_out", ret(1)),
        Err("money.not_waiting".into())
    );
    assert_eq!((w.balance("alice"), w.balance("cash-out")), (600, 400));
    w.m("treasurer", "return_cash_out", ret(2)).unwrap();
    assert_eq!(waiting(&w), 0, "a refunded request waits no more");
    assert_eq!(
        w.m("treasurer", "settle_cash_outs", settle("b3", json!([2]))),
        Err("money.not_waiting".into())
    );
    assert_eq!(
        w.m("treasurer", "return_cash_out", ret(2)),
        Err("money.not_waiting".into())
    );
    assert_eq!((w.balance("alice"), w.balance("cash-out")), (700, 300));
    w.conserved("EURC");
    w.c.check_replay();
}

/// A ledger written in format 4, when any account of an agency took
/// cash-outs, migrated to format 5: blocks before the migration keep the
/// old rule, the first block of format 5 opens every account that took a
/// cash-out (minimum 1, a ledger event says so), and from it other
/// accounts take none. The whole chain replays to the same roots.
#[test]
fn a_migration_to_format_5_opens_the_accounts_that_took_cash_outs() {
    use publica_types::format::LedgerFormats;
    let mut w = cash_out_world();
    let starts = w.c.height() + 3;
    w.c.rt
        .set_formats(LedgerFormats::new(4).then(5, starts).unwrap());
    let co = |to: &str, amount: &str, reference: &str| json!({"from": "alice", "to": to, "amount": amount, "reference": reference});
    // Format 4: any account of the agency, any amount.
    w.m("alice", "cash_out", co("cash-out", "1", "r1")).unwrap();
    w.m("alice", "cash_out", co("cash-out", "2", "r2")).unwrap();
    assert_eq!(w.c.height() + 1, starts);
    // Format 5 from here: the migration runs first.
    assert_eq!(
        w.m("alice", "cash_out", co("main", "100", "r3")),
        Err("money.not_cash_out_account".into())
    );
    let first = &w.c.blocks[starts as usize - 1];
    let declared: Vec<_> = first
        .ledger_events
        .iter()
        .filter(|e| e.kind == "cash_out_account_declared")
        .map(|e| e.data.clone())
        .collect();
    assert_eq!(
        declared,
        vec![json!({"account": "cash-out", "minimum": "1"})]
    );
    assert!(w.c.blocks[..starts as usize - 1].iter().all(|b| b
        .ledger_events
        .iter()
        .all(|e| e.kind != "cash_out_account_declared")));
    w.m("alice", "cash_out", co("cash-out", "3", "r4")).unwrap();
    assert_eq!(
        w.c.state
            .scan_prefix(b"money/cash-out/waiting/cash-out/", 100)
            .len(),
        3
    );
    w.conserved("EURC");
    w.c.check_replay();
}
