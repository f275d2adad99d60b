//! Verifying a credential against the ledger: each check named, each
//! failure with its code and a sentence.
//!
//! 1. `proof`: a Data Integrity `eddsa-jcs-2022` proof by
//!    `did:publica:<account>#key-1`, the account's current key.
//! 2. `context`: VC 2.0's context first; every context one this verifier
//!    knows (no context is fetched).
//! 3. `issuer`: `issuer` is `did:publica:<institution>`, and the signer is
//!    one of the institution's issuers.
//! 4. `accreditation`: the accreditor accredited the institution for the
//!    credential's kind on its `validFrom` date.
//! 5. `validity`: `validFrom` has come, `validUntil` (if any) has not.
//! 6. `status`: every `BitstringStatusListEntry` points at the issuer's own
//!    list on this ledger and its entry is not set.

use crate::codes;
use crate::model::{
    accreditation_key, list_key, Accreditation, CredentialKind, Purpose, StatusList,
};
use crate::{di, status};
use publica_runtime::authz::{self, Role};
use publica_runtime::overlay::StateRead;
use publica_types::AccountId;
use serde::Serialize;
use serde_json::Value;

pub use crate::contexts::{PUBLICA_V1, VC_V2};
/// Contexts this verifier knows (it never fetches one). Those it holds
/// ([`crate::contexts`]) serve `eddsa-rdfc-2022`; the others are known by
/// name, enough for `eddsa-jcs-2022`, which signs the JSON as written.
pub const KNOWN_CONTEXTS: &[&str] = &[
    VC_V2,
    PUBLICA_V1,
    "https://www.w3.org/ns/credentials/examples/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
];
/// The path of a status list on a node.
pub const STATUS_PATH: &str = "/v1/credentials/status/";

/// One check's outcome.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Check {
    /// `proof`, `context`, `issuer`, `accreditation`, `validity`, `status`.
    pub check: &'static str,
    /// Passed.
    pub ok: bool,
    /// The failure's code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<&'static str>,
    /// What was found, in words.
    pub message: String,
}

/// A verification: verified only if every check passed.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Report {
    /// Every check passed.
    pub verified: bool,
    /// The checks, in order.
    pub checks: Vec<Check>,
    /// The institution named as issuer, if one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub institution: Option<String>,
    /// The credential's kind, if one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<CredentialKind>,
    /// For an SD-JWT presentation that verified: the claims it shows
    /// (those in the clear and those the holder disclosed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub claims: Option<serde_json::Map<String, Value>>,
}

impl Report {
    /// The first failed check.
    #[must_use]
    pub fn failure(&self) -> Option<&Check> {
        self.checks.iter().find(|c| !c.ok)
    }
}

fn pass(check: &'static str, message: impl Into<String>) -> Check {
    Check {
        check,
        ok: true,
        code: None,
        message: message.into(),
    }
}

fn fail(check: &'static str, code: &'static str, message: impl Into<String>) -> Check {
    Check {
        check,
        ok: false,
        code: Some(code),
        message: message.into(),
    }
}

/// An RFC 3339 / XML Schema date-time (`2027-06-30T12:00:00Z`, an offset
/// or fraction allowed) as ms since the Unix epoch.
#[must_use]
pub fn date_time_ms(s: &str) -> Option<u64> {
    if !s.is_ascii() || s.len() > 64 {
        return None;
    }
    let b = s.as_bytes();
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let t = s.get(r)?;
        t.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| t.parse().ok())?
    };
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, sec) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if b.get(4) != Some(&b'-')
        || b.get(7) != Some(&b'-')
        || !matches!(b.get(10), Some(b'T' | b't'))
        || b.get(13) != Some(&b':')
        || b.get(16) != Some(&b':')
        || !(1..=12).contains(&mo)
        || !(1..=31).contains(&d)
        || h > 23
        || mi > 59
        || sec > 60
    {
        return None;
    }
    let mut rest = &s[19..];
    if let Some(frac) = rest.strip_prefix('.') {
        let n = frac.bytes().take_while(u8::is_ascii_digit).count();
        if n == 0 {
            return None;
        }
        rest = &frac[n..];
    }
    let offset_s: i64 = match rest {
        "Z" | "z" => 0,
        _ if rest.len() == 6 && (rest.starts_with('+') || rest.starts_with('-')) => {
            let oh: i64 = rest[1..3].parse().ok()?;
            let om: i64 = rest[4..6].parse().ok()?;
            if &rest[3..4] != ":" || oh > 23 || om > 59 {
                return None;
            }
            let sign = if rest.starts_with('-') { -1 } else { 1 };
            sign * (oh * 3600 + om * 60)
        }
        _ => return None,
    };
    // Days from the civil date (Howard Hinnant's algorithm).
    let yy = if mo <= 2 { y - 1 } else { y };
    let era = yy.div_euclid(400);
    let yoe = yy - era * 400;
    let mp = (mo + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let secs = days * 86_400 + h * 3600 + mi * 60 + sec - offset_s;
    u64::try_from(secs).ok().map(|x| x * 1000)
}

/// The account of a `did:publica:<64 hex>#key-1` verification method.
fn publica_method(method: &str) -> Option<AccountId> {
    method
        .strip_suffix("#key-1")?
        .strip_prefix("did:publica:")?
        .parse()
        .ok()
}

/// The institution a `did:web` domain names on the ledger.
#[must_use]
pub fn domain_institution(state: &dyn StateRead, domain: &str) -> Option<String> {
    if !crate::model::valid_domain(domain) {
        return None;
    }
    state
        .value(&crate::model::domain_key(domain))
        .and_then(|b| serde_json::from_slice(&b).ok())
}

/// The signing account of a verification method: `did:publica:<account
/// hex>#key-1`, or `did:web:<domain>#<account hex>` for a domain an
/// institution registered; and the method's DID.
fn signer_of(state: &dyn StateRead, method: &str) -> Option<(AccountId, String)> {
    if let Some(a) = publica_method(method) {
        return Some((a, format!("did:publica:{a}")));
    }
    let (did, account) = method.split_once('#')?;
    let domain = did.strip_prefix("did:web:")?;
    domain_institution(state, domain)?;
    Some((account.parse().ok()?, did.to_string()))
}

/// The institution an `issuer` names: `did:publica:<institution>`, or
/// `did:web:<domain>` for a domain it registered.
fn issuer_institution(state: &dyn StateRead, issuer: &str) -> Option<String> {
    if let Some(i) = issuer.strip_prefix("did:publica:") {
        return crate::model::valid_id(i).then(|| i.to_string());
    }
    domain_institution(state, issuer.strip_prefix("did:web:")?)
}

/// Verifies `credential` against `state` at `now_ms`, trusting
/// accreditations by `accreditor`.
#[must_use]
pub fn credential(
    state: &dyn StateRead,
    now_ms: u64,
    credential: &Value,
    accreditor: &str,
) -> Report {
    let mut checks = vec![];
    // 1. The proof.
    let signer = match di::verify(credential, |m| {
        signer_of(state, m).map(|(a, _)| authz::current_key(state, &a))
    }) {
        Ok(v) => {
            let account = signer_of(state, &v.verification_method);
            checks.push(pass(
                "proof",
                format!("signed with {}", v.verification_method),
            ));
            account
        }
        Err(e) => {
            checks.push(fail("proof", e.code, e.message));
            None
        }
    };
    checks.push(context_check(credential));
    // 3. The issuer.
    let issuer = credential["issuer"]
        .as_str()
        .or_else(|| credential["issuer"]["id"].as_str())
        .unwrap_or_default();
    let institution = issuer_institution(state, issuer);
    checks.push(match (institution.as_deref(), signer) {
        (None, _) => fail(
            "issuer",
            codes::MALFORMED,
            format!("issuer '{issuer}' is not did:publica:<institution>, nor did:web:<domain> for a domain an institution registered"),
        ),
        (Some(_), None) => fail(
            "issuer",
            codes::NOT_AN_ISSUER,
            "no ledger account signed it",
        ),
        (Some(_), Some((_, did)))
            if (issuer.starts_with("did:web:") || did.starts_with("did:web:")) && did != issuer =>
        {
            fail(
            "issuer",
            codes::NOT_AN_ISSUER,
            format!("the issuer is {issuer} but a key of {did} signed"),
            )
        }
        (Some(i), Some((a, _))) if authz::has_role(state, i, &a, Role::Issuer) => {
            pass("issuer", format!("{a} is an issuer of {i}"))
        }
        (Some(i), Some((a, _))) => fail(
            "issuer",
            codes::NOT_AN_ISSUER,
            format!("{a} is not an issuer of '{i}'"),
        ),
    });
    let institution = institution.as_deref();
    // 4. Accreditation on the credential's date.
    let types: Vec<&str> = credential["type"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let kind = CredentialKind::of_types(&types);
    let valid_from = credential["validFrom"].as_str().and_then(date_time_ms);
    checks.push(accreditation_check(
        state,
        accreditor,
        institution,
        kind,
        valid_from,
    ));
    // 5. Validity dates.
    checks.push(validity_check(credential, valid_from, now_ms));
    // 6. Status.
    checks.push(status_check(state, credential, institution));
    Report {
        verified: checks.iter().all(|c| c.ok),
        checks,
        institution: institution.map(str::to_string),
        kind,
        claims: None,
    }
}

/// The `vct` of an SD-JWT VC of `kind`.
#[must_use]
pub fn vct(kind: CredentialKind) -> String {
    let name = serde_json::to_value(kind).expect("a kind is JSON");
    format!("urn:publica:vct:{}", name.as_str().unwrap_or_default())
}

/// Verifies an SD-JWT VC presentation against `state` at `now_ms` for
/// audience `aud` and `nonce`, trusting accreditations by `accreditor`:
/// the issuer's signature and the disclosures (`proof`), the holder's key
/// binding (`key_binding`), then `issuer`, `accreditation` (on its `iat`)
/// and `validity` as for a credential.
#[must_use]
pub fn presentation(
    state: &dyn StateRead,
    now_ms: u64,
    text: &str,
    accreditor: &str,
    aud: &str,
    nonce: &str,
) -> Report {
    let mut checks = vec![];
    let result = crate::sdjwt::verify(
        text,
        |kid| publica_method(kid).map(|a| authz::current_key(state, &a)),
        aud,
        nonce,
        now_ms / 1000,
    );
    let presented = match result {
        Ok(p) => {
            checks.push(pass("proof", format!("signed with {}", p.kid)));
            checks.push(pass(
                "key_binding",
                format!("presented by the holder to {aud}"),
            ));
            Some(p)
        }
        Err(e) if e.code == codes::KB_INVALID => {
            checks.push(pass("proof", "signed by the issuer"));
            checks.push(fail("key_binding", e.code, e.message));
            None
        }
        Err(e) => {
            checks.push(fail("proof", e.code, e.message));
            None
        }
    };
    let Some(p) = presented else {
        return Report {
            verified: false,
            checks,
            institution: None,
            kind: None,
            claims: None,
        };
    };
    let claims = &p.claims;
    let institution = claims
        .get("iss")
        .and_then(Value::as_str)
        .and_then(|i| i.strip_prefix("did:publica:"))
        .filter(|i| crate::model::valid_id(i));
    let signer = publica_method(&p.kid);
    checks.push(match (institution, signer) {
        (None, _) => fail(
            "issuer",
            codes::MALFORMED,
            "iss is not did:publica:<institution>",
        ),
        (Some(i), Some(a)) if authz::has_role(state, i, &a, Role::Issuer) => {
            pass("issuer", format!("{a} is an issuer of {i}"))
        }
        (Some(i), _) => fail(
            "issuer",
            codes::NOT_AN_ISSUER,
            format!("the signer is not an issuer of '{i}'"),
        ),
    });
    let kind = [
        CredentialKind::Degree,
        CredentialKind::Transcript,
        CredentialKind::ProfessionalLicence,
        CredentialKind::Enrolment,
    ]
    .into_iter()
    .find(|k| claims.get("vct").and_then(Value::as_str) == Some(vct(*k).as_str()));
    let issued_ms = claims
        .get("nbf")
        .or_else(|| claims.get("iat"))
        .and_then(Value::as_u64)
        .map(|s| s * 1000);
    checks.push(accreditation_check(
        state,
        accreditor,
        institution,
        kind,
        issued_ms,
    ));
    checks.push(match issued_ms {
        Some(f) if f > now_ms + 300_000 => fail(
            "validity",
            codes::NOT_YET_VALID,
            "its iat or nbf is in the future",
        ),
        Some(_) => pass("validity", "valid now"),
        None => fail("validity", codes::MALFORMED, "iat must be unix seconds"),
    });
    Report {
        verified: checks.iter().all(|c| c.ok),
        checks,
        institution: institution.map(str::to_string),
        kind,
        claims: Some(p.claims.clone()),
    }
}

/// The `validity` check: `validFrom` has come, `validUntil` and the
/// proof's `expires` have not.
fn validity_check(credential: &Value, valid_from: Option<u64>, now_ms: u64) -> Check {
    let until = credential
        .get("validUntil")
        .map(|v| v.as_str().and_then(date_time_ms));
    match (valid_from, until) {
        (None, _) => fail(
            "validity",
            codes::MALFORMED,
            "validFrom must be a date-time",
        ),
        (_, Some(None)) => fail(
            "validity",
            codes::MALFORMED,
            "validUntil must be a date-time",
        ),
        (Some(f), _) if f > now_ms => fail(
            "validity",
            codes::NOT_YET_VALID,
            "its validFrom is in the future",
        ),
        (_, Some(Some(u))) if u <= now_ms => {
            fail("validity", codes::EXPIRED, "its validUntil has passed")
        }
        // A Data Integrity proof may expire before the credential does.
        _ if credential["proof"]["expires"]
            .as_str()
            .is_some_and(|e| date_time_ms(e).is_none_or(|e| e <= now_ms)) =>
        {
            fail("validity", codes::EXPIRED, "its proof's expires has passed")
        }
        _ => pass("validity", "valid now"),
    }
}

/// The `context` check.
fn context_check(credential: &Value) -> Check {
    let ctx: Vec<&str> = credential["@context"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let unknown: Vec<&&str> = ctx.iter().filter(|c| !KNOWN_CONTEXTS.contains(c)).collect();
    if ctx.first() != Some(&VC_V2) {
        fail(
            "context",
            codes::CONTEXT_MISMATCH,
            format!("@context must begin with {VC_V2} (a VC 2.0 credential)"),
        )
    } else if let Some(u) = unknown.first() {
        fail(
            "context",
            codes::UNKNOWN_CONTEXT,
            format!("unknown context {u}: this verifier never fetches contexts"),
        )
    } else {
        pass("context", "VC 2.0")
    }
}

/// The `accreditation` check.
fn accreditation_check(
    state: &dyn StateRead,
    accreditor: &str,
    institution: Option<&str>,
    kind: Option<CredentialKind>,
    valid_from: Option<u64>,
) -> Check {
    match (institution, kind, valid_from) {
        (_, None, _) => fail("accreditation", codes::MALFORMED, "its type (or vct) names no kind of credential the registry accredits (OpenBadgeCredential, TranscriptCredential, ProfessionalLicenceCredential, EnrolmentCredential; urn:publica:vct:<kind>)"),
        (_, _, None) => fail("accreditation", codes::MALFORMED, "validFrom must be a date-time (the accreditation is judged on it)"),
        (None, _, _) => fail("accreditation", codes::NOT_ACCREDITED, "no institution to look up"),
        (Some(i), Some(k), Some(at)) => {
            let acc: Option<Accreditation> = state
                .value(&accreditation_key(accreditor, i))
                .and_then(|b| serde_json::from_slice(&b).ok());
            match acc {
                Some(a) if a.covers(k, at) => pass("accreditation", format!("'{accreditor}' accredited '{i}' for {k:?} on that date")),
                Some(_) => fail("accreditation", codes::NOT_ACCREDITED, format!("'{accreditor}' did not accredit '{i}' for {k:?} on its validFrom date")),
                None => fail("accreditation", codes::NOT_ACCREDITED, format!("'{accreditor}' never accredited '{i}'")),
            }
        }
    }
}

/// The `status` check.
fn status_check(state: &dyn StateRead, credential: &Value, institution: Option<&str>) -> Check {
    let entries: Vec<&Value> = match &credential["credentialStatus"] {
        Value::Null => return pass("status", "the credential has no status entry"),
        Value::Array(a) => a.iter().collect(),
        one => vec![one],
    };
    for e in entries {
        if e["type"] != "BitstringStatusListEntry" {
            return fail(
                "status",
                codes::MALFORMED,
                "a status entry must be a BitstringStatusListEntry",
            );
        }
        let url = e["statusListCredential"].as_str().unwrap_or_default();
        let Some((inst, list)) = url
            .rsplit_once(STATUS_PATH)
            .and_then(|(_, rest)| rest.split_once('/'))
        else {
            return fail(
                "status",
                codes::MALFORMED,
                format!("statusListCredential must end with {STATUS_PATH}<institution>/<list>"),
            );
        };
        if Some(inst) != institution {
            return fail(
                "status",
                codes::MALFORMED,
                "a status entry must point at the issuer's own list",
            );
        }
        let Some(l) = state
            .value(&list_key(inst, list))
            .and_then(|b| serde_json::from_slice::<StatusList>(&b).ok())
        else {
            return fail(
                "status",
                codes::UNKNOWN_LIST,
                format!("'{inst}' has no status list '{list}'"),
            );
        };
        let index = e["statusListIndex"]
            .as_str()
            .filter(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|s| s.parse::<u64>().ok())
            .filter(|i| *i < l.size);
        let Some(index) = index else {
            return fail(
                "status",
                codes::INDEX_OUT_OF_RANGE,
                format!("statusListIndex must be a decimal string below {}", l.size),
            );
        };
        if e["statusPurpose"].as_str() != Some(l.purpose.as_str()) {
            return fail(
                "status",
                codes::MALFORMED,
                format!("list '{list}' is a {} list", l.purpose.as_str()),
            );
        }
        if status::bit(&l, index, &|k| {
            state.value(k).map(std::borrow::Cow::into_owned)
        }) {
            return match l.purpose {
                Purpose::Revocation => fail(
                    "status",
                    codes::REVOKED,
                    format!("entry {index} of '{inst}/{list}' is set: revoked"),
                ),
                Purpose::Suspension => fail(
                    "status",
                    codes::SUSPENDED,
                    format!("entry {index} of '{inst}/{list}' is set: suspended"),
                ),
            };
        }
    }
    pass("status", "not revoked or suspended")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_times_read_as_ms() {
        assert_eq!(date_time_ms("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(
            date_time_ms("2023-01-01T00:00:00Z"),
            Some(1_672_531_200_000)
        );
        assert_eq!(
            date_time_ms("2023-01-01T01:00:00+01:00"),
            Some(1_672_531_200_000)
        );
        assert_eq!(
            date_time_ms("2023-01-01T00:00:00.123Z"),
            Some(1_672_531_200_000)
        );
        assert_eq!(
            date_time_ms("2024-02-29T12:00:00Z"),
            Some(1_709_208_000_000)
        );
        for bad in [
            "2023-01-01",
            "2023-13-01T00:00:00Z",
            "2023-01-01T00:00:00",
            "2023-01-01T00:00:00.Z",
            "x",
        ] {
            assert_eq!(date_time_ms(bad), None, "{bad}");
        }
    }
}
