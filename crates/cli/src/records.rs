//! `publica records …`: patient records kept off the ledger (docs/health.md).
//! A custodian seals and stores a FHIR resource; a patient gives and
//! revokes consent, reads their access log and verifies it, and erases; a
//! reader logs an access and gets the record, decrypted here with a key
//! derived from their own; a privacy officer reviews emergencies and
//! places legal holds.

use crate::bulk::{Session, SignerArgs};
use crate::client::{api_error, print_json, Client};
use anyhow::{anyhow, bail, Context, Result};
use base64::Engine as _;
use clap::Subcommand;
use publica_crypto::seal::{DataKey, SealKey};
use publica_records::{fhir, model};
use publica_types::{AccountId, Expiry};
use serde_json::{json, Value};
use std::path::PathBuf;

/// How long a registration sent with its ciphertext may stay valid.
const REGISTER_EXPIRY_MS: u64 = 5 * 60_000;

/// Where `publica dev` and `publica node` keep record ciphertexts:
/// `<data-dir>/records/blobs` unless a bucket is named (docs/health.md).
#[derive(clap::Args, Debug, Clone)]
pub struct RecordStoreArgs {
    /// Keep record ciphertexts in this S3-compatible bucket instead of the
    /// data directory: its URL, path style (http://minio:9000/records) or
    /// virtual-hosted (https://records.s3.eu-west-1.amazonaws.com). The
    /// credentials are read from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY
    /// and AWS_SESSION_TOKEN.
    #[arg(long, env = "PUBLICA_RECORDS_S3_BUCKET_URL")]
    records_s3_bucket_url: Option<String>,
    /// Object name prefix in that bucket: one per node.
    #[arg(
        long,
        env = "PUBLICA_RECORDS_S3_PREFIX",
        default_value = "publica-records/"
    )]
    records_s3_prefix: String,
    /// The bucket's signing region.
    #[arg(long, env = "PUBLICA_RECORDS_S3_REGION", default_value = "us-east-1")]
    records_s3_region: String,
}

impl RecordStoreArgs {
    /// The object store named, with its credentials; none when no bucket
    /// is.
    pub fn config(&self) -> Result<Option<publica_api::object_store::S3Config>> {
        self.records_s3_bucket_url
            .as_deref()
            .map(|url| {
                publica_api::object_store::S3Config::from_env(
                    url,
                    &self.records_s3_prefix,
                    &self.records_s3_region,
                )
                .map_err(|e| anyhow!("the record store: {e}"))
            })
            .transpose()
    }
}

pub use publica_records::model::record_aad;

/// `publica records …`.
#[derive(Subcommand, Debug)]
pub enum RecordsCmd {
    /// Check a FHIR R4 resource (Patient, Observation, Condition,
    /// MedicationRequest, DocumentReference) as the store would.
    Check {
        /// The resource (JSON).
        file: PathBuf,
    },
    /// Seal a FHIR resource with a fresh data key, store the ciphertext in
    /// the node's record store and register it (a custodian of --agency).
    Put {
        #[command(flatten)]
        signer: SignerArgs,
        /// The custodian agency.
        #[arg(long)]
        agency: String,
        /// The patient's account.
        #[arg(long)]
        subject: String,
        /// The resource (JSON).
        file: PathBuf,
    },
    /// Give a consent (the patient, or a guardian with --subject).
    Grant {
        #[command(flatten)]
        signer: SignerArgs,
        /// The patient, when a guardian signs.
        #[arg(long)]
        subject: Option<String>,
        /// The consent's id (1..=64 of [a-z0-9_-]).
        #[arg(long)]
        id: String,
        /// Grant to one account (a clinician, an insurer's officer).
        #[arg(
            long,
            conflicts_with = "to_agency",
            required_unless_present = "to_agency"
        )]
        to_account: Option<String>,
        /// Grant to an agency: its clinicians, reading for it.
        #[arg(long)]
        to_agency: Option<String>,
        /// treatment, insurance_claim or research.
        #[arg(long)]
        purpose: String,
        /// Record types (comma separated; all when absent).
        #[arg(long, value_delimiter = ',')]
        types: Vec<String>,
        /// Days it lasts (1..=1830).
        #[arg(long, default_value_t = 365)]
        days: u64,
    },
    /// Revoke a consent.
    Revoke {
        #[command(flatten)]
        signer: SignerArgs,
        /// The patient, when a guardian signs.
        #[arg(long)]
        subject: Option<String>,
        /// The consent's id.
        #[arg(long)]
        id: String,
    },
    /// Appoint (or --remove) a patient's guardian (an attester of --agency).
    Guardian {
        #[command(flatten)]
        signer: SignerArgs,
        /// The attester's agency.
        #[arg(long)]
        agency: String,
        /// The patient.
        #[arg(long)]
        subject: String,
        /// The guardian.
        #[arg(long)]
        guardian: String,
        /// Remove instead.
        #[arg(long)]
        remove: bool,
    },
    /// Read a record: log the access on the ledger, get the data key
    /// wrapped for your key, check the ciphertext against its commitment
    /// and decrypt it. A refused access is logged too, and fails here.
    Read {
        #[command(flatten)]
        signer: SignerArgs,
        /// The record.
        #[arg(long)]
        record: String,
        /// treatment, insurance_claim or research.
        #[arg(long, default_value = "treatment")]
        purpose: String,
        /// The agency you read for (a consent to it; break-glass).
        #[arg(long)]
        agency: Option<String>,
        /// Break the glass: the emergency's reference (a clinician of
        /// --agency; reviewed by its privacy officer).
        #[arg(long)]
        emergency: Option<String>,
        /// Write the resource here instead of printing it.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Review an emergency access (a privacy officer of --agency).
    Review {
        #[command(flatten)]
        signer: SignerArgs,
        /// The clinician's agency.
        #[arg(long)]
        agency: String,
        /// The access.
        #[arg(long)]
        access: String,
        /// The emergency did not justify it.
        #[arg(long)]
        unjustified: bool,
        /// A reference to the review's file.
        #[arg(long)]
        note: String,
    },
    /// Erase a record (the patient, or a guardian).
    Erase {
        #[command(flatten)]
        signer: SignerArgs,
        /// The record.
        #[arg(long)]
        record: String,
    },
    /// Place (or --lift) a legal hold (a privacy officer of the custodian).
    Hold {
        #[command(flatten)]
        signer: SignerArgs,
        /// The custodian agency.
        #[arg(long)]
        agency: String,
        /// The record.
        #[arg(long)]
        record: String,
        /// The hold's id.
        #[arg(long)]
        id: String,
        /// Why: a case reference.
        #[arg(long, required_unless_present = "lift")]
        reason: Option<String>,
        /// Lift the hold instead.
        #[arg(long)]
        lift: bool,
    },
    /// Move a record to another custodian (the patient, or a guardian).
    /// With --to-node, the new custodian's node takes the ciphertext: the
    /// transfer names that node's store key, the old node (--node) hands
    /// the data key over wrapped for it, and the new node keeps both.
    Transfer {
        #[command(flatten)]
        signer: SignerArgs,
        /// The record.
        #[arg(long)]
        record: String,
        /// The new custodian agency.
        #[arg(long)]
        to: String,
        /// The new custodian's node, when it is another.
        #[arg(long)]
        to_node: Option<String>,
    },
    /// Hand a record transferred with --to-node over again (within a day
    /// of the transfer), e.g. when a node was down: the old custodian's
    /// node (--from) re-wraps the data key for the store the transfer
    /// named and the new custodian's node (--to-node) keeps the ciphertext.
    Copy {
        /// The record.
        #[arg(long)]
        record: String,
        /// The old custodian's node.
        #[arg(long)]
        from: String,
        /// The new custodian's node.
        #[arg(long)]
        to_node: String,
    },
    /// Who looked at my records: the access log of a patient, every page;
    /// with --log-key, each entry's receipt verified offline against the
    /// log's key and checked to name this patient.
    Log {
        /// The patient's account.
        account: String,
        /// The log's verifier key (or a file holding it): verify receipts.
        #[arg(long)]
        log_key: Option<String>,
        /// Node URL.
        #[arg(long, env = "PUBLICA_NODE", default_value = "http://127.0.0.1:8700")]
        node: String,
    },
    /// An agency's emergency accesses and their reviews (--overdue: only
    /// those past their 72-hour deadline).
    Emergencies {
        /// The agency.
        agency: String,
        /// Only overdue reviews.
        #[arg(long)]
        overdue: bool,
        /// Node URL.
        #[arg(long, env = "PUBLICA_NODE", default_value = "http://127.0.0.1:8700")]
        node: String,
    },
}

fn account(flag: &str, s: &str) -> Result<AccountId> {
    s.parse()
        .map_err(|_| anyhow!("--{flag} '{s}' is not a 64-hex account"))
}

fn record_id(s: &str) -> Result<String> {
    let s = s.to_ascii_lowercase();
    if !model::valid_record_id(&s) {
        bail!("--record is a record id: 64 hex digits");
    }
    Ok(s)
}

async fn submit(signer: &SignerArgs, method: &'static str, args: Value) -> Result<()> {
    crate::bulk::submit_one(signer, "records", method, args).await
}

/// Runs `publica records …`.
pub async fn run(cmd: RecordsCmd) -> Result<()> {
    match cmd {
        RecordsCmd::Check { file } => {
            let bytes = read_resource(&file)?;
            let (_, rt) = fhir::parse(&bytes)
                .map_err(|e| anyhow!("records.invalid_resource: {}: {e}", file.display()))?;
            print_json(&json!({"valid": true, "resource_type": rt}));
            Ok(())
        }
        RecordsCmd::Put {
            signer,
            agency,
            subject,
            file,
        } => put(&signer, &agency, &subject, &file).await,
        RecordsCmd::Grant {
            signer,
            subject,
            id,
            to_account,
            to_agency,
            purpose,
            types,
            days,
        } => {
            if !(1..=1830).contains(&days) {
                bail!("--days is 1..=1830");
            }
            let grantee = match (to_account, to_agency) {
                (Some(a), _) => json!({"account": account("to-account", &a)?}),
                (None, Some(g)) => json!({ "agency": g }),
                (None, None) => bail!("give --to-account or --to-agency"),
            };
            let mut args = json!({"id": id, "grantee": grantee, "purpose": purpose,
                "record_types": types, "expires_ms": publica_types::now_ms() + days * 86_400_000});
            if let Some(s) = subject {
                args["subject"] = json!(account("subject", &s)?);
            }
            submit(&signer, "grant", args).await
        }
        RecordsCmd::Revoke {
            signer,
            subject,
            id,
        } => {
            let mut args = json!({ "id": id });
            if let Some(s) = subject {
                args["subject"] = json!(account("subject", &s)?);
            }
            submit(&signer, "revoke", args).await
        }
        RecordsCmd::Guardian {
            signer,
            agency,
            subject,
            guardian,
            remove,
        } => {
            let args = json!({"agency": agency, "subject": account("subject", &subject)?,
                "guardian": account("guardian", &guardian)?, "active": !remove});
            submit(&signer, "set_guardian", args).await
        }
        RecordsCmd::Read {
            signer,
            record,
            purpose,
            agency,
            emergency,
            out,
        } => {
            let args = json!({"record": record_id(&record)?, "purpose": purpose,
                "agency": agency, "emergency": emergency});
            read(&signer, args, out).await
        }
        other => run_more(other).await,
    }
}

async fn run_more(cmd: RecordsCmd) -> Result<()> {
    match cmd {
        RecordsCmd::Review {
            signer,
            agency,
            access,
            unjustified,
            note,
        } => {
            let args = json!({"agency": agency, "access": access, "justified": !unjustified, "note": note});
            submit(&signer, "review", args).await
        }
        RecordsCmd::Erase { signer, record } => {
            submit(&signer, "erase", json!({"record": record_id(&record)?})).await
        }
        RecordsCmd::Hold {
            signer,
            agency,
            record,
            id,
            reason,
            lift,
        } => {
            let record = record_id(&record)?;
            if lift {
                let args = json!({"agency": agency, "record": record, "id": id});
                submit(&signer, "lift_hold", args).await
            } else {
                let args = json!({"agency": agency, "record": record, "id": id, "reason": reason});
                submit(&signer, "hold", args).await
            }
        }
        RecordsCmd::Transfer {
            signer,
            record,
            to,
            to_node,
        } => transfer(&signer, &record_id(&record)?, &to, to_node.as_deref()).await,
        RecordsCmd::Copy {
            record,
            from,
            to_node,
        } => {
            let copied = copy(&record_id(&record)?, &from, &to_node).await?;
            print_json(&copied);
            Ok(())
        }
        RecordsCmd::Log {
            account: a,
            log_key,
            node,
        } => log(&node, &account("account", &a)?, log_key.as_deref()).await,
        RecordsCmd::Emergencies {
            agency,
            overdue,
            node,
        } => {
            let c = Client::new(&node)?;
            let v = c
                .get_ok(&format!(
                    "/v1/records/agencies/{}/emergencies?overdue={overdue}&limit=200",
                    crate::client::checked_id("agency", &agency)?
                ))
                .await?;
            print_json(&v);
            Ok(())
        }
        _ => unreachable!("run handles the others"),
    }
}

fn read_resource(file: &std::path::Path) -> Result<Vec<u8>> {
    let meta = std::fs::metadata(file).with_context(|| format!("reading {}", file.display()))?;
    if meta.len() > fhir::RESOURCE_BYTES_MAX as u64 {
        bail!(
            "{} is larger than {} bytes",
            file.display(),
            fhir::RESOURCE_BYTES_MAX
        );
    }
    std::fs::read(file).with_context(|| format!("reading {}", file.display()))
}

/// Seals `file`, stores it and registers it.
async fn put(
    signer: &SignerArgs,
    agency: &str,
    subject: &str,
    file: &std::path::Path,
) -> Result<()> {
    let subject = account("subject", subject)?;
    let bytes = read_resource(file)?;
    let (_, rt) = fhir::parse(&bytes)
        .map_err(|e| anyhow!("records.invalid_resource: {}: {e}", file.display()))?;
    let session = Session::open(signer).await?;
    let key = session.client.get_ok("/v1/records/store").await?;
    let store_key: [u8; 32] = key["public_key"]
        .as_str()
        .and_then(|h| hex::decode(h).ok())
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| anyhow!("the node's record store key is malformed"))?;
    let dk = DataKey::generate();
    let ct = dk.encrypt(&bytes, &record_aad(&rt));
    let wrapped = dk
        .wrap_for(&store_key)
        .map_err(|e| anyhow!("the store's key: {e}"))?;
    let record = publica_store::blobs::id_of(&ct);
    let args = json!({"agency": agency, "record": record, "subject": subject,
        "record_type": rt, "size": ct.len()});
    let env = session
        .sign(
            "records",
            "register",
            args,
            Expiry::UnixMs(publica_types::now_ms() + REGISTER_EXPIRY_MS),
        )
        .await?;
    let body = json!({"tx": env, "wrapped_key": hex::encode(wrapped),
        "ciphertext": base64::engine::general_purpose::STANDARD.encode(&ct)});
    let (tx, receipt) = post_committed(&session, "/v1/records/store", &body).await?;
    print_json(
        &json!({"record": record, "record_type": rt, "size": ct.len(),
        "tx_id": tx, "block_height": receipt["block_height"]}),
    );
    Ok(())
}

/// Posts a transaction (alone, or with what the store keeps) to `path`,
/// waits for its receipt and requires its call to have succeeded: its id
/// and receipt, or the node's code and sentence.
pub(crate) async fn post_committed(
    session: &Session,
    path: &str,
    body: &Value,
) -> Result<(String, Value)> {
    let (s, v) = session.client.post(path, body).await?;
    if s != 202 {
        return Err(api_error(s, &v));
    }
    let tx = v["tx_id"].as_str().unwrap_or_default().to_string();
    let receipt = session.receipt(&tx).await?;
    if receipt["outcome"]["status"] != "ok" {
        let e = &receipt["outcome"]["error"];
        bail!(
            "{}: {}",
            e["code"].as_str().unwrap_or("?"),
            e["message"].as_str().unwrap_or("?")
        );
    }
    Ok((tx, receipt))
}

/// `records.transfer`; with `to_node`, naming that node's store and
/// handing the record over to it.
async fn transfer(
    signer: &SignerArgs,
    record: &str,
    to: &str,
    to_node: Option<&str>,
) -> Result<()> {
    let Some(to_node) = to_node else {
        return submit(signer, "transfer", json!({"record": record, "to": to})).await;
    };
    let key = Client::new(to_node)?.get_ok("/v1/records/store").await?;
    let store_key = key["public_key"]
        .as_str()
        .filter(|k| k.len() == 64 && hex::decode(k).is_ok())
        .ok_or_else(|| anyhow!("{to_node}: the record store key is malformed"))?;
    let session = Session::open(signer).await?;
    let env = session
        .sign(
            "records",
            "transfer",
            json!({"record": record, "to": to, "store_key": store_key}),
            Expiry::UnixMs(publica_types::now_ms() + REGISTER_EXPIRY_MS),
        )
        .await?;
    let (tx, receipt) = post_committed(&session, "/v1/transactions", &json!(env)).await?;
    let copied = copy(record, &signer.node, to_node)
        .await
        .with_context(|| format!("transferred in {tx}, but not yet handed over: run `publica records copy --record {record} --from {} --to-node {to_node}` within a day", signer.node))?;
    print_json(&json!({"record": record, "to": to, "tx_id": tx,
        "block_height": receipt["block_height"], "copied": copied}));
    Ok(())
}

/// Asks the old custodian's node for the data key wrapped for the store
/// the transfer named, and gives it to the new custodian's node with the
/// ciphertext; neither the key nor the plaintext is ever seen here.
async fn copy(record: &str, from: &str, to_node: &str) -> Result<Value> {
    let (s, handed) = Client::new(from)?
        .post("/v1/records/release", &json!({ "transfer": record }))
        .await?;
    if s != 200 {
        return Err(api_error(s, &handed));
    }
    if handed["record"] != record {
        bail!("records.tampered: {from} handed over another record than {record}");
    }
    let body = json!({"record": record, "ciphertext": handed["ciphertext"],
        "wrapped_key": handed["wrapped_key"]});
    let (s, kept) = Client::new(to_node)?
        .post("/v1/records/copy", &body)
        .await?;
    if s != 200 {
        return Err(api_error(s, &kept));
    }
    Ok(kept)
}

/// Logs an access, gets the wrapped key and decrypts.
async fn read(signer: &SignerArgs, mut args: Value, out: Option<PathBuf>) -> Result<()> {
    let session = Session::open(signer).await?;
    let (kp, _) = session.identity();
    let mine = SealKey::from_signing_seed(&kp.seed());
    args["reader_key"] = json!(hex::encode(mine.public()));
    let env = session
        .sign(
            "records",
            "access",
            args,
            Expiry::UnixMs(publica_types::now_ms() + REGISTER_EXPIRY_MS),
        )
        .await?;
    let (access, _) = post_committed(&session, "/v1/transactions", &json!(env)).await?;
    let logged = session
        .client
        .get_ok(&format!("/v1/records/access/{access}"))
        .await?;
    if logged["basis"]["kind"] == "refused" {
        bail!(
            "{}: {} (the attempt is on the patient's access log: {access})",
            logged["basis"]["code"].as_str().unwrap_or("?"),
            logged["basis"]["message"].as_str().unwrap_or("?")
        );
    }
    let (s, r) = session
        .client
        .post("/v1/records/release", &json!({ "access": access }))
        .await?;
    if s != 200 {
        return Err(api_error(s, &r));
    }
    let asked = (
        json!(access),
        logged["record"].clone(),
        json!(hex::encode(mine.public())),
    );
    if (
        r["access"].clone(),
        r["record"].clone(),
        r["reader_key"].clone(),
    ) != asked
    {
        bail!("records.tampered: the node released another access, record or key than the one asked for");
    }
    let plain = open_release(&mine, &r)?;
    match out {
        Some(path) => {
            std::fs::write(&path, &plain).with_context(|| format!("writing {}", path.display()))?;
            print_json(
                &json!({"access": access, "record": r["record"], "record_type": r["record_type"],
                "basis": logged["basis"]["kind"], "written": path.display().to_string()}),
            );
        }
        None => {
            let v: Value = serde_json::from_slice(&plain).context("the record is not JSON")?;
            print_json(&v);
        }
    }
    Ok(())
}

/// Checks a release against its commitment and opens it with `key`.
pub fn open_release(key: &SealKey, r: &Value) -> Result<Vec<u8>> {
    let ct = base64::engine::general_purpose::STANDARD
        .decode(r["ciphertext"].as_str().unwrap_or_default())
        .context("the release's ciphertext is not base64")?;
    let record = r["record"].as_str().unwrap_or_default();
    if publica_store::blobs::id_of(&ct) != record {
        bail!("records.tampered: the ciphertext does not match record {record}'s commitment");
    }
    let wrapped = hex::decode(r["wrapped_key"].as_str().unwrap_or_default())
        .context("the release's wrapped key is not hex")?;
    let dk = key
        .unwrap_key(&wrapped)
        .map_err(|e| anyhow!("records.tampered: the wrapped key: {e}"))?;
    let rt = r["record_type"].as_str().unwrap_or_default();
    dk.decrypt(&ct, &record_aad(rt))
        .map_err(|e| anyhow!("records.tampered: the ciphertext: {e}"))
}

/// Whether the event `ev` of a verified receipt is the log entry `e` of
/// patient `who`: the same access, record, reader, agency, ground and
/// code; the same erasure; the same guardian change.
fn entry_is(ev: &Value, e: &Value, who: &AccountId) -> bool {
    let d = &ev["data"];
    if ev["module"] != "records" || d["subject"] != json!(who) {
        return false;
    }
    let same = |k: &str| d[k] == e[k] || (d[k].is_null() && e[k].is_null());
    match ev["kind"].as_str() {
        Some("accessed") => ["access", "record", "reader", "agency", "basis", "code"]
            .iter()
            .all(|k| same(k)),
        Some("erased") => e["basis"] == "erased" && same("record"),
        Some("transferred") => {
            e["basis"] == "handover"
                && same("record")
                && same("store_key")
                && d["to"] == e["agency"]
        }
        Some("guardian_set") => {
            let change = if d["active"] == true {
                "guardian_appointed"
            } else {
                "guardian_removed"
            };
            e["basis"] == change && same("guardian") && same("agency")
        }
        _ => false,
    }
}

/// Prints a patient's access log; with a log key, verifies each entry's
/// receipt and that its event names this patient.
async fn log(node: &str, who: &AccountId, log_key: Option<&str>) -> Result<()> {
    let c = Client::new(node)?;
    let key = log_key.map(crate::verify::load_log_key).transpose()?;
    let mut entries = Vec::new();
    let mut from = 0u64;
    loop {
        let page = c
            .get_ok(&format!(
                "/v1/records/subjects/{who}/log?from={from}&limit=200"
            ))
            .await?;
        entries.extend(page["entries"].as_array().cloned().unwrap_or_default());
        match page["next"].as_u64() {
            Some(n) if n > from => from = n,
            _ => break,
        }
    }
    let mut verified = 0;
    if let Some(key) = &key {
        for e in &mut entries {
            let tx = e["tx_id"].as_str().unwrap_or_default().to_string();
            let receipt = c.get_ok(&format!("/v1/transactions/{tx}")).await?;
            let v = publica_runtime::receipt::verify_receipt(&receipt, key, None)
                .map_err(|err| anyhow!("log entry {tx}: the receipt does not verify: {err}"))?;
            if v.tx_id.to_hex() != tx {
                bail!("log entry {tx}: the node answered the receipt of another transaction");
            }
            // The verified receipt (not the node's index) says what the
            // entry shows.
            let events = receipt["outcome"]["events"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            if !events.iter().any(|ev| entry_is(ev, e, who)) {
                bail!("log entry {tx}: its verified receipt does not record what the entry shows: {e}");
            }
            e["verified"] = json!(true);
            verified += 1;
        }
    }
    print_json(&json!({"account": who, "entries": entries, "verified": verified}));
    Ok(())
}
