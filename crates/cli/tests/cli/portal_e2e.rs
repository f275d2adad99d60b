//! The public portal through the real binary: `publica dev --demo` serves
//! its pages at `/` beside the API, in two languages, under a strict CSP;
//! the figures are the ledger's; a real receipt checks as verified and a
//! tampered one says why not; bad input gets a page with the reason,
//! never a 500.
#![allow(
    clippy::too_many_lines,
    reason = "a scenario test reads top to bottom as one story"
)]

use crate::common::*;
use serde_json::Value;

/// A page as a browser asks for it: (status, headers, body).
fn page(url: &str, lang: Option<&str>) -> (u16, reqwest::header::HeaderMap, String) {
    let mut req = http().get(url).header("accept", "text/html");
    if let Some(l) = lang {
        req = req.header("accept-language", l);
    }
    let r = req.send().unwrap_or_else(|e| panic!("GET {url}: {e}"));
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    (status, headers, r.text().unwrap())
}

fn header<'a>(h: &'a reqwest::header::HeaderMap, name: &str) -> &'a str {
    h.get(name).and_then(|v| v.to_str().ok()).unwrap_or("")
}

/// A page that must render: 200, HTML, the portal's CSP, no inline script.
fn ok_page(url: &str, lang: Option<&str>) -> String {
    let (s, h, body) = page(url, lang);
    assert_eq!(s, 200, "{url}: {body}");
    assert!(header(&h, "content-type").starts_with("text/html"), "{url}");
    assert!(
        header(&h, "content-security-policy").starts_with("default-src 'none'; script-src 'self'"),
        "{url}: {:?}",
        h.get("content-security-policy")
    );
    assert_eq!(header(&h, "x-content-type-options"), "nosniff");
    assert!(body.starts_with("<!DOCTYPE html>"), "{url}");
    // Scripts only from the portal's own file; no inline handlers.
    for (i, _) in body.match_indices("<script") {
        assert!(
            body[i..].starts_with("<script type=\"module\" src=\"/assets/check.js\"")
                || body[i..].starts_with("<script type=\"module\" src=\"/assets/live.js\""),
            "{url}: inline script"
        );
    }
    assert!(!body.contains(" onclick="), "{url}");
    assert!(
        !body.contains(" style="),
        "{url}: style attributes break the CSP"
    );
    body
}

/// A page that must refuse: `status`, its machine-readable code in the
/// header and the page, and never a stack trace.
fn refused(url: &str, status: u16, code: &str) -> String {
    let (s, h, body) = page(url, None);
    assert_eq!(s, status, "{url}: {body}");
    assert_eq!(header(&h, "x-publica-error"), code, "{url}");
    assert!(
        body.contains(&format!("content=\"{code}\"")),
        "{url}: {body}"
    );
    assert!(
        !body.contains("panicked") && !body.contains("RUST_BACKTRACE"),
        "{url}"
    );
    body
}

fn post_check(url: &str, receipt: &str, log_key: &str) -> (u16, String, String) {
    let r = http()
        .post(format!("{url}/check"))
        .header("accept", "text/html")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!(
            "receipt={}&log_key={}",
            encode(receipt),
            encode(log_key)
        ))
        .send()
        .unwrap();
    let status = r.status().as_u16();
    let code = header(r.headers(), "x-publica-error").to_string();
    (status, code, r.text().unwrap())
}

#[test]
fn portal_shows_the_demo_in_two_languages() {
    let dir = tempfile::tempdir().unwrap();
    let node = TestNode::start_in(&dir.path().join("d"), &["--demo"]);
    let url = &node.url;

    // Home: what the ledger is, its figures, agencies and checkpoint.
    let home = ok_page(&format!("{url}/"), None);
    assert!(home.contains("<html lang=\"en\">"));
    assert!(home.contains("A public ledger you can check"));
    let (_, status) = get(&format!("{url}/v1/status"));
    let (_, exc) = get(&format!("{url}/v1/money/currencies/EXC"));
    let minted: u128 = exc["currency"]["minted"].as_str().unwrap().parse().unwrap();
    let shown = format!(
        "{},{:03},{:03}.00",
        minted / 100_000_000,
        minted / 100_000 % 1000,
        minted / 100 % 1000
    );
    assert!(home.contains(&shown), "home shows {shown} EXC issued");
    assert!(home.contains("City of Example") && home.contains("Statistics Office"));
    let log_size = status["log_size"].as_u64().unwrap();
    assert!(
        home.contains(&format!("\n{log_size}\n")),
        "the latest checkpoint"
    );
    assert!(home.contains("One node keeps this ledger"));

    // The same page in Spanish, by the browser's language, by the switch
    // (which is remembered), and back.
    let es = ok_page(&format!("{url}/"), Some("es-ES,es;q=0.9,en;q=0.5"));
    assert!(es.contains("<html lang=\"es\">") && es.contains("Un registro público"));
    let r = http()
        .get(format!("{url}/money?lang=es"))
        .header("accept", "text/html")
        .send()
        .unwrap();
    assert_eq!(header(r.headers(), "content-language"), "es");
    assert!(header(r.headers(), "set-cookie").starts_with("lang=es;"));
    assert!(r.text().unwrap().contains("Adónde fue el dinero"));
    let r = http()
        .get(format!("{url}/programs"))
        .header("cookie", "lang=es")
        .send()
        .unwrap();
    assert!(r.text().unwrap().contains("Presupuesto restante"));
    assert!(ok_page(&format!("{url}/help?lang=en"), Some("es")).contains("What a receipt proves"));

    // Where the money went: the flow reconciles to the ledger's figures.
    let money = ok_page(&format!("{url}/money"), None);
    assert!(money.contains("role=\"img\"") && money.contains("Where the money went"));
    let (_, ubi) = get(&format!("{url}/v1/programs/ubi"));
    let paid: u128 = ubi["paid_total"].as_str().unwrap().parse().unwrap();
    for name in [
        "Universal basic income pilot",
        "School attendance cash transfer",
        "Winter energy allowance",
    ] {
        assert!(money.contains(name), "{name}");
    }
    assert!(
        money.contains(&format!("{}.{:02}", group(paid / 100), paid % 100)),
        "UBI paid {paid}"
    );
    assert!(
        money.contains("/v1/money/accounts/"),
        "each budget links to its proof"
    );
    // Every unit issued is accounted for: the appropriations add up to what
    // was issued, and the budgets to no more than what circulates.
    assert!(
        !money.contains("without a listed appropriation"),
        "appropriations reconcile"
    );
    assert!(!money.contains("counted in both"), "budgets reconcile");
    assert!(money.contains("Other accounts"));
    // The language switch keeps the rest of the address.
    let blocks_page = ok_page(&format!("{url}/explorer?page=1"), None);
    assert!(blocks_page.contains("href=\"/explorer?page=1&amp;lang=es\""));

    // Programs: enrolment, payments per month, rules.
    let programs = ok_page(&format!("{url}/programs"), None);
    assert!(programs.contains("href=\"/programs/ubi\""));
    let p = ok_page(&format!("{url}/programs/ubi"), None);
    assert!(p.contains("<dd>300</dd>"), "300 enrolled");
    assert!(p.contains("every month, by the ledger itself"));
    assert!(p.contains("Rules and their versions"));
    assert!(p.contains("href=\"/v1/programs/ubi\""));
    assert!(
        !p.contains("Changes of budget"),
        "ubi's terms never changed"
    );
    // Casework shows as counts, small ones merged: one suspended enrolee.
    assert!(
        p.contains("<dt>Suspended now</dt><dd>fewer than 10</dd>"),
        "{p}"
    );
    // The pilot evaluation: per period, with a CSV download.
    assert!(p.contains("<h2>Pilot evaluation</h2>"), "{p}");
    assert!(
        p.contains("href=\"/v1/programs/ubi/evaluation?format=csv\""),
        "{p}"
    );
    // The grievances filed about it, per month and category.
    assert!(p.contains("<h2>Grievances</h2>"), "{p}");
    assert!(p.contains("<td>a suspension</td>"), "{p}");
    // A case, followed by its number: never who filed it.
    for page in [
        format!("{url}/grievances?case=ubi-1"),
        format!("{url}/grievances/ubi-1"),
    ] {
        let g = ok_page(&page, None);
        assert!(g.contains("<h2>Case ubi-1</h2>"), "{g}");
        assert!(g.contains("<dd>a suspension</dd>"), "{g}");
        assert!(g.contains("<dd>not yet decided</dd>"), "{g}");
        assert!(g.contains("an official assigned to it"), "{g}");
        assert!(
            !g.contains(&ubi_enrolee_hint()),
            "no complainant on the page"
        );
    }
    let form = ok_page(&format!("{url}/grievances"), None);
    assert!(
        form.contains("<form class=\"lookup\" action=\"/grievances\" method=\"get\">"),
        "{form}"
    );
    // The energy allowance's budget was raised by a council decision.
    let p = ok_page(&format!("{url}/programs/energy"), None);
    assert!(p.contains("Changes of budget, dates and schedule"), "{p}");
    assert!(p.contains("Council decision 2026/41: a colder winter"));
    assert!(
        p.contains("<dt>Overpayments owed back</dt><dd>10.00 <abbr>EXC</abbr></dd>"),
        "{p}"
    );
    assert!(
        p.contains("Budget: 200,000.00 <abbr>EXC</abbr> → 250,000.00 <abbr>EXC</abbr>"),
        "{p}"
    );

    // Explorer: blocks, a block, a transaction, an account, agencies.
    let blocks = ok_page(&format!("{url}/explorer"), None);
    // The latest blocks come first (the demo has more than a page of them).
    assert!(blocks.contains("href=\"/explorer/blocks/"), "{blocks}");
    let first = ok_page(&format!("{url}/explorer/blocks/1"), None);
    assert!(
        first.contains("Block 1") || first.contains(">1<"),
        "{first}"
    );
    let (_, b1) = get(&format!("{url}/v1/blocks/1"));
    let b1 = if b1["block"].is_object() {
        b1["block"].clone()
    } else {
        b1
    };
    let tx = b1["outcomes"][0]["tx_id"].as_str().unwrap().to_string();
    let block = ok_page(&format!("{url}/explorer/blocks/1"), None);
    assert!(block.contains(&format!("/explorer/transactions/{tx}")));
    let txp = ok_page(&format!("{url}/explorer/transactions/{tx}"), None);
    assert!(
        txp.contains(&format!("/check?tx={tx}"))
            && txp.contains(&format!("href=\"/v1/transactions/{tx}\""))
    );
    let funding = ubi["program"]["funding_account"].as_str().unwrap();
    let acct = ok_page(&format!("{url}/explorer/accounts/{funding}"), None);
    assert!(acct.contains("History") && acct.contains("never by a person"));
    assert!(ok_page(&format!("{url}/explorer/agencies"), None).contains("Civil Registry"));
    assert!(
        ok_page(&format!("{url}/explorer/agencies/city"), None).contains("href=\"/programs/ubi\"")
    );

    // The corridor to the twin city: its validators trusted, the payment
    // out pending, in both languages.
    let xb = ok_page(&format!("{url}/crossborder"), None);
    assert!(
        xb.contains("publica-demo-twin")
            && xb.contains("twin.example/publica")
            && xb.contains("sent, locked here")
            && xb.contains("120.00"),
        "{xb}"
    );
    assert!(ok_page(&format!("{url}/crossborder"), Some("es")).contains("enviada, bloqueada aquí"));

    // Search sends the reader to the page of what it found.
    for (term, to) in [
        (tx.as_str(), format!("/explorer/transactions/{tx}")),
        ("1", "/explorer/blocks/1".to_string()),
        ("ubi", "/programs/ubi".to_string()),
        ("city", "/explorer/agencies/city".to_string()),
        (funding, format!("/explorer/accounts/{funding}")),
        ("EXC", "/money#currency-EXC".to_string()),
    ] {
        let r = reqwest::blocking::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap()
            .get(format!("{url}/search?q={}", encode(term)))
            .send()
            .unwrap();
        assert_eq!(r.status().as_u16(), 303, "{term}");
        assert_eq!(header(r.headers(), "location"), to, "{term}");
    }

    // The stylesheet and script are the portal's own.
    let (s, css) = get(&format!("{url}/assets/portal.css"));
    assert_eq!(s, 200);
    assert!(css.as_str().unwrap().contains("--link"));
    let r = http().get(format!("{url}/assets/check.js")).send().unwrap();
    assert!(header(r.headers(), "content-type").starts_with("text/javascript"));
    // It runs the TypeScript client's verifier, served beside it.
    assert!(r.text().unwrap().contains("from './sdk/verify.js'"));
    let r = http()
        .get(format!("{url}/assets/sdk/verify.js"))
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert!(header(r.headers(), "content-type").starts_with("text/javascript"));
    assert!(r
        .text()
        .unwrap()
        .contains("export async function verifyReceipt("));
    let r = http()
        .get(format!("{url}/assets/sdk/client.js"))
        .send()
        .unwrap();
    assert_eq!(
        r.status().as_u16(),
        404,
        "only the verifier's modules are served"
    );
    // The vote page compiles the ballot maker: its policy allows
    // WebAssembly, and only there.
    let (s, h, body) = page(&format!("{url}/elections/city-2027/vote"), None);
    assert_eq!(s, 200, "{body}");
    assert!(
        header(&h, "content-security-policy")
            .starts_with("default-src 'none'; script-src 'self' 'wasm-unsafe-eval';"),
        "{h:?}"
    );
    assert!(body.contains("<script type=\"module\" src=\"/assets/vote.js\""));
    let r = http()
        .get(format!("{url}/assets/ballot.wasm"))
        .send()
        .unwrap();
    assert_eq!(header(r.headers(), "content-type"), "application/wasm");
    assert!(
        r.bytes().unwrap().starts_with(b"\0asm"),
        "a WebAssembly module"
    );
    refused(
        &format!("{url}/elections/no-such/vote"),
        404,
        "elections.unknown_election",
    );
    refused(
        &format!("{url}/elections/Bad%21/vote"),
        400,
        "request.invalid_param",
    );
    // The API is where it was.
    assert_eq!(get(&format!("{url}/v1/status")).0, 200);
}

/// `n` with English thousands separators.
fn group(n: u128) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[test]
fn portal_checks_receipts_and_refuses_bad_input_with_reasons() {
    let dir = tempfile::tempdir().unwrap();
    let node = TestNode::start_in(&dir.path().join("d"), &[]);
    let url = &node.url;
    let ids = commit_notes(&node, 2);
    let real = receipt(&node, &ids[0]);
    let text = real.to_string();

    // A real receipt: verified, and what is not proved is said.
    let (s, code, body) = post_check(url, &text, "");
    assert_eq!((s, code.as_str()), (200, ""), "{body}");
    assert!(body.contains("Verified") && body.contains("data-checked-by=\"server\""));
    assert!(body.contains(&ids[0]) && body.contains("the node's word"));
    // The check page fills in a transaction's receipt.
    let form = ok_page(&format!("{url}/check?tx={}", ids[0]), None);
    assert!(form.contains("inclusion_proof") && form.contains("id=\"receipt-check\""));
    assert!(form.contains("data-log-key=\"publica.local/"));

    // Tampered receipts: each failure named.
    let tamper = |f: &dyn Fn(&mut Value)| {
        let mut r = real.clone();
        f(&mut r);
        r.to_string()
    };
    let cases: Vec<(String, &str)> = vec![
        ("not json at all".into(), "receipt.not_json"),
        ("{}".into(), "receipt.malformed"),
        (
            tamper(&|r| r["outcome"]["status"] = "failed".into()),
            "receipt.proof_mismatch",
        ),
        (
            tamper(&|r| r["tree_size"] = 999.into()),
            "receipt.tree_size_mismatch",
        ),
        (
            tamper(&|r| r["transaction"]["body"]["nonce"] = 77.into()),
            "receipt.bad_tx_signature",
        ),
        (
            tamper(&|r| {
                // Another root hash under the same signature.
                let mut lines: Vec<String> = r["checkpoint"]
                    .as_str()
                    .unwrap()
                    .split('\n')
                    .map(String::from)
                    .collect();
                let first = if lines[2].starts_with('A') { "B" } else { "A" };
                lines[2].replace_range(0..1, first);
                r["checkpoint"] = lines.join("\n").into();
            }),
            "receipt.bad_checkpoint",
        ),
    ];
    for (bad, want) in &cases {
        let (s, code, body) = post_check(url, bad, "");
        assert_eq!((s, code.as_str()), (422, *want), "{body}");
        assert!(body.contains("Not verified"), "{want}");
    }
    // A state answer: the page fills it in for a key, the server checks
    // it from its checkpoint, and names each kind of tampering.
    let signer = real["transaction"]["signer"].as_str().unwrap();
    let form = ok_page(&format!("{url}/check?state=runtime/nonce/{signer}"), None);
    assert!(
        form.contains("publica-state") && form.contains("state_root"),
        "{form}"
    );
    let (_, answer) = get(&format!("{url}/v1/state?key=runtime/nonce/{signer}"));
    let (s, code, body) = post_check(url, &answer.to_string(), "");
    assert_eq!((s, code.as_str()), (200, ""), "{body}");
    assert!(body.contains("Verified") && body.contains(&format!("runtime/nonce/{signer}")));
    assert!(body.contains("still the value now"), "{body}");
    let altered = |field: &str, v: Value| {
        let mut a = answer.clone();
        a[field] = v;
        a.to_string()
    };
    for (bad, want) in [
        (
            altered("value_hex", hex::encode(b"9").into()),
            "state.proof_mismatch",
        ),
        (altered("height", 9_999.into()), "state.root_mismatch"),
        (altered("checkpoint", Value::Null), "state.no_checkpoint"),
        (altered("proof", Value::Null), "receipt.malformed"),
    ] {
        let (s, code, body) = post_check(url, &bad, "");
        assert_eq!((s, code.as_str()), (422, want), "{body}");
    }
    refused(
        &format!("{url}/check?state=has%20space"),
        400,
        "request.invalid_param",
    );

    // A receipt from another log is refused for its key.
    let other_dir = tempfile::tempdir().unwrap();
    let other = TestNode::start_in(&other_dir.path().join("d"), &[]);
    let other_ids = commit_notes(&other, 1);
    let foreign = receipt(&other, &other_ids[0]).to_string();
    drop(other);
    let (s, code, _) = post_check(url, &foreign, "");
    assert_eq!((s, code.as_str()), (422, "receipt.bad_checkpoint"));
    let (s, code, _) = post_check(url, &text, "not a key");
    assert_eq!((s, code.as_str()), (422, "receipt.bad_key"));
    let (s, code, _) = post_check(url, &"x".repeat(1 << 21), "");
    assert_eq!((s, code.as_str()), (413, "request.too_large"));

    // Text from the ledger that would display as something else (a right-
    // to-left override) shows its hidden characters as codes.
    let kp = publica_crypto::Keypair::generate();
    let (s, v) = submit(&node, &note_tx(&kp, 1, "x"));
    assert_eq!(s, 202, "{v}");
    let (s, v) = submit(&node, &note_tx(&kp, 2, "invoice\u{202E}fdp.exe"));
    assert_eq!(s, 202, "{v}");
    let spoof = v["tx_id"].as_str().unwrap().to_string();
    receipt(&node, &spoof);
    let txp = ok_page(&format!("{url}/explorer/transactions/{spoof}"), None);
    assert!(txp.contains("invoice[U+202E]fdp.exe"), "{txp}");
    assert!(!txp.contains('\u{202E}'));

    // Unknown ids, malformed ids, huge page numbers, script in queries.
    refused(
        &format!("{url}/explorer/blocks/99999"),
        404,
        "block.unknown",
    );
    refused(
        &format!("{url}/explorer/blocks/abc"),
        400,
        "request.invalid_param",
    );
    refused(
        &format!("{url}/explorer/blocks/1?page=99999999999999999999999"),
        400,
        "request.invalid_param",
    );
    refused(
        &format!("{url}/explorer?page=0"),
        400,
        "request.invalid_param",
    );
    refused(
        &format!("{url}/explorer/transactions/{}", "ab".repeat(32)),
        404,
        "tx.unknown",
    );
    refused(
        &format!("{url}/explorer/transactions/zz"),
        400,
        "request.invalid_param",
    );
    refused(
        &format!("{url}/explorer/accounts/NOPE"),
        400,
        "request.invalid_param",
    );
    refused(
        &format!("{url}/explorer/accounts/nobody"),
        404,
        "money.unknown_account",
    );
    refused(
        &format!("{url}/explorer/agencies/nowhere"),
        404,
        "auth.unknown_agency",
    );
    refused(
        &format!("{url}/programs/none"),
        404,
        "programs.unknown_program",
    );
    refused(
        &format!("{url}/grievances?case=ubi-99"),
        404,
        "programs.unknown_case",
    );
    refused(
        &format!("{url}/grievances?case=%3Cb%3E-1"),
        400,
        "request.invalid_param",
    );
    refused(
        &format!("{url}/grievances/ubi"),
        400,
        "request.invalid_param",
    );
    refused(
        &format!("{url}/programs/%3Cb%3E"),
        400,
        "request.invalid_param",
    );
    refused(&format!("{url}/check?tx=xyz"), 400, "request.invalid_param");
    refused(&format!("{url}/search?q="), 400, "request.invalid_param");
    refused(
        &format!("{url}/search?q={}", "a".repeat(201)),
        400,
        "request.invalid_param",
    );
    let body = refused(
        &format!("{url}/search?q=%3Cscript%3Ealert(1)%3C/script%3E"),
        404,
        "search.not_found",
    );
    assert!(!body.contains("<script>alert") && body.contains("&lt;script&gt;alert(1)"));
    let body = refused(&format!("{url}/no/such/page"), 404, "page.not_found");
    assert!(body.contains("/no/such/page"));
    // Clients of the API still get JSON.
    let (s, v) = get(&format!("{url}/no/such/page"));
    assert_eq!((s, v["code"].as_str()), (404, Some("request.not_found")));
    let (s, v) = get(&format!("{url}/v1/nothing"));
    assert_eq!((s, v["code"].as_str()), (404, Some("request.not_found")));
}

/// The complainant of the demo's case ubi-1 (its last UBI enrolee), hex.
fn ubi_enrolee_hint() -> String {
    let seed = publica_crypto::sha256(b"publica demo citizen 299");
    publica_crypto::Keypair::from_seed(*seed.as_bytes())
        .account()
        .to_hex()
}
