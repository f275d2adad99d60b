//! Offline verification: a snapshot made on the ledger's state verifies a
//! credential with the log key alone, and a snapshot that was tampered
//! with, signed by another key, made for another credential or stripped of
//! the page that revokes a diploma never makes it verify.

use crate::flows::{world, World, DAY, JAN_2027};
use publica_credentials::offline::{self, Snapshot};
use publica_crypto::Keypair;
use publica_log::{NoteSigner, NoteVerifier, StateNote};
use publica_runtime::routes::{ReadError, ReadView, StateProofAnswer};
use publica_state::StateTree;
use publica_types::Hash32;
use serde_json::{json, Value};

/// The committed state as a node's routes see it, with a log key.
struct View {
    state: StateTree,
    root: Hash32,
    signer: NoteSigner,
}

impl ReadView for View {
    fn state(&self) -> &StateTree {
        &self.state
    }
    fn height(&self) -> u64 {
        9
    }
    fn prove(&self, key: &[u8]) -> StateProofAnswer {
        StateProofAnswer {
            height: 9,
            state_root: self.root,
            value: self.state.get(key).map(std::borrow::Cow::into_owned),
            proof: self.state.prove_hashed(key).unwrap(),
        }
    }
    fn indexed(&self, _: &str, _: u64, _: usize) -> Result<(u64, Vec<Value>), ReadError> {
        Ok((0, vec![]))
    }
    fn now_ms(&self) -> u64 {
        JAN_2027 + 200 * DAY
    }
    fn block_time_ms(&self, _: u64) -> Option<u64> {
        None
    }
    fn state_note(&self) -> Option<String> {
        let note = StateNote {
            origin: self.signer.name().to_string(),
            height: 9,
            state_root: self.root,
            time_ms: JAN_2027 + 199 * DAY,
        };
        Some(note.sign(&self.signer))
    }
}

fn view(w: &World) -> View {
    let mut state = w.c.state.clone();
    let root = state.root();
    View {
        state,
        root,
        signer: NoteSigner::new("ledger.example/log", Keypair::from_seed([5; 32])).unwrap(),
    }
}

fn status(n: u64) -> Value {
    json!({"credentialStatus": [
        {"type": "BitstringStatusListEntry", "statusPurpose": "revocation", "statusListIndex": n.to_string(),
         "statusListCredential": "https://node.example/v1/credentials/status/uni/rev"}]})
}

fn code(r: &publica_credentials::verify::Report) -> Option<&'static str> {
    r.failure().and_then(|c| c.code)
}

#[test]
fn a_snapshot_verifies_offline_and_cannot_be_bent() {
    let mut w = world();
    w.enact(
        "uni",
        json!({"change": "grant", "kinds": ["degree"], "from_ms": JAN_2027, "until_ms": JAN_2027 + 1_000 * DAY}),
    );
    w.cr(
        "registrar",
        "create_status_list",
        json!({"agency": "uni", "id": "rev", "purpose": "revocation", "size": 131_072}),
    )
    .unwrap();
    let good = w.diploma("registrar", "2027-06-30T12:00:00Z", status(7));
    let revoked = w.diploma("registrar", "2027-06-30T12:00:00Z", status(9));
    w.cr(
        "registrar",
        "set_status",
        json!({"agency": "uni", "list": "rev", "indexes": [9], "status": true}),
    )
    .unwrap();
    w.c.time_ms = JAN_2027 + 200 * DAY;
    let v = view(&w);
    let key = NoteVerifier::parse(&v.signer.verifier_key()).unwrap();
    let now = JAN_2027 + 200 * DAY;

    let snap = offline::snapshot(&v, &good, "education").unwrap();
    // The signer's key and role, the accreditation, the list and its page.
    assert!(snap.entries.len() >= 5, "{snap:?}");
    let r = offline::verify(&snap, &key, &good, "education", now, 30 * DAY);
    assert!(r.verified, "{r:?}");
    assert_eq!(r.checks[0].check, "snapshot");
    assert!(r.checks[0].message.contains("block 9"), "{r:?}");
    // The same checks as online.
    let online = w.check(&good);
    assert_eq!(r.checks[1..], online.checks[..]);

    // Too old for a strict verifier, or dated ahead of its clock.
    let r = offline::verify(&snap, &key, &good, "education", now, 3_600_000);
    assert_eq!(code(&r), Some("credentials.snapshot_stale"));
    let r = offline::verify(
        &snap,
        &key,
        &good,
        "education",
        JAN_2027 + 198 * DAY,
        30 * DAY,
    );
    assert_eq!(code(&r), Some("credentials.snapshot_stale"));

    // A snapshot round-trips through JSON.
    let text = serde_json::to_string(&snap).unwrap();
    let back: Snapshot = serde_json::from_str(&text).unwrap();
    assert!(offline::verify(&back, &key, &good, "education", now, 30 * DAY).verified);

    // Another log key.
    let other = NoteSigner::new("ledger.example/log", Keypair::from_seed([6; 32])).unwrap();
    let other = NoteVerifier::parse(&other.verifier_key()).unwrap();
    let r = offline::verify(&snap, &other, &good, "education", now, 30 * DAY);
    assert_eq!(code(&r), Some("credentials.snapshot_invalid"));
    assert!(!r.verified);

    // A value changed: its proof no longer holds.
    let mut bent = snap.clone();
    let acc = bent
        .entries
        .iter_mut()
        .find(|e| e.key.contains("accreditation"))
        .expect("the accreditation is in the snapshot");
    acc.value_hex = Some(hex::encode(b"{}"));
    assert_eq!(
        code(&offline::verify(
            &bent,
            &key,
            &good,
            "education",
            now,
            30 * DAY
        )),
        Some("credentials.snapshot_invalid")
    );

    // The revoked diploma: refused offline as online.
    let snap_r = offline::snapshot(&v, &revoked, "education").unwrap();
    let r = offline::verify(&snap_r, &key, &revoked, "education", now, 30 * DAY);
    assert_eq!(code(&r), Some("credentials.revoked"), "{r:?}");
    // Without the page that revokes it, it is not verified either.
    let mut stripped = snap_r.clone();
    let n = stripped.entries.len();
    stripped.entries.retain(|e| !e.key.contains("/bits/"));
    assert_eq!(stripped.entries.len(), n - 1, "one page entry");
    let r = offline::verify(&stripped, &key, &revoked, "education", now, 30 * DAY);
    assert_eq!(code(&r), Some("credentials.snapshot_incomplete"), "{r:?}");
    assert!(!r.verified);
    // Nor with the good diploma's snapshot (which proves another page).
    let r = offline::verify(&snap, &key, &revoked, "education", now, 30 * DAY);
    assert!(!r.verified, "{r:?}");
    // Nor for another accreditor.
    let r = offline::verify(&snap, &key, &good, "college", now, 30 * DAY);
    assert_eq!(code(&r), Some("credentials.snapshot_incomplete"), "{r:?}");
}
