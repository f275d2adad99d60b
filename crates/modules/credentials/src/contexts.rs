//! The JSON-LD contexts this verifier holds, read from files in the
//! repository (`crates/modules/credentials/contexts/`), never fetched:
//!
//! - VC 2.0's, `https://www.w3.org/ns/credentials/v2` (W3C, unchanged; a
//!   test checks it against the W3C copy in `../shared/testdata`);
//! - Publica's, [`PUBLICA_V1`]: the types of transcripts, enrolment
//!   certificates and licences, and `@vocab` for the claims of those
//!   credentials (their schemas are in `docs/schemas/`).
//!
//! The node serves them (`GET /v1/credentials/contexts`) for other
//! verifiers to load once.

use serde_json::Value;
use std::sync::OnceLock;

/// VC 2.0's context.
pub const VC_V2: &str = "https://www.w3.org/ns/credentials/v2";
/// Publica's context for its credentials.
pub const PUBLICA_V1: &str = "urn:publica:context:credentials:v1";

const FILES: &[(&str, &str)] = &[
    (VC_V2, include_str!("../contexts/credentials-v2.jsonld")),
    (
        PUBLICA_V1,
        include_str!("../contexts/publica-credentials-v1.jsonld"),
    ),
];

fn parsed() -> &'static [(&'static str, Value)] {
    static PARSED: OnceLock<Vec<(&'static str, Value)>> = OnceLock::new();
    PARSED.get_or_init(|| {
        FILES
            .iter()
            .map(|(url, text)| {
                let v =
                    serde_json::from_str(text).expect("a context file of the repository is JSON");
                (*url, v)
            })
            .collect()
    })
}

/// A held context document by its URL.
#[must_use]
pub fn get(url: &str) -> Option<&'static Value> {
    parsed().iter().find(|(u, _)| *u == url).map(|(_, v)| v)
}

/// Every held context: its URL and document.
#[must_use]
pub fn all() -> &'static [(&'static str, Value)] {
    parsed()
}
