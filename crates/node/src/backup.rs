//! Online backups of a node's data directory, and their restore
//! (`publica admin backup`, `publica admin restore`; `docs/operations.md`).
//!
//! A backup is taken while the node runs, without its lock, and is
//! consistent because of how the node writes:
//! - the block log is append-only and every frame is checksummed, so a copy
//!   of its first bytes, cut after the last whole frame, is the chain at
//!   some height `H` (a frame being appended while it is read is cut off,
//!   as a node cuts a torn tail; a copy that does not open is taken again);
//! - snapshots are written to a temporary file and renamed, so the newest
//!   at or below `H` is copied whole, then checked against block its
//!   height's state root (one that does not match is left out: the block
//!   log rebuilds the state);
//! - the other files (keys, the genesis, the record and data stores) are
//!   copied after the block log, so that every ciphertext a block up to
//!   `H` registered is there (stores write a blob before its transaction);
//!   what was added later is swept by the restored node as never committed.
//!
//! What a node rebuilds at start is left out: the event index, the log's
//! hash levels, the lock, temporary files. The manifest names every file
//! with its size and SHA-256, the chain, its ledger format and the height
//! and hash of the last block. A restore checks every checksum before it
//! writes anything, writes into an empty directory only, and replays the
//! restored chain from genesis (`verify_chain`) before it reports success.

use crate::node::NodeError;
use publica_store::datadir::{LEDGER_FORMAT, OLDEST_EXECUTED_FORMAT};
use publica_store::{BlockLog, DataDir, StoreError};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fs;
use std::io::{Read, Write};
use std::path::{Component, Path};

/// The manifest's format name.
pub const BACKUP_FORMAT: &str = "publica-backup/1";

/// The manifest's file name in a backup.
pub const MANIFEST: &str = "manifest.json";

/// What a backup holds ([`MANIFEST`]).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct BackupManifest {
    /// [`BACKUP_FORMAT`].
    pub format: String,
    /// The chain the data directory belongs to.
    pub chain_id: String,
    /// The ledger format its blocks were written in.
    pub ledger_format: u32,
    /// The last block in the backup (0: none yet).
    pub height: u64,
    /// That block's hash (hex; zeros for none).
    pub block_hash: String,
    /// That block's state root (hex; empty for none).
    pub state_root: String,
    /// The height of the snapshot included, if one is.
    pub snapshot_height: Option<u64>,
    /// When the backup was taken (Unix ms, this machine's clock).
    pub created_ms: u64,
    /// Every file, by its path relative to the data directory.
    pub files: Vec<BackupFile>,
}

/// One file of a backup.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct BackupFile {
    /// Relative path, `/`-separated.
    pub path: String,
    /// Size in bytes.
    pub bytes: u64,
    /// SHA-256 of its contents (hex).
    pub sha256: String,
    /// Whether only its owner may read it (keys).
    #[serde(default)]
    pub private: bool,
}

/// What a restore did.
#[derive(Debug, Clone, Serialize)]
pub struct RestoreReport {
    /// Blocks replayed from genesis and found intact.
    pub verified_blocks: u64,
    /// The last block's hash (hex), equal to the manifest's.
    pub block_hash: String,
    /// Files restored.
    pub files: usize,
    /// Bytes restored.
    pub bytes: u64,
}

fn io(context: String) -> impl FnOnce(std::io::Error) -> NodeError {
    move |source| NodeError::Store(StoreError::Io { context, source })
}

fn refused(why: String) -> NodeError {
    NodeError::Config(why)
}

/// What a node rebuilds at start, or must not be copied.
fn rebuilt(rel: &str) -> bool {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    matches!(rel, "LOCK" | "blocks.log" | "event-index.dat" | MANIFEST)
        || rel.starts_with("log-levels/")
        || rel.starts_with("snapshots/")
        || name.ends_with(".tmp")
        || name.starts_with('.')
}

/// Whether a backup may restore a file at `rel`: inside the data directory
/// and not one a node rebuilds (blocks and snapshots are restored).
fn restorable(rel: &str) -> bool {
    let inside = !rel.is_empty()
        && Path::new(rel)
            .components()
            .all(|c| matches!(c, Component::Normal(_)));
    let kept = rel == "blocks.log" || rel.starts_with("snapshots/state-") || !rebuilt(rel);
    inside && kept && !rel.ends_with(".tmp")
}

/// Takes a backup of the data directory `data_dir` into `out` (which must
/// not exist, or be empty), while a node may be running on it.
pub fn backup(data_dir: &Path, out: &Path) -> Result<BackupManifest, NodeError> {
    let chain_id = DataDir::recorded_chain_id(data_dir).ok_or_else(|| {
        refused(format!(
            "{} is not a Publica data directory (no CHAIN_ID)",
            data_dir.display()
        ))
    })?;
    let format = ledger_format_of(data_dir)?;
    if !(OLDEST_EXECUTED_FORMAT..=LEDGER_FORMAT).contains(&format) {
        return Err(refused(format!(
            "{} holds a ledger of format {format}; this publica backs up formats {OLDEST_EXECUTED_FORMAT} to {LEDGER_FORMAT}: use the version that wrote it",
            data_dir.display()
        )));
    }
    create_empty(out)?;
    let (height, block_hash, state_root) = copy_block_log(data_dir, out)?;
    let snapshot_height = copy_snapshot(data_dir, out, height)?;
    let mut rels = Vec::new();
    walk(data_dir, Path::new(""), &mut rels)?;
    rels.sort();
    for rel in rels.iter().filter(|r| !rebuilt(r)) {
        copy_if_there(&data_dir.join(rel), &out.join(rel))?;
    }
    let mut files = Vec::new();
    let mut found = Vec::new();
    walk(out, Path::new(""), &mut found)?;
    found.sort();
    for rel in found {
        let path = out.join(&rel);
        let (bytes, sha256) = digest_file(&path)?;
        files.push(BackupFile {
            private: is_private(&path)?,
            path: rel,
            bytes,
            sha256,
        });
    }
    let manifest = BackupManifest {
        format: BACKUP_FORMAT.into(),
        chain_id,
        ledger_format: format,
        height,
        block_hash,
        state_root,
        snapshot_height,
        created_ms: now_ms(),
        files,
    };
    let json = serde_json::to_vec_pretty(&manifest).expect("a manifest serializes");
    publica_store::write_atomic(&out.join(MANIFEST), &json)?;
    Ok(manifest)
}

/// Restores the backup in `from` into `data_dir` (which must not exist, or
/// be empty): checks every file against the manifest first, copies them,
/// and replays the restored chain from genesis. A restore that fails
/// removes what it wrote.
pub fn restore(from: &Path, data_dir: &Path) -> Result<RestoreReport, NodeError> {
    let manifest = read_manifest(from)?;
    check_files(from, &manifest)?;
    create_empty(data_dir)?;
    let done = restore_into(from, data_dir, &manifest);
    if done.is_err() {
        let _ = fs::remove_dir_all(data_dir);
    }
    done
}

fn restore_into(
    from: &Path,
    data_dir: &Path,
    manifest: &BackupManifest,
) -> Result<RestoreReport, NodeError> {
    let mut bytes = 0;
    for f in &manifest.files {
        let to = data_dir.join(&f.path);
        copy_file(&from.join(&f.path), &to)?;
        let (_, sha) = digest_file(&to)?;
        if sha != f.sha256 {
            return Err(refused(format!(
                "{} changed while it was restored; try again",
                f.path
            )));
        }
        if f.private {
            set_private(&to)?;
        }
        bytes += f.bytes;
    }
    sync_tree(data_dir)?;
    let verified = crate::recovery::verify_chain(data_dir)?;
    if verified.verified_blocks != manifest.height {
        return Err(NodeError::Replay(format!(
            "the restored block log holds {} blocks; the manifest names {}",
            verified.verified_blocks, manifest.height
        )));
    }
    let (log, _) = BlockLog::open_read_only(data_dir)?;
    let (hash, _) = tip_of(&log)?;
    if hash != manifest.block_hash {
        return Err(NodeError::Replay(format!(
            "the restored block {} has hash {hash}; the manifest names {}",
            manifest.height, manifest.block_hash
        )));
    }
    Ok(RestoreReport {
        verified_blocks: verified.verified_blocks,
        block_hash: hash,
        files: manifest.files.len(),
        bytes,
    })
}

/// Reads and checks a backup's manifest.
pub fn read_manifest(from: &Path) -> Result<BackupManifest, NodeError> {
    let path = from.join(MANIFEST);
    let text = fs::read(&path).map_err(|e| {
        refused(format!(
            "{} is not a Publica backup: {}: {e}",
            from.display(),
            path.display()
        ))
    })?;
    let manifest: BackupManifest = serde_json::from_slice(&text)
        .map_err(|e| refused(format!("{}: not a backup manifest: {e}", path.display())))?;
    if manifest.format != BACKUP_FORMAT {
        return Err(refused(format!(
            "{}: format '{}', this publica reads '{BACKUP_FORMAT}'",
            path.display(),
            manifest.format
        )));
    }
    if !(OLDEST_EXECUTED_FORMAT..=LEDGER_FORMAT).contains(&manifest.ledger_format) {
        return Err(refused(format!(
            "the backup holds a ledger of format {}; this publica restores formats {OLDEST_EXECUTED_FORMAT} to {LEDGER_FORMAT}: restore it with the version that wrote it",
            manifest.ledger_format
        )));
    }
    if let Some(f) = manifest.files.iter().find(|f| !restorable(&f.path)) {
        return Err(refused(format!(
            "{}: the manifest names a file outside the data directory or one a node rebuilds: {}",
            path.display(),
            f.path
        )));
    }
    Ok(manifest)
}

/// Checks every file the manifest names: present, of its size and digest.
pub fn check_files(from: &Path, manifest: &BackupManifest) -> Result<(), NodeError> {
    for f in &manifest.files {
        let path = from.join(&f.path);
        let (bytes, sha) = digest_file(&path).map_err(|_| {
            refused(format!(
                "the backup lacks {} (named in its manifest)",
                f.path
            ))
        })?;
        if bytes != f.bytes || sha != f.sha256 {
            return Err(refused(format!(
                "{} does not match the manifest's checksum: the backup is damaged",
                f.path
            )));
        }
    }
    if !manifest.files.iter().any(|f| f.path == "blocks.log") {
        return Err(refused("the backup's manifest names no blocks.log".into()));
    }
    Ok(())
}

fn ledger_format_of(dir: &Path) -> Result<u32, NodeError> {
    Ok(publica_store::datadir::read_formats(dir)?.current())
}

/// Creates `dir`, owner-only; an existing one must be empty.
fn create_empty(dir: &Path) -> Result<(), NodeError> {
    if let Ok(mut entries) = fs::read_dir(dir) {
        if entries.next().is_some() {
            return Err(refused(format!(
                "{} is not empty: choose a new directory (nothing there is overwritten)",
                dir.display()
            )));
        }
    } else if dir.exists() {
        return Err(refused(format!("{} is not a directory", dir.display())));
    }
    fs::create_dir_all(dir).map_err(io(format!("creating {}", dir.display())))?;
    set_mode(dir, 0o700)
}

/// Copies the block log's whole frames; the height, hash and state root of
/// its last block.
fn copy_block_log(data_dir: &Path, out: &Path) -> Result<(u64, String, String), NodeError> {
    let src = data_dir.join("blocks.log");
    let dst = out.join("blocks.log");
    let mut last = None;
    for _ in 0..5 {
        let len = fs::metadata(&src)
            .map_err(io(format!("reading {}", src.display())))?
            .len();
        copy_prefix(&src, &dst, len)?;
        // Opening cuts a frame the node was appending as we read.
        match BlockLog::open(out) {
            Ok((log, _)) => {
                let (hash, root) = tip_of(&log)?;
                let height = log.height();
                drop(log);
                sync_file(&dst)?;
                return Ok((height, hash, root));
            }
            Err(e) => last = Some(e),
        }
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    Err(last.map_or_else(
        || refused("the block log did not copy".into()),
        NodeError::Store,
    ))
}

/// The hash and state root (hex) of the log's last block.
fn tip_of(log: &BlockLog) -> Result<(String, String), NodeError> {
    match log.read_header(log.height())? {
        Some(h) => Ok((
            publica_runtime::block_hash(&h).to_hex(),
            h.state_root.to_hex(),
        )),
        None => Ok((publica_types::Hash32::ZERO.to_hex(), String::new())),
    }
}

/// Copies the newest snapshot at or below `height` whose state root is its
/// block's; its height.
fn copy_snapshot(data_dir: &Path, out: &Path, height: u64) -> Result<Option<u64>, NodeError> {
    let (log, _) = BlockLog::open_read_only(out)?;
    let mut below = height;
    while let Some((h, path)) = publica_store::latest_snapshot_file(data_dir, below)? {
        let name = path.file_name().expect("a snapshot file has a name");
        let dst = out.join("snapshots").join(name);
        let copied = copy_if_there(&path, &dst)?;
        let header = log.read_header(h)?;
        let good = copied
            && header.is_some_and(|hd| {
                publica_store::load_latest_snapshot(out, h)
                    .ok()
                    .flatten()
                    .is_some_and(|s| s.height == h && s.state_root == hd.state_root)
            });
        if good {
            return Ok(Some(h));
        }
        let _ = fs::remove_file(&dst);
        match h.checked_sub(1) {
            Some(b) => below = b,
            None => break,
        }
    }
    let _ = fs::remove_dir(out.join("snapshots"));
    Ok(None)
}

/// Every regular file under `root/rel`, relative to `root`, `/`-separated.
fn walk(root: &Path, rel: &Path, found: &mut Vec<String>) -> Result<(), NodeError> {
    let dir = root.join(rel);
    let entries = match fs::read_dir(&dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(io(format!("listing {}", dir.display()))(e)),
    };
    for entry in entries {
        let entry = entry.map_err(io(format!("listing {}", dir.display())))?;
        let kind = entry
            .file_type()
            .map_err(io(format!("reading {}", entry.path().display())))?;
        let child = rel.join(entry.file_name());
        if kind.is_dir() {
            walk(root, &child, found)?;
        } else if kind.is_file() {
            let text = child.to_string_lossy().replace('\\', "/");
            found.push(text);
        }
    }
    Ok(())
}

/// Copies `src` to `dst` (creating folders, keeping its permissions);
/// false when `src` is gone (deleted since it was listed).
fn copy_if_there(src: &Path, dst: &Path) -> Result<bool, NodeError> {
    match copy_file(src, dst) {
        Ok(()) => Ok(true),
        Err(_) if !src.exists() => Ok(false),
        Err(e) => Err(e),
    }
}

fn copy_file(src: &Path, dst: &Path) -> Result<(), NodeError> {
    if let Some(parent) = dst.parent() {
        fs::create_dir_all(parent).map_err(io(format!("creating {}", parent.display())))?;
    }
    fs::copy(src, dst).map_err(io(format!(
        "copying {} to {}",
        src.display(),
        dst.display()
    )))?;
    sync_file(dst)
}

/// Copies the first `len` bytes of `src` over `dst`.
fn copy_prefix(src: &Path, dst: &Path, len: u64) -> Result<(), NodeError> {
    let from = fs::File::open(src).map_err(io(format!("opening {}", src.display())))?;
    let mut to = fs::File::create(dst).map_err(io(format!("creating {}", dst.display())))?;
    let copied = std::io::copy(&mut from.take(len), &mut to)
        .map_err(io(format!("copying {}", src.display())))?;
    if copied != len {
        return Err(refused(format!(
            "{} shrank while it was copied",
            src.display()
        )));
    }
    to.flush().map_err(io(format!("writing {}", dst.display())))
}

fn sync_file(path: &Path) -> Result<(), NodeError> {
    fs::File::open(path)
        .and_then(|f| f.sync_all())
        .map_err(io(format!("syncing {}", path.display())))
}

fn sync_tree(root: &Path) -> Result<(), NodeError> {
    let mut dirs = vec![root.to_path_buf()];
    while let Some(d) = dirs.pop() {
        publica_store::sync_dir(&d)?;
        for e in fs::read_dir(&d).map_err(io(format!("listing {}", d.display())))? {
            let e = e.map_err(io(format!("listing {}", d.display())))?;
            if e.file_type().is_ok_and(|t| t.is_dir()) {
                dirs.push(e.path());
            }
        }
    }
    Ok(())
}

/// Size and SHA-256 (hex) of a file, read in pieces.
fn digest_file(path: &Path) -> Result<(u64, String), NodeError> {
    let mut f = fs::File::open(path).map_err(io(format!("opening {}", path.display())))?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut total = 0u64;
    loop {
        let n = f
            .read(&mut buf)
            .map_err(io(format!("reading {}", path.display())))?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
        total += n as u64;
    }
    Ok((total, hex::encode(h.finalize())))
}

fn is_private(path: &Path) -> Result<bool, NodeError> {
    use std::os::unix::fs::PermissionsExt as _;
    let mode = fs::metadata(path)
        .map_err(io(format!("reading {}", path.display())))?
        .permissions()
        .mode();
    Ok(mode & 0o077 == 0)
}

fn set_private(path: &Path) -> Result<(), NodeError> {
    set_mode(path, 0o600)
}

fn set_mode(path: &Path, mode: u32) -> Result<(), NodeError> {
    use std::os::unix::fs::PermissionsExt as _;
    fs::set_permissions(path, fs::Permissions::from_mode(mode))
        .map_err(io(format!("setting the permissions of {}", path.display())))
}

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manifest_restores_only_inside_the_data_directory() {
        for ok in [
            "blocks.log",
            "snapshots/state-00000000000000000007.snap",
            "log-key.json",
            "records/blobs/ab/abcd",
        ] {
            assert!(restorable(ok), "{ok}");
        }
        for bad in [
            "",
            "../outside",
            "/etc/passwd",
            "records/../../x",
            "./LOCK",
            "LOCK",
            "event-index.dat",
            "log-levels/0.dat",
            "manifest.json",
            "snapshots/state-7.tmp",
            "records/blobs/ab/abcd.tmp",
        ] {
            assert!(!restorable(bad), "{bad}");
        }
    }

    #[test]
    fn a_backup_of_something_else_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        let err = backup(dir.path(), &out).unwrap_err().to_string();
        assert!(err.contains("not a Publica data directory"), "{err}");
        assert!(!out.exists());
        let err = restore(dir.path(), &out).unwrap_err().to_string();
        assert!(err.contains("is not a Publica backup"), "{err}");
        let m = BackupManifest {
            format: BACKUP_FORMAT.into(),
            chain_id: "c".into(),
            ledger_format: LEDGER_FORMAT,
            height: 0,
            block_hash: String::new(),
            state_root: String::new(),
            snapshot_height: None,
            created_ms: 0,
            files: vec![BackupFile {
                path: "../escape".into(),
                bytes: 0,
                sha256: String::new(),
                private: false,
            }],
        };
        fs::write(dir.path().join(MANIFEST), serde_json::to_vec(&m).unwrap()).unwrap();
        let err = restore(dir.path(), &out).unwrap_err().to_string();
        assert!(err.contains("outside the data directory"), "{err}");
        assert!(!out.exists());
    }
}
