//! AFL++ runs the `canonical_json` fuzz target (`crates/fuzzing`) here:
//! `scripts/fuzz --seconds 60 canonical_json`.

fn main() {
    let target = publica_fuzzing::target("canonical_json").expect("a known target");
    afl::fuzz!(|data: &[u8]| target(data));
}
