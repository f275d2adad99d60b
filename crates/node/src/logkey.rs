//! The node's transparency-log key: an Ed25519 key kept in the data
//! directory (`log-key.json`, readable by its owner only), created on first
//! start. It signs every checkpoint; its verifier key is public.

use crate::node::NodeError;
use publica_crypto::{KeyFile, Keypair};
use publica_log::NoteSigner;
use publica_store::DataDir;

/// File name of the log key inside the data directory.
pub const LOG_KEY_FILE: &str = "log-key.json";

/// Loads the log key, creating it on first use, as a signer named `origin`.
pub(crate) fn load_or_create(data_dir: &DataDir, origin: &str) -> Result<NoteSigner, NodeError> {
    let path = data_dir.path().join(LOG_KEY_FILE);
    let shown = path.display().to_string();
    let key = if path.exists() {
        let kf = KeyFile::read(&path).map_err(|e| NodeError::Config(e.to_string()))?;
        kf.open(&shown, None)
            .map_err(|e| NodeError::Config(e.to_string()))?
    } else {
        let kp = Keypair::generate();
        // The node must sign unattended, so the key is stored unencrypted,
        // protected by file permissions like any server key.
        KeyFile::seal(&kp, None)
            .write_new(&path)
            .map_err(|e| NodeError::Config(e.to_string()))?;
        tracing::info!(path = %shown, "created the transparency-log key");
        kp
    };
    NoteSigner::new(origin, key).map_err(|e| NodeError::Config(format!("log origin: {e}")))
}
