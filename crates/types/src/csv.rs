//! The CSV files that officials import in bulk (`publica money bulk`, the
//! programs' enrolment and attestation imports): a header line, then one
//! row per line, cells separated by commas, no quoting. The reader is
//! bounded and never fails on a row: a row it cannot read is reported with
//! its line number, and the rest go on. [`table`] writes the reports the
//! ledger gives as CSV.

use serde_json::{json, Value};

/// Most data rows in one file.
pub const ROWS_MAX: usize = 100_000;
/// Largest file, in bytes.
pub const BYTES_MAX: usize = 64 << 20;

/// A CSV file: the header's column names and the data rows (line number,
/// trimmed cells). Rows that cannot be read are already in `invalid`.
#[derive(Debug, Default)]
pub struct Csv {
    /// The header's column names, trimmed.
    pub header: Vec<String>,
    /// Data rows: 1-based line number and trimmed cells.
    pub rows: Vec<(usize, Vec<String>)>,
    /// Per-row reports of rows refused (see [`invalid`]).
    pub invalid: Vec<Value>,
}

/// Why a whole file is refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CsvError {
    /// Over [`BYTES_MAX`].
    #[error("larger than 64 MiB")]
    TooLarge,
    /// No header line.
    #[error("the first line must be the header")]
    NoHeader,
    /// Over [`ROWS_MAX`] rows.
    #[error("at most {ROWS_MAX} rows per file")]
    TooManyRows,
}

/// A cell as a JSON value: `true` and `false` are booleans, an integer
/// (i64) is a number, anything else a string.
#[must_use]
pub fn value(cell: &str) -> Value {
    match cell {
        "true" => json!(true),
        "false" => json!(false),
        _ => match cell.parse::<i64>() {
            Ok(i) => json!(i),
            Err(_) => json!(cell),
        },
    }
}

/// The report of a row refused before anything was signed.
#[must_use]
pub fn invalid(line: usize, why: impl Into<String>) -> Value {
    json!({"line": line, "status": "invalid", "error": why.into()})
}

fn cells(line: &str) -> Vec<String> {
    line.split(',').map(|c| c.trim().to_string()).collect()
}

/// Reads a CSV text. Blank lines are skipped; a line with a quote is
/// refused (quoting is not supported, and a silent misreading of money
/// would be worse than a refusal).
///
/// # Errors
/// When the text is too large, has no header or too many rows.
pub fn parse(text: &str) -> Result<Csv, CsvError> {
    if text.len() > BYTES_MAX {
        return Err(CsvError::TooLarge);
    }
    let mut lines = text.lines().enumerate();
    let header = match lines.next() {
        Some((_, h)) if !h.trim().is_empty() => cells(h),
        _ => return Err(CsvError::NoHeader),
    };
    let mut csv = Csv {
        header,
        ..Csv::default()
    };
    for (i, line) in lines {
        if line.trim().is_empty() {
            continue;
        }
        if csv.rows.len() + csv.invalid.len() == ROWS_MAX {
            return Err(CsvError::TooManyRows);
        }
        if line.contains('"') {
            csv.invalid
                .push(invalid(i + 1, "quoted cells are not supported"));
            continue;
        }
        csv.rows.push((i + 1, cells(line)));
    }
    Ok(csv)
}

impl Csv {
    /// The header as one line, as written (`a,b,c`).
    #[must_use]
    pub fn header_line(&self) -> String {
        self.header.join(",")
    }
}

/// Writes `rows` (JSON objects) as CSV with the header `columns`, one
/// line per row: strings as they are, numbers and booleans as JSON writes
/// them, null as an empty cell, an object of counts as `key=value` joined
/// by `;`. A cell holding a comma, quote or line break is quoted (RFC
/// 4180), and one that a spreadsheet would take for a formula (`=`, `+`,
/// `-`, `@` first) is prefixed with `'`.
#[must_use]
pub fn table<'a>(columns: &[&str], rows: impl IntoIterator<Item = &'a Value>) -> String {
    let cell = |v: &Value| -> String {
        let text = match v {
            Value::String(s) => s.clone(),
            Value::Null => String::new(),
            Value::Object(m) => m
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join(";"),
            other => other.to_string(),
        };
        let text = if !v.is_number() && text.starts_with(['=', '+', '-', '@']) {
            format!("'{text}")
        } else {
            text
        };
        if text.contains([',', '"', '\n', '\r']) {
            format!("\"{}\"", text.replace('"', "\"\""))
        } else {
            text
        }
    };
    let mut out = columns.join(",") + "\n";
    for row in rows {
        let cells: Vec<String> = columns.iter().map(|c| cell(&row[*c])).collect();
        out += &(cells.join(",") + "\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_rows_and_refuses_what_it_cannot_read() {
        let c = parse("a, b\n1,2\n\n\"x\",3\n 4 ,5\n").unwrap();
        assert_eq!(c.header, ["a", "b"]);
        assert_eq!(
            c.rows,
            [
                (2, vec!["1".into(), "2".into()]),
                (5, vec!["4".into(), "5".into()])
            ]
        );
        assert_eq!(c.invalid, [invalid(4, "quoted cells are not supported")]);
        assert_eq!(c.header_line(), "a,b");
        assert_eq!(parse("").unwrap_err(), CsvError::NoHeader);
        assert_eq!(parse(" \n1\n").unwrap_err(), CsvError::NoHeader);
        let too_many = format!("a\n{}", "1\n".repeat(ROWS_MAX + 1));
        assert_eq!(parse(&too_many).unwrap_err(), CsvError::TooManyRows);
        assert!(parse(&too_many[..too_many.len() - 2]).is_ok());
    }

    #[test]
    fn tables_quote_what_needs_it() {
        let rows = [
            json!({"a": "x", "b": 1.5, "c": null, "d": {"k": 2, "m": 3}}),
            json!({"a": "say \"hi\", then", "b": -2, "c": true, "d": "=SUM(A1)"}),
        ];
        assert_eq!(
            table(&["a", "b", "c", "d"], &rows),
            "a,b,c,d\nx,1.5,,k=2;m=3\n\"say \"\"hi\"\", then\",-2,true,'=SUM(A1)\n"
        );
    }
}
