//! Insurance claims: every plan an insurer runs on the ledger — its cover
//! rules as written, its tariff, yearly limit and co-payment — and, for
//! the last three months, how many claims its rules approved, denied (and
//! why), referred to an adjudicator or saw appealed, and what it paid.
//! Counts and sums only: no claim, member or diagnosis is shown.

use crate::i18n::Lang;
use crate::layout::{head, Page, Reader};
use crate::Portal;
use axum::extract::State;
use axum::response::Response;
use maud::{html, Markup};
use publica_claims::model::{stats_key, Plan, Stats};
use publica_runtime::routes::ReadView;

/// Most plans the page lists.
pub const PLANS_MAX: usize = 200;

/// `GET /claims`.
pub async fn page(State(portal): State<Portal>, reader: Reader) -> Response {
    super::off_runtime(portal, reader, show).await
}

/// The month `back` months before the one of `now_ms`, `YYYY-MM`.
fn month(now_ms: u64, back: i64) -> String {
    let (y, m, _) = publica_types::calendar::civil_from_days(
        i64::try_from(now_ms / 86_400_000).unwrap_or_default(),
    );
    let n = y * 12 + m - 1 - back;
    format!("{:04}-{:02}", n / 12, n % 12 + 1)
}

fn plan(lang: Lang, view: &dyn ReadView, p: &Plan) -> Markup {
    let decimals = crate::data::get::<publica_money::model::Currency>(
        view,
        &publica_money::model::currency_key(&p.currency),
    )
    .map_or(0, |c| c.decimals);
    let money = |minor: u128| super::home::money(lang, minor, decimals, &p.currency);
    let now = view.now_ms();
    let months: Vec<(String, Stats)> = (0..3)
        .rev()
        .map(|b| {
            let m = month(now, b);
            let s = crate::data::get(view, &stats_key(&p.agency, &p.id, &m)).unwrap_or_default();
            (m, s)
        })
        .collect();
    html! {
        h2 { (p.name) " — " a href={ "/explorer/agencies/" (p.agency) } { (p.agency) } }
        dl class="figures" {
            (crate::layout::row(&lang.t("claims-cover"), html! { code { (p.cover) } }))
            @if let Some(r) = &p.refer {
                (crate::layout::row(&lang.t("claims-refer"), html! { code { (r) } }))
            }
            (crate::layout::row(&lang.t("claims-limit"), money(p.annual_limit.get())))
            (crate::layout::row(&lang.t("claims-copay"), html! { (p.copay_pct) " %" }))
            (crate::layout::row(&lang.t("claims-codes"), html! { (p.tariff.len()) }))
        }
        table {
            caption { (lang.ta("claims-months", &[("plan", &p.name)])) }
            (head(&[(&lang.t("claims-col-month"), false), (&lang.t("claims-col-submitted"), true),
                    (&lang.t("claims-col-approved"), true), (&lang.t("claims-col-denied"), true),
                    (&lang.t("claims-col-referred"), true), (&lang.t("claims-col-appealed"), true),
                    (&lang.t("claims-col-paid"), true)]))
            tbody {
                @for (m, s) in &months {
                    tr {
                        th scope="row" { (m) }
                        td class="num" { (lang.int(s.submitted)) }
                        td class="num" { (lang.int(s.approved)) }
                        td class="num" {
                            (lang.int(s.denied))
                            @for (why, n) in &s.denied_by { br; small { code { (why) } " " (lang.int(*n)) } }
                        }
                        td class="num" { (lang.int(s.referred)) }
                        td class="num" { (lang.int(s.appealed)) }
                        td class="num" { (money(s.paid.get())) }
                    }
                }
            }
        }
    }
}

fn show(portal: &Portal, reader: &Reader) -> Response {
    let lang = reader.lang;
    let view = portal.node.read_view();
    let plans: Vec<Plan> = view
        .state()
        .scan_prefix(b"claims/plan/", PLANS_MAX)
        .into_iter()
        .filter_map(|(_, v)| serde_json::from_slice(&v).ok())
        .collect();
    let body = html! {
        p { (lang.t("claims-intro")) }
        @if plans.is_empty() { p { (lang.t("claims-none")) } }
        @for p in &plans { (plan(lang, &view, p)) }
    };
    Page::new(lang.t("claims-title"), body).render(portal, reader)
}
