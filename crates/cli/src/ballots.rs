//! `publica election census|vote|guardian-key|commit|check-shares|answer|decrypt`: an
//! election run from the command line — the authority's census root, a
//! voter's encrypted ballot (cast or challenged), and a guardian's side of
//! the key ceremony and the tally (docs/elections.md, "From the command
//! line").

use crate::bulk::{submit_quiet, Session, SignerArgs};
use crate::client::{checked_id, print_json};
use anyhow::{anyhow, bail, Context, Result};
use publica_ballot::census;
use publica_crypto::seal::SealKey;
use publica_elections::anonymous::Member;
use publica_elections::ceremony::Dealer;
use publica_elections::group::{point_from_hex, scalar_from_hex, scalar_hex};
use publica_elections::model::{voter_leaf, Commitment, ComplaintStatus, Election};
use publica_elections::{ballot, guardian};
use publica_log::MerkleLog;
use publica_types::AccountId;
use serde_json::{json, Value};
use std::path::Path;

/// The accounts of a census file (64 hex digits a line; blank lines and
/// `#` comments skipped), in order.
pub fn census_accounts(file: &Path) -> Result<Vec<AccountId>> {
    let len = std::fs::metadata(file)
        .with_context(|| format!("reading {}", file.display()))?
        .len();
    if usize::try_from(len).map_or(true, |l| l > census::CENSUS_FILE_BYTES_MAX) {
        bail!(
            "{}: larger than {} bytes",
            file.display(),
            census::CENSUS_FILE_BYTES_MAX
        );
    }
    let text =
        std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    census::parse(&text).map_err(|e| anyhow!("{}: {e}", file.display()))
}

fn census_tree(election: &str, accounts: &[AccountId]) -> MerkleLog {
    let mut log = MerkleLog::new();
    for a in accounts {
        log.append(publica_log::hash::leaf_hash(&voter_leaf(election, a)));
    }
    log
}

/// `publica election census`: the root and size to publish (and the
/// ring size of an anonymous census).
pub fn census(election: &str, ring: Option<u64>, file: &Path) -> Result<()> {
    let election = checked_id("election", election)?;
    if ring.is_some_and(|r| !r.is_power_of_two() || !(2..=1024).contains(&r)) {
        bail!("--ring is a power of two from 2 to 1024");
    }
    let accounts = census_accounts(file)?;
    let log = census_tree(election, &accounts);
    let mut census = json!({"root": log.root().to_hex(), "size": log.len()});
    if let Some(r) = ring {
        census["ring"] = json!(r);
    }
    print_json(&json!({"election": election, "census": census}));
    Ok(())
}

/// The census proof of `voter` from the census file, checked against the
/// root the election published.
fn census_place(e: &Election, census: &Path, voter: &AccountId) -> Result<Value> {
    let accounts = census_accounts(census)?;
    match census::place_in(&e.id, (&e.census.root, e.census.size), &accounts, voter) {
        Ok(place) => Ok(place.wire()),
        Err(census::PlaceError::NotInCensus) => Err(anyhow!(
            "elections.not_in_census: {voter} is not in {}",
            census.display()
        )),
        Err(census::PlaceError::WrongCensus) => Err(anyhow!(
            "{} is not the census the election published (root {})",
            census.display(),
            e.census.root
        )),
    }
}

/// A voter acting in an election: its key, the election, the census
/// file the election was published with.
#[derive(clap::Args, Debug)]
pub struct VoterArgs {
    #[command(flatten)]
    pub signer: SignerArgs,
    /// The election.
    #[arg(long)]
    pub election: String,
    /// The census file the election was published with.
    #[arg(long)]
    pub census: std::path::PathBuf,
}

/// `publica election register`: registers the commitment to this key's
/// secret for an anonymous census.
pub async fn register(who: &VoterArgs) -> Result<()> {
    let (signer, census) = (&who.signer, who.census.as_path());
    let id = checked_id("election", &who.election)?;
    let s = Session::open(signer).await?;
    let (kp, voter) = s.identity();
    let e = election(&s, id).await?;
    if e.census.ring.is_none() {
        bail!("elections.census_mode: '{id}' has no anonymous census: vote with `publica election vote`");
    }
    let place = census_place(&e, census, &voter)?;
    let secret = Member::secret_for(&kp.seed(), &e);
    let commitment = Member::commitment(&secret);
    let args = Member::registration(&secret, &e, &voter, place);
    let report = s.submit_one("elections", "register", args).await?;
    print_json(
        &json!({"election": id, "account": voter, "commitment": commitment,
        "transaction": report}),
    );
    Ok(())
}

/// The voter's secret and membership in `e`'s anonymous census: its
/// registration found on the board.
async fn member_of(s: &Session, e: &Election) -> Result<(Member, Vec<String>)> {
    let (kp, voter) = s.identity();
    let members = crate::elections::board_of(&s.client, &e.id, "members").await?;
    let commitments: Vec<String> = members
        .iter()
        .map(|m| m["commitment"].as_str().unwrap_or_default().to_owned())
        .collect();
    let secret = Member::secret_for(&kp.seed(), e);
    let mine = Member::commitment(&secret);
    let index = commitments.iter().position(|c| *c == mine).ok_or_else(|| {
        anyhow!(
            "elections.bad_membership: {voter} did not register in '{}' with this key (`publica election register`, before it opens)",
            e.id
        )
    })?;
    Ok((
        Member {
            secret,
            index: index as u64,
        },
        commitments,
    ))
}

async fn election(s: &Session, id: &str) -> Result<Election> {
    let v = s.client.get_ok(&format!("/v1/elections/{id}")).await?;
    serde_json::from_value(v["election"].clone()).context("the node's election")
}

fn decode32(text: Option<&str>, what: &str) -> Result<[u8; 32]> {
    text.and_then(publica_elections::group::decode32)
        .ok_or_else(|| anyhow!("the election has no {what} yet (its key ceremony is not done)"))
}

/// Choices from `contest=selection` pairs: 1 for each selection named.
fn choices(e: &Election, picks: &[String]) -> Result<Vec<Vec<u64>>> {
    let mut out: Vec<Vec<u64>> = e
        .contests
        .iter()
        .map(|c| vec![0; c.selections.len()])
        .collect();
    for p in picks {
        let (contest, selection) = p
            .split_once('=')
            .ok_or_else(|| anyhow!("--choose is contest=selection, not {p:?}"))?;
        let ci = e
            .contests
            .iter()
            .position(|c| c.id == contest)
            .ok_or_else(|| {
                anyhow!(
                    "elections.invalid_ballot: no contest '{contest}' (contests: {})",
                    e.contests
                        .iter()
                        .map(|c| c.id.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            })?;
        let si = e.contests[ci]
            .selections
            .iter()
            .position(|s| s == selection)
            .ok_or_else(|| {
                anyhow!(
                    "elections.invalid_ballot: contest '{contest}' has no '{selection}' ({})",
                    e.contests[ci].selections.join(", ")
                )
            })?;
        out[ci][si] = 1;
    }
    for (c, row) in e.contests.iter().zip(&out) {
        if row.iter().sum::<u64>() > c.limit {
            bail!(
                "elections.invalid_ballot: contest '{}' takes at most {} choices",
                c.id,
                c.limit
            );
        }
    }
    Ok(out)
}

/// `publica election vote`: encrypts the choices on this machine, with
/// proofs, and casts (or challenges) the ballot; prints its tracking code.
pub async fn vote(who: &VoterArgs, picks: &[String], challenge: bool) -> Result<()> {
    let (signer, census) = (&who.signer, who.census.as_path());
    let id = checked_id("election", &who.election)?;
    let s = Session::open(signer).await?;
    let (_, account) = s.identity();
    let e = election(&s, id).await?;
    let key = point_from_hex(e.key.as_deref().unwrap_or_default())
        .ok_or_else(|| anyhow!("the election has no key yet (its key ceremony is not done)"))?;
    let base = decode32(e.base_hash.as_deref(), "base hash")?;
    let chosen = choices(&e, picks)?;
    let anonymous = if e.census.ring.is_some() {
        Some(member_of(&s, &e).await?)
    } else {
        None
    };
    let voter = match &anonymous {
        Some((m, _)) => m.pseudonym(&e),
        None => account,
    };
    let (b, nonces) =
        ballot::encrypt(&base, &key, &e.contests, &voter, &chosen).map_err(|e| anyhow!("{e}"))?;
    let tracking = ballot::tracking_code(&base, &voter, &b);
    let mut args = json!({"election": id, "ballot": b});
    // An anonymous ballot is signed by a fresh key used once: nothing in
    // the transaction names the voter's account.
    let sender = match &anonymous {
        Some((m, commitments)) => {
            // The nullifier's last ballot, which this one replaces.
            let (status, last) = s
                .client
                .get(&format!("/v1/elections/{id}/voters/{voter}"))
                .await?;
            let last =
                (status == 200).then(|| last["tracking"].as_str().unwrap_or_default().to_owned());
            let member = m
                .prove(&e, &base, commitments, (&tracking, last.as_deref()))
                .ok_or_else(|| anyhow!("the registrations do not make a ring for this key"))?;
            args["member"] = json!(member);
            let once = publica_crypto::Keypair::generate();
            let who = once.account();
            Session::connect(once, who, &signer.node).await?
        }
        None => {
            args["census"] = census_place(&e, census, &account)?;
            s
        }
    };
    let method = if challenge {
        args["nonces"] = json!(nonces
            .iter()
            .map(|r| r.iter().map(scalar_hex).collect::<Vec<_>>())
            .collect::<Vec<_>>());
        "challenge"
    } else {
        "cast"
    };
    let report = sender.submit_one("elections", method, args).await?;
    print_json(
        &json!({"election": id, "tracking": tracking, "challenged": challenge, "choices": chosen,
        "check": format!("/v1/elections/{id}/tracking/{tracking}"), "transaction": report}),
    );
    Ok(())
}

/// `publica election guardian-key`: the X25519 key to name in the
/// manifest for this guardian's sealed shares (derived from its key file).
pub fn guardian_key(signer: &SignerArgs) -> Result<()> {
    let kp = crate::commands::open_key(&signer.key, &signer.pass)?;
    let seal = SealKey::from_signing_seed(&kp.seed());
    print_json(&json!({"account": kp.account(), "seal_key": hex::encode(seal.public())}));
    Ok(())
}

fn write_secret(path: &Path, text: &str) -> Result<()> {
    publica_crypto::write_secret_new(path, text.as_bytes())
        .with_context(|| format!("creating {} (it must not exist)", path.display()))
}

/// A guardian acting in an election: its key, the election, its number.
#[derive(clap::Args, Debug)]
pub struct GuardianArgs {
    #[command(flatten)]
    pub signer: SignerArgs,
    /// The election.
    #[arg(long)]
    pub election: String,
    /// This guardian's number (its place in the manifest, from 1).
    #[arg(long)]
    pub guardian: u32,
}

/// `publica election commit`: draws this guardian's polynomial, saves it
/// to `secret_out` (owner-only; needed to decrypt), and sends the
/// ceremony message.
pub async fn commit(who: &GuardianArgs, secret_out: &Path) -> Result<()> {
    let (signer, n) = (&who.signer, who.guardian);
    let id = checked_id("election", &who.election)?;
    let s = Session::open(signer).await?;
    let e = election(&s, id).await?;
    let h_m = decode32(Some(&e.manifest_hash), "manifest hash")?;
    let dealer = Dealer::new(e.threshold as usize);
    let message = guardian::message(&dealer, id, &h_m, n, &e.guardians).map_err(|e| anyhow!(e))?;
    let secret = json!({"election": id, "guardian": n,
        "coefficients": dealer.coefficients().iter().map(scalar_hex).collect::<Vec<_>>()});
    write_secret(secret_out, &serde_json::to_string_pretty(&secret)?)?;
    let mut args = serde_json::to_value(&message)?;
    args["election"] = json!(id);
    args["guardian"] = json!(n);
    let report = submit_quiet(signer, "elections", "commit", args).await?;
    print_json(
        &json!({"election": id, "guardian": n, "secret": secret_out, "transaction": report}),
    );
    Ok(())
}

/// The polynomial a guardian saved with `commit`, checked to be of
/// election `id`, guardian `n`.
fn saved_dealer(secret: &Path, id: &str, n: u32) -> Result<Dealer> {
    let saved = crate::client::read_json_file(secret, 1 << 20)?;
    if saved["election"] != json!(id) || saved["guardian"] != json!(n) {
        bail!(
            "{} is the secret of election {} guardian {}",
            secret.display(),
            saved["election"],
            saved["guardian"]
        );
    }
    let coefficients = saved["coefficients"]
        .as_array()
        .and_then(|a| {
            a.iter()
                .map(|c| c.as_str().and_then(scalar_from_hex))
                .collect::<Option<Vec<_>>>()
        })
        .ok_or_else(|| anyhow!("{}: malformed coefficients", secret.display()))?;
    Ok(Dealer::from_coefficients(coefficients))
}

/// A guardian connected to a node: its seal key (from its signing key),
/// the election's record, the election and every ceremony message.
struct GuardianSession {
    session: Session,
    seal: SealKey,
    record: Value,
    election: Election,
    messages: Vec<Commitment>,
}

impl GuardianSession {
    async fn open(signer: &SignerArgs, id: &str) -> Result<Self> {
        let session = Session::open(signer).await?;
        let (kp, _) = session.identity();
        let seal = SealKey::from_signing_seed(&kp.seed());
        let record = session
            .client
            .get_ok(&format!("/v1/elections/{id}/record"))
            .await?;
        let election: Election = serde_json::from_value(record["election"].clone())?;
        let messages: Vec<Commitment> = serde_json::from_value(record["commitments"].clone())?;
        Ok(GuardianSession {
            session,
            seal,
            record,
            election,
            messages,
        })
    }
}

/// `publica election check-shares`: opens every share the qualified
/// dealers sealed for this guardian, checks each against its dealer's
/// commitments, and complains of each dealer whose share fails.
pub async fn check_shares(who: &GuardianArgs) -> Result<()> {
    let (signer, n) = (&who.signer, who.guardian);
    let id = checked_id("election", &who.election)?;
    let g = GuardianSession::open(signer, id).await?;
    let (e, messages, seal) = (&g.election, &g.messages, &g.seal);
    if messages.len() != e.guardians.len() {
        bail!(
            "elections.wrong_phase: {} of {} guardians have committed; check the shares once all have",
            messages.len(),
            e.guardians.len()
        );
    }
    let failing = guardian::failing_dealers(seal, e, n, messages);
    let mut complained = Vec::new();
    for (dealer, why) in &failing {
        let report = submit_quiet(
            signer,
            "elections",
            "complain",
            json!({"election": id, "guardian": n, "dealer": dealer}),
        )
        .await?;
        complained.push(json!({"dealer": dealer, "why": why, "transaction": report}));
    }
    print_json(
        &json!({"election": id, "guardian": n, "shares_hold": failing.is_empty(),
        "complained": complained}),
    );
    Ok(())
}

/// `publica election answer`: reveals, for every complaint still open
/// against this guardian, the share it dealt the complaining guardian.
pub async fn answer(who: &GuardianArgs, secret: &Path) -> Result<()> {
    let (signer, n) = (&who.signer, who.guardian);
    let id = checked_id("election", &who.election)?;
    let dealer = saved_dealer(secret, id, n)?;
    let s = Session::open(signer).await?;
    let e = election(&s, id).await?;
    let open: Vec<u32> = e
        .complaints
        .iter()
        .filter(|c| c.dealer == n && c.status == ComplaintStatus::Open)
        .map(|c| c.guardian)
        .collect();
    let mut answered = Vec::new();
    for to in open {
        let share = scalar_hex(&dealer.share_for(to));
        let report = submit_quiet(
            signer,
            "elections",
            "reveal",
            json!({"election": id, "guardian": n, "to": to, "share": share}),
        )
        .await?;
        answered.push(json!({"guardian": to, "transaction": report}));
    }
    print_json(&json!({"election": id, "guardian": n, "answered": answered}));
    Ok(())
}

/// `publica election decrypt`: opens the shares the other guardians sent
/// (checking each against its dealer's commitments; a share revealed in
/// answer to a complaint is taken as revealed), then sends this
/// guardian's partial decryption of the tally with its proofs.
pub async fn decrypt(who: &GuardianArgs, secret: &Path) -> Result<()> {
    let (signer, n) = (&who.signer, who.guardian);
    let id = checked_id("election", &who.election)?;
    let dealer = saved_dealer(secret, id, n)?;
    let g = GuardianSession::open(signer, id).await?;
    let (e, messages, seal) = (&g.election, &g.messages, &g.seal);
    let base = decode32(e.base_hash.as_deref(), "base hash")?;
    let aggregate: Vec<Vec<[String; 2]>> = serde_json::from_value(g.record["aggregate"].clone())?;
    let z = guardian::secret(&dealer, seal, e, n, messages).map_err(|e| {
        anyhow!("{e}: complain of that guardian before the election opens (publica election check-shares)")
    })?;
    let shares = guardian::decrypt(&base, &aggregate, n, &z).map_err(|e| anyhow!(e))?;
    let report = submit_quiet(
        signer,
        "elections",
        "decrypt",
        json!({"election": id, "guardian": n, "shares": shares}),
    )
    .await?;
    let outcome: Value = g
        .session
        .client
        .get_ok(&format!("/v1/elections/{id}"))
        .await?["outcome"]
        .clone();
    print_json(&json!({"election": id, "guardian": n, "transaction": report, "outcome": outcome}));
    Ok(())
}
