//! Complaints of the key ceremony answered in public (ledger format 7): a
//! false complaint answered by the dealer revealing the share, which the
//! complaining guardian then decrypts with; an unanswered one upheld, the
//! dealer disqualified and the key recomputed without it, the tally still
//! decrypted by any threshold of guardians; too few dealers left failing
//! the election; and every record verified, then altered and refused.

#![allow(
    clippy::too_many_lines,
    reason = "a scenario test reads top to bottom as one story"
)]

use crate::world::{World, CLOSES, T0};
use publica_elections::group::scalar_hex;
use publica_elections::model::{ComplaintStatus, Phase};
use publica_elections::verify::verify;
use publica_elections::{codes, guardian};
use serde_json::json;

fn complain(w: &mut World, guardian: u32, dealer: u32) -> Result<(), String> {
    let args = json!({"election": w.id, "guardian": guardian, "dealer": dealer});
    w.c.call(
        &w.guardians[guardian as usize - 1].0,
        "elections",
        "complain",
        args,
    )
    .map_err(|e| e.code)
}

/// Dealer `dealer` reveals to `to` its share for `of` (guardian, from
/// dealer), or a non-scalar.
fn reveal(w: &mut World, dealer: u32, to: u32, of: Option<(u32, u32)>) -> Result<(), String> {
    let share = of.map_or("zz".repeat(32), |(d, t)| share(w, d, t));
    let args = json!({"election": w.id, "guardian": dealer, "to": to, "share": share});
    w.c.call(
        &w.guardians[dealer as usize - 1].0,
        "elections",
        "reveal",
        args,
    )
    .map_err(|e| e.code)
}

fn disqualify(w: &mut World, by: u32, dealer: u32) -> Result<(), String> {
    let args = json!({"election": w.id, "guardian": by, "dealer": dealer});
    w.c.call(
        &w.guardians[by as usize - 1].0,
        "elections",
        "disqualify",
        args,
    )
    .map_err(|e| e.code)
}

fn share(w: &World, dealer: u32, to: u32) -> String {
    scalar_hex(&w.dealers[dealer as usize - 1].share_for(to))
}

#[test]
fn a_false_complaint_is_answered_and_the_election_goes_on() {
    let mut w = World::new(3, 2, 3);
    w.commit_all();
    let key = w.election().key;
    // Guardian 2 complains of guardian 1, whose share was good.
    complain(&mut w, 2, 1).unwrap();
    assert_eq!(
        complain(&mut w, 2, 1),
        Err(codes::ALREADY_COMPLAINED.into())
    );
    assert_eq!(complain(&mut w, 2, 2), Err(codes::INVALID_FIELD.into()));
    // No ballot while it is open, even once the window opens.
    w.c.time_ms = T0;
    assert_eq!(
        w.cast(0, &[vec![1, 0, 0], vec![0; 4]]).unwrap_err().code,
        codes::COMPLAINT_OPEN
    );
    // Complaints are made before the opening.
    assert_eq!(complain(&mut w, 3, 1), Err(codes::WRONG_PHASE.into()));
    // The dealer may still answer: too early to disqualify it.
    assert_eq!(disqualify(&mut w, 3, 1), Err(codes::ANSWER_PENDING.into()));
    // A wrong share, someone else's answer, an answer to no complaint.
    assert_eq!(
        reveal(&mut w, 1, 2, Some((1, 3))),
        Err(codes::BAD_SHARE.into())
    );
    assert_eq!(reveal(&mut w, 1, 2, None), Err(codes::INVALID_FIELD.into()));
    let by_another = json!({"election": w.id, "guardian": 1, "to": 2, "share": share(&w, 1, 2)});
    assert_eq!(
        w.c.call(&w.guardians[2].0, "elections", "reveal", by_another)
            .unwrap_err()
            .code,
        codes::NOT_A_GUARDIAN
    );
    assert_eq!(
        reveal(&mut w, 1, 3, Some((1, 3))),
        Err(codes::NO_OPEN_COMPLAINT.into())
    );
    reveal(&mut w, 1, 2, Some((1, 2))).unwrap();
    let e = w.election();
    assert_eq!(e.complaints[0].status, ComplaintStatus::Answered);
    assert_eq!(e.key, key, "an answered complaint keeps the key");
    assert!(e.disqualified.is_empty());
    assert_eq!(
        reveal(&mut w, 1, 2, Some((1, 2))),
        Err(codes::NO_OPEN_COMPLAINT.into())
    );

    // Ballots now; guardian 2 decrypts with the share revealed to it.
    w.cast(0, &[vec![1, 0, 0], vec![1, 1, 0, 0]]).unwrap();
    w.cast(1, &[vec![0, 0, 1], vec![0, 1, 0, 0]]).unwrap();
    w.cast(2, &[vec![1, 0, 0], vec![0, 0, 0, 0]]).unwrap();
    w.open_secrets();
    w.close();
    w.decrypt(2).unwrap();
    w.decrypt(3).unwrap();
    assert_eq!(w.outcome(), Some(vec![vec![2, 0, 1], vec![1, 2, 0, 0]]));
    let record = w.record();
    let report = verify(&record);
    assert!(report.holds(), "{:?}", report.failures);

    // A revealed share altered in the record is caught.
    let mut bent = record.clone();
    bent.election.complaints[0].share = Some(share(&w, 1, 3));
    let failures = verify(&bent).failures.join("; ");
    assert!(
        failures.contains("guardian 2's complaint of guardian 1: the revealed share fails"),
        "{failures}"
    );
    w.c.check_replay();
}

#[test]
fn an_unanswered_complaint_disqualifies_its_dealer_and_the_key_is_recomputed() {
    let mut w = World::new(3, 2, 3);
    w.commit_all();
    let first_key = w.election().key;
    complain(&mut w, 1, 3).unwrap();
    complain(&mut w, 2, 3).unwrap();
    let answer_by = w.election().complaints[0].answer_by_ms;
    assert!(answer_by > T0 && answer_by < CLOSES);
    // Past the answer time the dealer can no longer answer; any guardian
    // has it disqualified.
    w.c.time_ms = answer_by;
    assert_eq!(
        reveal(&mut w, 3, 1, Some((3, 1))),
        Err(codes::ANSWER_LATE.into())
    );
    assert_eq!(
        disqualify(&mut w, 1, 2),
        Err(codes::NO_OPEN_COMPLAINT.into())
    );
    disqualify(&mut w, 2, 3).unwrap();
    let e = w.election();
    assert_eq!(e.disqualified, vec![3]);
    assert_eq!(e.qualified(), vec![1, 2]);
    assert!(e
        .complaints
        .iter()
        .all(|c| c.status == ComplaintStatus::Upheld));
    assert_eq!(e.phase, Phase::Ready);
    assert_ne!(e.key, first_key, "the key no longer holds dealer 3's part");
    assert_eq!(
        disqualify(&mut w, 1, 3),
        Err(codes::NO_OPEN_COMPLAINT.into())
    );
    assert_eq!(
        complain(&mut w, 1, 3),
        Err(codes::WRONG_PHASE.into()),
        "the window is open"
    );

    // Ballots under the new key; any two guardians decrypt, the
    // disqualified dealer among them (it still holds the others' shares).
    w.cast(0, &[vec![0, 1, 0], vec![0, 0, 1, 1]]).unwrap();
    w.cast(1, &[vec![0, 1, 0], vec![1, 0, 0, 0]]).unwrap();
    w.cast(2, &[vec![1, 0, 0], vec![0, 0, 1, 0]]).unwrap();
    w.open_secrets();
    w.close();
    w.decrypt(3).unwrap();
    w.decrypt(1).unwrap();
    assert_eq!(w.outcome(), Some(vec![vec![1, 2, 0], vec![1, 0, 2, 1]]));
    let record = w.record();
    assert!(verify(&record).holds(), "{:?}", verify(&record).failures);

    // A record that hides the disqualification no longer adds up.
    let mut bent = record.clone();
    bent.election.disqualified.clear();
    let failures = verify(&bent).failures.join("; ");
    assert!(
        failures
            .contains("the disqualified guardians [] are not those with a complaint upheld [3]"),
        "{failures}"
    );
    assert!(
        failures.contains("the election key is not the sum"),
        "{failures}"
    );
    w.c.check_replay();
}

#[test]
fn a_guardian_whose_shares_fail_is_found_and_too_few_dealers_fail_the_election() {
    let mut w = World::new(2, 2, 1);
    w.commit_all();
    // Guardian 2 finds every share it was sent sound.
    let (e, messages) = (w.election(), w.messages());
    assert!(guardian::failing_dealers(&w.guardians[1].1, &e, 2, &messages).is_empty());
    // A share damaged on its way does not open.
    let mut damaged = messages.clone();
    let sealed = &mut damaged[0].shares[0].sealed;
    let last = if sealed.ends_with('0') { "1" } else { "0" };
    sealed.replace_range(sealed.len() - 1.., last);
    let found = guardian::failing_dealers(&w.guardians[1].1, &e, 2, &damaged);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].0, 1, "{found:?}");

    complain(&mut w, 2, 1).unwrap();
    w.c.time_ms = w.election().complaints[0].answer_by_ms;
    disqualify(&mut w, 2, 1).unwrap();
    let e = w.election();
    assert_eq!((e.phase, e.failed_dealer), (Phase::Failed, Some(1)));
    assert_eq!(
        w.cast(0, &[vec![1, 0, 0], vec![0; 4]]).unwrap_err().code,
        codes::WRONG_PHASE
    );
    assert_eq!(disqualify(&mut w, 1, 2), Err(codes::WRONG_PHASE.into()));
}
