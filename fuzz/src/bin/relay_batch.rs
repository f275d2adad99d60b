//! AFL++ runs the `relay_batch` fuzz target (`crates/fuzzing`) here:
//! `scripts/fuzz --seconds 60 relay_batch`.

fn main() {
    let target = publica_fuzzing::target("relay_batch").expect("a known target");
    afl::fuzz!(|data: &[u8]| target(data));
}
