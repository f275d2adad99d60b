//! State sync at a validator's start: when a peer offers a checked floor
//! far beyond this validator's ledger, the ledger is brought up to it from
//! the peer's blocks and newest snapshot instead of executing every block
//! (see `publica_bft::sync` for what makes a floor trustworthy).
//!
//! Everything is downloaded into a staging directory next to the ledger and
//! recovered there as a start would (blocks linked, transparency-log roots,
//! the snapshot's state root against its block header, the blocks after the
//! snapshot executed); only then do the block log and snapshot replace the
//! ledger's. A crash at any point leaves either the old ledger or the new
//! one, and the next start syncs again.

use crate::testnet::{NetworkFile, ValidatorConfig};
use anyhow::{anyhow, bail, Context, Result};
use publica_bft::sync::{Certified, Floor, FloorFile, FLOOR_JSON_BYTES_MAX};
use publica_identity::{Genesis, ValidatorHistory};
use publica_store::BlockLog;
use publica_types::Block;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Blocks asked for in one page.
const PAGE_BLOCKS: u64 = 256;
/// Largest page of blocks read, in bytes.
const PAGE_BYTES_MAX: usize = 64 << 20;
/// Largest snapshot read, in bytes.
const SNAPSHOT_BYTES_MAX: usize = 4 << 30;
/// Where the floor a sync started from is kept (the engine starts from it
/// again after a restart; the marshal ignores it once beyond it).
const FLOOR_FILE: &str = "state-sync-floor.json";

/// The floor this validator's engine starts from, if it synced: syncing
/// first when a peer is more than `state_sync_after_blocks` ahead.
/// Rounds of fresh floors asked for before a state sync gives up.
const SYNC_ROUNDS: usize = 3;
/// Wait between rounds: longer than a peer caches its floor.
const SYNC_RETRY_WAIT: Duration = Duration::from_millis(1_500);

pub fn prepare(
    c: &ValidatorConfig,
    net: &NetworkFile,
    genesis: &Genesis,
    history: &ValidatorHistory,
) -> Result<Option<Floor>> {
    let consensus_dir = c.data_dir.join("consensus");
    let ledger_dir = c.data_dir.join("ledger");
    let local = if ledger_dir.join("blocks.log").exists() {
        BlockLog::open(&ledger_dir)
            .with_context(|| format!("opening {}", ledger_dir.display()))?
            .0
            .height()
    } else {
        0
    };
    // The engine resumes from an earlier sync's floor only over a ledger
    // that reaches it (not one removed since).
    let floor_path = consensus_dir.join(FLOOR_FILE);
    let kept = read_floor(&floor_path)?;
    let kept_ok = |kept: Option<Floor>| -> Result<Option<Floor>> {
        match kept {
            Some(f) if f.block.executed_height > local => bail!(
                "{} starts the engine at height {}, but the ledger holds only {local} blocks: remove {} (and the engine's storage beside it) to catch up anew",
                floor_path.display(),
                f.block.height.get(),
                consensus_dir.display()
            ),
            k => Ok(k),
        }
    };
    if c.state_sync_after_blocks == 0 {
        return kept_ok(kept);
    }
    let namespace = publica_bft::network::consensus_namespace(&net.chain_id);
    // The keys this validator trusts: those its config names, else the
    // genesis set (the validators the network file names, checked
    // against it).
    let trusted: Vec<_> = if c.state_sync_trusted_keys.is_empty() {
        history.epochs[0]
            .validators
            .iter()
            .filter_map(publica_bft::epochs::consensus_key)
            .collect()
    } else {
        c.trusted_keys()
            .map_err(|e| anyhow!("state_sync_trusted_keys: {e}"))?
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the state-sync client")?;
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(600))
        .connect_timeout(Duration::from_secs(3))
        .build()
        .context("building the HTTP client")?;
    let mut last_error = None;
    // A peer's floor is cached for a second and its oldest snapshots are
    // pruned as the chain moves on: a floor can be older than every
    // snapshot the peer still holds (`sync.no_snapshot`). Fresh floors are
    // asked for again, a few times, before giving up.
    for round in 0..SYNC_ROUNDS {
        if round > 0 {
            std::thread::sleep(SYNC_RETRY_WAIT);
            tracing::info!(round, "asking the peers for fresh floors");
        }
        let mut offers: Vec<(Floor, Certified, String)> = Vec::new();
        for v in net.validators.iter().filter(|v| v.name != c.name) {
            let api = v.api.trim_end_matches('/').to_string();
            match rt.block_on(fetch_floor(&http, &api)) {
                Ok(floor) => match floor.check(&namespace, |h| history.epoch_of(h), &trusted) {
                    Ok(certified) => offers.push((floor, certified, api)),
                    Err(e) => tracing::warn!(peer = %v.name, "refusing the peer's floor: {e}"),
                },
                Err(e) => tracing::info!(peer = %v.name, "no floor from this peer: {e:#}"),
            }
        }
        offers.sort_by_key(|(_, c, _)| std::cmp::Reverse(c.height));
        let Some(best) = offers.first() else {
            return kept_ok(kept);
        };
        if best.1.executed_height <= local.saturating_add(c.state_sync_after_blocks) {
            return kept_ok(kept);
        }
        tracing::info!(
            local,
            target = best.1.executed_height,
            "far behind the network: syncing state from a snapshot"
        );
        for (floor, certified, api) in &offers {
            if certified.executed_height <= local {
                break;
            }
            match rt.block_on(sync_from(&http, api, c, genesis, floor, certified, local)) {
                Ok(snapshot_height) => {
                    std::fs::create_dir_all(&consensus_dir)
                        .with_context(|| format!("creating {}", consensus_dir.display()))?;
                    publica_store::write_atomic(
                        &consensus_dir.join(FLOOR_FILE),
                        serde_json::to_string_pretty(&floor.to_file())?.as_bytes(),
                    )?;
                    tracing::info!(
                        peer = %api,
                        height = certified.executed_height,
                        snapshot_height,
                        "state synced"
                    );
                    crate::outln!(
                        "publica node {}: state synced from {api}: ledger at height {} (snapshot {snapshot_height}, no block below it executed), the engine starts at {}",
                        c.name, certified.executed_height, certified.height
                    );
                    return Ok(Some(floor.clone()));
                }
                Err(e) => {
                    tracing::warn!(peer = %api, "state sync failed: {e:#}");
                    last_error = Some(e);
                }
            }
        }
    }
    Err(last_error
        .unwrap_or_else(|| anyhow!("no peer could serve a state sync"))
        .context("state sync failed (set state_sync_after_blocks to 0 to catch up block by block)"))
}

/// The floor a validator kept from an earlier sync.
fn read_floor(path: &Path) -> Result<Option<Floor>> {
    match std::fs::read(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).with_context(|| format!("reading {}", path.display())),
        Ok(bytes) => {
            let f: FloorFile = serde_json::from_slice(&bytes)
                .with_context(|| format!("{}: not a floor", path.display()))?;
            Floor::from_file(&f)
                .map(Some)
                .map_err(|e| anyhow!("{}: {e}", path.display()))
        }
    }
}

/// Reads at most `max` bytes of a response body.
async fn body(resp: reqwest::Response, max: usize) -> Result<Vec<u8>> {
    let mut resp = resp;
    let mut out = Vec::new();
    while let Some(chunk) = resp.chunk().await.context("reading the peer's answer")? {
        if out.len() + chunk.len() > max {
            bail!("the peer's answer is larger than {max} bytes");
        }
        out.extend_from_slice(&chunk);
    }
    Ok(out)
}

async fn get_ok(http: &reqwest::Client, url: &str, max: usize) -> Result<Vec<u8>> {
    let resp = http
        .get(url)
        .send()
        .await
        .with_context(|| format!("connecting to {url}"))?;
    let status = resp.status();
    let bytes = body(resp, max).await?;
    if !status.is_success() {
        bail!(
            "{url} answered {status}: {}",
            String::from_utf8_lossy(&bytes[..bytes.len().min(300)])
        );
    }
    Ok(bytes)
}

async fn fetch_floor(http: &reqwest::Client, api: &str) -> Result<Floor> {
    let bytes = get_ok(http, &format!("{api}/v1/sync/floor"), FLOOR_JSON_BYTES_MAX).await?;
    let f: FloorFile = serde_json::from_slice(&bytes).context("the floor is not JSON")?;
    Floor::from_file(&f).map_err(|e| anyhow!("{e}"))
}

/// Syncs the ledger up to the certified height from the peer at `api`;
/// returns the height of the snapshot used.
async fn sync_from(
    http: &reqwest::Client,
    api: &str,
    c: &ValidatorConfig,
    genesis: &Genesis,
    floor: &Floor,
    certified: &Certified,
    local: u64,
) -> Result<u64> {
    let ledger_dir = c.data_dir.join("ledger");
    let staging = c.data_dir.join("ledger.sync");
    if staging.exists() {
        std::fs::remove_dir_all(&staging)
            .with_context(|| format!("removing {}", staging.display()))?;
    }
    std::fs::create_dir_all(&staging).with_context(|| format!("creating {}", staging.display()))?;
    let result = fill_staging(
        http,
        api,
        genesis,
        floor,
        certified,
        local,
        &ledger_dir,
        &staging,
    )
    .await;
    let snapshot_height = match result {
        Ok(h) => h,
        Err(e) => {
            let _ = std::fs::remove_dir_all(&staging);
            return Err(e);
        }
    };
    install(&staging, &ledger_dir)?;
    Ok(snapshot_height)
}

#[allow(clippy::too_many_arguments)]
async fn fill_staging(
    http: &reqwest::Client,
    api: &str,
    genesis: &Genesis,
    floor: &Floor,
    certified: &Certified,
    local: u64,
    ledger_dir: &Path,
    staging: &Path,
) -> Result<u64> {
    let target = certified.executed_height;
    // This validator's own blocks are kept; the peer's continue them.
    let mut prev = None;
    if local > 0 {
        std::fs::copy(ledger_dir.join("blocks.log"), staging.join("blocks.log"))
            .context("copying the local block log")?;
    }
    let (mut log, _) = BlockLog::open(staging).context("opening the staging block log")?;
    if log.height() > 0 {
        prev = log.read(log.height())?.map(|b| b.header);
    }
    while log.height() < target {
        let from = log.height() + 1;
        let limit = PAGE_BLOCKS.min(target - from + 1);
        let url = format!("{api}/v1/sync/blocks?from={from}&limit={limit}");
        let blocks: Vec<Block> = serde_json::from_slice(&get_ok(http, &url, PAGE_BYTES_MAX).await?)
            .with_context(|| format!("{url}: not a list of blocks"))?;
        if blocks.is_empty() {
            bail!("the peer has no block {from}");
        }
        let page: Vec<Block> = blocks
            .into_iter()
            .take((target - from + 1) as usize)
            .collect();
        for (next, b) in (from..).zip(&page) {
            let h = &b.header;
            let parent = prev
                .as_ref()
                .map(publica_runtime::block_hash)
                .unwrap_or(publica_types::Hash32::ZERO);
            if h.height != next || h.parent_hash != parent || h.chain_id != genesis.chain_id {
                bail!("the peer's block {} does not continue the chain", h.height);
            }
            prev = Some(b.header.clone());
        }
        // One fsync per page (the staging copy is checked as a whole
        // before it is used).
        log.append_all(&page)?;
    }
    let tip = prev.ok_or_else(|| anyhow!("no block to sync"))?;
    if publica_runtime::block_hash(&tip).0 != certified.executed_header_hash {
        bail!(
            "the peer's block {target} is not the one the validators finalized (its hash differs from the floor's)"
        );
    }
    drop(log);
    let url = format!("{api}/v1/sync/snapshot?max_height={target}");
    let snapshot = get_ok(http, &url, SNAPSHOT_BYTES_MAX).await?;
    let (snapshot_height, _) = publica_store::install_snapshot(staging, &snapshot)
        .with_context(|| format!("{url}: the snapshot"))?;
    if snapshot_height > target {
        bail!("the peer's snapshot is at height {snapshot_height}, beyond {target}");
    }
    // Recovered as a start would: every block below the snapshot hashed
    // and checked, the snapshot's root against its header, the rest run.
    let staging_owned = staging.to_path_buf();
    let genesis_owned = genesis.clone();
    let check = tokio::task::spawn_blocking(move || {
        publica_node::check_ledger(&staging_owned, &genesis_owned)
    })
    .await
    .context("checking the synced ledger")??;
    if check.height != target || check.tip_hash.0 != certified.executed_header_hash {
        bail!("the synced ledger does not end at the certified block");
    }
    if check.snapshot_height != snapshot_height {
        bail!("the peer's snapshot does not match its block's state root");
    }
    // The set the floor names must be the one the synced state records.
    let history = check
        .validators
        .ok_or_else(|| anyhow!("the synced state records no validator set"))?;
    let mut recorded: Vec<_> = history
        .set_of(certified.epoch)
        .iter()
        .filter_map(publica_bft::epochs::consensus_key)
        .collect();
    recorded.sort();
    if recorded != floor.participants {
        bail!("the floor's validator set is not the one the synced state records");
    }
    Ok(snapshot_height)
}

/// Moves the checked block log and snapshot into the ledger directory (the
/// snapshot first: a start ignores a snapshot beyond its block log).
fn install(staging: &Path, ledger_dir: &Path) -> Result<()> {
    if !ledger_dir.exists() {
        std::fs::rename(staging, ledger_dir)
            .with_context(|| format!("moving {} to {}", staging.display(), ledger_dir.display()))?;
        return sync_dir(ledger_dir.parent().unwrap_or(Path::new(".")));
    }
    let snaps = ledger_dir.join("snapshots");
    std::fs::create_dir_all(&snaps).with_context(|| format!("creating {}", snaps.display()))?;
    for entry in std::fs::read_dir(staging.join("snapshots"))? {
        let entry = entry?;
        let to: PathBuf = snaps.join(entry.file_name());
        std::fs::rename(entry.path(), &to).with_context(|| format!("moving {}", to.display()))?;
    }
    sync_dir(&snaps)?;
    std::fs::rename(staging.join("blocks.log"), ledger_dir.join("blocks.log"))
        .context("moving the synced block log into place")?;
    sync_dir(ledger_dir)?;
    std::fs::remove_dir_all(staging).with_context(|| format!("removing {}", staging.display()))
}

fn sync_dir(dir: &Path) -> Result<()> {
    Ok(publica_store::sync_dir(dir)?)
}
