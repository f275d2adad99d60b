//! Local governance: each community with its members and treasury; its
//! proposals with their status, the count through delegations once
//! closed, and when their payments run; its budgeting rounds with every
//! project's approvals, the winners and whether they were paid; and how
//! anyone checks it, in plain words.

use crate::i18n::Lang;
use crate::layout::{head, Page, Reader};
use crate::Portal;
use axum::extract::State;
use axum::response::Response;
use maud::{html, Markup};
use publica_elections::governance::model::{Community, Proposal, Round, RoundStatus, Status};
use publica_runtime::routes::ReadView;

/// Most communities, and proposals or rounds per community, the page lists.
pub const LISTED_MAX: usize = 50;

/// `GET /governance`.
pub async fn page(State(portal): State<Portal>, reader: Reader) -> Response {
    super::off_runtime(portal, reader, show).await
}

fn status(lang: Lang, s: Status) -> String {
    let k = match s {
        Status::Open => "open",
        Status::Passed => "passed",
        Status::Rejected => "rejected",
        Status::Vetoed => "vetoed",
        Status::Executed => "executed",
        Status::Failed => "failed",
    };
    lang.t(&format!("governance-status-{k}"))
}

fn round_status(lang: Lang, s: RoundStatus) -> String {
    let k = match s {
        RoundStatus::Open => "open",
        RoundStatus::Objection => "objection",
        RoundStatus::Cancelled => "cancelled",
        RoundStatus::Funded => "funded",
        RoundStatus::Unfunded => "unfunded",
    };
    lang.t(&format!("governance-round-{k}"))
}

fn listed<T: serde::de::DeserializeOwned>(view: &dyn ReadView, prefix: &str) -> Vec<T> {
    view.state()
        .scan_prefix(prefix.as_bytes(), LISTED_MAX)
        .into_iter()
        .filter_map(|(_, v)| serde_json::from_slice(&v).ok())
        .collect()
}

fn proposals(
    lang: Lang,
    c: &Community,
    list: &[Proposal],
    money: &dyn Fn(u128) -> Markup,
) -> Markup {
    html! {
        table {
            caption { (lang.t("governance-proposals")) }
            (head(&[(&lang.t("governance-col-proposal"), false), (&lang.t("governance-col-topic"), false),
                    (&lang.t("governance-col-status"), false), (&lang.t("governance-col-count"), false),
                    (&lang.t("governance-col-pays"), true)]))
            tbody {
                @for p in list {
                    tr {
                        th scope="row" { (p.title) }
                        td { (p.topic) }
                        td {
                            (status(lang, p.status))
                            @if p.status == Status::Open { " — " (lang.ta("governance-closes", &[("time", &lang.time(p.closes_ms))])) }
                            @if let (Status::Passed, Some(t)) = (p.status, p.executes_ms) { " — " (lang.ta("governance-runs", &[("time", &lang.time(t))])) }
                        }
                        td {
                            @match &p.tally {
                                Some(t) => (lang.ta("governance-tally", &[("yes", &lang.int(t.yes)), ("no", &lang.int(t.no)),
                                    ("abstain", &lang.int(t.abstain)), ("delegated", &lang.int(t.delegated)), ("members", &lang.int(t.members))])),
                                None => (lang.t("governance-counted-at-close")),
                            }
                        }
                        td class="num" {
                            @for publica_elections::governance::model::Action::Pay { to, amount, .. } in &p.actions {
                                (money(amount.get())) " → " a href={ "/explorer/accounts/" (to) } { (to) } br;
                            }
                        }
                    }
                }
            }
        }
        @if list.is_empty() { p { (lang.ta("governance-no-proposals", &[("community", &c.title)])) } }
    }
}

fn round(lang: Lang, r: &Round, money: &dyn Fn(u128) -> Markup) -> Markup {
    let winners = r.winners.clone().unwrap_or_default();
    html! {
        table {
            caption { (lang.ta("governance-round", &[("round", &r.title)])) " — " (round_status(lang, r.status)) }
            (head(&[(&lang.t("governance-col-project"), false), (&lang.t("governance-col-cost"), true),
                    (&lang.t("governance-col-approvals"), true), (&lang.t("governance-col-selected"), false)]))
            tbody {
                @for (i, p) in r.projects.iter().enumerate() {
                    tr {
                        th scope="row" { (p.title) }
                        td class="num" { (money(p.cost.get())) }
                        td class="num" {
                            @match r.approvals.as_ref().and_then(|a| a.get(i)) {
                                Some(n) => (lang.int(*n)),
                                None => (lang.t("governance-counted-at-close")),
                            }
                        }
                        td { @if winners.contains(&p.id) { (lang.t("governance-selected")) } }
                    }
                }
            }
        }
        dl class="figures" {
            (crate::layout::row(&lang.t("governance-budget"), money(r.budget.get())))
            (crate::layout::row(&lang.t("governance-closes-at"), html! { (lang.time(r.closes_ms)) }))
            @if let Some(t) = r.funds_ms { (crate::layout::row(&lang.t("governance-paid-at"), html! { (lang.time(t)) })) }
            (crate::layout::row(&lang.t("governance-objections"), html! { (lang.int(r.objections)) }))
        }
    }
}

fn community(lang: Lang, view: &dyn ReadView, c: &Community) -> Markup {
    let decimals = crate::data::get::<publica_money::model::Currency>(
        view,
        &publica_money::model::currency_key(&c.currency),
    )
    .map_or(0, |x| x.decimals);
    let money = |minor: u128| super::home::money(lang, minor, decimals, &c.currency);
    let treasury = crate::data::get::<publica_money::model::Account>(
        view,
        &publica_money::model::account_key(&c.account),
    );
    let base = format!("governance/proposal/{}/{}/", c.agency, c.id);
    let props: Vec<Proposal> = listed(view, &base);
    let rounds: Vec<Round> = listed(view, &format!("governance/round/{}/{}/", c.agency, c.id));
    html! {
        h2 id={ "community-" (c.id) } { (c.title) " — " a href={ "/explorer/agencies/" (c.agency) } { (c.agency) } }
        dl class="figures" {
            (crate::layout::row(&lang.t("governance-members"), html! { (lang.int(c.members)) }))
            (crate::layout::row(&lang.t("governance-topics"), html! { (c.topics.join(", ")) }))
            (crate::layout::row(&lang.t("governance-treasury"), html! {
                @if let Some(a) = &treasury { (money(a.balance.get())) " " }
                a href={ "/explorer/accounts/" (c.account) } { (c.account) } }))
        }
        (proposals(lang, c, &props, &money))
        @for r in &rounds { (round(lang, r, &money)) }
    }
}

fn show(portal: &Portal, reader: &Reader) -> Response {
    let lang = reader.lang;
    let view = portal.node.read_view();
    let communities: Vec<Community> = listed(&view, "governance/community/");
    let body = html! {
        p { (lang.t("governance-intro")) }
        @if communities.is_empty() { p { (lang.t("governance-none")) } }
        @for c in &communities { (community(lang, &view, c)) }
        h2 { (lang.t("governance-check-title")) }
        ol {
            @for step in ["governance-check-1", "governance-check-2", "governance-check-3", "governance-check-4"] {
                li { (lang.t(step)) }
            }
        }
        p { code { "GET /v1/governance/{agency}/{community}/rounds/{id}?format=pb" } " · " code { "publica election pb FILE.pb" } }
    };
    Page::new(lang.t("governance-title"), body).render(portal, reader)
}
