//! AFL++ runs the `key_file` fuzz target (`crates/fuzzing`) here:
//! `scripts/fuzz --seconds 60 key_file`.

fn main() {
    let target = publica_fuzzing::target("key_file").expect("a known target");
    afl::fuzz!(|data: &[u8]| target(data));
}
