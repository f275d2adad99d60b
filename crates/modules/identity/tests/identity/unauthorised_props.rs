//! Property test: over random sequences of identity calls from random
//! signers, a call that lacks the required role or approvals never changes
//! state (beyond its signer's nonce), and no proposal is ever executed with
//! fewer approvals than its threshold.

use proptest::prelude::*;
use publica_crypto::{tx_id, Keypair};
use publica_identity::{Genesis, GenesisAgency, Identity};
use publica_runtime::authz::{has_role, Role};
use publica_runtime::nonce::{committed_nonce, nonce_key};
use publica_runtime::{BlockEnv, Runtime};
use publica_state::StateTree;
use publica_types::{Call, Envelope, Expiry, TxBody, TxStatus, VerifiedTx};
use serde_json::{json, Value};

const AGENCIES: [&str; 3] = ["a", "b", "nowhere"];
const ROLES: [&str; 3] = ["treasurer", "administrator", "issuer"];

fn entries(s: &StateTree) -> Vec<(Vec<u8>, Vec<u8>)> {
    s.sorted_entries()
}

#[derive(Debug, Clone)]
struct Op {
    signer: usize,
    method: u8,
    agency: usize,
    target: usize,
    role: usize,
    proposal: u64,
}

fn op() -> impl Strategy<Value = Op> {
    (0usize..5, 0u8..7, 0usize..3, 0usize..5, 0usize..3, 1u64..4).prop_map(
        |(signer, method, agency, target, role, proposal)| Op {
            signer,
            method,
            agency,
            target,
            role,
            proposal,
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, .. ProptestConfig::default() })]
    #[test]
    fn unauthorised_calls_change_nothing(ops in proptest::collection::vec(op(), 1..40)) {
        let k: Vec<Keypair> = (0..5u8).map(|i| Keypair::from_seed([i + 1; 32])).collect();
        // Agency a: admins 0 and 1, threshold 2. Agency b: admin 2. Two
        // agencies must approve chain-wide acts. Signers 3 and 4 start with
        // no role at all.
        let genesis = Genesis {
            version: 1,
            chain_id: "t".into(),
            agencies: vec![
                GenesisAgency { id: "a".into(), name: "A".into(), administrators: vec![k[0].account(), k[1].account()], policy_threshold: 2 },
                GenesisAgency { id: "b".into(), name: "B".into(), administrators: vec![k[2].account()], policy_threshold: 1 },
            ],
            governance: publica_identity::genesis::GenesisGovernance { create_agency_threshold: 2 },
            validators: None,
        };
        let mut state = genesis.initial_state();
        let mut rt = Runtime::new();
        rt.register(Box::new(Identity));
        for (h, o) in ops.iter().enumerate() {
            let height = h as u64 + 1;
            let signer = &k[o.signer];
            let agency = AGENCIES[o.agency];
            let target = k[o.target].account();
            let (method, args): (&str, Value) = match o.method {
                0 => ("add_member", json!({"agency": agency, "account": target, "roles": [ROLES[o.role]]})),
                1 => ("grant_role", json!({"agency": agency, "account": target, "role": ROLES[o.role]})),
                2 => ("revoke_role", json!({"agency": agency, "account": target, "role": ROLES[o.role]})),
                3 => ("propose", json!({"as_agency": agency, "action": {"kind": "grant_administrator", "agency": AGENCIES[o.role % 2], "account": target}})),
                4 => ("propose", json!({"as_agency": agency, "action": {"kind": "create_agency", "id": format!("n{h}"), "name": "N", "administrators": [target], "policy_threshold": 1}})),
                5 => ("approve", json!({"as_agency": agency, "proposal": o.proposal})),
                _ => ("remove_member", json!({"agency": agency, "account": target})),
            };
            // Authority as it stood before the call.
            let was_admin = has_role(&state, agency, &signer.account(), Role::Administrator);
            let before = entries(&state);
            let body = TxBody {
                chain_id: "t".into(),
                nonce: committed_nonce(&state, &signer.account()) + 1,
                expiry: Expiry::Height(1 << 40),
                call: Call { module: "identity".into(), method: method.into(), args },
            };
            let bytes = body.signing_bytes().unwrap();
            let tx = VerifiedTx { id: tx_id(&signer.account(), &bytes), envelope: Envelope { signature: signer.sign(&bytes), signer: signer.account(), body }, signing_bytes: bytes };
            let env = BlockEnv { chain_id: "t".into(), height, time_ms: height };
            let out = rt.execute_block(&mut state, &env, std::slice::from_ref(&tx)).outcomes.pop().unwrap();
            if out.status == TxStatus::Ok {
                // Every identity call here needs the administrator role in the
                // agency it names.
                prop_assert!(was_admin, "{} by a non-administrator of {} succeeded", method, agency);
            } else {
                let nk = nonce_key(&signer.account());
                let strip = |v: Vec<(Vec<u8>, Vec<u8>)>| v.into_iter().filter(|(k, _)| *k != nk).collect::<Vec<_>>();
                prop_assert_eq!(strip(before), strip(entries(&state)), "failed {} changed state", method);
            }
            // No proposal ever executes below its threshold.
            for (_, v) in state.scan_prefix(b"identity/proposal/", 1000) {
                let p: Value = serde_json::from_slice(&v).unwrap();
                if p["status"] == "executed" {
                    prop_assert!(p["approvals"].as_array().unwrap().len() as u64 >= p["threshold"].as_u64().unwrap());
                }
            }
        }
    }
}
