//! `publica money cash-out-batch`: the waiting cash-outs of an agency's
//! account become one ISO 20022 pain.001 file for its bank, and the batch
//! (its id, the file's SHA-256, the requests it carries) is recorded on the
//! ledger before the file is written, so a file exists only for requests
//! the ledger marked as carried, each once.
//!
//! Bank accounts and names come from the agency's payee book, a CSV file
//! it keeps off the ledger (`account,name,iban[,bic]`).

use crate::bulk::{self, SignerArgs};
use crate::client::{checked_id, print_json, Client};
use crate::pain001::{self, Batch, Credit, Party};
use anyhow::{anyhow, bail, Context, Result};
use clap::Args;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// `publica money cash-out-batch` arguments.
#[derive(Args, Debug)]
pub struct BatchArgs {
    /// A treasurer of the agency, and the node.
    #[command(flatten)]
    signer: SignerArgs,
    /// The agency's cash-out account.
    #[arg(long)]
    cash_out_account: String,
    /// The payee book: CSV `account,name,iban[,bic]`, header first.
    #[arg(long)]
    payees: PathBuf,
    /// The agency's name, as its bank knows it.
    #[arg(long)]
    debtor_name: String,
    /// The agency's IBAN, debited by the bank.
    #[arg(long)]
    debtor_iban: String,
    /// The agency's bank's BIC, if the bank asks for it.
    #[arg(long, default_value = "")]
    debtor_bic: String,
    /// The currency the bank pays in; one unit of the ledger's currency is
    /// paid as one unit of it.
    #[arg(long, default_value = "EUR")]
    bank_currency: String,
    /// Requested execution date (YYYY-MM-DD); today (UTC) by default.
    #[arg(long)]
    execution_date: Option<String>,
    /// The batch id (the file's message id); `co-<first request>-<count>`
    /// by default.
    #[arg(long)]
    batch: Option<String>,
    /// Most requests in the file (1..=10000).
    #[arg(long, default_value_t = 10_000)]
    limit: usize,
    /// Where the file goes; it must not exist.
    #[arg(long)]
    out: PathBuf,
}

/// The payee book: ledger account id to bank account.
fn payees(file: &Path) -> Result<BTreeMap<String, Party>> {
    let csv = bulk::read_csv(file)?;
    let col = |name: &str| csv.header.iter().position(|h| h.eq_ignore_ascii_case(name));
    let (Some(a), Some(n), Some(i)) = (col("account"), col("name"), col("iban")) else {
        bail!(
            "{}: the header names the columns account, name, iban (and bic if any)",
            file.display()
        );
    };
    let b = col("bic");
    let mut out = BTreeMap::new();
    for (line, cells) in &csv.rows {
        let cell = |k: usize| cells.get(k).map_or("", String::as_str);
        let party = Party::new(cell(n), cell(i), b.map_or("", cell))
            .with_context(|| format!("{} line {line}", file.display()))?;
        if out.insert(cell(a).to_string(), party).is_some() {
            bail!(
                "{} line {line}: account '{}' is listed twice",
                file.display(),
                cell(a)
            );
        }
    }
    Ok(out)
}

/// Today (UTC) and now, as `YYYY-MM-DD` and an RFC 3339 UTC time
/// (`publica_types::calendar::utc_datetime`, which pain.001's ISODateTime
/// takes).
pub(crate) fn now() -> (String, String) {
    let time = publica_types::calendar::utc_datetime(publica_types::now_ms());
    (time[..10].to_string(), time)
}

fn check_date(d: &str) -> Result<()> {
    let parts: Vec<i64> = d.split('-').filter_map(|p| p.parse().ok()).collect();
    let ok = d.len() == 10
        && matches!(parts.as_slice(), [y, m, day]
            if (2000..=9999).contains(y)
                && publica_types::calendar::days_in_month(*y, *m).is_some_and(|n| (1..=n).contains(day)));
    if !ok {
        bail!("--execution-date '{d}' is not a date like 2027-01-31");
    }
    Ok(())
}

/// Ledger minor units in the bank currency's cents, when exact.
fn cents(amount: u128, decimals: u8) -> Option<u128> {
    if decimals <= 2 {
        amount.checked_mul(10u128.pow(u32::from(2 - decimals)))
    } else {
        let scale = 10u128.pow(u32::from(decimals - 2));
        amount.is_multiple_of(scale).then_some(amount / scale)
    }
}

/// The credit transfers for the waiting requests the payee book can pay,
/// their request numbers, and the skipped ones with why.
fn credits_for(
    waiting: &Value,
    book: &BTreeMap<String, Party>,
    decimals: u8,
) -> Result<(Vec<Credit>, Vec<u64>, Vec<Value>)> {
    let (mut credits, mut ids, mut skipped) = (Vec::new(), Vec::new(), Vec::new());
    for r in waiting["waiting"].as_array().into_iter().flatten() {
        let (id, from) = (r["id"].as_u64(), r["from"].as_str().unwrap_or_default());
        let amount: Option<u128> = r["amount"].as_str().and_then(|s| s.parse().ok());
        let (Some(id), Some(amount)) = (id, amount) else {
            bail!("the node answered a malformed request: {r}");
        };
        let why = match (book.get(from), cents(amount, decimals)) {
            (None, _) => "no bank account in the payee book",
            (_, None) => "not a whole number of cents",
            (Some(p), Some(c)) => {
                credits.push(Credit {
                    end_to_end: format!("cash-out-{id}"),
                    cents: c,
                    creditor: p.clone(),
                    remittance: r["reference"].as_str().unwrap_or_default().to_string(),
                });
                ids.push(id);
                continue;
            }
        };
        skipped.push(json!({"request": id, "from": from, "reason": why}));
    }
    Ok((credits, ids, skipped))
}

/// Waiting requests read a page at a time.
const PAGE: usize = 1_000;

/// Up to `limit` waiting requests of `account` the payee book can pay,
/// oldest first, read page after page past the ones it cannot (which stay
/// waiting, listed as skipped, and never keep later ones out of a file):
/// (credits, their request numbers, the skipped, requests read).
async fn payable(
    client: &Client,
    account: &str,
    book: &BTreeMap<String, Party>,
    decimals: u8,
    limit: usize,
) -> Result<(Vec<Credit>, Vec<u64>, Vec<Value>, usize)> {
    let (mut credits, mut ids, mut skipped, mut seen) = (Vec::new(), Vec::new(), Vec::new(), 0);
    let mut from = 0u64;
    loop {
        let page = client
            .get_ok(&format!(
                "/v1/money/cash-outs/{account}?from={from}&limit={PAGE}"
            ))
            .await?;
        let (c, i, s) = credits_for(&page, book, decimals)?;
        let listed = page["waiting"].as_array().map_or(0, Vec::len);
        seen += listed;
        for (credit, id) in c.into_iter().zip(i) {
            if credits.len() < limit {
                credits.push(credit);
                ids.push(id);
            }
        }
        skipped.extend(s);
        let last = page["waiting"]
            .as_array()
            .and_then(|w| w.last())
            .and_then(|r| r["id"].as_u64());
        match last {
            Some(last) if listed == PAGE && credits.len() < limit => from = last + 1,
            _ => return Ok((credits, ids, skipped, seen)),
        }
    }
}

/// Runs `publica money cash-out-batch`.
pub async fn batch(a: BatchArgs) -> Result<()> {
    let account = checked_id("an account", &a.cash_out_account)?.to_string();
    if !(1..=publica_money::cashout::BATCH_REQUESTS_MAX).contains(&a.limit) {
        bail!("--limit is 1..=10000");
    }
    if a.out.exists() {
        bail!(
            "{} exists: a batch file is never overwritten",
            a.out.display()
        );
    }
    let debtor = Party::new(&a.debtor_name, &a.debtor_iban, &a.debtor_bic)
        .context("the agency's bank account")?;
    let (today, created) = now();
    let date = a.execution_date.clone().unwrap_or(today);
    check_date(&date)?;
    let book = payees(&a.payees)?;
    let decimals = *crate::money::decimals_of(&a.signer.node, std::iter::once(account.as_str()))
        .await?
        .get(&account)
        .ok_or_else(|| anyhow!("no account '{account}'"))?;
    let (credits, ids, skipped, seen) = payable(
        &Client::new(&a.signer.node)?,
        &account,
        &book,
        decimals,
        a.limit,
    )
    .await?;
    if credits.is_empty() {
        bail!(
            "no waiting cash-out of '{account}' can be paid ({seen} waiting, {} without a bank account or whole cents)",
            skipped.len()
        );
    }
    let id = a
        .batch
        .clone()
        .unwrap_or_else(|| format!("co-{}-{}", ids[0], ids.len()));
    let file = Batch {
        id: id.clone(),
        created,
        execution_date: date,
        currency: a.bank_currency.clone(),
        debtor,
        credits,
    };
    let xml = file.to_xml()?;
    let sha = publica_crypto::sha256(xml.as_bytes()).to_hex();
    let total: u128 = file.credits.iter().map(|c| c.cents).sum();
    // Written beside the target first, renamed once the ledger recorded
    // the batch: no file exists for requests the ledger did not mark.
    let tmp = a.out.with_extension("partial");
    std::fs::write(&tmp, &xml).with_context(|| format!("writing {}", tmp.display()))?;
    let recorded = bulk::submit_quiet(
        &a.signer,
        "money",
        "settle_cash_outs",
        json!({"account": account, "batch": id, "file_sha256": sha, "requests": ids}),
    )
    .await;
    let report: Value = match recorded {
        Ok(r) => r,
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            return Err(e.context("the ledger did not record the batch; no file was written"));
        }
    };
    std::fs::rename(&tmp, &a.out).with_context(|| format!("writing {}", a.out.display()))?;
    print_json(&json!({
        "batch": id,
        "file": a.out.display().to_string(),
        "file_sha256": sha,
        "requests": ids,
        "count": ids.len(),
        "total": pain001::decimal(total),
        "currency": a.bank_currency,
        "skipped": skipped,
        "tx_id": report["tx_id"],
        "block_height": report["block_height"],
    }));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_become_cents_only_when_exact() {
        assert_eq!(cents(1250, 2), Some(1250));
        assert_eq!(cents(12, 0), Some(1200));
        assert_eq!(cents(12_500, 3), Some(1250));
        assert_eq!(cents(12_501, 3), None);
        assert!(check_date("2027-02-29").is_err());
        check_date("2028-02-29").unwrap();
        assert!(check_date("2027-1-05").is_err());
    }
}
