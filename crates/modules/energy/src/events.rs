//! The `energy` module's events.

use publica_types::AccountId;
use serde::{Deserialize, Serialize};

/// An `energy` event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "data", rename_all = "snake_case")]
pub enum EnergyEvent {
    /// The grid operator set the registry's settings.
    Configured {
        /// The agency.
        agency: String,
    },
    /// A meter was registered.
    MeterRegistered {
        /// The agency.
        agency: String,
        /// The meter.
        meter: String,
    },
    /// The grid operator flagged a meter faulty, or cleared it.
    MeterFlagged {
        /// The agency.
        agency: String,
        /// The meter.
        meter: String,
        /// The reason, or none when cleared.
        faulty: Option<String>,
    },
    /// A signed batch of readings was accepted.
    Readings {
        /// The agency.
        agency: String,
        /// The meter.
        meter: String,
        /// First interval's start.
        first_ms: u64,
        /// Last interval's start.
        last_ms: u64,
        /// Intervals in the batch.
        count: u64,
        /// Energy imported in the batch (Wh).
        import_wh: u64,
        /// Energy exported in the batch (Wh).
        export_wh: u64,
    },
    /// Certificates were issued for a meter's interval.
    Issued {
        /// The agency.
        agency: String,
        /// The lot.
        lot: String,
        /// To whom.
        holder: AccountId,
        /// How many units.
        units: u64,
    },
    /// Units changed hands.
    Transferred {
        /// The agency.
        agency: String,
        /// The lot.
        lot: String,
        /// From.
        from: AccountId,
        /// To.
        to: AccountId,
        /// How many units.
        units: u64,
    },
    /// Units were cancelled: claimed for a beneficiary's consumption.
    Cancelled {
        /// The agency.
        agency: String,
        /// The lot.
        lot: String,
        /// The holder who cancelled.
        by: AccountId,
        /// How many units.
        units: u64,
        /// For whom (a reference).
        beneficiary: String,
    },
    /// The grid operator set the market's settings.
    MarketOpened {
        /// The agency.
        agency: String,
    },
    /// An order for an interval.
    Ordered {
        /// The agency.
        agency: String,
        /// The interval.
        start_ms: u64,
        /// The order's number.
        seq: u64,
        /// Who.
        by: AccountId,
        /// Sell or buy.
        side: crate::market::Side,
        /// Watt-hours.
        wh: u64,
        /// Price per kWh.
        price: u64,
    },
    /// An interval cleared (or, with `error`, could not settle: every
    /// escrow refunded).
    Cleared {
        /// The agency.
        agency: String,
        /// The interval.
        start_ms: u64,
        /// The clearing price per kWh.
        price: Option<u64>,
        /// Watt-hours traded.
        volume_wh: u64,
        /// Orders.
        orders: u64,
        /// Why it could not settle.
        error: Option<String>,
    },
    /// One order's settlement.
    Settled {
        /// The agency.
        agency: String,
        /// The interval.
        start_ms: u64,
        /// The order.
        seq: u64,
        /// Who.
        by: AccountId,
        /// Sell or buy.
        side: crate::market::Side,
        /// Watt-hours matched (the rest is the grid's, at its tariff).
        matched_wh: u64,
        /// Paid (a bid) or received net of the fee (an offer).
        amount: publica_types::Amount,
        /// The grid fee (an offer).
        fee: publica_types::Amount,
        /// Escrow returned (a bid).
        refund: publica_types::Amount,
    },
}

impl publica_runtime::kit::Events for EnergyEvent {}
