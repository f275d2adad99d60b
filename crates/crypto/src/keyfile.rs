//! Key files: a JSON document holding an account's Ed25519 seed, either
//! encrypted under a passphrase (Argon2id + ChaCha20-Poly1305) or, only when
//! the user asks for it explicitly, in plain hex.

use crate::sign::Keypair;
use argon2::{Algorithm, Argon2, Params, Version};
use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use publica_types::AccountId;
use rand_core::{OsRng, RngCore};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// Argon2id memory cost in KiB (OWASP's 19 MiB recommendation).
const ARGON2_M_COST_KIB: u32 = 19_456;
/// Argon2id passes.
const ARGON2_T_COST: u32 = 2;
/// Largest key file read, in bytes.
const KEYFILE_BYTES_MAX: u64 = 16 * 1024;

/// What can go wrong with a key file.
#[derive(Debug, thiserror::Error)]
pub enum KeyFileError {
    /// Reading or writing the file failed.
    #[error("key file {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The OS error.
        source: std::io::Error,
    },
    /// The file is not a Publica key file.
    #[error("key file {path} is not a valid Publica key file: {reason}")]
    Format {
        /// The file.
        path: String,
        /// What is wrong.
        reason: String,
    },
    /// The passphrase does not open the file.
    #[error("wrong passphrase for key file {0}")]
    WrongPassphrase(String),
    /// The file is encrypted and no passphrase was given.
    #[error(
        "key file {0} is encrypted: give its passphrase (PUBLICA_PASSPHRASE or --passphrase-file)"
    )]
    PassphraseRequired(String),
    /// Refusing to overwrite an existing file.
    #[error("key file {0} already exists; refusing to overwrite it")]
    Exists(String),
}

/// The on-disk form of a key file.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyFile {
    /// Format version, 1.
    pub version: u32,
    /// The account (public key), readable without the passphrase.
    pub account: AccountId,
    /// The secret seed, plain or encrypted.
    pub secret: Secret,
}

/// The seed, plain or encrypted.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Secret {
    /// Unencrypted seed in hex (only with an explicit `--plain`).
    Plain {
        /// The 32-byte seed, hex.
        seed: String,
    },
    /// Seed encrypted with a key derived from a passphrase.
    Argon2idChacha20poly1305 {
        /// Argon2id salt, hex.
        salt: String,
        /// Memory cost, KiB.
        m_cost_kib: u32,
        /// Passes.
        t_cost: u32,
        /// Lanes.
        p_cost: u32,
        /// AEAD nonce, hex.
        nonce: String,
        /// Encrypted seed plus tag, hex.
        ciphertext: String,
    },
}

fn derive_key(passphrase: &[u8], salt: &[u8], m: u32, t: u32, p: u32) -> Result<[u8; 32], String> {
    let params = Params::new(m, t, p, Some(32)).map_err(|e| e.to_string())?;
    let mut key = [0u8; 32];
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password_into(passphrase, salt, &mut key)
        .map_err(|e| e.to_string())?;
    Ok(key)
}

impl KeyFile {
    /// Wraps `kp`: encrypted under `passphrase`, or plain when it is `None`.
    pub fn seal(kp: &Keypair, passphrase: Option<&[u8]>) -> KeyFile {
        let secret = match passphrase {
            None => Secret::Plain {
                seed: hex::encode(kp.seed()),
            },
            Some(pass) => {
                let mut salt = [0u8; 16];
                let mut nonce = [0u8; 12];
                OsRng.fill_bytes(&mut salt);
                OsRng.fill_bytes(&mut nonce);
                let key = derive_key(pass, &salt, ARGON2_M_COST_KIB, ARGON2_T_COST, 1)
                    .expect("constant Argon2 parameters are valid");
                let cipher = ChaCha20Poly1305::new(Key::from_slice(&key));
                let ct = cipher
                    .encrypt(Nonce::from_slice(&nonce), kp.seed().as_slice())
                    .expect("encrypting 32 bytes cannot fail");
                Secret::Argon2idChacha20poly1305 {
                    salt: hex::encode(salt),
                    m_cost_kib: ARGON2_M_COST_KIB,
                    t_cost: ARGON2_T_COST,
                    p_cost: 1,
                    nonce: hex::encode(nonce),
                    ciphertext: hex::encode(ct),
                }
            }
        };
        KeyFile {
            version: 1,
            account: kp.account(),
            secret,
        }
    }

    /// True when opening the file needs a passphrase.
    pub fn is_encrypted(&self) -> bool {
        matches!(self.secret, Secret::Argon2idChacha20poly1305 { .. })
    }

    /// Recovers the key pair; checks that it matches the recorded account.
    pub fn open(&self, path: &str, passphrase: Option<&[u8]>) -> Result<Keypair, KeyFileError> {
        let bad = |reason: &str| KeyFileError::Format {
            path: path.to_string(),
            reason: reason.to_string(),
        };
        let seed: Vec<u8> = match &self.secret {
            Secret::Plain { seed } => hex::decode(seed).map_err(|_| bad("seed is not hex"))?,
            Secret::Argon2idChacha20poly1305 {
                salt,
                m_cost_kib,
                t_cost,
                p_cost,
                nonce,
                ciphertext,
            } => {
                let pass =
                    passphrase.ok_or_else(|| KeyFileError::PassphraseRequired(path.into()))?;
                let salt = hex::decode(salt).map_err(|_| bad("salt is not hex"))?;
                let nonce = hex::decode(nonce).map_err(|_| bad("nonce is not hex"))?;
                let ct = hex::decode(ciphertext).map_err(|_| bad("ciphertext is not hex"))?;
                if nonce.len() != 12
                    || *m_cost_kib > 4 * 1024 * 1024
                    || *t_cost > 64
                    || *p_cost > 16
                {
                    return Err(bad("unsupported encryption parameters"));
                }
                let key =
                    derive_key(pass, &salt, *m_cost_kib, *t_cost, *p_cost).map_err(|e| bad(&e))?;
                ChaCha20Poly1305::new(Key::from_slice(&key))
                    .decrypt(Nonce::from_slice(&nonce), ct.as_slice())
                    .map_err(|_| KeyFileError::WrongPassphrase(path.into()))?
            }
        };
        let seed: [u8; 32] = seed.try_into().map_err(|_| bad("seed is not 32 bytes"))?;
        let kp = Keypair::from_seed(seed);
        if kp.account() != self.account {
            return Err(bad("the secret does not match the recorded account"));
        }
        Ok(kp)
    }

    /// Reads a key file (without opening its secret).
    pub fn read(path: &Path) -> Result<KeyFile, KeyFileError> {
        let p = path.display().to_string();
        let io = |source| KeyFileError::Io {
            path: p.clone(),
            source,
        };
        let meta = std::fs::metadata(path).map_err(io)?;
        if meta.len() > KEYFILE_BYTES_MAX {
            return Err(KeyFileError::Format {
                path: p,
                reason: "file is too large".into(),
            });
        }
        let text = std::fs::read_to_string(path).map_err(io)?;
        serde_json::from_str(&text).map_err(|e| KeyFileError::Format {
            path: p,
            reason: e.to_string(),
        })
    }

    /// Writes the file, readable by its owner only; never overwrites.
    /// Whole or not at all ([`write_secret_new`]): a process killed while
    /// writing leaves no half-written key behind.
    pub fn write_new(&self, path: &Path) -> Result<(), KeyFileError> {
        let p = path.display().to_string();
        let mut text = serde_json::to_string_pretty(self).expect("key file serialises");
        text.push('\n');
        write_secret_new(path, text.as_bytes()).map_err(|source| {
            if source.kind() == std::io::ErrorKind::AlreadyExists {
                KeyFileError::Exists(p.clone())
            } else {
                KeyFileError::Io { path: p, source }
            }
        })
    }
}

/// Creates `path` with `bytes`, readable by its owner only, whole or not
/// at all: written and synced under a temporary name in the same
/// directory, then linked to `path` (which fails with `AlreadyExists`
/// rather than overwrite), and the directory synced. A process killed
/// on the way leaves `path` absent, never empty or half written.
pub fn write_secret_new(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    // A temporary a killed writer left is removed first, so that the
    // new one is created afresh, owner-only.
    match std::fs::remove_file(&tmp) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
        _ => {}
    }
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let written = opts
        .open(&tmp)
        .and_then(|mut f| f.write_all(bytes).and_then(|()| f.sync_all()))
        .and_then(|()| std::fs::hard_link(&tmp, path));
    let _ = std::fs::remove_file(&tmp);
    written?;
    std::fs::File::open(dir).and_then(|d| d.sync_all())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_is_written_whole_once_and_never_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("store.key");
        // What a writer killed before its link left behind.
        let stale = dir
            .path()
            .join(format!(".store.key.{}.tmp", std::process::id()));
        std::fs::write(&stale, b"half").unwrap();
        write_secret_new(&path, b"abc").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"abc");
        let e = write_secret_new(&path, b"other").unwrap_err();
        assert_eq!(e.kind(), std::io::ErrorKind::AlreadyExists);
        assert_eq!(std::fs::read(&path).unwrap(), b"abc", "never overwritten");
        let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(left.len(), 1, "no temporary left: {left:?}");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn encrypted_round_trip_and_wrong_passphrase() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k.json");
        let kp = Keypair::generate();
        KeyFile::seal(&kp, Some(b"correct horse"))
            .write_new(&path)
            .unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            !text.contains(&hex::encode(kp.seed())),
            "seed must not be in clear"
        );
        let kf = KeyFile::read(&path).unwrap();
        assert!(kf.is_encrypted());
        let p = path.display().to_string();
        assert_eq!(
            kf.open(&p, Some(b"correct horse")).unwrap().account(),
            kp.account()
        );
        assert!(matches!(
            kf.open(&p, Some(b"wrong")),
            Err(KeyFileError::WrongPassphrase(_))
        ));
        assert!(matches!(
            kf.open(&p, None),
            Err(KeyFileError::PassphraseRequired(_))
        ));
        assert!(matches!(
            KeyFile::seal(&kp, None).write_new(&path),
            Err(KeyFileError::Exists(_))
        ));
    }

    #[test]
    fn plain_round_trip_and_tamper_detection() {
        let kp = Keypair::generate();
        let mut kf = KeyFile::seal(&kp, None);
        assert_eq!(kf.open("k", None).unwrap().account(), kp.account());
        kf.account = Keypair::generate().account();
        assert!(matches!(
            kf.open("k", None),
            Err(KeyFileError::Format { .. })
        ));
    }
}
