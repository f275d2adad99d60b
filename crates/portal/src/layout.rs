//! What every page shares: the reader's language, the frame (skip link,
//! navigation, language switch, search, footer with the page's JSON) and
//! the response headers.

use crate::i18n::Lang;
use crate::Portal;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use maud::{html, Markup, PreEscaped, DOCTYPE};

/// Who is reading: their language, and the page they asked for.
#[derive(Clone, Debug)]
pub struct Reader {
    /// The language pages are written in.
    pub lang: Lang,
    /// The language was chosen with `?lang=` now: remember it.
    remember: bool,
    /// The path asked for (the language switch links back to it).
    pub path: String,
    /// Its query without `lang` (kept by the language switch).
    query: String,
}

impl Reader {
    /// The page asked for, in `lang`.
    fn in_lang(&self, lang: Lang) -> String {
        if self.query.is_empty() {
            format!("{}?lang={}", self.path, lang.tag())
        } else {
            format!("{}?{}&lang={}", self.path, self.query, lang.tag())
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Reader {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let chosen = parts.uri.query().and_then(|q| {
            q.split('&')
                .find_map(|kv| kv.strip_prefix("lang="))
                .and_then(Lang::from_tag)
        });
        let query = parts
            .uri
            .query()
            .unwrap_or("")
            .split('&')
            .filter(|kv| !kv.is_empty() && !kv.starts_with("lang="))
            .collect::<Vec<_>>()
            .join("&");
        Ok(Reader {
            lang: lang_of(&parts.headers, chosen),
            remember: chosen.is_some(),
            path: parts.uri.path().to_string(),
            query,
        })
    }
}

/// The language: chosen now, else remembered in the `lang` cookie, else
/// the best of the browser's `Accept-Language`.
pub fn lang_of(headers: &HeaderMap, chosen: Option<Lang>) -> Lang {
    if let Some(l) = chosen {
        return l;
    }
    let cookie = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|c| c.trim().strip_prefix("lang="))
        .and_then(Lang::from_tag);
    cookie.unwrap_or_else(|| {
        Lang::negotiate(
            headers
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or(""),
        )
    })
}

/// One page to render.
pub struct Page<'a> {
    /// Its title (also the `<h1>`).
    pub title: String,
    /// The API address of the JSON it shows, if one.
    pub json: Option<String>,
    /// Its content.
    pub body: Markup,
    /// The status (200 unless an error page).
    pub status: StatusCode,
    /// A machine-readable error code (error pages).
    pub error_code: Option<&'a str>,
    /// The page's one script (progressive enhancement, an ES module), if it has one.
    pub script: Option<&'static str>,
}

impl<'a> Page<'a> {
    /// A page with `title` and `body`, status 200.
    pub fn new(title: String, body: Markup) -> Page<'a> {
        Page {
            title,
            json: None,
            body,
            status: StatusCode::OK,
            error_code: None,
            script: None,
        }
    }

    /// The page shows the JSON at `path`.
    pub fn json(mut self, path: impl Into<String>) -> Self {
        self.json = Some(path.into());
        self
    }

    /// Renders the page for `reader` on `portal`'s chain.
    pub fn render(self, portal: &Portal, reader: &Reader) -> Response {
        let chain = portal.node.status().chain_id;
        let lang = reader.lang;
        let html = neutralise(frame(&self, reader, &chain).into_string());
        let mut r = (self.status, axum::response::Html(html)).into_response();
        let h = r.headers_mut();
        h.insert(
            header::CONTENT_LANGUAGE,
            HeaderValue::from_static(lang.tag()),
        );
        h.insert(
            header::VARY,
            HeaderValue::from_static("Accept-Language, Cookie"),
        );
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
        if let Some(code) = self.error_code {
            if let Ok(v) = HeaderValue::from_str(code) {
                h.insert("x-publica-error", v);
            }
        }
        if reader.remember {
            let cookie = format!(
                "lang={}; Path=/; Max-Age=31536000; SameSite=Lax",
                lang.tag()
            );
            if let Ok(v) = HeaderValue::from_str(&cookie) {
                h.insert(header::SET_COOKIE, v);
            }
        }
        r
    }
}

const NAV: [(&str, &str); 17] = [
    ("/", "nav-home"),
    ("/explorer", "nav-explorer"),
    ("/money", "nav-money"),
    ("/programs", "nav-programs"),
    ("/check", "nav-check"),
    ("/credentials/check", "nav-diploma"),
    ("/medicines", "nav-medicines"),
    ("/health", "nav-health"),
    ("/claims", "nav-claims"),
    ("/elections", "nav-elections"),
    ("/governance", "nav-governance"),
    ("/energy", "nav-energy"),
    ("/recycling", "nav-recycling"),
    ("/data", "nav-data"),
    ("/crossborder", "nav-crossborder"),
    ("/wallet", "nav-wallet"),
    ("/help", "nav-help"),
];

/// Whether the navigation entry `href` is the section of `path`.
fn current(href: &str, path: &str) -> bool {
    if href == "/" {
        path == "/"
    } else {
        path == href || path.starts_with(&format!("{href}/"))
    }
}

fn frame(page: &Page<'_>, reader: &Reader, chain: &str) -> Markup {
    let (lang, path) = (reader.lang, reader.path.as_str());
    html! {
        (DOCTYPE)
        html lang=(lang.tag()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (page.title) " · Publica" }
                link rel="stylesheet" href="/assets/portal.css";
                link rel="icon" href="/assets/icon.svg" type="image/svg+xml";
                @if let Some(src) = page.script { script type="module" src=(src) {} }
                @if let Some(code) = page.error_code { meta name="publica-error" content=(code); }
            }
            body {
                a class="skip" href="#main" { (lang.t("skip-to-content")) }
                header class="site" {
                    p class="brand" {
                        a href="/" { "Publica" }
                        " "
                        span class="chain" { (lang.ta("brand-chain", &[("chain", chain)])) }
                    }
                    nav aria-label=(lang.t("nav-label")) {
                        ul {
                            @for (href, id) in NAV {
                                li {
                                    @if current(href, path) {
                                        a href=(href) aria-current="page" { (lang.t(id)) }
                                    } @else {
                                        a href=(href) { (lang.t(id)) }
                                    }
                                }
                            }
                        }
                    }
                    nav class="languages" aria-label=(lang.t("language-label")) {
                        ul {
                            @for other in Lang::ALL {
                                li {
                                    @if other == lang {
                                        span aria-current="true" lang=(other.tag()) { (other.endonym()) }
                                    } @else {
                                        a href=(reader.in_lang(other)) hreflang=(other.tag()) lang=(other.tag()) { (other.endonym()) }
                                    }
                                }
                            }
                        }
                    }
                    form class="search" role="search" action="/search" method="get" {
                        label for="q" { (lang.t("search-label")) }
                        input id="q" name="q" type="search" maxlength="200" required;
                        button type="submit" { (lang.t("search-button")) }
                    }
                }
                main id="main" tabindex="-1" {
                    h1 { (page.title) }
                    (page.body)
                }
                footer class="site" {
                    @if let Some(json) = &page.json {
                        p { (lang.t("footer-json")) " " a href=(json) { code { (json) } } }
                    }
                    p { (lang.t("footer-about")) " " a href="/openapi.json" { (lang.t("footer-api")) } }
                }
            }
        }
    }
}

/// A table's head: each column's heading, numeric columns aligned right.
pub fn head(columns: &[(&str, bool)]) -> Markup {
    html! {
        thead { tr {
            @for (heading, numeric) in columns {
                @if *numeric { th scope="col" class="num" { (heading) } } @else { th scope="col" { (heading) } }
            }
        } }
    }
}

/// A `<dl>` row.
pub fn row(term: &str, value: Markup) -> Markup {
    html! { dt { (term) } dd { (value) } }
}

/// A hash or key shortened for reading, the whole in its title and for
/// screen readers.
pub fn short(id: &str) -> Markup {
    if id.chars().count() <= 16 {
        return html! { code { (id) } };
    }
    let head: String = id.chars().take(12).collect();
    html! { code title=(id) { (head) "…" } }
}

/// Text already escaped (an SVG we wrote).
pub fn trusted(svg: String) -> PreEscaped<String> {
    PreEscaped(svg)
}

/// Whether `c` changes how text around it is displayed without showing
/// itself: bidirectional embeddings, overrides, isolates and marks,
/// zero-width characters, the byte-order mark, invisible operators and
/// tag characters. Ledger text is public and signed by whoever wrote it;
/// such a character could make a name read as another (U+202E turns
/// `gpj.exe` around), so pages show it as a visible code instead.
fn hidden_format(c: char) -> bool {
    matches!(
        c,
        '\u{061C}'
            | '\u{180E}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{2069}'
            | '\u{FEFF}'
            | '\u{FFF9}'..='\u{FFFB}'
            | '\u{E0000}'..='\u{E007F}'
    ) || (c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
}

/// `html` with every [`hidden_format`] character written as `[U+XXXX]`.
/// The portal's own templates and catalogues hold none, so only text from
/// the ledger is touched.
pub fn neutralise(html: String) -> String {
    if !html.chars().any(hidden_format) {
        return html;
    }
    let mut out = String::with_capacity(html.len() + 32);
    for c in html.chars() {
        if hidden_format(c) {
            out.push_str(&format!("[U+{:04X}]", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::neutralise;

    #[test]
    fn hidden_formatting_is_shown_as_codes() {
        assert_eq!(
            neutralise("plain <b>text</b>\n".into()),
            "plain <b>text</b>\n"
        );
        assert_eq!(
            neutralise("invoice\u{202E}fdp.exe".into()),
            "invoice[U+202E]fdp.exe"
        );
        assert_eq!(
            neutralise("a\u{200B}b\u{2067}c\u{FEFF}d\u{E0041}\u{7}".into()),
            "a[U+200B]b[U+2067]c[U+FEFF]d[U+E0041][U+0007]"
        );
        // Letters of right-to-left scripts are text, not formatting.
        assert_eq!(neutralise("مرحبا שלום".into()), "مرحبا שלום");
    }
}
