//! Follow a grievance by its case number: what it is about, when it was
//! filed, when the decision is due, whether it went to the agency's
//! administrators, and the decision with its reason and remedy. The
//! complaint's text is never on the ledger; neither page shows who filed.

use super::explorer::{param, Params};
use super::{bad_request, unknown};
use crate::i18n::Lang;
use crate::layout::{row, Page, Reader};
use crate::Portal;
use axum::extract::{Path, State};
use axum::response::Response;
use maud::{html, Markup};
use publica_programs::grievance::{self, Grievance, Outcome, Remedy};
use publica_runtime::routes::ReadView;

/// `GET /grievances?case=…`: the look-up form, and the case when one is named.
pub async fn lookup(State(portal): State<Portal>, reader: Reader, q: Params) -> Response {
    let case = param(&q, "case").map(str::trim).unwrap_or("").to_string();
    super::off_runtime(portal, reader, move |portal, reader| {
        show(portal, reader, &case)
    })
    .await
}

/// `GET /grievances/{case}`.
pub async fn case(
    State(portal): State<Portal>,
    reader: Reader,
    Path(case): Path<String>,
) -> Response {
    super::off_runtime(portal, reader, move |portal, reader| {
        show(portal, reader, &case)
    })
    .await
}

fn show(portal: &Portal, reader: &Reader, case: &str) -> Response {
    let lang = reader.lang;
    let found = if case.is_empty() {
        None
    } else {
        if case.len() > 80 || grievance::parse_case(case).is_none() {
            return bad_request(portal, reader, lang.t("error-bad-case"));
        }
        let view = portal.node.read_view();
        match grievance::read_case(view.state(), case) {
            Some(g) => Some(g),
            None => {
                return unknown(
                    portal,
                    reader,
                    "programs.unknown_case",
                    lang.ta("error-unknown-case", &[("case", case)]),
                )
            }
        }
    };
    let body = html! {
        p { (lang.t("grievance-explained")) }
        form class="lookup" action="/grievances" method="get" {
            label for="case" { (lang.t("grievance-case-number")) }
            input id="case" name="case" type="text" maxlength="80" required value=(case) placeholder="ubi-1";
            button type="submit" { (lang.t("grievance-look-up")) }
        }
        @if let Some(g) = &found { (details(lang, g)) }
    };
    let mut page = Page::new(lang.t("grievance-title"), body);
    if let Some(g) = &found {
        page = page.json(format!("/v1/grievances/{}", g.case));
    }
    page.render(portal, reader)
}

fn details(lang: Lang, g: &Grievance) -> Markup {
    html! {
        h2 { (lang.ta("grievance-case", &[("case", &g.case)])) }
        dl class="figures" {
            (row(&lang.t("col-program"), html! { a href={ "/programs/" (g.program) } { (g.program) } }))
            (row(&lang.t("grievance-category"), html! { (lang.t(&format!("grievance-category-{}", g.category.as_str()))) }))
            @if let Some(p) = &g.period { (row(&lang.t("grievance-period"), html! { (p) })) }
            (row(&lang.t("grievance-filed"), html! { (lang.time(g.filed_ms)) }))
            @if g.decision.is_none() {
                (row(&lang.t("grievance-due"), html! { (lang.time(g.deadline_ms)) }))
            }
            (row(&lang.t("grievance-handled-by"), html! {
                @if g.level > 0 { (lang.ta("grievance-escalated", &[("level", &g.level.to_string())])) }
                @else if g.assigned_to.is_some() { (lang.t("grievance-assigned")) }
                @else { (lang.t("grievance-not-assigned")) }
            }))
            @match &g.decision {
                None => { (row(&lang.t("grievance-decision"), html! { (lang.t("grievance-pending")) })) }
                Some(d) => {
                    (row(&lang.t("grievance-decision"), html! {
                        @if d.outcome == Outcome::Upheld { (lang.t("grievance-upheld")) } @else { (lang.t("grievance-rejected")) }
                        " — " (lang.t(&format!("grievance-reason-{}", serde_json::to_value(d.reason).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default())))
                    }))
                    (row(&lang.t("grievance-decided"), html! { (lang.time(d.ms)) " (" a href={ "/explorer/blocks/" (d.height) } { (lang.int(d.height)) } ")" }))
                    @if let Some(r) = &d.remedy {
                        (row(&lang.t("grievance-remedy"), html! {
                            @match r {
                                Remedy::Payout { period } => { (lang.ta("grievance-remedy-payout", &[("period", period)])) }
                                Remedy::Enrolment => { (lang.t("grievance-remedy-enrolment")) }
                            }
                            ": "
                            @if let Some(h) = d.remedied_height { (lang.t("grievance-remedied")) " (" a href={ "/explorer/blocks/" (h) } { (lang.int(h)) } ")" }
                            @else { (lang.t("grievance-not-remedied")) }
                        }))
                    }
                }
            }
        }
    }
}

/// A program's grievance figures, for its page: per month and category.
pub fn figures(lang: Lang, stats: &serde_json::Value) -> Markup {
    let rows = stats["months"].as_array().cloned().unwrap_or_default();
    if rows.is_empty() {
        return html! {};
    }
    let days = |v: &serde_json::Value| {
        v.as_f64()
            .map_or_else(|| "—".to_string(), |d| format!("{d:.1}"))
    };
    html! {
        h2 { (lang.t("grievance-figures")) }
        p { (lang.t("grievance-figures-explained")) " " a href="/grievances" { (lang.t("grievance-follow")) } }
        table {
            caption { (lang.t("grievance-figures")) }
            (crate::layout::head(&[(&lang.t("col-period"), false), (&lang.t("grievance-category"), false), (&lang.t("grievance-col-filed"), true), (&lang.t("grievance-col-decided"), true), (&lang.t("grievance-col-open"), true), (&lang.t("grievance-col-escalated"), true), (&lang.t("grievance-col-median"), true)]))
            tbody {
                @for r in &rows {
                    tr {
                        th scope="row" { (r["month"].as_str().unwrap_or("")) }
                        td { (lang.t(&format!("grievance-category-{}", r["category"].as_str().unwrap_or("other")))) }
                        td class="num" { (r["filed"]) }
                        td class="num" { (r["decided"]) }
                        td class="num" { (r["open"]) }
                        td class="num" { (r["escalated"]) }
                        td class="num" { (days(&r["median_days_to_decision"])) }
                    }
                }
            }
        }
    }
}
