//! FHIR R4 resources a record may hold, checked before they are sealed:
//! `Patient`, `Observation`, `Condition`, `MedicationRequest` and
//! `DocumentReference`, by the rules of HL7's FHIR R4 JSON schema, all the
//! way down: every member of the resource, of its backbone elements and of
//! the data types it uses (no others; `_name` for a primitive's id and
//! extensions), the required ones, the coded ones with their value sets,
//! the primitive types with their JSON types and patterns, which members
//! are arrays, and contained resources by their own type's rules.
//!
//! The rules are the schema's, written compactly in `fhir-r4.rules` by
//! `scripts/fhir-rules` from HL7's `fhir.schema.json`; the node reads them
//! once, at the first resource it checks. The tests check every HL7
//! example of these types passes, that variants of them (top level and
//! nested) are judged as the JSON schema judges them, and that the rules
//! file is what the script makes from the schema
//! (`tests/python/test_fhir_schema.py`, against `../shared/testdata/fhir-r4`).
//!
//! Two differences, both stricter than the schema and both what FHIR's
//! JSON format requires: a complex-typed member (Meta, CodeableConcept,
//! Reference…) must be a JSON object, where the schema lets a string
//! through; and a number must be of its type (`integer`, `positiveInt` ≥ 1,
//! `unsignedInt` ≥ 0 are whole numbers), where the schema's patterns apply
//! to strings only. A `null` is taken only where FHIR puts one: in the
//! `_name` array that aligns a primitive array's extensions.

use regex::Regex;
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::sync::OnceLock;

/// Largest FHIR resource sealed into a record, in bytes of JSON.
pub const RESOURCE_BYTES_MAX: usize = 4 * 1024 * 1024;

/// The resource types a record may hold.
pub const KEPT: [&str; 5] = [
    "Patient",
    "Observation",
    "Condition",
    "MedicationRequest",
    "DocumentReference",
];

/// The schema's rules (`scripts/fhir-rules`).
const RULES: &str = include_str!("fhir-r4.rules");

/// Why a resource is refused: the member and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid(pub String);

impl std::fmt::Display for Invalid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A primitive type: its JSON type and its pattern.
struct Primitive {
    json: &'static str,
    pattern: Option<Regex>,
}

/// A complex type or resource: its required members, and each member's
/// type as the rules file writes it (`[` array, `=` value set, `!` constant).
struct Complex {
    required: Vec<&'static str>,
    members: HashMap<&'static str, &'static str>,
}

/// The rules, read from [`RULES`].
struct Rules {
    primitives: HashMap<&'static str, Primitive>,
    complex: HashMap<&'static str, Complex>,
    /// A list of resource types (the schema's `ResourceList`).
    lists: HashMap<&'static str, Vec<&'static str>>,
}

fn rules() -> &'static Rules {
    static RULES_READ: OnceLock<Rules> = OnceLock::new();
    RULES_READ.get_or_init(|| read_rules(RULES))
}

/// Reads the rules file; a malformed one is a build defect (the tests read
/// it), so it panics with the line.
fn read_rules(text: &'static str) -> Rules {
    let mut rules = Rules {
        primitives: HashMap::new(),
        complex: HashMap::new(),
        lists: HashMap::new(),
    };
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let fields: Vec<&'static str> = line.split('\t').collect();
        match fields.as_slice() {
            ["P", name, json, pattern] => {
                let pattern = (*pattern != "-").then(|| {
                    Regex::new(pattern).unwrap_or_else(|e| panic!("FHIR rule {name}: {e}"))
                });
                rules.primitives.insert(name, Primitive { json, pattern });
            }
            ["T", name, required, members @ ..] => {
                let required = match *required {
                    "-" => Vec::new(),
                    r => r.split(',').collect(),
                };
                let members = members
                    .iter()
                    .map(|m| {
                        m.split_once(':')
                            .unwrap_or_else(|| panic!("FHIR rule {name}: {m}"))
                    })
                    .collect();
                rules.complex.insert(name, Complex { required, members });
            }
            ["L", name, types] => {
                rules.lists.insert(name, types.split(',').collect());
            }
            _ => panic!("FHIR rules: a line of no known shape: {line}"),
        }
    }
    rules
}

/// `parent.name`, or `name` at the top.
fn child(parent: &str, name: &str) -> String {
    if parent.is_empty() {
        name.to_string()
    } else {
        format!("{parent}.{name}")
    }
}

fn invalid(path: &str, what: &str) -> Invalid {
    Invalid(format!("{path}: {what}"))
}

/// What a primitive's pattern asks, where a person would not guess it.
fn hint(name: &str) -> &'static str {
    match name {
        "date" => " (YYYY, YYYY-MM or YYYY-MM-DD)",
        "dateTime" => " (a date, or date and time with a zone)",
        "instant" => " (date and time to the second, with a zone)",
        "id" => " (1..=64 of A-Z a-z 0-9 - .)",
        "time" => " (hh:mm:ss)",
        "code" => " (no leading, trailing or double spaces)",
        "string" | "markdown" => " (not empty)",
        "uri" | "url" | "canonical" => " (no spaces)",
        _ => "",
    }
}

fn primitive(path: &str, name: &str, p: &Primitive, v: &Value) -> Result<(), Invalid> {
    let ok = match p.json {
        "boolean" => v.is_boolean(),
        "number" => match name {
            "integer" => v.is_i64(),
            "positiveInt" => v.as_u64().is_some_and(|n| n >= 1),
            "unsignedInt" => v.is_u64(),
            _ => v.is_number(),
        },
        _ => match v.as_str() {
            Some(s) => {
                let label = if name.starts_with("pattern") {
                    "value"
                } else {
                    name
                };
                return match &p.pattern {
                    Some(re) if !re.is_match(s) => {
                        Err(invalid(path, &format!("not a FHIR {label}{}", hint(name))))
                    }
                    _ => Ok(()),
                };
            }
            None => false,
        },
    };
    if ok {
        Ok(())
    } else if p.json == "number" && v.is_number() {
        Err(invalid(path, &format!("not a FHIR {name}")))
    } else {
        let json = match p.json {
            "boolean" => "a boolean",
            "number" => "a number",
            _ => "a string",
        };
        Err(invalid(path, &format!("not {json}")))
    }
}

/// Checks `v` against the type `ty` as the rules file writes it.
fn value(r: &Rules, path: &str, ty: &'static str, v: &Value) -> Result<(), Invalid> {
    if let Some(item) = ty.strip_prefix('[') {
        let items = v.as_array().ok_or_else(|| invalid(path, "not an array"))?;
        // FHIR aligns a primitive array's extensions with nulls.
        let nulls =
            item == "Element" && path.rsplit('.').next().is_some_and(|m| m.starts_with('_'));
        for (i, x) in items.iter().enumerate() {
            if !(nulls && x.is_null()) {
                value(r, &format!("{path}[{i}]"), item, x)?;
            }
        }
        return Ok(());
    }
    if let Some(set) = ty.strip_prefix('=') {
        return match v.as_str() {
            Some(s) if set.split(',').any(|c| c == s) => Ok(()),
            _ => Err(invalid(
                path,
                &format!("not one of {}", set.replace(',', ", ")),
            )),
        };
    }
    if let Some(constant) = ty.strip_prefix('!') {
        return if v.as_str() == Some(constant) {
            Ok(())
        } else {
            Err(invalid(path, &format!("not '{constant}'")))
        };
    }
    if let Some(p) = r.primitives.get(ty) {
        return primitive(path, ty, p, v);
    }
    if let Some(types) = r.lists.get(ty) {
        let rt = resource_type(path, v)?;
        let known = types.iter().find(|t| **t == rt).ok_or_else(|| {
            invalid(
                &child(path, "resourceType"),
                &format!("'{rt}' is not a FHIR resource type"),
            )
        })?;
        return object(r, path, known, v);
    }
    object(r, path, ty, v)
}

/// A resource's `resourceType`.
fn resource_type<'v>(path: &str, v: &'v Value) -> Result<&'v str, Invalid> {
    let obj = v
        .as_object()
        .ok_or_else(|| invalid(path, "not an object (a FHIR resource)"))?;
    obj.get("resourceType")
        .and_then(Value::as_str)
        .ok_or_else(|| invalid(&child(path, "resourceType"), "missing"))
}

/// Checks an object against the complex type or resource `ty`.
fn object(r: &Rules, path: &str, ty: &'static str, v: &Value) -> Result<(), Invalid> {
    let complex = r
        .complex
        .get(ty)
        .unwrap_or_else(|| panic!("FHIR rules name a type they do not define: {ty}"));
    let obj: &Map<String, Value> = v
        .as_object()
        .ok_or_else(|| invalid(path, "not an object"))?;
    for (name, member) in obj {
        let at = child(path, name);
        let member_ty = complex
            .members
            .get(name.as_str())
            .ok_or_else(|| invalid(&at, &format!("not a member of {ty}")))?;
        value(r, &at, member_ty, member)?;
    }
    match complex.required.iter().find(|m| !obj.contains_key(**m)) {
        Some(m) => Err(invalid(&child(path, m), &format!("required in {ty}"))),
        None => Ok(()),
    }
}

/// Checks `resource`; answers its type.
pub fn check(resource: &Value) -> Result<&str, Invalid> {
    if !resource.is_object() {
        return Err(Invalid("a FHIR resource is a JSON object".into()));
    }
    let rt = resource_type("", resource)?;
    let kept = KEPT.iter().find(|k| **k == rt).ok_or_else(|| {
        Invalid(format!(
            "resourceType: '{rt}' is not kept ({})",
            KEPT.join(", ")
        ))
    })?;
    object(rules(), "", kept, resource)?;
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
    use serde_json::json;

    #[test]
    fn every_type_the_rules_name_is_defined() {
        let r = rules();
        assert!(r.complex.len() > 600 && r.primitives.len() >= 20);
        for (name, c) in &r.complex {
            for (member, ty) in &c.members {
                let base = ty.trim_start_matches('[');
                let known = base.starts_with('=')
                    || base.starts_with('!')
                    || r.primitives.contains_key(base)
                    || r.complex.contains_key(base)
                    || r.lists.contains_key(base);
                assert!(known, "{name}.{member}: {ty}");
            }
            for m in &c.required {
                assert!(c.members.contains_key(m), "{name} requires {m}");
            }
        }
        for t in KEPT {
            assert!(r.complex.contains_key(t), "{t}");
        }
    }

    fn refused(v: Value) -> String {
        check(&v).unwrap_err().0
    }

    #[test]
    fn dates_follow_the_fhir_patterns() {
        let with = |birth: &str| json!({"resourceType": "Patient", "birthDate": birth});
        for ok in ["2024", "2024-02", "2024-02-29", "0001-01-01"] {
            assert!(check(&with(ok)).is_ok(), "{ok}");
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
            assert!(
                refused(with(bad)).starts_with("birthDate: not a FHIR date"),
                "{bad}"
            );
        }
        let deceased = |at: &str| json!({"resourceType": "Patient", "deceasedDateTime": at});
        for ok in [
            "2024",
            "2024-02-29T10:00:00Z",
            "2013-04-02T09:30:10.1+01:00",
            "2020-01-01T00:00:60-14:00",
        ] {
            assert!(check(&deceased(ok)).is_ok(), "{ok}");
        }
        for bad in [
            "2024-02-29T10:00:00",
            "2024-02T10:00:00Z",
            "2024-02-29T24:00:00Z",
            "2020-01-01T00:00:00+14:30",
            "2020-01-01T00:00:00.Z",
        ] {
            assert!(
                refused(deceased(bad)).contains("not a FHIR dateTime"),
                "{bad}"
            );
        }
        let issued = |at: &str| json!({"resourceType": "Observation", "status": "final", "code": {}, "issued": at});
        assert!(refused(issued("2024-02-29")).starts_with("issued: not a FHIR instant"));
        assert!(check(&issued("2024-02-29T10:00:00Z")).is_ok());
    }

    #[test]
    fn members_types_and_requirements_are_checked_at_every_level() {
        let ok = json!({"resourceType": "Observation", "status": "final",
            "code": {"text": "x", "coding": [{"system": "http://loinc.org", "code": "15074-8"}]},
            "_status": {"extension": []},
            "component": [{"code": {"text": "a"}, "valueQuantity": {"value": 6.3, "unit": "mmol/l"}}]});
        assert_eq!(check(&ok).unwrap(), "Observation");
        let name = |n: Value| json!({"resourceType": "Patient", "name": [n]});
        let cases = [
            (
                json!({"resourceType": "Observation", "status": "final"}),
                "code: required in Observation",
            ),
            (
                json!({"resourceType": "Observation", "code": {}, "status": "done"}),
                "status: not one of",
            ),
            (
                json!({"resourceType": "Patient", "colour": "blue"}),
                "colour: not a member of Patient",
            ),
            (
                json!({"resourceType": "Patient", "_colour": {}}),
                "_colour: not a member",
            ),
            (
                json!({"resourceType": "Patient", "active": "yes"}),
                "active: not a boolean",
            ),
            (
                json!({"resourceType": "Patient", "name": {"text": "x"}}),
                "name: not an array",
            ),
            (
                json!({"resourceType": "Patient", "id": "a b"}),
                "id: not a FHIR id",
            ),
            (
                json!({"resourceType": "Patient", "meta": "x"}),
                "meta: not an object",
            ),
            (
                name(json!({"family": "x", "colour": 1})),
                "name[0].colour: not a member of HumanName",
            ),
            (
                name(json!({"use": "nick"})),
                "name[0].use: not one of usual, official",
            ),
            (
                name(json!({"given": ["a", 3]})),
                "name[0].given[1]: not a string",
            ),
            (
                name(json!({"given": ["a", null]})),
                "name[0].given[1]: not a string",
            ),
            (
                name(json!({"period": {"start": "2020-1-1"}})),
                "name[0].period.start: not a FHIR dateTime",
            ),
            (
                json!({"resourceType": "Observation", "status": "final", "code": {},
                "component": [{"valueQuantity": {"value": 1}}]}),
                "component[0].code: required in Observation_Component",
            ),
            (
                json!({"resourceType": "Observation", "status": "final", "code": {},
                "valueQuantity": {"value": "6.3"}}),
                "valueQuantity.value: not a number",
            ),
            (
                json!({"resourceType": "Patient", "multipleBirthInteger": 1.5}),
                "multipleBirthInteger: not a FHIR integer",
            ),
            (
                json!({"resourceType": "Patient", "contained": [{"resourceType": "Practitioner", "active": 1}]}),
                "contained[0].active: not a boolean",
            ),
            (
                json!({"resourceType": "Patient", "contained": [{"resourceType": "Nothing"}]}),
                "contained[0].resourceType: 'Nothing' is not a FHIR resource type",
            ),
            (
                json!({"resourceType": "Patient", "extension": [{"url": "x", "valueBase64Binary": "a"}]}),
                "extension[0].valueBase64Binary: not a FHIR value",
            ),
            (json!({"resourceType": "Claim"}), "resourceType: 'Claim'"),
            (json!([]), "a FHIR resource"),
        ];
        for (v, why) in cases {
            let e = refused(v.clone());
            assert!(e.starts_with(why), "{v}: {e}");
        }
        let aligned = name(
            json!({"given": ["a", "b"], "_given": [null, {"extension": [{"url": "x", "valueString": "y"}]}]}),
        );
        assert!(check(&aligned).is_ok());
    }
}
