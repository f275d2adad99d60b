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
        InvalidEvent / INVALID_EVENT = "medicines.invalid_event", 400,
            "The EPCIS event is not valid against the EPCIS 2.0 JSON schema as this ledger reads it (the message names the member).";
        UnsupportedEvent / UNSUPPORTED_EVENT = "medicines.unsupported_event", 400,
            "The event uses an EPC scheme or a feature this ledger does not take (error declarations, classes other than lots, schemes other than sgtin, sscc, lgtin, sgln).";
        NotAParty / NOT_A_PARTY = "medicines.not_a_party", 403,
            "The signing account captures for no registered party.";
        NotLicensed / NOT_LICENSED = "medicines.not_licensed", 403,
            "The capturing party is not licensed now, or was not at the event's time.";
        NotYourLocation / NOT_YOUR_LOCATION = "medicines.not_your_location", 403,
            "The event names a location (GLN) that is not one of the capturing party's.";
        NotYourPrefix / NOT_YOUR_PREFIX = "medicines.not_your_prefix", 403,
            "The number does not begin with a company prefix of the party (to commission it, or to recall it as its manufacturer).";
        DuplicateEvent / DUPLICATE_EVENT = "medicines.duplicate_event", 409,
            "The capturing party captured an event with this event hash or this eventID already.";
        AlreadyCommissioned / ALREADY_COMMISSIONED = "medicines.already_commissioned", 409,
            "The object is commissioned already: a number is commissioned once.";
        NotCommissioned / NOT_COMMISSIONED = "medicines.not_commissioned", 409,
            "The event names an object that was never commissioned.";
        NotCustodian / NOT_CUSTODIAN = "medicines.not_custodian", 409,
            "The event contradicts custody: the party does not hold the object, or it is in transit, or it was not shipped.";
        NotDestination / NOT_DESTINATION = "medicines.not_destination", 409,
            "The object was shipped to another party.";
        InContainer / IN_CONTAINER = "medicines.in_container", 409,
            "The object is packed in a container: capture the event on the container, or unpack it first.";
        ObjectRetired / OBJECT_RETIRED = "medicines.object_retired", 409,
            "The object was dispensed, decommissioned, destroyed or transformed: no event touches it again.";
        OutOfOrder / OUT_OF_ORDER = "medicines.out_of_order", 409,
            "The event is older than the latest event on an object it names.";
        RecallExists / RECALL_EXISTS = "medicines.recall_exists", 409,
            "A recall with this id, or of this product or lot, exists already.";
        UnknownRecall / UNKNOWN_RECALL = "medicines.unknown_recall", 404,
            "No recall with this id.";
    }
}
