//! The `publica` binary end to end, in one test binary (it links once):
//! each module runs the real binary on loopback ports with temporary data
//! directories. Run one with `cargo test -p publica-cli --test cli
//! money_e2e::`.

mod common;

mod api_e2e;
mod backup_e2e;
mod bench_e2e;
mod citydata_e2e;
mod claims_e2e;
mod crash;
mod credentials_e2e;
mod crossborder_e2e;
mod deploy_e2e;
mod disk_full;
mod elections_e2e;
mod energy_e2e;
mod http_limits;
mod identity_e2e;
mod medicines_capture_e2e;
mod medicines_e2e;
mod migrate_e2e;
mod money_e2e;
mod network_e2e;
mod output_e2e;
mod portal_e2e;
mod programs_e2e;
mod records_e2e;
mod recycling_e2e;
mod transparency_e2e;
mod witness_e2e;
