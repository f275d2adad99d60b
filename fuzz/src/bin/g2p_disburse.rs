//! AFL++ runs the `g2p_disburse` fuzz target (`crates/fuzzing`) here:
//! `scripts/fuzz --seconds 60 g2p_disburse`.

fn main() {
    let target = publica_fuzzing::target("g2p_disburse").expect("a known target");
    afl::fuzz!(|data: &[u8]| target(data));
}
