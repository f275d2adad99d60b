//! Error codes of the elections module (listed in `docs/errors.md`).

publica_runtime::rejections! {
    /// Why `elections` refuses a call or a query, with its HTTP status and
    /// meaning.
    pub enum ElectionsRejection {
        InvalidField / INVALID_FIELD = "elections.invalid_field", 400,
            "A field is malformed or out of range (the message names it).";
        ElectionExists / ELECTION_EXISTS = "elections.election_exists", 409,
            "An election with this id exists already.";
        UnknownElection / UNKNOWN_ELECTION = "elections.unknown_election", 404,
            "No election with this id.";
        NotAGuardian / NOT_A_GUARDIAN = "elections.not_a_guardian", 403,
            "The signer is not the guardian with this number in this election.";
        WrongPhase / WRONG_PHASE = "elections.wrong_phase", 409,
            "The election is not in the phase this needs (the message says which it is in).";
        AlreadyCommitted / ALREADY_COMMITTED = "elections.already_committed", 409,
            "This guardian's ceremony message is in already.";
        BadCommitment / BAD_COMMITMENT = "elections.bad_commitment", 422,
            "A guardian's commitments, proofs of knowledge or sealed shares are malformed or do not verify.";
        OutsideWindow / OUTSIDE_WINDOW = "elections.outside_window", 409,
            "Ballots are taken only between the election's opening and closing times (block time).";
        NotInCensus / NOT_IN_CENSUS = "elections.not_in_census", 403,
            "The census proof does not place the signer in this election's census.";
        InvalidBallot / INVALID_BALLOT = "elections.invalid_ballot", 422,
            "The ballot does not match the manifest, does not decode, or a proof fails (the message names the contest and selection).";
        BallotExists / BALLOT_EXISTS = "elections.ballot_exists", 409,
            "This exact ballot (tracking code) is on the board already: encrypt afresh to vote or challenge.";
        BadNonces / BAD_NONCES = "elections.bad_nonces", 422,
            "The nonces given to challenge a ballot do not open its ciphertexts to 0 or 1.";
        AlreadyDecrypted / ALREADY_DECRYPTED = "elections.already_decrypted", 409,
            "This guardian's partial decryption is in already, or the result is published.";
        BadDecryption / BAD_DECRYPTION = "elections.bad_decryption", 422,
            "A partial decryption is malformed or its proof fails against the guardian's key (the message names the guardian and selection).";
        Undecodable / UNDECODABLE = "elections.undecodable", 500,
            "The combined decryption is no count of the ballots: a guardian's share was wrong in a way its proof should have caught.";
        AlreadyApproved / ALREADY_APPROVED = "elections.already_approved", 409,
            "This election officer approved the election already: another must.";
        UnknownBallot / UNKNOWN_BALLOT = "elections.unknown_ballot", 404,
            "No ballot with this tracking code on the board.";
        AlreadyComplained / ALREADY_COMPLAINED = "elections.already_complained", 409,
            "This guardian complained of this dealer already.";
        NoOpenComplaint / NO_OPEN_COMPLAINT = "elections.no_open_complaint", 409,
            "No complaint against this dealer (from this guardian) awaits an answer.";
        AnswerLate / ANSWER_LATE = "elections.answer_late", 409,
            "The complaint's answer time has passed: the dealer can no longer reveal the share, only be disqualified.";
        AnswerPending / ANSWER_PENDING = "elections.answer_pending", 409,
            "The accused dealer may still answer the complaint: disqualify it once its answer time has passed.";
        BadShare / BAD_SHARE = "elections.bad_share", 422,
            "The revealed share fails the dealer's commitments: the complaint stands.";
        ComplaintOpen / COMPLAINT_OPEN = "elections.complaint_open", 409,
            "A complaint of the key ceremony awaits its answer or the dealer's disqualification: no ballot is taken until it closes.";
        CensusMode / CENSUS_MODE = "elections.census_mode", 422,
            "The ballot's eligibility is not the election's kind: an anonymous census takes a membership proof and a nullifier (and registrations), any other census a census proof of the signing account.";
        RegistrationClosed / REGISTRATION_CLOSED = "elections.registration_closed", 409,
            "An anonymous census takes registrations only until the election opens (block time), and none once it failed or was tallied.";
        AlreadyRegistered / ALREADY_REGISTERED = "elections.already_registered", 409,
            "This account, or this commitment, is registered in the election's anonymous census already.";
        StaleBallot / STALE_BALLOT = "elections.stale_ballot", 409,
            "An anonymous ballot names the ballot it replaces, and that is not its nullifier's last: make it afresh (a ballot held back cannot override a later one).";
        BadMembership / BAD_MEMBERSHIP = "elections.bad_membership", 422,
            "The membership proof is malformed, names no bucket of the registrations, or fails: the ballot's secret made none of the bucket's commitments.";
    }
}
