//! `publica credentials …`: issue W3C Verifiable Credentials signed with an
//! institution issuer's key (eddsa-jcs-2022; nothing goes on the ledger),
//! change their status on the institution's status lists, and verify a
//! credential against a node (`publica verify credential`).

use crate::bulk::{Call, Session, SignerArgs};
use crate::client::{pretty, Client};
use crate::commands::{open_key, PassArgs};
use crate::programs::write_out;
use anyhow::{anyhow, bail, Context, Result};
use clap::Subcommand;
use publica_credentials::model::{valid_id, CredentialKind};
use publica_credentials::{di, verify};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

/// Open Badges 3.0's context (served from the repo's copy, never fetched).
const OB3_CONTEXT: &str = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json";
/// Largest claims or credential file read.
const FILE_BYTES_MAX: u64 = 64 * 1024;

/// `publica credentials …`.
#[derive(Subcommand, Debug)]
pub enum CredentialsCmd {
    /// Sign a credential for a holder with an issuer's key (offline; the
    /// ledger holds only its status entry).
    Issue {
        /// The issuer's key file (an `issuer` of the institution).
        #[arg(long)]
        key: PathBuf,
        #[command(flatten)]
        pass: PassArgs,
        /// The institution (an agency): the credential's issuer is
        /// did:publica:<institution>.
        #[arg(long)]
        institution: String,
        /// degree, transcript, professional_licence or enrolment.
        #[arg(long)]
        kind: String,
        /// The holder's DID (did:key:…).
        #[arg(long)]
        subject: String,
        /// A JSON object of the subject's claims (e.g. the achievement).
        #[arg(long)]
        claims: PathBuf,
        /// Valid from (RFC 3339 date-time; default now).
        #[arg(long)]
        valid_from: Option<String>,
        /// Valid until (RFC 3339 date-time).
        #[arg(long)]
        valid_until: Option<String>,
        /// The credential's id (a URI; default a fresh urn:uuid).
        #[arg(long)]
        id: Option<String>,
        /// Status entries: <list>:<purpose>:<index> (repeatable), on the
        /// node at --status-base.
        #[arg(long = "status")]
        status: Vec<String>,
        /// The node's public URL its status lists are served under.
        #[arg(long, default_value = "http://127.0.0.1:8700")]
        status_base: String,
        /// Write here instead of stdout.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Set (revoke, suspend) or clear (lift a suspension) entries of one of
    /// the institution's status lists.
    Status {
        #[command(flatten)]
        signer: SignerArgs,
        /// The institution.
        #[arg(long)]
        institution: String,
        /// The list.
        #[arg(long)]
        list: String,
        /// Entries (comma separated, at most 1,000).
        #[arg(long, value_delimiter = ',', required = true)]
        index: Vec<u64>,
        /// Clear instead of set (suspension lists only).
        #[arg(long)]
        clear: bool,
    },
}

fn read_json(path: &Path) -> Result<Value> {
    let meta = std::fs::metadata(path).with_context(|| format!("reading {}", path.display()))?;
    if meta.len() > FILE_BYTES_MAX {
        bail!("{} is larger than 64 KiB", path.display());
    }
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("{} is not JSON", path.display()))
}

fn kind_of(text: &str) -> Result<CredentialKind> {
    serde_json::from_value(json!(text)).map_err(|_| {
        anyhow!("--kind is degree, transcript, professional_licence or enrolment, not '{text}'")
    })
}

/// A fresh `urn:uuid` (version 4) from the operating system's generator.
fn urn_uuid() -> String {
    let mut b: [u8; 16] = publica_crypto::Keypair::generate().seed()[..16]
        .try_into()
        .expect("16 bytes");
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex::encode(b);
    format!(
        "urn:uuid:{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )
}

/// The unsigned credential `issue` signs.
#[allow(clippy::too_many_arguments)]
pub fn credential(
    institution: &str,
    kind: CredentialKind,
    subject: &str,
    claims: &Value,
    valid_from: &str,
    valid_until: Option<&str>,
    id: &str,
    status: &[(String, String, u64)],
    status_base: &str,
) -> Result<Value> {
    let Some(claims) = claims.as_object() else {
        bail!("the claims are a JSON object");
    };
    if !subject.starts_with("did:") {
        bail!("--subject is the holder's DID (did:key:…)");
    }
    let mut context = vec![json!(verify::VC_V2)];
    let mut types = vec![json!("VerifiableCredential"), json!(kind.vc_type())];
    if kind == CredentialKind::Degree {
        context.push(json!(OB3_CONTEXT));
        types = vec![json!("VerifiableCredential"), json!("OpenBadgeCredential")];
    }
    let mut subject_v = json!({"id": subject});
    for (k, v) in claims {
        if k == "id" {
            bail!("the claims must not set the subject's id (give --subject)");
        }
        subject_v[k] = v.clone();
    }
    let mut doc = json!({
        "@context": context, "id": id, "type": types,
        "issuer": format!("did:publica:{institution}"),
        "validFrom": valid_from, "credentialSubject": subject_v,
    });
    if kind == CredentialKind::Degree {
        // Open Badges 3.0: the issuer is a Profile, the credential has a name.
        doc["issuer"] = json!({"id": format!("did:publica:{institution}"), "type": ["Profile"], "name": institution});
        doc["name"] = claims
            .get("achievement")
            .and_then(|a| a.get("name"))
            .cloned()
            .unwrap_or_else(|| json!("Diploma"));
    }
    if let Some(u) = valid_until {
        doc["validUntil"] = json!(u);
    }
    if !status.is_empty() {
        let base = status_base.trim_end_matches('/');
        let entries: Vec<Value> = status
            .iter()
            .map(|(list, purpose, index)| {
                json!({"id": format!("{base}{}{institution}/{list}#{index}", verify::STATUS_PATH),
                       "type": "BitstringStatusListEntry", "statusPurpose": purpose,
                       "statusListIndex": index.to_string(),
                       "statusListCredential": format!("{base}{}{institution}/{list}", verify::STATUS_PATH)})
            })
            .collect();
        doc["credentialStatus"] = json!(entries);
    }
    Ok(doc)
}

/// Reads `<list>:<purpose>:<index>`.
fn status_arg(text: &str) -> Result<(String, String, u64)> {
    let bad = || anyhow!("--status is <list>:<revocation|suspension>:<index>, not '{text}'");
    let mut parts = text.split(':');
    let (Some(list), Some(purpose), Some(index), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(bad());
    };
    if !valid_id(list) || !["revocation", "suspension"].contains(&purpose) {
        return Err(bad());
    }
    Ok((
        list.into(),
        purpose.into(),
        index.parse().map_err(|_| bad())?,
    ))
}

/// Runs `publica credentials …`.
pub async fn run(cmd: CredentialsCmd) -> Result<()> {
    match cmd {
        CredentialsCmd::Issue {
            key,
            pass,
            institution,
            kind,
            subject,
            claims,
            valid_from,
            valid_until,
            id,
            status,
            status_base,
            out,
        } => {
            if !valid_id(&institution) {
                bail!("--institution is an agency id");
            }
            let kind = kind_of(&kind)?;
            let now = publica_programs::period::timestamp(publica_types::now_ms());
            let from = valid_from.unwrap_or_else(|| now.clone());
            for (what, t) in [
                ("--valid-from", Some(&from)),
                ("--valid-until", valid_until.as_ref()),
            ] {
                if t.is_some_and(|t| verify::date_time_ms(t).is_none()) {
                    bail!("{what} is an RFC 3339 date-time (2027-06-30T12:00:00Z)");
                }
            }
            let status: Vec<_> = status
                .iter()
                .map(|s| status_arg(s))
                .collect::<Result<_>>()?;
            let doc = credential(
                &institution,
                kind,
                &subject,
                &read_json(&claims)?,
                &from,
                valid_until.as_deref(),
                &id.unwrap_or_else(urn_uuid),
                &status,
                &status_base,
            )?;
            let kp = open_key(&key, &pass)?;
            let method = format!("did:publica:{}#key-1", kp.account());
            let signed = di::sign(&doc, &kp, &method, &now).map_err(|e| anyhow!("{e}"))?;
            write_out(out.as_deref(), &pretty(&signed))
        }
        CredentialsCmd::Status {
            signer,
            institution,
            list,
            index,
            clear,
        } => {
            let session = Session::open(&signer).await?;
            let call = Call {
                line: 1,
                module: "credentials",
                method: "set_status",
                args: json!({"agency": institution, "list": list, "indexes": index, "status": !clear}),
            };
            let done = session.submit(&[call]).await?;
            let report = done[0].report(1);
            crate::client::print_json(&report);
            if !done[0].ok() {
                bail!(
                    "{}",
                    report["error"]["message"].as_str().unwrap_or("refused")
                );
            }
            Ok(())
        }
    }
}

/// `publica verify credential`: asks the node to check `file` against the
/// ledger (trusting `accreditor`'s accreditations) and prints each check;
/// fails unless every one passed.
pub async fn verify_file(file: &Path, node: &str, accreditor: &str) -> Result<()> {
    let cred = read_json(file)?;
    let (s, v) = Client::new(node)?
        .post(
            &format!("/v1/credentials/verify?accreditor={accreditor}"),
            &cred,
        )
        .await?;
    if s != 200 {
        return Err(crate::client::api_error(s, &v));
    }
    crate::client::print_json(&v);
    if v["verified"] != true {
        let f = v["checks"]
            .as_array()
            .and_then(|c| c.iter().find(|c| c["ok"] == false))
            .cloned()
            .unwrap_or_default();
        bail!(
            "not verified: {} check failed ({}): {}",
            f["check"].as_str().unwrap_or("a"),
            f["code"].as_str().unwrap_or(""),
            f["message"].as_str().unwrap_or("")
        );
    }
    Ok(())
}
