//! Error codes of the credentials module (listed in `docs/errors.md`).

publica_runtime::rejections! {
    /// Why `credentials` refuses a call or a credential, with its HTTP
    /// status and meaning.
    pub enum CredentialsRejection {
        InvalidField / INVALID_FIELD = "credentials.invalid_field", 400,
            "A field is malformed or out of range.";
        UnknownInstitution / UNKNOWN_INSTITUTION = "credentials.unknown_institution", 404,
            "The institution is not an agency of this ledger.";
        UnknownAccreditation / UNKNOWN_ACCREDITATION = "credentials.unknown_accreditation", 404,
            "The accreditor never accredited this institution.";
        WrongStanding / WRONG_STANDING = "credentials.wrong_standing", 409,
            "The accreditation does not stand as the change needs (suspend an active one, reinstate a suspended one; a withdrawn one only takes a new grant).";
        NothingPending / NOTHING_PENDING = "credentials.nothing_pending", 404,
            "No change of this accreditation waits for approval.";
        ApprovalMismatch / APPROVAL_MISMATCH = "credentials.approval_mismatch", 409,
            "The approval names another hash than the change waiting (it changed after review).";
        AlreadyApproved / ALREADY_APPROVED = "credentials.already_approved", 409,
            "This administrator approved the change already.";
        ListExists / LIST_EXISTS = "credentials.list_exists", 409,
            "The institution has a status list with this id.";
        UnknownList / UNKNOWN_LIST = "credentials.unknown_list", 404,
            "No such status list.";
        IndexOutOfRange / INDEX_OUT_OF_RANGE = "credentials.index_out_of_range", 400,
            "A status index is not below the list's size.";
        RevocationFinal / REVOCATION_FINAL = "credentials.revocation_final", 409,
            "A revocation cannot be undone (a suspension list can be cleared).";
        RecognitionExists / RECOGNITION_EXISTS = "credentials.recognition_exists", 409,
            "The institution already recorded its recognition of this credential.";
        UnknownRecognition / UNKNOWN_RECOGNITION = "credentials.unknown_recognition", 404,
            "The institution recorded no recognition of this credential.";
        Malformed / MALFORMED = "credentials.malformed", 400,
            "The credential is not a W3C Verifiable Credential this verifier reads (the message says what).";
        WrongCryptosuite / WRONG_CRYPTOSUITE = "credentials.wrong_cryptosuite", 400,
            "The proof is not a DataIntegrityProof with cryptosuite eddsa-jcs-2022 or eddsa-rdfc-2022.";
        DomainTaken / DOMAIN_TAKEN = "credentials.domain_taken", 409,
            "Another institution registered this did:web domain.";
        UnknownDomain / UNKNOWN_DOMAIN = "credentials.unknown_domain", 404,
            "No institution registered this did:web domain.";
        SnapshotInvalid / SNAPSHOT_INVALID = "credentials.snapshot_invalid", 400,
            "An offline snapshot's state note is not signed by the ledger's log key, or one of its proofs does not hold against the signed state root.";
        SnapshotStale / SNAPSHOT_STALE = "credentials.snapshot_stale", 400,
            "An offline snapshot is older than the verifier accepts (or dated in the future): fetch a fresh one.";
        SnapshotIncomplete / SNAPSHOT_INCOMPLETE = "credentials.snapshot_incomplete", 400,
            "An offline snapshot does not prove a ledger value the verification reads (it was made for another credential or accreditor).";
        UnknownContext / UNKNOWN_CONTEXT = "credentials.unknown_context", 400,
            "The credential names a JSON-LD context this verifier does not hold (it never fetches one).";
        UnsupportedJsonld / UNSUPPORTED_JSONLD = "credentials.unsupported_jsonld", 400,
            "For eddsa-rdfc-2022: the credential uses JSON-LD this verifier does not read (a term no context defines, a relative IRI, a list, a non-integer number; the message says which).";
        ContextMismatch / CONTEXT_MISMATCH = "credentials.context_mismatch", 400,
            "The proof's @context does not begin the credential's, or the credential's is not VC 2.0's.";
        UnknownKey / UNKNOWN_KEY = "credentials.unknown_key", 400,
            "The proof's verification method is not an account key of this ledger.";
        BadSignature / BAD_SIGNATURE = "credentials.bad_signature", 400,
            "The signature does not verify: the credential was changed, or another key signed it.";
        SdMalformed / SD_MALFORMED = "credentials.sd_malformed", 400,
            "An SD-JWT is malformed, or a disclosure is not one the issuer signed.";
        KbInvalid / KB_INVALID = "credentials.kb_invalid", 400,
            "The SD-JWT's key binding is missing, not by the holder's key, for another audience or nonce, stale, or not over this presentation.";
        NotAnIssuer / NOT_AN_ISSUER = "credentials.not_an_issuer", 403,
            "The signer is not an issuer of the institution named as issuer.";
        NotAccredited / NOT_ACCREDITED = "credentials.not_accredited", 403,
            "The institution was not accredited for this kind of credential on its validFrom date.";
        NotYetValid / NOT_YET_VALID = "credentials.not_yet_valid", 400,
            "The credential's validFrom is in the future.";
        Expired / EXPIRED = "credentials.expired", 400,
            "The credential's validUntil has passed.";
        Revoked / REVOKED = "credentials.revoked", 400,
            "The issuer revoked the credential (its status list bit is set).";
        Suspended / SUSPENDED = "credentials.suspended", 400,
            "The issuer suspended the credential (its status list bit is set).";
    }
}
