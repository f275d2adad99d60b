//! Transfers read from a CSV file (`publica money bulk`): the header
//! `from,to,amount[,reference]` (amounts in minor units, e.g. cents) or
//! `from,to,amount_major[,reference]` (amounts in major units as people
//! write them, `100`, `100.00` or `100,50`, checked against the currency's
//! decimals), one `money.transfer` per row. Reading is separate from
//! signing so that the decoder of an official's file can be tested and
//! fuzzed on its own.

use crate::model::valid_id;
use publica_types::csv::{invalid, Csv};
use serde_json::Value;
use std::collections::BTreeMap;

/// One row's transfer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transfer {
    /// The row's line in the file.
    pub line: usize,
    /// Account paid from.
    pub from: String,
    /// Account paid to.
    pub to: String,
    /// Amount in minor units, positive (zero until [`in_minor_units`]
    /// converts a major-unit amount).
    pub amount: u128,
    /// The amount as written in major units, when the file gives them.
    pub major: Option<String>,
    /// Free reference, empty if the row has none.
    pub reference: String,
}

/// The transfers of a CSV file, and the reports of rows refused.
///
/// # Errors
/// When the header is not `from,to,amount[,reference]` or
/// `from,to,amount_major[,reference]`.
pub fn transfers(csv: Csv) -> Result<(Vec<Transfer>, Vec<Value>), &'static str> {
    let header = csv.header_line();
    let major = match header.as_str() {
        "from,to,amount" | "from,to,amount,reference" => false,
        "from,to,amount_major" | "from,to,amount_major,reference" => true,
        _ => {
            return Err("the first line must be the header from,to,amount[,reference] (minor units) or from,to,amount_major[,reference]")
        }
    };
    let mut refused = csv.invalid;
    let mut rows = Vec::new();
    for (line, cols) in csv.rows {
        if !(3..=4).contains(&cols.len()) {
            refused.push(invalid(
                line,
                "expected from,to,amount[,reference] (a decimal comma in a comma-separated file needs quotes)",
            ));
            continue;
        }
        let amount = if major {
            // Checked against the currency's decimals once it is known.
            if major_units(&cols[2], 18).is_err() {
                refused.push(invalid(
                    line,
                    "amount_major must be a positive amount like 100, 100.00 or 100,50 (no sign, no thousands separators)",
                ));
                continue;
            }
            0
        } else {
            match cols[2].parse::<u128>() {
                Ok(a) if a > 0 && !cols[2].starts_with('0') && !cols[2].starts_with('+') => a,
                _ => {
                    let hint = if cols[2].contains(['.', ',']) {
                        "amount must be a positive integer in minor units (cents): name the column amount_major to write 100.00"
                    } else {
                        "amount must be a positive integer in minor units"
                    };
                    refused.push(invalid(line, hint));
                    continue;
                }
            }
        };
        if !valid_id(&cols[0]) || !valid_id(&cols[1]) {
            refused.push(invalid(line, "from and to must be account ids"));
            continue;
        }
        let mut cols = cols.into_iter();
        let (from, to, written) = (
            cols.next().unwrap_or_default(),
            cols.next().unwrap_or_default(),
            cols.next().unwrap_or_default(),
        );
        rows.push(Transfer {
            line,
            from,
            to,
            amount,
            major: major.then_some(written),
            reference: cols.next().unwrap_or_default(),
        });
    }
    Ok((rows, refused))
}

/// An amount written in major units (`100`, `100.00`, `100,5`: digits, then
/// a decimal point or comma and at most `decimals` digits) in minor units.
///
/// # Errors
/// The reason, for the row's report.
pub fn major_units(text: &str, decimals: u8) -> Result<u128, String> {
    let (whole, fraction) = match text.split_once(['.', ',']) {
        Some((w, f)) => (w, f),
        None => (text, ""),
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole) || (text.len() > whole.len() && !digits(fraction)) {
        return Err(format!(
            "'{text}' is not an amount like 100, 100.00 or 100,50"
        ));
    }
    if whole.len() > 1 && whole.starts_with('0') {
        return Err(format!("'{text}': no leading zeros"));
    }
    if fraction.len() > usize::from(decimals) {
        return Err(format!(
            "'{text}' has {} decimal places; the currency has {decimals}",
            fraction.len()
        ));
    }
    let scale = 10u128.pow(u32::from(decimals));
    let minor = whole
        .parse::<u128>()
        .ok()
        .and_then(|w| w.checked_mul(scale))
        .and_then(|w| {
            let f = if fraction.is_empty() {
                0
            } else {
                fraction.parse::<u128>().ok()?
            };
            w.checked_add(f * 10u128.pow(u32::from(decimals) - fraction.len() as u32))
        })
        .ok_or_else(|| format!("'{text}' is too large"))?;
    if minor == 0 {
        return Err(format!("'{text}' is zero"));
    }
    Ok(minor)
}

/// Converts the major-unit amounts of `rows` with the decimals of the
/// account each pays from (`decimals`, by account id); answers the reports
/// of the rows refused (unknown account, too many decimal places), which
/// leave `rows`.
pub fn in_minor_units(rows: &mut Vec<Transfer>, decimals: &BTreeMap<String, u8>) -> Vec<Value> {
    let mut refused = Vec::new();
    rows.retain_mut(|t| {
        let Some(written) = &t.major else {
            return true;
        };
        let converted = decimals
            .get(&t.from)
            .ok_or_else(|| format!("no account '{}' (its currency gives the decimals)", t.from))
            .and_then(|d| major_units(written, *d));
        match converted {
            Ok(minor) => {
                t.amount = minor;
                true
            }
            Err(why) => {
                refused.push(invalid(t.line, &why));
                false
            }
        }
    });
    refused
}

#[cfg(test)]
mod tests {
    use super::*;
    use publica_types::csv::parse;

    #[test]
    fn reads_transfers_and_reports_bad_rows() {
        let text = "from,to,amount,reference\na,b,10,rent\na,b,010\na,b,+5\nA B,b,3\na,b\na,b,7\n";
        let (rows, refused) = transfers(parse(text).unwrap()).unwrap();
        let lines: Vec<_> = rows.iter().map(|t| (t.line, t.amount)).collect();
        assert_eq!(lines, [(2, 10), (7, 7)]);
        assert_eq!(rows[0].reference, "rent");
        assert_eq!(rows[1].reference, "");
        let bad: Vec<_> = refused
            .iter()
            .map(|r| r["line"].as_u64().unwrap())
            .collect();
        assert_eq!(bad, [3, 4, 5, 6]);
        assert!(transfers(parse("to,from,amount\n").unwrap()).is_err());
    }

    #[test]
    fn major_units_as_people_write_them() {
        for (text, decimals, minor) in [
            ("100", 2, 10_000),
            ("100.00", 2, 10_000),
            ("100,5", 2, 10_050),
            ("0.01", 2, 1),
            ("7", 0, 7),
            ("1.234", 3, 1_234),
        ] {
            assert_eq!(major_units(text, decimals), Ok(minor), "{text}");
        }
        for (text, decimals) in [
            ("1.234", 2),
            ("1.5", 0),
            ("0", 2),
            ("0.00", 2),
            ("-1", 2),
            ("+1", 2),
            ("1 000", 2),
            ("1.000,00", 2),
            (".5", 2),
            ("5.", 2),
            ("01", 2),
            ("", 2),
            ("1e3", 2),
            ("340282366920938463463374607431768211455", 2),
        ] {
            assert!(major_units(text, decimals).is_err(), "{text}");
        }
    }

    #[test]
    fn a_major_column_converts_with_each_accounts_decimals() {
        let text = "\u{feff}from;to;amount_major;reference\na;b;100,50;r1\nc;b;3;r2\na;b;1.234;r3\nz;b;1;r4\na;b;-1;r5\n";
        let (mut rows, refused) = transfers(parse(text).unwrap()).unwrap();
        assert_eq!(refused.len(), 1, "the negative amount");
        let decimals = BTreeMap::from([("a".to_string(), 2u8), ("c".to_string(), 0u8)]);
        let refused = in_minor_units(&mut rows, &decimals);
        let got: Vec<_> = rows.iter().map(|t| (t.line, t.amount)).collect();
        assert_eq!(got, [(2, 10_050), (3, 3)]);
        let lines: Vec<_> = refused
            .iter()
            .map(|r| r["line"].as_u64().unwrap())
            .collect();
        assert_eq!(lines, [4, 5], "three decimal places; no such account");
        let (_, refused) = transfers(parse("from,to,amount\na,b,100.00\n").unwrap()).unwrap();
        assert!(
            refused[0]["error"]
                .as_str()
                .unwrap()
                .contains("amount_major"),
            "{refused:?}"
        );
    }
}
