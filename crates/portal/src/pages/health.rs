//! Health records: "who looked at my records". Given a patient's
//! (pseudonymous) account, every attempt to read their records — let
//! through under a consent, by an emergency (with its review, pending or
//! overdue), or refused with its reason — each with its transaction, whose
//! receipt proves it; their consents; their records and whether each was
//! erased. Nothing medical is on the ledger, so nothing medical is shown.

use super::explorer::{param, Params};
use super::problem;
use crate::i18n::Lang;
use crate::layout::{head, short, Page, Reader};
use crate::Portal;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use maud::{html, Markup};
use publica_records::model::{Access, Basis, Consent, Grantee, Status};
use publica_records::queries;
use publica_runtime::routes::ReadView;
use publica_types::AccountId;
use serde_json::Value;

/// Most log entries the page shows (the newest); the JSON has them all.
pub const ENTRIES_MAX: usize = 200;

/// `GET /health?account=…`.
pub async fn page(State(portal): State<Portal>, reader: Reader, q: Params) -> Response {
    let account = param(&q, "account")
        .map(str::trim)
        .unwrap_or("")
        .to_string();
    super::off_runtime(portal, reader, move |portal, reader| {
        show(portal, reader, &account)
    })
    .await
}

fn purpose(lang: Lang, a: &Access) -> String {
    let p = serde_json::to_value(a.purpose)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default();
    lang.t(&format!("health-purpose-{p}"))
}

fn basis(lang: Lang, a: &Access, now_ms: u64) -> Markup {
    match &a.basis {
        Basis::Consent { consent, .. } => {
            html! { (lang.ta("health-basis-consent", &[("consent", consent)])) }
        }
        Basis::Emergency { reason, .. } => html! {
            strong { (lang.ta("health-basis-emergency", &[("reason", reason)])) } " — "
            @match &a.review {
                Some(r) if r.justified => (lang.t("health-review-justified")),
                Some(_) => strong { (lang.t("health-review-unjustified")) },
                None if a.overdue(now_ms) => strong { (lang.t("health-review-overdue")) },
                None => (lang.t("health-review-pending")),
            }
        },
        Basis::Refused { code, .. } => html! {
            (lang.t("health-basis-refused")) " (" code { (code) } ")"
        },
    }
}

fn grantee(g: &Grantee) -> Markup {
    match g {
        Grantee::Account(a) => short(&a.to_hex()),
        Grantee::Agency(id) => html! { a href={ "/explorer/agencies/" (id) } { (id) } },
    }
}

fn log_table(lang: Lang, view: &dyn ReadView, entries: &[Value]) -> Markup {
    let now = view.now_ms();
    html! {
        table {
            caption { (lang.t("health-log")) }
            (head(&[(&lang.t("health-col-when"), false), (&lang.t("health-col-who"), false),
                    (&lang.t("health-col-why"), false), (&lang.t("health-col-record"), false),
                    (&lang.t("health-col-outcome"), false), (&lang.t("health-col-proof"), false)]))
            tbody {
                @for e in entries {
                    @let tx = e["tx_id"].as_str().unwrap_or_default();
                    @if let Some(a) = e["access"].as_str().and_then(|id| queries::access(view.state(), id)) {
                        tr {
                            td { (lang.time(a.at_ms)) }
                            th scope="row" {
                                (short(&a.reader.to_hex()))
                                @if let Some(ag) = &a.agency { " (" a href={ "/explorer/agencies/" (ag) } { (ag) } ")" }
                            }
                            td { (purpose(lang, &a)) }
                            td { (short(&a.record)) }
                            td { (basis(lang, &a, now)) }
                            td { a href={ "/explorer/transactions/" (tx) } { (lang.t("health-receipt")) } }
                        }
                    } @else {
                        @let guardian = e["guardian"].as_str();
                        tr {
                            td { (lang.t("health-height")) " " (e["height"]) }
                            @if let Some(g) = guardian {
                                th scope="row" { (short(g)) " (" (e["agency"].as_str().unwrap_or_default()) ")" }
                                td { "—" }
                                td { "—" }
                                td { strong { (lang.t(if e["basis"] == "guardian_appointed" { "health-guardian-appointed" } else { "health-guardian-removed" })) } }
                            } @else if e["basis"] == "handover" {
                                th scope="row" { (lang.t("health-you")) }
                                td { (lang.t("health-handover")) }
                                td { (short(e["record"].as_str().unwrap_or_default())) }
                                td { strong { (lang.t("health-handed-over")) " " a href={ "/explorer/agencies/" (e["agency"].as_str().unwrap_or_default()) } { (e["agency"].as_str().unwrap_or_default()) } } }
                            } @else {
                                th scope="row" { (lang.t("health-you")) }
                                td { "—" }
                                td { (short(e["record"].as_str().unwrap_or_default())) }
                                td { strong { (lang.t("health-erased")) } }
                            }
                            td { a href={ "/explorer/transactions/" (tx) } { (lang.t("health-receipt")) } }
                        }
                    }
                }
            }
        }
    }
}

fn consents_table(lang: Lang, view: &dyn ReadView, consents: &[Consent]) -> Markup {
    let (height, now) = (view.height(), view.now_ms());
    html! {
        table {
            caption { (lang.t("health-consents")) }
            (head(&[(&lang.t("health-col-consent"), false), (&lang.t("health-col-grantee"), false),
                    (&lang.t("health-col-why"), false), (&lang.t("health-col-types"), false),
                    (&lang.t("health-col-until"), false), (&lang.t("health-col-state"), false)]))
            tbody {
                @for c in consents {
                    tr {
                        th scope="row" { (c.id) }
                        td { (grantee(&c.grantee)) }
                        td { (lang.t(&format!("health-purpose-{}", serde_json::to_value(c.purpose).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()))) }
                        td { @if c.record_types.is_empty() { (lang.t("health-all-types")) } @else { (c.record_types.join(", ")) } }
                        td { (lang.time(c.expires_ms)) }
                        td {
                            @if c.live(height, now) { (lang.t("health-live")) }
                            @else if c.revoked_height.is_some() { (lang.t("health-revoked")) }
                            @else { (lang.t("health-expired")) }
                        }
                    }
                }
            }
        }
    }
}

fn records_table(lang: Lang, view: &dyn ReadView, who: &AccountId) -> Markup {
    let (_, entries) = view
        .indexed(&format!("records/records/{}", who.to_hex()), 0, ENTRIES_MAX)
        .unwrap_or_default();
    let records: Vec<_> = entries
        .iter()
        .filter_map(|e| queries::record(view.state(), e["record"].as_str()?))
        .collect();
    html! {
        @if records.is_empty() { p { (lang.t("health-no-records")) } } @else {
            table {
                caption { (lang.t("health-records")) }
                (head(&[(&lang.t("health-col-record"), false), (&lang.t("health-col-type"), false),
                        (&lang.t("health-col-custodian"), false), (&lang.t("health-col-state"), false)]))
                tbody {
                    @for r in &records {
                        tr {
                            th scope="row" { (short(&r.id)) }
                            td { (r.record_type) }
                            td { a href={ "/explorer/agencies/" (r.custodian) } { (r.custodian) } }
                            td {
                                @if r.status == Status::Erased {
                                    strong { (lang.t("health-erased")) } @if let Some(t) = r.erased_ms { " " (lang.time(t)) }
                                } @else { (lang.t("health-kept")) }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// What a claim paid, in its plan's currency.
fn paid(lang: Lang, view: &dyn ReadView, c: &publica_claims::model::Claim) -> Markup {
    let plan: Option<publica_claims::model::Plan> =
        crate::data::get(view, &publica_claims::model::plan_key(&c.agency, &c.plan));
    let code = plan.map(|p| p.currency).unwrap_or_default();
    let decimals = crate::data::get::<publica_money::model::Currency>(
        view,
        &publica_money::model::currency_key(&code),
    )
    .map_or(0, |cur| cur.decimals);
    super::home::money(lang, c.paid.get(), decimals, &code)
}

fn claims_table(lang: Lang, view: &dyn ReadView, who: &AccountId) -> Markup {
    let (_, entries) = view
        .indexed(&format!("claims/member/{}", who.to_hex()), 0, ENTRIES_MAX)
        .unwrap_or_default();
    let claims: Vec<publica_claims::model::Claim> = entries
        .iter()
        .filter_map(|e| {
            let key =
                publica_claims::model::claim_key(e["provider"].as_str()?, e["claim"].as_str()?);
            crate::data::get(view, &key)
        })
        .collect();
    html! {
        @if !claims.is_empty() {
            table {
                caption { (lang.t("health-claims")) }
                (head(&[(&lang.t("health-col-claim"), false), (&lang.t("health-col-provider"), false),
                        (&lang.t("health-col-service"), false), (&lang.t("health-col-outcome"), false),
                        (&lang.t("health-col-paid"), true)]))
                tbody {
                    @for c in &claims {
                        tr {
                            th scope="row" { (c.id) }
                            td { a href={ "/explorer/agencies/" (c.provider) } { (c.provider) } }
                            td { (c.service_date) }
                            td {
                                (lang.t(&format!("health-claim-{}", serde_json::to_value(c.status).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default())))
                                @if let Some(r) = &c.reason { " (" code { (r) } ")" }
                            }
                            td class="num" { (paid(lang, view, c)) }
                        }
                    }
                }
            }
        }
    }
}

fn show(portal: &Portal, reader: &Reader, account: &str) -> Response {
    let lang = reader.lang;
    let view = portal.node.read_view();
    let who: Option<AccountId> = if account.is_empty() {
        None
    } else {
        match account.parse() {
            Ok(a) => Some(a),
            Err(_) => {
                return problem(
                    portal,
                    reader,
                    StatusCode::BAD_REQUEST,
                    publica_records::codes::INVALID_FIELD,
                    lang.t("health-bad-account"),
                )
            }
        }
    };
    let body = html! {
        p { (lang.t("health-intro")) }
        form class="lookup" action="/health" method="get" {
            label for="account" { (lang.t("health-account-label")) }
            input id="account" name="account" type="text" maxlength="64" minlength="64" required value=(account)
                pattern="[0-9a-fA-F]{64}" autocomplete="off";
            button type="submit" { (lang.t("health-look-up")) }
        }
        @if let Some(who) = &who {
            @let index = format!("records/access/{}", who.to_hex());
            @let (total, _) = view.indexed(&index, 0, 0).unwrap_or_default();
            @let from = total.saturating_sub(ENTRIES_MAX as u64);
            @let (_, entries) = view.indexed(&index, from, ENTRIES_MAX).unwrap_or_default();
            h2 { (lang.t("health-who-looked")) }
            @if entries.is_empty() { p { (lang.t("health-no-access")) } } @else {
                @if from > 0 { p { (lang.ta("health-newest", &[("shown", &entries.len().to_string()), ("total", &total.to_string())])) } }
                (log_table(lang, &view, &entries))
            }
            @let consents = queries::consents(view.state(), who);
            @if !consents.is_empty() { (consents_table(lang, &view, &consents)) }
            (records_table(lang, &view, who))
            (claims_table(lang, &view, who))
            p { (lang.t("health-verify-hint")) }
        }
    };
    let mut page = Page::new(lang.t("health-title"), body);
    if let Some(who) = &who {
        page = page.json(format!("/v1/records/subjects/{}/log", who.to_hex()));
    }
    page.render(portal, reader)
}
