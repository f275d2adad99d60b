//! A whole election: publication, the ceremony, ballots (one re-cast, one
//! challenged), refusals, the threshold decryption, the result, and the
//! record verified — then altered and refused.

#![allow(
    clippy::too_many_lines,
    reason = "a scenario test reads top to bottom as one story"
)]

use crate::world::{contests, World, CLOSES, T0};
use publica_elections::verify::verify;
use publica_elections::{ballot, codes};
use serde_json::json;

#[test]
fn an_election_from_ceremony_to_verified_result() {
    let mut w = World::new(3, 2, 6);
    // Ballots wait for the key.
    w.c.time_ms = T0;
    let early = json!({"election": w.id, "ballot": {"contests": []}, "census": w.census_proof(0)});
    assert_eq!(
        w.c.call(&w.voters[0], "elections", "cast", early)
            .unwrap_err()
            .code,
        codes::WRONG_PHASE
    );
    w.ceremony();
    assert_eq!(w.election().phase, publica_elections::model::Phase::Ready);

    w.cast(0, &[vec![1, 0, 0], vec![1, 1, 0, 0]]).unwrap();
    w.cast(1, &[vec![0, 1, 0], vec![0, 0, 1, 0]]).unwrap();
    w.cast(2, &[vec![0, 1, 0], vec![0, 0, 0, 0]]).unwrap();
    // Voter 3 votes, then votes again: only the second counts.
    let first = w.cast(3, &[vec![0, 0, 1], vec![0, 0, 0, 1]]).unwrap();
    let second = w.cast(3, &[vec![1, 0, 0], vec![0, 1, 0, 1]]).unwrap();
    assert_ne!(first, second);

    // Voter 4 challenges a ballot: opened, never counted.
    let (key, base) = w.keys();
    let voter4 = w.voters[4].account();
    let (b, nonces) = ballot::encrypt(
        &base,
        &key,
        &contests(),
        &voter4,
        &[vec![0, 0, 1], vec![0, 0, 1, 1]],
    )
    .unwrap();
    let hexes: Vec<Vec<String>> = nonces
        .iter()
        .map(|r| r.iter().map(publica_elections::group::scalar_hex).collect())
        .collect();
    let mut wrong = hexes.clone();
    wrong[0].swap(0, 1);
    let census4 = w.census_proof(4);
    let args = |n: &Vec<Vec<String>>| json!({"election": w.id, "ballot": b, "census": census4, "nonces": n});
    let (a_ok, a_bad) = (args(&hexes), args(&wrong));
    assert_eq!(
        w.c.call(&w.voters[4], "elections", "challenge", a_bad)
            .unwrap_err()
            .code,
        codes::BAD_NONCES
    );
    w.c.call(&w.voters[4], "elections", "challenge", a_ok)
        .unwrap();
    let challenged = w.c.indexed("elections/challenged/municipal");
    assert_eq!(challenged[0]["choices"], json!([[0, 0, 1], [0, 0, 1, 1]]));
    // The challenged ballot cannot be cast afterwards.
    let cast_it = json!({"election": w.id, "ballot": b, "census": census4});
    assert_eq!(
        w.c.call(&w.voters[4], "elections", "cast", cast_it)
            .unwrap_err()
            .code,
        codes::BALLOT_EXISTS
    );

    // Refused: a voter outside the census, another's census place, a
    // copied ballot, an over-limit ballot made by hand.
    let stranger = publica_crypto::Keypair::generate();
    let (b2, _) = ballot::encrypt(
        &base,
        &key,
        &contests(),
        &stranger.account(),
        &[vec![1, 0, 0], vec![0; 4]],
    )
    .unwrap();
    let census5 = w.census_proof(5);
    let args = json!({"election": w.id, "ballot": b2, "census": census5});
    assert_eq!(
        w.c.call(&stranger, "elections", "cast", args)
            .unwrap_err()
            .code,
        codes::NOT_IN_CENSUS
    );
    let copied = w.c.indexed("elections/ballots/municipal")[0]["ballot"].clone();
    let args = json!({"election": w.id, "ballot": copied, "census": census5});
    assert_eq!(
        w.c.call(&w.voters[5], "elections", "cast", args)
            .unwrap_err()
            .code,
        codes::INVALID_BALLOT
    );
    let over = over_limit_ballot(&w, 5);
    let args = json!({"election": w.id, "ballot": over, "census": census5});
    assert_eq!(
        w.c.call(&w.voters[5], "elections", "cast", args)
            .unwrap_err()
            .code,
        codes::INVALID_BALLOT
    );

    // Not before the close; not by another's key; then two of three.
    assert_eq!(w.decrypt(1).unwrap_err().code, codes::WRONG_PHASE);
    w.close();
    let args = json!({"election": w.id, "guardian": 2, "shares": []});
    assert_eq!(
        w.c.call(&w.guardians[0].0, "elections", "decrypt", args)
            .unwrap_err()
            .code,
        codes::NOT_A_GUARDIAN
    );
    w.decrypt(3).unwrap();
    assert_eq!(w.outcome(), None);
    w.decrypt(1).unwrap();
    // mayor: ada (0, 3), ben (1, 2); council: d (0), e (0, 3), f (1), g (3).
    assert_eq!(w.outcome(), Some(vec![vec![2, 2, 0], vec![1, 2, 1, 1]]));
    let e = w.election();
    assert_eq!((e.counted, e.cast, e.challenged), (4, 5, 1));
    assert_eq!(w.decrypt(2).unwrap_err().code, codes::WRONG_PHASE);

    let record = w.record();
    let report = verify(&record);
    assert!(report.holds(), "{:?}", report.failures);
    assert_eq!(
        (report.ballots, report.counted, report.challenged),
        (5, 4, 1)
    );
    assert_eq!(report.counts, Some(vec![vec![2, 2, 0], vec![1, 2, 1, 1]]));

    // Any change is caught: a published count, a ballot's ciphertext, a
    // partial decryption, a guardian's commitment, a challenged opening.
    let mut r = record.clone();
    r.outcome.as_mut().unwrap().counts[0][0] += 1;
    assert!(!verify(&r).holds());
    let mut r = record.clone();
    r.ballots[1].ballot.contests[0].selections.swap(0, 1);
    assert!(!verify(&r).holds());
    let mut r = record.clone();
    r.partials[0].shares[1][2].m = r.partials[0].shares[1][3].m.clone();
    assert!(!verify(&r).holds());
    let mut r = record.clone();
    r.commitments[0].commitments.swap(0, 1);
    assert!(!verify(&r).holds());
    let mut r = record.clone();
    r.challenged[0].choices[0] = vec![1, 0, 0];
    assert!(!verify(&r).holds());
    let mut r = record;
    r.ballots.remove(0);
    assert!(!verify(&r).holds());
    w.c.check_replay();
}

/// A ballot choosing two of `mayor` (limit 1), with proofs a cheating
/// device would make: each selection's proof holds, the contest's cannot.
fn over_limit_ballot(w: &World, v: usize) -> serde_json::Value {
    let (key, base) = w.keys();
    let mut loose = contests();
    loose[0].limit = 2;
    let (b, _) = ballot::encrypt(
        &base,
        &key,
        &loose,
        &w.voters[v].account(),
        &[vec![1, 1, 0], vec![0; 4]],
    )
    .unwrap();
    serde_json::to_value(b).unwrap()
}

#[test]
fn before_format_7_a_complaint_fails_the_ceremony_and_names_its_dealer() {
    let mut w = World::new(3, 2, 2);
    w.c.rt
        .set_formats(publica_types::format::LedgerFormats::new(6));
    w.ceremony();
    // Guardian 2 complains of guardian 1 before the opening.
    let args = json!({"election": w.id, "guardian": 2, "dealer": 1});
    w.c.call(&w.guardians[1].0, "elections", "complain", args)
        .unwrap();
    let e = w.election();
    assert_eq!(
        (e.phase, e.failed_dealer),
        (publica_elections::model::Phase::Failed, Some(1))
    );
    assert!(e.complaints.is_empty());
    w.c.time_ms = T0;
    assert_eq!(
        w.cast(0, &[vec![1, 0, 0], vec![0; 4]]).unwrap_err().code,
        codes::WRONG_PHASE
    );
    // The calls of format 7 are no methods of format 6.
    let args = json!({"election": w.id, "guardian": 1, "to": 2, "share": "00".repeat(32)});
    assert_eq!(
        w.c.call(&w.guardians[0].0, "elections", "reveal", args)
            .unwrap_err()
            .code,
        publica_types::codes::CALL_UNKNOWN_METHOD
    );
}

#[test]
fn publication_is_checked() {
    let mut w = World::new(2, 1, 1);
    // The id is taken; the threshold too high; a window in the past.
    assert_eq!(w.create(1).unwrap_err().code, codes::ELECTION_EXISTS);
    w.id = "second".into();
    assert_eq!(w.create(3).unwrap_err().code, codes::INVALID_FIELD);
    w.c.time_ms = CLOSES + 1;
    assert_eq!(w.create(1).unwrap_err().code, codes::INVALID_FIELD);
    w.c.time_ms = T0 - 60_000;
    // A dealer answers a complaint in a second to a week.
    for ms in [0, 999, 7 * 86_400_000 + 1] {
        let e = w.create_with(1, json!({"answer_ms": ms})).unwrap_err();
        assert_eq!(e.code, codes::INVALID_FIELD, "{ms}");
    }
    // Before ledger format 7 the field did not exist.
    w.c.rt
        .set_formats(publica_types::format::LedgerFormats::new(6));
    let e = w.create_with(1, json!({"answer_ms": 60_000})).unwrap_err();
    assert_eq!(e.code, publica_types::codes::CALL_INVALID_ARGS);
    w.c.rt
        .set_formats(publica_types::format::LedgerFormats::new(7));
    w.create_with(1, json!({"answer_ms": 60_000})).unwrap();
    assert_eq!(w.election().answer_ms, Some(60_000));
    assert_eq!(w.election().answer_window_ms(), 60_000);
    // Only an election officer publishes.
    let someone = publica_crypto::Keypair::generate();
    let args = json!({"agency": "city", "id": "x", "title": "x", "contests": contests(), "guardians": [],
        "threshold": 1, "opens_ms": 0, "closes_ms": 1, "census": {"root": "00", "size": 1}});
    assert_eq!(
        w.c.call(&someone, "elections", "create", args)
            .unwrap_err()
            .code,
        "auth.unauthorized"
    );
}

#[test]
fn an_authority_with_a_threshold_of_two_approves_before_the_ceremony() {
    use publica_crypto::Keypair;
    use publica_identity::{Genesis, GenesisAgency, Identity};
    use publica_runtime::testkit::{TestChain, TEST_CHAIN};
    let (a1, a2) = (Keypair::generate(), Keypair::generate());
    let genesis = Genesis {
        version: 1,
        chain_id: TEST_CHAIN.into(),
        agencies: vec![GenesisAgency {
            id: "city".into(),
            name: "city".into(),
            administrators: vec![a1.account(), a2.account()],
            policy_threshold: 2,
        }],
        governance: publica_identity::genesis::GenesisGovernance {
            create_agency_threshold: 1,
        },
        validators: None,
    };
    let mut rt = publica_runtime::Runtime::new();
    rt.register(Box::new(Identity));
    rt.register(Box::new(publica_elections::Elections));
    let mut c = TestChain::new(rt, genesis.initial_state());
    c.time_ms = T0 - 60_000;
    let (o1, o2) = (Keypair::generate(), Keypair::generate());
    for o in [&o1, &o2] {
        let args = json!({"agency": "city", "account": o.account(), "roles": ["election_officer"]});
        c.call(&a1, "identity", "add_member", args).unwrap();
    }
    let w = World::new(3, 2, 2);
    let guardians: Vec<_> = w.election().guardians;
    let args = json!({"agency": "city", "id": "city-vote", "title": "city-vote", "contests": contests(),
        "guardians": guardians, "threshold": 2, "opens_ms": T0, "closes_ms": CLOSES,
        "census": w.election().census});
    c.call(&o1, "elections", "create", args).unwrap();
    let e = |c: &TestChain| c.get("elections/election/city-vote").unwrap();
    assert_eq!(e(&c)["phase"], "proposed");
    let approve = json!({"agency": "city", "election": "city-vote"});
    assert_eq!(
        c.call(&o1, "elections", "approve", approve.clone())
            .unwrap_err()
            .code,
        codes::ALREADY_APPROVED
    );
    c.call(&o2, "elections", "approve", approve.clone())
        .unwrap();
    assert_eq!(e(&c)["phase"], "ceremony");
    assert_eq!(
        c.call(&o2, "elections", "approve", approve)
            .unwrap_err()
            .code,
        codes::WRONG_PHASE
    );
}

/// The last block's failed outcome: its code and sentence.
fn last_error(c: &publica_runtime::testkit::TestChain) -> (String, String) {
    let e = c.blocks.last().unwrap().outcomes[0].error.clone().unwrap();
    (e.code, e.message)
}

#[test]
fn bad_ceremony_messages_ballots_and_shares_are_refused_and_named() {
    use publica_elections::ceremony::Dealer;
    use publica_elections::guardian;
    let mut w = World::new(3, 2, 3);
    let e = w.election();
    let h_m: [u8; 32] = hex::decode(&e.manifest_hash).unwrap().try_into().unwrap();
    // A proof of knowledge that does not verify; a share missing.
    let mut m = guardian::message(&Dealer::new(2), &e.id, &h_m, 1, &e.guardians).unwrap();
    let good = m.clone();
    m.proofs[1].v = m.proofs[0].v.clone();
    let mut args = serde_json::to_value(&m).unwrap();
    args["election"] = json!(e.id);
    args["guardian"] = json!(1);
    assert_eq!(
        w.c.call(&w.guardians[0].0, "elections", "commit", args)
            .unwrap_err()
            .code,
        codes::BAD_COMMITMENT
    );
    let (_, why) = last_error(&w.c);
    assert!(
        why.contains("guardian 1") && why.contains("coefficient 1"),
        "{why}"
    );
    let mut m = good;
    m.shares.pop();
    let mut args = serde_json::to_value(&m).unwrap();
    args["election"] = json!(e.id);
    args["guardian"] = json!(1);
    assert_eq!(
        w.c.call(&w.guardians[0].0, "elections", "commit", args)
            .unwrap_err()
            .code,
        codes::BAD_COMMITMENT
    );
    // Guardian 2 cannot send guardian 1's message.
    let mut args = serde_json::to_value(&m).unwrap();
    args["election"] = json!(e.id);
    args["guardian"] = json!(1);
    assert_eq!(
        w.c.call(&w.guardians[1].0, "elections", "commit", args)
            .unwrap_err()
            .code,
        codes::NOT_A_GUARDIAN
    );

    w.ceremony();
    // Before the window opens.
    let early = json!({"election": w.id, "ballot": {"contests": []}, "census": w.census_proof(0)});
    assert_eq!(
        w.c.call(&w.voters[0], "elections", "cast", early)
            .unwrap_err()
            .code,
        codes::OUTSIDE_WINDOW
    );
    w.c.time_ms = T0;
    // A ciphertext that is no point; a census proof of another election
    // (the leaf names the election, so it places no one here).
    let (key, base) = w.keys();
    let (mut b, _) = publica_elections::ballot::encrypt(
        &base,
        &key,
        &contests(),
        &w.voters[0].account(),
        &[vec![1, 0, 0], vec![0; 4]],
    )
    .unwrap();
    let good_ballot = b.clone();
    b.contests[0].selections[0].a = "ff".repeat(32);
    let args = json!({"election": w.id, "ballot": b, "census": w.census_proof(0)});
    assert_eq!(
        w.c.call(&w.voters[0], "elections", "cast", args)
            .unwrap_err()
            .code,
        codes::INVALID_BALLOT
    );
    let (_, why) = last_error(&w.c);
    assert!(why.contains("contest mayor, selection ada"), "{why}");
    let mut other = publica_log::MerkleLog::new();
    for v in &w.voters {
        other.append(publica_log::hash::leaf_hash(
            &publica_elections::model::voter_leaf("another-vote", &v.account()),
        ));
    }
    let path = other.inclusion_proof(0, other.len()).unwrap();
    let foreign = json!({"index": 0, "path": path.iter().map(publica_types::Hash32::to_hex).collect::<Vec<_>>()});
    let args = json!({"election": w.id, "ballot": good_ballot, "census": foreign});
    assert_eq!(
        w.c.call(&w.voters[0], "elections", "cast", args)
            .unwrap_err()
            .code,
        codes::NOT_IN_CENSUS
    );
    w.cast(0, &[vec![1, 0, 0], vec![0; 4]]).unwrap();
    w.cast(1, &[vec![0, 1, 0], vec![1, 1, 0, 0]]).unwrap();
    // After the close: ballots are refused; a partial decryption whose
    // share was not made with the guardian's key is refused, naming it.
    w.close();
    assert_eq!(
        w.cast(2, &[vec![0, 0, 1], vec![0; 4]]).unwrap_err().code,
        codes::OUTSIDE_WINDOW
    );
    let aggregate: Vec<Vec<[String; 2]>> =
        serde_json::from_value(w.c.get(&format!("elections/aggregate/{}", w.id)).unwrap()).unwrap();
    let mut shares = guardian::decrypt(&base, &aggregate, 2, &w.secrets[1]).unwrap();
    shares[1][2].m = shares[1][3].m.clone();
    let args = json!({"election": w.id, "guardian": 2, "shares": shares});
    assert_eq!(
        w.c.call(&w.guardians[1].0, "elections", "decrypt", args)
            .unwrap_err()
            .code,
        codes::BAD_DECRYPTION
    );
    let (_, why) = last_error(&w.c);
    assert!(
        why.contains("guardian 2, contest council, selection f"),
        "{why}"
    );
    // Shares computed with another guardian's secret fail too.
    let wrong = guardian::decrypt(&base, &aggregate, 2, &w.secrets[0]).unwrap();
    let args = json!({"election": w.id, "guardian": 2, "shares": wrong});
    assert_eq!(
        w.c.call(&w.guardians[1].0, "elections", "decrypt", args)
            .unwrap_err()
            .code,
        codes::BAD_DECRYPTION
    );
    // The good ones still count: 2 and 3 publish the result.
    w.decrypt(2).unwrap();
    w.decrypt(3).unwrap();
    assert_eq!(w.outcome(), Some(vec![vec![1, 1, 0], vec![1, 1, 0, 0]]));
}

/// Voter `v`'s cast of ballot `b` as the next transaction of its account.
fn cast_tx(w: &World, v: usize, b: &serde_json::Value) -> publica_types::VerifiedTx {
    let account = w.voters[v].account();
    let nonce = publica_runtime::nonce::committed_nonce(&w.c.state, &account) + 1;
    let args = json!({"election": w.id, "ballot": b, "census": w.census_proof(v)});
    publica_runtime::testkit::TestChain::sign(
        account,
        &w.voters[v],
        nonce,
        "elections",
        "cast",
        args,
    )
}

/// Ballots whose proofs the node's admission workers checked ahead
/// (`Runtime::prepare`) count as ballots checked in the block: the tally
/// decrypts to the votes either way, and a ballot whose proof fails is
/// refused with the same code whether it was prepared or not.
#[test]
fn ballots_checked_ahead_count_as_ballots_checked_in_the_block() {
    let mut w = World::new(3, 2, 4);
    w.c.time_ms = T0;
    w.ceremony();
    let (key, base) = w.keys();
    let votes = [
        vec![vec![1, 0, 0], vec![1, 1, 0, 0]],
        vec![vec![0, 1, 0], vec![0, 1, 1, 0]],
        vec![vec![1, 0, 0], vec![0, 0, 0, 1]],
    ];
    // A ballot with a response altered. Before the ledger takes a ballot
    // (the key may still be made again) it is left to execution.
    let account = w.voters[3].account();
    let (b, _) = ballot::encrypt(&base, &key, &contests(), &account, &votes[0]).unwrap();
    let mut bad = json!(b);
    let text = bad.to_string();
    // The low nibble of the first branch's response scalar (little-endian
    // hex: the scalar stays canonical).
    let at = text.find("\"v\":\"").expect("a ballot carries responses") + 5;
    let mut altered = text.into_bytes();
    altered[at] = if altered[at] == b'0' { b'1' } else { b'0' };
    bad = serde_json::from_slice(&altered).unwrap();
    let early = cast_tx(&w, 3, &bad);
    assert!(w
        .c
        .rt
        .prepare(&w.c.state, &early.id, &early.envelope)
        .is_ok());
    for (v, choices) in votes.iter().enumerate() {
        let account = w.voters[v].account();
        let (b, _) = ballot::encrypt(&base, &key, &contests(), &account, choices).unwrap();
        let tx = cast_tx(&w, v, &json!(b));
        // Voters 0 and 1 were checked ahead; voter 2 in the block.
        if v < 2 {
            w.c.rt.prepare(&w.c.state, &tx.id, &tx.envelope).unwrap();
        }
        let out = w.c.push(vec![tx]).pop().unwrap();
        assert_eq!(out.status, publica_types::TxStatus::Ok, "{out:?}");
    }
    // Checked ahead, it is refused there (the node refuses it at
    // admission) with the reason execution gives.
    let mut codes_seen = Vec::new();
    for prepared in [true, false] {
        let tx = cast_tx(&w, 3, &bad);
        if prepared {
            let refusal =
                w.c.rt
                    .prepare(&w.c.state, &tx.id, &tx.envelope)
                    .unwrap_err();
            codes_seen.push(refusal.code);
        }
        let out = w.c.push(vec![tx]).pop().unwrap();
        assert_eq!(out.status, publica_types::TxStatus::Failed);
        codes_seen.push(out.error.unwrap().code);
    }
    assert_eq!(codes_seen, ["elections.invalid_ballot"; 3]);
    // A voter outside the census is refused ahead as well; a voter of the
    // census with a good ballot is not.
    let outsider = publica_crypto::Keypair::generate();
    let (b, _) = ballot::encrypt(&base, &key, &contests(), &outsider.account(), &votes[0]).unwrap();
    let mut tx = cast_tx(&w, 3, &json!(b));
    tx.envelope.signer = outsider.account();
    let refusal =
        w.c.rt
            .prepare(&w.c.state, &tx.id, &tx.envelope)
            .unwrap_err();
    assert_eq!(refusal.code, "elections.not_in_census", "{refusal:?}");
    w.close();
    w.decrypt(1).unwrap();
    w.decrypt(2).unwrap();
    assert_eq!(w.outcome(), Some(vec![vec![2, 1, 0], vec![1, 2, 1, 1]]));
}
