//! EPCIS 2.0 events as JSON (GS1 EPCIS 2.0 JSON schema): read strictly
//! into what the ledger checks, the event itself kept as it was captured.
//!
//! What is read: the five event types; `eventTime` with its offset;
//! `eventID`; `action`; the identifiers of objects (`epcList`,
//! `parentID`, `childEPCs`, `inputEPCList`, `outputEPCList`) as SGTIN or
//! SSCC, EPC URIs or Digital Links; class-level quantities as LGTIN;
//! `bizStep` and `disposition` (CBV short names, CBV URIs or other URIs);
//! `readPoint` and `bizLocation` (SGLN); `sourceList` and
//! `destinationList`; the lot and expiry date in `ilmd`. Sensor data,
//! certification, persistent dispositions, business transactions and
//! extension members (namespaced `prefix:name`) are kept as they are.
//! Anything else — an unknown member, an unknown scheme, an error
//! declaration — is refused with the member's name.

use crate::gs1::{self, Id};
use serde_json::{Map, Value};

/// Most objects one event names (all lists together).
pub const OBJECTS_MAX: usize = 1_000;
/// Longest event, as JSON text, in bytes.
pub const EVENT_BYTES_MAX: usize = 48 * 1024;
/// Longest string member, in bytes.
pub const STRING_BYTES_MAX: usize = 512;
/// Most events in one captured document.
pub const DOCUMENT_EVENTS_MAX: usize = 10_000;
/// Largest captured document, in bytes.
pub const DOCUMENT_BYTES_MAX: usize = 16 << 20;

/// The five EPCIS 2.0 event types.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventType {
    /// Something happened to objects.
    Object,
    /// Objects were packed into, or unpacked from, a parent.
    Aggregation,
    /// Inputs were consumed to make outputs.
    Transformation,
    /// Objects were tied to a business transaction.
    Transaction,
    /// Devices or sensors were associated with a parent.
    Association,
}

impl EventType {
    /// The `type` member's value.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            EventType::Object => "ObjectEvent",
            EventType::Aggregation => "AggregationEvent",
            EventType::Transformation => "TransformationEvent",
            EventType::Transaction => "TransactionEvent",
            EventType::Association => "AssociationEvent",
        }
    }

    fn parse(s: &str) -> Option<EventType> {
        Some(match s {
            "ObjectEvent" => EventType::Object,
            "AggregationEvent" => EventType::Aggregation,
            "TransformationEvent" => EventType::Transformation,
            "TransactionEvent" => EventType::Transaction,
            "AssociationEvent" => EventType::Association,
            _ => return None,
        })
    }
}

/// An event's `action`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Created or added.
    Add,
    /// Seen, no change of association.
    Observe,
    /// Removed or ended.
    Delete,
}

/// A source or destination: its CBV type (short name) and the GS1
/// location or party it names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Place {
    /// `owning_party`, `possessing_party` or `location`.
    pub kind: String,
    /// The GLN it names (a PGLN's or SGLN's 13 digits), if a GS1 one.
    pub gln: Option<String>,
}

/// What the ledger reads of an event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    /// Its type.
    pub kind: EventType,
    /// `eventTime` in milliseconds since 1970 (UTC).
    pub time_ms: u64,
    /// `eventID`, if given.
    pub event_id: Option<String>,
    /// `action` (none for transformations).
    pub action: Option<Action>,
    /// `epcList`.
    pub epcs: Vec<Id>,
    /// `parentID`.
    pub parent: Option<Id>,
    /// `childEPCs`.
    pub children: Vec<Id>,
    /// `inputEPCList`.
    pub inputs: Vec<Id>,
    /// `outputEPCList`.
    pub outputs: Vec<Id>,
    /// The lots of the class-level quantity lists.
    pub classes: Vec<Id>,
    /// `bizStep`: a CBV short name (`shipping`) or another URI.
    pub biz_step: Option<String>,
    /// `disposition`, likewise.
    pub disposition: Option<String>,
    /// `readPoint.id`'s location, if an SGLN.
    pub read_point: Option<Id>,
    /// `bizLocation.id`.
    pub biz_location: Option<Id>,
    /// `sourceList`.
    pub sources: Vec<Place>,
    /// `destinationList`.
    pub destinations: Vec<Place>,
    /// `ilmd`'s `cbvmda:lotNumber`.
    pub lot: Option<String>,
    /// `ilmd`'s `cbvmda:itemExpirationDate` (`YYYY-MM-DD`).
    pub expiry: Option<String>,
}

impl Event {
    /// Every object the event names, each once.
    #[must_use]
    pub fn objects(&self) -> Vec<&Id> {
        let mut all: Vec<&Id> = self
            .epcs
            .iter()
            .chain(self.parent.iter())
            .chain(&self.children)
            .chain(&self.inputs)
            .chain(&self.outputs)
            .collect();
        all.sort();
        all.dedup();
        all
    }
}

/// Why an event was refused: the member and what is wrong with it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EventError {
    /// Not valid against the EPCIS 2.0 schema as this ledger reads it.
    #[error("{0}")]
    Invalid(String),
    /// An identifier scheme or a feature this ledger does not take.
    #[error("{0}")]
    Unsupported(String),
}

fn invalid(m: impl Into<String>) -> EventError {
    EventError::Invalid(m.into())
}

const COMMON: &[&str] = &[
    "type",
    "eventTime",
    "eventTimeZoneOffset",
    "eventID",
    "recordTime",
    "@context",
    "bizStep",
    "disposition",
    "readPoint",
    "bizLocation",
    "bizTransactionList",
    "sourceList",
    "destinationList",
    "sensorElementList",
    "persistentDisposition",
    "certificationInfo",
];

fn allowed(kind: EventType) -> &'static [&'static str] {
    match kind {
        EventType::Object => &["action", "epcList", "quantityList", "ilmd"],
        EventType::Aggregation => &["action", "parentID", "childEPCs", "childQuantityList"],
        EventType::Transformation => &[
            "inputEPCList",
            "outputEPCList",
            "inputQuantityList",
            "outputQuantityList",
            "transformationID",
            "ilmd",
        ],
        EventType::Transaction => &["action", "parentID", "epcList", "quantityList"],
        EventType::Association => &["action", "parentID", "childEPCs", "childQuantityList"],
    }
}

/// Reads an event.
///
/// # Errors
/// The first member that is missing, unknown or malformed.
pub fn read(event: &Value) -> Result<Event, EventError> {
    let o = event
        .as_object()
        .ok_or_else(|| invalid("an event is a JSON object"))?;
    let kind_name = str_member(o, "type")?.ok_or_else(|| invalid("type is required"))?;
    let kind = EventType::parse(kind_name)
        .ok_or_else(|| invalid(format!("type '{kind_name}' is not an EPCIS 2.0 event type")))?;
    members(o, kind)?;
    let time = str_member(o, "eventTime")?.ok_or_else(|| invalid("eventTime is required"))?;
    let time_ms = parse_time(time).ok_or_else(|| {
        invalid(format!(
            "eventTime '{time}' is not an RFC 3339 date-time with an offset, from 1970 on"
        ))
    })?;
    let offset = str_member(o, "eventTimeZoneOffset")?
        .ok_or_else(|| invalid("eventTimeZoneOffset is required"))?;
    if !valid_offset(offset) {
        return Err(invalid(format!(
            "eventTimeZoneOffset '{offset}' is not ±hh:mm"
        )));
    }
    if let Some(r) = str_member(o, "recordTime")? {
        parse_time(r).ok_or_else(|| invalid(format!("recordTime '{r}' is not a date-time")))?;
    }
    let event_id = str_member(o, "eventID")?.map(str::to_string);
    if let Some(id) = &event_id {
        if !uri_like(id) {
            return Err(invalid(format!("eventID '{id}' is not a URI")));
        }
    }
    let action = match (kind, str_member(o, "action")?) {
        (EventType::Transformation, _) => None,
        (_, None) => return Err(invalid(format!("action is required in {kind_name}"))),
        (_, Some("ADD")) => Some(Action::Add),
        (_, Some("OBSERVE")) => Some(Action::Observe),
        (_, Some("DELETE")) => Some(Action::Delete),
        (_, Some(a)) => {
            return Err(invalid(format!(
                "action '{a}' is not ADD, OBSERVE or DELETE"
            )))
        }
    };
    let mut e = Event {
        kind,
        time_ms,
        event_id,
        action,
        epcs: ids(o, "epcList")?,
        parent: match str_member(o, "parentID")? {
            Some(p) => Some(object_id(p, "parentID")?),
            None => None,
        },
        children: ids(o, "childEPCs")?,
        inputs: ids(o, "inputEPCList")?,
        outputs: ids(o, "outputEPCList")?,
        classes: Vec::new(),
        biz_step: vocabulary(o, "bizStep", "BizStep", "bizstep")?,
        disposition: vocabulary(o, "disposition", "Disp", "disp")?,
        read_point: location(o, "readPoint", false)?,
        biz_location: location(o, "bizLocation", true)?,
        sources: places(o, "sourceList", "source")?,
        destinations: places(o, "destinationList", "destination")?,
        lot: None,
        expiry: None,
    };
    for list in [
        "quantityList",
        "childQuantityList",
        "inputQuantityList",
        "outputQuantityList",
    ] {
        e.classes.extend(quantities(o, list)?);
    }
    let count =
        e.epcs.len() + e.children.len() + e.inputs.len() + e.outputs.len() + e.classes.len();
    if count > OBJECTS_MAX {
        return Err(invalid(format!(
            "an event names at most {OBJECTS_MAX} objects ({count} here)"
        )));
    }
    if kind == EventType::Aggregation && e.action != Some(Action::Observe) && e.parent.is_none() {
        return Err(invalid(
            "parentID is required in an AggregationEvent that adds or deletes",
        ));
    }
    if kind == EventType::Association && e.parent.is_none() {
        return Err(invalid("parentID is required in an AssociationEvent"));
    }
    read_ilmd(o, &mut e)?;
    required_lists(kind, o, &e)?;
    check_kept(o)?;
    check_strings(event, 0)?;
    Ok(e)
}

/// The lists each type must have (the schema's `anyOf`s), and `ilmd`
/// only where an ObjectEvent adds.
fn required_lists(kind: EventType, o: &Map<String, Value>, e: &Event) -> Result<(), EventError> {
    let has = |k: &str| o.contains_key(k);
    for k in ["childEPCs", "inputEPCList", "outputEPCList"] {
        if o.get(k)
            .and_then(Value::as_array)
            .is_some_and(Vec::is_empty)
        {
            return Err(invalid(format!("{k} lists at least one object when given")));
        }
    }
    match kind {
        EventType::Object => {
            let sensed = has("sensorElementList") && has("readPoint");
            if !(has("epcList") || has("quantityList") || sensed) {
                return Err(invalid(
                    "an ObjectEvent has epcList or quantityList (or sensor data at a readPoint)",
                ));
            }
            if has("ilmd") && e.action != Some(Action::Add) {
                return Err(invalid(
                    "ilmd belongs to an ObjectEvent that adds (commissions)",
                ));
            }
        }
        EventType::Transaction => {
            if !has("epcList") && !has("quantityList") && e.action != Some(Action::Delete) {
                return Err(invalid(
                    "a TransactionEvent that adds or observes has epcList or quantityList",
                ));
            }
            if o.get("bizTransactionList")
                .and_then(Value::as_array)
                .is_none_or(Vec::is_empty)
            {
                return Err(invalid(
                    "a TransactionEvent has a bizTransactionList of at least one",
                ));
            }
        }
        EventType::Transformation => {
            let inputs = has("inputEPCList") || has("inputQuantityList");
            let outputs = has("outputEPCList") || has("outputQuantityList");
            if !(inputs && outputs || (inputs || outputs) && has("transformationID")) {
                return Err(invalid(
                    "a TransformationEvent has inputs and outputs, or either with a transformationID",
                ));
            }
        }
        EventType::Aggregation | EventType::Association => {
            if !has("childEPCs") && !has("childQuantityList") && e.action != Some(Action::Delete) {
                return Err(invalid(format!(
                    "an {} that adds or observes has childEPCs or childQuantityList",
                    kind.name()
                )));
            }
        }
    }
    Ok(())
}

/// The shape of the members kept as captured: business transactions,
/// sensor data, certification, persistent dispositions.
fn check_kept(o: &Map<String, Value>) -> Result<(), EventError> {
    let objects = |key: &str| -> Result<Vec<&Map<String, Value>>, EventError> {
        array(o, key)?
            .iter()
            .map(|x| {
                x.as_object()
                    .ok_or_else(|| invalid(format!("{key} lists objects")))
            })
            .collect()
    };
    for t in objects("bizTransactionList")? {
        if let Some(k) = t.keys().find(|k| *k != "type" && *k != "bizTransaction") {
            return Err(invalid(format!("bizTransactionList: unknown member {k}")));
        }
        str_member(t, "bizTransaction")?
            .ok_or_else(|| invalid("bizTransactionList: bizTransaction is required"))?;
        str_member(t, "type")?;
    }
    for el in objects("sensorElementList")? {
        if let Some(k) = el
            .keys()
            .find(|k| *k != "sensorMetadata" && *k != "sensorReport" && !k.contains(':'))
        {
            return Err(invalid(format!("sensorElementList: unknown member {k}")));
        }
        if el.get("sensorMetadata").is_some_and(|m| !m.is_object()) {
            return Err(invalid("sensorMetadata is an object"));
        }
        match el.get("sensorReport").and_then(Value::as_array) {
            Some(r) if !r.is_empty() && r.iter().all(Value::is_object) => {}
            _ => {
                return Err(invalid(
                    "a sensor element has a sensorReport list of objects",
                ))
            }
        }
    }
    match o.get("certificationInfo") {
        None | Some(Value::String(_)) => {}
        Some(Value::Array(a)) if a.iter().all(Value::is_string) => {}
        Some(_) => return Err(invalid("certificationInfo is a URI or a list of URIs")),
    }
    if let Some(p) = o.get("persistentDisposition") {
        let p = p
            .as_object()
            .ok_or_else(|| invalid("persistentDisposition is an object"))?;
        let ok = !p.is_empty()
            && p.iter().all(|(k, l)| {
                (k == "set" || k == "unset")
                    && l.as_array()
                        .is_some_and(|a| !a.is_empty() && a.iter().all(Value::is_string))
            });
        if !ok {
            return Err(invalid(
                "persistentDisposition has set or unset: lists of dispositions",
            ));
        }
    }
    Ok(())
}

/// Every member is one of the type's, or an extension (`prefix:name`).
fn members(o: &Map<String, Value>, kind: EventType) -> Result<(), EventError> {
    for key in o.keys() {
        if key == "errorDeclaration" {
            return Err(EventError::Unsupported(
                "errorDeclaration: events on this ledger are never retracted; capture a correcting event instead".into(),
            ));
        }
        let extension = key.contains(':') && !key.starts_with('@');
        if !extension && !COMMON.contains(&key.as_str()) && !allowed(kind).contains(&key.as_str()) {
            return Err(invalid(format!("{key}: not a member of {}", kind.name())));
        }
    }
    Ok(())
}

fn str_member<'a>(o: &'a Map<String, Value>, key: &str) -> Result<Option<&'a str>, EventError> {
    match o.get(key) {
        None => Ok(None),
        Some(Value::String(s)) if !s.is_empty() => Ok(Some(s)),
        Some(_) => Err(invalid(format!("{key} is a non-empty string"))),
    }
}

fn array<'a>(o: &'a Map<String, Value>, key: &str) -> Result<&'a [Value], EventError> {
    match o.get(key) {
        None => Ok(&[]),
        Some(Value::Array(a)) if a.len() <= OBJECTS_MAX => Ok(a),
        Some(Value::Array(_)) => Err(invalid(format!("{key} has at most {OBJECTS_MAX} entries"))),
        Some(_) => Err(invalid(format!("{key} is an array"))),
    }
}

/// An object's identifier: an SGTIN (a pack) or an SSCC (a case or pallet).
fn object_id(uri: &str, what: &str) -> Result<Id, EventError> {
    match gs1::parse(uri) {
        Ok(id @ (Id::Sgtin { .. } | Id::Sscc { .. })) => Ok(id),
        Ok(_) => Err(EventError::Unsupported(format!(
            "{what}: '{uri}' is not an instance (a serialised pack or a logistic unit)"
        ))),
        Err(gs1::Gs1Error::UnsupportedScheme(s)) => Err(EventError::Unsupported(format!(
            "{what}: unknown EPC scheme '{s}' (this ledger tracks sgtin and sscc)"
        ))),
        Err(e) => Err(invalid(format!("{what}: {e}"))),
    }
}

fn ids(o: &Map<String, Value>, key: &str) -> Result<Vec<Id>, EventError> {
    let mut out = Vec::new();
    for v in array(o, key)? {
        let s = v
            .as_str()
            .ok_or_else(|| invalid(format!("{key} lists strings")))?;
        let id = object_id(s, key)?;
        if out.contains(&id) {
            return Err(invalid(format!("{key} names {id} twice")));
        }
        out.push(id);
    }
    Ok(out)
}

fn quantities(o: &Map<String, Value>, key: &str) -> Result<Vec<Id>, EventError> {
    let mut out = Vec::new();
    for q in array(o, key)? {
        let q = q
            .as_object()
            .ok_or_else(|| invalid(format!("{key} lists objects")))?;
        for k in q.keys() {
            if !matches!(k.as_str(), "epcClass" | "quantity" | "uom") {
                return Err(invalid(format!("{key}: unknown member {k}")));
            }
        }
        let class = str_member(q, "epcClass")?
            .ok_or_else(|| invalid(format!("{key}: epcClass is required")))?;
        let id = match gs1::parse(class) {
            Ok(id @ Id::Lgtin { .. }) => id,
            Ok(_) | Err(gs1::Gs1Error::UnsupportedScheme(_)) => {
                return Err(EventError::Unsupported(format!(
                    "{key}: '{class}' is not a lot (LGTIN), the only class this ledger takes"
                )))
            }
            Err(e) => return Err(invalid(format!("{key}: {e}"))),
        };
        if let Some(n) = q.get("quantity") {
            if !n.as_f64().is_some_and(|n| n.is_finite() && n >= 0.0) {
                return Err(invalid(format!("{key}: quantity is a number ≥ 0")));
            }
        }
        if q.contains_key("uom") {
            str_member(q, "uom")?;
        }
        out.push(id);
    }
    Ok(out)
}

/// The CBV short name of a `bizStep` or `disposition`, which EPCIS 2.0
/// writes bare (`shipping`), as a URN of CBV 1.2 or as a CBV 2.0 URI;
/// other URIs are kept as they are.
fn vocabulary(
    o: &Map<String, Value>,
    key: &str,
    web: &str,
    urn: &str,
) -> Result<Option<String>, EventError> {
    let Some(v) = str_member(o, key)? else {
        return Ok(None);
    };
    let short = v
        .strip_prefix(&format!("https://ref.gs1.org/cbv/{web}-"))
        .or_else(|| v.strip_prefix(&format!("urn:epcglobal:cbv:{urn}:")))
        .unwrap_or(v);
    let bare = !short.contains(':');
    if bare && !short.bytes().all(|b| b.is_ascii_lowercase() || b == b'_') {
        return Err(invalid(format!(
            "{key} '{v}' is neither a CBV name nor a URI"
        )));
    }
    if !bare && !uri_like(short) {
        return Err(invalid(format!("{key} '{v}' is not a URI")));
    }
    Ok(Some(short.to_string()))
}

fn location(o: &Map<String, Value>, key: &str, gs1_only: bool) -> Result<Option<Id>, EventError> {
    let Some(v) = o.get(key) else {
        return Ok(None);
    };
    let l = v
        .as_object()
        .ok_or_else(|| invalid(format!("{key} is an object with an id")))?;
    for k in l.keys() {
        if k != "id" && !k.contains(':') {
            return Err(invalid(format!("{key}: unknown member {k}")));
        }
    }
    let id = str_member(l, "id")?.ok_or_else(|| invalid(format!("{key}.id is required")))?;
    match gs1::parse(id) {
        Ok(sgln @ Id::Sgln { .. }) => Ok(Some(sgln)),
        Ok(_) => Err(invalid(format!("{key}.id '{id}' is not a location"))),
        Err(_) if !gs1_only && uri_like(id) => Ok(None),
        Err(gs1::Gs1Error::UnsupportedScheme(_)) => Err(EventError::Unsupported(format!(
            "{key}.id '{id}' is not an SGLN, the locations this ledger checks"
        ))),
        Err(e) => Err(invalid(format!("{key}.id: {e}"))),
    }
}

/// The GLN a PGLN (`urn:epc:id:pgln:…`, Digital Link AI 417) or SGLN names.
fn party_gln(uri: &str) -> Option<String> {
    if let Ok(Id::Sgln { gln, .. }) = gs1::parse(uri) {
        return Some(gln);
    }
    let digits = if let Some(rest) = uri.strip_prefix("urn:epc:id:pgln:") {
        let (prefix, reference) = rest.split_once('.')?;
        format!("{prefix}{reference}")
    } else {
        let path = uri.split_once("://").map(|(_, r)| r)?;
        let at = path.find("/417/")?;
        path[at + 5..].split(['/', '?']).next()?.to_string()
    };
    (digits.len() == 12 && digits.bytes().all(|b| b.is_ascii_digit()))
        .then(|| format!("{digits}{}", gs1::check_digit(&digits)))
        .or_else(|| gs1::valid_gln(&digits).then_some(digits))
}

fn places(o: &Map<String, Value>, key: &str, member: &str) -> Result<Vec<Place>, EventError> {
    let mut out = Vec::new();
    for p in array(o, key)? {
        let p = p
            .as_object()
            .ok_or_else(|| invalid(format!("{key} lists objects")))?;
        if let Some(k) = p.keys().find(|k| *k != "type" && *k != member) {
            return Err(invalid(format!("{key}: unknown member {k}")));
        }
        let kind =
            str_member(p, "type")?.ok_or_else(|| invalid(format!("{key}: type is required")))?;
        let value = str_member(p, member)?
            .ok_or_else(|| invalid(format!("{key}: {member} is required")))?;
        let kind = kind
            .strip_prefix("https://ref.gs1.org/cbv/SDT-")
            .or_else(|| kind.strip_prefix("urn:epcglobal:cbv:sdt:"))
            .unwrap_or(kind);
        out.push(Place {
            kind: kind.to_string(),
            gln: party_gln(value),
        });
    }
    Ok(out)
}

fn read_ilmd(o: &Map<String, Value>, e: &mut Event) -> Result<(), EventError> {
    let Some(ilmd) = o.get("ilmd") else {
        return Ok(());
    };
    let ilmd = ilmd
        .as_object()
        .ok_or_else(|| invalid("ilmd is an object"))?;
    if let Some(lot) = ilmd.get("cbvmda:lotNumber") {
        let lot = lot
            .as_str()
            .filter(|l| (1..=20).contains(&l.len()))
            .ok_or_else(|| invalid("ilmd cbvmda:lotNumber is a string of 1..=20"))?;
        e.lot = Some(lot.to_string());
    }
    if let Some(d) = ilmd.get("cbvmda:itemExpirationDate") {
        let d = d
            .as_str()
            .filter(|d| parse_date(d).is_some())
            .ok_or_else(|| invalid("ilmd cbvmda:itemExpirationDate is a date YYYY-MM-DD"))?;
        e.expiry = Some(d.to_string());
    }
    Ok(())
}

/// Every string in the event is bounded and free of control characters.
fn check_strings(v: &Value, depth: usize) -> Result<(), EventError> {
    if depth > 8 {
        return Err(invalid("an event nests at most 8 levels"));
    }
    let text = |s: &str| {
        if s.len() > STRING_BYTES_MAX || s.chars().any(char::is_control) {
            return Err(invalid(format!(
                "strings are at most {STRING_BYTES_MAX} bytes without control characters"
            )));
        }
        Ok(())
    };
    match v {
        Value::String(s) => text(s),
        Value::Array(a) => a.iter().try_for_each(|x| check_strings(x, depth + 1)),
        Value::Object(o) => o.iter().try_for_each(|(k, x)| {
            text(k)?;
            check_strings(x, depth + 1)
        }),
        _ => Ok(()),
    }
}

fn uri_like(s: &str) -> bool {
    s.len() <= STRING_BYTES_MAX
        && s.split_once(':').is_some_and(|(scheme, rest)| {
            !rest.is_empty()
                && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
                && scheme
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b))
        })
        && !s.chars().any(|c| c.is_whitespace() || c.is_control())
}

fn valid_offset(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 6
        && (b[0] == b'+' || b[0] == b'-')
        && b[3] == b':'
        && [1, 2, 4, 5].iter().all(|&i| b[i].is_ascii_digit())
        && (s[1..3].parse::<u32>().is_ok_and(|h| h <= 14))
        && (s[4..6].parse::<u32>().is_ok_and(|m| m < 60))
}

/// Days since 1970-01-01 of a date, `None` for an impossible one.
fn days(y: i64, m: i64, d: i64) -> Option<i64> {
    let month = publica_types::calendar::days_in_month(y, m)?;
    (1..=month)
        .contains(&d)
        .then(|| publica_types::calendar::days_from_civil(y, m, d))
}

fn digits(s: &str) -> Option<i64> {
    (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
        .then(|| s.parse().ok())
        .flatten()
}

/// Days since 1970 of a `YYYY-MM-DD` date.
#[must_use]
pub fn parse_date(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    days(digits(&s[..4])?, digits(&s[5..7])?, digits(&s[8..10])?)
}

/// Milliseconds since 1970 (UTC) of an RFC 3339 date-time with `Z` or an
/// offset; fractions beyond milliseconds are cut, as EPCIS hashes them.
#[must_use]
pub fn parse_time(s: &str) -> Option<u64> {
    if s.len() < 20 || s.len() > 40 || !s.is_ascii() {
        return None;
    }
    let (date, rest) = s.split_at(10);
    let day = parse_date(date)?;
    let rest = rest.strip_prefix(['T', 't'])?;
    let b = rest.as_bytes();
    if b.len() < 9 || b[2] != b':' || b[5] != b':' {
        return None;
    }
    let (h, mi, se) = (
        digits(&rest[..2])?,
        digits(&rest[3..5])?,
        digits(&rest[6..8])?,
    );
    if h > 23 || mi > 59 || se > 60 {
        return None;
    }
    let mut tail = &rest[8..];
    let mut ms = 0;
    if let Some(f) = tail.strip_prefix('.') {
        let n = f.bytes().take_while(u8::is_ascii_digit).count();
        if n == 0 || n > 9 {
            return None;
        }
        let frac = &f[..n];
        ms = digits(&format!("{:0<3}", &frac[..n.min(3)]))?;
        tail = &f[n..];
    }
    let offset_min = match tail {
        "Z" | "z" => 0,
        _ if valid_offset(tail) => {
            let m = digits(&tail[1..3])? * 60 + digits(&tail[4..6])?;
            if tail.starts_with('-') {
                -m
            } else {
                m
            }
        }
        _ => return None,
    };
    let secs = day * 86_400 + h * 3_600 + mi * 60 + se.min(59) - offset_min * 60;
    u64::try_from(secs * 1_000 + ms).ok()
}

/// Reads an EPCIS 2.0 document (`EPCISDocument`, or a bare JSON array of
/// events) into its events, each with the document's `@context` when it
/// has none of its own (so that its extension prefixes stay defined).
///
/// # Errors
/// Not a document, or more than [`DOCUMENT_EVENTS_MAX`] events.
pub fn document_events(doc: &Value) -> Result<Vec<Value>, EventError> {
    let (context, list) = match doc {
        Value::Array(list) => (None, list),
        Value::Object(o) => {
            if o.get("type").and_then(Value::as_str) != Some("EPCISDocument") {
                return Err(invalid("a capture document has type EPCISDocument"));
            }
            if let Some(v) = o.get("schemaVersion") {
                if v != "2.0" {
                    return Err(invalid("schemaVersion is \"2.0\""));
                }
            }
            let list = o
                .get("epcisBody")
                .and_then(|b| b.get("eventList"))
                .and_then(Value::as_array)
                .ok_or_else(|| invalid("epcisBody.eventList is required"))?;
            (o.get("@context"), list)
        }
        _ => return Err(invalid("a capture document is a JSON object")),
    };
    if list.len() > DOCUMENT_EVENTS_MAX {
        return Err(invalid(format!(
            "a document holds at most {DOCUMENT_EVENTS_MAX} events ({} here)",
            list.len()
        )));
    }
    Ok(list
        .iter()
        .map(|e| match (e, context) {
            (Value::Object(o), Some(c)) if !o.contains_key("@context") => {
                let mut o = o.clone();
                o.insert("@context".into(), c.clone());
                Value::Object(o)
            }
            _ => e.clone(),
        })
        .collect())
}
