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
