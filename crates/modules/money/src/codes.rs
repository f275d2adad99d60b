//! Error codes of the money module (listed in `docs/errors.md`).

publica_runtime::rejections! {
    /// Why `money` refuses a call, with its HTTP status and meaning.
    pub enum MoneyRejection {
        UnknownCurrency / UNKNOWN_CURRENCY = "money.unknown_currency", 404,
            "No such currency.";
        CurrencyExists / CURRENCY_EXISTS = "money.currency_exists", 409,
            "The currency code is taken.";
        UnknownAccount / UNKNOWN_ACCOUNT = "money.unknown_account", 404,
            "No such account.";
        AccountExists / ACCOUNT_EXISTS = "money.account_exists", 409,
            "The account id is taken.";
        UnknownAppropriation / UNKNOWN_APPROPRIATION = "money.unknown_appropriation", 404,
            "No such appropriation.";
        AppropriationExists / APPROPRIATION_EXISTS = "money.appropriation_exists", 409,
            "The appropriation id is taken.";
        AppropriationInactive / APPROPRIATION_INACTIVE = "money.appropriation_inactive", 409,
            "The appropriation is not (yet) active.";
        CapExceeded / CAP_EXCEEDED = "money.cap_exceeded", 400,
            "Minting would exceed the appropriation's cap or the currency's supply cap.";
        ZeroAmount / ZERO_AMOUNT = "money.zero_amount", 400,
            "Amount zero.";
        Overflow / OVERFLOW = "money.overflow", 400,
            "An amount computation overflowed.";
        CurrencyMismatch / CURRENCY_MISMATCH = "money.currency_mismatch", 409,
            "The accounts hold different currencies.";
        DuplicatePayment / DUPLICATE_PAYMENT = "money.duplicate_payment", 409,
            "The account paid this reference once already, and the transfer was sent once (the message names the earlier transaction).";
        Overdraft / OVERDRAFT = "money.overdraft", 400,
            "Not enough balance: no account goes below zero.";
        Frozen / FROZEN = "money.frozen", 400,
            "The account is frozen.";
        Closed / CLOSED = "money.closed", 409,
            "The account is closed.";
        NotOwner / NOT_OWNER = "money.not_owner", 403,
            "The signer may not move money from this account.";
        EarmarkViolation / EARMARK_VIOLATION = "money.earmark_violation", 400,
            "Earmarked money can only go to merchants of the listed categories.";
        Expired / EXPIRED = "money.expired", 409,
            "The earmarked money has expired; it can only be swept back.";
        NotExpired / NOT_EXPIRED = "money.not_expired", 409,
            "The earmark has not expired yet, or the account has no expiring earmark.";
        UnknownPending / UNKNOWN_PENDING = "money.unknown_pending", 404,
            "No such pending transfer.";
        PendingClosed / PENDING_CLOSED = "money.pending_closed", 409,
            "The pending transfer was already posted or voided.";
        PendingExpired / PENDING_EXPIRED = "money.pending_expired", 409,
            "The pending transfer timed out: it can only be voided.";
        PostExceedsPending / POST_EXCEEDS_PENDING = "money.post_exceeds_pending", 400,
            "Posting more than is pending.";
        PendingExists / PENDING_EXISTS = "money.pending_exists", 409,
            "The pending transfer id is taken.";
        InvalidBatch / INVALID_BATCH = "money.invalid_batch", 400,
            "A batch is empty or too long.";
        InvalidField / INVALID_FIELD = "money.invalid_field", 400,
            "A well-formed value money does not accept: an id or code outside its alphabet or length, `decimals` above 18, a category, a weak key as an account owner, an `overdraft_limit` above zero, an account id beginning `b.` (see \"One rule for arguments\").";
        NotEmpty / NOT_EMPTY = "money.not_empty", 403,
            "The account still holds money.";
        AlreadyApproved / ALREADY_APPROVED = "money.already_approved", 409,
            "The approver already approved the appropriation.";
        NotAccredited / NOT_ACCREDITED = "money.not_accredited", 403,
            "The merchant is not accredited by the currency's issuer for that category (or its accreditation, or merchant role, was revoked).";
        NeedsSecondOfficial / NEEDS_SECOND_OFFICIAL = "money.needs_second_official", 403,
            "A clawback above the currency's single-official limit needs a second treasurer (and an id to approve it by); the proposer cannot approve.";
        UnknownClawback / UNKNOWN_CLAWBACK = "money.unknown_clawback", 404,
            "No proposed clawback with that id is waiting (never proposed, already carried out, or expired).";
        AppropriationExpired / APPROPRIATION_EXPIRED = "money.appropriation_expired", 409,
            "The appropriation's approval period ended before its threshold was met.";
        NotCashOutAccount / NOT_CASH_OUT_ACCOUNT = "money.not_cash_out_account", 400,
            "Money is cashed out only into an account its agency opened for cash-outs with `declare_cash_out_account` (before ledger format 5: any account of an agency).";
        BelowMinimum / BELOW_MINIMUM = "money.below_minimum", 400,
            "The cash-out is below the smallest amount its cash-out account takes.";
        BatchExists / BATCH_EXISTS = "money.batch_exists", 409,
            "The cash-out account already recorded a batch with that id.";
        NotWaiting / NOT_WAITING = "money.not_waiting", 409,
            "The cash-out request is not waiting for a batch (unknown, or carried by an earlier one), or, for a return, is unknown or was returned already.";
    }
}
