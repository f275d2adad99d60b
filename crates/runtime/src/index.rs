//! What modules file in the node's event index for their committed events
//! (an account's history, say), written as JSON text as they are filed.
//!
//! An entry is serialized once, straight from the event it comes from:
//! building it as a `serde_json::Value` map first, adding fields to the map
//! and dropping it again took about 7 % of the node's CPU samples at full
//! load (`docs/benchmarks.md`, "The serial stage").

use publica_types::Hash32;
use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::Value;
use std::io::Write;

/// One entry filed in the event index.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IndexEntry {
    /// The full key, `<module>/<module's key>`.
    pub key: String,
    /// The entry: the text of a JSON object with at least one member,
    /// not closed; the index closes it with its number `n` (see
    /// [`IndexEntry::into_object`]).
    open_object: Vec<u8>,
}

impl IndexEntry {
    /// The entry's JSON object text, closed with the member `"n": n` (its
    /// place among the entries of its key, which only the index knows).
    pub fn into_object(self, n: u64) -> Vec<u8> {
        let mut object = self.open_object;
        write!(object, ",\"n\":{n}}}").expect("writing to memory");
        object
    }

    /// The same text as [`IndexEntry::into_object`] in two parts, without
    /// copying the entry: its open object, and the member `"n": n` with
    /// the closing brace.
    pub fn object_parts(&self, n: u64) -> (&[u8], String) {
        (&self.open_object, format!(",\"n\":{n}}}"))
    }
}

/// One member of an entry: a fixed string, or a value taken from the
/// event (missing values are `null`, as `value["name"]` gives them).
#[derive(Clone, Copy, Debug)]
pub enum Field<'a> {
    /// A string.
    Str(&'a str),
    /// A JSON value.
    Json(&'a Value),
    /// An amount (a decimal string).
    Amount(publica_types::Amount),
    /// An account key (hex).
    Key(&'a publica_types::AccountId),
    /// `null`.
    Null,
}

/// An entry given as its members, in the order they are written.
#[derive(Clone, Copy, Debug)]
pub struct Fields<'a>(pub &'a [(&'a str, Field<'a>)]);

impl Serialize for Fields<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (name, field) in self.0 {
            match field {
                Field::Str(s) => map.serialize_entry(name, s)?,
                Field::Json(v) => map.serialize_entry(name, v)?,
                Field::Amount(a) => map.serialize_entry(name, a)?,
                Field::Key(k) => map.serialize_entry(name, k)?,
                Field::Null => map.serialize_entry(name, &())?,
            }
        }
        map.end()
    }
}

/// Takes the entries a module files for one committed event (see
/// `Module::index_event`), adding to each the block's `height` and, for a
/// transaction's event, its `tx_id` (whose receipt proves the entry).
pub struct IndexFiler<'a> {
    module: &'a str,
    height: u64,
    tx_id: Option<&'a Hash32>,
    call: Option<&'a publica_types::tx::Call>,
    out: &'a mut Vec<IndexEntry>,
}

impl<'a> IndexFiler<'a> {
    /// A filer for the events of `module` in the block at `height`, from
    /// the transaction `tx_id` (`None`: the block's own ledger events).
    pub fn new(
        module: &'a str,
        height: u64,
        tx_id: Option<&'a Hash32>,
        out: &'a mut Vec<IndexEntry>,
    ) -> IndexFiler<'a> {
        IndexFiler {
            module,
            height,
            tx_id,
            call: None,
            out,
        }
    }

    /// The filer of a transaction's events, which may read what the
    /// transaction asked: an event need not copy the arguments the block
    /// already holds for an entry to show them.
    #[must_use]
    pub fn with_call(mut self, call: &'a publica_types::tx::Call) -> Self {
        self.call = Some(call);
        self
    }

    /// The call of the transaction whose events are filed (`None` for the
    /// block's own ledger events).
    #[must_use]
    pub fn call(&self) -> Option<&'a publica_types::tx::Call> {
        self.call
    }

    /// Files `entry` under the module's `key`. The entry must serialize as
    /// a JSON object without the members `height`, `tx_id` and `n`, which
    /// are added here and by the index; anything else is not filed.
    pub fn file<T: Serialize + ?Sized>(&mut self, key: &str, entry: &T) {
        let mut object = Vec::with_capacity(256);
        if serde_json::to_writer(&mut object, entry).is_err()
            || object.first() != Some(&b'{')
            || object.last() != Some(&b'}')
        {
            return;
        }
        object.pop();
        if object.len() > 1 {
            object.push(b',');
        }
        write!(object, "\"height\":{}", self.height).expect("writing to memory");
        if let Some(tx) = self.tx_id {
            object.extend_from_slice(b",\"tx_id\":");
            serde_json::to_writer(&mut object, tx).expect("ids serialize");
        }
        self.out.push(IndexEntry {
            key: format!("{}/{key}", self.module),
            open_object: object,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn entries_gain_height_tx_id_and_n() {
        let mut out = Vec::new();
        let tx = Hash32([7; 32]);
        let amount = json!("12");
        let mut filer = IndexFiler::new("money", 5, Some(&tx), &mut out);
        filer.file(
            "account/a",
            &Fields(&[
                ("kind", Field::Str("transfer")),
                ("amount", Field::Json(&amount)),
                ("memo_hash", Field::Json(&Value::Null)),
            ]),
        );
        let mut ledger = IndexFiler::new("money", 6, None, &mut out);
        ledger.file("account/b", &json!({}));
        // Not an object: not filed.
        ledger.file("account/c", &json!("junk"));
        assert_eq!(out.len(), 2);
        assert_eq!(out[0].key, "money/account/a");
        let first: Value = serde_json::from_slice(&out[0].clone().into_object(3)).unwrap();
        assert_eq!(
            first,
            json!({"kind": "transfer", "amount": "12", "memo_hash": null,
                   "height": 5, "tx_id": tx.to_hex(), "n": 3})
        );
        let second: Value = serde_json::from_slice(&out[1].clone().into_object(0)).unwrap();
        assert_eq!(second, json!({"height": 6, "n": 0}));
        assert_eq!(out[1].key, "money/account/b");
    }
}
