//! Identity through the real binary and HTTP: a dev genesis with its admin
//! key, members and roles, an M-of-N proposal under a custom genesis, key
//! rotation with the CLI, DID resolution, and replay from genesis.
#![allow(
    clippy::too_many_lines,
    reason = "a scenario test reads top to bottom as one story"
)]

use crate::common::{get, receipt, sign, submit, TestNode};
use publica_crypto::{KeyFile, Keypair};
use publica_types::Expiry;
use serde_json::{json, Value};
use std::process::Command;

fn identity_tx(node: &TestNode, kp: &Keypair, nonce: u64, method: &str, args: Value) -> Value {
    let env = sign(
        kp,
        "publica-dev",
        nonce,
        Expiry::Height(1_000_000),
        "identity",
        method,
        args,
    );
    let (s, v) = submit(node, &env);
    assert_eq!(s, 202, "{v}");
    receipt(node, v["tx_id"].as_str().unwrap())
}

fn outcome(r: &Value) -> (String, Option<String>) {
    (
        r["outcome"]["status"].as_str().unwrap().to_string(),
        r["outcome"]["error"]["code"].as_str().map(str::to_string),
    )
}

#[test]
fn dev_genesis_admin_manages_members_and_dids_resolve() {
    let dir = tempfile::tempdir().unwrap();
    let node = TestNode::start_in(dir.path(), &[]);
    let admin = crate::common::dev_admin(dir.path());
    let (_, g) = get(&format!("{}/v1/genesis", node.url));
    assert_eq!(
        g["agencies"][0]["administrators"][0].as_str().unwrap(),
        admin.account().to_hex()
    );

    let clerk = Keypair::generate();
    let r = identity_tx(
        &node,
        &admin,
        1,
        "add_member",
        json!({"agency": "dev-agency", "account": clerk.account(), "roles": ["treasurer"]}),
    );
    assert_eq!(outcome(&r), ("ok".into(), None));
    let r = identity_tx(
        &node,
        &clerk,
        1,
        "add_member",
        json!({"agency": "dev-agency", "account": clerk.account(), "roles": ["issuer"]}),
    );
    assert_eq!(
        outcome(&r),
        ("failed".into(), Some("auth.unauthorized".into()))
    );
    let (s, m) = get(&format!(
        "{}/v1/identity/agencies/dev-agency/members",
        node.url
    ));
    assert_eq!(s, 200);
    let roles: Vec<&Value> = m["members"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| x["account"] == clerk.account().to_hex())
        .collect();
    assert_eq!(roles[0]["roles"], json!(["treasurer"]));
    let (s, v) = get(&format!(
        "{}/v1/identity/agencies/nowhere/members",
        node.url
    ));
    assert_eq!((s, v["code"].as_str()), (404, Some("auth.unknown_agency")));
    let (_, a) = get(&format!("{}/v1/identity/agencies", node.url));
    assert_eq!(a["agencies"][0]["id"], "dev-agency");

    let (s, d) = get(&format!(
        "{}/v1/identity/did/did:publica:dev-agency",
        node.url
    ));
    assert_eq!(s, 200);
    assert_eq!(
        d["didDocument"]["controller"][0],
        format!("did:publica:{}", admin.account())
    );
    let (s, d) = get(&format!(
        "{}/v1/identity/did/did:publica:{}",
        node.url,
        "ab".repeat(32)
    ));
    assert_eq!(
        (s, d["didResolutionMetadata"]["error"].as_str()),
        (404, Some("notFound"))
    );
    let (s, d) = get(&format!("{}/v1/identity/did/did:web:example.com", node.url));
    assert_eq!(
        (s, d["didResolutionMetadata"]["error"].as_str()),
        (400, Some("invalidDid"))
    );

    // One rule for registration: it is needed only to write the account's
    // own record (notes). Roles come from membership, registered or not,
    // and an official's DID resolves either way: the agency's controller
    // (the genesis administrator) and the unregistered treasurer.
    for official in [&admin, &clerk] {
        let (s, d) = get(&format!(
            "{}/v1/identity/did/did:publica:{}",
            node.url,
            official.account()
        ));
        assert_eq!(s, 200, "{d}");
        assert_eq!(
            d["didDocument"]["verificationMethod"][0]["publicKeyMultibase"],
            publica_identity::did::multikey(&official.account())
        );
    }
    let note = crate::common::system_tx(&clerk, 2, "set_note", json!({"note": "hello"}));
    let (s, v) = submit(&node, &note);
    assert_eq!(s, 202, "{v}");
    let r = receipt(&node, v["tx_id"].as_str().unwrap());
    assert_eq!(
        outcome(&r),
        ("failed".into(), Some("auth.account_not_registered".into()))
    );
}

#[test]
fn proposals_under_a_custom_genesis_and_rotation_by_cli_survive_replay() {
    let dir = tempfile::tempdir().unwrap();
    let files = tempfile::tempdir().unwrap();
    let a1 = Keypair::generate();
    let a2 = Keypair::generate();
    let genesis = json!({
        "version": 1,
        "chain_id": "publica-dev",
        "agencies": [{"id": "city", "name": "City", "administrators": [a1.account(), a2.account()], "policy_threshold": 2}],
        "governance": {"create_agency_threshold": 1}
    });
    let gpath = files.path().join("genesis.json");
    std::fs::write(&gpath, genesis.to_string()).unwrap();
    let node = TestNode::start_in(dir.path(), &["--genesis", gpath.to_str().unwrap()]);

    let newcomer = Keypair::generate();
    let grant =
        json!({"kind": "grant_administrator", "agency": "city", "account": newcomer.account()});
    let r = identity_tx(
        &node,
        &a1,
        1,
        "propose",
        json!({"as_agency": "city", "action": grant}),
    );
    assert_eq!(outcome(&r), ("ok".into(), None));
    let (_, p) = get(&format!(
        "{}/v1/identity/proposals?status=pending",
        node.url
    ));
    assert_eq!(p["proposals"].as_array().unwrap().len(), 1);
    let r = identity_tx(
        &node,
        &a1,
        2,
        "approve",
        json!({"as_agency": "city", "proposal": 1}),
    );
    assert_eq!(
        outcome(&r),
        ("failed".into(), Some("identity.already_approved".into()))
    );
    let r = identity_tx(
        &node,
        &a2,
        1,
        "approve",
        json!({"as_agency": "city", "proposal": 1}),
    );
    assert_eq!(outcome(&r), ("ok".into(), None));
    let (_, p) = get(&format!(
        "{}/v1/identity/proposals?status=executed",
        node.url
    ));
    assert_eq!(p["proposals"][0]["approvals"].as_array().unwrap().len(), 2);
    let (s, v) = get(&format!("{}/v1/identity/proposals?status=bogus", node.url));
    assert_eq!(
        (s, v["code"].as_str()),
        (400, Some("request.invalid_param"))
    );

    // Key rotation with the CLI; afterwards the old key is refused.
    let old = files.path().join("old.json");
    let new = files.path().join("new.json");
    KeyFile::seal(&newcomer, None).write_new(&old).unwrap();
    let next = Keypair::generate();
    KeyFile::seal(&next, None).write_new(&new).unwrap();
    let out = Command::new(crate::common::bin())
        .args([
            "identity",
            "rotate-key",
            "--key",
            old.to_str().unwrap(),
            "--new-key",
            new.to_str().unwrap(),
            "--node",
            &node.url,
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stale = sign(
        &newcomer,
        "publica-dev",
        2,
        Expiry::Height(1_000_000),
        "identity",
        "veto_recovery",
        json!({}),
    );
    assert_eq!(submit(&node, &stale).1["code"], "tx.bad_signature");
    let (_, d) = get(&format!(
        "{}/v1/identity/did/did:publica:{}",
        node.url,
        newcomer.account()
    ));
    assert_eq!(
        d["didDocumentMetadata"]["keyHistory"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    // The new key signs for the account (here: an administrator act).
    let mut env = sign(
        &next,
        "publica-dev",
        2,
        Expiry::Height(1_000_000),
        "identity",
        "add_member",
        json!({"agency": "city", "account": a1.account(), "roles": ["auditor"]}),
    );
    env.signer = newcomer.account();
    env.signature = next.sign(&env.body.signing_bytes().unwrap());
    let (s, v) = submit(&node, &env);
    assert_eq!(s, 202, "{v}");
    assert_eq!(
        outcome(&receipt(&node, v["tx_id"].as_str().unwrap())),
        ("ok".into(), None)
    );

    // Restart: the rotated key is still the one admission checks, and the
    // whole chain replays from the stored genesis.
    node.kill9();
    let node = TestNode::start_in(dir.path(), &[]);
    assert_eq!(
        submit(
            &node,
            &sign(
                &newcomer,
                "publica-dev",
                3,
                Expiry::Height(1_000_000),
                "identity",
                "veto_recovery",
                json!({})
            )
        )
        .1["code"],
        "tx.bad_signature"
    );
    drop(node);
    crate::common::verify_chain(dir.path());
    // A different genesis on the same directory is refused.
    let other = files.path().join("other.json");
    let mut g2 = genesis.clone();
    g2["agencies"][0]["name"] = json!("Elsewhere");
    std::fs::write(&other, g2.to_string()).unwrap();
    let err = TestNode::try_start_in(dir.path(), &["--genesis", other.to_str().unwrap()])
        .err()
        .expect("refused");
    assert!(err.contains("another genesis"), "{err}");
}

/// Officials in bulk: a staff file grants roles row by row (bad rows
/// refused before signing, administrators left to proposals, an unknown
/// agency refused by the ledger), the role report says who holds what
/// since which block and when, and a second file offboards them.
#[test]
fn staff_on_and_off_boarded_from_csv_with_a_role_report() {
    let dir = tempfile::tempdir().unwrap();
    let node = TestNode::start_in(dir.path(), &[]);
    let admin = crate::common::dev_admin_path(dir.path());
    let admin_id = crate::common::dev_admin(dir.path()).account().to_hex();
    let (a1, a2, a3) = (
        Keypair::generate().account().to_hex(),
        Keypair::generate().account().to_hex(),
        Keypair::generate().account().to_hex(),
    );
    let file = dir.path().join("staff.csv");
    let run = |text: &str| {
        std::fs::write(&file, text).unwrap();
        let (ok, out, err) = crate::common::publica(&[
            "identity",
            "staff",
            "--key",
            &admin,
            "--node",
            &node.url,
            file.to_str().unwrap(),
        ]);
        let report: Value = serde_json::from_str(&out).unwrap_or_else(|_| panic!("{out} {err}"));
        (ok, report)
    };
    let (ok, report) = run(&format!(
        "action,agency,account,role\n\
         grant,dev-agency,{a1},treasurer\n\
         grant,dev-agency,{a1},auditor\n\
         grant,dev-agency,{a2},clinician\n\
         grant,dev-agency,{a3},administrator\n\
         grant,dev-agency,not-an-account,auditor\n\
         grant,dev-agency,{a2},janitor\n\
         grant,nowhere,{a2},auditor\n"
    ));
    assert!(!ok, "not every row went through");
    let statuses = crate::common::statuses(&report);
    assert_eq!(
        statuses,
        ["ok", "ok", "ok", "invalid", "invalid", "invalid", "failed"],
        "{report}"
    );
    assert!(report["results"][3]["error"]
        .as_str()
        .unwrap()
        .contains("proposal"));
    assert_eq!(report["summary"]["granted"], 3, "{report}");

    let (ok, out, err) =
        crate::common::publica(&["identity", "roles", "dev-agency", "--node", &node.url]);
    assert!(ok, "{err}");
    let roles: Value = serde_json::from_str(&out).unwrap();
    let held = |who: &str, role: &str| {
        roles["roles"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["account"] == who && r["role"] == role)
            .cloned()
    };
    let treasurer = held(&a1, "treasurer").expect("a1 is a treasurer");
    assert!(treasurer["since_height"].as_u64().unwrap() >= 1, "{roles}");
    assert!(
        treasurer["since"].as_str().unwrap().ends_with('Z'),
        "{roles}"
    );
    assert!(held(&a1, "auditor").is_some() && held(&a2, "clinician").is_some());
    let genesis = held(&admin_id, "administrator").expect("the dev admin");
    assert_eq!(
        (genesis["since_height"].as_u64(), genesis["since"].is_null()),
        (Some(0), true)
    );
    let (ok, csv, _) = crate::common::publica(&[
        "identity",
        "roles",
        "dev-agency",
        "--csv",
        "--node",
        &node.url,
    ]);
    assert!(
        ok && csv.starts_with("agency,account,role,since_height,since\n"),
        "{csv}"
    );
    assert!(
        csv.contains(&format!("dev-agency,{a1},treasurer,")),
        "{csv}"
    );

    // Offboarding: every role taken back; a second run finds none to take.
    let leave = format!(
        "action,agency,account,role\nrevoke,dev-agency,{a1},treasurer\nrevoke,dev-agency,{a1},auditor\nrevoke,dev-agency,{a2},clinician\n"
    );
    let (ok, report) = run(&leave);
    assert!(ok, "{report}");
    assert_eq!(report["summary"]["revoked"], 3, "{report}");
    let (ok, again) = run(&leave);
    assert!(!ok);
    assert!(
        again["results"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["status"] == "failed"),
        "{again}"
    );
    let (_, out, _) =
        crate::common::publica(&["identity", "roles", "dev-agency", "--node", &node.url]);
    assert!(!out.contains(&a1) && !out.contains(&a2), "{out}");
}
