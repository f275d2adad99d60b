//! Error codes of the crossborder module (listed in `docs/errors.md`).

publica_runtime::rejections! {
    /// Why `crossborder` refuses a call or a query, with its HTTP status
    /// and meaning.
    pub enum CrossborderRejection {
        InvalidField / INVALID_FIELD = "crossborder.invalid_field", 400,
            "A field is malformed or out of range (the message names it).";
        CorridorExists / CORRIDOR_EXISTS = "crossborder.corridor_exists", 409,
            "A corridor with this id exists already.";
        UnknownCorridor / UNKNOWN_CORRIDOR = "crossborder.unknown_corridor", 404,
            "No corridor with this id.";
        NotOpen / NOT_OPEN = "crossborder.not_open", 409,
            "The corridor waits for its approvals: nothing moves through it yet.";
        NotPaired / NOT_PAIRED = "crossborder.not_paired", 409,
            "The other network has not been proven to hold the paired corridor, open and pointing back at this one (crossborder.pair): no money is sent until it is.";
        AlreadyPaired / ALREADY_PAIRED = "crossborder.already_paired", 409,
            "The corridor is paired already.";
        AlreadyApproved / ALREADY_APPROVED = "crossborder.already_approved", 409,
            "The signer approved this corridor already, or it is open.";
        OverLimit / OVER_LIMIT = "crossborder.over_limit", 422,
            "The amount is over the corridor's limit for one transfer.";
        TooSmall / TOO_SMALL = "crossborder.too_small", 422,
            "The amount is zero, or nothing once converted at the corridor's rate.";
        Untrusted / UNTRUSTED = "crossborder.untrusted", 422,
            "The proof's checkpoint is not cosigned by a quorum of the other network's validator set this corridor follows (an unknown set: relay its set changes first), or is of another log.";
        BadProof / BAD_PROOF = "crossborder.bad_proof", 422,
            "The state proof is malformed or does not show the value under the checkpoint's state root.";
        WrongRecord / WRONG_RECORD = "crossborder.wrong_record", 422,
            "The proven record is not what the call needs: not a transfer out of the paired corridor to this network, not a pending one, or not the other side's mark of this transfer.";
        NoLiquidity / NO_LIQUIDITY = "crossborder.no_liquidity", 409,
            "The corridor's account cannot pay this transfer in without touching money locked by transfers out that are not settled: its agency funds it, then the transfer is relayed again (or expires).";
        Replayed / REPLAYED = "crossborder.replayed", 409,
            "This transfer out was credited or marked expired here already: a transfer is consumed at most once.";
        Expired / EXPIRED = "crossborder.expired", 409,
            "The transfer's deadline has passed: it can no longer be credited, only marked expired and refunded.";
        NotExpired / NOT_EXPIRED = "crossborder.not_expired", 409,
            "The transfer's deadline has not passed: it cannot be marked expired yet.";
        UnknownTransfer / UNKNOWN_TRANSFER = "crossborder.unknown_transfer", 404,
            "No transfer out with this id.";
        Settled / SETTLED = "crossborder.settled", 409,
            "The transfer out is settled already (delivered or refunded).";
        BadChange / BAD_CHANGE = "crossborder.bad_change", 422,
            "The validator-set change does not verify against the sets the corridor follows (not cosigned by a quorum of the set before it, or rewriting the past).";
        KnownChange / KNOWN_CHANGE = "crossborder.known_change", 409,
            "The corridor followed this validator-set change already.";
    }
}
