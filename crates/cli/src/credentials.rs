//! `publica credentials …`: issue W3C Verifiable Credentials signed with an
//! institution issuer's key (eddsa-jcs-2022; nothing goes on the ledger),
//! change their status on the institution's status lists, and verify a
//! credential against a node (`publica verify credential`).

use crate::bulk::{submit_one, SignerArgs};
use crate::client::{pretty, Client};
use crate::commands::{open_key, PassArgs};
use crate::programs::write_out;
use anyhow::{anyhow, bail, Context, Result};
use clap::Subcommand;
use publica_credentials::model::{valid_id, CredentialKind};
use publica_credentials::{di, verify};
use publica_crypto::Keypair;
use publica_types::AccountId;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Open Badges 3.0's context (served from the repo's copy, never fetched).
const OB3_CONTEXT: &str = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json";
/// Largest claims or credential file read.
const FILE_BYTES_MAX: u64 = 64 * 1024;

/// Who issues, and what kind of credential.
#[derive(clap::Args, Debug)]
pub struct IssuerArgs {
    /// The issuer's key file (an `issuer` of the institution).
    #[arg(long)]
    key: PathBuf,
    #[command(flatten)]
    pass: PassArgs,
    /// The institution (an agency): the credential's issuer is
    /// did:publica:<institution>.
    #[arg(long)]
    institution: String,
    /// degree, transcript, professional_licence or enrolment (transcripts
    /// are issued one by one).
    #[arg(long)]
    kind: String,
    /// The Data Integrity cryptosuite: eddsa-jcs-2022 (signs the JSON as
    /// written) or eddsa-rdfc-2022 (signs its RDF reading; transcripts,
    /// enrolment certificates and licences, with Publica's context).
    #[arg(long, default_value = di::CRYPTOSUITE)]
    cryptosuite: String,
    /// Issue as did:web:<domain> (the domain the institution registered
    /// with `publica credentials set-domain`) instead of
    /// did:publica:<institution>.
    #[arg(long)]
    did_web: Option<String>,
}

impl IssuerArgs {
    /// The institution and kind, checked before anything is signed.
    fn checked(&self) -> Result<(&str, CredentialKind)> {
        if !valid_id(&self.institution) {
            bail!("--institution is an agency id");
        }
        let kind = kind_of(&self.kind)?;
        if self.suite()? == di::Suite::Rdfc && kind == CredentialKind::Degree {
            bail!("a degree is an Open Badges 3.0 credential, whose context this verifier knows by name but does not hold: sign it with eddsa-jcs-2022");
        }
        Ok((&self.institution, kind))
    }

    fn suite(&self) -> Result<di::Suite> {
        di::Suite::parse(&self.cryptosuite)
            .ok_or_else(|| anyhow!("--cryptosuite is {} or {}", di::CRYPTOSUITE, di::RDFC))
    }

    /// Signs `doc` with this issuer's suite: for eddsa-rdfc-2022 the
    /// credential names Publica's context, which defines its type and
    /// claims.
    fn sign(&self, mut doc: Value, kp: &Keypair, method: &str, now: &str) -> Result<Value> {
        let suite = self.suite()?;
        let mut method = method.to_string();
        if let Some(d) = &self.did_web {
            if !publica_credentials::model::valid_domain(d) {
                bail!("--did-web is a lowercase host name (university.example)");
            }
            let did = format!("did:web:{d}");
            if doc["issuer"].is_string() {
                doc["issuer"] = json!(did);
            } else {
                doc["issuer"]["id"] = json!(did);
            }
            method = format!("{did}#{}", kp.account());
        }
        let method = method.as_str();
        if suite == di::Suite::Rdfc {
            if let Some(ctx) = doc["@context"].as_array_mut() {
                ctx.push(json!(verify::PUBLICA_V1));
            }
        }
        di::sign_with(suite, &doc, kp, method, now, &di::held).map_err(|e| anyhow!("{e}"))
    }
}

/// `publica credentials …`.
#[derive(Subcommand, Debug)]
pub enum CredentialsCmd {
    /// Sign a credential for a holder with an issuer's key (offline; the
    /// ledger holds only its status entry).
    Issue {
        #[command(flatten)]
        issuer: IssuerArgs,
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
        /// vc (a W3C VC with a Data Integrity proof) or sd-jwt (an SD-JWT
        /// VC whose claims the holder discloses one by one, bound to the
        /// holder's did:key).
        #[arg(long, default_value = "vc")]
        format: String,
        /// With sd-jwt: the claims the holder may disclose one by one
        /// (comma separated; default all; the others stay in the clear).
        #[arg(long, value_delimiter = ',')]
        disclose: Vec<String>,
        /// Write here instead of stdout.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Issue one credential per row of a CSV file (offline), each to a new
    /// file in --out-dir, with progress and a per-row report. Header:
    /// `subject` (the holder's DID), then claim columns (true/false are
    /// booleans, integers numbers, the rest text; an empty cell leaves the
    /// claim out); for degrees an `achievement` column names the
    /// achievement. A bad row is reported and the others go on.
    IssueBulk {
        #[command(flatten)]
        issuer: IssuerArgs,
        /// The CSV file.
        #[arg(long)]
        file: PathBuf,
        /// A new directory for the credentials.
        #[arg(long)]
        out_dir: PathBuf,
        /// A status entry per credential: <list>:<purpose>:<first index>;
        /// row n (from 0) gets the first index + n.
        #[arg(long)]
        status: Option<String>,
        /// The node's public URL its status lists are served under.
        #[arg(long, default_value = "http://127.0.0.1:8700")]
        status_base: String,
        /// Valid from (RFC 3339; default now).
        #[arg(long)]
        valid_from: Option<String>,
    },
    /// Present an SD-JWT VC (the holder): reveal only the claims named,
    /// bound to the verifier's audience and nonce with the holder's key.
    Present {
        /// The holder's key file (its did:key is the credential's holder).
        #[arg(long)]
        key: PathBuf,
        #[command(flatten)]
        pass: PassArgs,
        /// The SD-JWT file (`issue --format sd-jwt`).
        #[arg(long)]
        credential: PathBuf,
        /// Claims to reveal (comma separated).
        #[arg(long, value_delimiter = ',')]
        reveal: Vec<String>,
        /// The verifier's audience (its id).
        #[arg(long)]
        aud: String,
        /// The verifier's nonce.
        #[arg(long)]
        nonce: String,
        /// Write here instead of stdout.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Record that your institution recognises another's credential
    /// (credits accepted into a programme), after checking it against the
    /// ledger; the ledger keeps the credential's hash, never its content.
    Recognise {
        #[command(flatten)]
        signer: SignerArgs,
        /// Your institution (the signer is one of its issuers).
        #[arg(long)]
        institution: String,
        /// The credential (JSON) presented to you.
        #[arg(long)]
        credential: PathBuf,
        /// ECTS credits accepted (0..=1000).
        #[arg(long)]
        credits: u32,
        /// The programme they count towards (an id of yours).
        #[arg(long)]
        programme: String,
        /// The accrediting agency trusted.
        #[arg(long)]
        accreditor: String,
    },
    /// List the credentials an issuer issued (the JSON files in --dir, as
    /// `issue` and `issue-bulk` write them) with their status on the
    /// ledger: valid, suspended or revoked (each status list fetched once).
    List {
        /// The directory of issued credentials.
        #[arg(long)]
        dir: PathBuf,
        /// Keep only valid, suspended or revoked ones.
        #[arg(long)]
        status: Option<String>,
        /// Node URL.
        #[arg(long, env = "PUBLICA_NODE", default_value = "http://127.0.0.1:8700")]
        node: String,
    },
    /// Fetch what a verifier needs to check a credential offline: every
    /// ledger value its verification reads, with state proofs, under a
    /// state note signed with the node's log key (`publica verify
    /// credential --snapshot`).
    Snapshot {
        /// The credential (JSON).
        #[arg(long)]
        credential: PathBuf,
        /// The accrediting agency trusted.
        #[arg(long)]
        accreditor: String,
        /// Node URL.
        #[arg(long, env = "PUBLICA_NODE", default_value = "http://127.0.0.1:8700")]
        node: String,
        /// Write here instead of stdout.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Register the institution's did:web domain (an administrator of
    /// it), or remove it: the node serves its DID document at
    /// /v1/credentials/did-web/<domain>, for https://<domain>/.well-known/did.json
    /// to forward to.
    SetDomain {
        #[command(flatten)]
        signer: SignerArgs,
        /// The institution.
        #[arg(long)]
        institution: String,
        /// The domain (university.example).
        #[arg(long, required_unless_present = "remove")]
        domain: Option<String>,
        /// Remove the registered domain.
        #[arg(long, conflicts_with = "domain")]
        remove: bool,
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
    crate::client::read_json_file(path, FILE_BYTES_MAX)
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

/// Checks a transcript's claims against `docs/schemas/transcript.schema.json`
/// (programme, 1..=200 courses each with code, title, ECTS credits 0..=60
/// as a decimal string and grade; total_credits, if given, their sum).
pub fn check_transcript(claims: &Value) -> Result<()> {
    let text = |v: &Value, max: usize| v.as_str().is_some_and(|t| !t.is_empty() && t.len() <= max);
    let allowed = ["programme", "academic_year", "courses", "total_credits"];
    let Some(obj) = claims.as_object() else {
        bail!("a transcript's claims are a JSON object");
    };
    if let Some(k) = obj.keys().find(|k| !allowed.contains(&k.as_str())) {
        bail!("a transcript has no claim '{k}' (docs/schemas/transcript.schema.json)");
    }
    if !text(&claims["programme"], 200) {
        bail!("a transcript names its programme (1..=200 characters)");
    }
    let courses = claims["courses"]
        .as_array()
        .filter(|c| (1..=200).contains(&c.len()))
        .ok_or_else(|| anyhow!("a transcript lists 1..=200 courses"))?;
    // Credits are decimal strings with up to two places, summed in hundredths.
    let hundredths = |v: &Value| -> Option<u64> {
        let t = v.as_str()?;
        let (whole, frac) = t.split_once('.').unwrap_or((t, ""));
        let digits = |d: &str| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit());
        if !digits(whole)
            || whole.len() > 5
            || (!frac.is_empty() && (!digits(frac) || frac.len() > 2))
        {
            return None;
        }
        let f: u64 = format!("{frac:0<2}").parse().ok()?;
        Some(whole.parse::<u64>().ok()? * 100 + f)
    };
    let mut total = 0;
    for (i, c) in courses.iter().enumerate() {
        let credits = hundredths(&c["credits"]).filter(|x| *x <= 6_000);
        let known = c.as_object().is_some_and(|o| {
            o.keys()
                .all(|k| ["code", "title", "credits", "grade", "term"].contains(&k.as_str()))
        });
        match credits {
            Some(x) if known && text(&c["code"], 32) && text(&c["title"], 200) && text(&c["grade"], 16) => {
                total += x;
            }
            _ => bail!("course {}: code (1..=32), title (1..=200), credits (ECTS, a decimal string 0..=60, e.g. \"7.5\") and grade (1..=16) are required, nothing else but term", i + 1),
        }
    }
    if let Some(t) = claims.get("total_credits") {
        if hundredths(t) != Some(total) {
            bail!(
                "total_credits must be the sum of the courses' credits as a decimal string ({}.{:02})",
                total / 100,
                total % 100
            );
        }
    }
    Ok(())
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
    if kind == CredentialKind::Transcript {
        check_transcript(claims)?;
    }
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

/// A CSV row's claims (`header` and `cols` without the subject column).
fn row_claims(
    header: &[String],
    cols: &[String],
    kind: CredentialKind,
    institution: &str,
) -> Value {
    let mut claims = serde_json::Map::new();
    for (name, cell) in header.iter().zip(cols) {
        if cell.is_empty() {
            continue;
        }
        let v = if name == "achievement" && kind == CredentialKind::Degree {
            let slug = cell.to_lowercase().replace(' ', "-");
            json!({"id": format!("urn:publica:achievement:{institution}:{slug}"), "type": ["Achievement"], "name": cell,
                   "criteria": {"narrative": "Completed the programme of study."}})
        } else {
            publica_types::csv::value(cell)
        };
        claims.insert(name.clone(), v);
    }
    Value::Object(claims)
}

/// `publica credentials issue-bulk`.
fn issue_bulk(cmd: CredentialsCmd) -> Result<()> {
    let CredentialsCmd::IssueBulk {
        issuer,
        file,
        out_dir,
        status,
        status_base,
        valid_from,
    } = cmd
    else {
        bail!("not an issue-bulk command");
    };
    let (institution, kind) = issuer.checked()?;
    if kind == CredentialKind::Transcript {
        bail!(
            "transcripts carry lists of courses: issue them one by one (publica credentials issue)"
        );
    }
    let now = publica_programs::period::timestamp(publica_types::now_ms());
    let from = valid_from.unwrap_or_else(|| now.clone());
    if verify::date_time_ms(&from).is_none() {
        bail!("--valid-from is an RFC 3339 date-time (2027-06-30T12:00:00Z)");
    }
    let status = status.as_deref().map(status_arg).transpose()?;
    let csv = crate::bulk::read_csv(&file)?;
    if csv.header.first().map(String::as_str) != Some("subject") {
        bail!(
            "{}: the first column must be subject (the holder's DID)",
            file.display()
        );
    }
    if kind == CredentialKind::Degree && !csv.header.iter().any(|h| h == "achievement") {
        bail!(
            "{}: a degree needs an achievement column (the achievement's name)",
            file.display()
        );
    }
    if let Some(bad) = csv.header[1..]
        .iter()
        .find(|h| !publica_programs::model::valid_name(h) || *h == "id")
    {
        bail!(
            "{}: column '{bad}' is not a claim name ([a-z][a-z0-9_]*, not id)",
            file.display()
        );
    }
    std::fs::create_dir(&out_dir)
        .with_context(|| format!("creating {} (a new directory)", out_dir.display()))?;
    let kp = open_key(&issuer.key, &issuer.pass)?;
    let method = format!("did:publica:{}#key-1", kp.account());
    let mut results = csv.invalid.clone();
    let total = csv.rows.len();
    for (n, (line, cols)) in csv.rows.iter().enumerate() {
        eprint!("\r{}/{total} rows", n + 1);
        if cols.len() != csv.header.len() {
            results.push(publica_types::csv::invalid(
                *line,
                "a row has one cell per column",
            ));
            continue;
        }
        let claims = row_claims(&csv.header[1..], &cols[1..], kind, institution);
        let entry = status
            .as_ref()
            .map(|(l, p, first)| vec![(l.clone(), p.clone(), first + n as u64)])
            .unwrap_or_default();
        let path = out_dir.join(format!("line-{line}.json"));
        let signed = credential(
            institution,
            kind,
            &cols[0],
            &claims,
            &from,
            None,
            &urn_uuid(),
            &entry,
            &status_base,
        )
        .and_then(|doc| issuer.sign(doc, &kp, &method, &now))
        .and_then(|c| {
            std::fs::write(&path, pretty(&c) + "\n")?;
            Ok(c)
        });
        results.push(match signed {
            Ok(c) => json!({"line": line, "status": "ok", "file": path, "id": c["id"],
                            "status_index": entry.first().map(|e| e.2)}),
            Err(e) => publica_types::csv::invalid(*line, e.to_string()),
        });
    }
    eprintln!();
    crate::bulk::finish(
        results,
        json!({"institution": institution, "kind": kind, "out_dir": out_dir}),
    )
}

/// `publica credentials issue`.
fn issue(cmd: CredentialsCmd) -> Result<()> {
    let CredentialsCmd::Issue {
        issuer,
        subject,
        claims,
        valid_from,
        valid_until,
        id,
        status,
        status_base,
        format,
        disclose,
        out,
    } = cmd
    else {
        bail!("not an issue command");
    };
    if format == "sd-jwt" {
        return issue_sd_jwt(
            &issuer,
            &subject,
            &claims,
            valid_until.as_deref(),
            &disclose,
            out.as_deref(),
        );
    }
    if format != "vc" {
        bail!("--format is vc or sd-jwt");
    }
    let (institution, kind) = issuer.checked()?;
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
        institution,
        kind,
        &subject,
        &read_json(&claims)?,
        &from,
        valid_until.as_deref(),
        &id.unwrap_or_else(urn_uuid),
        &status,
        &status_base,
    )?;
    let kp = open_key(&issuer.key, &issuer.pass)?;
    let method = format!("did:publica:{}#key-1", kp.account());
    let signed = issuer.sign(doc, &kp, &method, &now)?;
    write_out(out.as_deref(), &pretty(&signed))
}

/// Runs `publica credentials …`.
pub async fn run(cmd: CredentialsCmd) -> Result<()> {
    match cmd {
        cmd @ CredentialsCmd::Issue { .. } => issue(cmd),
        cmd @ CredentialsCmd::IssueBulk { .. } => issue_bulk(cmd),
        CredentialsCmd::Present {
            key,
            pass,
            credential,
            reveal,
            aud,
            nonce,
            out,
        } => {
            let issued = read_text(&credential)?;
            let kp = open_key(&key, &pass)?;
            let reveal: Vec<&str> = reveal.iter().map(String::as_str).collect();
            let now = publica_types::now_ms() / 1000;
            let p =
                publica_credentials::sdjwt::present(issued.trim(), &reveal, &kp, &aud, &nonce, now)
                    .map_err(|e| anyhow!("{}: {e}", credential.display()))?;
            write_out(out.as_deref(), &format!("{p}\n"))
        }
        CredentialsCmd::List { dir, status, node } => list(&dir, status.as_deref(), &node).await,
        CredentialsCmd::SetDomain {
            signer,
            institution,
            domain,
            remove: _,
        } => {
            if !valid_id(&institution) {
                bail!("--institution is an agency id");
            }
            if domain
                .as_deref()
                .is_some_and(|d| !publica_credentials::model::valid_domain(d))
            {
                bail!("--domain is a lowercase host name of two or more labels (university.example), without port or path");
            }
            let args = json!({"agency": institution, "domain": domain});
            submit_one(&signer, "credentials", "set_domain", args).await
        }
        CredentialsCmd::Snapshot {
            credential,
            accreditor,
            node,
            out,
        } => {
            if !valid_id(&accreditor) {
                bail!("--accreditor is an agency id");
            }
            let cred = read_json(&credential)?;
            let (s, v) = Client::new(&node)?
                .post(
                    &format!("/v1/credentials/snapshot?accreditor={accreditor}"),
                    &cred,
                )
                .await?;
            if s != 200 {
                return Err(crate::client::api_error(s, &v));
            }
            write_out(out.as_deref(), &pretty(&v))
        }
        CredentialsCmd::Recognise {
            signer,
            institution,
            credential,
            credits,
            programme,
            accreditor,
        } => {
            recognise(
                &signer,
                &institution,
                &credential,
                credits,
                &programme,
                &accreditor,
            )
            .await
        }
        CredentialsCmd::Status {
            signer,
            institution,
            list,
            index,
            clear,
        } => {
            let args =
                json!({"agency": institution, "list": list, "indexes": index, "status": !clear});
            submit_one(&signer, "credentials", "set_status", args).await
        }
    }
}

fn read_text(path: &Path) -> Result<String> {
    let meta = std::fs::metadata(path).with_context(|| format!("reading {}", path.display()))?;
    if meta.len() > FILE_BYTES_MAX {
        bail!("{} is larger than 64 KiB", path.display());
    }
    std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))
}

/// `issue --format sd-jwt`.
fn issue_sd_jwt(
    issuer: &IssuerArgs,
    subject: &str,
    claims: &Path,
    valid_until: Option<&str>,
    disclose: &[String],
    out: Option<&Path>,
) -> Result<()> {
    let (institution, kind) = issuer.checked()?;
    let holder = di::did_key(&format!(
        "{subject}#{}",
        subject.strip_prefix("did:key:").unwrap_or("")
    ))
    .ok_or_else(|| {
        anyhow!("--subject is the holder's did:key (its key binds the presentations)")
    })?;
    let exp = valid_until
        .map(|u| {
            verify::date_time_ms(u).map(|ms| ms / 1000).ok_or_else(|| {
                anyhow!("--valid-until is an RFC 3339 date-time (2027-06-30T12:00:00Z)")
            })
        })
        .transpose()?;
    let claims = read_json(claims)?;
    let Some(map) = claims.as_object() else {
        bail!("the claims are a JSON object");
    };
    let names: Vec<&str> = if disclose.is_empty() {
        map.keys().map(String::as_str).collect()
    } else {
        disclose.iter().map(String::as_str).collect()
    };
    if let Some(n) = names.iter().find(|n| !map.contains_key(**n)) {
        bail!("--disclose names '{n}', which the claims do not have");
    }
    let kp = open_key(&issuer.key, &issuer.pass)?;
    let kid = format!("did:publica:{}#key-1", kp.account());
    let (iss, vct) = (format!("did:publica:{institution}"), verify::vct(kind));
    let by = publica_credentials::sdjwt::Issuing {
        kid: &kid,
        iss: &iss,
        vct: &vct,
        iat: publica_types::now_ms() / 1000,
        exp,
    };
    let mut sd = publica_credentials::sdjwt::issue(&kp, &by, &holder, &claims, &names)
        .map_err(|e| anyhow!("{e}"))?;
    sd.push('\n');
    write_out(out, &sd)
}

/// Most credential files `list` reads.
const LIST_FILES_MAX: usize = 1_000_000;

/// A credential's standing from its status entries and the lists' bits
/// (fetched from the node by path, once each).
async fn standing(
    client: &Client,
    cred: &Value,
    lists: &mut std::collections::HashMap<String, (Vec<u8>, String)>,
) -> Result<&'static str> {
    let entries: Vec<&Value> = match &cred["credentialStatus"] {
        Value::Null => vec![],
        Value::Array(a) => a.iter().collect(),
        one => vec![one],
    };
    let mut out = "valid";
    for e in entries {
        let url = e["statusListCredential"].as_str().unwrap_or_default();
        let Some(i) = url.rfind(verify::STATUS_PATH) else {
            bail!("a status entry's statusListCredential is not a list of this ledger: {url}");
        };
        let path = &url[i..];
        if !lists.contains_key(path) {
            let list = client.get_ok(path).await?;
            let bits = list["credentialSubject"]["encodedList"]
                .as_str()
                .and_then(|e| publica_credentials::status::decode(e, 1 << 20))
                .ok_or_else(|| anyhow!("{path}: the list does not decode"))?;
            let purpose = list["credentialSubject"]["statusPurpose"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            lists.insert(path.to_string(), (bits, purpose));
        }
        let index: u64 = e["statusListIndex"]
            .as_str()
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| anyhow!("a statusListIndex is a decimal string"))?;
        // The list says what a set bit means, not the credential.
        let (bits, purpose) = &lists[path];
        let Some(byte) = usize::try_from(index / 8).ok().and_then(|b| bits.get(b)) else {
            bail!("statusListIndex {index} is beyond {path}");
        };
        match (byte & (0x80 >> (index % 8)) != 0, purpose.as_str()) {
            (true, "revocation") => out = "revoked",
            (true, "suspension") if out == "valid" => out = "suspended",
            _ => {}
        }
    }
    Ok(out)
}

/// `publica credentials list`.
async fn list(dir: &Path, only: Option<&str>, node: &str) -> Result<()> {
    if only.is_some_and(|s| !["valid", "suspended", "revoked"].contains(&s)) {
        bail!("--status is valid, suspended or revoked");
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .take(LIST_FILES_MAX)
        .collect();
    files.sort();
    let client = Client::new(node)?;
    let mut lists = std::collections::HashMap::new();
    let mut counts: BTreeMap<&str, u64> = BTreeMap::new();
    let mut rows = vec![];
    for f in &files {
        let row = match read_json(f) {
            Ok(c) if c["proof"].is_object() => {
                let s = match standing(&client, &c, &mut lists).await {
                    Ok(s) => s,
                    Err(e) => {
                        *counts.entry("unknown").or_default() += 1;
                        if only.is_none() {
                            rows.push(json!({"file": f, "id": c["id"], "status": "unknown", "why": e.to_string()}));
                        }
                        continue;
                    }
                };
                *counts.entry(s).or_default() += 1;
                if only.is_some_and(|o| o != s) {
                    continue;
                }
                json!({"file": f, "id": c["id"], "subject": c["credentialSubject"]["id"],
                       "type": c["type"], "status": s})
            }
            _ => {
                *counts.entry("unreadable").or_default() += 1;
                if only.is_some() {
                    continue;
                }
                json!({"file": f, "status": "unreadable"})
            }
        };
        rows.push(row);
    }
    crate::client::print_json(&json!({"credentials": rows, "counts": counts}));
    Ok(())
}

/// The node's verification report of `cred`, trusting `accreditor`.
async fn verify_with(node: &str, cred: &Value, accreditor: &str) -> Result<Value> {
    let (s, report) = Client::new(node)?
        .post(
            &format!("/v1/credentials/verify?accreditor={accreditor}"),
            cred,
        )
        .await?;
    if s != 200 {
        return Err(crate::client::api_error(s, &report));
    }
    Ok(report)
}

/// `publica credentials recognise`: verifies the credential against the
/// ledger, then records its recognition by hash.
async fn recognise(
    signer: &SignerArgs,
    institution: &str,
    credential: &Path,
    credits: u32,
    programme: &str,
    accreditor: &str,
) -> Result<()> {
    let cred = read_json(credential)?;
    let report = verify_with(&signer.node, &cred, accreditor).await?;
    if report["verified"] != true {
        crate::client::print_json(&report);
        bail!("{} does not verify: nothing recorded", credential.display());
    }
    let hash = publica_credentials::credential_hash(&cred).map_err(|e| anyhow!("{e}"))?;
    let args = json!({"agency": institution, "credential_hash": hash, "issuer": report["institution"],
                      "kind": report["kind"], "credits_accepted": credits, "programme": programme});
    submit_one(signer, "credentials", "record_recognition", args).await
}

/// What a verified enrolment credential lets a program's attester attest.
#[derive(Debug, Clone, PartialEq)]
pub struct EnrolmentClaims {
    /// The student's account: the key of the credential's `did:key`.
    pub subject: AccountId,
    /// `enrolled`, `enrolled_at` (the institution) and
    /// `enrolment_credential` (the SHA-256 of its RFC 8785 form).
    pub claims: Value,
    /// The credential's `validUntil`: the attestation lapses then.
    pub expires_ms: u64,
}

/// The claims of an enrolment credential, given the report of its
/// verification against the ledger (`POST /v1/credentials/verify`).
///
/// # Errors
/// A credential that did not verify (naming the first failed check), is
/// not an enrolment credential, or whose subject is not a `did:key`.
pub fn enrolment_claims(report: &Value, credential: &Value) -> Result<EnrolmentClaims> {
    if report["verified"] != true {
        let failed = report["checks"]
            .as_array()
            .and_then(|c| c.iter().find(|c| c["ok"] != true))
            .map(|c| {
                format!(
                    "{}: {}",
                    c["code"].as_str().unwrap_or("?"),
                    c["message"].as_str().unwrap_or("")
                )
            })
            .unwrap_or_default();
        bail!("the credential does not verify ({failed}): nothing attested");
    }
    if report["kind"] != "enrolment" {
        bail!(
            "this is a {} credential, not an enrolment credential: nothing attested",
            report["kind"].as_str().unwrap_or("?")
        );
    }
    let did = credential["credentialSubject"]["id"]
        .as_str()
        .unwrap_or_default();
    let subject = did
        .strip_prefix("did:key:")
        .and_then(publica_crypto::key::from_multikey)
        .ok_or_else(|| {
            anyhow!("the credential's subject '{did}' is not a did:key: it names no account")
        })?;
    let hash = publica_credentials::credential_hash(credential).map_err(|e| anyhow!("{e}"))?;
    let expires_ms = credential["validUntil"]
        .as_str()
        .and_then(verify::date_time_ms)
        .ok_or_else(|| anyhow!("an enrolment credential without validUntil cannot bound the attestation: nothing attested"))?;
    Ok(EnrolmentClaims {
        subject,
        claims: json!({"enrolled": true, "enrolled_at": report["institution"], "enrolment_credential": hash}),
        expires_ms,
    })
}

/// `publica programs attest-enrolment`: verifies the credential with the
/// node, then attests its claims (signed by an attester of `agency`).
pub async fn attest_enrolment(
    signer: &SignerArgs,
    agency: &str,
    credential: &Path,
    accreditor: &str,
) -> Result<()> {
    if !valid_id(agency) || !valid_id(accreditor) {
        bail!("--agency and --accreditor are agency ids");
    }
    let cred = read_json(credential)?;
    let report = verify_with(&signer.node, &cred, accreditor).await?;
    let c =
        enrolment_claims(&report, &cred).with_context(|| format!("{}", credential.display()))?;
    let args = json!({"agency": agency, "subject": c.subject, "claims": c.claims, "expires_ms": c.expires_ms});
    submit_one(signer, "programs", "attest", args).await
}

/// `publica verify credential --snapshot`: checks `file` offline against a
/// snapshot whose state note `log_key` signed; prints each check; fails
/// unless every one passed.
pub fn verify_offline(
    file: &Path,
    snapshot: &Path,
    log_key: &str,
    accreditor: &str,
    max_age_days: u64,
) -> Result<()> {
    if !valid_id(accreditor) {
        bail!("--accreditor is an agency id");
    }
    if !(1..=3_650).contains(&max_age_days) {
        bail!("--max-age-days is 1..=3650");
    }
    let key = crate::verify::load_log_key(log_key)?;
    let cred = read_json(file)?;
    let snap: publica_credentials::offline::Snapshot = serde_json::from_value(read_json(snapshot)?)
        .with_context(|| {
            format!(
                "{} is not a snapshot (publica credentials snapshot)",
                snapshot.display()
            )
        })?;
    let report = publica_credentials::offline::verify(
        &snap,
        &key,
        &cred,
        accreditor,
        publica_types::now_ms(),
        max_age_days * 86_400_000,
    );
    report_outcome(&serde_json::to_value(report)?)
}

/// Prints a verification report; fails, naming the first failed check,
/// unless it verified.
fn report_outcome(v: &Value) -> Result<()> {
    crate::client::print_json(v);
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

/// `publica verify credential`: asks the node to check `file` against the
/// ledger (trusting `accreditor`'s accreditations) and prints each check;
/// fails unless every one passed.
pub async fn verify_file(
    file: &Path,
    node: &str,
    accreditor: &str,
    aud: Option<&str>,
    nonce: Option<&str>,
) -> Result<()> {
    let text = read_text(file)?;
    let client = Client::new(node)?;
    let (s, v) = if text.trim_start().starts_with('{') {
        let cred: Value = serde_json::from_str(&text)
            .with_context(|| format!("{} is not JSON", file.display()))?;
        client
            .post(
                &format!("/v1/credentials/verify?accreditor={accreditor}"),
                &cred,
            )
            .await?
    } else {
        let (Some(aud), Some(nonce)) = (aud, nonce) else {
            bail!("an SD-JWT presentation is verified for an --aud and a --nonce (those the holder was given)");
        };
        let body = json!({"presentation": text.trim(), "aud": aud, "nonce": nonce});
        client
            .post(
                &format!("/v1/credentials/verify-presentation?accreditor={accreditor}"),
                &body,
            )
            .await?
    };
    if s != 200 {
        return Err(crate::client::api_error(s, &v));
    }
    report_outcome(&v)
}
