//! A voter's place in a census of accounts: the leaf the election's census
//! root is built from, and the RFC 6962 inclusion proof a ballot carries
//! (`docs/elections.md`, "The census"). The device computes it from the
//! census file the election authority published.

use publica_types::AccountId;
use sha2::{Digest, Sha256};

/// A voter's census leaf data: `publica/elections/v1/voter`, NUL, the
/// election id, NUL, the account's 32 bytes (hashed as an RFC 6962 leaf).
pub fn voter_leaf(election: &str, voter: &AccountId) -> Vec<u8> {
    let mut out = b"publica/elections/v1/voter\0".to_vec();
    out.extend_from_slice(election.as_bytes());
    out.push(0);
    out.extend_from_slice(voter.as_bytes());
    out
}

/// A voter's place: its index, the audit path from its leaf up, and the
/// root and size of the whole census (to compare with the election's).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Place {
    /// The voter's index in the census.
    pub index: u64,
    /// RFC 6962's `PATH(index, D[size])`, from the leaf's sibling up.
    pub path: Vec<[u8; 32]>,
    /// `MTH(D[size])`.
    pub root: [u8; 32],
    /// How many voters the census has.
    pub size: u64,
}

fn leaf_hash(data: &[u8]) -> [u8; 32] {
    Sha256::new()
        .chain_update([0u8])
        .chain_update(data)
        .finalize()
        .into()
}

fn node_hash(left: &[u8; 32], right: &[u8; 32]) -> [u8; 32] {
    Sha256::new()
        .chain_update([1u8])
        .chain_update(left)
        .chain_update(right)
        .finalize()
        .into()
}

/// The largest power of two below `n` (`n` ≥ 2).
fn split(n: usize) -> usize {
    let mut k = 1;
    while k * 2 < n {
        k *= 2;
    }
    k
}

/// `MTH` of leaf hashes (RFC 6962, 2.1); the empty tree is not asked for.
fn root_of(leaves: &[[u8; 32]]) -> [u8; 32] {
    if leaves.len() == 1 {
        return leaves[0];
    }
    let k = split(leaves.len());
    node_hash(&root_of(&leaves[..k]), &root_of(&leaves[k..]))
}

/// `PATH(m, leaves)` (RFC 6962, 2.1.1), appended leaf-side first; answers
/// the subtree's root. Each subtree's root is computed once: linear work.
fn path_of(m: usize, leaves: &[[u8; 32]], out: &mut Vec<[u8; 32]>) -> [u8; 32] {
    if leaves.len() == 1 {
        return leaves[0];
    }
    let k = split(leaves.len());
    let (left, right) = if m < k {
        let left = path_of(m, &leaves[..k], out);
        let right = root_of(&leaves[k..]);
        out.push(right);
        (left, right)
    } else {
        let right = path_of(m - k, &leaves[k..], out);
        let left = root_of(&leaves[..k]);
        out.push(left);
        (left, right)
    };
    node_hash(&left, &right)
}

/// Where `voter` is in the census `accounts` of `election`, or `None` if
/// it is not there.
pub fn place(election: &str, accounts: &[AccountId], voter: &AccountId) -> Option<Place> {
    let index = accounts.iter().position(|a| a == voter)?;
    let leaves: Vec<[u8; 32]> = accounts
        .iter()
        .map(|a| leaf_hash(&voter_leaf(election, a)))
        .collect();
    let mut path = Vec::new();
    let root = path_of(index, &leaves, &mut path);
    Some(Place {
        index: index as u64,
        path,
        root,
        size: accounts.len() as u64,
    })
}

impl Place {
    /// The census proof a ballot or a registration carries:
    /// `{index, path}`, the path's hashes in hex.
    pub fn wire(&self) -> serde_json::Value {
        serde_json::json!({"index": self.index, "path": self.path.iter().map(hex::encode).collect::<Vec<_>>()})
    }
}

/// Why a census file gives a voter no place in an election.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PlaceError {
    /// The voter is not in the file.
    NotInCensus,
    /// The file is not the census the election published: another root
    /// or size.
    WrongCensus,
}

/// The voter's place in the census `accounts` of `election`, checked
/// against the root (hex) and size the election published.
///
/// # Errors
/// [`PlaceError`] when the voter is not there or the file is not the
/// election's census.
pub fn place_in(
    election: &str,
    (root, size): (&str, u64),
    accounts: &[AccountId],
    voter: &AccountId,
) -> Result<Place, PlaceError> {
    let spot = place(election, accounts, voter).ok_or(PlaceError::NotInCensus)?;
    if hex::encode(spot.root) != root || spot.size != size {
        return Err(PlaceError::WrongCensus);
    }
    Ok(spot)
}

/// Largest census file read (a million accounts, one per line).
pub const CENSUS_FILE_BYTES_MAX: usize = 80 << 20;

/// The accounts of a census file's text (64 hex digits a line; blank
/// lines and `#` comments skipped), in order.
///
/// # Errors
/// `line N: …` for a line that is not an account or names one twice, and
/// a file with no account or larger than [`CENSUS_FILE_BYTES_MAX`].
pub fn parse(text: &str) -> Result<Vec<AccountId>, String> {
    if text.len() > CENSUS_FILE_BYTES_MAX {
        return Err(format!("larger than {CENSUS_FILE_BYTES_MAX} bytes"));
    }
    let mut out = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let account: AccountId = line
            .parse()
            .map_err(|e| format!("line {}: an account is 64 hex digits ({e})", n + 1))?;
        if !seen.insert(account) {
            return Err(format!("line {}: {account} twice", n + 1));
        }
        out.push(account);
    }
    if out.is_empty() {
        return Err("no accounts".into());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use publica_log::MerkleLog;

    fn accounts(n: usize) -> Vec<AccountId> {
        (0..n)
            .map(|i| {
                let mut b = [0u8; 32];
                b[..8].copy_from_slice(&(i as u64 + 1).to_be_bytes());
                AccountId(b)
            })
            .collect()
    }

    proptest! {
        /// Every place is the transparency log's own inclusion proof, and
        /// the root is the log's, for censuses of any size and any voter.
        #[test]
        fn places_are_the_logs_inclusion_proofs(n in 1usize..70, pick in any::<prop::sample::Index>()) {
            let all = accounts(n);
            let mut log = MerkleLog::new();
            for a in &all {
                log.append(publica_log::hash::leaf_hash(&voter_leaf("city-2027", a)));
            }
            let i = pick.index(n);
            let p = place("city-2027", &all, &all[i]).unwrap();
            let expected = log.inclusion_proof(i as u64, n as u64).unwrap();
            prop_assert_eq!(p.index, i as u64);
            prop_assert_eq!(p.size, n as u64);
            prop_assert_eq!(p.root, *log.root().as_bytes());
            prop_assert_eq!(p.path, expected.iter().map(|h| *h.as_bytes()).collect::<Vec<_>>());
        }
    }

    #[test]
    fn outsiders_have_no_place_and_files_are_read_strictly() {
        let all = accounts(3);
        assert!(place("e", &all[..2], &all[2]).is_none());
        let spot = place("e", &all, &all[1]).unwrap();
        let root = hex::encode(spot.root);
        assert_eq!(place_in("e", (&root, 3), &all, &all[1]), Ok(spot.clone()));
        assert_eq!(spot.wire()["index"], 1);
        assert_eq!(
            place_in("e", (&root, 4), &all, &all[1]),
            Err(PlaceError::WrongCensus)
        );
        assert_eq!(
            place_in("f", (&root, 3), &all, &all[1]),
            Err(PlaceError::WrongCensus)
        );
        assert_eq!(
            place_in("e", (&root, 3), &all[..2], &all[2]),
            Err(PlaceError::NotInCensus)
        );
        let text = format!("# the census\n\n{}\n  {}  \n", all[0], all[1]);
        assert_eq!(parse(&text).unwrap(), all[..2].to_vec());
        assert_eq!(parse("# nobody\n").unwrap_err(), "no accounts");
        let twice = format!("{}\n{}\n", all[0], all[0]);
        assert!(parse(&twice).unwrap_err().starts_with("line 2: "));
        assert!(parse("zz\n").unwrap_err().starts_with("line 1: an account"));
    }
}
