//! AFL++ runs the `checkpoint_note` fuzz target (`crates/fuzzing`) here:
//! `scripts/fuzz --seconds 60 checkpoint_note`.

fn main() {
    let target = publica_fuzzing::target("checkpoint_note").expect("a known target");
    afl::fuzz!(|data: &[u8]| target(data));
}
