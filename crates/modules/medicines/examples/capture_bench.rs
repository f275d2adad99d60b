//! EPCIS events captured per second in process, on one core, signatures
//! excluded (admission verifies them on other threads): the runtime runs
//! blocks of `medicines.capture` calls — each commissioning one pack — by
//! a manufacturer's 64 capturing accounts and computes the state root
//! after each block, as the node does.
//!
//! ```sh
//! cargo run --release -p publica-medicines --example capture_bench -- 200000
//! ```
//! Arguments: events, events per block (default 10000).

use publica_crypto::tx_id;
use publica_identity::{Genesis, GenesisAgency, Identity};
use publica_medicines::Medicines;
use publica_runtime::{BlockEnv, Runtime};
use publica_types::{
    AccountId, Call, Envelope, Expiry, SignatureBytes, TxBody, TxStatus, VerifiedTx,
};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

// The node's allocator, so that allocation costs are the node's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const T0: u64 = 1_800_000_000_000;

fn tx(signer: AccountId, nonce: u64, method: &str, module: &str, args: Value) -> VerifiedTx {
    let body = TxBody {
        chain_id: "b".into(),
        nonce,
        expiry: Expiry::Height(1 << 40),
        call: Call {
            module: module.into(),
            method: method.into(),
            args,
        },
    };
    let signing_bytes = body.signing_bytes().expect("canonical");
    // The runtime does not re-verify signatures of unrotated accounts:
    // admission did. A zero signature keeps signing out of the measurement.
    VerifiedTx {
        id: tx_id(&signer, &signing_bytes),
        envelope: Envelope {
            body,
            signer,
            signature: SignatureBytes([0; 64]),
        },
        signing_bytes,
    }
}

fn account(i: usize) -> AccountId {
    publica_crypto::Keypair::from_seed(
        *publica_crypto::sha256(format!("capturer {i}").as_bytes()).as_bytes(),
    )
    .account()
}

fn main() {
    if std::env::args().nth(1).as_deref() == Some("parts") {
        parts();
        return;
    }
    let args: Vec<u64> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let events = args.first().copied().unwrap_or(200_000);
    let per_block = args.get(1).copied().unwrap_or(10_000);
    let admin = account(10_000);
    let genesis = Genesis {
        version: 1,
        chain_id: "b".into(),
        agencies: vec![GenesisAgency {
            id: "health".into(),
            name: "Health".into(),
            administrators: vec![admin],
            policy_threshold: 1,
        }],
        governance: publica_identity::genesis::GenesisGovernance {
            create_agency_threshold: 1,
        },
        validators: None,
    };
    let mut rt = Runtime::new();
    rt.register(Box::new(Identity));
    rt.register(Box::new(Medicines));
    let mut state = genesis.initial_state();
    let capturers: Vec<AccountId> = (0..64).map(account).collect();
    let setup = vec![
        tx(
            admin,
            1,
            "add_member",
            "identity",
            json!({"agency": "health", "account": admin, "roles": ["regulator"]}),
        ),
        tx(
            admin,
            2,
            "register_party",
            "medicines",
            json!({"agency": "health", "id": "maker", "name": "Maker",
            "kind": "manufacturer", "company_prefixes": ["7000000001"], "glns": ["7000000001000"],
            "accounts": capturers}),
        ),
    ];
    let mut height = 1;
    let env = |height: u64| BlockEnv {
        chain_id: "b".into(),
        height,
        time_ms: T0 + height,
    };
    let outs = rt.execute_block(&mut state, &env(height), &setup).outcomes;
    assert!(outs.iter().all(|o| o.status == TxStatus::Ok), "{outs:?}");
    let mut nonces = vec![0u64; 64];
    let time = "2027-01-15T08:00:00.500Z";
    let mut busy = Duration::ZERO;
    let mut done = 0;
    while done < events {
        let n = per_block.min(events - done);
        let txs: Vec<VerifiedTx> = (done..done + n)
            .map(|k| {
                let i = usize::try_from(k % 64).unwrap_or(0);
                nonces[i] += 1;
                let event = json!({"type": "ObjectEvent", "eventTime": time, "eventTimeZoneOffset": "+00:00",
                    "action": "ADD", "bizStep": "commissioning", "disposition": "active",
                    "epcList": [format!("urn:epc:id:sgtin:7000000001.001.S{k}")],
                    "bizLocation": {"id": "urn:epc:id:sgln:7000000001.00.0"},
                    "@context": [{"cbvmda": "urn:epcglobal:cbv:mda:"}],
                    "ilmd": {"cbvmda:lotNumber": "L1", "cbvmda:itemExpirationDate": "2099-12-31"}});
                tx(capturers[i], nonces[i], "capture", "medicines", json!({ "event": event }))
            })
            .collect();
        height += 1;
        let t = Instant::now();
        let outs = rt.execute_block(&mut state, &env(height), &txs).outcomes;
        state.root();
        busy += t.elapsed();
        assert!(
            outs.iter().all(|o| o.status == TxStatus::Ok),
            "{:?}",
            outs.iter().find(|o| o.status != TxStatus::Ok)
        );
        done += n;
    }
    println!(
        "{events} events in blocks of {per_block}: {:.2} s executing, {:.0} events/s ({:.1} µs each)",
        busy.as_secs_f64(),
        events as f64 / busy.as_secs_f64(),
        busy.as_secs_f64() * 1e6 / events as f64
    );
}

/// Times the parts of one capture on its own (`capture_bench parts`).
fn parts() {
    let event = json!({"type": "ObjectEvent", "eventTime": "2027-01-15T08:00:00.500Z", "eventTimeZoneOffset": "+00:00",
        "action": "ADD", "bizStep": "commissioning", "disposition": "active",
        "epcList": ["urn:epc:id:sgtin:7000000001.001.S1"],
        "bizLocation": {"id": "urn:epc:id:sgln:7000000001.00.0"},
        "@context": [{"cbvmda": "urn:epcglobal:cbv:mda:"}],
        "ilmd": {"cbvmda:lotNumber": "L1", "cbvmda:itemExpirationDate": "2099-12-31"}});
    let text = serde_json::to_vec(&json!({ "event": event })).unwrap();
    let n = 100_000;
    let time = |what: &str, f: &mut dyn FnMut()| {
        let t = Instant::now();
        for _ in 0..n {
            f();
        }
        println!(
            "{what}: {:.2} µs",
            t.elapsed().as_secs_f64() * 1e6 / f64::from(n)
        );
    };
    time("args from JSON", &mut || {
        let _: Value = serde_json::from_slice(&text).unwrap();
    });
    time("epcis::read", &mut || {
        publica_medicines::epcis::read(&event).unwrap();
    });
    time("event hash", &mut || {
        publica_medicines::hash::event_hash(&event).unwrap();
    });
    time("event to JSON", &mut || {
        serde_json::to_vec(&event).unwrap();
    });
    let party = serde_json::to_vec(
        &json!({"id": "maker", "name": "Maker", "kind": "manufacturer",
        "regulator": "health", "company_prefixes": ["7000000001"], "glns": ["7000000001000"],
        "accounts": (0..64).map(account).collect::<Vec<_>>(), "licence": "active",
        "intervals": [{"from_ms": 1}], "height": 2}),
    )
    .unwrap();
    time("party from JSON (64 accounts)", &mut || {
        let _: publica_medicines::model::Party = serde_json::from_slice(&party).unwrap();
    });
}
