//! Over random transfers both ways, relays in any order, replays, expiries
//! and refunds: each network's money is conserved, a transfer is credited
//! or refunded, never both, and the value held by people across the two
//! networks (1:1) changes only by what is in flight.

use crate::world::{pair, Net, CORRIDOR, LIQUIDITY, WALLET};
use proptest::prelude::*;
use std::collections::BTreeMap;

#[derive(Clone, Debug)]
enum Step {
    /// Wallet `from` on north (or south) sends `amount` to wallet `to`.
    Send {
        north: bool,
        from: usize,
        to: usize,
        amount: u64,
    },
    /// Relay transfer `n` (of those sent so far) to the other side.
    Receive { n: usize },
    /// The receiving side's clock passes the deadline, then transfer `n`
    /// is marked expired there.
    Expire { n: usize },
    /// Settle transfer `n` on the other side's mark.
    Settle { n: usize },
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        (any::<bool>(), 0..3usize, 0..3usize, 1..6_000u64).prop_map(|(north, from, to, amount)| {
            Step::Send {
                north,
                from,
                to,
                amount,
            }
        }),
        (0..12usize).prop_map(|n| Step::Receive { n }),
        (0..12usize).prop_map(|n| Step::Expire { n }),
        (0..12usize).prop_map(|n| Step::Settle { n }),
    ]
}

struct Sent {
    north: bool,
    id: String,
    amount: u128,
    credited: bool,
    expired: bool,
    settled: bool,
}

/// The deadline of transfer `id` sent from `a`.
fn deadline(a: &Net, id: &str) -> u64 {
    a.c.get(&format!("crossborder/out/{id}")).unwrap()["deadline_ms"]
        .as_u64()
        .unwrap()
}

impl Sent {
    /// Expired there and settled here: paid back.
    fn refunded(&self) -> bool {
        self.expired && self.settled
    }
}

fn sides<'a>(north: bool, n: &'a mut Net, s: &'a mut Net) -> (&'a mut Net, &'a mut Net) {
    if north {
        (n, s)
    } else {
        (s, n)
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn value_is_conserved_and_each_transfer_consumed_at_most_once(steps in prop::collection::vec(step(), 1..24)) {
        let (mut north, mut south) = pair(3);
        let mut sent: Vec<Sent> = Vec::new();
        for s in steps {
            match s {
                Step::Send { north: n, from, to, amount } => {
                    let (a, _) = sides(n, &mut north, &mut south);
                    if let Ok(id) = a.send(from, &format!("w{to}"), amount) {
                        sent.push(Sent { north: n, id, amount: u128::from(amount), credited: false, expired: false, settled: false });
                    }
                }
                Step::Receive { n } | Step::Expire { n } | Step::Settle { n } if n >= sent.len() => {}
                Step::Receive { n } => {
                    let t = &mut sent[n];
                    let (a, b) = sides(t.north, &mut north, &mut south);
                    let in_time = b.c.time_ms <= deadline(a, &t.id);
                    let r = b.relay("receive", a.answer(&format!("crossborder/out/{}", t.id)));
                    prop_assert_eq!(r.is_ok(), !t.credited && !t.expired && in_time, "{:?}", r);
                    t.credited |= r.is_ok();
                }
                Step::Expire { n } => {
                    let t = &mut sent[n];
                    let (a, b) = sides(t.north, &mut north, &mut south);
                    b.c.time_ms = b.c.time_ms.max(deadline(a, &t.id) + 1);
                    let r = b.relay("expire", a.answer(&format!("crossborder/out/{}", t.id)));
                    prop_assert_eq!(r.is_ok(), !t.credited && !t.expired, "{:?}", r);
                    t.expired |= r.is_ok();
                }
                Step::Settle { n } => {
                    let t = &mut sent[n];
                    let (a, b) = sides(t.north, &mut north, &mut south);
                    let r = a.relay("settle", b.answer(&format!("crossborder/in/{CORRIDOR}/{}", t.id)));
                    prop_assert_eq!(r.is_ok(), (t.credited || t.expired) && !t.settled, "{:?}", r);
                    t.settled |= r.is_ok();
                }
            }
        }
        // Each network's money never changes in total.
        let supply = u128::from(LIQUIDITY) + 3 * u128::from(WALLET);
        prop_assert_eq!(north.held(), supply);
        prop_assert_eq!(south.held(), supply);
        // People's money across both networks: what they started with,
        // less what is locked and neither credited nor refunded.
        let people = |n: &Net| n.held() - n.balance("corridor");
        let in_flight: u128 = sent.iter().filter(|t| !(t.credited || t.refunded())).map(|t| t.amount).sum();
        prop_assert_eq!(people(&north) + people(&south) + in_flight, 6 * u128::from(WALLET));
        // Each corridor's account: liquidity + locked − credited out of it.
        let mut flow: BTreeMap<bool, i128> = BTreeMap::new();
        for t in &sent {
            let locked_here = !t.refunded();
            *flow.entry(t.north).or_default() += if locked_here { t.amount as i128 } else { 0 };
            if t.credited {
                *flow.entry(!t.north).or_default() -= t.amount as i128;
            }
        }
        for (is_north, net) in [(true, &north), (false, &south)] {
            prop_assert_eq!(net.balance("corridor") as i128, i128::from(LIQUIDITY) + flow.get(&is_north).copied().unwrap_or(0));
        }
        north.c.check_replay();
        south.c.check_replay();
    }
}
