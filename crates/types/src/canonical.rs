//! RFC 8785 JSON Canonicalization Scheme (JCS), restricted to the JSON that
//! Publica signs.
//!
//! Publica never signs floating-point numbers: every number in a signed body
//! must be an integer with magnitude at most 2^53 - 1, for which the
//! ECMAScript number serialisation that JCS prescribes is the plain decimal
//! form. Larger values (amounts) travel as decimal strings. A non-integer or
//! out-of-range number is an error here instead of a silent re-encoding.

use serde::Serialize;
use serde_json::Value;

/// The largest integer that JSON numbers carry exactly (2^53 - 1).
pub const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;

/// Why a value has no canonical form.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CanonicalError {
    /// A number that is not an integer within +/- (2^53 - 1).
    #[error(
        "number {0} is not an integer within +/-(2^53-1); send large amounts as decimal strings"
    )]
    UnsafeNumber(String),
    /// The value could not be turned into JSON at all.
    #[error("value is not representable as JSON: {0}")]
    NotJson(String),
}

/// Canonical JSON bytes of a JSON value.
pub fn to_canonical_bytes(value: &Value) -> Result<Vec<u8>, CanonicalError> {
    canonicalize(value)
}

/// Canonical JSON bytes of any serialisable value: the JCS form of the JSON
/// that `serde_json` makes of it, written straight from the value (no
/// intermediate `serde_json::Value`).
pub fn canonicalize<T: Serialize + ?Sized>(value: &T) -> Result<Vec<u8>, CanonicalError> {
    let mut out = Vec::with_capacity(256);
    value.serialize(Jcs { out: &mut out })?;
    Ok(out)
}

impl serde::ser::Error for CanonicalError {
    fn custom<T: std::fmt::Display>(msg: T) -> Self {
        CanonicalError::NotJson(msg.to_string())
    }
}

fn write_u64(u: u64, out: &mut Vec<u8>) -> Result<(), CanonicalError> {
    if u > MAX_SAFE_INTEGER {
        return Err(CanonicalError::UnsafeNumber(u.to_string()));
    }
    write_decimal(u, out);
    Ok(())
}

fn write_i64(i: i64, out: &mut Vec<u8>) -> Result<(), CanonicalError> {
    if i.unsigned_abs() > MAX_SAFE_INTEGER {
        return Err(CanonicalError::UnsafeNumber(i.to_string()));
    }
    if i < 0 {
        out.push(b'-');
    }
    write_decimal(i.unsigned_abs(), out);
    Ok(())
}

fn write_decimal(mut u: u64, out: &mut Vec<u8>) {
    let mut buf = [0u8; 20];
    let mut at = buf.len();
    loop {
        at -= 1;
        buf[at] = b'0' + (u % 10) as u8;
        u /= 10;
        if u == 0 {
            break;
        }
    }
    out.extend_from_slice(&buf[at..]);
}

/// A float has no canonical form here; serde_json turns a non-finite one
/// into `null`, and so does this writer.
fn write_float(f: f64, out: &mut Vec<u8>) -> Result<(), CanonicalError> {
    match serde_json::Number::from_f64(f) {
        Some(n) => Err(CanonicalError::UnsafeNumber(n.to_string())),
        None => {
            out.extend_from_slice(b"null");
            Ok(())
        }
    }
}

/// Writes `s` as a JSON string the way ECMAScript's `JSON.stringify` does:
/// only `"`, `\` and the C0 controls are escaped.
fn write_string(s: &str, out: &mut Vec<u8>) {
    let bytes = s.as_bytes();
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    let mut from = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if b >= 0x20 && b != b'"' && b != b'\\' {
            continue;
        }
        let short: &[u8] = match b {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            0x08 => b"\\b",
            0x0c => b"\\f",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0..=0x1f => b"",
            _ => continue,
        };
        out.extend_from_slice(&bytes[from..i]);
        if short.is_empty() {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.extend_from_slice(b"\\u00");
            out.push(HEX[usize::from(b >> 4)]);
            out.push(HEX[usize::from(b & 0xf)]);
        } else {
            out.extend_from_slice(short);
        }
        from = i + 1;
    }
    out.extend_from_slice(&bytes[from..]);
    out.push(b'"');
}

/// JCS orders members by the UTF-16 code units of their names.
fn utf16_order(a: &str, b: &str) -> std::cmp::Ordering {
    if a.is_ascii() && b.is_ascii() {
        return a.cmp(b);
    }
    a.encode_utf16().cmp(b.encode_utf16())
}

/// Integer methods of [`Jcs`]: each widens its value for one writer.
macro_rules! integers {
    ($write:ident as $wide:ty: $($method:ident $t:ty),*) => {$(
        fn $method(self, v: $t) -> Result<(), CanonicalError> {
            $write(<$wide>::from(v), self.out)
        }
    )*};
}

/// Integer methods of [`KeyName`]: an integer key names its member by its
/// decimal text.
macro_rules! names {
    ($($method:ident $t:ty),*) => {$(
        fn $method(self, v: $t) -> Result<String, CanonicalError> {
            Ok(v.to_string())
        }
    )*};
}

/// The serializer: writes canonical JSON into `out` as the value is walked.
struct Jcs<'a> {
    out: &'a mut Vec<u8>,
}

/// An array being written.
struct Arr<'a> {
    out: &'a mut Vec<u8>,
    first: bool,
    /// Also close the `{"variant":` wrapper of a tuple variant.
    variant: bool,
}

/// An object being written. Members are written as they come, then put in
/// canonical order at the end if they did not come in it.
struct Obj<'a> {
    out: &'a mut Vec<u8>,
    /// Where the first member starts.
    start: usize,
    /// Each member's name and where its `"name":value` text lies in `out`.
    members: Vec<(std::borrow::Cow<'static, str>, usize, usize)>,
    /// A member whose name is written and whose value is next.
    open: Option<(String, usize)>,
    /// Also close the `{"variant":` wrapper of a struct variant.
    variant: bool,
}

impl Obj<'_> {
    fn begin_member(&mut self) -> usize {
        if !self.members.is_empty() {
            self.out.push(b',');
        }
        self.out.len()
    }

    fn finish(mut self) -> Result<(), CanonicalError> {
        let ordered = self
            .members
            .windows(2)
            .all(|w| utf16_order(&w[0].0, &w[1].0).is_lt());
        if !ordered {
            // Stable, so that of two members with one name the later one
            // is last; it replaces the earlier, as in a JSON object model.
            self.members.sort_by(|a, b| utf16_order(&a.0, &b.0));
            let written = self.out.split_off(self.start);
            let base = self.start;
            let mut first = true;
            for (i, (name, from, to)) in self.members.iter().enumerate() {
                if self.members.get(i + 1).is_some_and(|next| next.0 == *name) {
                    continue;
                }
                if !first {
                    self.out.push(b',');
                }
                first = false;
                self.out.extend_from_slice(&written[from - base..to - base]);
            }
        }
        self.out.push(b'}');
        if self.variant {
            self.out.push(b'}');
        }
        Ok(())
    }
}

impl<'a> Jcs<'a> {
    fn open_variant(self, variant: &'static str) -> &'a mut Vec<u8> {
        self.out.push(b'{');
        write_string(variant, self.out);
        self.out.push(b':');
        self.out
    }

    fn obj(out: &'a mut Vec<u8>, variant: bool, len: Option<usize>) -> Obj<'a> {
        out.push(b'{');
        Obj {
            start: out.len(),
            out,
            members: Vec::with_capacity(len.unwrap_or(4)),
            open: None,
            variant,
        }
    }

    fn arr(out: &'a mut Vec<u8>, variant: bool) -> Arr<'a> {
        out.push(b'[');
        Arr {
            out,
            first: true,
            variant,
        }
    }
}

impl<'a> serde::Serializer for Jcs<'a> {
    type Ok = ();
    type Error = CanonicalError;
    type SerializeSeq = Arr<'a>;
    type SerializeTuple = Arr<'a>;
    type SerializeTupleStruct = Arr<'a>;
    type SerializeTupleVariant = Arr<'a>;
    type SerializeMap = Obj<'a>;
    type SerializeStruct = Obj<'a>;
    type SerializeStructVariant = Obj<'a>;

    fn serialize_bool(self, v: bool) -> Result<(), CanonicalError> {
        self.out
            .extend_from_slice(if v { b"true" } else { b"false" });
        Ok(())
    }
    integers!(write_i64 as i64: serialize_i8 i8, serialize_i16 i16, serialize_i32 i32, serialize_i64 i64);
    fn serialize_i128(self, v: i128) -> Result<(), CanonicalError> {
        match i64::try_from(v) {
            Ok(i) => write_i64(i, self.out),
            Err(_) => Err(CanonicalError::UnsafeNumber(v.to_string())),
        }
    }
    integers!(write_u64 as u64: serialize_u8 u8, serialize_u16 u16, serialize_u32 u32, serialize_u64 u64);
    fn serialize_u128(self, v: u128) -> Result<(), CanonicalError> {
        match u64::try_from(v) {
            Ok(u) => write_u64(u, self.out),
            Err(_) => Err(CanonicalError::UnsafeNumber(v.to_string())),
        }
    }
    fn serialize_f32(self, v: f32) -> Result<(), CanonicalError> {
        write_float(v.into(), self.out)
    }
    fn serialize_f64(self, v: f64) -> Result<(), CanonicalError> {
        write_float(v, self.out)
    }
    fn serialize_char(self, v: char) -> Result<(), CanonicalError> {
        write_string(v.encode_utf8(&mut [0u8; 4]), self.out);
        Ok(())
    }
    fn serialize_str(self, v: &str) -> Result<(), CanonicalError> {
        write_string(v, self.out);
        Ok(())
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<(), CanonicalError> {
        use serde::ser::SerializeSeq;
        let mut a = Jcs::arr(self.out, false);
        for b in v {
            a.serialize_element(b)?;
        }
        a.end()
    }
    fn serialize_none(self) -> Result<(), CanonicalError> {
        self.serialize_unit()
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), CanonicalError> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), CanonicalError> {
        self.out.extend_from_slice(b"null");
        Ok(())
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<(), CanonicalError> {
        self.serialize_unit()
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<(), CanonicalError> {
        self.serialize_str(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<(), CanonicalError> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), CanonicalError> {
        let out = self.open_variant(variant);
        value.serialize(Jcs { out: &mut *out })?;
        out.push(b'}');
        Ok(())
    }
    fn serialize_seq(self, _len: Option<usize>) -> Result<Arr<'a>, CanonicalError> {
        Ok(Jcs::arr(self.out, false))
    }
    fn serialize_tuple(self, _len: usize) -> Result<Arr<'a>, CanonicalError> {
        Ok(Jcs::arr(self.out, false))
    }
    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Arr<'a>, CanonicalError> {
        Ok(Jcs::arr(self.out, false))
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Arr<'a>, CanonicalError> {
        Ok(Jcs::arr(self.open_variant(variant), true))
    }
    fn serialize_map(self, len: Option<usize>) -> Result<Obj<'a>, CanonicalError> {
        Ok(Jcs::obj(self.out, false, len))
    }
    fn serialize_struct(self, _name: &'static str, len: usize) -> Result<Obj<'a>, CanonicalError> {
        Ok(Jcs::obj(self.out, false, Some(len)))
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Obj<'a>, CanonicalError> {
        Ok(Jcs::obj(self.open_variant(variant), true, Some(len)))
    }
}

impl Arr<'_> {
    fn element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), CanonicalError> {
        if !self.first {
            self.out.push(b',');
        }
        self.first = false;
        value.serialize(Jcs {
            out: &mut *self.out,
        })
    }

    fn close(self) -> Result<(), CanonicalError> {
        self.out.push(b']');
        if self.variant {
            self.out.push(b'}');
        }
        Ok(())
    }
}

macro_rules! array_like {
    ($($trait:ident :: $method:ident),*) => {$(
        impl serde::ser::$trait for Arr<'_> {
            type Ok = ();
            type Error = CanonicalError;
            fn $method<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), CanonicalError> {
                self.element(value)
            }
            fn end(self) -> Result<(), CanonicalError> {
                self.close()
            }
        }
    )*};
}
array_like!(
    SerializeSeq::serialize_element,
    SerializeTuple::serialize_element,
    SerializeTupleStruct::serialize_field,
    SerializeTupleVariant::serialize_field
);

impl serde::ser::SerializeMap for Obj<'_> {
    type Ok = ();
    type Error = CanonicalError;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), CanonicalError> {
        let name = key.serialize(KeyName)?;
        let at = self.begin_member();
        write_string(&name, self.out);
        self.out.push(b':');
        self.open = Some((name, at));
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), CanonicalError> {
        let (name, at) = self
            .open
            .take()
            .ok_or_else(|| CanonicalError::NotJson("a map value without its key".into()))?;
        value.serialize(Jcs {
            out: &mut *self.out,
        })?;
        self.members.push((name.into(), at, self.out.len()));
        Ok(())
    }
    fn end(self) -> Result<(), CanonicalError> {
        self.finish()
    }
}

impl Obj<'_> {
    fn field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), CanonicalError> {
        let at = self.begin_member();
        write_string(key, self.out);
        self.out.push(b':');
        value.serialize(Jcs {
            out: &mut *self.out,
        })?;
        self.members.push((key.into(), at, self.out.len()));
        Ok(())
    }
}

macro_rules! struct_like {
    ($($trait:ident),*) => {$(
        impl serde::ser::$trait for Obj<'_> {
            type Ok = ();
            type Error = CanonicalError;
            fn serialize_field<T: Serialize + ?Sized>(
                &mut self,
                key: &'static str,
                value: &T,
            ) -> Result<(), CanonicalError> {
                self.field(key, value)
            }
            fn end(self) -> Result<(), CanonicalError> {
                self.finish()
            }
        }
    )*};
}
struct_like!(SerializeStruct, SerializeStructVariant);

/// Turns a map key into a member name, as serde_json does: strings, and
/// integers, booleans and unit variants by their text; nothing else.
struct KeyName;

fn not_a_name() -> CanonicalError {
    CanonicalError::NotJson("key must be a string".into())
}

impl serde::Serializer for KeyName {
    type Ok = String;
    type Error = CanonicalError;
    type SerializeSeq = serde::ser::Impossible<String, CanonicalError>;
    type SerializeTuple = serde::ser::Impossible<String, CanonicalError>;
    type SerializeTupleStruct = serde::ser::Impossible<String, CanonicalError>;
    type SerializeTupleVariant = serde::ser::Impossible<String, CanonicalError>;
    type SerializeMap = serde::ser::Impossible<String, CanonicalError>;
    type SerializeStruct = serde::ser::Impossible<String, CanonicalError>;
    type SerializeStructVariant = serde::ser::Impossible<String, CanonicalError>;

    fn serialize_bool(self, v: bool) -> Result<String, CanonicalError> {
        Ok(v.to_string())
    }
    names!(
        serialize_i8 i8, serialize_i16 i16, serialize_i32 i32, serialize_i64 i64, serialize_i128 i128,
        serialize_u8 u8, serialize_u16 u16, serialize_u32 u32, serialize_u64 u64, serialize_u128 u128
    );
    fn serialize_f32(self, _v: f32) -> Result<String, CanonicalError> {
        Err(not_a_name())
    }
    fn serialize_f64(self, _v: f64) -> Result<String, CanonicalError> {
        Err(not_a_name())
    }
    fn serialize_char(self, v: char) -> Result<String, CanonicalError> {
        Ok(v.to_string())
    }
    fn serialize_str(self, v: &str) -> Result<String, CanonicalError> {
        Ok(v.to_owned())
    }
    fn serialize_bytes(self, _v: &[u8]) -> Result<String, CanonicalError> {
        Err(not_a_name())
    }
    fn serialize_none(self) -> Result<String, CanonicalError> {
        Err(not_a_name())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, _v: &T) -> Result<String, CanonicalError> {
        Err(not_a_name())
    }
    fn serialize_unit(self) -> Result<String, CanonicalError> {
        Err(not_a_name())
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<String, CanonicalError> {
        Err(not_a_name())
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<String, CanonicalError> {
        Ok(variant.to_owned())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<String, CanonicalError> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _value: &T,
    ) -> Result<String, CanonicalError> {
        Err(not_a_name())
    }
    fn serialize_seq(self, _len: Option<usize>) -> Result<Self::SerializeSeq, CanonicalError> {
        Err(not_a_name())
    }
    fn serialize_tuple(self, _len: usize) -> Result<Self::SerializeTuple, CanonicalError> {
        Err(not_a_name())
    }
    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleStruct, CanonicalError> {
        Err(not_a_name())
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleVariant, CanonicalError> {
        Err(not_a_name())
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<Self::SerializeMap, CanonicalError> {
        Err(not_a_name())
    }
    fn serialize_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStruct, CanonicalError> {
        Err(not_a_name())
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStructVariant, CanonicalError> {
        Err(not_a_name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    fn canon(v: Value) -> String {
        String::from_utf8(to_canonical_bytes(&v).unwrap()).unwrap()
    }

    /// The definition the writer is held to: serde_json's value of the
    /// input, its object members sorted by UTF-16 code units, integers
    /// within 2^53 - 1 in decimal, anything else refused.
    fn definition<T: Serialize>(value: &T) -> Result<Vec<u8>, CanonicalError> {
        fn walk(v: &Value, out: &mut String) -> Result<(), CanonicalError> {
            match v {
                Value::Number(n) => match (n.as_u64(), n.as_i64()) {
                    (Some(u), _) if u <= MAX_SAFE_INTEGER => out.push_str(&u.to_string()),
                    (None, Some(i)) if i.unsigned_abs() <= MAX_SAFE_INTEGER => {
                        out.push_str(&i.to_string());
                    }
                    _ => return Err(CanonicalError::UnsafeNumber(n.to_string())),
                },
                Value::String(s) => {
                    out.push('"');
                    for c in s.chars() {
                        match c {
                            '"' => out.push_str("\\\""),
                            '\\' => out.push_str("\\\\"),
                            '\u{08}' => out.push_str("\\b"),
                            '\u{0c}' => out.push_str("\\f"),
                            '\n' => out.push_str("\\n"),
                            '\r' => out.push_str("\\r"),
                            '\t' => out.push_str("\\t"),
                            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
                            c => out.push(c),
                        }
                    }
                    out.push('"');
                }
                Value::Array(items) => {
                    out.push('[');
                    for (i, item) in items.iter().enumerate() {
                        if i > 0 {
                            out.push(',');
                        }
                        walk(item, out)?;
                    }
                    out.push(']');
                }
                Value::Object(map) => {
                    let mut members: Vec<_> = map.iter().collect();
                    members.sort_by(|a, b| a.0.encode_utf16().cmp(b.0.encode_utf16()));
                    out.push('{');
                    for (i, (k, v)) in members.into_iter().enumerate() {
                        if i > 0 {
                            out.push(',');
                        }
                        walk(&Value::String(k.clone()), out)?;
                        out.push(':');
                        walk(v, out)?;
                    }
                    out.push('}');
                }
                other => out.push_str(&other.to_string()),
            }
            Ok(())
        }
        let v = serde_json::to_value(value).map_err(|e| CanonicalError::NotJson(e.to_string()))?;
        let mut out = String::new();
        walk(&v, &mut out)?;
        Ok(out.into_bytes())
    }

    fn any_name() -> impl Strategy<Value = String> {
        // ASCII, controls, BMP letters above the surrogates (U+E000..) and
        // astral ones: the last two sort differently in UTF-8 and UTF-16.
        prop::collection::vec(
            prop_oneof![
                4 => prop::char::range('a', 'e'),
                1 => prop::char::range('\u{0}', '\u{1f}'),
                1 => Just('"'),
                1 => Just('\\'),
                1 => prop::char::range('\u{e000}', '\u{e002}'),
                1 => prop::char::range('\u{ff60}', '\u{ff62}'),
                1 => prop::char::range('\u{1f600}', '\u{1f602}'),
                1 => prop::char::range('\u{e9}', '\u{eb}'),
            ],
            0..5,
        )
        .prop_map(|cs| cs.into_iter().collect())
    }

    fn any_json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(|i| json!(i >> (i.count_ones() % 16))),
            any::<u64>().prop_map(|u| json!(u >> (u.count_ones() % 16))),
            (0u64..=MAX_SAFE_INTEGER).prop_map(|u| json!(u)),
            prop_oneof![Just(1.5f64), Just(-0.25), Just(1e300)].prop_map(|f| json!(f)),
            any_name().prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 48, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                prop::collection::vec((any_name(), inner), 0..6)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    /// Every shape serde gives a Rust type, fields out of canonical order.
    #[derive(Serialize)]
    enum Shape {
        Unit,
        Newtype(u32),
        Tuple(i8, String),
        Struct { zed: Option<u8>, alpha: Vec<Shape> },
    }

    #[derive(Serialize)]
    struct Record {
        signer: String,
        signature: String,
        body: Value,
        kind: Shape,
        #[serde(skip_serializing_if = "Option::is_none")]
        skipped: Option<u8>,
        pair: (u16, char),
        bytes: serde_bytes_like::Bytes,
        map: std::collections::HashMap<u32, bool>,
        flags: std::collections::BTreeMap<String, ()>,
    }

    mod serde_bytes_like {
        /// Serialises as bytes, which serde_json writes as an array.
        pub struct Bytes(pub Vec<u8>);
        impl serde::Serialize for Bytes {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_bytes(&self.0)
            }
        }
    }

    /// A map that names one member twice: the later one stands, as in
    /// serde_json's object model.
    struct Twice(Vec<(String, u8)>);
    impl Serialize for Twice {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            use serde::ser::SerializeMap;
            let mut m = s.serialize_map(Some(self.0.len()))?;
            for (k, v) in &self.0 {
                m.serialize_entry(k, v)?;
            }
            m.end()
        }
    }

    /// The ledger's own records declare their fields in canonical order:
    /// serde_json's plain output of them is already canonical.
    #[test]
    fn ledger_records_are_declared_in_canonical_order() {
        use crate::block::{BlockHeader, Event, TxOutcome, TxStatus};
        use crate::ids::{AccountId, Hash32, SignatureBytes};
        use crate::tx::{Envelope, Expiry, TxBody};
        let body = TxBody::new(
            "publica-dev",
            7,
            Expiry::Height(9),
            "money",
            "transfer",
            json!({"to": "b", "from": "a", "amount": "1"}),
        );
        let env = Envelope {
            body,
            signer: AccountId([1; 32]),
            signature: SignatureBytes([2; 64]),
        };
        let outcome = TxOutcome {
            tx_id: Hash32([3; 32]),
            status: TxStatus::Failed,
            error: Some(crate::TxError::new("money.x", "no")),
            events: vec![Event {
                module: "money".into(),
                kind: "transfer".into(),
                data: json!({"z": 1, "a": [true]}),
            }],
        };
        let header = BlockHeader {
            chain_id: "publica-dev".into(),
            height: 1,
            parent_hash: Hash32::ZERO,
            time_ms: 2,
            tx_count: 1,
            tx_root: Hash32([4; 32]),
            results_root: Hash32([5; 32]),
            state_root: Hash32([6; 32]),
            log_size: 1,
            log_root: Hash32([7; 32]),
        };
        for (plain, canonical) in [
            (serde_json::to_vec(&env), canonicalize(&env)),
            (serde_json::to_vec(&outcome), canonicalize(&outcome)),
            (serde_json::to_vec(&header), canonicalize(&header)),
        ] {
            assert_eq!(
                String::from_utf8(plain.unwrap()).unwrap(),
                String::from_utf8(canonical.unwrap()).unwrap()
            );
        }
    }

    proptest! {
        #[test]
        fn values_are_written_as_defined(v in any_json()) {
            prop_assert_eq!(canonicalize(&v).ok(), definition(&v).ok());
        }

        #[test]
        fn typed_values_are_written_as_defined(
            signer in any_name(),
            body in any_json(),
            n in any::<u32>(),
            small in any::<i8>(),
            name in any_name(),
            zed in any::<Option<u8>>(),
            skipped in any::<Option<u8>>(),
            c in any::<char>(),
            bytes in prop::collection::vec(any::<u8>(), 0..4),
            map in prop::collection::hash_map(any::<u32>(), any::<bool>(), 0..4),
            flags in prop::collection::btree_map(any_name(), Just(()), 0..4),
        ) {
            let kind = match n % 4 {
                0 => Shape::Unit,
                1 => Shape::Newtype(n),
                2 => Shape::Tuple(small, name.clone()),
                _ => Shape::Struct { zed, alpha: vec![Shape::Unit, Shape::Newtype(n)] },
            };
            let r = Record {
                signer, signature: name, body, kind, skipped, pair: (n as u16, c),
                bytes: serde_bytes_like::Bytes(bytes), map, flags,
            };
            prop_assert_eq!(canonicalize(&r).ok(), definition(&r).ok());
        }

        #[test]
        fn a_repeated_name_keeps_the_later_member(
            entries in prop::collection::vec((prop_oneof![Just("b"), Just("a"), Just("\u{1f600}"), Just("\u{e000}")], any::<u8>()), 0..8),
        ) {
            let t = Twice(entries.into_iter().map(|(k, v)| (k.to_string(), v)).collect());
            prop_assert_eq!(canonicalize(&t), definition(&t));
        }
    }

    #[test]
    fn sorts_members_by_utf16_code_units() {
        // RFC 8785 section 3.2.3 sorting example (keys only).
        let v = json!({
            "\u{20ac}": "Euro Sign",
            "\r": "Carriage Return",
            "\u{fb33}": "Hebrew Letter Dalet With Dagesh",
            "1": "One",
            "\u{1f600}": "Emoji: Grinning Face",
            "\u{0080}": "Control",
            "\u{00f6}": "Latin Small Letter O With Diaeresis"
        });
        let keys_in_order: Vec<&str> = vec![
            "\r",
            "1",
            "\u{0080}",
            "\u{00f6}",
            "\u{20ac}",
            "\u{1f600}",
            "\u{fb33}",
        ];
        let s = canon(v);
        let mut last = 0;
        for k in keys_in_order {
            let needle = String::from_utf8(to_canonical_bytes(&json!(k)).unwrap()).unwrap();
            let pos = s.find(&format!("{needle}:")).unwrap();
            assert!(pos >= last, "{k:?} out of order in {s}");
            last = pos;
        }
    }

    #[test]
    fn escapes_like_ecmascript() {
        assert_eq!(
            canon(json!("a\"b\\c\u{1}\u{1f}\n\u{7f}é")),
            "\"a\\\"b\\\\c\\u0001\\u001f\\n\u{7f}é\""
        );
        assert_eq!(
            canon(json!({"b": [1, -2, true, null], "a": {}})),
            "{\"a\":{},\"b\":[1,-2,true,null]}"
        );
    }

    #[test]
    fn rejects_floats_and_unsafe_integers() {
        assert!(to_canonical_bytes(&json!(1.5)).is_err());
        assert!(to_canonical_bytes(&json!(MAX_SAFE_INTEGER + 1)).is_err());
        assert!(to_canonical_bytes(&json!(-(MAX_SAFE_INTEGER as i64) - 1)).is_err());
        assert_eq!(canon(json!(MAX_SAFE_INTEGER)), "9007199254740991");
    }
}
