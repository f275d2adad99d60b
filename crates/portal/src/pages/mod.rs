//! The pages, one module per section.

pub mod check;
pub mod claims;
pub mod crossborder;
pub mod data;
pub mod diploma;
pub mod elections;
pub mod energy;
pub mod explorer;
pub mod governance;
pub mod grievances;
pub mod health;
pub mod help;
pub mod home;
pub mod medicines;
pub mod money;
pub mod programs;
pub mod recycling;
pub mod vote;
pub mod wallet;

use crate::i18n::Lang;
use crate::layout::{Page, Reader};
use crate::Portal;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use maud::html;

/// A page saying what went wrong, in the reader's language: `status`, a
/// machine-readable `code` (in a `<meta>` and the `x-publica-error`
/// header) and a sentence.
pub fn error_page(lang: Lang, status: StatusCode, code: &str, message: &str) -> Response {
    // Without the node (the API's fallback), the frame has no chain name.
    let body = html! {
        (maud::DOCTYPE)
        html lang=(lang.tag()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="publica-error" content=(code);
                title { (lang.t("error-title")) " · Publica" }
                link rel="stylesheet" href="/assets/portal.css";
                link rel="icon" href="/assets/icon.svg" type="image/svg+xml";
            }
            body {
                main id="main" {
                    h1 { (lang.t("error-title")) }
                    p class="error" { (message) }
                    p { a href="/" { (lang.t("error-home")) } " · " a href="/help" { (lang.t("nav-help")) } }
                }
            }
        }
    };
    let mut r = (status, Html(crate::layout::neutralise(body.into_string()))).into_response();
    if let Ok(v) = axum::http::HeaderValue::from_str(code) {
        r.headers_mut().insert("x-publica-error", v);
    }
    r
}

/// An error inside the portal's frame.
pub fn problem(
    portal: &Portal,
    reader: &Reader,
    status: StatusCode,
    code: &str,
    message: String,
) -> Response {
    let lang = reader.lang;
    let body = html! {
        p class="error" role="alert" { (message) }
        p { a href="/" { (lang.t("error-home")) } " · " a href="/help" { (lang.t("nav-help")) } }
    };
    let mut page = Page::new(lang.t("error-title"), body);
    page.status = status;
    page.error_code = Some(code);
    page.render(portal, reader)
}

/// Runs `build` on the blocking pool and answers what it renders: pages
/// that read the event index read its file, which must not hold up the
/// async workers serving the API and its event streams.
pub async fn off_runtime(
    portal: Portal,
    reader: Reader,
    build: impl FnOnce(&Portal, &Reader) -> Response + Send + 'static,
) -> Response {
    let (p, r) = (portal.clone(), reader.clone());
    match tokio::task::spawn_blocking(move || build(&p, &r)).await {
        Ok(response) => response,
        Err(e) => unavailable(&portal, &reader, &e),
    }
}

/// A malformed id or parameter: `400 request.invalid_param` with `message`.
pub fn bad_request(portal: &Portal, reader: &Reader, message: String) -> Response {
    problem(
        portal,
        reader,
        StatusCode::BAD_REQUEST,
        "request.invalid_param",
        message,
    )
}

/// Nothing has that id: `404` with the module's `code` and `message`.
pub fn unknown(portal: &Portal, reader: &Reader, code: &str, message: String) -> Response {
    problem(portal, reader, StatusCode::NOT_FOUND, code, message)
}

/// The node could not read what a page needs (a disk error): said as such,
/// with status 503, never a stack trace.
pub fn unavailable(portal: &Portal, reader: &Reader, detail: &dyn std::fmt::Display) -> Response {
    // The detail goes to the operator's log, not to the reader.
    tracing::warn!("portal: a read failed: {detail}");
    problem(
        portal,
        reader,
        StatusCode::SERVICE_UNAVAILABLE,
        "node.unavailable",
        reader.lang.t("error-unavailable"),
    )
}

/// A page number from a query, within `1..=max`, else an error page.
pub fn page_number(
    portal: &Portal,
    reader: &Reader,
    given: Option<&str>,
    max: u64,
) -> Result<u64, Box<Response>> {
    let Some(text) = given else { return Ok(1) };
    match text.parse::<u64>() {
        Ok(n) if (1..=max.max(1)).contains(&n) => Ok(n),
        _ => Err(Box::new(bad_request(
            portal,
            reader,
            reader.lang.ta(
                "error-page-number",
                &[("given", text), ("max", &reader.lang.int(max.max(1)))],
            ),
        ))),
    }
}

/// A posted form read whole, or the page refusing it: `413
/// request.too_large` (saying `too_large`, a message id) when the body, or
/// the text `len` measures, is over `max` bytes; `400 request.malformed_form`
/// when it cannot be read.
pub fn posted<T>(
    portal: &Portal,
    reader: &Reader,
    form: Result<axum::extract::Form<T>, axum::extract::rejection::FormRejection>,
    len: impl Fn(&T) -> usize,
    max: usize,
    too_large: &str,
) -> Result<T, Box<Response>> {
    let over = match &form {
        Ok(axum::extract::Form(f)) => len(f) > max,
        Err(e) => e.status() == StatusCode::PAYLOAD_TOO_LARGE,
    };
    if over {
        return Err(Box::new(problem(
            portal,
            reader,
            StatusCode::PAYLOAD_TOO_LARGE,
            "request.too_large",
            reader.lang.t(too_large),
        )));
    }
    form.map(|axum::extract::Form(f)| f).map_err(|_| {
        Box::new(problem(
            portal,
            reader,
            StatusCode::BAD_REQUEST,
            "request.malformed_form",
            reader.lang.t("check-bad-form"),
        ))
    })
}
