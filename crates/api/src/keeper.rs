//! Keeps a store beside the ledger in step with it: a sweep of what the
//! ledger no longer wants now and at the first block (the chain's clock
//! moved since start), a hook for each block as it commits, and a sweep
//! every minute, until shutdown; and the upload both stores take: the
//! content stored durably first, then its transaction submitted. The
//! record store and the city data store use it.

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

/// An upload: `store` checks and durably writes what the request carries
/// (on a blocking thread) and answers its id; then the transaction `env`
/// is submitted. Answers 202 `{tx_id, <id_field>: id}`; when admission
/// refuses the transaction (it will never commit), `forget` runs with the
/// id before the refusal is answered.
pub async fn store_then_submit<S, F>(
    state: &crate::server::AppState,
    env: publica_types::Envelope,
    id_field: &str,
    store: S,
    forget: F,
) -> Result<axum::response::Response, crate::error::ApiError>
where
    S: FnOnce() -> Result<String, crate::error::ApiError> + Send + 'static,
    F: FnOnce(String) + Send + 'static,
{
    use axum::response::IntoResponse as _;
    let joined = |e: tokio::task::JoinError| {
        crate::error::ApiError::new(
            axum::http::StatusCode::INTERNAL_SERVER_ERROR,
            publica_types::codes::INTERNAL,
            format!("store: {e}"),
        )
    };
    let id = tokio::task::spawn_blocking(store).await.map_err(joined)??;
    let mut results = crate::handlers::submit_blocking(state, vec![env]).await?;
    match results.pop().expect("one result per transaction") {
        Ok(tx) => Ok((
            axum::http::StatusCode::ACCEPTED,
            axum::Json(serde_json::json!({"tx_id": tx.to_hex(), id_field: id})),
        )
            .into_response()),
        Err(e) => {
            let _ = tokio::task::spawn_blocking(move || forget(id)).await;
            Err(e.into())
        }
    }
}
