//! Transfers read from a CSV file (`publica money bulk`): the header
//! `from,to,amount[,reference]`, one `money.transfer` per row. Reading is
//! separate from signing so that the decoder of an official's file can be
//! tested and fuzzed on its own.

use crate::model::valid_id;
use publica_types::csv::{invalid, Csv};
use serde_json::Value;

/// One row's transfer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transfer {
    /// The row's line in the file.
    pub line: usize,
    /// Account paid from.
    pub from: String,
    /// Account paid to.
    pub to: String,
    /// Amount in minor units, positive.
    pub amount: u128,
    /// Free reference, empty if the row has none.
    pub reference: String,
}

/// The transfers of a CSV file, and the reports of rows refused.
///
/// # Errors
/// When the header is not `from,to,amount` or `from,to,amount,reference`.
pub fn transfers(csv: Csv) -> Result<(Vec<Transfer>, Vec<Value>), &'static str> {
    let header = csv.header_line();
    if !(header == "from,to,amount" || header == "from,to,amount,reference") {
        return Err("the first line must be the header from,to,amount[,reference]");
    }
    let mut refused = csv.invalid;
    let mut rows = Vec::new();
    for (line, cols) in csv.rows {
        if !(3..=4).contains(&cols.len()) {
            refused.push(invalid(line, "expected from,to,amount[,reference]"));
            continue;
        }
        let amount = match cols[2].parse::<u128>() {
            Ok(a) if a > 0 && !cols[2].starts_with('0') && !cols[2].starts_with('+') => a,
            _ => {
                refused.push(invalid(
                    line,
                    "amount must be a positive integer in minor units",
                ));
                continue;
            }
        };
        if !valid_id(&cols[0]) || !valid_id(&cols[1]) {
            refused.push(invalid(line, "from and to must be account ids"));
            continue;
        }
        let mut cols = cols.into_iter();
        let (from, to) = (
            cols.next().unwrap_or_default(),
            cols.next().unwrap_or_default(),
        );
        rows.push(Transfer {
            line,
            from,
            to,
            amount,
            reference: cols.nth(1).unwrap_or_default(),
        });
    }
    Ok((rows, refused))
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
}
