//! Error codes of the claims module (listed in `docs/errors.md`).

publica_runtime::rejections! {
    /// Why `claims` refuses a call or a query, or denies a claim, with its
    /// HTTP status and meaning.
    pub enum ClaimsRejection {
        InvalidField / INVALID_FIELD = "claims.invalid_field", 400,
            "A field is malformed or out of range (the message names it).";
        RuleInvalid / RULE_INVALID = "claims.rule_invalid", 400,
            "A plan's rule does not parse, type-check or fit its cost (the message gives line and column).";
        PlanExists / PLAN_EXISTS = "claims.plan_exists", 409,
            "The insurer has a plan with this id already.";
        UnknownPlan / UNKNOWN_PLAN = "claims.unknown_plan", 404,
            "The insurer has no plan with this id.";
        NoPolicy / NO_POLICY = "claims.no_policy", 403,
            "The member holds no policy of the plan in force on the service date.";
        UnknownCode / UNKNOWN_CODE = "claims.unknown_code", 400,
            "A procedure code is not in the plan's tariff.";
        Duplicate / DUPLICATE = "claims.duplicate", 409,
            "The provider claimed this service for this member on this date already (or used this claim id).";
        UnknownClaim / UNKNOWN_CLAIM = "claims.unknown_claim", 404,
            "The provider has no claim with this id.";
        WrongState / WRONG_STATE = "claims.wrong_state", 409,
            "The claim is not in a state this call applies to (decide: referred; appeal: denied, once; decide an appeal: appealed).";
        SameReviewer / SAME_REVIEWER = "claims.same_reviewer", 403,
            "An appeal is decided by an adjudicator other than the one who decided the claim.";
        NotCovered / NOT_COVERED = "claims.not_covered", 422,
            "Denied: the plan's cover rule covers none of the claim's items.";
        OverLimit / OVER_LIMIT = "claims.over_limit", 422,
            "Denied: the member's yearly limit under the plan is spent.";
        Denied / DENIED = "claims.denied", 422,
            "Denied by an adjudicator (the claim names the reason's reference).";
        BadPayee / BAD_PAYEE = "claims.bad_payee", 400,
            "The payee is not an account of the provider (its own, or a merchant account of one of its treasurers) in the plan's currency.";
    }
}
