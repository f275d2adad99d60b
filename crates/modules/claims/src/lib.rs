//! The `claims` module: health insurance claims adjudicated by rules
//! (issue 29, items 8–11).
//!
//! - an insurer's program officers define **plans**: cover rules in CEL
//!   (the programs' rule language and checker), a tariff of procedure
//!   codes with the most paid for each, a yearly limit per member and a
//!   co-payment; the plan pays from a money account of its own;
//! - they give members **policies** (from, until);
//! - a provider's officer (`custodian` of the provider agency) **submits**
//!   a claim: an ICD-10 diagnosis, coded items, evidence by record
//!   commitment (the record stays in the record store, readable by the
//!   insurer only under the member's consent), the provider's account to
//!   pay. The plan's rules judge it in the same transaction: approved and
//!   paid through money (less the co-payment, within the yearly limit),
//!   denied with a reason code, or referred to an adjudicator; duplicates
//!   (same provider, member, service and date) are refused;
//! - an `adjudicator` of the insurer decides referred claims; a denied
//!   claim is **appealed** by its member or provider, once, and decided by
//!   another adjudicator than the one who decided it;
//! - figures per plan and month: submitted, approved, denied by reason,
//!   referred, decided, appealed, overturned, paid.
//!
//! See `docs/health.md`.

pub mod adjudicate;
pub mod bulk;
pub mod codes;
pub mod events;
pub mod model;
pub mod plans;
pub mod routes;

use codes::ClaimsRejection as R;
use events::ClaimsEvent;
use publica_runtime::authz::Role;
use publica_runtime::{CallContext, IndexFiler, Need, TypedModule};
use publica_types::TxError;
use serde_json::json;

/// The `claims` module.
#[derive(Debug, Default)]
pub struct Claims;

publica_runtime::calls! {
    /// The calls of `claims`.
    #[derive(Debug)]
    pub enum ClaimsCall {
        /// Define a plan (a program officer of the insurer).
        DefinePlan(plans::DefineArgs) = "define_plan" => Need::Role(Role::ProgramOfficer, "agency"),
        /// Give a member a policy of a plan.
        Enrol(plans::EnrolArgs) = "enrol" => Need::Role(Role::ProgramOfficer, "agency"),
        /// Submit a claim (an officer of the provider): judged by the rules.
        Submit(adjudicate::SubmitArgs) = "submit" => Need::Role(Role::Custodian, "provider"),
        /// Decide a referred claim (an adjudicator of the insurer).
        Decide(adjudicate::DecideArgs) = "decide" => Need::Role(Role::Adjudicator, "agency"),
        /// Appeal a denied claim (its member or provider).
        Appeal(adjudicate::AppealArgs) = "appeal" => Need::Any,
        /// Decide an appeal (another adjudicator).
        DecideAppeal(adjudicate::DecideArgs) = "decide_appeal" => Need::Role(Role::Adjudicator, "agency"),
    }
}

impl TypedModule for Claims {
    const NAME: &'static str = "claims";
    type Call = ClaimsCall;
    type Rejection = R;
    type Event = ClaimsEvent;
    const ROUTES: &'static [publica_runtime::Route] = routes::ROUTES;

    fn index_event(&self, event: &ClaimsEvent, filer: &mut IndexFiler<'_>) {
        match event {
            ClaimsEvent::Judged {
                provider,
                claim,
                agency,
                member,
                status,
                by,
                ..
            } => {
                let entry =
                    json!({"provider": provider, "claim": claim, "status": status, "by": by});
                if by == "rules" {
                    filer.file(&format!("member/{}", member.to_hex()), &entry);
                }
                if *status == model::Status::Referred {
                    filer.file(&format!("queue/{agency}"), &entry);
                }
            }
            ClaimsEvent::Appealed {
                provider,
                claim,
                agency,
            } => filer.file(
                &format!("queue/{agency}"),
                &json!({"provider": provider, "claim": claim, "status": "appealed"}),
            ),
            _ => {}
        }
    }

    fn execute(&self, ctx: &mut CallContext<'_>, call: ClaimsCall) -> Result<(), TxError> {
        match call {
            ClaimsCall::DefinePlan(a) => plans::define(ctx, a),
            ClaimsCall::Enrol(a) => plans::enrol(ctx, a),
            ClaimsCall::Submit(a) => adjudicate::submit(ctx, a),
            ClaimsCall::Decide(a) => adjudicate::decide(ctx, a),
            ClaimsCall::Appeal(a) => adjudicate::appeal(ctx, a),
            ClaimsCall::DecideAppeal(a) => adjudicate::decide_appeal(ctx, a),
        }
    }
}
