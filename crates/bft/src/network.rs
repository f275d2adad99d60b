//! A validator over real sockets: commonware's tokio runtime, its
//! authenticated p2p network among the validators with known addresses
//! (`lookup`: every connection is encrypted and both ends prove their
//! consensus key; the peers are those of the current and next validator
//! sets, followed as governance changes them), the engine stack of
//! [`crate::engine`], and the relay that passes transactions admitted at
//! one validator to the others.

use crate::app::PublicaApp;
use crate::engine::{self, Channels, Identity};
use crate::executor::Executor;
use commonware_consensus::{
    marshal::{self, standard::Standard},
    simplex::scheme::ed25519 as scheme,
};
use commonware_cryptography::{
    ed25519::{PrivateKey, PublicKey},
    ChaCha20Poly1305,
};
use commonware_p2p::{
    authenticated::lookup, Address, AddressableManager as _, Blocker as _, Receiver, Recipients,
    Sender,
};
use commonware_runtime::{
    tokio as rt, Metrics as _, Quota, Runner as _, Spawner as _, Supervisor as _,
};
use commonware_stream::{
    cups::{self, Cups},
    sake::{self, Sake},
};
use commonware_utils::{ordered::Map, NZUsize, NZU32};
use futures::StreamExt as _;
use publica_identity::{ValidatorHistory, ValidatorSetError};
use publica_types::Envelope;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Most validators a network connects: two full sets (the current one
/// and the next, while a change is pending).
pub const NETWORK_VALIDATORS_MAX: usize = 2 * publica_identity::validators::SET_MAX;
/// Most transactions in one relayed batch.
pub const RELAY_BATCH_TXS_MAX: usize = 2_000;
/// Target size of one relayed batch (it is sent once it is this big).
const RELAY_BATCH_BYTES: usize = 512 * 1024;
/// Batches waiting to be relayed; beyond this they stay local only.
const RELAY_QUEUE: usize = 1_024;
/// Relayed batches waiting for admission here.
const ADMIT_QUEUE: usize = 256;

/// Takes transactions to pass on (a node's `set_relay` hook).
pub use publica_consensus::Relay;
/// Admits transactions relayed by another validator (a node's
/// `submit_relayed`); returns how many it admitted.
pub type Admit = Arc<dyn Fn(Vec<Envelope>) -> usize + Send + Sync>;

/// One validator of a network.
pub struct ValidatorNet {
    /// Its consensus (and p2p identity) Ed25519 key's seed.
    pub signer: [u8; 32],
    /// Where it listens for peers.
    pub listen: SocketAddr,
    /// The validator sets at genesis (the node's executed state holds the
    /// later ones); a validator outside them (one being added) follows
    /// until governance adds it.
    pub genesis: ValidatorHistory,
    /// The chain id, part of every signing namespace.
    pub chain_id: String,
    /// The engine's own storage (journals, archives).
    pub storage_dir: PathBuf,
    /// Worker threads of the async runtime.
    pub worker_threads: usize,
    /// Allow private and loopback peer addresses (a local testnet).
    pub private_addresses: bool,
    /// After a state sync: the checked floor the engine starts from.
    pub floor: Option<crate::sync::Floor>,
}

/// What the caller's main task can ask of the running validator.
#[derive(Clone)]
pub struct Running {
    context: Arc<rt::Context>,
    relay: Relay,
    stats: Arc<RelayStats>,
    floors: crate::sync::Floors,
}

/// Counters of the transaction relay.
#[derive(Debug, Default)]
pub struct RelayStats {
    /// Transactions sent to the other validators.
    pub sent: std::sync::atomic::AtomicU64,
    /// Relayed transactions received and admitted here.
    pub admitted: std::sync::atomic::AtomicU64,
    /// Relayed transactions refused here (mostly already known).
    pub refused: std::sync::atomic::AtomicU64,
    /// Transactions not relayed because the queue was full.
    pub dropped: std::sync::atomic::AtomicU64,
}

impl Running {
    /// The engine's and network's metrics, Prometheus text format.
    pub fn metrics(&self) -> String {
        self.context.encode()
    }

    /// Where transactions admitted here go to reach the other validators.
    pub fn relay(&self) -> Relay {
        self.relay.clone()
    }

    /// Where the floors this validator offers to joiners come from.
    pub fn floors(&self) -> crate::sync::Floors {
        self.floors.clone()
    }

    /// The relay's counters.
    pub fn relay_stats(&self) -> &RelayStats {
        &self.stats
    }

    /// The relay's counters, read now.
    pub fn relay_counts(&self) -> publica_consensus::RelayCounts {
        use std::sync::atomic::Ordering::Relaxed;
        publica_consensus::RelayCounts {
            sent: self.stats.sent.load(Relaxed),
            admitted: self.stats.admitted.load(Relaxed),
            refused: self.stats.refused.load(Relaxed),
            dropped: self.stats.dropped.load(Relaxed),
        }
    }

    /// Runs `task` on the validator's async runtime (beside the engine,
    /// on the same worker threads) and waits for its result; `None` when
    /// the runtime stopped first. Call it from a thread outside the
    /// runtime: it blocks.
    pub fn run_task<T, F>(&self, label: &'static str, task: F) -> Option<T>
    where
        T: Send + 'static,
        F: std::future::Future<Output = T> + Send + 'static,
    {
        let handle = self.context.child(label).spawn(move |_| task);
        futures::executor::block_on(handle).ok()
    }
}

/// The signing namespace of chain `chain_id`'s consensus votes.
pub fn consensus_namespace(chain_id: &str) -> Vec<u8> {
    namespace(chain_id, "consensus")
}

fn namespace(chain_id: &str, what: &str) -> Vec<u8> {
    let mut n = engine::NAMESPACE.to_vec();
    n.extend_from_slice(format!("/{what}/{chain_id}").as_bytes());
    n
}

/// Runs validator `net` with `app` until `main` returns, and returns what
/// it returned; an error before anything starts when the genesis sets are
/// not valid.
/// Relayed transactions are admitted with `admit`; `main` gets the relay
/// for transactions admitted here.
pub fn run<X, T, F, Fut>(
    net: ValidatorNet,
    app: PublicaApp<X>,
    admit: Admit,
    main: F,
) -> Result<T, ValidatorSetError>
where
    X: Executor,
    F: FnOnce(Running) -> Fut,
    Fut: std::future::Future<Output = T>,
{
    let cfg = rt::Config::new()
        .with_storage_directory(net.storage_dir.clone())
        .with_worker_threads(net.worker_threads.max(1))
        .with_catch_panics(false);
    let signer = private_key(&net.signer);
    net.genesis.check()?;
    Ok(rt::Runner::new(cfg).start(|context| async move {
        let p2p_cfg = p2p_config(&net, &signer);
        let (mut network, oracle) = lookup::Network::new(context.child("p2p"), p2p_cfg);
        let track = tracker(oracle.clone());
        // Messages per second per peer and channel; each channel's inbound
        // mailbox is preallocated for one such burst from every possible
        // peer, so the quotas are what a validator needs, not more: about
        // 20 views a second bring a few votes, certificates and cosignature
        // lines each, and relayed batches are fewer; only backfill (a
        // validator catching up asks for many blocks) gets more.
        let quota = Quota::per_second(NZU32!(250));
        let backfill_quota = Quota::per_second(NZU32!(1_000));
        let channels = Channels {
            backfill: network.register(engine::CH_BACKFILL, backfill_quota),
            broadcast: network.register(engine::CH_BROADCAST, quota),
            votes: network.register(engine::CH_VOTES, quota),
            certificates: network.register(engine::CH_CERTIFICATES, quota),
            resolving: network.register(engine::CH_RESOLVING, quota),
            cosign: network.register(engine::CH_COSIGN, quota),
        };
        let txs = network.register(engine::CH_TXS, quota);
        network.start();

        let id = Identity {
            signer,
            genesis: net.genesis,
            namespace: consensus_namespace(&net.chain_id),
            partition: "publica".into(),
            peers: oracle.clone(),
            blocker: oracle.clone(),
            track: Some(track),
            floor: net.floor.map(|f| (f.block.height.get(), f.certificate)),
        };
        let floors = engine::start(context.child("engine"), id, channels, app).await;

        let (relay, stats) = start_relay(&context, admit, &oracle, txs);
        let out = main(Running {
            context: Arc::new(context.child("status")),
            relay,
            stats,
            floors,
        })
        .await;
        let _ = context.stop(0, Some(Duration::from_secs(5))).await;
        out
    }))
}

/// The handshake of peer connections: both ends prove their consensus key
/// (SAKE), then the stream is encrypted (CUPS, ChaCha20-Poly1305).
type Handshake = Cups<Sake<PrivateKey>, ChaCha20Poly1305>;

/// The p2p network's settings for validator `net`, whose key is `signer`.
fn p2p_config(net: &ValidatorNet, signer: &PrivateKey) -> lookup::Config<Handshake> {
    let max_message = (marshal::max_payload_size::<Standard<crate::BftBlock>, scheme::Scheme>(
        NETWORK_VALIDATORS_MAX as u32,
        &(),
    ) as u32)
        .max(RELAY_BATCH_BYTES as u32 * 4)
        .min(lookup::max_size::<Handshake>());
    let handshake = Cups::<_, ChaCha20Poly1305>::new(
        Sake {
            signer: signer.clone(),
            synchrony_bound: Duration::from_secs(5),
            max_handshake_age: Duration::from_secs(10),
            version: sake::Version::V1,
        },
        cups::Version::V1,
    );
    let p2p_namespace = namespace(&net.chain_id, "p2p");
    // Private addresses (one machine, an agencies' private network)
    // need the settings that allow them.
    let settings = if net.private_addresses {
        lookup::Config::local
    } else {
        lookup::Config::recommended
    };
    let mut p2p_cfg = settings(
        handshake,
        &p2p_namespace,
        net.listen,
        // The validators and this one (if it is not among them yet).
        NZUsize!(NETWORK_VALIDATORS_MAX + 1),
        max_message,
        NZUsize!(4_096),
    );
    // The current sets only (the orchestrator tracks each change).
    p2p_cfg.tracked_peer_sets = NZUsize!(2);
    // A restarted validator must be able to reconnect at once.
    p2p_cfg.peer_connection_cooldown = Duration::from_millis(500);
    p2p_cfg.allowed_handshake_rate_per_ip = Quota::per_second(NZU32!(64));
    p2p_cfg
}

/// The engine's hook for validator-set changes: `oracle` keeps connections
/// to each new set's peers, at their addresses.
fn tracker(mut oracle: lookup::Oracle<PublicKey>) -> engine::Tracker {
    Box::new(move |id, peers| {
        if peers.len() > NETWORK_VALIDATORS_MAX {
            tracing::error!(
                "{} validators: this build connects to at most {NETWORK_VALIDATORS_MAX}",
                peers.len()
            );
            return;
        }
        let peers: Result<Map<PublicKey, Address>, _> = peers
            .into_iter()
            .map(|(k, a)| (k, Address::Symmetric(a)))
            .collect::<Vec<_>>()
            .try_into();
        match peers {
            Ok(peers) => {
                let _ = oracle.track(id, peers);
            }
            Err(_) => tracing::error!("a validator set names one key twice"),
        }
    })
}

/// Starts the transaction relay on channel `txs` ([`run_relay`], with
/// `oracle` blocking the peers it finds misbehaving, and an admission
/// thread for `admit`); where to hand transactions admitted here, and
/// the relay's counters.
fn start_relay<S, R>(
    context: &rt::Context,
    admit: Admit,
    oracle: &lookup::Oracle<PublicKey>,
    txs: (S, R),
) -> (Relay, Arc<RelayStats>)
where
    S: Sender<PublicKey = PublicKey> + 'static,
    R: Receiver<PublicKey = PublicKey> + 'static,
{
    let stats = Arc::new(RelayStats::default());
    let (out_tx, out_rx) = futures::channel::mpsc::channel::<Vec<Envelope>>(RELAY_QUEUE);
    let out_tx = Mutex::new(out_tx);
    let dropped = stats.clone();
    let relay: Relay = Arc::new(move |batch: Vec<Envelope>| {
        let n = batch.len() as u64;
        if out_tx.lock().expect("relay lock").try_send(batch).is_err() {
            dropped
                .dropped
                .fetch_add(n, std::sync::atomic::Ordering::Relaxed);
            tracing::warn!("relay queue full: {n} transactions stay at this validator");
        }
    });
    let admitter = spawn_admitter(admit, stats.clone());
    let relay_stats = stats.clone();
    let mut blocker = oracle.clone();
    context.child("relay").spawn(move |_| async move {
        run_relay(out_rx, admitter, relay_stats, txs.0, txs.1, move |peer| {
            let _ = blocker.block(peer);
        })
        .await;
    });
    (relay, stats)
}

/// The consensus key from its seed.
fn private_key(seed: &[u8; 32]) -> PrivateKey {
    use commonware_codec::DecodeExt as _;
    PrivateKey::decode(seed.to_vec()).expect("any 32 bytes are an Ed25519 seed")
}

/// 32 bytes that are not an Ed25519 public key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("not an Ed25519 public key")]
pub struct NotAPublicKey;

/// A consensus public key from its 32 bytes.
pub fn public_key(bytes: &[u8; 32]) -> Result<PublicKey, NotAPublicKey> {
    use commonware_codec::DecodeExt as _;
    PublicKey::decode(bytes.to_vec()).map_err(|_| NotAPublicKey)
}

/// A thread that admits relayed batches (admission blocks: signature
/// checks on worker threads); a full queue drops the batch, which the
/// other validators still hold.
fn spawn_admitter(
    admit: Admit,
    stats: Arc<RelayStats>,
) -> std::sync::mpsc::SyncSender<Vec<Envelope>> {
    let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<Envelope>>(ADMIT_QUEUE);
    std::thread::Builder::new()
        .name("relay-admit".into())
        .spawn(move || {
            use std::sync::atomic::Ordering::Relaxed;
            for batch in rx {
                let n = batch.len() as u64;
                let ok = admit(batch) as u64;
                stats.admitted.fetch_add(ok, Relaxed);
                stats.refused.fetch_add(n - ok, Relaxed);
            }
        })
        .expect("spawning the relay admission thread");
    tx
}

/// Encodes a batch of transactions for the relay channel.
pub fn encode_batch(txs: &[Envelope]) -> Vec<u8> {
    serde_json::to_vec(txs).expect("envelopes serialize")
}

/// Splits `txs` into encoded batches of at most [`RELAY_BATCH_TXS_MAX`]
/// transactions and about [`RELAY_BATCH_BYTES`] (a single transaction is
/// far smaller), each with its count.
pub fn encode_batches(txs: &[Envelope]) -> Vec<(usize, Vec<u8>)> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut bytes = 0;
    for (i, tx) in txs.iter().enumerate() {
        let size = serde_json::to_vec(tx).map_or(0, |v| v.len()) + 1;
        if i > start && (i - start == RELAY_BATCH_TXS_MAX || bytes + size > RELAY_BATCH_BYTES) {
            out.push((i - start, encode_batch(&txs[start..i])));
            start = i;
            bytes = 0;
        }
        bytes += size;
    }
    if start < txs.len() {
        out.push((txs.len() - start, encode_batch(&txs[start..])));
    }
    out
}

/// Decodes a relayed batch; `None` for anything but 1..=`RELAY_BATCH_TXS_MAX`
/// well-formed envelopes (admission then checks each one fully).
pub fn decode_batch(bytes: &[u8]) -> Option<Vec<Envelope>> {
    let txs: Vec<Envelope> = serde_json::from_slice(bytes).ok()?;
    (!txs.is_empty() && txs.len() <= RELAY_BATCH_TXS_MAX).then_some(txs)
}

/// Sends this validator's admitted transactions to every other validator
/// in batches, and admits theirs. A peer sending a malformed batch is
/// blocked: only validators are connected, and an honest one never does.
async fn run_relay<S, R>(
    mut out: futures::channel::mpsc::Receiver<Vec<Envelope>>,
    admitter: std::sync::mpsc::SyncSender<Vec<Envelope>>,
    stats: Arc<RelayStats>,
    mut sender: S,
    mut receiver: R,
    mut block: impl FnMut(PublicKey),
) where
    S: Sender<PublicKey = PublicKey>,
    R: Receiver<PublicKey = PublicKey>,
{
    use std::sync::atomic::Ordering::Relaxed;
    loop {
        commonware_macros::select! {
            batch = out.next() => {
                let Some(mut batch) = batch else { return };
                // Take whatever else is already queued, up to a batch.
                while batch.len() < RELAY_BATCH_TXS_MAX {
                    match out.try_recv() {
                        Ok(more) => batch.extend(more),
                        Err(_) => break,
                    }
                }
                for bytes in encode_batches(&batch) {
                    let (n, bytes) = bytes;
                    if sender.send(Recipients::All, bytes, false).is_empty() {
                        // No peer took it (none connected, queues full):
                        // those stay here until this validator leads.
                        stats.dropped.fetch_add(n as u64, Relaxed);
                    } else {
                        stats.sent.fetch_add(n as u64, Relaxed);
                    }
                }
            },
            msg = receiver.recv() => {
                let Ok((from, raw)) = msg else { return };
                match decode_batch(raw.as_ref()) {
                    Some(txs) => {
                        let n = txs.len() as u64;
                        if admitter.try_send(txs).is_err() {
                            stats.dropped.fetch_add(n, Relaxed);
                        }
                    }
                    None => {
                        tracing::warn!(peer = %from, "malformed transaction batch: peer blocked");
                        block(from);
                    }
                }
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use publica_crypto::Keypair;
    use publica_types::{Expiry, TxBody};
    use serde_json::json;

    fn tx(n: u64) -> Envelope {
        let kp = Keypair::from_seed([3; 32]);
        let body = TxBody::new(
            "c",
            n,
            Expiry::Height(9),
            "system",
            "set_note",
            json!({"note": "x"}),
        );
        kp.sign_tx(kp.account(), body).unwrap()
    }

    #[test]
    fn consensus_keys_are_the_ledgers_ed25519_keys() {
        use commonware_codec::Encode as _;
        use commonware_cryptography::Signer as _;
        let kp = Keypair::from_seed([9; 32]);
        let public = private_key(&kp.seed()).public_key();
        assert_eq!(public.encode().as_ref(), kp.account().0.as_slice());
        assert_eq!(public_key(&kp.account().0).unwrap(), public);
    }

    #[test]
    fn batches_round_trip_and_bad_ones_are_refused() {
        let txs: Vec<Envelope> = (1..=3).map(tx).collect();
        let back = decode_batch(&encode_batch(&txs)).unwrap();
        assert_eq!(back.len(), 3);
        assert_eq!(back[2].body.nonce, 3);
        assert!(decode_batch(b"[]").is_none(), "empty");
        assert!(decode_batch(b"{}").is_none(), "not a list");
        assert!(decode_batch(b"\xff\x00").is_none(), "not JSON");
        let too_many: Vec<Envelope> = (0..=RELAY_BATCH_TXS_MAX as u64).map(|_| tx(1)).collect();
        assert!(decode_batch(&encode_batch(&too_many)).is_none(), "too many");
        // What is sent is split so that every part decodes and fits.
        let parts = encode_batches(&too_many);
        assert_eq!(parts.iter().map(|(n, _)| n).sum::<usize>(), too_many.len());
        for (n, bytes) in &parts {
            assert!(bytes.len() <= RELAY_BATCH_BYTES + 1024);
            assert_eq!(decode_batch(bytes).unwrap().len(), *n);
        }
        let big_note = "x".repeat(20_000);
        let kp = Keypair::from_seed([4; 32]);
        let big: Vec<Envelope> = (1..=60)
            .map(|n| {
                let body = TxBody::new(
                    "c",
                    n,
                    Expiry::Height(9),
                    "system",
                    "set_note",
                    json!({"note": big_note}),
                );
                kp.sign_tx(kp.account(), body).unwrap()
            })
            .collect();
        let parts = encode_batches(&big);
        assert!(parts.len() >= 3, "split by size");
        assert!(parts
            .iter()
            .all(|(_, b)| b.len() <= RELAY_BATCH_BYTES + 1024));
        assert!(encode_batches(&[]).is_empty());
    }
}
