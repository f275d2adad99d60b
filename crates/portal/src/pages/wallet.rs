//! A beneficiary's wallet, kept by the browser (docs/wallet.md; ADR 0003):
//! `assets/wallet.js` makes an Ed25519 key with WebCrypto that cannot be
//! exported, keeps it in the browser's IndexedDB, shows the accounts'
//! balances, pays (also from a merchant's payment request, reached by its
//! QR code), cashes out through the agency, and names guardians who can
//! move the account to a new key if the browser is lost. The portal itself
//! still writes nothing: the browser signs and posts each transaction to
//! the node's public API, as any client does.
//!
//! `/wallet/request` is a merchant's payment request: a link to the wallet
//! with the payee, amount and reference filled in, and its QR code
//! (`/wallet/qr.svg`, drawn by the server).

use super::bad_request;
use super::explorer::{param, Params};
use crate::i18n::Lang;
use crate::layout::{Page, Reader};
use crate::Portal;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use maud::{html, Markup};

/// Longest text a QR code is drawn for.
pub const QR_TEXT_MAX: usize = 600;
/// Longest reference, as money takes it.
const REFERENCE_MAX: usize = 128;

/// The messages the script shows, by its code: the page carries them in
/// the reader's language.
const SCRIPT_MESSAGES: &[(&str, &str)] = &[
    ("unsupported", "wallet-unsupported"),
    ("created", "wallet-created"),
    ("sending", "wallet-sending"),
    ("sent", "wallet-sent"),
    ("failed", "wallet-failed"),
    ("unknown-account", "wallet-unknown-account"),
    ("bad-amount", "wallet-bad-amount"),
    ("balance", "col-balance"),
    ("guardians-set", "wallet-guardians-set"),
    ("move-prepared", "wallet-move-prepared"),
    ("move-used", "wallet-move-used"),
    ("move-not-yet", "wallet-move-not-yet"),
    ("guard-started", "wallet-guard-started"),
    ("guard-approved", "wallet-guard-approved"),
    ("guard-finished", "wallet-guard-finished"),
    ("guard-bad-request", "wallet-guard-bad-request"),
    ("vetoed", "wallet-vetoed"),
];

/// A payment request's fields, as the wallet link carries them.
struct Request {
    to: String,
    amount: String,
    reference: String,
}

fn request_of(q: &Params) -> Result<Request, &'static str> {
    let get = |k| param(q, k).map(str::trim).unwrap_or("").to_string();
    let r = Request {
        to: get("to"),
        amount: get("amount"),
        reference: get("reference"),
    };
    let id_ok = r.to.is_empty() || publica_money::model::valid_id(&r.to);
    let amount_ok = r.amount.len() <= 40
        && r.amount
            .bytes()
            .all(|b| b.is_ascii_digit() || b == b'.' || b == b',');
    let reference_ok =
        r.reference.len() <= REFERENCE_MAX && !r.reference.chars().any(char::is_control);
    if id_ok && amount_ok && reference_ok {
        Ok(r)
    } else {
        Err("wallet-bad-request")
    }
}

fn messages(lang: Lang) -> Markup {
    html! {
        ul hidden id="wallet-messages" {
            @for (code, id) in SCRIPT_MESSAGES { li data-code=(code) { (lang.t(id)) } }
        }
    }
}

/// Most programs whose benefit account the wallet looks for.
const PROGRAMS_LOOKED_UP: usize = 50;

/// `GET /wallet` (`?to=&amount=&reference=` fill in a payment).
pub async fn page(State(portal): State<Portal>, reader: Reader, q: Params) -> Response {
    let r = request_of(&q);
    super::off_runtime(portal, reader, move |portal, reader| match r {
        Ok(r) => wallet(portal, reader, &r),
        Err(_) => bad_request(portal, reader, reader.lang.t("wallet-bad-request")),
    })
    .await
}

fn wallet(portal: &Portal, reader: &Reader, r: &Request) -> Response {
    let lang = reader.lang;
    // The programs whose benefit account (`b.<program>.<16 hex digits of
    // the key>`) the script looks for, so a beneficiary sees their
    // benefits without typing an account id.
    let programs: Vec<String> = {
        let view = portal.node.read_view();
        crate::data::directory(&view, &crate::data::programs_key())
            .into_iter()
            .take(PROGRAMS_LOOKED_UP)
            .collect()
    };
    let body = html! {
        p { (lang.t("wallet-intro")) }
        p { (lang.t("wallet-agency-can")) }
        noscript { p class="error" { (lang.t("wallet-needs-script")) } }
        (messages(lang))
        div id="wallet" data-state="loading" data-programs=(programs.join(" ")) {
            section id="wallet-new" hidden {
                h2 { (lang.t("wallet-new-title")) }
                p { (lang.t("wallet-new-explained")) }
                button id="wallet-create" type="button" { (lang.t("wallet-create")) }
            }
            section id="wallet-mine" hidden {
                h2 { (lang.t("wallet-mine-title")) }
                p { (lang.t("wallet-key-label")) " " code id="wallet-key" {} }
                p { (lang.t("wallet-receive")) }
                img id="wallet-key-qr" alt=(lang.t("wallet-key-qr")) width="200" height="200";
                h3 { (lang.t("wallet-accounts")) }
                table {
                    thead { tr { th scope="col" { (lang.t("col-account")) } th scope="col" { (lang.t("col-balance")) } } }
                    tbody id="wallet-accounts" {}
                }
                form id="wallet-add" class="lookup" {
                    label for="wallet-add-id" { (lang.t("wallet-add-label")) }
                    input id="wallet-add-id" name="id" type="text" maxlength="64" required placeholder="b.ubi.0123456789abcdef";
                    button type="submit" { (lang.t("wallet-add")) }
                }
                h3 { (lang.t("wallet-pay-title")) }
                form id="wallet-pay" class="stacked" {
                    (account_choice("wallet-pay-from", lang))
                    (payment_fields("wallet-pay", &lang.t("wallet-pay-to"), r, lang))
                    button type="submit" { (lang.t("wallet-pay")) }
                }
                h3 { (lang.t("wallet-cash-out-title")) }
                p { (lang.t("wallet-cash-out-explained")) }
                form id="wallet-cash-out" class="stacked" {
                    (account_choice("wallet-cash-out-from", lang))
                    label for="wallet-cash-out-to" { (lang.t("wallet-cash-out-to")) }
                    input id="wallet-cash-out-to" name="to" type="text" maxlength="64" required;
                    label for="wallet-cash-out-amount" { (lang.t("wallet-amount")) }
                    input id="wallet-cash-out-amount" name="amount" type="text" inputmode="decimal" maxlength="40" required;
                    button type="submit" { (lang.t("wallet-cash-out")) }
                }
                h3 { (lang.t("wallet-guardians-title")) }
                p { (lang.t("wallet-guardians-explained")) }
                form id="wallet-guardians" class="stacked" {
                    label for="wallet-guardians-keys" { (lang.t("wallet-guardians-keys")) }
                    input id="wallet-guardians-keys" name="guardians" type="text" maxlength="700" required;
                    label for="wallet-guardians-threshold" { (lang.t("wallet-guardians-threshold")) }
                    input id="wallet-guardians-threshold" name="threshold" type="number" min="1" max="10" value="1" required;
                    label for="wallet-guardians-delay" { (lang.t("wallet-guardians-delay")) }
                    input id="wallet-guardians-delay" name="delay" type="number" min="1" max="10000000" value="1000" required;
                    button type="submit" { (lang.t("wallet-guardians-set-button")) }
                }
                h3 { (lang.t("wallet-move-title")) }
                p { (lang.t("wallet-move-explained")) }
                form id="wallet-move" class="stacked" {
                    label for="wallet-move-account" { (lang.t("wallet-move-account")) }
                    input id="wallet-move-account" name="account" type="text" minlength="64" maxlength="64" required;
                    button type="submit" { (lang.t("wallet-move-prepare")) }
                }
                pre id="wallet-move-args" hidden {}
                button id="wallet-move-use" type="button" hidden { (lang.t("wallet-move-use")) }
                h3 { (lang.t("wallet-guard-title")) }
                p { (lang.t("wallet-guard-explained")) }
                form id="wallet-guard" class="stacked" {
                    label for="wallet-guard-request" { (lang.t("wallet-guard-request")) }
                    textarea id="wallet-guard-request" name="request" rows="4" maxlength="400" required {}
                    button type="submit" { (lang.t("wallet-guard-approve")) }
                }
                button id="wallet-guard-finish" type="button" { (lang.t("wallet-guard-finish")) }
                h3 { (lang.t("wallet-veto-title")) }
                p { (lang.t("wallet-veto-explained")) }
                button id="wallet-veto" type="button" { (lang.t("wallet-veto")) }
                div id="wallet-result" aria-live="polite" {}
            }
        }
        p { a href="/wallet/request" { (lang.t("wallet-request-link")) } }
    };
    let mut page = Page::new(lang.t("wallet-title"), body);
    page.script = Some("/assets/wallet.js");
    page.render(portal, reader)
}

/// A payment's payee, amount and reference (ids `<prefix>-to`, …), filled
/// in from a request.
fn payment_fields(prefix: &str, to_label: &str, r: &Request, lang: Lang) -> Markup {
    html! {
        label for={ (prefix) "-to" } { (to_label) }
        input id={ (prefix) "-to" } name="to" type="text" maxlength="64" required value=(r.to);
        label for={ (prefix) "-amount" } { (lang.t("wallet-amount")) }
        input id={ (prefix) "-amount" } name="amount" type="text" inputmode="decimal" maxlength="40" required value=(r.amount);
        label for={ (prefix) "-reference" } { (lang.t("wallet-reference")) }
        input id={ (prefix) "-reference" } name="reference" type="text" maxlength="128" value=(r.reference);
    }
}

fn account_choice(id: &str, lang: Lang) -> Markup {
    html! {
        label for=(id) { (lang.t("wallet-from")) }
        select id=(id) name="from" required {}
    }
}

/// `GET /wallet/request?to=&amount=&reference=`: a merchant's payment
/// request, as a link and a QR code a customer's phone opens.
pub async fn request(State(portal): State<Portal>, reader: Reader, q: Params) -> Response {
    let lang = reader.lang;
    let Ok(r) = request_of(&q) else {
        return bad_request(&portal, &reader, lang.t("wallet-bad-request"));
    };
    let link = (!r.to.is_empty() && !r.amount.is_empty()).then(|| {
        let enc = publica_types::uri::encode;
        format!(
            "/wallet?to={}&amount={}&reference={}",
            enc(&r.to),
            enc(&r.amount),
            enc(&r.reference)
        )
    });
    let body = html! {
        p { (lang.t("wallet-request-intro")) }
        form class="stacked" action="/wallet/request" method="get" {
            (payment_fields("request", &lang.t("wallet-request-to"), &r, lang))
            button type="submit" { (lang.t("wallet-request-make")) }
        }
        @if let Some(link) = &link {
            h2 { (lang.t("wallet-request-ready")) }
            p { a id="request-link" href=(link) { (lang.t("wallet-request-open")) } }
            img id="request-qr" data-path=(link) alt=(lang.t("wallet-request-qr")) width="240" height="240";
        }
    };
    let mut page = Page::new(lang.t("wallet-request-title"), body);
    page.script = Some("/assets/wallet.js");
    page.render(&portal, &reader)
}

/// `GET /wallet/qr.svg?text=`: `text` (at most [`QR_TEXT_MAX`] bytes) as a
/// QR code, an SVG image.
pub async fn qr(State(portal): State<Portal>, reader: Reader, q: Params) -> Response {
    let text = param(&q, "text").unwrap_or("");
    if text.is_empty() || text.len() > QR_TEXT_MAX {
        return bad_request(&portal, &reader, reader.lang.t("wallet-bad-qr"));
    }
    match qr_svg(text) {
        Some(svg) => (
            StatusCode::OK,
            [
                (header::CONTENT_TYPE, "image/svg+xml"),
                (header::CACHE_CONTROL, "public, max-age=3600"),
            ],
            svg,
        )
            .into_response(),
        None => bad_request(&portal, &reader, reader.lang.t("wallet-bad-qr")),
    }
}

/// `text` as a QR code (error correction M), an SVG document.
pub fn qr_svg(text: &str) -> Option<String> {
    let code =
        qrcode::QrCode::with_error_correction_level(text.as_bytes(), qrcode::EcLevel::M).ok()?;
    Some(
        code.render::<qrcode::render::svg::Color<'_>>()
            .min_dimensions(200, 200)
            .dark_color(qrcode::render::svg::Color("#000000"))
            .light_color(qrcode::render::svg::Color("#ffffff"))
            .build(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_qr_code_is_an_svg_of_bounded_text() {
        let svg = qr_svg("https://portal.example/wallet?to=m.cafe&amount=2.50&reference=").unwrap();
        assert!(svg.contains("<svg") && svg.contains("<path"));
        assert!(
            qr_svg(&"x".repeat(4_000)).is_none(),
            "over a QR code's capacity"
        );
    }
}
