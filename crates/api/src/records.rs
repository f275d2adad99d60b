//! The record store's routes (`docs/health.md`): a custodian uploads a
//! record's ciphertext with its `records.register` transaction, and a
//! reader whose access the ledger let through gets the record's data key
//! wrapped for the key the access names.
//!
//! The store (`<data dir>/records/`) keeps each ciphertext under its
//! commitment with the data key wrapped for the store's own X25519 key
//! (`<data dir>/records/store.key`, created on first start). A ciphertext
//! is durably stored *before* its registration is submitted, so the
//! ledger never names a record this store lacks; a ciphertext whose
//! registration failed, or expired uncommitted by the chain's clock, is
//! removed (at start, at the first block, and every minute), and an erased
//! record's ciphertext is removed as soon as the erasure commits.

use crate::error::{ApiError, ErrorBody};
use crate::object_store::{S3Config, S3Store};
use crate::server::AppState;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{ConnectInfo, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Json;
use base64::Engine as _;
use publica_crypto::seal::{DataKey, SealKey};
use publica_node::{Node, TxLookup};
use publica_records::codes::{self, RecordsRejection as R};
use publica_records::lifecycle::RegisterArgs;
use publica_records::model::{Record, Status, RECORD_BYTES_MAX};
use publica_records::queries;
use publica_runtime::Rejections;
use publica_store::blobs::{self, BlobStore, Blobs};
use publica_types::{Expiry, TxError};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

/// Longest a registration sent through the store may stay valid: its
/// ciphertext is removed once it expires uncommitted.
pub const REGISTER_EXPIRY_MS_MAX: u64 = 10 * 60_000;

/// Largest upload body: the ciphertext in base64 and the transaction.
pub const UPLOAD_BODY_BYTES_MAX: usize = (RECORD_BYTES_MAX as usize) * 4 / 3 + 64 * 1024;

/// The record store and the key that opens its wrapped data keys.
pub struct RecordStore {
    blobs: Box<dyn Blobs>,
    key: SealKey,
}

impl std::fmt::Debug for RecordStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RecordStore({:?})", self.key)
    }
}

/// What the store keeps beside a ciphertext.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Meta {
    /// The data key wrapped for the store's key (hex).
    wrapped: String,
    /// The registration's transaction (hex); none for a copy taken after
    /// a transfer (the record is on the ledger already).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    tx_id: Option<String>,
    /// When the registration expires.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    expiry: Option<Expiry>,
    /// The FHIR type.
    record_type: String,
}

fn store_err(e: impl std::fmt::Display) -> ApiError {
    ApiError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        publica_types::codes::INTERNAL,
        format!("record store: {e}"),
    )
}

fn rejected(e: TxError) -> ApiError {
    ApiError::rejected::<R>(e)
}

impl RecordStore {
    /// Opens the store in `<data_dir>/records`, creating its key on first
    /// start; the ciphertexts are kept there too, or in the object store
    /// `s3` names.
    pub fn open(data_dir: &Path, s3: Option<&S3Config>) -> std::io::Result<RecordStore> {
        let dir = data_dir.join("records");
        std::fs::create_dir_all(&dir)?;
        let key_path = dir.join("store.key");
        let key = match std::fs::read_to_string(&key_path) {
            Ok(text) => {
                let bytes = hex::decode(text.trim())
                    .ok()
                    .and_then(|b| <[u8; 32]>::try_from(b).ok())
                    .ok_or_else(|| {
                        std::io::Error::other(format!("{} is not a store key", key_path.display()))
                    })?;
                SealKey::from_bytes(bytes)
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let key = SealKey::generate();
                write_secret(&key_path, &hex::encode(key.to_bytes()))?;
                key
            }
            Err(e) => return Err(e),
        };
        let (blobs, report): (Box<dyn Blobs>, _) = match s3 {
            Some(config) => {
                let (store, report) = S3Store::open(config.clone())
                    .map_err(|e| std::io::Error::other(e.to_string()))?;
                tracing::info!(bucket = %config.bucket_url, prefix = %config.prefix, kept = report.kept, "record store: ciphertexts in an object store");
                (Box::new(store), report)
            }
            None => {
                let (store, report) =
                    BlobStore::open(&dir.join("blobs")).map_err(std::io::Error::other)?;
                (Box::new(store), report)
            }
        };
        if report.temporaries + report.incomplete > 0 {
            tracing::warn!(
                temporaries = report.temporaries,
                incomplete = report.incomplete,
                "record store: removed what interrupted writes left"
            );
        }
        Ok(RecordStore { blobs, key })
    }

    /// The store's public key, for custodians to wrap data keys for.
    pub fn public_key(&self) -> [u8; 32] {
        self.key.public()
    }

    /// Removes ciphertexts no longer wanted: of erased records, and of
    /// registrations that failed, or expired without committing. Answers
    /// how many it removed.
    pub fn sweep(&self, node: &Node) -> Result<u64, publica_store::StoreError> {
        let mut removed = 0;
        // The chain's own clock, not the wall's: a node behind the network
        // judges expiry by the blocks it has, so it never sweeps a
        // registration its peers may still have committed.
        let status = node.status();
        let now = status.time_ms;
        for id in self.blobs.ids()? {
            let on_ledger = node.with_state(|s, _| queries::record(s, &id));
            let unwanted = match on_ledger {
                Some(r) => r.status == Status::Erased,
                None => self.orphan(node, &id, status.height, now)?,
            };
            if unwanted && self.blobs.delete(&id)? {
                removed += 1;
            }
        }
        Ok(removed)
    }

    /// A ciphertext whose registration can no longer commit.
    fn orphan(
        &self,
        node: &Node,
        id: &str,
        height: u64,
        now: u64,
    ) -> Result<bool, publica_store::StoreError> {
        let Some(meta) = self.blobs.meta(id)? else {
            return Ok(false);
        };
        let Ok(meta) = serde_json::from_slice::<Meta>(&meta) else {
            return Ok(true);
        };
        let tx = meta.tx_id.and_then(|t| t.parse().ok());
        Ok(match tx.map(|t| node.lookup_tx(&t)) {
            // Committed since the record was looked up, or failed: the
            // ledger decides.
            Some(Ok(TxLookup::Committed(_))) => {
                node.with_state(|s, _| queries::record(s, id)).is_none()
            }
            Some(Ok(TxLookup::Pending)) => false,
            _ => meta.expiry.is_none_or(|e| e.has_passed(height + 1, now)),
        })
    }

    /// Whether the registration the stored metadata of `id` names is
    /// waiting for a block or in one.
    fn registration_live(&self, node: &Node, id: &str) -> bool {
        let meta = self
            .blobs
            .meta(id)
            .ok()
            .flatten()
            .and_then(|m| serde_json::from_slice::<Meta>(&m).ok());
        meta.and_then(|m| m.tx_id?.parse().ok()).is_some_and(|t| {
            matches!(
                node.lookup_tx(&t),
                Ok(TxLookup::Pending | TxLookup::Committed(_))
            )
        })
    }

    /// Deletes the ciphertexts of records a block erased.
    fn on_block(&self, block: &publica_types::Block) {
        let erased = block
            .outcomes
            .iter()
            .flat_map(|o| &o.events)
            .filter(|e| e.module == "records" && e.kind == "erased")
            .filter_map(|e| e.data["record"].as_str());
        for id in erased {
            match self.blobs.delete(id) {
                Ok(true) => tracing::info!(record = id, "record store: erased ciphertext deleted"),
                Ok(false) => {}
                Err(e) => tracing::error!(record = id, error = %e, "record store: cannot delete"),
            }
        }
    }
}

fn write_secret(path: &Path, text: &str) -> std::io::Result<()> {
    publica_crypto::write_secret_new(path, text.as_bytes())
}

/// Keeps the store in step with the ledger ([`crate::keeper`]): sweeps,
/// and erasures deleted as blocks commit.
pub fn spawn_keeper(
    store: Arc<RecordStore>,
    node: Node,
    shutting_down: tokio::sync::watch::Receiver<bool>,
) {
    let on_block = store.clone();
    crate::keeper::spawn(
        "record store",
        node,
        shutting_down,
        move |n| store.sweep(n),
        move |b| on_block.on_block(b),
    );
}

/// `GET /v1/records/store`: the store's key.
#[utoipa::path(get, path = "/v1/records/store", tag = "records",
    responses((status = 200, description = "`{public_key}`: the X25519 key (hex) custodians wrap data keys for", body = Object)))]
pub async fn store_key(State(state): State<AppState>) -> Json<Value> {
    Json(json!({ "public_key": hex::encode(state.records.public_key()) }))
}

/// An upload.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Upload {
    /// The signed `records.register` transaction.
    tx: Box<serde_json::value::RawValue>,
    /// The ciphertext, base64.
    ciphertext: String,
    /// The data key wrapped for the store's key, hex.
    wrapped_key: String,
}

fn bad(code: &str, message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, code, message)
}

impl RecordStore {
    /// Checks a sealed record against its `records.register` transaction
    /// (the commitment is the ciphertext's SHA-256, the size its length,
    /// the expiry within 10 minutes, the wrapped key opens with this
    /// store's key, the record not on the ledger yet) and stores the
    /// ciphertext durably. Answers the record's id. The caller submits the
    /// transaction next, and deletes the record if it is refused.
    pub fn accept(
        &self,
        node: &Node,
        env: &publica_types::Envelope,
        ct: &[u8],
        wrapped_key: &str,
    ) -> Result<String, ApiError> {
        let call = &env.body.call;
        if call.module != "records" || call.method != "register" {
            return Err(bad(
                codes::INVALID_FIELD,
                "tx is a records.register transaction",
            ));
        }
        let args: RegisterArgs = serde_json::from_value(call.args.clone())
            .map_err(|e| bad(codes::INVALID_FIELD, format!("tx's arguments: {e}")))?;
        if ct.is_empty() || ct.len() as u64 > RECORD_BYTES_MAX {
            return Err(bad(
                codes::INVALID_FIELD,
                format!("a ciphertext is 1..={RECORD_BYTES_MAX} bytes"),
            ));
        }
        let id = blobs::id_of(ct);
        if id != args.record || args.size != ct.len() as u64 {
            return Err(bad(
                codes::INVALID_FIELD,
                format!(
                    "the transaction names record {} of {} bytes; the ciphertext is {id} of {} bytes",
                    args.record,
                    args.size,
                    ct.len()
                ),
            ));
        }
        let latest = publica_types::now_ms() + REGISTER_EXPIRY_MS_MAX;
        if !matches!(env.body.expiry, Expiry::UnixMs(t) if t <= latest) {
            return Err(bad(
                codes::INVALID_FIELD,
                "a registration sent with its ciphertext expires (unix_ms) within 10 minutes",
            ));
        }
        let wrapped = hex::decode(wrapped_key)
            .map_err(|_| bad(codes::INVALID_FIELD, "wrapped_key is hex"))?;
        if self.key.unwrap_key(&wrapped).is_err() {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                codes::TAMPERED,
                "wrapped_key does not open with this store's key (GET /v1/records/store)",
            ));
        }
        let signing = env
            .body
            .signing_bytes()
            .map_err(|e| bad(codes::INVALID_FIELD, format!("tx: {e}")))?;
        // Who sent it, before anything is written: a valid signature of a
        // custodian of the agency (admission checks it again, with the
        // nonce).
        let (key, custodian) = node.with_state(|s, _| {
            (
                publica_runtime::authz::current_key(s, &env.signer),
                publica_runtime::authz::has_role(
                    s,
                    &args.agency,
                    &env.signer,
                    publica_runtime::authz::Role::Custodian,
                ),
            )
        });
        if publica_crypto::verify(&key, &signing, &env.signature).is_err() {
            return Err(bad(
                publica_types::codes::TX_BAD_SIGNATURE,
                "the registration's signature does not verify",
            ));
        }
        if !custodian {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                publica_types::codes::AUTH_UNAUTHORIZED,
                format!(
                    "{} holds no custodian role in '{}'",
                    env.signer, args.agency
                ),
            ));
        }
        if node.with_state(|s, _| queries::record(s, &id)).is_some()
            || (self.blobs.contains(&id).map_err(store_err)? && self.registration_live(node, &id))
        {
            return Err(rejected(R::RecordExists.err(format!(
                "record {id} is registered, or its registration is waiting for a block"
            ))));
        }
        let meta = Meta {
            wrapped: wrapped_key.to_ascii_lowercase(),
            tx_id: Some(publica_crypto::tx_id(&env.signer, &signing).to_hex()),
            expiry: Some(env.body.expiry),
            record_type: args.record_type,
        };
        let meta = serde_json::to_vec(&meta).map_err(store_err)?;
        self.blobs.put(&id, ct, &meta).map_err(store_err)?;
        Ok(id)
    }

    /// Takes the ciphertext of a record transferred to a custodian whose
    /// node this is: the ledger's last transfer of it names this store's
    /// key, the ciphertext is the committed one, and the data key wrapped
    /// for this store opens it. Answers whether it was not held before.
    pub fn adopt(
        &self,
        node: &Node,
        id: &str,
        ct: &[u8],
        wrapped_key: &str,
    ) -> Result<bool, ApiError> {
        let now = publica_types::now_ms().max(node.status().time_ms);
        let (record, key) = node
            .with_state(|s, _| queries::handover(s, id, now))
            .map_err(rejected)?;
        if key != self.public_key() {
            return Err(rejected(R::NoHandover.err(format!(
                "record {id}'s last transfer hands its key to another store than this node's"
            ))));
        }
        if blobs::id_of(ct) != record.id || ct.len() as u64 != record.size {
            return Err(rejected(R::Tampered.err(format!(
                "the ciphertext is not record {id}'s ({} bytes committed)",
                record.size
            ))));
        }
        let opened = hex::decode(wrapped_key)
            .ok()
            .and_then(|w| self.key.unwrap_key(&w).ok())
            .and_then(|dk| {
                dk.decrypt(ct, &publica_records::model::record_aad(&record.record_type))
                    .ok()
            });
        if opened.is_none() {
            return Err(rejected(R::Tampered.err(
                "wrapped_key does not open with this store's key, or does not open the ciphertext",
            )));
        }
        if self.blobs.contains(id).map_err(store_err)? {
            return Ok(false);
        }
        let meta = Meta {
            wrapped: wrapped_key.to_ascii_lowercase(),
            tx_id: None,
            expiry: None,
            record_type: record.record_type,
        };
        let meta = serde_json::to_vec(&meta).map_err(store_err)?;
        self.blobs.put(id, ct, &meta).map_err(store_err)?;
        tracing::info!(record = id, custodian = %record.custodian, "record store: took a transferred record");
        Ok(true)
    }

    /// Forgets a record whose registration was refused, unless the
    /// registration it names is live after all (the same upload sent twice
    /// at once: the copy is refused, the first is pending).
    pub fn forget(&self, node: &Node, id: &str) {
        if self.registration_live(node, id) {
            return;
        }
        if let Err(e) = self.blobs.delete(id) {
            tracing::error!(record = id, error = %e, "record store: cannot delete");
        }
    }
}

/// `POST /v1/records/store`: store a ciphertext, then submit its
/// registration.
#[utoipa::path(post, path = "/v1/records/store", tag = "records",
    request_body(content = Object, description = "`{tx, ciphertext, wrapped_key}`: the signed `records.register` envelope (expiring within 10 minutes), the ciphertext in base64 (its SHA-256 is the record id), the data key wrapped for the store's key (hex)"),
    responses(
        (status = 202, description = "Stored durably and the registration admitted: `{tx_id, record}`", body = Object),
        (status = 400, description = "Malformed upload, or the transaction refused at admission", body = ErrorBody),
        (status = 409, description = "The record is registered already (records.record_exists)", body = ErrorBody),
        (status = 413, description = "Too large", body = ErrorBody),
        (status = 422, description = "The wrapped key is not for this store (records.tampered)", body = ErrorBody),
    ))]
pub async fn upload(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let bytes = crate::handlers::body_bytes(body)?;
    crate::handlers::charge_txs(&state, client, 1)?;
    let up: Upload = crate::handlers::parse_json(&bytes)?;
    let env = publica_types::tx::parse_envelope_raw(&up.tx)?;
    let ct = base64::engine::general_purpose::STANDARD
        .decode(&up.ciphertext)
        .map_err(|_| bad(codes::INVALID_FIELD, "ciphertext is base64"))?;
    let (store, node, e) = (state.records.clone(), state.node.clone(), env.clone());
    let (again, node_again) = (store.clone(), node.clone());
    crate::keeper::store_then_submit(
        &state,
        env,
        "record",
        move || store.accept(&node, &e, &ct, &up.wrapped_key),
        move |id| again.forget(&node_again, &id),
    )
    .await
}

/// A key release request: for a logged access, or for the store a
/// transfer named.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReleaseRequest {
    /// The access (its transaction's id).
    #[serde(default)]
    access: Option<String>,
    /// The record whose last transfer named the new custodian's store.
    #[serde(default)]
    transfer: Option<String>,
}

/// The stored ciphertext of `record` and its data key, opened with the
/// store's key.
fn stored(state: &AppState, record: &Record) -> Result<(Vec<u8>, DataKey), ApiError> {
    let (ct, meta) = state
        .records
        .blobs
        .get(&record.id)
        .map_err(store_err)?
        .ok_or_else(|| {
            rejected(R::NotStored.err(format!(
                "this node does not hold record {}; its custodian '{}' does",
                record.id, record.custodian
            )))
        })?;
    let corrupt =
        |what: &str| rejected(R::StoreCorrupt.err(format!("record {}: {what}", record.id)));
    if blobs::id_of(&ct) != record.id {
        return Err(corrupt("the ciphertext no longer matches its commitment"));
    }
    let meta: Meta = serde_json::from_slice(&meta).map_err(|_| corrupt("unreadable metadata"))?;
    let data_key = hex::decode(&meta.wrapped)
        .ok()
        .and_then(|w| state.records.key.unwrap_key(&w).ok())
        .ok_or_else(|| corrupt("the wrapped key does not open with the store's key"))?;
    Ok((ct, data_key))
}

/// Checks the access against the ledger now, opens the data key with the
/// store's key and wraps it for the reader's.
pub fn release(state: &AppState, access: &str) -> Result<Value, ApiError> {
    let now = publica_types::now_ms().max(state.node.status().time_ms);
    let ok = state
        .node
        .with_state(|s, height| queries::releasable(s, access, height, now))
        .map_err(rejected)?;
    let (ct, data_key) = stored(state, &ok.record)?;
    let reader: [u8; 32] = hex::decode(&ok.access.reader_key)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| {
            rejected(R::StoreCorrupt.err(format!("access {}: its reader key", ok.access.id)))
        })?;
    let wrapped = data_key
        .wrap_for(&reader)
        .map_err(|e| rejected(R::InvalidField.err(e.to_string())))?;
    Ok(json!({
        "access": ok.access.id,
        "record": ok.record.id,
        "record_type": ok.record.record_type,
        "reader_key": ok.access.reader_key,
        "wrapped_key": hex::encode(wrapped),
        "ciphertext": base64::engine::general_purpose::STANDARD.encode(&ct),
    }))
}

/// Hands a transferred record's data key over to the store its last
/// transfer named (wrapped for that store's key alone), with the
/// ciphertext, for the new custodian's node to take
/// (`POST /v1/records/copy`).
pub fn handover(state: &AppState, record: &str) -> Result<Value, ApiError> {
    let now = publica_types::now_ms().max(state.node.status().time_ms);
    let (record, store_key) = state
        .node
        .with_state(|s, _| queries::handover(s, record, now))
        .map_err(rejected)?;
    let (ct, data_key) = stored(state, &record)?;
    let wrapped = data_key
        .wrap_for(&store_key)
        .map_err(|e| rejected(R::InvalidField.err(format!("the transfer's store key: {e}"))))?;
    Ok(json!({
        "transfer": record.id,
        "record": record.id,
        "record_type": record.record_type,
        "custodian": record.custodian,
        "store_key": hex::encode(store_key),
        "wrapped_key": hex::encode(wrapped),
        "ciphertext": base64::engine::general_purpose::STANDARD.encode(&ct),
    }))
}

/// `POST /v1/records/release`: the data key of an access the ledger let
/// through, wrapped for the reader's key, with the ciphertext.
#[utoipa::path(post, path = "/v1/records/release", tag = "records",
    request_body(content = Object, description = "`{access}`: the id of the reader's committed `records.access` transaction; or `{transfer}`: a record whose last transfer (within a day) named the new custodian's store key"),
    responses(
        (status = 200, description = "`{access, record, record_type, reader_key, wrapped_key, ciphertext}` (`KeyRelease`), or for a transfer `{transfer, record, record_type, custodian, store_key, wrapped_key, ciphertext}` (`KeyHandover`)", body = Object),
        (status = 403, description = "Refused when logged, stale, or its consent revoked or expired since", body = ErrorBody),
        (status = 404, description = "No such access, or this node does not hold the record", body = ErrorBody),
        (status = 410, description = "The record was erased (records.erased)", body = ErrorBody),
    ))]
pub async fn release_key(
    State(state): State<AppState>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, ApiError> {
    let bytes = crate::handlers::body_bytes(body)?;
    let req: ReleaseRequest = crate::handlers::parse_json(&bytes)?;
    let (access, record) = match (req.access, req.transfer) {
        (Some(a), None) => (a, None),
        (None, Some(r)) => (String::new(), Some(r.to_ascii_lowercase())),
        _ => {
            return Err(bad(
                codes::INVALID_FIELD,
                "a release names an access or a transferred record (transfer), one of them",
            ))
        }
    };
    if let Some(record) = record {
        if !blobs::valid_id(&record) {
            return Err(bad(
                codes::INVALID_FIELD,
                "transfer is a record id, 64 hex digits",
            ));
        }
        let s = state.clone();
        return tokio::task::spawn_blocking(move || handover(&s, &record))
            .await
            .map_err(store_err)?
            .map(Json);
    }
    if !blobs::valid_id(&access.to_ascii_lowercase()) {
        return Err(bad(
            codes::INVALID_FIELD,
            "access is a transaction id, 64 hex digits",
        ));
    }
    let s = state.clone();
    tokio::task::spawn_blocking(move || release(&s, &access))
        .await
        .map_err(store_err)?
        .map(Json)
}

/// A transferred record's ciphertext for the new custodian's node.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Copy {
    /// The record.
    record: String,
    /// The ciphertext, base64.
    ciphertext: String,
    /// The data key wrapped for this store's key (hex), as the old
    /// custodian's node handed it over.
    wrapped_key: String,
}

/// `POST /v1/records/copy`: this node's store takes a record transferred
/// to a custodian whose node this is.
#[utoipa::path(post, path = "/v1/records/copy", tag = "records", operation_id = "copy_transferred_record",
    request_body(content = Object, description = "`{record, ciphertext, wrapped_key}`: what the old custodian's node handed over (`POST /v1/records/release {transfer}` there)"),
    responses(
        (status = 200, description = "`{record, custodian, stored}`: kept (`stored` false when this store held it already)", body = Object),
        (status = 400, description = "Malformed", body = ErrorBody),
        (status = 404, description = "No such record, or its last transfer named no store key or is over a day old (records.no_handover)", body = ErrorBody),
        (status = 410, description = "The record was erased (records.erased)", body = ErrorBody),
        (status = 413, description = "Too large", body = ErrorBody),
        (status = 422, description = "Not the committed ciphertext, or the key does not open it (records.tampered)", body = ErrorBody),
    ))]
pub async fn copy(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, ApiError> {
    let bytes = crate::handlers::body_bytes(body)?;
    crate::handlers::charge_txs(&state, client, 1)?;
    let c: Copy = crate::handlers::parse_json(&bytes)?;
    let id = c.record.to_ascii_lowercase();
    if !blobs::valid_id(&id) {
        return Err(bad(
            codes::INVALID_FIELD,
            "record is a record id, 64 hex digits",
        ));
    }
    let ct = base64::engine::general_purpose::STANDARD
        .decode(&c.ciphertext)
        .map_err(|_| bad(codes::INVALID_FIELD, "ciphertext is base64"))?;
    let (store, node, at) = (state.records.clone(), state.node.clone(), id.clone());
    let stored = tokio::task::spawn_blocking(move || store.adopt(&node, &at, &ct, &c.wrapped_key))
        .await
        .map_err(store_err)??;
    let custodian = state
        .node
        .with_state(|s, _| queries::record(s, &id))
        .map(|r| r.custodian)
        .unwrap_or_default();
    Ok(Json(
        json!({"record": id, "custodian": custodian, "stored": stored}),
    ))
}
