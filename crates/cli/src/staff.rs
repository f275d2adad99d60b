//! Officials in bulk (`publica identity staff`, `publica identity roles`):
//! roles granted and revoked from a CSV file, one signed call per row by
//! an administrator of each agency named, and who holds which role in an
//! agency and since which block (`docs/identity.md`, "Staff").

use crate::bulk::{self, Call, SignerArgs};
use crate::client::{print_json, Client};
use anyhow::{anyhow, Result};
use publica_runtime::authz::Role;
use publica_types::csv::{invalid, Csv};
use publica_types::AccountId;
use serde_json::{json, Value};
use std::path::Path;

/// The rows of a staff file: `action,agency,account,role` with `grant` or
/// `revoke`; the calls and the reports of rows refused before signing.
///
/// # Errors
/// When the header is not `action,agency,account,role`.
pub fn calls(csv: Csv) -> Result<(Vec<Call>, Vec<Value>)> {
    if csv.header_line() != "action,agency,account,role" {
        return Err(anyhow!(
            "the first line must be the header action,agency,account,role"
        ));
    }
    let mut refused = csv.invalid;
    let mut calls = Vec::new();
    for (line, cols) in csv.rows {
        let [action, agency, account, role] = cols.as_slice() else {
            refused.push(invalid(line, "expected action,agency,account,role"));
            continue;
        };
        let method = match action.to_ascii_lowercase().as_str() {
            "grant" => "grant_role",
            "revoke" => "revoke_role",
            _ => {
                refused.push(invalid(line, "action is grant or revoke"));
                continue;
            }
        };
        if account.parse::<AccountId>().is_err() {
            refused.push(invalid(line, "account is an account id, 64 hex digits"));
            continue;
        }
        if serde_json::from_value::<Role>(json!(role)).is_err() {
            refused.push(invalid(
                line,
                format!("'{role}' is not a role (docs/identity.md lists them)"),
            ));
            continue;
        }
        if role == "administrator" {
            refused.push(invalid(
                line,
                "administrators are added and removed by M-of-N proposal (grant_administrator, revoke_administrator): publica identity propose",
            ));
            continue;
        }
        calls.push(Call {
            line,
            module: "identity",
            method,
            args: json!({"agency": agency, "account": account.to_ascii_lowercase(), "role": role}),
        });
    }
    Ok((calls, refused))
}

/// `publica identity staff FILE`: signs and submits the file's rows.
pub async fn staff(signer: &SignerArgs, file: &Path) -> Result<()> {
    let (calls, mut results) =
        calls(bulk::read_csv(file)?).map_err(|e| anyhow!("{}: {e}", file.display()))?;
    let session = bulk::Session::open(signer).await?;
    let done = session.submit(&calls).await?;
    let (mut granted, mut revoked) = (0, 0);
    for (call, d) in calls.iter().zip(&done) {
        if d.ok() {
            *(if call.method == "grant_role" {
                &mut granted
            } else {
                &mut revoked
            }) += 1;
        }
        results.push(d.report(call.line));
    }
    bulk::finish(results, json!({"granted": granted, "revoked": revoked}))
}

/// `publica identity roles AGENCY`: who holds which role, from which block
/// and since when (the block's time), one row per role.
pub async fn roles(node: &str, agency: &str, csv: bool) -> Result<()> {
    let client = Client::new(node)?;
    let members = client
        .get_ok(&format!(
            "/v1/identity/agencies/{}/members?limit=1000",
            publica_types::uri::encode(agency)
        ))
        .await?;
    let mut times = std::collections::BTreeMap::new();
    let mut rows = Vec::new();
    for m in members["members"].as_array().into_iter().flatten() {
        for (role, height) in m["granted"].as_object().into_iter().flatten() {
            let h = height.as_u64().unwrap_or(0);
            if let std::collections::btree_map::Entry::Vacant(e) = times.entry(h) {
                e.insert(block_time(&client, h).await?);
            }
            rows.push(
                json!({"agency": agency, "account": m["account"], "role": role,
                "since_height": h, "since": times[&h]}),
            );
        }
    }
    rows.sort_by_key(|r| (r["role"].to_string(), r["since_height"].as_u64()));
    if csv {
        println!("agency,account,role,since_height,since");
        for r in &rows {
            println!(
                "{},{},{},{},{}",
                agency,
                r["account"].as_str().unwrap_or_default(),
                r["role"].as_str().unwrap_or_default(),
                r["since_height"],
                r["since"].as_str().unwrap_or("genesis")
            );
        }
    } else {
        print_json(&json!({"agency": agency, "roles": rows}));
    }
    Ok(())
}

/// A block's time as an RFC 3339 UTC date, or null for genesis.
async fn block_time(client: &Client, height: u64) -> Result<Value> {
    if height == 0 {
        return Ok(Value::Null);
    }
    let block = client.get_ok(&format!("/v1/blocks/{height}")).await?;
    let ms = block["header"]["time_ms"]
        .as_u64()
        .ok_or_else(|| anyhow!("block {height} has no time"))?;
    Ok(json!(publica_types::calendar::utc_datetime(ms)))
}
