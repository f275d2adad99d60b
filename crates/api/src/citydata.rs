//! The city data store's routes (`docs/city-data.md`): a publisher
//! uploads a batch's content with its `citydata.publish` transaction, and
//! the node serves it — to anyone for open data, to the member of a
//! granted agency who recorded an access on the ledger otherwise — after
//! checking it against the hash the ledger holds.
//!
//! The store (`<data dir>/citydata/blobs/`) keeps each content under its
//! SHA-256, durably *before* the publishing transaction is submitted, so
//! the ledger never names a batch this node lacks; content whose
//! publication failed or expired uncommitted is removed at start, at the
//! first block and every minute.

use crate::error::{ApiError, ErrorBody};
use crate::server::AppState;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{ConnectInfo, Path as UrlPath, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use publica_energy::citydata::calls::{granted, PublishArgs};
use publica_energy::citydata::codes::CityDataRejection as R;
use publica_energy::citydata::model::{
    access_key, batch_key, content_key, dataset_key, download_bytes, Access, AccessRecord, Batch,
    DataSet, ACCESS_VALID_MS, BATCH_BYTES_MAX,
};
use publica_node::{Node, TxLookup};
use publica_runtime::Rejections;
use publica_store::blobs::{self, BlobStore, Blobs};
use publica_types::{Expiry, SignatureBytes, TxError};
use serde::{Deserialize, Serialize};

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

/// Longest a publication sent through the store may stay valid.
pub const PUBLISH_EXPIRY_MS_MAX: u64 = 10 * 60_000;
/// Largest upload body: the content in base64 and the transaction.
pub const UPLOAD_BODY_BYTES_MAX: usize = (BATCH_BYTES_MAX as usize) * 4 / 3 + 64 * 1024;
/// How far a download request's time may be from the node's (ms).
pub const DOWNLOAD_SKEW_MS: u64 = 5 * 60_000;

/// Publications of one content that may still be waiting for a block.
const PUBLICATIONS_MAX: usize = 16;

/// Bytes of content an agency may have waiting for its publications to
/// commit on this node (four of the largest batches).
pub const PENDING_BYTES_PER_AGENCY: u64 = 4 * BATCH_BYTES_MAX;

/// The store of published batches' content.
#[derive(Debug)]
pub struct DataStore {
    blobs: BlobStore,
    /// Held while a content's publications are read and written, and
    /// while the sweep decides on a content and deletes it.
    lock: std::sync::Mutex<()>,
    /// Content accepted since the node started whose publication has not
    /// committed yet, by agency: hash -> bytes. The sweep forgets what
    /// committed or was removed.
    pending: std::sync::Mutex<
        std::collections::HashMap<String, std::collections::BTreeMap<String, u64>>,
    >,
}

/// What the store keeps beside a content: the publications that named it
/// (the same content may be published twice, one of them failing).
#[derive(Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Meta {
    /// Each publication's transaction (hex) and expiry.
    publications: Vec<(String, Expiry)>,
}

/// Whether the publication `tx` (expiring at `expiry`) can still commit:
/// waiting for a block, or not seen and not expired. One in a block
/// whose content is not on the ledger failed.
fn live(node: &Node, tx: &str, expiry: Expiry) -> bool {
    let status = node.status();
    match tx.parse().ok().map(|t| node.lookup_tx(&t)) {
        Some(Ok(TxLookup::Pending)) => true,
        Some(Ok(TxLookup::Committed(_))) => false,
        _ => !expiry.has_passed(status.height + 1, status.time_ms),
    }
}

fn meta_of(blobs: &BlobStore, id: &str) -> Result<Option<Meta>, publica_store::StoreError> {
    Ok(Blobs::meta(blobs, id)?.and_then(|m| serde_json::from_slice::<Meta>(&m).ok()))
}

fn store_err(e: impl std::fmt::Display) -> ApiError {
    ApiError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        publica_types::codes::INTERNAL,
        format!("data store: {e}"),
    )
}

fn rejected(e: TxError) -> ApiError {
    ApiError::rejected::<R>(e)
}

fn read<T: serde::de::DeserializeOwned>(node: &Node, key: &[u8]) -> Option<T> {
    node.with_state(|s, _| s.get(key).map(|b| b.to_vec()))
        .and_then(|b| serde_json::from_slice(&b).ok())
}

impl DataStore {
    /// Opens the store in `<data_dir>/citydata/blobs`.
    pub fn open(data_dir: &Path) -> std::io::Result<DataStore> {
        let dir = data_dir.join("citydata").join("blobs");
        std::fs::create_dir_all(&dir)?;
        let (blobs, report) = BlobStore::open(&dir).map_err(std::io::Error::other)?;
        if report.temporaries + report.incomplete > 0 {
            tracing::warn!(
                temporaries = report.temporaries,
                incomplete = report.incomplete,
                "data store: removed what interrupted writes left"
            );
        }
        Ok(DataStore {
            blobs,
            lock: std::sync::Mutex::new(()),
            pending: std::sync::Mutex::default(),
        })
    }

    /// Removes content whose publication can no longer commit. Answers
    /// how many it removed.
    pub fn sweep(&self, node: &Node) -> Result<u64, publica_store::StoreError> {
        let mut removed = 0;
        for id in Blobs::ids(&self.blobs)? {
            let _held = self
                .lock
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            // On the ledger: kept for good. Otherwise kept while one of
            // the publications naming it can still commit.
            if node.with_state(|s, _| s.get(&content_key(&id)).is_some()) {
                continue;
            }
            let wanted = meta_of(&self.blobs, &id)?.is_some_and(|m| {
                m.publications
                    .iter()
                    .any(|(tx, expiry)| live(node, tx, *expiry))
            });
            if !wanted && Blobs::delete(&self.blobs, &id)? {
                removed += 1;
            }
        }
        // What committed, or is gone, no longer counts against a quota.
        let mut pending = self
            .pending
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        for contents in pending.values_mut() {
            contents.retain(|id, _| {
                Blobs::contains(&self.blobs, id).unwrap_or(false)
                    && node.with_state(|s, _| s.get(&content_key(id)).is_none())
            });
        }
        pending.retain(|_, contents| !contents.is_empty());
        Ok(removed)
    }

    /// Checks a batch's content against its signed `citydata.publish`
    /// transaction (hash, size, expiry within 10 minutes, signed by an
    /// oracle of the agency) and stores it durably. Answers its hash.
    pub fn accept(
        &self,
        node: &Node,
        env: &publica_types::Envelope,
        content: &[u8],
    ) -> Result<String, ApiError> {
        let bad = |m: String| rejected(R::InvalidField.err(m));
        let call = &env.body.call;
        if call.module != "citydata" || call.method != "publish" {
            return Err(bad("tx is a citydata.publish transaction".into()));
        }
        let args: PublishArgs = serde_json::from_value(call.args.clone())
            .map_err(|e| bad(format!("tx's arguments: {e}")))?;
        let hash = blobs::id_of(content);
        if hash != args.hash || args.bytes != content.len() as u64 {
            return Err(rejected(R::HashMismatch.err(format!(
                "the transaction names {} of {} bytes; the content is {hash} of {} bytes",
                args.hash,
                args.bytes,
                content.len()
            ))));
        }
        let latest = publica_types::now_ms() + PUBLISH_EXPIRY_MS_MAX;
        if !matches!(env.body.expiry, Expiry::UnixMs(t) if t <= latest) {
            return Err(bad(
                "a publication sent with its content expires (unix_ms) within 10 minutes".into(),
            ));
        }
        let signing = env
            .body
            .signing_bytes()
            .map_err(|e| bad(format!("tx: {e}")))?;
        let (key, oracle) = node.with_state(|s, _| {
            (
                publica_runtime::authz::current_key(s, &env.signer),
                publica_runtime::authz::has_role(
                    s,
                    &args.agency,
                    &env.signer,
                    publica_runtime::authz::Role::Oracle,
                ),
            )
        });
        if publica_crypto::verify(&key, &signing, &env.signature).is_err() {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                publica_types::codes::TX_BAD_SIGNATURE,
                "the publication's signature does not verify",
            ));
        }
        if !oracle {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                publica_types::codes::AUTH_UNAUTHORIZED,
                format!("{} holds no oracle role in '{}'", env.signer, args.agency),
            ));
        }
        let tx = publica_crypto::tx_id(&env.signer, &signing).to_hex();
        let _held = self
            .lock
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut meta = meta_of(&self.blobs, &hash)
            .map_err(store_err)?
            .unwrap_or_default();
        meta.publications
            .retain(|(t, expiry)| *t != tx && live(node, t, *expiry));
        if meta.publications.len() >= PUBLICATIONS_MAX {
            return Err(bad(format!(
                "{PUBLICATIONS_MAX} publications of this content are waiting for a block already"
            )));
        }
        meta.publications.push((tx, env.body.expiry));
        let meta = serde_json::to_vec(&meta).map_err(store_err)?;
        self.count_pending(
            (&args.agency, &hash, content.len() as u64),
            PENDING_BYTES_PER_AGENCY,
            |id| node.with_state(|s, _| s.get(&content_key(id)).is_some()),
        )?;
        Blobs::put(&self.blobs, &hash, content, &meta).map_err(store_err)?;
        Ok(hash)
    }

    /// Counts `bytes` of content `hash` against `agency`'s quota of
    /// content waiting for a block (what `on_ledger` says committed no
    /// longer counts); refused (`citydata.store_full`) past `quota`.
    fn count_pending(
        &self,
        (agency, hash, bytes): (&str, &str, u64),
        quota: u64,
        on_ledger: impl Fn(&str) -> bool,
    ) -> Result<(), ApiError> {
        let mut pending = self
            .pending
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let contents = pending.entry(agency.to_string()).or_default();
        if contents.contains_key(hash) {
            return Ok(());
        }
        contents.retain(|id, _| !on_ledger(id));
        let held: u64 = contents.values().sum();
        if held + bytes > quota {
            return Err(rejected(R::StoreFull.err(format!(
                "'{agency}' has {held} bytes waiting for their publications to commit on this node; {bytes} more would pass its quota of {quota}"
            ))));
        }
        contents.insert(hash.to_string(), bytes);
        Ok(())
    }

    /// Keeps `content` for a publication this process submits itself (the
    /// demo's seeding, before the API listens): the first sweep removes it
    /// unless the publication committed. Answers its hash.
    pub fn keep(&self, content: &[u8]) -> Result<String, publica_store::StoreError> {
        let hash = blobs::id_of(content);
        let meta = serde_json::to_vec(&Meta::default()).expect("the metadata is JSON");
        Blobs::put(&self.blobs, &hash, content, &meta)?;
        Ok(hash)
    }

    /// The content of `batch`, checked against its hash.
    fn content(&self, batch: &Batch, agency: &str) -> Result<Vec<u8>, ApiError> {
        let (bytes, _) = Blobs::get(&self.blobs, &batch.hash)
            .map_err(store_err)?
            .ok_or_else(|| {
                rejected(R::NotStored.err(format!(
                    "this node does not hold batch {}; '{agency}''s node serves it",
                    batch.hash
                )))
            })?;
        if blobs::id_of(&bytes) != batch.hash {
            return Err(rejected(R::HashMismatch.err(format!(
                "the stored content no longer matches {}: the operator must restore it",
                batch.hash
            ))));
        }
        Ok(bytes)
    }
}

/// Keeps the store in step with the ledger ([`crate::keeper`]).
pub fn spawn_keeper(
    store: Arc<DataStore>,
    node: Node,
    shutting_down: tokio::sync::watch::Receiver<bool>,
) {
    crate::keeper::spawn(
        "data store",
        node,
        shutting_down,
        move |n| store.sweep(n),
        |_| {},
    );
}

/// An upload.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Upload {
    /// The signed `citydata.publish` transaction.
    tx: Box<serde_json::value::RawValue>,
    /// The content, base64.
    content: String,
}

/// `POST /v1/data-store`: store a batch's content, then submit its
/// publication.
#[utoipa::path(post, path = "/v1/data-store", operation_id = "data_store_upload", tag = "citydata",
    request_body(content = Object, description = "`{tx, content}`: the signed `citydata.publish` envelope (expiring within 10 minutes) and the content in base64 (its SHA-256 and size are the transaction's `hash` and `bytes`)"),
    responses(
        (status = 202, description = "Stored durably and the publication admitted: `{tx_id, hash}`", body = Object),
        (status = 400, description = "Malformed upload, or the transaction refused at admission", body = ErrorBody),
        (status = 403, description = "Not signed by an oracle of the agency", body = ErrorBody),
        (status = 413, description = "Too large", body = ErrorBody),
        (status = 422, description = "The content is not what the transaction names (citydata.hash_mismatch)", body = ErrorBody),
        (status = 429, description = "The agency's content waiting for a block is at this node's quota (citydata.store_full)", body = ErrorBody),
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
    let content = base64::engine::general_purpose::STANDARD
        .decode(&up.content)
        .map_err(|_| rejected(R::InvalidField.err("content is base64")))?;
    let (store, node, e) = (state.citydata.clone(), state.node.clone(), env.clone());
    // Refused at admission: the next sweep removes the content unless
    // another publication of it commits.
    crate::keeper::store_then_submit(
        &state,
        env,
        "hash",
        move || store.accept(&node, &e, &content),
        |_| {},
    )
    .await
}

/// A restricted batch's download request, signed by the member who
/// recorded the access.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Download {
    /// The `citydata.access` transaction's id.
    access: String,
    /// The request's time (ms), within five minutes of the node's.
    time_ms: u64,
    /// The member's signature over `download_bytes(chain, access, time_ms)`.
    signature: SignatureBytes,
}

fn served(batch: &Batch, bytes: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, batch.media_type.clone()),
            (header::ETAG, format!("\"{}\"", batch.hash)),
            (
                header::HeaderName::from_static("x-content-sha256"),
                batch.hash.clone(),
            ),
        ],
        bytes,
    )
        .into_response()
}

/// The data set and batch a download names.
fn batch_of(
    node: &Node,
    agency: &str,
    dataset: &str,
    seq: u64,
) -> Result<(DataSet, Batch), ApiError> {
    let unknown = || {
        rejected(R::UnknownDataset.err(format!(
            "'{agency}' publishes no batch {seq} of '{dataset}'"
        )))
    };
    if !publica_energy::model::valid_id(agency) || !publica_energy::model::valid_id(dataset) {
        return Err(rejected(R::InvalidField.err("agency and data set are ids")));
    }
    let d: DataSet = read(node, &dataset_key(agency, dataset)).ok_or_else(unknown)?;
    let b: Batch = read(node, &batch_key(agency, dataset, seq)).ok_or_else(unknown)?;
    Ok((d, b))
}

/// `GET /v1/data-store/{agency}/{dataset}/{seq}`: an open batch's content.
#[utoipa::path(get, path = "/v1/data-store/{agency}/{dataset}/{seq}", operation_id = "data_store_open_content", tag = "citydata",
    params(("agency" = String, Path, description = "The publisher"), ("dataset" = String, Path, description = "The data set"), ("seq" = u64, Path, description = "The batch")),
    responses(
        (status = 200, description = "The content, in the batch's media type; `X-Content-SHA256` is the ledger's hash", content_type = "application/octet-stream"),
        (status = 403, description = "Not open data: record an access, then POST (citydata.bad_access)", body = ErrorBody),
        (status = 404, description = "No such batch, or this node does not hold it", body = ErrorBody),
    ))]
pub async fn open_content(
    State(state): State<AppState>,
    UrlPath((agency, dataset, seq)): UrlPath<(String, String, u64)>,
) -> Result<Response, ApiError> {
    let s = state.clone();
    tokio::task::spawn_blocking(move || {
        let (d, b) = batch_of(&s.node, &agency, &dataset, seq)?;
        if d.access != Access::Open {
            return Err(rejected(R::BadAccess.err(format!(
                "'{dataset}' is not open: record a citydata.access and POST the signed request"
            ))));
        }
        Ok(served(&b, s.citydata.content(&b, &agency)?))
    })
    .await
    .map_err(store_err)?
}

/// `POST /v1/data-store/{agency}/{dataset}/{seq}`: a restricted batch's
/// content, for the member who recorded an access to it.
#[utoipa::path(post, path = "/v1/data-store/{agency}/{dataset}/{seq}", operation_id = "data_store_restricted_content", tag = "citydata",
    params(("agency" = String, Path, description = "The publisher"), ("dataset" = String, Path, description = "The data set"), ("seq" = u64, Path, description = "The batch")),
    request_body(content = Object, description = "`{access, time_ms, signature}`: the committed `citydata.access` transaction's id, the request's time, and the signature of the access's signer over `publica citydata download v1\\n<chain>\\n<access>\\n<time_ms>\\n`"),
    responses(
        (status = 200, description = "The content, in the batch's media type", content_type = "application/octet-stream"),
        (status = 403, description = "No such access for this batch, too old, its grant gone, or not signed by its signer (citydata.bad_access, citydata.no_grant)", body = ErrorBody),
        (status = 404, description = "No such batch, or this node does not hold it", body = ErrorBody),
    ))]
pub async fn restricted_content(
    State(state): State<AppState>,
    UrlPath((agency, dataset, seq)): UrlPath<(String, String, u64)>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let bytes = crate::handlers::body_bytes(body)?;
    let req: Download = crate::handlers::parse_json(&bytes)?;
    let s = state.clone();
    tokio::task::spawn_blocking(move || {
        let (d, b) = batch_of(&s.node, &agency, &dataset, seq)?;
        let refuse = |m: &str| rejected(R::BadAccess.err(m.to_string()));
        let access = req.access.to_ascii_lowercase();
        if !blobs::valid_id(&access) {
            return Err(refuse("access is a transaction id, 64 hex digits"));
        }
        let rec: AccessRecord = read(&s.node, &access_key(&access))
            .ok_or_else(|| refuse("no committed citydata.access with this id"))?;
        if (rec.agency.as_str(), rec.dataset.as_str(), rec.batch)
            != (agency.as_str(), dataset.as_str(), seq)
        {
            return Err(refuse("the access is for another batch"));
        }
        let status = s.node.status();
        let now = publica_types::now_ms().max(status.time_ms);
        if now.saturating_sub(rec.at_ms) > ACCESS_VALID_MS {
            return Err(refuse("the access is older than an hour: record a new one"));
        }
        if req.time_ms.abs_diff(publica_types::now_ms()) > DOWNLOAD_SKEW_MS {
            return Err(refuse(
                "time_ms is more than five minutes from the node's clock",
            ));
        }
        let key = s
            .node
            .with_state(|st, _| publica_runtime::authz::current_key(st, &rec.by));
        let signed = download_bytes(&status.chain_id, &access, req.time_ms);
        if publica_crypto::verify(&key, &signed, &req.signature).is_err() {
            return Err(refuse("the request is not signed by the access's signer"));
        }
        let read_key = |k: &[u8]| s.node.with_state(|st, _| st.get(k).map(|b| b.to_vec()));
        if !granted(&read_key, &d, &rec.grantee, &rec.purpose, now) {
            return Err(rejected(R::NoGrant.err(format!(
                "'{}' no longer holds a grant of '{dataset}' for '{}'",
                rec.grantee, rec.purpose
            ))));
        }
        Ok(served(&b, s.citydata.content(&b, &agency)?))
    })
    .await
    .map_err(store_err)?
}

#[cfg(test)]
mod quota_tests {
    use super::DataStore;

    #[test]
    fn an_agencys_waiting_content_is_bounded_and_committed_content_frees_it() {
        let dir = tempfile::tempdir().unwrap();
        let store = DataStore::open(dir.path()).unwrap();
        let none = |_: &str| false;
        store.count_pending(("city", "a", 60), 100, none).unwrap();
        // The same content again counts once.
        store.count_pending(("city", "a", 60), 100, none).unwrap();
        let e = store
            .count_pending(("city", "b", 50), 100, none)
            .unwrap_err();
        assert_eq!(e.body.code, "citydata.store_full");
        // Another agency has its own quota.
        store.count_pending(("water", "b", 50), 100, none).unwrap();
        // Once "a" is on the ledger, it no longer counts.
        store
            .count_pending(("city", "b", 50), 100, |id| id == "a")
            .unwrap();
    }
}
