//! The money module's records and their state keys (`money/...`).

use publica_types::{AccountId, Amount};
use serde::{Deserialize, Deserializer, Serialize};
use std::collections::BTreeMap;

/// Most characters in an id (account, appropriation, pending transfer).
pub const ID_BYTES_MAX: usize = 64;
/// Most earmark categories on one account.
pub const CATEGORIES_MAX: usize = 16;

/// A currency.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Currency {
    /// Code, e.g. `EURC`.
    pub code: String,
    /// Display name.
    pub name: String,
    /// Decimal places of the minor unit.
    pub decimals: u8,
    /// Issuing agency.
    pub agency: String,
    /// Most that may be in circulation (minted − burned).
    pub supply_cap: Amount,
    /// Minted so far.
    pub minted: Amount,
    /// Burned so far.
    pub burned: Amount,
    /// Largest clawback one treasurer carries out alone; above it a second
    /// treasurer approves (0: every clawback needs two).
    pub clawback_single_max: Amount,
}

/// A budget line money is minted against.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Appropriation {
    /// Id, unique within its currency.
    pub id: String,
    /// The currency.
    pub currency: String,
    /// What it is for.
    pub name: String,
    /// Most that may ever be minted against it: burning money does not
    /// refill it.
    pub cap: Amount,
    /// Minted against it.
    pub minted: Amount,
    /// Returned to it by burning (recorded; it does not refill the cap).
    pub burned: Amount,
    /// Administrators who approved (the proposer is a treasurer, not one).
    /// It activates when those still administrators reach the agency's
    /// policy threshold at the time of an approval.
    pub approvals: Vec<AccountId>,
    /// True once approved.
    pub active: bool,
    /// Height it was proposed at.
    pub created_height: u64,
    /// Last height at which it may be approved; it never activates after.
    pub expires_height: u64,
}

/// A merchant's accreditation by a currency's issuer: which categories of
/// earmarked money it may accept in that currency. The merchant's key
/// also holds the identity `merchant` role in the issuing agency.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MerchantAccreditation {
    /// The merchant's key.
    pub merchant: AccountId,
    /// The currency.
    pub currency: String,
    /// Categories it may accept, sorted, without repeats.
    pub categories: Vec<String>,
    /// False once revoked: it accepts no earmarked money and no new
    /// merchant account is opened for it.
    pub active: bool,
    /// The treasurer who last accredited or revoked it.
    pub by: AccountId,
    /// Height of that act.
    pub height: u64,
}

/// Who an account belongs to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Owner {
    /// A citizen's own account.
    Citizen {
        /// Their account key.
        account: AccountId,
    },
    /// An agency's account, moved by its treasurers.
    Agency {
        /// The agency.
        agency: String,
    },
    /// A program's account, moved by its agency's program officers.
    Program {
        /// The agency running it.
        agency: String,
        /// The program's id.
        program: String,
    },
    /// A merchant accredited by an agency in a category.
    Merchant {
        /// The merchant's key.
        account: AccountId,
        /// The accrediting agency.
        agency: String,
        /// Category, e.g. `food`, `tuition`.
        category: String,
    },
}

/// Reads an account's owner as the ledger writes it, in one pass. serde's
/// derived reader of an internally tagged enum first copies the whole
/// object into a buffer to find its tag; accounts are read twice per
/// transfer. Transaction arguments keep the derived reader, whose error
/// messages end up in blocks' results.
fn owner_record<'de, D: Deserializer<'de>>(d: D) -> Result<Owner, D::Error> {
    #[derive(Deserialize)]
    #[serde(rename_all = "snake_case")]
    enum Kind {
        Citizen,
        Agency,
        Program,
        Merchant,
    }
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Fields {
        kind: Kind,
        account: Option<AccountId>,
        agency: Option<String>,
        program: Option<String>,
        category: Option<String>,
    }
    let f = Fields::deserialize(d)?;
    match (f.kind, f.account, f.agency, f.program, f.category) {
        (Kind::Citizen, Some(account), None, None, None) => Ok(Owner::Citizen { account }),
        (Kind::Agency, None, Some(agency), None, None) => Ok(Owner::Agency { agency }),
        (Kind::Program, None, Some(agency), Some(program), None) => {
            Ok(Owner::Program { agency, program })
        }
        (Kind::Merchant, Some(account), Some(agency), None, Some(category)) => {
            Ok(Owner::Merchant {
                account,
                agency,
                category,
            })
        }
        _ => Err(serde::de::Error::custom(
            "an account owner's fields do not match its kind",
        )),
    }
}

/// Restrictions on money held in an earmarked account.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Earmark {
    /// Merchant categories the money may be spent at.
    pub categories: Vec<String>,
    /// Height after which the balance is swept back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_height: Option<u64>,
    /// Where an expiry sweep sends the balance.
    pub return_to: String,
    /// True once swept (it happens exactly once).
    #[serde(default)]
    pub swept: bool,
}

/// An account.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Account {
    /// Id.
    pub id: String,
    /// Currency held.
    pub currency: String,
    /// Owner.
    #[serde(deserialize_with = "owner_record")]
    pub owner: Owner,
    /// Balance: never below zero.
    pub balance: Amount,
    /// Held by pending outgoing transfers.
    pub pending_out: Amount,
    /// No money moves in or out while frozen.
    pub frozen: bool,
    /// Closed accounts take no money.
    pub closed: bool,
    /// Spending restriction, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub earmark: Option<Earmark>,
    /// Where the balance came from: appropriation key (`<currency>/<id>`)
    /// -> amount. Sums to the balance.
    pub provenance: BTreeMap<String, Amount>,
}

impl Account {
    /// A new, empty, open account.
    pub fn new(id: String, currency: String, owner: Owner, earmark: Option<Earmark>) -> Account {
        Account {
            id,
            currency,
            owner,
            balance: Amount::ZERO,
            pending_out: Amount::ZERO,
            frozen: false,
            closed: false,
            earmark,
            provenance: BTreeMap::new(),
        }
    }
}

/// Where a pending transfer stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PendingStatus {
    /// Held.
    Pending,
    /// Posted (fully or partially; the rest returned).
    Posted,
    /// Voided: everything returned.
    Voided,
}

/// A two-phase transfer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pending {
    /// Id.
    pub id: String,
    /// Debited account.
    pub from: String,
    /// Credited account.
    pub to: String,
    /// Held amount.
    pub amount: Amount,
    /// Provenance of the held money.
    pub provenance: BTreeMap<String, Amount>,
    /// Last height at which it may be posted.
    pub timeout_height: u64,
    /// Status.
    pub status: PendingStatus,
    /// Amount posted.
    pub posted: Amount,
    /// Reference.
    pub reference: String,
}

/// The start of every benefit account's id (`b.<program>.<16 hex digits
/// of the holder's key>`): reserved for the accounts programs open.
pub const BENEFIT_ACCOUNT_PREFIX: &str = "b.";

/// The id of `holder`'s benefit account in `program`.
pub fn benefit_account_id(program: &str, holder: &AccountId) -> String {
    format!(
        "{BENEFIT_ACCOUNT_PREFIX}{program}.{}",
        &holder.to_hex()[..16]
    )
}

/// State key of a currency.
pub fn currency_key(code: &str) -> Vec<u8> {
    format!("money/currency/{code}").into_bytes()
}
/// State key of an appropriation.
pub fn appropriation_key(currency: &str, id: &str) -> Vec<u8> {
    format!("money/appropriation/{currency}/{id}").into_bytes()
}
/// State key of a merchant's accreditation in a currency.
pub fn merchant_key(currency: &str, merchant: &AccountId) -> Vec<u8> {
    format!("money/merchant/{currency}/{merchant}").into_bytes()
}
/// State key of an account.
pub fn account_key(id: &str) -> Vec<u8> {
    format!("money/account/{id}").into_bytes()
}
/// State key of what account `from` paid once under `reference` (its
/// SHA-256: references are free text).
pub fn paid_once_key(from: &str, reference: &str) -> Vec<u8> {
    let h = publica_crypto::sha256(reference.as_bytes());
    format!("money/paid-once/{from}/{}", h.to_hex()).into_bytes()
}
/// State key of a pending transfer.
pub fn pending_key(id: &str) -> Vec<u8> {
    format!("money/pending/{id}").into_bytes()
}

/// Checks an id: 1..=64 of `[a-z0-9._:-]`.
pub fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= ID_BYTES_MAX
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._:-".contains(&b))
}

/// Checks a currency code: 2..=12 of `[A-Z0-9]`.
pub fn valid_code(code: &str) -> bool {
    (2..=12).contains(&code.len())
        && code
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn owners() -> Vec<Owner> {
        let key = AccountId([7; 32]);
        vec![
            Owner::Citizen { account: key },
            Owner::Agency {
                agency: "city".into(),
            },
            Owner::Program {
                agency: "city".into(),
                program: "ubi".into(),
            },
            Owner::Merchant {
                account: key,
                agency: "city".into(),
                category: "food".into(),
            },
        ]
    }

    #[test]
    fn account_records_read_back_every_owner() {
        for owner in owners() {
            let a = Account::new("a1".into(), "eur".into(), owner.clone(), None);
            let bytes = serde_json::to_vec(&a).unwrap();
            assert_eq!(serde_json::from_slice::<Account>(&bytes).unwrap(), a);
            // The record reader and the derived one agree on the owner.
            let v = serde_json::to_value(&owner).unwrap();
            assert_eq!(serde_json::from_value::<Owner>(v).unwrap(), owner);
        }
    }

    #[test]
    fn an_owner_with_fields_of_another_kind_is_refused() {
        let a = Account::new(
            "a1".into(),
            "eur".into(),
            Owner::Agency {
                agency: "city".into(),
            },
            None,
        );
        let mut v = serde_json::to_value(&a).unwrap();
        for bad in [
            json!({"kind": "agency"}),
            json!({"kind": "agency", "agency": "city", "program": "p"}),
            json!({"kind": "citizen", "agency": "city"}),
            json!({"kind": "program", "agency": "city"}),
            json!({"kind": "merchant", "account": "07".repeat(32), "agency": "city"}),
            json!({"kind": "agency", "agency": "city", "extra": 1}),
            json!({"kind": "bank", "agency": "city"}),
        ] {
            v["owner"] = bad.clone();
            assert!(
                serde_json::from_value::<Account>(v.clone()).is_err(),
                "{bad} was read"
            );
        }
    }
}
