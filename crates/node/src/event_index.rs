//! The event index: what modules file for their committed events (an
//! account's history, say), kept beside the state instead of in it.
//!
//! A history grows with every payment; in the state it would cost memory
//! and Merkle work per entry forever. Here the entries are appended to one
//! file in the data directory, and memory holds only, per key, where its
//! entries are (8 bytes each). The file is derived: it is rebuilt from the
//! block log at every start, so a crash can never leave it disagreeing
//! with the blocks, and each entry names the transaction whose receipt
//! proves it.

use serde_json::Value;
use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::os::unix::fs::FileExt;
use std::path::Path;

/// The index's file in the data directory.
pub(crate) const INDEX_FILE: &str = "event-index.dat";

/// Largest entry the index stores (a module's entry is a few hundred
/// bytes; this bounds what a damaged file can make a reader allocate).
const ENTRY_BYTES_MAX: u32 = 1 << 20;

/// Entries by key, in commit order, numbered from 0 per key.
pub(crate) struct EventIndex {
    /// Read handle (positioned reads; no shared cursor).
    reader: File,
    writer: BufWriter<File>,
    /// Bytes appended so far (flushed at the end of every block).
    len: u64,
    /// Key -> offset of each of its entries.
    keys: HashMap<Box<str>, Vec<u64>>,
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
        let reader = File::open(&path)?;
        Ok(EventIndex {
            reader,
            writer: BufWriter::with_capacity(1 << 16, writer),
            len: 0,
            keys: HashMap::new(),
        })
    }

    /// Files one block's entries (from `Runtime::index_block`), numbering
    /// each within its key, and makes them readable.
    pub(crate) fn add(&mut self, entries: Vec<(String, Value)>) -> std::io::Result<()> {
        if entries.is_empty() {
            return Ok(());
        }
        let mut bytes = Vec::new();
        for (key, mut entry) in entries {
            let offsets = match self.keys.get_mut(key.as_str()) {
                Some(o) => o,
                None => self.keys.entry(key.into_boxed_str()).or_default(),
            };
            entry["n"] = offsets.len().into();
            bytes.clear();
            serde_json::to_writer(&mut bytes, &entry).map_err(std::io::Error::other)?;
            let len = u32::try_from(bytes.len())
                .ok()
                .filter(|l| *l <= ENTRY_BYTES_MAX)
                .ok_or_else(|| std::io::Error::other("an index entry exceeds 1 MiB"))?;
            self.writer.write_all(&len.to_le_bytes())?;
            self.writer.write_all(&bytes)?;
            offsets.push(self.len);
            self.len += 4 + bytes.len() as u64;
        }
        self.writer.flush()
    }

    /// How many entries `key` has.
    pub(crate) fn count(&self, key: &str) -> u64 {
        self.keys.get(key).map_or(0, |o| o.len() as u64)
    }

    /// Entries `from .. from + limit` of `key`, oldest first.
    pub(crate) fn page(&self, key: &str, from: u64, limit: usize) -> std::io::Result<Vec<Value>> {
        let Some(offsets) = self.keys.get(key) else {
            return Ok(Vec::new());
        };
        let from = usize::try_from(from)
            .unwrap_or(usize::MAX)
            .min(offsets.len());
        let to = from.saturating_add(limit).min(offsets.len());
        offsets[from..to].iter().map(|&at| self.read(at)).collect()
    }

    fn read(&self, at: u64) -> std::io::Result<Value> {
        let mut len = [0u8; 4];
        self.reader.read_exact_at(&mut len, at)?;
        let len = u32::from_le_bytes(len);
        if len > ENTRY_BYTES_MAX {
            return Err(std::io::Error::other("a damaged index entry"));
        }
        let mut bytes = vec![0u8; len as usize];
        self.reader.read_exact_at(&mut bytes, at + 4)?;
        serde_json::from_slice(&bytes).map_err(std::io::Error::other)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn entries_are_numbered_per_key_and_paged_from_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let mut ix = EventIndex::create(dir.path()).unwrap();
        ix.add(vec![
            ("money/account/a".into(), json!({"amount": "1"})),
            ("money/account/b".into(), json!({"amount": "2"})),
            ("money/account/a".into(), json!({"amount": "3"})),
        ])
        .unwrap();
        ix.add(vec![]).unwrap();
        ix.add(vec![("money/account/a".into(), json!({"amount": "4"}))])
            .unwrap();
        assert_eq!(
            (ix.count("money/account/a"), ix.count("money/account/b")),
            (3, 1)
        );
        assert_eq!(ix.count("money/account/c"), 0);
        let page = ix.page("money/account/a", 1, 10).unwrap();
        assert_eq!(
            page,
            vec![
                json!({"amount": "3", "n": 1}),
                json!({"amount": "4", "n": 2})
            ]
        );
        assert_eq!(ix.page("money/account/a", 0, 1).unwrap().len(), 1);
        assert!(ix.page("money/account/a", 3, 10).unwrap().is_empty());
        assert!(ix
            .page("money/account/a", u64::MAX, usize::MAX)
            .unwrap()
            .is_empty());
        assert!(ix.page("nobody", 0, 10).unwrap().is_empty());
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
