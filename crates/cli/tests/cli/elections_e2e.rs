//! Elections through the real binary on a demo node: the demo's election
//! verified from the node and saved; the saved record altered and
//! refused; a voter's tracking code checked; an unknown election refused;
//! the demo community's budgeting round paid on time and recounted from
//! its export; a non-member's delegation refused.

#![allow(
    clippy::too_many_lines,
    reason = "a scenario test reads top to bottom as one story"
)]

use crate::common::*;
use serde_json::Value;

#[test]
fn the_demo_election_verifies_and_an_altered_record_does_not() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("d");
    let node = TestNode::start_in(&data, &["--demo"]);
    let saved = dir.path().join("record.json");
    let (ok, out, err) = publica(&[
        "election",
        "verify",
        "--election",
        "city-2027",
        "--node",
        &node.url,
        "--save",
        saved.to_str().unwrap(),
    ]);
    assert!(ok, "{err}");
    let report: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["holds"], Value::Bool(true), "{report}");
    assert_eq!(
        (
            report["ballots"].as_u64(),
            report["counted"].as_u64(),
            report["challenged"].as_u64()
        ),
        (Some(21), Some(20), Some(1))
    );
    assert_eq!(report["counts"], serde_json::json!([[6, 7, 7], [15, 5]]));

    // The same record from the file verifies; altered, it does not.
    let (ok, _, err) = publica(&["election", "verify", "--record", saved.to_str().unwrap()]);
    assert!(ok, "{err}");
    let mut record: Value = serde_json::from_slice(&std::fs::read(&saved).unwrap()).unwrap();
    record["outcome"]["counts"][1][0] = 16.into();
    record["ballots"][3]["ballot"]["contests"][0]["selections"]
        .as_array_mut()
        .unwrap()
        .swap(0, 1);
    std::fs::write(&saved, serde_json::to_vec(&record).unwrap()).unwrap();
    let (ok, out, err) = publica(&["election", "verify", "--record", saved.to_str().unwrap()]);
    assert!(!ok);
    assert!(err.contains("election city-2027 does not verify"), "{err}");
    let report: Value = serde_json::from_str(&out).unwrap();
    let failures = report["failures"].to_string();
    assert!(
        failures.contains("contest mayor, selection okafor: the proof"),
        "{failures}"
    );

    // A voter checks their tracking code; a re-vote shows as replaced.
    let (_, board) = get(&format!(
        "{}/v1/elections/city-2027/ballots?limit=200",
        node.url
    ));
    let last = board["entries"][20]["tracking"].as_str().unwrap();
    let (status, fate) = get(&format!(
        "{}/v1/elections/city-2027/tracking/{last}",
        node.url
    ));
    assert_eq!((status, fate["status"].as_str()), (200, Some("counted")));
    let (status, e) = get(&format!(
        "{}/v1/elections/city-2027/tracking/{}",
        node.url,
        "0".repeat(64)
    ));
    assert_eq!(
        (status, e["code"].as_str()),
        (404, Some("elections.unknown_ballot"))
    );

    let (ok, _, err) = publica(&[
        "election",
        "verify",
        "--election",
        "nope",
        "--node",
        &node.url,
    ]);
    assert!(!ok && err.contains("elections.unknown_election"), "{err}");

    // The demo community's short budgeting round closes, waits out its
    // objection window and pays, with no transaction to trigger it; its
    // ballots, exported as a pabulib file, recount to the same winners.
    let round = format!("{}/v1/governance/city/north/rounds/pb-spring", node.url);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(90);
    let decided = loop {
        let (_, r) = get(&round);
        if r["round"]["status"] == "funded" {
            break r["round"].clone();
        }
        assert!(std::time::Instant::now() < deadline, "{r}");
        std::thread::sleep(std::time::Duration::from_millis(500));
    };
    let file = dir.path().join("spring.pb");
    let text = http()
        .get(format!("{round}?format=pb"))
        .send()
        .unwrap()
        .text()
        .unwrap();
    std::fs::write(&file, text).unwrap();
    let (ok, out, err) = publica(&[
        "election",
        "pb",
        file.to_str().unwrap(),
        "--rule",
        "mes-greedy",
    ]);
    assert!(ok, "{err}");
    let recount: Value = serde_json::from_str(&out).unwrap();
    let ids: Vec<&str> = recount["funded"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["project"].as_str().unwrap())
        .collect();
    assert_eq!(serde_json::json!(ids), decided["winners"], "{recount}");
    // The dev key is an official, not a member: it cannot delegate.
    let key = data.join("dev-admin-key.json");
    let (ok, _, err) = publica(&[
        "tx",
        "send",
        "--key",
        key.to_str().unwrap(),
        "--node",
        &node.url,
        "--module",
        "governance",
        "--method",
        "delegate",
        "--args",
        r#"{"agency": "city", "community": "north", "topic": "parks", "to": "7163c4eae05e6a70a8aa15251c08a166961fc02d6dd0f511f089a9ecd5f8bbc7"}"#,
    ]);
    assert!(!ok && err.contains("governance.not_a_member"), "{err}");

    // The board is rebuilt from the blocks at every start, each ballot
    // read again from the transaction that cast it (ledger format 8): a
    // node killed and started again shows the same entries.
    let board_of = |url: &str| get(&format!("{url}/v1/elections/city-2027/ballots?limit=200")).1;
    let before = board_of(&node.url);
    assert_eq!(before["entries"].as_array().map(Vec::len), Some(21));
    assert!(before["entries"][0]["ballot"]["contests"][0]["selections"].is_array());
    drop(node);
    let node = TestNode::start_in(&data, &[]);
    assert_eq!(board_of(&node.url), before);
}

#[test]
fn participatory_budgeting_results_from_a_pabulib_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("round.pb");
    std::fs::write(
        &file,
        "META\nkey;value\nbudget;100\nvote_type;approval\nPROJECTS\nproject_id;cost;name\n\
         a;60;Park\nb;50;Bikes\nc;40;Library\nVOTES\nvoter_id;vote\n1;a\n2;a\n3;a,b\n4;b,c\n5;c\n",
    )
    .unwrap();
    let out = dir.path().join("result.pb");
    let (ok, text, err) = publica(&[
        "election",
        "pb",
        file.to_str().unwrap(),
        "--rule",
        "mes",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(ok, "{err}");
    let r: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        r["funded"],
        serde_json::json!([{"project": "a", "cost": "60"}, {"project": "c", "cost": "40"}])
    );
    assert_eq!(
        (r["spent"].as_str(), r["left"].as_str()),
        (Some("100"), Some("0"))
    );
    let written = std::fs::read_to_string(&out).unwrap();
    assert!(
        written
            .contains("project_id;cost;name;selected\na;60;Park;1\nb;50;Bikes;0\nc;40;Library;1\n"),
        "{written}"
    );
    let (ok, _, err) = publica(&["election", "pb", file.to_str().unwrap(), "--rule", "borda"]);
    assert!(
        !ok && err.contains("--rule is greedy, mes or mes-greedy"),
        "{err}"
    );
    std::fs::write(&file, "META\nkey;value\nbudget;lots\n").unwrap();
    let (ok, _, err) = publica(&["election", "pb", file.to_str().unwrap()]);
    assert!(!ok && err.contains("budget"), "{err}");
}

/// An election run with the command line alone: the officer's census and
/// publication, three guardians' keys and ceremony (a complaint answered
/// in public, another unanswered and its dealer disqualified), voters
/// casting (one re-voting, one challenging, mistakes refused), the close,
/// two of three guardians decrypting, and anyone verifying.
#[test]
fn an_election_from_the_command_line() {
    let (cli, admin) = officer_cli();
    let url = cli.node.url.clone();
    let path = |name: &str| cli.path(name);
    let run = |args: &[&str]| cli.run(args);
    let keys = new_keys(&cli, &["g1", "g2", "g3", "v1", "v2", "v3", "outsider"]);
    let mut guardians = Vec::new();
    for g in &keys[..3] {
        let (ok, out, err) = run(&["election", "guardian-key", "--key", g]);
        assert!(ok, "{err}");
        guardians.push(serde_json::from_str::<Value>(&out).unwrap());
    }
    let account = |k: &str| {
        let (ok, out, _) = publica(&["keys", "show", k]);
        assert!(ok);
        serde_json::from_str::<Value>(&out).unwrap()["account"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let census_file = path("census.txt");
    std::fs::write(
        &census_file,
        keys[3..6]
            .iter()
            .map(|k| account(k) + "\n")
            .collect::<String>(),
    )
    .unwrap();
    let (ok, out, err) = publica(&["election", "census", "--election", "town", &census_file]);
    assert!(ok, "{err}");
    let census: Value = serde_json::from_str(&out).unwrap();
    let now = publica_types::now_ms();
    // The ceremony and its complaints take the first 10 s; dealers answer
    // a complaint within 2 s.
    let opens = now + 10_000;
    let closes = opens + 15_000;
    let manifest = serde_json::json!({"agency": "dev-agency", "id": "town", "title": "town-2027",
        "contests": [{"id": "mayor", "selections": ["ana", "bo"], "limit": 1},
                     {"id": "parks", "selections": ["north", "south", "east"], "limit": 2}],
        "guardians": guardians, "threshold": 2, "opens_ms": opens, "closes_ms": closes,
        "census": census["census"], "answer_ms": 2_000});
    let (ok, _, err) = send(&cli, &admin, "elections", "create", &manifest.to_string());
    assert!(ok, "{err}");
    for (i, g) in keys[..3].iter().enumerate() {
        let n = (i + 1).to_string();
        let (ok, _, err) = run(&[
            "election",
            "commit",
            "--key",
            g,
            "--election",
            "town",
            "--guardian",
            &n,
            "--secret-out",
            &path(&format!("secret{n}.json")),
        ]);
        assert!(ok, "{err}");
    }
    // Guardian 2 checks the shares sealed for it: all hold.
    let guardian_cmd = |cmd: &str, n: &str, extra: &[&str]| {
        let key = &keys[n.parse::<usize>().unwrap() - 1];
        let mut args = vec![
            "election",
            cmd,
            "--key",
            key,
            "--election",
            "town",
            "--guardian",
            n,
        ];
        args.extend_from_slice(extra);
        run(&args)
    };
    let (ok, out, err) = guardian_cmd("check-shares", "2", &[]);
    assert!(ok, "{err}");
    let checked: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(checked["shares_hold"], Value::Bool(true), "{checked}");
    // Complaints: guardian 2 of guardian 1, who answers in public; guardian
    // 1 of guardian 3, who stays silent and is disqualified.
    let complain = |by: &str, dealer: &str| {
        let key = &keys[by.parse::<usize>().unwrap() - 1];
        let args = format!(r#"{{"election":"town","guardian":{by},"dealer":{dealer}}}"#);
        send(&cli, key, "elections", "complain", &args)
    };
    let (ok, _, err) = complain("2", "1");
    assert!(ok, "{err}");
    let (ok, _, err) = complain("1", "3");
    assert!(ok, "{err}");
    let (ok, out, err) = guardian_cmd("answer", "1", &["--secret", &path("secret1.json")]);
    assert!(ok, "{err}");
    let answered: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(answered["answered"][0]["guardian"], 2, "{answered}");
    std::thread::sleep(std::time::Duration::from_millis(2_300));
    let (ok, _, err) = guardian_cmd("answer", "3", &["--secret", &path("secret1.json")]);
    assert!(!ok && err.contains("is the secret of election"), "{err}");
    let (ok, out, err) = guardian_cmd("disqualify", "1", &["--dealer", "3"]);
    assert!(ok, "{err}");
    assert_eq!(
        serde_json::from_str::<Value>(&out).unwrap()["disqualified"],
        3
    );
    let (ok, _, err) = guardian_cmd("disqualify", "2", &["--dealer", "1"]);
    assert!(!ok && err.contains("elections.no_open_complaint"), "{err}");
    let (_, e) = get(&format!("{url}/v1/elections/town"));
    assert_eq!(e["election"]["disqualified"], serde_json::json!([3]), "{e}");
    assert_eq!(
        e["election"]["complaints"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["status"].as_str().unwrap())
            .collect::<Vec<_>>(),
        ["answered", "upheld"]
    );
    // The portal tells the complaints in plain words.
    let page = http()
        .get(format!("{url}/elections"))
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(
        page.contains("Guardian 2 complained of guardian 1, who revealed the share")
            && page.contains("guardian 3 is left out of the key"),
        "{page}"
    );
    // How to vote, with this election's contests; no registration step.
    assert!(
        page.contains("How to vote")
            && page.contains(
                "publica election vote --election town --key my-key.json --census census.txt \
                 --choose mayor=ana --choose parks=north"
            )
            && !page.contains("publica election register --election town"),
        "{page}"
    );
    std::thread::sleep(std::time::Duration::from_millis(
        opens.saturating_sub(publica_types::now_ms()) + 300,
    ));
    let vote = |k: &str, picks: &[&str], extra: &[&str]| {
        let mut args = vec![
            "election",
            "vote",
            "--key",
            k,
            "--election",
            "town",
            "--census",
            &census_file,
        ];
        for p in picks {
            args.extend_from_slice(&["--choose", p]);
        }
        args.extend_from_slice(extra);
        run(&args)
    };
    for (k, picks) in [
        (&keys[3], ["mayor=ana", "parks=north"]),
        (&keys[4], ["mayor=bo", "parks=south"]),
        (&keys[5], ["mayor=ana", "parks=east"]),
    ] {
        let (ok, out, err) = vote(k, &picks, &[]);
        assert!(ok, "{err}");
        assert_eq!(
            serde_json::from_str::<Value>(&out).unwrap()["tracking"]
                .as_str()
                .unwrap()
                .len(),
            64
        );
    }
    // Voter 3 votes again; voter 1 challenges a ballot (opened, not counted).
    let (ok, _, err) = vote(&keys[5], &["mayor=bo", "parks=north", "parks=east"], &[]);
    assert!(ok, "{err}");
    let (ok, out, err) = vote(&keys[3], &["mayor=bo"], &["--challenge"]);
    assert!(ok, "{err}");
    assert_eq!(
        serde_json::from_str::<Value>(&out).unwrap()["challenged"],
        Value::Bool(true)
    );
    // Mistakes: an unknown choice, too many, a voter outside the census.
    let (ok, _, err) = vote(&keys[4], &["mayor=zed"], &[]);
    assert!(!ok && err.contains("has no 'zed'"), "{err}");
    let (ok, _, err) = vote(&keys[4], &["parks=north", "parks=south", "parks=east"], &[]);
    assert!(!ok && err.contains("at most 2"), "{err}");
    let (ok, _, err) = vote(&keys[6], &["mayor=ana"], &[]);
    assert!(!ok && err.contains("elections.not_in_census"), "{err}");
    // A ballot whose proof was altered is refused at admission, with its
    // reason: it never reaches a block (no receipt, its nonce unused).
    let (_, board) = get(&format!("{url}/v1/elections/town/ballots"));
    let mine = account(&keys[4]);
    let entry = board["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["voter"] == mine.as_str())
        .expect("voter 2's ballot is on the board");
    let text = entry["ballot"].to_string();
    let at = text.find("\"v\":\"").expect("a ballot carries responses") + 5;
    let mut altered = text.into_bytes();
    altered[at] = if altered[at] == b'0' { b'1' } else { b'0' };
    let altered: Value = serde_json::from_slice(&altered).unwrap();
    let args =
        serde_json::json!({"election": "town", "ballot": altered, "census": entry["census"]});
    let (ok, _, err) = send(&cli, &keys[4], "elections", "cast", &args.to_string());
    assert!(
        !ok && err.contains("elections.invalid_ballot") && !err.contains("was committed"),
        "{err}"
    );
    // After the close, guardians 2 (with the share guardian 1 revealed to
    // it) and 3 (disqualified as a dealer, still a guardian) decrypt; 1
    // stays away.
    let (ok, _, err) = run(&[
        "election",
        "decrypt",
        "--key",
        &keys[0],
        "--election",
        "town",
        "--guardian",
        "1",
        "--secret",
        &path("secret1.json"),
    ]);
    assert!(!ok && err.contains("elections.wrong_phase"), "{err}");
    std::thread::sleep(std::time::Duration::from_millis(
        closes.saturating_sub(publica_types::now_ms()) + 300,
    ));
    for n in ["2", "3"] {
        let (ok, _, err) = run(&[
            "election",
            "decrypt",
            "--key",
            &keys[n.parse::<usize>().unwrap() - 1],
            "--election",
            "town",
            "--guardian",
            n,
            "--secret",
            &path(&format!("secret{n}.json")),
        ]);
        assert!(ok, "{err}");
    }
    let (ok, out, err) = run(&["election", "verify", "--election", "town"]);
    assert!(ok, "{err}");
    let report: Value = serde_json::from_str(&out).unwrap();
    // mayor: ana (voter 1), bo (voters 2, 3); parks: north (1, 3), south (2), east (3).
    assert_eq!(
        report["counts"],
        serde_json::json!([[1, 2], [2, 1, 1]]),
        "{report}"
    );
    assert_eq!(
        (
            report["ballots"].as_u64(),
            report["counted"].as_u64(),
            report["challenged"].as_u64()
        ),
        (Some(4), Some(3), Some(1))
    );
}

/// A community run with `publica governance`: a treasury funded, 1,001
/// members enrolled from a file in three transactions, a proposal whose
/// text is hashed on this machine and whose payment is given in major
/// units, a round from a CSV of projects, a ballot and a vote read back;
/// mistakes refused before anything is signed.
#[test]
fn a_community_from_the_command_line() {
    let cli = DevCli::start(&[]);
    let url = cli.node.url.clone();
    let path = |name: &str| cli.path(name);
    let run = |args: &[&str]| cli.run(args);
    let admin = dev_admin_path(&cli.data);
    let tx = |key: &str, module: &str, method: &str, args: &str| {
        let (ok, _, err) = run(&[
            "tx", "send", "--key", key, "--module", module, "--method", method, "--args", args,
        ]);
        assert!(ok, "{module}.{method}: {err}");
    };
    let account = |name: &str| {
        let (ok, out, err) = publica(&["keys", "new", "--plain", "--out", &path(name)]);
        assert!(ok, "{err}");
        serde_json::from_str::<Value>(&out).unwrap()["account"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let (officer, member) = (account("officer.json"), account("member.json"));
    let officer_key = path("officer.json");
    tx(
        &admin,
        "identity",
        "add_member",
        &format!(
            r#"{{"agency":"dev-agency","account":"{officer}","roles":["election_officer","treasurer"]}}"#
        ),
    );
    tx(
        &officer_key,
        "money",
        "create_currency",
        r#"{"agency":"dev-agency","code":"EXC","name":"City coin","decimals":2,"supply_cap":"100000000"}"#,
    );
    tx(
        &officer_key,
        "money",
        "propose_appropriation",
        r#"{"agency":"dev-agency","currency":"EXC","id":"civic","name":"Civic budget","cap":"1000000"}"#,
    );
    tx(
        &admin,
        "money",
        "approve_appropriation",
        r#"{"agency":"dev-agency","currency":"EXC","id":"civic"}"#,
    );
    tx(
        &officer_key,
        "money",
        "open_account",
        r#"{"id":"gov:east","currency":"EXC","agency":"dev-agency","owner":{"kind":"program","agency":"dev-agency","program":"governance:east"}}"#,
    );
    tx(
        &officer_key,
        "money",
        "open_account",
        r#"{"id":"works","currency":"EXC","agency":"dev-agency","owner":{"kind":"agency","agency":"dev-agency"}}"#,
    );
    tx(
        &officer_key,
        "money",
        "mint",
        r#"{"agency":"dev-agency","currency":"EXC","appropriation":"civic","to":"gov:east","amount":"500000"}"#,
    );
    let gov = |args: &[&str]| {
        let mut all = vec!["governance"];
        all.extend_from_slice(args);
        run(&all)
    };
    let place = ["--agency", "dev-agency", "--community", "east"];
    let (ok, _, err) = gov(&[
        "create-community",
        "--key",
        &officer_key,
        "--agency",
        "dev-agency",
        "--id",
        "east",
        "--title",
        "east-district",
        "--topic",
        "roads",
        "--treasury",
        "gov:east",
        "--currency",
        "EXC",
    ]);
    assert!(ok, "{err}");

    // 1,001 members: three transactions of at most 500.
    let mut members: Vec<String> = (0..1_000)
        .map(|_| publica_crypto::Keypair::generate().account().to_hex())
        .collect();
    members.push(member.clone());
    let file = path("members.txt");
    std::fs::write(&file, format!("# east district\n{}\n", members.join("\n"))).unwrap();
    let mut args = vec!["enrol", "--key", &officer_key];
    args.extend_from_slice(&place);
    args.push(&file);
    let (ok, out, err) = gov(&args);
    assert!(ok, "{err}");
    let report: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        (
            &report["summary"]["members"],
            &report["summary"]["committed_ok"]
        ),
        (&serde_json::json!(1001), &serde_json::json!(3)),
        "{report}"
    );
    let (_, community) = get(&format!("{url}/v1/governance/dev-agency/east"));
    assert_eq!(community["community"]["members"], 1001, "{community}");

    // A proposal: the text hashed here, 12.50 EXC paid as 1250.
    let text = path("potholes.txt");
    std::fs::write(&text, "Fill the potholes on Station Road.").unwrap();
    let member_key = path("member.json");
    let propose = |extra: &[&str]| {
        let mut args = vec![
            "propose",
            "--key",
            &member_key,
            "--id",
            "potholes",
            "--topic",
            "roads",
            "--title",
            "potholes",
            "--text",
            &text,
        ];
        args.extend_from_slice(&place);
        args.extend_from_slice(extra);
        gov(&args)
    };
    let (ok, _, err) = propose(&["--pay", "works=12.50", "--closes-in", "7w"]);
    assert!(
        !ok && err.contains("--closes-in is a number and a unit"),
        "{err}"
    );
    let (ok, _, err) = propose(&["--pay", "works:12.50", "--closes-in", "7d"]);
    assert!(!ok && err.contains("--pay is ACCOUNT=AMOUNT"), "{err}");
    let (ok, _, err) = propose(&["--pay", "works=12.505", "--closes-in", "7d"]);
    assert!(!ok && err.contains("--pay"), "{err}");
    let (ok, out, err) = propose(&["--pay", "works=12.50", "--closes-in", "7d"]);
    assert!(ok, "{err}");
    assert_eq!(serde_json::from_str::<Value>(&out).unwrap()["status"], "ok");
    let mut show = vec!["show", "--proposal", "potholes"];
    show.extend_from_slice(&place);
    let (ok, out, err) = gov(&show);
    assert!(ok, "{err}");
    let p: Value = serde_json::from_str(&out).unwrap();
    let hash = publica_crypto::sha256(b"Fill the potholes on Station Road.").to_hex();
    assert_eq!(p["proposal"]["text_hash"], serde_json::json!(hash), "{p}");
    assert_eq!(p["proposal"]["actions"][0]["amount"], "1250", "{p}");
    assert_eq!(
        p["proposal"]["actions"][0]["reference"], "proposal:potholes",
        "{p}"
    );
    let mut vote = vec![
        "vote",
        "--key",
        &member_key,
        "--proposal",
        "potholes",
        "--choice",
        "yes",
    ];
    vote.extend_from_slice(&place);
    let (ok, _, err) = gov(&vote);
    assert!(ok, "{err}");

    // A round from a CSV; a CSV without costs is refused before signing.
    let projects = path("projects.csv");
    std::fs::write(&projects, "id,title,payee\nlights,street-lights,works\n").unwrap();
    let open = |extra: &[&str]| {
        let mut args = vec![
            "open-round",
            "--key",
            &officer_key,
            "--id",
            "r1",
            "--title",
            "roads-2027",
            "--budget",
            "2000.00",
            "--projects",
            &projects,
            "--closes-in",
            "1d",
        ];
        args.extend_from_slice(&place);
        args.extend_from_slice(extra);
        gov(&args)
    };
    let (ok, _, err) = open(&[]);
    assert!(!ok && err.contains("no column 'cost'"), "{err}");
    std::fs::write(
        &projects,
        "id,title,cost,payee\nlights,street-lights,1200.00,works\nbenches,benches,300,works\n",
    )
    .unwrap();
    let (ok, _, err) = open(&[]);
    assert!(ok, "{err}");
    let mut ballot = vec![
        "approve",
        "--key",
        &member_key,
        "--round",
        "r1",
        "--project",
        "lights",
    ];
    ballot.extend_from_slice(&place);
    let (ok, _, err) = gov(&ballot);
    assert!(ok, "{err}");
    let mut show = vec!["show", "--round", "r1"];
    show.extend_from_slice(&place);
    let (ok, out, err) = gov(&show);
    assert!(ok, "{err}");
    let r: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(r["round"]["budget"], "200000", "{r}");
    assert_eq!(r["round"]["projects"][0]["cost"], "120000", "{r}");
    assert_eq!(r["round"]["projects"][1]["cost"], "300", "{r}");
}

/// An election with an anonymous census, from the command line: the
/// census published with `--ring`, voters registering before it opens
/// (twice, or from outside the census, refused), ballots cast under a
/// nullifier by a fresh key each (a re-vote replacing, an unregistered
/// voter refused), no voter's account on the board, and the result
/// verified.
#[test]
fn an_anonymous_election_from_the_command_line() {
    let (cli, admin) = officer_cli();
    let url = cli.node.url.clone();
    let path = |name: &str| cli.path(name);
    let run = |args: &[&str]| cli.run(args);
    let keys = new_keys(&cli, &["g1", "v1", "v2", "v3", "v4", "outsider"]);
    let (ok, out, err) = run(&["election", "guardian-key", "--key", &keys[0]]);
    assert!(ok, "{err}");
    let guardian: Value = serde_json::from_str(&out).unwrap();
    let census_file = path("census.txt");
    let voters: String = keys[1..5]
        .iter()
        .map(|k| {
            let (_, out, _) = publica(&["keys", "show", k]);
            serde_json::from_str::<Value>(&out).unwrap()["account"]
                .as_str()
                .unwrap()
                .to_string()
                + "\n"
        })
        .collect();
    std::fs::write(&census_file, &voters).unwrap();
    let census_of = |extra: &[&str]| {
        let mut args = vec!["election", "census", "--election", "quiet"];
        args.extend_from_slice(extra);
        args.push(&census_file);
        publica(&args)
    };
    let (ok, _, err) = census_of(&["--ring", "3"]);
    assert!(!ok && err.contains("power of two"), "{err}");
    let (ok, out, err) = census_of(&["--ring", "2"]);
    assert!(ok, "{err}");
    let census: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(census["census"]["ring"], 2);
    let opens = publica_types::now_ms() + 12_000;
    let closes = opens + 12_000;
    let manifest = serde_json::json!({"agency": "dev-agency", "id": "quiet", "title": "quiet-2027",
        "contests": [{"id": "mayor", "selections": ["ana", "bo"], "limit": 1}],
        "guardians": [guardian], "threshold": 1, "opens_ms": opens, "closes_ms": closes,
        "census": census["census"]});
    let (ok, _, err) = send(&cli, &admin, "elections", "create", &manifest.to_string());
    assert!(ok, "{err}");
    let (ok, _, err) = run(&[
        "election",
        "commit",
        "--key",
        &keys[0],
        "--election",
        "quiet",
        "--guardian",
        "1",
        "--secret-out",
        &path("secret1.json"),
    ]);
    assert!(ok, "{err}");
    let register = |k: &str| {
        run(&[
            "election",
            "register",
            "--key",
            k,
            "--election",
            "quiet",
            "--census",
            &census_file,
        ])
    };
    for k in &keys[1..4] {
        let (ok, out, err) = register(k);
        assert!(ok, "{err}");
        assert_eq!(
            serde_json::from_str::<Value>(&out).unwrap()["commitment"]
                .as_str()
                .unwrap()
                .len(),
            64
        );
    }
    let (ok, _, err) = register(&keys[1]);
    assert!(!ok && err.contains("elections.already_registered"), "{err}");
    let (ok, _, err) = register(&keys[5]);
    assert!(!ok && err.contains("elections.not_in_census"), "{err}");
    std::thread::sleep(std::time::Duration::from_millis(
        opens.saturating_sub(publica_types::now_ms()) + 300,
    ));
    let (ok, _, err) = register(&keys[4]);
    assert!(
        !ok && err.contains("elections.registration_closed"),
        "{err}"
    );
    let vote = |k: &str, pick: &str| {
        run(&[
            "election",
            "vote",
            "--key",
            k,
            "--election",
            "quiet",
            "--census",
            &census_file,
            "--choose",
            pick,
        ])
    };
    for (k, pick) in [
        (&keys[1], "mayor=ana"),
        (&keys[2], "mayor=bo"),
        (&keys[3], "mayor=ana"),
        (&keys[3], "mayor=bo"),
    ] {
        let (ok, _, err) = vote(k, pick);
        assert!(ok, "{err}");
    }
    // Voter 4 is in the census but did not register.
    let (ok, _, err) = vote(&keys[4], "mayor=ana");
    assert!(!ok && err.contains("did not register"), "{err}");
    let (_, board) = get(&format!("{url}/v1/elections/quiet/ballots?limit=200"));
    let entries = board["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 4);
    for e in entries {
        assert!(!voters.contains(e["voter"].as_str().unwrap()), "{e}");
    }
    assert_eq!(entries[2]["voter"], entries[3]["voter"]);
    // A voter's (nullifier's) last ballot; a malformed or unknown voter.
    let (status, mine) = get(&format!(
        "{url}/v1/elections/quiet/voters/{}",
        entries[3]["voter"].as_str().unwrap()
    ));
    assert_eq!(
        (status, &mine["tracking"]),
        (200, &entries[3]["tracking"]),
        "{mine}"
    );
    let (status, _) = get(&format!("{url}/v1/elections/quiet/voters/zz"));
    assert_eq!(status, 400);
    let (status, e) = get(&format!(
        "{url}/v1/elections/quiet/voters/{}",
        "ab".repeat(32)
    ));
    assert_eq!(
        (status, e["code"].as_str()),
        (404, Some("elections.unknown_ballot"))
    );
    let (_, members) = get(&format!("{url}/v1/elections/quiet/members"));
    assert_eq!(members["total"], 3, "{members}");
    // The portal says the census is anonymous, and how large a ring is.
    let page = http()
        .get(format!("{url}/elections"))
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(
        page.contains("Anonymous census")
            && page.contains("3 registered")
            && page.contains("one of 2 registrations"),
        "{page}"
    );
    // It tells a voter how to register and vote, on their own device.
    assert!(
        page.contains(
            "publica election register --election quiet --key my-key.json --census census.txt\n\
             publica election vote --election quiet --key my-key.json --census census.txt --choose mayor=ana"
        ),
        "{page}"
    );
    std::thread::sleep(std::time::Duration::from_millis(
        closes.saturating_sub(publica_types::now_ms()) + 300,
    ));
    let (ok, _, err) = run(&[
        "election",
        "decrypt",
        "--key",
        &keys[0],
        "--election",
        "quiet",
        "--guardian",
        "1",
        "--secret",
        &path("secret1.json"),
    ]);
    assert!(ok, "{err}");
    let (ok, out, err) = run(&["election", "verify", "--election", "quiet"]);
    assert!(ok, "{err}");
    let report: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["counts"], serde_json::json!([[1, 2]]), "{report}");
    assert_eq!(
        (report["ballots"].as_u64(), report["counted"].as_u64()),
        (Some(4), Some(3))
    );
}

/// `publica tx send` of one call signed by `key`, on `cli`'s node.
fn send(cli: &DevCli, key: &str, module: &str, method: &str, args: &str) -> (bool, String, String) {
    cli.run(&[
        "tx", "send", "--key", key, "--module", module, "--method", method, "--args", args,
    ])
}

/// A dev node whose admin key is an election officer of `dev-agency`;
/// the key's path.
fn officer_cli() -> (DevCli, String) {
    let cli = DevCli::start(&[]);
    let admin = dev_admin_path(&cli.data);
    let me = dev_admin(&cli.data).account().to_hex();
    let args = format!(r#"{{"agency":"dev-agency","account":"{me}","role":"election_officer"}}"#);
    let (ok, _, err) = send(&cli, &admin, "identity", "grant_role", &args);
    assert!(ok, "{err}");
    (cli, admin)
}

/// A new key file in `cli`'s directory for each name; their paths.
fn new_keys(cli: &DevCli, names: &[&str]) -> Vec<String> {
    names
        .iter()
        .map(|name| {
            let (ok, _, err) = publica(&["keys", "new", "--plain", "--out", &cli.path(name)]);
            assert!(ok, "{err}");
            cli.path(name)
        })
        .collect()
}
