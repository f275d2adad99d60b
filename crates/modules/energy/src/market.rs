//! The local peer-to-peer market: per interval, producers' offers and
//! consumers' bids (escrowed when made) until the gate closes; at the gate
//! the block clears the interval ([`crate::auction`]) and settles it in
//! the local currency — the buyer's escrow pays the seller at the clearing
//! price less the grid fee, the fee goes to the operator, the rest is
//! refunded — and the sellers' certificates for that interval go to their
//! buyers when the readings issue them. Unmatched volume is the grid's at
//! its default tariff (billed outside the market).

use crate::auction::{self, Order};
use crate::codes::EnergyRejection as R;
use crate::events::EnergyEvent;
use crate::meters::{bad, meter, registry};
use crate::model::MeterRole;
use publica_money::interface as money;
use publica_runtime::{CallContext, Rejections};
use publica_types::{AccountId, Amount, TxError};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Most orders in one interval.
pub const ORDERS_MAX: u64 = 10_000;
/// How far ahead orders are taken: a week (the intervals waiting for
/// their gate are read every block).
pub const HORIZON_MS: u64 = 7 * 86_400_000;
/// The program whose account holds the bids' escrow of `agency`'s market
/// (`energy-market:<agency>`), opened by the currency's issuer.
pub fn escrow_program(agency: &str) -> String {
    format!("energy-market:{agency}")
}

/// An agency's market settings.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Market {
    /// The agency (its grid operator signs).
    pub agency: String,
    /// The currency trades settle in.
    pub currency: String,
    /// The escrow: a money account of program `energy-market:<agency>`
    /// run by `escrow_agency`.
    pub escrow_account: String,
    /// The agency whose program account the escrow is (the currency's
    /// issuer: only it opens accounts in its currency for others).
    pub escrow_agency: String,
    /// Where grid fees go.
    pub fee_account: String,
    /// Grid fee per kWh traded, in minor units (taken from the seller's
    /// proceeds).
    pub fee_per_kwh: u64,
    /// Orders close this long before their interval starts (ms).
    pub gate_ms: u64,
    /// The highest price per kWh an order may name.
    pub price_cap: u64,
}

/// Which side an order is on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    /// To sell.
    Offer,
    /// To buy.
    Bid,
}

/// `energy.order`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrderArgs {
    /// The agency.
    pub agency: String,
    /// The meter delivering (offer) or taking (bid) the energy; its holder
    /// signs.
    pub meter: String,
    /// The interval's start (ms).
    pub start_ms: u64,
    /// Sell or buy.
    pub side: Side,
    /// Watt-hours.
    pub wh: u64,
    /// Price per kWh (minor units): the least a seller takes, the most a
    /// buyer pays.
    pub price: u64,
    /// The money account paid (offer) or debited for the escrow and
    /// refunded (bid); the signer's.
    pub account: String,
}

/// An order as kept.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredOrder {
    /// Its number in the interval.
    pub seq: u64,
    /// Who.
    pub by: AccountId,
    /// The meter.
    pub meter: String,
    /// Sell or buy.
    pub side: Side,
    /// Watt-hours.
    pub wh: u64,
    /// Price per kWh.
    pub price: u64,
    /// The money account.
    pub account: String,
    /// What a bid put in escrow.
    pub escrow: Amount,
}

/// An interval's clearing, as kept.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Interval {
    /// Orders taken.
    pub orders: u64,
    /// Whether cleared.
    pub cleared: bool,
    /// The clearing price per kWh.
    pub price: Option<u64>,
    /// Watt-hours traded.
    pub volume_wh: u64,
    /// Money paid to sellers.
    pub paid: Amount,
    /// Grid fees.
    pub fees: Amount,
    /// Escrow refunded to buyers.
    pub refunded: Amount,
}

/// State key of an agency's market.
pub fn market_key(agency: &str) -> Vec<u8> {
    format!("energy/market/{agency}").into_bytes()
}

/// State key of an interval's clearing.
pub fn interval_key(agency: &str, start: u64) -> Vec<u8> {
    format!("energy/interval/{agency}/{start}").into_bytes()
}

/// State key of order `seq` of an interval.
pub fn order_key(agency: &str, start: u64, seq: u64) -> Vec<u8> {
    format!("energy/order/{agency}/{start}/{seq}").into_bytes()
}

/// State key of the certificates a meter's interval owes its buyers.
pub fn owed_key(agency: &str, meter: &str, start: u64) -> Vec<u8> {
    format!("energy/owed/{agency}/{meter}/{start}").into_bytes()
}

/// State key of the intervals waiting for their gate: `<agency>/<start>`
/// to gate time.
pub const GATES_KEY: &[u8] = b"energy/gates";

/// `energy.open_market` (the grid operator): sets or changes the settings.
pub fn open(ctx: &mut CallContext<'_>, m: Market) -> Result<(), TxError> {
    registry(ctx, &m.agency)?;
    let gates: BTreeMap<String, u64> = ctx.read(GATES_KEY).unwrap_or_default();
    if gates
        .keys()
        .any(|k| k.rsplit_once('/').is_some_and(|(a, _)| a == m.agency))
    {
        // Escrowed bids and their settlement depend on these settings.
        return Err(bad(
            "the market has intervals waiting for their gate: its settings change once they have cleared",
        ));
    }
    money::program_account(
        ctx,
        &m.escrow_account,
        &m.escrow_agency,
        &escrow_program(&m.agency),
        &m.currency,
    )?;
    let fee = money::account(ctx, &m.fee_account)?;
    if fee.currency != m.currency {
        return Err(bad(format!(
            "'{}' holds {}, not {}",
            m.fee_account, fee.currency, m.currency
        )));
    }
    if m.gate_ms > 7 * 86_400_000 || m.price_cap == 0 || m.fee_per_kwh > m.price_cap {
        return Err(bad(
            "gate_ms is at most a week; price_cap at least 1; fee_per_kwh at most price_cap",
        ));
    }
    ctx.write(market_key(&m.agency), &m);
    ctx.emit_event(&EnergyEvent::MarketOpened { agency: m.agency });
    Ok(())
}

fn market(ctx: &CallContext<'_>, agency: &str) -> Result<Market, TxError> {
    ctx.read(&market_key(agency))
        .ok_or_else(|| R::NotConfigured.err(format!("'{agency}' runs no market")))
}

/// `energy.order` (the meter's holder, before the gate).
pub fn order(ctx: &mut CallContext<'_>, a: OrderArgs) -> Result<(), TxError> {
    let r = registry(ctx, &a.agency)?;
    let mk = market(ctx, &a.agency)?;
    let m = meter(ctx, &a.agency, &a.meter)?;
    let by = ctx.signer();
    if m.holder != by {
        return Err(R::NotHolder.err(format!("the signer is not the holder of meter '{}'", m.id)));
    }
    let can = match a.side {
        Side::Offer => m.role != MeterRole::Consumer,
        Side::Bid => m.role != MeterRole::Producer,
    };
    if !can {
        return Err(bad(format!(
            "meter '{}' ({:?}) cannot {:?}",
            m.id, m.role, a.side
        )));
    }
    let cap = u128::from(m.capacity_w) * u128::from(r.interval_ms) / 3_600_000;
    if a.wh == 0 || u128::from(a.wh) > cap || a.price > mk.price_cap {
        return Err(R::Implausible.err(format!(
            "an order is 1..={cap} Wh for this meter, at most {} per kWh",
            mk.price_cap
        )));
    }
    let now = ctx.env().time_ms;
    if a.start_ms > now.saturating_add(HORIZON_MS) {
        return Err(R::Implausible.err(format!(
            "orders are taken for intervals within {HORIZON_MS} ms (a week)"
        )));
    }
    if !a.start_ms.is_multiple_of(r.interval_ms) || a.start_ms.saturating_sub(mk.gate_ms) <= now {
        return Err(R::GateClosed.err(format!(
            "orders for the interval starting {} closed {} ms before it (or it is not an interval start)",
            a.start_ms, mk.gate_ms
        )));
    }
    let mut iv: Interval = ctx
        .read(&interval_key(&a.agency, a.start_ms))
        .unwrap_or_default();
    if iv.orders >= ORDERS_MAX {
        return Err(bad(format!(
            "an interval takes at most {ORDERS_MAX} orders"
        )));
    }
    let acct = money::account(ctx, &a.account)?;
    if acct.currency != mk.currency {
        return Err(bad(format!(
            "'{}' holds {}, the market {}",
            a.account, acct.currency, mk.currency
        )));
    }
    let escrow = match a.side {
        Side::Offer => Amount::ZERO,
        Side::Bid => {
            let e = Amount::new(auction::escrow(a.wh, a.price));
            if !e.is_zero() {
                let reference = format!("energy:bid/{}/{}", a.start_ms, iv.orders);
                money::transfer_as_signer(ctx, &a.account, &mk.escrow_account, e, &reference)?;
            }
            e
        }
    };
    let o = StoredOrder {
        seq: iv.orders,
        by,
        meter: m.id,
        side: a.side,
        wh: a.wh,
        price: a.price,
        account: a.account,
        escrow,
    };
    ctx.write(order_key(&a.agency, a.start_ms, o.seq), &o);
    iv.orders += 1;
    ctx.write(interval_key(&a.agency, a.start_ms), &iv);
    if o.seq == 0 {
        let mut gates: BTreeMap<String, u64> = ctx.read(GATES_KEY).unwrap_or_default();
        gates.insert(
            format!("{}/{}", a.agency, a.start_ms),
            a.start_ms - mk.gate_ms,
        );
        ctx.write(GATES_KEY.to_vec(), &gates);
    }
    ctx.emit_event(&EnergyEvent::Ordered {
        agency: a.agency,
        start_ms: a.start_ms,
        seq: o.seq,
        by,
        side: a.side,
        wh: a.wh,
        price: a.price,
    });
    Ok(())
}

/// One order's settlement.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settled {
    /// The order.
    pub seq: u64,
    /// Watt-hours matched.
    pub matched_wh: u64,
    /// Paid (a bid) or received net of fees (an offer).
    pub amount: Amount,
    /// Grid fee (an offer).
    pub fee: Amount,
    /// Escrow returned (a bid).
    pub refund: Amount,
}

/// Clears and settles the interval `start` of `agency` (its gate has
/// closed). All of it happens, or — if a payment fails — every escrow is
/// refunded and the interval is recorded as not cleared.
pub(crate) fn clear(ctx: &mut CallContext<'_>, agency: &str, start: u64) {
    let Ok(mk) = market(ctx, agency) else {
        return;
    };
    let mut iv: Interval = ctx.read(&interval_key(agency, start)).unwrap_or_default();
    let orders: Vec<StoredOrder> = (0..iv.orders)
        .filter_map(|s| ctx.read(&order_key(agency, start, s)))
        .collect();
    let pick = |side: Side| -> Vec<Order> {
        orders
            .iter()
            .filter(|o| o.side == side)
            .map(|o| Order {
                seq: o.seq,
                wh: o.wh,
                price: o.price,
            })
            .collect()
    };
    let c = auction::clear(&pick(Side::Offer), &pick(Side::Bid));
    let settled = ctx.attempt(|ctx| settle(ctx, &mk, agency, start, &orders, &c));
    let (paid, fees, refunded, error) = match settled {
        Ok(totals) => totals,
        Err(e) => {
            // Nothing traded: every escrow goes back.
            let back = refund_all(ctx, &mk, agency, start, &orders);
            (Amount::ZERO, Amount::ZERO, back, Some(e.code))
        }
    };
    iv.cleared = error.is_none();
    iv.price = if error.is_none() { c.price } else { None };
    iv.volume_wh = if error.is_none() { c.volume_wh } else { 0 };
    iv.paid = paid;
    iv.fees = fees;
    iv.refunded = refunded;
    ctx.write(interval_key(agency, start), &iv);
    ctx.emit_event(&EnergyEvent::Cleared {
        agency: agency.to_string(),
        start_ms: start,
        price: iv.price,
        volume_wh: iv.volume_wh,
        orders: iv.orders,
        error,
    });
}

fn refund_all(
    ctx: &mut CallContext<'_>,
    mk: &Market,
    agency: &str,
    start: u64,
    orders: &[StoredOrder],
) -> Amount {
    let mut back = Amount::ZERO;
    for o in orders.iter().filter(|o| !o.escrow.is_zero()) {
        let reference = format!("energy:refund/{start}/{}", o.seq);
        let r = ctx.attempt(|ctx| {
            money::pay_from_program(
                ctx,
                &mk.escrow_agency,
                &escrow_program(agency),
                &mk.escrow_account,
                &o.account,
                o.escrow,
                &reference,
            )
        });
        if r.is_ok() {
            back = back.checked_add(o.escrow).unwrap_or(back);
        }
    }
    back
}

type Totals = (Amount, Amount, Amount, Option<String>);

fn settle(
    ctx: &mut CallContext<'_>,
    mk: &Market,
    agency: &str,
    start: u64,
    orders: &[StoredOrder],
    c: &auction::Clearing,
) -> Result<Totals, TxError> {
    let price = c.price.unwrap_or(0);
    let mut per: BTreeMap<u64, Settled> = orders
        .iter()
        .map(|o| {
            (
                o.seq,
                Settled {
                    seq: o.seq,
                    ..Settled::default()
                },
            )
        })
        .collect();
    let mut owed: BTreeMap<String, Vec<(AccountId, u64)>> = BTreeMap::new();
    let (mut paid, mut fees) = (Amount::ZERO, Amount::ZERO);
    for f in &c.fills {
        let (bid, offer) = (&orders[f.bid as usize], &orders[f.offer as usize]);
        let value = auction::value(f.wh, price);
        let fee = auction::value(f.wh, mk.fee_per_kwh).min(value);
        let net = Amount::new(value - fee);
        let reference = format!("energy:trade/{start}/{}/{}", f.bid, f.offer);
        if !net.is_zero() {
            money::pay_from_program(
                ctx,
                &mk.escrow_agency,
                &escrow_program(agency),
                &mk.escrow_account,
                &offer.account,
                net,
                &reference,
            )?;
        }
        if fee > 0 {
            money::pay_from_program(
                ctx,
                &mk.escrow_agency,
                &escrow_program(agency),
                &mk.escrow_account,
                &mk.fee_account,
                Amount::new(fee),
                &reference,
            )?;
        }
        let b = per.get_mut(&f.bid).expect("every order has an entry");
        b.matched_wh += f.wh;
        b.amount = Amount::new(b.amount.get() + value);
        let s = per.get_mut(&f.offer).expect("every order has an entry");
        s.matched_wh += f.wh;
        s.amount = Amount::new(s.amount.get() + net.get());
        s.fee = Amount::new(s.fee.get() + fee);
        paid = Amount::new(paid.get() + net.get());
        fees = Amount::new(fees.get() + fee);
        owed.entry(offer.meter.clone())
            .or_default()
            .push((bid.by, f.wh));
    }
    let mut refunded = Amount::ZERO;
    for o in orders.iter().filter(|o| o.side == Side::Bid) {
        let s = per.get_mut(&o.seq).expect("every order has an entry");
        let back = o.escrow.checked_sub(s.amount).unwrap_or(Amount::ZERO);
        if !back.is_zero() {
            let reference = format!("energy:refund/{start}/{}", o.seq);
            money::pay_from_program(
                ctx,
                &mk.escrow_agency,
                &escrow_program(agency),
                &mk.escrow_account,
                &o.account,
                back,
                &reference,
            )?;
        }
        s.refund = back;
        refunded = Amount::new(refunded.get() + back.get());
    }
    for (meter, buyers) in owed {
        // The certificates of this interval follow the energy (issued
        // when the seller's readings come in; see `meters::issue`).
        ctx.write(owed_key(agency, &meter, start), &buyers);
    }
    for o in orders {
        let s = per.remove(&o.seq).expect("every order has an entry");
        ctx.emit_event(&EnergyEvent::Settled {
            agency: agency.to_string(),
            start_ms: start,
            seq: o.seq,
            by: o.by,
            side: o.side,
            matched_wh: s.matched_wh,
            amount: s.amount,
            fee: s.fee,
            refund: s.refund,
        });
    }
    Ok((paid, fees, refunded, None))
}

/// Clears every interval whose gate has closed by the block's time.
pub(crate) fn clear_due(ctx: &mut CallContext<'_>) {
    let gates: BTreeMap<String, u64> = ctx.read(GATES_KEY).unwrap_or_default();
    let now = ctx.env().time_ms;
    let due: Vec<String> = gates
        .iter()
        .filter(|(_, t)| **t <= now)
        .map(|(k, _)| k.clone())
        .collect();
    if due.is_empty() {
        return;
    }
    let mut gates = gates;
    for k in due {
        gates.remove(&k);
        if let Some((agency, start)) = k.rsplit_once('/') {
            if let Ok(start) = start.parse() {
                clear(ctx, agency, start);
            }
        }
    }
    ctx.write(GATES_KEY.to_vec(), &gates);
}

/// The next gate to close, if any.
pub fn next_gate(state: &publica_state::StateTree) -> Option<u64> {
    let gates: BTreeMap<String, u64> = state
        .get(GATES_KEY)
        .and_then(|b| serde_json::from_slice(&b).ok())?;
    gates.values().min().copied()
}
