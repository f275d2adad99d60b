//! AFL++ runs the `state_note` fuzz target (`crates/fuzzing`) here:
//! `scripts/fuzz --seconds 60 state_note`.

fn main() {
    let target = publica_fuzzing::target("state_note").expect("a known target");
    afl::fuzz!(|data: &[u8]| target(data));
}
