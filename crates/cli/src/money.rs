//! `publica money …`: accounts, histories, provenance, currencies,
//! transfers, and bulk transfers from a CSV file.

use crate::client::{api_error, Client};
use crate::commands::{open_key, PassArgs};
use anyhow::{anyhow, bail, Context, Result};
use clap::Subcommand;
use publica_crypto::Keypair;
use publica_types::{AccountId, Expiry, TxBody};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;

/// Most rows in one bulk file.
const BULK_ROWS_MAX: usize = 100_000;
/// Transactions per batch request in a bulk run.
const BULK_CHUNK: usize = 1_000;

#[derive(Subcommand, Debug)]
pub enum MoneyCmd {
    /// An account, with a state proof (--verify checks it locally).
    Account {
        id: String,
        #[arg(long)]
        verify: bool,
        #[arg(long, env = "PUBLICA_NODE", default_value = "http://127.0.0.1:8700")]
        node: String,
    },
    /// An account's history.
    History {
        id: String,
        #[arg(long, default_value_t = 0)]
        from: u64,
        #[arg(long, default_value_t = 100)]
        limit: usize,
        #[arg(long, env = "PUBLICA_NODE", default_value = "http://127.0.0.1:8700")]
        node: String,
    },
    /// Where an account's money came from.
    Provenance {
        id: String,
        #[arg(long, env = "PUBLICA_NODE", default_value = "http://127.0.0.1:8700")]
        node: String,
    },
    /// A currency's totals and appropriations.
    Currency {
        code: String,
        #[arg(long, env = "PUBLICA_NODE", default_value = "http://127.0.0.1:8700")]
        node: String,
    },
    /// Transfers from a CSV file (`from,to,amount[,reference]`, header
    /// first), with progress, per-row results and a reconciliation summary.
    Bulk {
        /// Key file of the signer (owner of the debited accounts).
        #[arg(long)]
        key: PathBuf,
        #[command(flatten)]
        pass: PassArgs,
        /// The account signed for, if its key was rotated.
        #[arg(long)]
        account: Option<String>,
        /// The CSV file.
        #[arg(long)]
        file: PathBuf,
        #[arg(long, env = "PUBLICA_NODE", default_value = "http://127.0.0.1:8700")]
        node: String,
    },
}

fn print(v: &Value) {
    println!(
        "{}",
        serde_json::to_string_pretty(v).unwrap_or_else(|_| v.to_string())
    );
}

fn path_id(id: &str) -> Result<&str> {
    if publica_money::model::valid_id(id) {
        Ok(id)
    } else {
        bail!("'{id}' is not an account id (1..=64 of [a-z0-9._:-])")
    }
}

pub async fn run(cmd: MoneyCmd) -> Result<()> {
    match cmd {
        MoneyCmd::Account { id, verify, node } => {
            let mut v = Client::new(&node)?
                .get_ok(&format!("/v1/money/accounts/{}", path_id(&id)?))
                .await?;
            if verify {
                let root: publica_types::Hash32 = v["state_root"]
                    .as_str()
                    .unwrap_or_default()
                    .parse()
                    .map_err(|e| anyhow!("state_root: {e}"))?;
                let proof: publica_state::Proof =
                    serde_json::from_value(v["proof"].clone()).context("proof")?;
                let value = hex::decode(v["value_hex"].as_str().unwrap_or_default())
                    .context("value_hex")?;
                let key = v["key"].as_str().unwrap_or_default().to_string();
                publica_state::verify_proof(&root, key.as_bytes(), Some(&value), &proof)
                    .map_err(|e| anyhow!("the balance proof does not verify: {e}"))?;
                v["verified"] = json!(true);
            }
            print(&v);
        }
        MoneyCmd::History {
            id,
            from,
            limit,
            node,
        } => {
            print(
                &Client::new(&node)?
                    .get_ok(&format!(
                        "/v1/money/accounts/{}/history?from={from}&limit={limit}",
                        path_id(&id)?
                    ))
                    .await?,
            );
        }
        MoneyCmd::Provenance { id, node } => {
            print(
                &Client::new(&node)?
                    .get_ok(&format!("/v1/money/accounts/{}/provenance", path_id(&id)?))
                    .await?,
            );
        }
        MoneyCmd::Currency { code, node } => {
            if !publica_money::model::valid_code(&code) {
                bail!("'{code}' is not a currency code (2..=12 of [A-Z0-9])");
            }
            print(
                &Client::new(&node)?
                    .get_ok(&format!("/v1/money/currencies/{code}"))
                    .await?,
            );
        }
        MoneyCmd::Bulk {
            key,
            pass,
            account,
            file,
            node,
        } => bulk(&key, &pass, account.as_deref(), &file, &node).await?,
    }
    Ok(())
}

struct Row {
    line: usize,
    from: String,
    to: String,
    amount: u128,
    reference: String,
}

fn parse_csv(text: &str) -> (Vec<Row>, Vec<Value>) {
    let mut rows = Vec::new();
    let mut invalid = Vec::new();
    for (i, line) in text.lines().enumerate().skip(1) {
        let line_no = i + 1;
        if line.trim().is_empty() {
            continue;
        }
        let cols: Vec<&str> = line.split(',').map(str::trim).collect();
        let bad = |why: &str| json!({"line": line_no, "status": "invalid", "error": why});
        if !(3..=4).contains(&cols.len()) || line.contains('"') {
            invalid.push(bad("expected from,to,amount[,reference] without quotes"));
            continue;
        }
        let amount = match cols[2].parse::<u128>() {
            Ok(a) if a > 0 && !cols[2].starts_with('0') => a,
            _ => {
                invalid.push(bad("amount must be a positive integer in minor units"));
                continue;
            }
        };
        if !publica_money::model::valid_id(cols[0]) || !publica_money::model::valid_id(cols[1]) {
            invalid.push(bad("from and to must be account ids"));
            continue;
        }
        rows.push(Row {
            line: line_no,
            from: cols[0].into(),
            to: cols[1].into(),
            amount,
            reference: cols.get(3).unwrap_or(&"").to_string(),
        });
    }
    (rows, invalid)
}

fn progress(done: usize, total: usize) {
    let width = 30;
    let filled = (done * width)
        .checked_div(total)
        .unwrap_or(width)
        .min(width);
    eprint!(
        "\r[{}{}] {done}/{total} rows",
        "#".repeat(filled),
        " ".repeat(width - filled)
    );
    let _ = std::io::stderr().flush();
}

async fn bulk(
    key: &std::path::Path,
    pass: &PassArgs,
    account: Option<&str>,
    file: &std::path::Path,
    node: &str,
) -> Result<()> {
    let meta = std::fs::metadata(file).with_context(|| format!("reading {}", file.display()))?;
    if meta.len() > 64 << 20 {
        bail!("{} is larger than 64 MiB", file.display());
    }
    let text =
        std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    let header = text.lines().next().unwrap_or("").replace(' ', "");
    if !(header == "from,to,amount" || header == "from,to,amount,reference") {
        bail!(
            "{}: the first line must be the header from,to,amount[,reference]",
            file.display()
        );
    }
    let (rows, mut results) = parse_csv(&text);
    if rows.len() + results.len() > BULK_ROWS_MAX {
        bail!("at most {BULK_ROWS_MAX} rows per file");
    }
    let kp: Keypair = open_key(key, pass)?;
    let signer: AccountId = match account {
        Some(a) => a.parse().map_err(|e| anyhow!("--account: {e}"))?,
        None => kp.account(),
    };
    let client = Client::new(node)?;
    let status = client.get_ok("/v1/status").await?;
    let chain = status["chain_id"]
        .as_str()
        .ok_or_else(|| anyhow!("node status lacks chain_id"))?
        .to_string();
    let height = status["height"].as_u64().unwrap_or(0);
    let mut nonce = client
        .get_ok(&format!("/v1/accounts/{signer}/nonce"))
        .await?["next_nonce"]
        .as_u64()
        .ok_or_else(|| anyhow!("no next_nonce"))?;
    let total = rows.len();
    let mut done = 0;
    let mut moved: BTreeMap<String, u128> = BTreeMap::new();
    let (mut ok, mut failed, mut rejected) = (0usize, 0usize, 0usize);
    progress(0, total);
    for chunk in rows.chunks(BULK_CHUNK) {
        let mut envs = Vec::with_capacity(chunk.len());
        for r in chunk {
            let args = json!({"from": r.from, "to": r.to, "amount": r.amount.to_string(), "reference": r.reference});
            let body = TxBody::new(
                &chain,
                nonce,
                Expiry::Height(height + 10_000),
                "money",
                "transfer",
                args,
            );
            envs.push(kp.sign_tx(signer, body).map_err(|e| anyhow!("{e}"))?);
            nonce += 1;
        }
        let (s, v) = client
            .post("/v1/transactions/batch", &json!({ "transactions": envs }))
            .await?;
        if s != 200 {
            return Err(api_error(s, &v));
        }
        let items = v["results"].as_array().cloned().unwrap_or_default();
        // A rejected item leaves a nonce gap: later ones in this chunk are
        // rejected too, and nonces restart from the node's next one.
        let mut ids = Vec::new();
        for (r, item) in chunk.iter().zip(&items) {
            match item["tx_id"].as_str() {
                Some(id) => ids.push((r, id.to_string())),
                None => {
                    rejected += 1;
                    results.push(
                        json!({"line": r.line, "status": "rejected", "error": item["error"]}),
                    );
                }
            }
        }
        for (r, id) in ids {
            let receipt = loop {
                let (s, v) = client
                    .get(&format!("/v1/transactions/{id}?wait_ms=5000"))
                    .await?;
                match s {
                    200 => break v,
                    202 => continue,
                    _ => return Err(api_error(s, &v)),
                }
            };
            let outcome = &receipt["outcome"];
            if outcome["status"] == "ok" {
                ok += 1;
                *moved.entry(r.from.clone()).or_default() += r.amount;
                results.push(json!({"line": r.line, "status": "ok", "tx_id": id, "block_height": receipt["block_height"]}));
            } else {
                failed += 1;
                results.push(json!({"line": r.line, "status": "failed", "tx_id": id, "error": outcome["error"]}));
            }
            done += 1;
            progress(done, total);
        }
        if items.iter().any(|i| i.get("tx_id").is_none()) {
            nonce = client
                .get_ok(&format!("/v1/accounts/{signer}/nonce"))
                .await?["next_nonce"]
                .as_u64()
                .unwrap_or(nonce);
            done = done.max(ok + failed + rejected);
            progress(done, total);
        }
    }
    eprintln!();
    results.sort_by_key(|r| r["line"].as_u64().unwrap_or(0));
    let invalid = results.iter().filter(|r| r["status"] == "invalid").count();
    let summary = json!({
        "rows": total + invalid,
        "committed_ok": ok,
        "failed_in_block": failed,
        "rejected_at_admission": rejected,
        "invalid_rows": invalid,
        "moved_per_account": moved.iter().map(|(k, v)| (k.clone(), json!(v.to_string()))).collect::<serde_json::Map<_, _>>(),
        "moved_total": moved.values().sum::<u128>().to_string(),
    });
    print(&json!({ "results": results, "summary": summary }));
    if ok != total + invalid {
        bail!(
            "{} of {} rows did not transfer; see the per-row results",
            total + invalid - ok,
            total + invalid
        );
    }
    Ok(())
}
