//! G2P Connect's disbursement API v1.0.0 as Publica speaks it: amounts as
//! the standard writes them, and the standard's reason codes for what the
//! ledger refuses (the ledger's own code goes in the message).
//!
//! The standard writes an amount as a decimal string with one or two
//! places (`^\d{1,13}\.\d{1,2}$`); the ledger counts minor units of a
//! currency with 0 to 18 decimals. An amount converts exactly or not at
//! all: a figure finer than a hundredth, or of more than 13 integer
//! digits, has no G2P form and is refused (in a request) or left out (in
//! an answer, where `amount` is optional), never rounded.

/// The reason codes the standard allows in `status_reason_code`.
pub const REASON_CODES: &[&str] = &[
    "rjct.reference_id.invalid",
    "rjct.reference_id.duplicate",
    "rjct.timestamp.invalid",
    "rjct.payer_fa.invalid",
    "rjct.payee_fa.invalid",
    "rjct.amount.invalid",
    "rjct.schedule_ts.invalid",
    "rjct.currency_code.invalid",
];

/// Integer digits an amount may have.
const INTEGER_DIGITS_MAX: usize = 13;

/// `minor` units of a currency with `decimals` places, as G2P writes an
/// amount (`"25.00"`), or `None` when it has no exact G2P form.
pub fn amount_text(minor: u128, decimals: u8) -> Option<String> {
    let (units, cents) = if decimals <= 2 {
        let scale = 10u128.pow(u32::from(decimals));
        (
            minor / scale,
            (minor % scale) * 10u128.pow(u32::from(2 - decimals)),
        )
    } else {
        let finer = 10u128.checked_pow(u32::from(decimals - 2))?;
        if !minor.is_multiple_of(finer) {
            return None;
        }
        let hundredths = minor / finer;
        (hundredths / 100, hundredths % 100)
    };
    let whole = units.to_string();
    (whole.len() <= INTEGER_DIGITS_MAX).then(|| format!("{whole}.{cents:02}"))
}

/// A G2P amount (`"25.00"`, `"25.5"`) in minor units of a currency with
/// `decimals` places; `None` when it is not of the standard's form, is
/// zero, or is finer than the currency's minor unit.
pub fn amount_minor(text: &str, decimals: u8) -> Option<u128> {
    let (whole, frac) = text.split_once('.')?;
    let digits = |s: &str, n: std::ops::RangeInclusive<usize>| {
        n.contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())
    };
    if !digits(whole, 1..=INTEGER_DIGITS_MAX) || !digits(frac, 1..=2) {
        return None;
    }
    let units: u128 = whole.parse().ok()?;
    let mut hundredths: u128 = frac.parse().ok()?;
    if frac.len() == 1 {
        hundredths *= 10;
    }
    let minor = if decimals >= 2 {
        let scale = 10u128.checked_pow(u32::from(decimals))?;
        units
            .checked_mul(scale)?
            .checked_add(hundredths.checked_mul(scale / 100)?)?
    } else {
        let drop = 10u128.pow(u32::from(2 - decimals));
        if !hundredths.is_multiple_of(drop) {
            return None;
        }
        units
            .checked_mul(10u128.pow(u32::from(decimals)))?
            .checked_add(hundredths / drop)?
    };
    (minor > 0).then_some(minor)
}

/// The standard's reason code for a code the ledger gave, where one fits;
/// otherwise the answer leaves `status_reason_code` out and names the
/// ledger's code in `status_reason_message`.
pub fn reason_code(ledger_code: &str) -> Option<&'static str> {
    use crate::codes;
    if let Some(own) = REASON_CODES.iter().copied().find(|r| *r == ledger_code) {
        return Some(own);
    }
    Some(match ledger_code {
        codes::UNKNOWN_PROGRAM | codes::INACTIVE | codes::PROGRAM_ENDED => "rjct.payer_fa.invalid",
        codes::NOT_ENROLLED => "rjct.payee_fa.invalid",
        codes::AMOUNT_MISMATCH | codes::ZERO_BENEFIT => "rjct.amount.invalid",
        codes::INVALID_PERIOD | codes::PERIOD_NOT_PAYABLE => "rjct.schedule_ts.invalid",
        _ => return None,
    })
}

/// Longest `status_reason_message` the standard allows.
const REASON_MESSAGE_CHARS_MAX: usize = 999;

/// The `status_reason_message` for a ledger code and its message:
/// `"<code>: <message>"`, cut to the standard's 999 characters.
pub fn reason_message(code: &str, message: &str) -> String {
    format!("{code}: {message}")
        .chars()
        .take(REASON_MESSAGE_CHARS_MAX)
        .collect()
}

/// True for a currency code of the standard's form (ISO 4217: three
/// capital letters); the ledger allows longer ones, which G2P answers
/// leave out.
pub fn iso_currency(code: &str) -> bool {
    code.len() == 3 && code.bytes().all(|b| b.is_ascii_uppercase())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn amounts_convert_exactly_or_not_at_all() {
        assert_eq!(amount_text(2500, 2).as_deref(), Some("25.00"));
        assert_eq!(amount_text(5, 2).as_deref(), Some("0.05"));
        assert_eq!(amount_text(500, 0).as_deref(), Some("500.00"));
        assert_eq!(amount_text(505, 1).as_deref(), Some("50.50"));
        assert_eq!(amount_text(1_250_000, 4).as_deref(), Some("125.00"));
        assert_eq!(amount_text(1_250_001, 4), None, "finer than a hundredth");
        assert_eq!(amount_text(10u128.pow(15), 2), None, "14 integer digits");
        assert_eq!(amount_minor("25.00", 2), Some(2500));
        assert_eq!(amount_minor("25.5", 2), Some(2550));
        assert_eq!(amount_minor("500.00", 0), Some(500));
        assert_eq!(amount_minor("500.50", 0), None, "no cents in this currency");
        assert_eq!(amount_minor("1.25", 6), Some(1_250_000));
        for bad in [
            "25",
            "25.",
            ".5",
            "+25.00",
            "-1.00",
            "25.000",
            "2 5.00",
            "0.00",
            "1e3.00",
            "12345678901234.00",
            "",
        ] {
            assert_eq!(amount_minor(bad, 2), None, "{bad:?}");
        }
    }

    #[test]
    fn ledger_codes_map_to_the_standards_codes_or_to_none() {
        assert_eq!(
            reason_code("programs.not_enrolled"),
            Some("rjct.payee_fa.invalid")
        );
        assert_eq!(
            reason_code("programs.amount_mismatch"),
            Some("rjct.amount.invalid")
        );
        assert_eq!(
            reason_code("rjct.reference_id.duplicate"),
            Some("rjct.reference_id.duplicate")
        );
        assert_eq!(reason_code("programs.already_paid"), None);
        assert_eq!(reason_code("tx.nonce_gap"), None);
        for c in ["programs.unknown_program", "programs.period_not_payable"] {
            assert!(REASON_CODES.contains(&reason_code(c).unwrap()));
        }
    }

    proptest! {
        #[test]
        fn an_amount_written_reads_back_the_same(minor in 1u128..10u128.pow(17), decimals in 0u8..=18) {
            if let Some(text) = amount_text(minor, decimals) {
                prop_assert_eq!(amount_minor(&text, decimals), Some(minor));
            } else {
                // Only what is finer than a hundredth or too large has no form.
                let fine = decimals > 2 && !minor.is_multiple_of(10u128.pow(u32::from(decimals - 2)));
                let whole = minor / 10u128.pow(u32::from(decimals));
                prop_assert!(fine || whole >= 10u128.pow(13));
            }
        }
    }
}
