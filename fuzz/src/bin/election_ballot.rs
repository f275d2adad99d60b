//! AFL++ runs the `election_ballot` fuzz target (`crates/fuzzing`) here:
//! `scripts/fuzz --seconds 60 election_ballot`.

fn main() {
    let target = publica_fuzzing::target("election_ballot").expect("a known target");
    afl::fuzz!(|data: &[u8]| target(data));
}
