//! `publica programs grievance …`: file a grievance (the complaint's text
//! stays on this machine; the ledger gets its SHA-256), follow a case by
//! its number, assign and decide cases, and a program's monthly figures.

use crate::bulk::SignerArgs;
use crate::client::Client;
use crate::programs::{agency_id, one_call, one_call_outcome, pretty, program_id, write_out};
use anyhow::{anyhow, bail, Context, Result};
use clap::Subcommand;
use publica_programs::grievance::{parse_case, Category};
use publica_programs::period;
use publica_types::AccountId;
use serde_json::json;
use std::path::PathBuf;

/// Largest complaint text read.
const DETAILS_BYTES_MAX: u64 = 1 << 20;

const REASONS: &[&str] = &[
    "payment_due",
    "amount_corrected",
    "eligible_after_review",
    "records_corrected",
    "no_error_found",
    "not_eligible",
    "out_of_time",
    "not_within_program",
    "withdrawn",
];

#[derive(Subcommand, Debug)]
pub enum GrievanceCmd {
    /// File a grievance about a program. The complaint's text (a file you
    /// keep and hand to the agency) stays here: the ledger records its
    /// SHA-256. Prints the case number.
    File {
        /// The complainant (or, with --for, a caseworker) and node.
        #[command(flatten)]
        signer: SignerArgs,
        #[arg(long)]
        program: String,
        /// enrolment_denied, payment_missing, wrong_amount, suspension,
        /// exit, overpayment, conduct or other.
        #[arg(long)]
        category: String,
        /// The complaint's text.
        #[arg(long)]
        details: PathBuf,
        /// The period concerned (as the program pays: YYYY-MM, YYYY-Www or
        /// YYYY-MM-DD).
        #[arg(long)]
        period: Option<String>,
        /// As a caseworker of --agency: the complainant's account.
        #[arg(long = "for", requires = "agency")]
        for_account: Option<String>,
        /// The program's agency, when filing for someone.
        #[arg(long, requires = "for_account")]
        agency: Option<String>,
    },
    /// A case, by its number (`<program>-<n>`).
    Show {
        case: String,
        #[arg(long, env = "PUBLICA_NODE", default_value = "http://127.0.0.1:8700")]
        node: String,
    },
    /// Assign a case to a program officer of the agency.
    Assign {
        #[command(flatten)]
        signer: SignerArgs,
        #[arg(long)]
        agency: String,
        #[arg(long)]
        case: String,
        /// The official's account (64 hex).
        #[arg(long)]
        to: String,
    },
    /// Decide a case: upheld or rejected, with a reason; an upheld case may
    /// order a payout (--pay-period, which a second official then approves
    /// with `publica tx` programs.approve_payout_override) or an enrolment
    /// (--enrol).
    Decide {
        #[command(flatten)]
        signer: SignerArgs,
        #[arg(long)]
        agency: String,
        #[arg(long)]
        case: String,
        /// upheld or rejected.
        #[arg(long)]
        outcome: String,
        /// payment_due, amount_corrected, eligible_after_review,
        /// records_corrected, no_error_found, not_eligible, out_of_time,
        /// not_within_program or withdrawn.
        #[arg(long)]
        reason: String,
        /// Order a payout of this period to the complainant.
        #[arg(long, conflicts_with = "enrol")]
        pay_period: Option<String>,
        /// Order the complainant's enrolment.
        #[arg(long)]
        enrol: bool,
    },
    /// A program's grievances per month and category, with days to decision.
    Stats {
        program: String,
        /// json or csv.
        #[arg(long, default_value = "json")]
        format: String,
        #[arg(long, env = "PUBLICA_NODE", default_value = "http://127.0.0.1:8700")]
        node: String,
    },
}

fn case_arg(case: &str) -> Result<&str> {
    parse_case(case)
        .map(|_| case)
        .ok_or_else(|| anyhow!("a case number is <program>-<n>, like ubi-17, not '{case}'"))
}

fn one_of<'a>(what: &str, value: &'a str, allowed: &[&str]) -> Result<&'a str> {
    if !allowed.contains(&value) {
        bail!("--{what} is one of {}, not '{value}'", allowed.join(", "));
    }
    Ok(value)
}

fn account(what: &str, hex: &str) -> Result<AccountId> {
    hex.parse()
        .map_err(|e| anyhow!("--{what} is an account, 64 hex characters: {e}"))
}

pub async fn run(cmd: GrievanceCmd) -> Result<()> {
    match cmd {
        GrievanceCmd::File {
            signer,
            program,
            category,
            details,
            period: per,
            for_account,
            agency,
        } => {
            let who = for_account.zip(agency);
            file(&signer, &program, &category, &details, per.as_deref(), who).await
        }
        GrievanceCmd::Show { case, node } => {
            let v = Client::new(&node)?
                .get_ok(&format!("/v1/grievances/{}", case_arg(&case)?))
                .await?;
            write_out(None, &pretty(&v))
        }
        GrievanceCmd::Assign {
            signer,
            agency,
            case,
            to,
        } => {
            let args = json!({"agency": agency_id(&agency)?, "case": case_arg(&case)?, "to": account("to", &to)?});
            one_call(&signer, "assign_grievance", args).await
        }
        GrievanceCmd::Decide {
            signer,
            agency,
            case,
            outcome,
            reason,
            pay_period,
            enrol,
        } => {
            let outcome = one_of("outcome", &outcome, &["upheld", "rejected"])?;
            let mut args = json!({"agency": agency_id(&agency)?, "case": case_arg(&case)?, "outcome": outcome, "reason": one_of("reason", &reason, REASONS)?});
            if (pay_period.is_some() || enrol) && outcome != "upheld" {
                bail!("only an upheld case orders a payout or an enrolment");
            }
            if let Some(per) = pay_period {
                if !period::valid(&per) {
                    bail!("--pay-period is YYYY-MM, YYYY-Www or YYYY-MM-DD, not '{per}'");
                }
                args["remedy"] = json!({"kind": "payout", "period": per});
            } else if enrol {
                args["remedy"] = json!({"kind": "enrolment"});
            }
            one_call(&signer, "decide_grievance", args).await
        }
        GrievanceCmd::Stats {
            program,
            format,
            node,
        } => {
            let v = Client::new(&node)?
                .get_ok(&format!(
                    "/v1/programs/{}/grievances",
                    program_id(&program)?
                ))
                .await?;
            match format.as_str() {
                "json" => write_out(None, &pretty(&v)),
                "csv" => write_out(None, &publica_programs::grievance::stats_csv(&v)),
                _ => bail!("--format is json or csv"),
            }
        }
    }
}

/// Files a grievance and prints its case number and the text's SHA-256.
async fn file(
    signer: &SignerArgs,
    program: &str,
    category: &str,
    details: &std::path::Path,
    per: Option<&str>,
    for_whom: Option<(String, String)>,
) -> Result<()> {
    let meta =
        std::fs::metadata(details).with_context(|| format!("reading {}", details.display()))?;
    if meta.len() == 0 || meta.len() > DETAILS_BYTES_MAX {
        bail!("--details is a file of 1 byte to 1 MiB");
    }
    let text = std::fs::read(details).with_context(|| format!("reading {}", details.display()))?;
    let hash = publica_crypto::sha256(&text).to_hex();
    let mut args = json!({"program": program_id(program)?, "category": one_of("category", category, &Category::ALL.map(Category::as_str))?, "details_hash": hash});
    if let Some(per) = per {
        if !period::valid(per) {
            bail!("--period is YYYY-MM, YYYY-Www or YYYY-MM-DD, not '{per}'");
        }
        args["period"] = json!(per);
    }
    if let Some((who, agency)) = for_whom {
        args["account"] = json!(account("for", &who)?);
        args["agency"] = json!(agency_id(&agency)?);
    }
    let outcome = one_call_outcome(signer, "file_grievance", args).await?;
    let filed = outcome["events"]
        .as_array()
        .and_then(|es| es.iter().find(|e| e["kind"] == "grievance_filed"))
        .ok_or_else(|| anyhow!("the node answered without the case number"))?;
    let case = filed["data"]["case"].as_str().unwrap_or_default();
    let due = filed["data"]["deadline_ms"].as_u64().unwrap_or(0);
    eprintln!(
        "case {case}: decision due by {}; the complaint's text has SHA-256 {hash}: keep the file, the agency checks it against the case",
        period::timestamp(due)
    );
    Ok(())
}
