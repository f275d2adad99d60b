// What the node's HTTP API answers (GET /openapi.json; docs/*.md).
// Hashes, ids and keys are lowercase hex strings.

import type { JsonValue } from './canonical.js';
import type { Envelope } from './tx.js';

/** Every error answer: a stable `code` (docs/errors.md) and a sentence for people. */
export interface ErrorBody {
  code: string;
  message: string;
}

/** `GET /v1/status`: the chain's head. */
export interface Status {
  chain_id: string;
  height: number;
  block_hash: string;
  state_root: string;
  /** Block time, ms since the Unix epoch. */
  time_ms: number;
  log_size: number;
  mempool_txs: number;
}

/** `POST /v1/transactions`: admitted to the mempool. */
export interface Accepted {
  tx_id: string;
}

/**
 * One item of a batch's answer: `tx_id` when admitted, `error` otherwise.
 * The node leaves the other member out (the OpenAPI document allows null).
 */
export interface BatchItem {
  tx_id?: string | null;
  error?: ErrorBody | null;
}

/** `POST /v1/transactions/batch`: one result per envelope, in order. */
export interface BatchResponse {
  accepted: number;
  rejected: number;
  results: BatchItem[];
}

/** Something a module reports happened. */
export interface TxEvent {
  module: string;
  /** E.g. `note_set`. */
  kind: string;
  data: JsonValue;
}

/** The recorded result of a transaction in a block. */
export interface Outcome {
  tx_id: string;
  status: 'ok' | 'failed';
  /** Absent when there were none. */
  events?: TxEvent[];
  /** Why it failed (absent, or null, when it did not). */
  error?: ErrorBody | null;
}

/** `GET /v1/transactions/{id}` once committed: a receipt, verifiable offline. */
export interface Receipt {
  tx_id: string;
  status: 'committed';
  block_height: number;
  block_hash: string;
  /** Position in the block. */
  index: number;
  transaction: Envelope;
  outcome: Outcome;
  /** Position in the transparency log. */
  leaf_index: number;
  /** The log size the proof and checkpoint are for. */
  tree_size: number;
  /** RFC 9162 inclusion proof, hex hashes. */
  inclusion_proof: string[];
  /** The C2SP signed checkpoint for `tree_size`. */
  checkpoint: string;
  /** In a validator network: the block whose cosigned checkpoint this is. */
  checkpoint_height?: number;
}

/** `GET /v1/transactions/{id}` while waiting for a block. */
export interface Pending {
  tx_id: string;
  status: 'pending';
}

/** What a block commits to; its hash is SHA-256 of the header's JCS form. */
export interface BlockHeader {
  chain_id: string;
  height: number;
  log_root: string;
  log_size: number;
  parent_hash: string;
  results_root: string;
  state_root: string;
  time_ms: number;
  tx_count: number;
  tx_root: string;
}

/** `GET /v1/blocks/{height}`. */
export interface Block {
  hash: string;
  header: BlockHeader;
  transactions: Envelope[];
  outcomes: Outcome[];
  /** Events of the ledger's own scheduled work, when there were any. */
  ledger_events?: TxEvent[];
}

/** The end of a state proof's path: nothing, or the one entry in that subtree. */
export type StateTerminal = { kind: 'empty' } | { kind: 'leaf'; key_hash: string; value_hash: string };

/** A proof against a state root (docs/state-proofs.md). */
export interface StateProof {
  /** Sibling hashes from the root downwards. */
  siblings: string[];
  terminal: StateTerminal;
}

/** `GET /v1/state?key=`: a value (or its absence) with its proof. */
export interface StateAnswer {
  key: string;
  /** The block whose state root the proof is against. */
  height: number;
  state_root: string;
  /** The value's bytes in hex; null when the key is absent. */
  value_hex: string | null;
  /** The value parsed as JSON, for convenience (unverified); null when absent or not JSON. */
  value: JsonValue;
  proof: StateProof;
  /**
   * The signed checkpoint whose `publica-state` line names `height` and
   * `state_root` (ledger format 6 on); null when there is none. Check the
   * answer against it with `verifyStateAnswer`.
   */
  checkpoint?: string | null;
}

/** `GET /v1/accounts/{account}/nonce`. */
export interface NonceInfo {
  account: string;
  /** The last nonce committed in a block (0 for none). */
  committed_nonce: number;
  /** The nonce the account's next transaction must use. */
  next_nonce: number;
}

/** `GET /v1/log`: the transparency log's identity. */
export interface LogInfo {
  /** The log's name, the checkpoints' first line. */
  origin: string;
  /** `<name>+<key id hex>+<base64(0x01 || public key)>`; get it from a source you trust. */
  verifier_key: string;
  /** The latest signed checkpoint. */
  checkpoint: string;
}

/** `GET /v1/log/consistency?from=&to=`. */
export interface ConsistencyProof {
  from: number;
  to: number;
  /** RFC 9162 consistency proof, hex hashes. */
  proof: string[];
}
