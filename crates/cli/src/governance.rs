//! `publica governance …`: a neighbourhood's or a city's decisions from
//! the command line (docs/governance.md) — communities and their members
//! (from a file, in batches), delegations, proposals that pay from the
//! treasury (the text hashed here, never sent), votes and vetoes,
//! participatory budgeting rounds (projects from a CSV), ballots,
//! objections, and what the ledger holds of each.

use crate::bulk::{self, read_csv, submit_one, Call, Session, SignerArgs};
use crate::client::{checked_id, print_json, Client};
use anyhow::{anyhow, bail, Context, Result};
use clap::Subcommand;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

/// Members enrolled per transaction (the module's limit).
const ENROL_BATCH: usize = 500;
/// Largest proposal text hashed.
const TEXT_BYTES_MAX: u64 = 16 << 20;
/// Most payments a proposal makes (the module's limit).
const PAYMENTS_MAX: usize = 16;

/// Where a command acts: the agency and its community.
#[derive(clap::Args, Debug)]
pub struct Place {
    /// The agency the community belongs to.
    #[arg(long)]
    pub agency: String,
    /// The community.
    #[arg(long)]
    pub community: String,
}

impl Place {
    fn json(&self) -> Result<Value> {
        checked_id("agency", &self.agency)?;
        checked_id("community", &self.community)?;
        Ok(json!({"agency": self.agency, "community": self.community}))
    }
}

/// `publica governance …`.
#[derive(Subcommand, Debug)]
pub enum GovernanceCmd {
    /// Create a community (an election officer of the agency): its
    /// topics and its treasury, a money account owned by program
    /// `governance:<id>` of the agency.
    CreateCommunity {
        #[command(flatten)]
        signer: SignerArgs,
        /// The agency.
        #[arg(long)]
        agency: String,
        /// The community's id.
        #[arg(long)]
        id: String,
        /// Its title (a reference, e.g. `north-district`).
        #[arg(long)]
        title: String,
        /// A topic proposals and delegations are made on (repeat; 1..=32).
        #[arg(long = "topic", required = true)]
        topics: Vec<String>,
        /// The treasury: a money account owned by program
        /// `governance:<id>` of the agency.
        #[arg(long)]
        treasury: String,
        /// The treasury's currency.
        #[arg(long)]
        currency: String,
    },
    /// Enrol the members listed in a file (one account a line; blank
    /// lines and `#` comments skipped), 500 a transaction (an election
    /// officer). Prints one result per batch; exits non-zero unless all
    /// went through.
    Enrol {
        #[command(flatten)]
        signer: SignerArgs,
        #[command(flatten)]
        place: Place,
        /// The members file.
        file: PathBuf,
    },
    /// Remove a member (an election officer).
    Unenrol {
        #[command(flatten)]
        signer: SignerArgs,
        #[command(flatten)]
        place: Place,
        /// The member's account.
        #[arg(long)]
        member: String,
    },
    /// Delegate your vote on a topic to another member (replacing your
    /// delegation on it).
    Delegate {
        #[command(flatten)]
        signer: SignerArgs,
        #[command(flatten)]
        place: Place,
        /// The topic.
        #[arg(long)]
        topic: String,
        /// The member who votes for you.
        #[arg(long)]
        to: String,
    },
    /// Revoke your delegation on a topic.
    Undelegate {
        #[command(flatten)]
        signer: SignerArgs,
        #[command(flatten)]
        place: Place,
        /// The topic.
        #[arg(long)]
        topic: String,
    },
    /// Propose payments from the treasury (a member). The full text
    /// stays off the ledger: the file is hashed here and its SHA-256
    /// sent; publish the text where members read it.
    Propose(ProposeCmd),
    /// Vote on a proposal (a member): yes, no or abstain; a later vote
    /// replaces the earlier and overrides your delegation.
    Vote {
        #[command(flatten)]
        signer: SignerArgs,
        #[command(flatten)]
        place: Place,
        /// The proposal.
        #[arg(long)]
        proposal: String,
        /// yes, no or abstain.
        #[arg(long, value_parser = ["yes", "no", "abstain"])]
        choice: String,
    },
    /// Veto a passed proposal in its veto window (an administrator of
    /// the agency), naming the decision.
    Veto {
        #[command(flatten)]
        signer: SignerArgs,
        #[command(flatten)]
        place: Place,
        /// The proposal.
        #[arg(long)]
        proposal: String,
        /// The decision's reference (e.g. `council-2027-041`).
        #[arg(long)]
        reason: String,
    },
    /// Open a participatory budgeting round (an election officer): the
    /// projects from a CSV `id,title,cost,payee` (costs in minor units or
    /// major units with a decimal point).
    OpenRound(OpenRoundCmd),
    /// Your ballot in a round (a member): the projects you approve,
    /// together within the budget; a later ballot replaces it.
    Approve {
        #[command(flatten)]
        signer: SignerArgs,
        #[command(flatten)]
        place: Place,
        /// The round.
        #[arg(long)]
        round: String,
        /// A project you approve (repeat).
        #[arg(long = "project", required = true)]
        projects: Vec<String>,
    },
    /// Object to a decided round in its objection window (a member).
    Object {
        #[command(flatten)]
        signer: SignerArgs,
        #[command(flatten)]
        place: Place,
        /// The round.
        #[arg(long)]
        round: String,
        /// Why (a reference).
        #[arg(long)]
        reason: String,
    },
    /// Cancel a round, upholding an objection (an administrator of the
    /// agency): nothing is paid.
    CancelRound {
        #[command(flatten)]
        signer: SignerArgs,
        #[command(flatten)]
        place: Place,
        /// The round.
        #[arg(long)]
        round: String,
        /// The decision's reference.
        #[arg(long)]
        reason: String,
    },
    /// What the ledger holds: the community, or one proposal with its
    /// count, or one round with its result.
    Show {
        #[command(flatten)]
        place: Place,
        /// A proposal.
        #[arg(long, conflicts_with = "round")]
        proposal: Option<String>,
        /// A budgeting round.
        #[arg(long)]
        round: Option<String>,
        /// Node URL.
        #[arg(long, env = "PUBLICA_NODE", default_value = "http://127.0.0.1:8700")]
        node: String,
    },
}

/// `publica governance propose`.
#[derive(clap::Args, Debug)]
pub struct ProposeCmd {
    #[command(flatten)]
    pub signer: SignerArgs,
    #[command(flatten)]
    pub place: Place,
    /// The proposal's id.
    #[arg(long)]
    pub id: String,
    /// Its topic.
    #[arg(long)]
    pub topic: String,
    /// Its title (a reference, e.g. `benches-in-north-park`).
    #[arg(long)]
    pub title: String,
    /// The file of its full text.
    #[arg(long)]
    pub text: PathBuf,
    /// A payment if it passes: ACCOUNT=AMOUNT, the amount in minor
    /// units or major units with a decimal point (repeat; at most 16).
    #[arg(long = "pay", required = true)]
    pub pay: Vec<String>,
    /// Voting closes after this long: 90s, 30m, 12h or 7d.
    #[arg(long)]
    pub closes_in: String,
    /// The agency's veto window after the close (at most 90d).
    #[arg(long, default_value = "1d")]
    pub veto: String,
    /// Share of members whose weight must be cast (0..=100).
    #[arg(long, default_value_t = 25)]
    pub quorum_pct: u8,
}

/// `publica governance open-round`.
#[derive(clap::Args, Debug)]
pub struct OpenRoundCmd {
    #[command(flatten)]
    pub signer: SignerArgs,
    #[command(flatten)]
    pub place: Place,
    /// The round's id.
    #[arg(long)]
    pub id: String,
    /// Its title (a reference).
    #[arg(long)]
    pub title: String,
    /// The budget, held by the treasury when the round opens.
    #[arg(long)]
    pub budget: String,
    /// The projects file.
    #[arg(long)]
    pub projects: PathBuf,
    /// greedy, mes or mes-greedy.
    #[arg(long, default_value = "mes-greedy", value_parser = ["greedy", "mes", "mes-greedy"])]
    pub rule: String,
    /// Ballots close after this long: 90s, 30m, 12h or 7d.
    #[arg(long)]
    pub closes_in: String,
    /// The objection window after the close.
    #[arg(long, default_value = "1d")]
    pub objection: String,
}

/// A duration such as `90s`, `30m`, `12h` or `7d`, in milliseconds.
pub fn duration_ms(text: &str, flag: &str) -> Result<u64> {
    let t = text.trim();
    let (digits, unit) = t.split_at(t.len().saturating_sub(1));
    let per = match unit {
        "s" => 1_000,
        "m" => 60_000,
        "h" => 3_600_000,
        "d" => 86_400_000,
        _ => 0,
    };
    digits
        .parse::<u64>()
        .ok()
        .filter(|_| per > 0 && digits.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|n| n.checked_mul(per))
        .ok_or_else(|| anyhow!("{flag} is a number and a unit: 90s, 30m, 12h or 7d, not '{text}'"))
}

/// The SHA-256 of a text file (hex).
fn text_hash(file: &Path) -> Result<String> {
    let len = std::fs::metadata(file)
        .with_context(|| format!("reading {}", file.display()))?
        .len();
    if len == 0 || len > TEXT_BYTES_MAX {
        bail!(
            "{}: a proposal's text is 1..={TEXT_BYTES_MAX} bytes",
            file.display()
        );
    }
    let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    Ok(publica_crypto::sha256(&bytes).to_hex())
}

/// The community's treasury account, from the node.
async fn treasury(node: &str, place: &Place) -> Result<String> {
    place.json()?;
    let c = Client::new(node)?
        .get_ok(&format!(
            "/v1/governance/{}/{}",
            place.agency, place.community
        ))
        .await?;
    c["community"]["account"]
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| anyhow!("community {}: no treasury account", place.community))
}

/// `ACCOUNT=AMOUNT` payments as actions, amounts in the treasury's minor
/// units; each with reference `proposal:<id>` (`/<n>` when several).
async fn payments(node: &str, place: &Place, id: &str, pay: &[String]) -> Result<Vec<Value>> {
    if pay.len() > PAYMENTS_MAX {
        bail!("--pay: at most {PAYMENTS_MAX} payments");
    }
    let account = treasury(node, place).await?;
    let mut out = Vec::new();
    for (n, p) in pay.iter().enumerate() {
        let (to, amount) = p
            .split_once('=')
            .ok_or_else(|| anyhow!("--pay is ACCOUNT=AMOUNT, not '{p}'"))?;
        let amount = crate::money::minor_units(node, &account, amount.trim(), "--pay").await?;
        let reference = if pay.len() == 1 {
            format!("proposal:{id}")
        } else {
            format!("proposal:{id}/{}", n + 1)
        };
        out.push(json!({"kind": "pay", "to": to.trim(), "amount": amount, "reference": reference}));
    }
    Ok(out)
}

/// The projects of a CSV `id,title,cost,payee`, costs in the treasury's
/// minor units.
async fn projects(node: &str, place: &Place, file: &Path) -> Result<Vec<Value>> {
    let csv = read_csv(file)?;
    let column = |name: &str| {
        csv.header.iter().position(|h| h == name).ok_or_else(|| {
            anyhow!(
                "{}: no column '{name}' (id, title, cost, payee)",
                file.display()
            )
        })
    };
    let (id, title, cost, payee) = (
        column("id")?,
        column("title")?,
        column("cost")?,
        column("payee")?,
    );
    let account = treasury(node, place).await?;
    let mut out = Vec::new();
    for (line, cells) in &csv.rows {
        let cell = |i: usize| cells.get(i).map(|c| c.trim()).unwrap_or_default();
        let flag = format!("{}:{line}: cost", file.display());
        let minor = crate::money::minor_units(node, &account, cell(cost), &flag).await?;
        out.push(
            json!({"id": cell(id), "title": cell(title), "cost": minor, "payee": cell(payee)}),
        );
    }
    if out.is_empty() {
        bail!("{}: no projects", file.display());
    }
    Ok(out)
}

/// `args` with the place's agency and community.
fn at(place: &Place, mut args: Value) -> Result<Value> {
    let base = place.json()?;
    for (k, v) in base.as_object().into_iter().flatten() {
        args[k] = v.clone();
    }
    Ok(args)
}

/// Enrols the members of `file`, 500 a transaction.
async fn enrol(signer: &SignerArgs, place: &Place, file: &Path) -> Result<()> {
    let members = crate::ballots::census_accounts(file)?;
    let calls: Vec<Call> = members
        .chunks(ENROL_BATCH)
        .enumerate()
        .map(|(n, chunk)| {
            Ok(Call {
                line: n + 1,
                module: "governance",
                method: "enrol",
                args: at(place, json!({"members": chunk}))?,
            })
        })
        .collect::<Result<_>>()?;
    let session = Session::open(signer).await?;
    let done = session.submit(&calls).await?;
    let results = calls
        .iter()
        .zip(&done)
        .map(|(c, d)| d.report(c.line))
        .collect();
    bulk::finish(
        results,
        json!({"file": file.display().to_string(), "members": members.len(), "batches": calls.len()}),
    )
}

/// `publica governance propose`.
async fn propose(c: ProposeCmd) -> Result<()> {
    let text_hash = text_hash(&c.text)?;
    let actions = payments(&c.signer.node, &c.place, &c.id, &c.pay).await?;
    let closes_ms =
        publica_types::now_ms().saturating_add(duration_ms(&c.closes_in, "--closes-in")?);
    let args = json!({"id": c.id, "topic": c.topic, "title": c.title, "text_hash": text_hash,
        "actions": actions, "closes_ms": closes_ms, "veto_ms": duration_ms(&c.veto, "--veto")?,
        "quorum_pct": c.quorum_pct});
    submit_one(&c.signer, "governance", "propose", at(&c.place, args)?).await
}

/// `publica governance open-round`.
async fn open_round(c: OpenRoundCmd) -> Result<()> {
    let node = &c.signer.node;
    let account = treasury(node, &c.place).await?;
    let budget = crate::money::minor_units(node, &account, &c.budget, "--budget").await?;
    let projects = projects(node, &c.place, &c.projects).await?;
    let closes_ms =
        publica_types::now_ms().saturating_add(duration_ms(&c.closes_in, "--closes-in")?);
    let args = json!({"id": c.id, "title": c.title, "budget": budget, "projects": projects,
        "rule": c.rule, "closes_ms": closes_ms, "objection_ms": duration_ms(&c.objection, "--objection")?});
    submit_one(&c.signer, "governance", "open_round", at(&c.place, args)?).await
}

/// `publica governance show`.
async fn show(
    place: &Place,
    proposal: Option<&str>,
    round: Option<&str>,
    node: &str,
) -> Result<()> {
    place.json()?;
    let mut path = format!("/v1/governance/{}/{}", place.agency, place.community);
    if let Some(p) = proposal {
        path += &format!("/proposals/{}", checked_id("proposal", p)?);
    } else if let Some(r) = round {
        path += &format!("/rounds/{}", checked_id("round", r)?);
    }
    print_json(&Client::new(node)?.get_ok(&path).await?);
    Ok(())
}

/// The signer, method and arguments of a command that is one call as
/// given.
fn plain(cmd: GovernanceCmd) -> Result<(SignerArgs, &'static str, Value)> {
    Ok(match cmd {
        GovernanceCmd::CreateCommunity {
            signer,
            agency,
            id,
            title,
            topics,
            treasury,
            currency,
        } => (
            signer,
            "create_community",
            json!({"agency": agency, "id": id, "title": title, "topics": topics,
                "account": treasury, "currency": currency}),
        ),
        GovernanceCmd::Unenrol {
            signer,
            place,
            member,
        } => (signer, "unenrol", at(&place, json!({"member": member}))?),
        GovernanceCmd::Delegate {
            signer,
            place,
            topic,
            to,
        } => (
            signer,
            "delegate",
            at(&place, json!({"topic": topic, "to": to}))?,
        ),
        GovernanceCmd::Undelegate {
            signer,
            place,
            topic,
        } => (signer, "undelegate", at(&place, json!({"topic": topic}))?),
        GovernanceCmd::Vote {
            signer,
            place,
            proposal,
            choice,
        } => (
            signer,
            "vote",
            at(&place, json!({"proposal": proposal, "choice": choice}))?,
        ),
        GovernanceCmd::Veto {
            signer,
            place,
            proposal,
            reason,
        } => (
            signer,
            "veto",
            at(&place, json!({"proposal": proposal, "reason": reason}))?,
        ),
        GovernanceCmd::Approve {
            signer,
            place,
            round,
            projects,
        } => (
            signer,
            "approve_projects",
            at(&place, json!({"round": round, "approvals": projects}))?,
        ),
        GovernanceCmd::Object {
            signer,
            place,
            round,
            reason,
        } => (
            signer,
            "object",
            at(&place, json!({"round": round, "reason": reason}))?,
        ),
        GovernanceCmd::CancelRound {
            signer,
            place,
            round,
            reason,
        } => (
            signer,
            "cancel_round",
            at(&place, json!({"round": round, "reason": reason}))?,
        ),
        GovernanceCmd::Show { .. }
        | GovernanceCmd::Enrol { .. }
        | GovernanceCmd::Propose(_)
        | GovernanceCmd::OpenRound(_) => bail!("not a plain call"),
    })
}

/// Runs a governance command.
pub async fn run(cmd: GovernanceCmd) -> Result<()> {
    match cmd {
        GovernanceCmd::Show {
            place,
            proposal,
            round,
            node,
        } => show(&place, proposal.as_deref(), round.as_deref(), &node).await,
        GovernanceCmd::Enrol {
            signer,
            place,
            file,
        } => enrol(&signer, &place, &file).await,
        GovernanceCmd::Propose(c) => propose(c).await,
        GovernanceCmd::OpenRound(c) => open_round(c).await,
        other => {
            let (signer, method, args) = plain(other)?;
            submit_one(&signer, "governance", method, args).await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::duration_ms;

    #[test]
    fn durations_read_with_their_unit() {
        assert_eq!(duration_ms("90s", "x").unwrap(), 90_000);
        assert_eq!(duration_ms("30m", "x").unwrap(), 1_800_000);
        assert_eq!(duration_ms("12h", "x").unwrap(), 43_200_000);
        assert_eq!(duration_ms("7d", "x").unwrap(), 604_800_000);
        for bad in [
            "",
            "7",
            "d",
            "-1d",
            "1.5h",
            "7w",
            "+3d",
            "99999999999999999999d",
        ] {
            let e = duration_ms(bad, "--closes-in").unwrap_err().to_string();
            assert!(
                e.contains("--closes-in is a number and a unit"),
                "{bad}: {e}"
            );
        }
    }
}
