//! AFL++ runs the `block_log` fuzz target (`crates/fuzzing`) here:
//! `scripts/fuzz --seconds 60 block_log`.

fn main() {
    let target = publica_fuzzing::target("block_log").expect("a known target");
    afl::fuzz!(|data: &[u8]| target(data));
}
