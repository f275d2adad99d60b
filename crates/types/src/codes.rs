//! Stable, documented error codes. They are part of the API: clients match on
//! them, so a code is never renamed or reused for another meaning.
//! `docs/errors.md` lists them with their HTTP statuses.

/// The request body is not valid JSON.
pub const REQUEST_MALFORMED_JSON: &str = "request.malformed_json";
/// The request body exceeds its size limit.
pub const REQUEST_TOO_LARGE: &str = "request.too_large";
/// The client sent requests faster than its rate limit.
pub const REQUEST_RATE_LIMITED: &str = "request.rate_limited";
/// A path or query parameter is invalid.
pub const REQUEST_INVALID_PARAM: &str = "request.invalid_param";
/// The route exists but not with that HTTP method.
pub const REQUEST_METHOD_NOT_ALLOWED: &str = "request.method_not_allowed";
/// The route does not exist.
pub const REQUEST_NOT_FOUND: &str = "request.not_found";
/// A batch holds more transactions than allowed, or none.
pub const BATCH_INVALID_SIZE: &str = "batch.invalid_size";

/// The envelope or body has a field the format does not define.
pub const TX_UNKNOWN_FIELD: &str = "tx.unknown_field";
/// The envelope or body is missing a field or has a field of the wrong type.
pub const TX_MALFORMED: &str = "tx.malformed";
/// A string field exceeds its documented maximum or has forbidden characters.
pub const TX_FIELD_INVALID: &str = "tx.field_invalid";
/// The body has no canonical form (a float, or an integer beyond 2^53 - 1).
pub const TX_NOT_CANONICAL: &str = "tx.not_canonical";
/// The signer is not a usable Ed25519 public key: a key of small order
/// (anyone could sign for it; the ledger's own all-zero account is one) or
/// a non-canonical encoding of a key.
pub const TX_INVALID_SIGNER: &str = "tx.invalid_signer";
/// The signature does not verify for the signer over the signing bytes.
pub const TX_BAD_SIGNATURE: &str = "tx.bad_signature";
/// The body names another chain.
pub const TX_WRONG_CHAIN: &str = "tx.wrong_chain";
/// The nonce was already used by this signer (or is pending).
pub const TX_NONCE_REPLAYED: &str = "tx.nonce_replayed";
/// The nonce skips one: nonces must increase by exactly one.
pub const TX_NONCE_GAP: &str = "tx.nonce_gap";
/// The transaction's expiry has passed.
pub const TX_EXPIRED: &str = "tx.expired";
/// The transaction is too large.
pub const TX_TOO_LARGE: &str = "tx.too_large";
/// The mempool is full; retry later.
pub const MEMPOOL_FULL: &str = "mempool.full";
/// The signer already has its share of the mempool waiting; retry later.
pub const MEMPOOL_SIGNER_FULL: &str = "mempool.signer_full";
/// No transaction with that id is known.
pub const TX_NOT_FOUND: &str = "tx.not_found";

/// The call names a module that does not exist.
pub const CALL_UNKNOWN_MODULE: &str = "call.unknown_module";
/// The call names a method the module does not have.
pub const CALL_UNKNOWN_METHOD: &str = "call.unknown_method";
/// The call's arguments do not match the method's schema.
pub const CALL_INVALID_ARGS: &str = "call.invalid_args";
/// The module failed on the call (a fault in its code, not in the call's
/// input): the transaction fails, nothing it wrote stays, the chain goes on.
pub const CALL_MODULE_FAULT: &str = "call.module_fault";
/// The signer lacks the authority the call requires.
pub const AUTH_UNAUTHORIZED: &str = "auth.unauthorized";
/// The call names an agency that does not exist.
pub const AUTH_UNKNOWN_AGENCY: &str = "auth.unknown_agency";
/// The signer has not registered an account.
pub const AUTH_ACCOUNT_NOT_REGISTERED: &str = "auth.account_not_registered";

/// The block at that height does not exist (yet).
pub const BLOCK_NOT_FOUND: &str = "block.not_found";
/// The node offers no floor to sync state from (dev mode, or none yet).
pub const SYNC_NO_FLOOR: &str = "sync.no_floor";
/// The node holds no state snapshot at or below the asked height.
pub const SYNC_NO_SNAPSHOT: &str = "sync.no_snapshot";
/// The node is already sending as many snapshots as it allows at once.
pub const SYNC_BUSY: &str = "sync.busy";
/// A state key is empty, too long or not printable ASCII.
pub const STATE_INVALID_KEY: &str = "state.invalid_key";
/// The node is shutting down or not yet ready.
pub const NODE_UNAVAILABLE: &str = "node.unavailable";
/// The node cannot write to its disk (full, or failing): it refuses
/// transactions and serves reads until it can.
pub const NODE_READ_ONLY: &str = "node.read_only";
/// The log has not grown as far as the requested tile.
pub const TILE_NOT_FOUND: &str = "tile.not_found";
/// Sizes for a consistency proof are out of range or reversed.
pub const LOG_INVALID_SIZES: &str = "log.invalid_sizes";
/// The node submits its checkpoints to no witness.
pub const LOG_NO_WITNESSES: &str = "log.no_witnesses";
/// An internal error: a bug or a failing disk. Details are in the node's log.
pub const INTERNAL: &str = "internal";
