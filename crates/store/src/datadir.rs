//! The data directory: its lock (one node per directory) and its chain id.

use crate::{io_err, StoreError};
use std::fs::{self, File, OpenOptions};
use std::path::{Path, PathBuf};

/// The ledger format this build reads and writes: a ledger written under
/// another format's rules does not replay under this one's.
/// - 2: account histories left the consensus state;
/// - 3: accounts have no overdraft (the field left account records), a
///   transaction that passes the chain and nonce checks always uses its
///   nonce, and weak keys (small-order, non-canonical) are refused.
/// - 4: programs keep attestations per agency and indexes per agency,
///   approvals name the hash of what they approve, enrolments record their
///   time, and periods before an enrolment are not payable.
pub const LEDGER_FORMAT: u32 = 4;

/// What changed in [`LEDGER_FORMAT`], for the message refusing another.
const LEDGER_FORMAT_CHANGE: &str =
    "programs: attestations and indexes per agency, approvals by hash, no payment before enrolment";

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
                let format_path = path.join(FORMAT_FILE);
                fs::write(&format_path, format!("{LEDGER_FORMAT}\n"))
                    .and_then(|_| fs::write(&chain_path, format!("{chain_id}\n")))
                    .and_then(|_| File::open(path)?.sync_all())
                    .map_err(io_err(format!("writing {}", chain_path.display())))?;
            }
            Err(e) => return Err(io_err(format!("reading {}", chain_path.display()))(e)),
        }
        check_format(path)?;
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

/// The file recording the directory's ledger format.
const FORMAT_FILE: &str = "LEDGER_FORMAT";

/// Refuses a directory written in another ledger format (one without the
/// file predates it: format 1).
fn check_format(path: &Path) -> Result<(), StoreError> {
    let format_path = path.join(FORMAT_FILE);
    let found = match fs::read_to_string(&format_path) {
        Ok(s) => s.trim().to_string(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => "1".to_string(),
        Err(e) => return Err(io_err(format!("reading {}", format_path.display()))(e)),
    };
    if found != LEDGER_FORMAT.to_string() {
        return Err(StoreError::DataDir(format!(
            "data directory {} holds a ledger of format {found}; this publica reads format {LEDGER_FORMAT} ({LEDGER_FORMAT_CHANGE}). Keep that directory for the version that wrote it and start this one in another --data-dir",
            path.display()
        )));
    }
    Ok(())
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

    #[test]
    fn a_directory_of_another_ledger_format_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        drop(DataDir::open(dir.path(), "a").unwrap());
        let format = dir.path().join(FORMAT_FILE);
        assert_eq!(
            fs::read_to_string(&format).unwrap(),
            format!("{LEDGER_FORMAT}\n")
        );
        // Written before the format was recorded: format 1.
        fs::remove_file(&format).unwrap();
        let e = DataDir::open(dir.path(), "a").unwrap_err().to_string();
        assert!(e.contains("holds a ledger of format 1"), "{e}");
        fs::write(&format, "2\n").unwrap();
        let e = DataDir::open(dir.path(), "a").unwrap_err().to_string();
        assert!(
            e.contains("holds a ledger of format 2")
                && e.contains(&format!("reads format {LEDGER_FORMAT}"))
                && e.contains("--data-dir"),
            "{e}"
        );
        fs::write(&format, format!("{LEDGER_FORMAT}\n")).unwrap();
        assert!(DataDir::open(dir.path(), "a").is_ok());
    }
}
