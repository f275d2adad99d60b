//! Program rules: CEL expressions (crate `cel`) over an enrolee's attested
//! attributes, the program's parameters, published indexes and the payout
//! period. A rule is checked when it is defined — it must parse and
//! type-check against the program's declared attributes — and evaluated
//! deterministically: integers only (no floating point), no clock but the
//! period, no comprehensions (no iteration order to depend on).
//!
//! Types: `attr.<name>` has its declared type (`int`, `bool`, `string`),
//! `has(attr.<name>)` and `has(index.<name>)` (a value in force for the
//! period) are `bool`, `params.<name>` and `index.<name>` are
//! `int`, `period` is a `string` (`YYYY-MM`). Allowed: literals, `&&`
//! `||` `!`, comparisons, `+ - * / %` and unary minus on `int`, `? :`,
//! `x in [..]` over literals, two-argument `min` and `max`, `size` of a string.
//!
//! **Cost.** Every rule has a static cost: one unit per name, literal,
//! operator and list element ([`cost`]); a rule above [`RULE_COST_MAX`] is
//! refused when defined. Without loops, evaluating a rule takes time linear
//! in its cost, so the cost bounds each evaluation, and the ledger's
//! scheduled work per block is metered in these units. Compiled rules are
//! cached by their source ([`compiled`]): a payout run parses each rule once.

use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Longest rule, in bytes.
pub const RULE_BYTES_MAX: usize = 2_000;
/// Most cost units in one rule (see [`cost`]).
pub const RULE_COST_MAX: u32 = 256;
/// Compiled rules kept per thread.
const CACHE_MAX: usize = 512;

/// A rule's value type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Ty {
    /// A signed integer (amounts in minor units, percentages, counts).
    Int,
    /// A boolean.
    Bool,
    /// A short string.
    String,
}

impl std::fmt::Display for Ty {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Ty::Int => "int",
            Ty::Bool => "bool",
            Ty::String => "string",
        })
    }
}

/// An attested value.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(untagged)]
pub enum AttrValue {
    /// An integer within ±2^53.
    Int(i64),
    /// A boolean.
    Bool(bool),
    /// A string of at most 64 bytes.
    String(String),
}

impl AttrValue {
    /// Its type.
    pub fn ty(&self) -> Ty {
        match self {
            AttrValue::Int(_) => Ty::Int,
            AttrValue::Bool(_) => Ty::Bool,
            AttrValue::String(_) => Ty::String,
        }
    }
}

/// What a rule may refer to.
#[derive(Clone, Debug, Default)]
pub struct Schema {
    /// Declared attributes and their types.
    pub attributes: BTreeMap<String, Ty>,
    /// Parameter names (all `int`).
    pub params: BTreeSet<String>,
    /// Index names (all `int`).
    pub indexes: BTreeSet<String>,
}

/// Why a rule was refused, and where (1-based line and column).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RuleError {
    /// Line of the error.
    pub line: u32,
    /// Column of the error.
    pub column: u32,
    /// What is wrong.
    pub message: String,
}

impl std::fmt::Display for RuleError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}: {}", self.line, self.column, self.message)
    }
}

/// Why a checked rule gave no value for one enrolee: a message for that
/// enrolee's record.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum EvalError {
    /// The rule reads an attribute the enrolee has no valid attestation of.
    #[error("no valid attestation of '{attribute}'")]
    NoAttestation {
        /// The attribute.
        attribute: String,
    },
    /// The `cel` interpreter stopped (division by zero, overflow, a value
    /// of the wrong type).
    #[error(transparent)]
    Cel(cel::ExecutionError),
    /// The rule gave a value that is neither an int nor a bool.
    #[error("the rule gave {0:?}")]
    Value(cel::Value),
    /// A boolean rule gave an int.
    #[error("the rule gave an int, not a bool")]
    IntNotBool,
    /// An integer rule gave a bool.
    #[error("the rule gave a bool, not an int")]
    BoolNotInt,
}

/// Parses and type-checks `source`, which must have type `want`.
pub fn check(source: &str, want: Ty, schema: &Schema) -> Result<cel::Program, RuleError> {
    if source.len() > RULE_BYTES_MAX || source.trim().is_empty() {
        return Err(RuleError {
            line: 1,
            column: 1,
            message: format!("a rule is 1..={RULE_BYTES_MAX} bytes"),
        });
    }
    let program = cel::Program::compile(source).map_err(|e| {
        let first = e.errors.first();
        RuleError {
            line: first.map(|e| e.pos.0.max(1) as u32).unwrap_or(1),
            column: first.map(|e| e.pos.1.max(0) as u32 + 1).unwrap_or(1),
            message: first
                .map(|e| e.msg.clone())
                .unwrap_or_else(|| "syntax error".into()),
        }
    })?;
    let checker = Checker {
        schema,
        info: program.source_info(),
    };
    let got = checker.ty(program.expression())?;
    if got != want {
        return Err(checker.at(
            program.expression().id,
            format!("the rule must be {want}, but it is {got}"),
        ));
    }
    let units = cost(program.expression());
    if units > RULE_COST_MAX {
        return Err(RuleError {
            line: 1,
            column: 1,
            message: format!(
                "the rule costs {units} units, at most {RULE_COST_MAX} (one per name, literal, operator and list element)"
            ),
        });
    }
    Ok(program)
}

/// A rule's static cost: one unit per name, literal, operator and list
/// element (saturating).
pub fn cost(e: &cel::IdedExpr) -> u32 {
    use cel::common::ast::Expr;
    let sum = |xs: &[cel::IdedExpr]| xs.iter().fold(0u32, |a, x| a.saturating_add(cost(x)));
    match &e.expr {
        Expr::Call(c) => 1u32
            .saturating_add(c.target.as_deref().map(cost).unwrap_or(0))
            .saturating_add(sum(&c.args)),
        Expr::List(l) => 1u32.saturating_add(sum(&l.elements)),
        Expr::Select(s) => 1u32.saturating_add(cost(&s.operand)),
        _ => 1,
    }
}

/// A compiled rule and its cost.
pub struct Compiled {
    /// The program.
    pub program: cel::Program,
    /// Its [`cost`].
    pub cost: u32,
}

thread_local! {
    static CACHE: std::cell::RefCell<HashMap<String, std::rc::Rc<Compiled>>> =
        std::cell::RefCell::new(HashMap::new());
}

/// The compiled form of a rule (which was checked when defined), from a
/// per-thread cache: compiling is pure, so caching changes no result. An
/// error is `cel`'s own: a stored rule that no longer parses.
pub fn compiled(source: &str) -> Result<std::rc::Rc<Compiled>, cel::ParseErrors> {
    if let Some(c) = CACHE.with(|c| c.borrow().get(source).cloned()) {
        return Ok(c);
    }
    let program = cel::Program::compile(source)?;
    let c = std::rc::Rc::new(Compiled {
        cost: cost(program.expression()),
        program,
    });
    CACHE.with(|cache| {
        let mut cache = cache.borrow_mut();
        if cache.len() >= CACHE_MAX {
            cache.clear();
        }
        cache.insert(source.to_string(), c.clone());
    });
    Ok(c)
}

struct Checker<'a> {
    schema: &'a Schema,
    info: &'a cel::common::ast::SourceInfo,
}

impl Checker<'_> {
    fn at(&self, id: u64, message: String) -> RuleError {
        let (line, column) = match self.info.offset_for(id) {
            Some((start, _)) => {
                let before: String = self.info.source.chars().take(start as usize).collect();
                let line = before.matches('\n').count() as u32 + 1;
                let column = before
                    .rsplit('\n')
                    .next()
                    .map(|l| l.chars().count())
                    .unwrap_or(0);
                (line, column as u32 + 1)
            }
            None => (1, 1),
        };
        RuleError {
            line,
            column,
            message,
        }
    }

    fn ty(&self, e: &cel::IdedExpr) -> Result<Ty, RuleError> {
        use cel::common::ast::Expr;
        match &e.expr {
            Expr::Literal(l) => self.literal_ty(e.id, l),
            Expr::Ident(name) if name == "period" => Ok(Ty::String),
            Expr::Ident(name) if ["attr", "params", "index"].contains(&name.as_str()) => {
                Err(self.at(e.id, format!("select a field of '{name}', e.g. {name}.x")))
            }
            Expr::Ident(name) => Err(self.at(
                e.id,
                format!("unknown name '{name}': rules see attr, params, index and period"),
            )),
            Expr::Select(s) => self.select_ty(e.id, s),
            Expr::Call(c) => self.call_ty(e.id, c),
            Expr::Comprehension(_) => Err(self.at(
                e.id,
                "macros that iterate (all, exists, map, filter) are not allowed in rules".into(),
            )),
            _ => Err(self.at(
                e.id,
                "lists, maps and structs are only allowed after 'in'".into(),
            )),
        }
    }

    /// The type of literal `l` (expression `id`): int, bool and string
    /// only.
    fn literal_ty(&self, id: u64, l: &cel::common::ast::LiteralValue) -> Result<Ty, RuleError> {
        use cel::common::ast::LiteralValue;
        match l {
            LiteralValue::Int(_) => Ok(Ty::Int),
            LiteralValue::Boolean(_) => Ok(Ty::Bool),
            LiteralValue::String(_) => Ok(Ty::String),
            LiteralValue::Double(_) => Err(self.at(
                id,
                "no floating point in rules: use integer units (minor units, percent, basis points)".into(),
            )),
            LiteralValue::UInt(_) => Err(self.at(id, "write integers without the 'u' suffix".into())),
            _ => Err(self.at(id, "only int, bool and string literals are allowed".into())),
        }
    }

    /// The type of `attr.x`, `params.x`, `index.x` or `has(..)` of one of
    /// them (expression `id`), each declared by the program.
    fn select_ty(&self, id: u64, s: &cel::common::ast::SelectExpr) -> Result<Ty, RuleError> {
        use cel::common::ast::Expr;
        let Expr::Ident(base) = &s.operand.expr else {
            return Err(self.at(
                id,
                "only attr.x, params.x and index.x can be selected".into(),
            ));
        };
        let field = &s.field;
        let t = match base.as_str() {
            "attr" => self.schema.attributes.get(field).copied().ok_or_else(|| {
                self.at(
                    id,
                    format!("attribute '{field}' is not declared by the program"),
                )
            })?,
            "params" if !s.test => {
                if !self.schema.params.contains(field) {
                    return Err(self.at(id, format!("no parameter '{field}'")));
                }
                Ty::Int
            }
            "index" => {
                if !self.schema.indexes.contains(field) {
                    return Err(self.at(
                        id,
                        format!("index '{field}' is not declared by the program"),
                    ));
                }
                Ty::Int
            }
            "params" => return Err(self.at(id, "has() applies to attr.x and index.x only".into())),
            _ => return Err(self.at(id, format!("unknown name '{base}'"))),
        };
        Ok(if s.test { Ty::Bool } else { t })
    }

    /// The type of an operator or function call `c` (expression `id`):
    /// only the operators and functions rules allow, on operands of the
    /// types they take.
    fn call_ty(&self, id: u64, c: &cel::common::ast::CallExpr) -> Result<Ty, RuleError> {
        use cel::common::ast::Expr;
        if c.target.is_some() {
            return Err(self.at(
                id,
                format!(
                    "method calls ('.{}()') are not allowed in rules",
                    c.func_name
                ),
            ));
        }
        let f = c.func_name.as_str();
        let want = |args: &[cel::IdedExpr], t: Ty| -> Result<(), RuleError> {
            for a in args {
                let got = self.ty(a)?;
                if got != t {
                    return Err(self.at(
                        a.id,
                        format!("'{}' needs {t} operands, not {got}", op_name(f)),
                    ));
                }
            }
            Ok(())
        };
        match f {
            "_&&_" | "_||_" | "!_" => want(&c.args, Ty::Bool).map(|_| Ty::Bool),
            "_+_" | "_-_" | "_*_" | "_/_" | "_%_" | "-_" => want(&c.args, Ty::Int).map(|_| Ty::Int),
            "min" | "max" if c.args.len() == 2 => want(&c.args, Ty::Int).map(|_| Ty::Int),
            "size" if c.args.len() == 1 => want(&c.args, Ty::String).map(|_| Ty::Int),
            "_==_" | "_!=_" | "_<_" | "_<=_" | "_>_" | "_>=_" if c.args.len() == 2 => {
                let l = self.ty(&c.args[0])?;
                let r = self.ty(&c.args[1])?;
                if l != r {
                    return Err(self.at(id, format!("cannot compare {l} with {r}")));
                }
                if l == Ty::Bool && !matches!(f, "_==_" | "_!=_") {
                    return Err(self.at(id, "booleans are not ordered".into()));
                }
                Ok(Ty::Bool)
            }
            "_?_:_" if c.args.len() == 3 => {
                want(&c.args[..1], Ty::Bool)?;
                let a = self.ty(&c.args[1])?;
                let b = self.ty(&c.args[2])?;
                if a != b {
                    return Err(self.at(id, format!("the branches of '? :' differ: {a} and {b}")));
                }
                Ok(a)
            }
            "@in" if c.args.len() == 2 => {
                let t = self.ty(&c.args[0])?;
                let Expr::List(list) = &c.args[1].expr else {
                    return Err(self.at(c.args[1].id, "'in' needs a list literal".into()));
                };
                want(&list.elements, t)?;
                Ok(Ty::Bool)
            }
            _ => Err(self.at(id, format!("'{}' is not allowed in rules", op_name(f)))),
        }
    }
}

fn op_name(f: &str) -> &str {
    match f {
        "_&&_" => "&&",
        "_||_" => "||",
        "!_" => "!",
        "_+_" => "+",
        "_-_" | "-_" => "-",
        "_*_" => "*",
        "_/_" => "/",
        "_%_" => "%",
        "_==_" => "==",
        "_!=_" => "!=",
        "_<_" => "<",
        "_<=_" => "<=",
        "_>_" => ">",
        "_>=_" => ">=",
        "_?_:_" => "? :",
        "@in" => "in",
        "_[_]" => "[]",
        other => other,
    }
}

/// What a rule is evaluated over.
#[derive(Clone, Debug, Default)]
pub struct Inputs {
    /// The enrolee's valid attested attributes.
    pub attr: BTreeMap<String, AttrValue>,
    /// The program's parameters.
    pub params: BTreeMap<String, i64>,
    /// Index values in force for the period.
    pub index: BTreeMap<String, i64>,
    /// The payout period, `YYYY-MM`.
    pub period: String,
}

fn value_of(v: &AttrValue) -> cel::Value {
    match v {
        AttrValue::Int(i) => cel::Value::Int(*i),
        AttrValue::Bool(b) => cel::Value::Bool(*b),
        AttrValue::String(s) => cel::Value::from(s.as_str()),
    }
}

/// The value a rule computed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// An integer.
    Int(i64),
    /// A boolean.
    Bool(bool),
}

/// Evaluates a checked rule; an error (a missing attribute, division by
/// zero, overflow) is a message for that enrolee's record.
pub fn eval(program: &cel::Program, inputs: &Inputs) -> Result<Outcome, EvalError> {
    let mut ctx = cel::Context::default();
    // Two-argument integer min/max (the standard ones sit behind a feature).
    let _ = ctx.add_function("max", |a: i64, b: i64| a.max(b));
    let _ = ctx.add_function("min", |a: i64, b: i64| a.min(b));
    let attr: HashMap<String, cel::Value> = inputs
        .attr
        .iter()
        .map(|(k, v)| (k.clone(), value_of(v)))
        .collect();
    let params: HashMap<String, cel::Value> = inputs
        .params
        .iter()
        .map(|(k, v)| (k.clone(), cel::Value::Int(*v)))
        .collect();
    let index: HashMap<String, cel::Value> = inputs
        .index
        .iter()
        .map(|(k, v)| (k.clone(), cel::Value::Int(*v)))
        .collect();
    ctx.add_variable_from_value("attr", attr);
    ctx.add_variable_from_value("params", params);
    ctx.add_variable_from_value("index", index);
    ctx.add_variable_from_value("period", inputs.period.as_str());
    match program.execute(&ctx) {
        Ok(cel::Value::Int(i)) => Ok(Outcome::Int(i)),
        Ok(cel::Value::Bool(b)) => Ok(Outcome::Bool(b)),
        Ok(other) => Err(EvalError::Value(other)),
        Err(cel::ExecutionError::NoSuchKey(k)) => Err(EvalError::NoAttestation {
            attribute: k.to_string(),
        }),
        Err(e) => Err(EvalError::Cel(e)),
    }
}

/// Evaluates a boolean rule.
pub fn eval_bool(program: &cel::Program, inputs: &Inputs) -> Result<bool, EvalError> {
    match eval(program, inputs)? {
        Outcome::Bool(b) => Ok(b),
        Outcome::Int(_) => Err(EvalError::IntNotBool),
    }
}

/// Evaluates an integer rule.
pub fn eval_int(program: &cel::Program, inputs: &Inputs) -> Result<i64, EvalError> {
    match eval(program, inputs)? {
        Outcome::Int(i) => Ok(i),
        Outcome::Bool(_) => Err(EvalError::BoolNotInt),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schema() -> Schema {
        Schema {
            attributes: [
                ("age".to_string(), Ty::Int),
                ("attendance_pct".to_string(), Ty::Int),
                ("resident".to_string(), Ty::Bool),
                ("district".to_string(), Ty::String),
            ]
            .into(),
            params: ["base".to_string()].into(),
            indexes: ["cpi".to_string()].into(),
        }
    }

    fn inputs() -> Inputs {
        Inputs {
            attr: [
                ("age".to_string(), AttrValue::Int(70)),
                ("resident".to_string(), AttrValue::Bool(true)),
                ("district".to_string(), AttrValue::String("north".into())),
            ]
            .into(),
            params: [("base".to_string(), 10_000)].into(),
            index: [("cpi".to_string(), 1_050)].into(),
            period: "2027-03".into(),
        }
    }

    #[test]
    fn good_rules_check_and_evaluate() {
        let s = schema();
        let p = check("attr.age >= 65 && attr.resident", Ty::Bool, &s).unwrap();
        assert_eq!(eval_bool(&p, &inputs()), Ok(true));
        let p = check("params.base * index.cpi / 1000", Ty::Int, &s).unwrap();
        assert_eq!(eval_int(&p, &inputs()), Ok(10_500));
        let p = check(
            "has(attr.attendance_pct) ? attr.attendance_pct >= 85 : false",
            Ty::Bool,
            &s,
        )
        .unwrap();
        assert_eq!(eval_bool(&p, &inputs()), Ok(false));
        let p = check(
            "attr.district in ['north', 'east'] && period >= '2027-01'",
            Ty::Bool,
            &s,
        )
        .unwrap();
        assert_eq!(eval_bool(&p, &inputs()), Ok(true));
        let p = check("max(params.base - attr.age * 100, 0)", Ty::Int, &s).unwrap();
        assert_eq!(eval_int(&p, &inputs()), Ok(3_000));
    }

    #[test]
    fn bad_rules_are_refused_with_a_position() {
        let s = schema();
        let e = check("attr.age >= ", Ty::Bool, &s).unwrap_err();
        assert_eq!(e.line, 1, "{e}");
        let e = check("attr.age >= 65.5", Ty::Bool, &s).unwrap_err();
        assert!(e.message.contains("floating point"), "{e}");
        assert_eq!((e.line, e.column), (1, 13), "{e}");
        let e = check("attr.income > 5", Ty::Bool, &s).unwrap_err();
        assert!(e.message.contains("not declared"), "{e}");
        assert_eq!(e.column, 5, "{e}");
        let e = check("attr.age + 1", Ty::Bool, &s).unwrap_err();
        assert!(e.message.contains("must be bool"), "{e}");
        let e = check("attr.resident + 1", Ty::Int, &s).unwrap_err();
        assert!(e.message.contains("int operands"), "{e}");
        let e = check("attr.age == 'x'", Ty::Bool, &s).unwrap_err();
        assert!(e.message.contains("cannot compare"), "{e}");
        let e = check("[1,2].all(x, x > 0)", Ty::Bool, &s).unwrap_err();
        assert!(e.message.contains("iterate"), "{e}");
        let e = check("double(attr.age) > 1", Ty::Bool, &s).unwrap_err();
        assert!(e.message.contains("not allowed"), "{e}");
        let e = check("now > 1", Ty::Bool, &s).unwrap_err();
        assert!(e.message.contains("unknown name"), "{e}");
        let e = check("true &&\n  attr.nope", Ty::Bool, &s).unwrap_err();
        assert_eq!((e.line, e.column), (2, 7), "{e}");
        // Cost: a list of 250 ages fits (254 units); one of 260 does not.
        let list = |n: usize| {
            let items: Vec<String> = (0..n).map(|i| i.to_string()).collect();
            format!("attr.age in [{}]", items.join(","))
        };
        let p = check(&list(250), Ty::Bool, &s).unwrap();
        assert_eq!(cost(p.expression()), 254);
        let e = check(&list(260), Ty::Bool, &s).unwrap_err();
        assert!(e.message.contains("costs 264 units"), "{e}");
        assert_eq!(
            cost(
                check("attr.resident && attr.age >= 18", Ty::Bool, &s)
                    .unwrap()
                    .expression()
            ),
            7
        );
        // The cache gives the same program back.
        let a = compiled("attr.age + 1").unwrap();
        let b = compiled("attr.age + 1").unwrap();
        assert!(std::rc::Rc::ptr_eq(&a, &b));
        assert_eq!(a.cost, 4);
    }

    #[test]
    fn evaluation_errors_are_messages() {
        let s = schema();
        let p = check("attr.attendance_pct >= 85", Ty::Bool, &s).unwrap();
        assert!(eval_bool(&p, &inputs())
            .unwrap_err()
            .to_string()
            .contains("attendance_pct"));
        let p = check("params.base / (attr.age - 70)", Ty::Int, &s).unwrap();
        assert!(eval_int(&p, &inputs()).is_err());
        let p = check("9223372036854775807 + attr.age", Ty::Int, &s).unwrap();
        assert!(eval_int(&p, &inputs()).is_err(), "overflow is an error");
    }
}
