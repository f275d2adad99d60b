//! AFL++ runs the `pabulib` fuzz target (`crates/fuzzing`) here:
//! `scripts/fuzz --seconds 60 pabulib`.

fn main() {
    let target = publica_fuzzing::target("pabulib").expect("a known target");
    afl::fuzz!(|data: &[u8]| target(data));
}
