//! Error codes of the records module (listed in `docs/errors.md`).

publica_runtime::rejections! {
    /// Why `records` refuses a call, a query or a key release, with its
    /// HTTP status and meaning.
    pub enum RecordsRejection {
        InvalidField / INVALID_FIELD = "records.invalid_field", 400,
            "A field is malformed or out of range (the message names it).";
        InvalidResource / INVALID_RESOURCE = "records.invalid_resource", 400,
            "The FHIR R4 resource is not valid (the message names the member), or is of a type this ledger does not keep.";
        RecordExists / RECORD_EXISTS = "records.record_exists", 409,
            "A record with this commitment is registered already.";
        UnknownRecord / UNKNOWN_RECORD = "records.unknown_record", 404,
            "No record with this id (commitment).";
        NotTheSubject / NOT_THE_SUBJECT = "records.not_the_subject", 403,
            "Only the record's subject (the patient) or a guardian appointed for them may do this.";
        NotTheCustodian / NOT_THE_CUSTODIAN = "records.not_the_custodian", 403,
            "The record is held by another agency.";
        ConsentExists / CONSENT_EXISTS = "records.consent_exists", 409,
            "The subject gave a consent with this id already.";
        UnknownConsent / UNKNOWN_CONSENT = "records.unknown_consent", 404,
            "The subject gave no consent with this id.";
        TooManyConsents / TOO_MANY_CONSENTS = "records.too_many_consents", 409,
            "The subject has the most live consents a subject may have: revoke one first.";
        NoConsent / NO_CONSENT = "records.no_consent", 403,
            "No consent of the subject covers this reader, purpose and record type.";
        ConsentRevoked / CONSENT_REVOKED = "records.consent_revoked", 403,
            "The consent that covered this read was revoked.";
        ConsentExpired / CONSENT_EXPIRED = "records.consent_expired", 403,
            "The consent that covered this read has expired.";
        NotAClinician / NOT_A_CLINICIAN = "records.not_a_clinician", 403,
            "Breaking the glass needs the clinician role in the agency the reader acts for.";
        Erased / ERASED = "records.erased", 410,
            "The record was erased at its subject's request: the ledger keeps its commitment and the erasure, the data is gone.";
        LegalHold / LEGAL_HOLD = "records.legal_hold", 409,
            "A legal hold blocks erasure or transfer (the message gives its reason).";
        UnknownAccess / UNKNOWN_ACCESS = "records.unknown_access", 404,
            "No access with this id (the id is the access transaction's).";
        NotReviewable / NOT_REVIEWABLE = "records.not_reviewable", 409,
            "Only an emergency access not yet reviewed is reviewed, by a privacy officer of the clinician's agency other than the clinician.";
        AccessRefused / ACCESS_REFUSED = "records.access_refused", 403,
            "The access was refused when it was logged: no key is released for it.";
        AccessStale / ACCESS_STALE = "records.access_stale", 403,
            "The access is older than the release window: log a new access.";
        NoHandover / NO_HANDOVER = "records.no_handover", 404,
            "The record's last transfer named no store key, or another store's, or was more than a day ago: no data key is handed over for it.";
        NotStored / NOT_STORED = "records.not_stored", 404,
            "This node's record store does not hold the record's ciphertext (it is held by its custodian's node).";
        StoreCorrupt / STORE_CORRUPT = "records.store_corrupt", 500,
            "The stored ciphertext no longer matches its commitment, or its wrapped key does not open: the operator must restore it from backup.";
        Tampered / TAMPERED = "records.tampered", 422,
            "The ciphertext or the wrapped key fails authentication: altered, or not for this key.";
    }
}
