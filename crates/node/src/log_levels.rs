//! The transparency log's lower levels on disk.
//!
//! The readers' log keeps every complete-subtree hash so that it can prove
//! inclusion and consistency at any past size: about 64 bytes per
//! transaction, which would grow the node's memory with every payment.
//! Levels 0 to 7 hold all but 1/256 of those hashes; they go to one file
//! each under `log-levels/` in the data directory, and the levels above
//! stay in memory. A proof reads about one hash per level from the files
//! (the page cache, for recent entries); a tile of level 0 is one read.
//!
//! The files are derived, like the event index: rebuilt from the block log
//! at every start, so a crash can never leave them disagreeing with the
//! blocks. They are not synced.

use publica_log::{LevelStore, MemoryLevels, TreeError};
use publica_types::Hash32;
use std::fs::{File, OpenOptions};
use std::os::unix::fs::FileExt;
use std::path::Path;

/// The folder of the level files in the data directory.
pub(crate) const LEVELS_DIR: &str = "log-levels";

/// Levels kept on disk (one C2SP tile's height).
pub(crate) const DISK_LEVELS: usize = publica_log::tree::TILE_HEIGHT as usize;

/// Levels `0..DISK_LEVELS` in files, the rest in memory.
pub(crate) struct DiskLevels {
    files: Vec<LevelFile>,
    /// Level `DISK_LEVELS + j` is level `j` here.
    upper: MemoryLevels,
}

struct LevelFile {
    file: File,
    /// Hashes written to the file.
    written: u64,
    /// Hashes appended since the last [`DiskLevels::flush`].
    pending: Vec<Hash32>,
}

impl DiskLevels {
    /// Empty levels over new (truncated) files under `dir`.
    pub(crate) fn create(dir: &Path) -> std::io::Result<DiskLevels> {
        let folder = dir.join(LEVELS_DIR);
        std::fs::create_dir_all(&folder)?;
        let files = (0..DISK_LEVELS)
            .map(|k| {
                let file = OpenOptions::new()
                    .create(true)
                    .read(true)
                    .write(true)
                    .truncate(true)
                    .open(folder.join(format!("{k}.dat")))?;
                Ok(LevelFile {
                    file,
                    written: 0,
                    pending: Vec::new(),
                })
            })
            .collect::<std::io::Result<_>>()?;
        Ok(DiskLevels {
            files,
            upper: MemoryLevels::default(),
        })
    }

    /// Writes what was appended since the last call (once per block).
    pub(crate) fn flush(&mut self) -> std::io::Result<()> {
        for f in &mut self.files {
            if f.pending.is_empty() {
                continue;
            }
            let bytes: Vec<u8> = f.pending.iter().flat_map(|h| h.0).collect();
            f.file.write_all_at(&bytes, f.written * 32)?;
            f.written += f.pending.len() as u64;
            f.pending.clear();
        }
        Ok(())
    }
}

fn storage(e: std::io::Error) -> TreeError {
    TreeError::Storage(e.to_string())
}

impl LevelFile {
    fn read(&self, start: u64, end: u64, out: &mut Vec<Hash32>) -> Result<(), TreeError> {
        let on_disk = end.min(self.written);
        if start < on_disk {
            let mut bytes = vec![0u8; ((on_disk - start) * 32) as usize];
            self.file
                .read_exact_at(&mut bytes, start * 32)
                .map_err(storage)?;
            out.extend(bytes.chunks_exact(32).map(|c| {
                let mut h = [0u8; 32];
                h.copy_from_slice(c);
                Hash32(h)
            }));
        }
        for i in start.max(self.written)..end {
            let h = self
                .pending
                .get((i - self.written) as usize)
                .ok_or_else(|| TreeError::Storage(format!("hash {i} is not in the log")))?;
            out.push(*h);
        }
        Ok(())
    }
}

impl LevelStore for DiskLevels {
    fn get(&self, k: usize, i: u64) -> Result<Hash32, TreeError> {
        if k >= DISK_LEVELS {
            return self.upper.get(k - DISK_LEVELS, i);
        }
        let mut out = Vec::with_capacity(1);
        self.files[k].read(i, i + 1, &mut out)?;
        Ok(out[0])
    }

    fn range(&self, k: usize, start: u64, end: u64) -> Result<Vec<Hash32>, TreeError> {
        if k >= DISK_LEVELS {
            return self.upper.range(k - DISK_LEVELS, start, end);
        }
        let mut out = Vec::with_capacity(end.saturating_sub(start) as usize);
        self.files[k].read(start, end, &mut out)?;
        Ok(out)
    }

    fn push(&mut self, k: usize, hash: Hash32) {
        if k >= DISK_LEVELS {
            self.upper.push(k - DISK_LEVELS, hash);
        } else {
            self.files[k].pending.push(hash);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use publica_log::{leaf_hash, MerkleLog};

    #[test]
    fn a_log_on_disk_answers_like_one_in_memory() {
        let dir = tempfile::tempdir().unwrap();
        let mut disk = MerkleLog::with_store(DiskLevels::create(dir.path()).unwrap());
        let mut memory = MerkleLog::new();
        // Blocks of uneven sizes, some flushed, the last one not.
        let mut n = 0u64;
        for (b, block) in [1u64, 300, 7, 1000, 2, 900].into_iter().enumerate() {
            for _ in 0..block {
                let leaf = leaf_hash(&n.to_be_bytes());
                disk.append(leaf);
                memory.append(leaf);
                n += 1;
            }
            if b < 5 {
                disk.store_mut().flush().unwrap();
            }
        }
        assert_eq!(disk.root(), memory.root());
        for size in [1, 2, 255, 256, 257, 1308, 1310, 2209, n] {
            assert_eq!(disk.root_at(size), memory.root_at(size), "size {size}");
            for index in [0, size / 3, size - 1] {
                assert_eq!(
                    disk.inclusion_proof(index, size),
                    memory.inclusion_proof(index, size)
                );
            }
            assert_eq!(
                disk.consistency_proof(size / 2, size),
                memory.consistency_proof(size / 2, size)
            );
        }
        for (level, index, width) in [(0, 0, 256), (0, 5, 256), (0, 8, 161), (1, 0, 8), (0, 9, 1)] {
            assert_eq!(
                disk.tile(level, index, width),
                memory.tile(level, index, width),
                "tile {level}/{index}/{width}"
            );
        }
        assert_eq!(disk.leaf(n - 1), memory.leaf(n - 1));
        assert_eq!(disk.leaf(n), Ok(None));
        // Level 0 is on disk: 32 bytes per flushed leaf.
        let len = std::fs::metadata(dir.path().join(LEVELS_DIR).join("0.dat"))
            .unwrap()
            .len();
        assert_eq!(len, (n - 900) * 32);
        // A new store starts empty over the same files.
        DiskLevels::create(dir.path()).unwrap();
        let len = std::fs::metadata(dir.path().join(LEVELS_DIR).join("0.dat"))
            .unwrap()
            .len();
        assert_eq!(len, 0);
    }

    #[test]
    fn a_damaged_file_is_an_error_not_a_wrong_proof() {
        let dir = tempfile::tempdir().unwrap();
        let mut disk = MerkleLog::with_store(DiskLevels::create(dir.path()).unwrap());
        for n in 0..600u64 {
            disk.append(leaf_hash(&n.to_be_bytes()));
        }
        disk.store_mut().flush().unwrap();
        // Cut level 0 short behind the store's back.
        let f = OpenOptions::new()
            .write(true)
            .open(dir.path().join(LEVELS_DIR).join("0.dat"))
            .unwrap();
        f.set_len(100 * 32).unwrap();
        assert!(matches!(
            disk.inclusion_proof(500, 600),
            Err(TreeError::Storage(_))
        ));
        assert!(matches!(disk.tile(0, 1, 256), Err(TreeError::Storage(_))));
        assert!(matches!(disk.leaf(500), Err(TreeError::Storage(_))));
    }
}
