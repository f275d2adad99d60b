//! `publica bench` end to end: an in-process node, its own currency and
//! accounts, pre-signed transfers over HTTP, and a report whose figures add
//! up. (Speed is measured by running the bench, never asserted here.)

use serde_json::{json, Value};
use std::process::Command;

#[test]
fn bench_runs_in_process_and_reports_consistent_figures() {
    let out = Command::new(crate::common::bin())
        .args([
            "bench",
            "--duration",
            "1",
            "--accounts",
            "20",
            "--concurrency",
            "2",
            "--batch",
            "200",
            "--in-flight",
            "300",
            "--block-ms",
            "40",
            "--json",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    let committed = r["committed"].as_u64().unwrap();
    assert!(committed > 0, "{r}");
    assert_eq!(r["rejected"], 0, "{r}");
    assert_eq!(r["failed_in_block"], 0, "{r}");
    assert!(committed <= r["submitted"].as_u64().unwrap());
    assert!(r["blocks"].as_u64().unwrap() >= 1);
    let p50 = r["latency"]["p50_ms"].as_f64().unwrap();
    let p99 = r["latency"]["p99_ms"].as_f64().unwrap();
    assert!(p50 > 0.0 && p50 <= p99 && p99 <= r["latency"]["max_ms"].as_f64().unwrap());
    assert!(r["node_peak_rss_mib"].as_f64().unwrap() > 0.0);
    assert!(r["node_rss_mib"].as_f64().unwrap() > 0.0);
    // The peak is reset when the window starts: it is the window's.
    assert_eq!(r["node_peak_rss_since_start"], false, "{r}");
    assert_eq!(r["in_flight_max"], 300, "{r}");
    // The node ran with the interval asked for.
    assert_eq!(r["block_interval_ms"], 40, "{r}");

    for (args, says) in [
        (
            &["bench", "--in-flight", "2000000"][..],
            "--in-flight 0..=1000000",
        ),
        (
            &["bench", "--node", "http://127.0.0.1:9"][..],
            "--admin-key",
        ),
        // The node's own check of its configuration refuses it.
        (
            &["bench", "--block-ms", "0"][..],
            "block interval must be 1..=60000 ms",
        ),
        (
            &["bench", "--node", "http://127.0.0.1:9", "--block-ms", "50"][..],
            "publica dev --block-ms",
        ),
    ] {
        let bad = Command::new(crate::common::bin())
            .args(args)
            .output()
            .unwrap();
        assert!(!bad.status.success(), "{args:?}");
        let stderr = String::from_utf8_lossy(&bad.stderr);
        assert!(stderr.contains(says), "{args:?}: {stderr}");
    }
}

/// The status-list workload end to end (debug build: the figures are not
/// measurements, the checks are): 10,000 revocations committed and read
/// back from the served list.
#[test]
fn the_status_list_workload_revokes_and_serves_a_national_list() {
    let out = Command::new(crate::common::bin())
        .args([
            "bench",
            "--workload",
            "status-list",
            "--block-ms",
            "40",
            "--json",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["entries"], 1_048_576, "{r}");
    assert_eq!(r["revoked"], 10_000, "{r}");
    assert_eq!(r["revoke_txs"], 10, "{r}");
    let p50 = r["serve_ms_p50"].as_f64().unwrap();
    assert!(
        p50 > 0.0 && p50 <= r["serve_ms_max"].as_f64().unwrap(),
        "{r}"
    );
    assert!(r["list_bytes"].as_u64().unwrap() > 10_000, "{r}");
    let bad = Command::new(crate::common::bin())
        .args(["bench", "--workload", "votes"])
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains(
        "--workload is transfers, status-list, epcis, records, claims, elections, energy or witness"
    ));
}

/// The elections workload end to end (debug build: the checks, not the
/// figures): an election published, the ceremony, ballots cast and
/// counted, decrypted, the record verified to the plaintext count.
#[test]
fn the_elections_workload_casts_decrypts_and_verifies() {
    let out = Command::new(crate::common::bin())
        .args([
            "bench",
            "--workload",
            "elections",
            "--ballots",
            "30",
            "--window-s",
            "8",
            "--json",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["ballots"], 30, "{r}");
    assert!(r["ballots_per_s"].as_f64().unwrap() > 0.0, "{r}");
    assert!(r["verify_ballots_per_s"].as_f64().unwrap() > 0.0, "{r}");
    let bad = Command::new(crate::common::bin())
        .args(["bench", "--workload", "elections", "--window-s", "2"])
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--window-s 5..=86400"));
}

/// The energy workload end to end (debug build: the checks, not the
/// figures): meters registered, their signed days ingested and certified
/// with the registry reconciled, then a market interval's orders placed,
/// cleared at the gate and settled; bad sizes refused.
#[test]
fn the_energy_workload_ingests_readings_and_clears_an_interval() {
    let out = Command::new(crate::common::bin())
        .args([
            "bench",
            "--workload",
            "energy",
            "--meters",
            "20",
            "--market-orders",
            "200",
            "--gate-s",
            "6",
            "--json",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (&r["meters"], &r["readings"]),
        (&json!(20), &json!(1_920)),
        "{r}"
    );
    assert!(r["readings_per_s"].as_f64().unwrap() > 0.0, "{r}");
    assert!(r["issued_units"].as_u64().unwrap() > 0, "{r}");
    assert_eq!(r["orders"], 200, "{r}");
    assert!(
        r["volume_wh"].as_u64().unwrap() > 0 && r["price"].is_u64(),
        "{r}"
    );
    assert!(r["clear_ms"].as_f64().unwrap() >= 0.0, "{r}");
    let bad = Command::new(crate::common::bin())
        .args(["bench", "--workload", "energy", "--market-orders", "150"])
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("a multiple of 100"));
}

/// The EPCIS workload end to end (debug build: the figures are not
/// measurements, the checks are): packs filled, events captured, every
/// verified pack authentic; bad sizes refused.
#[test]
fn the_epcis_workload_fills_captures_and_verifies() {
    let out = Command::new(crate::common::bin())
        .args([
            "bench",
            "--workload",
            "epcis",
            "--packs",
            "3000",
            "--events",
            "400",
            "--block-ms",
            "40",
            "--json",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["fill_packs"], 3_000, "{r}");
    assert_eq!(r["events"], 400, "{r}");
    assert_eq!(r["packs_in_state"], 3_200, "{r}");
    assert_eq!(r["verify_samples"], 1_000, "{r}");
    assert!(r["events_per_s"].as_f64().unwrap() > 0.0, "{r}");
    let bad = Command::new(crate::common::bin())
        .args(["bench", "--workload", "epcis", "--events", "1"])
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--events 2..=10000000"));
}

/// The records workload end to end (debug build): records sealed and
/// stored, reads logged, released and decrypted, each part timed; bad
/// sizes refused.
#[test]
fn the_records_workload_stores_and_reads_under_consent() {
    let out = Command::new(crate::common::bin())
        .args([
            "bench",
            "--workload",
            "records",
            "--records",
            "40",
            "--reads",
            "40",
            "--readers",
            "4",
            "--block-ms",
            "20",
            "--json",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (r["records"].as_u64(), r["reads"].as_u64()),
        (Some(40), Some(40)),
        "{r}"
    );
    let release = r["release_ms"].as_array().unwrap();
    assert!(
        release[0].as_f64().unwrap() > 0.0 && release[1].as_f64() <= release[2].as_f64(),
        "{r}"
    );
    let bad = Command::new(crate::common::bin())
        .args(["bench", "--workload", "records", "--readers", "0"])
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--readers 1..=256"));
}

/// The claims workload end to end (debug build): policies given, claims
/// judged and paid, the plan's report counting every one approved.
#[test]
fn the_claims_workload_adjudicates_and_pays() {
    let out = Command::new(crate::common::bin())
        .args([
            "bench",
            "--workload",
            "claims",
            "--members",
            "50",
            "--claims",
            "300",
            "--block-ms",
            "20",
            "--json",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (r["claims"].as_u64(), r["approved"].as_u64()),
        (Some(300), Some(300)),
        "{r}"
    );
    assert!(r["claims_per_s"].as_f64().unwrap() > 0.0, "{r}");
}

#[test]
fn the_witness_workload_gets_every_checkpoint_cosigned() {
    let out = Command::new(crate::common::bin())
        .args([
            "bench",
            "--workload",
            "witness",
            "--logs",
            "4",
            "--duration",
            "1",
            "--json",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["logs"], 4, "{r}");
    assert!(r["cosigned"].as_u64().unwrap() >= 4, "{r}");
    assert!(r["per_s"].as_f64().unwrap() > 0.0, "{r}");
    // Bad sizes are refused before anything starts.
    let bad = Command::new(crate::common::bin())
        .args(["bench", "--workload", "witness", "--logs", "0"])
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--logs is 1..=1024"));
}
