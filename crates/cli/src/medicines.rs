//! `publica medicines …`: the regulator's registry of parties (register,
//! update, licence) and what a GS1 identifier names.

use crate::bulk::SignerArgs;
use crate::client::Client;
use anyhow::{anyhow, bail, Result};
use clap::Subcommand;
use publica_medicines::{gs1, model};
use serde_json::{json, Value};

/// `publica medicines …`.
#[derive(Subcommand, Debug)]
pub enum MedicinesCmd {
    /// Register a party (a regulator of --agency): licensed from now.
    RegisterParty {
        #[command(flatten)]
        signer: SignerArgs,
        /// The regulator agency.
        #[arg(long)]
        agency: String,
        /// The party's id (1..=64 of [a-z0-9_-]).
        #[arg(long)]
        id: String,
        /// Its name.
        #[arg(long)]
        name: String,
        /// manufacturer, wholesaler, pharmacy or hospital.
        #[arg(long)]
        kind: String,
        /// GS1 company prefixes (comma separated).
        #[arg(long, value_delimiter = ',')]
        prefix: Vec<String>,
        /// Locations: GLN-13s (comma separated, at least one).
        #[arg(long, value_delimiter = ',', required = true)]
        gln: Vec<String>,
        /// Accounts that capture events for it (hex, comma separated, at
        /// least one).
        #[arg(long, value_delimiter = ',', required = true)]
        capturer: Vec<String>,
    },
    /// Suspend, reinstate (active) or revoke a party's licence.
    Licence {
        #[command(flatten)]
        signer: SignerArgs,
        /// The regulator agency.
        #[arg(long)]
        agency: String,
        /// The party.
        #[arg(long)]
        party: String,
        /// active, suspended or revoked (final).
        #[arg(long)]
        status: String,
        /// Why (a decision's reference; never personal data).
        #[arg(long)]
        reason: String,
    },
    /// Show a party.
    Party {
        /// The party.
        id: String,
        /// Node URL.
        #[arg(long, env = "PUBLICA_NODE", default_value = "http://127.0.0.1:8700")]
        node: String,
    },
    /// What a GS1 identifier names: checked, its canonical key, and the
    /// party holding its company prefix.
    Identify {
        /// An EPC URI or a GS1 Digital Link.
        uri: String,
        /// Node URL.
        #[arg(long, env = "PUBLICA_NODE", default_value = "http://127.0.0.1:8700")]
        node: String,
    },
}

/// Signs, submits and reports one `medicines` call.
async fn submit(signer: &SignerArgs, method: &'static str, args: Value) -> Result<()> {
    crate::bulk::submit_one(signer, "medicines", method, args).await
}

/// Runs `publica medicines …`.
pub async fn run(cmd: MedicinesCmd) -> Result<()> {
    match cmd {
        MedicinesCmd::RegisterParty {
            signer,
            agency,
            id,
            name,
            kind,
            prefix,
            gln,
            capturer,
        } => {
            if !model::valid_id(&id) {
                bail!("--id is 1..=64 of [a-z0-9_-]");
            }
            if !["manufacturer", "wholesaler", "pharmacy", "hospital"].contains(&kind.as_str()) {
                bail!("--kind is manufacturer, wholesaler, pharmacy or hospital");
            }
            if let Some(p) = prefix.iter().find(|p| !gs1::valid_prefix(p)) {
                bail!("--prefix '{p}' is not a GS1 company prefix (6..=12 digits)");
            }
            if let Some(g) = gln.iter().find(|g| !gs1::valid_gln(g)) {
                bail!("--gln '{g}' is not a GLN (13 digits with its check digit)");
            }
            let accounts: Vec<publica_types::AccountId> = capturer
                .iter()
                .map(|a| {
                    a.parse()
                        .map_err(|_| anyhow!("--capturer '{a}' is not a 64-hex account"))
                })
                .collect::<Result<_>>()?;
            let args = json!({"agency": agency, "id": id, "name": name, "kind": kind,
                              "company_prefixes": prefix, "glns": gln, "accounts": accounts});
            submit(&signer, "register_party", args).await
        }
        MedicinesCmd::Licence {
            signer,
            agency,
            party,
            status,
            reason,
        } => {
            if !["active", "suspended", "revoked"].contains(&status.as_str()) {
                bail!("--status is active, suspended or revoked");
            }
            let args =
                json!({"agency": agency, "party": party, "status": status, "reason": reason});
            submit(&signer, "set_licence", args).await
        }
        MedicinesCmd::Party { id, node } => {
            if !model::valid_id(&id) {
                bail!("a party id is 1..=64 of [a-z0-9_-]");
            }
            let v = Client::new(&node)?
                .get_ok(&format!("/v1/medicines/parties/{id}"))
                .await?;
            crate::client::print_json(&v);
            Ok(())
        }
        MedicinesCmd::Identify { uri, node } => {
            // Checked here first: a malformed identifier needs no node.
            gs1::parse(&uri).map_err(|e| anyhow!("{e}"))?;
            let q = publica_types::uri::encode(&uri);
            let v = Client::new(&node)?
                .get_ok(&format!("/v1/medicines/identify?uri={q}"))
                .await?;
            crate::client::print_json(&v);
            Ok(())
        }
    }
}
