//! `publica claims …`: health insurance claims (docs/health.md, "Insurance
//! claims"). An insurer defines plans and enrols members; a provider
//! submits claims, one or a CSV file of them, each judged by the plan's
//! rules in its transaction; adjudicators decide referrals and appeals;
//! anyone reads a claim, a plan's report or an insurer's queue.

use crate::bulk::{self, Call, Session, SignerArgs};
use crate::client::{checked_id, print_json, Client};
use anyhow::{anyhow, bail, Context, Result};
use clap::Subcommand;
use publica_claims::model;
use serde_json::{json, Value};
use std::path::PathBuf;

/// `publica claims …`.
#[derive(Subcommand, Debug)]
pub enum ClaimsCmd {
    /// Define a plan (a program officer of the insurer) from a JSON file:
    /// `{agency, id, name, currency, account, cover, refer?, tariff,
    /// annual_limit, copay_pct}`.
    DefinePlan {
        #[command(flatten)]
        signer: SignerArgs,
        /// The plan (JSON).
        file: PathBuf,
    },
    /// Give a member a policy of a plan.
    Enrol {
        #[command(flatten)]
        signer: SignerArgs,
        /// The insurer.
        #[arg(long)]
        agency: String,
        /// The plan.
        #[arg(long)]
        plan: String,
        /// The member's account.
        #[arg(long)]
        member: String,
        /// First day covered (YYYY-MM-DD).
        #[arg(long)]
        from: String,
        /// Last day covered.
        #[arg(long)]
        until: String,
    },
    /// Submit a claim (an officer of the provider); prints how the plan's
    /// rules judged it.
    Submit {
        #[command(flatten)]
        signer: SignerArgs,
        /// The provider agency.
        #[arg(long)]
        provider: String,
        /// The claim's id.
        #[arg(long)]
        id: String,
        /// The insurer.
        #[arg(long)]
        agency: String,
        /// The plan.
        #[arg(long)]
        plan: String,
        /// The member's account.
        #[arg(long)]
        member: String,
        /// The service date (YYYY-MM-DD).
        #[arg(long)]
        date: String,
        /// The ICD-10 diagnosis (E11.9).
        #[arg(long)]
        diagnosis: String,
        /// Items CODE=AMOUNT (minor units), repeated or comma separated.
        #[arg(long = "item", value_delimiter = ',', required = true)]
        items: Vec<String>,
        /// Evidence: record ids (commitments) the insurer may read under
        /// the member's consent.
        #[arg(long, value_delimiter = ',')]
        evidence: Vec<String>,
        /// The provider's money account paid.
        #[arg(long)]
        payee: String,
    },
    /// Submit a CSV file of claims (`id,member,service_date,diagnosis,
    /// items,evidence`; items CODE=AMOUNT joined by ';'), with progress and
    /// per-row results, each with how the rules judged it.
    SubmitBulk {
        #[command(flatten)]
        signer: SignerArgs,
        /// The provider agency.
        #[arg(long)]
        provider: String,
        /// The insurer.
        #[arg(long)]
        agency: String,
        /// The plan.
        #[arg(long)]
        plan: String,
        /// The provider's money account paid.
        #[arg(long)]
        payee: String,
        /// The CSV file.
        file: PathBuf,
    },
    /// Decide a referred claim (an adjudicator of the insurer).
    Decide {
        #[command(flatten)]
        decision: Decision,
    },
    /// Appeal a denied claim (its member, or the provider's officer).
    Appeal {
        #[command(flatten)]
        signer: SignerArgs,
        /// The provider.
        #[arg(long)]
        provider: String,
        /// The claim.
        #[arg(long)]
        claim: String,
        /// The ground: a reference.
        #[arg(long)]
        ground: String,
    },
    /// Decide an appeal (an adjudicator other than the claim's).
    DecideAppeal {
        #[command(flatten)]
        decision: Decision,
    },
    /// Show a claim.
    Show {
        /// The provider.
        provider: String,
        /// The claim.
        id: String,
        /// Node URL.
        #[arg(long, env = "PUBLICA_NODE", default_value = "http://127.0.0.1:8700")]
        node: String,
    },
    /// A plan's figures per month (JSON, or CSV with --format csv).
    Report {
        /// The insurer.
        agency: String,
        /// The plan.
        plan: String,
        /// First month (YYYY-MM).
        #[arg(long)]
        from: String,
        /// Last month (default: --from).
        #[arg(long)]
        to: Option<String>,
        /// json or csv.
        #[arg(long, default_value = "json")]
        format: String,
        /// Node URL.
        #[arg(long, env = "PUBLICA_NODE", default_value = "http://127.0.0.1:8700")]
        node: String,
    },
    /// An insurer's claims waiting for an adjudicator.
    Queue {
        /// The insurer.
        agency: String,
        /// Node URL.
        #[arg(long, env = "PUBLICA_NODE", default_value = "http://127.0.0.1:8700")]
        node: String,
    },
}

/// An adjudicator's decision.
#[derive(clap::Args, Debug)]
pub struct Decision {
    #[command(flatten)]
    signer: SignerArgs,
    /// The insurer.
    #[arg(long)]
    agency: String,
    /// The provider.
    #[arg(long)]
    provider: String,
    /// The claim.
    #[arg(long)]
    claim: String,
    /// Approve (pay within the yearly limit).
    #[arg(long, conflicts_with = "deny", required_unless_present = "deny")]
    approve: bool,
    /// Deny.
    #[arg(long)]
    deny: bool,
    /// The decision's reference.
    #[arg(long)]
    reason: String,
}

fn items(pairs: &[String]) -> Result<Vec<Value>> {
    pairs
        .iter()
        .map(|p| {
            let (code, amount) = p
                .split_once('=')
                .ok_or_else(|| anyhow!("--item '{p}' is CODE=AMOUNT"))?;
            if !model::valid_code(code)
                || amount.is_empty()
                || !amount.bytes().all(|b| b.is_ascii_digit())
            {
                bail!("--item '{p}' is CODE=AMOUNT, the amount in minor units");
            }
            Ok(json!({"code": code, "amount": amount}))
        })
        .collect()
}

/// Submits one call, then prints the claim as it stands.
async fn submit_and_show(
    signer: &SignerArgs,
    method: &'static str,
    args: Value,
    provider: &str,
    id: &str,
) -> Result<()> {
    let report = bulk::submit_quiet(signer, "claims", method, args).await?;
    let c = Client::new(&signer.node)?;
    let mut claim = c.get_ok(&format!("/v1/claims/{provider}/{id}")).await?;
    claim["tx_id"] = report["tx_id"].clone();
    print_json(&claim);
    Ok(())
}

/// Runs `publica claims …`.
pub async fn run(cmd: ClaimsCmd) -> Result<()> {
    match cmd {
        ClaimsCmd::DefinePlan { signer, file } => {
            let plan = crate::client::read_json_file(&file, 1 << 20)?;
            bulk::submit_one(&signer, "claims", "define_plan", plan).await
        }
        ClaimsCmd::Enrol {
            signer,
            agency,
            plan,
            member,
            from,
            until,
        } => {
            let member: publica_types::AccountId = member
                .parse()
                .map_err(|_| anyhow!("--member is a 64-hex account"))?;
            let args = json!({"agency": agency, "plan": plan, "member": member, "from": from, "until": until});
            bulk::submit_one(&signer, "claims", "enrol", args).await
        }
        ClaimsCmd::Submit {
            signer,
            provider,
            id,
            agency,
            plan,
            member,
            date,
            diagnosis,
            items: pairs,
            evidence,
            payee,
        } => {
            if !model::valid_icd10(&diagnosis) {
                bail!("--diagnosis '{diagnosis}' is not an ICD-10 code (E11.9)");
            }
            let member: publica_types::AccountId = member
                .parse()
                .map_err(|_| anyhow!("--member is a 64-hex account"))?;
            let args = json!({"provider": provider, "id": id, "agency": agency, "plan": plan, "member": member,
                "service_date": date, "diagnosis": diagnosis, "items": items(&pairs)?, "evidence": evidence, "payee": payee});
            submit_and_show(&signer, "submit", args, &provider, &id).await
        }
        ClaimsCmd::SubmitBulk {
            signer,
            provider,
            agency,
            plan,
            payee,
            file,
        } => submit_bulk(&signer, &provider, &agency, &plan, &payee, &file).await,
        ClaimsCmd::Decide { decision } => decide(decision, "decide").await,
        ClaimsCmd::DecideAppeal { decision } => decide(decision, "decide_appeal").await,
        ClaimsCmd::Appeal {
            signer,
            provider,
            claim,
            ground,
        } => {
            let args = json!({"provider": provider, "claim": claim, "ground": ground});
            submit_and_show(&signer, "appeal", args, &provider, &claim).await
        }
        other => read(other).await,
    }
}

async fn decide(d: Decision, method: &'static str) -> Result<()> {
    let args = json!({"agency": d.agency, "provider": d.provider, "claim": d.claim, "approve": d.approve && !d.deny, "reason": d.reason});
    submit_and_show(&d.signer, method, args, &d.provider, &d.claim).await
}

async fn submit_bulk(
    signer: &SignerArgs,
    provider: &str,
    agency: &str,
    plan: &str,
    payee: &str,
    file: &std::path::Path,
) -> Result<()> {
    checked_id("provider", provider)?;
    let (rows, mut results) =
        publica_claims::bulk::claims(bulk::read_csv(file)?, provider, agency, plan, payee)
            .map_err(|e| anyhow!("{}: {e}", file.display()))?;
    let calls: Vec<Call> = rows
        .into_iter()
        .map(|(line, args)| Call {
            line,
            module: "claims",
            method: "submit",
            args,
        })
        .collect();
    let session = Session::open(signer).await?;
    let done = session.submit(&calls).await?;
    let mut counts = std::collections::BTreeMap::<String, u64>::new();
    for (call, d) in calls.iter().zip(&done) {
        let mut report = d.report(call.line);
        if d.ok() {
            let id = call.args["id"].as_str().unwrap_or_default();
            let c = session
                .client
                .get_ok(&format!("/v1/claims/{provider}/{id}"))
                .await?;
            report["claim"] = json!(id);
            report["judged"] = c["status"].clone();
            report["paid"] = c["paid"].clone();
            if let Some(r) = c.get("reason") {
                report["reason"] = r.clone();
            }
            *counts
                .entry(c["status"].as_str().unwrap_or("?").to_string())
                .or_default() += 1;
        }
        results.push(report);
    }
    bulk::finish(
        results,
        json!({"provider": provider, "plan": plan, "judged": counts}),
    )
}

async fn read(cmd: ClaimsCmd) -> Result<()> {
    match cmd {
        ClaimsCmd::Show { provider, id, node } => {
            let c = Client::new(&node)?;
            print_json(
                &c.get_ok(&format!(
                    "/v1/claims/{}/{}",
                    checked_id("provider", &provider)?,
                    checked_id("claim", &id)?
                ))
                .await?,
            );
        }
        ClaimsCmd::Report {
            agency,
            plan,
            from,
            to,
            format,
            node,
        } => {
            let c = Client::new(&node)?;
            let to = to.unwrap_or_else(|| from.clone());
            let r = c
                .get_ok(&format!(
                    "/v1/claims/plans/{}/{}/report?from={from}&to={to}",
                    checked_id("agency", &agency)?,
                    checked_id("plan", &plan)?
                ))
                .await
                .context("the report")?;
            match format.as_str() {
                "json" => print_json(&r),
                "csv" => {
                    let cols = [
                        "month",
                        "submitted",
                        "approved",
                        "denied",
                        "referred",
                        "decided",
                        "appealed",
                        "overturned",
                        "paid",
                    ];
                    crate::out!(
                        "{}",
                        publica_types::csv::table(
                            &cols,
                            r["months"].as_array().into_iter().flatten()
                        )
                    );
                }
                other => bail!("--format is json or csv, not '{other}'"),
            }
        }
        ClaimsCmd::Queue { agency, node } => {
            let c = Client::new(&node)?;
            print_json(
                &c.get_ok(&format!(
                    "/v1/claims/queue/{}?limit=200",
                    checked_id("agency", &agency)?
                ))
                .await?,
            );
        }
        _ => unreachable!("run handles the others"),
    }
    Ok(())
}
