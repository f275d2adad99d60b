//! The node's transparency-log key: an Ed25519 key kept in the data
//! directory (`log-key.json`, readable by its owner only), created on first
//! start. It signs every checkpoint; its verifier key is public and is also
//! written beside it (`log-key.pub`).
//!
//! The public file is the node's memory that it has signed with a key: if
//! `log-key.json` is gone while `log-key.pub` is there, the key was lost
//! and the node refuses to start rather than sign on with another one,
//! which no verifier of the old key would accept. A node that never had a
//! key in this directory (a new chain, or a validator that synced its state
//! from a peer) makes one.

use crate::node::NodeError;
use publica_crypto::{KeyFile, Keypair};
use publica_log::NoteSigner;
use publica_store::DataDir;
use std::path::Path;

/// File name of the log key inside the data directory.
pub const LOG_KEY_FILE: &str = "log-key.json";
/// File name of the log key's verifier key (public) inside the data
/// directory.
pub const LOG_KEY_PUBLIC_FILE: &str = "log-key.pub";

fn config_err(e: impl std::fmt::Display) -> NodeError {
    NodeError::Config(e.to_string())
}

/// Loads the log key as a signer named `origin`, making one when this data
/// directory never had one, or when the operator asks for a new one
/// (`new_key`) after losing it.
pub(crate) fn load_or_create(
    data_dir: &DataDir,
    origin: &str,
    new_key: bool,
) -> Result<NoteSigner, NodeError> {
    let path = data_dir.path().join(LOG_KEY_FILE);
    let public = data_dir.path().join(LOG_KEY_PUBLIC_FILE);
    let shown = path.display().to_string();
    let (key, created) = if path.exists() {
        let kf = KeyFile::read(&path).map_err(config_err)?;
        (kf.open(&shown, None).map_err(config_err)?, false)
    } else if public.exists() && !new_key {
        return Err(NodeError::Config(format!(
            "{shown} is missing, but this node signed the chain's checkpoints with it (its verifier key is in {}). Restore it from your backup. To sign from now on with a new key instead (every verifier of the old key must be given the new verifier key, served at GET /v1/log), start once with --new-log-key",
            public.display()
        )));
    } else {
        let kp = Keypair::generate();
        // The node must sign unattended, so the key is stored unencrypted,
        // protected by file permissions like any server key.
        KeyFile::seal(&kp, None)
            .write_new(&path)
            .map_err(config_err)?;
        if public.exists() {
            tracing::warn!(path = %shown, "made a NEW transparency-log key (--new-log-key): give every verifier its verifier key");
        } else {
            tracing::info!(path = %shown, "created the transparency-log key");
        }
        (kp, true)
    };
    let signer =
        NoteSigner::new(origin, key).map_err(|e| NodeError::Config(format!("log origin: {e}")))?;
    // Written for a new key, and for a key made before this file existed.
    if created || !public.exists() {
        write_public(&public, &signer.verifier_key())?;
    }
    Ok(signer)
}

/// Writes the verifier key durably (it is the record that a key existed).
fn write_public(path: &Path, vkey: &str) -> Result<(), NodeError> {
    let tmp = path.with_extension("pub.tmp");
    std::fs::write(&tmp, format!("{vkey}\n"))
        .and_then(|_| std::fs::File::open(&tmp)?.sync_all())
        .and_then(|_| std::fs::rename(&tmp, path))
        .and_then(|_| std::fs::File::open(path.parent().unwrap_or(Path::new(".")))?.sync_all())
        .map_err(|e| NodeError::Config(format!("writing {}: {e}", path.display())))
}
