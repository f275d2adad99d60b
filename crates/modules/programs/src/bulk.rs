//! The CSV files a registry and an agency import (`publica programs
//! registry-tokens`, `import-enrolments`, `import-attestations`), read into
//! the calls to sign. Reading is separate from signing so that the decoders
//! of these files can be tested and fuzzed on their own.

use crate::model::valid_name;
use crate::{nullifier, period};
use publica_types::csv::{invalid, Csv};
use publica_types::{AccountId, SignatureBytes};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// The header of a registry's file of people.
pub const REGISTRY_HEADER: &str = "person,account";
/// The header of an enrolment file (what `registry-tokens` writes).
pub const ENROLMENT_HEADER: &str = "account,nullifier,registry_signer,registry_signature";

/// Rows read into call arguments (line, args), and the reports of rows
/// refused.
pub type Rows = (Vec<(usize, Value)>, Vec<Value>);

/// A registry's people: (line, person, account). All or nothing: a
/// registry's file with one bad row, or one person twice, is refused whole.
///
/// # Errors
/// The first bad row, with its line.
pub fn registry(csv: &Csv) -> Result<Vec<(usize, String, AccountId)>, String> {
    if csv.header_line() != REGISTRY_HEADER {
        return Err(format!(
            "the first line must be the header {REGISTRY_HEADER}"
        ));
    }
    if let Some(bad) = csv.invalid.first() {
        return Err(format!("line {}: {}", bad["line"], bad["error"]));
    }
    let mut seen = BTreeMap::new();
    let mut out = Vec::with_capacity(csv.rows.len());
    for (line, cols) in &csv.rows {
        let (person, account) = match cols.as_slice() {
            [p, a] if !p.is_empty() => (p, a),
            _ => return Err(format!("line {line}: expected person,account")),
        };
        let account: AccountId = account
            .parse()
            .map_err(|e| format!("line {line}: account: {e}"))?;
        if let Some(first) = seen.insert(person.clone(), *line) {
            return Err(format!(
                "line {line}: the person of line {first} again (one person, one enrolment)"
            ));
        }
        out.push((*line, person.clone(), account));
    }
    Ok(out)
}

/// `programs.enrol` arguments, one per row of an enrolment file: the
/// header [`ENROLMENT_HEADER`], optionally followed by a `proofs` column
/// (a program's private conditions: the proofs `publica programs prove`
/// gives, joined by `;`).
///
/// # Errors
/// When the header is neither.
pub fn enrolments(csv: Csv, program: &str, agency: &str) -> Result<Rows, String> {
    let with_proofs = csv.header_line() == format!("{ENROLMENT_HEADER},proofs");
    if csv.header_line() != ENROLMENT_HEADER && !with_proofs {
        return Err(format!(
            "the first line must be the header {ENROLMENT_HEADER} (then ,proofs if the program has private conditions)"
        ));
    }
    let mut refused = csv.invalid;
    let mut rows = Vec::new();
    for (line, cols) in csv.rows {
        let (account, n, official, sig, proofs) = match (cols.as_slice(), with_proofs) {
            ([a, n, o, s], false) => (a, n, o, s, None),
            ([a, n, o, s, p], true) => (a, n, o, s, Some(p)),
            _ => {
                refused.push(invalid(
                    line,
                    if with_proofs {
                        "expected five cells"
                    } else {
                        "expected four cells"
                    },
                ));
                continue;
            }
        };
        // An empty cell: no proofs (a program without private conditions).
        let proofs: Vec<&str> = proofs
            .filter(|p| !p.is_empty())
            .map_or(vec![], |p| p.split(';').collect());
        if proofs.len() > crate::private::PRIVATE_CONDITIONS_MAX
            || proofs.iter().any(|p| {
                p.len() != 2 * publica_zk::PROOF_BYTES || !p.bytes().all(|b| b.is_ascii_hexdigit())
            })
        {
            refused.push(invalid(
                line,
                "proofs are 1..=4 proofs of 1154 hex characters, joined by ';'",
            ));
            continue;
        }
        let parsed = (
            account.parse::<AccountId>(),
            official.parse::<AccountId>(),
            sig.parse::<SignatureBytes>(),
        );
        let (Ok(account), Ok(official), Ok(sig)) = parsed else {
            refused.push(invalid(
                line,
                "account and registry_signer are 64 hex characters, registry_signature 128",
            ));
            continue;
        };
        if !nullifier::valid(n) {
            refused.push(invalid(line, "a nullifier is 64 lowercase hex characters"));
            continue;
        }
        let mut args = json!({"program": program, "account": account, "nullifier": n, "registry_signer": official, "registry_signature": sig, "agency": agency});
        if with_proofs {
            args["proofs"] = json!(proofs);
        }
        rows.push((line, args));
    }
    Ok((rows, refused))
}

/// A CSV cell as an attested value.
fn attr(cell: &str) -> Value {
    publica_types::csv::value(cell)
}

/// The columns of an attestation file: `subject` first, optional `period`
/// and `expires_ms`, the rest claim names.
struct Columns<'a> {
    period: Option<usize>,
    expires: Option<usize>,
    claims: Vec<(usize, &'a String)>,
}

fn attestation_columns(h: &[String]) -> Result<Columns<'_>, String> {
    if h.first().map(String::as_str) != Some("subject") {
        return Err(
            "the header starts with subject, then optional period and expires_ms, then claim names"
                .into(),
        );
    }
    let col = |name: &str| h.iter().position(|c| c == name);
    let (period, expires) = (col("period"), col("expires_ms"));
    let claims: Vec<(usize, &String)> = h
        .iter()
        .enumerate()
        .skip(1)
        .filter(|(i, _)| Some(*i) != period && Some(*i) != expires)
        .collect();
    if claims.is_empty() {
        return Err("the header names no claim".into());
    }
    if let Some((_, bad)) = claims.iter().find(|(_, c)| !valid_name(c)) {
        return Err(format!(
            "'{bad}' is not a claim name (lowercase letter, then [a-z0-9_], at most 64)"
        ));
    }
    Ok(Columns {
        period,
        expires,
        claims,
    })
}

/// One attestation row's arguments, or why it is refused.
fn attestation(c: &Columns<'_>, cols: &[String], agency: &str) -> Result<Value, &'static str> {
    let subject = cols[0]
        .parse::<AccountId>()
        .map_err(|_| "subject is an account (64 hex characters)")?;
    let mut args = json!({"agency": agency, "subject": subject});
    let values: Map<String, Value> = c
        .claims
        .iter()
        .filter(|(i, _)| !cols[*i].is_empty())
        .map(|(i, name)| ((*name).clone(), attr(&cols[*i])))
        .collect();
    if values.is_empty() {
        return Err("the row has no claim");
    }
    args["claims"] = Value::Object(values);
    if let Some(i) = c.period.filter(|i| !cols[*i].is_empty()) {
        if !period::valid(&cols[i]) {
            return Err("a period is YYYY-MM, YYYY-Www (an ISO week) or YYYY-MM-DD");
        }
        args["period"] = json!(cols[i]);
    }
    if let Some(i) = c.expires.filter(|i| !cols[*i].is_empty()) {
        let ms = cols[i]
            .parse::<u64>()
            .map_err(|_| "expires_ms is milliseconds since 1970")?;
        args["expires_ms"] = json!(ms);
    }
    Ok(args)
}

/// `programs.attest` arguments, one per row of an attestation file.
///
/// # Errors
/// When the header is not `subject[,period][,expires_ms],<claims>`.
pub fn attestations(csv: Csv, agency: &str, program: Option<&str>) -> Result<Rows, String> {
    let columns = attestation_columns(&csv.header)?;
    let mut refused = csv.invalid;
    let mut rows = Vec::new();
    for (line, cols) in &csv.rows {
        if cols.len() != csv.header.len() {
            refused.push(invalid(
                *line,
                format!("expected {} cells like the header", csv.header.len()),
            ));
            continue;
        }
        match attestation(&columns, cols, agency) {
            Ok(mut args) => {
                if let Some(p) = program {
                    args["program"] = json!(p);
                }
                rows.push((*line, args));
            }
            Err(why) => refused.push(invalid(*line, why)),
        }
    }
    Ok((rows, refused))
}

#[cfg(test)]
mod tests {
    use super::*;
    use publica_types::csv::parse;

    fn hex(b: char, n: usize) -> String {
        std::iter::repeat_n(b, n).collect()
    }

    #[test]
    fn registry_files_are_all_or_nothing() {
        let a = hex('a', 64);
        let ok = registry(&parse(&format!("person,account\np1,{a}\np2,{a}\n")).unwrap()).unwrap();
        assert_eq!(ok.len(), 2);
        let twice = registry(&parse(&format!("person,account\np1,{a}\np1,{a}\n")).unwrap());
        assert!(twice.unwrap_err().contains("line 3: the person of line 2"));
        assert!(registry(&parse("account,person\n").unwrap()).is_err());
        assert!(registry(&parse("person,account\np1,xyz\n").unwrap()).is_err());
    }

    #[test]
    fn enrolment_rows_are_checked_one_by_one() {
        let (a, n, s) = (hex('a', 64), hex('b', 64), hex('c', 128));
        let text = format!("{ENROLMENT_HEADER}\n{a},{n},{a},{s}\n{a},{n},{a}\n{a},XX,{a},{s}\n");
        let (rows, refused) = enrolments(parse(&text).unwrap(), "p", "ag").unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].1["nullifier"], n);
        assert_eq!(refused.len(), 2);
    }

    #[test]
    fn attestation_rows_take_claims_period_and_expiry() {
        let a = hex('a', 64);
        let text = format!(
            "subject,period,age,enrolled,expires_ms\n{a},2027-01,70,true,5\n{a},,,,\n{a},2027-13,1,,\nxx,,1,,\n{a},,1\n"
        );
        let (rows, refused) = attestations(parse(&text).unwrap(), "ag", Some("p")).unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].1["claims"], json!({"age": 70, "enrolled": true}));
        assert_eq!(rows[0].1["period"], "2027-01");
        assert_eq!(rows[0].1["expires_ms"], 5);
        assert_eq!(rows[0].1["program"], "p");
        assert_eq!(refused.len(), 4);
        assert!(attestations(parse("subject,Age\n").unwrap(), "ag", None).is_err());
        assert!(attestations(parse("subject,period\n").unwrap(), "ag", None).is_err());
        assert!(attestations(parse("person,age\n").unwrap(), "ag", None).is_err());
    }
}
