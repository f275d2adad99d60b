//! `publica medicines capture`: an EPCIS 2.0 document split into its
//! events, each checked here as the ledger reads it (an invalid event
//! stops the whole document before anything is signed, as EPCIS's capture
//! does by default, with every failing event listed), then each signed by
//! the capturing party's key in `medicines.capture_batch` transactions of
//! up to 200 events (each event captured or refused on its own), in the
//! document's order; the report gives each event's hash and result.

use crate::bulk::{Call, Session, SignerArgs};
use anyhow::{bail, Context, Result};
use publica_medicines::{epcis, hash};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::Path;

/// `publica medicines hash`: each event's hash (and pre-hash string).
pub fn hashes(file: &Path, prehash: bool) -> Result<()> {
    let events = read_document(file)?;
    let mut out = Vec::with_capacity(events.len());
    for (i, e) in events.iter().enumerate() {
        let (h, _) = hash::event_hash(e).map_err(|err| anyhow::anyhow!("event {i}: {err}"))?;
        let mut line = json!({"index": i, "eventHash": h});
        if prehash {
            line["prehash"] =
                json!(hash::prehash(e).map_err(|err| anyhow::anyhow!("event {i}: {err}"))?);
        }
        out.push(line);
    }
    crate::client::print_json(&json!({ "events": out }));
    Ok(())
}

/// The events of the document in `file` (at most 16 MiB).
fn read_document(file: &Path) -> Result<Vec<Value>> {
    let meta = std::fs::metadata(file).with_context(|| format!("reading {}", file.display()))?;
    if meta.len() > epcis::DOCUMENT_BYTES_MAX as u64 {
        bail!(
            "{}: {} bytes; a capture document is at most {} bytes",
            file.display(),
            meta.len(),
            epcis::DOCUMENT_BYTES_MAX
        );
    }
    let text =
        std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    let doc: Value =
        serde_json::from_str(&text).with_context(|| format!("{} is not JSON", file.display()))?;
    epcis::document_events(&doc).map_err(|e| anyhow::anyhow!("{e}"))
}

/// Reads `file`, checks its events; `check` stops there.
pub async fn capture(signer: &SignerArgs, file: &Path, check: bool) -> Result<()> {
    let events = read_document(file)?;
    let (report, errors) = check_events(&events);
    if !errors.is_empty() {
        crate::client::print_json(&json!({
            "type": "epcisException:ValidationException",
            "title": "The document has invalid events: nothing was captured",
            "status": 400,
            "errors": errors,
            "events": report,
        }));
        bail!(
            "{} of {} events are invalid; nothing was captured",
            errors.len(),
            events.len()
        );
    }
    if check {
        crate::client::print_json(&json!({"events": report, "valid": events.len()}));
        return Ok(());
    }
    let batches = batches(&events);
    let calls: Vec<Call> = batches
        .iter()
        .enumerate()
        .map(|(i, range)| Call {
            line: i,
            module: "medicines",
            method: "capture_batch",
            args: json!({ "events": &events[range.clone()] }),
        })
        .collect();
    let session = Session::open(signer).await?;
    let done = session.submit(&calls).await?;
    let mut results = Vec::with_capacity(events.len());
    for (d, range) in done.iter().zip(&batches) {
        let tx = d.report(0);
        let outcomes: Vec<&Value> = match d {
            crate::bulk::Done::Committed { outcome, .. } if outcome["status"] == "ok" => outcome
                ["events"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter(|e| e["kind"] == "captured" || e["kind"] == "capture_refused")
                        .collect()
                })
                .unwrap_or_default(),
            _ => Vec::new(),
        };
        for (k, i) in range.clone().enumerate() {
            let mut line =
                json!({"index": i, "eventHash": report[i]["eventHash"], "tx_id": tx["tx_id"]});
            if !report[i]["eventID"].is_null() {
                line["eventID"] = report[i]["eventID"].clone();
            }
            match outcomes.get(k) {
                Some(e) if e["kind"] == "captured" => {
                    line["status"] = json!("ok");
                    line["block_height"] = tx["block_height"].clone();
                }
                Some(e) => {
                    line["status"] = json!("refused");
                    line["error"] =
                        json!({"code": e["data"]["code"], "message": e["data"]["message"]});
                }
                None => {
                    line["status"] = tx["status"].clone();
                    line["error"] = tx["error"].clone();
                }
            }
            results.push(line);
        }
    }
    let ok = results.iter().filter(|r| r["status"] == "ok").count();
    let total = results.len();
    crate::client::print_json(&json!({"results": results, "captured": ok, "events": total}));
    if ok != total {
        bail!(
            "{} of {total} events were not captured; see each event's result",
            total - ok
        );
    }
    Ok(())
}

/// Events per transaction, and their JSON's most bytes (a transaction is
/// at most 60 KiB).
const BATCH_EVENTS: usize = 200;
const BATCH_BYTES: usize = 50 * 1024;

/// The document's events cut into `capture_batch` transactions, in order.
fn batches(events: &[Value]) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let (mut start, mut bytes) = (0, 0);
    for (i, e) in events.iter().enumerate() {
        let size = serde_json::to_vec(e).map_or(BATCH_BYTES, |v| v.len() + 1);
        if i > start && (i - start == BATCH_EVENTS || bytes + size > BATCH_BYTES) {
            out.push(start..i);
            (start, bytes) = (i, 0);
        }
        bytes += size;
    }
    if start < events.len() {
        out.push(start..events.len());
    }
    out
}

/// Each event's hash, and the errors of those that would be refused
/// without reading the ledger (malformed, unsupported, the same event or
/// eventID twice in the document).
fn check_events(events: &[Value]) -> (Vec<Value>, Vec<Value>) {
    let (mut report, mut errors) = (Vec::new(), Vec::new());
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for (i, e) in events.iter().enumerate() {
        let id = e.get("eventID").and_then(Value::as_str).map(str::to_string);
        let fail = |code: &str, message: String| json!({"index": i, "eventID": id, "code": code, "message": message});
        let read = epcis::read(e).and_then(|_| hash::event_hash(e));
        match read {
            Err(epcis::EventError::Invalid(m)) => errors.push(fail("medicines.invalid_event", m)),
            Err(epcis::EventError::Unsupported(m)) => {
                errors.push(fail("medicines.unsupported_event", m));
            }
            Ok((h, _)) => {
                for key in [Some(h.clone()), id.clone()].into_iter().flatten() {
                    if let Some(first) = seen.insert(key.clone(), i) {
                        errors.push(fail(
                            "medicines.duplicate_event",
                            format!("the same event as event {first} ({key})"),
                        ));
                    }
                }
                report.push(json!({"index": i, "eventID": id, "eventHash": h}));
            }
        }
    }
    (report, errors)
}
