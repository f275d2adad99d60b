//! AFL++ runs the `batch` fuzz target (`crates/fuzzing`) here:
//! `scripts/fuzz --seconds 60 batch`.

fn main() {
    let target = publica_fuzzing::target("batch").expect("a known target");
    afl::fuzz!(|data: &[u8]| target(data));
}
