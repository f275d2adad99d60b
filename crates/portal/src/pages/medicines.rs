//! Medicines: the parties the health regulator licensed (who may make,
//! hold and dispense medicines) and, for a pack number read off a box (a
//! GS1 Digital Link or an EPC URI), which licensed party's number it is.
//! For a pack, the answer a pharmacist needs before dispensing it: is it
//! authentic (commissioned by its licensed manufacturer, shipped through
//! licensed parties only, not dispensed, destroyed or recalled, not
//! expired), who holds it, and its chain of custody.

use super::explorer::{param, Params};
use super::problem;
use crate::i18n::Lang;
use crate::layout::{head, row, Page, Reader};
use crate::Portal;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use maud::{html, Markup};
use publica_medicines::model::{LicenceStatus, Party};
use publica_medicines::{gs1, queries};
use publica_runtime::routes::ReadView;

/// Most parties the page lists.
pub const PARTIES_MAX: usize = 500;

/// `GET /medicines?uri=…`.
pub async fn page(State(portal): State<Portal>, reader: Reader, q: Params) -> Response {
    let uri = param(&q, "uri").map(str::trim).unwrap_or("").to_string();
    super::off_runtime(portal, reader, move |portal, reader| {
        show(portal, reader, &uri)
    })
    .await
}

fn licence(lang: Lang, l: LicenceStatus) -> String {
    lang.t(match l {
        LicenceStatus::Active => "medicines-licence-active",
        LicenceStatus::Suspended => "medicines-licence-suspended",
        LicenceStatus::Revoked => "medicines-licence-revoked",
    })
}

fn kind(lang: Lang, p: &Party) -> String {
    lang.t(&format!(
        "medicines-kind-{}",
        serde_json::to_value(p.kind)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default()
    ))
}

fn identified(lang: Lang, id: &gs1::Id, owner: Option<&Party>, now_ms: u64) -> Markup {
    html! {
        h2 { (lang.t("medicines-pack")) }
        dl class="figures" {
            (row(&lang.t("medicines-number"), html! { code { (id.key()) } }))
            (row(&lang.t("medicines-digital-link"), html! { code { (id.digital_link()) } }))
            (row(&lang.t("medicines-owner"), match owner {
                Some(p) => html! { (p.name) " (" (kind(lang, p)) ")" },
                None => html! { strong { (lang.t("medicines-no-owner")) } },
            }))
            @if let Some(p) = owner {
                (row(&lang.t("medicines-licensed-now"), html! {
                    @if p.licensed_at(now_ms) { (lang.t("medicines-yes")) } @else { strong { (lang.t("medicines-no")) } }
                }))
            }
        }
    }
}

fn date(ms: u64) -> String {
    publica_medicines::hash::format_time(ms)[..10].to_string()
}

fn party_name(view: &dyn ReadView, id: &str) -> String {
    queries::read_party(view.state(), id).map_or_else(|| id.to_string(), |p| p.name)
}

/// The verdict on a pack: the answer first, then what it rests on.
fn verdict(lang: Lang, view: &dyn ReadView, v: &queries::Verdict) -> Markup {
    html! {
        h2 { (lang.t("medicines-verdict")) }
        @if v.authentic {
            p class="verdict ok" role="status" { strong { (lang.t("medicines-authentic")) } }
        } @else {
            div class="verdict refused" role="alert" {
                p { strong { (lang.t("medicines-not-authentic")) } }
                ul {
                    @for p in &v.problems {
                        li {
                            (lang.t(&format!("medicines-problem-{}", p.code)))
                            @if p.code == "recalled" {
                                @if let Some(r) = &v.recall { " — " (r.reason) }
                            }
                            @if p.code == "expired" {
                                @if let Some(e) = &v.expiry { " — " (e) }
                            }
                        }
                    }
                }
            }
        }
        @if v.commissioned_by.is_some() {
            dl class="figures" {
                @if let Some(by) = &v.commissioned_by {
                    (row(&lang.t("medicines-commissioned-by"), html! {
                        (party_name(view, by)) @if let Some(t) = v.commissioned_ms { ", " (date(t)) }
                    }))
                }
                @if let Some(c) = &v.custodian {
                    (row(&lang.t("medicines-custodian"), html! { (party_name(view, c)) }))
                }
                @if let Some(s) = v.status {
                    (row(&lang.t("medicines-status"), html! { (lang.t(&format!("medicines-status-{s}"))) }))
                }
                @if let Some(l) = &v.lot { (row(&lang.t("medicines-lot"), html! { (l) })) }
                @if let Some(e) = &v.expiry { (row(&lang.t("medicines-expiry"), html! { (e) })) }
                @if !v.containers.is_empty() {
                    (row(&lang.t("medicines-in-container"), html! { code { (v.containers.join(" ⊂ ")) } }))
                }
            }
            table {
                caption { (lang.t("medicines-chain")) }
                (head(&[(&lang.t("medicines-col-party"), false), (&lang.t("medicines-col-since"), false),
                        (&lang.t("medicines-col-licensed-then"), false)]))
                tbody {
                    @for h in &v.chain {
                        tr {
                            th scope="row" { (party_name(view, &h.party)) }
                            td { (date(h.since_ms)) }
                            td { @if h.licensed { (lang.t("medicines-yes")) } @else { strong { (lang.t("medicines-no-then")) } } }
                        }
                    }
                }
            }
        }
    }
}

fn show(portal: &Portal, reader: &Reader, uri: &str) -> Response {
    let lang = reader.lang;
    let view = portal.node.read_view();
    let found = if uri.is_empty() {
        None
    } else {
        match gs1::parse(uri) {
            Ok(id) => Some(id),
            Err(e) => {
                return problem(
                    portal,
                    reader,
                    StatusCode::BAD_REQUEST,
                    publica_medicines::codes::UNSUPPORTED_IDENTIFIER,
                    lang.ta("medicines-bad-number", &[("why", &e.to_string())]),
                )
            }
        }
    };
    let owner = found
        .as_ref()
        .and_then(|id| queries::owner_of(view.state(), id));
    let parties = queries::parties(view.state(), PARTIES_MAX);
    let body = html! {
        p { (lang.t("medicines-intro")) }
        form class="lookup" action="/medicines" method="get" {
            label for="uri" { (lang.t("medicines-number-label")) }
            input id="uri" name="uri" type="text" maxlength="512" required value=(uri)
                placeholder="https://id.gs1.org/01/09520001123450/21/A1";
            button type="submit" { (lang.t("medicines-look-up")) }
        }
        @if let Some(id) = &found {
            (verdict(lang, &view, &queries::verify(view.state(), id, view.now_ms())))
            (identified(lang, id, owner.as_ref(), view.now_ms()))
        }
        @if parties.is_empty() { p { (lang.t("medicines-none")) } } @else {
            table {
                caption { (lang.t("medicines-parties")) }
                (head(&[(&lang.t("medicines-col-party"), false), (&lang.t("medicines-col-kind"), false),
                        (&lang.t("medicines-col-licence"), false), (&lang.t("medicines-col-regulator"), false)]))
                tbody {
                    @for p in &parties {
                        tr {
                            th scope="row" { (p.name) }
                            td { (kind(lang, p)) }
                            td { (licence(lang, p.licence)) }
                            td { a href={ "/explorer/agencies/" (p.regulator) } { (p.regulator) } }
                        }
                    }
                }
            }
        }
    };
    let mut page = Page::new(lang.t("medicines-title"), body);
    if !uri.is_empty() {
        page = page.json(format!(
            "/v1/medicines/verify?uri={}",
            publica_types::uri::encode(uri)
        ));
    }
    page.render(portal, reader)
}
