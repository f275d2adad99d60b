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

use crate::error::{chain, IoContext as _, ValidatorError};
use crate::files::ValidatorConfig;
use crate::start::ValidatorFiles;
use publica_bft::sync::{Certified, Floor, FloorFile, FLOOR_JSON_BYTES_MAX};
use publica_identity::Genesis;
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

/// Rounds of fresh floors asked for before a state sync gives up.
const SYNC_ROUNDS: usize = 3;
/// Wait between rounds: longer than a peer caches its floor.
const SYNC_RETRY_WAIT: Duration = Duration::from_millis(1_500);

/// Why syncing from one peer failed: logged, and the last one reported.
type PeerResult<T> = Result<T, String>;

/// Where the engine starts.
#[derive(Debug, Default)]
pub struct StartFloor {
    /// The floor it starts from, if this validator synced state (now or
    /// at an earlier start); `None`: from genesis or its own storage.
    pub floor: Option<Floor>,
    /// The state sync done at this start, if any.
    pub synced: Option<StateSynced>,
}

/// A state sync done at this start.
#[derive(Debug)]
pub struct StateSynced {
    /// The peer's API it synced from.
    pub peer_api: String,
    /// The ledger's height now.
    pub height: u64,
    /// The snapshot's height (no block below it was executed here).
    pub snapshot_height: u64,
    /// The height the engine starts at.
    pub engine_height: u64,
}

/// The floor this validator's engine starts from, if it synced: syncing
/// first when a peer is more than `state_sync_after_blocks` ahead.
pub fn prepare(files: &ValidatorFiles) -> Result<StartFloor, ValidatorError> {
    let c = &files.config;
    let consensus_dir = c.data_dir.join("consensus");
    let local = ledger_height(&c.data_dir.join("ledger"))?;
    // The engine resumes from an earlier sync's floor only over a ledger
    // that reaches it (not one removed since).
    let floor_path = consensus_dir.join(FLOOR_FILE);
    let kept = match read_floor(&floor_path)? {
        Some(f) if f.block.executed_height > local => {
            return Err(ValidatorError::invalid(format!(
                "{} starts the engine at height {}, but the ledger holds only {local} blocks: remove {} (and the engine's storage beside it) to catch up anew",
                floor_path.display(),
                f.block.height.get(),
                consensus_dir.display()
            )))
        }
        kept => StartFloor {
            floor: kept,
            synced: None,
        },
    };
    if c.state_sync_after_blocks == 0 {
        return Ok(kept);
    }
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .io_context(|| "starting the state-sync client".to_string())?;
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(600))
        .connect_timeout(Duration::from_secs(3))
        .build()
        .map_err(|e| ValidatorError::Engine(format!("building the HTTP client: {e}")))?;
    let sync = Sync {
        files,
        trusted: trusted_keys(files)?,
        rt,
        http,
        local,
    };
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
        let offers = sync.offers();
        let Some(best) = offers.first() else {
            return Ok(kept);
        };
        if best.1.executed_height <= local.saturating_add(c.state_sync_after_blocks) {
            return Ok(kept);
        }
        tracing::info!(
            local,
            target = best.1.executed_height,
            "far behind the network: syncing state from a snapshot"
        );
        match sync.sync_from_best(&offers) {
            Ok((floor, synced)) => {
                keep_floor(c, &floor)?;
                return Ok(StartFloor {
                    floor: Some(floor),
                    synced: Some(synced),
                });
            }
            Err(Some(e)) => last_error = Some(e),
            Err(None) => {}
        }
    }
    Err(ValidatorError::StateSync(last_error.unwrap_or_else(|| {
        "no peer could serve a state sync".into()
    })))
}

/// The height of the ledger in `ledger_dir` (0 when there is none yet).
fn ledger_height(ledger_dir: &Path) -> Result<u64, ValidatorError> {
    if !ledger_dir.join("blocks.log").exists() {
        return Ok(0);
    }
    let (log, _) = BlockLog::open(ledger_dir).map_err(|error| ValidatorError::Store {
        context: format!("opening {}", ledger_dir.display()),
        error,
    })?;
    Ok(log.height())
}

/// The keys this validator trusts: those its config names, else the
/// genesis set (the validators the network file names, checked against
/// it).
fn trusted_keys(files: &ValidatorFiles) -> Result<Vec<publica_bft::ConsensusKey>, ValidatorError> {
    if files.config.state_sync_trusted_keys.is_empty() {
        return Ok(files.history.epochs[0]
            .validators
            .iter()
            .filter_map(publica_bft::epochs::consensus_key)
            .collect());
    }
    files
        .config
        .trusted_keys()
        .map_err(|e| ValidatorError::invalid(format!("state_sync_trusted_keys: {e}")))
}

/// A floor a peer offered, checked, and the peer's API.
type Offer = (Floor, Certified, String);

/// A state sync under way.
struct Sync<'a> {
    files: &'a ValidatorFiles,
    trusted: Vec<publica_bft::ConsensusKey>,
    rt: tokio::runtime::Runtime,
    http: reqwest::Client,
    /// The ledger's height before the sync.
    local: u64,
}

impl Sync<'_> {
    /// The floors the other validators offer that a quorum of trusted keys
    /// certified, highest first.
    fn offers(&self) -> Vec<Offer> {
        let (c, net) = (&self.files.config, &self.files.network);
        let namespace = publica_bft::network::consensus_namespace(&net.chain_id);
        let mut offers: Vec<Offer> = Vec::new();
        for v in net.validators.iter().filter(|v| v.name != c.name) {
            let api = v.api.trim_end_matches('/').to_string();
            match self.rt.block_on(fetch_floor(&self.http, &api)) {
                Ok(floor) => {
                    let epoch_of = |h| self.files.history.epoch_of(h);
                    match floor.check(&namespace, epoch_of, &self.trusted) {
                        Ok(certified) => offers.push((floor, certified, api)),
                        Err(e) => tracing::warn!(peer = %v.name, "refusing the peer's floor: {e}"),
                    }
                }
                Err(e) => tracing::info!(peer = %v.name, "no floor from this peer: {e}"),
            }
        }
        offers.sort_by_key(|(_, c, _)| std::cmp::Reverse(c.height));
        offers
    }

    /// Syncs from the first peer of `offers` (highest first) that can
    /// serve it; `Err(None)` when no offer is beyond this ledger, else the
    /// last peer's failure.
    fn sync_from_best(&self, offers: &[Offer]) -> Result<(Floor, StateSynced), Option<String>> {
        let c = &self.files.config;
        let mut last_error = None;
        for (floor, certified, api) in offers {
            if certified.executed_height <= self.local {
                break;
            }
            let synced = self.rt.block_on(sync_from(
                &self.http,
                api,
                c,
                &self.files.genesis,
                floor,
                certified,
                self.local,
            ));
            match synced {
                Ok(snapshot_height) => {
                    tracing::info!(
                        peer = %api,
                        height = certified.executed_height,
                        snapshot_height,
                        "state synced"
                    );
                    let synced = StateSynced {
                        peer_api: api.clone(),
                        height: certified.executed_height,
                        snapshot_height,
                        engine_height: certified.height,
                    };
                    return Ok((floor.clone(), synced));
                }
                Err(e) => {
                    tracing::warn!(peer = %api, "state sync failed: {e}");
                    last_error = Some(e);
                }
            }
        }
        Err(last_error)
    }
}

/// Keeps the floor a sync started from, for the engine's next starts.
fn keep_floor(c: &ValidatorConfig, floor: &Floor) -> Result<(), ValidatorError> {
    let consensus_dir = c.data_dir.join("consensus");
    std::fs::create_dir_all(&consensus_dir)
        .io_context(|| format!("creating {}", consensus_dir.display()))?;
    let path = consensus_dir.join(FLOOR_FILE);
    let text = serde_json::to_string_pretty(&floor.to_file()).expect("a floor serializes");
    publica_store::write_atomic(&path, text.as_bytes()).map_err(|error| ValidatorError::Store {
        context: format!("writing {}", path.display()),
        error,
    })
}

/// The floor a validator kept from an earlier sync.
fn read_floor(path: &Path) -> Result<Option<Floor>, ValidatorError> {
    match std::fs::read(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).io_context(|| format!("reading {}", path.display())),
        Ok(bytes) => {
            let f: FloorFile = serde_json::from_slice(&bytes).map_err(|e| {
                ValidatorError::invalid(format!("{}: not a floor: {e}", path.display()))
            })?;
            Floor::from_file(&f)
                .map(Some)
                .map_err(|e| ValidatorError::invalid(format!("{}: {e}", path.display())))
        }
    }
}

/// Reads at most `max` bytes of a response body.
async fn body(resp: reqwest::Response, max: usize) -> PeerResult<Vec<u8>> {
    let mut resp = resp;
    let mut out = Vec::new();
    while let Some(chunk) = resp
        .chunk()
        .await
        .map_err(|e| format!("reading the peer's answer: {}", chain(&e)))?
    {
        if out.len() + chunk.len() > max {
            return Err(format!("the peer's answer is larger than {max} bytes"));
        }
        out.extend_from_slice(&chunk);
    }
    Ok(out)
}

/// The body of a successful GET of `url`, at most `max` bytes.
async fn get_ok(http: &reqwest::Client, url: &str, max: usize) -> PeerResult<Vec<u8>> {
    let resp = http
        .get(url)
        .send()
        .await
        .map_err(|e| format!("connecting to {url}: {}", chain(&e)))?;
    let status = resp.status();
    let bytes = body(resp, max).await?;
    if !status.is_success() {
        return Err(format!(
            "{url} answered {status}: {}",
            String::from_utf8_lossy(&bytes[..bytes.len().min(300)])
        ));
    }
    Ok(bytes)
}

/// The floor the peer at `api` offers (not checked yet).
async fn fetch_floor(http: &reqwest::Client, api: &str) -> PeerResult<Floor> {
    let bytes = get_ok(http, &format!("{api}/v1/sync/floor"), FLOOR_JSON_BYTES_MAX).await?;
    let f: FloorFile =
        serde_json::from_slice(&bytes).map_err(|e| format!("the floor is not JSON: {e}"))?;
    Floor::from_file(&f).map_err(|e| e.to_string())
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
) -> PeerResult<u64> {
    let ledger_dir = c.data_dir.join("ledger");
    let staging = c.data_dir.join("ledger.sync");
    if staging.exists() {
        std::fs::remove_dir_all(&staging)
            .map_err(|e| format!("removing {}: {e}", staging.display()))?;
    }
    std::fs::create_dir_all(&staging)
        .map_err(|e| format!("creating {}: {e}", staging.display()))?;
    // The staging copy is checked by the ledger formats this validator
    // records (a migrated network's blocks before the change replay by
    // the old rules); a new directory keeps the record it finds.
    let record = ledger_dir.join(publica_store::datadir::FORMAT_FILE);
    if record.exists() {
        std::fs::copy(&record, staging.join(publica_store::datadir::FORMAT_FILE))
            .map_err(|e| format!("copying {}: {e}", record.display()))?;
    }
    let s = Staging {
        http,
        api,
        genesis,
        local,
        ledger_dir: &ledger_dir,
        staging: &staging,
    };
    let result = fill_staging(&s, floor, certified).await;
    let snapshot_height = match result {
        Ok(h) => h,
        Err(e) => {
            let _ = std::fs::remove_dir_all(&staging);
            return Err(e);
        }
    };
    install(&staging, &ledger_dir).map_err(|e| e.to_string())?;
    Ok(snapshot_height)
}

/// Where a sync writes, and from where.
struct Staging<'a> {
    http: &'a reqwest::Client,
    /// The peer's API.
    api: &'a str,
    genesis: &'a Genesis,
    /// This validator's ledger height before the sync.
    local: u64,
    ledger_dir: &'a Path,
    staging: &'a Path,
}

/// Fills the staging directory: this validator's blocks, the peer's up to
/// the certified block, and the peer's newest snapshot at or below it, all
/// checked as a start would; returns the snapshot's height.
async fn fill_staging(s: &Staging<'_>, floor: &Floor, certified: &Certified) -> PeerResult<u64> {
    fetch_blocks(s, certified).await?;
    let snapshot_height = fetch_snapshot(s, certified.executed_height).await?;
    check_staging(s, floor, certified, snapshot_height).await?;
    Ok(snapshot_height)
}

/// Copies this validator's block log into staging and appends the peer's
/// blocks up to the certified one, checking that each continues the chain
/// and that the last is the one the validators finalized.
async fn fetch_blocks(s: &Staging<'_>, certified: &Certified) -> PeerResult<()> {
    let target = certified.executed_height;
    // This validator's own blocks are kept; the peer's continue them.
    let mut prev = None;
    if s.local > 0 {
        std::fs::copy(
            s.ledger_dir.join("blocks.log"),
            s.staging.join("blocks.log"),
        )
        .map_err(|e| format!("copying the local block log: {e}"))?;
    }
    let (mut log, _) =
        BlockLog::open(s.staging).map_err(|e| format!("opening the staging block log: {e}"))?;
    if log.height() > 0 {
        prev = log
            .read(log.height())
            .map_err(|e| e.to_string())?
            .map(|b| b.header);
    }
    while log.height() < target {
        let from = log.height() + 1;
        let limit = PAGE_BLOCKS.min(target - from + 1);
        let url = format!("{}/v1/sync/blocks?from={from}&limit={limit}", s.api);
        let blocks: Vec<Block> =
            serde_json::from_slice(&get_ok(s.http, &url, PAGE_BYTES_MAX).await?)
                .map_err(|e| format!("{url}: not a list of blocks: {e}"))?;
        if blocks.is_empty() {
            return Err(format!("the peer has no block {from}"));
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
            if h.height != next || h.parent_hash != parent || h.chain_id != s.genesis.chain_id {
                return Err(format!(
                    "the peer's block {} does not continue the chain",
                    h.height
                ));
            }
            prev = Some(b.header.clone());
        }
        // One fsync per page (the staging copy is checked as a whole
        // before it is used).
        log.append_all(&page).map_err(|e| e.to_string())?;
    }
    let tip = prev.ok_or("no block to sync")?;
    if publica_runtime::block_hash(&tip).0 != certified.executed_header_hash {
        return Err(format!(
            "the peer's block {target} is not the one the validators finalized (its hash differs from the floor's)"
        ));
    }
    Ok(())
}

/// Installs the peer's newest snapshot at or below `target` in staging;
/// returns its height.
async fn fetch_snapshot(s: &Staging<'_>, target: u64) -> PeerResult<u64> {
    let url = format!("{}/v1/sync/snapshot?max_height={target}", s.api);
    let snapshot = get_ok(s.http, &url, SNAPSHOT_BYTES_MAX).await?;
    let (snapshot_height, _) = publica_store::install_snapshot(s.staging, &snapshot)
        .map_err(|e| format!("{url}: the snapshot: {e}"))?;
    if snapshot_height > target {
        return Err(format!(
            "the peer's snapshot is at height {snapshot_height}, beyond {target}"
        ));
    }
    Ok(snapshot_height)
}

/// Recovers the staging ledger as a start would (every block below the
/// snapshot hashed and checked, the snapshot's root against its header,
/// the rest run) and checks it ends at the certified block with the set
/// the floor names.
async fn check_staging(
    s: &Staging<'_>,
    floor: &Floor,
    certified: &Certified,
    snapshot_height: u64,
) -> PeerResult<()> {
    let staging_owned = s.staging.to_path_buf();
    let genesis_owned = s.genesis.clone();
    let check = tokio::task::spawn_blocking(move || {
        publica_node::check_ledger(&staging_owned, &genesis_owned)
    })
    .await
    .map_err(|e| format!("checking the synced ledger: {e}"))?
    .map_err(|e| format!("checking the synced ledger: {e}"))?;
    if check.height != certified.executed_height
        || check.tip_hash.0 != certified.executed_header_hash
    {
        return Err("the synced ledger does not end at the certified block".into());
    }
    if check.snapshot_height != snapshot_height {
        return Err("the peer's snapshot does not match its block's state root".into());
    }
    // The set the floor names must be the one the synced state records.
    let history = check
        .validators
        .ok_or("the synced state records no validator set")?;
    let mut recorded: Vec<_> = history
        .set_of(certified.epoch)
        .iter()
        .filter_map(publica_bft::epochs::consensus_key)
        .collect();
    recorded.sort();
    if recorded != floor.participants {
        return Err("the floor's validator set is not the one the synced state records".into());
    }
    Ok(())
}

/// Moves the checked block log and snapshot into the ledger directory (the
/// snapshot first: a start ignores a snapshot beyond its block log).
fn install(staging: &Path, ledger_dir: &Path) -> Result<(), ValidatorError> {
    if !ledger_dir.exists() {
        std::fs::rename(staging, ledger_dir)
            .io_context(|| format!("moving {} to {}", staging.display(), ledger_dir.display()))?;
        return sync_dir(ledger_dir.parent().unwrap_or(Path::new(".")));
    }
    let snaps = ledger_dir.join("snapshots");
    std::fs::create_dir_all(&snaps).io_context(|| format!("creating {}", snaps.display()))?;
    let staged = staging.join("snapshots");
    let listing = || format!("reading {}", staged.display());
    for entry in std::fs::read_dir(&staged).io_context(listing)? {
        let entry = entry.io_context(listing)?;
        let to: PathBuf = snaps.join(entry.file_name());
        std::fs::rename(entry.path(), &to).io_context(|| format!("moving {}", to.display()))?;
    }
    sync_dir(&snaps)?;
    std::fs::rename(staging.join("blocks.log"), ledger_dir.join("blocks.log"))
        .io_context(|| "moving the synced block log into place".to_string())?;
    sync_dir(ledger_dir)?;
    std::fs::remove_dir_all(staging).io_context(|| format!("removing {}", staging.display()))
}

fn sync_dir(dir: &Path) -> Result<(), ValidatorError> {
    publica_store::sync_dir(dir).map_err(|error| ValidatorError::Store {
        context: format!("syncing {}", dir.display()),
        error,
    })
}
