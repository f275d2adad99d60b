//! AFL++ runs the `witness_request` fuzz target (`crates/fuzzing`) here:
//! `scripts/fuzz --seconds 60 witness_request`.

fn main() {
    let target = publica_fuzzing::target("witness_request").expect("a known target");
    afl::fuzz!(|data: &[u8]| target(data));
}
