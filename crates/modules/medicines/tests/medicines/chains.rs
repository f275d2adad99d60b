//! Generated supply chains (proptest): whatever parties try — shipments
//! to licensed parties or elsewhere, receipts by the right or the wrong
//! party, dispensing, recalls, licences suspended and reinstated — no pack
//! verifies after it was dispensed, recalled or routed outside the
//! licensed chain, and every other pack does.

use super::custody::{chain, sgtin, Chain, DISTRIB_GLN, PHARMACO_GLN, PHARMACY_GLN};
use proptest::prelude::*;
use publica_crypto::Keypair;
use serde_json::json;
use std::collections::BTreeSet;

const PARTIES: [&str; 3] = ["pharmaco", "distrib", "pharmacy"];
const GLNS: [&str; 4] = [PHARMACO_GLN, DISTRIB_GLN, PHARMACY_GLN, "4099999000003"];

#[derive(Clone, Debug)]
enum Op {
    Ship { pack: u32, by: usize, to: usize },
    Receive { pack: u32, by: usize },
    Dispense { pack: u32, by: usize },
    Recall { lot: usize },
    Licence { party: usize, active: bool },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (1..=4u32, 0..3usize, 0..4usize).prop_map(|(pack, by, to)| Op::Ship { pack, by, to }),
        4 => (1..=4u32, 0..3usize).prop_map(|(pack, by)| Op::Receive { pack, by }),
        1 => (1..=4u32, 0..3usize).prop_map(|(pack, by)| Op::Dispense { pack, by }),
        1 => (0..2usize).prop_map(|lot| Op::Recall { lot }),
        1 => (1..3usize, any::<bool>()).prop_map(|(party, active)| Op::Licence { party, active }),
    ]
}

fn lot_of(pack: u32) -> usize {
    usize::from(pack > 2)
}

/// What the test expects to be wrong with the packs.
#[derive(Default)]
struct Model {
    dispensed: BTreeSet<u32>,
    diverted: BTreeSet<u32>,
    recalled: BTreeSet<usize>,
    suspended: BTreeSet<usize>,
}

fn apply(c: &mut Chain, m: &mut Model, op: &Op) {
    match *op {
        Op::Ship { pack, by, to } => {
            if c.ship(PARTIES[by], &sgtin(pack), GLNS[to]).is_ok()
                && (to == 3 || m.suspended.contains(&to))
            {
                m.diverted.insert(pack);
            }
        }
        Op::Receive { pack, by } => {
            let _ = c.receive(PARTIES[by], &sgtin(pack));
        }
        Op::Dispense { pack, by } => {
            let e = super::custody::event(
                c,
                "ObjectEvent",
                json!({"action": "OBSERVE", "bizStep": "dispensing", "epcList": [sgtin(pack)]}),
            );
            if c.capture(PARTIES[by], &e).is_ok() {
                m.dispensed.insert(pack);
            }
        }
        Op::Recall { lot } => {
            let kp = Keypair::from_seed(c.pharmaco.seed());
            let args = json!({"id": format!("r{lot}"), "gtin": "10614141073464",
                              "lot": format!("L{lot}"), "reason": "defect"});
            if c.w.c.call(&kp, "medicines", "recall", args).is_ok() {
                m.recalled.insert(lot);
            }
        }
        Op::Licence { party, active } => {
            let status = if active { "active" } else { "suspended" };
            let args = json!({"agency": "health", "party": PARTIES[party], "status": status, "reason": "audit"});
            if c.w.med("regulator", "set_licence", args).is_ok() {
                if active {
                    m.suspended.remove(&party);
                } else {
                    m.suspended.insert(party);
                }
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn no_pack_verifies_once_dispensed_recalled_or_diverted(ops in prop::collection::vec(op(), 1..30)) {
        let mut c = chain();
        c.commission(&[1, 2], "L0", "2030-01-31");
        c.commission(&[3, 4], "L1", "2030-01-31");
        let mut m = Model::default();
        for op in &ops {
            apply(&mut c, &mut m, op);
        }
        for pack in 1..=4 {
            let v = c.verify(&sgtin(pack));
            let bad = m.dispensed.contains(&pack)
                || m.diverted.contains(&pack)
                || m.recalled.contains(&lot_of(pack));
            prop_assert_eq!(v.authentic, !bad, "pack {}: {:?}", pack, v.problems);
            prop_assert!(v.chain.iter().all(|h| h.licensed) || !v.authentic);
        }
    }
}
