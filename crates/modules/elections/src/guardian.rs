//! A guardian's side of the ceremony and the tally, off the ledger: its
//! ceremony message (commitments, proofs, sealed shares), opening and
//! checking the shares sent to it, and its partial decryption of the
//! tally. The CLI and the demo use these; the ledger only checks.

use crate::ballot::{coefficient_context, share_context};
use crate::ceremony::{share_checks, Dealer};
use crate::group::{point_from_hex, point_hex, scalar_from_hex, scalar_hex, Point, Scalar};
use crate::model::{
    share_aad, Commitment, ComplaintStatus, Election, Guardian, SealedShare, WireProof, WireShare,
};
use crate::proofs::{prove_knowledge, prove_share};
use publica_crypto::seal::{DataKey, SealKey};

/// Guardian `n`'s ceremony message for `guardians`, from its polynomial.
pub fn message(
    dealer: &Dealer,
    election: &str,
    manifest_hash: &[u8; 32],
    n: u32,
    guardians: &[Guardian],
) -> Result<Commitment, String> {
    let commitments = dealer.commitments();
    let proofs = dealer
        .coefficients()
        .iter()
        .zip(&commitments)
        .enumerate()
        .map(|(j, (a, k))| {
            let p = prove_knowledge(&coefficient_context(manifest_hash, n, j as u32), a, k);
            WireProof {
                c: scalar_hex(&p.c),
                v: scalar_hex(&p.v),
            }
        })
        .collect();
    let mut shares = Vec::new();
    for (i, g) in guardians.iter().enumerate() {
        let to = i as u32 + 1;
        if to == n {
            continue;
        }
        let key: [u8; 32] = hex::decode(&g.seal_key)
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| format!("guardian {to}'s seal key"))?;
        let data_key = DataKey::generate();
        let wrapped = data_key
            .wrap_for(&key)
            .map_err(|e| format!("guardian {to}'s seal key: {e}"))?;
        let mut sealed = wrapped.to_vec();
        sealed
            .extend(data_key.encrypt(dealer.share_for(to).as_bytes(), &share_aad(election, n, to)));
        shares.push(SealedShare {
            to,
            sealed: hex::encode(sealed),
        });
    }
    Ok(Commitment {
        commitments: commitments.iter().map(point_hex).collect(),
        proofs,
        shares,
    })
}

/// Opens the share dealer `from` sealed for guardian `to` and checks it
/// against the dealer's commitments. `Err` names what failed: a
/// guardian complains of the dealer when the share does not check.
pub fn open_share(
    key: &SealKey,
    election: &str,
    from: u32,
    to: u32,
    message: &Commitment,
) -> Result<Scalar, String> {
    let sealed = message
        .shares
        .iter()
        .find(|s| s.to == to)
        .and_then(|s| hex::decode(&s.sealed).ok())
        .ok_or_else(|| format!("guardian {from} sent guardian {to} no share"))?;
    let split = publica_crypto::seal::WRAPPED_LEN.min(sealed.len());
    let (wrapped, body) = sealed.split_at(split);
    let plain = key
        .unwrap_key(wrapped)
        .and_then(|k| k.decrypt(body, &share_aad(election, from, to)))
        .map_err(|e| format!("guardian {from}'s share does not open: {e}"))?;
    let bytes: [u8; 32] = plain
        .try_into()
        .map_err(|_| format!("guardian {from}'s share is not 32 bytes"))?;
    let share = Option::<Scalar>::from(Scalar::from_canonical_bytes(bytes))
        .ok_or_else(|| format!("guardian {from}'s share is not a scalar"))?;
    let commitments: Vec<Point> = message
        .commitments
        .iter()
        .filter_map(|c| point_from_hex(c))
        .collect();
    if share_checks(&commitments, to, &share) {
        Ok(share)
    } else {
        Err(format!(
            "guardian {from}'s share to guardian {to} fails its commitments"
        ))
    }
}

/// The share dealer `from` revealed for guardian `to` in answer to its
/// complaint, if it did.
pub fn revealed(e: &Election, from: u32, to: u32) -> Option<Scalar> {
    e.complaints
        .iter()
        .find(|c| c.dealer == from && c.guardian == to && c.status == ComplaintStatus::Answered)
        .and_then(|c| c.share.as_deref())
        .and_then(scalar_from_hex)
}

/// The qualified dealers whose shares to guardian `n` fail (do not open,
/// or fail their commitments) and were not revealed in public: those `n`
/// complains of. `messages` in guardian order.
pub fn failing_dealers(
    key: &SealKey,
    e: &Election,
    n: u32,
    messages: &[Commitment],
) -> Vec<(u32, String)> {
    e.qualified()
        .into_iter()
        .filter(|&from| from != n && revealed(e, from, n).is_none())
        .filter_map(|from| {
            let m = messages.get(from as usize - 1)?;
            open_share(key, &e.id, from, n, m)
                .err()
                .map(|why| (from, why))
        })
        .collect()
}

/// Guardian `n`'s decryption secret `z_n = Σ_{i ∈ QUAL} P_i(n)`: its own
/// share if it is qualified, the share each other qualified dealer
/// revealed for it in public or else sealed for it (opened and checked).
/// `messages` in guardian order, its own included.
pub fn secret(
    dealer: &Dealer,
    key: &SealKey,
    e: &Election,
    n: u32,
    messages: &[Commitment],
) -> Result<Scalar, String> {
    let mut z = Scalar::ZERO;
    for from in e.qualified() {
        z += if from == n {
            dealer.share_for(n)
        } else if let Some(share) = revealed(e, from, n) {
            share
        } else {
            let m = messages
                .get(from as usize - 1)
                .ok_or_else(|| format!("guardian {from}'s ceremony message is missing"))?;
            open_share(key, &e.id, from, n, m)?
        };
    }
    Ok(z)
}

/// Guardian `n`'s partial decryption of the tally (`[A, B]` hex per
/// selection, per contest) with its secret `z`.
pub fn decrypt(
    base: &[u8; 32],
    aggregate: &[Vec<[String; 2]>],
    n: u32,
    z: &Scalar,
) -> Result<Vec<Vec<WireShare>>, String> {
    let public = crate::group::G * z;
    let mut out = Vec::new();
    for (ci, row) in aggregate.iter().enumerate() {
        let mut shares = Vec::new();
        for (si, cell) in row.iter().enumerate() {
            let a = point_from_hex(&cell[0]).ok_or("the tally is not made of points")?;
            let m = a * z;
            let p = prove_share(&share_context(base, n, ci, si), &a, z, &public, &m);
            shares.push(WireShare {
                m: point_hex(&m),
                c: scalar_hex(&p.c),
                v: scalar_hex(&p.v),
            });
        }
        out.push(shares);
    }
    Ok(out)
}
