//! What the gateway keeps in its data directory: the mapper's links, the
//! answers to finished disbursement transactions, and the message ids
//! already taken (replay protection). All of it is one append-only journal
//! of JSON lines (`journal.jsonl`), synced to disk before a request is
//! answered and read back at start.
//!
//! The mapper never stores a person's ID: a link is kept under a keyed
//! SHA-256 of the ID (lower-cased, as the standard says IDs are
//! case-insensitive) with the gateway's 32-byte secret (`mapper-secret`,
//! created at first start, owner-only). Without the secret the journal
//! does not say whose accounts it holds.

use anyhow::{anyhow, bail, Context, Result};
use publica_crypto::hash::sha256_parts;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::Path;

/// Most links the mapper holds.
pub const LINKS_MAX: usize = 10_000_000;

/// A finished or running disbursement transaction of one sender.
#[derive(Debug, Clone)]
pub struct Txn {
    /// The gateway's `correlation_id` for it.
    pub correlation_id: String,
    /// Its `on-disburse` message (`pdng` answers while it runs).
    pub message: Value,
}

/// The gateway's records (see the module's documentation).
pub struct Book {
    journal: File,
    secret: [u8; 32],
    links: HashMap<String, String>,
    txns: HashMap<(String, String), Txn>,
    /// (sender, message id) → expiry of its signature, unix seconds.
    seen: HashMap<(String, String), u64>,
}

impl Book {
    /// Opens (or creates) the records in `dir`, dropping message ids whose
    /// signatures expired before `now`.
    pub fn open(dir: &Path, now: u64) -> Result<Self> {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        let secret = secret(&dir.join("mapper-secret"))?;
        let path = dir.join("journal.jsonl");
        let mut book = Book {
            journal: OpenOptions::new()
                .create(true)
                .append(true)
                .open(&path)
                .with_context(|| format!("opening {}", path.display()))?,
            secret,
            links: HashMap::new(),
            txns: HashMap::new(),
            seen: HashMap::new(),
        };
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("reading {}", path.display()))?;
        // A line cut short by a crash was never answered: it goes.
        let whole = text.rfind('\n').map_or(0, |i| i + 1);
        if whole < text.len() {
            book.journal
                .set_len(whole as u64)
                .with_context(|| format!("mending {}", path.display()))?;
        }
        for (n, line) in text[..whole].lines().enumerate() {
            let r: Value = serde_json::from_str(line)
                .map_err(|e| anyhow!("{} line {}: {e}", path.display(), n + 1))?;
            book.apply(&r);
        }
        book.seen.retain(|_, exp| *exp > now);
        Ok(book)
    }

    fn apply(&mut self, r: &Value) {
        let s = |k: &str| r[k].as_str().unwrap_or_default().to_string();
        match r["kind"].as_str() {
            Some("link") => {
                self.links.insert(s("key"), s("fa"));
            }
            Some("unlink") => {
                self.links.remove(&s("key"));
            }
            Some("txn") => {
                let txn = Txn {
                    correlation_id: s("correlation_id"),
                    message: r["message"].clone(),
                };
                self.txns.insert((s("sender"), s("transaction_id")), txn);
            }
            Some("seen") => {
                let exp = r["expires"].as_u64().unwrap_or(0);
                self.seen.insert((s("sender"), s("message_id")), exp);
            }
            _ => {}
        }
    }

    /// Appends `r` to the journal, synced, then applies it.
    fn record(&mut self, r: &Value) -> Result<()> {
        let mut line = serde_json::to_vec(r)?;
        line.push(b'\n');
        self.journal
            .write_all(&line)
            .and_then(|()| self.journal.sync_data())
            .context("writing the gateway's journal")?;
        self.apply(r);
        Ok(())
    }

    /// Takes message `id` of `sender`, signed until `expires`.
    ///
    /// # Errors
    /// When it was taken before (a replay), or the journal cannot be written.
    pub fn take_message(&mut self, sender: &str, id: &str, expires: u64) -> Result<bool> {
        if self.seen.contains_key(&(sender.into(), id.into())) {
            return Ok(false);
        }
        self.record(
            &json!({"kind": "seen", "sender": sender, "message_id": id, "expires": expires}),
        )?;
        Ok(true)
    }

    /// The key a person ID is kept under.
    fn key(&self, id: &str) -> String {
        let id = id.to_ascii_lowercase();
        hex::encode(sha256_parts(&[b"publica/g2p-mapper/v1\n", &self.secret, id.as_bytes()]).0)
    }

    /// The financial address linked to `id`.
    pub fn resolve(&self, id: &str) -> Option<String> {
        self.links.get(&self.key(id)).cloned()
    }

    /// Links `id` to `fa`.
    ///
    /// # Errors
    /// When the mapper is full or the journal cannot be written.
    pub fn link(&mut self, id: &str, fa: &str) -> Result<()> {
        if self.links.len() >= LINKS_MAX {
            bail!("the mapper holds {LINKS_MAX} links already");
        }
        let key = self.key(id);
        self.record(&json!({"kind": "link", "key": key, "fa": fa}))
    }

    /// Removes the link of `id`; false if there was none.
    ///
    /// # Errors
    /// When the journal cannot be written.
    pub fn unlink(&mut self, id: &str) -> Result<bool> {
        let key = self.key(id);
        if !self.links.contains_key(&key) {
            return Ok(false);
        }
        self.record(&json!({"kind": "unlink", "key": key}))?;
        Ok(true)
    }

    /// Transaction `tid` of `sender`.
    pub fn txn(&self, sender: &str, tid: &str) -> Option<&Txn> {
        self.txns.get(&(sender.into(), tid.into()))
    }

    /// Notes a transaction that runs (kept in memory only: after a restart
    /// the sender sends it again, and the ledger refuses what was paid).
    pub fn start_txn(&mut self, sender: &str, tid: &str, txn: Txn) {
        self.txns.insert((sender.into(), tid.into()), txn);
    }

    /// Forgets a running transaction that could not be carried out.
    pub fn forget_txn(&mut self, sender: &str, tid: &str) {
        self.txns.remove(&(sender.into(), tid.into()));
    }

    /// Records a finished transaction's answer.
    ///
    /// # Errors
    /// When the journal cannot be written.
    pub fn finish_txn(&mut self, sender: &str, tid: &str, txn: &Txn) -> Result<()> {
        self.record(&json!({
            "kind": "txn", "sender": sender, "transaction_id": tid,
            "correlation_id": txn.correlation_id, "message": txn.message,
        }))
    }
}

/// The mapper's secret in `path`, made (owner-only) if absent.
fn secret(path: &Path) -> Result<[u8; 32]> {
    if !path.exists() {
        // 32 bytes from the operating system's generator.
        let fresh = hex::encode(publica_crypto::Keypair::generate().seed());
        publica_crypto::write_secret_new(path, fresh.as_bytes())
            .with_context(|| format!("creating {}", path.display()))?;
    }
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    hex::decode(text.trim())
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| anyhow!("{} must hold 64 hex characters", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_answers_and_message_ids_survive_a_restart_and_ids_are_not_kept() {
        let dir = tempfile::tempdir().unwrap();
        let mut b = Book::open(dir.path(), 100).unwrap();
        b.link("Token:12345@NID", "publica:account:ab").unwrap();
        b.link("vid:9@nid", "publica:account:cd").unwrap();
        assert!(b.unlink("VID:9@nid").unwrap());
        assert!(!b.unlink("vid:9@nid").unwrap());
        assert!(b.take_message("reg", "m1", 200).unwrap());
        assert!(!b.take_message("reg", "m1", 200).unwrap());
        assert!(b.take_message("reg", "m0", 150).unwrap());
        let txn = Txn {
            correlation_id: "c1".into(),
            message: json!({"transaction_id": "T"}),
        };
        b.finish_txn("reg", "T", &txn).unwrap();
        drop(b);

        let mut b = Book::open(dir.path(), 160).unwrap();
        assert_eq!(
            b.resolve("token:12345@nid").as_deref(),
            Some("publica:account:ab")
        );
        assert_eq!(b.resolve("vid:9@nid"), None);
        assert!(!b.take_message("reg", "m1", 200).unwrap());
        // Expired ids are forgotten: their signatures no longer verify.
        assert!(b.take_message("reg", "m0", 300).unwrap());
        assert_eq!(b.txn("reg", "T").unwrap().correlation_id, "c1");
        assert!(b.txn("other", "T").is_none());
        let journal = std::fs::read_to_string(dir.path().join("journal.jsonl")).unwrap();
        assert!(!journal.to_lowercase().contains("12345"), "{journal}");

        // Another secret, another book: the links are not found.
        std::fs::remove_file(dir.path().join("mapper-secret")).unwrap();
        let b = Book::open(dir.path(), 160).unwrap();
        assert_eq!(b.resolve("token:12345@nid"), None);
    }

    #[test]
    fn a_damaged_journal_or_secret_is_named() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("journal.jsonl"), "{not json\n").unwrap();
        let e = Book::open(dir.path(), 0).err().unwrap().to_string();
        assert!(e.contains("journal.jsonl line 1"), "{e}");
        // A last line cut short by a crash is dropped, and later lines are whole.
        std::fs::write(
            dir.path().join("journal.jsonl"),
            "{\"kind\":\"seen\"}\n{\"kind\":\"li",
        )
        .unwrap();
        let mut b = Book::open(dir.path(), 0).unwrap();
        b.link("id:1@reg", "publica:account:ab").unwrap();
        drop(b);
        assert_eq!(
            Book::open(dir.path(), 0)
                .unwrap()
                .resolve("id:1@reg")
                .as_deref(),
            Some("publica:account:ab")
        );
        std::fs::write(dir.path().join("mapper-secret"), "short").unwrap();
        let e = Book::open(dir.path(), 0).err().unwrap().to_string();
        assert!(e.contains("mapper-secret"), "{e}");
    }
}
