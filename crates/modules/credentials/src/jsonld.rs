//! JSON-LD 1.1 to RDF, strictly, for the documents `eddsa-rdfc-2022`
//! signs: credentials and proofs written against contexts this verifier
//! holds (VC 2.0's and Publica's, [`crate::contexts`]). It follows the
//! JSON-LD 1.1 Processing Algorithms (context processing with protected
//! terms, property- and type-scoped contexts, `@vocab`, `@graph`
//! containers, `@json` literals) and refuses, with
//! `credentials.unsupported_jsonld`, what it does not implement, instead of
//! reading it differently from other processors:
//!
//! - a property or type that expands to no IRI (a JSON-LD processor would
//!   drop it silently, so a change to it would not change the signature);
//! - anything but the compacted form the held contexts define, so that the
//!   JSON a verifier reads (`validUntil`, `credentialStatus`, `type`, the
//!   subject's `id`) is what was signed: a `@context` that is not a list of
//!   URLs at the top (inline contexts could relabel terms), a key or type
//!   written as an IRI or compact IRI, a keyword written as such (`@id` for
//!   `id`), an IRI that is not valid;
//! - relative IRIs (no `@base`), `@list`, `@language` maps, `@nest`,
//!   `@reverse`, `@included`, `@index`, `@import`, floating-point numbers.
//!
//! The quads are then canonicalised with RDFC-1.0 by the `rdf-canon` crate
//! ([`canonical_nquads`]). Checked against the W3C `vc-di-eddsa` vectors and,
//! in `tests/python`, against pyld, an independent JSON-LD processor.

use oxrdf::{BlankNode, Dataset, GraphName, Literal, NamedNode, Quad, Subject, Term};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, HashMap};

/// The code of every refusal here.
pub const UNSUPPORTED: &str = "credentials.unsupported_jsonld";
/// The code of a context this verifier does not hold.
pub const UNKNOWN_CONTEXT: &str = "credentials.unknown_context";

/// Deepest nesting of node objects or contexts.
const DEPTH_MAX: usize = 32;
/// Most quads one document may produce.
const QUADS_MAX: usize = 20_000;
/// Most node objects and values one document may hold (a transcript of
/// 200 courses holds about 1,200).
const NODES_MAX: usize = 4_000;
/// Most calls of RDFC-1.0's N-degree hash (bounds crafted blank-node
/// graphs, the "poison graph" of the RDFC-1.0 tests).
const NDEGREE_CALLS_MAX: usize = 4_000;

const RDF_TYPE: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type";
const RDF_JSON: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#JSON";
const RDF_LANG_STRING: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString";
const XSD: &str = "http://www.w3.org/2001/XMLSchema#";
const XSD_DOUBLE: &str = "http://www.w3.org/2001/XMLSchema#double";

/// Why a document was refused: a code and a sentence.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct LdError {
    /// [`UNSUPPORTED`] or [`UNKNOWN_CONTEXT`].
    pub code: &'static str,
    /// What, and where.
    pub message: String,
}

fn unsupported<T>(message: impl Into<String>) -> Result<T, LdError> {
    Err(LdError {
        code: UNSUPPORTED,
        message: message.into(),
    })
}

/// The contexts a document may name, by URL.
pub type Loader<'a> = &'a dyn Fn(&str) -> Option<&'static Value>;

/// A term definition.
#[derive(Debug, Clone, PartialEq)]
struct TermDef {
    /// An IRI, or `@id` / `@type` for an alias; `None` for a term mapped to
    /// null (its use is refused).
    iri: Option<String>,
    /// `@id`, `@vocab`, `@json` or a datatype IRI.
    kind: Option<String>,
    /// `@container: @graph`.
    graph: bool,
    /// A scoped context.
    context: Option<Value>,
    protected: bool,
}

impl TermDef {
    fn same_as(&self, other: &TermDef) -> bool {
        self.iri == other.iri
            && self.kind == other.kind
            && self.graph == other.graph
            && self.context == other.context
    }
}

/// An active context.
#[derive(Debug, Clone, Default)]
struct Ctx {
    terms: BTreeMap<String, TermDef>,
    vocab: Option<String>,
    /// The context before a type-scoped one, restored for nested nodes.
    previous: Option<Box<Ctx>>,
}

/// An absolute IRI: a scheme, a colon, no space.
fn is_absolute(s: &str) -> bool {
    let Some((scheme, _)) = s.split_once(':') else {
        return false;
    };
    let mut cs = scheme.chars();
    cs.next().is_some_and(|c| c.is_ascii_alphabetic())
        && cs.all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
        && !s
            .chars()
            .any(|c| c.is_whitespace() || "<>\"{}|^`\\".contains(c))
}

struct Processor<'a> {
    load: Loader<'a>,
    quads: Vec<Quad>,
    blank: usize,
    labels: HashMap<String, String>,
    /// Node objects and values read so far (bounded by [`NODES_MAX`]).
    nodes: usize,
}

/// A named node, its IRI checked (RFC 3987), so that no IRI can carry
/// N-Quads syntax into the canonical form.
fn named(iri: &str) -> Result<NamedNode, LdError> {
    NamedNode::new(iri).or_else(|_| unsupported(format!("'{iri}' is not a valid IRI")))
}

/// A blank node.
fn blank_node(label: &str) -> Result<BlankNode, LdError> {
    BlankNode::new(label).or_else(|_| unsupported(format!("'{label}' is not a blank node label")))
}

impl Ctx {
    /// IRI expansion relative to the vocabulary (properties, types,
    /// `@vocab`-typed values).
    fn vocab_iri(&self, s: &str) -> Result<String, LdError> {
        if let Some(t) = self.terms.get(s) {
            return match &t.iri {
                Some(i) if !i.starts_with('@') => Ok(i.clone()),
                Some(i) => unsupported(format!("'{s}' is the keyword {i} here")),
                None => unsupported(format!(
                    "'{s}' is mapped to nothing (null): it would be dropped"
                )),
            };
        }
        self.compact_or_absolute(s).or_else(|| self.vocab.as_ref().map(|v| format!("{v}{s}"))).map_or_else(
            || unsupported(format!("'{s}' is not defined by the document's contexts: a JSON-LD processor would drop it, so it could change without changing the signature")),
            Ok,
        )
    }

    /// A compact IRI (`prefix:suffix` with a term as prefix) or an
    /// absolute IRI.
    fn compact_or_absolute(&self, s: &str) -> Option<String> {
        let (prefix, suffix) = s.split_once(':')?;
        if prefix == "_" || suffix.starts_with("//") {
            return is_absolute(s).then(|| s.to_string());
        }
        match self.terms.get(prefix).and_then(|t| t.iri.as_ref()) {
            Some(p) if !p.starts_with('@') => Some(format!("{p}{suffix}")),
            _ => is_absolute(s).then(|| s.to_string()),
        }
    }

    /// IRI expansion of an `@id` (no base: only absolute or blank).
    fn id_iri(&self, s: &str) -> Result<String, LdError> {
        if s.starts_with("_:") {
            return Ok(s.to_string());
        }
        self.compact_or_absolute(s).map_or_else(
            || {
                unsupported(format!(
                    "'{s}' is a relative IRI (this processor has no base IRI)"
                ))
            },
            Ok,
        )
    }

    fn has_protected(&self) -> bool {
        self.terms.values().any(|t| t.protected)
    }
}

fn keyword_of(ctx: &Ctx, key: &str) -> Option<String> {
    if key.starts_with('@') {
        return Some(key.to_string());
    }
    match ctx.terms.get(key).and_then(|t| t.iri.as_deref()) {
        Some(k) if k.starts_with('@') => Some(k.to_string()),
        _ => None,
    }
}

/// The keys of a node object in compacted form: no keyword but
/// `@context` written as such, no IRI or compact IRI.
fn check_keys(obj: &Map<String, Value>) -> Result<(), LdError> {
    for k in obj.keys() {
        if k.starts_with('@') && k != "@context" {
            return unsupported(format!(
                "the keyword {k} written as such: use the term the contexts give it (id, type)"
            ));
        }
        if k.contains(':') {
            return unsupported(format!(
                "'{k}' is an IRI or a compact IRI as a key: use the term the contexts define"
            ));
        }
    }
    Ok(())
}

impl Processor<'_> {
    /// JSON-LD 1.1 Context Processing (§4.1) for what this processor takes.
    fn context(
        &self,
        active: &Ctx,
        local: &Value,
        override_protected: bool,
        propagate: bool,
        depth: usize,
    ) -> Result<Ctx, LdError> {
        if depth > DEPTH_MAX {
            return unsupported("contexts nest too deeply");
        }
        let mut result = active.clone();
        if !propagate && result.previous.is_none() {
            result.previous = Some(Box::new(active.clone()));
        }
        let items: Vec<&Value> = match local {
            Value::Array(a) => a.iter().collect(),
            v => vec![v],
        };
        for item in items {
            match item {
                Value::Null => {
                    if !override_protected && result.has_protected() {
                        return unsupported("a null @context would clear protected terms");
                    }
                    let previous = result.previous.take();
                    result = Ctx::default();
                    if !propagate {
                        result.previous = previous;
                    }
                }
                Value::String(url) => {
                    let Some(doc) = (self.load)(url) else {
                        return Err(LdError {
                            code: UNKNOWN_CONTEXT,
                            message: format!(
                                "unknown context {url}: this verifier holds its contexts and never fetches one"
                            ),
                        });
                    };
                    let Some(inner) = doc.get("@context") else {
                        return unsupported(format!("context {url} has no @context"));
                    };
                    result = self.context(&result, inner, override_protected, true, depth + 1)?;
                }
                Value::Object(defs) => {
                    result = self.definitions(result, defs, override_protected)?;
                }
                _ => return unsupported("a @context entry is a URL, an object or null"),
            }
        }
        Ok(result)
    }

    fn definitions(
        &self,
        mut result: Ctx,
        defs: &Map<String, Value>,
        override_protected: bool,
    ) -> Result<Ctx, LdError> {
        let mut protected = false;
        for (k, v) in defs {
            match (k.as_str(), v) {
                ("@version", v) if v.as_f64() == Some(1.1) => {}
                ("@protected", Value::Bool(b)) => protected = *b,
                ("@vocab", Value::Null) => result.vocab = None,
                ("@vocab", Value::String(s)) if is_absolute(s) => result.vocab = Some(s.clone()),
                (k, _) if k.starts_with('@') => {
                    return unsupported(format!(
                        "the context entry {k} (as written) is not supported"
                    ))
                }
                _ => {}
            }
        }
        // Terms in an order where a compact IRI's prefix comes first.
        let mut pending: Vec<&String> = defs.keys().filter(|k| !k.starts_with('@')).collect();
        let mut rounds = 0;
        while !pending.is_empty() {
            rounds += 1;
            if rounds > DEPTH_MAX {
                return unsupported("term definitions refer to each other in a cycle");
            }
            let mut waiting = Vec::new();
            for term in pending {
                let def = &defs[term];
                if let Some(prefix) = Self::needs_prefix(def, term) {
                    if prefix != *term
                        && defs.contains_key(prefix)
                        && !result.terms.contains_key(prefix)
                    {
                        waiting.push(term);
                        continue;
                    }
                }
                let td = Self::term(&result, term, def, protected)?;
                if let Some(old) = result.terms.get(term.as_str()) {
                    if old.protected && !override_protected && !old.same_as(&td) {
                        return unsupported(format!("the protected term '{term}' is redefined"));
                    }
                }
                result.terms.insert(term.clone(), td);
            }
            pending = waiting;
        }
        Ok(result)
    }

    /// The prefix a definition's IRI would be expanded with, if compact.
    fn needs_prefix<'v>(def: &'v Value, term: &'v str) -> Option<&'v str> {
        let iri = match def {
            Value::String(s) => s.as_str(),
            Value::Object(o) => o.get("@id").and_then(Value::as_str).unwrap_or(term),
            _ => return None,
        };
        iri.split_once(':').map(|(p, _)| p)
    }

    fn term(ctx: &Ctx, term: &str, def: &Value, protected: bool) -> Result<TermDef, LdError> {
        let mut td = TermDef {
            iri: None,
            kind: None,
            graph: false,
            context: None,
            protected,
        };
        let expand = |s: &str| -> Result<String, LdError> {
            if s == "@id" || s == "@type" {
                return Ok(s.to_string());
            }
            if s.starts_with('@') {
                return unsupported(format!("'{term}' aliases the keyword {s}"));
            }
            if s.contains(':') {
                return ctx.compact_or_absolute(s).map_or_else(
                    || unsupported(format!("'{term}' maps to '{s}', not an IRI")),
                    Ok,
                );
            }
            ctx.vocab_iri(s)
        };
        match def {
            Value::Null => {}
            Value::String(s) => td.iri = Some(expand(s)?),
            Value::Object(o) => {
                for (k, v) in o {
                    match (k.as_str(), v) {
                        ("@id", Value::Null) => {}
                        ("@id", Value::String(s)) => td.iri = Some(expand(s)?),
                        ("@type", Value::String(s)) => {
                            td.kind = Some(match s.as_str() {
                                "@id" | "@vocab" | "@json" => s.clone(),
                                _ => ctx.compact_or_absolute(s).map_or_else(
                                    || {
                                        unsupported(format!(
                                            "'{term}' has the type '{s}', not an IRI"
                                        ))
                                    },
                                    Ok,
                                )?,
                            });
                        }
                        ("@container", c) => {
                            let cs: Vec<&str> = match c {
                                Value::String(s) => vec![s.as_str()],
                                Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
                                _ => vec!["?"],
                            };
                            for c in cs {
                                match c {
                                    "@set" => {}
                                    "@graph" => td.graph = true,
                                    c => {
                                        return unsupported(format!(
                                            "'{term}' has the container {c}"
                                        ))
                                    }
                                }
                            }
                        }
                        ("@context", v) => td.context = Some(v.clone()),
                        ("@protected", Value::Bool(b)) => td.protected = *b,
                        (k, _) => return unsupported(format!("'{term}' has the entry {k}")),
                    }
                }
                if !o.contains_key("@id") {
                    td.iri = Some(expand(term)?);
                }
            }
            _ => {
                return unsupported(format!(
                    "'{term}' has a definition that is not a string or an object"
                ))
            }
        }
        if term.starts_with('@') {
            return unsupported(format!("a context may not define the keyword {term}"));
        }
        Ok(td)
    }

    fn blank(&mut self, label: Option<&str>) -> String {
        if let Some(l) = label {
            if let Some(b) = self.labels.get(l) {
                return b.clone();
            }
        }
        let b = format!("b{}", self.blank);
        self.blank += 1;
        if let Some(l) = label {
            self.labels.insert(l.to_string(), b.clone());
        }
        b
    }

    fn subject(&mut self, iri: &str) -> Result<Subject, LdError> {
        Ok(match iri.strip_prefix("_:") {
            Some(l) => blank_node(&self.blank(Some(l)))?.into(),
            None => named(iri)?.into(),
        })
    }

    /// Counts a node object or value against [`NODES_MAX`].
    fn count(&mut self) -> Result<(), LdError> {
        self.nodes += 1;
        if self.nodes > NODES_MAX {
            return unsupported(format!(
                "the document holds more than {NODES_MAX} nodes and values"
            ));
        }
        Ok(())
    }

    fn emit(&mut self, s: &Subject, p: &str, o: Term, g: &GraphName) -> Result<(), LdError> {
        if self.quads.len() >= QUADS_MAX {
            return unsupported(format!("the document has more than {QUADS_MAX} statements"));
        }
        self.quads
            .push(Quad::new(s.clone(), named(p)?, o, g.clone()));
        Ok(())
    }

    /// A node object (JSON-LD expansion §5.1 steps 7–11, then its
    /// statements): returns its subject.
    fn node(
        &mut self,
        active: &Ctx,
        scoped: Option<&Value>,
        obj: &Map<String, Value>,
        graph: &GraphName,
        depth: usize,
    ) -> Result<Subject, LdError> {
        if depth > DEPTH_MAX {
            return unsupported("node objects nest too deeply");
        }
        self.count()?;
        check_keys(obj)?;
        let only_id = obj.len() == 1
            && obj
                .keys()
                .all(|k| keyword_of(active, k).as_deref() == Some("@id"));
        let mut ctx = match &active.previous {
            Some(prev) if !only_id => (**prev).clone(),
            _ => active.clone(),
        };
        if let Some(s) = scoped {
            ctx = self.context(&ctx, s, true, true, 0)?;
        }
        if let Some(c) = obj.get("@context") {
            let urls = match c {
                Value::String(_) => true,
                Value::Array(a) => a.iter().all(Value::is_string),
                _ => false,
            };
            if depth > 0 || !urls {
                return unsupported(
                    "a @context is a list of URLs at the top of the document (inline and nested contexts could relabel the terms a verifier reads)",
                );
            }
            ctx = self.context(&ctx, c, false, true, 0)?;
        }
        let type_ctx = ctx.clone();
        let mut types: Vec<&str> = Vec::new();
        let mut id = None;
        for (k, v) in obj {
            if keyword_of(&type_ctx, k) != keyword_of(&ctx, k) {
                return unsupported(format!(
                    "'{k}' is a keyword in one context of this node and not in another"
                ));
            }
            match keyword_of(&type_ctx, k).as_deref() {
                Some("@type") => match v {
                    Value::String(s) => types.push(s),
                    Value::Array(a) => {
                        for t in a {
                            let Some(s) = t.as_str() else {
                                return unsupported("a type is a string");
                            };
                            types.push(s);
                        }
                    }
                    _ => return unsupported("@type is a string or an array of strings"),
                },
                Some("@id") => match v {
                    Value::String(s) => id = Some(type_ctx.id_iri(s)?),
                    _ => return unsupported("@id is a string"),
                },
                Some("@context") => {}
                Some(k) => return unsupported(format!("the keyword {k} is not supported here")),
                None => {}
            }
        }
        let mut sorted = types.clone();
        sorted.sort_unstable();
        for t in sorted {
            if let Some(c) = type_ctx.terms.get(t).and_then(|d| d.context.clone()) {
                ctx = self.context(&ctx, &c, false, false, 0)?;
            }
        }
        let subject = match id {
            Some(i) => self.subject(&i)?,
            None => blank_node(&self.blank(None))?.into(),
        };
        for t in types {
            if t.contains(':') {
                return unsupported(format!(
                    "the type '{t}' is an IRI: use the term the contexts define"
                ));
            }
            let iri = type_ctx.vocab_iri(t)?;
            if iri.starts_with("_:") {
                return unsupported(format!("the type '{t}' expands to a blank node"));
            }
            self.emit(&subject, RDF_TYPE, named(&iri)?.into(), graph)?;
        }
        for (k, v) in obj {
            if keyword_of(&ctx, k).is_some() || keyword_of(&type_ctx, k).is_some() {
                continue;
            }
            let iri = ctx.vocab_iri(k)?;
            if iri.starts_with("_:") {
                return unsupported(format!("'{k}' expands to a blank node, not a property"));
            }
            let def = ctx.terms.get(k).cloned();
            self.values(&ctx, def.as_ref(), &subject, &iri, v, graph, depth)?;
        }
        Ok(subject)
    }

    #[allow(clippy::too_many_arguments)]
    fn values(
        &mut self,
        ctx: &Ctx,
        def: Option<&TermDef>,
        subject: &Subject,
        property: &str,
        v: &Value,
        graph: &GraphName,
        depth: usize,
    ) -> Result<(), LdError> {
        let kind = def.and_then(|d| d.kind.as_deref());
        match v {
            // Null is no value, except as a JSON literal.
            Value::Null if kind != Some("@json") => Ok(()),
            Value::Array(items) if kind != Some("@json") => {
                for item in items {
                    self.values(ctx, def, subject, property, item, graph, depth + 1)?;
                }
                Ok(())
            }
            Value::Object(o) if kind != Some("@json") && !o.contains_key("@value") => {
                if def.is_some_and(|d| d.graph) {
                    let name = blank_node(&self.blank(None))?;
                    let inner = GraphName::BlankNode(name.clone());
                    let scoped = def.and_then(|d| d.context.as_ref());
                    self.node(ctx, scoped, o, &inner, depth + 1)?;
                    return self.emit(subject, property, name.into(), graph);
                }
                let scoped = def.and_then(|d| d.context.as_ref());
                let s = self.node(ctx, scoped, o, graph, depth + 1)?;
                let o: Term = match s {
                    Subject::NamedNode(n) => n.into(),
                    Subject::BlankNode(b) => b.into(),
                    #[allow(unreachable_patterns)]
                    _ => return unsupported("a node is an IRI or a blank node"),
                };
                self.emit(subject, property, o, graph)
            }
            v => {
                self.count()?;
                // A property-scoped context also governs scalar values
                // (a `@vocab`-typed string is read with it).
                let scoped;
                let ctx = match def.and_then(|d| d.context.as_ref()) {
                    Some(c) => {
                        scoped = self.context(ctx, c, true, true, 0)?;
                        &scoped
                    }
                    None => ctx,
                };
                let o = self.object(ctx, def, v)?;
                self.emit(subject, property, o, graph)
            }
        }
    }

    /// A value that is not a node object: a literal or an IRI.
    fn object(&mut self, ctx: &Ctx, def: Option<&TermDef>, v: &Value) -> Result<Term, LdError> {
        let kind = def.and_then(|d| d.kind.as_deref());
        if kind == Some("@json") {
            let lexical = publica_types::canonical::to_canonical_bytes(v)
                .ok()
                .and_then(|b| String::from_utf8(b).ok());
            let Some(lexical) = lexical else {
                return unsupported("a @json value with a non-integer number");
            };
            return Ok(Literal::new_typed_literal(lexical, named(RDF_JSON)?).into());
        }
        let datatype = |d: Option<&str>, default: &str| named(d.unwrap_or(default));
        let typed = kind.filter(|k| !k.starts_with('@'));
        match v {
            Value::String(s) => match kind {
                Some("@id") => {
                    let iri = ctx.id_iri(s)?;
                    Ok(match iri.strip_prefix("_:") {
                        Some(l) => blank_node(&self.blank(Some(l)))?.into(),
                        None => named(&iri)?.into(),
                    })
                }
                Some("@vocab") => Ok(named(&ctx.vocab_iri(s)?)?.into()),
                _ => Ok(match typed {
                    Some(t) => Literal::new_typed_literal(s.clone(), named(t)?).into(),
                    None => Literal::new_simple_literal(s.clone()).into(),
                }),
            },
            Value::Bool(b) => Ok(Literal::new_typed_literal(
                b.to_string(),
                datatype(typed, &format!("{XSD}boolean"))?,
            )
            .into()),
            Value::Number(_) if typed == Some(XSD_DOUBLE) => unsupported(
                "a number typed xsd:double (its canonical form is not read here: write it as a string)",
            ),
            Value::Number(n) => match n
                .as_i64()
                .map(|i| i.to_string())
                .or_else(|| n.as_u64().map(|u| u.to_string()))
            {
                Some(i) => Ok(Literal::new_typed_literal(
                    i,
                    datatype(typed, &format!("{XSD}integer"))?,
                )
                .into()),
                None => unsupported(format!(
                    "the number {n} is not an integer (write decimals as strings)"
                )),
            },
            Value::Object(o) => self.value_object(ctx, o),
            _ => unsupported("a value is a string, a number, a boolean or an object"),
        }
    }

    /// `{"@value": …, "@type": …}` or `{"@value": …, "@language": …}`.
    fn value_object(&mut self, ctx: &Ctx, o: &Map<String, Value>) -> Result<Term, LdError> {
        let mut ty = None;
        let mut lang = None;
        for (k, v) in o {
            match (k.as_str(), v) {
                ("@value", _) => {}
                ("@type", Value::String(t)) => ty = Some(ctx.vocab_iri(t)?),
                ("@language", Value::String(l)) => lang = Some(l.to_ascii_lowercase()),
                (k, _) => return unsupported(format!("a value object with {k}")),
            }
        }
        let def = TermDef {
            iri: None,
            kind: ty.clone(),
            graph: false,
            context: None,
            protected: false,
        };
        match (&o["@value"], lang) {
            (Value::String(s), Some(l)) if ty.is_none() => {
                Literal::new_language_tagged_literal(s.clone(), l)
                    .map(Term::from)
                    .or_else(|_| unsupported("a value object's @language is not a language tag"))
            }
            (_, Some(_)) => {
                unsupported("a value object with @language holds a string and no @type")
            }
            (Value::Object(_) | Value::Array(_) | Value::Null, None) => {
                unsupported("a value object's @value is a string, a number or a boolean")
            }
            (v, None) if ty.as_deref() == Some(RDF_LANG_STRING) => {
                let _ = v;
                unsupported("rdf:langString needs @language")
            }
            (v, None) => self.object(ctx, Some(&def), v),
        }
    }
}

/// The RDF dataset of a JSON-LD document.
///
/// # Errors
/// [`UNKNOWN_CONTEXT`] for a context `load` does not give; [`UNSUPPORTED`]
/// for what this processor does not read as other processors do.
pub fn to_rdf(document: &Value, load: Loader<'_>) -> Result<Dataset, LdError> {
    let Some(obj) = document.as_object() else {
        return unsupported("a document is a JSON object");
    };
    let mut p = Processor {
        load,
        quads: Vec::new(),
        blank: 0,
        labels: HashMap::new(),
        nodes: 0,
    };
    p.node(&Ctx::default(), None, obj, &GraphName::DefaultGraph, 0)?;
    Ok(p.quads.into_iter().collect())
}

/// The RDFC-1.0 canonical N-Quads of a dataset (SHA-256), by `rdf-canon`.
///
/// # Errors
/// [`UNSUPPORTED`] when the dataset's blank nodes need more work to
/// canonicalise than a credential ever does.
pub fn canonical_nquads(dataset: &Dataset) -> Result<String, LdError> {
    let options = rdf_canon::CanonicalizationOptions {
        hndq_call_limit: Some(NDEGREE_CALLS_MAX),
    };
    rdf_canon::canonicalize_with::<sha2::Sha256>(dataset, &options).or_else(|e| {
        unsupported(format!(
            "the statements cannot be canonicalised (RDFC-1.0): {e}"
        ))
    })
}

/// [`to_rdf`] then [`canonical_nquads`].
///
/// # Errors
/// As those.
pub fn canonicalize(document: &Value, load: Loader<'_>) -> Result<String, LdError> {
    canonical_nquads(&to_rdf(document, load)?)
}
