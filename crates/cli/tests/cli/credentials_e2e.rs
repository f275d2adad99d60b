//! Education credentials through the real binary on a demo node: a diploma
//! issued with `publica credentials issue`, verified with `publica verify
//! credential`, revoked with `publica credentials status` and refused after,
//! with each kind of bad input named.

#![allow(
    clippy::too_many_lines,
    reason = "a scenario test reads top to bottom as one story"
)]

use crate::common::*;
use serde_json::Value;

#[test]
fn a_diploma_issued_verified_and_revoked_through_the_cli() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("d");
    let node = TestNode::start_in(&data, &["--demo"]);
    let url = node.url.clone();
    let key = data.join("dev-admin-key.json");
    let key = key.to_str().unwrap();
    let path = |n: &str| dir.path().join(n).to_str().unwrap().to_string();
    std::fs::write(
        path("claims.json"),
        r#"{"type": ["AchievementSubject"], "achievement": {"id": "urn:example:msc", "type": ["Achievement"], "name": "MSc Statistics"}}"#,
    )
    .unwrap();
    let holder = "did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2";
    let cred = path("cred.json");
    let issue = |extra: &[&str]| {
        let claims = path("claims.json");
        let mut args = vec![
            "credentials",
            "issue",
            "--key",
            key,
            "--institution",
            "university",
            "--kind",
            "degree",
            "--subject",
            holder,
            "--claims",
            &claims,
            "--status-base",
            &url,
        ];
        args.extend_from_slice(extra);
        publica(&args)
    };
    let (ok, _, err) = issue(&["--status", "revocation:revocation:10", "--out", &cred]);
    assert!(ok, "{err}");
    let c: Value = serde_json::from_str(&std::fs::read_to_string(&cred).unwrap()).unwrap();
    assert_eq!(c["type"][1], "OpenBadgeCredential");
    assert_eq!(c["proof"]["cryptosuite"], "eddsa-jcs-2022");
    assert!(c["id"].as_str().unwrap().starts_with("urn:uuid:"));

    let verify = |file: &str| {
        publica(&[
            "verify",
            "credential",
            file,
            "--accreditor",
            "education",
            "--node",
            &url,
        ])
    };
    let (ok, out, err) = verify(&cred);
    assert!(ok, "{out}{err}");
    assert!(out.contains("\"verified\": true"), "{out}");

    // The university's did:web domain (the demo registered
    // university.example), moved by its administrator; a diploma issued
    // as did:web verifies through it.
    let (ok, _, err) = publica(&[
        "credentials",
        "set-domain",
        "--key",
        key,
        "--node",
        &url,
        "--institution",
        "university",
        "--domain",
        "www.university.example",
    ]);
    assert!(ok, "{err}");
    let (s, doc) = get(&format!(
        "{url}/v1/credentials/did-web/www.university.example"
    ));
    assert_eq!(s, 200, "{doc}");
    assert_eq!(doc["alsoKnownAs"][0], "did:publica:university");
    let (s, _) = get(&format!("{url}/v1/credentials/did-web/university.example"));
    assert_eq!(s, 404, "the old domain no longer resolves");
    let web = path("web.json");
    let (ok, _, err) = issue(&["--did-web", "www.university.example", "--out", &web]);
    assert!(ok, "{err}");
    let w: Value = serde_json::from_str(&std::fs::read_to_string(&web).unwrap()).unwrap();
    assert_eq!(w["issuer"]["id"], "did:web:www.university.example");
    let (ok, out, err) = verify(&web);
    assert!(ok && out.contains("\"verified\": true"), "{out}{err}");
    let (ok, _, err) = publica(&[
        "credentials",
        "set-domain",
        "--key",
        key,
        "--node",
        &url,
        "--institution",
        "university",
        "--domain",
        "Not A Domain",
    ]);
    assert!(
        !ok && err.contains("--domain is a lowercase host name"),
        "{err}"
    );

    // Bad input, each with its sentence.
    for (args, says) in [
        (vec!["--kind", "diploma"], "--kind is degree"),
        (vec!["--status", "revocation:cancelled:1"], "--status is"),
        (
            vec!["--valid-from", "yesterday"],
            "--valid-from is an RFC 3339",
        ),
    ] {
        let claims = path("claims.json");
        let mut all = vec![
            "credentials",
            "issue",
            "--key",
            key,
            "--institution",
            "university",
            "--subject",
            holder,
            "--claims",
            &claims,
        ];
        if !args.contains(&"--kind") {
            all.extend_from_slice(&["--kind", "degree"]);
        }
        all.extend_from_slice(&args);
        let (ok, _, err) = publica(&all);
        assert!(!ok && err.contains(says), "{args:?}: {err}");
    }
    let tampered = path("tampered.json");
    std::fs::write(
        &tampered,
        std::fs::read_to_string(&cred)
            .unwrap()
            .replace("MSc Statistics", "PhD Statistics"),
    )
    .unwrap();
    let (ok, _, err) = verify(&tampered);
    assert!(!ok && err.contains("credentials.bad_signature"), "{err}");
    let (ok, _, err) = publica(&[
        "verify",
        "credential",
        &cred,
        "--accreditor",
        "Nope!",
        "--node",
        &url,
    ]);
    assert!(!ok && err.contains("accreditor"), "{err}");

    // A transcript (checked against docs/schemas/transcript.schema.json),
    // recognised by another institution by its hash, once.
    std::fs::write(
        path("courses.json"),
        r#"{"programme": "BSc Statistics", "courses": [{"code": "ST101", "title": "Probability", "credits": "6", "grade": "A"}, {"code": "ST102", "title": "Inference", "credits": "7.5", "grade": "B"}], "total_credits": "13.5"}"#,
    )
    .unwrap();
    std::fs::write(path("bad-courses.json"), r#"{"programme": "BSc", "courses": [{"code": "X", "title": "Y", "credits": "99", "grade": "A"}]}"#).unwrap();
    let transcript = path("transcript.json");
    let (courses, bad_courses) = (path("courses.json"), path("bad-courses.json"));
    let issue_transcript = |claims: &str, extra: &[&str]| {
        let mut args = vec![
            "credentials",
            "issue",
            "--key",
            key,
            "--institution",
            "university",
            "--kind",
            "transcript",
            "--subject",
            holder,
            "--claims",
            claims,
        ];
        args.extend_from_slice(extra);
        publica(&args)
    };
    let (ok, _, err) = issue_transcript(&bad_courses, &[]);
    assert!(!ok && err.contains("course 1"), "{err}");
    let (ok, _, err) = issue_transcript(&courses, &["--out", &transcript]);
    assert!(ok, "{err}");
    // The same transcript signed with eddsa-rdfc-2022: it names Publica's
    // context and verifies; a change to a course is caught.
    let rdfc = path("transcript-rdfc.json");
    let (ok, _, err) = issue_transcript(
        &courses,
        &["--cryptosuite", "eddsa-rdfc-2022", "--out", &rdfc],
    );
    assert!(ok, "{err}");
    let t: Value = serde_json::from_str(&std::fs::read_to_string(&rdfc).unwrap()).unwrap();
    assert_eq!(t["proof"]["cryptosuite"], "eddsa-rdfc-2022");
    assert_eq!(t["@context"][1], "urn:publica:context:credentials:v1");
    let (ok, out, err) = verify(&rdfc);
    assert!(ok && out.contains("\"verified\": true"), "{out}{err}");
    let rdfc_changed = path("transcript-rdfc-changed.json");
    std::fs::write(
        &rdfc_changed,
        std::fs::read_to_string(&rdfc)
            .unwrap()
            .replace("Inference", "Advanced Inference"),
    )
    .unwrap();
    let (ok, _, err) = verify(&rdfc_changed);
    assert!(!ok && err.contains("credentials.bad_signature"), "{err}");
    // A degree's Open Badges context is known by name, not held; an
    // unknown suite is named.
    let (ok, _, err) = issue(&["--cryptosuite", "eddsa-rdfc-2022"]);
    assert!(!ok && err.contains("sign it with eddsa-jcs-2022"), "{err}");
    let (ok, _, err) = issue(&["--cryptosuite", "ecdsa-rdfc-2019"]);
    assert!(!ok && err.contains("--cryptosuite is"), "{err}");
    let me = publica(&["keys", "show", key]).1;
    let me: Value = serde_json::from_str(&me).unwrap_or_default();
    let grant = serde_json::json!({"agency": "school", "account": me["account"], "role": "issuer"})
        .to_string();
    let (ok, _, err) = publica(&[
        "tx",
        "send",
        "--key",
        key,
        "--node",
        &url,
        "--module",
        "identity",
        "--method",
        "grant_role",
        "--args",
        &grant,
    ]);
    assert!(ok, "{err}");
    let recognise = |file: &str| {
        publica(&[
            "credentials",
            "recognise",
            "--key",
            key,
            "--node",
            &url,
            "--institution",
            "school",
            "--credential",
            file,
            "--credits",
            "13",
            "--programme",
            "bridging",
            "--accreditor",
            "education",
        ])
    };
    let (ok, out, err) = recognise(&transcript);
    assert!(ok, "{out}{err}");
    let (ok, out, err) = recognise(&transcript);
    assert!(
        !ok && (out + &err).contains("credentials.recognition_exists"),
        "recorded once"
    );
    let (ok, _, err) = recognise(&tampered);
    assert!(!ok && err.contains("does not verify"), "{err}");

    // Bulk issuance: each row its own credential and status entry; a bad
    // row is reported and the others go on.
    let rows = path("graduates.csv");
    std::fs::write(
        &rows,
        format!("subject,achievement,honours\n{holder},BSc Physics,true\nnot-a-did,BSc Physics,false\n{holder},BA Music,\n"),
    )
    .unwrap();
    let out_dir = path("issued");
    let (ok, out, err) = publica(&[
        "credentials",
        "issue-bulk",
        "--key",
        key,
        "--institution",
        "university",
        "--kind",
        "degree",
        "--file",
        &rows,
        "--out-dir",
        &out_dir,
        "--status",
        "revocation:revocation:100",
        "--status-base",
        &url,
    ]);
    assert!(!ok && err.contains("1 of 3 rows"), "{out}{err}");
    let report: Value = serde_json::from_str(&out).unwrap();
    let results = report["results"].as_array().unwrap();
    assert_eq!(
        results
            .iter()
            .map(|r| r["status"].as_str().unwrap())
            .collect::<Vec<_>>(),
        ["ok", "invalid", "ok"]
    );
    assert_eq!(results[2]["status_index"], 102);
    let third = results[2]["file"].as_str().unwrap().to_string();
    let (ok, out, err) = verify(&third);
    assert!(ok, "{out}{err}");
    let (ok, _, err) = publica(&[
        "credentials",
        "issue-bulk",
        "--key",
        key,
        "--institution",
        "university",
        "--kind",
        "degree",
        "--file",
        &rows,
        "--out-dir",
        &out_dir,
    ]);
    assert!(
        !ok && err.contains("a new directory"),
        "never overwrites: {err}"
    );
    // The issuer's credentials by status: the third row's revoked.
    let (ok, _, err) = publica(&[
        "credentials",
        "status",
        "--key",
        key,
        "--node",
        &url,
        "--institution",
        "university",
        "--list",
        "revocation",
        "--index",
        "102",
    ]);
    assert!(ok, "{err}");
    let listed = |extra: &[&str]| {
        let mut args = vec!["credentials", "list", "--dir", &out_dir, "--node", &url];
        args.extend_from_slice(extra);
        let (ok, out, err) = publica(&args);
        assert!(ok, "{err}");
        serde_json::from_str::<Value>(&out).unwrap()
    };
    let all = listed(&[]);
    assert_eq!(
        all["counts"],
        serde_json::json!({"revoked": 1, "valid": 1}),
        "{all}"
    );
    let revoked = listed(&["--status", "revoked"]);
    assert_eq!(
        revoked["credentials"].as_array().unwrap().len(),
        1,
        "{revoked}"
    );
    assert!(
        revoked["credentials"][0]["file"]
            .as_str()
            .unwrap()
            .ends_with(&third[third.len() - 11..]),
        "{revoked}"
    );
    let (ok, _, err) = publica(&[
        "credentials",
        "list",
        "--dir",
        &out_dir,
        "--node",
        &url,
        "--status",
        "gone",
    ]);
    assert!(
        !ok && err.contains("--status is valid, suspended or revoked"),
        "{err}"
    );

    // Revoked: refused after, for good.
    let status = |extra: &[&str]| {
        let mut args = vec![
            "credentials",
            "status",
            "--key",
            key,
            "--node",
            &url,
            "--institution",
            "university",
            "--list",
            "revocation",
            "--index",
            "10",
        ];
        args.extend_from_slice(extra);
        publica(&args)
    };
    let (ok, out, err) = status(&[]);
    assert!(ok, "{out}{err}");
    let (ok, _, err) = verify(&cred);
    assert!(!ok && err.contains("credentials.revoked"), "{err}");
    let (ok, out, err) = status(&["--clear"]);
    assert!(
        !ok && (out + &err).contains("credentials.revocation_final"),
        "{err}"
    );
}

#[test]
fn an_sd_jwt_enrolment_presented_and_verified_through_the_cli() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("d");
    let node = TestNode::start_in(&data, &["--demo"]);
    let url = node.url.clone();
    let key = data.join("dev-admin-key.json");
    let key = key.to_str().unwrap();
    let path = |n: &str| dir.path().join(n).to_str().unwrap().to_string();
    let holder_key = path("holder.json");
    let (ok, out, err) = publica(&["keys", "new", "--out", &holder_key, "--plain"]);
    assert!(ok, "{err}");
    let account: Value = serde_json::from_str(&out).unwrap();
    let account: publica_types::AccountId = account["account"].as_str().unwrap().parse().unwrap();
    let (holder, _) = publica_credentials::di::did_key_of(&account);
    std::fs::write(
        path("claims.json"),
        r#"{"given_name": "Ana", "enrolled_at": "Example University", "academic_year": "2027/28", "age_over_18": true}"#,
    )
    .unwrap();
    let (sd, claims) = (path("enrolment.sd-jwt"), path("claims.json"));
    // An SD-JWT enrolment for `subject`, with more arguments.
    let issue_sd = |subject: &str, extra: &[&str]| {
        let mut args = vec![
            "credentials",
            "issue",
            "--key",
            key,
            "--institution",
            "university",
            "--kind",
            "enrolment",
            "--subject",
            subject,
            "--claims",
            &claims,
            "--format",
            "sd-jwt",
        ];
        args.extend_from_slice(extra);
        publica(&args)
    };
    let (ok, _, err) = issue_sd(
        &holder,
        &["--valid-until", "2099-01-01T00:00:00Z", "--out", &sd],
    );
    assert!(ok, "{err}");
    let pres = path("presentation.txt");
    let (ok, _, err) = publica(&[
        "credentials",
        "present",
        "--key",
        &holder_key,
        "--credential",
        &sd,
        "--reveal",
        "enrolled_at,age_over_18",
        "--aud",
        "employer.example",
        "--nonce",
        "n-7",
        "--out",
        &pres,
    ]);
    assert!(ok, "{err}");
    assert!(!std::fs::read_to_string(&pres).unwrap().contains("Ana"));
    let verify = |aud: &str| {
        publica(&[
            "verify",
            "credential",
            &pres,
            "--accreditor",
            "education",
            "--aud",
            aud,
            "--nonce",
            "n-7",
            "--node",
            &url,
        ])
    };
    let (ok, out, err) = verify("employer.example");
    assert!(ok, "{out}{err}");
    assert!(
        out.contains("\"enrolled_at\": \"Example University\"") && !out.contains("given_name"),
        "{out}"
    );
    let (ok, _, err) = verify("someone.else");
    assert!(!ok && err.contains("credentials.kb_invalid"), "{err}");
    let (ok, _, err) = publica(&[
        "verify",
        "credential",
        &pres,
        "--accreditor",
        "education",
        "--node",
        &url,
    ]);
    assert!(!ok && err.contains("--aud"), "{err}");
    let (ok, _, err) = issue_sd("did:example:123", &[]);
    assert!(!ok && err.contains("did:key"), "{err}");
    let (ok, _, err) = issue_sd(&holder, &["--valid-until", "next year"]);
    assert!(!ok && err.contains("--valid-until is an RFC 3339"), "{err}");
}

/// The demo's scholarship: the student's enrolment credential verified and
/// attested by its hash, this month's grant paid into an account earmarked
/// for tuition and study materials, part of it spent at the accredited
/// bursar; `publica programs attest-enrolment` does the officer's check
/// and refuses what is not a valid enrolment credential.
#[test]
fn a_scholarship_paid_on_a_verified_enrolment_credential() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("d");
    let node = TestNode::start_in(&data, &["--demo"]);
    let url = node.url.clone();
    let (s, p) = get(&format!("{url}/v1/programs/scholarship"));
    assert_eq!(s, 200, "{p}");
    assert_eq!(p["enrolled"], 1, "{p}");
    assert_eq!(p["paid_total"], "60000", "{p}");
    let student = publica_crypto::Keypair::from_seed(
        *publica_crypto::sha256(b"publica demo citizen 0").as_bytes(),
    )
    .account();
    let benefit = publica_money::model::benefit_account_id("scholarship", &student);
    let (s, a) = get(&format!("{url}/v1/money/accounts/{benefit}"));
    assert_eq!(s, 200, "{a}");
    assert_eq!(a["account"]["balance"], "15000", "{a}");
    let earmark = a["account"]["earmark"].to_string();
    assert!(
        earmark.contains("tuition")
            && earmark.contains("study-materials")
            && earmark.contains("program:scholarship"),
        "{a}"
    );
    let (_, bursar) = get(&format!("{url}/v1/money/accounts/m.university-bursar"));
    assert_eq!(bursar["account"]["balance"], "45000", "{bursar}");
    // The attestation names the credential by its hash, never its content.
    let (_, e) = get(&format!("{url}/v1/programs/scholarship/enrolees/{student}"));
    assert!(!e.to_string().contains("Computer Science"), "{e}");

    let key = data.join("dev-admin-key.json");
    let creds = data.join("demo-credentials");
    let attest_as = |agency: &str, file: &std::path::Path| {
        publica(&[
            "programs",
            "attest-enrolment",
            "--key",
            key.to_str().unwrap(),
            "--node",
            &url,
            "--agency",
            agency,
            "--credential",
            file.to_str().unwrap(),
            "--accreditor",
            "education",
        ])
    };
    let attest = |file: &std::path::Path| attest_as("city", file);
    let (ok, out, err) = attest(&creds.join("enrolment-0.json"));
    assert!(ok, "{out}{err}");
    let (ok, _, err) = attest(&creds.join("diploma-0.json"));
    assert!(!ok && err.contains("not an enrolment credential"), "{err}");
    let tampered = dir.path().join("tampered.json");
    std::fs::write(
        &tampered,
        std::fs::read_to_string(creds.join("enrolment-0.json"))
            .unwrap()
            .replace("full-time", "part-time"),
    )
    .unwrap();
    let (ok, _, err) = attest(&tampered);
    assert!(
        !ok && err.contains("does not verify") && err.contains("credentials.bad_signature"),
        "{err}"
    );
    let (ok, _, err) = attest_as("City!", &tampered);
    assert!(!ok && err.contains("agency ids"), "{err}");
}

/// A diploma checked with no node at all: its snapshot (fetched once with
/// `publica credentials snapshot`) and the ledger's log key suffice; the
/// revoked diploma is refused offline too, and a snapshot for another
/// credential does not stand in.
#[test]
fn a_diploma_verified_offline_from_a_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("d");
    let node = TestNode::start_in(&data, &["--demo"]);
    let url = node.url.clone();
    let (_, log) = get(&format!("{url}/v1/log"));
    let log_key = log["verifier_key"].as_str().unwrap().to_string();
    let creds = data.join("demo-credentials");
    let file = |i: usize| {
        creds
            .join(format!("diploma-{i}.json"))
            .to_str()
            .unwrap()
            .to_string()
    };
    let snap = |i: usize| {
        dir.path()
            .join(format!("snap-{i}.json"))
            .to_str()
            .unwrap()
            .to_string()
    };
    for i in [0, 2] {
        let (ok, _, err) = publica(&[
            "credentials",
            "snapshot",
            "--credential",
            &file(i),
            "--accreditor",
            "education",
            "--node",
            &url,
            "--out",
            &snap(i),
        ]);
        assert!(ok, "{err}");
    }
    drop(node);
    let offline = |i: usize, s: &str, key: &str| {
        publica(&[
            "verify",
            "credential",
            &file(i),
            "--accreditor",
            "education",
            "--snapshot",
            s,
            "--log-key",
            key,
            "--node",
            "http://127.0.0.1:9",
        ])
    };
    let (ok, out, err) = offline(0, &snap(0), &log_key);
    assert!(
        ok && out.contains("\"verified\": true") && out.contains("as of block"),
        "{out}{err}"
    );
    let (ok, _, err) = offline(2, &snap(2), &log_key);
    assert!(!ok && err.contains("credentials.revoked"), "{err}");
    let (ok, _, err) = offline(2, &snap(0), &log_key);
    assert!(!ok, "{err}");
    let other = "other.example/log+00000000+AQ==";
    let (ok, _, err) = offline(0, &snap(0), other);
    assert!(!ok && err.contains("key"), "{err}");
    let (ok, _, err) = publica(&[
        "verify",
        "credential",
        &file(0),
        "--accreditor",
        "education",
        "--snapshot",
        &snap(0),
    ]);
    assert!(!ok && err.contains("--log-key"), "{err}");
}
