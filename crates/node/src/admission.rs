//! Admission: every check a transaction passes before it may wait for a
//! block. Rejected transactions never reach a block.
//!
//! Order of checks: shape and limits, the signer's key, chain id, canonical form, expiry,
//! room in the mempool, the signer's share of it, signature (batched, on
//! worker threads), then nonce, duplicates, room and share again under the
//! mempool lock. Transactions beyond the mempool's room, or beyond the
//! share of it one signer may fill (a twentieth), are refused before their
//! signature is checked: an overloaded node does not spend its CPU
//! verifying what it cannot keep. Only admitted transactions count towards
//! a signer's share, so naming someone else as signer of transactions with
//! bad signatures takes nothing from them.

use crate::node::Inner;
use publica_crypto::{tx_id, verify_batch};
use publica_types::now_ms;
use publica_types::{
    codes, AccountId, Envelope, Expiry, Hash32, SignatureBytes, TxError, VerifiedTx,
};
use std::collections::HashMap;

/// Signatures verified per worker chunk; below this, one thread does it all.
const VERIFY_CHUNK_MIN: usize = 256;

/// The nice value of signature-verifying worker threads (see
/// [`yield_to_the_pipeline`]).
const VERIFIER_NICE: i32 = 19;

/// Lowers the calling thread's scheduling priority to [`VERIFIER_NICE`]
/// (on Linux the nice value is per thread).
///
/// Executing blocks in order is the node's one serial stage: each
/// millisecond it waits for a core while workers verify transactions it
/// cannot take yet is lost for good. Several batches verify at once, two
/// threads each, so at normal priority they outnumber the sequencer on the
/// run queues. At the lowest priority they run on what the stages after
/// admission leave, and when the sequencer waits for transactions it
/// leaves them everything. Raising one's own nice value needs no
/// privilege; if it fails anyway, verification runs at the normal
/// priority, which is only slower under load.
fn yield_to_the_pipeline() {
    #[cfg(target_os = "linux")]
    {
        let me = rustix::thread::gettid();
        let _ = rustix::process::setpriority_process(Some(me), VERIFIER_NICE);
    }
}

struct Candidate {
    envelope: Envelope,
    signing_bytes: Vec<u8>,
    id: Hash32,
}

fn static_checks(
    inner: &Inner,
    env: Envelope,
    next_height: u64,
    now: u64,
) -> Result<Candidate, TxError> {
    env.body.validate_shape()?;
    if publica_crypto::is_weak_key(&env.signer.0) {
        // A small-order key verifies a forged signature for any message,
        // and a non-canonical one aliases another account; neither may
        // sign (the ledger's own all-zero account is one of them).
        return Err(TxError::new(
            codes::TX_INVALID_SIGNER,
            format!("the signer {}", publica_crypto::key::WEAK_KEY_MESSAGE),
        ));
    }
    if env.body.chain_id != inner.config.chain_id {
        return Err(TxError::new(
            codes::TX_WRONG_CHAIN,
            format!(
                "this node serves chain '{}', not '{}'",
                inner.config.chain_id, env.body.chain_id
            ),
        ));
    }
    let signing_bytes = env
        .body
        .signing_bytes()
        .map_err(|e| TxError::new(codes::TX_NOT_CANONICAL, e.to_string()))?;
    if signing_bytes.len() > publica_types::limits::TX_BYTES_MAX {
        return Err(TxError::new(
            codes::TX_TOO_LARGE,
            format!(
                "transaction body exceeds {} bytes",
                publica_types::limits::TX_BYTES_MAX
            ),
        ));
    }
    let expired = match env.body.expiry {
        Expiry::Height(h) => next_height > h,
        Expiry::UnixMs(t) => now > t,
    };
    if expired {
        return Err(TxError::new(
            codes::TX_EXPIRED,
            format!(
                "expiry {:?} has passed (next block is {next_height})",
                env.body.expiry
            ),
        ));
    }
    let id = tx_id(&env.signer, &signing_bytes);
    Ok(Candidate {
        envelope: env,
        signing_bytes,
        id,
    })
}

fn verify_all(inner: &Inner, cands: &[Candidate]) -> Vec<bool> {
    // An account signs with its id's key until it rotates; the rotated
    // ones are few, so a shared map lookup per transaction is cheap.
    let keys = inner.mempool.keys.read().expect("keys lock");
    let items: Vec<(AccountId, &[u8], SignatureBytes)> = cands
        .iter()
        .map(|c| {
            (
                keys.get(&c.envelope.signer)
                    .copied()
                    .unwrap_or(c.envelope.signer),
                c.signing_bytes.as_slice(),
                c.envelope.signature,
            )
        })
        .collect();
    drop(keys);
    on_every_core(&items, VERIFY_CHUNK_MIN, |c| {
        verify_batch(c).into_iter().map(|r| r.is_ok()).collect()
    })
}

/// `work` over `items` in chunks of at least `min_chunk`, one thread per
/// core (each yielding to the block pipeline first), results in order; on
/// the calling thread when one chunk holds them all.
fn on_every_core<T: Sync, R: Send>(
    items: &[T],
    min_chunk: usize,
    work: impl Fn(&[T]) -> Vec<R> + Sync,
) -> Vec<R> {
    let threads = std::thread::available_parallelism()
        .map(std::num::NonZero::get)
        .unwrap_or(1);
    let chunk = items.len().div_ceil(threads).max(min_chunk).max(1);
    if items.len() <= chunk {
        return work(items);
    }
    let work = &work;
    std::thread::scope(|s| {
        let handles: Vec<_> = items
            .chunks(chunk)
            .map(|c| {
                s.spawn(move || {
                    yield_to_the_pipeline();
                    work(c)
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("admission worker thread"))
            .collect()
    })
}

/// Runs the modules' checks ahead ([`publica_runtime::Module::prepare`])
/// for the candidates whose signature verified and that the mempool would
/// take now (the next nonce of their signer, not pending already), on every
/// core. Only those: a replayed or out-of-order transaction costs its
/// sender's signature check and no more, as before. The mempool may still
/// refuse one afterwards (a race with another request): its preparation
/// is then wasted, never wrong.
///
/// Answers the candidates a module refused there (a refusal execution
/// would certainly make too: [`publica_runtime::Module::prepare`]), by id.
fn prepare_admissible(
    inner: &Inner,
    cands: &[Candidate],
    verified: &[bool],
) -> HashMap<Hash32, TxError> {
    let runtime = &inner.runtime;
    let candidates: Vec<&Candidate> = cands
        .iter()
        .zip(verified)
        .filter(|(c, ok)| **ok && runtime.prepares(&c.envelope.body.call.module))
        .map(|(c, _)| c)
        .collect();
    // Most transactions (transfers) prepare nothing: no lock for them.
    if candidates.is_empty() {
        return HashMap::new();
    }
    let wanted: Vec<&Candidate> = {
        let pool = inner.mempool.pool.lock().expect("mempool lock");
        let mut next: HashMap<AccountId, u64> = HashMap::new();
        candidates
            .into_iter()
            .filter(|c| !pool.ids.contains_key(&c.id))
            .filter(|c| {
                let signer = c.envelope.signer;
                let expected = *next
                    .entry(signer)
                    .or_insert_with(|| pool.expected_nonce(&signer));
                let takes = c.envelope.body.nonce == expected;
                if takes {
                    next.insert(signer, expected + 1);
                }
                takes
            })
            .collect()
    };
    if wanted.is_empty() {
        return HashMap::new();
    }
    // The committed state, a cheap shared copy: the chain goes on.
    let state = inner.chain.read().expect("chain lock").state.clone();
    on_every_core(&wanted, 1, |cs| {
        cs.iter()
            .filter_map(|c| {
                runtime
                    .prepare(&state, &c.id, &c.envelope)
                    .err()
                    .map(|e| (c.id, e))
            })
            .collect()
    })
    .into_iter()
    .collect()
}

/// Admits `envelopes`; one result per input, in order. Runs on the calling
/// thread (the API calls it from a blocking-task thread).
fn mempool_full() -> TxError {
    TxError::new(codes::MEMPOOL_FULL, "the mempool is full; retry shortly")
}

fn signer_full(share: u64) -> TxError {
    TxError::new(
        codes::MEMPOOL_SIGNER_FULL,
        format!(
            "this signer already has {share} transactions waiting, its share of the mempool; \
             retry once some are in a block"
        ),
    )
}

/// Refuses, before their signatures are checked, the candidates whose
/// signer's pending transactions (with those ahead of it in this call)
/// would exceed the signer's share of the mempool.
fn within_signer_share(
    inner: &Inner,
    cands: Vec<Candidate>,
    slots: Vec<usize>,
    results: &mut [Option<Result<Hash32, TxError>>],
) -> (Vec<Candidate>, Vec<usize>) {
    let share = inner.mempool.signer_share;
    let mut ahead: HashMap<AccountId, u64> = HashMap::new();
    let pool = inner.mempool.pool.lock().expect("mempool lock");
    let mut kept = (
        Vec::with_capacity(cands.len()),
        Vec::with_capacity(slots.len()),
    );
    for (cand, slot) in cands.into_iter().zip(slots) {
        let signer = cand.envelope.signer;
        let n = ahead
            .entry(signer)
            .or_insert_with(|| pool.pending_of(&signer));
        if *n >= share {
            results[slot] = Some(Err(signer_full(share)));
        } else {
            *n += 1;
            kept.0.push(cand);
            kept.1.push(slot);
        }
    }
    kept
}

pub(crate) fn admit(inner: &Inner, envelopes: Vec<Envelope>) -> Vec<Result<Hash32, TxError>> {
    if let Some(fault) = inner.write_fault() {
        // Nothing is admitted that could not be committed; reads go on.
        let refused = TxError::new(
            codes::NODE_READ_ONLY,
            format!(
                "the node cannot write to its disk ({fault}); it serves reads and takes \
                 transactions again when it can"
            ),
        );
        crate::Metrics::add(&inner.metrics.txs_rejected_total, envelopes.len() as u64);
        return envelopes.iter().map(|_| Err(refused.clone())).collect();
    }
    let next_height = inner.tip_height() + 1;
    let now = now_ms();
    let mut results: Vec<Option<Result<Hash32, TxError>>> = Vec::with_capacity(envelopes.len());
    let mut cands = Vec::with_capacity(envelopes.len());
    let mut slots = Vec::with_capacity(envelopes.len());
    let room = inner.mempool.capacity.saturating_sub(inner.mempool.len());
    for env in envelopes {
        match static_checks(inner, env, next_height, now) {
            Ok(_) if cands.len() >= room => results.push(Some(Err(mempool_full()))),
            Ok(c) => {
                slots.push(results.len());
                results.push(None);
                cands.push(c);
            }
            Err(e) => results.push(Some(Err(e))),
        }
    }
    let (cands, slots) = within_signer_share(inner, cands, slots, &mut results);
    let verdicts = verify_all(inner, &cands);
    let mut refused = prepare_admissible(inner, &cands, &verdicts);
    let mut pool = inner.mempool.pool.lock().expect("mempool lock");
    let mut admitted = 0u64;
    {
        for ((cand, ok), slot) in cands.into_iter().zip(verdicts).zip(slots) {
            let r = if !ok {
                Err(TxError::new(
                    codes::TX_BAD_SIGNATURE,
                    "the signature does not verify for this signer over the signing bytes",
                ))
            } else if pool.ids.contains_key(&cand.id) {
                Err(TxError::new(
                    codes::TX_NONCE_REPLAYED,
                    "this transaction is already pending",
                ))
            } else if let Some(e) = refused.remove(&cand.id) {
                Err(e)
            } else if pool.queue.len() >= inner.mempool.capacity {
                Err(mempool_full())
            } else {
                let signer = cand.envelope.signer;
                let expected = pool.expected_nonce(&signer);
                let nonce = cand.envelope.body.nonce;
                if nonce < expected {
                    Err(TxError::new(
                        codes::TX_NONCE_REPLAYED,
                        format!("nonce {nonce} is already used or pending; next is {expected}"),
                    ))
                } else if nonce > expected {
                    Err(TxError::new(
                        codes::TX_NONCE_GAP,
                        format!("nonce {nonce} skips ahead; next is {expected}"),
                    ))
                } else if nonce > inner.mempool.signer_share
                    && pool.pending_of(&signer) >= inner.mempool.signer_share
                {
                    Err(signer_full(inner.mempool.signer_share))
                } else {
                    pool.next_nonce.insert(signer, nonce + 1);
                    pool.ids.insert(cand.id, cand.envelope.signature);
                    let id = cand.id;
                    pool.queued_bytes += cand.signing_bytes.len();
                    pool.queue.push_back(VerifiedTx {
                        envelope: cand.envelope,
                        id,
                        signing_bytes: cand.signing_bytes,
                    });
                    admitted += 1;
                    Ok(id)
                }
            };
            results[slot] = Some(r);
        }
    }
    drop(pool);
    if admitted > 0 {
        inner.mempool.notify();
    }
    let out: Vec<Result<Hash32, TxError>> = results
        .into_iter()
        .map(|r| r.expect("every slot filled"))
        .collect();
    let rejected = out.iter().filter(|r| r.is_err()).count() as u64;
    crate::Metrics::add(&inner.metrics.txs_admitted_total, admitted);
    crate::Metrics::add(&inner.metrics.txs_rejected_total, rejected);
    out
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    fn own_nice() -> i32 {
        rustix::process::getpriority_process(Some(rustix::thread::gettid())).unwrap()
    }

    #[test]
    fn verifier_threads_yield_and_only_they_do() {
        let before = own_nice();
        let theirs = std::thread::spawn(|| {
            yield_to_the_pipeline();
            own_nice()
        })
        .join()
        .unwrap();
        assert_eq!(theirs, VERIFIER_NICE);
        // The nice value is the thread's: the spawning thread keeps its own.
        assert_eq!(own_nice(), before);
    }
}
