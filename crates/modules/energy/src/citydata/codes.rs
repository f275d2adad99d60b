//! Error codes of the citydata module (listed in `docs/errors.md`).

publica_runtime::rejections! {
    /// Why `citydata` refuses a call, a query or a download, with its HTTP
    /// status and meaning.
    pub enum CityDataRejection {
        InvalidField / INVALID_FIELD = "citydata.invalid_field", 400,
            "A field is malformed or out of range (the message names it).";
        Exists / EXISTS = "citydata.exists", 409,
            "The agency publishes a data set with this id already.";
        UnknownDataset / UNKNOWN_DATASET = "citydata.unknown_dataset", 404,
            "No such data set, or no such batch of it.";
        OutOfOrder / OUT_OF_ORDER = "citydata.out_of_order", 409,
            "A feed's batch must start at or after the end of its last one, and end by the block's time.";
        HashMismatch / HASH_MISMATCH = "citydata.hash_mismatch", 422,
            "The content's SHA-256 or size is not what the ledger (or the publishing transaction) names.";
        NoGrant / NO_GRANT = "citydata.no_grant", 403,
            "The data set is not open and the agency holds no valid grant for it (for this purpose), or the signer is not a member of that agency.";
        NotStored / NOT_STORED = "citydata.not_stored", 404,
            "This node does not hold the batch's content: the publishing agency's node serves it.";
        StoreFull / STORE_FULL = "citydata.store_full", 429,
            "The agency's content waiting for its publications to commit is at the node's quota: wait for them to commit (or expire) and send again.";
        BadAccess / BAD_ACCESS = "citydata.bad_access", 403,
            "The download names no committed access to this batch, the access is older than an hour, or the request is not signed by the key that recorded it within five minutes.";
    }
}
