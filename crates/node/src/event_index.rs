//! The event index: what modules file for their committed events (an
//! account's history, say), kept beside the state instead of in it.
//!
//! A history grows with every payment; in the state it would cost memory
//! and Merkle work per entry forever. Here the entries are appended to one
//! file in the data directory, and memory holds only, per key, its digest
//! and where its entries are (8 bytes each). The file is derived: it is rebuilt from the
//! block log at every start, so a crash can never leave it disagreeing
//! with the blocks, and each entry names the transaction whose receipt
//! proves it.

use publica_runtime::IndexEntry;
use serde_json::Value;
use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Seek, Write};
use std::os::unix::fs::FileExt;
use std::path::Path;
use std::sync::Arc;

/// The index's file in the data directory.
pub(crate) const INDEX_FILE: &str = "event-index.dat";

/// Largest entry the index stores (a module's entry is a few hundred
/// bytes; this bounds what a damaged file can make a reader allocate).
const ENTRY_BYTES_MAX: u32 = 1 << 20;

/// Entries by key, in commit order, numbered from 0 per key.
pub(crate) struct EventIndex {
    /// Read handle (positioned reads, no shared cursor), shared with
    /// readers so that they read after releasing the index's lock.
    reader: Arc<File>,
    writer: BufWriter<File>,
    /// Bytes appended so far (flushed at the end of every block).
    len: u64,
    /// Key (its digest) -> offset of each of its published entries.
    keys: HashMap<KeyDigest, Offsets>,
    /// Entries of the block being committed: written, not yet visible.
    staged: Vec<(KeyDigest, u64)>,
    /// True when a failed write may have left bytes after `len`.
    dirty_tail: bool,
}

/// A key as the index holds it: the SHA-256 of the key string, 32 bytes
/// where a key such as `money/account/<id>` takes an 80-byte allocation.
type KeyDigest = [u8; 32];

fn digest(key: &str) -> KeyDigest {
    publica_crypto::sha256(key.as_bytes()).0
}

/// Offsets of one key's entries. Most keys (accounts) have a few entries;
/// a key's first one needs no allocation.
enum Offsets {
    One(u64),
    Many(Vec<u64>),
}

impl Offsets {
    fn as_slice(&self) -> &[u64] {
        match self {
            Offsets::One(at) => std::slice::from_ref(at),
            Offsets::Many(v) => v,
        }
    }

    fn push(&mut self, at: u64) {
        match self {
            Offsets::One(first) => *self = Offsets::Many(vec![*first, at]),
            Offsets::Many(v) => v.push(at),
        }
    }
}

/// Where a page of one key's entries is, taken under the index's lock and
/// read after it is released.
pub(crate) struct PageAt {
    /// The key's published entries.
    pub(crate) count: u64,
    offsets: Vec<u64>,
    file: Arc<File>,
}

impl PageAt {
    /// Reads the page's entries from the file (published entries are
    /// flushed and never rewritten while the node runs).
    pub(crate) fn read(&self) -> std::io::Result<Vec<Value>> {
        self.offsets
            .iter()
            .map(|&at| read_entry(&self.file, at))
            .collect()
    }
}

impl EventIndex {
    /// An empty index over a new (truncated) file in `dir`.
    pub(crate) fn create(dir: &Path) -> std::io::Result<EventIndex> {
        let path = dir.join(INDEX_FILE);
        let writer = OpenOptions::new()
            .create(true)
            .write(true)
            .truncate(true)
            .open(&path)?;
        let reader = Arc::new(File::open(&path)?);
        Ok(EventIndex {
            reader,
            writer: BufWriter::with_capacity(1 << 16, writer),
            len: 0,
            keys: HashMap::new(),
            staged: Vec::new(),
            dirty_tail: false,
        })
    }

    /// Writes one block's entries (from `Runtime::index_block`), numbering
    /// each within its key; they become visible at [`Self::publish`].
    ///
    /// All or nothing: when writing fails (a full disk), what this call
    /// wrote is cut off again, so that the same entries can be added once
    /// the cause is gone.
    pub(crate) fn add(&mut self, entries: &[IndexEntry]) -> std::io::Result<()> {
        debug_assert!(self.staged.is_empty(), "one block at a time");
        if entries.is_empty() {
            return Ok(());
        }
        if self.dirty_tail {
            self.cut_back()?;
        }
        let start = self.len;
        let written = self.write_entries(entries);
        if written.is_err() {
            self.staged.clear();
            self.len = start;
            self.dirty_tail = true;
            // If this fails too, the next call tries again before writing.
            let _ = self.cut_back();
        }
        written
    }

    /// Drops what a failed [`Self::add`] buffered or wrote after `len`.
    fn cut_back(&mut self) -> std::io::Result<()> {
        let file = self.writer.get_ref().try_clone()?;
        let old = std::mem::replace(&mut self.writer, BufWriter::with_capacity(1 << 16, file));
        // Its buffered bytes go with it, unwritten.
        drop(old.into_parts());
        self.writer.get_ref().set_len(self.len)?;
        self.writer
            .get_mut()
            .seek(std::io::SeekFrom::Start(self.len))?;
        self.dirty_tail = false;
        Ok(())
    }

    fn write_entries(&mut self, entries: &[IndexEntry]) -> std::io::Result<()> {
        // Entries of this block so far, by key (staged until published).
        let mut in_block: HashMap<KeyDigest, u64> = HashMap::new();
        for entry in entries {
            let key = digest(&entry.key);
            let published = self.keys.get(&key).map_or(0, |o| o.as_slice().len() as u64);
            let count = in_block.entry(key).or_insert(0);
            let earlier = *count;
            *count += 1;
            let (open, close) = entry.object_parts(published + earlier);
            let bytes = open.len() + close.len();
            let len = u32::try_from(bytes)
                .ok()
                .filter(|l| *l <= ENTRY_BYTES_MAX)
                .ok_or_else(|| std::io::Error::other("an index entry exceeds 1 MiB"))?;
            self.writer.write_all(&len.to_le_bytes())?;
            self.writer.write_all(open)?;
            self.writer.write_all(close.as_bytes())?;
            self.staged.push((key, self.len));
            self.len += 4 + bytes as u64;
        }
        self.writer.flush()
    }

    /// Makes the entries written by [`Self::add`] visible.
    pub(crate) fn publish(&mut self) {
        for (key, at) in self.staged.drain(..) {
            match self.keys.get_mut(&key) {
                Some(o) => o.push(at),
                None => {
                    self.keys.insert(key, Offsets::One(at));
                }
            }
        }
    }

    /// How many entries `key` has.
    #[cfg(test)]
    pub(crate) fn count(&self, key: &str) -> u64 {
        self.keys
            .get(&digest(key))
            .map_or(0, |o| o.as_slice().len() as u64)
    }

    /// Where entries `from .. from + limit` of `key` are, oldest first.
    pub(crate) fn page_at(&self, key: &str, from: u64, limit: usize) -> PageAt {
        let offsets = self
            .keys
            .get(&digest(key))
            .map(Offsets::as_slice)
            .unwrap_or(&[]);
        let from = usize::try_from(from)
            .unwrap_or(usize::MAX)
            .min(offsets.len());
        let to = from.saturating_add(limit).min(offsets.len());
        PageAt {
            count: offsets.len() as u64,
            offsets: offsets[from..to].to_vec(),
            file: self.reader.clone(),
        }
    }
}

fn read_entry(file: &File, at: u64) -> std::io::Result<Value> {
    let mut len = [0u8; 4];
    file.read_exact_at(&mut len, at)?;
    let len = u32::from_le_bytes(len);
    if len > ENTRY_BYTES_MAX {
        return Err(std::io::Error::other("a damaged index entry"));
    }
    let mut bytes = vec![0u8; len as usize];
    file.read_exact_at(&mut bytes, at + 4)?;
    serde_json::from_slice(&bytes).map_err(std::io::Error::other)
}

#[cfg(test)]
mod tests {
    use super::*;
    use publica_runtime::IndexFiler;
    use serde_json::json;

    /// Entries as the runtime files them (each gains `height` 1).
    fn filed(entries: &[(&str, Value)]) -> Vec<IndexEntry> {
        let mut out = Vec::new();
        let mut filer = IndexFiler::new("money", 1, None, &mut out);
        for (key, entry) in entries {
            filer.file(key, entry);
        }
        out
    }

    #[test]
    fn entries_are_numbered_per_key_and_paged_from_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let mut ix = EventIndex::create(dir.path()).unwrap();
        let page = |ix: &EventIndex, key: &str, from: u64, limit: usize| {
            ix.page_at(key, from, limit).read().unwrap()
        };
        ix.add(&filed(&[
            ("account/a", json!({"amount": "1"})),
            ("account/b", json!({"amount": "2"})),
            ("account/a", json!({"amount": "3"})),
        ]))
        .unwrap();
        // Written, not visible until published (with the block).
        assert_eq!(ix.count("money/account/a"), 0);
        assert!(page(&ix, "money/account/a", 0, 10).is_empty());
        ix.publish();
        ix.add(&[]).unwrap();
        ix.publish();
        ix.add(&filed(&[("account/a", json!({"amount": "4"}))]))
            .unwrap();
        ix.publish();
        assert_eq!(
            (ix.count("money/account/a"), ix.count("money/account/b")),
            (3, 1)
        );
        assert_eq!(ix.count("money/account/c"), 0);
        assert_eq!(
            page(&ix, "money/account/a", 1, 10),
            vec![
                json!({"amount": "3", "height": 1, "n": 1}),
                json!({"amount": "4", "height": 1, "n": 2})
            ]
        );
        assert_eq!(
            page(&ix, "money/account/b", 0, 10),
            vec![json!({"amount": "2", "height": 1, "n": 0})]
        );
        assert_eq!(page(&ix, "money/account/a", 0, 1).len(), 1);
        assert_eq!(ix.page_at("money/account/a", 0, 1).count, 3);
        assert!(page(&ix, "money/account/a", 3, 10).is_empty());
        assert!(page(&ix, "money/account/a", u64::MAX, usize::MAX).is_empty());
        assert!(page(&ix, "nobody", 0, 10).is_empty());
        // A page located before more entries arrive still reads its own.
        let at = ix.page_at("money/account/b", 0, 10);
        ix.add(&filed(&[("account/b", json!({"amount": "5"}))]))
            .unwrap();
        ix.publish();
        assert_eq!(at.read().unwrap().len(), 1);
        // A new index starts empty over the same file.
        let again = EventIndex::create(dir.path()).unwrap();
        assert_eq!(again.count("money/account/a"), 0);
        assert_eq!(
            std::fs::metadata(dir.path().join(INDEX_FILE))
                .unwrap()
                .len(),
            0
        );
    }
}
