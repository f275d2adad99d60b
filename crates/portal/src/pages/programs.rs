//! Programs: each one's enrolment, payments per period, budget used and
//! left, its rules and when they changed, its schedule, and the changes of
//! its terms (budget, end, schedule) with their reasons and approvals.

use super::home::money;
use super::money::paid_by_period;
use super::{bad_request, unknown};
use crate::data;
use crate::i18n::Lang;
use crate::layout::{head, row, Page, Reader};
use crate::Portal;
use axum::extract::{Path, State};
use axum::response::Response;
use maud::{html, Markup};
use publica_money::model::{currency_key, Currency};
use publica_programs::model::{amendment_key, Program, Schedule, TermsAmendment};
use publica_programs::queries::AMENDMENTS_SHOWN;

fn decimals(view: &dyn publica_runtime::routes::ReadView, code: &str) -> u8 {
    data::get::<Currency>(view, &currency_key(code)).map_or(0, |c| c.decimals)
}

/// Enrolment as shown: a count below the small-cell minimum is not.
fn enrolled(lang: Lang, n: u64, min: u64) -> String {
    if n > 0 && n < min {
        lang.ta("money-fewer-than", &[("min", &lang.int(min))])
    } else {
        lang.int(n)
    }
}

/// `GET /programs`.
pub async fn list(State(portal): State<Portal>, reader: Reader) -> Response {
    super::off_runtime(portal, reader, move |portal, reader| {
        list_now(portal, reader)
    })
    .await
}

fn list_now(portal: &Portal, reader: &Reader) -> Response {
    let lang = reader.lang;
    let view = portal.node.read_view();
    let programs = data::programs(&view);
    let total = data::directory_total(&view, &data::programs_key());
    let min = portal.config.min_cell_recipients;
    let body = html! {
        p { (lang.t("programs-intro")) }
        @if total > programs.len() as u64 {
            p { (lang.ta("list-first", &[("shown", &lang.int(programs.len() as u64)), ("total", &lang.int(total))])) }
        }
        @if programs.is_empty() { p { (lang.t("programs-none")) } } @else {
            table {
                caption { (lang.t("programs-title")) }
                (head(&[(&lang.t("col-program"), false), (&lang.t("col-agency"), false), (&lang.t("col-enrolled"), true), (&lang.t("col-paid"), true), (&lang.t("col-left"), true)]))
                tbody {
                    @for p in &programs {
                        @let d = decimals(&view, &p.currency);
                        tr {
                            th scope="row" { a href={ "/programs/" (p.id) } { (p.name) } }
                            td { a href={ "/explorer/agencies/" (p.agency) } { (p.agency) } }
                            td class="num" { (enrolled(lang, p.enrolled, min)) }
                            td class="num" { (money(lang, p.paid_total.get(), d, &p.currency)) }
                            td class="num" { (money(lang, u128::from(p.remaining()), d, &p.currency)) }
                        }
                    }
                }
            }
        }
    };
    Page::new(lang.t("programs-title"), body).render(portal, reader)
}

/// `GET /programs/{id}`.
pub async fn page(
    State(portal): State<Portal>,
    reader: Reader,
    Path(id): Path<String>,
) -> Response {
    super::off_runtime(portal, reader, move |portal, reader| {
        page_now(portal, reader, id)
    })
    .await
}

fn page_now(portal: &Portal, reader: &Reader, id: String) -> Response {
    let lang = reader.lang;
    if !super::explorer::plain_id(&id) {
        return bad_request(portal, reader, lang.t("error-bad-program-id"));
    }
    let view = portal.node.read_view();
    let Some(p) = data::program(&view, &id) else {
        return unknown(
            portal,
            reader,
            "programs.unknown_program",
            lang.ta("error-unknown-program", &[("id", &id)]),
        );
    };
    let currency = data::get::<Currency>(&view, &currency_key(&p.currency));
    let d = currency.as_ref().map_or(0, |c| c.decimals);
    let min = portal.config.min_cell_recipients;
    let body = html! {
        dl class="figures" {
            (row(&lang.t("col-agency"), html! { a href={ "/explorer/agencies/" (p.agency) } { (p.agency) } }))
            (row(&lang.t("col-status"), html! { (status(lang, &p)) }))
            (row(&lang.t("col-enrolled"), html! { (enrolled(lang, p.enrolled, min)) }))
            (row(&lang.t("program-budget"), money(lang, p.budget_cap.get(), d, &p.currency)))
            (row(&lang.t("col-paid"), money(lang, p.paid_total.get(), d, &p.currency)))
            (row(&lang.t("col-left"), money(lang, u128::from(p.remaining()), d, &p.currency)))
            @if p.suspended > 0 { (row(&lang.t("program-suspended"), html! { (enrolled(lang, p.suspended, min)) })) }
            @if p.exited > 0 { (row(&lang.t("program-exited"), html! { (enrolled(lang, p.exited, min)) })) }
            @if !p.debt_outstanding.is_zero() { (row(&lang.t("program-owed"), money(lang, p.debt_outstanding.get(), d, &p.currency))) }
            (row(&lang.t("program-dates"), html! { (lang.time(p.start_ms)) " – " (lang.time(p.end_ms)) }))
            (row(&lang.t("program-schedule"), html! { (schedule(lang, p.schedule)) }))
            (row(&lang.t("program-funding"), html! { a href={ "/explorer/accounts/" (p.funding_account) } { code { (p.funding_account) } } }))
        }
        @if let Some(c) = &currency { (paid_by_period(&view, lang, c, &p, min)) }
        h2 { (lang.t("program-rules")) }
        p { (lang.t("program-rules-explained")) }
        (versions(lang, &p))
        (private_conditions(lang, &p))
        (terms(&view, lang, &p, d))
        (super::grievances::figures(lang, &publica_programs::grievance::stats(publica_runtime::routes::ReadView::state(&view), &p.id, PAGE_CASES_MAX)))
        (evaluation(&view, lang, &p.id))
    };
    Page::new(p.name.clone(), body)
        .json(format!("/v1/programs/{id}"))
        .render(portal, reader)
}

fn status(lang: Lang, p: &Program) -> String {
    if !p.active {
        lang.t("program-awaiting-approval")
    } else if p.budget_exhausted {
        lang.t("program-budget-exhausted")
    } else {
        lang.t("program-active")
    }
}

fn versions(lang: Lang, p: &Program) -> Markup {
    html! {
        table {
            caption { (lang.t("program-rules")) }
            (head(&[(&lang.t("col-version"), true), (&lang.t("col-from"), false), (&lang.t("program-eligibility"), false), (&lang.t("program-benefit"), false), (&lang.t("program-condition"), false)]))
            tbody {
                @for v in &p.versions {
                    tr {
                        th scope="row" class="num" { (v.version) }
                        td { @if let Some(ms) = v.from_ms { (lang.time(ms)) } @else { a href={ "/explorer/blocks/" (v.from_height) } { (lang.int(v.from_height)) } } }
                        td { code { (v.eligibility) } }
                        td { code { (v.benefit) } }
                        td { @if let Some(c) = &v.condition { code { (c) } } @else { "—" } }
                    }
                }
            }
        }
        @if let Some(pending) = &p.pending {
            p { (lang.ta("program-pending", &[("version", &pending.rules.version.to_string()), ("approvals", &pending.approvals.len().to_string()), ("threshold", &p.threshold.to_string())])) }
        }
    }
}

/// The program's thresholds on privately attested numbers, if any.
fn private_conditions(lang: Lang, p: &Program) -> Markup {
    html! {
        @if !p.private_conditions.is_empty() {
            h3 { (lang.t("program-private")) }
            p { (lang.t("program-private-explained")) }
            ul {
                @for c in &p.private_conditions {
                    li { (match (c.at_least, c.below) {
                        (Some(t), _) => lang.ta("program-private-at-least", &[("attribute", &c.attribute), ("value", &lang.int(t))]),
                        (None, Some(x)) => lang.ta("program-private-below", &[("attribute", &c.attribute), ("value", &lang.int(x))]),
                        (None, None) => c.attribute.clone(),
                    }) }
                }
            }
        }
    }
}

/// Most payment entries the page's evaluation table reads (the API's
/// report, a rate-limited heavy query, reads them all).
const PAGE_ENTRIES_MAX: u64 = 20_000;
/// Most grievances the page's figures read.
const PAGE_CASES_MAX: usize = 10_000;

fn schedule(lang: Lang, s: Option<Schedule>) -> String {
    lang.t(match s {
        Some(Schedule::Monthly) => "program-monthly",
        Some(Schedule::Weekly) => "program-weekly",
        Some(Schedule::Daily) => "program-daily",
        None => "program-on-demand",
    })
}

/// The enacted changes of terms (the latest [`AMENDMENTS_SHOWN`]), newest
/// first, and the one awaiting approval.
fn terms(view: &dyn publica_runtime::routes::ReadView, lang: Lang, p: &Program, d: u8) -> Markup {
    let first = p.terms_amended.saturating_sub(AMENDMENTS_SHOWN - 1).max(1);
    let list: Vec<TermsAmendment> = (first..=p.terms_amended)
        .rev()
        .filter_map(|n| data::get(view, &amendment_key(&p.id, n)))
        .collect();
    if list.is_empty() && p.pending_terms.is_none() {
        return html! {};
    }
    html! {
        h2 { (lang.t("program-terms")) }
        p { (lang.t("program-terms-explained")) }
        @if !list.is_empty() {
            table {
                caption { (lang.t("program-terms")) }
                (head(&[(&lang.t("col-number"), true), (&lang.t("col-enacted"), false), (&lang.t("program-terms-change"), false), (&lang.t("program-terms-reason"), false), (&lang.t("program-terms-approvals"), true)]))
                tbody {
                    @for a in &list {
                        tr {
                            th scope="row" class="num" { (a.change.number) }
                            td { a href={ "/explorer/blocks/" (a.enacted_height) } { (lang.int(a.enacted_height)) } }
                            td {
                                ul {
                                    @if let Some(cap) = a.change.budget_cap {
                                        li { (lang.t("program-budget")) ": " (money(lang, a.before.budget_cap.get(), d, &p.currency)) " → " (money(lang, cap.get(), d, &p.currency)) }
                                    }
                                    @if let Some(end) = a.change.end_ms {
                                        li { (lang.t("program-terms-end")) ": " (lang.time(a.before.end_ms)) " → " (lang.time(end)) }
                                    }
                                    @if let Some(s) = a.change.schedule {
                                        li { (lang.t("program-schedule")) ": " (schedule(lang, a.before.schedule)) " → " (schedule(lang, s.schedule())) }
                                    }
                                    @if a.resumed { li { (lang.t("program-terms-resumed")) } }
                                }
                            }
                            td { (a.change.reason) }
                            td class="num" { (a.approvals.len()) }
                        }
                    }
                }
            }
        }
        @if let Some(pending) = &p.pending_terms {
            p { (lang.ta("program-terms-pending", &[("number", &pending.change.number.to_string()), ("approvals", &pending.approvals.len().to_string()), ("threshold", &p.threshold.to_string())])) }
        }
    }
}

/// The pilot evaluation, per period: how fast and with how much official
/// work benefits were paid, and how much of the budget went out.
fn evaluation(view: &dyn publica_runtime::routes::ReadView, lang: Lang, id: &str) -> Markup {
    let Some(r) = publica_programs::evaluation::report(
        view.state(),
        id,
        &|h| view.block_time_ms(h),
        PAGE_ENTRIES_MAX,
    ) else {
        return html! {};
    };
    let rows = r["periods"].as_array().cloned().unwrap_or_default();
    if rows.is_empty() {
        return html! {};
    }
    let number = |v: &serde_json::Value| {
        v.as_f64()
            .map_or_else(|| "—".to_string(), |x| format!("{x:.1}"))
    };
    let count = |v: &serde_json::Value| {
        v.as_object().map_or(0, |m| {
            m.values()
                .filter_map(serde_json::Value::as_u64)
                .sum::<u64>()
        })
    };
    html! {
        h2 { (lang.t("evaluation-title")) }
        p { (lang.t("evaluation-explained")) " " a href={ "/v1/programs/" (id) "/evaluation?format=csv" } { (lang.t("evaluation-csv")) } }
        @if r["complete"] == false { p { (lang.t("evaluation-partial")) } }
        table {
            caption { (lang.t("evaluation-title")) }
            (head(&[(&lang.t("col-period"), false), (&lang.t("evaluation-payouts"), true), (&lang.t("evaluation-hours-p50"), true), (&lang.t("evaluation-hours-p99"), true), (&lang.t("evaluation-actions"), true), (&lang.t("evaluation-failed"), true), (&lang.t("evaluation-overrides"), true), (&lang.t("evaluation-executed"), true)]))
            tbody {
                @for row in &rows {
                    tr {
                        th scope="row" { (row["period"].as_str().unwrap_or("")) }
                        td class="num" { (lang.int(row["payouts"].as_u64().unwrap_or(0))) }
                        td class="num" { (number(&row["hours_to_payment_p50"])) }
                        td class="num" { (number(&row["hours_to_payment_p99"])) }
                        td class="num" { (number(&row["actions_per_payout"])) }
                        td class="num" { (lang.int(count(&row["failed"]))) }
                        td class="num" { (lang.int(count(&row["overrides"]))) }
                        td class="num" { (number(&row["cumulative_budget_executed_pct"])) " %" }
                    }
                }
            }
        }
    }
}
