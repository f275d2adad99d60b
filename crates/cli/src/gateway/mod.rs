//! `publica g2p serve`: G2P Connect's disbursement API (v1.0.0) and its
//! financial-address mapper, served for one agency beside its node.
//!
//! Trust model (docs/g2p.md): a registered sender (a social registry, a
//! payment platform) signs each message with its Ed25519 key; the gateway
//! holds the key of one accountable official of the agency and signs every
//! payout with it, so each payout on the ledger names that official and is
//! bounded by the program's rules (enrolment, amount, period, budget,
//! conditions, suspensions) exactly as if the official had run
//! `publica programs disburse`. Validators never hold an official's key.
//! Callbacks go only to the URL registered for the sender, never to one a
//! message names.

mod book;

use crate::bulk::Session;
use anyhow::{anyhow, bail, Context, Result};
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use book::{Book, Txn};
use clap::Args;
use publica_crypto::Keypair;
use publica_programs::g2p_signature as signature;
use publica_programs::{disburse, period};
use publica_types::AccountId;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

/// Largest request body: 16 MiB (10,000 disbursements fit).
const BODY_BYTES_MAX: usize = 16 << 20;
/// Most senders a gateway serves.
const SENDERS_MAX: usize = 1_000;
/// Most items in one mapper request.
const MAPPER_ITEMS_MAX: usize = 1_000;
/// How long the gateway's own signatures are valid.
const CALLBACK_VALID_S: u64 = 600;

/// `publica g2p serve` arguments.
#[derive(Args, Debug)]
pub struct ServeArgs {
    #[command(flatten)]
    signer: crate::bulk::SignerArgs,
    /// The agency the official pays for.
    #[arg(long)]
    agency: String,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8710")]
    listen: SocketAddr,
    /// The gateway's records: mapper links, answers, message ids.
    #[arg(long)]
    data_dir: PathBuf,
    /// The registered senders (JSON, docs/g2p.md).
    #[arg(long)]
    senders: PathBuf,
    /// The gateway's own sender_id in its answers.
    #[arg(long, default_value = "publica")]
    id: String,
}

/// A registered sender: its key and where its callbacks go.
#[derive(Debug, Clone)]
struct Sender {
    key: AccountId,
    callback_url: String,
}

struct Gateway {
    kp: Keypair,
    signer: AccountId,
    node: String,
    agency: String,
    id: String,
    senders: BTreeMap<String, Sender>,
    book: Mutex<Book>,
    /// One disbursement transaction at a time: one signer, one nonce line.
    paying: tokio::sync::Mutex<()>,
    http: reqwest::Client,
}

type Shared = Arc<Gateway>;

fn now_s() -> u64 {
    publica_types::now_ms() / 1000
}

fn now_ts() -> String {
    period::timestamp(publica_types::now_ms())
}

/// Reads the senders file: `{"senders": [{"id", "public_key", "callback_url"}]}`.
fn read_senders(path: &std::path::Path) -> Result<BTreeMap<String, Sender>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let v: Value =
        serde_json::from_str(&text).with_context(|| format!("{} is not JSON", path.display()))?;
    let list = v["senders"]
        .as_array()
        .filter(|l| (1..=SENDERS_MAX).contains(&l.len()))
        .ok_or_else(|| {
            anyhow!(
                "{}: \"senders\" must list 1..={SENDERS_MAX} senders",
                path.display()
            )
        })?;
    let mut out = BTreeMap::new();
    for (i, s) in list.iter().enumerate() {
        let at = format!("{} sender {}", path.display(), i + 1);
        let id = s["id"]
            .as_str()
            .filter(|x| signature::valid_sender_id(x))
            .ok_or_else(|| anyhow!("{at}: id must be 1..=99 of letters, digits and ._:@-"))?;
        let key: AccountId = s["public_key"]
            .as_str()
            .and_then(|k| k.parse().ok())
            .ok_or_else(|| anyhow!("{at}: public_key must be 64 hex characters (Ed25519)"))?;
        let url = s["callback_url"]
            .as_str()
            .filter(|u| u.starts_with("http://") || u.starts_with("https://"))
            .ok_or_else(|| anyhow!("{at}: callback_url must be an http(s) URL"))?;
        let sender = Sender {
            key,
            callback_url: url.trim_end_matches('/').to_string(),
        };
        if out.insert(id.to_string(), sender).is_some() {
            bail!("{at}: sender '{id}' is listed twice");
        }
    }
    Ok(out)
}

/// Runs the gateway until interrupted.
pub async fn serve(a: ServeArgs) -> Result<()> {
    crate::programs::agency_id(&a.agency)?;
    if !signature::valid_sender_id(&a.id) {
        bail!("--id is 1..=99 of letters, digits and ._:@-");
    }
    let senders = read_senders(&a.senders)?;
    let book = Book::open(&a.data_dir, now_s())?;
    let session = Session::open(&a.signer).await?;
    let (kp, signer) = session.identity();
    let gw = Arc::new(Gateway {
        kp: Keypair::from_seed(kp.seed()),
        signer,
        node: a.signer.node.clone(),
        agency: a.agency,
        id: a.id,
        senders,
        book: Mutex::new(book),
        paying: tokio::sync::Mutex::new(()),
        http: reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(10))
            .build()?,
    });
    let listener = tokio::net::TcpListener::bind(a.listen)
        .await
        .with_context(|| format!("listening on {}", a.listen))?;
    let addr = listener.local_addr()?;
    // The line a supervisor (or a test) waits for.
    println!(
        "g2p gateway listening on http://{addr} for agency {}",
        gw.agency
    );
    tracing::info!(%addr, "g2p gateway started");
    axum::serve(listener, router(gw))
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}

fn router(gw: Shared) -> Router {
    Router::new()
        .route("/disburse", post(disburse_async))
        .route("/disburse/sync/disburse", post(disburse_sync))
        .route("/disburse/txn/status", post(status_async))
        .route("/disburse/sync/txn/status", post(status_sync))
        .route(
            "/mapper/link",
            post(|s: State<Shared>, b: Json<Value>| mapper_async(s, b, Op::Link)),
        )
        .route(
            "/mapper/unlink",
            post(|s: State<Shared>, b: Json<Value>| mapper_async(s, b, Op::Unlink)),
        )
        .route(
            "/mapper/resolve",
            post(|s: State<Shared>, b: Json<Value>| mapper_async(s, b, Op::Resolve)),
        )
        .route(
            "/mapper/sync/link",
            post(|s: State<Shared>, b: Json<Value>| mapper_sync(s, b, Op::Link)),
        )
        .route(
            "/mapper/sync/unlink",
            post(|s: State<Shared>, b: Json<Value>| mapper_sync(s, b, Op::Unlink)),
        )
        .route(
            "/mapper/sync/resolve",
            post(|s: State<Shared>, b: Json<Value>| mapper_sync(s, b, Op::Resolve)),
        )
        .layer(DefaultBodyLimit::max(BODY_BYTES_MAX))
        .with_state(gw)
}

/// A refusal of the whole message: HTTP status and the standard's
/// acknowledgement with `ack_status` ERR.
struct Refusal(StatusCode, &'static str, String);

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let Refusal(status, code, message) = self;
        let body = json!({"message": {
            "ack_status": "ERR", "timestamp": now_ts(), "correlation_id": "none",
            "error": {"code": code, "message": message},
        }});
        (status, Json(body)).into_response()
    }
}

fn bad(why: impl Into<String>) -> Refusal {
    Refusal(StatusCode::BAD_REQUEST, "err.request.bad", why.into())
}

/// An authenticated message: who sent it and its correlation id.
struct Admitted {
    sender: String,
    correlation_id: String,
}

impl Gateway {
    /// Checks the body's shape, its sender's signature, and that its
    /// message id is new; takes the id.
    fn admit(&self, body: &Value, action: Option<&str>) -> Result<Admitted, Refusal> {
        let h = &body["header"];
        let text = |k: &str| h[k].as_str().filter(|t| !t.is_empty() && t.len() <= 99);
        let (Some(sender), Some(message_id)) = (text("sender_id"), text("message_id")) else {
            return Err(bad(
                "header.sender_id and header.message_id (1..=99 characters) are required",
            ));
        };
        if !body["message"].is_object() {
            return Err(Refusal(
                StatusCode::BAD_REQUEST,
                "err.encryption.invalid",
                "message must be a plain JSON object: encrypted messages are not supported".into(),
            ));
        }
        signature::verify(
            body,
            sender,
            |s| self.senders.get(s).map(|x| x.key),
            now_s(),
        )
        .map_err(|(code, why)| {
            let status = if code == "err.sender_id.invalid" {
                StatusCode::FORBIDDEN
            } else {
                StatusCode::UNAUTHORIZED
            };
            Refusal(status, code, why)
        })?;
        if let Some(a) = action.filter(|a| h["action"].as_str() != Some(*a)) {
            return Err(bad(format!("header.action must be \"{a}\"")));
        }
        if !h["message_ts"].as_str().is_some_and(disburse::rfc3339) {
            return Err(bad("header.message_ts must be an RFC 3339 date-time"));
        }
        // A verified signature has these; expiry bounds how long the id is kept.
        let expires = body["signature"]
            .as_str()
            .and_then(|s| s.split("expires=\"").nth(1))
            .and_then(|s| s.split('"').next())
            .and_then(|s| s.parse().ok())
            .unwrap_or(u64::MAX);
        let mut book = self.book.lock().expect("book lock");
        match book.take_message(sender, message_id, expires) {
            Ok(true) => {}
            Ok(false) => {
                return Err(Refusal(
                    StatusCode::CONFLICT,
                    "err.request.bad",
                    format!(
                        "rjct.message_id.duplicate: message '{message_id}' was received before"
                    ),
                ))
            }
            Err(e) => return Err(unavailable(&e)),
        }
        let digest = publica_crypto::sha256(format!("{sender}\n{message_id}").as_bytes());
        Ok(Admitted {
            sender: sender.to_string(),
            correlation_id: hex::encode(&digest.0[..16]),
        })
    }

    /// `header` + `message` with the gateway's signature, as sent to `to`.
    fn signed(&self, action: &str, to: &str, message: Value, total: usize) -> Value {
        let header = json!({
            "version": "1.0.0", "message_id": hex::encode(publica_crypto::sha256(
                format!("{}\n{action}\n{to}\n{}", self.id, publica_types::now_ms()).as_bytes()).0),
            "message_ts": now_ts(), "action": action, "status": "succ",
            "sender_id": self.id, "receiver_id": to,
            "total_count": total, "completed_count": total,
        });
        let sig = signature::sign(
            &self.kp,
            &self.id,
            &header,
            &message,
            now_s(),
            CALLBACK_VALID_S,
        );
        json!({"signature": sig, "header": header, "message": message})
    }

    /// Posts `body` to the sender's registered URL + `path`, trying three
    /// times; the answer stays available through the status endpoints.
    async fn call_back(&self, sender: &str, path: &str, body: Value) {
        let Some(s) = self.senders.get(sender) else {
            return;
        };
        let url = format!("{}{path}", s.callback_url);
        for attempt in 0..3u32 {
            match self.http.post(&url).json(&body).send().await {
                Ok(r) if r.status().is_success() => return,
                Ok(r) => tracing::warn!(%url, status = %r.status(), "g2p callback refused"),
                Err(e) => tracing::warn!(%url, error = %e, "g2p callback failed"),
            }
            tokio::time::sleep(std::time::Duration::from_secs(1 << attempt)).await;
        }
        tracing::warn!(%url, "g2p callback given up after three attempts");
    }

    /// Carries out a disburse message (admitted as `a`): its
    /// `on-disburse` message.
    async fn pay(&self, a: &Admitted, g2p: &disburse::Request) -> Result<Value, Refusal> {
        let _one = self.paying.lock().await;
        let session =
            Session::connect(Keypair::from_seed(self.kp.seed()), self.signer, &self.node).await;
        let session = match session {
            Ok(x) => x.quiet(),
            Err(e) => {
                let mut book = self.book.lock().expect("book lock");
                book.forget_txn(&a.sender, &g2p.transaction_id);
                return Err(unavailable(&e));
            }
        };
        let mapped = |fa: &str| self.book.lock().expect("book lock").resolve(fa);
        let answers = crate::programs::carry_out(&session, &self.agency, g2p, None, &mapped).await;
        let answers = answers.map_err(|e| {
            // Not carried out: the sender may send it again.
            let mut book = self.book.lock().expect("book lock");
            book.forget_txn(&a.sender, &g2p.transaction_id);
            unavailable(&e)
        })?;
        let message = crate::programs::on_disburse(g2p, &self.id, answers)["message"].take();
        let txn = Txn {
            correlation_id: a.correlation_id.clone(),
            message: message.clone(),
        };
        self.book
            .lock()
            .expect("book lock")
            .finish_txn(&a.sender, &g2p.transaction_id, &txn)
            .map_err(|e| unavailable(&e))?;
        Ok(message)
    }

    /// Reads a disburse message and notes its transaction as running.
    fn start(&self, a: &Admitted, body: &Value) -> Result<disburse::Request, Refusal> {
        let g2p = disburse::request(body).map_err(bad)?;
        let mut book = self.book.lock().expect("book lock");
        if book.txn(&a.sender, &g2p.transaction_id).is_some() {
            return Err(Refusal(
                StatusCode::CONFLICT,
                "err.request.bad",
                format!(
                    "transaction_id '{}' was used before: ask its status at /disburse/txn/status",
                    g2p.transaction_id
                ),
            ));
        }
        let pending: Vec<Value> = g2p
            .disbursements
            .iter()
            .map(|d| json!({"reference_id": d["reference_id"].as_str().unwrap_or_default(), "timestamp": now_ts(), "status": "pdng"}))
            .collect();
        let txn = Txn {
            correlation_id: a.correlation_id.clone(),
            message: json!({"transaction_id": g2p.transaction_id, "disbursements_status": pending}),
        };
        book.start_txn(&a.sender, &g2p.transaction_id, txn);
        Ok(g2p)
    }

    /// The `TxnStatusResponse` for a status request of `a.sender`.
    fn status(&self, a: &Admitted, body: &Value) -> Result<Value, Refusal> {
        let m = &body["message"];
        let q = &m["txnstatus_request"];
        if q["txn_type"] != "disburse" || q["attribute_type"] != "transaction_id" {
            return Err(bad(
                "txnstatus_request must ask txn_type \"disburse\" by attribute_type \"transaction_id\"",
            ));
        }
        let tid = q["attribute_value"]
            .as_str()
            .ok_or_else(|| bad("txnstatus_request.attribute_value must be a transaction_id"))?;
        let book = self.book.lock().expect("book lock");
        let txn = book.txn(&a.sender, tid).ok_or_else(|| {
            Refusal(
                StatusCode::NOT_FOUND,
                "err.request.not_found",
                format!("this sender sent no disbursement transaction '{tid}'"),
            )
        })?;
        Ok(json!({
            "transaction_id": m["transaction_id"].as_str().unwrap_or(tid),
            "correlation_id": txn.correlation_id,
            "txnstatus_response": {"txn_type": "on-disburse", "txn_status": txn.message},
        }))
    }

    /// Answers a mapper message: its response message and item count.
    fn map(&self, op: Op, body: &Value) -> Result<(Value, usize), Refusal> {
        let m = &body["message"];
        let list = op.list();
        let items = m[list]
            .as_array()
            .filter(|l| (1..=MAPPER_ITEMS_MAX).contains(&l.len()))
            .ok_or_else(|| {
                bad(format!(
                    "message.{list} must list 1..={MAPPER_ITEMS_MAX} items"
                ))
            })?;
        let tid = m["transaction_id"]
            .as_str()
            .filter(|t| !t.is_empty() && t.len() <= 99)
            .ok_or_else(|| bad("message.transaction_id (1..=99 characters) is required"))?;
        let mut book = self.book.lock().expect("book lock");
        let mut seen = std::collections::BTreeSet::new();
        let mut out = Vec::with_capacity(items.len());
        for item in items {
            let reference = item["reference_id"].as_str().unwrap_or_default();
            let mut answer = json!({"reference_id": reference, "timestamp": now_ts()});
            let outcome = if reference.is_empty() || reference.len() > 99 {
                Err((
                    "rjct.reference_id.invalid",
                    "reference_id must be 1..=99 characters".to_string(),
                ))
            } else if !seen.insert(reference) {
                Err((
                    "rjct.reference_id.duplicate",
                    "reference_id appears twice in the request".to_string(),
                ))
            } else if !item["timestamp"].as_str().is_some_and(disburse::rfc3339) {
                Err((
                    "rjct.timestamp.invalid",
                    "timestamp must be an RFC 3339 date-time".to_string(),
                ))
            } else {
                op.apply(&mut book, item, &mut answer).map_err(|e| match e {
                    Fail::Item(code, why) => (code, why),
                    Fail::Store(e) => (
                        "rjct.unknown.retry",
                        format!("the gateway could not record it: {e}"),
                    ),
                })
            };
            match outcome {
                Ok(code) => {
                    answer["status"] = json!("succ");
                    if let Some(c) = code {
                        answer["status_reason_code"] = json!(c);
                    }
                }
                Err((code, why)) => {
                    answer["status"] = json!("rjct");
                    answer["status_reason_code"] = json!(code);
                    answer["status_reason_message"] = json!(why);
                }
            }
            out.push(answer);
        }
        let n = out.len();
        Ok((
            json!({"transaction_id": tid, "correlation_id": "", op.answer_list(): out}),
            n,
        ))
    }
}

fn unavailable(e: &anyhow::Error) -> Refusal {
    tracing::warn!(error = %e, "g2p gateway cannot reach its node or records");
    Refusal(
        StatusCode::SERVICE_UNAVAILABLE,
        "err.service.unavailable",
        format!("the gateway cannot carry this out now: {e}"),
    )
}

fn ack(correlation_id: &str) -> Response {
    Json(json!({"message": {"ack_status": "ACK", "timestamp": now_ts(), "correlation_id": correlation_id}}))
        .into_response()
}

async fn disburse_async(State(gw): State<Shared>, Json(body): Json<Value>) -> Response {
    let run = || -> Result<(Admitted, disburse::Request), Refusal> {
        let a = gw.admit(&body, Some("disburse"))?;
        let g2p = gw.start(&a, &body)?;
        Ok((a, g2p))
    };
    let (a, g2p) = match run() {
        Ok(x) => x,
        Err(r) => return r.into_response(),
    };
    let cid = a.correlation_id.clone();
    let gw2 = gw.clone();
    tokio::spawn(async move {
        match gw2.pay(&a, &g2p).await {
            Ok(message) => {
                let n = message["disbursements_status"]
                    .as_array()
                    .map_or(0, Vec::len);
                let body = gw2.signed("on-disburse", &a.sender, message, n);
                gw2.call_back(&a.sender, "/on-disburse", body).await;
            }
            Err(Refusal(_, code, why)) => {
                tracing::warn!(code, %why, transaction = %g2p.transaction_id, "g2p disbursement not carried out");
            }
        }
    });
    ack(&cid)
}

async fn disburse_sync(State(gw): State<Shared>, Json(body): Json<Value>) -> Response {
    let a = match gw.admit(&body, Some("disburse")) {
        Ok(a) => a,
        Err(r) => return r.into_response(),
    };
    let g2p = match gw.start(&a, &body) {
        Ok(g) => g,
        Err(r) => return r.into_response(),
    };
    match gw.pay(&a, &g2p).await {
        Ok(message) => {
            let n = message["disbursements_status"]
                .as_array()
                .map_or(0, Vec::len);
            Json(gw.signed("on-disburse", &a.sender, message, n)).into_response()
        }
        Err(r) => r.into_response(),
    }
}

async fn status_async(State(gw): State<Shared>, Json(body): Json<Value>) -> Response {
    let answered = gw
        .admit(&body, None)
        .and_then(|a| gw.status(&a, &body).map(|m| (a, m)));
    match answered {
        Ok((a, message)) => {
            let body = gw.signed("on-disburse", &a.sender, message, 1);
            let gw2 = gw.clone();
            let (sender, cid) = (a.sender, a.correlation_id);
            tokio::spawn(async move {
                gw2.call_back(&sender, "/disburse/txn/on-status", body)
                    .await;
            });
            ack(&cid)
        }
        Err(r) => r.into_response(),
    }
}

async fn status_sync(State(gw): State<Shared>, Json(body): Json<Value>) -> Response {
    match gw
        .admit(&body, None)
        .and_then(|a| gw.status(&a, &body).map(|m| (a, m)))
    {
        Ok((a, message)) => Json(gw.signed("on-disburse", &a.sender, message, 1)).into_response(),
        Err(r) => r.into_response(),
    }
}

async fn mapper_async(State(gw): State<Shared>, Json(body): Json<Value>, op: Op) -> Response {
    match gw
        .admit(&body, Some(op.action()))
        .and_then(|a| gw.map(op, &body).map(|m| (a, m)))
    {
        Ok((a, (mut message, n))) => {
            message["correlation_id"] = json!(a.correlation_id);
            let body = gw.signed(op.on_action(), &a.sender, message, n);
            let gw2 = gw.clone();
            let (sender, cid) = (a.sender, a.correlation_id);
            let path = format!("/mapper/{}", op.on_action());
            tokio::spawn(async move { gw2.call_back(&sender, &path, body).await });
            ack(&cid)
        }
        Err(r) => r.into_response(),
    }
}

async fn mapper_sync(State(gw): State<Shared>, Json(body): Json<Value>, op: Op) -> Response {
    match gw
        .admit(&body, Some(op.action()))
        .and_then(|a| gw.map(op, &body).map(|m| (a, m)))
    {
        Ok((a, (mut message, n))) => {
            message["correlation_id"] = json!(a.correlation_id);
            Json(gw.signed(op.on_action(), &a.sender, message, n)).into_response()
        }
        Err(r) => r.into_response(),
    }
}

/// The mapper's operations.
#[derive(Debug, Clone, Copy)]
enum Op {
    Link,
    Unlink,
    Resolve,
}

/// Why one mapper item failed.
enum Fail {
    Item(&'static str, String),
    Store(anyhow::Error),
}

/// A person ID as the standard writes it: `type:value@provider`-like,
/// 3..=128 characters of letters, digits and `.:_-`, one `@`.
fn valid_id(id: &str) -> bool {
    let ok = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b".:_-".contains(&b))
    };
    (3..=128).contains(&id.len()) && id.split_once('@').is_some_and(|(a, b)| ok(a) && ok(b))
}

/// A ledger account as a financial address: `publica:account:<hex>`.
fn account_fa(fa: &str) -> bool {
    fa.strip_prefix("publica:account:")
        .is_some_and(|a| a.parse::<AccountId>().is_ok())
}

impl Op {
    fn action(self) -> &'static str {
        match self {
            Op::Link => "link",
            Op::Unlink => "unlink",
            Op::Resolve => "resolve",
        }
    }
    fn on_action(self) -> &'static str {
        match self {
            Op::Link => "on-link",
            Op::Unlink => "on-unlink",
            Op::Resolve => "on-resolve",
        }
    }
    fn list(self) -> &'static str {
        match self {
            Op::Link => "link_request",
            Op::Unlink => "unlink_request",
            Op::Resolve => "resolve_request",
        }
    }
    fn answer_list(self) -> &'static str {
        match self {
            Op::Link => "link_response",
            Op::Unlink => "unlink_response",
            Op::Resolve => "resolve_response",
        }
    }

    /// Carries out one item: the reason code a success carries, if any.
    fn apply(
        self,
        book: &mut Book,
        item: &Value,
        answer: &mut Value,
    ) -> Result<Option<&'static str>, Fail> {
        let id = item["id"].as_str();
        let fa = item["fa"].as_str();
        let id_ok = || {
            id.filter(|i| valid_id(i)).ok_or_else(|| {
                Fail::Item(
                    "rjct.id.invalid",
                    "id must be a person ID such as token:12345@nid (3..=128 characters)".into(),
                )
            })
        };
        match self {
            Op::Link => {
                let id = id_ok()?;
                let fa = fa.filter(|f| account_fa(f)).ok_or_else(|| {
                    Fail::Item(
                        "rjct.fa.invalid",
                        "fa must be a ledger account: publica:account:<64 hex characters>".into(),
                    )
                })?;
                if book.resolve(id).is_some() {
                    return Err(Fail::Item(
                        "rjct.id.invalid",
                        "this id is linked already: unlink it first".into(),
                    ));
                }
                book.link(id, fa).map_err(Fail::Store)?;
                answer["fa"] = json!(fa);
                Ok(None)
            }
            Op::Unlink => {
                let id = id_ok()?;
                answer["id"] = json!(id);
                match book.unlink(id) {
                    Ok(true) => Ok(None),
                    Ok(false) => Err(Fail::Item(
                        "rjct.id.invalid",
                        "this id is not linked".into(),
                    )),
                    Err(e) => Err(Fail::Store(e)),
                }
            }
            Op::Resolve => {
                let details = match item["scope"].as_str() {
                    None | Some("yes_no") => false,
                    Some("details") => true,
                    Some(_) => {
                        return Err(Fail::Item(
                            "rjct.resolve_type.not_supported",
                            "scope must be yes_no or details".into(),
                        ))
                    }
                };
                if id.is_some() {
                    let id = id_ok()?;
                    answer["id"] = json!(id);
                    let linked = book.resolve(id);
                    return Ok(Some(match (linked, fa) {
                        (None, _) => "succ.id.not_found",
                        (Some(l), Some(f)) if !l.eq_ignore_ascii_case(f) => {
                            "succ.fa.not_linked_to_id"
                        }
                        (Some(l), _) => {
                            if details {
                                answer["fa"] = json!(l);
                                answer["account_provider_info"] =
                                    json!({"name": "Publica ledger", "code": "publica"});
                            }
                            "succ.fa.active"
                        }
                    }));
                }
                match fa {
                    Some(f) if account_fa(f) => {
                        answer["fa"] = json!(f);
                        Ok(Some("succ.fa.active"))
                    }
                    Some(_) => Ok(Some("succ.fa.not_found")),
                    None => Err(Fail::Item(
                        "rjct.fa.invalid",
                        "give an id, an fa, or both".into(),
                    )),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn person_ids_and_account_addresses_are_checked() {
        for good in ["token:12345@nid", "vid:54321@nid", "id:1@civil-reg.gov"] {
            assert!(valid_id(good), "{good}");
        }
        for bad in [
            "",
            "12345",
            "@nid",
            "a@",
            "a b@nid",
            "a@b@c",
            &"x".repeat(200),
        ] {
            assert!(!valid_id(bad), "{bad}");
        }
        assert!(account_fa(&format!("publica:account:{}", "ab".repeat(32))));
        assert!(!account_fa("publica:account:xyz"));
        assert!(!account_fa("iban:DE00"));
    }

    #[test]
    fn the_senders_file_is_checked() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("s.json");
        let key = "ab".repeat(32);
        std::fs::write(&p, format!(r#"{{"senders":[{{"id":"reg","public_key":"{key}","callback_url":"http://127.0.0.1:9/"}}]}}"#)).unwrap();
        let s = read_senders(&p).unwrap();
        assert_eq!(s["reg"].callback_url, "http://127.0.0.1:9");
        for (body, says) in [
            (r#"{"senders":[]}"#.to_string(), "1..="),
            (
                r#"{"senders":[{"id":"reg","public_key":"zz","callback_url":"http://x"}]}"#
                    .to_string(),
                "public_key",
            ),
            (
                format!(
                    r#"{{"senders":[{{"id":"reg","public_key":"{key}","callback_url":"file:///etc"}}]}}"#
                ),
                "callback_url",
            ),
            (
                format!(
                    r#"{{"senders":[{{"id":"reg","public_key":"{key}","callback_url":"http://x"}},{{"id":"reg","public_key":"{key}","callback_url":"http://x"}}]}}"#
                ),
                "twice",
            ),
        ] {
            std::fs::write(&p, body).unwrap();
            let e = read_senders(&p).unwrap_err().to_string();
            assert!(e.contains(says), "{e}");
        }
    }
}
