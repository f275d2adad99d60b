//! AFL++ runs the `epcis_event` fuzz target (`crates/fuzzing`) here:
//! `scripts/fuzz --seconds 60 epcis_event`.

fn main() {
    let target = publica_fuzzing::target("epcis_event").expect("a known target");
    afl::fuzz!(|data: &[u8]| target(data));
}
