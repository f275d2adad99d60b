//! Validator-set changes by identity governance, in the deterministic
//! simulation: four genesis validators and a fifth that only follows; the
//! agencies approve (3 of 4) adding the fifth, which takes part from the
//! next engine epoch on every validator (proven by stopping a genesis
//! validator: a 4-of-5 quorum then needs the new one); then they remove a
//! genesis validator, and the chain goes on with two of the five down,
//! which only the smaller set allows. Every final checkpoint opens offline
//! against the set of its height, and all validators agree on every block.
//! A stopped validator restarted epochs later catches up across the
//! switches and votes again.
#![allow(
    clippy::too_many_lines,
    reason = "a scenario test reads top to bottom as one story"
)]

use commonware_runtime::{deterministic, Clock, Runner as _};
use publica_bft::sim::{finality, link, validator, validator_keys, SimNetwork, ORIGIN};
use publica_bft::{Executor, Ledger, PublicaApp};
use publica_crypto::Keypair;
use publica_identity::genesis::{Genesis, GenesisAgency, GenesisGovernance, GenesisValidators};
use publica_runtime::Runtime;
use publica_types::{Envelope, Expiry, TxBody, TxStatus};
use serde_json::{json, Value};
use std::time::Duration;

const CHAIN: &str = "publica-sim-sets";
/// Heights per epoch: short, so the run crosses many epoch boundaries.
const EPOCH_BLOCKS: u64 = 8;

fn admin(i: usize) -> Keypair {
    Keypair::from_seed([0x40 + i as u8; 32])
}

fn genesis(keys: &[commonware_cryptography::ed25519::PrivateKey]) -> Genesis {
    Genesis {
        version: 1,
        chain_id: CHAIN.into(),
        agencies: (0..4)
            .map(|i| GenesisAgency {
                id: format!("agency-{i}"),
                name: format!("Agency {i}"),
                administrators: vec![admin(i).account()],
                policy_threshold: 1,
            })
            .collect(),
        governance: GenesisGovernance {
            create_agency_threshold: 3,
        },
        validators: Some(GenesisValidators {
            epoch_blocks: EPOCH_BLOCKS,
            set: (0..4).map(|i| validator(i, &keys[i])).collect(),
        }),
    }
}

/// Agency `i`'s administrator's `nonce`-th call of identity.`method`.
fn governance(i: usize, nonce: u64, method: &str, args: Value) -> Envelope {
    let kp = admin(i);
    let body = TxBody::new(
        CHAIN,
        nonce,
        Expiry::Height(1 << 30),
        "identity",
        method,
        args,
    );
    kp.sign_tx(kp.account(), body).expect("signs")
}

/// Until `ok` holds for every validator in `who` (virtual time).
async fn until(
    context: &deterministic::Context,
    apps: &[PublicaApp],
    who: &[usize],
    limit: Duration,
    what: &str,
    ok: impl Fn(&Ledger) -> bool,
) {
    let deadline = context.current() + limit;
    while !who.iter().all(|&i| apps[i].with_ledger(&ok)) {
        let heights: Vec<u64> = apps.iter().map(|a| a.with_ledger(Ledger::height)).collect();
        assert!(context.current() < deadline, "{what}: heights {heights:?}");
        context.sleep(Duration::from_millis(50)).await;
    }
}

/// The validators `who` finalize `blocks` more heights.
async fn goes_on(
    context: &deterministic::Context,
    apps: &[PublicaApp],
    who: &[usize],
    blocks: u64,
    what: &str,
) {
    let h = apps[who[0]].with_ledger(Ledger::height);
    let limit = Duration::from_secs(120);
    until(context, apps, who, limit, what, |l| {
        l.height() >= h + blocks
    })
    .await;
}

/// The executed status of every transaction signed by `signer` so far.
fn statuses(l: &Ledger, signer: &Keypair) -> Vec<TxStatus> {
    l.blocks()
        .iter()
        .flat_map(|b| b.transactions.iter().zip(&b.outcomes))
        .filter(|(t, _)| t.signer == signer.account())
        .map(|(_, o)| o.status)
        .collect()
}

/// A proposal of agency 0 (its nonce `nonce`), approved by agencies 1 and
/// 2 once it is on the chain; returns the height from which the change
/// finalizes blocks.
async fn change_set(
    context: &deterministic::Context,
    apps: &[PublicaApp],
    via: &[usize],
    nonce: u64,
    action: Value,
) -> u64 {
    let epochs_before = apps[via[0]].with_ledger(|l| l.validators().unwrap().epochs.len());
    assert!(apps[via[0]].submit(governance(
        0,
        nonce,
        "propose",
        json!({"as_agency": "agency-0", "action": action}),
    )));
    until(
        context,
        apps,
        via,
        Duration::from_secs(60),
        "the proposal",
        |l| statuses(l, &admin(0)).len() as u64 >= nonce,
    )
    .await;
    let id = nonce; // agency 0 makes every proposal of this chain
    for (k, i) in [1usize, 2].into_iter().enumerate() {
        assert!(apps[via[k % via.len()]].submit(governance(
            i,
            nonce,
            "approve",
            json!({"as_agency": format!("agency-{i}"), "proposal": id}),
        )));
    }
    until(
        context,
        apps,
        via,
        Duration::from_secs(60),
        "the approvals",
        |l| l.validators().unwrap().epochs.len() > epochs_before,
    )
    .await;
    for i in 0..3 {
        let s = apps[via[0]].with_ledger(|l| statuses(l, &admin(i)));
        assert!(s.iter().all(|s| *s == TxStatus::Ok), "agency {i}: {s:?}");
    }
    apps[via[0]].with_ledger(|l| l.validators().unwrap().epochs.last().unwrap().first_height)
}

#[test]
fn governance_adds_and_removes_validators_at_epoch_boundaries() {
    for seed in publica_bft::sim::seeds(4) {
        eprintln!("seed {seed} (PUBLICA_SIM_SEED={seed} replays it)");
        let runner = deterministic::Runner::new(
            deterministic::Config::new()
                .with_seed(seed)
                .with_timeout(Some(Duration::from_secs(900))),
        );
        runner.start(|context| async move {
            let keys = validator_keys(5);
            let g = genesis(&keys);
            g.validate().unwrap();
            let apps: Vec<PublicaApp> = (0..5)
                .map(|i| {
                    let mut rt = Runtime::new();
                    rt.register(Box::new(publica_identity::Identity));
                    PublicaApp::new(Ledger::new(CHAIN, rt, g.initial_state()), finality(i, 4))
                })
                .collect();
            let mut net = SimNetwork::start(&context, keys.clone()).await;
            net.connect_all(link(20, 2)).await;
            let mut handles: Vec<_> = (0..5)
                .map(|i| Some(net.spawn_validator(&context, i, apps[i].clone())))
                .collect();
            let genesis_set = [0, 1, 2, 3];
            until(
                &context,
                &apps,
                &genesis_set,
                Duration::from_secs(60),
                "first blocks",
                |l| l.height() >= 3,
            )
            .await;
            // Epoch switches cost no leader timeout each (1 s: ten of them
            // would take 16 s or more here).
            let started = context.current();
            let h = apps[0].with_ledger(Ledger::height);
            until(
                &context,
                &apps,
                &genesis_set,
                Duration::from_secs(60),
                "ten epoch switches",
                |l| l.height() >= h + 10 * EPOCH_BLOCKS,
            )
            .await;
            let took = context.current().duration_since(started).unwrap();
            eprintln!("ten epochs in {took:?}");
            assert!(took < Duration::from_secs(12), "ten epochs took {took:?}");

            // Add validator 4.
            let added_from = change_set(
                &context,
                &apps,
                &genesis_set,
                1,
                json!({"kind": "add_validator", "validator": validator(4, &keys[4])}),
            )
            .await;
            assert_eq!(added_from % EPOCH_BLOCKS, 0, "a change starts an epoch");
            let all = [0, 1, 2, 3, 4];
            until(
                &context,
                &apps,
                &all,
                Duration::from_secs(120),
                "everyone in the 5-set epoch",
                |l| l.height() >= added_from + 2,
            )
            .await;
            // Validator 0 stops: 4 of the 5 must vote, so validator 4 does.
            handles[0].take().unwrap().abort();
            goes_on(
                &context,
                &apps,
                &[1, 2, 3, 4],
                2 * EPOCH_BLOCKS,
                "the 5-set without 0",
            )
            .await;

            // Remove validator 0 (proposed and approved through others).
            let removed_from = change_set(
                &context,
                &apps,
                &[1, 2, 3, 4],
                2,
                json!({"kind": "remove_validator", "name": "validator-0"}),
            )
            .await;
            until(
                &context,
                &apps,
                &[1, 2, 3, 4],
                Duration::from_secs(120),
                "the 4-set epoch",
                |l| l.height() > removed_from,
            )
            .await;
            // Validator 1 stops too: in the 4-set, 3 of 4 still finalize
            // (in the 5-set, 3 of 5 could not).
            handles[1].take().unwrap().abort();
            let rest = [2, 3, 4];
            goes_on(
                &context,
                &apps,
                &rest,
                2 * EPOCH_BLOCKS,
                "the 4-set without 1",
            )
            .await;

            // Same blocks everywhere; every final checkpoint opens against
            // the set of its height, from the sets the ledger recorded.
            let common = rest
                .iter()
                .map(|&i| apps[i].with_ledger(Ledger::height))
                .min()
                .unwrap();
            for h in 1..=common {
                let hashes: Vec<_> = rest
                    .iter()
                    .map(|&i| apps[i].with_ledger(|l| l.header_hash(h).unwrap()))
                    .collect();
                assert!(hashes.windows(2).all(|w| w[0] == w[1]), "height {h}");
            }
            let history = apps[2].with_ledger(|l| l.validators().unwrap());
            assert_eq!(history.set_at(added_from - 1).len(), 4);
            assert_eq!(history.set_at(added_from).len(), 5);
            assert_eq!(history.set_at(removed_from).len(), 4);
            assert!(history
                .set_at(removed_from)
                .iter()
                .all(|v| v.name != "validator-0"));
            let verifier = history.verifier_set(ORIGIN).unwrap();
            let deadline = context.current() + Duration::from_secs(30);
            let last = common - 1;
            while !rest
                .iter()
                .all(|&i| apps[i].with_finality(|f| f.final_checkpoint(last).is_some()))
            {
                assert!(
                    context.current() < deadline,
                    "final checkpoints up to {last}"
                );
                context.sleep(Duration::from_millis(50)).await;
            }
            for &i in &rest {
                for h in [added_from - 1, added_from, removed_from, last] {
                    let note = apps[i]
                        .with_finality(|f| f.final_checkpoint(h).cloned())
                        .unwrap_or_else(|| panic!("validator {i}: final checkpoint of {h}"));
                    let cp = verifier.open_at(&note, h).expect("a quorum of its set");
                    let header = apps[i].with_ledger(|l| l.blocks()[h as usize - 1].header.clone());
                    assert_eq!((cp.size, cp.root), (header.log_size, header.log_root));
                }
            }
            // The last one was cosigned by validators 2, 3 and 4 only: a
            // quorum of the set at its height, not of the genesis set.
            let note = apps[2]
                .with_finality(|f| f.final_checkpoint(last).cloned())
                .unwrap();
            assert!(verifier.open_at(&note, 1).is_err());

            // Validator 1 restarts from its storage, epochs later: it
            // catches up across the switches and votes again (with 2
            // stopped, 3 of the 4 need it).
            handles[1] = Some(net.spawn_validator(&context, 1, apps[1].clone()));
            let top = apps[2].with_ledger(Ledger::height);
            until(
                &context,
                &apps,
                &[1, 2, 3, 4],
                Duration::from_secs(120),
                "validator 1 back",
                |l| l.height() >= top + 2,
            )
            .await;
            handles[2].take().unwrap().abort();
            goes_on(
                &context,
                &apps,
                &[1, 3, 4],
                EPOCH_BLOCKS,
                "the 4-set without 2",
            )
            .await;
            let top = [1, 3, 4]
                .iter()
                .map(|&i| apps[i].with_ledger(Ledger::height))
                .min()
                .unwrap();
            for h in 1..=top {
                let a = apps[1].with_ledger(|l| l.header_hash(h));
                assert_eq!(a, apps[3].with_ledger(|l| l.header_hash(h)), "height {h}");
            }
            drop(handles);
        });
    }
}
