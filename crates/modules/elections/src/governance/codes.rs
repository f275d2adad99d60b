//! Error codes of the governance module (listed in `docs/errors.md`).

publica_runtime::rejections! {
    /// Why `governance` refuses a call or a query, with its HTTP status
    /// and meaning.
    pub enum GovernanceRejection {
        InvalidField / INVALID_FIELD = "governance.invalid_field", 400,
            "A field is malformed or out of range (the message names it).";
        CommunityExists / COMMUNITY_EXISTS = "governance.community_exists", 409,
            "The agency has a community with this id already.";
        UnknownCommunity / UNKNOWN_COMMUNITY = "governance.unknown_community", 404,
            "The agency has no community with this id.";
        NotAMember / NOT_A_MEMBER = "governance.not_a_member", 403,
            "The signer (or the account named) is not a member of the community.";
        AlreadyMember / ALREADY_MEMBER = "governance.already_member", 409,
            "The account is a member of the community already.";
        UnknownTopic / UNKNOWN_TOPIC = "governance.unknown_topic", 404,
            "The community has no such topic.";
        SelfDelegation / SELF_DELEGATION = "governance.self_delegation", 422,
            "A member cannot delegate to themselves.";
        DelegationCycle / DELEGATION_CYCLE = "governance.delegation_cycle", 422,
            "The delegation would close a cycle: the delegate's chain leads back to the signer (the message names the chain).";
        NoDelegation / NO_DELEGATION = "governance.no_delegation", 404,
            "The signer has no delegation on this topic.";
        ProposalExists / PROPOSAL_EXISTS = "governance.proposal_exists", 409,
            "The community has a proposal or a budgeting round with this id already.";
        UnknownProposal / UNKNOWN_PROPOSAL = "governance.unknown_proposal", 404,
            "The community has no proposal or budgeting round with this id.";
        WrongStatus / WRONG_STATUS = "governance.wrong_status", 409,
            "The proposal or round is not in the status this needs (the message says which it is in).";
        OverBudget / OVER_BUDGET = "governance.over_budget", 422,
            "The projects approved cost more than the round's budget, or the treasury holds less than the budget.";
        UnknownProject / UNKNOWN_PROJECT = "governance.unknown_project", 404,
            "The round has no project with this id.";
        TooManyOpen / TOO_MANY_OPEN = "governance.too_many_open", 409,
            "The community has as many proposals and rounds under way as it may (64): wait until some close.";
    }
}
