//! AFL++ runs the `sealed_record` fuzz target (`crates/fuzzing`) here:
//! `scripts/fuzz --seconds 60 sealed_record`.

fn main() {
    let target = publica_fuzzing::target("sealed_record").expect("a known target");
    afl::fuzz!(|data: &[u8]| target(data));
}
