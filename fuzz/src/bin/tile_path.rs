//! AFL++ runs the `tile_path` fuzz target (`crates/fuzzing`) here:
//! `scripts/fuzz --seconds 60 tile_path`.

fn main() {
    let target = publica_fuzzing::target("tile_path").expect("a known target");
    afl::fuzz!(|data: &[u8]| target(data));
}
