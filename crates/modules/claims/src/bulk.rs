//! Claims from a CSV file (`publica claims submit-bulk`): one claim per
//! row, checked here so that a bad row is reported and the others go on.
//!
//! Header: `id,member,service_date,diagnosis,items,evidence`; `items` is
//! `CODE=AMOUNT` pairs joined by `;` (amounts in minor units), `evidence`
//! record ids joined by `;` (or empty).

use crate::model::{date_days, valid_code, valid_icd10, valid_id, EVIDENCE_MAX, ITEMS_MAX};
use publica_types::csv::{invalid, Csv};
use publica_types::AccountId;
use serde_json::{json, Value};

/// The header a claims file begins with.
pub const HEADER: &str = "id,member,service_date,diagnosis,items,evidence";

/// Rows read (line, `claims.submit` arguments) and rows refused.
pub type Rows = (Vec<(usize, Value)>, Vec<Value>);

fn row(
    cols: &[String],
    provider: &str,
    agency: &str,
    plan: &str,
    payee: &str,
) -> Result<Value, String> {
    let [id, member, date, diagnosis, items, evidence] = cols else {
        return Err("expected six cells".into());
    };
    if !valid_id(id) {
        return Err(format!("id '{id}' is not 1..=64 of [a-z0-9_-]"));
    }
    let member: AccountId = member
        .parse()
        .map_err(|_| format!("member '{member}' is not a 64-hex account"))?;
    if date_days(date).is_none() {
        return Err(format!("service_date '{date}' is not a date YYYY-MM-DD"));
    }
    if !valid_icd10(diagnosis) {
        return Err(format!("diagnosis '{diagnosis}' is not an ICD-10 code"));
    }
    let items: Vec<Value> = items
        .split(';')
        .map(|pair| {
            let (code, amount) = pair
                .split_once('=')
                .ok_or_else(|| format!("item '{pair}' is not CODE=AMOUNT"))?;
            let ok = valid_code(code)
                && !amount.is_empty()
                && amount.len() <= 20
                && amount.bytes().all(|b| b.is_ascii_digit());
            if !ok {
                return Err(format!(
                    "item '{pair}' is not CODE=AMOUNT (amount in minor units)"
                ));
            }
            Ok(json!({"code": code, "amount": amount}))
        })
        .collect::<Result<_, String>>()?;
    if items.is_empty() || items.len() > ITEMS_MAX {
        return Err(format!("a claim has 1..={ITEMS_MAX} items"));
    }
    let evidence: Vec<&str> = evidence.split(';').filter(|e| !e.is_empty()).collect();
    if evidence.len() > EVIDENCE_MAX {
        return Err(format!("at most {EVIDENCE_MAX} evidence records"));
    }
    Ok(
        json!({"provider": provider, "id": id, "agency": agency, "plan": plan, "member": member,
        "service_date": date, "diagnosis": diagnosis, "items": items, "evidence": evidence, "payee": payee}),
    )
}

/// Reads a claims file into `claims.submit` arguments.
///
/// # Errors
/// When the header is not [`HEADER`].
pub fn claims(
    csv: Csv,
    provider: &str,
    agency: &str,
    plan: &str,
    payee: &str,
) -> Result<Rows, String> {
    if csv.header_line() != HEADER {
        return Err(format!("the first line must be the header {HEADER}"));
    }
    let mut refused = csv.invalid;
    let mut rows = Vec::new();
    for (line, cols) in csv.rows {
        match row(&cols, provider, agency, plan, payee) {
            Ok(args) => rows.push((line, args)),
            Err(why) => refused.push(invalid(line, why)),
        }
    }
    Ok((rows, refused))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_read_and_bad_ones_named() {
        let m = "ab".repeat(32);
        let text = format!(
            "{HEADER}\nc1,{m},2027-03-01,E11.9,99213=15000;80053=4000,\nc2,{m},2027-02-30,E11.9,99213=1,\nc3,{m},2027-03-01,E11.9,99213=-5,\nc4,{m},2027-03-01,diabetes,99213=1,\nc5,{m},2027-03-01,I10,99213=1,{}\n",
            "cd".repeat(32)
        );
        let csv = publica_types::csv::parse(&text).unwrap();
        let (rows, refused) = claims(csv, "hospital", "insurer", "basic", "h:claims").unwrap();
        assert_eq!(rows.iter().map(|(l, _)| *l).collect::<Vec<_>>(), [2, 6]);
        assert_eq!(
            rows[0].1["items"][1],
            json!({"code": "80053", "amount": "4000"})
        );
        assert_eq!(rows[1].1["evidence"].as_array().unwrap().len(), 1);
        let why: Vec<&str> = refused
            .iter()
            .map(|r| r["error"].as_str().unwrap())
            .collect();
        assert!(
            why[0].contains("service_date")
                && why[1].contains("CODE=AMOUNT")
                && why[2].contains("ICD-10"),
            "{why:?}"
        );
        let bad = publica_types::csv::parse("id,member\n").unwrap();
        assert!(claims(bad, "h", "i", "p", "a").is_err());
    }
}
