//! One person, one benefit, without identity on the ledger.
//!
//! The registry agency keeps a secret key `K` off the ledger. For person
//! `p` (its own internal reference) and program `P` it derives
//! `nullifier = HMAC-SHA256(K, "publica/nullifier/v1" || 0x00 || P || 0x00 || p)`
//! and signs a token binding it to the enrolee's pseudonymous account:
//! Ed25519 over [`token_bytes`]. Enrolment needs an unused nullifier and a
//! token signed by an official of the registry (role `attester` there).
//! Without `K` nobody can link the nullifiers of two programs, or a
//! nullifier to a person. See `docs/programs.md` for the threat model.
//!
//! Programs that exclude one another (all pension schemes, say) share a
//! **group**: their nullifiers are derived for the scope `group:<name>`
//! instead of the program ([`scope`]), so one person has one nullifier in
//! the whole group, and the ledger lets it enrol in one of its programs at
//! a time; programs of different groups (or of none) stay unlinkable.

use publica_types::AccountId;

pub use publica_crypto::hmac_sha256;

/// The nullifier of `person` in `program` under the registry's `secret`,
/// as 64 lowercase hex characters.
pub fn derive(secret: &[u8], program: &str, person: &str) -> String {
    let mut msg = b"publica/nullifier/v1\0".to_vec();
    msg.extend_from_slice(program.as_bytes());
    msg.push(0);
    msg.extend_from_slice(person.as_bytes());
    publica_types::Hash32(hmac_sha256(secret, &msg)).to_hex()
}

/// The scope a nullifier of `program` is derived for: the program, or
/// `group:<group>` for a program of a group (program ids hold no `:`, so
/// the two never meet).
pub fn scope(program: &str, group: Option<&str>) -> String {
    match group {
        Some(g) => format!("group:{g}"),
        None => program.to_string(),
    }
}

/// The bytes a registry official signs to let `account` enrol in
/// `program` with `nullifier`.
pub fn token_bytes(chain_id: &str, program: &str, nullifier: &str, account: &AccountId) -> Vec<u8> {
    format!(
        "publica/nullifier-token/v1\n{chain_id}\n{program}\n{nullifier}\n{}",
        account.to_hex()
    )
    .into_bytes()
}

/// True for 64 lowercase hex characters.
pub fn valid(nullifier: &str) -> bool {
    nullifier.len() == 64
        && nullifier
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nullifiers_differ_per_program_and_person() {
        let k = [7u8; 32];
        let a = derive(&k, "cct", "person-1");
        assert!(valid(&a));
        assert_eq!(a, derive(&k, "cct", "person-1"));
        assert_ne!(a, derive(&k, "ubi", "person-1"));
        assert_ne!(a, derive(&k, "cct", "person-2"));
        assert_ne!(a, derive(&[8u8; 32], "cct", "person-1"));
    }

    #[test]
    fn a_group_has_one_nullifier_per_person() {
        let k = [7u8; 32];
        let group = |p: &str| derive(&k, &scope(p, Some("pensions")), "person-1");
        assert_eq!(group("pension-a"), group("pension-b"));
        assert_ne!(
            group("pension-a"),
            derive(&k, &scope("pension-a", None), "person-1")
        );
        assert_ne!(
            group("pension-a"),
            derive(&k, &scope("x", Some("disability")), "person-1")
        );
    }
}
