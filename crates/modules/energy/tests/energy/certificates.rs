//! Meters, signed readings and certificates through the real runtime:
//! issuance with remainders carried, every refusal of a bad batch (unsigned,
//! tampered, replayed, out of order, misaligned, not over, over capacity,
//! faulty meter), transfers, cancellations for a beneficiary, expiry, and
//! totals that reconcile; a property test over random generation.

#![allow(
    clippy::too_many_lines,
    reason = "a scenario test reads top to bottom as one story"
)]

use crate::world::{code, grid, Q, T0};
use proptest::prelude::*;
use publica_crypto::Keypair;
use serde_json::json;

#[test]
fn readings_issue_certificates_that_are_transferred_cancelled_and_expire() {
    let mut g = grid(1_000);
    let (pv, owner, home, resident, concentrator) = (
        Keypair::generate(),
        Keypair::generate(),
        Keypair::generate(),
        Keypair::generate(),
        Keypair::generate(),
    );
    g.meter("pv-1", &pv, &owner, "producer", "solar", 10_000)
        .unwrap();
    g.meter("home-1", &home, &resident, "consumer", "none", 10_000)
        .unwrap();
    // Refused registrations: the same id, the same key, a consumer with a
    // technology, a non-operator, a registry not configured.
    assert_eq!(
        code(g.meter("pv-1", &Keypair::generate(), &owner, "producer", "solar", 1)),
        "energy.meter_exists"
    );
    assert_eq!(
        code(g.meter("pv-2", &pv, &owner, "producer", "solar", 1)),
        "energy.meter_exists"
    );
    assert_eq!(
        code(g.meter("c-2", &Keypair::generate(), &owner, "consumer", "wind", 1)),
        "energy.invalid_field"
    );
    assert_eq!(
        code(g.op(
            "configure",
            json!({"unit_wh": 500, "interval_ms": Q, "validity_days": 365, "country": "ES"})
        )),
        "energy.invalid_field",
        "the unit cannot change once meters exist"
    );
    assert_eq!(
        code(g.op(
            "configure",
            json!({"unit_wh": 1000, "interval_ms": 420_000, "validity_days": 365, "country": "ES"})
        )),
        "energy.invalid_field"
    );
    assert_eq!(
        code(g.c.call(&owner, "energy", "register_meter", json!({"agency": "grid", "id": "x", "key": owner.account(),
            "holder": owner.account(), "role": "producer", "technology": "solar", "location": "l", "capacity_w": 1}))),
        "auth.unauthorized"
    );

    // 10 kW: at most 2,500 Wh in 15 minutes. 600 + 700 + 800 + 2,400 Wh:
    // units of 1 kWh at the second (1), third (1) and fourth (2)
    // intervals, 500 Wh carried.
    let day = T0;
    let batch = [
        (day, 0, 600),
        (day + Q, 0, 700),
        (day + 2 * Q, 0, 800),
        (day + 3 * Q, 0, 2_400),
    ];
    g.submit(&concentrator, "pv-1", &pv, &batch).unwrap();
    let r = g.registry();
    assert_eq!(
        (
            r["generated_wh"].as_u64(),
            r["issued_units"].as_u64(),
            r["carry_wh"].as_u64()
        ),
        (Some(4_500), Some(4), Some(500))
    );
    let lots = g.c.indexed("energy/lots/grid");
    let ids: Vec<&str> = lots.iter().map(|l| l["lot"].as_str().unwrap()).collect();
    let lot = |k: u64| format!("pv-1/{}", day + k * Q);
    assert_eq!(ids, [lot(1), lot(2), lot(3)]);
    assert_eq!(g.held(&lot(3), &owner), 2);
    let l3 = g.c.get(&format!("energy/lot/grid/{}", lot(3))).unwrap();
    assert_eq!(
        (
            l3["technology"].as_str(),
            l3["country"].as_str(),
            l3["units"].as_u64()
        ),
        (Some("solar"), Some("ES"), Some(2))
    );
    assert_eq!(l3["end_ms"].as_u64(), Some(day + 4 * Q));

    // Refused batches; nothing of them is kept.
    assert_eq!(
        code(g.submit(&concentrator, "pv-1", &pv, &batch)),
        "energy.out_of_order",
        "a replay"
    );
    assert_eq!(
        code(g.submit(&concentrator, "pv-1", &pv, &[(day + 2 * Q, 0, 10)])),
        "energy.out_of_order"
    );
    let next = day + 4 * Q;
    assert_eq!(
        code(g.submit(&concentrator, "pv-1", &home, &[(next, 0, 10)])),
        "energy.bad_signature",
        "another meter's key"
    );
    assert_eq!(
        code(g.submit(&concentrator, "pv-1", &pv, &[(next, 0, 2_501)])),
        "energy.implausible",
        "over capacity"
    );
    assert_eq!(
        code(g.submit(&concentrator, "pv-1", &pv, &[(next + 1, 0, 10)])),
        "energy.implausible",
        "misaligned"
    );
    assert_eq!(
        code(g.submit(&concentrator, "pv-1", &pv, &[(next, 0, 5), (next, 0, 5)])),
        "energy.out_of_order",
        "twice in a batch"
    );
    let future = (g.c.time_ms / Q) * Q;
    assert_eq!(
        code(g.submit(&concentrator, "pv-1", &pv, &[(future, 0, 10)])),
        "energy.implausible",
        "not over yet"
    );
    assert_eq!(
        code(g.submit(&concentrator, "pv-1", &pv, &[])),
        "energy.invalid_field"
    );
    // A tampered batch: the signature was over other values.
    let sig = pv.sign(&publica_energy::model::signing_bytes(
        publica_runtime::testkit::TEST_CHAIN,
        "grid",
        "pv-1",
        &[publica_energy::model::Reading {
            start_ms: next,
            import_wh: 0,
            export_wh: 10,
        }],
    ));
    assert_eq!(
        code(g.c.call(
            &concentrator,
            "energy",
            "submit_readings",
            json!({"agency": "grid", "meter": "pv-1",
            "readings": [{"start_ms": next, "import_wh": 0, "export_wh": 2_000}], "signature": sig})
        )),
        "energy.bad_signature"
    );
    // A faulty meter's readings wait until it is cleared.
    g.op(
        "flag_meter",
        json!({"meter": "pv-1", "faulty": "inspection:42"}),
    )
    .unwrap();
    assert_eq!(
        code(g.submit(&concentrator, "pv-1", &pv, &[(next, 0, 500)])),
        "energy.meter_faulty"
    );
    g.op("flag_meter", json!({"meter": "pv-1", "faulty": null}))
        .unwrap();
    g.submit(&owner, "pv-1", &pv, &[(next, 0, 500)]).unwrap();
    assert_eq!(
        g.held(&format!("pv-1/{next}"), &owner),
        1,
        "500 carried + 500"
    );
    assert_eq!(g.registry()["carry_wh"], 0);
    // A consumer's meter earns nothing.
    g.submit(
        &resident,
        "home-1",
        &home,
        &[(day, 1_200, 0), (day + Q, 900, 300)],
    )
    .unwrap();
    assert_eq!(g.registry()["issued_units"], 5);

    // Transfers and cancellation.
    let buyer = Keypair::generate();
    let transfer = |units: u64, to: &Keypair, l: &str| json!({"agency": "grid", "lot": l, "units": units, "to": to.account()});
    assert_eq!(
        code(g.c.call(&owner, "energy", "transfer", transfer(3, &buyer, &lot(3)))),
        "energy.insufficient_units"
    );
    assert_eq!(
        code(g.c.call(&owner, "energy", "transfer", transfer(1, &owner, &lot(3)))),
        "energy.invalid_field"
    );
    assert_eq!(
        code(g.c.call(&owner, "energy", "transfer", transfer(1, &buyer, "pv-1/7"))),
        "energy.unknown_certificate"
    );
    g.c.call(&owner, "energy", "transfer", transfer(2, &buyer, &lot(3)))
        .unwrap();
    assert_eq!((g.held(&lot(3), &owner), g.held(&lot(3), &buyer)), (0, 2));
    let cancel = |units: u64| json!({"agency": "grid", "lot": lot(3), "units": units, "beneficiary": "customer:1044"});
    assert_eq!(
        code(g.c.call(&owner, "energy", "cancel", cancel(1))),
        "energy.insufficient_units"
    );
    g.c.call(&buyer, "energy", "cancel", cancel(1)).unwrap();
    let mut free_text = cancel(1);
    free_text["beneficiary"] = json!("Mrs Smith, 4 Elm Street");
    assert_eq!(
        code(g.c.call(&buyer, "energy", "cancel", free_text)),
        "energy.invalid_field"
    );
    assert_eq!(
        g.c.get(&format!("energy/lot/grid/{}", lot(3))).unwrap()["cancelled"],
        1
    );
    assert_eq!(g.registry()["cancelled_units"], 1);
    let moves =
        g.c.indexed(&format!("energy/account/grid/{}", buyer.account().to_hex()));
    assert_eq!(
        moves
            .iter()
            .map(|m| m["kind"].as_str().unwrap())
            .collect::<Vec<_>>(),
        ["received", "cancelled"]
    );
    assert_eq!(
        g.c.indexed("energy/cancellations/grid")[0]["beneficiary"],
        "customer:1044"
    );

    // A year after its interval, a lot expires.
    g.c.time_ms = day + 4 * Q + 365 * 86_400_000;
    assert_eq!(
        code(g.c.call(&buyer, "energy", "cancel", cancel(1))),
        "energy.expired"
    );
    assert_eq!(
        code(g.c.call(&owner, "energy", "transfer", transfer(1, &buyer, &lot(1)))),
        "energy.expired"
    );

    let r = g.registry();
    assert_eq!(
        (r["generated_wh"].as_u64(), r["issued_units"].as_u64()),
        (Some(5_000), Some(5))
    );
    g.c.check_replay();
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// Certificates issued equal metered renewable generation: over random
    /// exports, units, batches and meters, the lots' units times the unit
    /// plus the meters' remainders are the energy metered, and the
    /// registry's totals say the same.
    #[test]
    fn certificates_issued_equal_metered_generation(
        unit_wh in 1u64..5_000,
        exports in proptest::collection::vec((0usize..2, 0u64..=2_500), 1..40),
        cut in 1usize..8,
    ) {
        let mut g = grid(unit_wh);
        let (keys, owner) = ([Keypair::generate(), Keypair::generate()], Keypair::generate());
        g.meter("a", &keys[0], &owner, "producer", "wind", 10_000).unwrap();
        g.meter("b", &keys[1], &owner, "prosumer", "solar", 10_000).unwrap();
        let mut next = [T0, T0];
        let mut per_meter: [Vec<(u64, u64, u64)>; 2] = [vec![], vec![]];
        for (m, wh) in &exports {
            per_meter[*m].push((next[*m], 100, *wh));
            next[*m] += Q;
        }
        let mut metered = 0u64;
        for (m, rs) in per_meter.iter().enumerate() {
            for chunk in rs.chunks(cut) {
                g.submit(&owner, ["a", "b"][m], &keys[m], chunk).unwrap();
            }
            metered += rs.iter().map(|r| r.2).sum::<u64>();
        }
        let r = g.registry();
        let lots: u64 = g.c.indexed("energy/lots/grid").iter().map(|l| l["units"].as_u64().unwrap()).sum();
        let carry: u64 = ["a", "b"].iter().map(|m| g.c.get(&format!("energy/meter/grid/{m}")).unwrap()["carry_wh"].as_u64().unwrap()).sum();
        prop_assert_eq!(lots * unit_wh + carry, metered);
        prop_assert_eq!(r["issued_units"].as_u64(), Some(lots));
        prop_assert_eq!(r["generated_wh"].as_u64(), Some(metered));
        prop_assert_eq!(r["carry_wh"].as_u64(), Some(carry));
        prop_assert!(carry < 2 * unit_wh);
    }
}
