//! Property: no access is let through — and no key is releasable — without
//! a consent of the subject in force at that height and time that covers
//! the reader, the purpose and the record's type, or a clinician's
//! break-glass; and every attempt is logged. Checked against a model of
//! the consents written here, over random histories of grants,
//! revocations, time passing and reads.

use crate::lifecycle::{kp, world};
use proptest::prelude::*;
use publica_records::queries;
use serde_json::json;

#[derive(Debug, Clone)]
enum Op {
    Grant {
        id: u8,
        to_agency: bool,
        purpose: u8,
        types: u8,
        lasts_s: u64,
    },
    Revoke(u8),
    Wait(u64),
    Read {
        reader: u8,
        record: u8,
        purpose: u8,
        for_agency: bool,
        emergency: bool,
    },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0u8..4, any::<bool>(), 0u8..3, 0u8..4, 1u64..600).prop_map(
            |(id, to_agency, purpose, types, lasts_s)| Op::Grant {
                id,
                to_agency,
                purpose,
                types,
                lasts_s
            }
        ),
        (0u8..4).prop_map(Op::Revoke),
        (1u64..300).prop_map(Op::Wait),
        (
            0u8..3,
            0u8..2,
            0u8..3,
            any::<bool>(),
            prop::bool::weighted(0.15)
        )
            .prop_map(
                |(reader, record, purpose, for_agency, emergency)| Op::Read {
                    reader,
                    record,
                    purpose,
                    for_agency,
                    emergency
                }
            ),
    ]
}

const PURPOSES: [&str; 3] = ["treatment", "insurance_claim", "research"];
const TYPES: [&str; 2] = ["Observation", "Condition"];

/// A consent as the model keeps it.
#[derive(Debug, Clone)]
struct M {
    id: u8,
    to_agency: bool,
    purpose: u8,
    /// Bit i: covers TYPES[i]; 0: all.
    types: u8,
    expires_ms: u64,
    revoked: bool,
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn reads_are_let_through_only_on_a_live_covering_consent_or_break_glass(ops in prop::collection::vec(op(), 1..40)) {
        let mut w = world();
        let records = [w.register(1, TYPES[0]), w.register(2, TYPES[1])];
        // Readers: the hospital's clinician, its privacy officer, a stranger.
        let readers = [kp(&w.doctor), kp(&w.officer), kp(&w.stranger)];
        let patient = kp(&w.patient);
        let mut model: Vec<M> = Vec::new();
        for op in ops {
            match op {
                Op::Grant { id, to_agency, purpose, types, lasts_s } => {
                    let grantee = if to_agency { json!({"agency": "hospital"}) } else { json!({"account": w.doctor.account()}) };
                    let record_types: Vec<&str> = (0..2).filter(|i| types & (1 << i) != 0).map(|i| TYPES[i]).collect();
                    let expires_ms = w.c.time_ms + lasts_s * 1000;
                    let r = w.rec(&patient, "grant", json!({"id": format!("c{id}"), "grantee": grantee,
                        "purpose": PURPOSES[purpose as usize], "record_types": record_types, "expires_ms": expires_ms}));
                    let exists = model.iter().any(|m| m.id == id);
                    prop_assert_eq!(r.is_ok(), !exists);
                    if !exists {
                        model.push(M { id, to_agency, purpose, types: types & 3, expires_ms, revoked: false });
                    }
                }
                Op::Revoke(id) => {
                    let r = w.rec(&patient, "revoke", json!({"id": format!("c{id}")}));
                    let live = model.iter_mut().find(|m| m.id == id && !m.revoked);
                    prop_assert_eq!(r.is_ok(), live.is_some());
                    if let Some(m) = live {
                        m.revoked = true;
                    }
                }
                Op::Wait(s) => w.c.time_ms += s * 1000,
                Op::Read { reader, record, purpose, for_agency, emergency } => {
                    let who = &readers[reader as usize];
                    let mut extra = json!({"purpose": PURPOSES[purpose as usize]});
                    if for_agency {
                        extra["agency"] = json!("hospital");
                    }
                    if emergency {
                        extra["emergency"] = json!("ED-1");
                    }
                    // The block the access lands in has this time.
                    let t = w.c.time_ms;
                    let kind = w.access(who, &records[record as usize], extra);
                    let is_doctor = reader == 0;
                    let covers = |m: &M| {
                        !m.revoked && t < m.expires_ms && m.purpose == purpose
                            && (m.types == 0 || m.types & (1 << record) != 0)
                            && if m.to_agency { for_agency && is_doctor } else { is_doctor }
                    };
                    let expected = if emergency {
                        if is_doctor && for_agency { "emergency" } else { "refused" }
                    } else if model.iter().any(covers) {
                        "consent"
                    } else {
                        "refused"
                    };
                    prop_assert_eq!(kind.as_str(), expected, "model {:?}", model);
                    // The store would release a key exactly for these.
                    let access = w.log().last().unwrap()["access"].as_str().unwrap().to_string();
                    let releasable = queries::releasable(&w.c.state, &access, w.c.height(), t).is_ok();
                    prop_assert_eq!(releasable, expected != "refused");
                }
            }
        }
        w.c.check_replay();
    }
}
