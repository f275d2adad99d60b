//! Fuzz targets: every decoder of input from outside the node, each as a
//! function of arbitrary bytes that must never panic, hang or allocate
//! without bound. Where a decoder has a property to keep (a canonical form
//! is stable, what is encoded decodes to the same thing, a real proof
//! verifies and a changed one does not), the target asserts it, so a
//! broken property is a crash the fuzzer reports.
//!
//! The coverage-guided fuzzer (AFL++ through `cargo afl`, stable Rust) runs
//! them from the `fuzz/` folder (`scripts/fuzz`, `docs/fuzzing.md`); the
//! corpus and every input that once crashed live in `fuzz/corpus/<target>`
//! and `fuzz/regressions/<target>`, and `cargo test` runs each target over
//! all of them, so a fixed crash stays fixed.

use publica_types::Hash32;

/// A target: a name and its function.
pub type Target = (&'static str, fn(&[u8]));

/// Every target, by name.
pub const TARGETS: &[Target] = &[
    ("envelope", envelope),
    ("batch", batch),
    ("canonical_json", canonical_json),
    ("block_log", block_log),
    ("checkpoint_note", checkpoint_note),
    ("witness_request", witness_request),
    ("cosigned_note", cosigned_note),
    ("inclusion_proof", inclusion_proof),
    ("state_proof", state_proof),
    ("tile_path", tile_path),
    ("key_file", key_file),
    ("bft_block", bft_block),
    ("relay_batch", relay_batch),
    ("sync_floor", sync_floor),
    ("block_frames", block_frames),
    ("csv_import", csv_import),
    ("g2p_disburse", g2p_disburse),
    ("g2p_signature", g2p_signature),
    ("zk_proof", zk_proof),
    ("jsonld_rdfc", jsonld_rdfc),
    ("state_note", state_note),
    ("epcis_event", epcis_event),
    ("fhir_resource", fhir_resource),
    ("sealed_record", sealed_record),
    ("election_ballot", election_ballot),
    ("pabulib", pabulib),
];

/// A FHIR R4 resource as `publica records check` and `put` read it.
/// Property: a resource accepted is accepted again, with the same type,
/// once written back as JSON.
pub fn fhir_resource(data: &[u8]) {
    use publica_records::fhir;
    let Ok((value, rt)) = fhir::parse(data) else {
        return;
    };
    let again = serde_json::to_vec(&value).expect("a JSON value writes");
    assert_eq!(
        fhir::parse(&again).map(|(_, t)| t).ok(),
        Some(rt),
        "an accepted resource is accepted again"
    );
}

/// A wrapped data key and a sealed record as a reader opens them (the
/// release's `wrapped_key` and `ciphertext`): the first 80 bytes as the
/// wrapped key, the rest as the record. Properties: nothing but the
/// recipient's key opens them; what the recipient seals it opens.
pub fn sealed_record(data: &[u8]) {
    use publica_crypto::seal::{DataKey, SealKey, WRAPPED_LEN};
    let reader = SealKey::from_signing_seed(&[7u8; 32]);
    let (wrapped, record) = data.split_at(data.len().min(WRAPPED_LEN));
    if let Ok(dk) = reader.unwrap_key(wrapped) {
        // Only a key really wrapped for the reader opens; random bytes
        // authenticating would be a forgery.
        let _ = dk.decrypt(record, b"publica/records/v1/Observation");
    }
    let dk = DataKey::generate();
    let sealed = dk.encrypt(record, b"aad");
    assert_eq!(
        dk.decrypt(&sealed, b"aad").ok().as_deref(),
        Some(record),
        "a record opens"
    );
    let w = dk.wrap_for(&reader.public()).expect("a real key");
    assert_eq!(reader.unwrap_key(&w).ok(), Some(dk), "a wrapped key opens");
}

/// An encrypted ballot as `elections.cast` and `publica election verify`
/// read it, checked against a fixed election (key, contests, voter).
/// Properties: a ballot that verifies verifies again and has one tracking
/// code; it fails for another voter (its proofs are bound to the voter).
pub fn election_ballot(data: &[u8]) {
    use publica_elections::ballot::{tracking_code, verify};
    use publica_elections::group::{Scalar, G};
    use publica_elections::model::{Contest, WireBallot};
    let Ok(ballot) = serde_json::from_slice::<WireBallot>(data) else {
        return;
    };
    let key = G * Scalar::from(3u64);
    let contests = [
        Contest {
            id: "mayor".into(),
            selections: vec!["a".into(), "b".into(), "c".into()],
            limit: 1,
        },
        Contest {
            id: "tram".into(),
            selections: vec!["yes".into(), "no".into()],
            limit: 1,
        },
    ];
    let (voter, other) = (
        publica_types::AccountId([1; 32]),
        publica_types::AccountId([2; 32]),
    );
    let base = [9u8; 32];
    if verify(&base, &key, &contests, &voter, &ballot).is_ok() {
        assert!(verify(&base, &key, &contests, &voter, &ballot).is_ok());
        assert!(verify(&base, &key, &contests, &other, &ballot).is_err());
        assert_eq!(
            tracking_code(&base, &voter, &ballot),
            tracking_code(&base, &voter, &ballot)
        );
    }
}

/// A participatory budgeting instance as `publica election pb` reads a
/// pabulib `.pb` file. Properties: what is read is written back to the
/// same instance; no rule spends more than the budget.
pub fn pabulib(data: &[u8]) {
    use publica_elections::pb::{equal_shares, greedy, Instance};
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(inst) = Instance::parse(text) else {
        return;
    };
    assert_eq!(
        Instance::parse(&inst.write(None)).as_ref(),
        Ok(&inst),
        "an instance read is written back the same"
    );
    if inst.projects.len() <= 64 && inst.votes.len() <= 1_000 {
        for o in [greedy(&inst), equal_shares(&inst, true)] {
            assert!(o.spent <= inst.budget, "within the budget");
        }
    }
}

/// An EPCIS 2.0 document or event as `medicines.capture` and `publica
/// medicines capture` read it. Properties: an event's hash is
/// deterministic and blind to the order of its members.
pub fn epcis_event(data: &[u8]) {
    use publica_medicines::{epcis, hash};
    let Ok(doc) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    let events = match epcis::document_events(&doc) {
        Ok(events) => events,
        Err(_) => vec![doc],
    };
    for e in events.iter().take(64) {
        let _ = epcis::read(e);
        let Ok(once) = hash::event_hash(e) else {
            continue;
        };
        assert_eq!(
            hash::event_hash(e).ok(),
            Some(once.clone()),
            "the same event hashes the same"
        );
        if let serde_json::Value::Object(m) = e {
            let reversed: serde_json::Map<String, serde_json::Value> = m
                .iter()
                .rev()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            assert_eq!(
                hash::event_hash(&serde_json::Value::Object(reversed)).ok(),
                Some(once),
                "the order of members does not matter"
            );
        }
    }
}

/// A credential as `eddsa-rdfc-2022` verification reads it: JSON-LD
/// against the held contexts, then RDFC-1.0. Properties: the reading is
/// deterministic and blind to the order of members.
pub fn jsonld_rdfc(data: &[u8]) {
    use publica_credentials::{di, jsonld};
    let Ok(doc) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    let _ = di::verify(&doc, di::did_key);
    let Ok(once) = jsonld::canonicalize(&doc, &di::held) else {
        return;
    };
    assert_eq!(
        jsonld::canonicalize(&doc, &di::held).ok(),
        Some(once.clone()),
        "the same document reads the same"
    );
    if let serde_json::Value::Object(m) = &doc {
        let reversed: serde_json::Map<String, serde_json::Value> = m
            .iter()
            .rev()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        assert_eq!(
            jsonld::canonicalize(&serde_json::Value::Object(reversed), &di::held).ok(),
            Some(once),
            "the order of members does not matter"
        );
    }
}

/// A state note as `publica verify credential --snapshot` opens it (a
/// verifier key line, then the note). Property: a note that verifies reads
/// back to the same text.
pub fn state_note(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (vkey, note) = text.split_once('\n').unwrap_or((text, ""));
    if let Ok(v) = publica_log::NoteVerifier::parse(vkey) {
        let _ = publica_log::StateNote::open(note, &v);
    }
    if let Ok(n) = publica_log::StateNote::parse(note) {
        assert_eq!(publica_log::StateNote::parse(&n.to_text()).ok(), Some(n));
    }
}

/// A G2P Connect message as `publica g2p serve` takes it: its
/// `signature` checked against a registered key. Property: the same
/// header and message signed by that key verify, and with the message
/// changed they do not.
pub fn g2p_signature(data: &[u8]) {
    use publica_programs::g2p_signature::{sign, verify};
    let Ok(body) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    let kp = publica_crypto::Keypair::from_seed([7; 32]);
    let key = kp.account();
    let sender = body["header"]["sender_id"].as_str().unwrap_or("registry");
    let _ = verify(&body, sender, |_| Some(key), 1_000);
    if !body.is_object() {
        return;
    }
    let (header, message) = (&body["header"], &body["message"]);
    let text = sign(&kp, sender, header, message, 1_000, 600);
    let signed = serde_json::json!({"signature": text, "header": header, "message": message});
    if !publica_programs::g2p_signature::valid_sender_id(sender)
        || publica_types::canonical::to_canonical_bytes(header).is_err()
        || publica_types::canonical::to_canonical_bytes(message).is_err()
    {
        return;
    }
    assert_eq!(
        verify(&signed, sender, |_| Some(key), 1_100),
        Ok(()),
        "a real signature verifies"
    );
    let mut changed = signed.clone();
    changed["message"] = serde_json::json!({"changed": message.clone()});
    assert!(
        verify(&changed, sender, |_| Some(key), 1_100).is_err(),
        "another message does not"
    );
}

/// A committed attestation's commitment and a threshold proof as
/// `programs.attest_committed` and `programs.enrol` take them: the first
/// 32 bytes a commitment, the rest a proof. Property: a commitment that
/// decodes encodes to the same bytes.
pub fn zk_proof(data: &[u8]) {
    let Some((head, proof)) = data.split_first_chunk::<32>() else {
        return;
    };
    let Ok(c) = publica_zk::Commitment::from_bytes(*head) else {
        return;
    };
    assert_eq!(&c.to_bytes(), head, "a commitment round-trips");
    for t in [
        publica_zk::Threshold::AtLeast(0),
        publica_zk::Threshold::Below(1_500_000),
    ] {
        let _ = publica_zk::verify(&c, t, b"fuzz", proof);
    }
}

/// The target called `name`.
pub fn target(name: &str) -> Option<fn(&[u8])> {
    TARGETS.iter().find(|(n, _)| *n == name).map(|(_, f)| *f)
}

/// One signed transaction as `POST /v1/transactions` takes it: parsed, and
/// when it parses, its shape checked, its signing bytes derived (they must
/// be canonical JSON of the body) and its signature checked.
pub fn envelope(data: &[u8]) {
    let Ok(raw) = serde_json::from_slice::<&serde_json::value::RawValue>(data) else {
        return;
    };
    if let Ok(env) = publica_types::tx::parse_envelope_raw(raw) {
        let _ = env.body.validate_shape();
        if let Ok(bytes) = env.body.signing_bytes() {
            let _ = publica_crypto::verify(&env.signer, &bytes, &env.signature);
            let _ = publica_crypto::is_weak_key(&env.signer.0);
        }
    }
}

/// A batch as `POST /v1/transactions/batch` takes it.
pub fn batch(data: &[u8]) {
    if let Ok(items) = publica_types::tx::batch_items(data) {
        for raw in items {
            if let Ok(env) = publica_types::tx::parse_envelope_raw(raw) {
                let _ = env.body.signing_bytes();
            }
        }
    }
}

/// RFC 8785 canonical JSON: the canonical form of any JSON value parses
/// back to the same value and is its own canonical form.
pub fn canonical_json(data: &[u8]) {
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    let Ok(once) = publica_types::canonical::to_canonical_bytes(&value) else {
        return;
    };
    let back: serde_json::Value = serde_json::from_slice(&once).expect("canonical JSON is JSON");
    let twice = publica_types::canonical::to_canonical_bytes(&back)
        .expect("a canonical form has a canonical form");
    assert_eq!(once, twice, "canonical JSON is stable");
}

/// A block log file (`blocks.log`) as a node opens it at start and
/// `publica admin verify-chain` reads it: every frame checked, every
/// record decoded, whole and paged.
pub fn block_log(data: &[u8]) {
    let dir = scratch_dir();
    std::fs::write(dir.path().join("blocks.log"), data).expect("writing a scratch file");
    let Ok((log, report)) = publica_store::BlockLog::open_read_only(dir.path()) else {
        return;
    };
    assert!(report.discarded_tail_bytes <= data.len() as u64);
    for height in 1..=log.height() {
        let Ok(Some(record)) = log.read_record(height) else {
            continue;
        };
        if let Ok(page) = record.decode_page(0, 16) {
            let _ = page;
        }
        let _ = record.decode();
    }
    // Opening to write cuts a torn tail off, and keeps every whole block.
    if let Ok((log2, _)) = publica_store::BlockLog::open(dir.path()) {
        assert_eq!(log2.height(), log.height());
    }
}

/// Block payloads in valid frames: the input is split at each zero byte
/// (JSON never holds one) and each piece framed with correct checksums,
/// then read as [`block_log`] reads a file. Where `block_log`'s mutations
/// rarely pass the CRC-32 checks, this target's always do, so the fuzzer
/// works on the block decoder behind them.
pub fn block_frames(data: &[u8]) {
    let mut file = Vec::with_capacity(data.len() + 64);
    for payload in data.split(|b| *b == 0).take(64) {
        file.extend(publica_store::blocklog::frame(payload).expect("a small payload"));
    }
    block_log(&file);
}

/// The CSV files officials import: `publica money bulk` transfers and the
/// programs' registry, enrolment and attestation files, each read from the
/// same text. Every data row is either turned into a call or reported
/// refused, once, with its line.
pub fn csv_import(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(csv) = publica_types::csv::parse(text) else {
        return;
    };
    let lines = |rows: &[usize], refused: &[serde_json::Value]| {
        let mut all: Vec<u64> = rows.iter().map(|l| *l as u64).collect();
        all.extend(refused.iter().map(|r| r["line"].as_u64().expect("a line")));
        all.sort_unstable();
        all
    };
    let mut every: Vec<u64> = csv.rows.iter().map(|(l, _)| *l as u64).collect();
    every.extend(
        csv.invalid
            .iter()
            .map(|r| r["line"].as_u64().expect("a line")),
    );
    every.sort_unstable();
    assert!(every.windows(2).all(|w| w[0] < w[1]), "a line is read once");
    let again = || publica_types::csv::parse(text).expect("it parsed once");
    if let Ok((mut rows, mut refused)) = publica_money::bulk::transfers(again()) {
        // Major units in the currency of every account but "z" (unknown).
        let decimals: std::collections::BTreeMap<String, u8> = rows
            .iter()
            .filter(|t| t.from != "z")
            .map(|t| (t.from.clone(), (t.line % 19) as u8))
            .collect();
        refused.extend(publica_money::bulk::in_minor_units(&mut rows, &decimals));
        assert!(rows.iter().all(|t| t.amount > 0));
        let read: Vec<usize> = rows.iter().map(|t| t.line).collect();
        assert_eq!(lines(&read, &refused), every, "each row read or refused");
    }
    let _ = publica_programs::bulk::registry(&csv);
    if let Ok((rows, refused)) = publica_programs::bulk::enrolments(again(), "p", "a") {
        let read: Vec<usize> = rows.iter().map(|(l, _)| *l).collect();
        assert_eq!(lines(&read, &refused), every, "each row read or refused");
    }
    if let Ok((rows, refused)) = publica_claims::bulk::claims(again(), "h", "i", "p", "a") {
        let read: Vec<usize> = rows.iter().map(|(l, _)| *l).collect();
        assert_eq!(lines(&read, &refused), every, "each row read or refused");
    }
    if let Ok((rows, refused)) = publica_programs::bulk::attestations(csv, "a", Some("p")) {
        let read: Vec<usize> = rows.iter().map(|(l, _)| *l).collect();
        assert_eq!(lines(&read, &refused), every, "each row read or refused");
    }
}

/// A G2P Connect `disburse` request (`publica programs disburse`): its
/// header and message checked, then each disbursement against a ledger of
/// three programs (one paying in cents by month, two in whole units by
/// week and by day). There is one
/// answer per disbursement, and every one that passes has a positive
/// amount.
pub fn g2p_disburse(data: &[u8]) {
    use publica_programs::period::Kind;
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    let Ok(req) = publica_programs::disburse::request(&value) else {
        return;
    };
    let payer = |currency: &str, decimals, period| publica_programs::disburse::Payer {
        currency: currency.to_string(),
        decimals,
        period,
    };
    let payers = [
        ("ubi".to_string(), payer("EUR", 2, Kind::Month)),
        ("pension".to_string(), payer("XLC", 0, Kind::Week)),
        ("meals".to_string(), payer("XLC", 0, Kind::Day)),
    ]
    .into_iter()
    .collect();
    let (answers, passed) =
        publica_programs::disburse::check_all(&req.disbursements, Some("2027-01"), &payers);
    assert_eq!(answers.len(), req.disbursements.len(), "one answer each");
    assert!(passed
        .iter()
        .all(|(i, d)| *i < answers.len() && d.amount > 0));
}

/// A temporary folder in memory where the system has one.
fn scratch_dir() -> tempfile::TempDir {
    let shm = std::path::Path::new("/dev/shm");
    if shm.is_dir() {
        if let Ok(d) = tempfile::tempdir_in(shm) {
            return d;
        }
    }
    tempfile::tempdir().expect("a scratch directory")
}

/// The key every note target verifies against: fixed, so that the corpus
/// can hold notes it really signed.
pub fn note_key() -> publica_crypto::Keypair {
    publica_crypto::Keypair::from_seed([7; 32])
}

/// The origin of the notes the targets verify.
pub const NOTE_ORIGIN: &str = "publica.local/fuzz";

/// A checkpoint note (`GET /checkpoint`, a receipt's checkpoint): the first
/// line of the input is a verifier key, the rest a signed note, checked
/// against that key and against the fixed one.
pub fn checkpoint_note(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (vkey, note) = text.split_once('\n').unwrap_or((text, ""));
    if let Ok(v) = publica_log::NoteVerifier::parse(vkey) {
        let _ = publica_log::Checkpoint::open(note, &v, NOTE_ORIGIN);
    }
    let fixed = publica_log::NoteSigner::new(NOTE_ORIGIN, note_key()).expect("a valid name");
    let fixed = publica_log::NoteVerifier::parse(&fixed.verifier_key()).expect("own key parses");
    if let Ok(cp) = publica_log::Checkpoint::open(note, &fixed, NOTE_ORIGIN) {
        // What verifies reads back to the same text.
        assert_eq!(publica_log::Checkpoint::parse(&cp.to_text()).ok(), Some(cp));
    }
    let _ = publica_log::Checkpoint::parse(text);
}

/// A witness's `add-checkpoint` body (C2SP tlog-witness), as anyone may
/// post it: parsed, checked against a witness of the fixed-key log holding
/// a 12-entry checkpoint; what parses writes back to the same body, and a
/// checkpoint the witness accepts is of that log and never smaller than
/// what it holds.
pub fn witness_request(data: &[u8]) {
    use publica_log::witness::{AddCheckpoint, LogKeys, Witness, Witnessed};
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(req) = AddCheckpoint::parse(text) else {
        return;
    };
    assert_eq!(
        AddCheckpoint::parse(&req.to_body()).ok().as_ref(),
        Some(&req)
    );
    let log = publica_log::NoteSigner::new(NOTE_ORIGIN, note_key()).expect("a valid name");
    let key = publica_log::NoteVerifier::parse(&log.verifier_key()).expect("own key parses");
    let cosigner = publica_log::Cosigner::new(
        "witness.example/w",
        publica_crypto::Keypair::from_seed([3; 32]),
    )
    .expect("a valid name");
    let witness = Witness::new(cosigner, vec![LogKeys::Node(key)]);
    let held = Witnessed {
        size: 12,
        root: publica_types::Hash32([9; 32]),
        note: String::new(),
    };
    if let Ok(cp) = witness.check(&req, |_| Some(&held)) {
        assert_eq!(cp.origin, NOTE_ORIGIN);
        assert!(cp.size >= held.size);
        assert!(cp.size > held.size || cp.root == held.root);
    }
}

/// A note cosigned by validators: the first line is a validator set's JSON
/// (as `validators.json` carries it), the rest the note.
pub fn cosigned_note(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (set, note) = text.split_once('\n').unwrap_or((text, ""));
    if let Ok(set) = publica_log::ValidatorSet::parse(set) {
        let _ = set.open(note);
        let _ = set.open_at(note, 1);
    }
}

/// Reads a big-endian u64 from the front of `data`.
fn take_u64(data: &mut &[u8]) -> u64 {
    let mut b = [0u8; 8];
    let n = data.len().min(8);
    b[..n].copy_from_slice(&data[..n]);
    *data = &data[n..];
    u64::from_be_bytes(b)
}

fn hashes(data: &[u8]) -> Vec<Hash32> {
    data.chunks_exact(32)
        .map(|c| Hash32(c.try_into().expect("32 bytes")))
        .collect()
}

/// Inclusion and consistency proofs of the transparency log (receipts,
/// `GET /v1/log/consistency`): arbitrary ones never panic, and in a real
/// tree of the size the input picks, real proofs verify and a proof with
/// a hash changed does not.
pub fn inclusion_proof(data: &[u8]) {
    let mut rest = data;
    let index = take_u64(&mut rest);
    let size = take_u64(&mut rest);
    let path = hashes(rest);
    let leaf = Hash32([1; 32]);
    let root = path.first().copied().unwrap_or(Hash32([0; 32]));
    let _ = publica_log::verify_inclusion(index, size, &leaf, &path, &root);
    let _ = publica_log::verify_consistency(index, size, &path, &leaf, &root);

    // A real tree of 1..=300 leaves.
    let n = size % 300 + 1;
    let mut tree = publica_log::MerkleLog::new();
    for i in 0..n {
        tree.append(publica_log::leaf_hash(&i.to_be_bytes()));
    }
    let i = index % n;
    let leaf = publica_log::leaf_hash(&i.to_be_bytes());
    let root = tree.root();
    let proof = tree.inclusion_proof(i, n).expect("a proof inside the tree");
    assert!(publica_log::verify_inclusion(i, n, &leaf, &proof, &root).is_ok());
    if let (Some(pick), Some(flip)) = (rest.first(), rest.get(1)) {
        if !proof.is_empty() && *flip != 0 {
            let mut bad = proof.clone();
            bad[usize::from(*pick) % proof.len()].0[0] ^= flip;
            assert!(publica_log::verify_inclusion(i, n, &leaf, &bad, &root).is_err());
        }
    }
    let old = (index >> 32) % n + 1;
    let old_root = tree.root_at(old).expect("a size inside the tree");
    let proof = tree
        .consistency_proof(old, n)
        .expect("sizes inside the tree");
    assert!(publica_log::verify_consistency(old, n, &proof, &old_root, &root).is_ok());
}

/// A state proof (`GET /v1/state`, module reads with proofs) as a client
/// checks it: a JSON proof, a key and maybe a value, against a root.
pub fn state_proof(data: &[u8]) {
    let Ok(v) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    let Ok(proof) = serde_json::from_value::<publica_state::Proof>(v["proof"].clone()) else {
        return;
    };
    let root: Hash32 = v["root"]
        .as_str()
        .and_then(|r| r.parse().ok())
        .unwrap_or(Hash32([0; 32]));
    let key = v["key"].as_str().unwrap_or("k").as_bytes();
    let value = v["value"].as_str().map(str::as_bytes);
    let _ = publica_state::verify_proof(&root, key, value, &proof);
}

/// A tile path (`GET /tile/...`).
pub fn tile_path(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = publica_log::TilePath::parse(text);
    }
}

/// A key file as `publica` reads one. Encrypted ones are opened only with
/// cheap parameters, so that the fuzzer spends its time on the parsing.
pub fn key_file(data: &[u8]) {
    let Ok(file) = serde_json::from_slice::<publica_crypto::KeyFile>(data) else {
        return;
    };
    if let publica_crypto::keyfile::Secret::Argon2idChacha20poly1305 {
        m_cost_kib, t_cost, ..
    } = &file.secret
    {
        if *m_cost_kib > 64 || *t_cost > 2 {
            return;
        }
    }
    let _ = file.open("fuzz", Some(b"passphrase"));
    let _ = file.open("fuzz", None);
}

/// A block of the BFT engine, as a validator decodes one from a peer, and
/// its transactions as the ledger checks them: what decodes encodes back to
/// the same bytes.
pub fn bft_block(data: &[u8]) {
    use commonware_codec::{Decode as _, Encode as _};
    let Ok(block) = publica_bft::BftBlock::decode_cfg(bytes::Bytes::copy_from_slice(data), &())
    else {
        return;
    };
    assert_eq!(
        block.encode().as_ref(),
        data,
        "the block codec is canonical"
    );
    let _ = publica_bft::Ledger::decode_transactions(&block);
}

/// A batch of transactions relayed by another validator.
pub fn relay_batch(data: &[u8]) {
    if let Some(txs) = publica_bft::network::decode_batch(data) {
        for tx in txs {
            let _ = tx.body.signing_bytes();
        }
    }
}

/// A state-sync floor from a peer (`GET /v1/sync/floor`): decoded, and
/// checked against a fixed trusted set.
pub fn sync_floor(data: &[u8]) {
    let Ok(file) = serde_json::from_slice::<publica_bft::FloorFile>(data) else {
        return;
    };
    if let Ok(floor) = publica_bft::Floor::from_file(&file) {
        let _ = floor.to_file();
    }
}
