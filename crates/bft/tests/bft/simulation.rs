//! Four validators in a deterministic simulation: they finalize the same
//! Publica blocks (same header hashes, same state roots) while a validator
//! is partitioned away and comes back, and while one is slow; two down halt
//! the chain without a
//! fork and it resumes when they return; a validator proposing a parent
//! header it did not compute never gets a block finalized. Every executed
//! height ends with a checkpoint cosigned by a quorum, which opens offline
//! against the validators' cosigner keys (also for the validator that was
//! away and caught up). An equivocating validator (the engine's own
//! conflicter) is proven and recorded by every honest one; one sending junk
//! on every channel is blocked; neither forks or stops the chain. A crashed
//! validator (all its tasks aborted at once) restarts from its storage,
//! catches up and proposes again. Each scenario
//! runs under several seeds; a seed replays the same run (checked).

use commonware_runtime::{deterministic, Clock, Runner as _};
use publica_bft::sim::{finality, link, validator_keys, SimNetwork, ORIGIN};
use publica_bft::{Fault, Ledger, PublicaApp};
use publica_crypto::Keypair;
use publica_log::open_cosigned;
use publica_runtime::Runtime;
use publica_state::StateTree;
use publica_types::{Envelope, Expiry, TxBody};
use serde_json::json;
use std::time::Duration;

const CHAIN: &str = "publica-sim";
const N: usize = 4;

/// Seeds 1..=8, or only `PUBLICA_SIM_SEED` (to replay a failing one).
fn seeds() -> Vec<u64> {
    publica_bft::sim::seeds(8)
}

/// A deterministic runtime for `seed` (virtual time, at most 10 minutes).
fn runner(seed: u64) -> deterministic::Runner {
    eprintln!("seed {seed} (PUBLICA_SIM_SEED={seed} replays it)");
    deterministic::Runner::new(
        deterministic::Config::new()
            .with_seed(seed)
            .with_timeout(Some(Duration::from_secs(600))),
    )
}

/// Runs `scenario` under every seed.
fn each_seed<F, Fut>(scenario: F)
where
    F: Fn(deterministic::Context, u64) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    for seed in seeds() {
        runner(seed).start(|context| scenario(context, seed));
    }
}

/// Account `a`'s `n`-th transaction: register, then notes.
fn tx(a: u8, n: u64) -> Envelope {
    let kp = Keypair::from_seed([a; 32]);
    let (method, args) = if n == 1 {
        ("register_account", json!({}))
    } else {
        ("set_note", json!({"note": format!("note {n} of {a}")}))
    };
    let body = TxBody::new(CHAIN, n, Expiry::Height(1 << 30), "system", method, args);
    kp.sign_tx(kp.account(), body).expect("signs")
}

fn apps(faulty: Option<(usize, Fault)>) -> Vec<PublicaApp> {
    (0..N)
        .map(|i| {
            let app = PublicaApp::new(
                Ledger::new(CHAIN, Runtime::new(), StateTree::new()),
                finality(i, N),
            );
            match faulty {
                Some((f, fault)) if f == i => app.with_fault(fault),
                _ => app,
            }
        })
        .collect()
}

async fn start(context: &deterministic::Context, apps: &[PublicaApp]) -> SimNetwork {
    let mut net = SimNetwork::start(context, validator_keys(N)).await;
    net.connect_all(link(20, 2)).await;
    for (i, app) in apps.iter().enumerate() {
        net.start_validator(context, i, app.clone()).await;
    }
    net
}

/// Waits (in virtual time, at most `limit`) until `ok` holds for every
/// validator in `who`.
async fn until(
    context: &deterministic::Context,
    apps: &[PublicaApp],
    who: &[usize],
    limit: Duration,
    ok: impl Fn(&Ledger) -> bool,
) -> bool {
    let deadline = context.current() + limit;
    loop {
        if who.iter().all(|&i| apps[i].with_ledger(&ok)) {
            return true;
        }
        if context.current() >= deadline {
            return false;
        }
        context.sleep(Duration::from_millis(50)).await;
    }
}

fn heights(apps: &[PublicaApp]) -> Vec<u64> {
    apps.iter().map(|a| a.with_ledger(Ledger::height)).collect()
}

/// The validators `who` reach `height` with the first transaction of every
/// account in `accounts` committed.
async fn goes_on(
    context: &deterministic::Context,
    apps: &[PublicaApp],
    who: &[usize],
    height: u64,
    accounts: std::ops::Range<u8>,
) {
    assert!(
        until(context, apps, who, Duration::from_secs(120), |l| {
            l.height() >= height && committed(l, accounts.clone(), 1)
        })
        .await,
        "the chain goes on: {:?}",
        heights(apps)
    );
}

/// With validator `away` cut off or stopped, the others commit round
/// `nonce` of accounts `0..accounts` (sent to them) and ten more blocks,
/// while `away` stays behind.
async fn others_go_on(
    context: &deterministic::Context,
    apps: &[PublicaApp],
    away: usize,
    accounts: u8,
    nonce: u64,
) {
    let before = heights(apps)[away];
    let others: Vec<usize> = (0..N).filter(|i| *i != away).collect();
    for a in 0..accounts {
        assert!(apps[others[a as usize % others.len()]].submit(tx(a, nonce)));
    }
    assert!(
        until(context, apps, &others, Duration::from_secs(60), |l| {
            committed(l, 0..accounts, nonce) && l.height() >= before + 10
        })
        .await,
        "the others go on without {away}: {:?}",
        heights(apps)
    );
    assert!(
        heights(apps)[away] <= before + 1,
        "validator {away} cannot finalize alone"
    );
}

/// Every pair of validators agrees on every height both executed: header
/// hash (which covers state root, results and log root). Returns a
/// fingerprint of the common chain.
fn agree(apps: &[PublicaApp], who: &[usize]) -> String {
    let common = who
        .iter()
        .map(|&i| apps[i].with_ledger(Ledger::height))
        .min()
        .unwrap();
    assert!(common > 0, "something was finalized");
    let mut print = Vec::new();
    for h in 1..=common {
        let hashes: Vec<_> = who
            .iter()
            .map(|&i| apps[i].with_ledger(|l| l.header_hash(h).unwrap()))
            .collect();
        assert!(
            hashes.windows(2).all(|w| w[0] == w[1]),
            "validators differ at height {h}"
        );
        print.extend_from_slice(&hashes[0]);
    }
    format!("{common}:{}", publica_crypto::sha256(&print))
}

/// Every validator in `who` gets, for every height all of them executed, a
/// checkpoint cosigned by a quorum of the set, which opens offline against
/// the cosigner keys alone and matches its own header.
async fn final_everywhere(context: &deterministic::Context, apps: &[PublicaApp], who: &[usize]) {
    let common = who
        .iter()
        .map(|&i| apps[i].with_ledger(Ledger::height))
        .min()
        .unwrap();
    let all_final = || {
        who.iter().all(|&i| {
            apps[i].with_finality(|f| (1..=common).all(|h| f.final_checkpoint(h).is_some()))
        })
    };
    let deadline = context.current() + Duration::from_secs(30);
    while !all_final() {
        assert!(
            context.current() < deadline,
            "final checkpoints up to {common} everywhere"
        );
        context.sleep(Duration::from_millis(50)).await;
    }
    let keys = apps[0].with_finality(|f| f.set().to_vec());
    for &i in who {
        for h in 1..=common {
            let note = apps[i].with_finality(|f| f.final_checkpoint(h).unwrap().clone());
            let cp = open_cosigned(&note, &keys, 3, ORIGIN).expect("opens with 3 of 4");
            let header = apps[i].with_ledger(|l| l.blocks()[h as usize - 1].header.clone());
            assert_eq!((cp.size, cp.root), (header.log_size, header.log_root));
        }
    }
}

fn committed(l: &Ledger, accounts: std::ops::Range<u8>, nonce: u64) -> bool {
    accounts
        .into_iter()
        .all(|a| l.committed_nonce(&Keypair::from_seed([a; 32]).account()) >= nonce)
}

fn all_ok(l: &Ledger) -> bool {
    l.blocks().iter().all(|b| {
        b.outcomes
            .iter()
            .all(|o| o.status == publica_types::TxStatus::Ok)
    })
}

fn partition_run(seed: u64) -> String {
    runner(seed).start(|context| async move {
        let apps = apps(None);
        let mut net = start(&context, &apps).await;
        let all: Vec<usize> = (0..N).collect();
        // Ten accounts, four transactions each, spread over the validators.
        for n in 1..=4u64 {
            for a in 0..10u8 {
                assert!(apps[(a as usize + n as usize) % N].submit(tx(a, n)));
            }
            assert!(
                until(&context, &apps, &all, Duration::from_secs(60), |l| {
                    committed(l, 0..10, n)
                })
                .await,
                "round {n} committed: heights {:?}",
                heights(&apps)
            );
        }
        agree(&apps, &all);

        // Validator 3 is cut off; the other three go on and commit more.
        net.isolate(3).await;
        others_go_on(&context, &apps, 3, 10, 5).await;

        // It returns and catches up through backfill, then agrees.
        net.reconnect(3, link(20, 2)).await;
        let target = heights(&apps)[..3].iter().copied().max().unwrap();
        assert!(
            until(&context, &apps, &[3], Duration::from_secs(60), |l| l
                .height()
                >= target)
            .await,
            "validator 3 catches up to {target}: {:?}",
            heights(&apps)
        );
        agree(&apps, &all);

        // Validator 1 becomes slow (300 ms links); everyone, it included,
        // still commits and agrees.
        net.isolate(1).await;
        net.reconnect(1, link(300, 50)).await;
        for a in 0..10u8 {
            assert!(apps[a as usize % N].submit(tx(a, 6)));
        }
        assert!(
            until(&context, &apps, &all, Duration::from_secs(60), |l| {
                committed(l, 0..10, 6)
            })
            .await,
            "commits with a slow validator: {:?}",
            heights(&apps)
        );
        for app in &apps {
            assert!(app.with_ledger(all_ok), "every transaction succeeded");
        }
        final_everywhere(&context, &apps, &all).await;
        agree(&apps, &all)
    })
}

#[test]
fn validators_agree_and_a_partitioned_one_catches_up() {
    for seed in seeds() {
        let first = partition_run(seed);
        eprintln!("seed {seed}: common chain {first}");
        if seed == 1 {
            assert_eq!(
                first,
                partition_run(seed),
                "seed {seed} replays the same run"
            );
        }
    }
}

#[test]
fn two_down_halts_without_a_fork_and_resumes() {
    each_seed(|context, seed| async move {
        let apps = apps(None);
        let mut net = start(&context, &apps).await;
        let all: Vec<usize> = (0..N).collect();
        assert!(
            until(&context, &apps, &all, Duration::from_secs(30), |l| l
                .height()
                >= 5)
            .await
        );
        net.isolate(2).await;
        net.isolate(3).await;
        // Let blocks in flight settle, then nothing more is final.
        context.sleep(Duration::from_secs(3)).await;
        let halted = heights(&apps);
        assert!(apps[0].submit(tx(7, 1)));
        context.sleep(Duration::from_secs(20)).await;
        assert_eq!(
            heights(&apps),
            halted,
            "no quorum, no new block (seed {seed})"
        );
        agree(&apps, &all);

        net.reconnect(2, link(20, 2)).await;
        net.reconnect(3, link(20, 2)).await;
        let top = *halted.iter().max().unwrap();
        assert!(
            until(&context, &apps, &all, Duration::from_secs(60), |l| l
                .height()
                >= top + 5
                && committed(l, 7..8, 1))
            .await,
            "resumes: {:?}",
            heights(&apps)
        );
        agree(&apps, &all);
        final_everywhere(&context, &apps, &all).await;
    });
}

#[test]
fn a_validator_lying_about_the_parent_state_gets_nothing_finalized() {
    each_seed(|context, seed| async move {
        let apps = apps(Some((3, Fault::WrongExecutedHeader)));
        let _net = start(&context, &apps).await;
        let all: Vec<usize> = (0..N).collect();
        // Its own transactions wait in its mempool: they are committed
        // only if one of its proposals is finalized.
        for a in 0..4u8 {
            assert!(apps[3].submit(tx(40 + a, 1)));
            assert!(apps[a as usize % 3].submit(tx(a, 1)));
        }
        goes_on(&context, &apps, &all, 16, 0..4).await;
        agree(&apps, &all);
        for app in &apps {
            assert!(
                app.with_ledger(|l| !committed(l, 40..41, 1) && !committed(l, 41..42, 1)),
                "none of the liar's proposals was finalized (seed {seed})"
            );
        }
        final_everywhere(&context, &apps, &all).await;
    });
}

/// Validator 0 is Byzantine: it equivocates (the engine's conflicter) and,
/// with `garbage`, also floods every other channel with junk.
fn byzantine_run(garbage: bool) {
    use commonware_consensus::simplex::mocks::conflicter::{Config, Conflicter};
    use commonware_consensus::simplex::scheme::ed25519;
    use commonware_cryptography::Sha256;
    use commonware_p2p::{Recipients, Sender as _};
    use commonware_runtime::{Quota, Spawner as _, Supervisor as _};
    use commonware_utils::NZU32;
    each_seed(|context, seed| async move {
        let apps = apps(None);
        let mut net = SimNetwork::start(&context, validator_keys(N)).await;
        net.connect_all(link(20, 2)).await;
        // Validator 0 runs the engine's equivocator: it signs two
        // different notarize and finalize votes for every proposal.
        let scheme = ed25519::Scheme::signer(
            publica_bft::sim::NAMESPACE,
            net.participants.clone(),
            net.keys[0].clone(),
        )
        .unwrap();
        let (raw_tx, raw_rx) = net
            .oracle
            .control(net.key(0))
            .register(3, Quota::per_second(NZU32!(100_000)))
            .await
            .unwrap();
        // Votes travel on one sub-channel per epoch; this chain stays in
        // epoch 0.
        let (mux, mut epochs) =
            commonware_p2p::utils::mux::Muxer::new(context.child("byzantine_mux"), raw_tx, raw_rx);
        mux.start();
        let votes = epochs.register(0).await.unwrap();
        Conflicter::<_, _, Sha256>::new(context.child("byzantine"), Config { scheme }).start(votes);
        // It also sends garbage on every other channel.
        if garbage {
            let control = net.oracle.control(net.key(0));
            let mut senders = Vec::new();
            for channel in [1, 2, 4, 5, 6] {
                let (tx, _rx) = control
                    .register(channel, Quota::per_second(NZU32!(100_000)))
                    .await
                    .unwrap();
                senders.push((tx, _rx));
            }
            context.child("garbage").spawn(move |ctx| async move {
                for n in 0u64.. {
                    ctx.sleep(Duration::from_millis(50)).await;
                    let junk = publica_crypto::sha256(&n.to_be_bytes()).0;
                    for (tx, _) in &mut senders {
                        tx.send(
                            Recipients::All,
                            junk[..(n % 32) as usize + 1].to_vec(),
                            false,
                        );
                    }
                }
            });
        }
        let honest = [1, 2, 3];
        for &i in &honest {
            net.start_validator(&context, i, apps[i].clone()).await;
        }
        for a in 0..6u8 {
            assert!(apps[1 + a as usize % 3].submit(tx(a, 1)));
        }
        goes_on(&context, &apps, &honest, 10, 0..6).await;
        agree(&apps, &honest);
        final_everywhere(&context, &apps, &honest).await;
        // Junk gets the sender blocked by every honest validator;
        // otherwise each of them holds proof against validator 0, and
        // only against it.
        if garbage {
            let blocked = net.oracle.blocked().await.unwrap();
            for &i in &honest {
                assert!(
                    blocked.contains(&(net.key(i), net.key(0))),
                    "{i} blocks the sender of junk"
                );
            }
            assert!(blocked.iter().all(|(_, b)| *b == net.key(0)));
            return;
        }
        let offender = net.participants.position(&net.key(0)).unwrap() as u32;
        for &i in &honest {
            let ev = apps[i].evidence();
            assert!(
                !ev.is_empty(),
                "validator {i} recorded evidence (seed {seed})"
            );
            assert!(ev
                .iter()
                .all(|e| e.offender == offender && !e.proof.is_empty()));
            assert!(ev.iter().any(|e| e.kind.starts_with("conflicting_")));
        }
    });
}

#[test]
fn an_equivocating_validator_is_recorded_and_cannot_fork_the_chain() {
    byzantine_run(false);
}

#[test]
fn a_validator_sending_garbage_is_blocked_and_the_chain_goes_on() {
    byzantine_run(true);
}

#[test]
fn a_crashed_validator_restarts_and_catches_up() {
    each_seed(|context, _seed| async move {
        let apps = apps(None);
        let mut net = SimNetwork::start(&context, validator_keys(N)).await;
        net.connect_all(link(20, 2)).await;
        let mut handles: Vec<_> = (0..N)
            .map(|i| net.spawn_validator(&context, i, apps[i].clone()))
            .collect();
        let all: Vec<usize> = (0..N).collect();
        for a in 0..8u8 {
            assert!(apps[a as usize % N].submit(tx(a, 1)));
        }
        assert!(
            until(&context, &apps, &all, Duration::from_secs(60), |l| {
                committed(l, 0..8, 1)
            })
            .await
        );
        // Validator 2 crashes; the others go on without it.
        handles[2].abort();
        others_go_on(&context, &apps, 2, 8, 2).await;
        // It restarts from its storage, catches up, and takes part again:
        // transactions sent only to it are committed.
        handles[2] = net.spawn_validator(&context, 2, apps[2].clone());
        for a in 0..8u8 {
            assert!(apps[2].submit(tx(a, 3)));
        }
        assert!(
            until(&context, &apps, &all, Duration::from_secs(120), |l| {
                committed(l, 0..8, 3)
            })
            .await,
            "the restarted validator catches up and proposes: {:?}",
            heights(&apps)
        );
        agree(&apps, &all);
        final_everywhere(&context, &apps, &all).await;
    });
}
