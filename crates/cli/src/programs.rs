//! `publica programs …`: program figures, reconciliation reports, the
//! registry's nullifier tokens, bulk enrolments and attestations from CSV,
//! and G2P Connect disburse requests.

use crate::bulk::{self, Call, SignerArgs};
use crate::client::{checked_id, Client};
use crate::commands::open_key;
use anyhow::{anyhow, bail, Context, Result};
use clap::Subcommand;
use publica_programs::model::{valid_name, Schedule};
use publica_programs::{disburse, nullifier, period};
use publica_types::AccountId;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Largest G2P request file.
const DISBURSE_FILE_BYTES_MAX: u64 = 16 << 20;
/// Entries per page when exporting a run.
const PAGE: usize = 10_000;

#[derive(Subcommand, Debug)]
pub enum ProgramsCmd {
    /// A program's figures: enrolled, paid, remaining budget, periods.
    Show {
        id: String,
        #[arg(long, env = "PUBLICA_NODE", default_value = "http://127.0.0.1:8700")]
        node: String,
    },
    /// Export a payment run's reconciliation report (every page).
    Report {
        id: String,
        /// The period: YYYY-MM, YYYY-Www or YYYY-MM-DD, as the program pays.
        #[arg(long)]
        period: String,
        /// json, csv, or g2p (G2P Connect on-disburse).
        #[arg(long, default_value = "json")]
        format: String,
        /// Write here instead of stdout.
        #[arg(long)]
        out: Option<PathBuf>,
        #[arg(long, env = "PUBLICA_NODE", default_value = "http://127.0.0.1:8700")]
        node: String,
    },
    /// For a registry: turn `person,account` rows into the enrolment CSV
    /// (`account,nullifier,registry_signer,registry_signature`). Person
    /// identifiers and the secret stay on this machine.
    RegistryTokens {
        /// The registry official (role attester in the registry) and node.
        #[command(flatten)]
        signer: SignerArgs,
        /// The registry's secret for nullifiers: a file of at least 64 hex
        /// characters (e.g. `openssl rand -hex 32`).
        #[arg(long)]
        secret_file: PathBuf,
        /// The program the nullifiers are for.
        #[arg(long)]
        program: String,
        /// CSV with the header `person,account`.
        #[arg(long)]
        file: PathBuf,
        /// Write the enrolment CSV here instead of stdout.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Enrol people from the registry's CSV file (header account,
    /// nullifier, registry_signer, registry_signature) as a caseworker of
    /// the program's agency.
    ImportEnrolments {
        #[command(flatten)]
        signer: SignerArgs,
        #[arg(long)]
        program: String,
        /// The program's agency (the signer is a program officer there).
        #[arg(long)]
        agency: String,
        /// The CSV file.
        #[arg(long)]
        file: PathBuf,
    },
    /// Record attestations from a CSV file. Header: subject, then optional
    /// period and expires_ms, then claim names; cells true/false are
    /// booleans, integers are ints, anything else a string; an empty cell
    /// leaves the claim out.
    ImportAttestations {
        #[command(flatten)]
        signer: SignerArgs,
        /// The attester's agency.
        #[arg(long)]
        agency: String,
        /// A program whose condition these attestations may satisfy.
        #[arg(long)]
        program: Option<String>,
        /// The CSV file.
        #[arg(long)]
        file: PathBuf,
    },
    /// Carry out a G2P Connect disburse request (disbursement API v1.0.0,
    /// JSON) as on-demand payouts and print the on-disburse answer:
    /// payer_fa `publica:program:<id>`, payee_fa `publica:account:<hex>`,
    /// amount as the standard writes it ("25.00"; refused unless the
    /// benefit rule gives exactly that), period from scheduled_timestamp's
    /// month (or --period).
    Disburse {
        #[command(flatten)]
        signer: SignerArgs,
        /// The programs' agency (the signer is a program officer there).
        #[arg(long)]
        agency: String,
        /// The G2P disburse request.
        #[arg(long)]
        file: PathBuf,
        /// Period for requests without scheduled_timestamp (YYYY-MM, YYYY-Www
        /// or YYYY-MM-DD, as the program pays).
        #[arg(long)]
        period: Option<String>,
        /// Write the on-disburse answer here instead of stdout.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// As an administrator of the program's agency, approve what waits for
    /// approval in a program (its definition, a pending amendment of its
    /// rules, or of its terms), naming the hash you reviewed
    /// (`approval_hash` or `terms_approval_hash` in `programs show`): if
    /// the content changed since, nothing is approved.
    Approve {
        #[command(flatten)]
        signer: SignerArgs,
        #[arg(long)]
        agency: String,
        #[arg(long)]
        program: String,
        /// The reviewed content's hash (64 hex).
        #[arg(long)]
        hash: String,
    },
    /// As a program officer, propose new terms for a running program: a
    /// budget cap raised or lowered, an end moved, a schedule set or
    /// removed. Administrators then approve it with `programs approve`,
    /// naming the `terms_approval_hash` the answer's event (and `programs
    /// show`) gives.
    AmendTerms {
        #[command(flatten)]
        signer: SignerArgs,
        #[arg(long)]
        agency: String,
        #[arg(long)]
        program: String,
        /// The new budget cap, in minor units (not below what was paid).
        #[arg(long)]
        budget_cap: Option<u64>,
        /// The new end, a UTC date YYYY-MM-DD (payouts and enrolment close
        /// at its start).
        #[arg(long)]
        end: Option<String>,
        /// The new schedule: monthly, weekly, daily or none (of the
        /// program's kind of period).
        #[arg(long)]
        schedule: Option<String>,
        /// Why, e.g. the decision's reference (1..=200 bytes, no personal data).
        #[arg(long)]
        reason: String,
    },
    /// Suspend an enrolee's payouts (reason: pending_review,
    /// documents_missing, not_reachable, payment_returned, suspected_fraud).
    Suspend {
        #[command(flatten)]
        enrolee: EnroleeArgs,
        #[arg(long)]
        reason: String,
        /// When the case is to be reviewed: a UTC date YYYY-MM-DD, within a
        /// year and a day.
        #[arg(long)]
        review: String,
    },
    /// Resume a suspended enrolee's payouts.
    Resume {
        #[command(flatten)]
        enrolee: EnroleeArgs,
    },
    /// End an enrolment for good (reason: deceased, moved_away,
    /// no_longer_eligible, voluntary, duplicate).
    Exit {
        #[command(flatten)]
        enrolee: EnroleeArgs,
        #[arg(long)]
        reason: String,
    },
    /// Re-check the eligibility rule on the facts attested now; an enrolee
    /// it no longer holds for exits. A program with private conditions
    /// also needs the commitments proven at enrolment to still count, or
    /// new proofs (--proofs, as `prove` writes them).
    Recheck {
        #[command(flatten)]
        enrolee: EnroleeArgs,
        /// New proofs of the private conditions (the file `prove` writes).
        #[arg(long)]
        proofs: Option<PathBuf>,
    },
    /// Check an enrolment credential a student presents against the ledger
    /// (signature, an institution accredited for enrolment by --accreditor,
    /// dates, status) and attest, for the student's account (the
    /// credential's did:key), `enrolled`, `enrolled_at` (the institution)
    /// and `enrolment_credential` (its hash, never its content), until the
    /// credential's validUntil. Signed by an attester of --agency.
    AttestEnrolment {
        #[command(flatten)]
        signer: SignerArgs,
        /// The attesting agency (the program trusts its attesters).
        #[arg(long)]
        agency: String,
        /// The enrolment credential (a W3C VC, JSON).
        #[arg(long)]
        credential: PathBuf,
        /// The accrediting agency whose registry is trusted.
        #[arg(long)]
        accreditor: String,
    },
    /// Commit to a number about a person (a registry's attester), with its
    /// domain proof, and write the opening the person keeps (owner-only,
    /// never overwritten); the number never goes on the ledger.
    AttestPrivate {
        #[command(flatten)]
        signer: SignerArgs,
        /// The attester's agency.
        #[arg(long)]
        agency: String,
        /// The person's account (64 hex).
        #[arg(long)]
        subject: String,
        /// The attribute (e.g. income, age).
        #[arg(long)]
        name: String,
        /// The number, 0..=2^53.
        #[arg(long)]
        value: u64,
        /// Block time (ms) from which it no longer counts.
        #[arg(long)]
        expires_ms: Option<u64>,
        /// Where the opening goes (a new file).
        #[arg(long)]
        out: PathBuf,
    },
    /// Prove a program's private conditions from a person's openings: one
    /// zero-knowledge proof per condition, for enrolment (CSV column
    /// `proofs`) or a re-check (--proofs).
    Prove {
        /// The program.
        #[arg(long)]
        program: String,
        /// An opening file (`attest-private --out`), once per condition.
        #[arg(long = "opening", required = true)]
        openings: Vec<PathBuf>,
        /// Write here instead of stdout.
        #[arg(long)]
        out: Option<PathBuf>,
        #[arg(long, env = "PUBLICA_NODE", default_value = "http://127.0.0.1:8700")]
        node: String,
    },
    /// Record an overpayment the enrolee owes back, recovered from later
    /// payouts (reason: wrong_amount, not_eligible, paid_after_exit, fraud,
    /// administrative_error).
    Overpayment {
        #[command(flatten)]
        enrolee: EnroleeArgs,
        /// Minor units.
        #[arg(long)]
        amount: u64,
        #[arg(long)]
        reason: String,
        /// The period overpaid.
        #[arg(long)]
        period: Option<String>,
    },
    /// As a second official, write off part of an enrolee's debt (reason:
    /// hardship, deceased, uneconomic, grievance_decision, recorded_in_error).
    WriteOff {
        #[command(flatten)]
        enrolee: EnroleeArgs,
        /// Minor units.
        #[arg(long)]
        amount: u64,
        #[arg(long)]
        reason: String,
    },
    /// The pilot evaluation report: per period, payouts, hours from due to
    /// paid (p50, p99), officials' actions per payout, failures, overrides,
    /// budget executed.
    Evaluation {
        id: String,
        /// json or csv.
        #[arg(long, default_value = "json")]
        format: String,
        /// Write here instead of stdout.
        #[arg(long)]
        out: Option<PathBuf>,
        #[arg(long, env = "PUBLICA_NODE", default_value = "http://127.0.0.1:8700")]
        node: String,
    },
    /// Grievances: file one, follow a case, assign, decide, monthly figures.
    Grievance {
        #[command(subcommand)]
        cmd: crate::grievance::GrievanceCmd,
    },
    /// Every published index (CPI and the like) with its latest value.
    Indexes {
        #[arg(long, env = "PUBLICA_NODE", default_value = "http://127.0.0.1:8700")]
        node: String,
    },
    /// One index, `<agency>/<name>`: its published values and open votes.
    Index {
        reference: String,
        #[arg(long, env = "PUBLICA_NODE", default_value = "http://127.0.0.1:8700")]
        node: String,
    },
    /// As an administrator of an oracle agency, create one of its indexes.
    IndexCreate {
        #[command(flatten)]
        index: IndexArgs,
        /// Oracles that must agree on a value (1..=32).
        #[arg(long)]
        threshold: u32,
    },
    /// As an oracle of the agency, vote an index's value for a period that
    /// has begun; published once `threshold` oracles agree.
    IndexPublish {
        #[command(flatten)]
        index: IndexArgs,
        /// The period the value measures, YYYY-MM.
        #[arg(long)]
        period: String,
        /// The value (1..=2^40; e.g. 1000 = base).
        #[arg(long)]
        value: i64,
    },
}

/// Signs and submits one call, prints its receipt's result, and fails
/// unless it went through.
pub(crate) async fn one_call(signer: &SignerArgs, method: &'static str, args: Value) -> Result<()> {
    one_call_outcome(signer, method, args).await.map(drop)
}

/// As [`one_call`], returning the receipt's outcome (its events).
pub(crate) async fn one_call_outcome(
    signer: &SignerArgs,
    method: &'static str,
    args: Value,
) -> Result<Value> {
    let session = bulk::Session::open(signer).await?;
    let done = session
        .submit(&[Call {
            line: 1,
            module: "programs",
            method,
            args,
        }])
        .await?;
    let done = done
        .into_iter()
        .next()
        .ok_or_else(|| anyhow!("no result"))?;
    let report = done.report(1);
    let outcome = match &done {
        bulk::Done::Committed { outcome, .. } => outcome.clone(),
        bulk::Done::Rejected { .. } => Value::Null,
    };
    crate::client::print_json(&report);
    if !done.ok() {
        let e = &report["error"];
        bail!(
            "programs.{method} did not go through: {} {}",
            e["code"].as_str().unwrap_or(""),
            e["message"].as_str().unwrap_or("")
        );
    }
    Ok(outcome)
}

/// The signer and the enrolee a program officer acts on.
#[derive(clap::Args, Debug)]
pub struct EnroleeArgs {
    #[command(flatten)]
    signer: SignerArgs,
    /// The program's agency (the signer is a program officer there).
    #[arg(long)]
    agency: String,
    #[arg(long)]
    program: String,
    /// The enrolee's account (64 hex).
    #[arg(long)]
    enrolee: String,
}

impl EnroleeArgs {
    /// The call's arguments naming the enrolee, checked before signing.
    fn args(&self) -> Result<Value> {
        let account: AccountId = self
            .enrolee
            .parse()
            .map_err(|e| anyhow!("--enrolee is an enrolee's account, 64 hex characters: {e}"))?;
        Ok(
            json!({"agency": agency_id(&self.agency)?, "program": program_id(&self.program)?, "account": account}),
        )
    }
}

/// `reason` when it is one of `allowed`.
fn reason_of(reason: &str, allowed: &[&str]) -> Result<Value> {
    if !allowed.contains(&reason) {
        bail!("--reason is one of {}, not '{reason}'", allowed.join(", "));
    }
    Ok(json!(reason))
}

/// Runs one of the enrolee lifecycle commands.
async fn lifecycle(cmd: ProgramsCmd) -> Result<()> {
    let (enrolee, method, extra): (EnroleeArgs, &'static str, Vec<(&str, Value)>) = match cmd {
        ProgramsCmd::Suspend {
            enrolee,
            reason,
            review,
        } => {
            let review_ms = (period::kind(&review) == Some(period::Kind::Day))
                .then(|| period::start_ms(&review))
                .flatten()
                .ok_or_else(|| anyhow!("--review is a UTC date YYYY-MM-DD, not '{review}'"))?;
            let reason = reason_of(
                &reason,
                &[
                    "pending_review",
                    "documents_missing",
                    "not_reachable",
                    "payment_returned",
                    "suspected_fraud",
                ],
            )?;
            (
                enrolee,
                "suspend",
                vec![("reason", reason), ("review_ms", json!(review_ms))],
            )
        }
        ProgramsCmd::Resume { enrolee } => (enrolee, "resume", vec![]),
        ProgramsCmd::Recheck { enrolee, proofs } => (
            enrolee,
            "recheck",
            crate::private::recheck_args(proofs.as_deref())?,
        ),
        ProgramsCmd::Exit { enrolee, reason } => {
            let reason = reason_of(
                &reason,
                &[
                    "deceased",
                    "moved_away",
                    "no_longer_eligible",
                    "voluntary",
                    "duplicate",
                ],
            )?;
            (enrolee, "exit", vec![("reason", reason)])
        }
        ProgramsCmd::Overpayment {
            enrolee,
            amount,
            reason,
            period: per,
        } => {
            let reason = reason_of(
                &reason,
                &[
                    "wrong_amount",
                    "not_eligible",
                    "paid_after_exit",
                    "fraud",
                    "administrative_error",
                ],
            )?;
            let mut extra = vec![("amount", positive(amount)?), ("reason", reason)];
            if let Some(per) = per {
                if !period::valid(&per) {
                    bail!("--period is YYYY-MM, YYYY-Www or YYYY-MM-DD, not '{per}'");
                }
                extra.push(("period", json!(per)));
            }
            (enrolee, "record_overpayment", extra)
        }
        ProgramsCmd::WriteOff {
            enrolee,
            amount,
            reason,
        } => {
            let reason = reason_of(
                &reason,
                &[
                    "hardship",
                    "deceased",
                    "uneconomic",
                    "grievance_decision",
                    "recorded_in_error",
                ],
            )?;
            (
                enrolee,
                "write_off",
                vec![("amount", positive(amount)?), ("reason", reason)],
            )
        }
        _ => unreachable!("only lifecycle commands come here"),
    };
    let mut args = enrolee.args()?;
    for (k, v) in extra {
        args[k] = v;
    }
    one_call(&enrolee.signer, method, args).await
}

/// `--amount` in minor units, 1..=2^53.
fn positive(amount: u64) -> Result<Value> {
    if amount == 0 || amount > 1 << 53 {
        bail!("--amount is 1..=2^53 minor units");
    }
    Ok(json!(amount.to_string()))
}

/// The signer and the index an oracle agency's official acts on.
#[derive(clap::Args, Debug)]
pub struct IndexArgs {
    #[command(flatten)]
    signer: SignerArgs,
    /// The oracle agency.
    #[arg(long)]
    agency: String,
    /// The index's name.
    #[arg(long)]
    name: String,
}

fn index_name(name: &str) -> Result<&str> {
    if !valid_name(name) {
        bail!("an index name is [a-z][a-z0-9_]*, at most 64 bytes, not '{name}'");
    }
    Ok(name)
}

pub(crate) fn program_id(id: &str) -> Result<&str> {
    checked_id("a program", id)
}

pub(crate) fn agency_id(id: &str) -> Result<&str> {
    checked_id("an agency", id)
}

pub(crate) fn write_out(out: Option<&Path>, text: &str) -> Result<()> {
    match out {
        Some(p) => std::fs::write(p, text).with_context(|| format!("writing {}", p.display())),
        None => {
            crate::out!("{text}");
            Ok(())
        }
    }
}

pub(crate) fn pretty(v: &Value) -> String {
    crate::client::pretty(v) + "\n"
}

pub async fn run(cmd: ProgramsCmd) -> Result<()> {
    match cmd {
        ProgramsCmd::Show { id, node } => {
            let v = Client::new(&node)?
                .get_ok(&format!("/v1/programs/{}", program_id(&id)?))
                .await?;
            write_out(None, &pretty(&v))
        }
        ProgramsCmd::Report {
            id,
            period: per,
            format,
            out,
            node,
        } => report(&node, &id, &per, &format, out.as_deref()).await,
        ProgramsCmd::RegistryTokens {
            signer,
            secret_file,
            program,
            file,
            out,
        } => registry_tokens(&signer, &secret_file, &program, &file, out.as_deref()).await,
        ProgramsCmd::ImportEnrolments {
            signer,
            program,
            agency,
            file,
        } => import_enrolments(&signer, &program, &agency, &file).await,
        ProgramsCmd::ImportAttestations {
            signer,
            agency,
            program,
            file,
        } => import_attestations(&signer, &agency, program.as_deref(), &file).await,
        ProgramsCmd::Disburse {
            signer,
            agency,
            file,
            period: per,
            out,
        } => disburse(&signer, &agency, &file, per.as_deref(), out.as_deref()).await,
        ProgramsCmd::Approve {
            signer,
            agency,
            program,
            hash,
        } => approve(&signer, &agency, &program, &hash).await,
        ProgramsCmd::AmendTerms {
            signer,
            agency,
            program,
            budget_cap,
            end,
            schedule,
            reason,
        } => {
            let args = amend_terms_args(
                &agency,
                &program,
                budget_cap,
                end.as_deref(),
                schedule.as_deref(),
                &reason,
            )?;
            amend_terms(&signer, &agency, &program, args).await
        }
        cmd @ (ProgramsCmd::Suspend { .. }
        | ProgramsCmd::Resume { .. }
        | ProgramsCmd::Exit { .. }
        | ProgramsCmd::Recheck { .. }
        | ProgramsCmd::Overpayment { .. }
        | ProgramsCmd::WriteOff { .. }) => lifecycle(cmd).await,
        ProgramsCmd::Grievance { cmd } => crate::grievance::run(cmd).await,
        ProgramsCmd::AttestEnrolment {
            signer,
            agency,
            credential,
            accreditor,
        } => crate::credentials::attest_enrolment(&signer, &agency, &credential, &accreditor).await,
        cmd @ (ProgramsCmd::AttestPrivate { .. } | ProgramsCmd::Prove { .. }) => {
            crate::private::run(cmd).await
        }
        ProgramsCmd::Evaluation {
            id,
            format,
            out,
            node,
        } => evaluation(&node, &id, &format, out.as_deref()).await,
        cmd @ (ProgramsCmd::Indexes { .. }
        | ProgramsCmd::Index { .. }
        | ProgramsCmd::IndexCreate { .. }
        | ProgramsCmd::IndexPublish { .. }) => indexes(cmd).await,
    }
}

/// `publica programs indexes|index|index-create|index-publish`.
async fn indexes(cmd: ProgramsCmd) -> Result<()> {
    match cmd {
        ProgramsCmd::Indexes { node } => {
            let v = Client::new(&node)?.get_ok("/v1/indexes").await?;
            write_out(None, &pretty(&v))
        }
        ProgramsCmd::Index { reference, node } => {
            let (agency, name) = publica_programs::model::index_ref(&reference)
                .ok_or_else(|| anyhow!("an index is <agency>/<name>, not '{reference}'"))?;
            let v = Client::new(&node)?
                .get_ok(&format!("/v1/indexes/{agency}/{name}"))
                .await?;
            write_out(None, &pretty(&v))
        }
        ProgramsCmd::IndexCreate { index, threshold } => create_index(&index, threshold).await,
        ProgramsCmd::IndexPublish {
            index,
            period: per,
            value,
        } => publish_index(&index, &per, value).await,
        _ => bail!("not an index command"),
    }
}

/// Approves a program's definition or pending amendment by its hash.
async fn approve(signer: &SignerArgs, agency: &str, program: &str, hash: &str) -> Result<()> {
    if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
        bail!("--hash is the 64 hex characters of approval_hash in `publica programs show`");
    }
    let args = json!({"agency": agency_id(agency)?, "program": program_id(program)?, "hash": hash.to_ascii_lowercase()});
    one_call(signer, "approve", args).await
}

/// Writes a program's pilot evaluation report, as JSON or CSV.
async fn evaluation(node: &str, id: &str, format: &str, out: Option<&Path>) -> Result<()> {
    if !["json", "csv"].contains(&format) {
        bail!("--format is json or csv");
    }
    let v = Client::new(node)?
        .get_ok(&format!("/v1/programs/{}/evaluation", program_id(id)?))
        .await?;
    match format {
        "csv" => write_out(out, &publica_programs::evaluation::csv(&v)),
        _ => write_out(out, &pretty(&v)),
    }
}

/// Proposes a change of terms and prints the hash administrators approve.
async fn amend_terms(signer: &SignerArgs, agency: &str, program: &str, args: Value) -> Result<()> {
    one_call(signer, "amend_terms", args).await?;
    let v = Client::new(&signer.node)?
        .get_ok(&format!("/v1/programs/{program}"))
        .await?;
    let hash = v["terms_approval_hash"].as_str().unwrap_or("");
    eprintln!(
        "terms_approval_hash {hash}: approve with `publica programs approve --agency {agency} --program {program} --hash {hash}`"
    );
    Ok(())
}

/// The arguments of `programs.amend_terms`, checked before signing.
fn amend_terms_args(
    agency: &str,
    program: &str,
    budget_cap: Option<u64>,
    end: Option<&str>,
    schedule: Option<&str>,
    reason: &str,
) -> Result<Value> {
    let mut args =
        json!({"agency": agency_id(agency)?, "program": program_id(program)?, "reason": reason});
    if budget_cap.is_none() && end.is_none() && schedule.is_none() {
        bail!("give --budget-cap, --end or --schedule: what the change sets");
    }
    if reason.is_empty() || reason.len() > 200 || reason.chars().any(char::is_control) {
        bail!("--reason is 1..=200 bytes without control characters");
    }
    if let Some(cap) = budget_cap {
        if cap == 0 || cap > 1 << 53 {
            bail!("--budget-cap is 1..=2^53 minor units");
        }
        args["budget_cap"] = json!(cap.to_string());
    }
    if let Some(date) = end {
        let ms = (period::kind(date) == Some(period::Kind::Day))
            .then(|| period::start_ms(date))
            .flatten()
            .ok_or_else(|| anyhow!("--end is a UTC date YYYY-MM-DD, not '{date}'"))?;
        args["end_ms"] = json!(ms);
    }
    if let Some(s) = schedule {
        if !["monthly", "weekly", "daily", "none"].contains(&s) {
            bail!("--schedule is monthly, weekly, daily or none, not '{s}'");
        }
        args["schedule"] = json!(s);
    }
    Ok(args)
}

/// Creates one of an oracle agency's indexes.
async fn create_index(index: &IndexArgs, threshold: u32) -> Result<()> {
    if !(1..=32).contains(&threshold) {
        bail!("--threshold is 1..=32 oracles");
    }
    let args = json!({"agency": agency_id(&index.agency)?, "name": index_name(&index.name)?, "threshold": threshold});
    one_call(&index.signer, "create_index", args).await
}

/// Votes an index's value for a period.
async fn publish_index(index: &IndexArgs, per: &str, value: i64) -> Result<()> {
    if period::kind(per) != Some(period::Kind::Month) {
        bail!("--period must be YYYY-MM, got '{per}'");
    }
    if !(1..=1 << 40).contains(&value) {
        bail!("--value is 1..=2^40");
    }
    let args = json!({"agency": agency_id(&index.agency)?, "name": index_name(&index.name)?, "period": per, "value": value});
    one_call(&index.signer, "publish_index", args).await
}

/// Every page of a run, merged into one document of the format.
async fn report(node: &str, id: &str, per: &str, format: &str, out: Option<&Path>) -> Result<()> {
    program_id(id)?;
    if !period::valid(per) {
        bail!(
            "--period must be YYYY-MM, YYYY-Www or YYYY-MM-DD (as the program pays), got '{per}'"
        );
    }
    let client = Client::new(node)?;
    let path = |from: usize, fmt: &str| {
        format!("/v1/programs/{id}/runs/{per}?format={fmt}&from={from}&limit={PAGE}")
    };
    let text = match format {
        "csv" => {
            let mut all = String::new();
            let mut from = 0;
            loop {
                let page = client.get_text(&path(from, "csv")).await?;
                let mut lines = page.lines();
                let header = lines.next().unwrap_or_default();
                if from == 0 {
                    all.push_str(header);
                    all.push('\n');
                }
                let mut n = 0;
                for l in lines {
                    all.push_str(l);
                    all.push('\n');
                    n += 1;
                }
                if n < PAGE {
                    break all;
                }
                from += n;
            }
        }
        "json" | "g2p" => {
            let list = if format == "json" {
                "/entries"
            } else {
                "/message/disbursements_status"
            };
            let mut doc = client.get_ok(&path(0, format)).await?;
            let mut from = doc
                .pointer(list)
                .and_then(Value::as_array)
                .map_or(0, Vec::len);
            let mut last = from;
            while last == PAGE {
                let page = client.get_ok(&path(from, format)).await?;
                let more = page
                    .pointer(list)
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default();
                last = more.len();
                from += last;
                if let Some(Value::Array(a)) = doc.pointer_mut(list) {
                    a.extend(more);
                }
            }
            if let Some(from) = doc.get_mut("from") {
                *from = json!(0);
            }
            pretty(&doc)
        }
        _ => bail!("--format is json, csv or g2p"),
    };
    write_out(out, &text)
}

fn read_secret(file: &Path) -> Result<Vec<u8>> {
    let text =
        std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    let secret = hex::decode(text.trim())
        .map_err(|_| anyhow!("{}: the secret must be hex", file.display()))?;
    if secret.len() < 32 {
        bail!(
            "{}: the secret must be at least 32 bytes (64 hex characters)",
            file.display()
        );
    }
    Ok(secret)
}

async fn registry_tokens(
    signer: &SignerArgs,
    secret_file: &Path,
    program: &str,
    file: &Path,
    out: Option<&Path>,
) -> Result<()> {
    program_id(program)?;
    let secret = read_secret(secret_file)?;
    let people = publica_programs::bulk::registry(&bulk::read_csv(file)?)
        .map_err(|e| anyhow!("{}: {e}", file.display()))?;
    let kp = open_key(&signer.key, &signer.pass)?;
    let official: AccountId = match &signer.account {
        Some(a) => a.parse().map_err(|e| anyhow!("--account: {e}"))?,
        None => kp.account(),
    };
    let client = Client::new(&signer.node)?;
    let status = client.get_ok("/v1/status").await?;
    let chain = status["chain_id"]
        .as_str()
        .ok_or_else(|| anyhow!("node status lacks chain_id"))?;
    // A program of a group takes the group's nullifiers: one per person
    // in the whole group.
    let defined = client.get_ok(&format!("/v1/programs/{program}")).await?;
    let group = defined["program"]["group"].as_str();
    let scope = nullifier::scope(program, group);
    let mut text = String::from("account,nullifier,registry_signer,registry_signature\n");
    for (_, person, account) in &people {
        let n = nullifier::derive(&secret, &scope, person);
        let sig = kp.sign(&nullifier::token_bytes(chain, program, &n, account));
        text.push_str(&format!("{account},{n},{official},{sig}\n"));
    }
    match group {
        Some(g) => eprintln!(
            "{} tokens for program '{program}' (nullifiers of group '{g}')",
            people.len()
        ),
        None => eprintln!("{} tokens for program '{program}'", people.len()),
    }
    write_out(out, &text)
}

async fn import_enrolments(
    signer: &SignerArgs,
    program: &str,
    agency: &str,
    file: &Path,
) -> Result<()> {
    program_id(program)?;
    agency_id(agency)?;
    let (rows, results) =
        publica_programs::bulk::enrolments(bulk::read_csv(file)?, program, agency)
            .map_err(|e| anyhow!("{}: {e}", file.display()))?;
    let calls = rows_to_calls(rows, "enrol");
    submit_rows(signer, calls, results, json!({"program": program})).await
}

async fn import_attestations(
    signer: &SignerArgs,
    agency: &str,
    program: Option<&str>,
    file: &Path,
) -> Result<()> {
    agency_id(agency)?;
    if let Some(p) = program {
        program_id(p)?;
    }
    let (rows, results) =
        publica_programs::bulk::attestations(bulk::read_csv(file)?, agency, program)
            .map_err(|e| anyhow!("{}: {e}", file.display()))?;
    let calls = rows_to_calls(rows, "attest");
    submit_rows(signer, calls, results, json!({"agency": agency})).await
}

/// One `programs.<method>` call per row read.
fn rows_to_calls(rows: Vec<(usize, Value)>, method: &'static str) -> Vec<Call> {
    rows.into_iter()
        .map(|(line, args)| Call {
            line,
            module: "programs",
            method,
            args,
        })
        .collect()
}

/// Submits the rows' calls and prints the per-row report.
async fn submit_rows(
    signer: &SignerArgs,
    calls: Vec<Call>,
    mut results: Vec<Value>,
    summary: Value,
) -> Result<()> {
    let session = bulk::Session::open(signer).await?;
    let done = session.submit(&calls).await?;
    results.extend(calls.iter().zip(&done).map(|(c, d)| d.report(c.line)));
    bulk::finish(results, summary)
}

async fn disburse(
    signer: &SignerArgs,
    agency: &str,
    file: &Path,
    default_period: Option<&str>,
    out: Option<&Path>,
) -> Result<()> {
    agency_id(agency)?;
    if let Some(p) = default_period.filter(|p| !period::valid(p)) {
        bail!("--period must be YYYY-MM, YYYY-Www or YYYY-MM-DD (as the program pays), got '{p}'");
    }
    let req = read_disburse_request(file)?;
    let g2p = disburse::request(&req).map_err(|e| anyhow!("{}: {e}", file.display()))?;
    let session = bulk::Session::open(signer).await?;
    let answers = carry_out(&session, agency, &g2p, default_period, &|_| None).await?;
    let succ = answers.iter().filter(|a| a["status"] == "succ").count();
    let total = answers.len();
    let doc = on_disburse(&g2p, "publica", answers);
    write_out(out, &pretty(&doc))?;
    if succ != total {
        bail!(
            "{} of {total} disbursements were refused; see the on-disburse answer",
            total - succ
        );
    }
    Ok(())
}

/// Carries out a G2P `disburse` request as on-demand payouts signed by
/// `session`'s official for `agency`: one answer per disbursement, in
/// order, each `succ` with its transaction or `rjct` with the reason.
/// `mapped` gives the ledger account (`publica:account:…`) linked to a
/// `payee_fa` that is not one (the G2P gateway's mapper), if any; the
/// answers echo the `payee_fa` as the request gave it.
pub async fn carry_out(
    session: &bulk::Session,
    agency: &str,
    g2p: &disburse::Request,
    default_period: Option<&str>,
    mapped: &(dyn Fn(&str) -> Option<String> + Sync),
) -> Result<Vec<Value>> {
    let items: Vec<Value> = g2p
        .disbursements
        .iter()
        .map(|d| {
            let mut d = d.clone();
            let linked = d["payee_fa"]
                .as_str()
                .filter(|f| !f.starts_with("publica:account:"))
                .and_then(mapped);
            if let Some(fa) = linked {
                d["payee_fa"] = json!(fa);
            }
            d
        })
        .collect();
    let currencies = program_currencies(session, &items).await?;
    let (mut answers, passed) = disburse::check_all(&items, default_period, &currencies);
    for (a, d) in answers.iter_mut().zip(&g2p.disbursements) {
        if let Some(fa) = d["payee_fa"].as_str() {
            a["payee_fa"] = json!(fa);
        }
    }
    let calls: Vec<Call> = passed
        .into_iter()
        .map(|(i, x)| Call {
            line: i,
            module: "programs",
            method: "payout",
            args: json!({"agency": agency, "program": x.program, "account": x.account, "period": x.period, "expected_amount": x.amount.to_string()}),
        })
        .collect();
    let done = session.submit(&calls).await?;
    record_outcomes(&mut answers, &calls, &done);
    let now = period::timestamp(publica_types::now_ms());
    for a in &mut answers {
        a["timestamp"] = json!(now);
    }
    Ok(answers)
}

/// The `on-disburse` message answering `g2p` from `sender_id`: every
/// disbursement was carried out or refused, so none waits.
pub fn on_disburse(g2p: &disburse::Request, sender_id: &str, answers: Vec<Value>) -> Value {
    let total = answers.len();
    json!({
        "header": {
            "version": "1.0.0",
            "message_id": format!("{}/on-disburse", g2p.transaction_id),
            "message_ts": period::timestamp(publica_types::now_ms()),
            "action": "on-disburse",
            "status": "succ",
            "sender_id": sender_id,
            "receiver_id": g2p.sender_id,
            "total_count": total,
            "completed_count": total,
        },
        "message": {"transaction_id": g2p.transaction_id, "disbursements_status": answers},
    })
}

/// Reads a G2P `disburse` request from `file`: JSON of at most
/// [`DISBURSE_FILE_BYTES_MAX`] bytes ([`disburse::request`] checks it).
fn read_disburse_request(file: &Path) -> Result<Value> {
    let meta = std::fs::metadata(file).with_context(|| format!("reading {}", file.display()))?;
    if meta.len() > DISBURSE_FILE_BYTES_MAX {
        bail!("{} is larger than 16 MiB", file.display());
    }
    serde_json::from_slice(
        &std::fs::read(file).with_context(|| format!("reading {}", file.display()))?,
    )
    .with_context(|| format!("{} is not JSON", file.display()))
}

/// The currency (code and decimals) and kind of period of each program the
/// disbursements name as payer (those the node does not know are left out).
async fn program_currencies(
    session: &bulk::Session,
    items: &[Value],
) -> Result<BTreeMap<String, disburse::Payer>> {
    let mut currencies = BTreeMap::new();
    let named: BTreeSet<&str> = items
        .iter()
        .filter_map(|d| d["payer_fa"].as_str()?.strip_prefix("publica:program:"))
        .filter(|p| publica_money::model::valid_id(p))
        .collect();
    for p in named {
        let (s, v) = session.client.get(&format!("/v1/programs/{p}")).await?;
        if s == 200 {
            if let Some(c) = v["program"]["currency"].as_str() {
                let (s, cur) = session
                    .client
                    .get(&format!("/v1/money/currencies/{c}"))
                    .await?;
                let decimals = cur["currency"]["decimals"]
                    .as_u64()
                    .and_then(|d| u8::try_from(d).ok());
                match (s, decimals) {
                    (200, Some(d)) => {
                        let schedule = serde_json::from_value(v["program"]["schedule"].clone());
                        let payer = disburse::Payer {
                            currency: c.to_string(),
                            decimals: d,
                            period: Schedule::kind(schedule.ok()),
                        };
                        currencies.insert(p.to_string(), payer);
                    }
                    _ => bail!("the node did not give currency {c} of program {p}: {s} {cur}"),
                }
            }
        }
    }
    Ok(currencies)
}

/// Writes what became of each call into its disbursement's answer: `succ`
/// with the transaction and block, or `rjct` with the ledger's code.
fn record_outcomes(answers: &mut [Value], calls: &[Call], done: &[bulk::Done]) {
    for (c, d) in calls.iter().zip(done) {
        let a = &mut answers[c.line];
        match d {
            bulk::Done::Committed {
                tx_id,
                height,
                outcome,
            } => {
                if outcome["status"] == "ok" {
                    a["status"] = json!("succ");
                } else {
                    refuse(a, &outcome["error"]);
                }
                a["instruction"] = json!(format!("publica transaction {tx_id} in block {height}"));
            }
            bulk::Done::Rejected { error } => refuse(a, error),
        }
    }
}

/// Marks an answer refused for the ledger's `{code, message}`: the
/// standard's reason code where one fits, the ledger's in the message.
fn refuse(answer: &mut Value, error: &Value) {
    let code = error["code"].as_str().unwrap_or("internal");
    answer["status"] = json!("rjct");
    if let Some(reason) = publica_programs::g2p::reason_code(code) {
        answer["status_reason_code"] = json!(reason);
    }
    let message = error["message"].as_str().unwrap_or_default();
    answer["status_reason_message"] = json!(publica_programs::g2p::reason_message(code, message));
}
