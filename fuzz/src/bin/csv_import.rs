//! AFL++ runs the `csv_import` fuzz target (`crates/fuzzing`) here:
//! `scripts/fuzz --seconds 60 csv_import`.

fn main() {
    let target = publica_fuzzing::target("csv_import").expect("a known target");
    afl::fuzz!(|data: &[u8]| target(data));
}
