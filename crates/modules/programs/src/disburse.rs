//! G2P Connect `disburse` requests (disbursement API v1.0.0) read and
//! checked: the header the standard requires, the list of disbursements,
//! and each disbursement against the ledger's programs and currencies.
//! What is refused here is answered with the standard's reason codes and
//! never signed. The CLI's `publica programs disburse` uses it; so can any
//! service that takes such requests.

use crate::{g2p, period};
use publica_types::AccountId;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};

/// Most disbursements in one request.
pub const DISBURSE_MAX: usize = 10_000;

/// One disbursement of a G2P request, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Disbursement {
    /// The paying program.
    pub program: String,
    /// The payee.
    pub account: AccountId,
    /// The period paid, of the program's kind.
    pub period: String,
    /// Minor units.
    pub amount: u128,
}

/// A program's currency: its code and decimal places.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payer {
    /// The currency code.
    pub currency: String,
    /// Its decimal places.
    pub decimals: u8,
    /// The kind of period the program pays by.
    pub period: period::Kind,
}

/// A G2P record refused before signing: (status reason code, message).
pub type Refusal = (&'static str, String);

/// True for an RFC 3339 date-time: `YYYY-MM-DDTHH:MM:SS`, optional
/// fraction, then `Z` or `±HH:MM`; the date must exist.
#[must_use]
pub fn rfc3339(ts: &str) -> bool {
    let b = ts.as_bytes();
    let digits = |r: std::ops::Range<usize>| {
        b.get(r.clone())
            .filter(|d| d.iter().all(u8::is_ascii_digit))
            .map(|_| ts[r].parse::<u32>().unwrap_or(u32::MAX))
    };
    let sep = |i: usize, c: &[u8]| b.get(i).is_some_and(|x| c.contains(x));
    let (Some(y), Some(mo), Some(d), Some(h), Some(mi), Some(s)) = (
        digits(0..4),
        digits(5..7),
        digits(8..10),
        digits(11..13),
        digits(14..16),
        digits(17..19),
    ) else {
        return false;
    };
    if !(sep(4, b"-") && sep(7, b"-") && sep(10, b"Tt") && sep(13, b":") && sep(16, b":")) {
        return false;
    }
    let month = publica_types::calendar::days_in_month(i64::from(y), i64::from(mo)).unwrap_or(0);
    if d == 0 || i64::from(d) > month || h > 23 || mi > 59 || s > 60 {
        return false;
    }
    let mut rest = &ts[19..];
    if let Some(frac) = rest.strip_prefix('.') {
        let n = frac.bytes().take_while(u8::is_ascii_digit).count();
        if n == 0 {
            return false;
        }
        rest = &frac[n..];
    }
    match rest.as_bytes() {
        [b'Z' | b'z'] => true,
        [b'+' | b'-', ..] if rest.len() == 6 => {
            let (oh, om) = (rest[1..3].parse::<u32>(), rest[4..6].parse::<u32>());
            rest.as_bytes()[3] == b':'
                && rest[1..3].bytes().all(|c| c.is_ascii_digit())
                && rest[4..6].bytes().all(|c| c.is_ascii_digit())
                && oh.is_ok_and(|h| h <= 23)
                && om.is_ok_and(|m| m <= 59)
        }
        _ => false,
    }
}

/// Checks one disbursement: payer program, payee account, amount exact in
/// the program's currency, currency code, and the period (from
/// `scheduled_timestamp`, else `default_period`).
///
/// # Errors
/// The standard's reason code and a sentence.
pub fn check_disbursement(
    d: &Value,
    default_period: Option<&str>,
    payers: &BTreeMap<String, Payer>,
) -> Result<Disbursement, Refusal> {
    let text = |k: &str| d.get(k).and_then(Value::as_str);
    let program = text("payer_fa")
        .and_then(|f| f.strip_prefix("publica:program:"))
        .filter(|p| payers.contains_key(*p))
        .ok_or((
            "rjct.payer_fa.invalid",
            "payer_fa must be publica:program:<id> of a program of this ledger".to_string(),
        ))?;
    let account: AccountId = text("payee_fa")
        .and_then(|f| f.strip_prefix("publica:account:"))
        .and_then(|a| a.parse().ok())
        .ok_or((
            "rjct.payee_fa.invalid",
            "payee_fa must be publica:account:<64 hex characters>".to_string(),
        ))?;
    let Payer {
        currency: code,
        decimals,
        period: kind,
    } = &payers[program];
    let amount = text("amount")
        .and_then(|a| g2p::amount_minor(a, *decimals))
        .ok_or((
            "rjct.amount.invalid",
            format!(
                "amount must be a positive decimal string with one or two places (\"25.00\"), \
                 exact in {code} ({decimals} decimals)"
            ),
        ))?;
    if d.get("currency_code")
        .is_some_and(|c| c.as_str() != Some(code.as_str()))
    {
        return Err((
            "rjct.currency_code.invalid",
            format!("currency_code must be the program's: '{program}' pays in {code}"),
        ));
    }
    // The period of the program's kind holding the timestamp's date.
    let per = match text("scheduled_timestamp") {
        Some(ts) => ts
            .get(..10)
            .filter(|_| rfc3339(ts))
            .and_then(period::start_ms)
            .map(|ms| period::of_kind(*kind, ms)),
        None if d.get("scheduled_timestamp").is_some() => None,
        None => default_period
            .filter(|p| period::kind(p) == Some(*kind))
            .map(str::to_string),
    }
    .ok_or((
        "rjct.schedule_ts.invalid",
        format!(
            "scheduled_timestamp must be an RFC 3339 date-time (the program's period holding its date is paid), or give --period ({})",
            kind.form()
        ),
    ))?;
    Ok(Disbursement {
        program: program.to_string(),
        account,
        period: per,
        amount,
    })
}

/// A `disburse` request's parts Publica acts on.
#[derive(Debug)]
pub struct Request {
    /// `message.transaction_id`.
    pub transaction_id: String,
    /// `header.sender_id`.
    pub sender_id: String,
    /// `message.disbursements`, unchecked (see [`check_all`]).
    pub disbursements: Vec<Value>,
}

/// Reads a G2P `disburse` request: the header has the members the standard
/// requires (`message_id`, `message_ts`, `action` = `disburse`,
/// `sender_id`, `total_count`), in version 1.0.0 if it says, and is not
/// encrypted (which Publica does not open); the message has a
/// `transaction_id` and 1..=[`DISBURSE_MAX`] disbursements, as many as
/// `total_count` says.
///
/// # Errors
/// A sentence naming the first member that is wrong.
pub fn request(req: &Value) -> Result<Request, String> {
    let header = |k: &str| req.pointer(&format!("/header/{k}"));
    let text = |k: &str| header(k).and_then(Value::as_str).filter(|t| !t.is_empty());
    if text("action") != Some("disburse") {
        return Err("header.action must be \"disburse\"".into());
    }
    for k in ["message_id", "sender_id"] {
        if text(k).is_none() {
            return Err(format!("header.{k} is required"));
        }
    }
    if !text("message_ts").is_some_and(rfc3339) {
        return Err("header.message_ts must be an RFC 3339 date-time".into());
    }
    if header("version").is_some_and(|v| v.as_str() != Some("1.0.0")) {
        return Err("header.version must be \"1.0.0\"".into());
    }
    if header("is_msg_encrypted").is_some_and(|e| e != &json!(false)) || req["message"].is_string()
    {
        return Err("encrypted messages are not supported".into());
    }
    let transaction_id = req
        .pointer("/message/transaction_id")
        .and_then(Value::as_str)
        .filter(|t| !t.is_empty() && t.len() <= 99)
        .ok_or("message.transaction_id (1..=99 characters) is required")?;
    let items = req
        .pointer("/message/disbursements")
        .and_then(Value::as_array)
        .filter(|a| (1..=DISBURSE_MAX).contains(&a.len()))
        .ok_or(format!(
            "message.disbursements must list 1..={DISBURSE_MAX} disbursements"
        ))?;
    if header("total_count").and_then(Value::as_u64) != Some(items.len() as u64) {
        return Err(format!(
            "header.total_count must be the number of disbursements ({})",
            items.len()
        ));
    }
    Ok(Request {
        transaction_id: transaction_id.to_string(),
        sender_id: text("sender_id").unwrap_or_default().to_string(),
        disbursements: items.clone(),
    })
}

/// One answer per disbursement, in order, and the disbursements that pass
/// the checks with their index; the others' answers are `rjct` and say
/// why. A `reference_id` is 1..=99 characters and unique in the request.
#[must_use]
pub fn check_all(
    items: &[Value],
    default_period: Option<&str>,
    payers: &BTreeMap<String, Payer>,
) -> (Vec<Value>, Vec<(usize, Disbursement)>) {
    let mut answers: Vec<Value> = Vec::with_capacity(items.len());
    let mut passed = Vec::new();
    let mut seen = BTreeSet::new();
    for (i, d) in items.iter().enumerate() {
        let reference = d["reference_id"].as_str().unwrap_or_default();
        let mut answer = json!({ "reference_id": reference });
        // Echoed only as the standard types them: strings.
        for k in ["payer_fa", "payee_fa", "amount", "currency_code"] {
            if let Some(v) = d[k].as_str() {
                answer[k] = json!(v);
            }
        }
        let checked = if reference.is_empty() || reference.len() > 99 {
            Err((
                "rjct.reference_id.invalid",
                "reference_id must be 1..=99 characters".to_string(),
            ))
        } else if !seen.insert(reference.to_string()) {
            Err((
                "rjct.reference_id.duplicate",
                "reference_id appears twice in the request".to_string(),
            ))
        } else {
            check_disbursement(d, default_period, payers)
        };
        match checked {
            Ok(x) => passed.push((i, x)),
            Err((code, why)) => {
                answer["status"] = json!("rjct");
                answer["status_reason_code"] = json!(code);
                answer["status_reason_message"] = json!(why);
            }
        }
        answers.push(answer);
    }
    (answers, passed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_date_times_are_checked_whole() {
        for good in [
            "2027-01-15T09:00:00Z",
            "2024-02-29T23:59:59.123+01:00",
            "2027-12-31t00:00:00-05:30",
        ] {
            assert!(rfc3339(good), "{good}");
        }
        for bad in [
            "2026-01-zzgarbage",
            "2027-02-29T09:00:00Z",
            "2027-01-15",
            "2027-01-15T09:00:00",
            "2027-01-15T24:00:00Z",
            "2027-01-15T09:00:00.Z",
            "2027-01-15T09:00:00+1:00",
            "2027-13-01T09:00:00Z",
        ] {
            assert!(!rfc3339(bad), "{bad}");
        }
    }
}
