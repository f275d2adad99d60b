//! AFL++ runs the `bft_block` fuzz target (`crates/fuzzing`) here:
//! `scripts/fuzz --seconds 60 bft_block`.

fn main() {
    let target = publica_fuzzing::target("bft_block").expect("a known target");
    afl::fuzz!(|data: &[u8]| target(data));
}
