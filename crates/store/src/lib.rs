//! Publica's durable storage: the append-only block log (one fsync per
//! block), state snapshots, the data directory and its lock, and the
//! content-addressed blob store that keeps records off the ledger.
//!
//! Recovery policy: a torn record at the end of the log (a crash during an
//! append) is discarded with a warning; damage anywhere before the end makes
//! opening fail, because serving wrong data is worse than not starting.

pub mod blobs;
pub mod blocklog;
pub mod datadir;
pub mod snapshot;

pub use blocklog::{BlockLog, BlockPage, BlockRecord, OpenReport};
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
    /// A file received from elsewhere (a peer's snapshot) is not valid.
    #[error("{0}")]
    Received(String),
}

/// Writes `bytes` to `path` atomically and durably: a temporary file
/// beside it, fsync'd, renamed over `path`, and the folder fsync'd.
pub fn write_atomic(path: &std::path::Path, bytes: &[u8]) -> Result<(), StoreError> {
    use std::io::Write as _;
    let tmp = path.with_extension("tmp");
    {
        let mut f =
            std::fs::File::create(&tmp).map_err(io_err(format!("creating {}", tmp.display())))?;
        if let Err(e) = f.write_all(bytes).and_then(|()| f.sync_all()) {
            // A full disk keeps no half-written file taking its space.
            drop(f);
            let _ = std::fs::remove_file(&tmp);
            return Err(io_err(format!("writing {}", tmp.display()))(e));
        }
    }
    std::fs::rename(&tmp, path).map_err(io_err(format!("renaming {}", tmp.display())))?;
    sync_dir(path.parent().unwrap_or(std::path::Path::new(".")))
}

/// Makes a folder's entries (new, renamed files) durable.
pub fn sync_dir(dir: &std::path::Path) -> Result<(), StoreError> {
    std::fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(io_err(format!("syncing {}", dir.display())))
}

pub(crate) fn io_err(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> StoreError {
    let context = context.into();
    move |source| StoreError::Io { context, source }
}
