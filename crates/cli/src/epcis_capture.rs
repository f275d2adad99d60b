//! `publica medicines capture`: an EPCIS 2.0 document split into its
//! events, each checked here as the ledger reads it (an invalid event
//! stops the whole document before anything is signed, as EPCIS's capture
//! does by default, with every failing event listed), then each signed by
//! the capturing party's key and submitted as its own transaction, in the
//! document's order; the report gives each event's hash and result.

use crate::bulk::{Call, Session, SignerArgs};
use anyhow::{bail, Context, Result};
use publica_medicines::{epcis, hash};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::Path;

/// Reads `file`, checks its events; `check` stops there.
pub async fn capture(signer: &SignerArgs, file: &Path, check: bool) -> Result<()> {
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
    let events = epcis::document_events(&doc).map_err(|e| anyhow::anyhow!("{e}"))?;
    let (report, errors) = check_events(&events);
    if !errors.is_empty() {
        crate::client::print_json(&json!({
            "type": "epcisException:ValidationException",
            "title": "The document has invalid events: nothing was captured",
            "status": 400,
            "errors": errors,
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
    let calls: Vec<Call> = events
        .into_iter()
        .enumerate()
        .map(|(i, event)| Call {
            line: i,
            module: "medicines",
            method: "capture",
            args: json!({ "event": event }),
        })
        .collect();
    let session = Session::open(signer).await?;
    let done = session.submit(&calls).await?;
    let results: Vec<Value> = done
        .iter()
        .zip(&report)
        .enumerate()
        .map(|(i, (d, r))| {
            let mut line = d.report(i);
            line.as_object_mut().map(|o| o.remove("line"));
            line["index"] = json!(i);
            line["eventHash"] = r["eventHash"].clone();
            if !r["eventID"].is_null() {
                line["eventID"] = r["eventID"].clone();
            }
            line
        })
        .collect();
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
