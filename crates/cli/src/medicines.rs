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
    /// Capture an EPCIS 2.0 document (JSON/JSON-LD): every event checked
    /// here first (an invalid one stops the whole document, EPCIS-style,
    /// listing each failing event), then each signed by the capturing
    /// party's key as its own transaction; prints each event's result.
    Capture {
        #[command(flatten)]
        signer: SignerArgs,
        /// The EPCISDocument (or a JSON array of events).
        file: std::path::PathBuf,
        /// Check only: report the events' validity and hashes, submit nothing.
        #[arg(long)]
        check: bool,
    },
    /// The EPCIS 2.0 event hash of each event of a document (CBV 2.0
    /// event hash ID, as the ledger keys events), whether or not the
    /// ledger would take the event: to set an event's `eventID` before
    /// capture, or to compare with another implementation. Reads the file
    /// only.
    Hash {
        /// The EPCISDocument (or a JSON array of events).
        file: std::path::PathBuf,
        /// Print each pre-hash string too.
        #[arg(long)]
        prehash: bool,
    },
    /// Verify a pack: commissioned by whom, custodian now, dispensed,
    /// recalled, expired, the chain of custody. Exit status 0 only when
    /// authentic.
    Verify {
        /// The pack's EPC URI or GS1 Digital Link.
        uri: String,
        /// Node URL.
        #[arg(long, env = "PUBLICA_NODE", default_value = "http://127.0.0.1:8700")]
        node: String,
    },
    /// Recall a product (a GTIN) or one lot of it: a regulator (with
    /// --agency) or the manufacturer (its capturing key).
    Recall {
        #[command(flatten)]
        signer: SignerArgs,
        /// The regulator agency (absent: the manufacturer recalls).
        #[arg(long)]
        agency: Option<String>,
        /// The recall's id (1..=64 of [a-z0-9_-]).
        #[arg(long)]
        id: String,
        /// The product's GTIN-14.
        #[arg(long)]
        gtin: String,
        /// One lot (absent: every lot).
        #[arg(long)]
        lot: Option<String>,
        /// Why (the defect; never personal data).
        #[arg(long)]
        reason: String,
    },
    /// A recall's reach: every pack of the product (or lot), its custodian
    /// and status, a page at a time.
    Reach {
        /// The recall's id.
        id: String,
        /// First commissioned pack to look at.
        #[arg(long, default_value_t = 0)]
        from: u64,
        /// Packs looked at (1..=1000).
        #[arg(long, default_value_t = 200)]
        limit: u64,
        /// Node URL.
        #[arg(long, env = "PUBLICA_NODE", default_value = "http://127.0.0.1:8700")]
        node: String,
    },
    /// Query captured events (EPCIS 2.0 SimpleEventQuery): prints the
    /// EPCISQueryDocument.
    Events {
        /// Events naming this object (EPC URI or Digital Link).
        #[arg(long)]
        epc: Option<String>,
        /// ObjectEvent, AggregationEvent, TransformationEvent, TransactionEvent or AssociationEvent.
        #[arg(long = "type")]
        event_type: Option<String>,
        /// Business step (shipping, receiving, …).
        #[arg(long)]
        biz_step: Option<String>,
        /// Business location (SGLN or Digital Link).
        #[arg(long)]
        location: Option<String>,
        /// At or after (RFC 3339).
        #[arg(long)]
        since: Option<String>,
        /// Before (RFC 3339).
        #[arg(long)]
        until: Option<String>,
        /// Events per page (1..=100).
        #[arg(long, default_value_t = 30)]
        per_page: u32,
        /// A page token a previous page gave.
        #[arg(long)]
        page: Option<String>,
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
        other => run_supply(other).await,
    }
}

/// The supply-chain commands: capture, verify, recall, reach, events.
async fn run_supply(cmd: MedicinesCmd) -> Result<()> {
    match cmd {
        MedicinesCmd::Capture {
            signer,
            file,
            check,
        } => crate::epcis_capture::capture(&signer, &file, check).await,
        MedicinesCmd::Verify { uri, node } => verify(&uri, &node).await,
        MedicinesCmd::Hash { file, prehash } => crate::epcis_capture::hashes(&file, prehash),
        MedicinesCmd::Recall {
            signer,
            agency,
            id,
            gtin,
            lot,
            reason,
        } => {
            if !model::valid_id(&id) {
                bail!("--id is 1..=64 of [a-z0-9_-]");
            }
            if gtin.len() != 14 || !gtin.bytes().all(|b| b.is_ascii_digit()) {
                bail!("--gtin is a GTIN-14: 14 digits");
            }
            let mut args = json!({"id": id, "gtin": gtin, "reason": reason});
            if let Some(a) = agency {
                args["agency"] = json!(a);
            }
            if let Some(l) = lot {
                args["lot"] = json!(l);
            }
            submit(&signer, "recall", args).await
        }
        MedicinesCmd::Reach {
            id,
            from,
            limit,
            node,
        } => {
            if !model::valid_id(&id) {
                bail!("a recall id is 1..=64 of [a-z0-9_-]");
            }
            let v = Client::new(&node)?
                .get_ok(&format!(
                    "/v1/medicines/recalls/{id}?from={from}&limit={limit}"
                ))
                .await?;
            crate::client::print_json(&v);
            Ok(())
        }
        MedicinesCmd::Events {
            epc,
            event_type,
            biz_step,
            location,
            since,
            until,
            per_page,
            page,
            node,
        } => {
            let filters = [
                ("MATCH_anyEPC", epc),
                ("eventType", event_type),
                ("EQ_bizStep", biz_step),
                ("EQ_bizLocation", location),
                ("GE_eventTime", since),
                ("LT_eventTime", until),
                ("nextPageToken", page),
            ];
            events(&filters, per_page, &node).await
        }
        _ => unreachable!("registry commands are run by run()"),
    }
}

/// `publica medicines verify`: prints the verdict; fails unless authentic.
async fn verify(uri: &str, node: &str) -> Result<()> {
    gs1::parse(uri).map_err(|e| anyhow!("{e}"))?;
    let q = publica_types::uri::encode(uri);
    let v = Client::new(node)?
        .get_ok(&format!("/v1/medicines/verify?uri={q}"))
        .await?;
    crate::client::print_json(&v);
    if v["authentic"] != true {
        let codes: Vec<&str> = v["problems"]
            .as_array()
            .map(|a| a.iter().filter_map(|p| p["code"].as_str()).collect())
            .unwrap_or_default();
        bail!("not authentic: {}", codes.join(", "));
    }
    Ok(())
}

/// `publica medicines events`: the EPCIS query with the filters given.
async fn events(filters: &[(&str, Option<String>)], per_page: u32, node: &str) -> Result<()> {
    let mut q = vec![format!("perPage={per_page}")];
    for (name, value) in filters {
        if let Some(v) = value {
            q.push(format!("{name}={}", publica_types::uri::encode(v)));
        }
    }
    let v = Client::new(node)?
        .get_ok(&format!("/v1/medicines/events?{}", q.join("&")))
        .await?;
    crate::client::print_json(&v);
    Ok(())
}
