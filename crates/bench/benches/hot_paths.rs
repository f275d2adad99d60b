//! Micro-benchmarks of the hot paths (`cargo bench -p publica-bench`):
//! signature verification (single and batched), canonical JSON, Merkle log
//! append and proofs, state updates and root, transfer execution, program
//! rules (checking a rule, and evaluating a simple and a costliest one as a
//! scheduled payout does), credentials (eddsa-jcs-2022 and eddsa-rdfc-2022
//! issue and verify, a
//! 1,048,576-entry status list served), zero-knowledge threshold proofs,
//! and a state answer checked from its signed checkpoint alone.

use publica_crypto::{verify, verify_batch, Keypair};
use publica_log::{leaf_hash, MerkleLog};
use publica_state::StateTree;
use publica_types::{AccountId, Call, Envelope, Expiry, SignatureBytes, TxBody};
use serde_json::json;

fn main() {
    divan::main();
}

fn body(nonce: u64) -> TxBody {
    TxBody {
        chain_id: "publica-dev".into(),
        nonce,
        expiry: Expiry::Height(1_000_000),
        call: Call {
            module: "money".into(),
            method: "transfer".into(),
            args: json!({"from": "bench-0", "to": "bench-1", "amount": "1", "reference": "r"}),
        },
    }
}

#[divan::bench]
fn ed25519_verify_single(bencher: divan::Bencher) {
    let k = Keypair::generate();
    let msg = body(1).signing_bytes().unwrap();
    let sig = k.sign(&msg);
    bencher.bench(|| verify(&k.account(), divan::black_box(&msg), &sig).is_ok());
}

#[divan::bench(args = [64, 256])]
fn ed25519_verify_batch(bencher: divan::Bencher, n: usize) {
    let k = Keypair::generate();
    let msgs: Vec<Vec<u8>> = (0..n as u64)
        .map(|i| body(i + 1).signing_bytes().unwrap())
        .collect();
    let items: Vec<(AccountId, &[u8], SignatureBytes)> = msgs
        .iter()
        .map(|m| (k.account(), m.as_slice(), k.sign(m)))
        .collect();
    bencher
        .counter(divan::counter::ItemsCount::new(n))
        .bench(|| verify_batch(divan::black_box(&items)));
}

#[divan::bench]
fn jcs_signing_bytes(bencher: divan::Bencher) {
    let b = body(7);
    bencher.bench(|| divan::black_box(&b).signing_bytes().unwrap());
}

#[divan::bench]
fn envelope_parse(bencher: divan::Bencher) {
    let k = Keypair::generate();
    let b = body(1);
    let env = Envelope {
        signature: k.sign(&b.signing_bytes().unwrap()),
        signer: k.account(),
        body: b,
    };
    let text = serde_json::to_vec(&env).unwrap();
    bencher.bench(|| serde_json::from_slice::<Envelope>(divan::black_box(&text)).unwrap());
}

#[divan::bench]
fn merkle_append(bencher: divan::Bencher) {
    let mut log = MerkleLog::new();
    let mut i = 0u64;
    bencher.bench_local(|| {
        i += 1;
        log.append(leaf_hash(&i.to_le_bytes()));
    });
}

#[divan::bench]
fn merkle_inclusion_proof_1m(bencher: divan::Bencher) {
    let mut log = MerkleLog::new();
    for i in 0..1_000_000u64 {
        log.append(leaf_hash(&i.to_le_bytes()));
    }
    let mut i = 0u64;
    bencher.bench_local(|| {
        i = (i + 7919) % 1_000_000;
        log.inclusion_proof(i, 1_000_000).unwrap()
    });
}

#[divan::bench]
fn state_update_and_root_100k(bencher: divan::Bencher) {
    let mut s = StateTree::new();
    for i in 0..100_000u64 {
        s.insert(format!("k/{i}").as_bytes(), b"v");
    }
    s.root();
    let mut i = 0u64;
    bencher.bench_local(|| {
        i = (i + 31) % 100_000;
        s.insert(format!("k/{i}").as_bytes(), &i.to_le_bytes());
        s.root()
    });
}

#[divan::bench]
fn state_proof_100k(bencher: divan::Bencher) {
    let mut s = StateTree::new();
    for i in 0..100_000u64 {
        s.insert(format!("k/{i}").as_bytes(), b"v");
    }
    s.root();
    let mut i = 0u64;
    bencher.bench_local(|| {
        i = (i + 31) % 100_000;
        s.prove(format!("k/{i}").as_bytes())
    });
}

/// What a verifier does per state answer (`publica verify state`, a light
/// client): the checkpoint's signature, its `publica-state` line, then the
/// proof of one key among 100,000 against that root.
#[divan::bench]
fn state_answer_verify_from_checkpoint_100k(bencher: divan::Bencher) {
    let mut s = StateTree::new();
    for i in 0..100_000u64 {
        s.insert(format!("k/{i}").as_bytes(), b"v");
    }
    let root = s.root();
    let signer = publica_log::NoteSigner::new("bench.example/log", Keypair::generate()).unwrap();
    let note = signer.sign(
        &publica_log::Checkpoint {
            origin: "bench.example/log".into(),
            size: 1_000,
            root: publica_types::Hash32([7; 32]),
            state: Some(publica_log::StateLine {
                height: 500,
                state_root: root,
            }),
        }
        .to_text(),
    );
    let key = publica_log::NoteVerifier::parse(&signer.verifier_key()).unwrap();
    let answer = json!({
        "key": "k/4242",
        "height": 500,
        "state_root": root,
        "value_hex": hex::encode(b"v"),
        "proof": s.prove(b"k/4242"),
        "checkpoint": note,
    });
    let trust = publica_runtime::receipt::Trust::LogKey(&key);
    bencher.bench(|| {
        publica_runtime::state_answer::verify_state_answer(divan::black_box(&answer), trust, None)
            .unwrap()
    });
}

/// The program rules of the bench: a simple eligibility rule and the
/// costliest allowed (`attr.age in [...]`, 254 of 256 units).
fn rule(kind: &str) -> String {
    match kind {
        "simple" => "attr.resident && attr.age >= 18".into(),
        _ => {
            let ages: Vec<String> = (0..250).map(|i| (i * 7).to_string()).collect();
            format!("attr.age in [{}]", ages.join(","))
        }
    }
}

fn rule_schema() -> publica_programs::rules::Schema {
    use publica_programs::rules::Ty;
    publica_programs::rules::Schema {
        attributes: [
            ("age".to_string(), Ty::Int),
            ("resident".to_string(), Ty::Bool),
        ]
        .into(),
        ..Default::default()
    }
}

/// Parsing and type-checking a rule (at definition; also what every
/// payout paid before rules were cached).
#[divan::bench(args = ["simple", "costly"])]
fn program_rule_check(bencher: divan::Bencher, kind: &str) {
    let (src, schema) = (rule(kind), rule_schema());
    bencher.bench(|| {
        publica_programs::rules::check(
            divan::black_box(&src),
            publica_programs::rules::Ty::Bool,
            &schema,
        )
        .unwrap()
    });
}

/// Evaluating a rule for one enrolee as a payout does (compiled rule from
/// the cache; the age is not in the list, so `in` scans all of it).
#[divan::bench(args = ["simple", "costly"])]
fn program_rule_eval(bencher: divan::Bencher, kind: &str) {
    use publica_programs::rules::{compiled, eval_bool, AttrValue, Inputs};
    let src = rule(kind);
    let inputs = Inputs {
        attr: [
            ("age".to_string(), AttrValue::Int(40_001)),
            ("resident".to_string(), AttrValue::Bool(true)),
        ]
        .into(),
        period: "2027-01".into(),
        ..Default::default()
    };
    bencher.bench_local(|| eval_bool(&compiled(divan::black_box(&src)).unwrap().program, &inputs));
}

/// A diploma as `publica credentials issue` makes one.
fn diploma() -> serde_json::Value {
    json!({
        "@context": ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
        "id": "urn:uuid:00000000-0000-4000-8000-000000000000",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": "did:publica:university", "type": ["Profile"], "name": "university"},
        "name": "BSc Computer Science",
        "validFrom": "2027-06-30T12:00:00Z",
        "credentialSubject": {"id": "did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2", "type": ["AchievementSubject"],
            "achievement": {"id": "urn:example:bsc", "type": ["Achievement"], "name": "BSc Computer Science",
                "criteria": {"narrative": "Completed the programme of study."}}},
        "credentialStatus": [{"type": "BitstringStatusListEntry", "statusPurpose": "revocation", "statusListIndex": "17",
            "statusListCredential": "https://ledger.example/v1/credentials/status/university/revocation"}],
    })
}

#[divan::bench]
fn credential_issue_eddsa_jcs(bencher: divan::Bencher) {
    let k = Keypair::generate();
    let method = format!("did:publica:{}#key-1", k.account());
    let doc = diploma();
    bencher.bench(|| {
        publica_credentials::di::sign(divan::black_box(&doc), &k, &method, "2027-06-30T12:00:00Z")
            .unwrap()
    });
}

#[divan::bench]
fn credential_verify_eddsa_jcs(bencher: divan::Bencher) {
    let k = Keypair::generate();
    let method = format!("did:publica:{}#key-1", k.account());
    let signed =
        publica_credentials::di::sign(&diploma(), &k, &method, "2027-06-30T12:00:00Z").unwrap();
    let key = k.account();
    bencher.bench(|| {
        publica_credentials::di::verify(divan::black_box(&signed), |_| Some(key)).unwrap()
    });
}

/// An enrolment certificate as the demo issues it with eddsa-rdfc-2022.
fn enrolment() -> serde_json::Value {
    json!({
        "@context": ["https://www.w3.org/ns/credentials/v2", "urn:publica:context:credentials:v1"],
        "id": "urn:uuid:00000000-0000-4000-8000-0000000000e0",
        "type": ["VerifiableCredential", "EnrolmentCredential"],
        "issuer": "did:publica:university",
        "validFrom": "2026-09-01T00:00:00Z", "validUntil": "2027-07-01T00:00:00Z",
        "credentialSubject": {"id": "did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2",
            "programme": "BSc Computer Science", "academic_year": "2026-2027", "study_mode": "full-time"},
        "credentialStatus": [{"id": "https://ledger.example/v1/credentials/status/university/revocation#100",
            "type": "BitstringStatusListEntry", "statusPurpose": "revocation", "statusListIndex": "100",
            "statusListCredential": "https://ledger.example/v1/credentials/status/university/revocation"}],
    })
}

#[divan::bench]
fn credential_issue_eddsa_rdfc(bencher: divan::Bencher) {
    use publica_credentials::di;
    let k = Keypair::from_seed([9; 32]);
    let method = format!("did:publica:{}#key-1", k.account());
    let doc = enrolment();
    bencher.bench(|| {
        di::sign_with(
            di::Suite::Rdfc,
            divan::black_box(&doc),
            &k,
            &method,
            "2026-09-01T00:00:00Z",
            &di::held,
        )
        .unwrap()
    });
}

#[divan::bench]
fn credential_verify_eddsa_rdfc(bencher: divan::Bencher) {
    use publica_credentials::di;
    let k = Keypair::from_seed([9; 32]);
    let key = k.account();
    let method = format!("did:publica:{key}#key-1");
    let signed = di::sign_with(
        di::Suite::Rdfc,
        &enrolment(),
        &k,
        &method,
        "2026-09-01T00:00:00Z",
        &di::held,
    )
    .unwrap();
    bencher.bench(|| di::verify(divan::black_box(&signed), |_| Some(key)).unwrap());
}

/// A status list of 1,048,576 entries (256 pages), one entry in a hundred
/// revoked, served as a `BitstringStatusListCredential`: every page read,
/// the bitstring compressed and encoded.
#[divan::bench(sample_count = 20)]
fn status_list_serve_1m(bencher: divan::Bencher) {
    use publica_credentials::model::{page_key, Purpose, StatusList, PAGE_BITS};
    let list = StatusList {
        institution: "university".into(),
        id: "revocation".into(),
        purpose: Purpose::Revocation,
        size: 1 << 20,
        set: 0,
        height: 1,
        changed_height: 1,
    };
    let mut s = StateTree::new();
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    for page in 0..list.size / PAGE_BITS {
        let mut bytes = vec![0u8; publica_credentials::status::PAGE_BYTES];
        for _ in 0..41 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let bit = (x % PAGE_BITS) as usize;
            bytes[bit / 8] |= 0x80 >> (bit % 8);
        }
        let v = serde_json::to_vec(&json!(hex::encode(bytes))).unwrap();
        s.insert(&page_key("university", "revocation", page), &v);
    }
    s.insert(
        b"credentials/list/university/revocation",
        &serde_json::to_vec(&list).unwrap(),
    );
    bencher.bench(|| publica_credentials::queries::list_credential(divan::black_box(&s), &list, 1));
}

#[divan::bench]
fn zk_threshold_prove(bencher: divan::Bencher) {
    let o = publica_zk::Opening::new(900_000);
    bencher.bench(|| {
        publica_zk::prove(
            &o,
            publica_zk::Threshold::Below(1_500_000),
            divan::black_box(b"ctx"),
        )
        .unwrap()
    });
}

#[divan::bench]
fn zk_threshold_verify(bencher: divan::Bencher) {
    let o = publica_zk::Opening::new(900_000);
    let c = o.commitment();
    let p = publica_zk::prove(&o, publica_zk::Threshold::Below(1_500_000), b"ctx").unwrap();
    bencher.bench(|| {
        publica_zk::verify(
            &c,
            publica_zk::Threshold::Below(1_500_000),
            b"ctx",
            divan::black_box(&p),
        )
    });
}

fn census_ring(
    n: usize,
) -> (
    publica_elections::ring::Ring,
    publica_elections::group::Scalar,
) {
    let s = publica_elections::group::random_scalar();
    let ring = (0..n)
        .map(|i| {
            let k = if i == n / 2 {
                s
            } else {
                publica_elections::group::random_scalar()
            };
            publica_elections::group::G * k
        })
        .collect();
    (publica_elections::ring::Ring::new(ring), s)
}

/// An anonymous ballot's membership proof, proved by the voter, for rings
/// of 8, 64 and 1,024 registrations.
#[divan::bench(args = [8, 64, 1024])]
fn census_membership_prove(bencher: divan::Bencher, n: usize) {
    let (ring, s) = census_ring(n);
    let u = publica_elections::ring::nullifier_base(&[1; 32]);
    bencher.bench(|| {
        publica_elections::ring::prove(b"ctx", &u, divan::black_box(&ring), n / 2, &s).unwrap()
    });
}

/// The same proof checked on admission (the ring decoded already).
#[divan::bench(args = [8, 64, 1024])]
fn census_membership_verify(bencher: divan::Bencher, n: usize) {
    let (ring, s) = census_ring(n);
    let u = publica_elections::ring::nullifier_base(&[1; 32]);
    let (j, p) = publica_elections::ring::prove(b"ctx", &u, &ring, n / 2, &s).unwrap();
    bencher.bench(|| publica_elections::ring::verify(b"ctx", &u, &ring, &j, divan::black_box(&p)));
}

/// A ballot of 3 contests × 5 selections (limits 1, 2, 3) checked as on
/// admission: every encoding decoded, the 18 range proofs' challenges, and
/// their equations in one multiscalar multiplication.
#[divan::bench]
fn ballot_check_3x5(bencher: divan::Bencher) {
    use publica_elections::model::Contest;
    let contests: Vec<Contest> = (0..3u64)
        .map(|c| Contest {
            id: format!("contest-{c}"),
            selections: (0..5).map(|s| format!("option-{s}")).collect(),
            limit: c + 1,
        })
        .collect();
    let key = publica_elections::group::G * publica_elections::group::random_scalar();
    let voter = publica_types::AccountId([7; 32]);
    let choices: Vec<Vec<u64>> = (0..3u64)
        .map(|c| (0..5u64).map(|s| u64::from(s <= c)).collect())
        .collect();
    let (ballot, _) =
        publica_elections::ballot::encrypt(&[3; 32], &key, &contests, &voter, &choices).unwrap();
    bencher.bench(|| {
        publica_elections::ballot::verify(
            &[3; 32],
            &key,
            &contests,
            &voter,
            divan::black_box(&ballot),
        )
        .unwrap()
    });
}
