//! The `recycling` module (issue 31, items 5, 6 and 9;
//! `docs/recycling.md`): credits in the local coin for what citizens
//! bring to collection points and for volunteer work, and the books of
//! the waste chain behind them.
//!
//! - the administrator sets the agency's **scheme** ([`scheme`]): the
//!   currency and the fund (a money account of program
//!   `civic-credits:<agency>`);
//! - **rate tables** are versioned CEL rules over the material and the
//!   weight, with the volunteer rate and monthly cap: a program officer
//!   proposes, administrators approve by the table's hash up to the
//!   agency's policy threshold, and only the table in force pays;
//! - the regulator **licenses collection points**; a point's key attests
//!   a deposit (material, grams) for a citizen's account, which the fund
//!   credits in the same transaction;
//! - **haulers and recyclers** ([`providers`]) report pickups (serving a
//!   point's pickup request, on time or late), deliveries, processing and
//!   stock; the ledger checks the **mass balance** (collected at least
//!   processed plus stock, no point picked up beyond what it collected) and flags
//!   the provider whose figures do not add up; **service levels** per
//!   provider and month come from the same attested events;
//! - **volunteer organisations** ([`volunteer`]) attest minutes of work;
//!   the fund pays the table's hourly rate within the organisation's
//!   budget and never over the table's cap per person and month.

pub mod codes;
pub mod events;
pub mod model;
pub mod providers;
pub mod routes;
pub mod scheme;
pub mod volunteer;

use codes::RecyclingRejection as R;
use events::RecyclingEvent;
use publica_runtime::authz::Role;
use publica_runtime::{CallContext, IndexFiler, Need, TypedModule};
use publica_types::TxError;
use serde_json::json;

/// The `recycling` module.
#[derive(Debug, Default)]
pub struct Recycling;

publica_runtime::calls! {
    /// The calls of `recycling`.
    #[derive(Debug)]
    pub enum RecyclingCall {
        /// Set the scheme (an administrator of the agency).
        Configure(scheme::ConfigureArgs) = "configure" => Need::Role(Role::Administrator, "agency"),
        /// Propose a rate table (a program officer).
        ProposeRates(scheme::ProposeArgs) = "propose_rates" => Need::Role(Role::ProgramOfficer, "agency"),
        /// Approve a rate table by its hash (an administrator).
        ApproveRates(scheme::ApproveArgs) = "approve_rates" => Need::Role(Role::Administrator, "agency"),
        /// License a collection point (the regulator).
        LicensePoint(scheme::LicenseArgs) = "license_point" => Need::Role(Role::Regulator, "agency"),
        /// Attest a deposit (the point's key).
        Deposit(scheme::DepositArgs) = "deposit" => Need::Any,
        /// Register a hauler or a recycler (the regulator).
        RegisterProvider(providers::RegisterArgs) = "register_provider" => Need::Role(Role::Regulator, "agency"),
        /// Ask for a pickup (the point's key).
        RequestPickup(providers::RequestArgs) = "request_pickup" => Need::Any,
        /// Report a pickup, delivery, processing or stock (the provider's key).
        Report(providers::ReportArgs) = "report" => Need::Any,
        /// Clear a provider's flag once its figures add up (the regulator).
        ClearFlag(providers::ClearArgs) = "clear_flag" => Need::Role(Role::Regulator, "agency"),
        /// Register a volunteer organisation or set its budget (a program officer).
        RegisterOrg(volunteer::OrgArgs) = "register_org" => Need::Role(Role::ProgramOfficer, "agency"),
        /// Attest volunteer work (the organisation's key).
        AttestVolunteering(volunteer::AttestArgs) = "attest_volunteering" => Need::Any,
        /// Revoke a point's, provider's or organisation's licence (the regulator).
        Revoke(volunteer::RevokeArgs) = "revoke" => Need::Role(Role::Regulator, "agency"),
    }
}

impl TypedModule for Recycling {
    const NAME: &'static str = "recycling";
    type Call = RecyclingCall;
    type Rejection = R;
    type Event = RecyclingEvent;
    const ROUTES: &'static [publica_runtime::Route] = routes::ROUTES;

    fn execute(&self, ctx: &mut CallContext<'_>, call: RecyclingCall) -> Result<(), TxError> {
        use RecyclingCall as C;
        match call {
            C::Configure(a) => scheme::configure(ctx, a),
            C::ProposeRates(a) => scheme::propose(ctx, a),
            C::ApproveRates(a) => scheme::approve(ctx, a),
            C::LicensePoint(a) => scheme::license(ctx, a),
            C::Deposit(a) => scheme::deposit(ctx, a),
            C::RegisterProvider(a) => providers::register(ctx, a),
            C::RequestPickup(a) => providers::request(ctx, a),
            C::Report(a) => providers::report(ctx, a),
            C::ClearFlag(a) => providers::clear(ctx, a),
            C::RegisterOrg(a) => volunteer::register(ctx, a),
            C::AttestVolunteering(a) => volunteer::attest(ctx, a),
            C::Revoke(a) => volunteer::revoke(ctx, a),
        }
    }

    fn index_event(&self, event: &RecyclingEvent, filer: &mut IndexFiler<'_>) {
        use RecyclingEvent as E;
        match event {
            E::RatesProposed {
                agency,
                version,
                hash,
            } => filer.file(
                &format!("rates/{agency}"),
                &json!({"version": version, "kind": "proposed", "hash": hash}),
            ),
            E::RatesApproved {
                agency,
                version,
                by,
                in_force,
            } => {
                let kind = if *in_force { "approved" } else { "approval" };
                filer.file(
                    &format!("rates/{agency}"),
                    &json!({"version": version, "kind": kind, "by": by}),
                );
            }
            E::PointLicensed { agency, point } => {
                filer.file(&format!("points/{agency}"), &json!({"point": point}));
            }
            E::Deposited {
                agency,
                point,
                account,
                holder,
                material,
                grams,
                credit,
                version,
                reference,
            } => {
                filer.file(
                    &format!("deposits/{agency}/{point}"),
                    &json!({"account": account, "material": material, "grams": grams,
                        "credit": credit, "version": version, "reference": reference}),
                );
                filer.file(
                    &format!("people/{agency}/{}", holder.to_hex()),
                    &json!({"kind": "deposit", "point": point, "account": account,
                        "material": material, "grams": grams, "credit": credit}),
                );
            }
            E::ProviderRegistered {
                agency,
                provider,
                kind,
            } => filer.file(
                &format!("providers/{agency}"),
                &json!({"provider": provider, "kind": kind}),
            ),
            E::Reported {
                agency, provider, ..
            } => {
                let (_, data) = publica_runtime::kit::split_event(event);
                filer.file(&format!("reports/{agency}/{provider}"), &data);
            }
            E::Flagged {
                agency,
                provider,
                material,
                reason,
            } => filer.file(
                &format!("flags/{agency}"),
                &json!({"provider": provider, "material": material, "reason": reason}),
            ),
            E::FlagCleared {
                agency,
                provider,
                note,
            } => filer.file(
                &format!("flags/{agency}"),
                &json!({"provider": provider, "cleared": note}),
            ),
            E::OrgRegistered {
                agency,
                org,
                budget,
            } => filer.file(
                &format!("orgs/{agency}"),
                &json!({"org": org, "budget": budget}),
            ),
            E::Volunteered { .. } => volunteered(event, filer),
            E::Configured { .. } | E::Revoked { .. } | E::PickupRequested { .. } => {}
        }
    }
}

/// Files a volunteer attestation under its organisation and its person.
fn volunteered(event: &RecyclingEvent, filer: &mut IndexFiler<'_>) {
    if let RecyclingEvent::Volunteered {
        agency,
        org,
        account,
        holder,
        minutes,
        reward,
        paid,
        reference,
    } = event
    {
        filer.file(
            &format!("volunteering/{agency}/{org}"),
            &json!({"account": account, "minutes": minutes, "reward": reward,
                "paid": paid, "reference": reference}),
        );
        filer.file(
            &format!("people/{agency}/{}", holder.to_hex()),
            &json!({"kind": "volunteering", "org": org, "account": account,
                "minutes": minutes, "paid": paid}),
        );
    }
}
