//! The explorer: blocks, transactions with their receipts, accounts
//! (pseudonymous), agencies, and search by id.

use super::home::{link, money};
use super::{bad_request, page_number, unavailable, unknown};
use crate::data;
use crate::layout::{head, row, short, Page, Reader};
use crate::Portal;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use publica_node::TxLookup;
use publica_types::Hash32;
use std::collections::BTreeMap;

/// Blocks a page lists.
const BLOCKS_PER_PAGE: u64 = 20;
/// Transactions of a block a page lists.
const TXS_PER_PAGE: u64 = 100;
/// Pages of a block's transactions, at most.
const PAGES_PER_BLOCK_MAX: u64 =
    (publica_types::limits::BLOCK_TXS_MAX as u64).div_ceil(TXS_PER_PAGE);
/// History entries of an account a page lists.
const HISTORY_PER_PAGE: u64 = 50;
/// Longest search term.
const SEARCH_CHARS_MAX: usize = 200;

/// A page's query parameters (a query that does not parse has none).
pub type Params = Result<Query<BTreeMap<String, String>>, QueryRejection>;

/// The parameter `name`, if given.
pub fn param<'a>(q: &'a Params, name: &str) -> Option<&'a str> {
    q.as_ref()
        .ok()
        .and_then(|q| q.0.get(name))
        .map(String::as_str)
}

/// `GET /explorer`: the latest blocks, a page at a time.
pub async fn blocks(State(portal): State<Portal>, reader: Reader, q: Params) -> Response {
    let lang = reader.lang;
    let tip = portal.node.status().height;
    let pages = tip.div_ceil(BLOCKS_PER_PAGE).max(1);
    let page = match page_number(&portal, &reader, param(&q, "page"), pages) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let top = tip.saturating_sub((page - 1) * BLOCKS_PER_PAGE);
    let bottom = top.saturating_sub(BLOCKS_PER_PAGE - 1).max(1);
    let node = portal.node.clone();
    let headers = tokio::task::spawn_blocking(move || {
        (bottom..=top)
            .rev()
            .filter(|h| *h > 0)
            .map(|h| node.header(h))
            .collect::<Result<Vec<_>, _>>()
    })
    .await;
    let headers = match headers {
        Ok(Ok(h)) => h.into_iter().flatten().collect::<Vec<_>>(),
        Ok(Err(e)) => return unavailable(&portal, &reader, &e),
        Err(e) => return unavailable(&portal, &reader, &e),
    };
    let body = html! {
        p { (lang.t("explorer-intro")) }
        @if headers.is_empty() {
            p { (lang.t("explorer-no-blocks")) }
        } @else {
            table {
                caption { (lang.ta("explorer-blocks-caption", &[("page", &lang.int(page)), ("pages", &lang.int(pages))])) }
                (head(&[(&lang.t("col-height"), true), (&lang.t("col-time"), false), (&lang.t("col-transactions"), true), (&lang.t("col-hash"), false)]))
                tbody {
                    @for h in &headers {
                        tr {
                            th scope="row" class="num" { a href={ "/explorer/blocks/" (h.height) } { (lang.int(h.height)) } }
                            td { (lang.time(h.time_ms)) }
                            td class="num" { (lang.int(h.tx_count)) }
                            td { (short(&h.state_root.to_hex())) }
                        }
                    }
                }
            }
            (pager(&reader, "/explorer", page, pages))
        }
        p { a href="/explorer/agencies" { (lang.t("explorer-agencies-link")) } }
    };
    Page::new(lang.t("explorer-title"), body)
        .json("/v1/status")
        .render(&portal, &reader)
}

/// Links to the previous and next pages.
fn pager(reader: &Reader, base: &str, page: u64, pages: u64) -> maud::Markup {
    let lang = reader.lang;
    html! {
        nav class="pager" aria-label=(lang.t("pager-label")) {
            @if page > 1 { a href={ (base) "?page=" (page - 1) } rel="prev" { (lang.t("pager-newer")) } }
            " "
            @if page < pages { a href={ (base) "?page=" (page + 1) } rel="next" { (lang.t("pager-older")) } }
        }
    }
}

/// `GET /explorer/blocks/{height}`.
pub async fn block(
    State(portal): State<Portal>,
    reader: Reader,
    Path(height): Path<String>,
    q: Params,
) -> Response {
    let lang = reader.lang;
    let Ok(height) = height.parse::<u64>() else {
        return bad_request(
            &portal,
            &reader,
            lang.ta("error-bad-height", &[("given", &height)]),
        );
    };
    // The page is checked against the block's size once it is read; until
    // then, against the most a block can hold.
    let asked = match page_number(&portal, &reader, param(&q, "page"), PAGES_PER_BLOCK_MAX) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let first = usize::try_from((asked - 1) * TXS_PER_PAGE).unwrap_or(usize::MAX);
    let node = portal.node.clone();
    let read =
        tokio::task::spawn_blocking(move || node.block_page(height, first, TXS_PER_PAGE as usize))
            .await;
    let block = match read {
        Ok(Ok(Some(b))) => b,
        Ok(Ok(None)) => {
            return unknown(
                &portal,
                &reader,
                "block.unknown",
                lang.ta("error-unknown-block", &[("height", &height.to_string())]),
            );
        }
        Ok(Err(e)) => return unavailable(&portal, &reader, &e),
        Err(e) => return unavailable(&portal, &reader, &e),
    };
    let total = block.tx_total as u64;
    let pages = total.div_ceil(TXS_PER_PAGE).max(1);
    let page = match page_number(&portal, &reader, param(&q, "page"), pages) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let h = &block.header;
    let shown = &block.transactions;
    let body = html! {
        dl {
            (row(&lang.t("col-time"), html! { (lang.time(h.time_ms)) }))
            (row(&lang.t("col-transactions"), html! { (lang.int(h.tx_count)) }))
            (row(&lang.t("block-log-size"), html! { (lang.int(h.log_size)) }))
            (row(&lang.t("block-state-root"), html! { code { (h.state_root.to_hex()) } }))
            (row(&lang.t("block-parent"), html! { code { (h.parent_hash.to_hex()) } }))
        }
        @if block.ledger_events > 0 {
            p { (lang.tn("block-ledger-events", &[("count", &lang.int(block.ledger_events as u64))], block.ledger_events as u64)) }
        }
        @if total > 0 {
            table {
                caption { (lang.ta("block-txs-caption", &[("page", &lang.int(page)), ("pages", &lang.int(pages))])) }
                (head(&[(&lang.t("col-transaction"), false), (&lang.t("col-action"), false), (&lang.t("col-status"), false)]))
                tbody {
                    @for (env, out) in shown {
                        tr {
                            th scope="row" { (link(format!("/explorer/transactions/{}", out.tx_id.to_hex()), &out.tx_id.to_hex())) }
                            td { code { (env.body.call.module) "." (env.body.call.method) } }
                            td { (status_text(lang, out.status)) }
                        }
                    }
                }
            }
            (pager(&reader, &format!("/explorer/blocks/{height}"), page, pages))
        }
        nav class="pager" aria-label=(lang.t("pager-blocks")) {
            @if height > 1 { a href={ "/explorer/blocks/" (height - 1) } rel="prev" { (lang.t("block-previous")) } }
            " "
            @if height < portal.node.status().height { a href={ "/explorer/blocks/" (height + 1) } rel="next" { (lang.t("block-next")) } }
        }
    };
    Page::new(
        lang.ta("block-title", &[("height", &lang.int(height))]),
        body,
    )
    .json(format!("/v1/blocks/{height}"))
    .render(&portal, &reader)
}

/// A transaction's result in plain words.
pub fn status_text(lang: crate::Lang, s: publica_types::TxStatus) -> String {
    match s {
        publica_types::TxStatus::Ok => lang.t("status-ok"),
        publica_types::TxStatus::Failed => lang.t("status-failed"),
    }
}

/// `GET /explorer/transactions/{id}`.
pub async fn transaction(
    State(portal): State<Portal>,
    reader: Reader,
    Path(id): Path<String>,
) -> Response {
    let lang = reader.lang;
    let Ok(tx) = id.parse::<Hash32>() else {
        return bad_request(&portal, &reader, lang.t("error-bad-tx-id"));
    };
    let node = portal.node.clone();
    let receipt = match tokio::task::spawn_blocking(move || node.lookup_tx(&tx)).await {
        Ok(Ok(TxLookup::Committed(r))) => r,
        Ok(Ok(TxLookup::Pending)) => {
            let body = html! { p { (lang.t("tx-pending")) } };
            return Page::new(lang.t("tx-title"), body)
                .json(format!("/v1/transactions/{id}"))
                .render(&portal, &reader);
        }
        Ok(Ok(TxLookup::Unknown)) => {
            return unknown(&portal, &reader, "tx.unknown", lang.t("error-unknown-tx"));
        }
        Ok(Err(e)) => return unavailable(&portal, &reader, &e),
        Err(e) => return unavailable(&portal, &reader, &e),
    };
    let r = &receipt;
    let call = &r.transaction.body.call;
    let args = serde_json::to_string_pretty(&call.args).unwrap_or_default();
    let body = html! {
        dl {
            (row(&lang.t("col-transaction"), html! { code { (r.tx_id.to_hex()) } }))
            (row(&lang.t("col-action"), html! { code { (call.module) "." (call.method) } }))
            (row(&lang.t("col-status"), html! { (status_text(lang, r.outcome.status)) }))
            @if let Some(e) = &r.outcome.error { (row(&lang.t("tx-error"), html! { code { (e.code) } " " (e.message) })) }
            (row(&lang.t("tx-signer"), html! { code { (r.transaction.signer.to_hex()) } }))
            (row(&lang.t("tx-block"), html! { a href={ "/explorer/blocks/" (r.block_height) } { (lang.int(r.block_height)) } }))
            (row(&lang.t("tx-leaf"), html! { (lang.int(r.leaf_index)) " / " (lang.int(r.tree_size)) }))
        }
        h2 { (lang.t("tx-arguments")) }
        pre { (args) }
        @if !r.outcome.events.is_empty() {
            h2 { (lang.t("tx-events")) }
            ul {
                @for e in &r.outcome.events {
                    li { code { (e.module) "." (e.kind) } " " code { (e.data.to_string()) } }
                }
            }
        }
        p class="callout" {
            (lang.t("tx-receipt-explained")) " "
            a href={ "/check?tx=" (r.tx_id.to_hex()) } { (lang.t("tx-check-link")) }
        }
    };
    Page::new(lang.t("tx-title"), body)
        .json(format!("/v1/transactions/{id}"))
        .render(&portal, &reader)
}

/// `GET /explorer/accounts/{id}`: a money account and its history, newest
/// first.
pub async fn account(
    State(portal): State<Portal>,
    reader: Reader,
    Path(id): Path<String>,
    q: Params,
) -> Response {
    super::off_runtime(portal, reader, move |portal, reader| {
        account_now(portal, reader, id, q)
    })
    .await
}

fn account_now(portal: &Portal, reader: &Reader, id: String, q: Params) -> Response {
    let lang = reader.lang;
    if !publica_money::model::valid_id(&id) {
        return bad_request(portal, reader, lang.t("error-bad-account-id"));
    }
    let view = portal.node.read_view();
    let Some(a) = data::account(&view, &id) else {
        return unknown(
            portal,
            reader,
            "money.unknown_account",
            lang.ta("error-unknown-account", &[("id", &id)]),
        );
    };
    let decimals = data::get::<publica_money::model::Currency>(
        &view,
        &publica_money::model::currency_key(&a.currency),
    )
    .map_or(0, |c| c.decimals);
    let key = format!("money/{}", publica_money::history::history_key(&id));
    let total = match publica_runtime::routes::ReadView::indexed(&view, &key, 0, 0) {
        Ok((n, _)) => n,
        Err(e) => return unavailable(portal, reader, &e.message),
    };
    let pages = total.div_ceil(HISTORY_PER_PAGE).max(1);
    let page = match page_number(portal, reader, param(&q, "page"), pages) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let end = total.saturating_sub((page - 1) * HISTORY_PER_PAGE);
    let from = end.saturating_sub(HISTORY_PER_PAGE);
    let entries = match publica_runtime::routes::ReadView::indexed(
        &view,
        &key,
        from,
        usize::try_from(end - from).unwrap_or(0),
    ) {
        Ok((_, e)) => e,
        Err(e) => return unavailable(portal, reader, &e.message),
    };
    let body = html! {
        p { (lang.t("account-pseudonymous")) }
        dl {
            (row(&lang.t("col-currency"), html! { (a.currency) }))
            (row(&lang.t("account-balance"), money(lang, a.balance.get(), decimals, &a.currency)))
            @if a.frozen { (row(&lang.t("col-status"), html! { (lang.t("account-frozen")) })) }
            @if a.closed { (row(&lang.t("col-status"), html! { (lang.t("account-closed")) })) }
            @if let Some(e) = &a.earmark { (row(&lang.t("account-earmark"), html! { (e.categories.join(", ")) })) }
        }
        @if !a.provenance.is_empty() {
            h2 { (lang.t("account-provenance")) }
            ul { @for (source, amount) in &a.provenance { li { code { (source) } ": " (money(lang, amount.get(), decimals, &a.currency)) } } }
        }
        h2 { (lang.t("account-history")) }
        @if entries.is_empty() { p { (lang.t("account-no-history")) } } @else {
            table {
                caption { (lang.ta("account-history-caption", &[("page", &lang.int(page)), ("pages", &lang.int(pages))])) }
                (head(&[(&lang.t("col-what"), false), (&lang.t("col-amount"), true), (&lang.t("col-counterparty"), false), (&lang.t("col-proof"), false)]))
                tbody {
                    @for e in entries.iter().rev() {
                        @let amount = e["amount"].as_str().and_then(|s| s.parse::<u128>().ok());
                        tr {
                            th scope="row" { (e["kind"].as_str().unwrap_or("")) " " (direction(lang, e["direction"].as_str())) }
                            td class="num" { @if let Some(v) = amount { (lang.amount(v, decimals)) } }
                            td { @if let Some(c) = e["counterparty"].as_str() { (short(c)) } }
                            td { @if let Some(tx) = e["tx_id"].as_str() { a href={ "/explorer/transactions/" (tx) } { (lang.t("col-receipt")) } } @else { (lang.ta("account-ledger-work", &[("height", &e["height"].as_u64().map(|h| lang.int(h)).unwrap_or_default())])) } }
                        }
                    }
                }
            }
            (pager(reader, &format!("/explorer/accounts/{id}"), page, pages))
        }
    };
    Page::new(lang.ta("account-title", &[("id", &id)]), body)
        .json(format!("/v1/money/accounts/{id}"))
        .render(portal, reader)
}

fn direction(lang: crate::Lang, d: Option<&str>) -> String {
    match d {
        Some("in") => lang.t("direction-in"),
        Some("out") => lang.t("direction-out"),
        _ => String::new(),
    }
}

/// `GET /explorer/agencies`.
pub async fn agencies(State(portal): State<Portal>, reader: Reader) -> Response {
    super::off_runtime(portal, reader, move |portal, reader| {
        agencies_now(portal, reader)
    })
    .await
}

fn agencies_now(portal: &Portal, reader: &Reader) -> Response {
    let lang = reader.lang;
    let view = portal.node.read_view();
    let list = data::agencies(&view, portal.genesis());
    let body = html! {
        p { (lang.t("agencies-intro")) }
        ul { @for a in &list { li { a href={ "/explorer/agencies/" (a.id) } { (a.name) } " (" code { (a.id) } ")" } } }
    };
    Page::new(lang.t("agencies-title"), body)
        .json("/v1/identity/agencies")
        .render(portal, reader)
}

/// `GET /explorer/agencies/{id}`: an agency, its currencies and programs.
pub async fn agency(
    State(portal): State<Portal>,
    reader: Reader,
    Path(id): Path<String>,
) -> Response {
    super::off_runtime(portal, reader, move |portal, reader| {
        agency_now(portal, reader, id)
    })
    .await
}

fn agency_now(portal: &Portal, reader: &Reader, id: String) -> Response {
    let lang = reader.lang;
    if publica_identity::state::check_agency_id(&id).is_err() {
        return bad_request(portal, reader, lang.t("error-bad-agency-id"));
    }
    let view = portal.node.read_view();
    let Some(a) = data::agency(&view, &id) else {
        return unknown(
            portal,
            reader,
            "auth.unknown_agency",
            lang.ta("error-unknown-agency", &[("id", &id)]),
        );
    };
    let currencies: Vec<_> = data::currencies(&view)
        .into_iter()
        .filter(|c| c.agency == id)
        .collect();
    let programs: Vec<_> = data::programs(&view)
        .into_iter()
        .filter(|p| p.agency == id)
        .collect();
    let body = html! {
        dl {
            (row(&lang.t("agency-id"), html! { code { (a.id) } }))
            (row(&lang.t("agency-administrators"), html! { (lang.int(u64::from(a.administrators))) }))
            (row(&lang.t("agency-threshold"), html! { (lang.int(u64::from(a.policy_threshold))) }))
            (row(&lang.t("agency-since"), html! { @if a.created_height == 0 { (lang.t("agency-genesis")) } @else { a href={ "/explorer/blocks/" (a.created_height) } { (lang.int(a.created_height)) } } }))
        }
        @if !currencies.is_empty() {
            h2 { (lang.t("agency-currencies")) }
            ul { @for c in &currencies { li { a href={ "/money#currency-" (c.code) } { (c.name) } } } }
        }
        @if !programs.is_empty() {
            h2 { (lang.t("agency-programs")) }
            ul { @for p in &programs { li { a href={ "/programs/" (p.id) } { (p.name) } } } }
        }
        p { a href={ "/v1/identity/agencies/" (id) "/members" } { (lang.t("agency-members-json")) } }
    };
    Page::new(a.name.clone(), body)
        .json("/v1/identity/agencies")
        .render(portal, reader)
}

/// `GET /search?q=`: a transaction id, a block height, or the id of a
/// program, agency, account or currency; sends the reader to its page.
pub async fn search(State(portal): State<Portal>, reader: Reader, q: Params) -> Response {
    let lang = reader.lang;
    let term = param(&q, "q").unwrap_or("").trim().to_string();
    if term.is_empty()
        || term.chars().count() > SEARCH_CHARS_MAX
        || term.chars().any(char::is_control)
    {
        return bad_request(
            &portal,
            &reader,
            lang.ta(
                "error-bad-search",
                &[("max", &SEARCH_CHARS_MAX.to_string())],
            ),
        );
    }
    let found = find(&portal, &term).await;
    match found {
        Ok(Some(path)) => Redirect::to(&path).into_response(),
        Ok(None) => unknown(
            &portal,
            &reader,
            "search.not_found",
            lang.ta("error-search-nothing", &[("term", &term)]),
        ),
        Err(e) => unavailable(&portal, &reader, &e),
    }
}

/// Whether `term` can be the id of a program, agency, account or currency
/// (1..=64 of letters, digits and `._:-`): nothing else is looked up, and
/// so nothing else ends up in a redirect.
pub fn plain_id(term: &str) -> bool {
    (1..=64).contains(&term.len())
        && term
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._:-".contains(&b))
}

/// Why a search could not look: a read of the node failed.
type ReadFailed = Box<dyn std::error::Error + Send + Sync>;

async fn find(portal: &Portal, term: &str) -> Result<Option<String>, ReadFailed> {
    if let Ok(id) = term.to_ascii_lowercase().parse::<Hash32>() {
        let node = portal.node.clone();
        let found = tokio::task::spawn_blocking(move || node.lookup_tx(&id)).await??;
        return Ok((!matches!(found, TxLookup::Unknown))
            .then(|| format!("/explorer/transactions/{}", id.to_hex())));
    }
    if term.bytes().all(|b| b.is_ascii_digit()) {
        let tip = portal.node.status().height;
        return Ok(term
            .parse::<u64>()
            .ok()
            .filter(|h| (1..=tip).contains(h))
            .map(|h| format!("/explorer/blocks/{h}")));
    }
    if !plain_id(term) {
        return Ok(None);
    }
    let view = portal.node.read_view();
    if data::program(&view, term).is_some() {
        return Ok(Some(format!("/programs/{term}")));
    }
    if publica_identity::state::check_agency_id(term).is_ok() && data::agency(&view, term).is_some()
    {
        return Ok(Some(format!("/explorer/agencies/{term}")));
    }
    if publica_money::model::valid_id(term) && data::account(&view, term).is_some() {
        return Ok(Some(format!("/explorer/accounts/{term}")));
    }
    if data::get::<publica_money::model::Currency>(&view, &publica_money::model::currency_key(term))
        .is_some()
    {
        return Ok(Some(format!("/money#currency-{term}")));
    }
    Ok(None)
}
