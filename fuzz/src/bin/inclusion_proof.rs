//! AFL++ runs the `inclusion_proof` fuzz target (`crates/fuzzing`) here:
//! `scripts/fuzz --seconds 60 inclusion_proof`.

fn main() {
    let target = publica_fuzzing::target("inclusion_proof").expect("a known target");
    afl::fuzz!(|data: &[u8]| target(data));
}
