//! Building and hashing blocks.

use publica_crypto::sha256;
use publica_log::AppendLog;
use publica_types::canonical::canonicalize;
use publica_types::{Block, BlockHeader, Envelope, Event, Hash32, TxOutcome, VerifiedTx};

/// The context a block executes in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlockEnv {
    /// The chain.
    pub chain_id: String,
    /// The block's height.
    pub height: u64,
    /// The block's time, ms since the Unix epoch.
    pub time_ms: u64,
}

/// A block's hash: SHA-256 of its header's canonical JSON.
pub fn block_hash(header: &BlockHeader) -> Hash32 {
    sha256(&canonicalize(header).expect("headers hold integers below 2^53"))
}

/// The transaction-root leaf of a transaction: its id.
pub fn tx_leaf(tx_id: &Hash32) -> Hash32 {
    publica_log::leaf_hash(tx_id.as_bytes())
}

/// The results-root leaf of an outcome: its canonical JSON.
pub fn outcome_leaf(outcome: &TxOutcome) -> Hash32 {
    publica_log::leaf_hash(&canonicalize(outcome).expect("outcomes are canonicalisable"))
}

/// Domain prefix of the results-root leaf committing a block's ledger events.
pub const LEDGER_EVENTS_PREFIX: &[u8] = b"publica/ledger-events/v1\n";

/// The results-root leaf of a block's ledger events (the last leaf, present
/// only when there are some): `"publica/ledger-events/v1\n" || JCS(events)`.
pub fn ledger_events_leaf(events: &[Event]) -> Hash32 {
    let mut bytes = LEDGER_EVENTS_PREFIX.to_vec();
    bytes.extend_from_slice(&canonicalize(&events).expect("events are canonicalisable"));
    publica_log::leaf_hash(&bytes)
}

/// The transparency-log entry of a committed transaction:
/// `JCS(envelope) || SHA-256(JCS(outcome))` (see `docs/transparency.md`).
pub fn log_entry(envelope: &Envelope, outcome: &TxOutcome) -> Vec<u8> {
    let mut entry = canonicalize(envelope).expect("envelopes are canonicalisable");
    let result = sha256(&canonicalize(outcome).expect("outcomes are canonicalisable"));
    entry.extend_from_slice(result.as_bytes());
    entry
}

/// Why a committed block does not match its own header
/// ([`append_committed`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CommittedBlockError {
    /// The numbers of transactions, outcomes and the header's count differ.
    #[error("its transactions, outcomes and header disagree on their number")]
    Count,
    /// The log's root or size after its entries is not the header's.
    #[error("the transparency log does not match the header")]
    Log,
    /// Its outcomes and ledger events do not hash to the results root.
    #[error("its outcomes or ledger events do not match the header's results root")]
    ResultsRoot,
    /// Its transaction ids do not hash to the transaction root.
    #[error("its transaction ids do not match the header's transaction root")]
    TxRoot,
}

/// Appends a block's transactions, given as their envelopes' canonical
/// JSON, to the log; returns the new root and the results-root leaves (both
/// need the outcome's canonical form, which is computed once).
fn append_entries(
    log: &mut impl AppendLog,
    envelopes: impl Iterator<Item = Vec<u8>>,
    outcomes: &[TxOutcome],
) -> (Hash32, Vec<Hash32>) {
    let mut out_leaves = Vec::with_capacity(outcomes.len());
    for (mut entry, o) in envelopes.zip(outcomes) {
        let out = canonicalize(o).expect("outcomes are canonicalisable");
        out_leaves.push(publica_log::leaf_hash(&out));
        entry.extend_from_slice(sha256(&out).as_bytes());
        log.append_leaf(publica_log::leaf_hash(&entry));
    }
    (log.current_root(), out_leaves)
}

/// Appends a committed block that is not executed again (one below a
/// snapshot) to the log, checking what it carries against its header: the
/// transaction count, the log's root and size, the transaction root and
/// the results root, which commits its outcomes and its ledger events.
/// Those events feed the node's event index, so none may go unchecked.
pub fn append_committed(
    log: &mut impl AppendLog,
    block: &Block,
) -> Result<(), CommittedBlockError> {
    let h = &block.header;
    if block.transactions.len() != block.outcomes.len()
        || h.tx_count != block.transactions.len() as u64
    {
        return Err(CommittedBlockError::Count);
    }
    let (log_root, mut out_leaves) = append_entries(
        log,
        block.transactions.iter().map(canonical_envelope),
        &block.outcomes,
    );
    if log_root != h.log_root || log.size() != h.log_size {
        return Err(CommittedBlockError::Log);
    }
    if !block.ledger_events.is_empty() {
        out_leaves.push(ledger_events_leaf(&block.ledger_events));
    }
    if publica_log::root(&out_leaves) != h.results_root {
        return Err(CommittedBlockError::ResultsRoot);
    }
    let tx_leaves: Vec<Hash32> = block.outcomes.iter().map(|o| tx_leaf(&o.tx_id)).collect();
    if publica_log::root(&tx_leaves) != h.tx_root {
        return Err(CommittedBlockError::TxRoot);
    }
    Ok(())
}

/// Puts a block together from its parts, appending its transactions to the
/// transparency log.
pub fn assemble_block(
    env: &BlockEnv,
    parent: Option<&BlockHeader>,
    transactions: Vec<VerifiedTx>,
    outcomes: Vec<TxOutcome>,
    ledger_events: Vec<Event>,
    state_root: Hash32,
    log: &mut impl AppendLog,
) -> Block {
    let header = header_of(
        env,
        parent,
        transactions
            .iter()
            .map(|t| t.envelope.canonical_from_signing_bytes(&t.signing_bytes)),
        &outcomes,
        &ledger_events,
        state_root,
        log,
    );
    Block {
        header,
        transactions: transactions.into_iter().map(|t| t.envelope).collect(),
        outcomes,
        ledger_events,
    }
}

/// The header of a block made of these parts, appending its transactions
/// to the transparency log (what [`assemble_block`] does, without taking
/// the parts: a replay compares it with the stored block's).
pub fn assemble_header(
    env: &BlockEnv,
    parent: Option<&BlockHeader>,
    transactions: &[Envelope],
    outcomes: &[TxOutcome],
    ledger_events: &[Event],
    state_root: Hash32,
    log: &mut impl AppendLog,
) -> BlockHeader {
    header_of(
        env,
        parent,
        transactions.iter().map(canonical_envelope),
        outcomes,
        ledger_events,
        state_root,
        log,
    )
}

fn canonical_envelope(e: &Envelope) -> Vec<u8> {
    canonicalize(e).expect("envelopes are canonicalisable")
}

/// The header of a block whose envelopes' canonical JSON is `envelopes`,
/// one per outcome.
fn header_of(
    env: &BlockEnv,
    parent: Option<&BlockHeader>,
    envelopes: impl ExactSizeIterator<Item = Vec<u8>>,
    outcomes: &[TxOutcome],
    ledger_events: &[Event],
    state_root: Hash32,
    log: &mut impl AppendLog,
) -> BlockHeader {
    assert_eq!(
        envelopes.len(),
        outcomes.len(),
        "one outcome per transaction"
    );
    let tx_leaves: Vec<Hash32> = outcomes.iter().map(|o| tx_leaf(&o.tx_id)).collect();
    let (log_root, mut out_leaves) = append_entries(log, envelopes, outcomes);
    if !ledger_events.is_empty() {
        out_leaves.push(ledger_events_leaf(ledger_events));
    }
    BlockHeader {
        chain_id: env.chain_id.clone(),
        height: env.height,
        parent_hash: parent.map(block_hash).unwrap_or(Hash32::ZERO),
        time_ms: env.time_ms,
        tx_count: outcomes.len() as u64,
        tx_root: publica_log::root(&tx_leaves),
        results_root: publica_log::root(&out_leaves),
        state_root,
        log_size: log.size(),
        log_root,
    }
}
