//! Documented maxima for every input. Exceeding one is an error, never a
//! truncation.

/// Largest encoded transaction envelope accepted, in bytes. Below 65,535 so
/// that a log entry (envelope plus a 32-byte result hash) fits the u16 length
/// prefix of C2SP entry bundles.
pub const TX_BYTES_MAX: usize = 60 * 1024;
/// Most transactions in one batch submission.
pub const BATCH_TXS_MAX: usize = 10_000;
/// Largest request body for the batch endpoint, in bytes.
pub const BATCH_BODY_BYTES_MAX: usize = 16 * 1024 * 1024;
/// Longest chain id, in bytes.
pub const CHAIN_ID_BYTES_MAX: usize = 64;
/// Longest module or method name, in bytes.
pub const CALL_NAME_BYTES_MAX: usize = 64;
/// Longest state key, in bytes.
pub const STATE_KEY_BYTES_MAX: usize = 512;
/// Most transactions in one block.
pub const BLOCK_TXS_MAX: usize = 50_000;
/// Most bytes of transactions in one block (signing bytes in a dev block,
/// encoded envelopes in a BFT block): a block of large transactions is cut
/// early, so that no block costs more memory than this bounds.
pub const BLOCK_TX_BYTES_MAX: usize = 8 << 20;
