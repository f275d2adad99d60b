//! AFL++ runs the `cosigned_note` fuzz target (`crates/fuzzing`) here:
//! `scripts/fuzz --seconds 60 cosigned_note`.

fn main() {
    let target = publica_fuzzing::target("cosigned_note").expect("a known target");
    afl::fuzz!(|data: &[u8]| target(data));
}
