//! Error codes of the medicines module (listed in `docs/errors.md`).

publica_runtime::rejections! {
    /// Why `medicines` refuses a call or a query, with its HTTP status and
    /// meaning.
    pub enum MedicinesRejection {
        InvalidField / INVALID_FIELD = "medicines.invalid_field", 400,
            "A field is malformed or out of range.";
        PartyExists / PARTY_EXISTS = "medicines.party_exists", 409,
            "A party with this id is registered already.";
        UnknownParty / UNKNOWN_PARTY = "medicines.unknown_party", 404,
            "No party with this id is registered.";
        PrefixTaken / PREFIX_TAKEN = "medicines.prefix_taken", 409,
            "Another party holds this GS1 company prefix.";
        GlnTaken / GLN_TAKEN = "medicines.gln_taken", 409,
            "Another party holds this location (GLN).";
        AccountTaken / ACCOUNT_TAKEN = "medicines.account_taken", 409,
            "The account already captures for another party.";
        NotTheRegulator / NOT_THE_REGULATOR = "medicines.not_the_regulator", 403,
            "The party is registered by another regulator agency.";
        LicenceRevoked / LICENCE_REVOKED = "medicines.licence_revoked", 409,
            "A revoked licence is final: register the party anew under another id.";
        UnsupportedIdentifier / UNSUPPORTED_IDENTIFIER = "medicines.unsupported_identifier", 400,
            "Not an EPC URI or GS1 Digital Link of a scheme this ledger tracks (sgtin, lgtin, sscc, sgln), or a malformed one (the message says why).";
    }
}
