//! FHIR R4 resources a record may hold, checked before they are sealed:
//! `Patient`, `Observation`, `Condition`, `MedicationRequest` and
//! `DocumentReference`, by the rules of HL7's FHIR R4 JSON schema for
//! their top level — the members each type has (no others; `_name` for a
//! primitive's extension), the required ones, the coded ones with their
//! value sets, the primitive types (`id`, `boolean`, `date`, `dateTime`,
//! `instant`, `string`) and which members are arrays and which objects.
//! Nested data types are checked as objects (or arrays of them) only.
//!
//! The tests check every HL7 example of these types passes and that
//! variants of them are judged as the JSON schema judges them
//! (`tests/python/test_fhir_schema.py`, against
//! `../shared/testdata/fhir-r4`), with one difference: a complex-typed
//! member that is not a JSON object is refused here, as FHIR's JSON format
//! requires, where the schema lets it through.

use serde_json::{Map, Value};

/// Largest FHIR resource sealed into a record, in bytes of JSON.
pub const RESOURCE_BYTES_MAX: usize = 4 * 1024 * 1024;

/// Why a resource is refused: the member and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid(pub String);

impl std::fmt::Display for Invalid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// How a member is typed.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// An object (a data type or a backbone element).
    Object,
    /// An array of objects.
    Objects,
    /// A `boolean`.
    Bool,
    /// An `integer`.
    Int,
    /// A `string` (or `uri`, `markdown`, `code` without a value set).
    Str,
    /// A `date`.
    Date,
    /// A `dateTime`.
    DateTime,
    /// An `instant`.
    Instant,
    /// An `id`.
    Id,
    /// A `code` from a closed value set.
    Code(&'static [&'static str]),
    /// An array of strings (`canonical`, `uri`).
    Strs,
}

use Kind::{Bool, Code, Date, DateTime, Id, Instant, Int, Object, Objects, Str, Strs};

/// Members every resource has (`Resource` and `DomainResource`).
const COMMON: &[(&str, Kind)] = &[
    ("id", Id),
    ("meta", Object),
    ("implicitRules", Str),
    ("language", Str),
    ("text", Object),
    ("contained", Objects),
    ("extension", Objects),
    ("modifierExtension", Objects),
];

const PATIENT: &[(&str, Kind)] = &[
    ("identifier", Objects),
    ("active", Bool),
    ("name", Objects),
    ("telecom", Objects),
    ("gender", Code(&["male", "female", "other", "unknown"])),
    ("birthDate", Date),
    ("deceasedBoolean", Bool),
    ("deceasedDateTime", DateTime),
    ("address", Objects),
    ("maritalStatus", Object),
    ("multipleBirthBoolean", Bool),
    ("multipleBirthInteger", Int),
    ("photo", Objects),
    ("contact", Objects),
    ("communication", Objects),
    ("generalPractitioner", Objects),
    ("managingOrganization", Object),
    ("link", Objects),
];

const OBSERVATION: &[(&str, Kind)] = &[
    ("identifier", Objects),
    ("basedOn", Objects),
    ("partOf", Objects),
    (
        "status",
        Code(&[
            "registered",
            "preliminary",
            "final",
            "amended",
            "corrected",
            "cancelled",
            "entered-in-error",
            "unknown",
        ]),
    ),
    ("category", Objects),
    ("code", Object),
    ("subject", Object),
    ("focus", Objects),
    ("encounter", Object),
    ("effectiveDateTime", DateTime),
    ("effectivePeriod", Object),
    ("effectiveTiming", Object),
    ("effectiveInstant", Instant),
    ("issued", Instant),
    ("performer", Objects),
    ("valueQuantity", Object),
    ("valueCodeableConcept", Object),
    ("valueString", Str),
    ("valueBoolean", Bool),
    ("valueInteger", Int),
    ("valueRange", Object),
    ("valueRatio", Object),
    ("valueSampledData", Object),
    ("valueTime", Str),
    ("valueDateTime", DateTime),
    ("valuePeriod", Object),
    ("dataAbsentReason", Object),
    ("interpretation", Objects),
    ("note", Objects),
    ("bodySite", Object),
    ("method", Object),
    ("specimen", Object),
    ("device", Object),
    ("referenceRange", Objects),
    ("hasMember", Objects),
    ("derivedFrom", Objects),
    ("component", Objects),
];

const CONDITION: &[(&str, Kind)] = &[
    ("identifier", Objects),
    ("clinicalStatus", Object),
    ("verificationStatus", Object),
    ("category", Objects),
    ("severity", Object),
    ("code", Object),
    ("bodySite", Objects),
    ("subject", Object),
    ("encounter", Object),
    ("onsetDateTime", DateTime),
    ("onsetAge", Object),
    ("onsetPeriod", Object),
    ("onsetRange", Object),
    ("onsetString", Str),
    ("abatementDateTime", DateTime),
    ("abatementAge", Object),
    ("abatementPeriod", Object),
    ("abatementRange", Object),
    ("abatementString", Str),
    ("recordedDate", DateTime),
    ("recorder", Object),
    ("asserter", Object),
    ("stage", Objects),
    ("evidence", Objects),
    ("note", Objects),
];

const MEDICATION_REQUEST: &[(&str, Kind)] = &[
    ("identifier", Objects),
    ("status", Str),
    ("statusReason", Object),
    ("intent", Str),
    ("category", Objects),
    ("priority", Str),
    ("doNotPerform", Bool),
    ("reportedBoolean", Bool),
    ("reportedReference", Object),
    ("medicationCodeableConcept", Object),
    ("medicationReference", Object),
    ("subject", Object),
    ("encounter", Object),
    ("supportingInformation", Objects),
    ("authoredOn", DateTime),
    ("requester", Object),
    ("performer", Object),
    ("performerType", Object),
    ("recorder", Object),
    ("reasonCode", Objects),
    ("reasonReference", Objects),
    ("instantiatesCanonical", Strs),
    ("instantiatesUri", Strs),
    ("basedOn", Objects),
    ("groupIdentifier", Object),
    ("courseOfTherapyType", Object),
    ("insurance", Objects),
    ("note", Objects),
    ("dosageInstruction", Objects),
    ("dispenseRequest", Object),
    ("substitution", Object),
    ("priorPrescription", Object),
    ("detectedIssue", Objects),
    ("eventHistory", Objects),
];

const DOCUMENT_REFERENCE: &[(&str, Kind)] = &[
    ("masterIdentifier", Object),
    ("identifier", Objects),
    (
        "status",
        Code(&["current", "superseded", "entered-in-error"]),
    ),
    ("docStatus", Str),
    ("type", Object),
    ("category", Objects),
    ("subject", Object),
    ("date", Instant),
    ("author", Objects),
    ("authenticator", Object),
    ("custodian", Object),
    ("relatesTo", Objects),
    ("description", Str),
    ("securityLabel", Objects),
    ("content", Objects),
    ("context", Object),
];

/// A type's members with their kinds.
type Members = &'static [(&'static str, Kind)];

/// A type's own members and its required ones.
fn members(resource_type: &str) -> Option<(Members, &'static [&'static str])> {
    Some(match resource_type {
        "Patient" => (PATIENT, &[]),
        "Observation" => (OBSERVATION, &["code"]),
        "Condition" => (CONDITION, &["subject"]),
        "MedicationRequest" => (MEDICATION_REQUEST, &["subject"]),
        "DocumentReference" => (DOCUMENT_REFERENCE, &["content"]),
        _ => return None,
    })
}

fn digits(s: &[u8]) -> bool {
    !s.is_empty() && s.iter().all(u8::is_ascii_digit)
}

fn number(s: &[u8]) -> u32 {
    s.iter().fold(0, |n, d| n * 10 + u32::from(d - b'0'))
}

/// `YYYY`, `YYYY-MM` or `YYYY-MM-DD` (year 0001..9999); with `full`,
/// only the last.
fn date(s: &[u8], full: bool) -> bool {
    let year = s.len() >= 4 && digits(&s[..4]) && number(&s[..4]) >= 1;
    let month = |m: &[u8]| digits(m) && m.len() == 2 && (1..=12).contains(&number(m));
    let day = |d: &[u8]| digits(d) && d.len() == 2 && (1..=31).contains(&number(d));
    match s.len() {
        4 => year && !full,
        7 => year && s[4] == b'-' && month(&s[5..7]) && !full,
        10 => year && s[4] == b'-' && month(&s[5..7]) && s[7] == b'-' && day(&s[8..10]),
        _ => false,
    }
}

/// `hh:mm:ss(.f+)?` then `Z` or `±hh:mm` (up to 14:00).
fn time_and_zone(s: &[u8]) -> bool {
    if s.len() < 9 || s[2] != b':' || s[5] != b':' {
        return false;
    }
    let two = |x: &[u8]| x.len() == 2 && digits(x);
    if !(two(&s[..2]) && two(&s[3..5]) && two(&s[6..8])) {
        return false;
    }
    if number(&s[..2]) > 23 || number(&s[3..5]) > 59 || number(&s[6..8]) > 60 {
        return false;
    }
    let mut rest = &s[8..];
    if rest.first() == Some(&b'.') {
        let n = rest[1..].iter().take_while(|b| b.is_ascii_digit()).count();
        if n == 0 {
            return false;
        }
        rest = &rest[1 + n..];
    }
    match rest {
        b"Z" => true,
        [b'+' | b'-', h1, h2, b':', m1, m2] => {
            let (h, m) = (&[*h1, *h2][..], &[*m1, *m2][..]);
            digits(h)
                && digits(m)
                && ((number(h) <= 13 && number(m) <= 59) || (number(h) == 14 && number(m) == 0))
        }
        _ => false,
    }
}

fn date_time(s: &str, instant: bool) -> bool {
    let b = s.as_bytes();
    match s.find('T') {
        Some(10) => date(&b[..10], true) && time_and_zone(&b[11..]),
        None => !instant && date(b, false),
        _ => false,
    }
}

fn id(s: &str) -> bool {
    (1..=64).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
}

fn check_member(name: &str, kind: Kind, v: &Value) -> Result<(), Invalid> {
    let bad = |what: &str| Err(Invalid(format!("{name}: {what}")));
    let ok = match kind {
        Object => v.is_object(),
        Objects => v.as_array().is_some_and(|a| a.iter().all(Value::is_object)),
        Bool => v.is_boolean(),
        Int => v.is_i64() || v.is_u64(),
        Str => v.as_str().is_some_and(|s| !s.trim().is_empty()),
        Strs => v.as_array().is_some_and(|a| a.iter().all(Value::is_string)),
        Date => {
            return if v.as_str().is_some_and(|s| date(s.as_bytes(), false)) {
                Ok(())
            } else {
                bad("not a FHIR date (YYYY, YYYY-MM or YYYY-MM-DD)")
            }
        }
        DateTime => {
            return if v.as_str().is_some_and(|s| date_time(s, false)) {
                Ok(())
            } else {
                bad("not a FHIR dateTime (a date, or date and time with a zone)")
            }
        }
        Instant => {
            return if v.as_str().is_some_and(|s| date_time(s, true)) {
                Ok(())
            } else {
                bad("not a FHIR instant (date and time to the second, with a zone)")
            }
        }
        Id => {
            return if v.as_str().is_some_and(id) {
                Ok(())
            } else {
                bad("not a FHIR id (1..=64 of A-Z a-z 0-9 - .)")
            }
        }
        Code(set) => {
            return match v.as_str() {
                Some(s) if set.contains(&s) => Ok(()),
                _ => bad(&format!("not one of {}", set.join(", "))),
            }
        }
    };
    if ok {
        Ok(())
    } else {
        let what = match kind {
            Object => "not an object",
            Objects => "not an array of objects",
            Bool => "not a boolean",
            Int => "not an integer",
            Strs => "not an array of strings",
            _ => "not a non-empty string",
        };
        bad(what)
    }
}

/// Checks `resource`; answers its type.
pub fn check(resource: &Value) -> Result<&str, Invalid> {
    let obj: &Map<String, Value> = resource
        .as_object()
        .ok_or_else(|| Invalid("a FHIR resource is a JSON object".into()))?;
    let rt = obj
        .get("resourceType")
        .and_then(Value::as_str)
        .ok_or_else(|| Invalid("resourceType: missing".into()))?;
    let (own, required) = members(rt).ok_or_else(|| {
        Invalid(format!(
            "resourceType: '{rt}' is not kept (Patient, Observation, Condition, MedicationRequest, DocumentReference)"
        ))
    })?;
    let kind_of = |name: &str| {
        COMMON
            .iter()
            .chain(own)
            .find(|(n, _)| *n == name)
            .map(|(_, k)| *k)
    };
    for (name, v) in obj {
        if name == "resourceType" {
            continue;
        }
        if let Some(base) = name.strip_prefix('_') {
            // A primitive's id and extensions.
            if kind_of(base).is_none() || !(v.is_object() || v.is_array()) {
                return Err(Invalid(format!("{name}: not a member of {rt}")));
            }
            continue;
        }
        let kind = kind_of(name).ok_or_else(|| Invalid(format!("{name}: not a member of {rt}")))?;
        check_member(name, kind, v)?;
    }
    if let Some(r) = required.iter().find(|r| !obj.contains_key(**r)) {
        return Err(Invalid(format!("{r}: required in {rt}")));
    }
    Ok(rt)
}

/// Parses and checks a resource from its JSON bytes.
pub fn parse(bytes: &[u8]) -> Result<(Value, String), Invalid> {
    if bytes.len() > RESOURCE_BYTES_MAX {
        return Err(Invalid(format!(
            "a resource is at most {RESOURCE_BYTES_MAX} bytes of JSON"
        )));
    }
    let v: Value = serde_json::from_slice(bytes).map_err(|e| Invalid(format!("not JSON: {e}")))?;
    let rt = check(&v)?.to_string();
    Ok((v, rt))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_follow_the_fhir_patterns() {
        for ok in ["2024", "2024-02", "2024-02-29", "0001-01-01"] {
            assert!(date(ok.as_bytes(), false), "{ok}");
        }
        for bad in [
            "0000",
            "2024-13",
            "2024-00-10",
            "2024-1-1",
            "24-01-01",
            "2024-01-32",
            "",
        ] {
            assert!(!date(bad.as_bytes(), false), "{bad}");
        }
        for ok in [
            "2024",
            "2024-02-29T10:00:00Z",
            "2013-04-02T09:30:10.1+01:00",
            "2020-01-01T00:00:60-14:00",
        ] {
            assert!(date_time(ok, false), "{ok}");
        }
        for bad in [
            "2024-02-29T10:00:00",
            "2024-02T10:00:00Z",
            "2024-02-29T24:00:00Z",
            "2020-01-01T00:00:00+14:30",
            "2020-01-01T00:00:00.Z",
        ] {
            assert!(!date_time(bad, false), "{bad}");
        }
        assert!(!date_time("2024-02-29", true));
        assert!(date_time("2024-02-29T10:00:00Z", true));
    }

    #[test]
    fn members_types_and_requirements_are_checked() {
        let ok = serde_json::json!({"resourceType": "Observation", "status": "final",
            "code": {"text": "x"}, "_status": {"extension": []}});
        assert_eq!(check(&ok).unwrap(), "Observation");
        let cases = [
            (
                serde_json::json!({"resourceType": "Observation", "status": "final"}),
                "code: required",
            ),
            (
                serde_json::json!({"resourceType": "Observation", "code": {}, "status": "done"}),
                "status: not one of",
            ),
            (
                serde_json::json!({"resourceType": "Patient", "colour": "blue"}),
                "colour: not a member",
            ),
            (
                serde_json::json!({"resourceType": "Patient", "_colour": {}}),
                "_colour: not a member",
            ),
            (
                serde_json::json!({"resourceType": "Patient", "active": "yes"}),
                "active: not a boolean",
            ),
            (
                serde_json::json!({"resourceType": "Patient", "name": {"text": "x"}}),
                "name: not an array",
            ),
            (
                serde_json::json!({"resourceType": "Patient", "id": "a b"}),
                "id: not a FHIR id",
            ),
            (
                serde_json::json!({"resourceType": "Claim"}),
                "resourceType: 'Claim'",
            ),
            (serde_json::json!([]), "a FHIR resource"),
        ];
        for (v, why) in cases {
            let e = check(&v).unwrap_err();
            assert!(e.0.starts_with(why), "{v}: {e}");
        }
    }
}
