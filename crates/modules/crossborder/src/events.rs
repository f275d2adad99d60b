//! The `crossborder` module's events.

use publica_types::{AccountId, Amount};
use serde::{Deserialize, Serialize};

/// A `crossborder` event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "data", rename_all = "snake_case")]
pub enum CrossborderEvent {
    /// A treasurer proposed a corridor.
    CorridorProposed {
        /// The corridor.
        corridor: String,
        /// The other network.
        remote_chain: String,
        /// Who proposed it.
        by: AccountId,
    },
    /// The corridor has its approvals: transfers move through it.
    CorridorOpened {
        /// The corridor.
        corridor: String,
    },
    /// The other network proved its paired corridor open: money may be
    /// sent.
    Paired {
        /// The corridor.
        corridor: String,
    },
    /// The corridor followed a validator-set change of the other network.
    SetFollowed {
        /// The corridor.
        corridor: String,
        /// The other network's block that changed the set.
        height: u64,
    },
    /// Money sent to the other network, locked in the corridor's account.
    Sent {
        /// The corridor.
        corridor: String,
        /// The transfer out (its transaction id).
        transfer: String,
        /// The account debited.
        from: String,
        /// The account credited on the other network.
        to: String,
        /// The amount locked.
        amount: Amount,
        /// After this time the other network no longer credits it.
        deadline_ms: u64,
    },
    /// A transfer from the other network credited here.
    Received {
        /// The corridor.
        corridor: String,
        /// The other network's transfer out.
        transfer: String,
        /// The account credited.
        to: String,
        /// The amount credited, in this network's currency.
        amount: Amount,
    },
    /// A transfer from the other network marked expired here (never to be
    /// credited).
    Expired {
        /// The corridor.
        corridor: String,
        /// The other network's transfer out.
        transfer: String,
    },
    /// The other network proved it credited a transfer out.
    Delivered {
        /// The corridor.
        corridor: String,
        /// The transfer out.
        transfer: String,
    },
    /// The other network proved a transfer out expired: the sender's
    /// account got the locked amount back.
    Refunded {
        /// The corridor.
        corridor: String,
        /// The transfer out.
        transfer: String,
        /// The account paid back.
        to: String,
        /// The amount.
        amount: Amount,
    },
}

impl publica_runtime::kit::Events for CrossborderEvent {}
