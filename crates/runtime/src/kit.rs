//! The typed module kit. A module declares its calls as one enum
//! ([`calls!`]), with beside each variant the wire method name and what
//! its signer needs ([`Need`]); its rejection codes as one enum
//! ([`rejections!`]), each with its HTTP status and meaning; and implements
//! [`TypedModule`], which executes a typed call. The kit supplies the
//! runtime's [`Module`] for it, keeping the wire format and the order of
//! checks: the authority a method needs is checked before its arguments are
//! parsed, an unknown method is `call.unknown_method`, bad arguments are
//! `call.invalid_args` with serde's message.
//!
//! `docs/modules.md` walks through a module built on it.

use crate::authz::Role;
use crate::context::CallContext;
use crate::index::IndexFiler;
use crate::module::{agency_arg, unknown_method, Authority, Module};
use publica_types::TxError;
use serde_json::Value;

/// What the signer of a call needs, declared beside the call's variant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Need {
    /// Any valid signature.
    Any,
    /// An account registered with `system`.
    Registered,
    /// `role` in the agency the argument `field` names.
    Role(Role, &'static str),
    /// `role` in the agency `field` names when the call names one (a
    /// caseworker acting for someone); otherwise any signer (acting for
    /// oneself).
    RoleIfNamed(Role, &'static str),
}

impl Need {
    /// The authority this need asks of a call with `args`: reads only the
    /// agency field, so it is checked before the arguments are parsed.
    pub fn authority(self, args: &Value) -> Result<Authority, TxError> {
        match self {
            Need::Any => Ok(Authority::AnySigner),
            Need::Registered => Ok(Authority::RegisteredAccount),
            Need::Role(role, field) => Ok(Authority::AgencyRole {
                agency: agency_arg(args, field)?,
                role,
            }),
            Need::RoleIfNamed(role, field) if args.get(field).is_some() => {
                Need::Role(role, field).authority(args)
            }
            Need::RoleIfNamed(..) => Ok(Authority::AnySigner),
        }
    }
}

/// A module's calls: one enum, made by [`calls!`].
pub trait Calls: Sized {
    /// Every method with what its signer needs, in declaration order.
    const METHODS: &'static [(&'static str, Need)];
    /// The typed call for `method` with `args`: `call.invalid_args` when
    /// the arguments do not fit (`method` is one of [`Self::METHODS`]).
    fn parse(method: &str, args: &Value) -> Result<Self, TxError>;
    /// The call's wire method name.
    fn method(&self) -> &'static str;
}

/// A module's rejection codes: one enum, made by [`rejections!`], listed
/// in the order the module checks them.
pub trait Rejections: Copy + 'static {
    /// Every code.
    const ALL: &'static [Self];
    /// The code string (`<module>.<snake_case>`).
    fn code(self) -> &'static str;
    /// The HTTP status a query or admission answers it with.
    fn status(self) -> u16;
    /// One line: what it means.
    fn meaning(self) -> &'static str;
    /// A rejection with this code and `message`.
    fn err(self, message: impl Into<String>) -> TxError {
        TxError::new(self.code(), message)
    }
}

/// A module's events: one enum, serde-tagged as the event JSON blocks
/// carry (`#[serde(tag = "kind", content = "data", rename_all =
/// "snake_case")]`), emitted with [`CallContext::emit_event`] and read back
/// with [`Events::decode`].
pub trait Events: serde::Serialize + serde::de::DeserializeOwned {
    /// The event of `kind` with `data`, if it is one of this enum's.
    fn decode(kind: &str, data: &Value) -> Option<Self> {
        let mut m = serde_json::Map::new();
        m.insert("kind".into(), Value::String(kind.to_string()));
        m.insert("data".into(), data.clone());
        serde_json::from_value(Value::Object(m)).ok()
    }
}

/// Whether `s` is a *reference* a module may write on the ledger in place
/// of free text (a reason, a case number, a reviewer's note): 1..=64 of
/// `[A-Za-z0-9_.:/-]`, so no clinical detail, name or sentence can be
/// put there by mistake.
#[must_use]
pub fn is_reference(s: &str) -> bool {
    (1..=64).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b':' | b'/' | b'-'))
}

/// What a module says when [`is_reference`] refuses `what`.
#[must_use]
pub fn reference_rule(what: &str) -> String {
    format!("{what} is a reference (1..=64 of A-Z a-z 0-9 _ . : / -), never free text")
}

/// The `kind` and `data` of a typed event.
pub fn split_event<E: serde::Serialize>(event: &E) -> (String, Value) {
    match serde_json::to_value(event) {
        Ok(Value::Object(mut m)) => {
            let Some(Value::String(kind)) = m.remove("kind") else {
                panic!("an event enum is tagged with a string `kind`")
            };
            (
                kind,
                m.remove("data")
                    .unwrap_or(Value::Object(Default::default())),
            )
        }
        _ => panic!("an event enum serialises as {{kind, data}}"),
    }
}

/// A module written on the kit. The runtime sees it as a [`Module`].
pub trait TypedModule: Send + Sync + 'static {
    /// The module's name, also its state key prefix.
    const NAME: &'static str;
    /// Its calls.
    type Call: Calls;
    /// Its rejection codes.
    type Rejection: Rejections;
    /// Its events.
    type Event: Events;
    /// Its read API (see [`crate::routes`]).
    const ROUTES: &'static [crate::routes::Route] = &[];
    /// Runs a call. On `Err` every write made through `ctx` is discarded.
    fn execute(&self, ctx: &mut CallContext<'_>, call: Self::Call) -> Result<(), TxError>;
    /// See [`Module::begin_block`].
    fn begin_block(&self, _ctx: &mut CallContext<'_>) {}
    /// See [`Module::upgrade`].
    fn upgrade(&self, _ctx: &mut CallContext<'_>, _format: u32) {}
    /// See [`Module::next_due_ms`].
    fn next_due_ms(&self, _state: &publica_state::StateTree) -> Option<u64> {
        None
    }
    /// Whether [`Self::prepare`] does anything (its calls are parsed for it
    /// on the admission workers only then).
    const PREPARES: bool = false;
    /// See [`Module::prepare`].
    fn prepare(
        &self,
        _state: &dyn crate::StateRead,
        _tx: (&publica_types::Hash32, &publica_types::AccountId),
        _call: &Self::Call,
    ) -> Result<(), TxError> {
        Ok(())
    }
    /// What one of its committed events files in the node's event index
    /// (see [`Module::index_event`]).
    fn index_event(&self, _event: &Self::Event, _filer: &mut IndexFiler<'_>) {}
}

impl<T: TypedModule> Module for T {
    fn name(&self) -> &'static str {
        T::NAME
    }

    fn authority(&self, method: &str, args: &Value) -> Result<Authority, TxError> {
        T::Call::METHODS
            .iter()
            .find(|(m, _)| *m == method)
            .ok_or_else(|| unknown_method(T::NAME, method))?
            .1
            .authority(args)
    }

    fn execute(
        &self,
        ctx: &mut CallContext<'_>,
        method: &str,
        args: &Value,
    ) -> Result<(), TxError> {
        TypedModule::execute(self, ctx, T::Call::parse(method, args)?)
    }

    fn begin_block(&self, ctx: &mut CallContext<'_>) {
        TypedModule::begin_block(self, ctx);
    }

    fn upgrade(&self, ctx: &mut CallContext<'_>, format: u32) {
        TypedModule::upgrade(self, ctx, format);
    }

    fn next_due_ms(&self, state: &publica_state::StateTree) -> Option<u64> {
        TypedModule::next_due_ms(self, state)
    }

    fn prepares(&self) -> bool {
        T::PREPARES
    }

    fn prepare(
        &self,
        state: &dyn crate::StateRead,
        tx: (&publica_types::Hash32, &publica_types::AccountId),
        method: &str,
        args: &Value,
    ) -> Result<(), TxError> {
        if !T::PREPARES {
            return Ok(());
        }
        // Arguments that do not parse are refused in execution alike.
        let call = T::Call::parse(method, args)?;
        TypedModule::prepare(self, state, tx, &call)
    }

    fn index_event(&self, kind: &str, data: &Value, filer: &mut IndexFiler<'_>) {
        if let Some(e) = T::Event::decode(kind, data) {
            TypedModule::index_event(self, &e, filer);
        }
    }

    fn routes(&self) -> &'static [crate::routes::Route] {
        T::ROUTES
    }

    fn rejections(&self) -> Vec<(&'static str, u16, &'static str)> {
        T::Rejection::ALL
            .iter()
            .map(|r| (r.code(), r.status(), r.meaning()))
            .collect()
    }
}

#[doc(hidden)]
pub mod __private {
    pub use publica_types::TxError;
    pub use serde_json::Value;
}

/// Declares a module's calls as one enum: each variant carries its
/// argument struct (serde, unknown fields refused), its wire method name
/// and its [`Need`]:
///
/// ```ignore
/// publica_runtime::calls! {
///     /// The calls of `system`.
///     pub enum SystemCall {
///         /// Register the signer's account.
///         RegisterAccount(NoArgs) = "register_account" => Need::Any,
///         /// Set the signer's note.
///         SetNote(SetNote) = "set_note" => Need::Registered,
///     }
/// }
/// ```
#[macro_export]
macro_rules! calls {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $(
                $(#[$vmeta:meta])*
                $variant:ident($args:ty) = $method:literal => $need:expr
            ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        $vis enum $name {
            $(
                $(#[$vmeta])*
                $variant($args),
            )*
        }

        impl $crate::kit::Calls for $name {
            const METHODS: &'static [(&'static str, $crate::kit::Need)] = &[
                $( ($method, $need), )*
            ];

            fn parse(
                method: &str,
                args: &$crate::kit::__private::Value,
            ) -> ::std::result::Result<Self, $crate::kit::__private::TxError> {
                match method {
                    $( $method => Ok($name::$variant($crate::module::parse_args(args)?)), )*
                    other => Err($crate::module::unknown_method("?", other)),
                }
            }

            fn method(&self) -> &'static str {
                match self {
                    $( $name::$variant(_) => $method, )*
                }
            }
        }
    };
}

/// Declares a module's rejection codes as one enum, in the order the
/// module checks them; each has its code string, HTTP status and a one-line
/// meaning, and a `&str` constant of the code for matching:
///
/// ```ignore
/// publica_runtime::rejections! {
///     /// Why `system` refuses a call.
///     pub enum SystemRejection {
///         AccountExists / ACCOUNT_EXISTS = "system.account_exists", 409,
///             "the account is already registered";
///     }
/// }
/// ```
#[macro_export]
macro_rules! rejections {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $(
                $(#[$vmeta:meta])*
                $variant:ident / $konst:ident = $code:literal, $status:literal, $meaning:literal;
            )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        $vis enum $name {
            $(
                $(#[$vmeta])*
                #[doc = $meaning]
                $variant,
            )*
        }

        $(
            #[doc = $meaning]
            #[doc = concat!(" (`", $code, "`)")]
            $vis const $konst: &str = $code;
        )*

        impl $crate::kit::Rejections for $name {
            const ALL: &'static [Self] = &[ $( $name::$variant, )* ];

            fn code(self) -> &'static str {
                match self {
                    $( $name::$variant => $code, )*
                }
            }

            fn status(self) -> u16 {
                match self {
                    $( $name::$variant => $status, )*
                }
            }

            fn meaning(self) -> &'static str {
                match self {
                    $( $name::$variant => $meaning, )*
                }
            }
        }
    };
}

#[cfg(test)]
mod reference_tests {
    use super::is_reference;

    #[test]
    fn references_are_short_codes_never_sentences() {
        for ok in ["ED-2026-0042", "COURT/2026:118", "a", &"x".repeat(64)] {
            assert!(is_reference(ok), "{ok}");
        }
        for bad in ["", "unconscious patient", "ED\n1", "Zoë", &"x".repeat(65)] {
            assert!(!is_reference(bad), "{bad}");
        }
    }
}
