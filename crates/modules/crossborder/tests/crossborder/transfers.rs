//! Transfers both ways, replays, forged proofs, unknown validator sets,
//! limits, expiry and refunds, and a followed validator-set change.

use crate::world::{pair, validators, Net, CORRIDOR, LIMIT, TIMEOUT_MS, WALLET};
use publica_crypto::Keypair;
use publica_identity::validators::{Validator, ValidatorHistory, VALIDATORS_KEY};
use publica_log::{Cosigner, ValidatorSet};
use serde_json::json;

fn out(id: &str) -> String {
    format!("crossborder/out/{id}")
}

fn mark(id: &str) -> String {
    format!("crossborder/in/{CORRIDOR}/{id}")
}

#[test]
fn money_moves_both_ways_once_each_and_is_settled() {
    let (mut north, mut south) = pair(2);
    let id = north.send(0, "w1", 2_500).unwrap();
    assert_eq!(
        (north.balance("w0"), north.balance("corridor")),
        (17_500, 1_002_500)
    );
    south.relay("receive", north.answer(&out(&id))).unwrap();
    assert_eq!(
        (south.balance("w1"), south.balance("corridor")),
        (22_500, 997_500)
    );
    // The same proof again, and a later one of the same transfer: refused.
    assert_eq!(
        south.relay("receive", north.answer(&out(&id))),
        Err("crossborder.replayed".into())
    );
    // Nor can it be expired once credited.
    assert_eq!(
        south.relay("expire", north.answer(&out(&id))),
        Err("crossborder.replayed".into())
    );
    // North settles it on south's mark.
    north.relay("settle", south.answer(&mark(&id))).unwrap();
    assert_eq!(north.c.get(&out(&id)).unwrap()["status"], "delivered");
    assert_eq!(
        north.relay("settle", south.answer(&mark(&id))),
        Err("crossborder.settled".into())
    );
    // And back the other way.
    let back = south.send(1, "w0", 1_000).unwrap();
    north.relay("receive", south.answer(&out(&back))).unwrap();
    assert_eq!(north.balance("w0"), 18_500);
    let totals = &north.corridor()["totals"];
    assert_eq!(
        (
            totals["sent"].as_str(),
            totals["delivered"].as_str(),
            totals["received"].as_str(),
            totals["pending"].as_u64()
        ),
        (Some("2500"), Some("2500"), Some("1000"), Some(0))
    );
    // Each network's money is conserved.
    assert_eq!(
        (north.held(), south.held()),
        (
            1_000_000 + 2 * u128::from(WALLET),
            1_000_000 + 2 * u128::from(WALLET)
        )
    );
    north.c.check_replay();
    south.c.check_replay();
}

#[test]
fn forged_proofs_and_unknown_validator_sets_are_refused() {
    let (mut north, mut south) = pair(2);
    let id = north.send(0, "w1", 2_500).unwrap();
    let good = north.answer(&out(&id));
    // A value the proof does not show: 25 000 instead of 2 500.
    let mut forged = good.clone();
    let value = String::from_utf8(hex(&good["value_hex"]))
        .unwrap()
        .replace("\"2500\"", "\"25000\"");
    forged["value_hex"] = json!(to_hex(value.as_bytes()));
    assert_eq!(
        south.relay("receive", forged),
        Err("crossborder.bad_proof".into())
    );
    // Cosigned by keys that are not north's validators.
    let strangers = validators("north", 9);
    assert_eq!(
        south.relay(
            "receive",
            north.answer_by(&out(&id), &strangers, &[0, 1, 2])
        ),
        Err("crossborder.untrusted".into())
    );
    // By two of north's four validators: no quorum.
    assert_eq!(
        south.relay(
            "receive",
            north.answer_by(&out(&id), &north.validators, &[0, 1])
        ),
        Err("crossborder.untrusted".into())
    );
    // No checkpoint at all.
    let mut bare = good.clone();
    bare["checkpoint"] = json!(null);
    assert_eq!(
        south.relay("receive", bare),
        Err("crossborder.untrusted".into())
    );
    // A proof of another key, of a key absent, and of south's own record.
    assert_eq!(
        south.relay("receive", north.answer("money/account/w0")),
        Err("crossborder.wrong_record".into())
    );
    assert_eq!(
        south.relay("receive", north.answer(&out(&"ab".repeat(32)))),
        Err("crossborder.wrong_record".into())
    );
    let own = south.send(0, "w0", 10).unwrap();
    assert_eq!(
        south.relay("receive", south.answer(&out(&own))),
        Err("crossborder.untrusted".into())
    );
    // A third network, `east`, with its own corridor named like south's:
    // its proof is not north's, even relayed to south.
    let mut east = Net::new("east", "EAS", 1);
    east.open_to(&south, 1, 1).unwrap();
    // South's corridor is paired with north's, not east's.
    assert_eq!(
        east.pair_with(&south),
        Err("crossborder.wrong_record".into())
    );
    assert_eq!(
        south.relay(
            "receive",
            east.answer(&format!("crossborder/corridor/{CORRIDOR}"))
        ),
        Err("crossborder.untrusted".into())
    );
    // The genuine proof still works after all that.
    south.relay("receive", good).unwrap();
    assert_eq!(south.balance("w1"), 22_500);
}

fn hex(v: &serde_json::Value) -> Vec<u8> {
    let s = v.as_str().unwrap();
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn to_hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

#[test]
fn a_transfer_not_credited_in_time_expires_there_and_is_refunded_here() {
    let (mut north, mut south) = pair(2);
    let id = north.send(0, "w1", 4_000).unwrap();
    let proof = north.answer(&out(&id));
    let proof_before = proof.clone();
    // Too early to expire; refunding needs south's mark.
    assert_eq!(
        south.relay("expire", proof.clone()),
        Err("crossborder.not_expired".into())
    );
    assert_eq!(
        north.relay("settle", south.answer(&mark(&id))),
        Err("crossborder.wrong_record".into())
    );
    south.c.time_ms += TIMEOUT_MS + 1_000;
    assert_eq!(
        south.relay("receive", proof.clone()),
        Err("crossborder.expired".into())
    );
    south.relay("expire", proof.clone()).unwrap();
    assert_eq!(
        south.relay("receive", proof.clone()),
        Err("crossborder.replayed".into())
    );
    assert_eq!(
        south.relay("expire", proof),
        Err("crossborder.replayed".into())
    );
    assert_eq!(south.balance("w1"), u128::from(WALLET));
    north.relay("settle", south.answer(&mark(&id))).unwrap();
    assert_eq!(north.balance("w0"), u128::from(WALLET));
    assert_eq!(north.c.get(&out(&id)).unwrap()["status"], "refunded");
    assert_eq!(
        north.relay("settle", south.answer(&mark(&id))),
        Err("crossborder.settled".into())
    );
    assert_eq!(north.corridor()["totals"]["refunded"], "4000");
    // A fresh proof shows it refunded; the old one, which still shows it
    // pending, meets south's mark.
    assert_eq!(
        south.relay("receive", north.answer(&out(&id))),
        Err("crossborder.wrong_record".into())
    );
    assert_eq!(
        south.relay("receive", proof_before),
        Err("crossborder.replayed".into())
    );
}

#[test]
fn limits_rates_and_bad_input_are_refused_with_their_codes() {
    let mut north = Net::new("north", "NOR", 2);
    let mut south = Net::new("south", "SOU", 2);
    // South credits 3 of its units for 2 of north's.
    north.open_to(&south, 1, 1).unwrap();
    assert_eq!(
        north.send(0, "w1", 10),
        Err("crossborder.not_paired".into())
    );
    // South's corridor does not exist yet: nothing to pair with.
    assert_eq!(
        north.pair_with(&south),
        Err("crossborder.wrong_record".into())
    );
    south.open_to(&north, 2, 3).unwrap();
    north.pair_with(&south).unwrap();
    south.pair_with(&north).unwrap();
    assert_eq!(
        north.pair_with(&south),
        Err("crossborder.already_paired".into())
    );
    assert_eq!(
        north.open_to(&south, 1, 1),
        Err("crossborder.corridor_exists".into())
    );
    let id = north.send(0, "w1", 1_001).unwrap();
    south.relay("receive", north.answer(&out(&id))).unwrap();
    assert_eq!(south.balance("w1"), u128::from(WALLET) + 1_501);
    assert_eq!(
        north.send(0, "w1", LIMIT + 1),
        Err("crossborder.over_limit".into())
    );
    assert_eq!(north.send(0, "w1", 0), Err("crossborder.too_small".into()));
    assert_eq!(
        north.send(0, "W1!", 10),
        Err("crossborder.invalid_field".into())
    );
    assert_eq!(
        north.send(0, "w1", WALLET * 2),
        Err("money.overdraft".into())
    );
    // Someone else's wallet.
    let thief = Keypair::generate();
    assert_eq!(
        north.send_as(&thief, 0, "w1", 10, None),
        Err("money.not_owner".into())
    );
    assert_eq!(
        north.send_as(&north.people[0].clone(), 0, "w1", 10, Some(1)),
        Err("crossborder.invalid_field".into())
    );
}

#[test]
fn bad_corridors_are_refused_with_their_codes() {
    let north = Net::new("north", "NOR", 1);
    let mut south = Net::new("south", "SOU", 1);
    south.open_to(&north, 1, 1).unwrap();
    let t = Keypair::generate();
    assert_eq!(
        south.c.call(&t, "crossborder", "open_corridor", json!({"agency": "city", "id": "x", "currency": "SOU",
            "account": "corridor", "remote_chain": "north", "remote_corridor": "x", "remote_validators": {},
            "limit": "1", "timeout_ms": TIMEOUT_MS})),
        Err("auth.unauthorized".into())
    );
    let tr = south.treasurer.clone();
    let open = |remote_chain: &str, account: &str, timeout: u64, rate: serde_json::Value| {
        json!({"agency": "city", "id": "x", "currency": "SOU", "account": account, "remote_chain": remote_chain,
            "remote_corridor": "x", "remote_validators": serde_json::from_str::<serde_json::Value>(&north.set.to_json()).unwrap(),
            "rate": rate, "limit": "1", "timeout_ms": timeout})
    };
    for (args, code) in [
        (
            open(
                "south",
                "corridor",
                TIMEOUT_MS,
                json!({"remote": 1, "local": 1}),
            ),
            "crossborder.invalid_field",
        ),
        (
            open("north", "corridor", 10, json!({"remote": 1, "local": 1})),
            "crossborder.invalid_field",
        ),
        (
            open(
                "north",
                "corridor",
                TIMEOUT_MS,
                json!({"remote": 0, "local": 1}),
            ),
            "crossborder.invalid_field",
        ),
        // The account is the program account of another corridor.
        (
            open(
                "north",
                "corridor",
                TIMEOUT_MS,
                json!({"remote": 1, "local": 1}),
            ),
            "money.not_owner",
        ),
    ] {
        assert_eq!(
            south.c.call(&tr, "crossborder", "open_corridor", args),
            Err(code.into())
        );
    }
    let mut bad_set = open(
        "north",
        "corridor",
        TIMEOUT_MS,
        json!({"remote": 1, "local": 1}),
    );
    bad_set["remote_validators"] = json!({"origin": "x"});
    assert_eq!(
        south.c.call(&tr, "crossborder", "open_corridor", bad_set),
        Err("crossborder.invalid_field".into())
    );
}

#[test]
fn over_the_limit_once_converted_is_refused_there_and_refunded() {
    let mut north = Net::new("north", "NOR", 2);
    let mut south = Net::new("south", "SOU", 2);
    north.open_to(&south, 1, 1).unwrap();
    south.open_to(&north, 1, 3).unwrap();
    north.pair_with(&south).unwrap();
    south.pair_with(&north).unwrap();
    let id = north
        .send(0, "w1", LIMIT / 3 + 1)
        .unwrap_or_else(|e| panic!("{e}"));
    let proof = north.answer(&out(&id));
    assert_eq!(
        south.relay("receive", proof.clone()),
        Err("crossborder.over_limit".into())
    );
    south.c.time_ms += TIMEOUT_MS + 1;
    south.relay("expire", proof).unwrap();
    north.relay("settle", south.answer(&mark(&id))).unwrap();
    assert_eq!(north.balance("w0"), u128::from(WALLET));
}

#[test]
fn a_corridor_opens_with_the_agencys_approvals() {
    let mut north = Net::new("north", "NOR", 1);
    let mut south = Net::new("south", "SOU", 1);
    north.open_to(&south, 1, 1).unwrap();
    // South's policy: two treasurers.
    let second = Keypair::generate();
    south
        .c
        .call(
            &south.admin.clone(),
            "identity",
            "add_member",
            json!({"agency": "city", "account": second.account(), "roles": ["treasurer"]}),
        )
        .unwrap();
    let admin = south.admin.clone();
    for action in [
        json!({"kind": "grant_administrator", "agency": "city", "account": Keypair::generate().account()}),
        json!({"kind": "set_policy", "agency": "city", "threshold": 2}),
    ] {
        south
            .c
            .call(
                &admin,
                "identity",
                "propose",
                json!({"as_agency": "city", "action": action}),
            )
            .unwrap_or_else(|e| panic!("{e}"));
    }
    south.open_to(&north, 1, 1).unwrap();
    // South's half waits for a second treasurer: nothing moves through
    // it, and north cannot pair with it yet.
    assert_eq!(
        south.relay("receive", north.answer(&out(&"ab".repeat(32)))),
        Err("crossborder.not_open".into())
    );
    assert_eq!(south.pair_with(&north), Err("crossborder.not_open".into()));
    assert_eq!(
        north.pair_with(&south),
        Err("crossborder.wrong_record".into())
    );
    let approve = json!({"agency": "city", "id": CORRIDOR});
    let t = south.treasurer.clone();
    assert_eq!(
        south
            .c
            .call(&t, "crossborder", "approve_corridor", approve.clone()),
        Err("crossborder.already_approved".into())
    );
    south
        .c
        .call(&second, "crossborder", "approve_corridor", approve)
        .unwrap();
    assert_eq!(south.corridor()["open"], true);
    north.pair_with(&south).unwrap();
    south.pair_with(&north).unwrap();
    let id = north.send(0, "w0", 100).unwrap();
    south.relay("receive", north.answer(&out(&id))).unwrap();
}

#[test]
fn a_corridor_follows_the_other_networks_set_changes() {
    let (mut north, mut south) = pair(1);
    let id = north.send(0, "w0", 100).unwrap();
    let early = north.answer(&out(&id));
    // North's governance adds a fifth validator from block h+1 on: the
    // history is north's identity/validators, proven under a quorum of
    // the four.
    let mut history = genesis_history(&north);
    let h = north.c.height();
    let (from, change) = add_validator(&mut north, &mut history, 4);
    // A change cosigned by strangers is refused; by the four, followed.
    let mut forged = change.clone();
    forged["checkpoint"] =
        north.answer_by("identity/validators", &validators("north", 9), &[0, 1, 2])["checkpoint"]
            .clone();
    let relayer = Keypair::generate();
    assert_eq!(
        south.c.call(
            &relayer,
            "crossborder",
            "follow",
            json!({"corridor": CORRIDOR, "change": forged})
        ),
        Err("crossborder.bad_change".into())
    );
    south
        .c
        .call(
            &relayer,
            "crossborder",
            "follow",
            json!({"corridor": CORRIDOR, "change": change.clone()}),
        )
        .unwrap();
    assert_eq!(
        south.c.call(
            &relayer,
            "crossborder",
            "follow",
            json!({"corridor": CORRIDOR, "change": change})
        ),
        Err("crossborder.known_change".into())
    );
    assert_eq!(south.corridor()["followed"], h);
    // From then on the five-validator set's quorum (4) is needed: three of
    // the old four no longer suffice.
    north.c.idle(from - north.c.height());
    let later = north.send(0, "w0", 100).unwrap();
    assert_eq!(
        south.relay(
            "receive",
            north.answer_by(&out(&later), &north.validators, &[0, 1, 2])
        ),
        Err("crossborder.untrusted".into())
    );
    south
        .relay(
            "receive",
            north.answer_by(&out(&later), &north.validators, &[1, 2, 3, 4]),
        )
        .unwrap();
    // A proof of a block before the change, even with the old set's
    // quorum, is no longer taken (validators who left cannot sign one);
    // a fresh proof of the same transfer is.
    assert_eq!(
        south.relay("receive", early),
        Err("crossborder.untrusted".into())
    );
    south
        .relay(
            "receive",
            north.answer_by(&out(&id), &north.validators, &[0, 2, 3, 4]),
        )
        .unwrap_or_else(|e| panic!("{e}"));
}

/// North's validator history: its four genesis validators.
fn genesis_history(north: &Net) -> ValidatorHistory {
    let genesis = north
        .validators
        .iter()
        .enumerate()
        .map(|(i, c)| validator(i, c));
    ValidatorHistory::genesis(10, genesis.collect()).unwrap()
}

/// North's governance adds validator `i` in its last block: the history
/// written to its state, its change (proven under the quorum of the set
/// before it) and the block the new set finalizes from.
fn add_validator(
    north: &mut Net,
    history: &mut ValidatorHistory,
    i: u8,
) -> (u64, serde_json::Value) {
    let h = north.c.height();
    let name = format!("v{i}.north.example");
    let new = Cosigner::new(&name, Keypair::from_seed([i * 11; 32])).unwrap();
    let from = history
        .change(h, |s| {
            s.push(validator(usize::from(i), &new));
            Ok(())
        })
        .unwrap();
    north
        .c
        .state
        .insert(VALIDATORS_KEY, &serde_json::to_vec(&history).unwrap());
    let change = north.answer("identity/validators");
    north.validators.push(new);
    north.set = history.verifier_set(&north.set.origin).unwrap();
    (from, change)
}

#[test]
fn an_older_set_change_cannot_drop_the_later_ones_a_corridor_holds() {
    // North adds a fifth and then a sixth validator; a network `west`
    // opens its corridor with both changes in the set it trusts. The first
    // change relayed to it again would drop the second: refused.
    let mut north = Net::new("north", "NOR", 1);
    let mut history = genesis_history(&north);
    let (_, first) = add_validator(&mut north, &mut history, 4);
    north.c.idle(12);
    add_validator(&mut north, &mut history, 5);
    let mut west = Net::new("west", "WES", 1);
    west.open_to(&north, 1, 1).unwrap();
    let relayer = Keypair::generate();
    assert_eq!(
        west.c.call(
            &relayer,
            "crossborder",
            "follow",
            json!({"corridor": CORRIDOR, "change": first})
        ),
        Err("crossborder.bad_change".into())
    );
    let sets = ValidatorSet::parse(&west.corridor()["remote_sets"].to_string()).unwrap();
    assert_eq!(sets.changes.len(), 2);
}

#[test]
fn money_locked_by_transfers_out_is_never_paid_to_transfers_in() {
    let mut north = Net::new("north", "NOR", 1);
    let mut south = Net::with_liquidity("south", "SOU", 1, 1_000);
    north.open_to(&south, 1, 1).unwrap();
    south.open_to(&north, 1, 1).unwrap();
    north.pair_with(&south).unwrap();
    south.pair_with(&north).unwrap();
    // South's corridor holds 1,000 of its own and 5,000 locked by a
    // transfer out: 2,000 coming in would touch the locked money.
    let out_id = south.send(0, "w0", 5_000).unwrap();
    let id = north.send(0, "w0", 2_000).unwrap();
    assert_eq!(
        south.relay("receive", north.answer(&out(&id))),
        Err("crossborder.no_liquidity".into())
    );
    // South's treasurer adds liquidity; the same transfer then goes through.
    south.fund(10_000);
    south.relay("receive", north.answer(&out(&id))).unwrap();
    // And south's own transfer out can still be refunded in full.
    north.c.time_ms += TIMEOUT_MS + 1;
    north.relay("expire", south.answer(&out(&out_id))).unwrap();
    south.relay("settle", north.answer(&mark(&out_id))).unwrap();
    assert_eq!(south.balance("w0"), u128::from(WALLET) + 2_000);
    assert_eq!(south.balance("corridor"), 1_000 + 10_000 - 2_000);
}

fn validator(i: usize, c: &Cosigner) -> Validator {
    Validator {
        name: format!("v{i}"),
        consensus_key: Keypair::from_seed([i as u8 + 100; 32])
            .account()
            .to_string(),
        cosigner_key: c.key().to_vkey(),
        address: format!("127.0.0.1:{}", 26000 + i),
    }
}
