//! Money invariants over random sequences of operations (10,000 cases):
//! - per currency, balances + pending = minted − burned after every call;
//! - no balance below zero, provenance always sums to the balance and names
//!   only approved appropriations, so the money in accounts never exceeds
//!   minted − burned, nor minted the supply cap or an appropriation's cap;
//! - no overdraft can be opened, and no treasurer of another agency opens
//!   accounts in the currency;
//! - burned ≤ minted, an appropriation never mints beyond its cap;
//! - no frozen account pays, a program's account pays nothing by hand,
//!   and clawbacks land only in the issuer's accounts;
//! - earmarked money only ever reaches whitelisted merchants, and expired
//!   money is swept exactly once;
//! - a linked batch that fails leaves no trace;
//! - the outcomes and the state after a run of transfers do not depend on
//!   how the transactions are cut into blocks.

use proptest::prelude::*;
use publica_crypto::Keypair;
use publica_identity::{Genesis, GenesisAgency, Identity};
use publica_money::Money;
use publica_runtime::nonce::committed_nonce;
use publica_runtime::testkit::{Rejected, TestChain};
use publica_runtime::Runtime;
use publica_state::StateTree;
use publica_types::VerifiedTx;
use serde_json::{json, Value};
use std::sync::OnceLock;

const ACCOUNTS: [&str; 7] = [
    "treasury",
    "program",
    "alice",
    "bob",
    "grocer",
    "bookshop",
    "alice-food",
];
const EXPIRES: u64 = 30;

struct Base {
    keys: Vec<Keypair>, // admin, treasurer, alice, bob, grocer, books
    state: StateTree,
    height: u64,
}

fn runtime() -> Runtime {
    let mut rt = Runtime::new();
    rt.register(Box::new(Identity));
    rt.register(Box::new(Money));
    rt
}

fn base() -> &'static Base {
    static BASE: OnceLock<Base> = OnceLock::new();
    BASE.get_or_init(|| {
        let keys: Vec<Keypair> = (1..=6u8).map(|i| Keypair::from_seed([i; 32])).collect();
        let g = Genesis {
            version: 1,
            chain_id: "t".into(),
            agencies: vec![
                GenesisAgency { id: "gov".into(), name: "Gov".into(), administrators: vec![keys[0].account()], policy_threshold: 1 },
                GenesisAgency { id: "other".into(), name: "Other".into(), administrators: vec![keys[0].account()], policy_threshold: 1 },
            ],
            governance: publica_identity::genesis::GenesisGovernance { create_agency_threshold: 1 },
            validators: None,
        };
        let mut c = TestChain::new(runtime(), g.initial_state());
        let t = &keys[1];
        let ok = |r: Result<(), Rejected>| r.expect("setup call");
        ok(c.call(&keys[0], "identity", "add_member", json!({"agency": "gov", "account": t.account(), "roles": ["treasurer"]})));
        // Bob is a treasurer too, of another agency: not EURC's issuer.
        ok(c.call(&keys[0], "identity", "add_member", json!({"agency": "other", "account": keys[3].account(), "roles": ["treasurer"]})));
        ok(c.call(t, "money", "create_currency", json!({"agency": "gov", "code": "EURC", "name": "E", "decimals": 2, "supply_cap": "1000000000", "clawback_single_max": "1000"})));
        ok(c.call(t, "money", "propose_appropriation", json!({"agency": "gov", "currency": "EURC", "id": "a1", "name": "A1", "cap": "1000000"})));
        ok(c.call(t, "money", "propose_appropriation", json!({"agency": "gov", "currency": "EURC", "id": "a2", "name": "A2", "cap": "1000000"})));
        ok(c.call(&keys[0], "money", "approve_appropriation", json!({"agency": "gov", "currency": "EURC", "id": "a1"})));
        ok(c.call(&keys[0], "money", "approve_appropriation", json!({"agency": "gov", "currency": "EURC", "id": "a2"})));
        let open = |id: &str, owner: Value, extra: Value| {
            let mut a = json!({"id": id, "currency": "EURC", "owner": owner, "agency": "gov"});
            for (k, v) in extra.as_object().unwrap() {
                a[k] = v.clone();
            }
            a
        };
        ok(c.call(t, "money", "open_account", open("treasury", json!({"kind": "agency", "agency": "gov"}), json!({}))));
        ok(c.call(t, "money", "open_account", open("program", json!({"kind": "program", "agency": "gov", "program": "p"}), json!({}))));
        ok(c.call(t, "money", "open_account", open("alice", json!({"kind": "citizen", "account": keys[2].account()}), json!({}))));
        ok(c.call(t, "money", "open_account", open("bob", json!({"kind": "citizen", "account": keys[3].account()}), json!({}))));
        for (merchant, category) in [(&keys[4], "food"), (&keys[5], "books")] {
            ok(c.call(&keys[0], "identity", "add_member", json!({"agency": "gov", "account": merchant.account(), "roles": ["merchant"]})));
            ok(c.call(t, "money", "accredit_merchant", json!({"agency": "gov", "currency": "EURC", "merchant": merchant.account(), "categories": [category]})));
        }
        ok(c.call(t, "money", "open_account", open("grocer", json!({"kind": "merchant", "account": keys[4].account(), "agency": "gov", "category": "food"}), json!({}))));
        ok(c.call(t, "money", "open_account", open("bookshop", json!({"kind": "merchant", "account": keys[5].account(), "agency": "gov", "category": "books"}), json!({}))));
        ok(c.call(t, "money", "open_account", open("alice-food", json!({"kind": "citizen", "account": keys[2].account()}), json!({"earmark": {"categories": ["food"], "expires_height": EXPIRES, "return_to": "program"}}))));
        let height = c.height();
        assert!(height < EXPIRES);
        Base { keys, state: c.state.clone(), height }
    })
}

/// The key allowed to move money out of each account (treasurer for the
/// agency and program accounts).
fn owner_key(i: usize) -> usize {
    match i {
        0 | 1 => 1,
        2 | 6 => 2,
        3 => 3,
        4 => 4,
        _ => 5,
    }
}

#[derive(Debug, Clone)]
enum Op {
    Transfer {
        from: usize,
        to: usize,
        amount: u64,
        signer_ok: bool,
    },
    Batch {
        legs: Vec<(usize, usize, u64)>,
    },
    Mint {
        appr: u8,
        to: usize,
        amount: u64,
    },
    Burn {
        from: usize,
        amount: u64,
    },
    Pending {
        from: usize,
        to: usize,
        amount: u64,
        post: Option<u64>,
        wait: u64,
    },
    Clawback {
        from: usize,
        to: usize,
        amount: u64,
    },
    Sweep,
    Idle(u64),
    /// A treasurer freezes or unfreezes an account.
    Freeze {
        account: usize,
        on: bool,
    },
    /// A way to make money without minting it, which must fail.
    Forge {
        overdraft: u64,
        by_other_agency: bool,
    },
}

/// A transfer, signed by its debited account's owner nine times in ten.
fn transfer_op() -> impl Strategy<Value = Op> {
    (0usize..7, 0usize..7, 0u64..3000, prop::bool::weighted(0.9)).prop_map(
        |(from, to, amount, signer_ok)| Op::Transfer {
            from,
            to,
            amount,
            signer_ok,
        },
    )
}

/// A linked batch of one to three transfers.
fn batch_op() -> impl Strategy<Value = Op> {
    proptest::collection::vec((0usize..7, 0usize..7, 1u64..2000), 1..4)
        .prop_map(|legs| Op::Batch { legs })
}

/// The signer (an index into the keys), method and arguments of a
/// transfer or batch op; a batch is signed by its first debited account's
/// owner.
fn transfer_call(o: &Op) -> (usize, &'static str, Value) {
    match o {
        Op::Transfer {
            from,
            to,
            amount,
            signer_ok,
        } => {
            let signer = if *signer_ok {
                owner_key(*from)
            } else {
                (owner_key(*from) % 5) + 1
            };
            (
                signer,
                "transfer",
                json!({"from": ACCOUNTS[*from], "to": ACCOUNTS[*to], "amount": amount.to_string()}),
            )
        }
        Op::Batch { legs } => {
            let transfers: Vec<Value> = legs.iter().map(|(f, t, a)| json!({"from": ACCOUNTS[*f], "to": ACCOUNTS[*t], "amount": a.to_string()})).collect();
            (
                owner_key(legs[0].0),
                "transfer_batch",
                json!({"transfers": transfers}),
            )
        }
        other => unreachable!("not a transfer: {other:?}"),
    }
}

fn op() -> impl Strategy<Value = Op> {
    let acct = 0usize..7;
    prop_oneof![
        4 => transfer_op(),
        1 => batch_op(),
        2 => (0u8..3, 0usize..2, 1u64..5000).prop_map(|(appr, to, amount)| Op::Mint { appr, to, amount }),
        1 => (0usize..2, 1u64..3000).prop_map(|(from, amount)| Op::Burn { from, amount }),
        1 => (acct.clone(), acct.clone(), 1u64..2000, proptest::option::of(1u64..2500), 0u64..5).prop_map(|(from, to, amount, post, wait)| Op::Pending { from, to, amount, post, wait }),
        1 => (acct.clone(), acct.clone(), 1u64..2000).prop_map(|(from, to, amount)| Op::Clawback { from, to, amount }),
        1 => (acct.clone(), any::<bool>()).prop_map(|(account, on)| Op::Freeze { account, on }),
        1 => Just(Op::Sweep),
        1 => (1u64..8).prop_map(Op::Idle),
        1 => (1u64..u64::MAX, any::<bool>()).prop_map(|(overdraft, by_other_agency)| Op::Forge { overdraft, by_other_agency }),
    ]
}

fn amount(v: &Value) -> i128 {
    v.as_str().unwrap().parse().unwrap()
}

fn check(state: &StateTree) -> Result<(), TestCaseError> {
    let record = |key: &str| -> Value {
        serde_json::from_slice(&state.get(key.as_bytes()).unwrap()).unwrap()
    };
    let cur = record("money/currency/EURC");
    let mut total = 0i128;
    let mut held = 0i128;
    for (_, v) in state.scan_prefix(b"money/account/", usize::MAX) {
        let a: Value = serde_json::from_slice(&v).unwrap();
        let bal = amount(&a["balance"]);
        prop_assert!(bal >= 0, "balance below zero: {}", a);
        prop_assert!(a.get("overdraft_limit").is_none(), "an overdraft: {}", a);
        held += bal;
        total += bal + amount(&a["pending_out"]);
        let prov = a["provenance"].as_object().unwrap();
        for k in prov.keys() {
            prop_assert!(
                k == "EURC/a1" || k == "EURC/a2",
                "money from {} in {}",
                k,
                a
            );
        }
        let prov: i128 = prov.values().map(amount).sum();
        prop_assert_eq!(prov, bal, "provenance sums to the balance: {}", a);
    }
    let (minted, burned) = (amount(&cur["minted"]), amount(&cur["burned"]));
    prop_assert_eq!(total, minted - burned, "conservation");
    prop_assert!(
        held <= minted - burned,
        "more money held than minted − burned"
    );
    prop_assert!(
        minted - burned <= amount(&cur["supply_cap"]),
        "beyond the supply cap"
    );
    prop_assert!(burned <= minted, "more burned than minted");
    for id in ["a1", "a2"] {
        let appr = record(&format!("money/appropriation/EURC/{id}"));
        prop_assert!(
            amount(&appr["minted"]) <= amount(&appr["cap"]),
            "beyond the cap of {}",
            id
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 10_000, .. ProptestConfig::default() })]
    #[test]
    fn money_invariants_hold(ops in proptest::collection::vec(op(), 1..16)) {
        let b = base();
        let mut c = TestChain::new(runtime(), b.state.clone());
        c.idle(b.height);
        let k = &b.keys;
        let mut sweeps = 0;
        let mut pending_n = 0;
        let mut forged = 0;
        let start: Vec<i128> = ACCOUNTS.iter().map(|a| balance(&c.state, a)).collect();
        for o in ops {
            match o {
                Op::Transfer { from, to, .. } => {
                    let (signer, method, args) = transfer_call(&o);
                    let frozen = is_frozen(&c.state, from);
                    let r = c.call(&k[signer], "money", method, args);
                    prop_assert!(r.is_err() || !frozen, "the frozen {} paid", ACCOUNTS[from]);
                    prop_assert!(r.is_err() || from != 1, "the program's account paid by hand");
                    if r.is_ok() && from == 6 {
                        prop_assert_eq!(to, 4, "earmarked food money reached {}", ACCOUNTS[to]);
                        prop_assert!(c.height() <= EXPIRES, "expired money moved");
                    }
                }
                Op::Batch { .. } => {
                    let (signer, method, args) = transfer_call(&o);
                    let before = c.state.sorted_entries();
                    if c.call(&k[signer], "money", method, args).is_err() {
                        let nonce_key = format!("runtime/nonce/{}", k[signer].account());
                        let strip = |v: Vec<(Vec<u8>, Vec<u8>)>| v.into_iter().filter(|(key, _)| *key != nonce_key.as_bytes()).collect::<Vec<_>>();
                        prop_assert_eq!(strip(before), strip(c.state.sorted_entries()), "a failed batch left a trace");
                    }
                }
                Op::Mint { appr, to, amount } => {
                    let _ = c.call(&k[1], "money", "mint", json!({"agency": "gov", "currency": "EURC", "appropriation": format!("a{appr}"), "to": ACCOUNTS[to], "amount": amount.to_string()}));
                }
                Op::Burn { from, amount } => {
                    let _ = c.call(&k[1], "money", "burn", json!({"from": ACCOUNTS[from], "amount": amount.to_string()}));
                }
                Op::Pending { from, to, amount, post, wait } => {
                    pending_n += 1;
                    let id = format!("p{pending_n}");
                    let signer = owner_key(from);
                    let created = c.call(&k[signer], "money", "create_pending", json!({"id": id, "from": ACCOUNTS[from], "to": ACCOUNTS[to], "amount": amount.to_string(), "timeout_blocks": 3}));
                    check(&c.state)?;
                    c.idle(wait);
                    let settled = match post {
                        Some(p) => c.call(&k[signer], "money", "post_pending", json!({"id": id, "amount": p.to_string()})),
                        None => c.call(&k[signer], "money", "void_pending", json!({"id": id})),
                    };
                    if created.is_ok() && settled.is_err() {
                        // Whatever happened, a timed-out hold can always be voided.
                        c.idle(4);
                        let _ = c.call(&k[signer], "money", "void_pending", json!({"id": id}));
                    }
                }
                Op::Clawback { from, to, amount } => {
                    let r = c.call(&k[1], "money", "clawback", json!({"agency": "gov", "from": ACCOUNTS[from], "to": ACCOUNTS[to], "amount": amount.to_string(), "reason": "test"}));
                    prop_assert!(r.is_err() || to < 2, "a clawback landed in {}", ACCOUNTS[to]);
                    prop_assert!(r.is_err() || amount <= 1000, "one treasurer clawed back {}", amount);
                }
                Op::Freeze { account, on } => {
                    let method = if on { "freeze" } else { "unfreeze" };
                    c.call(&k[1], "money", method, json!({"agency": "gov", "account": ACCOUNTS[account], "reason": "test"})).expect("the issuer's treasurer freezes");
                }
                Op::Sweep => {
                    if c.call(&k[4], "money", "sweep_expired", json!({"account": "alice-food"})).is_ok() {
                        sweeps += 1;
                        prop_assert!(c.height() > EXPIRES);
                    }
                }
                Op::Idle(n) => c.idle(n),
                Op::Forge { overdraft, by_other_agency } => {
                    forged += 1;
                    let id = format!("forged{forged}");
                    let (signer, agency) = if by_other_agency { (3, "other") } else { (1, "gov") };
                    let mut args = json!({"id": id, "currency": "EURC", "agency": agency, "owner": {"kind": "agency", "agency": agency}});
                    if overdraft > 1 || !by_other_agency {
                        args["overdraft_limit"] = json!(overdraft.to_string());
                    }
                    let r = c.call(&k[signer], "money", "open_account", args);
                    prop_assert!(r.is_err(), "{} opened", id);
                    let key = format!("money/account/{id}");
                    prop_assert!(c.state.get(key.as_bytes()).is_none());
                }
            }
            check(&c.state)?;
        }
        // Past expiry, the sweep happens exactly once in total, once the
        // accounts it moves money between are not frozen.
        for account in [1, 6] {
            c.call(&k[1], "money", "unfreeze", json!({"agency": "gov", "account": ACCOUNTS[account], "reason": "test"})).expect("unfreeze");
        }
        if c.height() <= EXPIRES {
            c.idle(EXPIRES + 1 - c.height());
        }
        if c.call(&k[4], "money", "sweep_expired", json!({"account": "alice-food"})).is_ok() {
            sweeps += 1;
        }
        prop_assert_eq!(sweeps, 1, "expired money is swept exactly once");
        let food: Value = serde_json::from_slice(&c.state.get(b"money/account/alice-food").unwrap()).unwrap();
        prop_assert!(amount(&food["balance"]) <= 0);
        check(&c.state)?;
        // Each account's history, filed off the state from the blocks'
        // events, accounts for every change of its balance.
        for (i, a) in ACCOUNTS.iter().enumerate() {
            let entries = c.indexed(&format!("money/account/{a}"));
            let mut moved = 0i128;
            for (n, e) in entries.iter().enumerate() {
                prop_assert_eq!(e["n"].as_u64(), Some(n as u64));
                prop_assert!(e["height"].as_u64().is_some_and(|h| h >= 1 && h <= c.height()));
                moved += history_effect(e);
            }
            prop_assert_eq!(start[i] + moved, balance(&c.state, a), "history of {}: {:?}", a, entries);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2_000, .. ProptestConfig::default() })]
    /// A block keeps hot records in memory and writes them to the state at
    /// its end: the transactions' outcomes and the state after them must be
    /// the same however they are cut into blocks.
    #[test]
    fn cutting_transactions_into_blocks_changes_nothing(
        moves in proptest::collection::vec(prop_oneof![6 => transfer_op(), 1 => batch_op()], 1..40),
        cuts in proptest::collection::vec(any::<bool>(), 40),
    ) {
        let b = base();
        let mut nonces: Vec<u64> = b.keys.iter().map(|k| committed_nonce(&b.state, &k.account())).collect();
        let txs: Vec<VerifiedTx> = moves
            .iter()
            .map(|m| {
                let (signer, method, args) = transfer_call(m);
                nonces[signer] += 1;
                let k = &b.keys[signer];
                TestChain::sign(k.account(), k, nonces[signer], "money", method, args)
            })
            .collect();
        let mut whole = TestChain::new(runtime(), b.state.clone());
        let one = whole.push(txs.clone());
        let mut cut = TestChain::new(runtime(), b.state.clone());
        let mut many = Vec::new();
        let mut block = Vec::new();
        for (i, tx) in txs.into_iter().enumerate() {
            block.push(tx);
            // No block may reach the earmark's expiry.
            if cuts[i] && cut.height() + 2 < EXPIRES {
                many.extend(cut.push(std::mem::take(&mut block)));
            }
        }
        many.extend(cut.push(block));
        prop_assert_eq!(one, many);
        prop_assert_eq!(whole.state.sorted_entries(), cut.state.sorted_entries());
        prop_assert_eq!(whole.state.root(), cut.state.root());
        check(&whole.state)?;
        whole.check_replay();
    }
}

fn is_frozen(state: &StateTree, i: usize) -> bool {
    let key = format!("money/account/{}", ACCOUNTS[i]);
    let a: Value = serde_json::from_slice(&state.get(key.as_bytes()).unwrap()).unwrap();
    a["frozen"] == true
}

fn balance(state: &StateTree, account: &str) -> i128 {
    let a: Value = serde_json::from_slice(
        &state
            .get(format!("money/account/{account}").as_bytes())
            .unwrap(),
    )
    .unwrap();
    amount(&a["balance"])
}

/// What a history entry did to its account's balance.
fn history_effect(e: &Value) -> i128 {
    match (
        e["kind"].as_str().unwrap(),
        e["direction"].as_str().unwrap(),
    ) {
        (_, "in") => amount(&e["amount"]),
        // The held amount left the balance when the hold was made; only
        // what was not posted comes back.
        ("post" | "void", "out") => amount(&e["returned"]),
        (_, "out") => -amount(&e["amount"]),
        (_, "none") => 0,
        other => panic!("unknown entry {other:?}"),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2_000, .. ProptestConfig::default() })]
    /// Transfers sent `once`: an account pays a reference at most once —
    /// the second is refused as a duplicate exactly when a first went
    /// through (a failed one leaves no mark), transfers not sent once are
    /// never refused as duplicates, and money is conserved.
    #[test]
    fn a_reference_sent_once_pays_at_most_once(
        ops in proptest::collection::vec((0usize..3, 0u8..4, 1u64..60_000, any::<bool>(), any::<bool>()), 1..24)
    ) {
        let b = base();
        let mut c = TestChain::new(runtime(), b.state.clone());
        c.idle(b.height);
        let k = &b.keys;
        c.call(&k[1], "money", "mint", json!({"agency": "gov", "currency": "EURC", "appropriation": "a1", "to": "treasury", "amount": "100000"})).unwrap();
        let total = |c: &TestChain| ACCOUNTS.iter().map(|a| balance(&c.state, a)).sum::<i128>();
        let start = total(&c);
        // (from, signer, to) for treasury -> alice, treasury -> bob, alice -> bob.
        let routes = [(0usize, 1usize, 2usize), (0, 1, 3), (2, 2, 3)];
        let mut paid = std::collections::BTreeSet::new();
        for (route, reference, amount, once, twice) in ops {
            let (from, signer, to) = routes[route];
            let leg = json!({"from": ACCOUNTS[from], "to": ACCOUNTS[to], "amount": amount.to_string(), "reference": format!("r{reference}"), "once": once});
            let seen = paid.contains(&(from, reference));
            let fits = balance(&c.state, ACCOUNTS[from]) >= i128::from(amount);
            let r = if twice {
                // The same payment twice in one linked batch.
                c.call(&k[signer], "money", "transfer_batch", json!({"transfers": [leg.clone(), leg]}))
            } else {
                c.call(&k[signer], "money", "transfer", leg)
            };
            let duplicate = r.as_ref().err().is_some_and(|e| e.code == "money.duplicate_payment");
            // In a batch the first leg pays (or overdraws) before the second
            // is judged.
            prop_assert_eq!(duplicate, once && (seen || (twice && fits)), "route {} r{} once={} twice={}: {:?}", route, reference, once, twice, r);
            if r.is_ok() && once {
                prop_assert!(!twice && paid.insert((from, reference)), "paid r{} twice", reference);
            }
            prop_assert_eq!(total(&c), start, "money conserved");
        }
    }
}
