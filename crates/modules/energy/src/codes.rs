//! Error codes of the energy module (listed in `docs/errors.md`).

publica_runtime::rejections! {
    /// Why `energy` refuses a call or a query, with its HTTP status and
    /// meaning.
    pub enum EnergyRejection {
        InvalidField / INVALID_FIELD = "energy.invalid_field", 400,
            "A field is malformed or out of range (the message names it).";
        NotConfigured / NOT_CONFIGURED = "energy.not_configured", 409,
            "The agency's certificate registry is not configured yet (energy.configure).";
        MeterExists / METER_EXISTS = "energy.meter_exists", 409,
            "The agency has a meter with this id, or a meter with this key, already.";
        UnknownMeter / UNKNOWN_METER = "energy.unknown_meter", 404,
            "The agency has no meter with this id.";
        MeterFaulty / METER_FAULTY = "energy.meter_faulty", 409,
            "The grid operator flagged the meter as faulty: its readings are refused until it is cleared.";
        BadSignature / BAD_SIGNATURE = "energy.bad_signature", 401,
            "The batch of readings is not signed by the meter's key (or the signature is malformed).";
        OutOfOrder / OUT_OF_ORDER = "energy.out_of_order", 409,
            "A reading's interval is not after the meter's last one (a replay, a duplicate or a gap going back).";
        Implausible / IMPLAUSIBLE = "energy.implausible", 422,
            "A reading is over what the meter's rated capacity allows in one interval, misaligned, or for an interval not yet over.";
        UnknownCertificate / UNKNOWN_CERTIFICATE = "energy.unknown_certificate", 404,
            "No certificate lot with this id.";
        InsufficientUnits / INSUFFICIENT_UNITS = "energy.insufficient_units", 409,
            "The signer holds fewer units of this lot than asked.";
        Expired / EXPIRED = "energy.expired", 409,
            "The certificate lot has expired: it can no longer be transferred or cancelled.";
        NotHolder / NOT_HOLDER = "energy.not_holder", 403,
            "Only the meter's holder orders for it.";
        GateClosed / GATE_CLOSED = "energy.gate_closed", 409,
            "Orders for this interval are closed (the market's gate time before it has passed), or the time is no interval's start.";
    }
}
