//! `publica energy …`: a meter's interval readings signed with the
//! meter's key and submitted in batches (docs/energy.md).

use crate::bulk::{read_csv, Call, Session, SignerArgs};
use crate::client::print_json;
use anyhow::{anyhow, bail, Result};
use clap::Subcommand;
use publica_energy::model::{signing_bytes, Reading, BATCH_MAX};
use serde_json::json;
use std::path::PathBuf;

/// `publica energy …`.
#[derive(Subcommand, Debug)]
pub enum EnergyCmd {
    /// Sign a CSV of interval readings (`start_ms,import_wh,export_wh`,
    /// oldest first) with the meter's key and submit them in batches of up
    /// to 672 intervals; prints one report per batch and exits non-zero if
    /// any was refused (the batches before it stay accepted).
    SubmitReadings {
        #[command(flatten)]
        signer: SignerArgs,
        /// The meter's key file (it signs the readings; --key signs the
        /// transactions, e.g. a data concentrator's).
        #[arg(long)]
        meter_key: PathBuf,
        /// The agency running the registry.
        #[arg(long)]
        agency: String,
        /// The meter's id.
        #[arg(long)]
        meter: String,
        /// The readings file.
        file: PathBuf,
    },
}

fn readings(file: &std::path::Path) -> Result<Vec<(usize, Reading)>> {
    let csv = read_csv(file)?;
    let col = |name: &str| {
        csv.header.iter().position(|h| h == name).ok_or_else(|| {
            anyhow!(
                "{}: no column '{name}' (start_ms, import_wh, export_wh)",
                file.display()
            )
        })
    };
    let (s, i, e) = (col("start_ms")?, col("import_wh")?, col("export_wh")?);
    let mut out = Vec::with_capacity(csv.rows.len());
    for (line, cells) in &csv.rows {
        let num = |c: usize, what: &str| -> Result<u64> {
            cells.get(c).and_then(|v| v.parse().ok()).ok_or_else(|| {
                anyhow!(
                    "{} line {line}: {what} is not a whole number",
                    file.display()
                )
            })
        };
        out.push((
            *line,
            Reading {
                start_ms: num(s, "start_ms")?,
                import_wh: num(i, "import_wh")?,
                export_wh: num(e, "export_wh")?,
            },
        ));
    }
    if out.is_empty() {
        bail!("{}: no readings", file.display());
    }
    Ok(out)
}

/// Runs an energy command.
pub async fn run(cmd: EnergyCmd) -> Result<()> {
    match cmd {
        EnergyCmd::SubmitReadings {
            signer,
            meter_key,
            agency,
            meter,
            file,
        } => {
            crate::client::checked_id("agency", &agency)?;
            crate::client::checked_id("meter", &meter)?;
            let rows = readings(&file)?;
            let meter_kp = crate::commands::open_key(&meter_key, &signer.pass)?;
            let session = Session::open(&signer).await?;
            let calls: Vec<Call> = rows
                .chunks(BATCH_MAX)
                .map(|chunk| {
                    let batch: Vec<Reading> = chunk.iter().map(|(_, r)| r.clone()).collect();
                    let sig = meter_kp.sign(&signing_bytes(session.chain_id(), &agency, &meter, &batch));
                    Call {
                        line: chunk[0].0,
                        module: "energy",
                        method: "submit_readings",
                        args: json!({"agency": agency, "meter": meter, "readings": batch, "signature": sig}),
                    }
                })
                .collect();
            let done = session.submit(&calls).await?;
            let reports: Vec<_> = done
                .iter()
                .zip(&calls)
                .map(|(d, c)| d.report(c.line))
                .collect();
            let refused = done.iter().filter(|d| !d.ok()).count();
            print_json(
                &json!({"meter": meter, "readings": rows.len(), "batches": calls.len(),
                "refused": refused, "reports": reports}),
            );
            if refused > 0 {
                bail!("{refused} of {} batches refused", calls.len());
            }
            Ok(())
        }
    }
}
