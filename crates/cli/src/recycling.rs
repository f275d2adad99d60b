//! `publica recycling …`: a collection point's deposits and an
//! organisation's volunteer work, attested from the CSV their systems
//! export, one signed call per row (docs/recycling.md).

use crate::bulk::{self, read_csv, Call, Session, SignerArgs};
use crate::client::checked_id;
use anyhow::Result;
use clap::Subcommand;
use publica_types::csv::{invalid, Csv};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

/// `publica recycling …`.
#[derive(Subcommand, Debug)]
pub enum RecyclingCmd {
    /// Attest a collection point's deposits from a CSV
    /// (`account,material,grams,reference`), signed by the point's key
    /// (--key); each citizen's account is credited by the rate table in
    /// force. Prints one result per row; exits non-zero unless every row
    /// went through (a row's reference makes a second run refuse, not
    /// pay twice).
    Deposits {
        #[command(flatten)]
        signer: SignerArgs,
        /// The agency running the scheme.
        #[arg(long)]
        agency: String,
        /// The collection point's id.
        #[arg(long)]
        point: String,
        /// The deposits file.
        file: PathBuf,
    },
    /// Attest volunteer work from a CSV (`account,minutes,reference`),
    /// signed by the organisation's key (--key); each row pays the
    /// scheme's hourly rate, within the person's monthly cap and the
    /// organisation's budget.
    Volunteering {
        #[command(flatten)]
        signer: SignerArgs,
        /// The agency running the scheme.
        #[arg(long)]
        agency: String,
        /// The organisation's id.
        #[arg(long)]
        org: String,
        /// The attestations file.
        file: PathBuf,
    },
}

/// The rows to send (line, call arguments) and the reports of rows
/// refused before signing.
type Rows = (Vec<(usize, Value)>, Vec<Value>);

/// Each row as call arguments (`base` plus the named columns, numbers
/// where `numeric`), or the row's refusal.
fn rows(file: &Path, csv: &Csv, columns: &[&str], numeric: &[&str], base: &Value) -> Result<Rows> {
    let mut at = Vec::with_capacity(columns.len());
    for c in columns {
        let i = csv.header.iter().position(|h| h == c).ok_or_else(|| {
            anyhow::anyhow!(
                "{}: no column '{c}' ({})",
                file.display(),
                columns.join(", ")
            )
        })?;
        at.push(i);
    }
    let (mut ok, mut bad) = (vec![], vec![]);
    'rows: for (line, cells) in &csv.rows {
        let mut args = base.clone();
        for (c, &i) in columns.iter().zip(&at) {
            let cell = cells.get(i).map(String::as_str).unwrap_or_default();
            if numeric.contains(c) {
                match cell.parse::<u64>() {
                    Ok(n) => args[*c] = json!(n),
                    Err(_) => {
                        bad.push(invalid(
                            *line,
                            format!("{c} is not a whole number: '{cell}'"),
                        ));
                        continue 'rows;
                    }
                }
            } else if cell.is_empty() {
                bad.push(invalid(*line, format!("{c} is empty")));
                continue 'rows;
            } else {
                args[*c] = json!(cell);
            }
        }
        ok.push((*line, args));
    }
    Ok((ok, bad))
}

async fn attest(
    signer: &SignerArgs,
    method: &'static str,
    file: &Path,
    rows: Rows,
    summary: Value,
) -> Result<()> {
    let (ok, mut results) = rows;
    let calls: Vec<Call> = ok
        .into_iter()
        .map(|(line, args)| Call {
            line,
            module: "recycling",
            method,
            args,
        })
        .collect();
    if !calls.is_empty() {
        let session = Session::open(signer).await?;
        let done = session.submit(&calls).await?;
        results.extend(calls.iter().zip(&done).map(|(c, d)| d.report(c.line)));
    }
    let mut summary = summary;
    summary["file"] = json!(file.display().to_string());
    bulk::finish(results, summary)
}

/// Runs a recycling command.
pub async fn run(cmd: RecyclingCmd) -> Result<()> {
    match cmd {
        RecyclingCmd::Deposits {
            signer,
            agency,
            point,
            file,
        } => {
            checked_id("agency", &agency)?;
            checked_id("point", &point)?;
            let csv = read_csv(&file)?;
            let base = json!({"agency": agency, "point": point});
            let r = rows(
                &file,
                &csv,
                &["account", "material", "grams", "reference"],
                &["grams"],
                &base,
            )?;
            attest(&signer, "deposit", &file, r, json!({"point": point})).await
        }
        RecyclingCmd::Volunteering {
            signer,
            agency,
            org,
            file,
        } => {
            checked_id("agency", &agency)?;
            checked_id("org", &org)?;
            let csv = read_csv(&file)?;
            let base = json!({"agency": agency, "org": org});
            let r = rows(
                &file,
                &csv,
                &["account", "minutes", "reference"],
                &["minutes"],
                &base,
            )?;
            attest(
                &signer,
                "attest_volunteering",
                &file,
                r,
                json!({"org": org}),
            )
            .await
        }
    }
}
