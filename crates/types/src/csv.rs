//! The CSV files that officials import in bulk (`publica money bulk`, the
//! programs' enrolment and attestation imports, the recycling and claims
//! imports): a header line, then one record per row, as spreadsheets write
//! them — a UTF-8 byte-order mark, cells quoted as RFC 4180 says (with
//! separators, quotes and line breaks inside), semicolons as separators
//! where the decimal mark is a comma. The reader is bounded and never
//! fails on a row: a row it cannot read is reported with its line number,
//! and the rest go on. [`table`] writes the reports the ledger gives as
//! CSV.

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
    /// The header's quoting is broken.
    #[error("the header line: {0}")]
    BadHeader(&'static str),
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

/// A record's cells, or why it cannot be read.
type Record = Result<Vec<String>, &'static str>;

/// Splits `text` into records (1-based line where each starts, and its
/// cells: unquoted ones trimmed, quoted ones as written), RFC 4180 style
/// with `sep` between cells. Blank lines give no record.
fn records(text: &str, sep: char) -> Vec<(usize, Record)> {
    let mut out = Vec::new();
    let (mut line, mut start) = (1usize, 1usize);
    let (mut cells, mut cur) = (Vec::new(), String::new());
    let (mut in_quotes, mut quoted, mut closed) = (false, false, false);
    let mut err: Option<&'static str> = None;
    let mut chars = text.chars().peekable();
    let finish = |cells: &mut Vec<String>, cur: &mut String, quoted: bool| {
        let cell = std::mem::take(cur);
        cells.push(if quoted {
            cell
        } else {
            cell.trim().to_string()
        });
    };
    while let Some(c) = chars.next() {
        if in_quotes {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    cur.push('"');
                }
                '"' => (in_quotes, closed) = (false, true),
                '\n' => {
                    line += 1;
                    cur.push('\n');
                }
                _ => cur.push(c),
            }
            continue;
        }
        match c {
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' | '\r' => {
                finish(&mut cells, &mut cur, quoted);
                let blank = !quoted && cells.len() == 1 && cells[0].is_empty();
                if !blank {
                    out.push((
                        start,
                        err.take().map_or(Ok(std::mem::take(&mut cells)), Err),
                    ));
                }
                cells.clear();
                err = None;
                (quoted, closed) = (false, false);
                line += 1;
                start = line;
            }
            c if c == sep => {
                finish(&mut cells, &mut cur, quoted);
                (quoted, closed) = (false, false);
            }
            '"' if !quoted && !closed && cur.trim().is_empty() => {
                cur.clear();
                (in_quotes, quoted) = (true, true);
            }
            '"' => {
                err.get_or_insert("a quote inside an unquoted cell (quote the whole cell, doubling the quotes in it)");
            }
            c if closed => {
                if !c.is_whitespace() {
                    err.get_or_insert("text after a quoted cell's closing quote");
                }
            }
            _ => cur.push(c),
        }
    }
    if in_quotes {
        err = Some("a quoted cell is never closed");
    }
    finish(&mut cells, &mut cur, quoted);
    let blank = !quoted && cells.len() == 1 && cells[0].is_empty();
    if !blank || err.is_some() {
        out.push((start, err.map_or(Ok(cells), Err)));
    }
    out
}

/// Reads a CSV text as spreadsheets write it: a UTF-8 byte-order mark is
/// skipped; cells are separated by commas — or by semicolons when the
/// header line has semicolons and no comma (a spreadsheet where the
/// decimal mark is the comma); a cell may be quoted (RFC 4180: `""` is a
/// quote within, separators and line breaks inside are kept), and a row's
/// line number is the line where it starts. Blank lines are skipped; a row
/// whose quoting is broken is reported and the rest go on.
///
/// # Errors
/// When the text is too large, has no header, a header whose quoting is
/// broken, or too many rows.
pub fn parse(text: &str) -> Result<Csv, CsvError> {
    if text.len() > BYTES_MAX {
        return Err(CsvError::TooLarge);
    }
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let first = text.lines().next().unwrap_or("");
    if first.trim().is_empty() {
        return Err(CsvError::NoHeader);
    }
    let sep = if first.contains(';') && !first.contains(',') {
        ';'
    } else {
        ','
    };
    let mut records = records(text, sep).into_iter();
    let header = match records.next() {
        Some((1, Ok(h))) => h,
        Some((1, Err(e))) => return Err(CsvError::BadHeader(e)),
        _ => return Err(CsvError::NoHeader),
    };
    let mut csv = Csv {
        header,
        ..Csv::default()
    };
    for (line, r) in records {
        if csv.rows.len() + csv.invalid.len() == ROWS_MAX {
            return Err(CsvError::TooManyRows);
        }
        match r {
            Ok(cells) => csv.rows.push((line, cells)),
            Err(why) => csv.invalid.push(invalid(line, why)),
        }
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

    fn row(line: usize, cells: &[&str]) -> (usize, Vec<String>) {
        (line, cells.iter().map(|c| (*c).to_string()).collect())
    }

    #[test]
    fn reads_rows_and_refuses_what_it_cannot_read() {
        let c = parse("a, b\n1,2\n\n\"x\",3\n 4 ,5\nx\"y,6\n\"z\" w,7\n").unwrap();
        assert_eq!(c.header, ["a", "b"]);
        assert_eq!(
            c.rows,
            [
                row(2, &["1", "2"]),
                row(4, &["x", "3"]),
                row(5, &["4", "5"])
            ]
        );
        assert_eq!(c.invalid.len(), 2);
        assert_eq!(c.invalid[0]["line"], 6);
        assert_eq!(c.invalid[1]["line"], 7);
        assert_eq!(c.header_line(), "a,b");
        assert_eq!(parse("").unwrap_err(), CsvError::NoHeader);
        assert_eq!(parse(" \n1\n").unwrap_err(), CsvError::NoHeader);
        let too_many = format!("a\n{}", "1\n".repeat(ROWS_MAX + 1));
        assert_eq!(parse(&too_many).unwrap_err(), CsvError::TooManyRows);
        assert!(parse(&too_many[..too_many.len() - 2]).is_ok());
    }

    #[test]
    fn reads_files_as_spreadsheets_write_them() {
        // A byte-order mark, semicolons, quoted cells with separators,
        // doubled quotes and a line break, CRLF line ends.
        let text = "\u{feff}account;amount;note\r\nwallet:1;100,50;\"rent; March\"\r\n\"wallet:2\";7;\"say \"\"hi\"\"\r\nthen\"\r\n\r\nwallet:3;1;plain\r\n";
        let c = parse(text).unwrap();
        assert_eq!(c.header, ["account", "amount", "note"]);
        assert_eq!(
            c.rows,
            [
                row(2, &["wallet:1", "100,50", "rent; March"]),
                row(3, &["wallet:2", "7", "say \"hi\"\r\nthen"]),
                row(6, &["wallet:3", "1", "plain"]),
            ]
        );
        assert!(c.invalid.is_empty());
        // Commas win when the header has them; a quote never closed is
        // reported, not read as the rest of the file.
        let c = parse("a,b\n\"1;2\",3\n\"open,4\n5,6\n").unwrap();
        assert_eq!(c.rows, [row(2, &["1;2", "3"])]);
        assert_eq!(c.invalid, [invalid(3, "a quoted cell is never closed")]);
        assert_eq!(
            parse("\"a,b\n").unwrap_err(),
            CsvError::BadHeader("a quoted cell is never closed")
        );
        // What the table writer quotes reads back the same.
        let rows = [json!({"a": "x, \"y\"", "b": "line\nbreak"})];
        let back = parse(&table(&["a", "b"], &rows)).unwrap();
        assert_eq!(back.rows, [row(2, &["x, \"y\"", "line\nbreak"])]);
    }

    proptest::proptest! {
        /// What [`table`] writes, [`parse`] reads back cell for cell, with
        /// the separators, quotes and line breaks inside cells.
        #[test]
        fn what_tables_write_parses_back(
            rows in proptest::collection::vec(proptest::collection::vec("[a-z0-9,;\" \n]{0,10}", 3), 1..20)
        ) {
            let rows: Vec<Vec<String>> = rows
                .into_iter()
                .map(|r| r.into_iter().map(|c| c.trim().to_string()).collect())
                .collect();
            let values: Vec<Value> = rows
                .iter()
                .map(|r| json!({"a": r[0], "b": r[1], "c": r[2]}))
                .collect();
            let back = parse(&table(&["a", "b", "c"], &values)).unwrap();
            proptest::prop_assert!(back.invalid.is_empty());
            let cells: Vec<Vec<String>> = back.rows.into_iter().map(|(_, c)| c).collect();
            proptest::prop_assert_eq!(cells, rows);
        }
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
