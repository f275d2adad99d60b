//! Private eligibility from the command line (docs/programs.md, "Private
//! eligibility"): the registry commits to a number about a person and
//! hands them the opening (`attest-private`); the person, or a caseworker
//! with their opening, proves a program's conditions (`prove`), and the
//! proofs go with the enrolment (`import-enrolments`, column `proofs`) or a
//! re-check (`recheck --proofs`).

use crate::bulk::SignerArgs;
use crate::client::{pretty, Client};
use crate::programs::{agency_id, one_call, program_id, write_out, ProgramsCmd};
use anyhow::{anyhow, bail, Context, Result};
use publica_programs::private::{condition_context, domain_context, PrivateCondition};
use publica_types::AccountId;
use publica_zk::{Opening, Threshold};
use serde_json::{json, Value};
use std::path::Path;

/// Runs `publica programs attest-private` or `prove`.
pub async fn run(cmd: ProgramsCmd) -> Result<()> {
    match cmd {
        ProgramsCmd::AttestPrivate {
            signer,
            agency,
            subject,
            name,
            value,
            expires_ms,
            out,
        } => attest(&signer, &agency, &subject, &name, value, expires_ms, &out).await,
        ProgramsCmd::Prove {
            program,
            openings,
            out,
            node,
        } => prove(&node, &program, &openings, out.as_deref()).await,
        _ => bail!("not a private-eligibility command"),
    }
}

/// The extra arguments of `programs.recheck` for `--proofs`.
pub fn recheck_args(proofs: Option<&Path>) -> Result<Vec<(&'static str, Value)>> {
    Ok(match proofs {
        Some(f) => vec![("proofs", json!(read_proofs(f)?))],
        None => vec![],
    })
}

/// The `kind` of an opening file.
const OPENING_KIND: &str = "publica-opening/v1";
/// Largest opening or proofs file read.
const FILE_BYTES_MAX: u64 = 64 * 1024;

/// The chain id the node at `node` runs.
async fn chain_id(client: &Client) -> Result<String> {
    client.get_ok("/v1/status").await?["chain_id"]
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| anyhow!("the node's status lacks chain_id"))
}

/// Writes `text` to a new file readable by its owner only.
fn write_private(path: &Path, text: &str) -> Result<()> {
    publica_crypto::write_secret_new(path, text.as_bytes()).with_context(|| {
        format!(
            "creating {} (an opening file is never overwritten)",
            path.display()
        )
    })
}

/// `publica programs attest-private`: commits to `value` as `name` about
/// `subject`, writes the opening to `out` (owner-only, never overwritten),
/// then records the commitment with its domain proof.
pub async fn attest(
    signer: &SignerArgs,
    agency: &str,
    subject: &str,
    name: &str,
    value: u64,
    expires_ms: Option<u64>,
    out: &Path,
) -> Result<()> {
    agency_id(agency)?;
    let subject: AccountId = subject
        .parse()
        .map_err(|e| anyhow!("--subject is an account, 64 hex characters: {e}"))?;
    if !publica_programs::model::valid_name(name) {
        bail!("--name is an attribute name: [a-z][a-z0-9_]*, 1..=40 characters");
    }
    if value > publica_programs::private::THRESHOLD_MAX {
        bail!("--value is 0..=2^53");
    }
    let chain = chain_id(&Client::new(&signer.node)?).await?;
    let opening = Opening::new(value);
    let c = opening.commitment().to_hex();
    let ctx = domain_context(&chain, &subject, name, agency, &c);
    let proof = publica_zk::prove(&opening, Threshold::AtLeast(0), &ctx)
        .map_err(|e| anyhow!("the domain proof: {e}"))?;
    let file = json!({
        "kind": OPENING_KIND, "chain_id": chain, "subject": subject, "name": name,
        "agency": agency, "value": value, "blinding": hex::encode(opening.blinding()),
        "commitment": c,
    });
    // The opening first: a commitment on the ledger without it is useless.
    write_private(out, &pretty(&file))?;
    let mut args = json!({"agency": agency, "subject": subject, "name": name,
                          "commitment": c, "domain_proof": hex::encode(proof)});
    if let Some(e) = expires_ms {
        args["expires_ms"] = json!(e);
    }
    let done = one_call(signer, "attest_committed", args).await;
    if done.is_err() {
        let _ = std::fs::remove_file(out);
    }
    done
}

/// An opening file read back.
struct OpeningFile {
    chain: String,
    subject: AccountId,
    name: String,
    agency: String,
    opening: Opening,
}

fn read_json(path: &Path) -> Result<Value> {
    crate::client::read_json_file(path, FILE_BYTES_MAX)
}

fn read_opening(path: &Path) -> Result<OpeningFile> {
    let v = read_json(path)?;
    let bad = |what: &str| anyhow!("{}: not an opening file ({what})", path.display());
    if v["kind"] != OPENING_KIND {
        return Err(bad("kind"));
    }
    let text = |k: &str| v[k].as_str().map(str::to_string).ok_or_else(|| bad(k));
    let blinding: [u8; 32] = hex::decode(text("blinding")?)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| bad("blinding"))?;
    let value = v["value"].as_u64().ok_or_else(|| bad("value"))?;
    let opening = Opening::from_parts(value, blinding).map_err(|_| bad("blinding"))?;
    if opening.commitment().to_hex() != text("commitment")? {
        return Err(bad("the value and blinding do not open its commitment"));
    }
    Ok(OpeningFile {
        chain: text("chain_id")?,
        subject: text("subject")?.parse().map_err(|_| bad("subject"))?,
        name: text("name")?,
        agency: text("agency")?,
        opening,
    })
}

/// `publica programs prove`: one proof per private condition of `program`,
/// in its order, from the subject's openings.
pub async fn prove(
    node: &str,
    program: &str,
    openings: &[std::path::PathBuf],
    out: Option<&Path>,
) -> Result<()> {
    let client = Client::new(node)?;
    let p = client
        .get_ok(&format!("/v1/programs/{}", program_id(program)?))
        .await?;
    let conditions: Vec<PrivateCondition> =
        serde_json::from_value(p["program"]["private_conditions"].clone()).unwrap_or_default();
    if conditions.is_empty() {
        bail!("program '{program}' has no private conditions: enrol without proofs");
    }
    let chain = chain_id(&client).await?;
    let files = openings
        .iter()
        .map(|f| read_opening(f))
        .collect::<Result<Vec<_>>>()?;
    let subject = files
        .first()
        .map(|f| f.subject)
        .ok_or_else(|| anyhow!("give --opening for each private condition"))?;
    let mut proofs = Vec::with_capacity(conditions.len());
    for c in &conditions {
        let f = files
            .iter()
            .find(|f| f.name == c.attribute)
            .ok_or_else(|| anyhow!("no --opening of '{}' ({})", c.attribute, c.describe()))?;
        if f.subject != subject || f.chain != chain {
            bail!("the openings must be about one subject, on this node's chain ({chain})");
        }
        let ctx = condition_context(
            &chain,
            program,
            &subject,
            &f.name,
            &f.agency,
            &f.opening.commitment().to_hex(),
        );
        let proof = publica_zk::prove(&f.opening, c.threshold(), &ctx).map_err(|e| match e {
            publica_zk::ZkError::False => anyhow!(
                "'{}' does not hold for this person: no proof exists, and none was made",
                c.describe()
            ),
            other => anyhow!("{other}"),
        })?;
        proofs.push(hex::encode(proof));
    }
    let doc = json!({"program": program, "account": subject, "proofs": proofs,
                     "csv_cell": proofs.join(";")});
    write_out(out, &pretty(&doc))
}

/// The proofs of a file `prove` wrote.
fn read_proofs(path: &Path) -> Result<Vec<String>> {
    let v = read_json(path)?;
    v["proofs"]
        .as_array()
        .filter(|a| (1..=publica_programs::private::PRIVATE_CONDITIONS_MAX).contains(&a.len()))
        .and_then(|a| a.iter().map(|x| x.as_str().map(str::to_string)).collect())
        .ok_or_else(|| {
            anyhow!(
                "{}: \"proofs\" must list 1..=4 proofs (as `publica programs prove` writes)",
                path.display()
            )
        })
}
