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

/// The count of each voter's last choices (mayor: 3 selections,
/// council: 4).
fn plaintext_count(last: &std::collections::BTreeMap<usize, Vec<Vec<u64>>>) -> Vec<Vec<u64>> {
    let mut count = vec![vec![0u64; 3], vec![0u64; 4]];
    for choices in last.values() {
        for (row, picks) in count.iter_mut().zip(choices) {
            for (cell, p) in row.iter_mut().zip(picks) {
                *cell += p;
            }
        }
    }
    count
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
        prop_assert_eq!(w.outcome(), Some(plaintext_count(&last)));
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

proptest! {
    #![proptest_config(ProptestConfig::with_cases(8))]

    /// Whatever complaints are made and whichever are answered, the
    /// election either fails (fewer qualified dealers than the threshold)
    /// or any threshold of guardians, disqualified dealers among them,
    /// decrypts the plaintext count, and the record verifies.
    #[test]
    fn complaints_answered_or_upheld_keep_the_tally_right(
        n in 2usize..5,
        t_seed in 0usize..4,
        complaints in prop::collection::vec((1u32..5, 1u32..5, any::<bool>()), 0..6),
        ballots in prop::collection::vec((0usize..4, choice(1, 3), choice(2, 4)), 1..6),
        decrypting_seed in any::<u64>(),
    ) {
        use crate::world::T0;
        let t = u32::try_from(t_seed % n + 1).unwrap();
        let mut w = World::new(n, t, 4);
        w.c.time_ms = T0 - 60_000;
        w.commit_all();
        let guardians = u32::try_from(n).unwrap();
        let mut unanswered = std::collections::BTreeSet::new();
        let mut made = std::collections::BTreeSet::new();
        for (g, d, answered) in complaints {
            let (g, d) = ((g - 1) % guardians + 1, (d - 1) % guardians + 1);
            if g == d || !made.insert((g, d)) {
                continue;
            }
            let args = serde_json::json!({"election": w.id, "guardian": g, "dealer": d});
            w.c.call(&w.guardians[g as usize - 1].0, "elections", "complain", args).unwrap();
            if answered {
                let share = publica_elections::group::scalar_hex(&w.dealers[d as usize - 1].share_for(g));
                let args = serde_json::json!({"election": w.id, "guardian": d, "to": g, "share": share});
                w.c.call(&w.guardians[d as usize - 1].0, "elections", "reveal", args).unwrap();
            } else {
                unanswered.insert(d);
            }
        }
        // Every complaint's answer time (an hour) has passed.
        let latest = w.election().complaints.iter().map(|c| c.answer_by_ms).max();
        w.c.time_ms = latest.unwrap_or(T0).max(T0);
        for d in &unanswered {
            if w.election().phase == publica_elections::model::Phase::Failed {
                break;
            }
            let by = d % guardians + 1;
            let args = serde_json::json!({"election": w.id, "guardian": by, "dealer": d});
            w.c.call(&w.guardians[by as usize - 1].0, "elections", "disqualify", args).unwrap();
        }
        let e = w.election();
        if n - unanswered.len() < t as usize {
            prop_assert_eq!(e.phase, publica_elections::model::Phase::Failed);
            prop_assert_eq!(e.qualified().len() + 1, t as usize);
            return Ok(());
        }
        prop_assert_eq!(e.disqualified.len(), unanswered.len());
        prop_assert!(e.open_complaint().is_none());
        let mut last: std::collections::BTreeMap<usize, Vec<Vec<u64>>> = Default::default();
        for (v, mayor, council) in ballots {
            let choices = vec![mayor, council];
            w.cast(v, &choices).unwrap();
            last.insert(v, choices);
        }
        w.open_secrets();
        w.close();
        // A random t of the n guardians decrypt.
        let mut order: Vec<u32> = (1..=guardians).collect();
        let mut seed = decrypting_seed;
        for i in (1..order.len()).rev() {
            order.swap(i, usize::try_from(seed % (i as u64 + 1)).unwrap());
            seed /= i as u64 + 1;
        }
        for g in &order[..t as usize] {
            w.decrypt(*g).unwrap();
        }
        prop_assert_eq!(w.outcome(), Some(plaintext_count(&last)));
        let report = verify(&w.record());
        prop_assert!(report.holds(), "{:?}", report.failures);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]

    /// With an anonymous census of any ring size and any number of
    /// registrations, the tally is the count of each nullifier's last
    /// ballot, the record verifies, and a membership proof, nullifier or
    /// registration changed anywhere makes it fail.
    #[test]
    fn anonymous_ballots_count_once_per_voter_and_any_change_fails(
        registered in 1usize..10,
        ring_bits in 1u32..4,
        ballots in prop::collection::vec((0usize..10, choice(1, 3), choice(2, 4)), 1..10),
        change in 0usize..4,
        at in any::<prop::sample::Index>(),
    ) {
        use crate::world::T0;
        let mut w = World::new_with(1, 1, 10, Some(1 << ring_bits));
        w.c.time_ms = T0 - 1000;
        for v in 0..registered {
            w.register(v).unwrap();
        }
        w.ceremony();
        w.c.time_ms = T0;
        let mut last: std::collections::BTreeMap<usize, Vec<Vec<u64>>> = Default::default();
        for (v, mayor, council) in ballots {
            let v = v % registered;
            let choices = vec![mayor, council];
            w.cast_anonymous(v, &choices).unwrap();
            last.insert(v, choices);
        }
        w.close();
        w.decrypt(1).unwrap();
        prop_assert_eq!(w.outcome(), Some(plaintext_count(&last)));
        let mut r = w.record();
        prop_assert!(verify(&r).holds(), "{:?}", verify(&r).failures);
        let b = at.index(r.ballots.len());
        match change {
            0 => {
                let p = &mut r.ballots[b].member.as_mut().unwrap().proof;
                p.f[0] = p.z.clone();
            }
            1 => {
                let m = r.ballots[b].member.as_mut().unwrap();
                m.bucket += 1;
            }
            2 => {
                let p = &mut r.ballots[b].member.as_mut().unwrap().proof;
                std::mem::swap(&mut p.a, &mut p.b);
            }
            _ => {
                // A registration of the ring this ballot proved from.
                let bucket = r.ballots[b].member.as_ref().unwrap().bucket;
                let ring = publica_elections::ring::bucket_members(
                    r.members.len() as u64, 1 << ring_bits, bucket).unwrap();
                let i = usize::try_from(ring[at.index(ring.len())]).unwrap();
                r.members[i].commitment = publica_elections::group::point_hex(
                    &(publica_elections::group::G * publica_elections::group::random_scalar()),
                );
            }
        }
        prop_assert!(!verify(&r).holds(), "change {change} went unnoticed");
    }
}
