//! Elections through the real binary on a demo node: the demo's election
//! verified from the node and saved; the saved record altered and
//! refused; a voter's tracking code checked; an unknown election refused.

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
