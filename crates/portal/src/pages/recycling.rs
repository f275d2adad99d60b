//! Recycling and volunteering: each agency's scheme with its totals and
//! the rate table in force, the collection points, the haulers and
//! recyclers with their mass balance, flags and pickup service levels,
//! and how to check it.

use crate::i18n::Lang;
use crate::layout::{head, row, Page, Reader};
use crate::Portal;
use axum::extract::State;
use axum::response::Response;
use maud::{html, Markup};
use publica_energy::recycling::model::{
    rates_key, MassBalance, Point, Provider, RateTable, Request, Scheme,
};
use publica_runtime::routes::ReadView;

/// Most schemes, and points or providers per scheme, the page lists.
pub const LISTED_MAX: usize = 50;

/// `GET /recycling`.
pub async fn page(State(portal): State<Portal>, reader: Reader) -> Response {
    super::off_runtime(portal, reader, show).await
}

fn kg(lang: Lang, grams: u64) -> String {
    lang.amount(u128::from(grams), 3)
}

fn listed<T: serde::de::DeserializeOwned>(view: &dyn ReadView, prefix: &str) -> Vec<T> {
    view.state()
        .scan_prefix(prefix.as_bytes(), LISTED_MAX)
        .into_iter()
        .filter_map(|(_, v)| serde_json::from_slice(&v).ok())
        .collect()
}

fn providers(lang: Lang, view: &dyn ReadView, agency: &str) -> Markup {
    let list: Vec<Provider> = listed(view, &format!("recycling/provider/{agency}/"));
    html! {
        table {
            caption { (lang.t("recycling-providers")) }
            (head(&[(&lang.t("recycling-col-provider"), false), (&lang.t("recycling-col-material"), false),
                    (&lang.t("recycling-col-collected"), true), (&lang.t("recycling-col-processed"), true),
                    (&lang.t("recycling-col-stock"), true), (&lang.t("recycling-col-on-time"), true),
                    (&lang.t("recycling-col-state"), false)]))
            tbody {
                @for p in &list {
                    @let sli = publica_energy::recycling::routes::service_levels(view.state(), agency, p);
                    @let on_time = sli.last().map(|l| format!("{} % ({})", l["on_time_pct"], l["month"].as_str().unwrap_or("")));
                    @for (m, b) in &p.balance {
                        tr {
                            th scope="row" { (p.id) " (" (lang.t(if p.kind == publica_energy::recycling::model::ProviderKind::Hauler { "recycling-hauler" } else { "recycling-recycler" })) ")" }
                            td { (m) }
                            td class="num" { (kg(lang, b.collected_g)) }
                            td class="num" { (kg(lang, b.processed_g)) }
                            td class="num" { (kg(lang, b.stock_g)) }
                            td class="num" { (on_time.clone().unwrap_or_else(|| "—".into())) }
                            td {
                                @if let Some(f) = &p.flagged { strong { (lang.t("recycling-flagged")) } ": " (f) }
                                @else if !b.adds_up() { strong { (lang.t("recycling-not-adding-up")) } }
                                @else { (lang.t("recycling-adds-up")) }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn scheme(lang: Lang, view: &dyn ReadView, s: &Scheme) -> Markup {
    let decimals = crate::data::get::<publica_money::model::Currency>(
        view,
        &publica_money::model::currency_key(&s.currency),
    )
    .map_or(0, |c| c.decimals);
    let money =
        |v: publica_types::Amount| format!("{} {}", lang.amount(v.get(), decimals), s.currency);
    let rates: Option<RateTable> = crate::data::get(view, &rates_key(&s.agency, s.rates_in_force));
    let points: Vec<Point> = listed(view, &format!("recycling/point/{}/", s.agency));
    let now = view.now_ms();
    let overdue = s
        .open_requests
        .iter()
        .filter_map(|r| {
            crate::data::get::<Request>(
                view,
                &publica_energy::recycling::model::request_key(&s.agency, *r),
            )
        })
        .filter(|r| now > r.due_ms)
        .count();
    let flagged = listed::<Provider>(view, &format!("recycling/provider/{}/", s.agency))
        .iter()
        .filter(|p| p.flagged.is_some() || !p.balance.values().all(MassBalance::adds_up))
        .count();
    html! {
        h2 id={ "scheme-" (s.agency) } { a href={ "/explorer/agencies/" (s.agency) } { (s.agency) } }
        dl class="figures" {
            (row(&lang.t("recycling-deposits"), html! { (lang.int(s.deposits)) }))
            @for (m, g) in &s.deposited_g { (row(m, html! { (kg(lang, *g)) " kg" })) }
            (row(&lang.t("recycling-credits"), html! { (money(s.deposit_credits)) }))
            (row(&lang.t("recycling-volunteer-hours"), html! { (lang.amount(u128::from(s.volunteer_minutes) * 100 / 60, 2)) }))
            (row(&lang.t("recycling-volunteer-paid"), html! { (money(s.volunteer_paid)) }))
            @if let Some(t) = &rates {
                (row(&lang.t("recycling-cap"), html! { (money(t.volunteer_cap_per_month)) }))
            }
            (row(&lang.t("recycling-open-requests"), html! { (lang.int(s.open_requests.len() as u64)) " (" (lang.ta("recycling-overdue", &[("count", &overdue.to_string())])) ")" }))
            (row(&lang.t("recycling-flagged-providers"), html! { @if flagged == 0 { (lang.int(0)) } @else { strong { (lang.int(flagged as u64)) } } }))
        }
        h3 { (lang.t("recycling-rates")) }
        @match &rates {
            None => p { (lang.t("recycling-no-rates")) },
            Some(t) => {
                p { (lang.ta("recycling-rates-version", &[("version", &t.version.to_string())])) }
                pre { code { (t.rule) } }
                @if !t.params.is_empty() {
                    p { @for (k, v) in &t.params { code { (k) " = " (v) } " " } }
                }
            }
        }
        table {
            caption { (lang.t("recycling-points")) }
            (head(&[(&lang.t("recycling-col-point"), false), (&lang.t("recycling-col-materials"), false),
                    (&lang.t("recycling-col-collected"), true), (&lang.t("recycling-col-deposits"), true),
                    (&lang.t("recycling-col-state"), false)]))
            tbody {
                @for p in &points {
                    tr {
                        th scope="row" { (p.id) }
                        td { (p.materials.join(", ")) }
                        td class="num" { (kg(lang, p.collected_g.values().sum())) }
                        td class="num" { (lang.int(p.deposits)) }
                        td { @if p.licensed { (lang.t("recycling-licensed")) } @else { strong { (lang.t("recycling-revoked")) } } }
                    }
                }
            }
        }
        (providers(lang, view, &s.agency))
    }
}

fn show(portal: &Portal, reader: &Reader) -> Response {
    let lang = reader.lang;
    let view = portal.node.read_view();
    let schemes: Vec<Scheme> = listed(&view, "recycling/scheme/");
    let body = html! {
        p { (lang.t("recycling-intro")) }
        @if schemes.is_empty() { p { (lang.t("recycling-none")) } }
        @for s in &schemes { (scheme(lang, &view, s)) }
        h2 { (lang.t("recycling-check-title")) }
        ol {
            @for step in ["recycling-check-1", "recycling-check-2", "recycling-check-3"] {
                li { (lang.t(step)) }
            }
        }
    };
    Page::new(lang.t("recycling-title"), body).render(portal, reader)
}
