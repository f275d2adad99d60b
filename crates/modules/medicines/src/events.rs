//! The `medicines` module's events.

use crate::model::{Kind, LicenceStatus};
use serde::{Deserialize, Serialize};

/// A `medicines` event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "data", rename_all = "snake_case")]
pub enum MedicinesEvent {
    /// A regulator registered a party.
    PartyRegistered {
        /// The party.
        party: String,
        /// Its kind.
        party_kind: Kind,
        /// The regulator agency.
        regulator: String,
    },
    /// A regulator changed a party's prefixes, locations or accounts.
    PartyUpdated {
        /// The party.
        party: String,
    },
    /// A regulator changed a party's licence.
    LicenceChanged {
        /// The party.
        party: String,
        /// Its licence now.
        status: LicenceStatus,
        /// Why.
        reason: String,
    },
    /// A party captured an EPCIS event.
    Captured {
        /// Its EPCIS event hash.
        hash: String,
        /// The capturing party.
        party: String,
        /// `ObjectEvent`, `AggregationEvent`, …
        event_type: String,
        /// Its business step (CBV short name or URI).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        biz_step: Option<String>,
        /// Its event time (ms).
        time_ms: u64,
        /// The keys of the objects it names.
        objects: Vec<String>,
        /// The packs it commissioned: key, GTIN, lot.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        commissioned: Vec<(String, String, Option<String>)>,
        /// Its business location (key).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        location: Option<String>,
    },
    /// An event of a `capture_batch` was refused (nothing of it was
    /// captured).
    CaptureRefused {
        /// Its place in the batch, from 0.
        index: u32,
        /// Why: the code `medicines.capture` would have failed with.
        code: String,
        /// And its sentence.
        message: String,
    },
    /// A product or a lot was recalled.
    Recalled {
        /// The recall's id.
        id: String,
        /// The product.
        gtin: String,
        /// The lot, or every lot.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        lot: Option<String>,
        /// Why.
        reason: String,
        /// The regulator agency or the manufacturer party.
        by: String,
    },
}

impl publica_runtime::kit::Events for MedicinesEvent {}
