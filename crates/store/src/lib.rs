//! Publica's durable storage: the append-only block log (one fsync per
//! block), state snapshots, the data directory and its lock.
//!
//! Recovery policy: a torn record at the end of the log (a crash during an
//! append) is discarded with a warning; damage anywhere before the end makes
//! opening fail, because serving wrong data is worse than not starting.

pub mod blocklog;
pub mod datadir;
pub mod snapshot;

pub use blocklog::{BlockLog, OpenReport};
pub use datadir::DataDir;
pub use snapshot::{
    install_snapshot, latest_snapshot_file, load_latest_snapshot, write_snapshot, Snapshot,
};

/// What can go wrong with storage.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// An OS-level I/O error.
    #[error("{context}: {source}")]
    Io {
        /// What was being done.
        context: String,
        /// The OS error.
        source: std::io::Error,
    },
    /// Damage that is not a torn tail: refusing to serve possibly wrong data.
    #[error("block log {path} is corrupted at byte {offset}: {reason}. Refusing to start; restore the data directory from a backup or a peer")]
    Corrupted {
        /// The file.
        path: String,
        /// Where.
        offset: u64,
        /// What was found.
        reason: String,
    },
    /// A block could not be encoded or decoded.
    #[error("block {height}: {reason}")]
    Codec {
        /// Which block.
        height: u64,
        /// What failed.
        reason: String,
    },
    /// The data directory belongs to another chain or another process.
    #[error("{0}")]
    DataDir(String),
}

pub(crate) fn io_err(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> StoreError {
    let context = context.into();
    move |source| StoreError::Io { context, source }
}
