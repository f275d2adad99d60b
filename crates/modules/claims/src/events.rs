//! The `claims` module's events: ids, codes and amounts, never what a
//! record says.

use crate::model::Status;
use publica_types::{AccountId, Amount};
use serde::{Deserialize, Serialize};

/// A `claims` event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "data", rename_all = "snake_case")]
pub enum ClaimsEvent {
    /// An insurer defined a plan.
    PlanDefined {
        /// The insurer.
        agency: String,
        /// The plan.
        plan: String,
    },
    /// An insurer gave a member a policy of a plan.
    Enrolled {
        /// The insurer.
        agency: String,
        /// The plan.
        plan: String,
        /// The member.
        member: AccountId,
    },
    /// A claim was submitted and judged by the plan's rules, or a human
    /// decided it: where it stands now.
    Judged {
        /// The provider.
        provider: String,
        /// The claim.
        claim: String,
        /// The insurer.
        agency: String,
        /// The plan.
        plan: String,
        /// The member.
        member: AccountId,
        /// Where it stands.
        status: Status,
        /// Why denied, referred or paid in part.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
        /// Paid by this step.
        paid: Amount,
        /// `rules`, `adjudicator` or `appeal`.
        by: String,
    },
    /// A denied claim was appealed.
    Appealed {
        /// The provider.
        provider: String,
        /// The claim.
        claim: String,
        /// The insurer.
        agency: String,
    },
}

impl publica_runtime::kit::Events for ClaimsEvent {}
