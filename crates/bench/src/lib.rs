//! `publica bench`: a load generator and benchmark report.
//!
//! It sets up its own currency and accounts on the target chain, pre-signs
//! transfers before the clock starts, submits them over the HTTP batch
//! endpoint (closed loop, or open loop at `--rate`), follows committed
//! blocks over server-sent events to time every transaction from submit to
//! durable commit, and reports throughput, latency percentiles, block
//! figures, the node's peak memory and CPU use — and, with `--reference`,
//! what the machine itself allows: Ed25519 batch verification per second,
//! and PostgreSQL inserting one row per commit with `synchronous_commit=on`.

pub mod claims;
pub mod elections;
pub mod energy;
pub mod epcis;
pub mod load;
pub mod records;
pub mod reference;
pub mod report;
pub mod setup;
pub mod status_list;
pub mod sys;
pub mod witness;

pub use load::{run, BenchConfig};
pub use report::Report;
