//! `publica light`: a light client of a validator network
//! (`publica_identity::light`, docs/light-client.md). `init` trusts one
//! validator set; `sync` follows every set change a node recorded, each
//! proven under a quorum of the set before it, then checks that the
//! latest final checkpoint extends the one held (a fork names both);
//! `verify` checks a receipt or a state answer offline against the sets
//! followed. The store is a small JSON file: the sets and one checkpoint.

use crate::client::{print_json, Client};
use crate::verify::TrustArg;
use anyhow::{anyhow, bail, Context, Result};
use clap::Subcommand;
use publica_identity::light::{Followed, LightClient, LightError};
use publica_identity::validators::ValidatorHistory;
use publica_log::ValidatorSet;
use serde_json::json;
use std::path::{Path, PathBuf};

/// Largest store read.
const STORE_BYTES_MAX: u64 = 8 << 20;

/// `publica light …`.
#[derive(Subcommand, Debug)]
pub enum LightCmd {
    /// Start a store that trusts one validator set: a file as `publica
    /// verify --validators` reads it (the genesis set, from `publica
    /// testnet init`'s validators.json or the agencies' genesis).
    Init {
        /// The validator set trusted.
        #[arg(long)]
        validators: PathBuf,
        /// The store to create (must not exist).
        #[arg(long)]
        store: PathBuf,
    },
    /// Follow the network from a node: every validator-set change since
    /// the last one followed, then the latest final checkpoint, checked to
    /// extend the one held. Exits non-zero, naming the checkpoints, on a
    /// forked view.
    Sync {
        /// The store.
        #[arg(long)]
        store: PathBuf,
        /// Node URL.
        #[arg(long, env = "PUBLICA_NODE", default_value = "http://127.0.0.1:8700")]
        node: String,
    },
    /// Verify a receipt or a state answer offline against the sets
    /// followed.
    Verify {
        /// receipt or state.
        #[arg(value_parser = ["receipt", "state"])]
        what: String,
        /// The receipt (GET /v1/transactions/{id}) or state answer (GET
        /// /v1/state?key=).
        file: PathBuf,
        /// The store.
        #[arg(long)]
        store: PathBuf,
    },
}

fn load(store: &Path) -> Result<LightClient> {
    let v = crate::client::read_json_file(store, STORE_BYTES_MAX)?;
    LightClient::from_json(&v).map_err(|e| anyhow!("{}: {e}", store.display()))
}

/// Writes the store whole or not at all.
fn save(store: &Path, client: &LightClient) -> Result<()> {
    let tmp = store.with_extension("tmp");
    std::fs::write(&tmp, serde_json::to_vec_pretty(&client.to_json())?)
        .with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, store).with_context(|| format!("writing {}", store.display()))
}

/// The error of a refusal, with the checkpoints of a fork printed first.
fn refused(e: LightError) -> anyhow::Error {
    if let LightError::Fork {
        held,
        held_size,
        served,
        served_size,
        ..
    } = &e
    {
        print_json(&json!({"fork": {
            "held": {"size": held_size, "checkpoint": held},
            "served": {"size": served_size, "checkpoint": served},
        }}));
    }
    anyhow!("{e}")
}

async fn sync(store: &Path, node: &str) -> Result<()> {
    let mut client = load(store)?;
    let c = Client::new(node)?;
    let changes = c.get_ok("/v1/network/set-changes").await?;
    let mut followed = Vec::new();
    for change in changes["changes"].as_array().into_iter().flatten() {
        if client.follow(change).map_err(refused)? == Followed::New {
            followed.push(client.followed);
        }
    }
    // The latest history under the quorum's checkpoint of its block: the
    // node's sets must be the ones followed.
    let answer = c.get_ok("/v1/state?key=identity%2Fvalidators").await?;
    let verified = publica_runtime::state_answer::verify_state_answer(
        &answer,
        client.trust(),
        Some(&client.sets.origin),
    )
    .map_err(|e| anyhow!("the node's latest checkpoint: {e}"))?;
    let history = ValidatorHistory::parse(verified.value.as_deref().unwrap_or_default())
        .map_err(|e| anyhow!("the node's validator history: {e}"))?;
    client.knows(&history).map_err(refused)?;
    let note = answer["checkpoint"].as_str().unwrap_or_default();
    let height = verified.height;
    let served = client
        .sets
        .open_at(note, height)
        .map_err(|e| anyhow!("checkpoint rejected: {e}"))?;
    let proof = match &client.held {
        Some(h) if h.size > served.size => bail!(
            "the node is behind: its latest final checkpoint (log size {}) is older than the one held (size {}); ask again, or another node",
            served.size,
            h.size
        ),
        Some(h) if h.size < served.size => {
            let p = c
                .get_ok(&format!(
                    "/v1/log/consistency?from={}&to={}",
                    h.size, served.size
                ))
                .await?;
            crate::verify::hashes(&p["proof"], "the consistency proof")?
        }
        _ => Vec::new(),
    };
    client
        .check_checkpoint(note, height, &proof)
        .map_err(refused)?;
    save(store, &client)?;
    let held = client.held.as_ref().expect("just checked");
    print_json(&json!({
        "followed": followed,
        "sets": 1 + client.sets.changes.len(),
        "held": {"height": held.height, "size": held.size, "root": held.root},
    }));
    Ok(())
}

/// Runs a light-client command.
pub async fn run(cmd: LightCmd) -> Result<()> {
    match cmd {
        LightCmd::Init { validators, store } => {
            if store.exists() {
                bail!("{} exists: a store is created once", store.display());
            }
            let text = std::fs::read_to_string(&validators)
                .with_context(|| format!("reading {}", validators.display()))?;
            let sets = ValidatorSet::parse(&text)
                .with_context(|| format!("reading the validator set {}", validators.display()))?;
            let client = LightClient::new(sets);
            save(&store, &client)?;
            print_json(
                &json!({"store": store.display().to_string(), "origin": client.sets.origin,
                "sets": 1 + client.sets.changes.len()}),
            );
            Ok(())
        }
        LightCmd::Sync { store, node } => sync(&store, &node).await,
        LightCmd::Verify { what, file, store } => {
            let trust = TrustArg::Validators(load(&store)?.sets);
            let out = if what == "receipt" {
                crate::verify::verify_receipt(&file, &trust, None, None)?
            } else {
                crate::verify::verify_state(&file, &trust, None, None)?
            };
            print_json(&out);
            Ok(())
        }
    }
}
