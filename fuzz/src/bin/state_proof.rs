//! AFL++ runs the `state_proof` fuzz target (`crates/fuzzing`) here:
//! `scripts/fuzz --seconds 60 state_proof`.

fn main() {
    let target = publica_fuzzing::target("state_proof").expect("a known target");
    afl::fuzz!(|data: &[u8]| target(data));
}
