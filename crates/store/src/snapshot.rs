//! State snapshots: every entry of the state at one height, checksummed,
//! written atomically (temporary file, fsync, rename, fsync of the folder).
//!
//! Format: `magic "PSNAP001" | height u64 LE | state root (32 bytes) |
//! entry count u64 LE | entries (key length u32 LE, key, value length u32 LE,
//! value)* | CRC-32 of everything before u32 LE`.

use crate::{io_err, StoreError};
use publica_state::StateTree;
use publica_types::Hash32;
use std::fs;
use std::path::{Path, PathBuf};

const MAGIC: &[u8; 8] = b"PSNAP001";
/// Snapshots kept on disk; older ones are deleted.
const SNAPSHOTS_KEPT: usize = 2;

/// A loaded snapshot.
#[derive(Debug)]
pub struct Snapshot {
    /// The height whose post-state it holds.
    pub height: u64,
    /// The state root recorded in the file (checked against the rebuilt tree).
    pub state_root: Hash32,
    /// The state.
    pub state: StateTree,
}

fn snapshot_dir(dir: &Path) -> PathBuf {
    dir.join("snapshots")
}

/// Writes a snapshot of `state` at `height` and prunes old ones.
pub fn write_snapshot(
    dir: &Path,
    height: u64,
    state: &mut StateTree,
) -> Result<PathBuf, StoreError> {
    let sdir = snapshot_dir(dir);
    fs::create_dir_all(&sdir).map_err(io_err(format!("creating {}", sdir.display())))?;
    let root = state.root();
    let mut buf = Vec::with_capacity(64 + state.len() * 96);
    buf.extend_from_slice(MAGIC);
    buf.extend_from_slice(&height.to_le_bytes());
    buf.extend_from_slice(root.as_bytes());
    buf.extend_from_slice(&(state.len() as u64).to_le_bytes());
    state.for_each(|k, v| {
        buf.extend_from_slice(&(k.len() as u32).to_le_bytes());
        buf.extend_from_slice(k);
        buf.extend_from_slice(&(v.len() as u32).to_le_bytes());
        buf.extend_from_slice(v);
    });
    let crc = crc32fast::hash(&buf);
    buf.extend_from_slice(&crc.to_le_bytes());
    let final_path = sdir.join(format!("state-{height:020}.snap"));
    crate::write_atomic(&final_path, &buf)?;
    let mut all = list_snapshots(dir)?;
    while all.len() > SNAPSHOTS_KEPT {
        let (_, old) = all.remove(0);
        let _ = fs::remove_file(old);
    }
    Ok(final_path)
}

/// The newest snapshot file at or below `height_max` (by name; whoever
/// reads it checks it): its height and path.
pub fn latest_snapshot_file(
    dir: &Path,
    height_max: u64,
) -> Result<Option<(u64, PathBuf)>, StoreError> {
    Ok(list_snapshots(dir)?
        .into_iter()
        .rev()
        .find(|(h, _)| *h <= height_max))
}

/// Checks a snapshot file received from elsewhere (checksum, entries, the
/// rebuilt state root) and writes it into `dir`'s snapshots atomically.
/// Returns its height and state root.
pub fn install_snapshot(dir: &Path, bytes: &[u8]) -> Result<(u64, Hash32), StoreError> {
    let snap = parse(bytes)
        .map_err(|reason| StoreError::Received(format!("the received snapshot: {reason}")))?;
    let sdir = snapshot_dir(dir);
    fs::create_dir_all(&sdir).map_err(io_err(format!("creating {}", sdir.display())))?;
    crate::write_atomic(&sdir.join(format!("state-{:020}.snap", snap.height)), bytes)?;
    Ok((snap.height, snap.state_root))
}

fn list_snapshots(dir: &Path) -> Result<Vec<(u64, PathBuf)>, StoreError> {
    let sdir = snapshot_dir(dir);
    let mut out = Vec::new();
    let rd = match fs::read_dir(&sdir) {
        Ok(rd) => rd,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
        Err(e) => return Err(io_err(format!("listing {}", sdir.display()))(e)),
    };
    for entry in rd {
        let entry = entry.map_err(io_err(format!("listing {}", sdir.display())))?;
        let name = entry.file_name().to_string_lossy().to_string();
        if let Some(h) = name
            .strip_prefix("state-")
            .and_then(|s| s.strip_suffix(".snap"))
            .and_then(|s| s.parse::<u64>().ok())
        {
            out.push((h, entry.path()));
        }
    }
    out.sort();
    Ok(out)
}

fn parse(bytes: &[u8]) -> Result<Snapshot, String> {
    if bytes.len() < 60 || &bytes[..8] != MAGIC {
        return Err("not a snapshot file".into());
    }
    let (body, crc) = bytes.split_at(bytes.len() - 4);
    if crc32fast::hash(body) != u32::from_le_bytes(crc.try_into().expect("4 bytes")) {
        return Err("checksum mismatch".into());
    }
    let height = u64::from_le_bytes(body[8..16].try_into().expect("8"));
    let root = Hash32(body[16..48].try_into().expect("32"));
    let count = u64::from_le_bytes(body[48..56].try_into().expect("8"));
    let mut at = 56usize;
    let mut take = |n: usize| -> Result<&[u8], String> {
        let s = body.get(at..at + n).ok_or("truncated entry")?;
        at += n;
        Ok(s)
    };
    let mut state = StateTree::new();
    for _ in 0..count {
        let kl = u32::from_le_bytes(take(4)?.try_into().expect("4")) as usize;
        let k = take(kl)?.to_vec();
        let vl = u32::from_le_bytes(take(4)?.try_into().expect("4")) as usize;
        let v = take(vl)?;
        state.insert(&k, v);
    }
    if state.root() != root {
        return Err("rebuilt state root differs from the recorded one".into());
    }
    Ok(Snapshot {
        height,
        state_root: root,
        state,
    })
}

/// Loads the newest intact snapshot at or below `height_max`; damaged ones
/// are skipped with a warning (the block log can always rebuild the state).
pub fn load_latest_snapshot(dir: &Path, height_max: u64) -> Result<Option<Snapshot>, StoreError> {
    for (h, path) in list_snapshots(dir)?.into_iter().rev() {
        if h > height_max {
            tracing::warn!(path = %path.display(), height = h, "ignoring a snapshot newer than the block log");
            continue;
        }
        let bytes = fs::read(&path).map_err(io_err(format!("reading {}", path.display())))?;
        match parse(&bytes) {
            Ok(s) if s.height == h => return Ok(Some(s)),
            Ok(_) => {
                tracing::warn!(path = %path.display(), "snapshot height differs from its name; ignoring it");
            }
            Err(reason) => {
                tracing::warn!(path = %path.display(), %reason, "ignoring a damaged snapshot");
            }
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_prune_and_skip_damaged() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = StateTree::new();
        for h in 1..=3u64 {
            s.insert(format!("k{h}").as_bytes(), b"v");
            write_snapshot(dir.path(), h, &mut s).unwrap();
        }
        assert_eq!(list_snapshots(dir.path()).unwrap().len(), SNAPSHOTS_KEPT);
        let snap = load_latest_snapshot(dir.path(), 10).unwrap().unwrap();
        assert_eq!(snap.height, 3);
        assert_eq!(snap.state_root, s.root());
        assert_eq!(
            load_latest_snapshot(dir.path(), 2).unwrap().unwrap().height,
            2
        );
        // Damage the newest: the older one is used.
        let p = snapshot_dir(dir.path()).join(format!("state-{:020}.snap", 3));
        let mut b = fs::read(&p).unwrap();
        let n = b.len();
        b[n - 10] ^= 1;
        fs::write(&p, b).unwrap();
        assert_eq!(
            load_latest_snapshot(dir.path(), 10)
                .unwrap()
                .unwrap()
                .height,
            2
        );
        // Received snapshots are checked before they are written.
        let (h, path) = latest_snapshot_file(dir.path(), 2).unwrap().unwrap();
        assert_eq!(h, 2);
        let good = fs::read(path).unwrap();
        let other = tempfile::tempdir().unwrap();
        assert!(latest_snapshot_file(other.path(), 9).unwrap().is_none());
        let mut bad = good.clone();
        bad[60] ^= 1;
        assert!(install_snapshot(other.path(), &bad).is_err());
        assert!(install_snapshot(other.path(), b"PSNAP001").is_err());
        assert!(latest_snapshot_file(other.path(), 9).unwrap().is_none());
        assert_eq!(install_snapshot(other.path(), &good).unwrap().0, 2);
        assert_eq!(
            load_latest_snapshot(other.path(), 9)
                .unwrap()
                .unwrap()
                .height,
            2
        );
    }
}
