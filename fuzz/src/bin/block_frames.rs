//! AFL++ runs the `block_frames` fuzz target (`crates/fuzzing`) here:
//! `scripts/fuzz --seconds 60 block_frames`.

fn main() {
    let target = publica_fuzzing::target("block_frames").expect("a known target");
    afl::fuzz!(|data: &[u8]| target(data));
}
