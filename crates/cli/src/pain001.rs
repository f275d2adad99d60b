//! ISO 20022 `pain.001.001.09` customer credit-transfer initiation files,
//! as an agency's bank takes them: one group header, one payment
//! information block (the agency's account is debited), one credit
//! transfer per cash-out request (docs/money.md, "Cash-out through the
//! agency's bank"). `tests/python/test_cash_out.py` validates the files
//! against the official XSD.
//!
//! Only what the schema and the SEPA rulebook ask is written; every text
//! is checked (lengths, IBAN check digits, BIC form) before anything is.

use anyhow::{bail, Result};
use std::fmt::Write as _;

/// The schema's namespace.
pub const NAMESPACE: &str = "urn:iso:std:iso:20022:tech:xsd:pain.001.001.09";

/// Most characters in a party's name (SEPA's limit; the schema allows 140).
const NAME_CHARS_MAX: usize = 70;
/// Most characters in unstructured remittance information.
const REMITTANCE_CHARS_MAX: usize = 140;

/// A bank account holder: a name, an IBAN and, where the bank needs one, a
/// BIC.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Party {
    /// The holder's name.
    pub name: String,
    /// The IBAN, without spaces, upper case.
    pub iban: String,
    /// The BIC, if given.
    pub bic: Option<String>,
}

impl Party {
    /// A party from what a person typed: spaces in the IBAN are dropped
    /// and letters upper-cased; the name, IBAN and BIC are checked.
    ///
    /// # Errors
    /// What is wrong, in a sentence.
    pub fn new(name: &str, iban: &str, bic: &str) -> Result<Party> {
        let name = name.trim();
        if name.is_empty()
            || name.chars().count() > NAME_CHARS_MAX
            || name.chars().any(char::is_control)
        {
            bail!("a name is 1..={NAME_CHARS_MAX} characters without control characters");
        }
        let iban: String = iban
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_ascii_uppercase();
        check_iban(&iban)?;
        let bic = bic.trim().to_ascii_uppercase();
        let bic = if bic.is_empty() {
            None
        } else {
            check_bic(&bic)?;
            Some(bic)
        };
        Ok(Party {
            name: name.to_string(),
            iban,
            bic,
        })
    }
}

/// Checks an IBAN's form (country, two check digits, 1..=30 letters and
/// digits) and its ISO 7064 mod-97 check digits.
///
/// # Errors
/// Why the IBAN is refused.
pub fn check_iban(iban: &str) -> Result<()> {
    let b = iban.as_bytes();
    let form = (5..=34).contains(&b.len())
        && b[..2].iter().all(u8::is_ascii_uppercase)
        && b[2..4].iter().all(u8::is_ascii_digit)
        && b[4..]
            .iter()
            .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase());
    if !form {
        bail!("'{iban}' is not an IBAN (two letters, two check digits, then up to 30 letters and digits)");
    }
    let mut rem: u32 = 0;
    for &c in b[4..].iter().chain(&b[..4]) {
        let v = if c.is_ascii_digit() {
            u32::from(c - b'0')
        } else {
            u32::from(c - b'A') + 10
        };
        rem = if v >= 10 {
            (rem * 100 + v) % 97
        } else {
            (rem * 10 + v) % 97
        };
    }
    if rem != 1 {
        bail!("'{iban}' fails its check digits: mistyped?");
    }
    Ok(())
}

/// Checks a BIC's form (ISO 9362: 8 or 11 characters).
///
/// # Errors
/// Why the BIC is refused.
pub fn check_bic(bic: &str) -> Result<()> {
    let b = bic.as_bytes();
    let ok = (b.len() == 8 || b.len() == 11)
        && b[..4]
            .iter()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        && b[4..6].iter().all(u8::is_ascii_uppercase)
        && b[6..]
            .iter()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
    if !ok {
        bail!("'{bic}' is not a BIC (8 or 11 letters and digits, the 5th and 6th a country)");
    }
    Ok(())
}

/// One credit transfer of the file.
#[derive(Clone, Debug)]
pub struct Credit {
    /// End-to-end id, 1..=35 characters, unique in the file.
    pub end_to_end: String,
    /// The amount, in the bank currency's minor units (cents).
    pub cents: u128,
    /// Who is paid.
    pub creditor: Party,
    /// Unstructured remittance information (cut at 140 characters).
    pub remittance: String,
}

/// A whole file.
#[derive(Clone, Debug)]
pub struct Batch {
    /// The message id and payment information id, 1..=35 characters.
    pub id: String,
    /// Creation time, `YYYY-MM-DDThh:mm:ss` (UTC).
    pub created: String,
    /// Requested execution date, `YYYY-MM-DD`.
    pub execution_date: String,
    /// The bank currency (ISO 4217, e.g. EUR); amounts have two decimals.
    pub currency: String,
    /// The agency, whose account is debited.
    pub debtor: Party,
    /// The transfers, at least one.
    pub credits: Vec<Credit>,
}

/// `text` with `&`, `<`, `>`, `"` and `'` escaped for XML.
fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Cents as a decimal with two places.
pub fn decimal(cents: u128) -> String {
    format!("{}.{:02}", cents / 100, cents % 100)
}

fn agent(out: &mut String, tag: &str, bic: Option<&str>) {
    // A bank without a BIC is named NOTPROVIDED, as SEPA files do.
    let id = match bic {
        Some(b) => format!("<BICFI>{b}</BICFI>"),
        None => "<Othr><Id>NOTPROVIDED</Id></Othr>".to_string(),
    };
    let _ = write!(out, "<{tag}><FinInstnId>{id}</FinInstnId></{tag}>");
}

impl Batch {
    /// The file's XML (UTF-8).
    ///
    /// # Errors
    /// An id out of range, no credits, or a currency that is not three
    /// letters.
    pub fn to_xml(&self) -> Result<String> {
        let id_ok = |s: &str| (1..=35).contains(&s.chars().count());
        if !id_ok(&self.id) || self.credits.iter().any(|c| !id_ok(&c.end_to_end)) {
            bail!("message and end-to-end ids are 1..=35 characters");
        }
        if self.credits.is_empty() {
            bail!("a batch carries at least one credit transfer");
        }
        if self.currency.len() != 3 || !self.currency.bytes().all(|b| b.is_ascii_uppercase()) {
            bail!(
                "'{}' is not an ISO 4217 currency code like EUR",
                self.currency
            );
        }
        let total: u128 = self.credits.iter().map(|c| c.cents).sum();
        let (n, sum) = (self.credits.len(), decimal(total));
        let mut x = String::with_capacity(600 + 700 * n);
        let _ = write!(
            x,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Document xmlns=\"{NAMESPACE}\">\
             <CstmrCdtTrfInitn><GrpHdr><MsgId>{id}</MsgId><CreDtTm>{created}</CreDtTm>\
             <NbOfTxs>{n}</NbOfTxs><CtrlSum>{sum}</CtrlSum><InitgPty><Nm>{debtor}</Nm></InitgPty></GrpHdr>\
             <PmtInf><PmtInfId>{id}</PmtInfId><PmtMtd>TRF</PmtMtd><BtchBookg>true</BtchBookg>\
             <NbOfTxs>{n}</NbOfTxs><CtrlSum>{sum}</CtrlSum>\
             <PmtTpInf><SvcLvl><Cd>SEPA</Cd></SvcLvl></PmtTpInf>\
             <ReqdExctnDt><Dt>{date}</Dt></ReqdExctnDt><Dbtr><Nm>{debtor}</Nm></Dbtr>\
             <DbtrAcct><Id><IBAN>{iban}</IBAN></Id></DbtrAcct>",
            id = esc(&self.id),
            created = esc(&self.created),
            debtor = esc(&self.debtor.name),
            date = esc(&self.execution_date),
            iban = self.debtor.iban,
        );
        agent(&mut x, "DbtrAgt", self.debtor.bic.as_deref());
        x.push_str("<ChrgBr>SLEV</ChrgBr>");
        for c in &self.credits {
            let _ = write!(
                x,
                "\n<CdtTrfTxInf><PmtId><EndToEndId>{}</EndToEndId></PmtId>\
                 <Amt><InstdAmt Ccy=\"{}\">{}</InstdAmt></Amt>",
                esc(&c.end_to_end),
                self.currency,
                decimal(c.cents)
            );
            if c.creditor.bic.is_some() {
                agent(&mut x, "CdtrAgt", c.creditor.bic.as_deref());
            }
            let remittance: String = c.remittance.chars().take(REMITTANCE_CHARS_MAX).collect();
            let _ = write!(
                x,
                "<Cdtr><Nm>{}</Nm></Cdtr><CdtrAcct><Id><IBAN>{}</IBAN></Id></CdtrAcct>",
                esc(&c.creditor.name),
                c.creditor.iban
            );
            if !remittance.trim().is_empty() {
                let _ = write!(x, "<RmtInf><Ustrd>{}</Ustrd></RmtInf>", esc(&remittance));
            }
            x.push_str("</CdtTrfTxInf>");
        }
        x.push_str("\n</PmtInf></CstmrCdtTrfInitn></Document>\n");
        Ok(x)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ibans_are_checked_by_their_check_digits() {
        // Published example IBANs (Germany, the United Kingdom, France).
        for good in [
            "DE89370400440532013000",
            "GB29NWBK60161331926819",
            "FR1420041010050500013M02606",
        ] {
            check_iban(good).unwrap();
        }
        for bad in [
            "DE89370400440532013001",
            "DE8937040044053201300",
            "de89370400440532013000",
            "D189370400440532013000",
            "DE",
        ] {
            assert!(check_iban(bad).is_err(), "{bad}");
        }
        let p = Party::new(" Ana ", "de89 3704 0044 0532 0130 00", "cobadeffxxx").unwrap();
        assert_eq!(
            (p.iban.as_str(), p.bic.as_deref()),
            ("DE89370400440532013000", Some("COBADEFFXXX"))
        );
        assert!(Party::new("Ana", "DE89370400440532013000", "COBA").is_err());
        assert!(Party::new("", "DE89370400440532013000", "").is_err());
        assert!(Party::new(&"a".repeat(71), "DE89370400440532013000", "").is_err());
    }

    #[test]
    fn a_file_escapes_text_and_adds_up() {
        let debtor = Party::new("City <Treasury> & Co", "DE89370400440532013000", "").unwrap();
        let creditor = Party::new("O'Brien", "GB29NWBK60161331926819", "NWBKGB2L").unwrap();
        let credit = |e: &str, cents| Credit {
            end_to_end: e.into(),
            cents,
            creditor: creditor.clone(),
            remittance: "ref <1>".into(),
        };
        let b = Batch {
            id: "co-0-2".into(),
            created: "2026-12-06T10:00:00".into(),
            execution_date: "2026-12-07".into(),
            currency: "EUR".into(),
            debtor,
            credits: vec![credit("cash-out-0", 1250), credit("cash-out-1", 5)],
        };
        let x = b.to_xml().unwrap();
        assert!(x.contains("<Nm>City &lt;Treasury&gt; &amp; Co</Nm>"));
        assert!(x.contains("<Nm>O&apos;Brien</Nm>"));
        assert!(x.contains("<CtrlSum>12.55</CtrlSum>"));
        assert!(x.contains("<InstdAmt Ccy=\"EUR\">0.05</InstdAmt>"));
        assert!(x.contains(
            "<DbtrAgt><FinInstnId><Othr><Id>NOTPROVIDED</Id></Othr></FinInstnId></DbtrAgt>"
        ));
        assert_eq!(x.matches("<CdtTrfTxInf>").count(), 2);
        assert!(Batch {
            credits: vec![],
            ..b.clone()
        }
        .to_xml()
        .is_err());
        assert!(Batch {
            currency: "eur".into(),
            ..b.clone()
        }
        .to_xml()
        .is_err());
        assert!(Batch {
            id: "x".repeat(36),
            ..b
        }
        .to_xml()
        .is_err());
    }
}
