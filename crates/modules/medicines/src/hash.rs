//! The EPCIS 2.0 event hash (CBV 2.0, "event hash ID"): a canonical
//! pre-hash string of the event's members in a fixed order, values
//! normalised (times in UTC to the millisecond, CBV names as their web
//! URIs, GS1 keys as canonical Digital Links on `id.gs1.org`, numbers in
//! one form, extension names as `{namespace}local`), hashed with SHA-256
//! and written `ni:///sha-256;<hex>?ver=CBV2.0`.
//!
//! Where the standard's text and GS1's reference implementation differ,
//! this follows the implementation, whose published vectors the tests
//! reproduce (`docs/medicines.md`, "Event hashes"): the lists after
//! `bizLocation` (`sensorElementList` first, then the others sorted as
//! strings), parentID before epcList, times rounded half-to-even. One
//! deliberate difference: an event's own `@context` is not hashed, so an
//! event hashes the same in a document or on its own.

use crate::epcis::EventError;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// The members hashed in this order, after `eventType`.
const ORDERED: &[&str] = &[
    "eventTime",
    "eventTimeZoneOffset",
    "certificationInfo",
    "parentID",
    "epcList",
    "inputEPCList",
    "childEPCs",
    "quantityList",
    "childQuantityList",
    "inputQuantityList",
    "outputEPCList",
    "outputQuantityList",
    "action",
    "transformationID",
    "bizStep",
    "disposition",
    "persistentDisposition",
    "readPoint",
    "bizLocation",
    "sensorElementList",
];

/// Members never hashed.
const IGNORED: &[&str] = &[
    "type",
    "eventID",
    "recordTime",
    "errorDeclaration",
    "@context",
    "rdfs:comment",
    "comment",
];

const METADATA_ORDER: &[&str] = &[
    "time",
    "startTime",
    "endTime",
    "deviceID",
    "deviceMetadata",
    "rawData",
    "dataProcessingMethod",
    "bizRules",
];

const REPORT_ORDER: &[&str] = &[
    "type",
    "exception",
    "deviceID",
    "deviceMetadata",
    "rawData",
    "dataProcessingMethod",
    "time",
    "microorganism",
    "chemicalSubstance",
    "value",
    "component",
    "stringValue",
    "booleanValue",
    "hexBinaryValue",
    "uriValue",
    "minValue",
    "maxValue",
    "meanValue",
    "sDev",
    "percRank",
    "percValue",
    "uom",
    "coordinateReferenceSystem",
];

const BIZ_STEPS: &str = "accepting arriving assembling collecting commissioning consigning creating_class_instance cycle_counting decommissioning departing destroying disassembling dispensing encoding entering_exiting holding inspecting installing killing loading other packing picking receiving removing repackaging repairing replacing reserving retail_selling sampling sensor_reporting shipping staging_outbound stock_taking stocking storing transporting unloading unpacking void_shipping";
const DISPOSITIONS: &str = "active available completeness_inferred completeness_verified conformant container_closed container_open damaged destroyed dispensed disposed encoded expired in_progress in_transit inactive mismatch_class mismatch_instance mismatch_quantity needs_replacement no_pedigree_match non_conformant non_sellable_other partially_dispensed recalled reserved retail_sold returned sellable_accessible sellable_not_accessible stolen unavailable unknown";
const BTTS: &str = "bol cert desadv inv pedigree po poc prodorder recadv rma testprd testres upevt";
const SDTS: &str = "owning_party possessing_party location";
const MEASUREMENTS: &str = "AbsoluteHumidity AbsorbedDose AbsorbedDoseRate Acceleration Altitude AmountOfSubstance AmountOfSubstancePerUnitVolume Angle AngularAcceleration AngularMomentum AngularVelocity Area Capacitance Conductance Conductivity Count Density Dimensionless DoseEquivalent DoseEquivalentRate DynamicViscosity ElectricCharge ElectricCurrent ElectricCurrentDensity ElectricFieldStrength Energy Exposure Force Frequency Illuminance Inductance Irradiance KinematicViscosity Length LinearMomentum Luminance LuminousFlux LuminousIntensity MagneticFlux MagneticFluxDensity MagneticVectorPotential Mass MassConcentration MassFlowRate MassPerAreaTime MemoryCapacity MolalityOfSolute MolarEnergy MolarMass MolarVolume Power Pressure RadiantFlux RadiantIntensity Radioactivity RelativeHumidity Resistance Resistivity SolidAngle SpecificVolume Speed SurfaceDensity SurfaceTension Temperature Time Torque Voltage Volume VolumeFlowRate VolumeFraction VolumetricFlux Wavenumber";
const COMPONENTS: &str = "x y z axial_distance azimuth height spherical_radius polar_angle elevation_angle easting northing latitude longitude altitude";

/// The vocabulary a bare value of a member is a term of: its terms and
/// the prefix they expand with.
fn vocabulary(member: &str) -> Option<(&'static str, &'static str)> {
    Some(match member {
        "bizStep" => (BIZ_STEPS, "https://ref.gs1.org/cbv/BizStep-"),
        "disposition" | "set" | "unset" => (DISPOSITIONS, "https://ref.gs1.org/cbv/Disp-"),
        "btt" => (BTTS, "https://ref.gs1.org/cbv/BTT-"),
        "sdt" => (SDTS, "https://ref.gs1.org/cbv/SDT-"),
        "sensorType" => (MEASUREMENTS, "https://gs1.org/voc/"),
        "exception" => ("ALARM_CONDITION ERROR_CONDITION", "https://gs1.org/voc/"),
        "component" => (COMPONENTS, "https://ref.gs1.org/cbv/Comp-"),
        _ => return None,
    })
}

/// The prefixes an event's `@context` declares inline.
type Namespaces = BTreeMap<String, String>;

fn namespaces(event: &Map<String, Value>) -> Namespaces {
    let mut out = Namespaces::new();
    let mut add = |o: &Map<String, Value>| {
        for (k, v) in o {
            if let Some(iri) = v.as_str() {
                out.insert(k.clone(), iri.to_string());
            }
        }
    };
    match event.get("@context") {
        Some(Value::Object(o)) => add(o),
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_object).for_each(&mut add),
        _ => {}
    }
    out
}

/// The hash of `event`: its `ni:` URI and the hex of its SHA-256.
///
/// # Errors
/// Not an event object, or an `eventTime` that is not a date-time.
pub fn event_hash(event: &Value) -> Result<(String, String), EventError> {
    let pre = prehash(event)?;
    let hex = publica_crypto::sha256(pre.as_bytes()).to_hex();
    Ok((format!("ni:///sha-256;{hex}?ver=CBV2.0"), hex))
}

/// The hex of a hash URI this module writes.
#[must_use]
pub fn hex_of_id(id: &str) -> Option<&str> {
    id.strip_prefix("ni:///sha-256;")?
        .strip_suffix("?ver=CBV2.0")
        .filter(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// The pre-hash string of `event`.
///
/// # Errors
/// As [`event_hash`].
pub fn prehash(event: &Value) -> Result<String, EventError> {
    let o = event
        .as_object()
        .ok_or_else(|| EventError::Invalid("an event is a JSON object".into()))?;
    let h = Hasher { ns: namespaces(o) };
    let kind = o.get("type").and_then(Value::as_str).unwrap_or_default();
    let mut out = format!("eventType={kind}");
    for &member in ORDERED {
        if let Some(v) = o.get(member) {
            out.push_str(&h.ordered(member, v)?);
        }
    }
    let mut tail: Vec<String> = Vec::new();
    for (k, v) in o {
        if ORDERED.contains(&k.as_str()) || IGNORED.contains(&k.as_str()) {
            continue;
        }
        match (k.as_str(), v) {
            ("bizTransactionList", Value::Array(a)) => {
                tail.push(h.list(k, a, |i| h.pair(i, "btt", "bizTransaction")));
            }
            ("sourceList", Value::Array(a)) => {
                tail.push(h.list(k, a, |i| h.pair(i, "sdt", "source")));
            }
            ("destinationList", Value::Array(a)) => {
                tail.push(h.list(k, a, |i| h.pair(i, "sdt", "destination")));
            }
            (_, Value::Array(a)) => tail.extend(a.iter().map(|x| h.generic(k, x))),
            _ => tail.push(h.generic(k, v)),
        }
    }
    tail.retain(|s| !s.is_empty());
    tail.sort();
    out.extend(tail);
    Ok(out)
}

struct Hasher {
    ns: Namespaces,
}

impl Hasher {
    /// `prefix:local` as `{namespace}local` when the prefix is declared.
    fn key(&self, k: &str) -> String {
        match k.split_once(':') {
            Some((p, local)) if self.ns.contains_key(p) => format!("{{{}}}{local}", self.ns[p]),
            _ => k.to_string(),
        }
    }

    /// A scalar's canonical text; `member` names its vocabulary.
    fn value(&self, member: &str, v: &Value) -> String {
        let raw = match v {
            Value::String(s) => s.trim().to_string(),
            Value::Bool(true) => "True".into(),
            Value::Bool(false) => "False".into(),
            other => other.to_string(),
        };
        let mut s = raw;
        if let Some((terms, prefix)) = vocabulary(member) {
            if terms.split(' ').any(|t| t == s) {
                s = format!("{prefix}{s}");
            }
        }
        if let Some((p, rest)) = s.split_once(':') {
            if let Some(iri) = self.ns.get(p) {
                s = format!("{iri}{rest}");
            }
        }
        if s.contains("urn:epcglobal:cbv:") {
            for (urn, web) in [
                (
                    "urn:epcglobal:cbv:bizstep:",
                    "https://ref.gs1.org/cbv/BizStep-",
                ),
                ("urn:epcglobal:cbv:disp:", "https://ref.gs1.org/cbv/Disp-"),
                ("urn:epcglobal:cbv:btt:", "https://ref.gs1.org/cbv/BTT-"),
                ("urn:epcglobal:cbv:sdt:", "https://ref.gs1.org/cbv/SDT-"),
                ("urn:epcglobal:cbv:er:", "https://ref.gs1.org/cbv/ER-"),
            ] {
                s = s.replace(urn, web);
            }
        }
        if let Some(n) = number(&s) {
            return n;
        }
        digital_link(&s).unwrap_or(s)
    }

    fn leaf(&self, member: &str, v: &Value) -> String {
        match v {
            Value::Null => String::new(),
            Value::String(s) if s.trim().is_empty() => String::new(),
            _ => format!("{member}={}", self.value(member, v)),
        }
    }

    fn list(&self, name: &str, items: &[Value], f: impl Fn(&Value) -> String) -> String {
        let mut parts: Vec<String> = items.iter().map(f).filter(|s| !s.is_empty()).collect();
        if parts.is_empty() {
            return String::new();
        }
        parts.sort();
        format!("{name}{}", parts.concat())
    }

    /// A business transaction, source or destination: its type first.
    fn pair(&self, item: &Value, vocab: &str, member: &str) -> String {
        let mut out = String::new();
        if let Some(t) = item.get("type") {
            out.push_str(&format!("type={}", self.value(vocab, t)));
        }
        if let Some(v) = item.get(member) {
            out.push_str(&self.leaf(member, v));
        }
        out
    }

    /// The extension members of `o` (namespaced keys), rendered and sorted.
    fn extensions(&self, o: &Map<String, Value>, known: &[&str]) -> String {
        let mut parts: Vec<String> = o
            .iter()
            .filter(|(k, _)| !known.contains(&k.as_str()))
            .flat_map(|(k, v)| match v {
                Value::Array(a) => a.iter().map(|x| self.generic(k, x)).collect(),
                _ => vec![self.generic(k, v)],
            })
            .filter(|s| !s.is_empty())
            .collect();
        parts.sort();
        parts.concat()
    }

    /// Any member by the generic rule: `key=value`, or `key` and its
    /// children sorted.
    fn generic(&self, k: &str, v: &Value) -> String {
        let key = self.key(k);
        match v {
            Value::Object(o) => {
                let children = self.extensions(o, &[]);
                if children.is_empty() {
                    String::new()
                } else {
                    format!("{key}{children}")
                }
            }
            Value::Array(a) => a.iter().map(|x| self.generic(k, x)).collect(),
            _ => match v {
                Value::String(s) if s.trim().is_empty() => key,
                _ => format!("{key}={}", self.value(k, v)),
            },
        }
    }

    fn ordered(&self, member: &str, v: &Value) -> Result<String, EventError> {
        let empty = Vec::new();
        let items = v.as_array().unwrap_or(&empty);
        Ok(match member {
            "eventTime" => {
                let t = v.as_str().unwrap_or_default();
                format!("eventTime={}", utc_time(t)?)
            }
            "eventTimeZoneOffset"
            | "parentID"
            | "action"
            | "transformationID"
            | "bizStep"
            | "disposition" => self.leaf(member, v),
            "certificationInfo" => match v {
                Value::Array(a) => {
                    let mut parts: Vec<String> = a.iter().map(|x| self.leaf(member, x)).collect();
                    parts.sort();
                    parts.concat()
                }
                _ => self.leaf(member, v),
            },
            "epcList" | "inputEPCList" | "childEPCs" | "outputEPCList" => {
                self.list(member, items, |i| self.leaf("epc", i))
            }
            "quantityList" | "childQuantityList" | "inputQuantityList" | "outputQuantityList" => {
                self.list(member, items, |i| {
                    let parts: String = ["epcClass", "quantity", "uom"]
                        .iter()
                        .filter_map(|m| i.get(*m).map(|x| self.leaf(m, x)))
                        .collect();
                    format!("quantityElement{parts}")
                })
            }
            "persistentDisposition" => {
                let mut out = String::new();
                for m in ["set", "unset"] {
                    let mut parts: Vec<String> = v
                        .get(m)
                        .and_then(Value::as_array)
                        .unwrap_or(&empty)
                        .iter()
                        .map(|x| self.leaf(m, x))
                        .collect();
                    parts.sort();
                    out.push_str(&parts.concat());
                }
                if out.is_empty() {
                    out
                } else {
                    format!("persistentDisposition{out}")
                }
            }
            "readPoint" | "bizLocation" => match v.as_object() {
                Some(o) => {
                    let id = o.get("id").map(|x| self.leaf("id", x)).unwrap_or_default();
                    format!("{member}{id}{}", self.extensions(o, &["id"]))
                }
                None => String::new(),
            },
            "sensorElementList" => {
                let mut parts = Vec::new();
                for el in items {
                    parts.push(self.sensor_element(el)?);
                }
                parts.sort();
                if parts.is_empty() {
                    String::new()
                } else {
                    format!("sensorElementList{}", parts.concat())
                }
            }
            _ => self.generic(member, v),
        })
    }

    fn fields(&self, o: &Map<String, Value>, order: &[&str]) -> Result<String, EventError> {
        let mut out = String::new();
        for &m in order {
            let Some(v) = o.get(m) else { continue };
            if m.to_ascii_lowercase().contains("time") {
                if let Some(t) = v.as_str() {
                    out.push_str(&format!("{m}={}", utc_time(t)?));
                    continue;
                }
            }
            let vocab = if m == "type" { "sensorType" } else { m };
            if v.is_string() || v.is_number() || v.is_boolean() {
                out.push_str(&format!("{m}={}", self.value(vocab, v)));
            }
        }
        Ok(out)
    }

    fn sensor_element(&self, el: &Value) -> Result<String, EventError> {
        let Some(o) = el.as_object() else {
            return Ok(String::new());
        };
        let mut out = String::from("sensorElement");
        if let Some(m) = o.get("sensorMetadata").and_then(Value::as_object) {
            out.push_str("sensorMetadata");
            out.push_str(&self.fields(m, METADATA_ORDER)?);
            out.push_str(&self.extensions(m, METADATA_ORDER));
        }
        let mut reports = Vec::new();
        for r in o
            .get("sensorReport")
            .and_then(Value::as_array)
            .map_or(&[][..], Vec::as_slice)
        {
            if let Some(r) = r.as_object() {
                reports.push(format!(
                    "sensorReport{}{}",
                    self.fields(r, REPORT_ORDER)?,
                    self.extensions(r, REPORT_ORDER)
                ));
            }
        }
        reports.sort();
        out.push_str(&reports.concat());
        out.push_str(&self.extensions(o, &["sensorMetadata", "sensorReport"]));
        Ok(out)
    }
}

/// A time in UTC to the millisecond (`2020-03-04T10:00:30.000Z`):
/// fractions cut to microseconds, then rounded half to even.
fn utc_time(t: &str) -> Result<String, EventError> {
    let bad = || EventError::Invalid(format!("'{t}' is not an RFC 3339 date-time"));
    let whole_ms = crate::epcis::parse_time(t).ok_or_else(bad)?;
    // Microseconds past the millisecond, from the fraction's digits 4..=6.
    let frac = t
        .split_once('.')
        .map(|(_, f)| {
            f.bytes()
                .take_while(u8::is_ascii_digit)
                .collect::<Vec<u8>>()
        })
        .unwrap_or_default();
    let micros: u64 = frac
        .iter()
        .skip(3)
        .take(3)
        .chain(std::iter::repeat(&b'0'))
        .take(3)
        .fold(0, |n, d| n * 10 + u64::from(d - b'0'));
    let last_ms_even = (whole_ms % 1_000) % 2 == 0;
    let up = micros > 500 || (micros == 500 && !last_ms_even);
    Ok(format_time(whole_ms + u64::from(up)))
}

/// `ms` since 1970 as `YYYY-MM-DDTHH:MM:SS.mmmZ`.
#[must_use]
pub fn format_time(ms: u64) -> String {
    let secs = ms / 1_000;
    let rem = secs % 86_400;
    let (y, m, d) =
        publica_types::calendar::civil_from_days(i64::try_from(secs / 86_400).unwrap_or(0));
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3_600,
        rem % 3_600 / 60,
        rem % 60,
        ms % 1_000
    )
}

/// A number's canonical text, if `s` is one: integral values as integers,
/// others in their shortest form (exponent below 1e-4, as `1e-05`).
fn number(s: &str) -> Option<String> {
    // Digits, signs, a point and an exponent only: no `inf` or `nan`.
    let ok = s.bytes().any(|b| b.is_ascii_digit())
        && s.bytes()
            .all(|b| b.is_ascii_digit() || b"+-.eE".contains(&b));
    if !ok {
        return None;
    }
    let f: f64 = s.parse().ok()?;
    if !f.is_finite() {
        return None;
    }
    if f.fract() == 0.0 {
        return Some(format!("{:.0}", f + 0.0));
    }
    if f.abs() < 1e-4 {
        let e = format!("{f:e}");
        let (mantissa, exp) = e.split_once('e')?;
        let exp: i32 = exp.parse().ok()?;
        let sign = if exp < 0 { '-' } else { '+' };
        return Some(format!("{mantissa}e{sign}{:02}", exp.abs()));
    }
    Some(format!("{f}"))
}

/// Characters a Digital Link path component escapes.
fn dl_escape(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '!' | '(' | ')' | '*' | '+' | ',' | ':' => format!("%{:02X}", u32::from(c)),
            _ => c.to_string(),
        })
        .collect()
}

/// `digits` followed by its GS1 check digit; `None` unless all digits.
fn checked(digits: &str) -> Option<String> {
    all_digits(digits).then(|| format!("{digits}{}", crate::gs1::check_digit(digits)))
}

fn all_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// An EPC URI or a Digital Link as its canonical Digital Link on
/// `id.gs1.org`; `None` for anything else, which is hashed as it is.
fn digital_link(s: &str) -> Option<String> {
    const DL: &str = "https://id.gs1.org";
    if let Some(rest) = s.strip_prefix("urn:epc:") {
        let (category, rest) = rest.split_once(':')?;
        let (name, body) = rest.split_once(':')?;
        let scheme = format!("{category}:{name}");
        let parts: Vec<&str> = body.split('.').collect();
        let gtin = |cp: &str, ir: &str| -> Option<String> {
            if all_digits(cp) && all_digits(ir) && cp.len() + ir.len() == 13 {
                checked(&format!("{}{cp}{}", &ir[..1], &ir[1..]))
            } else {
                None
            }
        };
        return match (scheme.as_str(), parts.as_slice()) {
            ("id:sgtin", [cp, ir, ser]) => {
                Some(format!("{DL}/01/{}/21/{}", gtin(cp, ir)?, dl_escape(ser)))
            }
            ("class:lgtin", [cp, ir, lot]) => {
                Some(format!("{DL}/01/{}/10/{}", gtin(cp, ir)?, dl_escape(lot)))
            }
            ("idpat:sgtin", [cp, ir, "*"]) => Some(format!("{DL}/01/{}", gtin(cp, ir)?)),
            ("id:sscc", [cp, sr])
                if all_digits(cp) && all_digits(sr) && cp.len() + sr.len() == 17 =>
            {
                Some(format!(
                    "{DL}/00/{}",
                    checked(&format!("{}{cp}{}", &sr[..1], &sr[1..]))?
                ))
            }
            ("id:sgln", [cp, lr, ext]) if all_digits(cp) && cp.len() + lr.len() == 12 => {
                let gln = checked(&format!("{cp}{lr}"))?;
                Some(if *ext == "0" {
                    format!("{DL}/414/{gln}")
                } else {
                    format!("{DL}/414/{gln}/254/{}", dl_escape(ext))
                })
            }
            ("id:pgln", [cp, pr]) if all_digits(cp) && cp.len() + pr.len() == 12 => {
                Some(format!("{DL}/417/{}", checked(&format!("{cp}{pr}"))?))
            }
            ("id:gdti", [cp, dt, ser]) if all_digits(cp) && cp.len() + dt.len() == 12 => {
                Some(format!(
                    "{DL}/253/{}{}",
                    checked(&format!("{cp}{dt}"))?,
                    dl_escape(ser)
                ))
            }
            ("id:giai", [cp, iar]) if all_digits(cp) => {
                Some(format!("{DL}/8004/{cp}{}", dl_escape(iar)))
            }
            ("id:grai", [cp, at, ser]) if all_digits(cp) && cp.len() + at.len() == 12 => {
                Some(format!(
                    "{DL}/8003/{}{}",
                    checked(&format!("0{cp}{at}"))?,
                    dl_escape(ser)
                ))
            }
            ("id:gsrn", [cp, sr]) if cp.len() + sr.len() == 17 => {
                Some(format!("{DL}/8018/{}", checked(&format!("{cp}{sr}"))?))
            }
            ("id:gsrnp", [cp, sr]) if cp.len() + sr.len() == 17 => {
                Some(format!("{DL}/8017/{}", checked(&format!("{cp}{sr}"))?))
            }
            _ => None,
        };
    }
    existing_link(s)
}

/// A Digital Link on any domain, reduced to its canonical form on
/// `id.gs1.org`, or `None` when it is not one of the shapes GS1 keys take.
fn existing_link(s: &str) -> Option<String> {
    let rest = s
        .strip_prefix("https://")
        .or_else(|| s.strip_prefix("http://"))?;
    let mut path = rest.split('?').next()?.to_string();
    let short = [
        ("/gtin/", "/01/"),
        ("/itip/", "/8006/"),
        ("/cpid/", "/8010/"),
        ("/gln/", "/414/"),
        ("/party/", "/417/"),
        ("/gsrnp/", "/8017/"),
        ("/gsrn/", "/8018/"),
        ("/gcn/", "/255/"),
        ("/sscc/", "/00/"),
        ("/gdti/", "/253/"),
        ("/ginc/", "/401/"),
        ("/gsin/", "/402/"),
        ("/grai/", "/8003/"),
        ("/giai/", "/8004/"),
        ("/cpv/", "/22/"),
        ("/lot/", "/10/"),
        ("/ser/", "/21/"),
    ];
    for (a, b) in short {
        path = path.replace(a, b);
    }
    let primary = [
        "/00/", "/01/", "/253/", "/255/", "/401/", "/402/", "/414/", "/417/", "/8003/", "/8004/",
        "/8006/", "/8010/", "/8017/", "/8018/",
    ];
    let at = primary.iter().find_map(|p| path.find(p))?;
    let mut key: Vec<String> = path[at + 1..].split('/').map(str::to_string).collect();
    if !key.len().is_multiple_of(2) {
        return None;
    }
    if key[0] == "01" {
        let g = &key[1];
        if [8, 12, 13].contains(&g.len()) {
            key[1] = format!("{g:0>14}");
        }
    }
    if let Some(i) = (0..key.len()).step_by(2).find(|&i| key[i] == "22") {
        key.drain(i..i + 2);
    }
    if (key[0] == "01" || key[0] == "8006") && key.len() == 6 && key[2] == "10" && key[4] == "21" {
        key.drain(2..4);
    }
    let out = key.join("/");
    shape_ok(&key).then(|| format!("https://id.gs1.org/{out}"))
}

fn x_chars(s: &str, max: usize) -> bool {
    s.len() <= max
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"\"'-.;<=>?_".contains(&b))
}

fn digits_n(s: &str, n: usize) -> bool {
    s.len() == n && all_digits(s)
}

/// The key's AIs and values take one of the shapes GS1 keys have.
fn shape_ok(k: &[String]) -> bool {
    let k: Vec<&str> = k.iter().map(String::as_str).collect();
    match k.as_slice() {
        ["00", v] => digits_n(v, 18),
        ["01", g] => digits_n(g, 14),
        ["01", g, "21" | "10", x] => digits_n(g, 14) && x_chars(x, 20),
        ["01", g, "235", x] => digits_n(g, 14) && x_chars(x, 28),
        ["253", v] => v
            .split_at_checked(13)
            .is_some_and(|(d, x)| digits_n(d, 13) && x_chars(x, 17)),
        ["255", v] => v.len() >= 13 && v.len() <= 25 && all_digits(v),
        ["401", v] => x_chars(v, 30),
        ["402", v] => digits_n(v, 17),
        ["414" | "417", g] => digits_n(g, 13),
        ["414", g, "254", x] => digits_n(g, 13) && x_chars(x, 20),
        ["8003", v] => v
            .split_at_checked(14)
            .is_some_and(|(d, x)| digits_n(d, 14) && x_chars(x, 16)),
        ["8004", v] => x_chars(v, 30),
        ["8006", v] => digits_n(v, 18),
        ["8006", v, "21" | "10", x] => digits_n(v, 18) && x_chars(x, 20),
        ["8017" | "8018", v] => digits_n(v, 18),
        _ => false,
    }
}
