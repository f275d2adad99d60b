//! Help: short lessons for citizens — what the ledger is, what a receipt
//! proves, how to check one, and what the ledger does not hold about them.

use crate::layout::{Page, Reader};
use crate::Portal;
use axum::extract::State;
use axum::response::Response;
use maud::html;

/// The lessons: (heading, paragraphs) message ids.
const LESSONS: &[(&str, &[&str])] = &[
    ("help-what-heading", &["help-what-1", "help-what-2"]),
    (
        "help-receipt-heading",
        &["help-receipt-1", "help-receipt-2"],
    ),
    (
        "help-check-heading",
        &["help-check-1", "help-check-2", "help-check-3"],
    ),
    (
        "help-private-heading",
        &["help-private-1", "help-private-2"],
    ),
    ("help-money-heading", &["help-money-1"]),
    ("help-grievance-heading", &["help-grievance-1"]),
];

/// `GET /help`.
pub async fn page(State(portal): State<Portal>, reader: Reader) -> Response {
    let lang = reader.lang;
    let body = html! {
        nav aria-label=(lang.t("help-contents")) {
            ol { @for (i, (heading, _)) in LESSONS.iter().enumerate() { li { a href={ "#lesson-" (i + 1) } { (lang.t(heading)) } } } }
        }
        @for (i, (heading, paragraphs)) in LESSONS.iter().enumerate() {
            section aria-labelledby={ "lesson-" (i + 1) } {
                h2 id={ "lesson-" (i + 1) } { (lang.t(heading)) }
                @for p in *paragraphs { p { (lang.t(p)) } }
                @if *heading == "help-grievance-heading" { p { a href="/grievances" { (lang.t("grievance-follow")) } } }
            }
        }
    };
    Page::new(lang.t("help-title"), body).render(&portal, &reader)
}
