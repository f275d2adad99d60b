//! Error codes of the recycling module (listed in `docs/errors.md`).

publica_runtime::rejections! {
    /// Why `recycling` refuses a call or a query, with its HTTP status and
    /// meaning.
    pub enum RecyclingRejection {
        InvalidField / INVALID_FIELD = "recycling.invalid_field", 400,
            "A field is malformed or out of range (the message names it).";
        NotConfigured / NOT_CONFIGURED = "recycling.not_configured", 409,
            "The agency runs no recycling and volunteering scheme yet (recycling.configure).";
        Exists / EXISTS = "recycling.exists", 409,
            "A collection point, provider or organisation with this id (or this key) is registered already.";
        Unknown / UNKNOWN = "recycling.unknown", 404,
            "No such collection point, provider, organisation, rate table or pickup request.";
        Unlicensed / UNLICENSED = "recycling.unlicensed", 403,
            "The collection point, provider or organisation is not licensed (or its licence was revoked), or the signer is not its key.";
        NoRates / NO_RATES = "recycling.no_rates", 409,
            "No approved rate table is in force: deposits earn nothing until an administrator approves one.";
        NotApprovable / NOT_APPROVABLE = "recycling.not_approvable", 409,
            "The rate table is approved already, older than the one in force, or its hash is not the one reviewed.";
        BadRule / BAD_RULE = "recycling.bad_rule", 422,
            "The rate rule does not parse or type-check as an int over attr.material, attr.grams and the table's params, or costs too much.";
        RuleError / RULE_ERROR = "recycling.rule_error", 422,
            "The approved rate rule gave no credit for this deposit (a division by zero, an overflow, a negative credit).";
        Material / MATERIAL = "recycling.material", 422,
            "The material is not one the collection point accepts or the rate table prices.";
        Replay / REPLAY = "recycling.replay", 409,
            "This reference was used already by the same point, provider or organisation: the attestation is on the ledger once.";
        NotCitizen / NOT_CITIZEN = "recycling.not_citizen", 422,
            "Credits go to a citizen's own account in the scheme's currency.";
        OverCap / OVER_CAP = "recycling.over_cap", 409,
            "The person has reached this month's cap of volunteer rewards.";
        BudgetExhausted / BUDGET_EXHAUSTED = "recycling.budget_exhausted", 409,
            "The organisation's volunteer budget is spent.";
        Unbalanced / UNBALANCED = "recycling.unbalanced", 409,
            "The provider's figures still do not add up (collected < processed + stock): the flag stays.";
        TooManyOpen / TOO_MANY_OPEN = "recycling.too_many_open", 409,
            "The agency has 256 pickup requests open already.";
        WrongKind / WRONG_KIND = "recycling.wrong_kind", 422,
            "The report does not fit the provider: haulers pick up and deliver, recyclers process; a delivery goes to a recycler; a request is for its point and material and still open.";
    }
}
