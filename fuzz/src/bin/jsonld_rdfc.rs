//! AFL++ runs the `jsonld_rdfc` fuzz target (`crates/fuzzing`) here:
//! `scripts/fuzz --seconds 60 jsonld_rdfc`.

fn main() {
    let target = publica_fuzzing::target("jsonld_rdfc").expect("a known target");
    afl::fuzz!(|data: &[u8]| target(data));
}
