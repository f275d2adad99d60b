//! Properties over random elections: the published result is always the
//! plaintext count of each voter's last ballot (challenged ones never
//! count), and the record always verifies.

use crate::world::World;
use proptest::prelude::*;
use publica_elections::verify::verify;

fn choice(limit: u64, n: usize) -> impl Strategy<Value = Vec<u64>> {
    prop::collection::vec(0u64..2, n)
        .prop_filter("within the limit", move |v| v.iter().sum::<u64>() <= limit)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(8))]

    #[test]
    fn the_tally_is_the_count_of_each_voters_last_ballot(
        ballots in prop::collection::vec((0usize..5, choice(1, 3), choice(2, 4)), 0..12),
        n in 1usize..4,
        missing in 0u32..3,
    ) {
        let t = u32::try_from(n).unwrap().saturating_sub(missing.min(u32::try_from(n).unwrap() - 1)).max(1);
        let mut w = World::new(n, t, 5);
        w.c.time_ms = crate::world::T0 - 1000;
        w.ceremony();
        w.c.time_ms = crate::world::T0;
        let mut last: std::collections::BTreeMap<usize, Vec<Vec<u64>>> = Default::default();
        for (v, mayor, council) in ballots {
            let choices = vec![mayor, council];
            w.cast(v, &choices).unwrap();
            last.insert(v, choices);
        }
        w.close();
        // The last t guardians decrypt; the others are missing.
        for g in (n as u32 - t + 1)..=(n as u32) {
            w.decrypt(g).unwrap();
        }
        let mut expected = vec![vec![0u64; 3], vec![0u64; 4]];
        for choices in last.values() {
            for (row, picks) in expected.iter_mut().zip(choices) {
                for (cell, p) in row.iter_mut().zip(picks) {
                    *cell += p;
                }
            }
        }
        prop_assert_eq!(w.outcome(), Some(expected));
        let report = verify(&w.record());
        prop_assert!(report.holds(), "{:?}", report.failures);
    }
}

/// One tallied election, built once: 3 guardians of whom 2 decrypt, six
/// voters.
fn tallied() -> &'static publica_elections::verify::ElectionRecord {
    static RECORD: std::sync::OnceLock<publica_elections::verify::ElectionRecord> =
        std::sync::OnceLock::new();
    RECORD.get_or_init(|| {
        let mut w = World::new(3, 2, 6);
        w.c.time_ms = crate::world::T0 - 1000;
        w.ceremony();
        w.c.time_ms = crate::world::T0;
        for v in 0..6 {
            w.cast(
                v,
                &[
                    vec![u64::from(v % 3 == 0), u64::from(v % 3 == 1), 0],
                    vec![1, 0, u64::from(v % 2 == 0), 0],
                ],
            )
            .unwrap();
        }
        w.close();
        w.decrypt(2).unwrap();
        w.decrypt(3).unwrap();
        w.record()
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn any_single_change_to_a_ballot_proof_share_or_count_fails(
        kind in 0usize..5, i in 0usize..6, c in 0usize..2, s in 0usize..3, j in 0usize..2,
    ) {
        let mut r = tallied().clone();
        prop_assert!(verify(&r).holds());
        match kind {
            0 => {
                let sel = &mut r.ballots[i].ballot.contests[c].selections[s];
                sel.a = sel.b.clone();
            }
            1 => {
                let p = &mut r.ballots[i].ballot.contests[c].selections[s].proof[j];
                std::mem::swap(&mut p.c, &mut p.v);
            }
            2 => {
                let row = &mut r.partials[j].shares[c];
                let other = row[(s + 1) % row.len()].m.clone();
                row[s].m = other;
            }
            3 => r.commitments[s].commitments.swap(0, 1),
            _ => r.outcome.as_mut().unwrap().counts[c][s] += 1,
        }
        prop_assert!(!verify(&r).holds(), "kind {kind} went unnoticed");
    }
}
