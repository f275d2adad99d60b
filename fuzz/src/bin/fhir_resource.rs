//! AFL++ runs the `fhir_resource` fuzz target (`crates/fuzzing`) here:
//! `scripts/fuzz --seconds 60 fhir_resource`.

fn main() {
    let target = publica_fuzzing::target("fhir_resource").expect("a known target");
    afl::fuzz!(|data: &[u8]| target(data));
}
