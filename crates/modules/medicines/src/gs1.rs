//! GS1 identifiers as EPCIS 2.0 writes them — EPC pure-identity URIs (GS1
//! Tag Data Standard) and GS1 Digital Link URIs — checked (digits, lengths,
//! check digits, the characters GS1 allows) and reduced to one canonical
//! key per object, whichever form named it: the Digital Link path
//! (`01/<GTIN-14>/21/<serial>`), which needs no company-prefix length.
//!
//! Supported: SGTIN (a serialised pack), LGTIN (a lot of a trade item),
//! SSCC (a case or pallet), SGLN (a location). Other schemes (GIAI, GRAI,
//! GSRN, PGLN, GDTI, patterns) are refused by name.

use std::fmt;

/// An identifier.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Id {
    /// A serialised trade item (a pack): GTIN-14 and serial.
    Sgtin {
        /// 14 digits, check digit included.
        gtin: String,
        /// 1..=20 GS1 characters.
        serial: String,
    },
    /// A lot (batch) of a trade item.
    Lgtin {
        /// 14 digits.
        gtin: String,
        /// 1..=20 GS1 characters.
        lot: String,
    },
    /// A logistic unit: a case or a pallet.
    Sscc {
        /// 18 digits, check digit included.
        sscc: String,
    },
    /// A location.
    Sgln {
        /// 13 digits, check digit included.
        gln: String,
        /// The extension, `None` for the location itself.
        extension: Option<String>,
    },
}

/// Why an identifier was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Gs1Error {
    /// A scheme this ledger does not track.
    #[error("unsupported identifier scheme '{0}' (supported: sgtin, lgtin, sscc, sgln as EPC URIs, and GS1 Digital Links with AI 01+21, 01+10, 00, 414)")]
    UnsupportedScheme(String),
    /// Malformed.
    #[error("malformed GS1 identifier: {0}")]
    Malformed(String),
    /// A check digit that does not match.
    #[error("wrong check digit in {0}")]
    CheckDigit(String),
}

fn malformed(m: impl Into<String>) -> Gs1Error {
    Gs1Error::Malformed(m.into())
}

/// The GS1 check digit of `digits` (mod 10, weights 3 and 1 from the
/// right).
#[must_use]
pub fn check_digit(digits: &str) -> char {
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| u32::from(b - b'0') * if i % 2 == 0 { 3 } else { 1 })
        .sum();
    char::from(b'0' + u8::try_from((10 - sum % 10) % 10).expect("a digit"))
}

fn all_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// `digits` ends in its correct check digit.
fn checked(digits: &str, what: &str) -> Result<(), Gs1Error> {
    let (body, last) = digits.split_at(digits.len() - 1);
    if check_digit(body).to_string() != last {
        return Err(Gs1Error::CheckDigit(format!("{what} {digits}")));
    }
    Ok(())
}

/// GS1 AI encodable character set 82, as a serial or lot may use.
fn cset82(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!\"%&'()*+,-./:;<=>?_".contains(c)
}

/// Percent-decodes a serial, lot or extension and checks it: 1..=20
/// characters of GS1's set 82.
fn component(raw: &str, what: &str) -> Result<String, Gs1Error> {
    let bytes = raw.as_bytes();
    let mut out = String::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = raw
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or_else(|| malformed(format!("bad escape in {what} '{raw}'")))?;
            out.push(char::from(hex));
            i += 3;
        } else {
            out.push(char::from(bytes[i]));
            i += 1;
        }
    }
    if out.is_empty() || out.chars().count() > 20 || !out.chars().all(cset82) {
        return Err(malformed(format!(
            "a {what} is 1..=20 of GS1's characters (letters, digits, !\"%&'()*+,-./:;<=>?_), not '{raw}'"
        )));
    }
    Ok(out)
}

/// Escapes a component for a URI (what GS1 requires escaped, and `#`).
fn escape(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '"' | '%' | '&' | '/' | '<' | '>' | '?' | '#' => format!("%{:02X}", c as u32),
            c => c.to_string(),
        })
        .collect()
}

/// Company prefix and reference of an EPC URI, `len` digits in all.
fn prefix_ref<'a>(cp: &'a str, r: &'a str, len: usize, what: &str) -> Result<(), Gs1Error> {
    if !all_digits(cp)
        || !(6..=12).contains(&cp.len())
        || !all_digits(r)
        || cp.len() + r.len() != len
    {
        return Err(malformed(format!(
            "a {what} EPC URI has a company prefix of 6..=12 digits and a reference, {len} digits together"
        )));
    }
    Ok(())
}

fn parse_epc(uri: &str) -> Result<Id, Gs1Error> {
    let (scheme, body) = if let Some(b) = uri.strip_prefix("urn:epc:id:") {
        b.split_once(':').ok_or_else(|| malformed("no scheme"))?
    } else if let Some(b) = uri.strip_prefix("urn:epc:class:") {
        b.split_once(':').ok_or_else(|| malformed("no scheme"))?
    } else {
        return Err(Gs1Error::UnsupportedScheme(uri.chars().take(40).collect()));
    };
    // The last component (serial, lot, extension) may itself hold dots.
    let parts: Vec<&str> = if scheme == "sscc" {
        body.split('.').collect()
    } else {
        body.splitn(3, '.').collect()
    };
    match (uri.starts_with("urn:epc:class:"), scheme, parts.as_slice()) {
        (false, "sgtin", [cp, ir, serial]) | (true, "lgtin", [cp, ir, serial]) => {
            prefix_ref(cp, ir, 13, scheme)?;
            let (ind, rest) = ir.split_at(1);
            let body = format!("{ind}{cp}{rest}");
            let gtin = format!("{body}{}", check_digit(&body));
            Ok(if scheme == "sgtin" {
                Id::Sgtin {
                    gtin,
                    serial: component(serial, "serial")?,
                }
            } else {
                Id::Lgtin {
                    gtin,
                    lot: component(serial, "lot")?,
                }
            })
        }
        (false, "sscc", [cp, sr]) => {
            prefix_ref(cp, sr, 17, "sscc")?;
            let (ext, rest) = sr.split_at(1);
            let body = format!("{ext}{cp}{rest}");
            Ok(Id::Sscc {
                sscc: format!("{body}{}", check_digit(&body)),
            })
        }
        (false, "sgln", [cp, lr, ext]) => {
            prefix_ref(cp, lr, 12, "sgln")?;
            let body = format!("{cp}{lr}");
            let extension = if *ext == "0" {
                None
            } else {
                Some(component(ext, "GLN extension")?)
            };
            Ok(Id::Sgln {
                gln: format!("{body}{}", check_digit(&body)),
                extension,
            })
        }
        (_, s @ ("sgtin" | "lgtin" | "sscc" | "sgln"), _) => Err(malformed(format!(
            "a {s} EPC URI has the wrong number of parts"
        ))),
        (_, s, _) => Err(Gs1Error::UnsupportedScheme(s.chars().take(20).collect())),
    }
}

/// A GTIN of 8, 12, 13 or 14 digits as GTIN-14, its check digit verified.
fn gtin14(g: &str) -> Result<String, Gs1Error> {
    if !all_digits(g) || ![8, 12, 13, 14].contains(&g.len()) {
        return Err(malformed(format!(
            "a GTIN is 8, 12, 13 or 14 digits, not '{g}'"
        )));
    }
    let g = format!("{g:0>14}");
    checked(&g, "GTIN")?;
    Ok(g)
}

fn parse_digital_link(uri: &str) -> Result<Id, Gs1Error> {
    let rest = uri
        .strip_prefix("https://")
        .or_else(|| uri.strip_prefix("http://"))
        .ok_or_else(|| malformed("a Digital Link is an http(s) URI"))?;
    let path = rest.split(['?', '#']).next().unwrap_or_default();
    let segs: Vec<&str> = path.split('/').skip(1).collect();
    // The primary key: the first segment that is one of 01, 00, 414.
    let start = segs
        .iter()
        .position(|s| ["01", "00", "414"].contains(s))
        .ok_or_else(|| {
            Gs1Error::UnsupportedScheme("a Digital Link without AI 01, 00 or 414".into())
        })?;
    match &segs[start..] {
        ["01", g, "21", serial] => Ok(Id::Sgtin {
            gtin: gtin14(g)?,
            serial: component(serial, "serial")?,
        }),
        ["01", g, "10", lot] => Ok(Id::Lgtin {
            gtin: gtin14(g)?,
            lot: component(lot, "lot")?,
        }),
        ["00", s] => {
            if !all_digits(s) || s.len() != 18 {
                return Err(malformed("an SSCC is 18 digits"));
            }
            checked(s, "SSCC")?;
            Ok(Id::Sscc {
                sscc: (*s).to_string(),
            })
        }
        ["414", g] | ["414", g, "254", _] => {
            if !all_digits(g) || g.len() != 13 {
                return Err(malformed("a GLN is 13 digits"));
            }
            checked(g, "GLN")?;
            let extension = match &segs[start..] {
                [_, _, _, e] => Some(component(e, "GLN extension")?),
                _ => None,
            };
            Ok(Id::Sgln {
                gln: (*g).to_string(),
                extension,
            })
        }
        ["01", _] => Err(malformed(
            "a GTIN alone names a product, not a pack: add /21/<serial> or /10/<lot>",
        )),
        _ => Err(malformed(format!(
            "an unsupported Digital Link path '{path}'"
        ))),
    }
}

/// Parses an EPC URI or a GS1 Digital Link URI.
///
/// # Errors
/// An unsupported scheme, a malformed identifier, a wrong check digit.
pub fn parse(uri: &str) -> Result<Id, Gs1Error> {
    if uri.len() > 512 {
        return Err(malformed("longer than 512 bytes"));
    }
    if uri.starts_with("urn:") {
        parse_epc(uri)
    } else {
        parse_digital_link(uri)
    }
}

impl Id {
    /// The canonical key: the Digital Link path.
    #[must_use]
    pub fn key(&self) -> String {
        match self {
            Id::Sgtin { gtin, serial } => format!("01/{gtin}/21/{}", escape(serial)),
            Id::Lgtin { gtin, lot } => format!("01/{gtin}/10/{}", escape(lot)),
            Id::Sscc { sscc } => format!("00/{sscc}"),
            Id::Sgln {
                gln,
                extension: None,
            } => format!("414/{gln}"),
            Id::Sgln {
                gln,
                extension: Some(e),
            } => format!("414/{gln}/254/{}", escape(e)),
        }
    }

    /// The GS1 Digital Link URI on GS1's resolver.
    #[must_use]
    pub fn digital_link(&self) -> String {
        format!("https://id.gs1.org/{}", self.key())
    }

    /// The GS1 number the company prefix is the start of (after a GTIN's
    /// indicator digit or an SSCC's extension digit).
    #[must_use]
    pub fn prefixed_number(&self) -> &str {
        match self {
            Id::Sgtin { gtin, .. } | Id::Lgtin { gtin, .. } => &gtin[1..],
            Id::Sscc { sscc } => &sscc[1..],
            Id::Sgln { gln, .. } => gln,
        }
    }

    /// True when the number belongs to company prefix `prefix`.
    #[must_use]
    pub fn has_prefix(&self, prefix: &str) -> bool {
        self.prefixed_number().starts_with(prefix)
    }
}

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.key())
    }
}

/// A GS1 company prefix: 6..=12 digits.
#[must_use]
pub fn valid_prefix(p: &str) -> bool {
    all_digits(p) && (6..=12).contains(&p.len())
}

/// A GLN: 13 digits with its check digit.
#[must_use]
pub fn valid_gln(g: &str) -> bool {
    all_digits(g) && g.len() == 13 && checked(g, "GLN").is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gs1_examples_parse_to_the_same_keys_in_both_forms() {
        // GS1 General Specifications' example GTIN 10614141073464.
        let epc = parse("urn:epc:id:sgtin:0614141.107346.2017").unwrap();
        assert_eq!(epc.key(), "01/10614141073464/21/2017");
        let dl = parse("https://id.gs1.org/01/10614141073464/21/2017").unwrap();
        assert_eq!(epc, dl);
        assert!(epc.has_prefix("0614141") && !epc.has_prefix("0614142"));
        assert_eq!(
            parse("urn:epc:id:sscc:0614141.1234567890").unwrap().key(),
            "00/106141412345678908"
        );
        assert_eq!(
            parse("urn:epc:id:sgln:0614141.00777.0").unwrap().key(),
            "414/0614141007776"
        );
        assert_eq!(
            parse("urn:epc:class:lgtin:4012345.012345.998877")
                .unwrap()
                .key(),
            "01/04012345123456/10/998877"
        );
        // A short GTIN in a Digital Link is padded; an escaped serial is
        // read and written back escaped.
        let s = parse("urn:epc:id:sgtin:0614141.107346.A%2FB").unwrap();
        assert_eq!(s.key(), "01/10614141073464/21/A%2FB");
        assert_eq!(parse(&s.digital_link()).unwrap(), s);
    }

    #[test]
    fn bad_identifiers_are_refused_by_name() {
        for (uri, says) in [
            ("https://id.gs1.org/01/10614141073465/21/1", "check digit"),
            ("urn:epc:id:giai:0614141.12345", "unsupported"),
            ("urn:epc:idpat:sgtin:0614141.107346.*", "unsupported"),
            ("urn:epc:id:sgtin:0614141.10734.1", "13 digits"),
            ("urn:epc:id:sgtin:0614141.107346.", "serial"),
            (
                "urn:epc:id:sgtin:0614141.107346.ABCDEFGHIJKLMNOPQRSTU",
                "serial",
            ),
            ("urn:epc:id:sgtin:0614141.107346.a b", "serial"),
            ("https://id.gs1.org/01/10614141073464", "names a product"),
            ("https://id.gs1.org/00/10614141234567890", "18 digits"),
            ("ftp://x/01/10614141073464/21/1", "http"),
        ] {
            let e = parse(uri).unwrap_err().to_string();
            assert!(e.contains(says), "{uri}: {e}");
        }
    }
}
