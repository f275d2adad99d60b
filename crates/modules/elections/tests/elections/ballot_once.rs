//! A cast ballot kept once, in its transaction (ledger format 8), and
//! many ballots in one block, re-votes among them: the sum the module
//! keeps as points between them stores the bytes of every ballot's sum.

use crate::world::{contests, World, T0};
use publica_elections::ballot;
use publica_elections::verify::verify;
use publica_runtime::testkit::TestChain;
use publica_types::format::LedgerFormats;
use publica_types::TxStatus;
use serde_json::{json, Value};

/// Voter `v`'s ballot for `choices`, signed with nonce `nonce`.
fn signed(w: &World, v: usize, nonce: u64, choices: &[Vec<u64>]) -> publica_types::VerifiedTx {
    let (key, base) = w.keys();
    let voter = &w.voters[v];
    let (b, _) = ballot::encrypt(&base, &key, &contests(), &voter.account(), choices).unwrap();
    let args = json!({"election": w.id, "ballot": b, "census": w.census_proof(v)});
    TestChain::sign(voter.account(), voter, nonce, "elections", "cast", args)
}

/// An election of `voters` under ledger `format`, taking ballots.
fn voting(format: u32, voters: usize) -> World {
    let mut w = World::new(3, 2, voters);
    w.c.rt.set_formats(LedgerFormats::new(format));
    w.c.time_ms = T0;
    w.ceremony();
    w
}

#[test]
fn many_ballots_in_one_block_re_votes_among_them_count_once_each() {
    for format in [7, 8] {
        let mut w = voting(format, 6);
        // Voter 0 votes twice and voter 5 three times in the block; the
        // last ballot of each counts.
        let yes = [vec![1, 0, 0], vec![1, 1, 0, 0]];
        let no = [vec![0, 0, 1], vec![0, 0, 0, 1]];
        let mut txs = vec![signed(&w, 0, 1, &no)];
        for v in 1..5 {
            txs.push(signed(&w, v, 1, &yes));
        }
        txs.push(signed(&w, 0, 2, &yes));
        for (nonce, choices) in [(1, &yes), (2, &no), (3, &yes)] {
            txs.push(signed(&w, 5, nonce, choices));
        }
        let outcomes = w.c.push(txs);
        assert!(
            outcomes.iter().all(|o| o.status == TxStatus::Ok),
            "{outcomes:?}"
        );
        let e = w.election();
        assert_eq!((e.cast, e.counted), (9, 6), "format {format}");
        // A re-vote in the next block takes the block's last ballot out.
        w.cast(5, &no).unwrap();
        w.close();
        w.decrypt(1).unwrap();
        w.decrypt(2).unwrap();
        assert_eq!(
            w.outcome(),
            Some(vec![vec![5, 0, 1], vec![5, 5, 0, 1]]),
            "format {format}"
        );
        let report = verify(&w.record());
        assert!(report.holds(), "format {format}: {:?}", report.failures);
        // Replaying every block gives the same roots.
        w.c.check_replay();
    }
}

#[test]
fn from_format_8_a_ballot_is_kept_once_in_its_transaction() {
    for format in [7, 8] {
        let mut w = voting(format, 2);
        let code = w.cast(1, &[vec![0, 1, 0], vec![0, 0, 1, 0]]).unwrap();
        let block = w.c.blocks.last().unwrap();
        let args = &block.transactions[0].body.call.args;
        let event = &block.outcomes[0].events[0];
        assert_eq!(event.kind, "cast");
        let voter = w.voters[1].account();
        let stored =
            w.c.get(&format!("elections/ballot/{}/{}", w.id, voter.to_hex()))
                .unwrap();
        let cts: Value = args["ballot"]["contests"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                c["selections"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|s| json!([s["a"], s["b"]]))
                    .collect::<Value>()
            })
            .collect();
        if format >= 8 {
            // The event names the ballot; the state keeps its ciphertexts.
            for copy in ["ballot", "census"] {
                assert!(event.data.get(copy).is_none(), "{copy}");
            }
            assert_eq!(stored.get("ballot"), None);
            assert_eq!(stored["cts"], cts);
        } else {
            assert_eq!(event.data["ballot"], args["ballot"]);
            assert_eq!(stored["ballot"], args["ballot"]);
            assert_eq!(stored.get("cts"), None);
        }
        assert_eq!(stored["tracking"], json!(code));
        // Either way the board shows the ballot and its census proof.
        let board = w.c.indexed(&format!("elections/ballots/{}", w.id));
        assert_eq!(board.len(), 1);
        assert_eq!(board[0]["ballot"], args["ballot"]);
        assert_eq!(board[0]["census"], args["census"]);
        assert_eq!(board[0]["tracking"], json!(code));
        assert_eq!(board[0]["voter"], json!(voter));
        assert_eq!(board[0]["replaces"], Value::Null);
        w.c.check_replay();
    }
}
