//! AFL++ runs the `zk_proof` fuzz target (`crates/fuzzing`) here:
//! `scripts/fuzz --seconds 60 zk_proof`.

fn main() {
    let target = publica_fuzzing::target("zk_proof").expect("a known target");
    afl::fuzz!(|data: &[u8]| target(data));
}
