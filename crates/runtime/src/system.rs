//! The `system` module: accounts register their key, and may keep a short
//! public note. It is deliberately small; it exists so that every stage of
//! the pipeline (admission, authorisation, dispatch, state, proofs) runs for
//! real from the first block.
//!
//! State: `system/account/<hex>` = `{"registered_height": h}`,
//! `system/note/<hex>` = `{"note": "...", "set_height": h}`.

use crate::context::CallContext;
use crate::module::{parse_args, Authority, Module};
use publica_types::{AccountId, TxError};
use serde::Deserialize;
use serde_json::{json, Value};

/// Longest note, in bytes.
pub const NOTE_BYTES_MAX: usize = 280;

/// Error: the account is already registered.
pub const ACCOUNT_EXISTS: &str = "system.account_exists";
/// Error: the note is too long or has control characters.
pub const NOTE_INVALID: &str = "system.note_invalid";
/// Error: there is no note to clear.
pub const NOTE_ABSENT: &str = "system.note_absent";

/// The state key of `account`'s registration.
pub fn account_key(account: &AccountId) -> Vec<u8> {
    format!("system/account/{}", account.to_hex()).into_bytes()
}

/// The state key of `account`'s note.
pub fn note_key(account: &AccountId) -> Vec<u8> {
    format!("system/note/{}", account.to_hex()).into_bytes()
}

/// The `system` module.
#[derive(Debug)]
pub struct System;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NoArgs {}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SetNote {
    note: String,
}

impl Module for System {
    fn name(&self) -> &'static str {
        "system"
    }

    fn authority(&self, method: &str, _args: &Value) -> Result<Authority, TxError> {
        match method {
            "register_account" => Ok(Authority::AnySigner),
            "set_note" | "clear_note" => Ok(Authority::RegisteredAccount),
            _ => Err(crate::module::unknown_method(self.name(), method)),
        }
    }

    fn execute(
        &self,
        ctx: &mut CallContext<'_>,
        method: &str,
        args: &Value,
    ) -> Result<(), TxError> {
        let me = ctx.signer();
        let height = ctx.env().height;
        match method {
            "register_account" => {
                let NoArgs {} = parse_args(args)?;
                let key = account_key(&me);
                if ctx.get(&key).is_some() {
                    return Err(TxError::new(
                        ACCOUNT_EXISTS,
                        "this account is already registered",
                    ));
                }
                ctx.put_json(key, &json!({ "registered_height": height }));
                ctx.emit("account_registered", json!({ "account": me }));
            }
            "set_note" => {
                let SetNote { note } = parse_args(args)?;
                if note.len() > NOTE_BYTES_MAX || note.chars().any(char::is_control) {
                    return Err(TxError::new(
                        NOTE_INVALID,
                        format!(
                            "a note is at most {NOTE_BYTES_MAX} bytes with no control characters"
                        ),
                    ));
                }
                ctx.put_json(
                    note_key(&me),
                    &json!({ "note": note, "set_height": height }),
                );
                ctx.emit("note_set", json!({ "account": me }));
            }
            "clear_note" => {
                let NoArgs {} = parse_args(args)?;
                let key = note_key(&me);
                if ctx.get(&key).is_none() {
                    return Err(TxError::new(NOTE_ABSENT, "there is no note to clear"));
                }
                ctx.delete(key);
                ctx.emit("note_cleared", json!({ "account": me }));
            }
            _ => unreachable!("authority() rejected unknown methods"),
        }
        Ok(())
    }
}
