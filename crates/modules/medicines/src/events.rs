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
}

impl publica_runtime::kit::Events for MedicinesEvent {}
