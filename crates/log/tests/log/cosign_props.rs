//! Property: a cosigned checkpoint opens against a validator set exactly
//! when a quorum of distinct members signed this very text; any change to
//! the text or to a member's line is refused.

use proptest::prelude::*;
use publica_crypto::Keypair;
use publica_log::{Checkpoint, CosignError, Cosigner, ValidatorSet};
use publica_types::Hash32;

fn cosigners(n: usize) -> Vec<Cosigner> {
    (0..n)
        .map(|i| {
            Cosigner::new(
                &format!("v{i}.example"),
                Keypair::from_seed([i as u8 + 1; 32]),
            )
            .unwrap()
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn opens_iff_a_quorum_signed_this_text(
        n in 1usize..8,
        signers in prop::collection::vec(0usize..8, 0..12),
        size in 0u64..1 << 40,
        root in any::<[u8; 32]>(),
        flip in any::<prop::sample::Index>(),
        ts in 0u64..1 << 40,
    ) {
        let cs = cosigners(n);
        let set = ValidatorSet::new("o.example/log", cs.iter().map(Cosigner::key).collect());
        let text = Checkpoint { origin: "o.example/log".into(), size, root: Hash32(root), state: None }.to_text();
        let signers: Vec<usize> = signers.into_iter().filter(|i| *i < n).collect();
        let lines: String = signers.iter().map(|&i| cs[i].cosign(&text, ts)).collect();
        let mut distinct = signers.clone();
        distinct.sort_unstable();
        distinct.dedup();
        if lines.is_empty() {
            // A note needs at least one signature line.
            let bare = format!("{text}\n");
            prop_assert!(set.open(&bare).is_err());
            return Ok(());
        }
        let note = format!("{text}\n{lines}");
        match set.open(&note) {
            Ok(cp) => {
                prop_assert!(distinct.len() >= set.quorum);
                prop_assert_eq!((cp.size, cp.root), (size, Hash32(root)));
            }
            Err(CosignError::NoQuorum { got, need }) => {
                prop_assert_eq!((got, need), (distinct.len(), set.quorum));
                prop_assert!(got < need);
            }
            Err(e) => prop_assert!(false, "unexpected {e}"),
        }
        // Flip one character of the text: no quorum of this text remains.
        let i = flip.index(text.len() - 1);
        let mut bytes = note.clone().into_bytes();
        bytes[i] = if bytes[i] == b'A' { b'B' } else { b'A' };
        if let Ok(altered) = String::from_utf8(bytes) {
            if altered != note {
                prop_assert!(set.open(&altered).is_err());
            }
        }
    }
}
