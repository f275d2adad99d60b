//! The `energy` module (issue 31, items 1–2; `docs/energy.md`): the
//! metering and certificate side of a city's renewable energy.
//!
//! - the grid operator ([`Role::GridOperator`]) configures the agency's
//!   certificate registry (unit, interval, validity, country) and
//!   registers **meters**, each with its own Ed25519 key, its holder, role,
//!   technology, location and rated capacity; it flags faulty meters;
//! - **readings** come in batches of intervals signed by the meter's key
//!   ([`model::signing_bytes`]), submitted by anyone (a data
//!   concentrator); a batch is refused whole when unsigned, out of order
//!   (a replay), misaligned, for an interval not over, or over capacity;
//! - a renewable meter's export **issues certificates**: one lot per meter
//!   and interval with its whole units (the remainder carries to the next
//!   interval), with the fields of granular certificates (device,
//!   technology, location, country, interval, issuance, expiry); holders
//!   **transfer** and **cancel** units for a beneficiary; lots **expire**;
//! - the registry's totals reconcile: units × unit + remainders = metered
//!   renewable generation, shown by `GET /v1/energy/{agency}`;
//! - a local **market** ([`market`], item 3): offers and escrowed bids per
//!   interval until the gate; at the gate the block clears the interval by
//!   a uniform-price double auction ([`auction`]) and settles it in the
//!   local currency, fees to the operator; the sold energy's certificates
//!   go to the buyers when the seller's readings issue them.

pub mod auction;
pub mod certificates;
pub mod citydata;
pub mod codes;
pub mod events;
pub mod market;
pub mod meters;
pub mod model;
pub mod recycling;
pub mod routes;

use codes::EnergyRejection as R;
use events::EnergyEvent;
use publica_runtime::authz::Role;
use publica_runtime::{CallContext, IndexFiler, Need, TypedModule};
use publica_types::TxError;
use serde_json::json;

/// The `energy` module.
#[derive(Debug, Default)]
pub struct Energy;

publica_runtime::calls! {
    /// The calls of `energy`.
    #[derive(Debug)]
    pub enum EnergyCall {
        /// Set the registry's settings (the grid operator).
        Configure(meters::ConfigureArgs) = "configure" => Need::Role(Role::GridOperator, "agency"),
        /// Register a meter (the grid operator).
        RegisterMeter(meters::RegisterArgs) = "register_meter" => Need::Role(Role::GridOperator, "agency"),
        /// Flag a meter faulty, or clear it (the grid operator).
        FlagMeter(meters::FlagArgs) = "flag_meter" => Need::Role(Role::GridOperator, "agency"),
        /// A batch of readings signed by the meter (anyone submits).
        SubmitReadings(meters::ReadingsArgs) = "submit_readings" => Need::Any,
        /// Transfer certificate units (their holder).
        Transfer(certificates::TransferArgs) = "transfer" => Need::Any,
        /// Cancel certificate units for a beneficiary (their holder).
        Cancel(certificates::CancelArgs) = "cancel" => Need::Any,
        /// Set the market's settings (the grid operator).
        OpenMarket(market::Market) = "open_market" => Need::Role(Role::GridOperator, "agency"),
        /// An offer or a bid for an interval (the meter's holder).
        Order(market::OrderArgs) = "order" => Need::Any,
    }
}

impl TypedModule for Energy {
    const NAME: &'static str = "energy";
    type Call = EnergyCall;
    type Rejection = R;
    type Event = EnergyEvent;
    const ROUTES: &'static [publica_runtime::Route] = routes::ROUTES;

    fn execute(&self, ctx: &mut CallContext<'_>, call: EnergyCall) -> Result<(), TxError> {
        match call {
            EnergyCall::Configure(a) => meters::configure(ctx, a),
            EnergyCall::RegisterMeter(a) => meters::register(ctx, a),
            EnergyCall::FlagMeter(a) => meters::flag(ctx, a),
            EnergyCall::SubmitReadings(a) => meters::readings(ctx, a),
            EnergyCall::Transfer(a) => certificates::transfer(ctx, a),
            EnergyCall::Cancel(a) => certificates::cancel(ctx, a),
            EnergyCall::OpenMarket(m) => market::open(ctx, m),
            EnergyCall::Order(a) => market::order(ctx, a),
        }
    }

    fn begin_block(&self, ctx: &mut CallContext<'_>) {
        market::clear_due(ctx);
    }

    fn next_due_ms(&self, state: &publica_state::StateTree) -> Option<u64> {
        market::next_gate(state)
    }

    fn index_event(&self, event: &EnergyEvent, filer: &mut IndexFiler<'_>) {
        use EnergyEvent as E;
        match event {
            E::MeterRegistered { agency, meter } => {
                filer.file(&format!("meters/{agency}"), &json!({"meter": meter}));
            }
            E::Readings {
                agency,
                meter,
                first_ms,
                last_ms,
                count,
                import_wh,
                export_wh,
            } => filer.file(
                &format!("readings/{agency}/{meter}"),
                &json!({"first_ms": first_ms, "last_ms": last_ms, "count": count,
                    "import_wh": import_wh, "export_wh": export_wh}),
            ),
            E::Issued {
                agency,
                lot,
                holder,
                units,
            } => {
                filer.file(
                    &format!("lots/{agency}"),
                    &json!({"lot": lot, "holder": holder, "units": units}),
                );
                filer.file(
                    &format!("account/{agency}/{}", holder.to_hex()),
                    &json!({"lot": lot, "kind": "issued", "units": units}),
                );
            }
            E::Transferred {
                agency,
                lot,
                from,
                to,
                units,
            } => {
                filer.file(
                    &format!("account/{agency}/{}", from.to_hex()),
                    &json!({"lot": lot, "kind": "sent", "units": units, "counterparty": to}),
                );
                filer.file(
                    &format!("account/{agency}/{}", to.to_hex()),
                    &json!({"lot": lot, "kind": "received", "units": units, "counterparty": from}),
                );
            }
            E::Cancelled {
                agency,
                lot,
                by,
                units,
                beneficiary,
            } => {
                let entry = json!({"lot": lot, "kind": "cancelled", "units": units,
                    "by": by, "beneficiary": beneficiary});
                filer.file(&format!("account/{agency}/{}", by.to_hex()), &entry);
                filer.file(&format!("cancellations/{agency}"), &entry);
            }
            E::Cleared {
                agency,
                start_ms,
                price,
                volume_wh,
                orders,
                error,
            } => filer.file(
                &format!("intervals/{agency}"),
                &json!({"start_ms": start_ms, "price": price, "volume_wh": volume_wh,
                    "orders": orders, "error": error}),
            ),
            E::Settled {
                agency,
                start_ms,
                seq,
                by,
                side,
                matched_wh,
                amount,
                fee,
                refund,
            } => filer.file(
                &format!("settlement/{agency}/{start_ms}"),
                &json!({"seq": seq, "by": by, "side": side, "matched_wh": matched_wh,
                    "amount": amount, "fee": fee, "refund": refund}),
            ),
            E::Configured { .. }
            | E::MeterFlagged { .. }
            | E::MarketOpened { .. }
            | E::Ordered { .. } => {}
        }
    }
}
