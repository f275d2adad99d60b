//! State sync: the proof a validator far behind (or new) starts from
//! instead of executing every block since genesis.
//!
//! A peer offers a *floor*: a finalized engine block `F` whose proposer had
//! executed `F - 1` (so the block names the hash of the Publica header at
//! `F - 1`), the engine's finalization certificate of `F`, and the consensus
//! keys of the set that signed it. The joiner checks, before it downloads
//! anything else, that the certificate is valid for that set and that a
//! quorum of the set it already trusts (the genesis set, or the sets its
//! own ledger recorded) is among the signers. The Publica blocks up to
//! `F - 1` must then hash-link to the certified header, and the state
//! snapshot must match the state root of one of them: nothing of what the
//! peer sends is taken on its word, and no transaction is executed again
//! below the snapshot. The engine then starts at `F` (its marshal's floor).

use crate::block::BftBlock;
use crate::network::{NotAPublicKey, NETWORK_VALIDATORS_MAX};
use commonware_codec::{Decode as _, Encode as _};
use commonware_consensus::{
    marshal::{core::Mailbox, standard::Standard},
    simplex::{scheme::ed25519, types::Finalization},
    types::{Epoch, Height},
    Epochable as _,
};
use commonware_cryptography::{ed25519::PublicKey, sha256::Digest, Digestible as _};
use commonware_parallel::Sequential;
use commonware_utils::ordered::Set;

/// A finalization certificate of the engine (ed25519 votes).
pub type Certificate = Finalization<ed25519::Scheme, Digest>;

/// Largest floor accepted from a peer, in JSON bytes (a block names no
/// transactions it must carry here beyond its own, capped by the engine).
pub const FLOOR_JSON_BYTES_MAX: usize = 24 << 20;

/// A finalized engine block and its certificate, as a peer offers it.
#[derive(Clone, Debug)]
pub struct Floor {
    /// The finalized block `F`.
    pub block: BftBlock,
    /// Its finalization.
    pub certificate: Certificate,
    /// The consensus keys of the set that finalized it (engine order).
    pub participants: Vec<PublicKey>,
}

/// What a checked floor proves.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Certified {
    /// The engine height the joiner's engine starts from.
    pub height: u64,
    /// The engine epoch of that height.
    pub epoch: u64,
    /// The Publica height whose header the block certifies (`height - 1`).
    pub executed_height: u64,
    /// That header's hash.
    pub executed_header_hash: [u8; 32],
}

pub use publica_consensus::FloorFile;

/// Why a floor was refused: its file does not decode, or it proves
/// nothing this node can trust.
#[derive(Debug, thiserror::Error)]
pub enum FloorError {
    /// No participant, or more than a network has.
    #[error("the floor names {participants} validators (1..={NETWORK_VALIDATORS_MAX} allowed)")]
    Participants {
        /// How many it names.
        participants: usize,
    },
    /// A field that must be hex is not.
    #[error("the floor's {field} is not hex")]
    NotHex {
        /// The field (`block` or `finalization`).
        field: &'static str,
    },
    /// The block does not decode.
    #[error("the floor's block does not decode: {0}")]
    Block(#[source] commonware_codec::Error),
    /// The finalization does not decode.
    #[error("the floor's finalization does not decode: {0}")]
    Finalization(#[source] commonware_codec::Error),
    /// A participant's key is not 32 bytes of hex.
    #[error("the floor's validator key '{key}' is not 32-byte hex")]
    KeyNotHex {
        /// The key as given.
        key: String,
    },
    /// A participant's key is not an Ed25519 public key.
    #[error(transparent)]
    Key(#[from] NotAPublicKey),
    /// The file's height or epoch is not its block's.
    #[error("the floor's height or epoch differs from its block's")]
    HeightOrEpoch,
    /// The floor is at height 0 or 1.
    #[error("a floor must be above height 1")]
    TooLow,
    /// The certificate finalizes another block.
    #[error("the finalization is not for the floor's block")]
    OtherBlock,
    /// The block certifies a header other than the one just below it.
    #[error("the floor's block certifies height {executed_height}, not the one below it")]
    CertifiedHeight {
        /// The height it certifies.
        executed_height: u64,
    },
    /// The certificate's epoch is not the one of the block's height.
    #[error("the finalization is for epoch {certified}, height {height} is in epoch {epoch}")]
    Epoch {
        /// The certificate's epoch.
        certified: u64,
        /// The block's height.
        height: u64,
        /// The epoch of that height.
        epoch: u64,
    },
    /// The participants name a key twice.
    #[error("the floor's validator set names a key twice")]
    DuplicateKey,
    /// The participants are not in the engine's order.
    #[error("the floor's validators are not in the engine's order")]
    Order,
    /// The certificate's signatures do not verify for the participants.
    #[error("the finalization's signatures do not verify")]
    Signatures,
    /// Fewer than a quorum of the trusted keys signed.
    #[error("only {signed} of the {trusted} validators this node trusts signed the floor ({needed} needed)")]
    Quorum {
        /// Trusted keys among the signers.
        signed: usize,
        /// Keys this node trusts.
        trusted: usize,
        /// A quorum of them.
        needed: usize,
    },
}

fn unhex(field: &'static str, s: &str) -> Result<Vec<u8>, FloorError> {
    hex::decode(s).map_err(|_| FloorError::NotHex { field })
}

impl Floor {
    /// The floor as JSON.
    pub fn to_file(&self) -> FloorFile {
        FloorFile {
            height: self.block.height.get(),
            epoch: self.certificate.epoch().get(),
            block: hex::encode(self.block.encode()),
            finalization: hex::encode(self.certificate.encode()),
            participants: self
                .participants
                .iter()
                .map(|k| hex::encode(k.encode()))
                .collect(),
        }
    }

    /// Decodes a floor (bounded: at most [`crate::network::NETWORK_VALIDATORS_MAX`]
    /// participants); nothing is checked yet.
    pub fn from_file(f: &FloorFile) -> Result<Floor, FloorError> {
        if f.participants.is_empty() || f.participants.len() > NETWORK_VALIDATORS_MAX {
            return Err(FloorError::Participants {
                participants: f.participants.len(),
            });
        }
        let block = BftBlock::decode_cfg(bytes::Bytes::from(unhex("block", &f.block)?), &())
            .map_err(FloorError::Block)?;
        let raw = bytes::Bytes::from(unhex("finalization", &f.finalization)?);
        let certificate = Certificate::decode_cfg(raw, &f.participants.len())
            .map_err(FloorError::Finalization)?;
        let participants = f
            .participants
            .iter()
            .map(|k| -> Result<PublicKey, FloorError> {
                let account: publica_types::AccountId = k
                    .parse()
                    .map_err(|_| FloorError::KeyNotHex { key: k.clone() })?;
                Ok(crate::network::public_key(&account.0)?)
            })
            .collect::<Result<Vec<_>, _>>()?;
        if block.height.get() != f.height || certificate.epoch().get() != f.epoch {
            return Err(FloorError::HeightOrEpoch);
        }
        Ok(Floor {
            block,
            certificate,
            participants,
        })
    }

    /// Checks the floor: the certificate finalizes this very block, is
    /// valid for the named set, in the epoch `epoch_of` gives for its
    /// height, and signed by at least a quorum of `trusted`; the block
    /// certifies the header just below it.
    pub fn check(
        &self,
        namespace: &[u8],
        epoch_of: impl Fn(u64) -> u64,
        trusted: &[PublicKey],
    ) -> Result<Certified, FloorError> {
        let height = self.block.height.get();
        if height < 2 {
            return Err(FloorError::TooLow);
        }
        if self.certificate.proposal.payload != self.block.digest() {
            return Err(FloorError::OtherBlock);
        }
        if self.block.executed_height + 1 != height {
            return Err(FloorError::CertifiedHeight {
                executed_height: self.block.executed_height,
            });
        }
        let epoch = epoch_of(height);
        if self.certificate.epoch() != Epoch::new(epoch) {
            return Err(FloorError::Epoch {
                certified: self.certificate.epoch().get(),
                height,
                epoch,
            });
        }
        let set = Set::try_from(self.participants.clone()).map_err(|_| FloorError::DuplicateKey)?;
        // The certificate's signer indices count in the set's own order.
        let ordered: Vec<PublicKey> = set.iter().cloned().collect();
        if ordered != self.participants {
            return Err(FloorError::Order);
        }
        let scheme = ed25519::Scheme::verifier(namespace, set);
        if !self
            .certificate
            .verify(&mut commonware_utils::sys_rng(), &scheme, &Sequential)
        {
            return Err(FloorError::Signatures);
        }
        let signed_trusted = self
            .certificate
            .certificate
            .signers
            .iter()
            .filter_map(|p| ordered.get(usize::from(p)))
            .filter(|k| trusted.contains(k))
            .count();
        let needed = publica_log::quorum(trusted.len().max(1));
        if signed_trusted < needed {
            return Err(FloorError::Quorum {
                signed: signed_trusted,
                trusted: trusted.len(),
                needed,
            });
        }
        Ok(Certified {
            height,
            epoch,
            executed_height: self.block.executed_height,
            executed_header_hash: self.block.executed_header_hash,
        })
    }
}

/// How many heights below the executed one a peer looks for a floor (a
/// finalized block with its own certificate whose proposer had executed
/// its parent).
const FLOOR_SEARCH: u64 = 256;

/// Reads floors out of a running validator's marshal (what it serves to
/// joiners).
#[derive(Clone)]
pub struct Floors {
    marshal: Mailbox<ed25519::Scheme, Standard<BftBlock>>,
    epochs: crate::Epochs,
}

impl Floors {
    pub(crate) fn new(
        marshal: Mailbox<ed25519::Scheme, Standard<BftBlock>>,
        epochs: crate::Epochs,
    ) -> Self {
        Floors { marshal, epochs }
    }

    /// The highest floor at or below `executed`, if one is stored (a
    /// block finalized through a later one carries no certificate of its
    /// own, and a proposer a block behind names an older header).
    pub async fn latest(&self, executed: u64) -> Option<Floor> {
        let lowest = executed.saturating_sub(FLOOR_SEARCH).max(2);
        for h in (lowest..=executed).rev() {
            let Some(certificate) = self.marshal.get_finalization(Height::new(h)).await else {
                continue;
            };
            let Some(block) = self.marshal.get_block(Height::new(h)).await else {
                continue;
            };
            if block.inner().executed_height + 1 != h {
                continue;
            }
            let participants = self.epochs.participants(certificate.epoch().get())?;
            return Some(Floor {
                block: block.inner().clone(),
                certificate,
                participants: participants.iter().cloned().collect(),
            });
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use commonware_consensus::{
        simplex::types::{Finalize, Proposal},
        types::{Round, View},
    };
    use commonware_cryptography::{ed25519::PrivateKey, Signer};

    const NS: &[u8] = b"publica/bft/v1/consensus/test";

    fn keys(seeds: std::ops::Range<u8>) -> Vec<PrivateKey> {
        seeds
            .map(|s| {
                use commonware_codec::DecodeExt as _;
                PrivateKey::decode(bytes::Bytes::from(vec![s; 32])).unwrap()
            })
            .collect()
    }

    fn block(height: u64, executed: u64) -> BftBlock {
        BftBlock {
            parent: BftBlock::genesis().digest(),
            height: Height::new(height),
            time_ms: 1_000 + height,
            executed_height: executed,
            executed_header_hash: [7; 32],
            txs: vec![],
        }
    }

    /// A floor for `b` in `epoch`, signed by the first `signers` of `set`.
    fn floor(b: BftBlock, epoch: u64, set: &[PrivateKey], signers: usize) -> Floor {
        let participants =
            Set::try_from(set.iter().map(Signer::public_key).collect::<Vec<_>>()).unwrap();
        let proposal = Proposal::new(
            Round::new(Epoch::new(epoch), View::new(5)),
            View::new(4),
            b.digest(),
        );
        let votes: Vec<_> = set
            .iter()
            .take(signers)
            .map(|k| {
                let s = ed25519::Scheme::signer(NS, participants.clone(), k.clone()).unwrap();
                Finalize::sign(&s, proposal.clone()).unwrap()
            })
            .collect();
        let verifier = ed25519::Scheme::verifier(NS, participants.clone());
        let certificate = Certificate::from_finalizes(
            &verifier,
            commonware_utils::non_empty![@&votes],
            &Sequential,
        )
        .unwrap();
        Floor {
            block: b,
            certificate,
            participants: participants.iter().cloned().collect(),
        }
    }

    fn pubs(k: &[PrivateKey]) -> Vec<PublicKey> {
        k.iter().map(Signer::public_key).collect()
    }

    #[test]
    fn a_floor_signed_by_a_trusted_quorum_certifies_the_header_below_it() {
        let set = keys(1..5);
        let f = floor(block(10, 9), 1, &set, 3);
        let back = Floor::from_file(&f.to_file()).unwrap();
        let c = back.check(NS, |h| h / 8, &pubs(&set)).unwrap();
        assert_eq!(
            c,
            Certified {
                height: 10,
                epoch: 1,
                executed_height: 9,
                executed_header_hash: [7; 32]
            }
        );
        // A set grown by governance (five, one new) still passes when a
        // quorum of the four the joiner trusts signed.
        let grown = keys(1..6);
        let f = floor(block(10, 9), 1, &grown, 4);
        let trusted = pubs(&keys(1..5));
        let signed_by_old: usize = f
            .certificate
            .certificate
            .signers
            .iter()
            .filter(|p| trusted.contains(&f.participants[usize::from(*p)]))
            .count();
        assert_eq!(f.check(NS, |h| h / 8, &trusted).is_ok(), signed_by_old >= 3);
    }

    #[test]
    fn floors_that_prove_nothing_are_refused() {
        let set = keys(1..5);
        let trusted = pubs(&set);
        let err = |f: &Floor| f.check(NS, |h| h / 8, &trusted).unwrap_err().to_string();
        // Another set entirely (an attacker's keys) signs a valid certificate.
        let strangers = keys(20..24);
        let e = err(&floor(block(10, 9), 1, &strangers, 4));
        assert!(e.contains("trusts signed"), "{e}");
        // Two trusted keys (say, stolen) and two of the attacker's make a
        // set of their own: its certificate verifies, but proves nothing.
        let mixed: Vec<PrivateKey> = set[..2].iter().chain(&strangers[..2]).cloned().collect();
        let e = err(&floor(block(10, 9), 1, &mixed, 4));
        assert!(e.contains("only 2 of the 4"), "{e}");
        let mut f = floor(block(10, 9), 1, &set, 3);
        // A certificate for another block.
        f.block = block(10, 9);
        f.block.time_ms += 1;
        assert!(err(&f).contains("not for the floor's block"));
        // The block certifies a header lower than the one below it.
        assert!(err(&floor(block(10, 7), 1, &set, 4)).contains("certifies height 7"));
        // The wrong epoch for its height.
        assert!(err(&floor(block(10, 9), 2, &set, 4)).contains("epoch 2"));
        // A flipped signature byte.
        let good = floor(block(10, 9), 1, &set, 4);
        let mut file = good.to_file();
        let n = file.finalization.len();
        let last = &file.finalization[n - 2..];
        let flipped = format!("{:02x}", u8::from_str_radix(last, 16).unwrap() ^ 1);
        file.finalization.replace_range(n - 2.., &flipped);
        let f = Floor::from_file(&file).unwrap();
        assert!(err(&f).contains("do not verify"));
        // Other namespaces (another chain) do not verify either.
        assert!(good.check(b"other", |h| h / 8, &trusted).is_err());
        // Malformed files.
        let mut bad = good.to_file();
        bad.block = "zz".into();
        assert!(Floor::from_file(&bad)
            .unwrap_err()
            .to_string()
            .contains("not hex"));
        let mut bad = good.to_file();
        bad.height += 1;
        assert!(Floor::from_file(&bad)
            .unwrap_err()
            .to_string()
            .contains("differs"));
        let mut bad = good.to_file();
        bad.participants.clear();
        assert!(Floor::from_file(&bad).is_err());
        let mut bad = good.to_file();
        bad.participants[0] = "zz".into();
        assert!(Floor::from_file(&bad)
            .unwrap_err()
            .to_string()
            .contains("not 32-byte hex"));
        let mut bad = good.to_file();
        bad.finalization.push_str("00");
        assert!(Floor::from_file(&bad)
            .unwrap_err()
            .to_string()
            .contains("does not decode"));
    }
}
