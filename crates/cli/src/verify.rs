//! Offline verification of receipts and checkpoints, and the log monitor.

use crate::client::Client;
use anyhow::{anyhow, bail, Context, Result};
use publica_log::{verify_consistency, Checkpoint, NoteVerifier, ValidatorSet};
use publica_runtime::receipt::Trust;
use publica_types::Hash32;
use serde_json::{json, Value};
use std::path::Path;
use std::time::Duration;

/// Largest receipt, proof or checkpoint file read, in bytes.
const INPUT_BYTES_MAX: u64 = 1 << 20;

pub(crate) fn read_small(path: &Path) -> Result<String> {
    let meta = std::fs::metadata(path).with_context(|| format!("reading {}", path.display()))?;
    if meta.len() > INPUT_BYTES_MAX {
        bail!(
            "{} is larger than {} bytes",
            path.display(),
            INPUT_BYTES_MAX
        );
    }
    std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))
}

/// A verifier key given inline or as a file holding it.
pub fn load_log_key(arg: &str) -> Result<NoteVerifier> {
    let p = Path::new(arg);
    let text = if p.is_file() {
        read_small(p)?
    } else {
        arg.to_string()
    };
    Ok(NoteVerifier::parse(text.trim())?)
}

pub(crate) fn hashes(v: &Value, what: &str) -> Result<Vec<Hash32>> {
    let arr = v
        .as_array()
        .ok_or_else(|| anyhow!("{what} must be an array of hex hashes"))?;
    arr.iter()
        .map(|h| {
            h.as_str()
                .and_then(|s| s.parse().ok())
                .ok_or_else(|| anyhow!("{what} holds a value that is not a 64-character hex hash"))
        })
        .collect()
}

fn open_checkpoint(note: &str, key: &NoteVerifier, origin: Option<&str>) -> Result<Checkpoint> {
    let origin = origin.unwrap_or(&key.name);
    Checkpoint::open(note, key, origin).map_err(|e| anyhow!("checkpoint rejected: {e}"))
}

/// What a checkpoint is checked against: a node's log key, or a validator
/// set's quorum of cosignatures.
pub enum TrustArg {
    LogKey(NoteVerifier),
    Validators(ValidatorSet),
}

impl TrustArg {
    /// From `--log-key` or `--validators` (clap makes it exactly one).
    pub fn load(log_key: Option<&str>, validators: Option<&Path>) -> Result<Self> {
        match (log_key, validators) {
            (Some(k), None) => Ok(TrustArg::LogKey(load_log_key(k)?)),
            (None, Some(f)) => Ok(TrustArg::Validators(
                ValidatorSet::parse(&read_small(f)?)
                    .with_context(|| format!("reading the validator set {}", f.display()))?,
            )),
            _ => bail!("give either --log-key or --validators"),
        }
    }

    fn trust(&self) -> Trust<'_> {
        match self {
            TrustArg::LogKey(k) => Trust::LogKey(k),
            TrustArg::Validators(v) => Trust::Validators(v),
        }
    }
}

/// A witness policy: `needed` of these witnesses' keys must have cosigned
/// (docs/witnesses.md).
pub struct WitnessPolicy {
    keys: Vec<publica_log::CosignerKey>,
    needed: usize,
}

impl WitnessPolicy {
    /// From `--witness` keys (inline or files) and `--witnesses-needed`
    /// (default: all); none without keys.
    pub fn load(keys: &[String], needed: Option<usize>) -> Result<Option<Self>> {
        if keys.is_empty() {
            return Ok(None);
        }
        let mut parsed: Vec<publica_log::CosignerKey> = Vec::new();
        for k in keys {
            let p = Path::new(k);
            let text = if p.is_file() {
                read_small(p)?
            } else {
                k.clone()
            };
            let key = publica_log::CosignerKey::parse(text.trim())
                .map_err(|e| anyhow!("--witness {k}: {e}"))?;
            if parsed.iter().any(|o| o.name == key.name) {
                bail!("--witness: {} is given twice", key.name);
            }
            parsed.push(key);
        }
        let needed = needed.unwrap_or(parsed.len());
        if !(1..=parsed.len()).contains(&needed) {
            bail!(
                "--witnesses-needed must be 1..={} (the witnesses given)",
                parsed.len()
            );
        }
        Ok(Some(WitnessPolicy {
            keys: parsed,
            needed,
        }))
    }

    /// `{needed, of}` for a verification's report.
    fn summary(&self) -> Value {
        json!({"needed": self.needed, "of": self.keys.len()})
    }

    /// Checks that `note` (of the log `origin`) carries the policy's
    /// cosignatures.
    fn check(&self, note: &str, origin: &str) -> Result<()> {
        publica_log::open_cosigned(note, &self.keys, self.needed, origin)
            .map(|_| ())
            .map_err(|e| match e {
                publica_log::CosignError::NoQuorum { got, need } => anyhow!(
                    "witness policy not met: {got} valid cosignatures from the witnesses given, {need} needed"
                ),
                publica_log::CosignError::BadCosignature(name) => anyhow!(
                    "bad cosignature by witness {name}: the checkpoint was altered or signed by another key"
                ),
                other => anyhow!("witness policy: {other}"),
            })
    }
}

/// Verifies a checkpoint note file (of the block at `height`, when known:
/// a network's set of that height must cosign it), and the witness
/// policy when one is given.
pub fn verify_checkpoint(
    file: &Path,
    trust: &TrustArg,
    origin: Option<&str>,
    height: Option<u64>,
    witnesses: Option<&WitnessPolicy>,
) -> Result<Value> {
    let note = read_small(file)?;
    let cp = trust.trust().open(&note, origin, height)?;
    if let Some(policy) = witnesses {
        policy.check(&note, &cp.origin)?;
    }
    Ok(json!({
        "verified": true,
        "final": matches!(trust, TrustArg::Validators(_)),
        "origin": cp.origin,
        "size": cp.size,
        "root": cp.root,
        "state": cp.state.map(|s| json!({"height": s.height, "state_root": s.state_root})),
        "witnesses": witnesses.map(WitnessPolicy::summary),
    }))
}

/// Verifies a receipt file with nothing but public keys. The top-level
/// fields are what the proofs establish; what the receipt claims beyond
/// them (its block height) is shown apart, under `not_proved`, so that no
/// altered field stands beside `"verified": true` as if it were checked.
pub fn verify_receipt(
    file: &Path,
    trust: &TrustArg,
    origin: Option<&str>,
    witnesses: Option<&WitnessPolicy>,
) -> Result<Value> {
    let r: Value = serde_json::from_str(&read_small(file)?).context("the receipt is not JSON")?;
    let v = publica_runtime::receipt::verify_receipt_with(&r, trust.trust(), origin)?;
    if let Some(policy) = witnesses {
        policy.check(r["checkpoint"].as_str().unwrap_or_default(), &v.origin)?;
    }
    Ok(json!({
        "verified": true,
        "origin": v.origin,
        "tx_id": v.tx_id,
        "status": v.status,
        "leaf_index": v.leaf_index,
        "tree_size": v.tree_size,
        "final": matches!(trust, TrustArg::Validators(_)),
        "witnesses": witnesses.map(WitnessPolicy::summary),
        "not_proved": {
            "block_height": r["block_height"],
            "why": "the inclusion proof places the transaction and its result in the log, not in a block: the block height is the node's word (GET /v1/blocks/{height} shows the block, whose log_size covers the leaf)",
        },
    }))
}

/// Verifies a state answer file from its checkpoint alone: what it prints
/// is what the checkpoint and the proof establish.
pub fn verify_state(
    file: &Path,
    trust: &TrustArg,
    origin: Option<&str>,
    witnesses: Option<&WitnessPolicy>,
) -> Result<Value> {
    let a: Value =
        serde_json::from_str(&read_small(file)?).context("the state answer is not JSON")?;
    let v = publica_runtime::state_answer::verify_state_answer(&a, trust.trust(), origin)?;
    if let Some(policy) = witnesses {
        policy.check(a["checkpoint"].as_str().unwrap_or_default(), &v.origin)?;
    }
    let json = v
        .value
        .as_deref()
        .and_then(|b| serde_json::from_slice::<Value>(b).ok());
    Ok(json!({
        "verified": true,
        "final": matches!(trust, TrustArg::Validators(_)),
        "origin": v.origin,
        "height": v.height,
        "state_root": v.state_root,
        "key": v.key,
        "present": v.value.is_some(),
        "witnesses": witnesses.map(WitnessPolicy::summary),
        "value_hex": v.value.as_deref().map(hex::encode),
        "value": json,
    }))
}

/// Verifies that the log only grew between two checkpoints.
pub fn verify_consistency_files(
    old: &Path,
    new: &Path,
    proof_file: &Path,
    key: &NoteVerifier,
    origin: Option<&str>,
) -> Result<Value> {
    let a = open_checkpoint(&read_small(old)?, key, origin).context("old checkpoint")?;
    let b = open_checkpoint(&read_small(new)?, key, origin).context("new checkpoint")?;
    let p: Value =
        serde_json::from_str(&read_small(proof_file)?).context("the proof file is not JSON")?;
    let proof = hashes(p.get("proof").unwrap_or(&p), "proof")?;
    verify_consistency(a.size, b.size, &proof, &a.root, &b.root)
        .map_err(|e| anyhow!("proof mismatch: {e}"))?;
    Ok(json!({ "verified": true, "origin": a.origin, "old_size": a.size, "new_size": b.size }))
}

/// Follows a node's checkpoints and checks that each extends the last.
pub async fn watch(
    url: &str,
    key: Option<NoteVerifier>,
    interval: Duration,
    checks: u64,
) -> Result<()> {
    let client = Client::new(url)?;
    let key = match key {
        Some(k) => k,
        None => {
            let info = client.get_ok("/v1/log").await?;
            let vk = info["verifier_key"]
                .as_str()
                .ok_or_else(|| anyhow!("the node did not give its log key"))?;
            eprintln!(
                "warning: trusting the log key the node announced ({vk}); pass --log-key to pin it"
            );
            NoteVerifier::parse(vk)?
        }
    };
    let mut last: Option<Checkpoint> = None;
    let mut seen = 0u64;
    loop {
        match client.get_text("/checkpoint").await {
            Ok(note) => {
                let cp = open_checkpoint(&note, &key, None).map_err(|e| anyhow!("ALARM: {e}"))?;
                if let Some(prev) = &last {
                    check_step(&client, prev, &cp).await?;
                }
                crate::outln!("{} size {} root {} ok", cp.origin, cp.size, cp.root);
                last = Some(cp);
                seen += 1;
                if checks > 0 && seen >= checks {
                    return Ok(());
                }
            }
            Err(e) => eprintln!("warning: {e:#}; retrying"),
        }
        tokio::time::sleep(interval).await;
    }
}

async fn check_step(client: &Client, prev: &Checkpoint, cp: &Checkpoint) -> Result<()> {
    if cp.size < prev.size {
        bail!(
            "ALARM: the log shrank from {} to {} entries: it was rewritten",
            prev.size,
            cp.size
        );
    }
    if cp.size == prev.size {
        if cp.root != prev.root {
            bail!(
                "ALARM: fork: two different roots for size {} ({} and {})",
                cp.size,
                prev.root,
                cp.root
            );
        }
        return Ok(());
    }
    if prev.size == 0 {
        return Ok(());
    }
    let v = client
        .get_ok(&format!(
            "/v1/log/consistency?from={}&to={}",
            prev.size, cp.size
        ))
        .await
        .context("fetching a consistency proof")?;
    let proof = hashes(&v["proof"], "proof")?;
    verify_consistency(prev.size, cp.size, &proof, &prev.root, &cp.root).map_err(|e| {
        anyhow!("ALARM: fork or rewrite: the checkpoint of size {} does not extend the one of size {} ({e})", cp.size, prev.size)
    })
}
