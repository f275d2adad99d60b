//! `publica data …`: an agency publishes a batch of a data set or feed
//! (the content to its node's store, the hash to the ledger), and a
//! reader downloads a batch and checks it against the ledger's hash —
//! open data directly, restricted data after recording an access
//! (docs/city-data.md).

use crate::bulk::{Session, SignerArgs};
use crate::client::{api_error, checked_id, print_json, Client};
use anyhow::{anyhow, bail, Context, Result};
use base64::Engine as _;
use clap::Subcommand;
use publica_energy::citydata::model::{download_bytes, BATCH_BYTES_MAX};
use publica_types::Expiry;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

/// How long a publication or an access may wait for a block.
const EXPIRY_MS: u64 = 5 * 60_000;

/// `publica data …`.
#[derive(Subcommand, Debug)]
pub enum DataCmd {
    /// Publish a file as the next batch of a data set or feed: the content
    /// goes to the node's store, its SHA-256, size and time window to the
    /// ledger (signed by an oracle of the agency). Prints the batch.
    Publish {
        #[command(flatten)]
        signer: SignerArgs,
        /// The publishing agency.
        #[arg(long)]
        agency: String,
        /// The data set or feed.
        #[arg(long)]
        dataset: String,
        /// The window's start (ms since the epoch).
        #[arg(long)]
        start_ms: u64,
        /// The window's end (ms, exclusive; over already).
        #[arg(long)]
        end_ms: u64,
        /// The media type.
        #[arg(long, default_value = "text/csv")]
        media_type: String,
        /// The file.
        file: PathBuf,
    },
    /// Download a batch of open data and check it against the ledger's
    /// hash; fails, writing nothing, if it does not match.
    Get {
        /// Node URL (the publisher's).
        #[arg(long, env = "PUBLICA_NODE", default_value = "http://127.0.0.1:8700")]
        node: String,
        /// The publishing agency.
        #[arg(long)]
        agency: String,
        /// The data set.
        #[arg(long)]
        dataset: String,
        /// The batch.
        #[arg(long)]
        batch: u64,
        /// Where to write it.
        #[arg(long)]
        out: PathBuf,
    },
    /// Record an access to a restricted batch for an agency holding a
    /// grant (the signer is a member of it), download the batch with a
    /// request signed by the same key, and check it against the ledger's
    /// hash.
    Read {
        #[command(flatten)]
        signer: SignerArgs,
        /// The publishing agency.
        #[arg(long)]
        agency: String,
        /// The data set.
        #[arg(long)]
        dataset: String,
        /// The batch.
        #[arg(long)]
        batch: u64,
        /// The agency reading (holding the grant).
        #[arg(long)]
        as_agency: String,
        /// The purpose the grant names.
        #[arg(long)]
        purpose: String,
        /// Where to write it.
        #[arg(long)]
        out: PathBuf,
    },
}

/// The ledger's record of a batch.
async fn batch(client: &Client, agency: &str, dataset: &str, seq: u64) -> Result<Value> {
    Ok(client
        .get_ok(&format!("/v1/citydata/{agency}/{dataset}/batches/{seq}"))
        .await?["batch"]
        .clone())
}

/// Checks `bytes` against the ledger's batch and writes them to `out`.
fn verified(b: &Value, status: u16, bytes: &[u8], out: &Path) -> Result<Value> {
    if status != 200 {
        let v: Value = serde_json::from_slice(bytes).unwrap_or(Value::Null);
        return Err(api_error(status, &v));
    }
    let hash = publica_crypto::sha256(bytes).to_hex();
    if Some(hash.as_str()) != b["hash"].as_str() || Some(bytes.len() as u64) != b["bytes"].as_u64()
    {
        bail!(
            "citydata.hash_mismatch: the node served {hash} ({} bytes); the ledger names {} ({} bytes) — nothing written",
            bytes.len(),
            b["hash"],
            b["bytes"]
        );
    }
    std::fs::write(out, bytes).with_context(|| format!("writing {}", out.display()))?;
    Ok(
        json!({"seq": b["seq"], "hash": hash, "bytes": bytes.len(), "verified": true,
        "out": out.display().to_string()}),
    )
}

/// Publishes `file` as the next batch of `dataset`.
async fn publish(
    signer: &SignerArgs,
    agency: &str,
    dataset: &str,
    (start_ms, end_ms): (u64, u64),
    media_type: &str,
    file: &Path,
) -> Result<()> {
    checked_id("agency", agency)?;
    checked_id("dataset", dataset)?;
    let meta = std::fs::metadata(file).with_context(|| format!("reading {}", file.display()))?;
    if meta.len() == 0 || meta.len() > BATCH_BYTES_MAX {
        bail!("{}: a batch is 1..={BATCH_BYTES_MAX} bytes", file.display());
    }
    let content = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    let hash = publica_crypto::sha256(&content).to_hex();
    let session = Session::open(signer).await?;
    let args = json!({"agency": agency, "dataset": dataset, "hash": hash, "bytes": content.len(),
                "start_ms": start_ms, "end_ms": end_ms, "media_type": media_type});
    let env = session
        .sign(
            "citydata",
            "publish",
            args,
            Expiry::UnixMs(publica_types::now_ms() + EXPIRY_MS),
        )
        .await?;
    let body =
        json!({"tx": env, "content": base64::engine::general_purpose::STANDARD.encode(&content)});
    let (tx, receipt) = crate::records::post_committed(&session, "/v1/data-store", &body).await?;
    let seq = receipt["outcome"]["events"]
        .as_array()
        .and_then(|es| es.iter().find(|e| e["kind"] == "published"))
        .and_then(|e| e["data"]["seq"].as_u64())
        .ok_or_else(|| anyhow!("the receipt of {tx} names no published batch"))?;
    print_json(
        &json!({"tx_id": tx, "dataset": dataset, "seq": seq, "hash": hash,
                "bytes": content.len(), "content": format!("/v1/data-store/{agency}/{dataset}/{seq}")}),
    );
    Ok(())
}

/// Runs a data command.
pub async fn run(cmd: DataCmd) -> Result<()> {
    match cmd {
        DataCmd::Publish {
            signer,
            agency,
            dataset,
            start_ms,
            end_ms,
            media_type,
            file,
        } => {
            publish(
                &signer,
                &agency,
                &dataset,
                (start_ms, end_ms),
                &media_type,
                &file,
            )
            .await
        }
        DataCmd::Get {
            node,
            agency,
            dataset,
            batch: seq,
            out,
        } => {
            checked_id("agency", &agency)?;
            checked_id("dataset", &dataset)?;
            let client = Client::new(&node)?;
            let b = batch(&client, &agency, &dataset, seq).await?;
            let (status, bytes) = client
                .fetch(&format!("/v1/data-store/{agency}/{dataset}/{seq}"), None)
                .await?;
            print_json(&verified(&b, status, &bytes, &out)?);
            Ok(())
        }
        DataCmd::Read {
            signer,
            agency,
            dataset,
            batch: seq,
            as_agency,
            purpose,
            out,
        } => {
            checked_id("agency", &agency)?;
            checked_id("dataset", &dataset)?;
            checked_id("as-agency", &as_agency)?;
            let session = Session::open(&signer).await?;
            let b = batch(&session.client, &agency, &dataset, seq).await?;
            let args = json!({"agency": agency, "dataset": dataset, "batch": seq,
                "grantee": as_agency, "purpose": purpose});
            let env = session
                .sign(
                    "citydata",
                    "access",
                    args,
                    Expiry::UnixMs(publica_types::now_ms() + EXPIRY_MS),
                )
                .await?;
            let (access, _) =
                crate::records::post_committed(&session, "/v1/transactions", &json!(env)).await?;
            let time_ms = publica_types::now_ms();
            let (kp, _) = session.identity();
            let sig = kp.sign(&download_bytes(session.chain_id(), &access, time_ms));
            let (status, bytes) = session
                .client
                .fetch(
                    &format!("/v1/data-store/{agency}/{dataset}/{seq}"),
                    Some(&json!({"access": access, "time_ms": time_ms, "signature": sig})),
                )
                .await?;
            let mut report = verified(&b, status, &bytes, &out)?;
            report["access"] = json!(access);
            print_json(&report);
            Ok(())
        }
    }
}
