//! The block pipeline: execute an ordered batch, append the block durably,
//! then publish it (index, receipts, events). Nothing is visible before the
//! block is on disk.

use crate::node::{Inner, RECENT_BLOCKS_MAX};
use publica_consensus::{BlockSink, OrderedBatch};
use publica_log::{Checkpoint, MerkleLog, NoteSigner};
use publica_runtime::authz::{changed_keys, current_key};
use publica_runtime::nonce::committed_nonce;
use publica_runtime::{assemble_block, block_hash, BlockEnv};
use publica_types::{AccountId, TxStatus};
use std::sync::Arc;
use std::time::Instant;

pub(crate) struct Pipeline {
    pub(crate) inner: Arc<Inner>,
}

impl BlockSink for Pipeline {
    fn commit(&self, batch: OrderedBatch) -> Result<(), String> {
        let inner = &self.inner;
        let started = Instant::now();
        let mut chain = inner.chain.write().expect("chain lock");
        let parent = chain.tip.clone();
        let env = BlockEnv {
            chain_id: inner.config.chain_id.clone(),
            height: parent.as_ref().map(|p| p.height).unwrap_or(0) + 1,
            // Block time never goes backwards, even if the clock does.
            time_ms: batch
                .proposed_time_ms
                .max(parent.as_ref().map(|p| p.time_ms).unwrap_or(0)),
        };
        let outcomes = inner
            .runtime
            .execute_block(&mut chain.state, &env, &batch.transactions);
        let mut signers: Vec<AccountId> = batch
            .transactions
            .iter()
            .map(|t| t.envelope.signer)
            .collect();
        signers.sort_unstable();
        signers.dedup();
        let nonces: Vec<(AccountId, u64)> = signers
            .into_iter()
            .map(|s| (s, committed_nonce(&chain.state, &s)))
            .collect();
        let keys: Vec<(AccountId, AccountId)> =
            changed_keys(outcomes.iter().flat_map(|o| o.events.iter()))
                .into_iter()
                .map(|a| (a, current_key(&chain.state, &a)))
                .collect();
        let executed = Instant::now();
        let state_root = chain.state.root();
        let envelopes = batch.transactions.into_iter().map(|t| t.envelope).collect();
        let block = assemble_block(
            &env,
            parent.as_ref(),
            envelopes,
            outcomes,
            state_root,
            &mut chain.tlog,
        );
        // Readers are blocked by the write lock until the block is durable,
        // so no one sees state or receipts of a block that could be lost.
        inner
            .log
            .lock()
            .expect("log lock")
            .append(&block)
            .map_err(|e| e.to_string())?;
        let persisted = Instant::now();
        {
            let mut index = inner.index.write().expect("index lock");
            for (i, o) in block.outcomes.iter().enumerate() {
                index.insert(o.tx_id, (env.height, i as u32));
            }
        }
        chain.tip_hash = block_hash(&block.header);
        chain.log_sizes.push(block.header.log_size);
        chain.checkpoint = sign_checkpoint(&inner.signer, &chain.tlog);
        chain.tip = Some(block.header.clone());
        let snapshot_due = env
            .height
            .is_multiple_of(inner.config.snapshot_interval_blocks);
        if snapshot_due {
            if let Err(e) =
                publica_store::write_snapshot(inner.data_dir.path(), env.height, &mut chain.state)
            {
                // The block log alone can rebuild the state: warn, go on.
                tracing::warn!(error = %e, height = env.height, "writing a state snapshot failed");
            }
        }
        drop(chain);

        let block = Arc::new(block);
        {
            let mut recent = inner.recent.lock().expect("recent lock");
            recent.push_back(block.clone());
            while recent.len() > RECENT_BLOCKS_MAX {
                recent.pop_front();
            }
        }
        inner.mempool.on_committed(&block, &nonces, &keys);
        let failed = block
            .outcomes
            .iter()
            .filter(|o| o.status == TxStatus::Failed)
            .count();
        let m = &inner.metrics;
        crate::Metrics::add(&m.blocks_committed_total, 1);
        crate::Metrics::add(&m.txs_committed_total, block.outcomes.len() as u64);
        crate::Metrics::add(&m.txs_failed_total, failed as u64);
        crate::Metrics::add(
            &m.block_commit_us_total,
            started.elapsed().as_micros() as u64,
        );
        crate::Metrics::add(
            &m.block_execute_us_total,
            executed.duration_since(started).as_micros() as u64,
        );
        crate::Metrics::add(
            &m.block_hash_persist_us_total,
            persisted.duration_since(executed).as_micros() as u64,
        );
        inner.height_tx.send_replace(env.height);
        // No subscribers is fine.
        let _ = inner.blocks_tx.send(block);
        Ok(())
    }
}

/// The signed C2SP checkpoint of the log at its current size. Ed25519 is
/// deterministic, so the same size always yields the same bytes, before and
/// after a restart.
pub(crate) fn sign_checkpoint(signer: &NoteSigner, tlog: &MerkleLog) -> String {
    let cp = Checkpoint {
        origin: signer.name().to_string(),
        size: tlog.len(),
        root: tlog.root(),
    };
    signer.sign(&cp.to_text())
}
