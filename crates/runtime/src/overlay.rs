//! The state as a block's transactions see it, and the writes of hot keys
//! held back until the block ends.
//!
//! A key's first writes in a block go into the state tree as they happen.
//! A key written more often than that (an agency's account paying many
//! citizens, a busy merchant) is hot: its later writes stay in memory, and
//! a record written through [`crate::CallContext::write`] stays a typed
//! value there, so the next transaction that reads it as the same type gets
//! a copy instead of decoding JSON. Only the block's last value of a hot
//! key is encoded, hashed and inserted, when the block ends. The tree's
//! root depends only on its final entries, so the roots, the outcomes and
//! the stored bytes are exactly what writing every transaction straight
//! into the tree gave.

use foldhash::fast::RandomState;
use publica_state::StateTree;
use serde::Serialize;
use std::any::Any;
use std::borrow::Cow;
use std::collections::HashMap;
use std::hash::BuildHasher;

/// Reads of state values, committed or pending.
pub trait StateRead {
    /// The bytes under `key`, if any.
    fn value(&self, key: &[u8]) -> Option<Cow<'_, [u8]>>;

    /// True when `key` holds a value.
    fn contains(&self, key: &[u8]) -> bool {
        self.value(key).is_some()
    }
}

impl StateRead for StateTree {
    fn value(&self, key: &[u8]) -> Option<Cow<'_, [u8]>> {
        self.get(key)
    }
}

/// A typed record waiting to be stored as JSON.
pub(crate) trait Record {
    fn encode(&self) -> Vec<u8>;
    fn clone_record(&self) -> Box<dyn Record>;
    fn as_any(&self) -> &dyn Any;
}

impl<T: Serialize + Clone + 'static> Record for T {
    fn encode(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("records serialise")
    }

    fn clone_record(&self) -> Box<dyn Record> {
        Box::new(self.clone())
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// A pending write.
pub(crate) enum Slot {
    /// The key is removed.
    Deleted,
    /// Stored bytes.
    Bytes(Vec<u8>),
    /// A typed record, stored as its JSON.
    Record(Box<dyn Record>),
}

impl Clone for Slot {
    fn clone(&self) -> Self {
        match self {
            Slot::Deleted => Slot::Deleted,
            Slot::Bytes(b) => Slot::Bytes(b.clone()),
            Slot::Record(r) => Slot::Record(r.clone_record()),
        }
    }
}

impl Slot {
    /// The bytes this write stores (`None`: it deletes).
    pub(crate) fn value(&self) -> Option<Cow<'_, [u8]>> {
        match self {
            Slot::Deleted => None,
            Slot::Bytes(b) => Some(Cow::Borrowed(b)),
            Slot::Record(r) => Some(Cow::Owned(r.encode())),
        }
    }

    /// A copy of the record, when this write holds a `T`.
    pub(crate) fn typed<T: Clone + 'static>(&self) -> Option<T> {
        match self {
            Slot::Record(r) => r.as_any().downcast_ref::<T>().cloned(),
            _ => None,
        }
    }
}

/// Writes of one key the tree takes at once; later ones in the same block
/// wait for the block's end.
///
/// A key's first writes go into the tree straight away, while the path the
/// transaction just read is still in the CPU's cache; walking a large tree
/// again at the block's end would cost more than those inserts. A key
/// written more often than this is hot: its writes wait, and only its last
/// value is encoded and inserted.
const WRITES_THROUGH: u32 = 2;

/// The state as a block's transactions see it: the tree, holding every
/// write of the block's transactions so far except the hot keys' latest.
pub struct BlockState<'a> {
    base: &'a mut StateTree,
    /// Writes so far to each key, by the key's hash. Two keys that share a
    /// hash only count as hot sooner: the count decides when a write
    /// waits, never what is read.
    writes: HashMap<u64, u32, RandomState>,
    /// Hot keys' latest writes, which the tree does not have yet.
    waiting: HashMap<Vec<u8>, Slot, RandomState>,
}

impl<'a> BlockState<'a> {
    pub(crate) fn new(base: &'a mut StateTree) -> Self {
        BlockState {
            base,
            writes: HashMap::default(),
            waiting: HashMap::default(),
        }
    }

    /// The write to `key` the tree does not have yet, if any.
    pub(crate) fn pending(&self, key: &[u8]) -> Option<&Slot> {
        if self.waiting.is_empty() {
            return None;
        }
        self.waiting.get(key)
    }

    /// The value under `key` in the tree, for a key without a
    /// [`Self::pending`] write.
    pub(crate) fn committed(&self, key: &[u8]) -> Option<Cow<'_, [u8]>> {
        self.base.get(key)
    }

    /// Every entry of the tree under `prefix`, walking the whole tree.
    pub(crate) fn scan_committed(&self, prefix: &[u8]) -> Vec<(Vec<u8>, Vec<u8>)> {
        self.base.scan_prefix(prefix, usize::MAX)
    }

    pub(crate) fn set(&mut self, key: Vec<u8>, slot: Slot) {
        if let Some(w) = self.waiting.get_mut(&key) {
            *w = slot;
            return;
        }
        let count = self
            .writes
            .entry(self.writes.hasher().hash_one(&key))
            .or_insert(0);
        *count += 1;
        if *count <= WRITES_THROUGH {
            store(self.base, &key, &slot);
        } else {
            self.waiting.insert(key, slot);
        }
    }

    /// Takes a finished call's writes.
    pub(crate) fn absorb(&mut self, writes: impl IntoIterator<Item = (Vec<u8>, Slot)>) {
        for (key, slot) in writes {
            self.set(key, slot);
        }
    }

    /// Writes the hot keys' final values into the tree.
    pub(crate) fn finish(self) {
        for (key, slot) in self.waiting {
            store(self.base, &key, &slot);
        }
    }
}

fn store(tree: &mut StateTree, key: &[u8], slot: &Slot) {
    match slot {
        Slot::Deleted => {
            tree.remove(key);
        }
        Slot::Bytes(b) => tree.insert(key, b),
        Slot::Record(r) => tree.insert(key, &r.encode()),
    }
}

impl StateRead for BlockState<'_> {
    fn value(&self, key: &[u8]) -> Option<Cow<'_, [u8]>> {
        match self.pending(key) {
            Some(slot) => slot.value(),
            None => self.base.get(key),
        }
    }

    /// Checks a waiting record without encoding it.
    fn contains(&self, key: &[u8]) -> bool {
        match self.pending(key) {
            Some(slot) => !matches!(slot, Slot::Deleted),
            None => self.base.get(key).is_some(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
    struct Rec {
        n: u32,
    }

    #[test]
    fn hot_keys_wait_and_the_tree_ends_as_if_written_directly() {
        let mut tree = StateTree::new();
        tree.insert(b"cold", b"1");
        tree.insert(b"gone", b"x");
        tree.insert(b"hot-gone", b"y");
        let mut direct = tree.clone();
        let mut block = BlockState::new(&mut tree);
        // Written once or twice: straight into the tree.
        block.set(b"cold".to_vec(), Slot::Bytes(b"2".to_vec()));
        block.set(b"gone".to_vec(), Slot::Deleted);
        assert!(block.pending(b"cold").is_none());
        assert_eq!(block.committed(b"cold").as_deref(), Some(&b"2"[..]));
        assert_eq!(block.value(b"gone"), None);
        // Written more often: the latest write waits, typed.
        for n in 1..=WRITES_THROUGH + 2 {
            block.set(b"hot".to_vec(), Slot::Record(Box::new(Rec { n })));
            block.set(
                b"hot-gone".to_vec(),
                Slot::Bytes(n.to_string().into_bytes()),
            );
        }
        block.set(b"hot-gone".to_vec(), Slot::Deleted);
        let hot = block.pending(b"hot").expect("a hot key waits");
        assert_eq!(
            hot.typed::<Rec>(),
            Some(Rec {
                n: WRITES_THROUGH + 2
            })
        );
        // Another type's record is not handed out as this one.
        assert_eq!(hot.typed::<u32>(), None);
        let latest = format!(r#"{{"n":{}}}"#, WRITES_THROUGH + 2);
        assert_eq!(block.value(b"hot").as_deref(), Some(latest.as_bytes()));
        assert_eq!(block.value(b"hot-gone"), None);
        assert!(block.contains(b"hot") && block.contains(b"cold"));
        assert!(!block.contains(b"hot-gone") && !block.contains(b"gone"));
        block.finish();

        direct.insert(b"cold", b"2");
        direct.remove(b"gone");
        direct.insert(b"hot", latest.as_bytes());
        direct.remove(b"hot-gone");
        assert_eq!(tree.sorted_entries(), direct.sorted_entries());
        assert_eq!(tree.root(), direct.root());
    }
}
