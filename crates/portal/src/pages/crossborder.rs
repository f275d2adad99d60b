//! Between networks: the corridors to other Publica networks — which
//! network, whose validators this ledger trusts for it, the rate, the
//! limit, what was sent, delivered, refunded and received — and the
//! latest transfers through each, with the way to check one.

use crate::i18n::Lang;
use crate::layout::{head, Page, Reader};
use crate::Portal;
use axum::extract::State;
use axum::response::Response;
use maud::{html, Markup};
use publica_crossborder::model::Corridor;
use publica_runtime::routes::ReadView;

/// Most corridors the page lists.
pub const LISTED_MAX: usize = 50;
/// Latest movements shown per corridor.
pub const SHOWN: u64 = 10;

/// `GET /crossborder`.
pub async fn page(State(portal): State<Portal>, reader: Reader) -> Response {
    super::off_runtime(portal, reader, show).await
}

fn kind(lang: Lang, k: &str) -> String {
    lang.t(match k {
        "sent" => "xb-kind-sent",
        "received" => "xb-kind-received",
        "delivered" => "xb-kind-delivered",
        "refunded" => "xb-kind-refunded",
        _ => "xb-kind-expired",
    })
}

fn corridor(lang: Lang, view: &dyn ReadView, c: &Corridor) -> Markup {
    let decimals = crate::data::get::<publica_money::model::Currency>(
        view,
        &publica_money::model::currency_key(&c.currency),
    )
    .map_or(0, |x| x.decimals);
    let money = |minor: u128| super::home::money(lang, minor, decimals, &c.currency);
    let key = format!("crossborder/transfers/{}", c.id);
    let total = view.indexed(&key, 0, 1).map_or(0, |(t, _)| t);
    let moves = view
        .indexed(&key, total.saturating_sub(SHOWN), SHOWN as usize)
        .map(|(_, e)| e)
        .unwrap_or_default();
    let sets = &c.remote_sets;
    let t = &c.totals;
    html! {
        h2 id={ "corridor-" (c.id) } { (c.id) " → " code { (c.remote_chain) } }
        dl class="figures" {
            (crate::layout::row(&lang.t("xb-status"), html! { (lang.t(match (c.open, c.paired) { (false, _) => "xb-awaiting", (true, false) => "xb-unpaired", (true, true) => "xb-open" })) }))
            (crate::layout::row(&lang.t("xb-agency"), html! { a href={ "/explorer/agencies/" (c.agency) } { (c.agency) } }))
            (crate::layout::row(&lang.t("xb-paired"), html! { code { (c.remote_corridor) } }))
            (crate::layout::row(&lang.t("xb-account"), html! { a href={ "/explorer/accounts/" (c.account) } { code { (c.account) } } }))
            (crate::layout::row(&lang.t("xb-validators"), html! {
                (lang.int(sets["cosigners"].as_array().map_or(0, Vec::len) as u64)) " · "
                (lang.t("xb-quorum")) " " (lang.int(sets["quorum"].as_u64().unwrap_or(0))) " · "
                code { (sets["origin"].as_str().unwrap_or_default()) }
                @if c.followed > 0 { " · " (lang.t("xb-followed")) " " (lang.int(c.followed)) }
            }))
            (crate::layout::row(&lang.t("xb-rate"), html! { (lang.int(c.rate.remote)) " → " (lang.int(c.rate.local)) }))
            (crate::layout::row(&lang.t("xb-limit"), money(c.limit.get())))
            (crate::layout::row(&lang.t("xb-sent"), html! { (money(t.sent.get())) " · " (lang.t("xb-pending")) " " (lang.int(t.pending)) }))
            (crate::layout::row(&lang.t("xb-delivered-refunded"), html! { (money(t.delivered.get())) " / " (money(t.refunded.get())) }))
            (crate::layout::row(&lang.t("xb-received"), html! { (money(t.received.get())) " · " (lang.t("xb-expired")) " " (lang.int(t.expired)) }))
        }
        @if !moves.is_empty() {
            table {
                caption { (lang.t("xb-latest")) }
                (head(&[(&lang.t("xb-col-transfer"), false), (&lang.t("xb-col-what"), false),
                        (&lang.t("xb-col-amount"), true), (&lang.t("xb-col-block"), true)]))
                tbody {
                    @for m in moves.iter().rev() {
                        @let id = m["transfer"].as_str().unwrap_or_default();
                        @let what = m["kind"].as_str().unwrap_or_default();
                        tr {
                            th scope="row" {
                                @if what == "received" || what == "expired" {
                                    (crate::layout::short(id))
                                } @else {
                                    a href={ "/v1/crossborder/transfers/" (id) } { (crate::layout::short(id)) }
                                }
                            }
                            td {
                                (kind(lang, what))
                                @if let Some(to) = m["to"].as_str() { " → " code { (to) } }
                            }
                            td class="num" {
                                @if let Some(a) = m["amount"].as_str().and_then(|a| a.parse::<u128>().ok()) { (money(a)) }
                            }
                            td class="num" {
                                a href={ "/explorer/blocks/" (m["height"].as_u64().unwrap_or(0)) } { (lang.int(m["height"].as_u64().unwrap_or(0))) }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn show(portal: &Portal, reader: &Reader) -> Response {
    let lang = reader.lang;
    let view = portal.node.read_view();
    let corridors: Vec<Corridor> = view
        .state()
        .scan_prefix(b"crossborder/corridor/", LISTED_MAX)
        .into_iter()
        .filter_map(|(_, v)| serde_json::from_slice(&v).ok())
        .collect();
    let body = html! {
        p { (lang.t("xb-intro")) }
        @if corridors.is_empty() { p { (lang.t("xb-none")) } }
        @for c in &corridors { (corridor(lang, &view, c)) }
        h2 { (lang.t("xb-check-title")) }
        ol {
            @for step in ["xb-check-1", "xb-check-2", "xb-check-3"] {
                li { (lang.t(step)) }
            }
        }
    };
    Page::new(lang.t("xb-title"), body).render(portal, reader)
}
