//! A content-addressed store of blobs off the ledger (the record store:
//! `docs/health.md`): each blob is kept under its id (the hex SHA-256 of
//! its bytes) with its small metadata beside it. [`Blobs`] is what the
//! record store asks of one; [`BlobStore`], the default, keeps them in
//! `<dir>/<first two hex digits>/<id>` and `<id>.meta`.
//!
//! Writes are durable and ordered: the blob first, then its metadata, each
//! written to a temporary file, fsync'd, renamed and the folder fsync'd. A
//! blob counts as stored only once its metadata is there, so a crash
//! mid-write leaves either nothing or a blob without metadata, which
//! [`BlobStore::open`] removes (with any temporary file). Whether a stored
//! blob is still wanted (its record on the ledger, not erased) is the
//! caller's to judge ([`BlobStore::ids`], [`BlobStore::delete`]).

use crate::{io_err, sync_dir, write_atomic, StoreError};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// What the record store needs of where it keeps ciphertexts: this
/// directory store, or an S3-compatible object store
/// (`publica_api::object_store`). A blob counts as stored once its
/// metadata is; both are written durably before `put` returns.
pub trait Blobs: Send + Sync + std::fmt::Debug {
    /// Stores `blob` (whose id must be `id`) with `meta`, blob first.
    fn put(&self, id: &str, blob: &[u8], meta: &[u8]) -> Result<(), StoreError>;
    /// Whether `id` is stored (complete).
    fn contains(&self, id: &str) -> Result<bool, StoreError>;
    /// The blob `id` and its metadata, if stored.
    fn get(&self, id: &str) -> Result<Option<Stored>, StoreError>;
    /// The metadata of `id`, if stored.
    fn meta(&self, id: &str) -> Result<Option<Vec<u8>>, StoreError>;
    /// Deletes `id`, metadata first. True if it was stored.
    fn delete(&self, id: &str) -> Result<bool, StoreError>;
    /// The ids stored (complete), in no particular order.
    fn ids(&self) -> Result<Vec<String>, StoreError>;
}

impl Blobs for BlobStore {
    fn put(&self, id: &str, blob: &[u8], meta: &[u8]) -> Result<(), StoreError> {
        BlobStore::put(self, id, blob, meta)
    }
    fn contains(&self, id: &str) -> Result<bool, StoreError> {
        Ok(BlobStore::contains(self, id))
    }
    fn get(&self, id: &str) -> Result<Option<Stored>, StoreError> {
        BlobStore::get(self, id)
    }
    fn meta(&self, id: &str) -> Result<Option<Vec<u8>>, StoreError> {
        BlobStore::meta(self, id)
    }
    fn delete(&self, id: &str) -> Result<bool, StoreError> {
        BlobStore::delete(self, id)
    }
    fn ids(&self) -> Result<Vec<String>, StoreError> {
        BlobStore::ids(self)
    }
}

/// The store in a directory.
#[derive(Debug)]
pub struct BlobStore {
    dir: PathBuf,
    /// One writer at a time: the temporary files of one id never race.
    writing: Mutex<()>,
}

/// What opening found and mended.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct BlobRecovery {
    /// Temporary files of interrupted writes, removed.
    pub temporaries: u64,
    /// Blobs whose metadata was never written, removed.
    pub incomplete: u64,
    /// Complete blobs kept.
    pub kept: u64,
}

/// A stored blob and its metadata.
pub type Stored = (Vec<u8>, Vec<u8>);

/// A valid blob id: 64 lowercase hex digits.
pub fn valid_id(id: &str) -> bool {
    id.len() == 64
        && id
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// The id of `bytes`: their SHA-256, hex.
pub fn id_of(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

impl BlobStore {
    /// Opens (creating) the store in `dir` and removes what interrupted
    /// writes left.
    pub fn open(dir: &Path) -> Result<(BlobStore, BlobRecovery), StoreError> {
        std::fs::create_dir_all(dir).map_err(io_err(format!("creating {}", dir.display())))?;
        let store = BlobStore {
            dir: dir.to_path_buf(),
            writing: Mutex::new(()),
        };
        let mut report = BlobRecovery::default();
        for shard in store.shards()? {
            let mut metas = std::collections::HashSet::new();
            let mut blobs = Vec::new();
            for entry in read_dir(&shard)? {
                let name = entry.file_name().to_string_lossy().into_owned();
                if let Some(id) = name.strip_suffix(".meta") {
                    metas.insert(id.to_string());
                } else if name.ends_with(".tmp") {
                    remove(&entry.path())?;
                    report.temporaries += 1;
                } else if valid_id(&name) {
                    blobs.push(name);
                }
            }
            for id in blobs {
                if metas.contains(&id) {
                    report.kept += 1;
                } else {
                    remove(&shard.join(&id))?;
                    report.incomplete += 1;
                }
            }
            sync_dir(&shard)?;
        }
        Ok((store, report))
    }

    fn shards(&self) -> Result<Vec<PathBuf>, StoreError> {
        Ok(read_dir(&self.dir)?
            .into_iter()
            .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
            .map(|e| e.path())
            .collect())
    }

    fn paths(&self, id: &str) -> (PathBuf, PathBuf) {
        let shard = self.dir.join(&id[..2]);
        (shard.join(id), shard.join(format!("{id}.meta")))
    }

    /// Stores `blob` (whose id must be `id`) with `meta`, durably.
    pub fn put(&self, id: &str, blob: &[u8], meta: &[u8]) -> Result<(), StoreError> {
        assert!(valid_id(id), "blob ids are checked by the caller");
        debug_assert_eq!(id_of(blob), id);
        let _one = self.writing.lock().expect("blob writer lock");
        let (blob_path, meta_path) = self.paths(id);
        let shard = blob_path.parent().expect("a shard folder");
        if !shard.exists() {
            std::fs::create_dir_all(shard)
                .map_err(io_err(format!("creating {}", shard.display())))?;
            sync_dir(&self.dir)?;
        }
        write_atomic(&blob_path, blob)?;
        write_atomic(&meta_path, meta)
    }

    /// Whether `id` is stored (complete).
    pub fn contains(&self, id: &str) -> bool {
        valid_id(id) && self.paths(id).1.exists()
    }

    /// The blob `id` and its metadata, if stored.
    pub fn get(&self, id: &str) -> Result<Option<Stored>, StoreError> {
        if !valid_id(id) {
            return Ok(None);
        }
        let (blob_path, meta_path) = self.paths(id);
        let meta = match std::fs::read(&meta_path) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(io_err(format!("reading {}", meta_path.display()))(e)),
        };
        let blob = std::fs::read(&blob_path)
            .map_err(io_err(format!("reading {}", blob_path.display())))?;
        Ok(Some((blob, meta)))
    }

    /// The metadata of `id`, if stored.
    pub fn meta(&self, id: &str) -> Result<Option<Vec<u8>>, StoreError> {
        if !valid_id(id) {
            return Ok(None);
        }
        let meta_path = self.paths(id).1;
        match std::fs::read(&meta_path) {
            Ok(m) => Ok(Some(m)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(io_err(format!("reading {}", meta_path.display()))(e)),
        }
    }

    /// Deletes `id` durably (metadata first, so a crash mid-way leaves an
    /// incomplete blob that opening removes). True if it was stored.
    pub fn delete(&self, id: &str) -> Result<bool, StoreError> {
        if !valid_id(id) {
            return Ok(false);
        }
        let _one = self.writing.lock().expect("blob writer lock");
        let (blob_path, meta_path) = self.paths(id);
        let had = meta_path.exists();
        for p in [&meta_path, &blob_path] {
            match std::fs::remove_file(p) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(io_err(format!("removing {}", p.display()))(e)),
            }
        }
        if let Some(shard) = blob_path.parent().filter(|s| s.exists()) {
            sync_dir(shard)?;
        }
        Ok(had)
    }

    /// The ids stored (complete), in no particular order.
    pub fn ids(&self) -> Result<Vec<String>, StoreError> {
        let mut out = Vec::new();
        for shard in self.shards()? {
            for entry in read_dir(&shard)? {
                let name = entry.file_name().to_string_lossy().into_owned();
                if let Some(id) = name.strip_suffix(".meta").filter(|i| valid_id(i)) {
                    out.push(id.to_string());
                }
            }
        }
        Ok(out)
    }
}

fn read_dir(dir: &Path) -> Result<Vec<std::fs::DirEntry>, StoreError> {
    std::fs::read_dir(dir)
        .and_then(Iterator::collect)
        .map_err(io_err(format!("listing {}", dir.display())))
}

fn remove(path: &Path) -> Result<(), StoreError> {
    std::fs::remove_file(path).map_err(io_err(format!("removing {}", path.display())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn put_get_delete_and_recovery_of_interrupted_writes() {
        let dir = tempfile::tempdir().unwrap();
        let (store, report) = BlobStore::open(dir.path()).unwrap();
        assert_eq!(report, BlobRecovery::default());
        let a = b"ciphertext a".to_vec();
        let id = id_of(&a);
        store.put(&id, &a, b"{\"m\":1}").unwrap();
        assert!(store.contains(&id));
        assert_eq!(
            store.get(&id).unwrap(),
            Some((a.clone(), b"{\"m\":1}".to_vec()))
        );
        assert_eq!(store.ids().unwrap(), vec![id.clone()]);
        // A crash after the blob and before its metadata; another mid-way.
        let b = b"ciphertext b".to_vec();
        let idb = id_of(&b);
        let shard = dir.path().join(&idb[..2]);
        std::fs::create_dir_all(&shard).unwrap();
        std::fs::write(shard.join(&idb), &b).unwrap();
        std::fs::write(shard.join(format!("{idb}.tmp")), b"half").unwrap();
        drop(store);
        let (store, report) = BlobStore::open(dir.path()).unwrap();
        assert_eq!(
            report,
            BlobRecovery {
                temporaries: 1,
                incomplete: 1,
                kept: 1
            }
        );
        assert!(!store.contains(&idb) && store.get(&idb).unwrap().is_none());
        assert!(store.delete(&id).unwrap());
        assert!(!store.delete(&id).unwrap());
        assert!(store.ids().unwrap().is_empty());
        assert!(store.get("../etc").unwrap().is_none());
    }
}
