//! The `elections` module: end-to-end verifiable secret-ballot elections
//! with the ledger as the bulletin board (issue 30; `docs/elections.md`,
//! design in `docs/adr/0002-election-cryptography.md`).
//!
//! - an **election** is published by an election officer of its authority
//!   agency: contests (selections and a limit each), guardians and a
//!   threshold, a voting window, and a census (a Merkle root of voters);
//! - the **key ceremony**: each guardian publishes Feldman commitments to
//!   a secret polynomial with proofs of knowledge and shares sealed for
//!   the others; the election key is set when all are in; a guardian whose
//!   share fails its dealer's commitments names the dealer and the
//!   election fails;
//! - **ballots**: exponential ElGamal on ristretto255 with a 0/1 proof per
//!   selection and a limit proof per contest, checked on admission; a
//!   voter's later ballot replaces the earlier (re-voting against
//!   coercion); a ballot can instead be **challenged** (opened by its
//!   nonces, never counted);
//! - **tally**: the running homomorphic sum; after the close, guardians
//!   post partial decryptions with Chaum–Pedersen proofs; any `t` publish
//!   the result.
//!
//! The cryptography ([`group`], [`proofs`], [`ceremony`], [`ballot`]) is
//! usable without a ledger: the CLI encrypts, verifies and decrypts with
//! it, and `publica election verify` re-checks a whole election.

pub mod anonymous;
pub mod ballot;
pub mod ceremony;
pub mod codes;
pub mod delegated;
pub mod events;
pub mod governance;
pub mod guardian;
pub mod lifecycle;
pub mod model;
pub mod pb;
mod prepared;
pub mod routes;
pub mod sum;
pub mod verify;

pub use publica_ballot::{group, proofs, ring};

use codes::ElectionsRejection as R;
use events::ElectionsEvent;
use publica_runtime::authz::Role;
use publica_runtime::{CallContext, IndexFiler, Need, Rejections, TypedModule};
use publica_types::TxError;
use serde_json::json;

/// The `elections` module.
#[derive(Debug, Default)]
pub struct Elections;

publica_runtime::calls! {
    /// The calls of `elections`.
    #[derive(Debug)]
    pub enum ElectionsCall {
        /// Publish an election (an election officer of the authority).
        Create(lifecycle::CreateArgs) = "create" => Need::Role(Role::ElectionOfficer, "agency"),
        /// Approve a published election (another election officer of the authority).
        Approve(lifecycle::ApproveArgs) = "approve" => Need::Role(Role::ElectionOfficer, "agency"),
        /// A guardian's ceremony message.
        Commit(lifecycle::CommitArgs) = "commit" => Need::Any,
        /// A guardian names a dealer whose share fails.
        Complain(lifecycle::ComplainArgs) = "complain" => Need::Any,
        /// The accused dealer reveals the share complained of.
        Reveal(lifecycle::RevealArgs) = "reveal" => Need::Any,
        /// A guardian has a dealer disqualified whose complaint went unanswered.
        Disqualify(lifecycle::DisqualifyArgs) = "disqualify" => Need::Any,
        /// Register a commitment in an anonymous census (a voter in the census).
        Register(anonymous::RegisterArgs) = "register" => Need::Any,
        /// Cast a ballot (a voter in the census).
        Cast(lifecycle::CastArgs) = "cast" => Need::Any,
        /// Challenge a ballot: open it, never count it.
        Challenge(lifecycle::ChallengeArgs) = "challenge" => Need::Any,
        /// A guardian's partial decryption of the tally.
        Decrypt(lifecycle::DecryptArgs) = "decrypt" => Need::Any,
    }
}

/// Refuses `s` unless it is a reference, never free text.
pub(crate) fn reference(s: &str, what: &str) -> Result<(), TxError> {
    if publica_runtime::kit::is_reference(s) {
        Ok(())
    } else {
        Err(R::InvalidField.err(publica_runtime::kit::reference_rule(what)))
    }
}

impl TypedModule for Elections {
    const NAME: &'static str = "elections";
    type Call = ElectionsCall;
    type Rejection = R;
    type Event = ElectionsEvent;
    const ROUTES: &'static [publica_runtime::Route] = routes::ROUTES;
    const PREPARES: bool = true;

    /// A ballot's proofs are checked on the admission workers, ahead of
    /// execution (`prepared`).
    fn prepare(
        &self,
        state: &dyn publica_runtime::StateRead,
        tx: (&publica_types::Hash32, &publica_types::AccountId),
        call: &ElectionsCall,
    ) -> Result<(), publica_types::TxError> {
        match call {
            ElectionsCall::Cast(a) => {
                let place = (a.census.as_ref(), a.member.as_ref());
                prepared::prepare(state, tx, (&a.election, place), &a.ballot)
            }
            ElectionsCall::Challenge(a) => {
                let place = (a.census.as_ref(), a.member.as_ref());
                prepared::prepare(state, tx, (&a.election, place), &a.ballot)
            }
            _ => Ok(()),
        }
    }

    /// Elections with delegation are weighed in the first block at or
    /// after their close.
    fn begin_block(&self, ctx: &mut CallContext<'_>) {
        delegated::begin_block(ctx);
    }

    fn next_due_ms(&self, state: &publica_state::StateTree) -> Option<u64> {
        delegated::next_due_ms(state)
    }

    fn index_event(&self, event: &ElectionsEvent, filer: &mut IndexFiler<'_>) {
        match event {
            ElectionsEvent::Created {
                election, agency, ..
            } => {
                filer.file("all", &json!({"election": election, "agency": agency}));
            }
            ElectionsEvent::Cast {
                election,
                voter,
                tracking,
                replaces,
                ballot,
                census,
                member,
            } => {
                let key = format!("ballots/{election}");
                let (replaces, tracking) = (replaces.as_deref(), tracking.as_str());
                match ballot {
                    // Written straight from the event, without a JSON tree
                    // of the ballot in between.
                    Some(ballot) => filer.file(
                        &key,
                        &BoardEntry {
                            ballot,
                            census: census.as_ref(),
                            member: member.as_ref(),
                            replaces,
                            tracking,
                            voter,
                        },
                    ),
                    // From ledger format 8 the ballot and its proofs are
                    // the transaction's arguments.
                    None => {
                        let Some(args) = filer
                            .call()
                            .filter(|c| c.module == "elections" && c.method == "cast")
                            .map(|c| &c.args)
                        else {
                            return;
                        };
                        let entry = BoardEntry {
                            ballot: &args["ballot"],
                            census: args.get("census"),
                            member: args.get("member"),
                            replaces,
                            tracking,
                            voter,
                        };
                        filer.file(&key, &entry);
                    }
                }
            }
            ElectionsEvent::Registered {
                election,
                account,
                index,
                commitment,
                proof,
                census,
            } => filer.file(
                &format!("members/{election}"),
                &json!({"account": account, "index": index, "commitment": commitment,
                    "proof": proof, "census": census}),
            ),
            ElectionsEvent::Challenged {
                election,
                voter,
                tracking,
                choices,
                ballot,
                nonces,
                member,
            } => {
                let mut entry = json!({"voter": voter, "tracking": tracking, "choices": choices,
                    "ballot": ballot, "nonces": nonces});
                if let Some(m) = member {
                    entry["member"] = json!(m);
                }
                filer.file(&format!("challenged/{election}"), &entry);
            }
            _ => {}
        }
    }

    fn execute(&self, ctx: &mut CallContext<'_>, call: ElectionsCall) -> Result<(), TxError> {
        match call {
            ElectionsCall::Create(a) => lifecycle::create(ctx, a),
            ElectionsCall::Approve(a) => lifecycle::approve(ctx, a),
            ElectionsCall::Commit(a) => lifecycle::commit(ctx, a),
            ElectionsCall::Complain(a) => lifecycle::complain(ctx, a),
            ElectionsCall::Reveal(a) => lifecycle::reveal(ctx, a),
            ElectionsCall::Disqualify(a) => lifecycle::disqualify(ctx, a),
            ElectionsCall::Register(a) => anonymous::register(ctx, a),
            ElectionsCall::Cast(a) => lifecycle::cast(ctx, a),
            ElectionsCall::Challenge(a) => lifecycle::challenge(ctx, a),
            ElectionsCall::Decrypt(a) => lifecycle::decrypt(ctx, a),
        }
    }
}

/// A ballot's entry on the board (the index of `Cast` events): the
/// ballot, census proof and membership proof typed from an event, or as
/// the transaction's arguments hold them.
#[derive(serde::Serialize)]
struct BoardEntry<'a, B, C, M> {
    ballot: &'a B,
    #[serde(skip_serializing_if = "Option::is_none")]
    census: Option<&'a C>,
    #[serde(skip_serializing_if = "Option::is_none")]
    member: Option<&'a M>,
    replaces: Option<&'a str>,
    tracking: &'a str,
    voter: &'a publica_types::AccountId,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The board's entry is the object the index filed before it was
    /// written from the event directly: the same members and values.
    #[test]
    fn a_board_entry_is_the_json_object_of_its_members() {
        let ballot: model::WireBallot = serde_json::from_value(json!({"contests": []})).unwrap();
        let census = lifecycle::CensusProof {
            index: 3,
            path: vec!["ab".repeat(32)],
        };
        let ring = serde_json::from_value(json!({"a": "1", "b": "2", "c": "3", "d": "4",
            "x": ["5"], "y": ["6"], "f": ["7"], "z_a": "8", "z_c": "9", "z": "10"}))
        .unwrap();
        let member = model::Membership {
            bucket: 1,
            nullifier: "cd".repeat(32),
            replaces: Some("ef".repeat(32)),
            proof: ring,
        };
        let voter = publica_types::AccountId([7; 32]);
        let tracking = "01".repeat(32);
        for (census, member, replaces) in [
            (Some(&census), None, None),
            (None, Some(&member), Some("ef".repeat(32))),
        ] {
            let entry = BoardEntry {
                ballot: &ballot,
                census,
                member,
                replaces: replaces.as_deref(),
                tracking: &tracking,
                voter: &voter,
            };
            let mut object = json!({"voter": voter, "tracking": tracking, "replaces": replaces,
                "ballot": ballot});
            if let Some(c) = census {
                object["census"] = json!(c);
            }
            if let Some(m) = member {
                object["member"] = json!(m);
            }
            let written: serde_json::Value =
                serde_json::from_slice(&serde_json::to_vec(&entry).unwrap()).unwrap();
            assert_eq!(written, object);
        }
    }
}
