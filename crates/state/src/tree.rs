//! The in-memory sparse Merkle tree.

use crate::pack::{holds, pack, unpack};
use crate::proof::{branch_hash, key_hash, leaf_hash, Proof, Terminal, EMPTY_HASH};
use publica_crypto::sha256;
use publica_types::Hash32;
use std::borrow::Cow;
use std::sync::Arc;

/// Nodes are shared between versions of the tree: cloning a `StateTree` is
/// O(1), and a write copies only the nodes on its path that another version
/// still holds (`Arc::make_mut`). Readers can keep the state of the last
/// durable block while the next block executes.
#[derive(Clone)]
enum Node {
    Empty,
    Leaf(Arc<Leaf>),
    Branch(Arc<Branch>),
}

/// A leaf keeps its hash but not its key's hash: a lookup compares keys,
/// and the key hash is recomputed only where a leaf moves down (a split)
/// or is proven. 32 bytes less per entry. With the key's length inside
/// `bytes`, a leaf is 48 bytes: its `Arc` fits a 64-byte allocation.
#[derive(Clone)]
struct Leaf {
    hash: Hash32,
    /// The packed key's length (2 bytes, little-endian), the key and the
    /// value, both packed (see [`crate::pack`]): one allocation.
    bytes: Box<[u8]>,
}

impl Leaf {
    fn new(key: &[u8], value: &[u8], hash: Hash32) -> Leaf {
        let mut bytes = Vec::with_capacity(2 + key.len() + value.len());
        bytes.extend_from_slice(&[0, 0]);
        pack(key, &mut bytes);
        let key_len = u16::try_from(bytes.len() - 2).expect("state keys are shorter than 64 KiB");
        bytes[..2].copy_from_slice(&key_len.to_le_bytes());
        pack(value, &mut bytes);
        // A copy of the exact size: shrinking in place would keep the
        // unpacked size's allocation (mimalloc keeps a block that is
        // shrunk by less than half).
        Leaf {
            hash,
            bytes: Box::from(bytes.as_slice()),
        }
    }

    fn key_end(&self) -> usize {
        2 + u16::from_le_bytes([self.bytes[0], self.bytes[1]]) as usize
    }

    fn packed_key(&self) -> &[u8] {
        &self.bytes[2..self.key_end()]
    }

    fn key(&self) -> Cow<'_, [u8]> {
        unpack(self.packed_key())
    }

    /// Whether this is `key`'s leaf.
    fn has_key(&self, key: &[u8]) -> bool {
        holds(self.packed_key(), key)
    }

    fn value(&self) -> Cow<'_, [u8]> {
        unpack(&self.bytes[self.key_end()..])
    }

    fn key_hash(&self) -> Hash32 {
        key_hash(&self.key())
    }
}

#[derive(Clone)]
struct Branch {
    left: Node,
    right: Node,
    /// The hash of the whole node, its chain included; `None` while a
    /// write below has not been rehashed yet.
    hash: Option<Hash32>,
    /// Path compression: the levels of single-child nodes (an empty
    /// sibling each) this branch stands for above the level where its
    /// children split. Its keys' hashes share those bits; the children
    /// split at the branch's depth + `skip`. Without it, a tree of random
    /// keys would hold about 1.44 branches per entry instead of one.
    skip: u8,
    /// The shared bits, the first one in bit 63, when `skip` <= 64 (the
    /// rest is zero); longer chains (keys that share more than 64 bits
    /// below the branch: made on purpose, never by chance) read them from
    /// a leaf's key hash.
    path: u64,
}

fn bit(h: &Hash32, depth: usize) -> bool {
    (h.0[depth / 8] >> (7 - (depth % 8))) & 1 == 1
}

/// Chain bits a branch holds inline (64; fewer in tests, so that they
/// cover chains read from a leaf too).
#[cfg(not(test))]
fn inline_bits() -> usize {
    64
}

#[cfg(test)]
thread_local! {
    static INLINE_BITS: std::cell::Cell<usize> = const { std::cell::Cell::new(64) };
}

#[cfg(test)]
fn inline_bits() -> usize {
    INLINE_BITS.with(std::cell::Cell::get)
}

/// The `len` bits of `h` from `depth` on, in the form of [`Branch::path`].
fn path_of(h: &Hash32, depth: usize, len: usize) -> u64 {
    (0..len.min(inline_bits()))
        .filter(|j| bit(h, depth + j))
        .fold(0, |p, j| p | 1 << (63 - j))
}

/// The key hash of some leaf below `node` (not empty).
fn some_key_hash(node: &Node) -> Hash32 {
    let mut node = node;
    loop {
        match node {
            Node::Leaf(l) => return l.key_hash(),
            Node::Branch(b) => node = &b.left,
            Node::Empty => unreachable!("a branch's children are not empty"),
        }
    }
}

/// Where a branch's chain bits are.
enum Chain {
    Inline(u64),
    /// A key hash of the branch's subtree, and the branch's depth.
    Leaf(Hash32, usize),
}

impl Chain {
    fn of(b: &Branch, depth: usize) -> Chain {
        if b.skip as usize <= inline_bits() {
            Chain::Inline(b.path)
        } else {
            Chain::Leaf(some_key_hash(&b.left), depth)
        }
    }

    /// The chain's `j`-th bit (at the branch's depth + `j`).
    fn bit(&self, j: usize) -> bool {
        match self {
            Chain::Inline(p) => (p >> (63 - j)) & 1 == 1,
            Chain::Leaf(h, depth) => bit(h, depth + j),
        }
    }
}

/// The hash of the chain's node at the branch's depth + `from`, given the
/// hash `inner` of the split below the chain of `skip` levels.
fn chain_hash(chain: &Chain, mut inner: Hash32, from: usize, skip: usize) -> Hash32 {
    for j in (from..skip).rev() {
        inner = if chain.bit(j) {
            branch_hash(&EMPTY_HASH, &inner)
        } else {
            branch_hash(&inner, &EMPTY_HASH)
        };
    }
    inner
}

impl Node {
    /// The node's hash, for a node at `depth`.
    fn hash(&mut self, depth: usize) -> Hash32 {
        match self {
            Node::Empty => EMPTY_HASH,
            Node::Leaf(l) => l.hash,
            Node::Branch(b) => {
                if let Some(h) = b.hash {
                    return h;
                }
                let b = Arc::make_mut(b);
                let skip = b.skip as usize;
                let below = depth + skip + 1;
                let inner = branch_hash(&b.left.hash(below), &b.right.hash(below));
                let h = if skip == 0 {
                    inner
                } else {
                    chain_hash(&Chain::of(b, depth), inner, 0, skip)
                };
                b.hash = Some(h);
                h
            }
        }
    }

    /// The hash of a node of a hashed tree.
    fn hashed(&self) -> Hash32 {
        match self {
            Node::Empty => EMPTY_HASH,
            Node::Leaf(l) => l.hash,
            Node::Branch(b) => b.hash.expect("root() rehashed every branch"),
        }
    }
}

/// The whole state. Writes mark paths dirty; [`StateTree::root`] rehashes
/// only what changed since the last call.
#[derive(Clone)]
pub struct StateTree {
    root: Node,
    len: usize,
}

impl Default for StateTree {
    fn default() -> Self {
        StateTree {
            root: Node::Empty,
            len: 0,
        }
    }
}

impl std::fmt::Debug for StateTree {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "StateTree({} entries)", self.len)
    }
}

impl StateTree {
    /// An empty state.
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when there are no entries.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The value under `key`, if any (borrowed unless it was packed).
    pub fn get(&self, key: &[u8]) -> Option<Cow<'_, [u8]>> {
        let kh = key_hash(key);
        let mut node = &self.root;
        let mut depth = 0;
        loop {
            match node {
                Node::Empty => return None,
                Node::Leaf(l) => {
                    return l.has_key(key).then(|| l.value());
                }
                Node::Branch(b) => {
                    // The chain's bits are not checked: a key that leaves
                    // it ends at another leaf, whose key differs.
                    depth += b.skip as usize;
                    node = if bit(&kh, depth) { &b.right } else { &b.left };
                    depth += 1;
                }
            }
        }
    }

    /// Writes `value` under `key`.
    pub fn insert(&mut self, key: &[u8], value: &[u8]) {
        let kh = key_hash(key);
        let hash = leaf_hash(&kh, &sha256(value));
        let leaf = Arc::new(Leaf::new(key, value, hash));
        let root = std::mem::replace(&mut self.root, Node::Empty);
        let (root, added) = insert_at(root, leaf, &kh, 0);
        self.root = root;
        if added {
            self.len += 1;
        }
    }

    /// Removes `key`; returns whether it was there.
    pub fn remove(&mut self, key: &[u8]) -> bool {
        let kh = key_hash(key);
        let root = std::mem::replace(&mut self.root, Node::Empty);
        let (root, removed) = remove_at(root, key, &kh, 0);
        self.root = root;
        if removed {
            self.len -= 1;
        }
        removed
    }

    /// The root hash, rehashing dirty paths.
    pub fn root(&mut self) -> Hash32 {
        self.root.hash(0)
    }

    /// A proof for `key` (of its value or of its absence) against the
    /// current root, rehashing first if needed.
    pub fn prove(&mut self, key: &[u8]) -> Proof {
        self.root();
        self.prove_hashed(key).expect("just rehashed")
    }

    /// The root of a fully hashed tree (see [`Self::is_hashed`]).
    pub fn hashed_root(&self) -> Hash32 {
        match &self.root {
            Node::Empty => EMPTY_HASH,
            Node::Leaf(l) => l.hash,
            Node::Branch(b) => b.hash.expect("the tree is hashed"),
        }
    }

    /// True when every hash is up to date (no write since [`Self::root`]).
    pub fn is_hashed(&self) -> bool {
        match &self.root {
            Node::Branch(b) => b.hash.is_some(),
            _ => true,
        }
    }

    /// A proof without rehashing, for readers sharing the tree: `None` if a
    /// write happened since the last [`Self::root`].
    pub fn prove_hashed(&self, key: &[u8]) -> Option<Proof> {
        if !self.is_hashed() {
            return None;
        }
        let kh = key_hash(key);
        let mut siblings = Vec::new();
        let mut node = &self.root;
        let mut depth = 0;
        let terminal = loop {
            match node {
                Node::Empty => break Terminal::Empty,
                Node::Leaf(l) => {
                    break Terminal::Leaf {
                        key_hash: l.key_hash(),
                        value_hash: sha256(&l.value()),
                    }
                }
                Node::Branch(b) => {
                    let skip = b.skip as usize;
                    if skip > 0 {
                        // Each level of the chain has an empty sibling,
                        // unless the key leaves the chain there: its side
                        // is empty, and the sibling is the rest of the
                        // chain.
                        let chain = Chain::of(b, depth);
                        if let Some(j) = (0..skip).find(|&j| bit(&kh, depth + j) != chain.bit(j)) {
                            siblings.extend(std::iter::repeat_n(EMPTY_HASH, j));
                            let inner = branch_hash(&b.left.hashed(), &b.right.hashed());
                            siblings.push(chain_hash(&chain, inner, j + 1, skip));
                            break Terminal::Empty;
                        }
                        siblings.extend(std::iter::repeat_n(EMPTY_HASH, skip));
                        depth += skip;
                    }
                    let (next, sib) = if bit(&kh, depth) {
                        (&b.right, &b.left)
                    } else {
                        (&b.left, &b.right)
                    };
                    siblings.push(sib.hashed());
                    node = next;
                    depth += 1;
                }
            }
        };
        Some(Proof { siblings, terminal })
    }

    /// Calls `f` with every entry's key and value, in key-hash order (the
    /// order snapshots use).
    pub fn for_each(&self, mut f: impl FnMut(&[u8], &[u8])) {
        let mut stack = vec![&self.root];
        while let Some(n) = stack.pop() {
            match n {
                Node::Empty => {}
                Node::Leaf(l) => f(&l.key(), &l.value()),
                Node::Branch(b) => {
                    stack.push(&b.right);
                    stack.push(&b.left);
                }
            }
        }
    }

    /// Every entry as owned pairs, in key order: for comparing whole states.
    pub fn sorted_entries(&self) -> Vec<(Vec<u8>, Vec<u8>)> {
        self.scan_prefix(b"", usize::MAX)
    }

    /// Entries whose key starts with `prefix`, in key order, at most `limit`.
    /// This scans the whole state; it serves queries, not the hot path.
    pub fn scan_prefix(&self, prefix: &[u8], limit: usize) -> Vec<(Vec<u8>, Vec<u8>)> {
        let mut out: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
        self.for_each(|k, v| {
            if k.starts_with(prefix) {
                out.push((k.to_vec(), v.to_vec()));
            }
        });
        out.sort();
        out.truncate(limit);
        out
    }
}

/// Inserts `leaf`, whose key hashes to `kh`, below a node at `depth`.
fn insert_at(node: Node, leaf: Arc<Leaf>, kh: &Hash32, depth: usize) -> (Node, bool) {
    match node {
        Node::Empty => (Node::Leaf(leaf), true),
        Node::Leaf(existing) => {
            if existing.packed_key() == leaf.packed_key() {
                return (Node::Leaf(leaf), false);
            }
            let existing_kh = existing.key_hash();
            let split = (depth..256)
                .find(|&d| bit(&existing_kh, d) != bit(kh, d))
                .expect("SHA-256 collision between state keys");
            let (left, right) = if bit(kh, split) {
                (Node::Leaf(existing), Node::Leaf(leaf))
            } else {
                (Node::Leaf(leaf), Node::Leaf(existing))
            };
            (branch(left, right, kh, depth, split - depth), true)
        }
        Node::Branch(mut b) => {
            let skip = b.skip as usize;
            if skip > 0 {
                let chain = Chain::of(&b, depth);
                if let Some(j) = (0..skip).find(|&j| bit(kh, depth + j) != chain.bit(j)) {
                    // The key leaves the chain at depth + j: the chain is
                    // cut there, the new leaf beside its lower part.
                    let lower = skip - j - 1;
                    let lower_path = match chain {
                        Chain::Inline(p) => p.checked_shl(j as u32 + 1).unwrap_or(0),
                        Chain::Leaf(h, _) => path_of(&h, depth + j + 1, lower),
                    };
                    let bm = Arc::make_mut(&mut b);
                    bm.skip = lower as u8;
                    bm.path = lower_path;
                    // Its hash covered the whole chain.
                    bm.hash = None;
                    let (left, right) = if bit(kh, depth + j) {
                        (Node::Branch(b), Node::Leaf(leaf))
                    } else {
                        (Node::Leaf(leaf), Node::Branch(b))
                    };
                    return (branch(left, right, kh, depth, j), true);
                }
            }
            let split = depth + skip;
            let added;
            let bm = Arc::make_mut(&mut b);
            if bit(kh, split) {
                let child = std::mem::replace(&mut bm.right, Node::Empty);
                (bm.right, added) = insert_at(child, leaf, kh, split + 1);
            } else {
                let child = std::mem::replace(&mut bm.left, Node::Empty);
                (bm.left, added) = insert_at(child, leaf, kh, split + 1);
            }
            bm.hash = None;
            (Node::Branch(b), added)
        }
    }
}

/// A new branch at `depth` whose children split `skip` levels below it;
/// `kh` is the key hash of one of its leaves (for the chain's bits).
fn branch(left: Node, right: Node, kh: &Hash32, depth: usize, skip: usize) -> Node {
    Node::Branch(Arc::new(Branch {
        left,
        right,
        hash: None,
        skip: u8::try_from(skip).expect("key hashes split above depth 256"),
        path: path_of(kh, depth, skip),
    }))
}

/// False when `node` certainly does not hold `key` (cheap: it is empty or
/// another leaf); branches may.
fn subtree_may_hold(node: &Node, key: &[u8]) -> bool {
    match node {
        Node::Empty => false,
        Node::Leaf(l) => l.has_key(key),
        Node::Branch(_) => true,
    }
}

/// Removes `key`, which hashes to `kh`, below a node at `depth`.
fn remove_at(node: Node, key: &[u8], kh: &Hash32, depth: usize) -> (Node, bool) {
    match node {
        Node::Empty => (Node::Empty, false),
        Node::Leaf(l) => {
            if l.has_key(key) {
                (Node::Empty, true)
            } else {
                (Node::Leaf(l), false)
            }
        }
        Node::Branch(b) => {
            let skip = b.skip as usize;
            let split = depth + skip;
            let right = bit(kh, split);
            // Look before copying: a miss must not copy a shared path.
            if !subtree_may_hold(if right { &b.right } else { &b.left }, key) {
                return (Node::Branch(b), false);
            }
            let mut b = b;
            let bm = Arc::make_mut(&mut b);
            let (slot, other) = if right {
                (&mut bm.right, &mut bm.left)
            } else {
                (&mut bm.left, &mut bm.right)
            };
            let child = std::mem::replace(slot, Node::Empty);
            let (child, removed) = remove_at(child, key, kh, split + 1);
            if !removed {
                *slot = child;
                return (Node::Branch(b), false);
            }
            if !matches!(child, Node::Empty) {
                *slot = child;
                bm.hash = None;
                return (Node::Branch(b), true);
            }
            // One side left: the branch and its chain give way to it. A
            // leaf stands for its subtree at any depth; a branch takes
            // this chain and this level into its own.
            match std::mem::replace(other, Node::Empty) {
                Node::Branch(mut o) => {
                    let merged = skip + 1 + o.skip as usize;
                    let path = if merged <= inline_bits() {
                        let side = u64::from(!right) << (63 - skip);
                        bm.path | side | o.path.checked_shr(skip as u32 + 1).unwrap_or(0)
                    } else {
                        0
                    };
                    let om = Arc::make_mut(&mut o);
                    om.skip = u8::try_from(merged).expect("key hashes split above depth 256");
                    om.path = path;
                    om.hash = None;
                    (Node::Branch(o), true)
                }
                leaf => (leaf, true),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_leaf_fits_a_64_byte_allocation() {
        // An `Arc` adds two counters (16 bytes).
        assert_eq!(std::mem::size_of::<Leaf>(), 48);
    }

    use crate::proof::verify_proof;
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    fn build(entries: &BTreeMap<Vec<u8>, Vec<u8>>) -> StateTree {
        let mut t = StateTree::new();
        for (k, v) in entries {
            t.insert(k, v);
        }
        t
    }

    proptest! {
        #[test]
        fn root_depends_only_on_contents(
            ops in proptest::collection::vec((proptest::collection::vec(0u8..8, 1..3), proptest::option::of(proptest::collection::vec(any::<u8>(), 0..4))), 0..60)
        ) {
            let mut t = StateTree::new();
            let mut model = BTreeMap::new();
            for (k, v) in &ops {
                match v {
                    Some(v) => { t.insert(k, v); model.insert(k.clone(), v.clone()); }
                    None => { prop_assert_eq!(t.remove(k), model.remove(k).is_some()); }
                }
                // Interleave root computations so cached hashes get exercised.
                if k[0] % 3 == 0 { t.root(); }
            }
            prop_assert_eq!(t.len(), model.len());
            let mut fresh = build(&model);
            prop_assert_eq!(t.root(), fresh.root());
            for (k, v) in &model {
                let got = t.get(k);
                prop_assert_eq!(got.as_deref(), Some(v.as_slice()));
            }
        }

        #[test]
        fn proofs_verify_and_tampering_fails(
            keys in proptest::collection::btree_map(proptest::collection::vec(any::<u8>(), 1..6), proptest::collection::vec(any::<u8>(), 0..6), 0..40),
            probe in proptest::collection::vec(any::<u8>(), 1..6),
            flip in any::<usize>(),
        ) {
            let mut t = build(&keys);
            let root = t.root();
            // Membership for every key, absence for the probe unless present.
            for (k, v) in &keys {
                let p = t.prove(k);
                prop_assert!(verify_proof(&root, k, Some(v), &p).is_ok());
                let mut wrong = v.clone();
                wrong.push(1);
                prop_assert!(verify_proof(&root, k, Some(&wrong), &p).is_err());
                prop_assert!(verify_proof(&root, k, None, &p).is_err());
            }
            let p = t.prove(&probe);
            match keys.get(&probe) {
                Some(v) => prop_assert!(verify_proof(&root, &probe, Some(v), &p).is_ok()),
                None => {
                    prop_assert!(verify_proof(&root, &probe, None, &p).is_ok());
                    prop_assert!(verify_proof(&root, &probe, Some(b"x"), &p).is_err());
                }
            }
            // Any flipped bit in a sibling breaks the proof.
            if !p.siblings.is_empty() {
                let mut bad = p.clone();
                let i = flip % bad.siblings.len();
                bad.siblings[i].0[flip % 32] ^= 1 << (flip % 8);
                let value = keys.get(&probe).map(std::vec::Vec::as_slice);
                prop_assert!(verify_proof(&root, &probe, value, &bad).is_err());
            }
        }
    }

    proptest! {
        #[test]
        fn packed_ids_read_back_and_prove_as_plain_bytes(
            ids in proptest::collection::btree_set(any::<[u8; 32]>(), 1..30),
            gone in any::<usize>(),
        ) {
            let hex = |b: &[u8]| b.iter().map(|x| format!("{x:02x}")).collect::<String>();
            let entries: BTreeMap<Vec<u8>, Vec<u8>> = ids
                .iter()
                .map(|id| {
                    let key = format!("runtime/nonce/{}", hex(id)).into_bytes();
                    let value = format!("{{\"owner\":\"{}\",\"x\":\"\u{ff}\"}}", hex(&id[..20])).into_bytes();
                    (key, value)
                })
                .collect();
            let mut t = build(&entries);
            let root = t.root();
            let mut seen = BTreeMap::new();
            t.for_each(|k, v| {
                seen.insert(k.to_vec(), v.to_vec());
            });
            prop_assert_eq!(&seen, &entries);
            for (k, v) in &entries {
                let got = t.get(k);
                prop_assert_eq!(got.as_deref(), Some(v.as_slice()));
                let p = t.prove(k);
                prop_assert!(verify_proof(&root, k, Some(v), &p).is_ok());
                // The same key with an upper-case digit is another key.
                let other = String::from_utf8(k.clone()).unwrap().to_uppercase();
                prop_assert!(t.get(other.as_bytes()).is_none());
            }
            let (k, _) = entries.iter().nth(gone % entries.len()).unwrap();
            prop_assert!(t.remove(k));
            prop_assert!(t.get(k).is_none());
            prop_assert_eq!(t.len(), entries.len() - 1);
        }
    }

    /// The root by the definition: a subtree of one entry is its leaf, an
    /// empty one hashes to EMPTY_HASH, any other splits on the next bit.
    fn defined_root(entries: &[(Hash32, Hash32)], depth: usize) -> Hash32 {
        match entries {
            [] => EMPTY_HASH,
            [(_, leaf)] => *leaf,
            _ => {
                let (right, left): (Vec<_>, Vec<_>) =
                    entries.iter().partition(|(kh, _)| bit(kh, depth));
                branch_hash(
                    &defined_root(&left, depth + 1),
                    &defined_root(&right, depth + 1),
                )
            }
        }
    }

    fn count_branches(node: &Node) -> usize {
        match node {
            Node::Branch(b) => 1 + count_branches(&b.left) + count_branches(&b.right),
            _ => 0,
        }
    }

    proptest! {
        #[test]
        fn compressed_paths_hash_and_prove_as_the_defined_tree(
            ops in proptest::collection::vec((0u16..300, any::<bool>()), 0..200),
            inline in prop_oneof![Just(64usize), Just(1), Just(0)],
            probe in 0u16..300,
        ) {
            INLINE_BITS.with(|c| c.set(inline));
            let mut t = StateTree::new();
            let mut model = BTreeMap::new();
            for (i, (k, put)) in ops.iter().enumerate() {
                let key = k.to_be_bytes();
                if *put {
                    t.insert(&key, &[i as u8]);
                    model.insert(key.to_vec(), vec![i as u8]);
                } else {
                    prop_assert_eq!(t.remove(&key), model.remove(&key[..]).is_some());
                }
                if i % 7 == 0 { t.root(); }
            }
            let leaves: Vec<(Hash32, Hash32)> = model
                .iter()
                .map(|(k, v)| {
                    let kh = key_hash(k);
                    (kh, leaf_hash(&kh, &sha256(v)))
                })
                .collect();
            let root = t.root();
            prop_assert_eq!(root, defined_root(&leaves, 0));
            // Path compression: one branch per split, n - 1 for n entries.
            prop_assert_eq!(count_branches(&t.root), model.len().saturating_sub(1));
            let key = probe.to_be_bytes();
            let p = t.prove(&key);
            let value = model.get(&key[..]).map(std::vec::Vec::as_slice);
            prop_assert!(verify_proof(&root, &key, value, &p).is_ok());
            // A snapshot taken now is not changed by later writes.
            let mut before = t.clone();
            t.insert(&key, b"changed");
            t.root();
            prop_assert_eq!(before.root(), root);
            INLINE_BITS.with(|c| c.set(64));
        }
    }

    #[test]
    fn clones_are_independent_versions() {
        let mut a = StateTree::new();
        for i in 0..200u32 {
            a.insert(&i.to_be_bytes(), b"v1");
        }
        let root_before = a.root();
        let mut snapshot = a.clone();
        for i in 0..100u32 {
            a.insert(&i.to_be_bytes(), b"v2");
        }
        a.remove(&150u32.to_be_bytes());
        a.root();
        assert_eq!(snapshot.root(), root_before, "the snapshot did not change");
        assert_eq!(
            snapshot.get(&5u32.to_be_bytes()).as_deref(),
            Some(&b"v1"[..])
        );
        assert_eq!(
            snapshot.get(&150u32.to_be_bytes()).as_deref(),
            Some(&b"v1"[..])
        );
        assert_eq!(a.get(&5u32.to_be_bytes()).as_deref(), Some(&b"v2"[..]));
        assert_eq!(a.get(&150u32.to_be_bytes()), None);
        let p = snapshot.prove_hashed(&5u32.to_be_bytes()).unwrap();
        assert!(verify_proof(&root_before, &5u32.to_be_bytes(), Some(b"v1"), &p).is_ok());
    }

    #[test]
    fn empty_tree_proves_absence() {
        let mut t = StateTree::new();
        let root = t.root();
        assert_eq!(root, EMPTY_HASH);
        let p = t.prove(b"a");
        assert!(verify_proof(&root, b"a", None, &p).is_ok());
    }
}
