//! Secret ballots with public delegation: a community's members vote in
//! secret; at the close each member who did not vote lends their weight
//! along their chain of delegations to the first member on it who did;
//! guardians decrypt the weighted sum; the record verifies, and altered
//! weights or delegations do not.

#![allow(
    clippy::too_many_lines,
    reason = "a scenario test reads top to bottom as one story"
)]

use crate::world::{World, CLOSES, T0};
use publica_elections::codes;
use publica_elections::verify::verify;
use serde_json::json;

/// The census of `w`'s voters for its (new) election id.
fn census_of(w: &World) -> publica_log::MerkleLog {
    let mut census = publica_log::MerkleLog::new();
    for v in &w.voters {
        census.append(publica_log::hash::leaf_hash(
            &publica_elections::model::voter_leaf(&w.id, &v.account()),
        ));
    }
    census
}

fn delegated_world() -> World {
    // Nine voters in the census; members of the community: 0..8.
    let mut w = World::new(3, 2, 9);
    w.community(0..8);
    w.id = "weighed".into();
    w.census = census_of(&w);
    let d = json!({"delegation": {"agency": "city", "community": "north", "topic": "parks"}});
    w.create_with(2, d).unwrap();
    w
}

#[test]
fn delegations_weigh_secret_ballots_at_the_close() {
    let mut w = delegated_world();
    // An unknown topic, or an anonymous census, is refused.
    let mut other = World::new(1, 1, 2);
    other.community(0..2);
    other.id = "other".into();
    other.census = census_of(&other);
    let bad = json!({"delegation": {"agency": "city", "community": "north", "topic": "roads"}});
    assert_eq!(
        other.create_with(1, bad).unwrap_err().code,
        "governance.unknown_topic"
    );
    let census = json!({"root": other.census.root().to_hex(), "size": 2, "ring": 2});
    let anon = json!({"census": census,
        "delegation": {"agency": "city", "community": "north", "topic": "parks"}});
    assert_eq!(
        other.create_with(1, anon).unwrap_err().code,
        codes::INVALID_FIELD
    );

    // 1 → 0, 2 → 1 (so 2 → 1 → 0), 3 → 0 but 3 votes itself, 4 → 5,
    // 6 → 7 (7 does not vote: lost); on another topic, 5 → 0 (ignored).
    for (from, to) in [(1, 0), (2, 1), (3, 0), (4, 5), (6, 7)] {
        w.delegate(from, to, "parks").unwrap();
    }
    w.delegate(5, 0, "transport").unwrap();
    w.c.time_ms = T0 - 1000;
    w.ceremony();
    w.c.time_ms = T0;
    let yes = [vec![1, 0, 0], vec![1, 0, 0, 0]];
    let no = [vec![0, 1, 0], vec![0, 1, 0, 0]];
    w.cast(0, &yes).unwrap();
    w.cast(3, &no).unwrap();
    w.cast(5, &no).unwrap();
    // Voter 8 is in the census, not in the community.
    assert_eq!(w.cast(8, &yes).unwrap_err().code, codes::NOT_IN_CENSUS);
    // Voter 5 leaves the community after voting: its ballot counts, but
    // 4's weight no longer reaches it.
    let gone = json!({"agency": "city", "community": "north", "member": w.voters[5].account()});
    w.c.call(&w.officer, "governance", "unenrol", gone).unwrap();
    // Before the close, nothing to decrypt.
    assert_eq!(w.decrypt(1).unwrap_err().code, codes::WRONG_PHASE);
    // After the close, a new delegation no longer counts: 7 → 0 is made
    // in the block that weighs (the weighing runs first).
    w.close();
    w.delegate(7, 0, "parks").unwrap();
    let weighting = w.c.get("elections/weighting/weighed").unwrap();
    assert_eq!(weighting["total"], 5, "{weighting}");
    assert_eq!(
        weighting["left"],
        json!([w.voters[5].account()]),
        "{weighting}"
    );
    w.decrypt(1).unwrap();
    w.decrypt(2).unwrap();
    // 0 weighs 3 (itself, 1, 2), 3 weighs 1, 5 (gone) its own 1.
    assert_eq!(w.outcome().unwrap(), vec![vec![3, 2, 0], vec![3, 2, 0, 0]]);
    assert!(w.c.time_ms >= CLOSES);
    let record = w.record();
    let report = verify(&record);
    assert!(report.holds(), "{:?}", report.failures);
    assert_eq!((report.counted, report.weight), (3, 5));

    let mut bent = record.clone();
    bent.weighting.as_mut().unwrap().lent[0].delegated += 1;
    assert!(!verify(&bent).holds());
    let mut bent = record.clone();
    bent.weighting.as_mut().unwrap().delegations.remove(0);
    assert!(!verify(&bent).holds());
    let mut bent = record.clone();
    bent.weighting = None;
    assert!(!verify(&bent).holds());
    let mut bent = record.clone();
    bent.weighting.as_mut().unwrap().left.clear();
    assert!(!verify(&bent).holds());
    let mut bent = record;
    bent.outcome.as_mut().unwrap().counts[0] = vec![4, 1, 0];
    assert!(!verify(&bent).holds());
}
