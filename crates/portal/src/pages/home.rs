//! Home: what this ledger is, who runs it, the headline figures and the
//! latest checkpoint.

use crate::data;
use crate::i18n::Lang;
use crate::layout::{head, row, short, Page, Reader};
use crate::Portal;
use axum::extract::State;
use axum::response::Response;
use maud::{html, Markup};
use publica_consensus::NetworkStatus;

/// `GET /`.
pub async fn page(State(portal): State<Portal>, reader: Reader) -> Response {
    let p = portal.clone();
    let built = tokio::task::spawn_blocking(move || body(&p, reader.lang)).await;
    match built {
        Ok(Ok(body)) => {
            let mut page = Page::new(reader.lang.t("home-title"), body).json("/v1/status");
            page.script = Some("/assets/live.js");
            page.render(&portal, &reader)
        }
        Ok(Err(e)) => super::unavailable(&portal, &reader, &e),
        Err(e) => super::unavailable(&portal, &reader, &e),
    }
}

fn body(portal: &Portal, lang: Lang) -> Result<Markup, publica_node::QueryError> {
    let node = &portal.node;
    let view = node.read_view();
    let status = node.status();
    let agencies = data::agencies(&view, portal.genesis());
    let currencies = data::currencies(&view);
    let month = publica_programs::period::of(publica_types::now_ms());
    let paid = data::paid_in(&view, &month);
    let today = data::transactions_today(node, &portal.day)?;
    let checkpoint = node.checkpoint();
    Ok(html! {
        p class="lead" { (lang.t("home-intro")) }
        section aria-labelledby="figures" {
            h2 id="figures" { (lang.t("home-figures")) }
            dl class="figures" {
                (row(&lang.t("home-tx-today"), html! { span id="live-tx-today" data-value=(today) { (lang.int(today)) } }))
                (row(&lang.t("home-tx-total"), html! { span id="live-tx-total" data-value=(status.log_size) { (lang.int(status.log_size)) } }))
                (row(&lang.t("home-height"), html! { a id="live-height" href={ "/explorer/blocks/" (status.height) } { (lang.int(status.height)) } }))
                @if status.height > 0 { (row(&lang.t("home-last-block"), html! { (lang.time(status.time_ms)) })) }
            }
            h3 { (lang.t("home-money-issued")) }
            @if currencies.is_empty() {
                p { (lang.t("home-no-currency")) }
            } @else {
                table {
                    caption class="visually-hidden" { (lang.t("home-money-issued")) }
                    (head(&[
                        (&lang.t("col-currency"), false),
                        (&lang.t("col-in-circulation"), true),
                        (&lang.ta("col-paid-in", &[("month", &lang.period(&month))]), true),
                        (&lang.t("col-proof"), false),
                    ]))
                    tbody {
                        @for c in &currencies {
                            @let paid_here = paid.iter().find(|(code, _)| *code == c.code).map(|(_, p)| p.clone()).unwrap_or_default();
                            tr {
                                th scope="row" { (c.name) " (" (c.code) ")" }
                                td class="num" { (lang.amount(data::supply(c).get(), c.decimals)) }
                                // Fewer payments than a shown cell needs: not shown.
                                td class="num" { @if paid_here.count == 0 || paid_here.count >= portal.config.min_cell_recipients { (lang.amount(paid_here.amount, c.decimals)) } @else { (lang.ta("money-fewer-payments", &[("min", &lang.int(portal.config.min_cell_recipients))])) } }
                                td { a href={ "/v1/money/currencies/" (c.code) } { "JSON" } }
                            }
                        }
                    }
                }
                p { a href="/money" { (lang.t("home-where-link")) } }
            }
        }
        section aria-labelledby="who" {
            h2 id="who" { (lang.t("home-who")) }
            (validators(portal, lang))
            h3 { (lang.t("home-agencies")) }
            ul {
                @for a in &agencies {
                    li { a href={ "/explorer/agencies/" (a.id) } { (a.name) } }
                }
            }
        }
        section aria-labelledby="checkpoint" {
            h2 id="checkpoint" { (lang.t("home-checkpoint")) }
            p { (lang.t("home-checkpoint-explained")) }
            pre class="note" { (checkpoint) }
            p { a href="/check" { (lang.t("home-check-link")) } " · " a href="/checkpoint" { (lang.t("home-checkpoint-raw")) } }
        }
    })
}

fn validators(portal: &Portal, lang: Lang) -> Markup {
    let status = portal.config.network.as_ref().map(|f| f());
    match status {
        Some(NetworkStatus::Validator(v)) => html! {
            p { (lang.tn("home-validators", &[("count", &lang.int(v.validators.len() as u64)), ("quorum", &lang.int(v.quorum as u64))], v.validators.len() as u64)) }
            table {
                caption class="visually-hidden" { (lang.t("home-who")) }
                (head(&[(&lang.t("col-validator"), false), (&lang.t("col-status"), false)]))
                tbody {
                    @for val in &v.validators {
                        @let heard = v.peers.iter().find(|p| p.name == val.name).map(|p| p.heard_ms_ago);
                        tr {
                            th scope="row" { (val.name) }
                            td {
                                @if val.name == v.name { (lang.t("validator-this-node")) }
                                @else if let Some(ms) = heard {
                                    @if ms < 10_000 { (lang.t("validator-up")) } @else { (lang.tn("validator-silent", &[("seconds", &lang.int(ms / 1000))], ms / 1000)) }
                                } @else { (lang.t("validator-unheard")) }
                            }
                        }
                    }
                }
            }
        },
        _ => html! { p { (lang.t("home-single-node")) } },
    }
}

/// A currency amount with its code, for other pages.
pub fn money(lang: Lang, minor: u128, decimals: u8, code: &str) -> Markup {
    html! { (lang.amount(minor, decimals)) " " abbr { (code) } }
}

/// A short id linking to its page.
pub fn link(href: String, id: &str) -> Markup {
    html! { a href=(href) { (short(id)) } }
}
