//! C2SP checkpoint cosignatures (c2sp.org/tlog-cosignature), Ed25519
//! `cosignature/v1`: the validators of a network each cosign the checkpoint
//! of a block they executed; a checkpoint carrying cosignatures from a
//! quorum of the validator set is the block's finality evidence, checkable
//! offline with nothing but the validators' cosigner keys.
//!
//! Key ID: `SHA-256(name || 0x0A || 0x04 || public key)[:4]`. Signature
//! line: `— <name> base64(key ID || u64 timestamp (big-endian) || Ed25519
//! signature)`, the signature over `cosignature/v1\ntime <timestamp>\n`
//! followed by the whole checkpoint text.

use crate::checkpoint::{Checkpoint, CheckpointError};
use crate::note::{check_name, hex_lower, split_note, typed_key_id, NoteError};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use publica_crypto::{verify, Keypair};
use publica_types::{AccountId, SignatureBytes};
use std::collections::BTreeSet;

/// Signature type byte of Ed25519 cosignature/v1.
const COSIGNATURE_V1: u8 = 0x04;

/// The message a cosigner signs for `text` at `timestamp` (seconds).
pub fn cosigned_message(text: &str, timestamp: u64) -> Vec<u8> {
    format!("cosignature/v1\ntime {timestamp}\n{text}").into_bytes()
}

/// A validator's cosigning key under its name.
pub struct Cosigner {
    name: String,
    key: Keypair,
    id: [u8; 4],
}

impl std::fmt::Debug for Cosigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Cosigner({})", self.name)
    }
}

impl Cosigner {
    /// A cosigner named `name` (no spaces, no `+`).
    pub fn new(name: &str, key: Keypair) -> Result<Self, NoteError> {
        let id = CosignerKey::for_public(name, key.account())?.id;
        Ok(Cosigner {
            name: name.into(),
            key,
            id,
        })
    }

    /// The key others check this cosigner's lines with.
    pub fn key(&self) -> CosignerKey {
        CosignerKey {
            name: self.name.clone(),
            id: self.id,
            public: self.key.account(),
        }
    }

    /// The signature line (with its newline) cosigning checkpoint `text`
    /// at `timestamp` seconds.
    pub fn cosign(&self, text: &str, timestamp: u64) -> String {
        let sig = self.key.sign(&cosigned_message(text, timestamp));
        let mut blob = self.id.to_vec();
        blob.extend_from_slice(&timestamp.to_be_bytes());
        blob.extend_from_slice(&sig.0);
        format!("\u{2014} {} {}\n", self.name, B64.encode(blob))
    }
}

/// A cosigner's public key under its name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CosignerKey {
    /// The cosigner name.
    pub name: String,
    /// The key ID.
    pub id: [u8; 4],
    /// The public key.
    pub public: AccountId,
}

impl CosignerKey {
    /// The verifier key of cosigner `name` with public key `public` (what
    /// an operator publishes without touching the secret key).
    pub fn for_public(name: &str, public: AccountId) -> Result<Self, NoteError> {
        if !check_name(name) {
            return Err(NoteError::BadVerifierKey(format!(
                "cosigner name '{name}' must be non-empty without spaces or '+'"
            )));
        }
        if !publica_crypto::is_public_key(public.0) {
            return Err(NoteError::BadVerifierKey(format!(
                "cosigner '{name}': the key is of small order, not canonical or not a curve point"
            )));
        }
        Ok(CosignerKey {
            name: name.into(),
            id: typed_key_id(COSIGNATURE_V1, name, &public),
            public,
        })
    }

    /// The verifier-key text `<name>+<id hex>+base64(0x04 || key)`.
    pub fn to_vkey(&self) -> String {
        let mut k = vec![COSIGNATURE_V1];
        k.extend_from_slice(self.public.as_bytes());
        format!("{}+{}+{}", self.name, hex_lower(&self.id), B64.encode(k))
    }

    /// Parses a verifier key of type 0x04.
    pub fn parse(vkey: &str) -> Result<Self, NoteError> {
        let bad = |m: &str| NoteError::BadVerifierKey(m.to_string());
        let mut parts = vkey.trim().splitn(3, '+');
        let (Some(name), Some(id_hex), Some(key_b64)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(bad("expected <name>+<key id>+<key>"));
        };
        if !check_name(name) {
            return Err(bad("invalid cosigner name"));
        }
        let key = B64.decode(key_b64).map_err(|_| bad("key is not base64"))?;
        if key.len() != 33 || key[0] != COSIGNATURE_V1 {
            return Err(bad(
                "only Ed25519 cosigner keys (type 0x04, 32 bytes) are supported",
            ));
        }
        let public = AccountId(key[1..].try_into().expect("32 bytes"));
        if !publica_crypto::is_public_key(public.0) {
            // A small-order key would accept a forged cosignature.
            return Err(bad(
                "the key is of small order, not canonical or not a curve point",
            ));
        }
        let id = typed_key_id(COSIGNATURE_V1, name, &public);
        if hex_lower(&id) != id_hex.to_ascii_lowercase() {
            return Err(bad("key id does not match the name and key"));
        }
        Ok(CosignerKey {
            name: name.into(),
            id,
            public,
        })
    }

    /// The timestamp of this cosigner's valid cosignature on `text`, given
    /// one signature blob of its.
    fn check(&self, text: &str, blob: &[u8]) -> Result<u64, NoteError> {
        let bad = || NoteError::BadSignature(self.name.clone());
        if blob.len() != 4 + 8 + 64 {
            return Err(bad());
        }
        let ts = u64::from_be_bytes(blob[4..12].try_into().expect("8 bytes"));
        if ts > i64::MAX as u64 {
            return Err(bad());
        }
        let sig = SignatureBytes(blob[12..].try_into().expect("64 bytes"));
        verify(&self.public, &cosigned_message(text, ts), &sig).map_err(|_| bad())?;
        Ok(ts)
    }
}

/// Why a cosigned checkpoint is not final evidence.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CosignError {
    /// The note or its checkpoint is malformed, or the origin is wrong.
    #[error(transparent)]
    Checkpoint(#[from] CheckpointError),
    /// A cosignature from a member of the set does not verify.
    #[error("bad cosignature by {0}: the checkpoint was altered or signed by another key")]
    BadCosignature(String),
    /// Fewer distinct members of the set cosigned than the quorum.
    #[error("{got} valid cosignatures from the validator set, {need} needed")]
    NoQuorum {
        /// Distinct valid cosigners found.
        got: usize,
        /// The quorum.
        need: usize,
    },
}

impl From<NoteError> for CosignError {
    fn from(e: NoteError) -> Self {
        CosignError::Checkpoint(CheckpointError::Note(e))
    }
}

/// Opens a checkpoint cosigned by at least `quorum` distinct members of
/// `set` (lines by other keys are ignored, as the note format says; a
/// member's line that does not verify is an error).
pub fn open_cosigned(
    note: &str,
    set: &[CosignerKey],
    quorum: usize,
    origin: &str,
) -> Result<Checkpoint, CosignError> {
    let (text, lines) = split_note(note)?;
    let mut signed = BTreeSet::new();
    for (name, blob) in lines {
        let Some(member) = set.iter().find(|k| k.name == name && blob[..4] == k.id) else {
            continue;
        };
        member
            .check(text, &blob)
            .map_err(|_| CosignError::BadCosignature(member.name.clone()))?;
        signed.insert(member.name.clone());
    }
    if signed.len() < quorum {
        return Err(CosignError::NoQuorum {
            got: signed.len(),
            need: quorum,
        });
    }
    let cp = Checkpoint::parse(text)?;
    if cp.origin != origin {
        return Err(CheckpointError::WrongOrigin {
            got: cp.origin,
            want: origin.into(),
        }
        .into());
    }
    Ok(cp)
}

/// Checks one cosignature line (as [`Cosigner::cosign`] makes it) by `key`
/// on checkpoint `text`; returns its timestamp.
pub fn check_line(key: &CosignerKey, text: &str, line: &str) -> Result<u64, NoteError> {
    let note = format!("{text}\n{line}");
    let (_, lines) = split_note(&note)?;
    match lines.as_slice() {
        [(name, blob)] if *name == key.name && blob[..4] == key.id => key.check(text, blob),
        _ => Err(NoteError::NoSignatureFromKey(key.name.clone())),
    }
}

/// Most cosigners in a validator set.
pub const VALIDATORS_MAX: usize = 100;

/// A network's validator set as an offline verifier holds it: the log's
/// origin, the validators' cosigner keys, and the quorum (at least 2f + 1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidatorSet {
    /// The log's origin line.
    pub origin: String,
    /// The validators' cosigner keys.
    pub cosigners: Vec<CosignerKey>,
    /// Cosignatures a final checkpoint needs.
    pub quorum: usize,
    /// Later sets (validator-set changes by governance), by the height
    /// they finalize from, increasing.
    pub changes: Vec<SetChange>,
}

/// A validator set that finalizes heights from `from_height` on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetChange {
    /// The first height it finalizes.
    pub from_height: u64,
    /// Its cosigner keys.
    pub cosigners: Vec<CosignerKey>,
    /// Cosignatures it takes.
    pub quorum: usize,
}

impl ValidatorSet {
    /// A set with the BFT quorum of its size.
    pub fn new(origin: &str, cosigners: Vec<CosignerKey>) -> Self {
        ValidatorSet {
            origin: origin.into(),
            quorum: quorum(cosigners.len()),
            cosigners,
            changes: Vec::new(),
        }
    }

    /// The cosigner keys and quorum that finalize `height`.
    pub fn set_at(&self, height: u64) -> (&[CosignerKey], usize) {
        match self.changes.iter().rev().find(|c| c.from_height <= height) {
            Some(c) => (&c.cosigners, c.quorum),
            None => (&self.cosigners, self.quorum),
        }
    }

    /// Parses `{"origin": "...", "cosigners": ["<vkey>", ...], "quorum": n,
    /// "changes": [{"from_height": h, "cosigners": [...], "quorum": n}]}`
    /// (`quorum` and `changes` optional; a quorum is never below 2f + 1 of
    /// its set; `from_height` increases).
    pub fn parse(json: &str) -> Result<Self, NoteError> {
        let bad = |m: String| NoteError::BadVerifierKey(format!("validator set: {m}"));
        let v: serde_json::Value =
            serde_json::from_str(json).map_err(|e| bad(format!("not JSON: {e}")))?;
        let origin = v["origin"]
            .as_str()
            .filter(|o| !o.is_empty() && !o.contains('\n'))
            .ok_or_else(|| bad("needs an origin".into()))?;
        let (cosigners, quorum) = Self::parse_keys(&v)?;
        let mut set = ValidatorSet::new(origin, cosigners);
        set.quorum = quorum;
        let changes = match &v["changes"] {
            serde_json::Value::Null => &Vec::new(),
            serde_json::Value::Array(list) if list.len() <= 10_000 => list,
            _ => return Err(bad("changes must be a list".into())),
        };
        for c in changes {
            let from_height = c["from_height"]
                .as_u64()
                .filter(|h| set.changes.last().map_or(*h > 0, |l| *h > l.from_height))
                .ok_or_else(|| bad("changes need increasing from_height values".into()))?;
            let (cosigners, quorum) = Self::parse_keys(c)?;
            set.changes.push(SetChange {
                from_height,
                cosigners,
                quorum,
            });
        }
        Ok(set)
    }

    /// One set's `cosigners` and `quorum`.
    fn parse_keys(v: &serde_json::Value) -> Result<(Vec<CosignerKey>, usize), NoteError> {
        let bad = |m: String| NoteError::BadVerifierKey(format!("validator set: {m}"));
        let list = v["cosigners"]
            .as_array()
            .filter(|l| (1..=VALIDATORS_MAX).contains(&l.len()))
            .ok_or_else(|| bad(format!("needs 1..={VALIDATORS_MAX} cosigners")))?;
        let mut cosigners = Vec::with_capacity(list.len());
        for k in list {
            let key = CosignerKey::parse(k.as_str().unwrap_or_default())?;
            if cosigners.iter().any(|c: &CosignerKey| c.name == key.name) {
                return Err(bad(format!("cosigner {} is listed twice", key.name)));
            }
            cosigners.push(key);
        }
        let least = quorum(cosigners.len());
        let q = match &v["quorum"] {
            serde_json::Value::Null => least,
            q => {
                let q = q.as_u64().unwrap_or(0) as usize;
                if q < least || q > cosigners.len() {
                    return Err(bad(format!(
                        "quorum must be {least}..={} for {} validators",
                        cosigners.len(),
                        cosigners.len()
                    )));
                }
                q
            }
        };
        Ok((cosigners, q))
    }

    /// The JSON form [`ValidatorSet::parse`] reads.
    pub fn to_json(&self) -> String {
        self.to_value().to_string()
    }

    /// [`ValidatorSet::to_json`] as a JSON value.
    fn to_value(&self) -> serde_json::Value {
        let keys = |l: &[CosignerKey]| l.iter().map(CosignerKey::to_vkey).collect::<Vec<_>>();
        let mut v = serde_json::json!({
            "origin": self.origin,
            "cosigners": keys(&self.cosigners),
            "quorum": self.quorum,
        });
        if !self.changes.is_empty() {
            v["changes"] = self
                .changes
                .iter()
                .map(|c| {
                    serde_json::json!({
                        "from_height": c.from_height,
                        "cosigners": keys(&c.cosigners),
                        "quorum": c.quorum,
                    })
                })
                .collect();
        }
        v
    }

    /// Opens a checkpoint cosigned by a quorum of the latest set.
    pub fn open(&self, note: &str) -> Result<Checkpoint, CosignError> {
        self.open_at(note, u64::MAX)
    }

    /// Opens the checkpoint of the block at `height`: cosigned by a quorum
    /// of the set that finalized it.
    pub fn open_at(&self, note: &str, height: u64) -> Result<Checkpoint, CosignError> {
        let (keys, quorum) = self.set_at(height);
        open_cosigned(note, keys, quorum, &self.origin)
    }
}

/// The smallest number of validators, out of `n`, that a BFT quorum needs
/// (`n - f` with `f = (n - 1) / 3` faulty).
pub fn quorum(n: usize) -> usize {
    n - n.saturating_sub(1) / 3
}

/// Serialized as [`ValidatorSet::to_json`] writes it.
impl serde::Serialize for ValidatorSet {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.to_value().serialize(s)
    }
}

/// Read and checked as [`ValidatorSet::parse`] reads it.
impl<'de> serde::Deserialize<'de> for ValidatorSet {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = serde_json::Value::deserialize(d)?;
        ValidatorSet::parse(&v.to_string()).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use publica_types::Hash32;

    fn set(n: u8) -> Vec<Cosigner> {
        (0..n)
            .map(|i| {
                Cosigner::new(
                    &format!("validator-{i}.example"),
                    Keypair::from_seed([i; 32]),
                )
                .unwrap()
            })
            .collect()
    }

    fn text() -> String {
        Checkpoint {
            origin: "publica.example/log".into(),
            size: 42,
            root: Hash32([9; 32]),
            state: None,
        }
        .to_text()
    }

    #[test]
    fn validator_set_files_parse_and_refuse_weak_quorums() {
        let keys: Vec<_> = set(4).iter().map(Cosigner::key).collect();
        let vs = ValidatorSet::new("o/log", keys.clone());
        assert_eq!(ValidatorSet::parse(&vs.to_json()).unwrap(), vs);
        let with = |q: &str| {
            format!(
                "{{\"origin\": \"o/log\", \"quorum\": {q}, \"cosigners\": {}}}",
                serde_json::to_string(&keys.iter().map(CosignerKey::to_vkey).collect::<Vec<_>>())
                    .unwrap()
            )
        };
        assert_eq!(ValidatorSet::parse(&with("4")).unwrap().quorum, 4);
        for weak in ["2", "5", "\"x\""] {
            assert!(ValidatorSet::parse(&with(weak)).is_err(), "{weak}");
        }
        let twice = format!(
            "{{\"origin\": \"o/log\", \"cosigners\": [\"{0}\", \"{0}\"]}}",
            keys[0].to_vkey()
        );
        assert!(ValidatorSet::parse(&twice)
            .unwrap_err()
            .to_string()
            .contains("twice"));
        for broken in [
            "{",
            "{\"origin\": \"o\", \"cosigners\": []}",
            "{\"cosigners\": [\"x\"]}",
        ] {
            assert!(ValidatorSet::parse(broken).is_err(), "{broken}");
        }
    }

    #[test]
    fn a_quorum_of_cosignatures_opens_and_anything_less_or_altered_does_not() {
        let cosigners = set(4);
        let keys: Vec<_> = cosigners.iter().map(Cosigner::key).collect();
        assert_eq!((quorum(4), quorum(1), quorum(7)), (3, 1, 5));
        let t = text();
        let lines: Vec<_> = cosigners
            .iter()
            .map(|c| c.cosign(&t, 1_700_000_000))
            .collect();
        for (k, l) in keys.iter().zip(&lines) {
            assert_eq!(check_line(k, &t, l).unwrap(), 1_700_000_000);
        }
        assert!(check_line(&keys[1], &t, &lines[0]).is_err());
        let note = |ls: &[String]| format!("{t}\n{}", ls.concat());
        let cp = open_cosigned(&note(&lines[..3]), &keys, 3, "publica.example/log").unwrap();
        assert_eq!(cp.size, 42);
        // Two are not enough; the same cosigner twice counts once.
        assert_eq!(
            open_cosigned(&note(&lines[..2]), &keys, 3, "publica.example/log"),
            Err(CosignError::NoQuorum { got: 2, need: 3 })
        );
        let twice = [lines[0].clone(), lines[0].clone(), lines[1].clone()];
        assert!(matches!(
            open_cosigned(&note(&twice), &keys, 3, "publica.example/log"),
            Err(CosignError::NoQuorum { got: 2, .. })
        ));
        // Outsiders' lines are ignored, not counted.
        let outsider = Cosigner::new("validator-9.example", Keypair::from_seed([99; 32])).unwrap();
        let with_outsider = [lines[0].clone(), lines[1].clone(), outsider.cosign(&t, 5)];
        assert!(matches!(
            open_cosigned(&note(&with_outsider), &keys, 3, "publica.example/log"),
            Err(CosignError::NoQuorum { got: 2, .. })
        ));
        // An altered checkpoint fails on the first member's line.
        let altered = note(&lines).replacen("\n42\n", "\n43\n", 1);
        assert!(matches!(
            open_cosigned(&altered, &keys, 3, "publica.example/log"),
            Err(CosignError::BadCosignature(_))
        ));
        assert!(matches!(
            open_cosigned(&note(&lines), &keys, 3, "other/log"),
            Err(CosignError::Checkpoint(CheckpointError::WrongOrigin { .. }))
        ));
        // A cosignature is not a plain note signature, and keys round-trip.
        assert_eq!(CosignerKey::parse(&keys[2].to_vkey()).unwrap(), keys[2]);
        let mut wrong = keys[2].to_vkey();
        wrong.replace_range(wrong.len() - 4..wrong.len() - 3, "Z");
        assert!(CosignerKey::parse(&wrong).is_err());
        let plain =
            crate::note::NoteSigner::new("validator-0.example", Keypair::from_seed([0; 32]))
                .unwrap()
                .sign(&t);
        assert!(matches!(
            open_cosigned(&plain, &keys, 1, "publica.example/log"),
            Err(CosignError::NoQuorum { got: 0, .. })
        ));
    }
}
