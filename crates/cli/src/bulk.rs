//! Bulk submission shared by `publica money bulk` and the programs imports:
//! reading a CSV file, signing one call per row, submitting them in batches
//! with a progress bar, waiting for every receipt, and the per-row report.

use crate::client::{api_error, Client};
use crate::commands::{open_key, PassArgs};
use anyhow::{anyhow, bail, Context, Result};
use clap::Args;
use publica_crypto::Keypair;
use publica_types::{AccountId, Expiry, TxBody};
use serde_json::{json, Value};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Transactions per batch request.
const CHUNK: usize = 1_000;

/// Who signs a bulk run, and where it goes.
#[derive(Args, Debug)]
pub struct SignerArgs {
    /// Key file of the signer.
    #[arg(long)]
    pub key: PathBuf,
    #[command(flatten)]
    pub pass: PassArgs,
    /// The account signed for, if its key was rotated.
    #[arg(long)]
    pub account: Option<String>,
    /// Node URL.
    #[arg(long, env = "PUBLICA_NODE", default_value = "http://127.0.0.1:8700")]
    pub node: String,
}

pub use publica_types::csv::Csv;

/// Signs and submits one call; prints its report; fails, with the node's
/// code and sentence, if it was refused.
pub async fn submit_one(
    signer: &SignerArgs,
    module: &'static str,
    method: &'static str,
    args: serde_json::Value,
) -> Result<()> {
    let report = submit_quiet(signer, module, method, args).await?;
    crate::client::print_json(&report);
    Ok(())
}

/// [`submit_one`] without printing: its report, or the node's code and
/// sentence as the error.
pub async fn submit_quiet(
    signer: &SignerArgs,
    module: &'static str,
    method: &'static str,
    args: serde_json::Value,
) -> Result<serde_json::Value> {
    Session::open(signer)
        .await?
        .submit_one(module, method, args)
        .await
}

/// Reads a CSV file (header first; quoting, a byte-order mark and
/// semicolons as spreadsheets write them: `publica_types::csv::parse`) of at most
/// [`publica_types::csv::ROWS_MAX`] rows.
pub fn read_csv(file: &Path) -> Result<Csv> {
    let meta = std::fs::metadata(file).with_context(|| format!("reading {}", file.display()))?;
    if meta.len() > publica_types::csv::BYTES_MAX as u64 {
        bail!("{} is larger than 64 MiB", file.display());
    }
    let text =
        std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    publica_types::csv::parse(&text).map_err(|e| anyhow!("{}: {e}", file.display()))
}

/// One call to sign and submit for a row.
pub struct Call {
    pub line: usize,
    pub module: &'static str,
    pub method: &'static str,
    pub args: Value,
}

/// What became of a call.
pub enum Done {
    /// In a block: its receipt's outcome (`status` ok or failed).
    Committed {
        tx_id: String,
        height: Value,
        outcome: Value,
    },
    /// Refused at admission, never in a block.
    Rejected { error: Value },
}

impl Done {
    pub fn ok(&self) -> bool {
        matches!(self, Done::Committed { outcome, .. } if outcome["status"] == "ok")
    }

    /// The per-row report line.
    pub fn report(&self, line: usize) -> Value {
        match self {
            Done::Committed {
                tx_id,
                height,
                outcome,
            } if outcome["status"] == "ok" => {
                json!({"line": line, "status": "ok", "tx_id": tx_id, "block_height": height})
            }
            Done::Committed { tx_id, outcome, .. } => {
                json!({"line": line, "status": "failed", "tx_id": tx_id, "error": outcome["error"]})
            }
            Done::Rejected { error } => json!({"line": line, "status": "rejected", "error": error}),
        }
    }
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

/// A signer connected to a node: the chain, the next nonce.
pub struct Session {
    pub client: Client,
    kp: Keypair,
    signer: AccountId,
    chain: String,
    height: u64,
    quiet: bool,
}

impl Session {
    /// Opens the key (asking for its passphrase) and reads the node's chain.
    pub async fn open(a: &SignerArgs) -> Result<Self> {
        let kp: Keypair = open_key(&a.key, &a.pass)?;
        let signer: AccountId = match &a.account {
            Some(x) => x.parse().map_err(|e| anyhow!("--account: {e}"))?,
            None => kp.account(),
        };
        Self::connect(kp, signer, &a.node).await
    }

    /// A session for `signer` (whose key `kp` is) on the node at `node`.
    pub async fn connect(kp: Keypair, signer: AccountId, node: &str) -> Result<Self> {
        let client = Client::new(node)?;
        let status = client.get_ok("/v1/status").await?;
        let chain = status["chain_id"]
            .as_str()
            .ok_or_else(|| anyhow!("node status lacks chain_id"))?
            .to_string();
        let height = status["height"].as_u64().unwrap_or(0);
        Ok(Session {
            client,
            kp,
            signer,
            chain,
            height,
            quiet: false,
        })
    }

    /// The node's chain id.
    pub fn chain_id(&self) -> &str {
        &self.chain
    }

    /// The signer's key and account.
    pub fn identity(&self) -> (&Keypair, AccountId) {
        (&self.kp, self.signer)
    }

    /// Submits one call and waits for it; an error (after printing the
    /// node's report) when refused.
    pub async fn submit_one(
        &self,
        module: &'static str,
        method: &'static str,
        args: serde_json::Value,
    ) -> Result<serde_json::Value> {
        let done = self
            .submit(&[Call {
                line: 1,
                module,
                method,
                args,
            }])
            .await?;
        let report = done[0].report(1);
        if !done[0].ok() {
            crate::client::print_json(&report);
            anyhow::bail!(
                "{}: {}",
                report["error"]["code"].as_str().unwrap_or("refused"),
                report["error"]["message"].as_str().unwrap_or("")
            );
        }
        Ok(report)
    }

    /// Without the progress bar (for a service's log).
    #[must_use]
    pub fn quiet(mut self) -> Self {
        self.quiet = true;
        self
    }

    fn progress(&self, done: usize, total: usize) {
        if !self.quiet {
            progress(done, total);
        }
    }

    async fn next_nonce(&self) -> Result<u64> {
        self.client
            .get_ok(&format!("/v1/accounts/{}/nonce", self.signer))
            .await?["next_nonce"]
            .as_u64()
            .ok_or_else(|| anyhow!("the node's answer lacks next_nonce"))
    }

    /// Signs one call with the signer's next nonce, expiring at `expiry`.
    pub async fn sign(
        &self,
        module: &str,
        method: &str,
        args: Value,
        expiry: Expiry,
    ) -> Result<publica_types::Envelope> {
        let body = TxBody::new(
            &self.chain,
            self.next_nonce().await?,
            expiry,
            module,
            method,
            args,
        );
        self.kp
            .sign_tx(self.signer, body)
            .map_err(|e| anyhow!("{e}"))
    }

    /// Waits for transaction `id`'s receipt.
    pub async fn receipt(&self, id: &str) -> Result<Value> {
        loop {
            let (s, v) = self
                .client
                .get(&format!("/v1/transactions/{id}?wait_ms=5000"))
                .await?;
            match s {
                200 => return Ok(v),
                202 => {}
                _ => return Err(api_error(s, &v)),
            }
        }
    }

    /// Signs and submits every call in batches, waits for each receipt and
    /// returns what became of each, in order, showing progress on stderr.
    pub async fn submit(&self, calls: &[Call]) -> Result<Vec<Done>> {
        let mut nonce = self.next_nonce().await?;
        let total = calls.len();
        let mut out = Vec::with_capacity(total);
        self.progress(0, total);
        for chunk in calls.chunks(CHUNK) {
            let mut envs = Vec::with_capacity(chunk.len());
            for c in chunk {
                let body = TxBody::new(
                    &self.chain,
                    nonce,
                    Expiry::Height(self.height + 10_000),
                    c.module,
                    c.method,
                    c.args.clone(),
                );
                envs.push(
                    self.kp
                        .sign_tx(self.signer, body)
                        .map_err(|e| anyhow!("{e}"))?,
                );
                nonce += 1;
            }
            let (s, v) = self
                .client
                .post("/v1/transactions/batch", &json!({ "transactions": envs }))
                .await?;
            if s != 200 {
                return Err(api_error(s, &v));
            }
            let items = v["results"].as_array().cloned().unwrap_or_default();
            if items.len() != chunk.len() {
                bail!(
                    "the node answered {} results for {} transactions",
                    items.len(),
                    chunk.len()
                );
            }
            for item in &items {
                let Some(id) = item["tx_id"].as_str() else {
                    out.push(Done::Rejected {
                        error: item["error"].clone(),
                    });
                    self.progress(out.len(), total);
                    continue;
                };
                let receipt = self.receipt(id).await?;
                out.push(Done::Committed {
                    tx_id: id.to_string(),
                    height: receipt["block_height"].clone(),
                    outcome: receipt["outcome"].clone(),
                });
                self.progress(out.len(), total);
            }
            // A rejected item leaves a nonce gap (the later ones of the
            // chunk are rejected too): continue from the node's next nonce.
            if items.iter().any(|i| i.get("tx_id").is_none()) {
                nonce = self.next_nonce().await?;
            }
        }
        if !self.quiet {
            eprintln!();
        }
        Ok(out)
    }
}

/// Prints the per-row results (sorted by line) and the summary; fails
/// unless every row went through.
pub fn finish(mut results: Vec<Value>, mut summary: Value) -> Result<()> {
    results.sort_by_key(|r| r["line"].as_u64().unwrap_or(0));
    let count = |s: &str| results.iter().filter(|r| r["status"] == s).count();
    let (ok, rows) = (count("ok"), results.len());
    summary["rows"] = json!(rows);
    summary["committed_ok"] = json!(ok);
    summary["failed_in_block"] = json!(count("failed"));
    summary["rejected_at_admission"] = json!(count("rejected"));
    summary["invalid_rows"] = json!(count("invalid"));
    crate::client::print_json(&json!({ "results": results, "summary": summary }));
    if ok != rows {
        bail!(
            "{} of {rows} rows did not go through; see the per-row results",
            rows - ok
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_file_it_cannot_read() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f.csv");
        std::fs::write(&p, " \n1\n").unwrap();
        let e = read_csv(&p).unwrap_err().to_string();
        assert!(e.contains("f.csv") && e.contains("header"), "{e}");
        assert!(read_csv(&dir.path().join("missing.csv")).is_err());
    }
}
