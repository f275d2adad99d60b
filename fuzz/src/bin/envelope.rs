//! AFL++ runs the `envelope` fuzz target (`crates/fuzzing`) here:
//! `scripts/fuzz --seconds 60 envelope`.

fn main() {
    let target = publica_fuzzing::target("envelope").expect("a known target");
    afl::fuzz!(|data: &[u8]| target(data));
}
