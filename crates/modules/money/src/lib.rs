//! The `money` module: public money with double-entry bookkeeping in the
//! TigerBeetle tradition, and what public money needs beyond it.
//!
//! - **Currencies** are created by an agency's treasurer, with a supply cap.
//! - **Appropriations** are named budget lines with a cap, proposed by a
//!   treasurer and activated by the agency's administrators up to its policy
//!   threshold (M-of-N). Minting draws on an active appropriation.
//! - **Accounts** belong to a citizen, an agency, a program or a merchant,
//!   hold one currency, never go below zero, and may be frozen, closed, or
//!   **earmarked** (spendable only at merchants of listed categories, and
//!   optionally expiring back to the account that funded them).
//! - **Transfers**: single, linked batches (all or none), two-phase (pending,
//!   then post — possibly partially — or void, with a timeout), clawback with
//!   a reason code, freeze/unfreeze.
//! - **Provenance**: every account's balance is broken down by the
//!   appropriation it came from; a transfer moves provenance with the money,
//!   drawing on appropriations in id order.
//!
//! Conservation: for every currency, the sum of balances plus pending
//! amounts equals minted minus burned, after every transaction. No account
//! has an overdraft, so no unit exists that was not minted under an active
//! appropriation within the supply cap. Only the issuing agency's
//! treasurers open accounts in its currency for others (agency, program,
//! merchant and earmarked accounts); a citizen opens a plain one of their
//! own.

pub mod bulk;
pub mod cashout;
pub mod clawback;
pub mod codes;
pub mod events;
pub mod history;
pub mod interface;
pub mod ledger;
pub mod model;
pub mod module;
pub mod queries;
pub mod routes;

pub use events::MoneyEvent;
pub use module::Money;
