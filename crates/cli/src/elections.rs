//! `publica election …`: verifying a whole election from its record
//! (docs/elections.md, "Verifying an election"), and participatory
//! budgeting results from pabulib files.

use crate::client::{checked_id, print_json, read_json_file, Client};
use anyhow::{anyhow, bail, Context, Result};
use clap::Subcommand;
use publica_elections::verify::{verify, ElectionRecord};
use serde_json::{json, Value};
use std::path::PathBuf;

/// Largest election record read from a file (a million ballots of a
/// large manifest fit).
const RECORD_FILE_BYTES_MAX: u64 = 32 << 30;

/// Board entries fetched per request.
const PAGE: u64 = 200;

/// `publica election …`.
#[derive(Subcommand, Debug)]
pub enum ElectionCmd {
    /// Check a whole election — the guardians' proofs and the key, every
    /// ballot's census place, proofs and tracking code, re-votes,
    /// challenged ballots, the tally, every partial decryption and the
    /// result — from a node or a saved record; exits non-zero on any
    /// failure.
    Verify {
        /// The election (fetched from --node).
        #[arg(long, conflicts_with = "record", required_unless_present = "record")]
        election: Option<String>,
        /// Or a record saved earlier with --save.
        #[arg(long)]
        record: Option<PathBuf>,
        /// Save the fetched record here as well.
        #[arg(long, requires = "election")]
        save: Option<PathBuf>,
        /// Node URL.
        #[arg(long, env = "PUBLICA_NODE", default_value = "http://127.0.0.1:8700")]
        node: String,
    },
    /// The census root and size to publish for an election, from a file
    /// of its voters' accounts (one per line, in order).
    Census {
        /// The election's id (bound into every leaf).
        #[arg(long)]
        election: String,
        /// An anonymous census: voters register before the election
        /// opens and vote unlinked to their account, among rings of this
        /// many registrations (a power of two, 2..=1024).
        #[arg(long)]
        ring: Option<u64>,
        /// The accounts file.
        file: PathBuf,
    },
    /// Register in an anonymous census (before the election opens): a
    /// commitment to a secret this key derives for the election; the
    /// ballots `vote` then casts name a nullifier, not this account.
    Register(crate::ballots::VoterArgs),
    /// Vote: encrypt the choices on this machine with their proofs and
    /// cast the ballot (a later ballot replaces it), or --challenge it
    /// (opened on the ledger, never counted). Prints the tracking code.
    Vote {
        #[command(flatten)]
        voter: crate::ballots::VoterArgs,
        /// A choice, contest=selection (repeat for several).
        #[arg(long)]
        choose: Vec<String>,
        /// Challenge this ballot instead of casting it.
        #[arg(long)]
        challenge: bool,
    },
    /// A guardian's X25519 key for the manifest, from its key file.
    GuardianKey {
        #[command(flatten)]
        signer: crate::bulk::SignerArgs,
    },
    /// A guardian's ceremony message: a fresh polynomial (saved to
    /// --secret-out, owner-only), its commitments with proofs and the
    /// shares sealed for the other guardians.
    Commit {
        #[command(flatten)]
        who: crate::ballots::GuardianArgs,
        /// Where to save the polynomial (must not exist).
        #[arg(long)]
        secret_out: PathBuf,
    },
    /// A guardian opens the shares the other guardians sealed for it,
    /// checks each against its dealer's commitments, and complains of
    /// every dealer whose share fails (before the election opens).
    CheckShares(crate::ballots::GuardianArgs),
    /// A guardian complained of answers: reveals, for every open
    /// complaint against it, the share it dealt the complaining guardian
    /// (checked on the ledger against its commitments).
    Answer {
        #[command(flatten)]
        who: crate::ballots::GuardianArgs,
        /// The polynomial saved by `commit`.
        #[arg(long)]
        secret: PathBuf,
    },
    /// A guardian has a dealer disqualified whose complaint went
    /// unanswered past its answer time: the key is recomputed without it.
    Disqualify {
        #[command(flatten)]
        who: crate::ballots::GuardianArgs,
        /// The dealer to disqualify.
        #[arg(long)]
        dealer: u32,
    },
    /// A guardian's partial decryption of the tally, after the close.
    Decrypt {
        #[command(flatten)]
        who: crate::ballots::GuardianArgs,
        /// The polynomial saved by `commit`.
        #[arg(long)]
        secret: PathBuf,
    },
    /// Participatory budgeting: the projects a pabulib `.pb` file's votes
    /// fund under a rule, within its budget; --out writes the file back
    /// with its `selected` column set.
    Pb {
        /// The instance (pabulib `.pb`).
        file: PathBuf,
        /// greedy (by votes or points, each project that still fits),
        /// mes (the Method of Equal Shares) or mes-greedy (equal shares,
        /// then the budget left by greedy).
        #[arg(long, default_value = "mes-greedy")]
        rule: String,
        /// Write the instance here with the result in `selected`.
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

fn pb(file: &std::path::Path, rule: &str, out: Option<&std::path::Path>) -> Result<()> {
    use publica_elections::pb;
    let bytes = std::fs::metadata(file)
        .with_context(|| format!("reading {}", file.display()))?
        .len();
    if bytes > pb::FILE_BYTES_MAX as u64 {
        bail!(
            "{}: larger than {} bytes",
            file.display(),
            pb::FILE_BYTES_MAX
        );
    }
    let text =
        std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    let inst = pb::Instance::parse(&text).map_err(|e| anyhow!("{}: {e}", file.display()))?;
    let outcome = match rule {
        "greedy" => pb::greedy(&inst),
        "mes" => pb::equal_shares(&inst, false),
        "mes-greedy" => pb::equal_shares(&inst, true),
        other => bail!("--rule is greedy, mes or mes-greedy, not '{other}'"),
    };
    if let Some(path) = out {
        std::fs::write(path, inst.write(Some(&outcome.funded)))
            .with_context(|| format!("writing {}", path.display()))?;
    }
    let funded: Vec<Value> = outcome
        .funded
        .iter()
        .map(|&p| json!({"project": inst.projects[p].id, "cost": pb::money_text(inst.projects[p].cost)}))
        .collect();
    print_json(&json!({
        "rule": rule, "budget": pb::money_text(inst.budget), "projects": inst.projects.len(),
        "votes": inst.votes.len(), "funded": funded, "spent": pb::money_text(outcome.spent),
        "left": pb::money_text(inst.budget - outcome.spent),
    }));
    Ok(())
}

/// Runs an election command.
pub async fn run(cmd: ElectionCmd) -> Result<()> {
    match cmd {
        ElectionCmd::Pb { file, rule, out } => pb(&file, &rule, out.as_deref()),
        ElectionCmd::Census {
            election,
            ring,
            file,
        } => crate::ballots::census(&election, ring, &file),
        ElectionCmd::Register(voter) => crate::ballots::register(&voter).await,
        ElectionCmd::Vote {
            voter,
            choose,
            challenge,
        } => crate::ballots::vote(&voter, &choose, challenge).await,
        ElectionCmd::GuardianKey { signer } => crate::ballots::guardian_key(&signer),
        ElectionCmd::Commit { who, secret_out } => crate::ballots::commit(&who, &secret_out).await,
        ElectionCmd::CheckShares(who) => crate::ballots::check_shares(&who).await,
        ElectionCmd::Answer { who, secret } => crate::ballots::answer(&who, &secret).await,
        ElectionCmd::Disqualify { who, dealer } => {
            let id = checked_id("election", &who.election)?;
            let report = crate::bulk::submit_quiet(
                &who.signer,
                "elections",
                "disqualify",
                json!({"election": id, "guardian": who.guardian, "dealer": dealer}),
            )
            .await?;
            print_json(&json!({"election": id, "disqualified": dealer, "transaction": report}));
            Ok(())
        }
        ElectionCmd::Decrypt { who, secret } => crate::ballots::decrypt(&who, &secret).await,
        ElectionCmd::Verify {
            election,
            record,
            save,
            node,
        } => {
            let record: Value = match (election, record) {
                (Some(id), _) => fetch(&Client::new(&node)?, checked_id("election", &id)?).await?,
                (None, Some(path)) => read_json_file(&path, RECORD_FILE_BYTES_MAX)?,
                (None, None) => bail!("give --election or --record"),
            };
            if let Some(path) = save {
                let text = serde_json::to_vec(&record)?;
                std::fs::write(&path, text)
                    .with_context(|| format!("writing {}", path.display()))?;
            }
            let record: ElectionRecord = serde_json::from_value(record)
                .map_err(|e| anyhow!("elections.invalid_field: not an election record: {e}"))?;
            let report = verify(&record);
            print_json(&json!({
                "election": record.election.id,
                "holds": report.holds(),
                "ballots": report.ballots,
                "counted": report.counted,
                "challenged": report.challenged,
                "weight": report.weight,
                "counts": report.counts,
                "failures": report.failures,
            }));
            if report.holds() {
                Ok(())
            } else {
                bail!(
                    "election {} does not verify: {} failure(s)",
                    record.election.id,
                    report.failures.len()
                )
            }
        }
    }
}

/// The record of `id` with its whole board, page by page.
async fn fetch(c: &Client, id: &str) -> Result<Value> {
    let mut record = c.get_ok(&format!("/v1/elections/{id}/record")).await?;
    for board in ["members", "ballots", "challenged"] {
        record[board] = Value::Array(board_of(c, id, board).await?);
    }
    Ok(record)
}

/// Every entry of one of `id`'s boards (`members`, `ballots`,
/// `challenged`), page by page.
pub async fn board_of(c: &Client, id: &str, board: &str) -> Result<Vec<Value>> {
    let mut entries = Vec::new();
    let mut from = 0;
    loop {
        let page = c
            .get_ok(&format!(
                "/v1/elections/{id}/{board}?from={from}&limit={PAGE}"
            ))
            .await?;
        entries.extend(page["entries"].as_array().cloned().unwrap_or_default());
        match page["next"].as_u64() {
            Some(next) if next > from => from = next,
            _ => break,
        }
    }
    Ok(entries)
}
