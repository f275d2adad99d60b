//! Why a validator could not be set up, synced or run.

/// Why a validator could not be set up, synced or run. The messages name
/// the file or setting at fault and, where there is one, what to do.
#[derive(Debug, thiserror::Error)]
pub enum ValidatorError {
    /// A file or directory could not be read, written or created.
    #[error("{context}: {error}")]
    Io {
        /// What was being done, and to which path.
        context: String,
        /// The system's answer.
        error: std::io::Error,
    },
    /// The block log or a snapshot could not be read or written.
    #[error("{context}: {error}")]
    Store {
        /// What was being done, and to which path.
        context: String,
        /// The store's answer.
        error: publica_store::StoreError,
    },
    /// A config, network or genesis file, one of its settings, or a
    /// `testnet init` argument is not valid.
    #[error("{0}")]
    Invalid(String),
    /// A key file is not the key the network file names for this
    /// validator (or is another validator's).
    #[error("{0}")]
    Keys(String),
    /// The ledger could not be brought up to the network from a snapshot.
    #[error(
        "state sync failed (set state_sync_after_blocks to 0 to catch up block by block): {0}"
    )]
    StateSync(String),
    /// The node could not open or recover its ledger.
    #[error(transparent)]
    Node(#[from] publica_node::NodeError),
    /// The engine, or the runtime the API runs on, could not start or
    /// stopped under it.
    #[error("{0}")]
    Engine(String),
    /// The engine could not start.
    #[error(transparent)]
    EngineStart(#[from] publica_bft::StartError),
    /// The engine's evidence file could not be opened.
    #[error(transparent)]
    Evidence(#[from] publica_bft::EvidenceError),
}

impl ValidatorError {
    /// An invalid file, setting or argument.
    pub(crate) fn invalid(message: impl Into<String>) -> Self {
        ValidatorError::Invalid(message.into())
    }
}

/// Names what failed on an I/O error.
pub(crate) trait IoContext<T> {
    /// The error as [`ValidatorError::Io`] with `context`.
    fn io_context(self, context: impl FnOnce() -> String) -> Result<T, ValidatorError>;
}

impl<T> IoContext<T> for std::io::Result<T> {
    fn io_context(self, context: impl FnOnce() -> String) -> Result<T, ValidatorError> {
        self.map_err(|error| ValidatorError::Io {
            context: context(),
            error,
        })
    }
}

/// `e` and its causes, `: `-separated (as a log line shows them).
pub(crate) fn chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        let line = c.to_string();
        if !text.ends_with(&line) {
            text.push_str(": ");
            text.push_str(&line);
        }
        cause = c.source();
    }
    text
}
