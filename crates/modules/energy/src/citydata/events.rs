//! The `citydata` module's events.

use super::model::{Access, Kind};
use publica_types::AccountId;
use serde::{Deserialize, Serialize};

/// A `citydata` event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "data", rename_all = "snake_case")]
pub enum CityDataEvent {
    /// A data set or feed was registered.
    Registered {
        /// The agency.
        agency: String,
        /// The data set.
        dataset: String,
        /// Data set or feed.
        data_kind: Kind,
        /// Who may read it.
        access: Access,
    },
    /// A batch was published.
    Published {
        /// The agency.
        agency: String,
        /// The data set.
        dataset: String,
        /// The batch's number.
        seq: u64,
        /// Its SHA-256 (hex).
        hash: String,
        /// Its size.
        bytes: u64,
        /// Its window's start (ms).
        start_ms: u64,
        /// Its window's end (ms).
        end_ms: u64,
    },
    /// A grant was made or revoked.
    Granted {
        /// The agency.
        agency: String,
        /// The data set.
        dataset: String,
        /// The agency granted.
        grantee: String,
        /// For what.
        purpose: String,
        /// Until when, if it ends.
        expires_ms: Option<u64>,
        /// Whether this revokes it.
        revoked: bool,
    },
    /// A member of a granted agency recorded an access to a batch.
    Accessed {
        /// The publisher.
        agency: String,
        /// The data set.
        dataset: String,
        /// The batch.
        batch: u64,
        /// The reading agency.
        grantee: String,
        /// Its purpose.
        purpose: String,
        /// The member.
        by: AccountId,
    },
}

impl publica_runtime::kit::Events for CityDataEvent {}
