//! Ballots: encrypting a voter's choices with their proofs, checking a
//! ballot against an election, opening a challenged one by its nonces,
//! tracking codes; and the hashes every proof is bound to
//! (`docs/elections.md`, "Hashes and contexts").

use crate::group::{
    point_from_hex, point_hex, random_scalar, scalar_from_hex, scalar_hex, Point, Scalar,
};
use crate::proofs::{
    check_range, prove_range, verify_range, Batch, Branch, Ciphertext, Enc, Proof,
};
use crate::wire::{Contest, WireBallot, WireBranch, WireContest, WireProof, WireSelection};
use publica_types::AccountId;
use sha2::{Digest, Sha256, Sha512};

/// Why a ballot is refused (the message names the contest and selection).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BallotError {
    /// Contests or selections not as the manifest has them.
    Shape(String),
    /// A point or scalar that does not decode.
    Encoding(String),
    /// A proof that does not verify.
    Proof(String),
}

impl std::fmt::Display for BallotError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BallotError::Shape(m) | BallotError::Encoding(m) | BallotError::Proof(m) => {
                f.write_str(m)
            }
        }
    }
}

/// `H_E = SHA-256(H_M ‖ K)`.
pub fn base_hash(manifest_hash: &[u8; 32], key: &Point) -> [u8; 32] {
    Sha256::new()
        .chain_update(manifest_hash)
        .chain_update(key.compress().as_bytes())
        .finalize()
        .into()
}

/// The context of guardian `n`'s proof for coefficient `j`.
pub fn coefficient_context(manifest_hash: &[u8; 32], n: u32, j: u32) -> Vec<u8> {
    let mut c = manifest_hash.to_vec();
    c.extend_from_slice(b"coefficient");
    c.extend_from_slice(&n.to_be_bytes());
    c.extend_from_slice(&j.to_be_bytes());
    c
}

/// The context of a selection's proof: `H_E`, the voter, the contest's
/// and the selection's positions. Binding the voter makes a copied
/// ballot fail (a copy would reveal that its copier votes alike).
pub fn selection_context(
    base: &[u8; 32],
    voter: &AccountId,
    contest: usize,
    selection: usize,
) -> Vec<u8> {
    let mut c = base.to_vec();
    c.extend_from_slice(voter.as_bytes());
    c.extend_from_slice(b"selection");
    c.extend_from_slice(&(contest as u64).to_be_bytes());
    c.extend_from_slice(&(selection as u64).to_be_bytes());
    c
}

/// The context of a contest's limit proof.
pub fn contest_context(base: &[u8; 32], voter: &AccountId, contest: usize) -> Vec<u8> {
    let mut c = base.to_vec();
    c.extend_from_slice(voter.as_bytes());
    c.extend_from_slice(b"contest");
    c.extend_from_slice(&(contest as u64).to_be_bytes());
    c
}

/// The context of guardian `n`'s partial decryption of one selection.
pub fn share_context(base: &[u8; 32], n: u32, contest: usize, selection: usize) -> Vec<u8> {
    let mut c = base.to_vec();
    c.extend_from_slice(b"decryption");
    c.extend_from_slice(&n.to_be_bytes());
    c.extend_from_slice(&(contest as u64).to_be_bytes());
    c.extend_from_slice(&(selection as u64).to_be_bytes());
    c
}

/// A ballot's tracking code: SHA-256 over `publica/elections/v1/tracking`,
/// NUL, `H_E`, the voter and the ballot's canonical JSON (hex).
pub fn tracking_code(base: &[u8; 32], voter: &AccountId, ballot: &WireBallot) -> String {
    // JCS written straight from the ballot: no JSON tree of its 17 KiB.
    let bytes = publica_types::canonical::canonicalize(ballot).expect("strings only");
    hex::encode(
        Sha256::new()
            .chain_update(b"publica/elections/v1/tracking\0")
            .chain_update(base)
            .chain_update(voter.as_bytes())
            .chain_update(bytes)
            .finalize(),
    )
}

fn wire_branch(b: &Branch) -> WireBranch {
    WireBranch {
        a: hex::encode(b.a.bytes),
        b: hex::encode(b.b.bytes),
        c: scalar_hex(&b.c),
        v: scalar_hex(&b.v),
    }
}

/// A point and its encoding from 64 lowercase hex digits.
pub fn enc_from_hex(text: &str) -> Option<Enc> {
    if text.len() != 64 || text.bytes().any(|b| b.is_ascii_uppercase()) {
        return None;
    }
    Enc::from_bytes(hex::decode(text).ok()?.try_into().ok()?)
}

/// A proof from the wire.
pub fn parse_proof(w: &WireProof, what: &str) -> Result<Proof, BallotError> {
    match (scalar_from_hex(&w.c), scalar_from_hex(&w.v)) {
        (Some(c), Some(v)) => Ok(Proof { c, v }),
        _ => Err(BallotError::Encoding(format!(
            "{what}: a proof's c and v are canonical scalars (64 hex digits)"
        ))),
    }
}

/// A ciphertext from the wire.
pub fn parse_ciphertext(a: &str, b: &str, what: &str) -> Result<Ciphertext, BallotError> {
    match (point_from_hex(a), point_from_hex(b)) {
        (Some(a), Some(b)) => Ok(Ciphertext { a, b }),
        _ => Err(BallotError::Encoding(format!(
            "{what}: a and b are ristretto255 points (64 hex digits)"
        ))),
    }
}

/// The choices' nonces, to keep for a challenge.
pub type Nonces = Vec<Vec<Scalar>>;

/// Encrypts `choices` (per contest, 0 or 1 per selection) for `voter`.
/// Answers the ballot and its nonces (kept only to challenge it).
pub fn encrypt(
    base: &[u8; 32],
    key: &Point,
    contests: &[Contest],
    voter: &AccountId,
    choices: &[Vec<u64>],
) -> Result<(WireBallot, Nonces), BallotError> {
    if choices.len() != contests.len() {
        return Err(BallotError::Shape(format!(
            "{} contests, {} choices",
            contests.len(),
            choices.len()
        )));
    }
    let key_enc = Enc::new(*key);
    let mut out = Vec::new();
    let mut nonces = Vec::new();
    for (ci, (contest, picks)) in contests.iter().zip(choices).enumerate() {
        if picks.len() != contest.selections.len() || picks.iter().any(|&p| p > 1) {
            return Err(BallotError::Shape(format!(
                "contest {}: one 0 or 1 per selection",
                contest.id
            )));
        }
        let chosen: u64 = picks.iter().sum();
        if chosen > contest.limit {
            return Err(BallotError::Shape(format!(
                "contest {}: at most {} selections",
                contest.id, contest.limit
            )));
        }
        let mut selections = Vec::new();
        let mut rs = Vec::new();
        let mut sum = Ciphertext::zero();
        for (si, &m) in picks.iter().enumerate() {
            let r = random_scalar();
            let ct = Ciphertext::encrypt(key, m, &r);
            let proof = prove_range(
                &selection_context(base, voter, ci, si),
                &key_enc,
                &ct,
                m,
                &r,
                1,
            );
            selections.push(WireSelection {
                a: point_hex(&ct.a),
                b: point_hex(&ct.b),
                proof: proof.iter().map(wire_branch).collect(),
            });
            sum = sum + ct;
            rs.push(r);
        }
        let r_sum: Scalar = rs.iter().sum();
        let proof = prove_range(
            &contest_context(base, voter, ci),
            &key_enc,
            &sum,
            chosen,
            &r_sum,
            contest.limit,
        );
        out.push(WireContest {
            selections,
            proof: proof.iter().map(wire_branch).collect(),
        });
        nonces.push(rs);
    }
    Ok((WireBallot { contests: out }, nonces))
}

/// A range proof read from the wire: its statement and branches.
struct Statement {
    context: Vec<u8>,
    a: Enc,
    b: Enc,
    max: u64,
    branches: Vec<Branch>,
    what: String,
}

fn parse_branches(
    wire: &[WireBranch],
    what: &str,
    seed: &mut Sha512,
) -> Result<Vec<Branch>, BallotError> {
    wire.iter()
        .map(|w| {
            let branch = match (enc_from_hex(&w.a), enc_from_hex(&w.b), scalar_from_hex(&w.c), scalar_from_hex(&w.v)) {
                (Some(a), Some(b), Some(c), Some(v)) => Branch { a, b, c, v },
                _ => {
                    return Err(BallotError::Encoding(format!(
                        "{what}: a proof's a and b are points, c and v canonical scalars (64 hex digits each)"
                    )))
                }
            };
            seed.update(branch.a.bytes);
            seed.update(branch.b.bytes);
            seed.update(branch.c.as_bytes());
            seed.update(branch.v.as_bytes());
            Ok(branch)
        })
        .collect()
}

/// Reads a ballot against the contests: its shape and encodings. Answers
/// its ciphertexts and the range proofs to check.
fn read_ballot(
    base: &[u8; 32],
    contests: &[Contest],
    voter: &AccountId,
    ballot: &WireBallot,
    seed: &mut Sha512,
) -> Result<(Vec<Vec<Ciphertext>>, Vec<Statement>), BallotError> {
    if ballot.contests.len() != contests.len() {
        return Err(BallotError::Shape(format!(
            "the election has {} contests; the ballot {}",
            contests.len(),
            ballot.contests.len()
        )));
    }
    let (mut out, mut statements) = (Vec::new(), Vec::new());
    for (ci, (contest, wc)) in contests.iter().zip(&ballot.contests).enumerate() {
        if wc.selections.len() != contest.selections.len() {
            return Err(BallotError::Shape(format!(
                "contest {} has {} selections; the ballot {}",
                contest.id,
                contest.selections.len(),
                wc.selections.len()
            )));
        }
        let mut cts = Vec::new();
        let mut sum = Ciphertext::zero();
        for (si, ws) in wc.selections.iter().enumerate() {
            let what = format!(
                "contest {}, selection {}",
                contest.id, contest.selections[si]
            );
            let (Some(a), Some(b)) = (enc_from_hex(&ws.a), enc_from_hex(&ws.b)) else {
                return Err(BallotError::Encoding(format!(
                    "{what}: a and b are ristretto255 points (64 hex digits)"
                )));
            };
            seed.update(a.bytes);
            seed.update(b.bytes);
            let branches = parse_branches(&ws.proof, &what, seed)?;
            let ct = Ciphertext { a: a.p, b: b.p };
            statements.push(Statement {
                context: selection_context(base, voter, ci, si),
                a,
                b,
                max: 1,
                branches,
                what: format!("{what}: the proof that it holds 0 or 1 fails"),
            });
            sum = sum + ct;
            cts.push(ct);
        }
        let what = format!("contest {}", contest.id);
        let branches = parse_branches(&wc.proof, &what, seed)?;
        statements.push(Statement {
            context: contest_context(base, voter, ci),
            a: Enc::new(sum.a),
            b: Enc::new(sum.b),
            max: contest.limit,
            branches,
            what: format!(
                "{what}: the proof that at most {} selections are chosen fails",
                contest.limit
            ),
        });
        out.push(cts);
    }
    Ok((out, statements))
}

/// Checks a ballot of `voter` against the contests: its shape, every
/// encoding and every proof (their equations in one batch; a ballot that
/// fails is checked proof by proof to name the one that fails). Answers
/// its ciphertexts.
pub fn verify(
    base: &[u8; 32],
    key: &Point,
    contests: &[Contest],
    voter: &AccountId,
    ballot: &WireBallot,
) -> Result<Vec<Vec<Ciphertext>>, BallotError> {
    let mut seed = Sha512::new();
    seed.update(base);
    seed.update(voter.as_bytes());
    let (cts, statements) = read_ballot(base, contests, voter, ballot, &mut seed)?;
    let mut wide = [0u8; 64];
    wide.copy_from_slice(&seed.finalize());
    let key_enc = Enc::new(*key);
    let mut batch = Batch::new(wide);
    for st in &statements {
        if !check_range(
            &st.context,
            &key_enc,
            &st.a,
            &st.b,
            st.max,
            &st.branches,
            &mut batch,
        ) {
            return Err(BallotError::Proof(st.what.clone()));
        }
    }
    if batch.holds(key) {
        return Ok(cts);
    }
    for st in &statements {
        let ct = Ciphertext {
            a: st.a.p,
            b: st.b.p,
        };
        if !verify_range(&st.context, key, &ct, st.max, &st.branches) {
            return Err(BallotError::Proof(st.what.clone()));
        }
    }
    Err(BallotError::Proof("a proof's equations fail".into()))
}

/// Opens a challenged ballot's ciphertexts with its nonces: each must be
/// the encryption of 0 or 1 under that nonce. Answers the choices.
pub fn open(
    key: &Point,
    cts: &[Vec<Ciphertext>],
    nonces: &[Vec<String>],
) -> Result<Vec<Vec<u64>>, BallotError> {
    if nonces.len() != cts.len() || nonces.iter().zip(cts).any(|(n, c)| n.len() != c.len()) {
        return Err(BallotError::Shape(
            "one nonce per selection, per contest".into(),
        ));
    }
    let mut out = Vec::new();
    for (ci, (row, ns)) in cts.iter().zip(nonces).enumerate() {
        let mut picks = Vec::new();
        for (si, (ct, n)) in row.iter().zip(ns).enumerate() {
            let r = scalar_from_hex(n).ok_or_else(|| {
                BallotError::Encoding(format!(
                    "contest {ci}, selection {si}: a nonce is a canonical scalar"
                ))
            })?;
            let m = [0u64, 1]
                .into_iter()
                .find(|&m| Ciphertext::encrypt(key, m, &r) == *ct)
                .ok_or_else(|| {
                    BallotError::Proof(format!(
                        "contest {ci}, selection {si}: the nonce does not open the ciphertext"
                    ))
                })?;
            picks.push(m);
        }
        out.push(picks);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::group::G;

    fn contests() -> Vec<Contest> {
        vec![
            Contest {
                id: "mayor".into(),
                selections: vec!["a".into(), "b".into(), "c".into()],
                limit: 1,
            },
            Contest {
                id: "council".into(),
                selections: vec!["d".into(), "e".into(), "f".into(), "g".into()],
                limit: 2,
            },
        ]
    }

    #[test]
    fn ballots_verify_for_their_voter_only_and_open_by_their_nonces() {
        let key = G * random_scalar();
        let base = [7u8; 32];
        let (alice, bob) = (AccountId([1; 32]), AccountId([2; 32]));
        let choices = vec![vec![0, 1, 0], vec![1, 0, 0, 1]];
        let (ballot, nonces) = encrypt(&base, &key, &contests(), &alice, &choices).unwrap();
        let cts = verify(&base, &key, &contests(), &alice, &ballot).unwrap();
        assert!(matches!(
            verify(&base, &key, &contests(), &bob, &ballot),
            Err(BallotError::Proof(_))
        ));
        assert!(matches!(
            verify(&[8; 32], &key, &contests(), &alice, &ballot),
            Err(BallotError::Proof(_))
        ));
        let hexes: Vec<Vec<String>> = nonces
            .iter()
            .map(|r| r.iter().map(scalar_hex).collect())
            .collect();
        assert_eq!(open(&key, &cts, &hexes).unwrap(), choices);
        // Over the limit, or not 0/1: the voter's own device refuses.
        assert!(encrypt(
            &base,
            &key,
            &contests(),
            &alice,
            &[vec![1, 1, 0], vec![0; 4]]
        )
        .is_err());
        assert!(encrypt(
            &base,
            &key,
            &contests(),
            &alice,
            &[vec![2, 0, 0], vec![0; 4]]
        )
        .is_err());
        // Swapping two selections' ciphertexts breaks their proofs.
        let mut swapped = ballot.clone();
        swapped.contests[0].selections.swap(0, 1);
        assert!(verify(&base, &key, &contests(), &alice, &swapped).is_err());
        // The code hashes the ballot's JCS form (docs/elections.md).
        let jcs =
            publica_types::canonical::to_canonical_bytes(&serde_json::to_value(&ballot).unwrap())
                .unwrap();
        let expected = hex::encode(
            Sha256::new()
                .chain_update(b"publica/elections/v1/tracking\0")
                .chain_update(base)
                .chain_update(alice.as_bytes())
                .chain_update(jcs)
                .finalize(),
        );
        assert_eq!(tracking_code(&base, &alice, &ballot), expected);
        // Tracking codes differ by voter and ballot.
        assert_ne!(
            tracking_code(&base, &alice, &ballot),
            tracking_code(&base, &bob, &ballot)
        );
    }
}
