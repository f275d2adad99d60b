//! The demo's cash-out: three UBI recipients cash part of their benefit
//! out through the city's bank; the city's treasurer exports the first
//! two as a pain.001 file (written to the data directory, its SHA-256 on
//! the ledger) and the third waits for the next batch.

use super::{citizen_key, Seeder};
use crate::pain001::{Batch, Credit, Party};
use anyhow::{anyhow, Result};
use publica_money::model::benefit_account_id;
use serde_json::json;
use std::path::Path;

/// The city's cash-out account.
pub const ACCOUNT: &str = "city:cash-out";

/// Fictional payees: a name and an IBAN with valid check digits.
const PAYEES: [(&str, &str); 3] = [
    ("Ana Example", "DE62370400440532013001"),
    ("Ben Example", "DE35370400440532013002"),
    ("Cleo Example", "DE08370400440532013003"),
];

impl Seeder<'_> {
    pub(super) fn cash_out_demo(&mut self, data_dir: &Path) -> Result<()> {
        let open = self.tx("money", "open_account", json!({"id": ACCOUNT, "currency": "EXC", "agency": "city", "owner": {"kind": "agency", "agency": "city"}}));
        // The smallest cash-out worth a bank transfer: 5.00.
        let declare = self.tx(
            "money",
            "declare_cash_out_account",
            json!({"account": ACCOUNT, "minimum": "500"}),
        );
        self.phase("the city's cash-out account", vec![open, declare])?;
        let amounts = [4_000u128, 2_500, 1_000];
        let mut credits = vec![];
        for (i, amount) in amounts.iter().enumerate() {
            let kp = citizen_key(i);
            let from = benefit_account_id("ubi", &kp.account());
            self.as_holder(&kp, "money", "cash_out", json!({"from": from, "to": ACCOUNT, "amount": amount.to_string(), "reference": format!("cash-out {}", i + 1)}))?;
            let (name, iban) = PAYEES[i];
            credits.push(Credit {
                end_to_end: format!("cash-out-{i}"),
                cents: *amount,
                creditor: Party::new(name, iban, "")?,
                remittance: format!("cash-out {}", i + 1),
            });
        }
        credits.truncate(2);
        let (today, created) = crate::cashout::now();
        let batch = Batch {
            id: "co-0-2".into(),
            created,
            execution_date: today,
            currency: "EUR".into(),
            debtor: Party::new("Example City Treasury", "DE44500105175407324931", "")?,
            credits,
        };
        let xml = batch.to_xml()?;
        let path = data_dir.join("demo-cash-out-co-0-2.xml");
        std::fs::write(&path, &xml).map_err(|e| anyhow!("{}: {e}", path.display()))?;
        let sha = publica_crypto::sha256(xml.as_bytes()).to_hex();
        let tx = self.tx(
            "money",
            "settle_cash_outs",
            json!({"account": ACCOUNT, "batch": "co-0-2", "file_sha256": sha, "requests": [0, 1]}),
        );
        self.phase("cash-outs exported to the bank (batch co-0-2)", vec![tx])
    }
}
