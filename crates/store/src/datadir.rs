//! The data directory: its lock (one node per directory) and its chain id.

use crate::{io_err, StoreError};
use std::fs::{self, File, OpenOptions};
use std::path::{Path, PathBuf};

/// An open, locked data directory. The lock is released on drop (or when the
/// process dies, since it is an OS file lock).
#[derive(Debug)]
pub struct DataDir {
    path: PathBuf,
    _lock: File,
    chain_id: String,
}

impl DataDir {
    /// Opens `path` (creating it), takes its lock and checks that it belongs
    /// to `chain_id` (recording it on first use).
    pub fn open(path: &Path, chain_id: &str) -> Result<DataDir, StoreError> {
        fs::create_dir_all(path).map_err(io_err(format!(
            "creating data directory {}",
            path.display()
        )))?;
        let lock_path = path.join("LOCK");
        let lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(io_err(format!("opening {}", lock_path.display())))?;
        if lock.try_lock().is_err() {
            return Err(StoreError::DataDir(format!(
                "data directory {} is in use by another publica process; stop it or choose another --data-dir",
                path.display()
            )));
        }
        let chain_path = path.join("CHAIN_ID");
        match fs::read_to_string(&chain_path) {
            Ok(existing) => {
                let existing = existing.trim();
                if existing != chain_id {
                    return Err(StoreError::DataDir(format!(
                        "data directory {} holds chain '{existing}', not '{chain_id}'",
                        path.display()
                    )));
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                fs::write(&chain_path, format!("{chain_id}\n"))
                    .and_then(|_| File::open(path)?.sync_all())
                    .map_err(io_err(format!("writing {}", chain_path.display())))?;
            }
            Err(e) => return Err(io_err(format!("reading {}", chain_path.display()))(e)),
        }
        Ok(DataDir {
            path: path.to_path_buf(),
            _lock: lock,
            chain_id: chain_id.to_string(),
        })
    }

    /// The chain id recorded in the directory, if any, without locking it.
    pub fn recorded_chain_id(path: &Path) -> Option<String> {
        fs::read_to_string(path.join("CHAIN_ID"))
            .ok()
            .map(|s| s.trim().to_string())
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The chain id.
    pub fn chain_id(&self) -> &str {
        &self.chain_id
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lock_and_chain_id() {
        let dir = tempfile::tempdir().unwrap();
        let d = DataDir::open(dir.path(), "a").unwrap();
        let second = DataDir::open(dir.path(), "a").unwrap_err();
        assert!(second.to_string().contains("in use"), "{second}");
        drop(d);
        assert!(DataDir::open(dir.path(), "b")
            .unwrap_err()
            .to_string()
            .contains("holds chain 'a'"));
        assert!(DataDir::open(dir.path(), "a").is_ok());
    }
}
