//! EPCIS capture through the real runtime: commissioning by the owner of
//! the prefix, packing into a pallet, shipping and receiving the pallet,
//! unpacking, dispensing, recalls; every contradiction of custody refused
//! with its code, and a pack's verdict at each step.

#![allow(
    clippy::too_many_lines,
    reason = "a scenario test reads top to bottom as one story"
)]

use super::registry::{code, world, World};
use publica_crypto::Keypair;
use publica_medicines::{gs1, queries};
use publica_runtime::testkit::Rejected;
use serde_json::{json, Value};

pub(crate) const PHARMACO_GLN: &str = "0614141000005";
pub(crate) const DISTRIB_GLN: &str = "4012345000009";
pub(crate) const PHARMACY_GLN: &str = "4000001000005";

/// Parties with their capturing keys.
pub(crate) struct Chain {
    pub(crate) w: World,
    pub(crate) pharmaco: Keypair,
    pub(crate) distrib: Keypair,
    pub(crate) pharmacy: Keypair,
}

pub(crate) fn chain() -> Chain {
    let mut w = world();
    let (pharmaco, distrib, pharmacy) = (
        Keypair::generate(),
        Keypair::generate(),
        Keypair::generate(),
    );
    for (id, kind, prefixes, gln, key) in [
        (
            "pharmaco",
            "manufacturer",
            vec!["0614141"],
            PHARMACO_GLN,
            &pharmaco,
        ),
        ("distrib", "wholesaler", vec![], DISTRIB_GLN, &distrib),
        ("pharmacy", "pharmacy", vec![], PHARMACY_GLN, &pharmacy),
    ] {
        w.med(
            "regulator",
            "register_party",
            json!({"agency": "health", "id": id, "name": id, "kind": kind,
                   "company_prefixes": prefixes, "glns": [gln], "accounts": [key.account()]}),
        )
        .unwrap();
    }
    Chain {
        w,
        pharmaco,
        distrib,
        pharmacy,
    }
}

pub(crate) fn sgtin(serial: u32) -> String {
    format!("urn:epc:id:sgtin:0614141.107346.{serial}")
}

pub(crate) const PALLET: &str = "urn:epc:id:sscc:0614141.1234567890";

/// The time of the next block, as EPCIS writes it.
fn now(c: &Chain) -> String {
    publica_medicines::hash::format_time(c.w.c.time_ms)
}

/// An event of `kind` at the next block's time, with `fields`.
pub(crate) fn event(c: &Chain, kind: &str, fields: Value) -> Value {
    let mut e = json!({"type": kind, "eventTime": now(c), "eventTimeZoneOffset": "+00:00"});
    for (k, v) in fields.as_object().unwrap() {
        e[k] = v.clone();
    }
    e
}

impl Chain {
    pub(crate) fn capture(&mut self, who: &str, e: &Value) -> Result<(), Rejected> {
        let kp = match who {
            "pharmaco" => &self.pharmaco,
            "distrib" => &self.distrib,
            "pharmacy" => &self.pharmacy,
            _ => panic!("no party {who}"),
        };
        let kp = Keypair::from_seed(kp.seed());
        self.w.c.time_ms += 1_000;
        self.w
            .c
            .call(&kp, "medicines", "capture", json!({"event": e}))
    }

    pub(crate) fn verify(&self, uri: &str) -> queries::Verdict {
        queries::verify(&self.w.c.state, &gs1::parse(uri).unwrap(), self.w.c.time_ms)
    }

    pub(crate) fn commission(&mut self, serials: &[u32], lot: &str, expiry: &str) {
        let epcs: Vec<String> = serials.iter().map(|s| sgtin(*s)).collect();
        let e = event(
            self,
            "ObjectEvent",
            json!({"action": "ADD", "bizStep": "commissioning", "epcList": epcs,
                   "disposition": "active",
                   "bizLocation": {"id": "urn:epc:id:sgln:0614141.00000.0"},
                   "ilmd": {"cbvmda:lotNumber": lot, "cbvmda:itemExpirationDate": expiry},
                   "@context": [{"cbvmda": "urn:epcglobal:cbv:mda:"}]}),
        );
        self.capture("pharmaco", &e).unwrap();
    }

    pub(crate) fn ship(&mut self, who: &str, epc: &str, to_gln: &str) -> Result<(), Rejected> {
        let e = ship_event(self, epc, to_gln);
        self.capture(who, &e)
    }

    pub(crate) fn receive(&mut self, who: &str, epc: &str) -> Result<(), Rejected> {
        let e = event(
            self,
            "ObjectEvent",
            json!({"action": "OBSERVE", "bizStep": "receiving", "epcList": [epc],
                   "disposition": "in_progress"}),
        );
        self.capture(who, &e)
    }
}

pub(crate) fn ship_event(c: &Chain, epc: &str, to_gln: &str) -> Value {
    let pgln = format!("urn:epc:id:pgln:{}.{}", &to_gln[..7], &to_gln[7..12]);
    event(
        c,
        "ObjectEvent",
        json!({"action": "OBSERVE", "bizStep": "shipping", "disposition": "in_transit",
               "epcList": [epc],
               "destinationList": [{"type": "owning_party", "destination": pgln}]}),
    )
}

fn problems(v: &queries::Verdict) -> Vec<&'static str> {
    v.problems.iter().map(|p| p.code).collect()
}

#[test]
fn a_pack_travels_from_manufacturer_to_patient() {
    let mut c = chain();
    c.commission(&[1, 2, 3], "L1", "2030-01-31");
    let v = c.verify(&sgtin(1));
    assert!(v.authentic, "{:?}", v.problems);
    assert_eq!(v.custodian.as_deref(), Some("pharmaco"));
    assert_eq!(
        (v.lot.as_deref(), v.expiry.as_deref()),
        (Some("L1"), Some("2030-01-31"))
    );
    // A number once; a number of another party's prefix never.
    let again = event(
        &c,
        "ObjectEvent",
        json!({"action": "ADD", "epcList": [sgtin(1)]}),
    );
    assert_eq!(
        code(c.capture("pharmaco", &again)),
        "medicines.already_commissioned"
    );
    let foreign = event(
        &c,
        "ObjectEvent",
        json!({"action": "ADD", "epcList": ["urn:epc:id:sgtin:4012345.011111.9"]}),
    );
    assert_eq!(
        code(c.capture("distrib", &foreign)),
        "medicines.not_your_prefix"
    );
    // Pack two into a pallet, which is created by its first packing.
    let pack = event(
        &c,
        "AggregationEvent",
        json!({"action": "ADD", "bizStep": "packing", "parentID": PALLET,
               "childEPCs": [sgtin(1), sgtin(2)]}),
    );
    c.capture("pharmaco", &pack).unwrap();
    // The same event again is a duplicate (same hash).
    c.w.c.time_ms -= 1_000;
    assert_eq!(
        code(c.capture("pharmaco", &pack)),
        "medicines.duplicate_event"
    );
    // A packed pack is shipped with its pallet only.
    assert_eq!(
        code(c.ship("pharmaco", &sgtin(1), DISTRIB_GLN)),
        "medicines.in_container"
    );
    c.ship("pharmaco", PALLET, DISTRIB_GLN).unwrap();
    let v = c.verify(&sgtin(1));
    assert_eq!(v.status, Some("in_transit"));
    assert_eq!(v.containers, vec!["00/106141412345678908".to_string()]);
    // Only the destination receives; nobody ships what is in transit.
    assert_eq!(
        code(c.receive("pharmacy", PALLET)),
        "medicines.not_destination"
    );
    assert_eq!(
        code(c.ship("distrib", PALLET, PHARMACY_GLN)),
        "medicines.not_custodian"
    );
    assert_eq!(
        code(c.ship("pharmaco", PALLET, PHARMACY_GLN)),
        "medicines.not_custodian"
    );
    c.receive("distrib", PALLET).unwrap();
    let v = c.verify(&sgtin(2));
    assert!(v.authentic, "{:?}", v.problems);
    assert_eq!(v.custodian.as_deref(), Some("distrib"));
    assert_eq!(
        v.chain.iter().map(|h| h.party.as_str()).collect::<Vec<_>>(),
        ["pharmaco", "distrib"]
    );
    // Unpack everything: the packs keep the pallet's chain.
    let unpack = event(
        &c,
        "AggregationEvent",
        json!({"action": "DELETE", "bizStep": "unpacking", "parentID": PALLET}),
    );
    assert_eq!(
        code(c.capture("pharmaco", &unpack)),
        "medicines.not_custodian"
    );
    c.capture("distrib", &unpack).unwrap();
    let v = c.verify(&sgtin(1));
    assert!(v.containers.is_empty());
    assert_eq!(v.custodian.as_deref(), Some("distrib"));
    assert_eq!(v.chain.len(), 2);
    // On to the pharmacy, and to a patient.
    c.ship("distrib", &sgtin(1), PHARMACY_GLN).unwrap();
    c.receive("pharmacy", &sgtin(1)).unwrap();
    let dispense = event(
        &c,
        "ObjectEvent",
        json!({"action": "OBSERVE", "bizStep": "dispensing", "disposition": "dispensed",
               "epcList": [sgtin(1)], "bizLocation": {"id": format!("https://id.gs1.org/414/{PHARMACY_GLN}")}}),
    );
    // Not at another party's location.
    let mut elsewhere = dispense.clone();
    elsewhere["bizLocation"]["id"] = json!(format!("https://id.gs1.org/414/{DISTRIB_GLN}"));
    assert_eq!(
        code(c.capture("pharmacy", &elsewhere)),
        "medicines.not_your_location"
    );
    c.capture("pharmacy", &dispense).unwrap();
    let v = c.verify(&sgtin(1));
    assert_eq!(problems(&v), ["dispensed"]);
    assert_eq!(v.chain.len(), 3);
    // Nothing touches a dispensed pack again.
    assert_eq!(
        code(c.ship("pharmacy", &sgtin(1), DISTRIB_GLN)),
        "medicines.object_retired"
    );
    // A wholesaler does not dispense.
    let mut by_wholesaler = dispense.clone();
    by_wholesaler["epcList"] = json!([sgtin(2)]);
    by_wholesaler.as_object_mut().unwrap().remove("bizLocation");
    assert_eq!(
        code(c.capture("distrib", &by_wholesaler)),
        "medicines.not_custodian"
    );
    // Out of order: older than the latest event on the pack.
    let last_ms = c.w.c.get("medicines/item/01/10614141073464/21/2").unwrap()["last_ms"]
        .as_u64()
        .unwrap();
    let mut old = ship_event(&c, &sgtin(2), PHARMACY_GLN);
    old["eventTime"] = json!("2026-01-01T00:00:00Z");
    assert_eq!(code(c.capture("distrib", &old)), "medicines.not_licensed");
    old["eventTime"] = json!(publica_medicines::hash::format_time(last_ms - 1));
    assert_eq!(code(c.capture("distrib", &old)), "medicines.out_of_order");
    // Shipped to a location no licensed party holds: it left the chain.
    c.ship("distrib", &sgtin(2), "4099999000003").unwrap();
    let v = c.verify(&sgtin(2));
    assert_eq!(problems(&v), ["diverted"]);
    // A number never commissioned.
    let v = c.verify(&sgtin(99));
    assert_eq!(problems(&v), ["not_commissioned"]);
    assert_eq!(v.prefix_owner.as_deref(), Some("pharmaco"));
    // Recalls: by the manufacturer for its own lot; not by others.
    let recall =
        json!({"id": "r-l1", "gtin": "10614141073464", "lot": "L1", "reason": "sterility"});
    assert_eq!(
        code(c.w.c.call(
            &Keypair::from_seed(c.distrib.seed()),
            "medicines",
            "recall",
            recall.clone()
        )),
        "medicines.not_your_prefix"
    );
    c.w.c
        .call(
            &Keypair::from_seed(c.pharmaco.seed()),
            "medicines",
            "recall",
            recall.clone(),
        )
        .unwrap();
    assert_eq!(
        code(c.w.c.call(
            &Keypair::from_seed(c.pharmaco.seed()),
            "medicines",
            "recall",
            recall
        )),
        "medicines.recall_exists"
    );
    let v = c.verify(&sgtin(3));
    assert_eq!(problems(&v), ["recalled"]);
    assert_eq!(
        v.recall.as_ref().map(|r| r.reason.as_str()),
        Some("sterility")
    );
    // Reach: the lot's packs, from the index of commissioned packs.
    let reach = c.w.c.indexed("medicines/gtin/10614141073464");
    assert_eq!(reach.len(), 3);
    // Another agency's regulator does not recall a product this one
    // licensed the maker of; a shipment names where it goes.
    let other = Keypair::generate();
    let admin = Keypair::from_seed(c.w.admin.seed());
    c.w.c
        .call(
            &admin,
            "identity",
            "add_member",
            json!({"agency": "other-health", "account": other.account(), "roles": ["regulator"]}),
        )
        .unwrap();
    assert_eq!(
        code(c.w.c.call(
            &other,
            "medicines",
            "recall",
            json!({"agency": "other-health", "id": "r-x", "gtin": "10614141073464", "reason": "x"})
        )),
        "medicines.not_the_regulator"
    );
    let mut nowhere = ship_event(&c, &sgtin(3), PHARMACY_GLN);
    nowhere.as_object_mut().unwrap().remove("destinationList");
    assert_eq!(
        code(c.capture("pharmaco", &nowhere)),
        "medicines.invalid_event"
    );
    // Suspended: no capture.
    c.w.med(
        "regulator",
        "set_licence",
        json!({"agency": "health", "party": "pharmacy", "status": "suspended", "reason": "inspection 7"}),
    )
    .unwrap();
    c.commission(&[4], "L2", "2030-01-31");
    c.ship("pharmaco", &sgtin(4), PHARMACY_GLN).unwrap();
    assert_eq!(problems(&c.verify(&sgtin(4))), ["diverted"]);
    assert_eq!(
        code(c.receive("pharmacy", &sgtin(4))),
        "medicines.not_licensed"
    );
    c.w.c.check_replay();
}

#[test]
fn malformed_and_foreign_events_are_refused_by_name() {
    let mut c = chain();
    let base = event(
        &c,
        "ObjectEvent",
        json!({"action": "ADD", "epcList": [sgtin(1)]}),
    );
    let cases: Vec<(Value, &str)> = vec![
        (json!({"eventTime": null}), "medicines.invalid_event"),
        (json!({"eventTime": "yesterday"}), "medicines.invalid_event"),
        (
            json!({"eventTime": "2099-01-01T00:00:00Z"}),
            "medicines.invalid_event",
        ),
        (
            json!({"eventTimeZoneOffset": "+25:00"}),
            "medicines.invalid_event",
        ),
        (json!({"action": "MOVE"}), "medicines.invalid_event"),
        (json!({"color": "red"}), "medicines.invalid_event"),
        (
            json!({"epcList": [sgtin(1), sgtin(1)]}),
            "medicines.invalid_event",
        ),
        (
            json!({"epcList": ["urn:epc:id:grai:0614141.12345.400"]}),
            "medicines.unsupported_event",
        ),
        (
            json!({"epcList": ["urn:epc:id:sgtin:0614141.107346"]}),
            "medicines.invalid_event",
        ),
        (
            json!({"errorDeclaration": {"declarationTime": "2020-01-01T00:00:00Z"}}),
            "medicines.unsupported_event",
        ),
        (
            json!({"bizLocation": {"id": "urn:epc:id:sgln:0614141.00000.0", "x": 1}}),
            "medicines.invalid_event",
        ),
    ];
    for (patch, expected) in cases {
        let mut e = base.clone();
        for (k, v) in patch.as_object().unwrap() {
            if v.is_null() {
                e.as_object_mut().unwrap().remove(k);
            } else {
                e[k] = v.clone();
            }
        }
        assert_eq!(code(c.capture("pharmaco", &e)), expected, "{patch}");
    }
    // An account that captures for no party.
    let stranger = Keypair::generate();
    assert_eq!(
        code(
            c.w.c
                .call(&stranger, "medicines", "capture", json!({"event": base}))
        ),
        "medicines.not_a_party"
    );
    // A prefix sub-allocated to another party is no longer pharmaco's.
    let sub = Keypair::generate();
    c.w.med(
        "regulator",
        "register_party",
        json!({"agency": "health", "id": "sub", "name": "Sub", "kind": "manufacturer",
               "company_prefixes": ["06141415"], "glns": ["0614141500000"], "accounts": [sub.account()]}),
    )
    .unwrap();
    let theirs = event(
        &c,
        "ObjectEvent",
        json!({"action": "ADD", "epcList": ["urn:epc:id:sgtin:06141415.01234.1"]}),
    );
    assert_eq!(
        code(c.capture("pharmaco", &theirs)),
        "medicines.not_your_prefix"
    );
    c.w.c.time_ms += 1_000;
    c.w.c
        .call(&sub, "medicines", "capture", json!({"event": theirs}))
        .unwrap();
    // The eventID is unique too.
    let mut first = base.clone();
    first["eventID"] = json!("urn:uuid:5e4e2b1c-1b7c-4d1e-9a1e-000000000001");
    c.capture("pharmaco", &first).unwrap();
    let mut second = event(
        &c,
        "ObjectEvent",
        json!({"action": "ADD", "epcList": [sgtin(2)]}),
    );
    second["eventID"] = first["eventID"].clone();
    assert_eq!(
        code(c.capture("pharmaco", &second)),
        "medicines.duplicate_event"
    );
    // Another party cannot block pharmaco's event by capturing a copy of
    // it, or its eventID, first: duplicates are judged per party.
    let mut invoice = event(
        &c,
        "TransactionEvent",
        json!({"action": "ADD", "epcList": [sgtin(1)],
               "bizTransactionList": [{"type": "inv", "bizTransaction": "urn:epcglobal:cbv:bt:0614141000005:INV1"}],
               "eventID": "urn:uuid:5e4e2b1c-1b7c-4d1e-9a1e-000000000002"}),
    );
    c.capture("distrib", &invoice).unwrap();
    c.w.c.time_ms -= 1_000;
    c.capture("pharmaco", &invoice).unwrap();
    c.w.c.time_ms -= 1_000;
    assert_eq!(
        code(c.capture("pharmaco", &invoice)),
        "medicines.duplicate_event"
    );
    invoice["eventTime"] = json!(publica_medicines::hash::format_time(c.w.c.time_ms));
    assert_eq!(
        code(c.capture("distrib", &invoice)),
        "medicines.duplicate_event"
    );
}

#[test]
fn a_batch_captures_each_event_or_refuses_it_alone() {
    let mut c = chain();
    let one = |c: &Chain, n: u32| {
        event(
            c,
            "ObjectEvent",
            json!({"action": "ADD", "epcList": [sgtin(n)]}),
        )
    };
    let (a, b) = (one(&c, 10), one(&c, 11));
    let foreign = event(
        &c,
        "ObjectEvent",
        json!({"action": "ADD", "epcList": ["urn:epc:id:sgtin:4012345.011111.9"]}),
    );
    let kp = Keypair::from_seed(c.pharmaco.seed());
    c.w.c
        .call(
            &kp,
            "medicines",
            "capture_batch",
            json!({"events": [a, a, foreign, b]}),
        )
        .unwrap();
    let outcome = &c.w.c.blocks.last().unwrap().outcomes[0];
    let kinds: Vec<(&str, Option<&str>)> = outcome
        .events
        .iter()
        .map(|e| (e.kind.as_str(), e.data["code"].as_str()))
        .collect();
    assert_eq!(
        kinds,
        [
            ("captured", None),
            ("capture_refused", Some("medicines.duplicate_event")),
            ("capture_refused", Some("medicines.not_your_prefix")),
            ("captured", None)
        ]
    );
    assert_eq!(outcome.events[2].data["index"], 2);
    assert!(c.verify(&sgtin(10)).authentic && c.verify(&sgtin(11)).authentic);
    assert_eq!(
        code(
            c.w.c
                .call(&kp, "medicines", "capture_batch", json!({"events": []}))
        ),
        "medicines.invalid_event"
    );
    c.w.c.check_replay();
}
