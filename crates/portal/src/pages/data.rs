//! City data: the data sets and feeds each agency publishes — schema,
//! licence, who may read them, their latest batches with the SHA-256 to
//! check a download against — the grants to other agencies, and how many
//! accesses were recorded.

use crate::i18n::Lang;
use crate::layout::{head, Page, Reader};
use crate::Portal;
use axum::extract::State;
use axum::response::Response;
use maud::{html, Markup};
use publica_energy::citydata::model::{batch_key, Access, Batch, DataSet, Kind};
use publica_runtime::routes::ReadView;

/// Most data sets the page lists.
pub const LISTED_MAX: usize = 100;
/// Latest batches shown per data set.
pub const BATCHES_SHOWN: u64 = 3;

/// `GET /data`.
pub async fn page(State(portal): State<Portal>, reader: Reader) -> Response {
    super::off_runtime(portal, reader, show).await
}

fn access(lang: Lang, a: Access) -> String {
    lang.t(match a {
        Access::Open => "data-access-open",
        Access::Agencies => "data-access-agencies",
        Access::Purpose => "data-access-purpose",
    })
}

fn dataset(lang: Lang, view: &dyn ReadView, d: &DataSet) -> Markup {
    let batches: Vec<Batch> = (d.batches.saturating_sub(BATCHES_SHOWN) + 1..=d.batches)
        .rev()
        .filter_map(|n| crate::data::get(view, &batch_key(&d.agency, &d.id, n)))
        .collect();
    let grants = view
        .indexed(&format!("citydata/grants/{}/{}", d.agency, d.id), 0, 1)
        .map_or(0, |(t, _)| t);
    let accesses = view
        .indexed(&format!("citydata/accesses/{}/{}", d.agency, d.id), 0, 1)
        .map_or(0, |(t, _)| t);
    html! {
        h3 id={ "dataset-" (d.agency) "-" (d.id) } { (d.id) }
        dl class="figures" {
            (crate::layout::row(&lang.t("data-kind"), html! { (lang.t(if d.kind == Kind::Feed { "data-kind-feed" } else { "data-kind-dataset" })) }))
            (crate::layout::row(&lang.t("data-schema"), html! { code { (d.schema) } }))
            (crate::layout::row(&lang.t("data-licence"), html! { (d.licence) }))
            (crate::layout::row(&lang.t("data-access"), html! { (access(lang, d.access)) }))
            (crate::layout::row(&lang.t("data-batches"), html! { (lang.int(d.batches)) }))
            (crate::layout::row(&lang.t("data-grants-accesses"), html! { (lang.int(grants)) " / " (lang.int(accesses)) }))
        }
        @if !batches.is_empty() {
            table {
                caption { (lang.t("data-latest")) }
                (head(&[(&lang.t("data-col-batch"), false), (&lang.t("data-col-window"), false),
                        (&lang.t("data-col-bytes"), true), (&lang.t("data-col-hash"), false)]))
                tbody {
                    @for b in &batches {
                        tr {
                            th scope="row" {
                                @if d.access == Access::Open {
                                    a href={ "/v1/data-store/" (d.agency) "/" (d.id) "/" (b.seq) } { (b.seq) }
                                } @else { (b.seq) }
                            }
                            td { (lang.time(b.start_ms)) " – " (lang.time(b.end_ms)) }
                            td class="num" { (lang.int(b.bytes)) }
                            td { code class="hash" { (b.hash) } }
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
    let sets: Vec<DataSet> = view
        .state()
        .scan_prefix(b"citydata/dataset/", LISTED_MAX)
        .into_iter()
        .filter_map(|(_, v)| serde_json::from_slice(&v).ok())
        .collect();
    let body = html! {
        p { (lang.t("data-intro")) }
        @if sets.is_empty() { p { (lang.t("data-none")) } }
        @for (i, d) in sets.iter().enumerate() {
            @if i == 0 || sets[i - 1].agency != d.agency {
                h2 { a href={ "/explorer/agencies/" (d.agency) } { (d.agency) } }
            }
            (dataset(lang, &view, d))
        }
        h2 { (lang.t("data-check-title")) }
        ol {
            @for step in ["data-check-1", "data-check-2", "data-check-3"] {
                li { (lang.t(step)) }
            }
        }
    };
    Page::new(lang.t("data-title"), body).render(portal, reader)
}
