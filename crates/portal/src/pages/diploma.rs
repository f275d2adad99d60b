//! Check a diploma (or any credential the ledger's institutions issue):
//! paste it, and the server checks it against the ledger as `POST
//! /v1/credentials/verify` does, then says in plain words what holds and
//! what does not. Nothing is stored or written.

use super::problem;
use crate::layout::{Page, Reader};
use crate::Portal;
use axum::extract::rejection::FormRejection;
use axum::extract::{Form, State};
use axum::http::StatusCode;
use axum::response::Response;
use maud::html;
use publica_credentials::verify::{self, Report};
use serde::Deserialize;

/// Largest credential checked, in bytes.
pub const CREDENTIAL_BYTES_MAX: usize = 64 * 1024;
/// Largest form accepted: a credential of the largest size, URL-encoded.
pub const FORM_BYTES_MAX: usize = 3 * CREDENTIAL_BYTES_MAX + 1024;
/// The accrediting agency the form names unless the reader changes it.
pub const DEFAULT_ACCREDITOR: &str = "education";

/// The form's fields.
#[derive(Debug, Default, Deserialize)]
pub struct DiplomaForm {
    /// The credential's JSON text.
    #[serde(default)]
    credential: String,
    /// The accrediting agency trusted.
    #[serde(default)]
    accreditor: String,
}

/// `GET /credentials/check`.
pub async fn form(State(portal): State<Portal>, reader: Reader) -> Response {
    let form = DiplomaForm {
        credential: String::new(),
        accreditor: DEFAULT_ACCREDITOR.into(),
    };
    render(&portal, &reader, &form, None, StatusCode::OK)
}

/// `POST /credentials/check`: the server's check.
pub async fn submit(
    State(portal): State<Portal>,
    reader: Reader,
    form: Result<Form<DiplomaForm>, FormRejection>,
) -> Response {
    let lang = reader.lang;
    let form = match super::posted(
        &portal,
        &reader,
        form,
        |f: &DiplomaForm| f.credential.len(),
        CREDENTIAL_BYTES_MAX,
        "diploma-too-large",
    ) {
        Ok(f) => f,
        Err(page) => return *page,
    };
    let accreditor = form.accreditor.trim();
    if !publica_credentials::model::valid_id(accreditor) {
        return problem(
            &portal,
            &reader,
            StatusCode::BAD_REQUEST,
            "request.invalid_param",
            lang.t("diploma-bad-accreditor"),
        );
    }
    let Ok(credential) = serde_json::from_str::<serde_json::Value>(form.credential.trim()) else {
        return problem(
            &portal,
            &reader,
            StatusCode::UNPROCESSABLE_ENTITY,
            "credentials.malformed",
            lang.t("diploma-not-json"),
        );
    };
    let view = portal.node.read_view();
    let now = publica_runtime::routes::ReadView::now_ms(&view);
    let report = verify::credential(
        publica_runtime::routes::ReadView::state(&view),
        now,
        &credential,
        accreditor,
    );
    let status = if report.verified {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    render(&portal, &reader, &form, Some(&report), status)
}

/// The reader's words for a check.
fn label(check: &str) -> &'static str {
    match check {
        "proof" => "diploma-check-proof",
        "context" => "diploma-check-context",
        "issuer" => "diploma-check-issuer",
        "accreditation" => "diploma-check-accreditation",
        "validity" => "diploma-check-validity",
        _ => "diploma-check-status",
    }
}

fn render(
    portal: &Portal,
    reader: &Reader,
    form: &DiplomaForm,
    report: Option<&Report>,
    status: StatusCode,
) -> Response {
    let lang = reader.lang;
    let body = html! {
        p { (lang.t("diploma-intro")) }
        form id="diploma-check" method="post" action="/credentials/check" {
            p {
                label for="credential" { (lang.t("diploma-paste")) }
                textarea id="credential" name="credential" rows="12" spellcheck="false" { (form.credential) }
            }
            p {
                label for="accreditor" { (lang.t("diploma-accreditor")) }
                input id="accreditor" name="accreditor" type="text" value=(form.accreditor) size="20";
            }
            p { button type="submit" { (lang.t("check-button")) } }
        }
        div id="diploma-result" aria-live="polite" {
            @if let Some(r) = report {
                @if r.verified {
                    h2 class="verified" { (lang.t("diploma-genuine")) }
                } @else {
                    h2 class="failed" { (lang.t("diploma-not-valid")) }
                }
                ul {
                    @for c in &r.checks {
                        li data-check=(c.check) data-ok=(c.ok) {
                            (if c.ok { "✓ " } else { "✗ " })
                            (lang.t(label(c.check)))
                            @if !c.ok {
                                ": " (lang.t("diploma-no"))
                                details { summary { (lang.t("check-detail")) } p { code { (c.code.unwrap_or("")) } " " (c.message) } }
                            }
                        }
                    }
                }
            }
        }
    };
    let mut page = Page::new(lang.t("diploma-title"), body);
    page.status = status;
    if let Some(f) = report.and_then(Report::failure) {
        page.error_code = f.code;
    }
    page.render(portal, reader)
}
