//! Check a receipt or a state answer: paste it (or, with JavaScript, pick
//! its file) and the browser verifies the proof and the checkpoint's
//! signature itself (`assets/check.js`, WebCrypto); without JavaScript, or
//! where the browser cannot, the server runs the same check as `publica
//! verify receipt` or `publica verify state` and says in plain words what
//! was proved and what was not. `?tx=<id>` fills in a transaction's
//! receipt, `?state=<key>` the state answer for a key (a balance, say).

use super::bad_request;
use crate::layout::{row, Page, Reader};
use crate::Portal;
use axum::extract::rejection::FormRejection;
use axum::extract::{Form, State};
use axum::http::StatusCode;
use axum::response::Response;
use maud::{html, Markup};
use publica_consensus::NetworkStatus;
use publica_log::NoteVerifier;
use publica_node::TxLookup;
use publica_runtime::receipt::{verify_receipt_with, ReceiptError, Trust, VerifiedReceipt};
use publica_runtime::state_answer::{verify_state_answer, StateAnswerError, VerifiedState};
use serde::Deserialize;

/// Largest receipt checked, in bytes (as `publica verify receipt`).
pub const RECEIPT_BYTES_MAX: usize = 1 << 20;
/// Largest form accepted: a receipt of the largest size, URL-encoded.
pub const FORM_BYTES_MAX: usize = 3 * RECEIPT_BYTES_MAX + 4096;

/// Messages the in-browser check shows, by its result code: the page
/// carries them in the reader's language.
const SCRIPT_MESSAGES: &[(&str, &str)] = &[
    ("verified", "check-verified"),
    ("not_json", "check-not-json"),
    ("malformed", "check-malformed"),
    ("bad_key", "check-bad-key"),
    ("no_signature", "check-no-signature"),
    ("bad_checkpoint_signature", "check-bad-checkpoint"),
    ("wrong_origin", "check-wrong-origin"),
    ("tree_size_mismatch", "check-tree-size"),
    ("bad_tx_signature", "check-bad-tx-signature"),
    ("wrong_leaf", "check-wrong-leaf"),
    ("proof_mismatch", "check-proof-mismatch"),
    ("not-proved-height", "check-not-proved-height"),
    ("checking", "check-checking"),
    ("proved", "check-proved"),
    ("not-proved", "check-not-proved"),
    ("origin", "check-origin"),
    ("tx", "col-transaction"),
    ("status", "col-status"),
    ("leaf", "tx-leaf"),
    ("failed", "check-failed"),
    ("by-browser", "check-by-browser"),
    ("too_large", "check-too-large"),
    ("detail", "check-detail"),
    ("no_checkpoint", "check-state-no-checkpoint"),
    ("state_root_mismatch", "check-state-root-mismatch"),
    ("state_proof_mismatch", "check-state-proof-mismatch"),
    ("state-key", "check-state-key"),
    ("state-block", "check-state-block"),
    ("state-value", "check-state-value"),
    ("state-absent", "check-state-absent"),
    ("state-not-proved", "check-state-not-proved"),
];

/// What a check proved.
enum Proved {
    Receipt(VerifiedReceipt),
    State(VerifiedState),
}

/// The form's fields.
#[derive(Debug, Default, Deserialize)]
pub struct CheckForm {
    /// The receipt's JSON text.
    #[serde(default)]
    receipt: String,
    /// A verifier key to check against instead of this node's.
    #[serde(default)]
    log_key: String,
}

/// `GET /check` (`?tx=<id>` fills in that transaction's receipt).
pub async fn form(
    State(portal): State<Portal>,
    reader: Reader,
    q: super::explorer::Params,
) -> Response {
    let mut prefill = String::new();
    if let Some(key) = super::explorer::param(&q, "state") {
        if key.is_empty()
            || key.len() > publica_types::limits::STATE_KEY_BYTES_MAX
            || !key.bytes().all(|b| b.is_ascii_graphic())
        {
            return bad_request(&portal, &reader, reader.lang.t("error-bad-state-key"));
        }
        let (ans, checkpoint) = portal
            .node
            .state_proof_checkpointed(key.as_bytes(), publica_node::query::STATE_FINAL_WAIT)
            .await;
        let answer = publica_runtime::state_answer::answer_json(key, &ans, checkpoint);
        prefill = serde_json::to_string_pretty(&answer).unwrap_or_default();
    } else if let Some(id) = super::explorer::param(&q, "tx") {
        let Ok(id) = id.parse() else {
            return bad_request(&portal, &reader, reader.lang.t("error-bad-tx-id"));
        };
        let node = portal.node.clone();
        if let Ok(Ok(TxLookup::Committed(r))) =
            tokio::task::spawn_blocking(move || node.lookup_tx(&id)).await
        {
            prefill = serde_json::to_string_pretty(&r).unwrap_or_default();
        }
    }
    render(
        &portal,
        &reader,
        &CheckForm {
            receipt: prefill,
            log_key: String::new(),
        },
        None,
        StatusCode::OK,
    )
}

/// `POST /check`: the server's check.
pub async fn submit(
    State(portal): State<Portal>,
    reader: Reader,
    form: Result<Form<CheckForm>, FormRejection>,
) -> Response {
    // Too large as a body or as the receipt in it: the same answer.
    let form = match super::posted(
        &portal,
        &reader,
        form,
        |f: &CheckForm| f.receipt.len(),
        RECEIPT_BYTES_MAX,
        "check-too-large",
    ) {
        Ok(f) => f,
        Err(page) => return *page,
    };
    let outcome = check(&portal, &form);
    let status = if outcome.is_ok() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    render(&portal, &reader, &form, Some(outcome), status)
}

/// Why the server's check failed: a message id and its detail.
struct Failure {
    code: &'static str,
    message: &'static str,
    detail: String,
}

fn failure(code: &'static str, message: &'static str, detail: impl ToString) -> Failure {
    Failure {
        code,
        message,
        detail: detail.to_string(),
    }
}

fn check(portal: &Portal, form: &CheckForm) -> Result<Proved, Failure> {
    let receipt: serde_json::Value = serde_json::from_str(form.receipt.trim())
        .map_err(|e| failure("receipt.not_json", "check-not-json", e))?;
    let is_state = receipt.get("state_root").is_some() && receipt.get("tx_id").is_none();
    let key_text = if form.log_key.trim().is_empty() {
        portal.node.verifier_key()
    } else {
        form.log_key.trim().to_string()
    };
    let network = portal.config.network.as_ref().map(|f| f());
    let set = match &network {
        Some(NetworkStatus::Validator(v)) if form.log_key.trim().is_empty() => {
            v.verifier_set.clone()
        }
        _ => None,
    };
    let key;
    let trust = match &set {
        Some(set) => Trust::Validators(set),
        None => {
            key = NoteVerifier::parse(&key_text)
                .map_err(|e| failure("receipt.bad_key", "check-bad-key", e))?;
            Trust::LogKey(&key)
        }
    };
    if is_state {
        return verify_state_answer(&receipt, trust, None)
            .map(Proved::State)
            .map_err(|e| {
                let (code, message) = match &e {
                    StateAnswerError::Malformed(_) => ("receipt.malformed", "check-malformed"),
                    StateAnswerError::Checkpoint(r) => receipt_failure(r),
                    StateAnswerError::NoCheckpoint | StateAnswerError::NoStateLine => {
                        ("state.no_checkpoint", "check-state-no-checkpoint")
                    }
                    StateAnswerError::WrongBlock { .. } | StateAnswerError::RootMismatch { .. } => {
                        ("state.root_mismatch", "check-state-root-mismatch")
                    }
                    StateAnswerError::Proof(_) => {
                        ("state.proof_mismatch", "check-state-proof-mismatch")
                    }
                };
                failure(code, message, e)
            });
    }
    verify_receipt_with(&receipt, trust, None)
        .map(Proved::Receipt)
        .map_err(|e| {
            let (code, message) = receipt_failure(&e);
            failure(code, message, e)
        })
}

/// The page's code and message of a receipt's (or a checkpoint's) failure.
fn receipt_failure(e: &ReceiptError) -> (&'static str, &'static str) {
    match e {
        ReceiptError::Malformed(_) => ("receipt.malformed", "check-malformed"),
        ReceiptError::Checkpoint(publica_log::CheckpointError::WrongOrigin { .. }) => {
            ("receipt.wrong_origin", "check-wrong-origin")
        }
        ReceiptError::Checkpoint(_) => ("receipt.bad_checkpoint", "check-bad-checkpoint"),
        ReceiptError::NotFinal(_) => ("receipt.not_final", "check-not-final"),
        ReceiptError::TreeSizeMismatch { .. } => ("receipt.tree_size_mismatch", "check-tree-size"),
        ReceiptError::BadTransactionSignature => {
            ("receipt.bad_tx_signature", "check-bad-tx-signature")
        }
        ReceiptError::WrongLeaf(_) => ("receipt.wrong_leaf", "check-wrong-leaf"),
        ReceiptError::ProofMismatch(_) => ("receipt.proof_mismatch", "check-proof-mismatch"),
    }
}

fn render(
    portal: &Portal,
    reader: &Reader,
    form: &CheckForm,
    outcome: Option<Result<Proved, Failure>>,
    status: StatusCode,
) -> Response {
    let lang = reader.lang;
    let node_key = portal.node.verifier_key();
    let network = matches!(
        portal.config.network.as_ref().map(|f| f()),
        Some(NetworkStatus::Validator(_))
    );
    let body = html! {
        p { (lang.t("check-intro")) }
        form id="receipt-check" method="post" action="/check" data-log-key=(node_key) data-network=[network.then_some("validators")] {
            p {
                label for="receipt" { (lang.t("check-paste")) }
                textarea id="receipt" name="receipt" rows="12" spellcheck="false" { (form.receipt) }
            }
            p {
                label for="receipt_file" { (lang.t("check-file")) }
                input id="receipt_file" name="receipt_file" type="file" accept="application/json,.json";
            }
            details {
                summary { (lang.t("check-other-key")) }
                p {
                    label for="log_key" { (lang.t("check-key-label")) }
                    input id="log_key" name="log_key" type="text" value=(form.log_key) placeholder=(node_key) size="60";
                }
            }
            p { button type="submit" { (lang.t("check-button")) } }
        }
        div id="check-result" aria-live="polite" data-checked-by=[outcome.as_ref().map(|_| "server")] {
            @match &outcome {
                Some(Ok(Proved::Receipt(v))) => (verified(reader, v)),
                Some(Ok(Proved::State(v))) => (verified_state(reader, v)),
                Some(Err(f)) => {
                    h2 class="failed" { (lang.t("check-failed")) }
                    p class="error" data-code=(f.code) { (lang.t(f.message)) }
                    details { summary { (lang.t("check-detail")) } pre { (f.detail) } }
                },
                None => {},
            }
        }
        div hidden id="check-messages" {
            @for (code, id) in SCRIPT_MESSAGES { span id={ "msg-" (code) } { (lang.t(id)) } }
        }
    };
    let mut page = Page::new(lang.t("check-title"), body);
    page.script = Some("/assets/check.js");
    page.status = status;
    if let Some(Err(f)) = &outcome {
        page.error_code = Some(f.code);
    }
    page.render(portal, reader)
}

fn verified(reader: &Reader, v: &VerifiedReceipt) -> Markup {
    let lang = reader.lang;
    html! {
        (proved_heading(lang))
        dl {
            (row(&lang.t("check-origin"), html! { code { (v.origin) } }))
            (row(&lang.t("col-transaction"), html! { a href={ "/explorer/transactions/" (v.tx_id.to_hex()) } { code { (v.tx_id.to_hex()) } } }))
            (row(&lang.t("col-status"), html! { (super::explorer::status_text(lang, v.status)) }))
            (row(&lang.t("tx-leaf"), html! { (lang.int(v.leaf_index)) " / " (lang.int(v.tree_size)) }))
        }
        h3 { (lang.t("check-not-proved")) }
        p { (lang.t("check-not-proved-height")) }
    }
}

fn verified_state(reader: &Reader, v: &VerifiedState) -> Markup {
    let lang = reader.lang;
    let value = v.value.as_deref().map(|b| {
        serde_json::from_slice::<serde_json::Value>(b)
            .ok()
            .and_then(|j| serde_json::to_string_pretty(&j).ok())
            .unwrap_or_else(|| String::from_utf8_lossy(b).into_owned())
    });
    html! {
        (proved_heading(lang))
        dl {
            (row(&lang.t("check-origin"), html! { code { (v.origin) } }))
            (row(&lang.t("check-state-block"), html! { a href={ "/explorer/blocks/" (v.height) } { (lang.int(v.height)) } }))
            (row(&lang.t("check-state-key"), html! { code { (v.key) } }))
            (row(&lang.t("check-state-value"), html! {
                @match &value {
                    Some(text) => pre { (text) },
                    None => (lang.t("check-state-absent")),
                }
            }))
        }
        h3 { (lang.t("check-not-proved")) }
        p { (lang.t("check-state-not-proved")) }
    }
}

/// The heading of a check the server verified.
fn proved_heading(lang: crate::i18n::Lang) -> Markup {
    html! {
        h2 class="verified" { (lang.t("check-verified")) }
        p { (lang.t("check-by-server")) }
        h3 { (lang.t("check-proved")) }
    }
}
