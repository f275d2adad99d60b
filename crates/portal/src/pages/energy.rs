//! Energy: each certificate registry with its totals and whether they
//! reconcile to the meters; its meters; its market's recent intervals —
//! the clearing prices as a chart and a table — and how to check it.

use crate::charts;
use crate::i18n::Lang;
use crate::layout::{head, trusted, Page, Reader};
use crate::Portal;
use axum::extract::State;
use axum::response::Response;
use maud::{html, Markup};
use publica_energy::market::Market;
use publica_energy::model::{Meter, Registry};
use publica_runtime::routes::ReadView;

/// Most registries, and meters per registry, the page lists.
pub const LISTED_MAX: usize = 50;
/// Market intervals shown: a day of 15-minute intervals.
pub const INTERVALS_SHOWN: u64 = 96;

/// `GET /energy`.
pub async fn page(State(portal): State<Portal>, reader: Reader) -> Response {
    super::off_runtime(portal, reader, show).await
}

fn kwh(lang: Lang, wh: u64) -> String {
    lang.amount(u128::from(wh), 3)
}

fn market(lang: Lang, view: &dyn ReadView, agency: &str) -> Markup {
    let Some(m) = crate::data::get::<Market>(view, &publica_energy::market::market_key(agency))
    else {
        return html! {};
    };
    let decimals = crate::data::get::<publica_money::model::Currency>(
        view,
        &publica_money::model::currency_key(&m.currency),
    )
    .map_or(0, |c| c.decimals);
    let key = format!("energy/intervals/{agency}");
    let total = view.indexed(&key, 0, 1).map_or(0, |(t, _)| t);
    let from = total.saturating_sub(INTERVALS_SHOWN);
    let entries = view
        .indexed(&key, from, INTERVALS_SHOWN as usize)
        .map_or_else(|_| Vec::new(), |(_, e)| e);
    let scale = 10f64.powi(i32::from(decimals));
    let rows: Vec<(String, Option<u64>, u64, u64)> = entries
        .iter()
        .map(|e| {
            (
                lang.time(e["start_ms"].as_u64().unwrap_or(0)),
                e["price"].as_u64(),
                e["volume_wh"].as_u64().unwrap_or(0),
                e["orders"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    // Charted per MWh, so that the axis reads in whole units.
    let bars: Vec<(String, f64)> = rows
        .iter()
        .filter_map(|(t, p, _, _)| Some((t.clone(), (*p)? as f64 * 1_000.0 / scale)))
        .collect();
    let label = lang.ta("energy-prices-chart", &[("currency", &m.currency)]);
    html! {
        h3 { (lang.t("energy-market")) }
        @if rows.is_empty() { p { (lang.t("energy-no-intervals")) } } @else {
            @if !bars.is_empty() {
                figure {
                    (trusted(charts::bars(&label, &bars)))
                    figcaption { (label) }
                }
            }
            table {
                caption { (lang.t("energy-intervals-table")) }
                (head(&[(&lang.t("energy-col-interval"), false), (&lang.t("energy-col-price"), true),
                        (&lang.t("energy-col-volume"), true), (&lang.t("energy-col-orders"), true)]))
                tbody {
                    @for (t, p, v, n) in &rows {
                        tr {
                            th scope="row" { (t) }
                            td class="num" {
                                @match p {
                                    Some(p) => { (lang.amount(u128::from(*p), decimals)) " " abbr { (m.currency) } }
                                    None => (lang.t("energy-no-trade")),
                                }
                            }
                            td class="num" { (kwh(lang, *v)) }
                            td class="num" { (lang.int(*n)) }
                        }
                    }
                }
            }
        }
    }
}

fn registry(lang: Lang, view: &dyn ReadView, r: &Registry) -> Markup {
    let meters: Vec<Meter> = view
        .state()
        .scan_prefix(format!("energy/meter/{}/", r.agency).as_bytes(), LISTED_MAX)
        .into_iter()
        .filter_map(|(_, v)| serde_json::from_slice(&v).ok())
        .collect();
    html! {
        h2 id={ "registry-" (r.agency) } { a href={ "/explorer/agencies/" (r.agency) } { (r.agency) } }
        dl class="figures" {
            (crate::layout::row(&lang.t("energy-generated"), html! { (kwh(lang, r.generated_wh)) " kWh" }))
            (crate::layout::row(&lang.t("energy-issued"), html! { (lang.int(r.issued_units)) " × " (kwh(lang, r.unit_wh)) " kWh" }))
            (crate::layout::row(&lang.t("energy-cancelled"), html! { (lang.int(r.cancelled_units)) }))
            (crate::layout::row(&lang.t("energy-reconciles"), html! {
                @if r.reconciles() { (lang.t("energy-reconciles-yes")) } @else { strong { (lang.t("energy-reconciles-no")) } } }))
        }
        table {
            caption { (lang.t("energy-meters")) }
            (head(&[(&lang.t("energy-col-meter"), false), (&lang.t("energy-col-technology"), false),
                    (&lang.t("energy-col-exported"), true), (&lang.t("energy-col-imported"), true), (&lang.t("energy-col-state"), false)]))
            tbody {
                @for m in &meters {
                    tr {
                        th scope="row" { (m.id) }
                        td { (format!("{:?}", m.technology).to_lowercase()) }
                        td class="num" { (kwh(lang, m.exported_wh)) }
                        td class="num" { (kwh(lang, m.imported_wh)) }
                        td { @if m.faulty.is_some() { (lang.t("energy-faulty")) } @else { (lang.t("energy-in-service")) } }
                    }
                }
            }
        }
        (market(lang, view, &r.agency))
    }
}

fn show(portal: &Portal, reader: &Reader) -> Response {
    let lang = reader.lang;
    let view = portal.node.read_view();
    let registries: Vec<Registry> = view
        .state()
        .scan_prefix(b"energy/registry/", LISTED_MAX)
        .into_iter()
        .filter_map(|(_, v)| serde_json::from_slice(&v).ok())
        .collect();
    let body = html! {
        p { (lang.t("energy-intro")) }
        @if registries.is_empty() { p { (lang.t("energy-none")) } }
        @for r in &registries { (registry(lang, &view, r)) }
        h2 { (lang.t("energy-check-title")) }
        ol {
            @for step in ["energy-check-1", "energy-check-2", "energy-check-3"] {
                li { (lang.t(step)) }
            }
        }
    };
    Page::new(lang.t("energy-title"), body).render(portal, reader)
}
