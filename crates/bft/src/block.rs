//! The block the engine orders: a batch of signed Publica transactions, the
//! proposer's time, and the last height the proposer had executed with the
//! hash of the Publica block header it computed there, which every
//! validator checks against its own execution before voting.

use bytes::{Buf as _, BufMut};
use commonware_codec::{varint::UInt, Buf, EncodeSize, Error, Read, ReadExt, Write};
use commonware_consensus::types::Height;
use commonware_cryptography::{sha256::Digest, Digestible, Hasher, Sha256};
use publica_types::limits::{BLOCK_TXS_MAX, TX_BYTES_MAX};

/// Most encoded bytes of one block's transactions (the engine's network
/// messages are sized from it).
pub const BLOCK_BYTES_MAX: usize = publica_types::limits::BLOCK_TX_BYTES_MAX;

/// A block as the engine sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BftBlock {
    /// Digest of the parent block.
    pub parent: Digest,
    /// 0 for genesis; Publica heights are the same numbers.
    pub height: Height,
    /// The proposer's clock, ms since the Unix epoch; above the parent's.
    pub time_ms: u64,
    /// The last height the proposer had executed (finalized) when it
    /// proposed; below `height`, never below the parent's.
    pub executed_height: u64,
    /// Hash of the Publica block header at `executed_height` as the
    /// proposer computed it (zero at height 0).
    pub executed_header_hash: [u8; 32],
    /// The transactions: JSON-encoded signed envelopes, in order.
    pub txs: Vec<Vec<u8>>,
}

impl BftBlock {
    /// The genesis block every validator starts from.
    pub fn genesis() -> Self {
        BftBlock {
            parent: Sha256::hash(&[b"publica/bft/genesis"]),
            height: Height::new(0),
            time_ms: 0,
            executed_height: 0,
            executed_header_hash: [0; 32],
            txs: vec![],
        }
    }
}

impl Write for BftBlock {
    fn write(&self, w: &mut impl BufMut) {
        self.parent.write(w);
        self.height.write(w);
        UInt(self.time_ms).write(w);
        UInt(self.executed_height).write(w);
        w.put_slice(&self.executed_header_hash);
        UInt(self.txs.len() as u64).write(w);
        for tx in &self.txs {
            UInt(tx.len() as u64).write(w);
            w.put_slice(tx);
        }
    }
}

impl EncodeSize for BftBlock {
    fn encode_size(&self) -> usize {
        self.parent.encode_size()
            + self.height.encode_size()
            + UInt(self.time_ms).encode_size()
            + UInt(self.executed_height).encode_size()
            + 32
            + UInt(self.txs.len() as u64).encode_size()
            + self
                .txs
                .iter()
                .map(|t| UInt(t.len() as u64).encode_size() + t.len())
                .sum::<usize>()
    }
}

impl Read for BftBlock {
    type Cfg = ();

    fn read_cfg(r: &mut impl Buf, _: &()) -> Result<Self, Error> {
        let parent = Digest::read(r)?;
        let height = Height::read(r)?;
        let time_ms: u64 = UInt::read(r)?.into();
        let executed_height: u64 = UInt::read(r)?.into();
        if r.remaining() < 32 {
            return Err(Error::EndOfBuffer);
        }
        let mut executed_header_hash = [0u8; 32];
        r.copy_to_slice(&mut executed_header_hash);
        let n: u64 = UInt::read(r)?.into();
        if n as usize > BLOCK_TXS_MAX {
            return Err(Error::Invalid("BftBlock", "too many transactions"));
        }
        let mut txs = Vec::with_capacity(n as usize);
        let mut total = 0usize;
        for _ in 0..n {
            let len: u64 = UInt::read(r)?.into();
            // A length is checked before it is added: a peer's 2^64 − 1
            // must not wrap the total.
            let len = usize::try_from(len).unwrap_or(usize::MAX);
            total = total.saturating_add(len);
            if len > TX_BYTES_MAX || total > BLOCK_BYTES_MAX {
                return Err(Error::Invalid("BftBlock", "transaction too large"));
            }
            if r.remaining() < len {
                return Err(Error::EndOfBuffer);
            }
            let mut tx = vec![0u8; len];
            r.copy_to_slice(&mut tx);
            txs.push(tx);
        }
        Ok(BftBlock {
            parent,
            height,
            time_ms,
            executed_height,
            executed_header_hash,
            txs,
        })
    }
}

impl Digestible for BftBlock {
    type Digest = Digest;

    fn digest(&self) -> Digest {
        let mut buf = Vec::with_capacity(self.encode_size());
        self.write(&mut buf);
        Sha256::hash(&[&buf])
    }
}

impl commonware_consensus::Heightable for BftBlock {
    fn height(&self) -> Height {
        self.height
    }
}

impl commonware_consensus::Block for BftBlock {
    fn parent(&self) -> Digest {
        self.parent
    }
}

impl commonware_consensus::BoundedBlock for BftBlock {
    fn max_encode_size(_: &()) -> usize {
        // parent, height, time, executed height and header hash, count, and
        // the bounded bytes with one length prefix per transaction.
        32 + 10 + 10 + 10 + 32 + 10 + BLOCK_BYTES_MAX + BLOCK_TXS_MAX * 10
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use commonware_codec::{Decode, Encode};
    use commonware_consensus::BoundedBlock as _;
    use proptest::prelude::*;

    fn block(txs: Vec<Vec<u8>>, executed_height: u64) -> BftBlock {
        BftBlock {
            parent: Sha256::hash(&[b"p"]),
            height: Height::new(executed_height + 1),
            time_ms: 1_700_000_000_000,
            executed_height,
            executed_header_hash: [7; 32],
            txs,
        }
    }

    proptest! {
        #[test]
        fn round_trips_and_truncations_fail(
            txs in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..200), 0..20),
            executed in 0u64..1 << 40,
            cut in 0usize..10_000,
        ) {
            let b = block(txs, executed);
            let bytes = b.encode();
            prop_assert_eq!(bytes.len(), b.encode_size());
            let back = BftBlock::decode_cfg(bytes.clone(), &()).unwrap();
            prop_assert_eq!(&back, &b);
            prop_assert_eq!(back.digest(), b.digest());
            let cut = cut % bytes.len();
            prop_assert!(BftBlock::decode_cfg(bytes.slice(..cut), &()).is_err());
        }
    }

    /// An empty block's encoding up to its transaction count.
    fn header_bytes() -> Vec<u8> {
        let mut b = Vec::new();
        let base = block(vec![], 0);
        base.parent.write(&mut b);
        base.height.write(&mut b);
        UInt(base.time_ms).write(&mut b);
        UInt(0u64).write(&mut b);
        b.extend_from_slice(&[0; 32]);
        b
    }

    #[test]
    fn oversized_transactions_and_counts_are_refused() {
        let big = block(vec![vec![0; TX_BYTES_MAX + 1]], 0);
        assert!(BftBlock::decode_cfg(big.encode(), &()).is_err());
        let mut b = header_bytes();
        UInt((BLOCK_TXS_MAX + 1) as u64).write(&mut b);
        assert!(BftBlock::decode_cfg(bytes::Bytes::from(b), &()).is_err());
        assert!(BftBlock::max_encode_size(&()) > BLOCK_BYTES_MAX);
    }

    #[test]
    fn a_length_near_2_pow_64_is_refused_not_wrapped() {
        // Found by the fuzzer (fuzz/regressions/bft_block): one small
        // transaction, then a length of 2^64 − 1 overflowed the total.
        let mut b = header_bytes();
        UInt(2u64).write(&mut b);
        UInt(1u64).write(&mut b);
        b.push(9);
        UInt(u64::MAX).write(&mut b);
        assert!(matches!(
            BftBlock::decode_cfg(bytes::Bytes::from(b), &()),
            Err(Error::Invalid("BftBlock", "transaction too large"))
        ));
    }
}
