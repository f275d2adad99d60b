//! The public portal: pages a citizen, a journalist or an auditor reads in
//! a browser to see what the ledger holds, where the money went, and to
//! check a receipt, in plain words and in two languages.
//!
//! Every page is rendered on the server (maud templates) from the node's
//! committed state and event index, never by walking the history; it works
//! without JavaScript, and the one script only adds the in-browser receipt
//! check. Responses carry a strict Content-Security-Policy: no inline
//! script or style, nothing from another origin. The JSON each page shows
//! is one link away, under `/v1`.

mod charts;
mod data;
mod i18n;
mod layout;
mod pages;

pub use i18n::Lang;

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use publica_consensus::NetworkStatus;
use publica_node::Node;
use std::sync::{Arc, Mutex};

/// What the portal reads besides the node.
#[derive(Clone, Default)]
pub struct PortalConfig {
    /// Payment cells (a program's period) with fewer recipients than this
    /// are merged before they are shown, so that no small count points at
    /// a person.
    pub min_cell_recipients: u64,
    /// In a validator network: the consensus side's status (validators and
    /// whether they are heard).
    pub network: Option<Arc<dyn Fn() -> NetworkStatus + Send + Sync>>,
}

impl std::fmt::Debug for PortalConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PortalConfig")
            .field("min_cell_recipients", &self.min_cell_recipients)
            .field("network", &self.network.is_some())
            .finish()
    }
}

/// Recipients a shown cell has at least, unless configured otherwise.
pub const MIN_CELL_RECIPIENTS_DEFAULT: u64 = 10;

/// The portal's shared state.
#[derive(Clone)]
pub struct Portal {
    node: Node,
    config: PortalConfig,
    /// Where today's transactions start (found once a day).
    day: Arc<Mutex<data::DayStart>>,
    /// The chain's genesis (read from the data directory once).
    genesis: Arc<std::sync::OnceLock<Option<publica_identity::Genesis>>>,
}

impl Portal {
    /// A portal over `node`.
    pub fn new(node: Node, config: PortalConfig) -> Portal {
        Portal {
            node,
            config,
            day: Arc::default(),
            genesis: Arc::default(),
        }
    }

    /// The chain's genesis, read once: it never changes.
    fn genesis(&self) -> Option<&publica_identity::Genesis> {
        self.genesis.get_or_init(|| self.node.genesis()).as_ref()
    }
}

/// The portal's routes, for the API's router to merge (state `S` is the
/// API's; the portal brings its own).
pub fn router<S: Clone + Send + Sync + 'static>(portal: Portal) -> Router<S> {
    Router::new()
        .route("/", get(pages::home::page))
        .route("/explorer", get(pages::explorer::blocks))
        .route("/explorer/blocks/{height}", get(pages::explorer::block))
        .route(
            "/explorer/transactions/{id}",
            get(pages::explorer::transaction),
        )
        .route("/explorer/accounts/{id}", get(pages::explorer::account))
        .route("/explorer/agencies", get(pages::explorer::agencies))
        .route("/explorer/agencies/{id}", get(pages::explorer::agency))
        .route("/search", get(pages::explorer::search))
        .route("/money", get(pages::money::page))
        .route("/programs", get(pages::programs::list))
        .route("/programs/{id}", get(pages::programs::page))
        .route(
            "/check",
            get(pages::check::form).post(pages::check::submit).layer(
                axum::extract::DefaultBodyLimit::max(pages::check::FORM_BYTES_MAX),
            ),
        )
        .route(
            "/credentials/check",
            get(pages::diploma::form)
                .post(pages::diploma::submit)
                .layer(axum::extract::DefaultBodyLimit::max(
                    pages::diploma::FORM_BYTES_MAX,
                )),
        )
        .route("/medicines", get(pages::medicines::page))
        .route("/health", get(pages::health::page))
        .route("/claims", get(pages::claims::page))
        .route("/elections", get(pages::elections::page))
        .route("/elections/{id}/vote", get(pages::vote::page))
        .route("/governance", get(pages::governance::page))
        .route("/energy", get(pages::energy::page))
        .route("/recycling", get(pages::recycling::page))
        .route("/data", get(pages::data::page))
        .route("/crossborder", get(pages::crossborder::page))
        .route("/grievances", get(pages::grievances::lookup))
        .route("/grievances/{case}", get(pages::grievances::case))
        .route("/help", get(pages::help::page))
        .route("/wallet", get(pages::wallet::page))
        .route("/wallet/request", get(pages::wallet::request))
        .route("/wallet/qr.svg", get(pages::wallet::qr))
        .route("/assets/portal.css", get(assets::css))
        .route("/assets/check.js", get(assets::script))
        .route("/assets/live.js", get(assets::live))
        .route("/assets/wallet.js", get(assets::wallet))
        .route("/assets/vote.js", get(assets::vote))
        .route("/assets/ballot.wasm", get(assets::ballot))
        .route("/assets/sdk/{file}", get(assets::sdk))
        .route("/assets/icon.svg", get(assets::icon))
        .route("/favicon.ico", get(assets::icon))
        .layer(middleware::from_fn(security_headers))
        .with_state(portal)
}

/// The page for a path that is neither the API's nor the portal's, for a
/// browser (the API answers JSON to other clients).
pub fn not_found(headers: &HeaderMap, path: &str) -> Response {
    let lang = layout::lang_of(headers, None);
    let mut r = pages::error_page(
        lang,
        StatusCode::NOT_FOUND,
        "page.not_found",
        &lang.ta("error-no-page", &[("path", path)]),
    );
    set_security_headers(r.headers_mut());
    r
}

/// Whether a request comes from a browser that wants a page.
pub fn wants_html(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("text/html"))
}

/// What the portal's responses may load: only its own stylesheet, script
/// and images; no frames, no other origin, no inline code.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

fn set_security_headers(h: &mut HeaderMap) {
    // A page that needs more sets its own (the vote page compiles
    // WebAssembly: `pages::vote::VOTE_CONTENT_SECURITY_POLICY`).
    h.entry(header::CONTENT_SECURITY_POLICY)
        .or_insert(HeaderValue::from_static(CONTENT_SECURITY_POLICY));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
}

async fn security_headers(req: Request, next: Next) -> Response {
    let mut r = next.run(req).await;
    set_security_headers(r.headers_mut());
    r
}

mod assets {
    use super::{header, HeaderMap, IntoResponse, Portal, Response, State};
    use axum::extract::Path;

    const CSS: &str = include_str!("../assets/portal.css");
    const SCRIPT: &str = include_str!("../assets/check.js");
    const ICON: &str = include_str!("../assets/icon.svg");
    const LIVE: &str = include_str!("../assets/live.js");
    const WALLET: &str = include_str!("../assets/wallet.js");
    const VOTE: &str = include_str!("../assets/vote.js");
    /// `publica-ballot` compiled to WebAssembly by `scripts/portal-wasm`
    /// (which `./scripts/test` runs with `--check`).
    const BALLOT: &[u8] = include_bytes!("../assets/ballot.wasm");
    /// The TypeScript client's verifier, compiled to ES modules by
    /// `scripts/portal-sdk` (which `./scripts/test` runs with `--check`):
    /// `check.js` imports it, so the browser checks receipts with the
    /// client's own code.
    pub(crate) const SDK: &[(&str, &str)] = &[
        ("bytes.js", include_str!("../assets/sdk/bytes.js")),
        ("canonical.js", include_str!("../assets/sdk/canonical.js")),
        ("crypto.js", include_str!("../assets/sdk/crypto.js")),
        ("errors.js", include_str!("../assets/sdk/errors.js")),
        ("keys.js", include_str!("../assets/sdk/keys.js")),
        ("tx.js", include_str!("../assets/sdk/tx.js")),
        ("types.js", include_str!("../assets/sdk/types.js")),
        ("verify.js", include_str!("../assets/sdk/verify.js")),
    ];

    fn asset(content_type: &'static str, body: &'static str) -> Response {
        (
            [
                (header::CONTENT_TYPE, content_type),
                (header::CACHE_CONTROL, "public, max-age=3600"),
            ],
            body,
        )
            .into_response()
    }

    pub(crate) async fn css(State(_): State<Portal>) -> Response {
        asset("text/css; charset=utf-8", CSS)
    }

    pub(crate) async fn script(State(_): State<Portal>) -> Response {
        asset("text/javascript; charset=utf-8", SCRIPT)
    }

    pub(crate) async fn live(State(_): State<Portal>) -> Response {
        asset("text/javascript; charset=utf-8", LIVE)
    }

    pub(crate) async fn wallet(State(_): State<Portal>) -> Response {
        asset("text/javascript; charset=utf-8", WALLET)
    }

    pub(crate) async fn vote(State(_): State<Portal>) -> Response {
        asset("text/javascript; charset=utf-8", VOTE)
    }

    pub(crate) async fn ballot(State(_): State<Portal>) -> Response {
        (
            [
                (header::CONTENT_TYPE, "application/wasm"),
                (header::CACHE_CONTROL, "public, max-age=3600"),
            ],
            BALLOT,
        )
            .into_response()
    }

    pub(crate) async fn sdk(
        State(_): State<Portal>,
        headers: HeaderMap,
        Path(file): Path<String>,
    ) -> Response {
        match SDK.iter().find(|(name, _)| *name == file) {
            Some((_, body)) => asset("text/javascript; charset=utf-8", body),
            None => super::not_found(&headers, &format!("/assets/sdk/{file}")),
        }
    }

    pub(crate) async fn icon(State(_): State<Portal>) -> Response {
        asset("image/svg+xml", ICON)
    }

    #[cfg(test)]
    mod tests {
        use super::{SCRIPT, SDK};

        /// The modules a script imports by relative path.
        fn imports(source: &str) -> Vec<&str> {
            source
                .lines()
                .filter(|l| l.starts_with("import ") || l.starts_with("export "))
                .filter_map(|l| l.split(" from '").nth(1))
                .filter_map(|rest| rest.split('\'').next())
                .collect()
        }

        #[test]
        fn every_module_the_check_imports_is_served_and_every_compiled_module_is_listed() {
            let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/sdk");
            let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
                .unwrap()
                .map(|e| e.unwrap().file_name().into_string().unwrap())
                .collect();
            on_disk.sort();
            let served: Vec<&str> = SDK.iter().map(|(name, _)| *name).collect();
            assert_eq!(on_disk, served, "assets/sdk and the served list differ");
            let check = imports(SCRIPT);
            assert!(check.contains(&"./sdk/verify.js"), "{check:?}");
            for import in check {
                let name = import
                    .strip_prefix("./sdk/")
                    .expect("check.js imports only ./sdk/");
                assert!(served.contains(&name), "check.js imports {import}");
            }
            for (name, source) in SDK {
                for import in imports(source) {
                    let target = import.strip_prefix("./").expect("relative imports only");
                    assert!(served.contains(&target), "{name} imports {import}");
                }
            }
        }
    }
}
