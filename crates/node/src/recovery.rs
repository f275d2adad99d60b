//! Start-up recovery: the latest snapshot plus replay of the block log after
//! it; and a full replay from genesis for audits.

use crate::event_index::EventIndex;
use crate::log_levels::DiskLevels;
use crate::node::NodeError;
use crate::recent::{RecentBlocks, RECENT_BLOCKS_MAX};
use crate::txindex::TxIndex;
use publica_identity::Genesis;
use publica_log::MerkleLog;
use publica_runtime::{append_committed, block_hash, Runtime};
use publica_state::StateTree;
use publica_store::{load_latest_snapshot, BlockLog, DataDir};
use publica_types::{AccountId, Block, BlockHeader, Hash32};
use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

pub(crate) struct Recovered {
    pub(crate) log: BlockLog,
    /// The transparency log, rebuilt from the blocks and checked against
    /// every header's log root.
    pub(crate) tlog: MerkleLog<DiskLevels>,
    /// Log size after each block (index = height - 1).
    pub(crate) log_sizes: Vec<u64>,
    pub(crate) state: StateTree,
    pub(crate) tip: Option<BlockHeader>,
    pub(crate) index: TxIndex,
    /// What the modules filed for every committed block's events.
    pub(crate) events: EventIndex,
    pub(crate) recent: RecentBlocks,
    /// Hashes of the last executed headers (height, hash), oldest first.
    pub(crate) hashes: VecDeque<(u64, publica_types::Hash32)>,
    /// Accounts whose key was rotated or recovered: their current key.
    pub(crate) keys: HashMap<AccountId, AccountId>,
    /// Height of the snapshot the state started from (0: genesis).
    pub(crate) snapshot_height: u64,
}

fn check_link(parent: Option<&BlockHeader>, block: &Block) -> Result<(), NodeError> {
    let h = &block.header;
    let expected_parent = parent.map(block_hash).unwrap_or(Hash32::ZERO);
    if h.parent_hash != expected_parent || h.height != parent.map(|p| p.height + 1).unwrap_or(1) {
        return Err(NodeError::Replay(format!(
            "block {} does not link to its parent",
            h.height
        )));
    }
    Ok(())
}

pub(crate) fn recover(
    data_dir: &DataDir,
    runtime: &Runtime,
    genesis: &Genesis,
) -> Result<Recovered, NodeError> {
    let (log, report) = BlockLog::open(data_dir.path())?;
    if report.discarded_tail_bytes > 0 {
        tracing::warn!(
            bytes = report.discarded_tail_bytes,
            "the block log ended in a torn record (crash during a write); it was discarded"
        );
    }
    let height = log.height();
    let snapshot = load_latest_snapshot(data_dir.path(), height)?;
    let (mut state, snap_height, snap_root) = match snapshot {
        Some(s) => (s.state, s.height, Some(s.state_root)),
        None => (genesis.initial_state(), 0, None),
    };
    let mut index = TxIndex::default();
    let index_io = writing(format!(
        "the event index {}",
        crate::event_index::INDEX_FILE
    ));
    let mut events = EventIndex::create(data_dir.path()).map_err(&index_io)?;
    let mut recent = RecentBlocks::default();
    let mut hashes = VecDeque::new();
    let levels_io = writing(format!(
        "the log's hashes under {}",
        crate::log_levels::LEVELS_DIR
    ));
    let mut tlog = MerkleLog::with_store(DiskLevels::create(data_dir.path()).map_err(&levels_io)?);
    let mut log_sizes = Vec::with_capacity(height as usize);
    let mut tip: Option<BlockHeader> = None;
    for h in 1..=height {
        let block = log
            .read(h)?
            .ok_or_else(|| NodeError::Replay(format!("block {h} is missing")))?;
        if block.header.chain_id != data_dir.chain_id() {
            return Err(NodeError::Replay(format!(
                "block {h} belongs to another chain"
            )));
        }
        if h <= snap_height {
            check_link(tip.as_ref(), &block)?;
            if h == snap_height && Some(block.header.state_root) != snap_root {
                return Err(NodeError::Replay(format!(
                    "the snapshot at height {h} does not match the block's state root"
                )));
            }
            append_committed(&mut tlog, &block)
                .map_err(|e| NodeError::Replay(format!("block {h}: {e}")))?;
        } else {
            runtime
                .replay_block(&mut state, &mut tlog, tip.as_ref(), &block)
                .map_err(|e| NodeError::Replay(e.to_string()))?;
        }
        tlog.store_mut().flush().map_err(&levels_io)?;
        log_sizes.push(block.header.log_size);
        index.add_block(h, &block.outcomes);
        events
            .add(&runtime.index_block(&block))
            .map_err(&index_io)?;
        events.publish();
        tip = Some(block.header.clone());
        if height - h < publica_consensus::EXECUTED_HEADERS_KEPT as u64 {
            hashes.push_back((h, publica_runtime::block_hash(&block.header)));
        }
        if height - h < RECENT_BLOCKS_MAX as u64 {
            let encoded = log.record_len(h).expect("read above");
            recent.push(Arc::new(block), encoded);
        }
    }
    let keys = rotated_keys(&state);
    tracing::info!(
        height,
        snapshot_height = snap_height,
        state_entries = state.len(),
        "recovered the chain"
    );
    Ok(Recovered {
        log,
        tlog,
        log_sizes,
        state,
        tip,
        index,
        events,
        recent,
        hashes,
        keys,
        snapshot_height: snap_height,
    })
}

/// The error for a failed write to one of the files recovery rebuilds.
fn writing(what: String) -> impl Fn(std::io::Error) -> NodeError {
    move |source| {
        NodeError::Store(publica_store::StoreError::Io {
            context: format!("writing {what}"),
            source,
        })
    }
}

/// What [`check_ledger`] found in a ledger directory.
#[derive(Debug)]
pub struct LedgerCheck {
    /// Height of its last block.
    pub height: u64,
    /// Hash of that block's header.
    pub tip_hash: Hash32,
    /// Height of the snapshot the state was rebuilt from (0: none).
    pub snapshot_height: u64,
    /// The validator sets its state records, if any.
    pub validators: Option<publica_identity::ValidatorHistory>,
}

/// Opens a ledger directory that no node runs on (a state sync's staging
/// copy), records `genesis` in it, and recovers it as a start would: every
/// block linked to its parent and its transaction, results and
/// transparency-log roots checked, the
/// snapshot's state root checked against its block's header, the blocks
/// after it executed again.
pub fn check_ledger(path: &std::path::Path, genesis: &Genesis) -> Result<LedgerCheck, NodeError> {
    let data_dir = DataDir::open(path, &genesis.chain_id)?;
    let genesis = crate::genesis::settle_genesis(data_dir.path(), Some(genesis))?;
    let runtime = crate::genesis::runtime_for(&data_dir);
    let r = recover(&data_dir, &runtime, &genesis)?;
    let validators = match r.state.get(publica_identity::validators::VALIDATORS_KEY) {
        Some(bytes) => Some(
            publica_identity::ValidatorHistory::parse(&bytes)
                .map_err(|e| NodeError::Replay(format!("the state's validator sets: {e}")))?,
        ),
        None => None,
    };
    Ok(LedgerCheck {
        height: r.tip.as_ref().map(|t| t.height).unwrap_or(0),
        tip_hash: r.tip.as_ref().map(block_hash).unwrap_or(Hash32::ZERO),
        snapshot_height: r.snapshot_height,
        validators,
    })
}

/// Accounts with a rotated key, and that key, read from the state.
fn rotated_keys(state: &StateTree) -> HashMap<AccountId, AccountId> {
    state
        .scan_prefix(b"identity/key/", usize::MAX)
        .into_iter()
        .filter_map(|(k, _)| {
            let account: AccountId = std::str::from_utf8(&k)
                .ok()?
                .strip_prefix("identity/key/")?
                .parse()
                .ok()?;
            Some((
                account,
                publica_runtime::authz::current_key(state, &account),
            ))
        })
        .collect()
}

/// What [`verify_chain`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChainVerification {
    /// Blocks replayed from genesis and found identical.
    pub verified_blocks: u64,
    /// Bytes of a torn final record (an append a crash interrupted), left
    /// in place; the node cuts them when it next starts.
    pub torn_tail_bytes: u64,
}

/// Replays the whole block log from genesis, ignoring snapshots, and checks
/// every block's links, outcomes and roots, each block by the rules of the
/// ledger format it was written in (a directory not yet migrated is
/// checked too). Writes nothing: a torn tail is reported, not cut, and a
/// damaged block is an error naming it. The node must not be running on
/// `data_dir` (its lock is taken).
pub fn verify_chain(path: &std::path::Path) -> Result<ChainVerification, NodeError> {
    let chain_id = DataDir::recorded_chain_id(path).ok_or_else(|| {
        NodeError::Config(format!(
            "{} is not a Publica data directory",
            path.display()
        ))
    })?;
    let data_dir = DataDir::open_executable(path, &chain_id)?;
    let (log, report) = BlockLog::open_read_only(data_dir.path())?;
    let genesis = crate::genesis::read_genesis(data_dir.path())?
        .ok_or_else(|| NodeError::Config(format!("{} has no genesis.json", path.display())))?;
    let runtime = crate::genesis::runtime_for(&data_dir);
    let mut state = genesis.initial_state();
    let mut tlog = MerkleLog::new();
    let mut tip: Option<BlockHeader> = None;
    for h in 1..=log.height() {
        let block = log
            .read(h)?
            .ok_or_else(|| NodeError::Replay(format!("block {h} is missing")))?;
        runtime
            .replay_block(&mut state, &mut tlog, tip.as_ref(), &block)
            .map_err(|e| NodeError::Replay(e.to_string()))?;
        tip = Some(block.header);
    }
    Ok(ChainVerification {
        verified_blocks: log.height(),
        torn_tail_bytes: report.discarded_tail_bytes,
    })
}

/// What [`migrate`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Migration {
    /// The format the directory was in.
    pub from: u32,
    /// The format it is in now.
    pub to: u32,
    /// The first block executed by the new format (its migration runs
    /// before that block's transactions); `None`: nothing to do.
    pub starts_at: Option<u64>,
    /// The last block in the directory, replayed and checked first.
    pub height: u64,
}

/// Moves a stopped node's data directory to this build's ledger format:
/// replays and checks it by its own format's rules, then records that
/// this build's format applies from `at_height` (default: the next
/// block). Blocks already written keep their rules and roots; the block
/// at `at_height` first runs each module's migration
/// ([`publica_runtime::Module::upgrade`]). A network's validators all
/// name the same future height (docs/operations.md). A directory already
/// in this format is left as it is.
pub fn migrate(path: &std::path::Path, at_height: Option<u64>) -> Result<Migration, NodeError> {
    use publica_store::datadir::LEDGER_FORMAT;
    let chain_id = DataDir::recorded_chain_id(path).ok_or_else(|| {
        NodeError::Config(format!(
            "{} is not a Publica data directory",
            path.display()
        ))
    })?;
    let mut data_dir = DataDir::open_executable(path, &chain_id)?;
    let from = data_dir.formats().current();
    let genesis = crate::genesis::settle_genesis(data_dir.path(), None)?;
    let runtime = crate::genesis::runtime_for(&data_dir);
    let height = recover(&data_dir, &runtime, &genesis)?
        .tip
        .map(|t| t.height)
        .unwrap_or(0);
    if from == LEDGER_FORMAT {
        return Ok(Migration {
            from,
            to: from,
            starts_at: None,
            height,
        });
    }
    let starts_at = at_height.unwrap_or(height + 1);
    if starts_at <= height {
        return Err(NodeError::Config(format!(
            "block {starts_at} is written already (the directory holds {height}): a new format starts at a block not yet written"
        )));
    }
    // A chain with no block yet has nothing written by the old rules: it
    // is in the new format from its first block.
    let formats = if starts_at == 1 {
        publica_store::datadir::LedgerFormats::new(LEDGER_FORMAT)
    } else {
        data_dir
            .formats()
            .then(LEDGER_FORMAT, starts_at)
            .map_err(NodeError::Config)?
    };
    data_dir.record_formats(formats)?;
    tracing::info!(
        from,
        to = LEDGER_FORMAT,
        starts_at,
        "migrated the ledger format"
    );
    Ok(Migration {
        from,
        to: LEDGER_FORMAT,
        starts_at: Some(starts_at),
        height,
    })
}
