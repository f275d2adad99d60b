//! The `system` module: accounts register their key, and may keep a short
//! public note. It is deliberately small; it exists so that every stage of
//! the pipeline (admission, authorisation, dispatch, state, proofs) runs for
//! real from the first block.
//!
//! State: `system/account/<hex>` = `{"registered_height": h}`,
//! `system/note/<hex>` = `{"note": "...", "set_height": h}`.

use crate::context::CallContext;
use crate::kit::{Events, Need, Rejections, TypedModule};
use publica_types::{AccountId, TxError};
use serde::{Deserialize, Serialize};
use serde_json::json;

/// Longest note, in bytes.
pub const NOTE_BYTES_MAX: usize = 280;

crate::rejections! {
    /// Why `system` refuses a call.
    pub enum SystemRejection {
        AccountExists / ACCOUNT_EXISTS = "system.account_exists", 409,
            "The account is already registered.";
        NoteInvalid / NOTE_INVALID = "system.note_invalid", 400,
            "The note is longer than 280 bytes or has control characters.";
        NoteAbsent / NOTE_ABSENT = "system.note_absent", 404,
            "There is no note to clear.";
    }
}

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

/// No arguments (`{}`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoArgs {}

/// Arguments of `set_note`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SetNote {
    /// The note, at most [`NOTE_BYTES_MAX`] bytes.
    pub note: String,
}

crate::calls! {
    /// The calls of `system`.
    #[derive(Debug)]
    pub enum SystemCall {
        /// Register the signer's account (any signer).
        RegisterAccount(NoArgs) = "register_account" => Need::Any,
        /// Set the signer's public note (registered accounts).
        SetNote(SetNote) = "set_note" => Need::Registered,
        /// Clear it.
        ClearNote(NoArgs) = "clear_note" => Need::Registered,
    }
}

/// The events of `system`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "data", rename_all = "snake_case")]
pub enum SystemEvent {
    /// An account registered its key.
    AccountRegistered {
        /// The account.
        account: AccountId,
    },
    /// An account set its note.
    NoteSet {
        /// The account.
        account: AccountId,
    },
    /// An account cleared its note.
    NoteCleared {
        /// The account.
        account: AccountId,
    },
}

impl Events for SystemEvent {}

impl TypedModule for System {
    const NAME: &'static str = "system";
    type Call = SystemCall;
    type Rejection = SystemRejection;
    type Event = SystemEvent;

    fn execute(&self, ctx: &mut CallContext<'_>, call: SystemCall) -> Result<(), TxError> {
        let me = ctx.signer();
        let height = ctx.env().height;
        match call {
            SystemCall::RegisterAccount(NoArgs {}) => {
                let key = account_key(&me);
                if ctx.get(&key).is_some() {
                    return Err(
                        SystemRejection::AccountExists.err("this account is already registered")
                    );
                }
                ctx.put_json(key, &json!({ "registered_height": height }));
                ctx.emit_event(&SystemEvent::AccountRegistered { account: me });
            }
            SystemCall::SetNote(SetNote { note }) => {
                if note.len() > NOTE_BYTES_MAX || note.chars().any(char::is_control) {
                    return Err(SystemRejection::NoteInvalid.err(format!(
                        "a note is at most {NOTE_BYTES_MAX} bytes with no control characters"
                    )));
                }
                ctx.put_json(
                    note_key(&me),
                    &json!({ "note": note, "set_height": height }),
                );
                ctx.emit_event(&SystemEvent::NoteSet { account: me });
            }
            SystemCall::ClearNote(NoArgs {}) => {
                let key = note_key(&me);
                if ctx.get(&key).is_none() {
                    return Err(SystemRejection::NoteAbsent.err("there is no note to clear"));
                }
                ctx.delete(key);
                ctx.emit_event(&SystemEvent::NoteCleared { account: me });
            }
        }
        Ok(())
    }
}
