//! The engine as the node's [`Consensus`]: `Node::start` starts it with the
//! node's mempool and block pipeline, as it starts the dev sequencer, and
//! stopping the node stops it. The engine executes finalized blocks through
//! the pipeline ([`NodeExecutor`]), proposes from the mempool, admits the
//! transactions other validators relay through it, relays those admitted
//! here, and hands quorum-cosigned checkpoints to the pipeline.

use crate::app::PublicaApp;
use crate::evidence::EvidenceLog;
use crate::executor::NodeExecutor;
use crate::finality::Finality;
use crate::network::{self, Admit, Running, ValidatorNet};
use publica_consensus::{BlockSink, Consensus, ConsensusHandle, TxSource};
use publica_identity::ValidatorSetError;
use std::sync::atomic::AtomicBool;
use std::sync::mpsc::{Receiver, SyncSender};
use std::sync::Arc;
use std::time::Duration;

/// How a validator's engine runs.
pub struct BftSettings {
    /// The validator and its network.
    pub net: ValidatorNet,
    /// Its cosigning of final checkpoints (the engine adds the hook that
    /// hands them to the node).
    pub finality: Finality,
    /// Most transactions it proposes in one block.
    pub block_txs_max: usize,
    /// How long, as leader, it waits for transactions before proposing an
    /// empty block.
    pub idle_wait: Duration,
    /// Where it records the misbehaviour it proves.
    pub evidence: EvidenceLog,
}

/// Why a validator's engine did not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The genesis validator sets it was given are not valid.
    #[error(transparent)]
    Genesis(#[from] ValidatorSetError),
    /// The engine's thread ended before the engine ran (it panicked).
    #[error("the engine's thread ended before it started")]
    ThreadEnded,
}

/// A validator's engine, to start a node with ([`BftConsensus::new`]).
pub struct BftConsensus {
    settings: BftSettings,
    started: SyncSender<Result<Engine, StartError>>,
}

/// The running engine: what it reports (through its application) and the
/// runtime it runs on.
#[derive(Clone)]
pub struct Engine {
    /// The engine's application over the node's pipeline.
    pub app: PublicaApp<NodeExecutor>,
    /// The running validator: metrics, relay, floors, its runtime.
    pub running: Running,
}

/// Where the running engine arrives once `Node::start` started it.
pub struct EngineStarting(Receiver<Result<Engine, StartError>>);

impl EngineStarting {
    /// Waits for the engine to run; why not, if it could not start.
    pub fn wait(self) -> Result<Engine, StartError> {
        self.0.recv().unwrap_or(Err(StartError::ThreadEnded))
    }
}

impl BftConsensus {
    /// The consensus to start a node with, and where its running engine
    /// arrives.
    pub fn new(settings: BftSettings) -> (BftConsensus, EngineStarting) {
        let (started, starting) = std::sync::mpsc::sync_channel(1);
        (BftConsensus { settings, started }, EngineStarting(starting))
    }
}

impl Consensus for BftConsensus {
    fn start(
        self: Box<Self>,
        source: Arc<dyn TxSource>,
        sink: Arc<dyn BlockSink>,
    ) -> ConsensusHandle {
        let BftConsensus { settings, started } = *self;
        let BftSettings {
            net,
            finality,
            block_txs_max,
            idle_wait,
            evidence,
        } = settings;
        // Receipts wait for a quorum's checkpoint from the first block on.
        sink.require_final_checkpoints();
        let keeper = sink.clone();
        let finality = finality.on_final(Box::new(move |height, note| {
            if let Err(e) = keeper.add_final_checkpoint(height, note) {
                tracing::error!(height, "final checkpoint refused: {e}");
            }
        }));
        let app = PublicaApp::new(NodeExecutor::new(source.clone(), sink), finality)
            .with_block_txs_max(block_txs_max)
            .with_idle_wait(idle_wait)
            .with_evidence_log(evidence);
        let admitter = source.clone();
        let admit: Admit = Arc::new(move |txs| admitter.admit_relayed(txs));
        let (wake, woken) = futures::channel::oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("bft-engine".into())
            .spawn(move || {
                let report = started.clone();
                let ran = network::run(net, app.clone(), admit, move |running| async move {
                    source.set_relay(running.relay());
                    let _ = started.send(Ok(Engine { app, running }));
                    // The engine runs until the node stops its consensus
                    // (or drops the handle).
                    let _ = woken.await;
                });
                if let Err(e) = ran {
                    let _ = report.send(Err(e.into()));
                }
            })
            .expect("spawning the engine thread");
        // The engine watches no flag: waking its main task stops it.
        ConsensusHandle::new(Arc::new(AtomicBool::new(false)), Some(thread)).with_wake(Box::new(
            move || {
                let _ = wake.send(());
            },
        ))
    }
}
