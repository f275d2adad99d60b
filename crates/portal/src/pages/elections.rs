//! Elections: every election on the ledger with its contests, guardians,
//! census and window, how many ballots were cast, counted (each voter's
//! last) and challenged, its result once decrypted, and the checks anyone
//! can run, in plain words; a voter looks up their tracking code.

use super::explorer::{param, Params};
use super::problem;
use crate::i18n::Lang;
use crate::layout::{head, Page, Reader};
use crate::Portal;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use maud::{html, Markup};
use publica_elections::model::{
    ballot_key, challenged_key, election_key, outcome_key, tracking_key, valid_id, Challenged,
    Complaint, ComplaintStatus, Election, Outcome, Phase, StoredBallot, Tracked,
};
use publica_runtime::routes::ReadView;

/// Most elections the page lists.
pub const ELECTIONS_MAX: usize = 100;

/// `GET /elections` (`?election=ID&code=TRACKING` looks a ballot up).
pub async fn page(State(portal): State<Portal>, reader: Reader, q: Params) -> Response {
    let election = param(&q, "election")
        .map(str::trim)
        .unwrap_or("")
        .to_string();
    let code = param(&q, "code")
        .map(str::trim)
        .unwrap_or("")
        .to_ascii_lowercase();
    super::off_runtime(portal, reader, move |portal, reader| {
        show(portal, reader, &election, &code)
    })
    .await
}

fn phase(lang: Lang, e: &Election) -> String {
    let p = match e.phase {
        Phase::Proposed => "proposed",
        Phase::Ceremony => "ceremony",
        Phase::Ready if e.open_complaint().is_some() => "disputed",
        Phase::Ready => "ready",
        Phase::Failed => "failed",
        Phase::Tallied => "tallied",
    };
    lang.t(&format!("elections-phase-{p}"))
}

/// One complaint of the key ceremony, in plain words.
fn complaint(lang: Lang, c: &Complaint) -> String {
    let args = [
        ("guardian", c.guardian.to_string()),
        ("dealer", c.dealer.to_string()),
        ("until", lang.time(c.answer_by_ms)),
    ];
    let args: Vec<(&str, &str)> = args.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let status = match c.status {
        ComplaintStatus::Open => "open",
        ComplaintStatus::Answered => "answered",
        ComplaintStatus::Upheld => "upheld",
    };
    lang.ta(&format!("elections-complaint-{status}"), &args)
}

fn election(lang: Lang, view: &dyn ReadView, e: &Election) -> Markup {
    let outcome: Option<Outcome> = crate::data::get(view, &outcome_key(&e.id));
    html! {
        h2 id={ "election-" (e.id) } { (e.title) " — " a href={ "/explorer/agencies/" (e.agency) } { (e.agency) } }
        dl class="figures" {
            (crate::layout::row(&lang.t("elections-status"), html! { (phase(lang, e)) }))
            (crate::layout::row(&lang.t("elections-window"), html! { (lang.time(e.opens_ms)) " – " (lang.time(e.closes_ms)) }))
            (crate::layout::row(&lang.t("elections-guardians"), html! {
                (lang.ta("elections-threshold", &[("t", &e.threshold.to_string()), ("n", &e.guardians.len().to_string())])) }))
            @if !e.complaints.is_empty() {
                (crate::layout::row(&lang.t("elections-complaints"), html! {
                    ul { @for c in &e.complaints { li { (complaint(lang, c)) } } } }))
            }
            (crate::layout::row(&lang.t("elections-census"), html! { (lang.int(e.census.size)) }))
            @if let Some(ring) = e.census.ring {
                (crate::layout::row(&lang.t("elections-anonymous"), html! {
                    (lang.ta("elections-anonymous-detail", &[("registered", &lang.int(e.registered)), ("ring", &lang.int(ring))])) }))
            }
            (crate::layout::row(&lang.t("elections-ballots"), html! {
                (lang.ta("elections-ballot-counts", &[("cast", &lang.int(e.cast)), ("counted", &lang.int(e.counted)), ("challenged", &lang.int(e.challenged))])) }))
        }
        @if matches!(e.phase, Phase::Proposed | Phase::Ceremony | Phase::Ready) && outcome.is_none() {
            (how_to_vote(lang, e))
        }
        @for (ci, c) in e.contests.iter().enumerate() {
            table {
                caption { (lang.ta("elections-contest", &[("contest", &c.id), ("limit", &c.limit.to_string())])) }
                (head(&[(&lang.t("elections-col-option"), false), (&lang.t("elections-col-votes"), true)]))
                tbody {
                    @for (si, s) in c.selections.iter().enumerate() {
                        tr {
                            th scope="row" { (s) }
                            td class="num" {
                                @match outcome.as_ref().and_then(|o| o.counts.get(ci)).and_then(|r| r.get(si)) {
                                    Some(n) => (lang.int(*n)),
                                    None => (lang.t("elections-sealed")),
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// How a voter casts a ballot in `e`: on their own device, with the
/// command-line program (the choices are encrypted before they leave it).
fn how_to_vote(lang: Lang, e: &Election) -> Markup {
    let choose: String = e
        .contests
        .iter()
        .filter_map(|c| Some(format!(" --choose {}={}", c.id, c.selections.first()?)))
        .collect();
    let common = format!("--election {} --key my-key.json --census census.txt", e.id);
    let mut commands = Vec::new();
    if e.census.ring.is_some() {
        commands.push(format!("publica election register {common}"));
    }
    commands.push(format!("publica election vote {common}{choose}"));
    html! {
        details class="how-to-vote" {
            summary { (lang.t("elections-how-title")) }
            p { (lang.t("elections-how-accounts")) }
            @if e.census.ring.is_some() { p { (lang.t("elections-how-anonymous")) } }
            pre { code { (commands.join("\n")) } }
            p { a href={ "/elections/" (e.id) "/vote" } { (lang.t("elections-vote-link")) } }
        }
    }
}

/// What a challenged ballot held, contest by contest: `mayor: grace;
/// parks: north, south` (a contest left empty shows `—`).
fn held(view: &dyn ReadView, election: &str, opened: &Challenged) -> String {
    let Some(e) = crate::data::get::<Election>(view, &election_key(election)) else {
        return String::new();
    };
    e.contests
        .iter()
        .zip(&opened.choices)
        .map(|(c, picks)| {
            let chosen: Vec<&str> = c
                .selections
                .iter()
                .zip(picks)
                .filter(|(_, &p)| p == 1)
                .map(|(s, _)| s.as_str())
                .collect();
            let chosen = if chosen.is_empty() {
                "—".to_string()
            } else {
                chosen.join(", ")
            };
            format!("{}: {chosen}", c.id)
        })
        .collect::<Vec<_>>()
        .join("; ")
}

fn lookup(lang: Lang, view: &dyn ReadView, election: &str, code: &str) -> Markup {
    let found: Option<Tracked> = crate::data::get(view, &tracking_key(election, code));
    html! {
        p role="status" {
            @match found {
                None => (lang.t("elections-code-unknown")),
                Some(t) => {
                    @let counted = crate::data::get::<StoredBallot>(view, &ballot_key(election, &t.voter)).is_some_and(|b| b.tracking == code);
                    @if let Some(opened) = crate::data::get::<Challenged>(view, &challenged_key(election, code)) {
                        (lang.ta("elections-code-challenged", &[("height", &t.height.to_string())]))
                        " "
                        (lang.ta("elections-code-held", &[("choices", &held(view, election, &opened))]))
                    } @else if counted {
                        (lang.ta("elections-code-counted", &[("height", &t.height.to_string())]))
                    } @else {
                        (lang.ta("elections-code-replaced", &[("height", &t.height.to_string())]))
                    }
                }
            }
        }
    }
}

fn show(portal: &Portal, reader: &Reader, election_id: &str, code: &str) -> Response {
    let lang = reader.lang;
    let view = portal.node.read_view();
    let asked = !code.is_empty() || !election_id.is_empty();
    let code_ok = code.len() == 64 && code.bytes().all(|b| b.is_ascii_hexdigit());
    if asked && (!valid_id(election_id) || !code_ok) {
        return problem(
            portal,
            reader,
            StatusCode::BAD_REQUEST,
            publica_elections::codes::INVALID_FIELD,
            lang.t("elections-bad-lookup"),
        );
    }
    let elections: Vec<Election> = view
        .state()
        .scan_prefix(b"elections/election/", ELECTIONS_MAX)
        .into_iter()
        .filter_map(|(_, v)| serde_json::from_slice(&v).ok())
        .collect();
    let body = html! {
        p { (lang.t("elections-intro")) }
        form class="lookup" action="/elections" method="get" {
            label for="election" { (lang.t("elections-election-label")) }
            input id="election" name="election" type="text" maxlength="64" required value=(election_id) autocomplete="off";
            label for="code" { (lang.t("elections-code-label")) }
            input id="code" name="code" type="text" maxlength="64" minlength="64" required value=(code)
                pattern="[0-9a-fA-F]{64}" autocomplete="off";
            button type="submit" { (lang.t("elections-look-up")) }
        }
        @if asked { (lookup(lang, &view, election_id, code)) }
        @if elections.is_empty() { p { (lang.t("elections-none")) } }
        @for e in &elections { (election(lang, &view, e)) }
        h2 { (lang.t("elections-check-title")) }
        ol {
            @for step in ["elections-check-1", "elections-check-2", "elections-check-3", "elections-check-4", "elections-check-5"] {
                li { (lang.t(step)) }
            }
        }
        p { code { "publica election verify --election ID" } }
    };
    Page::new(lang.t("elections-title"), body).render(portal, reader)
}
