//! What the `citydata` module keeps: each data set or feed an agency
//! publishes (schema, licence, who may read it), its batches (the hash,
//! size and time window of each; the bytes stay off the ledger), the
//! grants to other agencies, and each recorded access.

use publica_types::AccountId;
use serde::{Deserialize, Serialize};

/// Largest batch: 16 MiB.
pub const BATCH_BYTES_MAX: u64 = 16 << 20;
/// How long a recorded access lets its signer download (ms): an hour.
pub const ACCESS_VALID_MS: u64 = 3_600_000;

/// Who may read a data set's batches.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Access {
    /// Anyone, without asking.
    Open,
    /// Members of agencies the publisher granted it to, whatever their
    /// purpose.
    Agencies,
    /// Members of agencies granted it for the purpose they name.
    Purpose,
}

/// A data set published once in a while, or a feed of batches in time
/// order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// Releases of a data set (a budget, a register).
    Dataset,
    /// A sensor feed: batches with consecutive time windows.
    Feed,
}

/// A data set or feed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DataSet {
    /// The publishing agency.
    pub agency: String,
    /// Its id.
    pub id: String,
    /// Data set or feed.
    pub kind: Kind,
    /// The schema its batches follow (a reference: a URL or URN).
    pub schema: String,
    /// Its licence (an SPDX id such as `CC-BY-4.0`).
    pub licence: String,
    /// Who may read it.
    pub access: Access,
    /// Batches published.
    pub batches: u64,
    /// The end of the last batch's window (ms).
    pub last_end_ms: u64,
    /// Bytes published over all batches.
    pub bytes: u64,
}

/// One batch of a data set: its content is served off the ledger by the
/// publisher's node and checked against `hash`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Batch {
    /// Its number (1, 2, …).
    pub seq: u64,
    /// SHA-256 of the content (hex).
    pub hash: String,
    /// Its size in bytes.
    pub bytes: u64,
    /// The time window it covers (ms).
    pub start_ms: u64,
    /// End of that window (ms, exclusive).
    pub end_ms: u64,
    /// Its media type (`text/csv`, `application/json`).
    pub media_type: String,
    /// Who published it.
    pub by: AccountId,
    /// When (the block's time, ms).
    pub at_ms: u64,
}

/// A grant of a data set to another agency.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grant {
    /// The agency granted.
    pub grantee: String,
    /// For what (a reference); `*` for any purpose.
    pub purpose: String,
    /// Until when (ms), if it ends.
    pub expires_ms: Option<u64>,
    /// Who granted it.
    pub by: AccountId,
}

/// A recorded access: a member of a granted agency reading a batch.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessRecord {
    /// The publisher.
    pub agency: String,
    /// The data set.
    pub dataset: String,
    /// The batch.
    pub batch: u64,
    /// The reading agency.
    pub grantee: String,
    /// Its purpose.
    pub purpose: String,
    /// The member who recorded it (and alone may download with it).
    pub by: AccountId,
    /// When (ms).
    pub at_ms: u64,
}

/// State key of a data set.
pub fn dataset_key(agency: &str, id: &str) -> Vec<u8> {
    format!("citydata/dataset/{agency}/{id}").into_bytes()
}

/// State key of a batch.
pub fn batch_key(agency: &str, id: &str, seq: u64) -> Vec<u8> {
    format!("citydata/batch/{agency}/{id}/{seq}").into_bytes()
}

/// State key of a grant.
pub fn grant_key(agency: &str, id: &str, grantee: &str, purpose: &str) -> Vec<u8> {
    format!("citydata/grant/{agency}/{id}/{grantee}/{purpose}").into_bytes()
}

/// State key of a recorded access (by its transaction's id, hex).
pub fn access_key(tx: &str) -> Vec<u8> {
    format!("citydata/access/{tx}").into_bytes()
}

/// State key marking that content `hash` is a batch on the ledger (the
/// node's store keeps only such content).
pub fn content_key(hash: &str) -> Vec<u8> {
    format!("citydata/content/{hash}").into_bytes()
}

/// The bytes a download request signs: the chain, the access and the
/// request's time.
pub fn download_bytes(chain_id: &str, access: &str, time_ms: u64) -> Vec<u8> {
    format!("publica citydata download v1\n{chain_id}\n{access}\n{time_ms}\n").into_bytes()
}
