//! Error codes of the money module (listed in `docs/errors.md`).

/// No such currency.
pub const UNKNOWN_CURRENCY: &str = "money.unknown_currency";
/// The currency code is taken.
pub const CURRENCY_EXISTS: &str = "money.currency_exists";
/// No such account.
pub const UNKNOWN_ACCOUNT: &str = "money.unknown_account";
/// The account id is taken.
pub const ACCOUNT_EXISTS: &str = "money.account_exists";
/// No such appropriation.
pub const UNKNOWN_APPROPRIATION: &str = "money.unknown_appropriation";
/// The appropriation id is taken.
pub const APPROPRIATION_EXISTS: &str = "money.appropriation_exists";
/// The appropriation is not (yet) active.
pub const APPROPRIATION_INACTIVE: &str = "money.appropriation_inactive";
/// Minting would exceed the appropriation's cap or the currency's supply cap.
pub const CAP_EXCEEDED: &str = "money.cap_exceeded";
/// Amount zero.
pub const ZERO_AMOUNT: &str = "money.zero_amount";
/// An amount computation overflowed.
pub const OVERFLOW: &str = "money.overflow";
/// The accounts hold different currencies.
pub const CURRENCY_MISMATCH: &str = "money.currency_mismatch";
/// Not enough balance: no account goes below zero.
pub const OVERDRAFT: &str = "money.overdraft";
/// The account is frozen.
pub const FROZEN: &str = "money.frozen";
/// The account is closed.
pub const CLOSED: &str = "money.closed";
/// The signer may not move money from this account.
pub const NOT_OWNER: &str = "money.not_owner";
/// Earmarked money can only go to merchants of the listed categories.
pub const EARMARK_VIOLATION: &str = "money.earmark_violation";
/// The earmarked money has expired; it can only be swept back.
pub const EXPIRED: &str = "money.expired";
/// The earmark has not expired yet, or the account has no expiring earmark.
pub const NOT_EXPIRED: &str = "money.not_expired";
/// No such pending transfer.
pub const UNKNOWN_PENDING: &str = "money.unknown_pending";
/// The pending transfer was already posted or voided.
pub const PENDING_CLOSED: &str = "money.pending_closed";
/// The pending transfer timed out: it can only be voided.
pub const PENDING_EXPIRED: &str = "money.pending_expired";
/// Posting more than is pending.
pub const POST_EXCEEDS_PENDING: &str = "money.post_exceeds_pending";
/// The pending transfer id is taken.
pub const PENDING_EXISTS: &str = "money.pending_exists";
/// A batch is empty or too long.
pub const INVALID_BATCH: &str = "money.invalid_batch";
/// A field is malformed (ids, codes, decimals, categories).
pub const INVALID_FIELD: &str = "money.invalid_field";
/// The account still holds money.
pub const NOT_EMPTY: &str = "money.not_empty";
/// The approver already approved the appropriation.
pub const ALREADY_APPROVED: &str = "money.already_approved";
/// The merchant is not accredited by the currency's issuer for that
/// category (or its accreditation, or merchant role, was revoked).
pub const NOT_ACCREDITED: &str = "money.not_accredited";
/// A clawback above the currency's single-official limit needs a second
/// treasurer (and an id to approve it by); the proposer cannot approve.
pub const NEEDS_SECOND_OFFICIAL: &str = "money.needs_second_official";
/// No proposed clawback with that id is waiting (never proposed, already
/// carried out, or expired).
pub const UNKNOWN_CLAWBACK: &str = "money.unknown_clawback";
/// The appropriation's approval period ended before its threshold was met.
pub const APPROPRIATION_EXPIRED: &str = "money.appropriation_expired";
