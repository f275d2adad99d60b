//! An election with an anonymous census: registration, ballots that name
//! a nullifier and prove membership, re-voting by nullifier, refusals,
//! the result and the record verified — then altered and refused.

#![allow(
    clippy::too_many_lines,
    reason = "a scenario test reads top to bottom as one story"
)]

use crate::world::{World, T0};
use publica_crypto::Keypair;
use publica_elections::codes;
use publica_elections::verify::verify;
use publica_runtime::testkit::TestChain;
use serde_json::json;

fn code(r: Result<impl std::fmt::Debug, publica_runtime::testkit::Rejected>) -> String {
    r.unwrap_err().code
}

#[test]
fn registration_is_once_per_voter_before_the_window_and_only_in_the_census() {
    let mut w = World::new_with(3, 2, 6, Some(4));
    w.register(0).unwrap();
    assert_eq!(code(w.register(0)), codes::ALREADY_REGISTERED);
    // Another voter copying voter 0's commitment and proof is refused:
    // the proof of knowledge is bound to voter 0's account.
    let first = w.c.indexed(&format!("elections/members/{}", w.id))[0].clone();
    let (taken, proof) = (first["commitment"].clone(), first["proof"].clone());
    let args =
        json!({"election": w.id, "commitment": taken, "proof": proof, "census": w.census_proof(1)});
    assert_eq!(
        code(w.c.call(&w.voters[1], "elections", "register", args)),
        codes::BAD_MEMBERSHIP
    );
    // Not in the census, or a bad point.
    let stranger = Keypair::generate();
    let args =
        json!({"election": w.id, "commitment": taken, "proof": proof, "census": w.census_proof(2)});
    assert_eq!(
        code(w.c.call(&stranger, "elections", "register", args)),
        codes::NOT_IN_CENSUS
    );
    let args = json!({"election": w.id, "commitment": "00".repeat(32), "proof": proof, "census": w.census_proof(2)});
    assert_eq!(
        code(w.c.call(&w.voters[2], "elections", "register", args)),
        codes::INVALID_FIELD
    );
    for v in 1..4 {
        w.register(v).unwrap();
    }
    assert_eq!(w.election().registered, 4);
    // Once open, registration is closed.
    w.ceremony();
    w.c.time_ms = T0;
    assert_eq!(code(w.register(4)), codes::REGISTRATION_CLOSED);
    // An election with a census of accounts takes no registration, and a
    // ring that is no power of two is refused at publication.
    let mut plain = World::new(3, 2, 3);
    assert_eq!(code(plain.register(0)), codes::CENSUS_MODE);
    let census = json!({"root": plain.census.root().to_hex(), "size": 3, "ring": 6});
    plain.id = "other".into();
    assert_eq!(
        code(plain.create_with(2, json!({"census": census}))),
        codes::INVALID_FIELD
    );
}

#[test]
fn an_anonymous_election_counts_the_last_ballot_of_each_nullifier_and_verifies() {
    let mut w = World::new_with(3, 2, 7, Some(4));
    for v in 0..6 {
        w.register(v).unwrap();
    }
    w.ceremony();
    w.c.time_ms = T0;
    let a = [vec![1, 0, 0], vec![1, 1, 0, 0]];
    let b = [vec![0, 1, 0], vec![0, 0, 1, 0]];
    let c = [vec![0, 0, 1], vec![0, 0, 0, 1]];
    // Before the ledger takes a ballot a failing membership proof is left
    // to execution (a registration may still land before the opening).
    let (early, _) = w.anonymous_ballot(0, &a);
    let (mut moved, _) = w.anonymous_ballot(1, &b);
    moved.as_object_mut().unwrap().remove("nonces");
    moved["member"] = early["member"].clone();
    let k = Keypair::generate();
    let tx = TestChain::sign(k.account(), &k, 1, "elections", "cast", moved);
    assert!(w.c.rt.prepare(&w.c.state, &tx.id, &tx.envelope).is_ok());
    w.cast_anonymous(0, &a).unwrap();
    w.cast_anonymous(1, &b).unwrap();
    w.cast_anonymous(2, &b).unwrap();
    w.cast_anonymous(5, &c).unwrap();
    // Voter 3 votes, then votes again: the second replaces the first.
    let first = w.cast_anonymous(3, &c).unwrap();
    let second = w.cast_anonymous(3, &a).unwrap();
    assert_ne!(first, second);
    let e = w.election();
    assert_eq!((e.counted, e.cast), (5, 6));

    // The board names nullifiers, never the voters' accounts.
    let board = w.c.indexed(&format!("elections/ballots/{}", w.id));
    let accounts: Vec<String> = w.voters.iter().map(|k| k.account().to_hex()).collect();
    for entry in &board {
        let voter = entry["voter"].as_str().unwrap();
        assert!(!accounts.iter().any(|a| a == voter));
        assert_eq!(entry["member"]["nullifier"].as_str().unwrap(), voter);
        assert!(entry.get("census").is_none());
    }
    assert_eq!(
        board[4]["voter"], board[5]["voter"],
        "one nullifier per voter"
    );
    assert_eq!(board[5]["replaces"], json!(first));

    // Refusals: a census proof in an anonymous election; a membership
    // proof moved to another ballot; a proof of a bucket that is not.
    let (args, _) = w.anonymous_ballot(4, &a);
    let mut bent = args.clone();
    bent.as_object_mut().unwrap().remove("nonces");
    bent["census"] = w.census_proof(4);
    assert_eq!(
        code(w.c.call(&Keypair::generate(), "elections", "cast", bent)),
        codes::CENSUS_MODE
    );
    let (other, _) = w.anonymous_ballot(4, &b);
    let mut moved = other.clone();
    moved.as_object_mut().unwrap().remove("nonces");
    moved["member"] = args["member"].clone();
    // Checked ahead (a node's admission workers), it is refused there:
    // the ledger has taken ballots, so registration is closed and the
    // rings cannot change any more.
    let k = Keypair::generate();
    let tx = TestChain::sign(k.account(), &k, 1, "elections", "cast", moved.clone());
    let refusal = w.c.rt.prepare(&w.c.state, &tx.id, &tx.envelope);
    assert_eq!(refusal.unwrap_err().code, codes::BAD_MEMBERSHIP);
    assert_eq!(
        code(w.c.call(&Keypair::generate(), "elections", "cast", moved)),
        codes::BAD_MEMBERSHIP
    );
    let mut no_bucket = args.clone();
    no_bucket.as_object_mut().unwrap().remove("nonces");
    no_bucket["member"]["bucket"] = json!(9);
    assert_eq!(
        code(w.c.call(&Keypair::generate(), "elections", "cast", no_bucket)),
        codes::BAD_MEMBERSHIP
    );
    let mut bad_f = args.clone();
    bad_f.as_object_mut().unwrap().remove("nonces");
    bad_f["member"]["proof"]["f"][0] = bad_f["member"]["proof"]["f"][1].clone();
    assert_eq!(
        code(w.c.call(&Keypair::generate(), "elections", "cast", bad_f)),
        codes::BAD_MEMBERSHIP
    );
    // Voter 6 never registered: its key makes no commitment of the ring.
    let (m, commitments) = w.member(6);
    let (_, base) = w.keys();
    assert!(m
        .prove(&w.election(), &base, &commitments, ("x", None))
        .is_none());
    // A ballot cast again as is: its tracking code is on the board.
    let mut again = args.clone();
    again.as_object_mut().unwrap().remove("nonces");
    w.c.call(&Keypair::generate(), "elections", "cast", again.clone())
        .unwrap();
    assert_eq!(
        code(w.c.call(&Keypair::generate(), "elections", "cast", again)),
        codes::BALLOT_EXISTS
    );
    // A ballot held back (by a coercer who watched it made) and sent after
    // the voter's later one is refused: it names the ballot it replaced.
    let (mut held, _) = w.anonymous_ballot(5, &a);
    held.as_object_mut().unwrap().remove("nonces");
    w.cast_anonymous(5, &b).unwrap();
    assert_eq!(
        code(w.c.call(&Keypair::generate(), "elections", "cast", held)),
        codes::STALE_BALLOT
    );
    // Voter 4 challenges another ballot: opened, never counted.
    w.c.call(&Keypair::generate(), "elections", "challenge", other)
        .unwrap();

    w.close();
    w.decrypt(1).unwrap();
    w.decrypt(3).unwrap();
    // Last ballots: 0 a, 1 b, 2 b, 3 a, 4 a, 5 b.
    assert_eq!(w.outcome().unwrap(), vec![vec![3, 3, 0], vec![3, 3, 3, 0]]);
    let record = w.record();
    let report = verify(&record);
    assert!(report.holds(), "{:?}", report.failures);
    assert_eq!(
        (report.ballots, report.counted, report.challenged),
        (8, 6, 1)
    );

    let mut bent = record.clone();
    let p = &mut bent.ballots[2].member.as_mut().unwrap().proof;
    p.z = p.z_a.clone();
    assert!(!verify(&bent).holds());
    let mut bent = record.clone();
    bent.members[1].commitment = bent.members[0].commitment.clone();
    assert!(!verify(&bent).holds());
    let mut bent = record.clone();
    bent.members.pop();
    assert!(!verify(&bent).holds());
    let mut bent = record.clone();
    bent.members[2].proof.c = bent.members[2].proof.v.clone();
    assert!(!verify(&bent).holds());
    let mut bent = record.clone();
    bent.ballots[5].replaces = None;
    assert!(!verify(&bent).holds());
    let mut bent = record;
    bent.ballots[0].voter = bent.ballots[1].voter;
    assert!(!verify(&bent).holds());
}
