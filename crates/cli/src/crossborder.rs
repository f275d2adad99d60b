//! `publica crossborder …`: transfers between two Publica networks
//! (docs/cross-border.md). A treasurer opens a corridor to the other
//! network with its validator set; anyone relays the other network's set
//! changes (`follow`), its transfers out (`receive`, or `expire` past the
//! deadline) and its marks of ours (`settle`), each as the state answer
//! the other network's node serves with its final checkpoint. The ledger
//! checks every proof; this command only fetches and submits.

use crate::bulk::{submit_one, submit_quiet, Call, Session, SignerArgs};
use crate::client::{checked_id, print_json, Client};
use crate::governance::duration_ms;
use anyhow::{anyhow, bail, Result};
use clap::Subcommand;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::path::PathBuf;

/// Largest validator-set file read.
const SET_BYTES_MAX: u64 = 1 << 20;
/// Most pages of a corridor's movements a relay pass reads (200 each).
const PAGES_MAX: usize = 50;

/// `publica crossborder …`.
#[derive(Subcommand, Debug)]
pub enum CrossborderCmd {
    /// Propose a corridor to another network (a treasurer of the agency);
    /// open at once when the agency's policy needs one approval.
    OpenCorridor(OpenCmd),
    /// Approve a proposed corridor (another treasurer of the agency).
    ApproveCorridor {
        #[command(flatten)]
        signer: SignerArgs,
        /// The agency.
        #[arg(long)]
        agency: String,
        /// The corridor.
        #[arg(long)]
        id: String,
    },
    /// Pair the corridor with its other half, proven open on the other
    /// network and pointing back at this one: no money is sent before.
    Pair {
        #[command(flatten)]
        signer: SignerArgs,
        #[command(flatten)]
        ends: Ends,
    },
    /// Relay every validator-set change of the other network that the
    /// corridor has not followed yet, oldest first.
    Follow {
        #[command(flatten)]
        signer: SignerArgs,
        #[command(flatten)]
        ends: Ends,
    },
    /// Send money to the other network: locked here until the other
    /// network credits it, or refunded after the deadline. Prints the
    /// transfer's id.
    Send {
        #[command(flatten)]
        signer: SignerArgs,
        /// The corridor.
        #[arg(long)]
        corridor: String,
        /// The account debited (yours).
        #[arg(long)]
        from: String,
        /// The account credited on the other network.
        #[arg(long)]
        to: String,
        /// The amount: minor units, or major units with a decimal point.
        #[arg(long)]
        amount: String,
        /// How long the other network may credit it: 90s, 30m, 12h or 7d
        /// (the corridor's timeout when absent).
        #[arg(long)]
        timeout: Option<String>,
    },
    /// Credit a transfer of the other network here, on its proof.
    Receive(RelayCmd),
    /// Mark a transfer of the other network expired here (after its
    /// deadline), so that it can be refunded there.
    Expire(RelayCmd),
    /// Settle one of our transfers on the other network's mark of it:
    /// delivered, or refunded to the account it came from.
    Settle(RelayCmd),
    /// Relay everything a corridor is owed from the other network: its
    /// set changes, its transfers to us (received, or expired once past
    /// their deadline) and its marks of ours (settled). Once, or every so
    /// often until stopped. Prints what it relayed and what was refused.
    Relay {
        #[command(flatten)]
        signer: SignerArgs,
        #[command(flatten)]
        ends: Ends,
        /// Run again after this long (90s, 5m, 1h) until stopped; one pass
        /// when absent.
        #[arg(long)]
        every: Option<String>,
    },
    /// A corridor, or one transfer out.
    Show {
        /// The corridor.
        #[arg(long, required_unless_present = "transfer")]
        corridor: Option<String>,
        /// A transfer out.
        #[arg(long)]
        transfer: Option<String>,
        /// Node URL.
        #[arg(long, env = "PUBLICA_NODE", default_value = "http://127.0.0.1:8700")]
        node: String,
    },
}

/// `publica crossborder open-corridor`.
#[derive(clap::Args, Debug)]
pub struct OpenCmd {
    #[command(flatten)]
    pub signer: SignerArgs,
    /// The agency.
    #[arg(long)]
    pub agency: String,
    /// The corridor's id.
    #[arg(long)]
    pub id: String,
    /// The currency it moves here.
    #[arg(long)]
    pub currency: String,
    /// Its liquidity: a money account of program `crossborder:<id>` of
    /// the agency.
    #[arg(long)]
    pub liquidity: String,
    /// The other network's chain id.
    #[arg(long)]
    pub remote_chain: String,
    /// The paired corridor's id on the other network.
    #[arg(long)]
    pub remote_corridor: String,
    /// The other network's validator set (its validators.json, as
    /// `publica verify --validators` reads it).
    #[arg(long)]
    pub remote_validators: PathBuf,
    /// The rate for transfers in, REMOTE:LOCAL minor units (e.g. 100:93).
    #[arg(long, default_value = "1:1")]
    pub rate: String,
    /// The largest transfer: minor units, or major units with a decimal
    /// point.
    #[arg(long)]
    pub limit: String,
    /// How long a transfer out may wait for its credit: 90s, 30m, 12h or
    /// 7d (10 s to 30 days).
    #[arg(long, default_value = "1d")]
    pub timeout: String,
}

/// A corridor here and a node of the network at its other end.
#[derive(clap::Args, Debug)]
pub struct Ends {
    /// The corridor (on this network).
    #[arg(long)]
    pub corridor: String,
    /// A node of the other network.
    #[arg(long)]
    pub remote_node: String,
}

/// `publica crossborder receive|expire|settle`.
#[derive(clap::Args, Debug)]
pub struct RelayCmd {
    #[command(flatten)]
    pub signer: SignerArgs,
    #[command(flatten)]
    pub ends: Ends,
    /// The transfer's id (the sending transaction's id).
    #[arg(long)]
    pub transfer: String,
}

/// `REMOTE:LOCAL`.
fn rate(text: &str) -> Result<Value> {
    let term = |t: &str| t.trim().parse::<u64>().ok().filter(|n| *n > 0);
    match text.split_once(':').map(|(r, l)| (term(r), term(l))) {
        Some((Some(remote), Some(local))) => Ok(json!({"remote": remote, "local": local})),
        _ => {
            bail!("--rate is REMOTE:LOCAL, two positive whole numbers (e.g. 100:93), not '{text}'")
        }
    }
}

/// A transfer id, checked.
fn transfer_id(id: &str) -> Result<&str> {
    if publica_crossborder::model::valid_transfer_id(id) {
        Ok(id)
    } else {
        bail!("--transfer is a transaction id: 64 lowercase hex digits, not '{id}'")
    }
}

/// The corridor `id` as this network's node serves it.
async fn corridor(node: &str, id: &str) -> Result<Value> {
    checked_id("corridor", id)?;
    let v = Client::new(node)?
        .get_ok(&format!("/v1/crossborder/corridors/{id}"))
        .await?;
    Ok(v["corridor"].clone())
}

/// The other network's state answer of `key`, with its final checkpoint.
async fn remote_answer(remote: &str, key: &str) -> Result<Value> {
    let v = Client::new(remote)?
        .get_ok(&format!("/v1/state?key={key}"))
        .await?;
    if v["checkpoint"].is_null() {
        bail!("{remote} has no final checkpoint for its last block yet (a quorum has not cosigned it): try again in a moment");
    }
    Ok(v)
}

async fn open(c: OpenCmd) -> Result<()> {
    let node = &c.signer.node;
    let set = crate::client::read_json_file(&c.remote_validators, SET_BYTES_MAX)?;
    publica_log::ValidatorSet::parse(&set.to_string())
        .map_err(|e| anyhow!("{}: {e}", c.remote_validators.display()))?;
    let limit = crate::money::minor_units(node, &c.liquidity, &c.limit, "--limit").await?;
    let args = json!({"agency": c.agency, "id": c.id, "currency": c.currency, "account": c.liquidity,
        "remote_chain": c.remote_chain, "remote_corridor": c.remote_corridor, "remote_validators": set,
        "rate": rate(&c.rate)?, "limit": limit, "timeout_ms": duration_ms(&c.timeout, "--timeout")?});
    submit_one(&c.signer, "crossborder", "open_corridor", args).await
}

/// The other network's state answer of the corridor paired with `here`.
async fn pairing_proof(here: &Value, remote: &str) -> Result<Value> {
    let paired = here["remote_corridor"].as_str().unwrap_or_default();
    let proof = remote_answer(remote, &format!("crossborder/corridor/{paired}")).await?;
    if proof["value_hex"].is_null() {
        bail!("the other network has no corridor '{paired}' yet: its treasurers open it first");
    }
    Ok(proof)
}

/// Relays the set changes of the other network after block `followed`,
/// oldest first; what it relayed.
async fn follow_changes(
    signer: &SignerArgs,
    id: &str,
    remote: &str,
    followed: u64,
) -> Result<Vec<Value>> {
    let changes = Client::new(remote)?
        .get_ok("/v1/network/set-changes")
        .await?;
    let mut relayed = Vec::new();
    for change in changes["changes"].as_array().into_iter().flatten() {
        let height = change["height"].as_u64().unwrap_or(0);
        if height <= followed {
            continue;
        }
        let args = json!({"corridor": id, "change": change});
        let r = submit_quiet(signer, "crossborder", "follow", args).await?;
        relayed.push(json!({"height": height, "tx_id": r["tx_id"]}));
    }
    Ok(relayed)
}

/// Relays the set changes the corridor has not followed.
async fn follow(signer: &SignerArgs, id: &str, remote: &str) -> Result<()> {
    let c = corridor(&signer.node, id).await?;
    let followed = c["followed"].as_u64().unwrap_or(0);
    let relayed = follow_changes(signer, id, remote, followed).await?;
    print_json(&json!({"corridor": id, "followed_before": followed, "relayed": relayed}));
    Ok(())
}

/// `receive`, `expire` or `settle`.
async fn relay(c: RelayCmd, method: &'static str) -> Result<()> {
    let id = transfer_id(&c.transfer)?;
    let key = if method == "settle" {
        let here = corridor(&c.signer.node, &c.ends.corridor).await?;
        let paired = here["remote_corridor"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        format!("crossborder/in/{paired}/{id}")
    } else {
        checked_id("corridor", &c.ends.corridor)?;
        format!("crossborder/out/{id}")
    };
    let proof = remote_answer(&c.ends.remote_node, &key).await?;
    if proof["value_hex"].is_null() {
        bail!(if method == "settle" {
            format!("the other network has not credited or expired transfer {id} yet ({key} is absent there)")
        } else {
            format!("the other network has no transfer out {id} ({key} is absent there)")
        });
    }
    submit_one(
        &c.signer,
        "crossborder",
        method,
        json!({"corridor": c.ends.corridor, "proof": proof}),
    )
    .await
}

/// Every entry of a paged index route, page by page.
async fn entries(node: &str, path: &str) -> Result<Vec<Value>> {
    let client = Client::new(node)?;
    let mut out = Vec::new();
    let mut from = 0u64;
    for _ in 0..PAGES_MAX {
        let page = client
            .get_ok(&format!("{path}?from={from}&limit=200"))
            .await?;
        out.extend(page["entries"].as_array().cloned().unwrap_or_default());
        match page["next"].as_u64() {
            Some(n) => from = n,
            None => break,
        }
    }
    Ok(out)
}

/// The transfers among `entries` of one of `kinds`.
fn ids_of(entries: &[Value], kinds: &[&str]) -> BTreeSet<String> {
    entries
        .iter()
        .filter(|e| kinds.contains(&e["kind"].as_str().unwrap_or_default()))
        .filter_map(|e| e["transfer"].as_str().map(str::to_string))
        .collect()
}

/// The record a state answer shows.
fn shown(answer: &Value) -> Option<Value> {
    let bytes = hex::decode(answer["value_hex"].as_str()?).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// The calls one relay pass makes for corridor `id`: the other network's
/// transfers to us not yet marked here, and ours it marked and we have
/// not settled. A transfer whose proof cannot be had yet is left for the
/// next pass, and said so in `waiting`.
async fn owed(
    node: &str,
    id: &str,
    paired: &str,
    remote: &str,
) -> Result<(Vec<(String, &'static str, Value)>, Vec<Value>)> {
    let here = entries(node, &format!("/v1/crossborder/corridors/{id}/transfers")).await?;
    let there = entries(
        remote,
        &format!("/v1/crossborder/corridors/{paired}/transfers"),
    )
    .await?;
    let marked = ids_of(&here, &["received", "expired"]);
    let settled = ids_of(&here, &["delivered", "refunded"]);
    let (mut calls, mut waiting) = (Vec::new(), Vec::new());
    // The deadline is judged by this network's block time, not ours.
    let now = Client::new(node)?.get_ok("/v1/status").await?["time_ms"]
        .as_u64()
        .unwrap_or_else(publica_types::now_ms);
    for t in ids_of(&there, &["sent"]).difference(&marked) {
        match remote_answer(remote, &format!("crossborder/out/{t}")).await {
            Ok(proof) => {
                let out = shown(&proof).unwrap_or(Value::Null);
                if out["status"] != "pending" {
                    continue;
                }
                let late = out["deadline_ms"].as_u64().is_some_and(|d| now > d);
                calls.push((t.clone(), if late { "expire" } else { "receive" }, proof));
            }
            Err(e) => waiting.push(json!({"transfer": t, "why": e.to_string()})),
        }
    }
    for t in ids_of(&here, &["sent"]).difference(&settled) {
        match remote_answer(remote, &format!("crossborder/in/{paired}/{t}")).await {
            Ok(proof) if proof["value_hex"].is_null() => {}
            Ok(proof) => calls.push((t.clone(), "settle", proof)),
            Err(e) => waiting.push(json!({"transfer": t, "why": e.to_string()})),
        }
    }
    Ok((calls, waiting))
}

/// One relay pass: set changes first (later proofs may need them), then
/// every transfer owed, in one session.
async fn relay_pass(signer: &SignerArgs, id: &str, remote: &str) -> Result<Value> {
    let here = corridor(&signer.node, id).await?;
    let paired = here["remote_corridor"]
        .as_str()
        .ok_or_else(|| anyhow!("corridor {id}: no paired corridor"))?
        .to_string();
    let mut relayed = Vec::new();
    let mut waiting = Vec::new();
    // Set changes first: later proofs may need them. A change refused is
    // said, and the rest still relayed.
    let followed =
        match follow_changes(signer, id, remote, here["followed"].as_u64().unwrap_or(0)).await {
            Ok(done) => done,
            Err(e) => {
                waiting.push(json!({"set_changes": format!("{e:#}")}));
                Vec::new()
            }
        };
    if here["paired"] != true {
        // Nothing is sent from here before the pairing; transfers in and
        // settlements need none.
        let pairing = async {
            let proof = pairing_proof(&here, remote).await?;
            let args = json!({"corridor": id, "proof": proof});
            submit_quiet(signer, "crossborder", "pair", args).await
        };
        match pairing.await {
            Ok(r) => {
                relayed.push(json!({"call": "pair", "tx_id": r["tx_id"], "status": r["status"]}));
            }
            Err(e) => waiting.push(json!({"pairing": format!("{e:#}")})),
        }
    }
    let (owed, more) = owed(&signer.node, id, &paired, remote).await?;
    waiting.extend(more);
    let calls: Vec<Call> = owed
        .iter()
        .enumerate()
        .map(|(n, (_, method, proof))| Call {
            line: n + 1,
            module: "crossborder",
            method,
            args: json!({"corridor": id, "proof": proof}),
        })
        .collect();
    let done = if calls.is_empty() {
        Vec::new()
    } else {
        Session::open(signer).await?.submit(&calls).await?
    };
    relayed.extend(owed.iter().zip(&done).map(|((t, method, _), d)| {
        let mut r = d.report(0);
        r["transfer"] = json!(t);
        r["call"] = json!(method);
        r
    }));
    Ok(json!({"corridor": id, "set_changes": followed, "relayed": relayed, "waiting": waiting}))
}

/// `publica crossborder relay`.
async fn relay_all(signer: &SignerArgs, id: &str, remote: &str, every: Option<&str>) -> Result<()> {
    checked_id("corridor", id)?;
    let Some(every) = every else {
        let report = relay_pass(signer, id, remote).await?;
        print_json(&report);
        return Ok(());
    };
    let pause = std::time::Duration::from_millis(duration_ms(every, "--every")?);
    loop {
        match relay_pass(signer, id, remote).await {
            Ok(report) => print_json(&report),
            // A node down for a moment: said, and tried again next time.
            Err(e) => print_json(&json!({"corridor": id, "error": format!("{e:#}")})),
        }
        tokio::time::sleep(pause).await;
    }
}

/// `publica crossborder …`.
pub async fn run(cmd: CrossborderCmd) -> Result<()> {
    match cmd {
        CrossborderCmd::OpenCorridor(c) => open(c).await,
        CrossborderCmd::ApproveCorridor { signer, agency, id } => {
            submit_one(
                &signer,
                "crossborder",
                "approve_corridor",
                json!({"agency": agency, "id": id}),
            )
            .await
        }
        CrossborderCmd::Pair { signer, ends } => {
            let here = corridor(&signer.node, &ends.corridor).await?;
            let proof = pairing_proof(&here, &ends.remote_node).await?;
            submit_one(
                &signer,
                "crossborder",
                "pair",
                json!({"corridor": ends.corridor, "proof": proof}),
            )
            .await
        }
        CrossborderCmd::Follow { signer, ends } => {
            follow(&signer, &ends.corridor, &ends.remote_node).await
        }
        CrossborderCmd::Send {
            signer,
            corridor,
            from,
            to,
            amount,
            timeout,
        } => {
            checked_id("corridor", &corridor)?;
            let amount =
                crate::money::minor_units(&signer.node, &from, &amount, "--amount").await?;
            let mut args = json!({"corridor": corridor, "from": from, "to": to, "amount": amount});
            if let Some(t) = timeout {
                args["timeout_ms"] = json!(duration_ms(&t, "--timeout")?);
            }
            let mut r = submit_quiet(&signer, "crossborder", "send", args).await?;
            r["transfer"] = r["tx_id"].clone();
            print_json(&r);
            Ok(())
        }
        CrossborderCmd::Relay {
            signer,
            ends,
            every,
        } => relay_all(&signer, &ends.corridor, &ends.remote_node, every.as_deref()).await,
        CrossborderCmd::Receive(c) => relay(c, "receive").await,
        CrossborderCmd::Expire(c) => relay(c, "expire").await,
        CrossborderCmd::Settle(c) => relay(c, "settle").await,
        CrossborderCmd::Show {
            corridor,
            transfer,
            node,
        } => {
            let path = match (&transfer, &corridor) {
                (Some(t), _) => format!("/v1/crossborder/transfers/{}", transfer_id(t)?),
                (None, Some(c)) => {
                    format!("/v1/crossborder/corridors/{}", checked_id("corridor", c)?)
                }
                (None, None) => bail!("--corridor or --transfer"),
            };
            print_json(&Client::new(&node)?.get_ok(&path).await?);
            Ok(())
        }
    }
}
