//! `medicines.recall`: a regulator, or the manufacturer whose company
//! prefix a product's GTIN begins with, recalls the product or one lot.
//! From then on every pack of it fails verification with the recall's
//! reason; its reach (every pack, its custodian, dispensed or not) is
//! answered by `GET /v1/medicines/recalls/{id}`.

use crate::codes::MedicinesRejection as R;
use crate::events::MedicinesEvent;
use crate::gs1::{self, Id};
use crate::model::{account_key, recall_id_key, recall_key, valid_id, Recall};
use crate::queries::owner_with;
use publica_runtime::{CallContext, Rejections};
use publica_types::TxError;
use serde::Deserialize;

/// Arguments of `medicines.recall`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecallArgs {
    /// The regulator agency, when a regulator recalls (the signer holds
    /// `regulator` in it); absent when the manufacturer does.
    #[serde(default)]
    pub agency: Option<String>,
    /// The recall's id (1..=64 of `[a-z0-9_-]`).
    pub id: String,
    /// The product (GTIN-14).
    pub gtin: String,
    /// One lot of it, or every lot.
    #[serde(default)]
    pub lot: Option<String>,
    /// Why (1..=200 bytes: the defect, never personal data).
    pub reason: String,
}

/// Executes `medicines.recall`.
pub(crate) fn recall(ctx: &mut CallContext<'_>, a: RecallArgs) -> Result<(), TxError> {
    if !valid_id(&a.id) {
        return Err(R::InvalidField.err("a recall id is 1..=64 of [a-z0-9_-]"));
    }
    crate::text(&a.reason, "reason")?;
    let probe = match &a.lot {
        Some(lot) => format!(
            "https://id.gs1.org/01/{}/10/{}",
            a.gtin,
            publica_types::uri::encode(lot)
        ),
        None => format!("https://id.gs1.org/01/{}/10/0", a.gtin),
    };
    let id = gs1::parse(&probe).map_err(|e| R::InvalidField.err(format!("gtin or lot: {e}")))?;
    let Id::Lgtin { gtin, lot } = &id else {
        return Err(R::InvalidField.err("gtin is 14 digits with its check digit"));
    };
    let lot = a.lot.as_ref().map(|_| lot.clone());
    let owner = owner_with(|k| ctx.get(k), &id);
    let by = match &a.agency {
        // The regulator that licensed the manufacturer; any regulator for
        // a product no registered party makes.
        Some(agency) => match &owner {
            Some(p) if p.regulator != *agency => {
                return Err(R::NotTheRegulator.err(format!(
                    "{gtin} is made by party '{}', registered by '{}'",
                    p.id, p.regulator
                )))
            }
            _ => agency.clone(),
        },
        None => {
            let party: Option<String> = ctx.read(&account_key(&ctx.signer()));
            match (party, owner.map(|p| p.id)) {
                (Some(p), Some(o)) if p == o => p,
                _ => {
                    return Err(R::NotYourPrefix.err(format!(
                        "only a regulator, or the manufacturer holding the prefix of {gtin}, recalls it"
                    )))
                }
            }
        }
    };
    let key = recall_key(gtin, lot.as_deref());
    if ctx.contains(&recall_id_key(&a.id)) {
        return Err(R::RecallExists.err(format!("recall '{}' exists already", a.id)));
    }
    if let Some(existing) = ctx.read::<String>(&key) {
        return Err(R::RecallExists.err(format!("recall '{existing}' covers this already")));
    }
    let r = Recall {
        id: a.id.clone(),
        gtin: gtin.clone(),
        lot: lot.clone(),
        reason: a.reason.clone(),
        by: by.clone(),
        at_ms: ctx.env().time_ms,
        height: ctx.env().height,
    };
    ctx.write(recall_id_key(&a.id), &r);
    ctx.write(key, &a.id);
    ctx.emit_event(&MedicinesEvent::Recalled {
        id: a.id,
        gtin: gtin.clone(),
        lot,
        reason: a.reason,
        by,
    });
    Ok(())
}
