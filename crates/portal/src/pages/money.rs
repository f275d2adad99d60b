//! Where the money went: per currency, from its appropriations to what was
//! issued, from there to the programs' budgets (paid out, or not yet) and
//! to everything else, as a flow diagram with the same figures in a table,
//! each with the JSON (and its state proof) it comes from.

use super::home::money;
use crate::charts::{self, Flow};
use crate::data;
use crate::i18n::Lang;
use crate::layout::{head, trusted, Page, Reader};
use crate::Portal;
use axum::extract::State;
use axum::response::Response;
use maud::{html, Markup};
use publica_money::model::Currency;
use publica_programs::model::{PeriodTotals, Program};
use publica_runtime::routes::ReadView;

/// `GET /money`.
pub async fn page(State(portal): State<Portal>, reader: Reader) -> Response {
    super::off_runtime(portal, reader, move |portal, reader| {
        page_now(portal, reader)
    })
    .await
}

fn page_now(portal: &Portal, reader: &Reader) -> Response {
    let lang = reader.lang;
    let view = portal.node.read_view();
    let currencies = data::currencies(&view);
    let programs = data::programs(&view);
    let total = data::directory_total(&view, &data::currencies_key());
    let min = portal.config.min_cell_recipients;
    let body = html! {
        p class="lead" { (lang.t("money-intro")) }
        @if total > currencies.len() as u64 {
            p { (lang.ta("list-first", &[("shown", &lang.int(currencies.len() as u64)), ("total", &lang.int(total))])) }
        }
        @if currencies.is_empty() { p { (lang.t("home-no-currency")) } }
        @for c in &currencies {
            (currency_section(&view, lang, c, &programs, min))
        }
        p { (lang.ta("money-small-cells", &[("min", &lang.int(min))])) }
    };
    Page::new(lang.t("money-title"), body).render(portal, reader)
}

/// One row of the flow's table: a link, its amount and where it is proved.
struct FlowRow {
    from: String,
    to: String,
    amount: u128,
    proof: String,
}

fn currency_section(
    view: &dyn ReadView,
    lang: Lang,
    c: &Currency,
    programs: &[Program],
    min: u64,
) -> Markup {
    let mine: Vec<&Program> = programs.iter().filter(|p| p.currency == c.code).collect();
    let (flow, rows) = flow_of(view, lang, c, &mine);
    let label = lang.ta("money-flow-label", &[("currency", &c.name)]);
    html! {
        section aria-labelledby={ "currency-" (c.code) } {
            h2 id={ "currency-" (c.code) } { (c.name) " (" (c.code) ")" }
            dl class="figures" {
                dt { (lang.t("money-minted")) } dd { (money(lang, c.minted.get(), c.decimals, &c.code)) }
                dt { (lang.t("money-burned")) } dd { (money(lang, c.burned.get(), c.decimals, &c.code)) }
                dt { (lang.t("col-in-circulation")) } dd { (money(lang, data::supply(c).get(), c.decimals, &c.code)) }
            }
            figure {
                (trusted(charts::flow(&label, &flow)))
                figcaption { (label) " " (lang.t("money-flow-table-follows")) }
            }
            table {
                caption { (lang.ta("money-flow-caption", &[("currency", &c.code)])) }
                (head(&[(&lang.t("col-from"), false), (&lang.t("col-to"), false), (&lang.t("col-amount"), true), (&lang.t("col-proof"), false)]))
                tbody {
                    @for r in &rows {
                        tr {
                            td { (r.from) }
                            th scope="row" { (r.to) }
                            td class="num" { (lang.amount(r.amount, c.decimals)) }
                            td { a href=(r.proof) { "JSON" } }
                        }
                    }
                }
            }
            @for p in &mine {
                (paid_by_period(view, lang, c, p, min))
            }
        }
    }
}

/// The flow of one currency and its table. Columns: appropriations;
/// issued; burned, each program's budget and the other accounts; paid
/// to recipients and not yet paid.
fn flow_of(
    view: &dyn ReadView,
    lang: Lang,
    c: &Currency,
    mine: &[&Program],
) -> (Flow, Vec<FlowRow>) {
    let mut f = Flow::default();
    let mut rows = Vec::new();
    let currency_json = format!("/v1/money/currencies/{}", c.code);
    let issued_label = lang.t("money-issued");
    let row = |from: &str, to: &str, amount: u128, proof: &str| FlowRow {
        from: from.to_string(),
        to: to.to_string(),
        amount,
        proof: proof.to_string(),
    };
    let issued = f.node(1, issued_label.clone());
    let mut appropriated = 0u128;
    for a in data::appropriations(view, &c.code) {
        let n = f.node(0, a.name.clone());
        f.link(n, issued, a.minted.get());
        appropriated = appropriated.saturating_add(a.minted.get());
        rows.push(row(&a.name, &issued_label, a.minted.get(), &currency_json));
    }
    if appropriated != c.minted.get() {
        // Every mint names an appropriation; a difference is a defect to
        // see, not to hide.
        rows.push(row(
            &lang.t("money-unattributed"),
            &issued_label,
            c.minted.get().abs_diff(appropriated),
            &currency_json,
        ));
    }
    let burned = f.node(2, lang.t("money-burned"));
    f.link(issued, burned, c.burned.get());
    rows.push(row(
        &issued_label,
        &lang.t("money-burned"),
        c.burned.get(),
        &currency_json,
    ));
    let paid = f.node(3, lang.t("money-paid-recipients"));
    let unpaid = f.node(3, lang.t("money-not-yet-paid"));
    let mut to_programs = 0u128;
    // A funding account shared by programs counts once, with the first.
    let mut counted = std::collections::BTreeSet::new();
    for p in mine {
        let held = if counted.insert(p.funding_account.as_str()) {
            data::account(view, &p.funding_account).map_or(0, |a| a.balance.get())
        } else {
            0
        };
        let budget = p.paid_total.get().saturating_add(held);
        to_programs = to_programs.saturating_add(budget);
        let n = f.node(2, p.name.clone());
        f.link(issued, n, budget);
        f.link(n, paid, p.paid_total.get());
        f.link(n, unpaid, held);
        let program_json = format!("/v1/programs/{}", p.id);
        rows.push(row(&issued_label, &p.name, budget, &program_json));
        rows.push(row(
            &p.name,
            &lang.t("money-paid-recipients"),
            p.paid_total.get(),
            &program_json,
        ));
        rows.push(row(
            &p.name,
            &lang.t("money-not-yet-paid"),
            held,
            &format!("/v1/money/accounts/{}", p.funding_account),
        ));
    }
    let supply = data::supply(c).get();
    if supply >= to_programs {
        let other = f.node(2, lang.t("money-other-accounts"));
        f.link(issued, other, supply - to_programs);
        rows.push(row(
            &issued_label,
            &lang.t("money-other-accounts"),
            supply - to_programs,
            &currency_json,
        ));
    } else {
        // Money paid and then returned to a program's budget (a clawback,
        // an expired earmark) is in its paid total and in its balance.
        rows.push(row(
            &lang.t("money-returned"),
            &lang.t("money-counted-twice"),
            to_programs - supply,
            &currency_json,
        ));
    }
    (f, rows)
}

/// A period row as shown: small periods merged.
pub struct ShownPeriod {
    /// The period (or the merged row's label).
    pub label: String,
    /// Payments, unless too few to show.
    pub count: Option<u64>,
    /// Their total, unless it would show one small month's figure.
    pub amount: Option<u128>,
}

/// `periods` with every period of fewer than `min` payments merged into
/// one row, whose count is shown only if it reaches `min` itself.
pub fn merge_small(lang: Lang, periods: &[(String, PeriodTotals)], min: u64) -> Vec<ShownPeriod> {
    let mut out = Vec::new();
    let (mut small_count, mut small_amount, mut small_periods) = (0u64, 0u128, 0usize);
    for (label, t) in periods {
        if t.paid_count >= min {
            out.push(ShownPeriod {
                label: lang.period(label),
                count: Some(t.paid_count),
                amount: Some(t.paid_amount.get()),
            });
        } else if t.paid_count > 0 {
            small_count += t.paid_count;
            small_amount = small_amount.saturating_add(t.paid_amount.get());
            small_periods += 1;
        }
    }
    if small_periods > 0 {
        let enough = small_count >= min;
        out.push(ShownPeriod {
            label: lang.tn(
                "money-merged-periods",
                &[
                    ("count", &lang.int(small_periods as u64)),
                    ("min", &lang.int(min)),
                ],
                small_periods as u64,
            ),
            count: enough.then_some(small_count),
            // One small month alone would show that month's figure.
            amount: (enough || small_periods > 1).then_some(small_amount),
        });
    }
    out
}

/// A program's payments per period: chart and table.
pub fn paid_by_period(
    view: &dyn ReadView,
    lang: Lang,
    c: &Currency,
    p: &Program,
    min: u64,
) -> Markup {
    let periods = data::periods(view, &p.id);
    let shown = merge_small(lang, &periods, min);
    let scale = 10f64.powi(i32::from(c.decimals));
    let bars: Vec<(String, f64)> = shown
        .iter()
        .filter_map(|s| Some((s.label.clone(), s.amount? as f64 / scale)))
        .collect();
    let label = lang.ta(
        "money-paid-chart",
        &[("program", &p.name), ("currency", &c.code)],
    );
    html! {
        h3 { (p.name) }
        @if shown.is_empty() { p { (lang.t("money-nothing-paid")) } } @else {
            figure {
                (trusted(charts::bars(&label, &bars)))
                figcaption { (label) }
            }
            table {
                caption { (label) }
                (head(&[(&lang.t("col-period"), false), (&lang.t("col-payments"), true), (&lang.t("col-amount"), true)]))
                tbody {
                    @for s in &shown {
                        tr {
                            th scope="row" { (s.label) }
                            td class="num" { @if let Some(n) = s.count { (lang.int(n)) } @else { (lang.ta("money-fewer-than", &[("min", &lang.int(min))])) } }
                            td class="num" { @if let Some(a) = s.amount { (lang.amount(a, c.decimals)) } @else { (lang.t("money-suppressed")) } }
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use publica_types::Amount;

    fn totals(count: u64, amount: u128) -> PeriodTotals {
        PeriodTotals {
            paid_count: count,
            paid_amount: Amount::new(amount),
            failed_count: 0,
            entries: count,
        }
    }

    #[test]
    fn small_periods_are_merged_and_their_count_hidden() {
        let periods = vec![
            ("2026-10".to_string(), totals(300, 3000)),
            ("2026-11".to_string(), totals(3, 30)),
            ("2026-12".to_string(), totals(4, 40)),
            ("2027-01".to_string(), totals(0, 0)),
        ];
        let shown = merge_small(Lang::En, &periods, 10);
        assert_eq!(shown.len(), 2);
        assert_eq!(
            (shown[0].label.as_str(), shown[0].count, shown[0].amount),
            ("Oct 2026", Some(300), Some(3000))
        );
        // Two small periods: 7 payments, fewer than 10, so no count.
        assert_eq!((shown[1].count, shown[1].amount), (None, Some(70)));
        assert_eq!(
            shown[1].label,
            "2 months with fewer than 10 payments each, combined"
        );
        // With a lower threshold, each stands alone.
        assert_eq!(merge_small(Lang::En, &periods, 3).len(), 3);
        // Merged small periods that together reach the threshold show it.
        let shown = merge_small(Lang::En, &periods, 5);
        assert_eq!(shown.last().map(|s| s.count), Some(Some(7)));
        // Totals reconcile: nothing is dropped.
        let sum: u128 = merge_small(Lang::En, &periods, 10)
            .iter()
            .filter_map(|s| s.amount)
            .sum();
        assert_eq!(sum, 3070);
        // One small month alone: neither its count nor its amount.
        let one = merge_small(Lang::En, &periods[..2], 10);
        assert_eq!((one[1].count, one[1].amount), (None, None));
        assert_eq!(
            one[1].label,
            "One month with fewer than 10 payments, combined"
        );
    }
}
