//! Property: whatever claims arrive, a member is never paid more than the
//! plan's yearly limit in a year, each claim pays at most its covered
//! allowed amount less the co-payment, and every unit paid leaves the
//! plan's account for the provider's (money is conserved).

use crate::adjudication::world;
use proptest::prelude::*;
use publica_crypto::Keypair;
use serde_json::json;

const CODES: [(&str, u128); 4] = [
    ("99213", 15_000),
    ("80053", 4_000),
    ("COSMETIC", 90_000),
    ("27447", 1_200_000),
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn members_are_never_paid_above_their_yearly_limit(
        claims in prop::collection::vec((0usize..3, 0usize..4, 1u64..2_000_000, 1u32..28, 0u8..2), 1..25),
        limit in 1u64..300_000,
        copay in 0u8..60,
    ) {
        let mut w = world(limit, copay);
        let members: Vec<Keypair> = (0..3).map(|_| Keypair::generate()).collect();
        for m in &members {
            w.enrol(m);
        }
        let start = w.balance("plan:basic");
        let mut paid_by_member = [0u128; 3];
        for (n, (m, code, amount, day, year)) in claims.into_iter().enumerate() {
            let date = if year == 0 { format!("2026-12-{day:02}") } else { format!("2027-02-{day:02}") };
            let (c, tariff) = CODES[code];
            let id = format!("p{n}");
            if w.submit(&id, &members[m], &date, json!([{"code": c, "amount": amount.to_string()}])).is_err() {
                continue;
            }
            let claim = w.claim("hospital", &id);
            let paid: u128 = claim["paid"].as_str().unwrap().parse().unwrap();
            let allowed = u128::from(amount).min(tariff);
            let covered = c != "COSMETIC";
            let most = if covered { allowed - allowed * u128::from(copay) / 100 } else { 0 };
            prop_assert!(paid <= most, "{claim}");
            paid_by_member[m] += paid;
        }
        // Only 2027 is within the policies: every claim paid was of 2027.
        for (m, member) in members.iter().enumerate() {
            prop_assert!(paid_by_member[m] <= u128::from(limit));
            let used = w.c.get(&format!("claims/used/insurer/basic/{}/2027", member.account().to_hex()))
                .map_or(0, |v| v.as_str().unwrap().parse::<u128>().unwrap());
            prop_assert_eq!(used, paid_by_member[m]);
        }
        let total: u128 = paid_by_member.iter().sum();
        prop_assert_eq!(w.balance("hospital:claims"), total);
        prop_assert_eq!(w.balance("plan:basic"), start - total);
    }
}
