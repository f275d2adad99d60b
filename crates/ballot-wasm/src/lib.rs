//! The portal's vote page's ballot maker, compiled to WebAssembly
//! (`scripts/portal-wasm`): the voter's choices are encrypted with their
//! proofs by [`publica_ballot`] on the voter's own device, so only the
//! encrypted ballot leaves it.
//!
//! The page (`crates/portal/assets/vote.js`) drives it through four
//! exports and the module's memory, with no generated glue:
//! 1. `input(len)` answers where to write the request (JSON, UTF-8);
//! 2. `random(len)` answers where to write `len` bytes from
//!    `crypto.getRandomValues`, the only source of the ballot's secrets;
//! 3. `make()` makes the ballot and answers the answer's length;
//! 4. `output()` answers where the answer is (JSON, UTF-8).
//!
//! [`answer`] is the same work on text, for tests on any target: a
//! ballot, an anonymous census's registration, or the voter's pseudonym
//! there.

use publica_ballot::ballot::{encrypt, tracking_code};
use publica_ballot::census::{place_in, PlaceError};
use publica_ballot::group::{decode32, point_from_hex, scalar_hex, Point, Scalar};
use publica_ballot::member::{self, Anonymous};
use publica_ballot::ring::census_secret;
use publica_ballot::wire::{Contest, Membership, WireBallot};
use publica_types::AccountId;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::cell::RefCell;

/// What the page asks for.
#[derive(Debug, Default, Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A ballot (`cast` or `challenge` arguments).
    #[default]
    Ballot,
    /// An anonymous census's registration (`register` arguments).
    Register,
    /// The voter's pseudonym in an anonymous census (to look up the
    /// ballot a new one replaces).
    Pseudonym,
}

/// The page's request: the election as `GET /v1/elections/{id}` answers
/// it, and what this kind of request needs.
#[derive(Debug, Deserialize)]
pub struct Request {
    /// What is asked for (a ballot unless said).
    #[serde(default)]
    pub kind: Kind,
    /// The election (unknown fields ignored).
    pub election: ElectionView,
    /// The voter's account (hex public key): a ballot in a census of
    /// accounts, a registration.
    #[serde(default)]
    pub voter: String,
    /// Per contest, 0 or 1 per selection.
    #[serde(default)]
    pub choices: Vec<Vec<u64>>,
    /// The census file the election published (its text: an account a
    /// line): a ballot in a census of accounts, a registration.
    #[serde(default)]
    pub census: String,
    /// An anonymous census: the wallet's Ed25519 signature (hex) of
    /// [`member::seed_message`], which its census secret comes from.
    #[serde(default)]
    pub wallet_signature: String,
    /// An anonymous ballot: every registration's commitment, in order.
    #[serde(default)]
    pub registrations: Vec<String>,
    /// An anonymous ballot: the tracking code of the nullifier's last
    /// ballot, which this one replaces.
    #[serde(default)]
    pub replaces: Option<String>,
}

/// The parts of an election the device needs.
#[derive(Debug, Deserialize)]
pub struct ElectionView {
    /// Its id.
    pub id: String,
    /// Its contests.
    pub contests: Vec<Contest>,
    /// `H_M` (hex).
    #[serde(default)]
    pub manifest_hash: String,
    /// The election key, once the ceremony is done.
    #[serde(default)]
    pub key: Option<String>,
    /// `H_E`, once the ceremony is done.
    #[serde(default)]
    pub base_hash: Option<String>,
    /// The census root and size (and ring, for an anonymous census).
    pub census: CensusView,
    /// How many voters registered (an anonymous census).
    #[serde(default)]
    pub registered: u64,
}

/// An election's census as published.
#[derive(Debug, Deserialize)]
pub struct CensusView {
    /// The root (hex).
    pub root: String,
    /// How many voters.
    pub size: u64,
    /// Set for an anonymous census.
    #[serde(default)]
    pub ring: Option<u64>,
}

/// The ballot made: the call's arguments for `cast` (and the nonces that
/// `challenge` adds), and its tracking code.
#[derive(Debug, Serialize)]
pub struct Made {
    /// The encrypted ballot.
    pub ballot: WireBallot,
    /// A census of accounts: the voter's place, `{index, path}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub census: Option<Value>,
    /// An anonymous census: the membership proof.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub member: Option<Membership>,
    /// The nonces, per contest and selection (hex): sent only to challenge.
    pub nonces: Vec<Vec<String>>,
    /// The tracking code.
    pub tracking: String,
}

/// Why nothing was made: a code, and details in English.
#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct Refusal {
    /// `bad-request`, `no-key`, `census-mode`, `bad-census`,
    /// `not-in-census`, `wrong-census`, `not-registered`, `bad-choices`
    /// or `too-few-random-bytes`.
    pub code: &'static str,
    /// What was wrong.
    pub message: String,
}

fn refuse(code: &'static str, message: impl Into<String>) -> Refusal {
    Refusal {
        code,
        message: message.into(),
    }
}

/// Random bytes a request draws: 64 per fresh scalar. A ballot takes four
/// per selection (its nonce and its 0/1 proof) and `1 + 2·limit` per
/// contest; an anonymous one `2·bits + 4` more for its membership proof;
/// a registration one.
pub fn random_bytes_needed(kind: Kind, e: &ElectionView) -> usize {
    let scalars: u64 = match kind {
        Kind::Pseudonym => 0,
        Kind::Register => 1,
        Kind::Ballot => {
            let ballot: u64 = e
                .contests
                .iter()
                .map(|c| 4 * c.selections.len() as u64 + 1 + 2 * c.limit)
                .sum();
            let ring = e
                .census
                .ring
                .map_or(0, |r| 2 * u64::from(r.max(1).trailing_zeros()) + 4);
            ballot + ring
        }
    };
    usize::try_from(scalars * 64).unwrap_or(usize::MAX)
}

fn account(text: &str) -> Result<AccountId, Refusal> {
    text.parse::<AccountId>()
        .map_err(|_| refuse("bad-request", "voter: an account is 64 hex digits"))
}

fn hash32(text: &str, what: &str) -> Result<[u8; 32], Refusal> {
    decode32(text).ok_or_else(|| refuse("bad-request", format!("{what}: 64 lowercase hex digits")))
}

/// The key and `H_E`, once the ceremony is done.
fn keyed(e: &ElectionView) -> Result<(Point, [u8; 32]), Refusal> {
    let key = e
        .key
        .as_deref()
        .and_then(point_from_hex)
        .ok_or_else(|| refuse("no-key", "the election has no key yet"))?;
    let base = e
        .base_hash
        .as_deref()
        .and_then(decode32)
        .ok_or_else(|| refuse("no-key", "the election has no base hash yet"))?;
    Ok((key, base))
}

/// The voter's place in the census file, checked against the election's.
fn census_place(e: &ElectionView, file: &str, voter: &AccountId) -> Result<Value, Refusal> {
    let accounts = publica_ballot::census::parse(file)
        .map_err(|err| refuse("bad-census", format!("the census file: {err}")))?;
    match place_in(&e.id, (&e.census.root, e.census.size), &accounts, voter) {
        Ok(place) => Ok(place.wire()),
        Err(PlaceError::NotInCensus) => Err(refuse(
            "not-in-census",
            format!("{voter} is not in this census file"),
        )),
        Err(PlaceError::WrongCensus) => Err(refuse(
            "wrong-census",
            format!(
                "this census file is not the one the election published (root {})",
                e.census.root
            ),
        )),
    }
}

/// An anonymous census's secret, from the wallet's signature.
fn secret(request: &Request) -> Result<(Scalar, Anonymous), Refusal> {
    let e = &request.election;
    let ring = e.census.ring.ok_or_else(|| {
        refuse(
            "census-mode",
            "a census of accounts: its voters sign their ballots with their census place",
        )
    })?;
    let manifest_hash = hash32(&e.manifest_hash, "manifest_hash")?;
    let signature: [u8; 64] = hex::decode(&request.wallet_signature)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| refuse("bad-request", "wallet_signature: 128 hex digits"))?;
    let seed = member::browser_seed(&signature);
    let anonymous = Anonymous {
        manifest_hash,
        ring,
        registered: e.registered,
    };
    Ok((census_secret(&seed, &manifest_hash), anonymous))
}

/// Answers `request`, drawing `random_available` bytes at most from the
/// entropy source: `{"made": …}` (a ballot), `{"register": …}` (the
/// registration's arguments) or `{"pseudonym": …}`.
///
/// # Errors
/// A [`Refusal`] naming what stops it.
pub fn respond(request: &Request, random_available: usize) -> Result<Value, Refusal> {
    let e = &request.election;
    let need = random_bytes_needed(request.kind, e);
    if need > random_available {
        return Err(refuse(
            "too-few-random-bytes",
            format!("this needs {need} random bytes"),
        ));
    }
    match request.kind {
        Kind::Pseudonym => {
            let (s, census) = secret(request)?;
            Ok(json!({"pseudonym": member::pseudonym(&s, &census.manifest_hash)}))
        }
        Kind::Register => {
            let (s, census) = secret(request)?;
            let voter = account(&request.voter)?;
            let place = census_place(e, &request.census, &voter)?;
            let args = member::registration(&s, (&e.id, &census.manifest_hash), &voter, place);
            Ok(json!({ "register": args }))
        }
        Kind::Ballot => Ok(json!({ "made": make_ballot(request)? })),
    }
}

/// The ballot `request` asks for, in either kind of census.
///
/// # Errors
/// A [`Refusal`] naming what stops it.
pub fn make_ballot(request: &Request) -> Result<Made, Refusal> {
    let e = &request.election;
    let (key, base) = keyed(e)?;
    let anonymous = match e.census.ring {
        Some(_) => {
            let (s, census) = secret(request)?;
            let index = member::index_of(&s, &request.registrations).ok_or_else(|| {
                refuse(
                    "not-registered",
                    "this wallet did not register in this election before it opened",
                )
            })?;
            Some((s, index, census))
        }
        None => None,
    };
    let voter = match &anonymous {
        Some((s, _, census)) => member::pseudonym(s, &census.manifest_hash),
        None => account(&request.voter)?,
    };
    let census = match anonymous {
        Some(_) => None,
        None => Some(census_place(e, &request.census, &voter)?),
    };
    let (ballot, nonces) = encrypt(&base, &key, &e.contests, &voter, &request.choices)
        .map_err(|err| refuse("bad-choices", err.to_string()))?;
    let tracking = tracking_code(&base, &voter, &ballot);
    let member = match &anonymous {
        Some((s, index, census)) => Some(
            member::prove(
                (s, *index),
                census,
                &base,
                &request.registrations,
                (&tracking, request.replaces.as_deref()),
            )
            .ok_or_else(|| {
                refuse(
                    "not-registered",
                    "the registrations read do not make a ring holding this wallet",
                )
            })?,
        ),
        None => None,
    };
    Ok(Made {
        census,
        member,
        nonces: nonces
            .iter()
            .map(|row| row.iter().map(scalar_hex).collect())
            .collect(),
        ballot,
        tracking,
    })
}

/// [`respond`] on the request's JSON text: its answer, or
/// `{"refused": {code, message}}`.
pub fn answer(request: &[u8], random_available: usize) -> String {
    let answered = serde_json::from_slice::<Request>(request)
        .map_err(|e| refuse("bad-request", e.to_string()))
        .and_then(|r| respond(&r, random_available));
    match answered {
        Ok(v) => v,
        Err(r) => json!({ "refused": r }),
    }
    .to_string()
}

/// The most request bytes taken: a census file as large as the CLI reads
/// (a million accounts), the election and the choices.
pub const REQUEST_MAX: usize = publica_ballot::census::CENSUS_FILE_BYTES_MAX + (1 << 20);
/// The most random bytes taken per ballot.
pub const RANDOM_MAX: usize = 1 << 16;

thread_local! {
    static INPUT: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
    static RANDOM: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
    static OUTPUT: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// Makes a buffer of `len` zero bytes and answers where it is, for the
/// page to write into; 0 (and no buffer) if `len` is over `max`.
fn buffer(cell: &'static std::thread::LocalKey<RefCell<Vec<u8>>>, len: usize, max: usize) -> usize {
    cell.with(|b| {
        let mut b = b.borrow_mut();
        b.fill(0);
        b.clear();
        if len > max {
            return 0;
        }
        b.resize(len, 0);
        b.as_mut_ptr() as usize
    })
}

/// Where to write the request's `len` bytes (0: more than
/// [`REQUEST_MAX`]).
#[allow(unsafe_code)] // an export's symbol name; no unsafe operation
#[unsafe(no_mangle)]
pub extern "C" fn input(len: usize) -> usize {
    buffer(&INPUT, len, REQUEST_MAX)
}

/// Where to write `len` random bytes (0: more than [`RANDOM_MAX`]).
#[allow(unsafe_code)] // an export's symbol name; no unsafe operation
#[unsafe(no_mangle)]
pub extern "C" fn random(len: usize) -> usize {
    buffer(&RANDOM, len, RANDOM_MAX)
}

/// Makes the ballot from the request and random bytes written; answers
/// the answer's length. Both buffers are wiped after.
#[allow(unsafe_code)] // an export's symbol name; no unsafe operation
#[unsafe(no_mangle)]
pub extern "C" fn make() -> usize {
    let random_len = RANDOM.with(|r| {
        let mut r = r.borrow_mut();
        supply(&r);
        r.fill(0);
        r.len()
    });
    let text = INPUT.with(|i| {
        let mut i = i.borrow_mut();
        let text = answer(&i, random_len);
        i.fill(0);
        text
    });
    clear();
    OUTPUT.with(|o| {
        let mut o = o.borrow_mut();
        o.clear();
        o.extend_from_slice(text.as_bytes());
        o.len()
    })
}

/// Where the answer is.
#[allow(unsafe_code)] // an export's symbol name; no unsafe operation
#[unsafe(no_mangle)]
pub extern "C" fn output() -> usize {
    OUTPUT.with(|o| o.borrow().as_ptr() as usize)
}

#[cfg(target_arch = "wasm32")]
fn supply(bytes: &[u8]) {
    publica_ballot::entropy::supply(bytes);
}

#[cfg(target_arch = "wasm32")]
fn clear() {
    publica_ballot::entropy::clear();
}

// Off the browser the operating system's generator serves; the page's
// bytes are only counted.
#[cfg(not(target_arch = "wasm32"))]
fn supply(_: &[u8]) {}

#[cfg(not(target_arch = "wasm32"))]
fn clear() {}

#[cfg(test)]
mod tests {
    use super::*;
    use publica_ballot::ballot::{base_hash, verify};
    use publica_ballot::census::place;
    use publica_ballot::group::{point_hex, random_scalar, scalar_from_hex, G};
    use publica_ballot::proofs::{verify_knowledge, Proof};
    use publica_ballot::ring::{
        bucket_members, nullifier_base, verify as ring_verify, Ring, RingProof,
    };

    struct Fixture {
        request: Value,
        voter: AccountId,
        key: publica_ballot::group::Point,
        base: [u8; 32],
        contests: Vec<Contest>,
    }

    fn fixture() -> Fixture {
        let accounts: Vec<AccountId> = (1..=5u8).map(|i| AccountId([i; 32])).collect();
        let voter = accounts[3];
        let file: String = accounts.iter().map(|a| format!("{a}\n")).collect();
        let spot = place("city-2027", &accounts, &voter).unwrap();
        let key = G * random_scalar();
        let base = base_hash(&[9; 32], &key);
        let contests = vec![
            Contest {
                id: "mayor".into(),
                selections: vec!["ada".into(), "grace".into(), "alan".into()],
                limit: 1,
            },
            Contest {
                id: "parks".into(),
                selections: vec!["north".into(), "south".into()],
                limit: 2,
            },
        ];
        let request = json!({
            "election": {
                "id": "city-2027", "contests": contests, "key": point_hex(&key),
                "base_hash": hex::encode(base), "phase": "ready",
                "census": {"root": hex::encode(spot.root), "size": 5},
            },
            "voter": voter.to_hex(),
            "choices": [[0, 1, 0], [1, 1]],
            "census": file,
        });
        Fixture {
            request,
            voter,
            key,
            base,
            contests,
        }
    }

    fn refusal(request: &Value, random: usize) -> String {
        let answer: Value =
            serde_json::from_str(&answer(request.to_string().as_bytes(), random)).unwrap();
        answer["refused"]["code"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    #[test]
    fn the_ballot_made_is_one_the_ledger_accepts_for_its_voter() {
        let f = fixture();
        let text = answer(f.request.to_string().as_bytes(), RANDOM_MAX);
        let answer: Value = serde_json::from_str(&text).unwrap();
        let made = &answer["made"];
        let ballot: WireBallot = serde_json::from_value(made["ballot"].clone()).unwrap();
        let cts = verify(&f.base, &f.key, &f.contests, &f.voter, &ballot).unwrap();
        assert_eq!(made["tracking"], tracking_code(&f.base, &f.voter, &ballot));
        assert_eq!(made["census"]["index"], 3);
        // The nonces open the ballot to the choices asked for.
        let nonces: Vec<Vec<String>> = serde_json::from_value(made["nonces"].clone()).unwrap();
        let opened = publica_ballot::ballot::open(&f.key, &cts, &nonces).unwrap();
        assert_eq!(opened, vec![vec![0, 1, 0], vec![1, 1]]);
    }

    #[test]
    fn what_stops_a_ballot_is_named() {
        let f = fixture();
        let view: ElectionView = serde_json::from_value(f.request["election"].clone()).unwrap();
        let need = random_bytes_needed(Kind::Ballot, &view);
        assert_eq!(need, 64 * (4 * 3 + 1 + 2 + 4 * 2 + 1 + 4));
        assert_eq!(refusal(&f.request, need - 1), "too-few-random-bytes");
        let with = |edit: &dyn Fn(&mut Value)| {
            let mut r = f.request.clone();
            edit(&mut r);
            refusal(&r, RANDOM_MAX)
        };
        assert_eq!(
            with(&|r| r["choices"] = json!([[1, 1, 0], [0, 0]])),
            "bad-choices"
        );
        assert_eq!(with(&|r| r["choices"] = json!([[0, 1, 0]])), "bad-choices");
        assert_eq!(
            with(&|r| r["voter"] = json!(AccountId([9; 32]).to_hex())),
            "not-in-census"
        );
        assert_eq!(with(&|r| r["voter"] = json!("nobody")), "bad-request");
        assert_eq!(
            with(&|r| r["election"]["census"]["size"] = json!(6)),
            "wrong-census"
        );
        assert_eq!(with(&|r| r["kind"] = json!("register")), "census-mode");
        assert_eq!(with(&|r| r["election"]["key"] = Value::Null), "no-key");
        assert_eq!(
            with(&|r| r["census"] = json!("not an account\n")),
            "bad-census"
        );
        assert_eq!(refusal(&json!({"voter": 1}), RANDOM_MAX), "bad-request");
    }

    /// An anonymous census: three wallets register, the second votes
    /// under its pseudonym with a membership proof the ring check takes.
    #[test]
    fn an_anonymous_census_registers_and_votes_by_pseudonym() {
        let f = fixture();
        let h_m = [5u8; 32];
        let signature = |i: u8| hex::encode([i; 64]);
        let secret_of = |i: u8| census_secret(&member::browser_seed(&[i; 64]), &h_m);
        let registrations: Vec<String> =
            (1..=3).map(|i| member::commitment(&secret_of(i))).collect();
        let mut request = f.request.clone();
        request["election"]["census"]["ring"] = json!(2);
        request["election"]["manifest_hash"] = json!(hex::encode(h_m));
        request["election"]["registered"] = json!(3);
        request["wallet_signature"] = json!(signature(2));
        let ask = |kind: &str, edit: &dyn Fn(&mut Value)| {
            let mut r = request.clone();
            r["kind"] = json!(kind);
            edit(&mut r);
            serde_json::from_str::<Value>(&answer(r.to_string().as_bytes(), RANDOM_MAX)).unwrap()
        };
        // Its registration proves knowledge of its commitment's secret.
        let registered = ask("register", &|_| {});
        let args = &registered["register"];
        assert_eq!(args["commitment"], json!(registrations[1]), "{registered}");
        let scalar = |v: &Value| scalar_from_hex(v.as_str().unwrap()).unwrap();
        let proof = Proof {
            c: scalar(&args["proof"]["c"]),
            v: scalar(&args["proof"]["v"]),
        };
        let p = G * secret_of(2);
        let context = member::registration_context(&h_m, &f.voter);
        assert!(verify_knowledge(&context, &p, &proof));
        assert_eq!(args["census"]["index"], 3);
        // Its pseudonym is the nullifier its ballot names.
        let pseudonym = ask("pseudonym", &|_| {})["pseudonym"]
            .as_str()
            .unwrap()
            .to_owned();
        let replaced = "ab".repeat(32);
        let made = ask("ballot", &|r| {
            r["registrations"] = json!(registrations);
            r["replaces"] = json!(replaced);
        });
        let made = &made["made"];
        assert_eq!(made["member"]["nullifier"], json!(pseudonym), "{made}");
        assert!(made.get("census").is_none());
        let ballot: WireBallot = serde_json::from_value(made["ballot"].clone()).unwrap();
        let voter: AccountId = pseudonym.parse().unwrap();
        verify(&f.base, &f.key, &f.contests, &voter, &ballot).unwrap();
        // The membership proof holds for its bucket, this ballot and the
        // one it replaces, and for nothing else.
        let m: Membership = serde_json::from_value(made["member"].clone()).unwrap();
        let ring = Ring::new(
            bucket_members(3, 2, m.bucket)
                .unwrap()
                .iter()
                .map(|&i| point_from_hex(&registrations[i as usize]).unwrap())
                .collect(),
        );
        let proof = ring_proof(&m);
        let tracking = made["tracking"].as_str().unwrap();
        let j = point_from_hex(&m.nullifier).unwrap();
        let u = nullifier_base(&h_m);
        let bound = member::context(&f.base, m.bucket, tracking, Some(&replaced));
        assert!(ring_verify(&bound, &u, &ring, &j, &proof));
        let unbound = member::context(&f.base, m.bucket, tracking, None);
        assert!(!ring_verify(&unbound, &u, &ring, &j, &proof));
        // A wallet that did not register has no ballot to make.
        let stranger = ask("ballot", &|r| {
            r["registrations"] = json!(registrations);
            r["wallet_signature"] = json!(signature(9));
        });
        assert_eq!(stranger["refused"]["code"], "not-registered", "{stranger}");
    }

    /// A membership proof from the wire (the module's parser is the
    /// ledger's, with its codes).
    fn ring_proof(m: &Membership) -> RingProof {
        let p = |s: &String| point_from_hex(s).unwrap();
        let k = |s: &String| scalar_from_hex(s).unwrap();
        let w = &m.proof;
        RingProof {
            abcd: [p(&w.a), p(&w.b), p(&w.c), p(&w.d)],
            x: w.x.iter().map(p).collect(),
            y: w.y.iter().map(p).collect(),
            f: w.f.iter().map(k).collect(),
            z: [k(&w.z_a), k(&w.z_c), k(&w.z)],
        }
    }

    #[test]
    fn the_exports_take_bounded_requests_through_memory() {
        assert_eq!(input(REQUEST_MAX + 1), 0);
        assert_eq!(random(RANDOM_MAX + 1), 0);
        let f = fixture();
        let text = f.request.to_string();
        assert_ne!(input(text.len()), 0);
        INPUT.with(|i| i.borrow_mut().copy_from_slice(text.as_bytes()));
        assert_ne!(random(RANDOM_MAX), 0);
        let len = make();
        let out = OUTPUT.with(|o| o.borrow().clone());
        assert_eq!(out.len(), len);
        let answer: Value = serde_json::from_slice(&out).unwrap();
        assert!(answer["made"]["tracking"].is_string(), "{answer}");
        // Both inputs are wiped once the ballot is made.
        INPUT.with(|i| assert!(i.borrow().iter().all(|&b| b == 0)));
        RANDOM.with(|r| assert!(r.borrow().iter().all(|&b| b == 0)));
    }
}
