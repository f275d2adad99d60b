//! The data directory: its lock (one node per directory) and its chain id.

use crate::{io_err, StoreError};
use std::fs::{self, File, OpenOptions};
use std::path::{Path, PathBuf};

use publica_types::format::LEDGER_FORMAT_CHANGE;
pub use publica_types::format::{LedgerFormats, LEDGER_FORMAT, OLDEST_EXECUTED_FORMAT};

/// An open, locked data directory. The lock is released on drop (or when the
/// process dies, since it is an OS file lock).
#[derive(Debug)]
pub struct DataDir {
    path: PathBuf,
    _lock: File,
    chain_id: String,
    formats: LedgerFormats,
}

impl DataDir {
    /// Opens `path` (creating it), takes its lock and checks that it belongs
    /// to `chain_id` (recording it on first use) and is in this build's
    /// ledger format.
    pub fn open(path: &Path, chain_id: &str) -> Result<DataDir, StoreError> {
        let dir = DataDir::open_executable(path, chain_id)?;
        let found = dir.formats.current();
        if found == LEDGER_FORMAT {
            return Ok(dir);
        }
        let path = path.display();
        Err(StoreError::DataDir(format!(
            "data directory {path} holds a ledger of format {found}; this publica runs format {LEDGER_FORMAT} ({LEDGER_FORMAT_CHANGE}). Back it up (`publica admin backup`), then move it to format {LEDGER_FORMAT} with `publica admin migrate --data-dir {path}` (docs/operations.md, \"Migrating a ledger to a new format\")"
        )))
    }

    /// [`Self::open_any_format`], refusing a ledger with a format this
    /// build does not execute (older than [`OLDEST_EXECUTED_FORMAT`], or
    /// newer than [`LEDGER_FORMAT`]): one it executes may be replayed,
    /// checked and migrated.
    pub fn open_executable(path: &Path, chain_id: &str) -> Result<DataDir, StoreError> {
        let dir = DataDir::open_any_format(path, chain_id)?;
        let executed = OLDEST_EXECUTED_FORMAT..=LEDGER_FORMAT;
        let Some(&(found, _)) = dir
            .formats
            .steps()
            .iter()
            .find(|(f, _)| !executed.contains(f))
        else {
            return Ok(dir);
        };
        let path = path.display();
        Err(StoreError::DataDir(if found < OLDEST_EXECUTED_FORMAT {
            format!(
                "data directory {path} holds a ledger of format {found}; this publica runs format {LEDGER_FORMAT} and executes formats from {OLDEST_EXECUTED_FORMAT}. Keep that directory for the version that wrote it and start this one in another --data-dir"
            )
        } else {
            format!(
                "data directory {path} holds a ledger of format {found}, newer than this publica's {LEDGER_FORMAT}: run the version that wrote it"
            )
        }))
    }

    /// [`Self::open`] without the format check: for `publica admin
    /// migrate`, which reads [`Self::formats`] and records the next.
    pub fn open_any_format(path: &Path, chain_id: &str) -> Result<DataDir, StoreError> {
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
                // A new directory keeps a record of formats put there
                // before its first start (a validator joining a migrated
                // network replays old blocks by their format's rules).
                let format_path = path.join(FORMAT_FILE);
                let formats = match fs::read_to_string(&format_path) {
                    Ok(text) => LedgerFormats::parse(&text).map_err(|e| {
                        StoreError::DataDir(format!("{} is damaged: {e}", format_path.display()))
                    })?,
                    Err(_) => LedgerFormats::default(),
                };
                fs::write(&format_path, formats.to_text())
                    .and_then(|_| fs::write(&chain_path, format!("{chain_id}\n")))
                    .and_then(|_| File::open(path)?.sync_all())
                    .map_err(io_err(format!("writing {}", chain_path.display())))?;
            }
            Err(e) => return Err(io_err(format!("reading {}", chain_path.display()))(e)),
        }
        let formats = read_formats(path)?;
        Ok(DataDir {
            path: path.to_path_buf(),
            _lock: lock,
            chain_id: chain_id.to_string(),
            formats,
        })
    }

    /// Which ledger format applies from which height.
    pub fn formats(&self) -> &LedgerFormats {
        &self.formats
    }

    /// Records `formats` (written atomically).
    pub fn record_formats(&mut self, formats: LedgerFormats) -> Result<(), StoreError> {
        crate::write_atomic(&self.path.join(FORMAT_FILE), formats.to_text().as_bytes())?;
        self.formats = formats;
        Ok(())
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

/// The file recording the directory's ledger formats.
pub const FORMAT_FILE: &str = "LEDGER_FORMAT";

/// The directory's ledger formats (one without the file predates it:
/// format 1).
pub fn read_formats(path: &Path) -> Result<LedgerFormats, StoreError> {
    let format_path = path.join(FORMAT_FILE);
    match fs::read_to_string(&format_path) {
        Ok(s) => LedgerFormats::parse(&s)
            .map_err(|e| StoreError::DataDir(format!("{} is damaged: {e}", format_path.display()))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(LedgerFormats::new(1)),
        Err(e) => Err(io_err(format!("reading {}", format_path.display()))(e)),
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
                && e.contains(&format!("runs format {LEDGER_FORMAT}"))
                && e.contains("--data-dir"),
            "{e}"
        );
        // A format this build still executes: migrate it.
        fs::write(&format, format!("{OLDEST_EXECUTED_FORMAT}\n")).unwrap();
        let e = DataDir::open(dir.path(), "a").unwrap_err().to_string();
        assert!(e.contains("publica admin migrate --data-dir"), "{e}");
        let mut d = DataDir::open_any_format(dir.path(), "a").unwrap();
        assert_eq!(d.formats().current(), OLDEST_EXECUTED_FORMAT);
        let migrated = d.formats().then(LEDGER_FORMAT, 7).unwrap();
        d.record_formats(migrated.clone()).unwrap();
        drop(d);
        let d = DataDir::open(dir.path(), "a").unwrap();
        assert_eq!(d.formats(), &migrated);
        drop(d);
        // Newer than this build, or damaged.
        fs::write(&format, format!("{}\n", LEDGER_FORMAT + 1)).unwrap();
        let e = DataDir::open(dir.path(), "a").unwrap_err().to_string();
        assert!(e.contains("newer than this publica"), "{e}");
        fs::write(&format, "5\n4 from 3\n").unwrap();
        let e = DataDir::open(dir.path(), "a").unwrap_err().to_string();
        assert!(e.contains("is damaged"), "{e}");
        fs::write(&format, format!("{LEDGER_FORMAT}\n")).unwrap();
        assert!(DataDir::open(dir.path(), "a").is_ok());

        // A new directory keeps a record of formats put there first.
        let fresh = tempfile::tempdir().unwrap();
        let record = LedgerFormats::new(OLDEST_EXECUTED_FORMAT)
            .then(LEDGER_FORMAT, 40)
            .unwrap();
        fs::write(fresh.path().join(FORMAT_FILE), record.to_text()).unwrap();
        assert_eq!(DataDir::open(fresh.path(), "a").unwrap().formats(), &record);
    }
}
