//! `publica`: run a dev node, manage keys, sign and send transactions, query
//! a node and audit a data directory.

mod ballots;
mod bulk;
mod cashout;
mod citydata;
mod claims;
mod client;
mod commands;
mod credentials;
mod crossborder;
mod demo;
mod elections;
mod energy;
mod epcis_capture;
mod gateway;
mod governance;
mod grievance;
mod light;
mod medicines;
mod money;
mod output;
mod pain001;
mod private;
mod programs;
mod read;
mod records;
mod recycling;
mod single;
mod staff;
mod testnet;
mod verify;
mod witness;

use clap::Parser;

/// mimalloc: the node allocates and frees many small records per
/// transaction; measured in `docs/benchmarks.md`.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let cli = commands::Cli::parse();
    let code = match commands::run(cli) {
        Ok(()) => 0,
        // The reader of stdout went away (`publica … | head`): nothing
        // to report, as with any Unix tool.
        Err(e) if output::is_broken_pipe(&e) => 0,
        Err(e) => {
            eprintln!("error: {e:#}");
            1
        }
    };
    std::process::exit(code);
}
