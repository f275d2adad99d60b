//! `publica money …`: accounts, histories, provenance, currencies,
//! transfers, and bulk transfers from a CSV file.

use crate::bulk::{self, SignerArgs};
use crate::client::{api_error, checked_id, print_json, Client};
use anyhow::{anyhow, bail, Context, Result};
use clap::Subcommand;
use serde_json::json;
use std::collections::BTreeMap;
use std::path::PathBuf;

#[derive(Subcommand, Debug)]
pub enum MoneyCmd {
    /// An account, with a state proof (--verify checks it locally).
    Account {
        id: String,
        #[arg(long)]
        verify: bool,
        #[arg(long, env = "PUBLICA_NODE", default_value = "http://127.0.0.1:8700")]
        node: String,
    },
    /// An account's history.
    History {
        id: String,
        #[arg(long, default_value_t = 0)]
        from: u64,
        #[arg(long, default_value_t = 100)]
        limit: usize,
        #[arg(long, env = "PUBLICA_NODE", default_value = "http://127.0.0.1:8700")]
        node: String,
    },
    /// Where an account's money came from.
    Provenance {
        id: String,
        #[arg(long, env = "PUBLICA_NODE", default_value = "http://127.0.0.1:8700")]
        node: String,
    },
    /// A currency's totals and appropriations.
    Currency {
        code: String,
        #[arg(long, env = "PUBLICA_NODE", default_value = "http://127.0.0.1:8700")]
        node: String,
    },
    /// Transfers from a CSV file (`from,to,amount[,reference]`, header
    /// first), with progress, per-row results and a reconciliation summary.
    Bulk {
        /// The signer (owner of the debited accounts) and the node.
        #[command(flatten)]
        signer: SignerArgs,
        /// The CSV file.
        #[arg(long)]
        file: PathBuf,
    },
    /// Cash money out through an agency's bank: pays the agency's
    /// cash-out account; the request waits for the agency's next batch.
    CashOut {
        /// The holder (owner of the debited account) and the node.
        #[command(flatten)]
        signer: SignerArgs,
        /// The account cashed out from.
        #[arg(long)]
        from: String,
        /// The agency's cash-out account.
        #[arg(long)]
        to: String,
        /// Minor units, or major units with a decimal point (`12.50`).
        #[arg(long)]
        amount: String,
        /// The request's reference: it is paid once.
        #[arg(long)]
        reference: String,
    },
    /// Opens an account of the agency for cash-outs, or changes its
    /// minimum (a treasurer of the agency signs).
    CashOutAccount {
        /// The treasurer and the node.
        #[command(flatten)]
        signer: SignerArgs,
        /// The agency's account that takes cash-outs.
        #[arg(long)]
        cash_out_account: String,
        /// The smallest cash-out it takes: minor units, or major units
        /// with a decimal point (`5.00`).
        #[arg(long)]
        minimum: String,
    },
    /// Exports the waiting cash-outs of an agency's account as an ISO 20022
    /// pain.001 file for its bank and records the batch on the ledger.
    CashOutBatch(crate::cashout::BatchArgs),
}

fn path_id(id: &str) -> Result<&str> {
    checked_id("an account", id)
}

pub async fn run(cmd: MoneyCmd) -> Result<()> {
    match cmd {
        MoneyCmd::Account { id, verify, node } => {
            let mut v = Client::new(&node)?
                .get_ok(&format!("/v1/money/accounts/{}", path_id(&id)?))
                .await?;
            if verify {
                let root: publica_types::Hash32 = v["state_root"]
                    .as_str()
                    .unwrap_or_default()
                    .parse()
                    .map_err(|e| anyhow!("state_root: {e}"))?;
                let proof: publica_state::Proof =
                    serde_json::from_value(v["proof"].clone()).context("proof")?;
                let value = hex::decode(v["value_hex"].as_str().unwrap_or_default())
                    .context("value_hex")?;
                let key = v["key"].as_str().unwrap_or_default().to_string();
                publica_state::verify_proof(&root, key.as_bytes(), Some(&value), &proof)
                    .map_err(|e| anyhow!("the balance proof does not verify: {e}"))?;
                v["verified"] = json!(true);
            }
            print_json(&v);
        }
        MoneyCmd::History {
            id,
            from,
            limit,
            node,
        } => {
            print_json(
                &Client::new(&node)?
                    .get_ok(&format!(
                        "/v1/money/accounts/{}/history?from={from}&limit={limit}",
                        path_id(&id)?
                    ))
                    .await?,
            );
        }
        MoneyCmd::Provenance { id, node } => {
            print_json(
                &Client::new(&node)?
                    .get_ok(&format!("/v1/money/accounts/{}/provenance", path_id(&id)?))
                    .await?,
            );
        }
        MoneyCmd::Currency { code, node } => {
            if !publica_money::model::valid_code(&code) {
                bail!("'{code}' is not a currency code (2..=12 of [A-Z0-9])");
            }
            print_json(
                &Client::new(&node)?
                    .get_ok(&format!("/v1/money/currencies/{code}"))
                    .await?,
            );
        }
        MoneyCmd::Bulk { signer, file } => bulk(&signer, &file).await?,
        MoneyCmd::CashOut {
            signer,
            from,
            to,
            amount,
            reference,
        } => {
            let minor = minor_units(&signer.node, &from, &amount, "--amount").await?;
            bulk::submit_one(
                &signer,
                "money",
                "cash_out",
                json!({"from": from, "to": to, "amount": minor, "reference": reference}),
            )
            .await?;
        }
        MoneyCmd::CashOutAccount {
            signer,
            cash_out_account,
            minimum,
        } => {
            let minor = minor_units(&signer.node, &cash_out_account, &minimum, "--minimum").await?;
            bulk::submit_one(
                &signer,
                "money",
                "declare_cash_out_account",
                json!({"account": cash_out_account, "minimum": minor}),
            )
            .await?;
        }
        MoneyCmd::CashOutBatch(a) => crate::cashout::batch(a).await?,
    }
    Ok(())
}

/// `amount` in minor units: as given when it is all digits, else read as
/// major units in the currency of `account`.
pub(crate) async fn minor_units(
    node: &str,
    account: &str,
    amount: &str,
    flag: &str,
) -> Result<String> {
    if amount.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(amount.to_string());
    }
    let d = decimals_of(node, std::iter::once(account)).await?;
    let d = d
        .get(account)
        .ok_or_else(|| anyhow!("no account '{account}'"))?;
    Ok(publica_money::bulk::major_units(amount, *d)
        .map_err(|e| anyhow!("{flag} {e}"))?
        .to_string())
}

/// The decimals of each account's currency, for the accounts that exist.
pub(crate) async fn decimals_of(
    node: &str,
    accounts: impl Iterator<Item = &str>,
) -> Result<BTreeMap<String, u8>> {
    let client = Client::new(node)?;
    let mut currencies: BTreeMap<String, u8> = BTreeMap::new();
    let mut out = BTreeMap::new();
    let unique: std::collections::BTreeSet<&str> = accounts.collect();
    for id in unique {
        let (status, account) = client
            .get(&format!("/v1/money/accounts/{}", path_id(id)?))
            .await?;
        if status == 404 {
            continue;
        }
        let Some(code) = account["account"]["currency"]
            .as_str()
            .filter(|_| status == 200)
        else {
            return Err(api_error(status, &account));
        };
        if !currencies.contains_key(code) {
            let c = client
                .get_ok(&format!("/v1/money/currencies/{code}"))
                .await?;
            let d = c["currency"]["decimals"]
                .as_u64()
                .and_then(|d| u8::try_from(d).ok())
                .filter(|d| *d <= 18)
                .ok_or_else(|| anyhow!("currency {code}: its decimals are missing"))?;
            currencies.insert(code.to_string(), d);
        }
        out.insert(id.to_string(), currencies[code]);
    }
    Ok(out)
}

/// Transfers from a CSV file: one `money.transfer` per row.
///
/// A row's reference is its idempotency key: the transfer is sent `once`,
/// so the same file run twice pays nobody twice. Amounts in major units
/// (`amount_major`) take the decimals of the currency each row pays from.
async fn bulk(signer: &SignerArgs, file: &std::path::Path) -> Result<()> {
    let (mut rows, mut results) = publica_money::bulk::transfers(bulk::read_csv(file)?)
        .map_err(|e| anyhow!("{}: {e}", file.display()))?;
    if rows.iter().any(|t| t.major.is_some()) {
        let decimals = decimals_of(&signer.node, rows.iter().map(|t| t.from.as_str())).await?;
        results.extend(publica_money::bulk::in_minor_units(&mut rows, &decimals));
    }
    let calls: Vec<bulk::Call> = rows
        .iter()
        .map(|t| bulk::Call {
            line: t.line,
            module: "money",
            method: "transfer",
            args: json!({"from": t.from, "to": t.to, "amount": t.amount.to_string(),
                "reference": t.reference, "once": !t.reference.trim().is_empty()}),
        })
        .collect();
    let amounts = rows.into_iter().map(|t| (t.from, t.amount));
    let session = bulk::Session::open(signer).await?;
    let done = session.submit(&calls).await?;
    let mut moved: BTreeMap<String, u128> = BTreeMap::new();
    for ((call, d), (from, amount)) in calls.iter().zip(&done).zip(amounts) {
        if d.ok() {
            *moved.entry(from).or_default() += amount;
        }
        results.push(d.report(call.line));
    }
    let summary = json!({
        "moved_per_account": moved.iter().map(|(k, v)| (k.clone(), json!(v.to_string()))).collect::<serde_json::Map<_, _>>(),
        "moved_total": moved.values().sum::<u128>().to_string(),
    });
    bulk::finish(results, summary)
}
