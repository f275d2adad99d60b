//! Keeps a store beside the ledger in step with it: a sweep of what the
//! ledger no longer wants now and at the first block (the chain's clock
//! moved since start), a hook for each block as it commits, and a sweep
//! every minute, until shutdown. The record store and the city data store
//! use it.

use publica_node::Node;
use std::sync::Arc;

/// How often a store looks for content no longer wanted.
pub const SWEEP_EVERY_S: u64 = 60;

/// Spawns the keeper of the store `what` names: `sweep` answers how many
/// items it removed; `on_block` runs for each committed block.
pub fn spawn<S, B>(
    what: &'static str,
    node: Node,
    mut shutting_down: tokio::sync::watch::Receiver<bool>,
    sweep: S,
    on_block: B,
) where
    S: Fn(&Node) -> Result<u64, publica_store::StoreError> + Send + Sync + 'static,
    B: Fn(&publica_types::Block) + Send + Sync + 'static,
{
    let (sweep, on_block) = (Arc::new(sweep), Arc::new(on_block));
    let mut blocks = node.subscribe_blocks();
    tokio::spawn(async move {
        let run = |node: Node| {
            let sweep = sweep.clone();
            async move {
                match tokio::task::spawn_blocking(move || sweep(&node)).await {
                    Ok(Ok(n)) if n > 0 => tracing::info!(removed = n, "{what}: swept"),
                    Ok(Err(e)) => tracing::error!(error = %e, "{what}: sweep failed"),
                    _ => {}
                }
            }
        };
        run(node.clone()).await;
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(SWEEP_EVERY_S));
        tick.tick().await;
        let mut moved = false;
        loop {
            tokio::select! {
                b = blocks.recv() => match b {
                    Ok(block) => {
                        let hook = on_block.clone();
                        let _ = tokio::task::spawn_blocking(move || hook(&block)).await;
                        // The chain's clock moved for the first time since
                        // start: what expired meanwhile can be judged now,
                        // not a minute later.
                        if !moved {
                            moved = true;
                            run(node.clone()).await;
                        }
                    }
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => run(node.clone()).await,
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
                },
                _ = tick.tick() => run(node.clone()).await,
                _ = shutting_down.changed() => break,
            }
        }
    });
}
