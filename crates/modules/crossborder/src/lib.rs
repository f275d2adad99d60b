//! The `crossborder` module (issue 32, item 4; `docs/cross-border.md`):
//! transfers between two independent Publica networks.
//!
//! - a **corridor** pairs this network with another: the agency's
//!   treasurers open it (up to the agency's policy threshold) with the
//!   other network's chain id, its validator set, the paired corridor's
//!   id there, the exchange rate for transfers in, a limit per transfer
//!   and a timeout; its liquidity is the money account of program
//!   `crossborder:<id>`;
//! - the corridor **follows** the other network's validator-set changes
//!   exactly as the light client does (`publica_identity::light`), each
//!   relayed by anyone and proven under a quorum of the set before it;
//! - the corridor is **paired** once the other network's half is proven
//!   open and pointing back at it: money is sent only then;
//! - **send** locks the amount in the corridor's account and records the
//!   transfer out;
//! - **receive**, on the other network, verifies a state proof of that
//!   record under a checkpoint cosigned by a quorum of this network's
//!   validators, and pays the recipient from its own corridor's account,
//!   once: its mark `crossborder/in/<corridor>/<id>` refuses a replay;
//! - past the deadline the other network **expires** the transfer instead
//!   (the same mark, never to be credited), and **settle** here reads that
//!   mark: a credit makes the transfer delivered, an expiry refunds it.
//!
//! No money is minted or burnt: each network's supply is unchanged, and
//! a transfer is consumed at most once (credited there, or refunded here).

pub mod codes;
pub mod corridor;
pub mod events;
pub mod model;
pub mod routes;
pub mod transfer;

use codes::CrossborderRejection as R;
use events::CrossborderEvent;
use publica_runtime::authz::Role;
use publica_runtime::{CallContext, IndexFiler, Need, TypedModule};
use publica_types::TxError;
use serde_json::json;

/// The `crossborder` module.
#[derive(Debug, Default)]
pub struct Crossborder;

publica_runtime::calls! {
    /// The calls of `crossborder`.
    #[derive(Debug)]
    pub enum CrossborderCall {
        /// Propose a corridor to another network (a treasurer).
        OpenCorridor(corridor::OpenArgs) = "open_corridor" => Need::Role(Role::Treasurer, "agency"),
        /// Approve a proposed corridor (another treasurer).
        ApproveCorridor(corridor::ApproveArgs) = "approve_corridor" => Need::Role(Role::Treasurer, "agency"),
        /// Pair with the other network's corridor, proven open (anyone relays).
        Pair(transfer::ProofArgs) = "pair" => Need::Any,
        /// Follow a validator-set change of the other network (anyone relays).
        Follow(corridor::FollowArgs) = "follow" => Need::Any,
        /// Send money to the other network (the account's owner).
        Send(transfer::SendArgs) = "send" => Need::Any,
        /// Credit a transfer from the other network (anyone relays).
        Receive(transfer::ProofArgs) = "receive" => Need::Any,
        /// Mark a transfer from the other network expired (anyone relays).
        Expire(transfer::ProofArgs) = "expire" => Need::Any,
        /// Settle a transfer out on the other network's mark (anyone relays).
        Settle(transfer::ProofArgs) = "settle" => Need::Any,
    }
}

impl TypedModule for Crossborder {
    const NAME: &'static str = "crossborder";
    type Call = CrossborderCall;
    type Rejection = R;
    type Event = CrossborderEvent;
    const ROUTES: &'static [publica_runtime::Route] = routes::ROUTES;

    fn execute(&self, ctx: &mut CallContext<'_>, call: CrossborderCall) -> Result<(), TxError> {
        match call {
            CrossborderCall::OpenCorridor(a) => corridor::open(ctx, a),
            CrossborderCall::ApproveCorridor(a) => corridor::approve(ctx, a),
            CrossborderCall::Pair(a) => transfer::pair(ctx, a),
            CrossborderCall::Follow(a) => corridor::follow(ctx, a),
            CrossborderCall::Send(a) => transfer::send(ctx, a),
            CrossborderCall::Receive(a) => transfer::receive(ctx, a),
            CrossborderCall::Expire(a) => transfer::expire(ctx, a),
            CrossborderCall::Settle(a) => transfer::settle(ctx, a),
        }
    }

    fn index_event(&self, event: &CrossborderEvent, filer: &mut IndexFiler<'_>) {
        use CrossborderEvent as E;
        let (corridor, entry) = match event {
            E::CorridorProposed {
                corridor,
                remote_chain,
                ..
            } => {
                filer.file(
                    "corridors",
                    &json!({"corridor": corridor, "remote_chain": remote_chain}),
                );
                return;
            }
            E::CorridorOpened { .. } | E::Paired { .. } | E::SetFollowed { .. } => return,
            E::Sent {
                corridor,
                transfer,
                from,
                to,
                amount,
                deadline_ms,
            } => (
                corridor,
                json!({"transfer": transfer, "kind": "sent", "from": from, "to": to,
                    "amount": amount, "deadline_ms": deadline_ms}),
            ),
            E::Received {
                corridor,
                transfer,
                to,
                amount,
            } => (
                corridor,
                json!({"transfer": transfer, "kind": "received", "to": to, "amount": amount}),
            ),
            E::Expired { corridor, transfer } => {
                (corridor, json!({"transfer": transfer, "kind": "expired"}))
            }
            E::Delivered { corridor, transfer } => {
                (corridor, json!({"transfer": transfer, "kind": "delivered"}))
            }
            E::Refunded {
                corridor,
                transfer,
                to,
                amount,
            } => (
                corridor,
                json!({"transfer": transfer, "kind": "refunded", "to": to, "amount": amount}),
            ),
        };
        filer.file(&format!("transfers/{corridor}"), &entry);
    }
}
