//! AFL++ runs the `g2p_signature` fuzz target (`crates/fuzzing`) here:
//! `scripts/fuzz --seconds 60 g2p_signature`.

fn main() {
    let target = publica_fuzzing::target("g2p_signature").expect("a known target");
    afl::fuzz!(|data: &[u8]| target(data));
}
