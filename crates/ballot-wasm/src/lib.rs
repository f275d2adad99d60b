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
//! [`make_ballot`] is the same work on text, for tests on any target.

use publica_ballot::ballot::{encrypt, tracking_code};
use publica_ballot::census::place;
use publica_ballot::group::{point_from_hex, scalar_hex};
use publica_ballot::wire::{Contest, WireBallot};
use publica_types::AccountId;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::cell::RefCell;

/// What the page asks for: the election as `GET /v1/elections/{id}`
/// answers it, the voter, the choices and the census file's accounts.
#[derive(Debug, Deserialize)]
pub struct Request {
    /// The election (unknown fields ignored).
    pub election: ElectionView,
    /// The voter's account (hex public key).
    pub voter: String,
    /// Per contest, 0 or 1 per selection.
    pub choices: Vec<Vec<u64>>,
    /// The census file the election published (its text: an account a
    /// line).
    pub census: String,
}

/// The parts of an election a ballot needs.
#[derive(Debug, Deserialize)]
pub struct ElectionView {
    /// Its id.
    pub id: String,
    /// Its contests.
    pub contests: Vec<Contest>,
    /// The election key, once the ceremony is done.
    #[serde(default)]
    pub key: Option<String>,
    /// `H_E`, once the ceremony is done.
    #[serde(default)]
    pub base_hash: Option<String>,
    /// The census root and size (and ring, for an anonymous census).
    pub census: CensusView,
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
    /// The voter's census place: `{index, path}`.
    pub census: Value,
    /// The nonces, per contest and selection (hex): sent only to challenge.
    pub nonces: Vec<Vec<String>>,
    /// The tracking code.
    pub tracking: String,
}

/// Why no ballot was made: a code the page shows in the reader's
/// language, and details in English.
#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct Refusal {
    /// `bad-request`, `no-key`, `anonymous`, `bad-census`,
    /// `not-in-census`, `wrong-census`, `bad-choices` or
    /// `too-few-random-bytes`.
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

/// Random bytes one ballot draws: 64 per fresh scalar, four per selection
/// (its nonce and its 0/1 proof) and `1 + 2·limit` per contest.
pub fn random_bytes_needed(contests: &[Contest]) -> usize {
    let scalars: u64 = contests
        .iter()
        .map(|c| 4 * c.selections.len() as u64 + 1 + 2 * c.limit)
        .sum();
    usize::try_from(scalars * 64).unwrap_or(usize::MAX)
}

fn account(text: &str) -> Result<AccountId, Refusal> {
    text.parse::<AccountId>()
        .map_err(|_| refuse("bad-request", "voter: an account is 64 hex digits"))
}

/// Makes the ballot `request` asks for, drawing `random_available` bytes
/// at most from the entropy source.
///
/// # Errors
/// A [`Refusal`] naming what stops it.
pub fn make_ballot(request: &Request, random_available: usize) -> Result<Made, Refusal> {
    let e = &request.election;
    if e.census.ring.is_some() {
        return Err(refuse(
            "anonymous",
            "an anonymous census: register and vote with `publica election register` and `publica election vote`",
        ));
    }
    let key = e
        .key
        .as_deref()
        .and_then(point_from_hex)
        .ok_or_else(|| refuse("no-key", "the election has no key yet"))?;
    let base: [u8; 32] = e
        .base_hash
        .as_deref()
        .and_then(|h| hex::decode(h).ok())
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| refuse("no-key", "the election has no base hash yet"))?;
    let voter = account(&request.voter)?;
    let accounts = publica_ballot::census::parse(&request.census)
        .map_err(|e| refuse("bad-census", format!("the census file: {e}")))?;
    let spot = place(&e.id, &accounts, &voter).ok_or_else(|| {
        refuse(
            "not-in-census",
            format!("{voter} is not in this census file"),
        )
    })?;
    if hex::encode(spot.root) != e.census.root || spot.size != e.census.size {
        return Err(refuse(
            "wrong-census",
            format!(
                "this census file is not the one the election published (root {})",
                e.census.root
            ),
        ));
    }
    if random_bytes_needed(&e.contests) > random_available {
        return Err(refuse(
            "too-few-random-bytes",
            format!(
                "the ballot needs {} random bytes",
                random_bytes_needed(&e.contests)
            ),
        ));
    }
    let (ballot, nonces) = encrypt(&base, &key, &e.contests, &voter, &request.choices)
        .map_err(|err| refuse("bad-choices", err.to_string()))?;
    let tracking = tracking_code(&base, &voter, &ballot);
    Ok(Made {
        census: json!({"index": spot.index, "path": spot.path.iter().map(hex::encode).collect::<Vec<_>>()}),
        nonces: nonces
            .iter()
            .map(|row| row.iter().map(scalar_hex).collect())
            .collect(),
        ballot,
        tracking,
    })
}

/// [`make_ballot`] on the request's JSON text: answers `{"made": …}` or
/// `{"refused": {code, message}}`.
pub fn answer(request: &[u8], random_available: usize) -> String {
    let made = serde_json::from_slice::<Request>(request)
        .map_err(|e| refuse("bad-request", e.to_string()))
        .and_then(|r| make_ballot(&r, random_available));
    match made {
        Ok(m) => json!({ "made": m }),
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
    use publica_ballot::group::{point_hex, random_scalar, G};

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
        let need = random_bytes_needed(&f.contests);
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
        assert_eq!(
            with(&|r| r["election"]["census"]["ring"] = json!(8)),
            "anonymous"
        );
        assert_eq!(with(&|r| r["election"]["key"] = Value::Null), "no-key");
        assert_eq!(
            with(&|r| r["census"] = json!("not an account\n")),
            "bad-census"
        );
        assert_eq!(refusal(&json!({"voter": 1}), RANDOM_MAX), "bad-request");
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
