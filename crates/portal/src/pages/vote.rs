//! Voting from the portal (`/elections/{id}/vote`): `assets/vote.js`
//! encrypts the voter's choices in the browser with `publica-ballot`
//! compiled to WebAssembly (`/assets/ballot.wasm`, built by
//! `scripts/portal-wasm`), computes the voter's place in the census file
//! the election authority published, and has the browser's wallet
//! (`assets/wallet.js`) sign the `elections.cast` or `elections.challenge`
//! call. Only the encrypted ballot and its proofs leave the device; the
//! portal itself writes nothing.
//!
//! In an election with an anonymous census the page also registers the
//! wallet before the election opens, and votes under the wallet's
//! pseudonym with a membership proof, each ballot sent from a key made for
//! it: the census secret comes from the wallet's signature of a fixed
//! message (`docs/elections.md`, "Voting from the portal").

use super::{bad_request, problem};
use crate::layout::{Page, Reader};
use crate::Portal;
use axum::extract::{Path, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::Response;
use maud::{html, Markup};
use publica_elections::model::{election_key, outcome_key, valid_id, Election, Outcome, Phase};

/// What the vote page may load: the portal's policy, and WebAssembly
/// compiled from its own origin (`'wasm-unsafe-eval'` allows compiling
/// WebAssembly only, never evaluating script text).
pub const VOTE_CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/// The messages the script shows, by its code, in the reader's language.
const SCRIPT_MESSAGES: &[(&str, &str)] = &[
    ("unsupported", "vote-unsupported"),
    ("no-wallet", "vote-no-wallet"),
    ("no-census", "vote-no-census"),
    ("encrypting", "vote-encrypting"),
    ("sending", "vote-sending"),
    ("cast", "vote-cast"),
    ("challenged", "vote-challenged"),
    ("refused", "vote-refused"),
    ("failed", "vote-failed"),
    ("registering", "vote-registering"),
    ("registered", "vote-registered"),
];

/// `GET /elections/{id}/vote`.
pub async fn page(
    State(portal): State<Portal>,
    reader: Reader,
    Path(id): Path<String>,
) -> Response {
    super::off_runtime(portal, reader, move |portal, reader| {
        page_now(portal, reader, &id)
    })
    .await
}

/// Why `e` takes nothing from this page now, if it does not.
fn closed(e: &Election, outcome: Option<&Outcome>) -> Option<&'static str> {
    if outcome.is_some() || e.phase == Phase::Tallied {
        Some("vote-closed-tallied")
    } else if e.phase == Phase::Failed {
        Some("vote-closed-failed")
    } else if e.census.ring.is_none() && !ballots_taken(e) {
        Some("vote-closed-no-key")
    } else {
        None
    }
}

/// Whether `e` has its key and takes ballots in its window.
fn ballots_taken(e: &Election) -> bool {
    e.key.is_some() && e.phase == Phase::Ready
}

fn page_now(portal: &Portal, reader: &Reader, id: &str) -> Response {
    let lang = reader.lang;
    if !valid_id(id) {
        return bad_request(portal, reader, lang.t("elections-bad-id"));
    }
    let view = portal.node.read_view();
    let Some(e) = crate::data::get::<Election>(&view, &election_key(id)) else {
        return problem(
            portal,
            reader,
            StatusCode::NOT_FOUND,
            publica_elections::codes::UNKNOWN_ELECTION,
            lang.ta("vote-unknown", &[("id", id)]),
        );
    };
    let outcome: Option<Outcome> = crate::data::get(&view, &outcome_key(id));
    let back = html! { p { a href={ "/elections#election-" (e.id) } { (lang.t("vote-back")) } } };
    let body = match closed(&e, outcome.as_ref()) {
        Some(why) => html! { p role="status" { (lang.t(why)) } (back) },
        None => html! { (form(lang, &e)) (back) },
    };
    let mut page = Page::new(lang.ta("vote-title", &[("title", &e.title)]), body);
    page.script = Some("/assets/vote.js");
    let mut r = page.render(portal, reader);
    r.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(VOTE_CONTENT_SECURITY_POLICY),
    );
    r
}

fn form(lang: crate::i18n::Lang, e: &Election) -> Markup {
    let anonymous = e.census.ring.is_some();
    html! {
        p { (lang.t("vote-intro")) }
        @if anonymous { p { (lang.t("vote-anonymous-explained")) } } @else { p { (lang.t("vote-accounts-explained")) } }
        p { (lang.t("vote-challenge-explained")) }
        noscript { p class="error" { (lang.t("vote-needs-script")) } }
        ul hidden id="vote-messages" {
            @for (code, key) in SCRIPT_MESSAGES { li data-code=(code) { (lang.t(key)) } }
        }
        div id="vote" data-state="loading" data-election=(e.id)
            data-census=(if anonymous { "anonymous" } else { "accounts" }) {
            p id="vote-no-wallet" hidden { a href="/wallet" { (lang.t("vote-wallet-link")) } }
            p { (lang.t("vote-account")) " " code id="vote-account" {} }
            @if anonymous {
                h2 { (lang.t("vote-register-title")) }
                p { (lang.t("vote-register-explained")) }
                form id="vote-register" class="stacked" {
                    label for="vote-register-census" { (lang.t("vote-census")) }
                    input id="vote-register-census" type="file" accept=".txt,text/plain" required;
                    button type="submit" { (lang.t("vote-register-button")) }
                }
            }
            @if ballots_taken(e) {
                @if anonymous { h2 { (lang.t("vote-ballot-title")) } }
                form id="vote-form" class="stacked" {
                    @for (ci, c) in e.contests.iter().enumerate() {
                        fieldset data-contest=(ci) {
                            legend { (lang.ta("elections-contest", &[("contest", &c.id), ("limit", &c.limit.to_string())])) }
                            @for (si, s) in c.selections.iter().enumerate() {
                                div class="choice" {
                                    input type="checkbox" id={ "vote-" (ci) "-" (si) } data-selection=(si);
                                    label for={ "vote-" (ci) "-" (si) } { (s) }
                                }
                            }
                        }
                    }
                    @if !anonymous {
                        label for="vote-census" { (lang.t("vote-census")) }
                        input id="vote-census" type="file" accept=".txt,text/plain" required;
                    }
                    button id="vote-cast" type="submit" { (lang.t("vote-cast-button")) }
                    button id="vote-challenge" type="button" { (lang.t("vote-challenge-button")) }
                }
            } @else {
                p { (lang.t("vote-closed-no-key")) }
            }
            div id="vote-result" aria-live="polite" {}
            p id="vote-receipt" hidden {
                (lang.t("vote-tracking")) " " code id="vote-tracking" {} " "
                a id="vote-check" href="/elections" { (lang.t("elections-look-up")) }
            }
        }
    }
}
