//! Identity flows through the real runtime: each call is a signed
//! transaction in its own block, and the blocks replay from genesis to the
//! same roots at the end of every test.
#![allow(
    clippy::too_many_lines,
    reason = "a scenario test reads top to bottom as one story"
)]

use publica_crypto::Keypair;
use publica_identity::recovery::key_proof_message;
use publica_identity::{Genesis, GenesisAgency, Identity};
use publica_runtime::authz::{current_key, has_role, Role};
use publica_runtime::testkit::{Rejected, TestChain};
use publica_runtime::Runtime;
use publica_types::AccountId;
use serde_json::{json, Value};

const CHAIN: &str = publica_runtime::testkit::TEST_CHAIN;

/// The runtime's test chain, calling `identity`.
struct Chain(TestChain);

impl Chain {
    fn new(genesis: Genesis) -> Chain {
        let mut rt = Runtime::new();
        rt.register(Box::new(Identity));
        Chain(TestChain::new(rt, genesis.initial_state()))
    }

    fn call_as(
        &mut self,
        account: AccountId,
        key: &Keypair,
        method: &str,
        args: Value,
    ) -> Result<(), Rejected> {
        self.0.call_as(account, key, "identity", method, args)
    }

    fn call(&mut self, key: &Keypair, method: &str, args: Value) -> Result<(), Rejected> {
        self.0.call(key, "identity", method, args)
    }

    fn idle(&mut self, blocks: u64) {
        self.0.idle(blocks);
    }

    fn get(&self, key: &str) -> Option<Value> {
        self.0.get(key)
    }

    fn check_replay(&self) {
        self.0.check_replay();
    }
}

fn keys(n: usize) -> Vec<Keypair> {
    (0..n).map(|_| Keypair::generate()).collect()
}

fn two_agencies(a: &[&Keypair], b: &[&Keypair], a_threshold: u32, gov: u32) -> Genesis {
    Genesis {
        version: 1,
        chain_id: CHAIN.into(),
        agencies: vec![
            GenesisAgency {
                id: "city".into(),
                name: "City".into(),
                administrators: a.iter().map(|k| k.account()).collect(),
                policy_threshold: a_threshold,
            },
            GenesisAgency {
                id: "ministry".into(),
                name: "Ministry".into(),
                administrators: b.iter().map(|k| k.account()).collect(),
                policy_threshold: 1,
            },
        ],
        governance: publica_identity::genesis::GenesisGovernance {
            create_agency_threshold: gov,
        },
        validators: None,
    }
}

#[test]
fn members_and_roles_are_administered_by_administrators() {
    let k = keys(4);
    let (admin, other_admin, clerk, stranger) = (&k[0], &k[1], &k[2], &k[3]);
    let mut c = Chain::new(two_agencies(&[admin], &[other_admin], 1, 1));
    let acct = |kp: &Keypair| json!(kp.account());
    assert_eq!(
        c.call(
            admin,
            "add_member",
            json!({"agency": "city", "account": acct(clerk), "roles": ["treasurer", "auditor"]})
        ),
        Ok(())
    );
    assert!(has_role(
        &c.0.state,
        "city",
        &clerk.account(),
        Role::Treasurer
    ));
    assert!(
        !has_role(&c.0.state, "ministry", &clerk.account(), Role::Treasurer),
        "roles are scoped to their agency"
    );
    // Not an administrator of this agency, or not at all.
    assert_eq!(
        c.call(
            other_admin,
            "grant_role",
            json!({"agency": "city", "account": acct(stranger), "role": "issuer"})
        ),
        Err("auth.unauthorized".into())
    );
    assert_eq!(
        c.call(
            clerk,
            "grant_role",
            json!({"agency": "city", "account": acct(stranger), "role": "issuer"})
        ),
        Err("auth.unauthorized".into())
    );
    assert_eq!(
        c.call(
            admin,
            "grant_role",
            json!({"agency": "nowhere", "account": acct(stranger), "role": "issuer"})
        ),
        Err("auth.unknown_agency".into())
    );
    assert_eq!(
        c.call(
            admin,
            "grant_role",
            json!({"agency": "city", "account": acct(stranger), "role": "mayor"})
        ),
        Err("call.invalid_args".into())
    );
    assert_eq!(
        c.call(
            admin,
            "grant_role",
            json!({"agency": "city", "account": acct(stranger), "role": "administrator"})
        ),
        Err("identity.needs_proposal".into())
    );
    assert_eq!(
        c.call(
            admin,
            "revoke_role",
            json!({"agency": "city", "account": acct(clerk), "role": "issuer"})
        ),
        Err("identity.role_not_held".into())
    );
    assert_eq!(
        c.call(
            admin,
            "revoke_role",
            json!({"agency": "city", "account": acct(clerk), "role": "treasurer"})
        ),
        Ok(())
    );
    assert!(!has_role(
        &c.0.state,
        "city",
        &clerk.account(),
        Role::Treasurer
    ));
    assert!(has_role(
        &c.0.state,
        "city",
        &clerk.account(),
        Role::Auditor
    ));
    assert_eq!(
        c.call(
            admin,
            "remove_member",
            json!({"agency": "city", "account": acct(clerk)})
        ),
        Ok(())
    );
    assert_eq!(
        c.call(
            admin,
            "remove_member",
            json!({"agency": "city", "account": acct(clerk)})
        ),
        Err("identity.not_member".into())
    );
    assert_eq!(
        c.call(
            admin,
            "remove_member",
            json!({"agency": "city", "account": acct(admin)})
        ),
        Err("identity.needs_proposal".into())
    );
    assert_eq!(
        c.call(admin, "no_such", json!({})),
        Err("call.unknown_method".into())
    );
    c.check_replay();
}

#[test]
fn proposals_need_their_threshold_and_expire() {
    let k = keys(5);
    let (a1, a2, b1, newcomer, stranger) = (&k[0], &k[1], &k[2], &k[3], &k[4]);
    // Two agencies must approve a new agency; the city needs 2 of its 2
    // administrators for its own sensitive acts.
    let mut c = Chain::new(two_agencies(&[a1, a2], &[b1], 2, 2));
    let create = json!({"kind": "create_agency", "id": "schools", "name": "Schools", "administrators": [newcomer.account()], "policy_threshold": 1});
    assert_eq!(
        c.call(
            stranger,
            "propose",
            json!({"as_agency": "city", "action": create})
        ),
        Err("auth.unauthorized".into())
    );
    assert_eq!(
        c.call(
            a1,
            "propose",
            json!({"as_agency": "city", "action": create})
        ),
        Ok(())
    );
    assert_eq!(
        c.get("identity/proposal/00000000000000000001").unwrap()["status"],
        "pending"
    );
    assert!(
        c.get("identity/agency/schools").is_none(),
        "not before the threshold"
    );
    // One approval per agency for chain-wide acts.
    assert_eq!(
        c.call(a2, "approve", json!({"as_agency": "city", "proposal": 1})),
        Err("identity.already_approved".into())
    );
    assert_eq!(
        c.call(a1, "execute", json!({"proposal": 1})),
        Err("identity.threshold_not_met".into())
    );
    assert_eq!(
        c.call(
            b1,
            "approve",
            json!({"as_agency": "ministry", "proposal": 1})
        ),
        Ok(())
    );
    let p = c.get("identity/proposal/00000000000000000001").unwrap();
    assert_eq!(p["status"], "executed");
    assert_eq!(
        p["approvals"].as_array().unwrap().len(),
        2,
        "approvals stay visible"
    );
    assert!(has_role(
        &c.0.state,
        "schools",
        &newcomer.account(),
        Role::Administrator
    ));
    assert_eq!(
        c.call(
            b1,
            "approve",
            json!({"as_agency": "ministry", "proposal": 1})
        ),
        Err("identity.proposal_closed".into())
    );
    assert_eq!(
        c.call(b1, "execute", json!({"proposal": 1})),
        Err("identity.proposal_closed".into())
    );
    assert_eq!(
        c.call(
            b1,
            "approve",
            json!({"as_agency": "ministry", "proposal": 99})
        ),
        Err("identity.unknown_proposal".into())
    );

    // The city's own act: only city administrators, two of them.
    let grant =
        json!({"kind": "grant_administrator", "agency": "city", "account": stranger.account()});
    assert_eq!(
        c.call(
            b1,
            "propose",
            json!({"as_agency": "ministry", "action": grant})
        ),
        Err("identity.not_approver".into())
    );
    assert_eq!(
        c.call(
            a1,
            "propose",
            json!({"as_agency": "city", "action": grant, "expires_in_blocks": 2})
        ),
        Ok(())
    );
    assert_eq!(
        c.call(
            b1,
            "approve",
            json!({"as_agency": "ministry", "proposal": 2})
        ),
        Err("identity.not_approver".into())
    );
    c.idle(3);
    assert_eq!(
        c.call(a2, "approve", json!({"as_agency": "city", "proposal": 2})),
        Err("identity.proposal_expired".into())
    );
    assert_eq!(
        c.call(a2, "execute", json!({"proposal": 2})),
        Err("identity.proposal_expired".into())
    );
    assert!(!has_role(
        &c.0.state,
        "city",
        &stranger.account(),
        Role::Administrator
    ));
    assert_eq!(
        c.call(a1, "propose", json!({"as_agency": "city", "action": grant})),
        Ok(())
    );
    assert_eq!(
        c.call(a2, "approve", json!({"as_agency": "city", "proposal": 3})),
        Ok(())
    );
    assert!(has_role(
        &c.0.state,
        "city",
        &stranger.account(),
        Role::Administrator
    ));
    // A proposal that cannot be carried out is refused up front.
    let bad = json!({"kind": "set_policy", "agency": "city", "threshold": 9});
    assert_eq!(
        c.call(a1, "propose", json!({"as_agency": "city", "action": bad})),
        Err("identity.invalid_threshold".into())
    );
    c.check_replay();
}

fn proof(account: &AccountId, new: &Keypair) -> String {
    new.sign(&key_proof_message(CHAIN, account, &new.account()))
        .to_hex()
}

#[test]
fn rotation_moves_signing_to_the_new_key() {
    let k = keys(4);
    let (admin, owner, new, wrong) = (&k[0], &k[1], &k[2], &k[3]);
    let mut c = Chain::new(two_agencies(&[admin], &[wrong], 1, 1));
    let me = owner.account();
    assert_eq!(
        c.call(
            owner,
            "rotate_key",
            json!({"new_key": new.account(), "proof": proof(&me, wrong)})
        ),
        Err("identity.bad_key_proof".into())
    );
    assert_eq!(
        c.call(
            owner,
            "rotate_key",
            json!({"new_key": new.account(), "proof": proof(&me, new)})
        ),
        Ok(())
    );
    assert_eq!(current_key(&c.0.state, &me), new.account());
    // The old key no longer signs for the account; the new one does.
    let g = json!({"guardians": [admin.account()], "threshold": 1, "delay_blocks": 5});
    assert_eq!(
        c.call_as(me, owner, "set_guardians", g.clone()),
        Err("tx.bad_signature".into())
    );
    assert_eq!(c.call_as(me, new, "set_guardians", g), Ok(()));
    assert_eq!(
        c.call_as(
            me,
            new,
            "rotate_key",
            json!({"new_key": new.account(), "proof": proof(&me, new)})
        ),
        Err("identity.same_key".into())
    );
    let doc = publica_identity::did::resolve(&c.0.state, &format!("did:publica:{me}")).unwrap();
    assert_eq!(
        doc["didDocument"]["verificationMethod"][0]["publicKeyMultibase"],
        publica_identity::did::multikey(&new.account())
    );
    let hist = doc["didDocumentMetadata"]["keyHistory"].as_array().unwrap();
    assert_eq!(hist.len(), 2);
    assert_eq!(hist[0]["untilHeight"], json!(2));
    c.check_replay();
}

#[test]
fn guardians_recover_a_lost_key_unless_the_owner_vetoes() {
    let k = keys(6);
    let (admin, owner, g1, g2, g3, new) = (&k[0], &k[1], &k[2], &k[3], &k[4], &k[5]);
    let mut c = Chain::new(two_agencies(&[admin], &[g3], 1, 1));
    let me = owner.account();
    let acct = json!(me);
    assert_eq!(
        c.call(
            owner,
            "set_guardians",
            json!({"guardians": [me], "threshold": 1, "delay_blocks": 3})
        ),
        Err("identity.invalid_guardians".into())
    );
    assert_eq!(c.call(owner, "set_guardians", json!({"guardians": [g1.account(), g2.account(), g3.account()], "threshold": 4, "delay_blocks": 3})), Err("identity.invalid_threshold".into()));
    assert_eq!(c.call(owner, "set_guardians", json!({"guardians": [g1.account(), g2.account(), g3.account()], "threshold": 2, "delay_blocks": 3})), Ok(()));
    let start = json!({"account": acct, "new_key": new.account(), "proof": proof(&me, new)});
    assert_eq!(
        c.call(admin, "start_recovery", start.clone()),
        Err("identity.not_guardian".into())
    );
    assert_eq!(c.call(g1, "start_recovery", start.clone()), Ok(()));
    assert_eq!(
        c.call(g2, "start_recovery", start.clone()),
        Err("identity.recovery_active".into())
    );
    assert_eq!(
        c.call(g1, "finish_recovery", json!({"account": acct})),
        Err("identity.threshold_not_met".into())
    );
    assert_eq!(
        c.call(g1, "approve_recovery", json!({"account": acct})),
        Err("identity.already_approved".into())
    );
    assert_eq!(
        c.call(g2, "approve_recovery", json!({"account": acct})),
        Ok(())
    );
    assert_eq!(
        c.call(g2, "finish_recovery", json!({"account": acct})),
        Err("identity.recovery_delay".into())
    );
    // The owner still has the key: veto in time.
    assert_eq!(c.call(owner, "veto_recovery", json!({})), Ok(()));
    assert_eq!(
        c.call(g2, "finish_recovery", json!({"account": acct})),
        Err("identity.no_recovery".into())
    );
    assert_eq!(current_key(&c.0.state, &me), me);
    // The key really is lost this time: no veto.
    assert_eq!(c.call(g3, "start_recovery", start), Ok(()));
    assert_eq!(
        c.call(g1, "approve_recovery", json!({"account": acct})),
        Ok(())
    );
    c.idle(3);
    assert_eq!(
        c.call(g1, "finish_recovery", json!({"account": acct})),
        Ok(())
    );
    assert_eq!(current_key(&c.0.state, &me), new.account());
    assert_eq!(
        c.call(owner, "veto_recovery", json!({})),
        Err("tx.bad_signature".into())
    );
    c.check_replay();
}

/// A validator entry as governance names it.
fn validator(i: u8) -> Value {
    let cosigner =
        publica_log::Cosigner::new(&format!("v{i}.example"), Keypair::from_seed([0x90 + i; 32]))
            .unwrap();
    json!({
        "name": format!("v{i}"),
        "consensus_key": Keypair::from_seed([0xa0 + i; 32]).account(),
        "cosigner_key": cosigner.key().to_vkey(),
        "address": format!("127.0.0.1:{}", 26_000 + u16::from(i)),
    })
}

#[test]
fn validator_sets_change_by_governance_from_the_next_epoch() {
    let k = keys(3);
    let (a, b, stranger) = (&k[0], &k[1], &k[2]);
    // A single-node chain has no set to change.
    let mut dev = Chain::new(two_agencies(&[a], &[b], 1, 1));
    assert_eq!(
        dev.call(
            a,
            "propose",
            json!({"as_agency": "city", "action": {"kind": "add_validator", "validator": validator(5)}})
        ),
        Err("identity.no_validator_set".into())
    );
    // A network: four validators, epochs of 4 heights, both agencies
    // approve chain-wide acts.
    let mut g = two_agencies(&[a], &[b], 1, 2);
    g.validators = Some(publica_identity::genesis::GenesisValidators {
        epoch_blocks: 4,
        set: (0..4)
            .map(|i| serde_json::from_value(validator(i)).unwrap())
            .collect(),
    });
    g.validate().unwrap();
    let mut c = Chain::new(g);
    let sets = |c: &Chain| c.get("identity/validators").unwrap();
    let propose = |c: &mut Chain, action: Value| {
        c.call(a, "propose", json!({"as_agency": "city", "action": action}))
    };
    // Bad entries are refused when proposed.
    let mut dup = validator(7);
    dup["address"] = validator(1)["address"].clone();
    let mut bad_key = validator(7);
    bad_key["consensus_key"] = json!("00".repeat(32));
    for (action, code) in [
        (
            json!({"kind": "add_validator", "validator": validator(2)}),
            "identity.invalid_validator",
        ),
        (
            json!({"kind": "add_validator", "validator": dup}),
            "identity.invalid_validator",
        ),
        (
            json!({"kind": "add_validator", "validator": bad_key}),
            "identity.invalid_validator",
        ),
        (
            json!({"kind": "remove_validator", "name": "v9"}),
            "identity.unknown_validator",
        ),
    ] {
        assert_eq!(propose(&mut c, action), Err(code.into()));
    }
    assert_eq!(
        c.call(
            stranger,
            "propose",
            json!({"as_agency": "city", "action": {"kind": "remove_validator", "name": "v0"}})
        ),
        Err("auth.unauthorized".into())
    );
    // Proposed, then approved by the ministry: executed at that height,
    // the set changes from the next epoch's first height.
    assert_eq!(
        propose(
            &mut c,
            json!({"kind": "add_validator", "validator": validator(4)})
        ),
        Ok(())
    );
    assert_eq!(sets(&c)["epochs"].as_array().unwrap().len(), 1, "not yet");
    assert_eq!(
        c.call(
            b,
            "approve",
            json!({"as_agency": "ministry", "proposal": 1})
        ),
        Ok(())
    );
    let executed_at = c.0.height();
    let s = sets(&c);
    let next = &s["epochs"][1];
    assert_eq!(next["epoch"], executed_at / 4 + 1);
    assert_eq!(next["first_height"], (executed_at / 4 + 1) * 4);
    assert_eq!(next["validators"].as_array().unwrap().len(), 5);
    assert_eq!(s["epochs"][0]["validators"].as_array().unwrap().len(), 4);
    // A second change builds on the first (in the same epoch it amends
    // that entry).
    assert_eq!(
        propose(&mut c, json!({"kind": "remove_validator", "name": "v0"})),
        Ok(())
    );
    assert_eq!(
        c.call(
            b,
            "approve",
            json!({"as_agency": "ministry", "proposal": 2})
        ),
        Ok(())
    );
    let s = sets(&c);
    if c.0.height() / 4 == executed_at / 4 {
        assert_eq!(s["epochs"].as_array().unwrap().len(), 2);
    }
    let last = s["epochs"].as_array().unwrap().last().unwrap().clone();
    let names: Vec<&str> = last["validators"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["v1", "v2", "v3", "v4"]);
    c.check_replay();
}

/// Keys anyone can sign for (small order) or that alias another key (not
/// canonical) never enter as a member, administrator, guardian or new key.
#[test]
fn weak_keys_enter_nowhere() {
    let k = keys(3);
    let (admin, other, owner) = (&k[0], &k[1], &k[2]);
    let mut c = Chain::new(two_agencies(&[admin], &[other], 1, 1));
    let mut identity = [0u8; 32];
    identity[0] = 1;
    let mut p_plus_one = [0xffu8; 32];
    p_plus_one[0] = 0xee;
    p_plus_one[31] = 0x7f;
    for weak in [
        AccountId([0; 32]),
        AccountId(identity),
        AccountId(p_plus_one),
    ] {
        let bad = Err(Rejected::from("call.invalid_args"));
        assert_eq!(
            c.call(
                admin,
                "add_member",
                json!({"agency": "city", "account": weak, "roles": ["treasurer"]})
            ),
            bad
        );
        assert_eq!(
            c.call(
                owner,
                "rotate_key",
                json!({"new_key": weak, "proof": "00".repeat(64)})
            ),
            bad
        );
        assert_eq!(
            c.call(
                owner,
                "set_guardians",
                json!({"guardians": [admin.account(), weak], "threshold": 1, "delay_blocks": 10})
            ),
            bad
        );
        for action in [
            json!({"kind": "create_agency", "id": "weak", "name": "Weak", "administrators": [weak], "policy_threshold": 1}),
            json!({"kind": "grant_administrator", "agency": "city", "account": weak}),
        ] {
            assert_eq!(
                c.call(
                    admin,
                    "propose",
                    json!({"as_agency": "city", "action": action})
                ),
                bad
            );
        }
        assert!(!has_role(&c.0.state, "city", &weak, Role::Treasurer));
    }
    assert_eq!(current_key(&c.0.state, &owner.account()), owner.account());
    c.0.check_replay();
}
