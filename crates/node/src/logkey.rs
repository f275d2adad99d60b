//! The node's transparency-log key: an Ed25519 key kept in the data
//! directory (`log-key.json`, readable by its owner only), created on first
//! start. It signs every checkpoint; its verifier key is public.

use crate::node::NodeError;
use publica_crypto::{KeyFile, Keypair};
use publica_log::NoteSigner;
use publica_store::DataDir;

/// File name of the log key inside the data directory.
pub const LOG_KEY_FILE: &str = "log-key.json";

/// Loads the log key as a signer named `origin`. It is created only for a
/// chain with no block yet (`height` 0), or when the operator asked for a
/// new one (`new_key`): a chain whose checkpoints were signed by a key that
/// went missing refuses to start rather than sign on with another.
pub(crate) fn load_or_create(
    data_dir: &DataDir,
    origin: &str,
    height: u64,
    new_key: bool,
) -> Result<NoteSigner, NodeError> {
    let path = data_dir.path().join(LOG_KEY_FILE);
    let shown = path.display().to_string();
    let key = if path.exists() {
        let kf = KeyFile::read(&path).map_err(|e| NodeError::Config(e.to_string()))?;
        kf.open(&shown, None)
            .map_err(|e| NodeError::Config(e.to_string()))?
    } else if height > 0 && !new_key {
        return Err(NodeError::Config(format!(
            "{shown} is missing, but the chain has {height} blocks whose checkpoints it signed. Restore it from your backup. To sign from now on with a new key instead (every verifier of the old key must be given the new verifier key, served at GET /v1/log), start once with --new-log-key"
        )));
    } else {
        let kp = Keypair::generate();
        // The node must sign unattended, so the key is stored unencrypted,
        // protected by file permissions like any server key.
        KeyFile::seal(&kp, None)
            .write_new(&path)
            .map_err(|e| NodeError::Config(e.to_string()))?;
        if height > 0 {
            tracing::warn!(path = %shown, height, "created a NEW transparency-log key for a chain with blocks (--new-log-key): publish its verifier key");
        } else {
            tracing::info!(path = %shown, "created the transparency-log key");
        }
        kp
    };
    NoteSigner::new(origin, key).map_err(|e| NodeError::Config(format!("log origin: {e}")))
}
