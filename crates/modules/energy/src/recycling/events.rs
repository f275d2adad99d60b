//! The `recycling` module's events.

use super::model::ProviderKind;
use publica_types::{AccountId, Amount};
use serde::{Deserialize, Serialize};

/// What a provider reported.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportKind {
    /// A hauler picked up at a collection point.
    Pickup,
    /// A hauler delivered to a recycler.
    Delivery,
    /// A recycler processed material.
    Processed,
    /// Stock on hand at the end of a period (replaces the last one).
    Stock,
}

/// A `recycling` event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "data", rename_all = "snake_case")]
pub enum RecyclingEvent {
    /// The administrator set the scheme.
    Configured {
        /// The agency.
        agency: String,
    },
    /// A rate table was proposed.
    RatesProposed {
        /// The agency.
        agency: String,
        /// Its version.
        version: u64,
        /// The hash to approve.
        hash: String,
    },
    /// An administrator approved a rate table.
    RatesApproved {
        /// The agency.
        agency: String,
        /// Its version.
        version: u64,
        /// The approver.
        by: AccountId,
        /// Whether this approval reached the policy threshold: the table
        /// is in force.
        in_force: bool,
    },
    /// A collection point was licensed.
    PointLicensed {
        /// The agency.
        agency: String,
        /// The point.
        point: String,
    },
    /// A licence (of a point, provider or organisation) was revoked.
    Revoked {
        /// The agency.
        agency: String,
        /// `point:<id>`, `provider:<id>` or `org:<id>`.
        who: String,
        /// Why (a reference).
        reason: String,
    },
    /// A collection point attested a deposit and the citizen was credited.
    Deposited {
        /// The agency.
        agency: String,
        /// The point.
        point: String,
        /// The money account credited.
        account: String,
        /// Its holder.
        holder: AccountId,
        /// The material.
        material: String,
        /// Grams.
        grams: u64,
        /// The credit paid.
        credit: Amount,
        /// The rate table applied.
        version: u64,
        /// The point's reference for the deposit.
        reference: String,
    },
    /// A service provider was registered.
    ProviderRegistered {
        /// The agency.
        agency: String,
        /// The provider.
        provider: String,
        /// What it does.
        kind: ProviderKind,
    },
    /// A collection point asked for a pickup.
    PickupRequested {
        /// The agency.
        agency: String,
        /// The request's id.
        request: u64,
        /// The point.
        point: String,
        /// The material.
        material: String,
        /// When it is due (ms).
        due_ms: u64,
    },
    /// A provider reported a movement of material.
    Reported {
        /// The agency.
        agency: String,
        /// The provider.
        provider: String,
        /// What.
        report: ReportKind,
        /// The material.
        material: String,
        /// Grams.
        grams: u64,
        /// The point picked up at.
        point: Option<String>,
        /// The recycler delivered to.
        to: Option<String>,
        /// The pickup request served.
        request: Option<u64>,
        /// Whether that request was served by its due time.
        on_time: Option<bool>,
        /// The provider's reference.
        reference: String,
    },
    /// A provider's figures stopped adding up.
    Flagged {
        /// The agency.
        agency: String,
        /// The provider.
        provider: String,
        /// The material.
        material: String,
        /// What does not add up.
        reason: String,
    },
    /// The regulator cleared a provider's flag (its figures add up again).
    FlagCleared {
        /// The agency.
        agency: String,
        /// The provider.
        provider: String,
        /// The regulator's note (a reference).
        note: String,
    },
    /// A volunteer organisation was registered or its budget changed.
    OrgRegistered {
        /// The agency.
        agency: String,
        /// The organisation.
        org: String,
        /// Its budget.
        budget: Amount,
    },
    /// An organisation attested volunteer work and the person was paid.
    Volunteered {
        /// The agency.
        agency: String,
        /// The organisation.
        org: String,
        /// The money account paid.
        account: String,
        /// Its holder.
        holder: AccountId,
        /// Minutes of work.
        minutes: u64,
        /// What the rate gives for them.
        reward: Amount,
        /// What was paid (less when the month's cap or the budget is
        /// reached).
        paid: Amount,
        /// The organisation's reference.
        reference: String,
    },
}

impl publica_runtime::kit::Events for RecyclingEvent {}
