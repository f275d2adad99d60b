//! The `medicines` module: medicines and medical devices traced with GS1
//! EPCIS 2.0 (issue 28). This first part holds what every event will be
//! checked against:
//!
//! - the **registry of parties** — manufacturers, wholesalers, pharmacies,
//!   hospitals — kept by a health regulator (an official with the
//!   `regulator` role in its agency): each party's GS1 company prefixes
//!   (one party per prefix), its locations (GLNs),
//!   the accounts that capture events for it, and its licence (active,
//!   suspended, revoked for good) with every interval it was in force, so a
//!   chain of custody is judged by who was licensed at the time (a number
//!   belongs to the party with the longest registered prefix it begins
//!   with, as GS1 sub-allocates prefixes);
//! - **GS1 identifiers** ([`gs1`]): EPC URIs and Digital Links checked and
//!   reduced to one key, and the party that owns a number by its prefix
//!   (`GET /v1/medicines/identify`).
//!
//! See `docs/medicines.md`.

pub mod capture;
pub mod codes;
pub mod epcis;
pub mod events;
pub mod gs1;
pub mod hash;
pub mod model;
pub mod queries;
pub mod recall;
pub mod routes;

use codes::MedicinesRejection as R;
use events::MedicinesEvent;
use model::{
    account_key, gln_key, party_key, prefix_key, valid_id, Interval, Kind, LicenceStatus, Party,
    INTERVALS_MAX, LIST_MAX, TEXT_BYTES_MAX,
};
use publica_runtime::authz::Role;
use publica_runtime::{CallContext, IndexFiler, Need, Rejections, TypedModule};
use publica_types::{AccountId, TxError};
use serde::Deserialize;
use serde_json::json;

/// The `medicines` module.
#[derive(Debug, Default)]
pub struct Medicines;

/// Arguments of `medicines.register_party`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Register {
    /// The regulator agency; the signer holds `regulator` in it.
    pub agency: String,
    /// The party's id.
    pub id: String,
    /// Its name (1..=200 bytes).
    pub name: String,
    /// What it does.
    pub kind: Kind,
    /// Its GS1 company prefixes (6..=12 digits each, 0..=64).
    #[serde(default)]
    pub company_prefixes: Vec<String>,
    /// Its locations (GLN-13, 1..=64).
    pub glns: Vec<String>,
    /// The accounts that capture for it (1..=64).
    pub accounts: Vec<AccountId>,
}

/// Arguments of `medicines.update_party`: each list given replaces the
/// party's.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Update {
    /// The regulator agency that registered the party.
    pub agency: String,
    /// The party.
    pub party: String,
    /// New name.
    #[serde(default)]
    pub name: Option<String>,
    /// New prefixes.
    #[serde(default)]
    pub company_prefixes: Option<Vec<String>>,
    /// New locations.
    #[serde(default)]
    pub glns: Option<Vec<String>>,
    /// New capturing accounts.
    #[serde(default)]
    pub accounts: Option<Vec<AccountId>>,
}

/// Arguments of `medicines.set_licence`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SetLicence {
    /// The regulator agency that registered the party.
    pub agency: String,
    /// The party.
    pub party: String,
    /// `active` (reinstate), `suspended` or `revoked` (final).
    pub status: LicenceStatus,
    /// Why (1..=200 bytes; a decision's reference, never personal data).
    pub reason: String,
}

publica_runtime::calls! {
    /// The calls of `medicines`.
    #[derive(Debug)]
    pub enum MedicinesCall {
        /// Register a party (licensed from now).
        RegisterParty(Register) = "register_party" => Need::Role(Role::Regulator, "agency"),
        /// Change a party's name, prefixes, locations or accounts.
        UpdateParty(Update) = "update_party" => Need::Role(Role::Regulator, "agency"),
        /// Suspend, reinstate or revoke a party's licence.
        SetLicence(SetLicence) = "set_licence" => Need::Role(Role::Regulator, "agency"),
        /// Capture an EPCIS 2.0 event for the party the signer captures for.
        Capture(capture::Capture) = "capture" => Need::Any,
        /// Capture many events, each captured or refused on its own.
        CaptureBatch(capture::CaptureBatch) = "capture_batch" => Need::Any,
        /// Recall a product or a lot (a regulator, or its manufacturer).
        Recall(recall::RecallArgs) = "recall" => Need::RoleIfNamed(Role::Regulator, "agency"),
    }
}

pub(crate) fn text(s: &str, what: &str) -> Result<(), TxError> {
    if s.is_empty() || s.len() > TEXT_BYTES_MAX || s.chars().any(char::is_control) {
        return Err(R::InvalidField.err(format!(
            "{what} is 1..={TEXT_BYTES_MAX} bytes without control characters"
        )));
    }
    Ok(())
}

fn list_len<T>(v: &[T], min: usize, what: &str) -> Result<(), TxError> {
    if v.len() < min || v.len() > LIST_MAX {
        return Err(R::InvalidField.err(format!("{what} has {min}..={LIST_MAX} entries")));
    }
    Ok(())
}

impl Medicines {
    /// Checks and claims `prefixes`, `glns` and `accounts` for `party`,
    /// releasing what `old` held and no longer does.
    fn claim(
        ctx: &mut CallContext<'_>,
        party: &str,
        old: Option<&Party>,
        prefixes: &[String],
        glns: &[String],
        accounts: &[AccountId],
    ) -> Result<(), TxError> {
        list_len(prefixes, 0, "company_prefixes")?;
        list_len(glns, 1, "glns")?;
        list_len(accounts, 1, "accounts")?;
        let owner = |ctx: &CallContext<'_>, key: &[u8]| -> Option<String> { ctx.read(key) };
        for p in prefixes {
            if !gs1::valid_prefix(p) {
                return Err(R::InvalidField
                    .err(format!("'{p}' is not a GS1 company prefix (6..=12 digits)")));
            }
            if let Some(o) = owner(ctx, &prefix_key(p)).filter(|o| o != party) {
                return Err(R::PrefixTaken.err(format!("party '{o}' holds {p}")));
            }
        }
        for g in glns {
            if !gs1::valid_gln(g) {
                return Err(R::InvalidField.err(format!(
                    "'{g}' is not a GLN (13 digits with its check digit)"
                )));
            }
            if let Some(o) = owner(ctx, &gln_key(g)).filter(|o| o != party) {
                return Err(R::GlnTaken.err(format!("party '{o}' holds GLN {g}")));
            }
        }
        for a in accounts {
            if let Some(o) = owner(ctx, &account_key(a)).filter(|o| o != party) {
                return Err(R::AccountTaken.err(format!("{a} captures for party '{o}'")));
            }
        }
        if let Some(old) = old {
            for p in &old.company_prefixes {
                ctx.delete(prefix_key(p));
            }
            for g in &old.glns {
                ctx.delete(gln_key(g));
            }
            for a in &old.accounts {
                ctx.delete(account_key(a));
            }
        }
        let id = party.to_string();
        for p in prefixes {
            ctx.write(prefix_key(p), &id);
        }
        for g in glns {
            ctx.write(gln_key(g), &id);
        }
        for a in accounts {
            ctx.write(account_key(a), &id);
        }
        Ok(())
    }

    fn register(ctx: &mut CallContext<'_>, a: Register) -> Result<(), TxError> {
        if !valid_id(&a.id) {
            return Err(R::InvalidField.err("a party id is 1..=64 of [a-z0-9_-]"));
        }
        text(&a.name, "name")?;
        if ctx.contains(&party_key(&a.id)) {
            return Err(R::PartyExists.err(format!("party '{}' is registered already", a.id)));
        }
        let mut prefixes = a.company_prefixes.clone();
        let mut glns = a.glns.clone();
        let mut accounts = a.accounts.clone();
        prefixes.sort();
        prefixes.dedup();
        glns.sort();
        glns.dedup();
        accounts.sort();
        accounts.dedup();
        Self::claim(ctx, &a.id, None, &prefixes, &glns, &accounts)?;
        let now = ctx.env().time_ms;
        let party = Party {
            id: a.id.clone(),
            name: a.name,
            kind: a.kind,
            regulator: a.agency.clone(),
            company_prefixes: prefixes,
            glns,
            accounts,
            licence: LicenceStatus::Active,
            intervals: vec![Interval {
                from_ms: now,
                until_ms: None,
            }],
            height: ctx.env().height,
        };
        ctx.write(party_key(&a.id), &party);
        ctx.emit_event(&MedicinesEvent::PartyRegistered {
            party: a.id,
            party_kind: a.kind,
            regulator: a.agency,
        });
        Ok(())
    }

    /// The party `id`, registered by `agency`.
    fn regulated(ctx: &CallContext<'_>, agency: &str, id: &str) -> Result<Party, TxError> {
        let p: Party = ctx
            .read(&party_key(id))
            .ok_or_else(|| R::UnknownParty.err(format!("no party '{id}'")))?;
        if p.regulator != agency {
            return Err(
                R::NotTheRegulator.err(format!("party '{id}' is registered by '{}'", p.regulator))
            );
        }
        Ok(p)
    }

    fn update(ctx: &mut CallContext<'_>, a: Update) -> Result<(), TxError> {
        let mut p = Self::regulated(ctx, &a.agency, &a.party)?;
        if let Some(n) = &a.name {
            text(n, "name")?;
        }
        let sorted = |v: Option<Vec<String>>, old: &[String]| {
            let mut v = v.unwrap_or_else(|| old.to_vec());
            v.sort();
            v.dedup();
            v
        };
        let prefixes = sorted(a.company_prefixes, &p.company_prefixes);
        let glns = sorted(a.glns, &p.glns);
        let mut accounts = a.accounts.unwrap_or_else(|| p.accounts.clone());
        accounts.sort();
        accounts.dedup();
        let old = p.clone();
        Self::claim(ctx, &p.id, Some(&old), &prefixes, &glns, &accounts)?;
        if let Some(n) = a.name {
            p.name = n;
        }
        p.company_prefixes = prefixes;
        p.glns = glns;
        p.accounts = accounts;
        ctx.write(party_key(&p.id), &p);
        ctx.emit_event(&MedicinesEvent::PartyUpdated { party: p.id });
        Ok(())
    }

    fn set_licence(ctx: &mut CallContext<'_>, a: SetLicence) -> Result<(), TxError> {
        text(&a.reason, "reason")?;
        let mut p = Self::regulated(ctx, &a.agency, &a.party)?;
        if p.licence == LicenceStatus::Revoked {
            return Err(
                R::LicenceRevoked.err(format!("party '{}' lost its licence for good", p.id))
            );
        }
        if p.licence == a.status {
            return Err(R::InvalidField
                .err(format!("the licence is {:?} already", a.status).to_lowercase()));
        }
        let now = ctx.env().time_ms;
        match a.status {
            LicenceStatus::Active => {
                if p.intervals.len() >= INTERVALS_MAX {
                    return Err(R::InvalidField.err(format!(
                        "a party's licence is reinstated at most {INTERVALS_MAX} times"
                    )));
                }
                p.intervals.push(Interval {
                    from_ms: now,
                    until_ms: None,
                });
            }
            LicenceStatus::Suspended | LicenceStatus::Revoked => {
                if let Some(last) = p.intervals.last_mut().filter(|i| i.until_ms.is_none()) {
                    last.until_ms = Some(now.max(last.from_ms));
                }
            }
        }
        p.licence = a.status;
        ctx.write(party_key(&p.id), &p);
        ctx.emit_event(&MedicinesEvent::LicenceChanged {
            party: p.id,
            status: a.status,
            reason: a.reason,
        });
        Ok(())
    }
}

impl TypedModule for Medicines {
    const NAME: &'static str = "medicines";
    type Call = MedicinesCall;
    type Rejection = R;
    type Event = MedicinesEvent;
    const ROUTES: &'static [publica_runtime::Route] = routes::ROUTES;

    fn index_event(&self, event: &MedicinesEvent, filer: &mut IndexFiler<'_>) {
        match event {
            MedicinesEvent::Captured {
                hash,
                party,
                event_type,
                biz_step,
                time_ms,
                objects,
                commissioned,
                location,
                ..
            } => {
                let entry = json!({"hash": hash, "party": party, "type": event_type, "step": biz_step, "t": time_ms});
                filer.file("events", &entry);
                filer.file(&format!("type/{event_type}"), &entry);
                if let Some(step) = biz_step {
                    filer.file(
                        &format!("step/{}", publica_types::uri::encode(step)),
                        &entry,
                    );
                }
                if let Some(l) = location {
                    filer.file(&format!("location/{l}"), &entry);
                }
                for o in objects {
                    filer.file(&format!("epc/{o}"), &entry);
                }
                for (key, gtin, lot) in commissioned {
                    filer.file(&format!("gtin/{gtin}"), &json!({"key": key, "lot": lot}));
                }
            }
            MedicinesEvent::Recalled { id, .. } => filer.file("recalls", &json!({"id": id})),
            _ => {}
        }
    }

    fn execute(&self, ctx: &mut CallContext<'_>, call: MedicinesCall) -> Result<(), TxError> {
        match call {
            MedicinesCall::RegisterParty(a) => Self::register(ctx, a),
            MedicinesCall::UpdateParty(a) => Self::update(ctx, a),
            MedicinesCall::SetLicence(a) => Self::set_licence(ctx, a),
            MedicinesCall::Capture(a) => capture::capture(ctx, a),
            MedicinesCall::CaptureBatch(a) => capture::capture_batch(ctx, a),
            MedicinesCall::Recall(a) => recall::recall(ctx, a),
        }
    }
}
