//! AFL++ runs the `sync_floor` fuzz target (`crates/fuzzing`) here:
//! `scripts/fuzz --seconds 60 sync_floor`.

fn main() {
    let target = publica_fuzzing::target("sync_floor").expect("a known target");
    afl::fuzz!(|data: &[u8]| target(data));
}
