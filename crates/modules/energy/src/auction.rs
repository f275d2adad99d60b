//! The uniform-price double auction that clears one market interval,
//! without a ledger: offers (sell) and bids (buy) of watt-hours at a price
//! per kWh.
//!
//! Offers are ranked by price, lowest first, bids by price, highest first;
//! equal prices by order number (earlier first). The two ladders are
//! matched from the top while the bid's price is at least the offer's;
//! the volume traded is the most any single price could clear. Every
//! matched watt-hour trades at one price: the midpoint of the last matched
//! bid's and offer's prices, rounded down — at most what every matched
//! buyer bid and at least what every matched seller asked.

/// One order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Order {
    /// Its number in the interval (the tie-breaker: earlier first).
    pub seq: u64,
    /// Watt-hours.
    pub wh: u64,
    /// Price per kWh, in the currency's minor units.
    pub price: u64,
}

/// A match: `wh` from offer `offer` to bid `bid` (their `seq`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fill {
    /// The bid's number.
    pub bid: u64,
    /// The offer's number.
    pub offer: u64,
    /// Watt-hours.
    pub wh: u64,
}

/// The clearing of an interval.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Clearing {
    /// The uniform price per kWh (none when nothing trades).
    pub price: Option<u64>,
    /// Watt-hours traded.
    pub volume_wh: u64,
    /// Every match, in ladder order.
    pub fills: Vec<Fill>,
}

/// Clears `offers` against `bids`.
pub fn clear(offers: &[Order], bids: &[Order]) -> Clearing {
    let mut asks: Vec<&Order> = offers.iter().filter(|o| o.wh > 0).collect();
    asks.sort_by_key(|o| (o.price, o.seq));
    let mut buys: Vec<&Order> = bids.iter().filter(|o| o.wh > 0).collect();
    buys.sort_by_key(|o| (std::cmp::Reverse(o.price), o.seq));
    let (mut i, mut j) = (0, 0);
    let (mut left_bid, mut left_ask) = (
        buys.first().map_or(0, |b| b.wh),
        asks.first().map_or(0, |a| a.wh),
    );
    let mut out = Clearing::default();
    let mut last = None;
    while i < buys.len() && j < asks.len() && buys[i].price >= asks[j].price {
        let q = left_bid.min(left_ask);
        out.fills.push(Fill {
            bid: buys[i].seq,
            offer: asks[j].seq,
            wh: q,
        });
        out.volume_wh += q;
        last = Some((buys[i].price, asks[j].price));
        left_bid -= q;
        left_ask -= q;
        if left_bid == 0 {
            i += 1;
            left_bid = buys.get(i).map_or(0, |b| b.wh);
        }
        if left_ask == 0 {
            j += 1;
            left_ask = asks.get(j).map_or(0, |a| a.wh);
        }
    }
    out.price = last.map(|(b, a)| a + (b - a) / 2);
    out
}

/// What `wh` watt-hours cost at `price` per kWh, in minor units, rounded
/// down (a buyer never pays for a fraction of a minor unit).
pub fn value(wh: u64, price: u64) -> u128 {
    u128::from(wh) * u128::from(price) / 1_000
}

/// What a bid holds in escrow: its full volume at its own price, rounded
/// up, so that any fill at the clearing price (never above it) is covered.
pub fn escrow(wh: u64, price: u64) -> u128 {
    (u128::from(wh) * u128::from(price)).div_ceil(1_000)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn o(seq: u64, wh: u64, price: u64) -> Order {
        Order { seq, wh, price }
    }

    #[test]
    fn a_small_interval_clears_at_the_midpoint_of_the_marginal_pair() {
        // Offers 100 Wh at 10, 200 at 20, 100 at 40; bids 150 at 50, 100
        // at 25, 100 at 15. Ladders: 150@50 takes 100@10 and 50@20; 100@25
        // takes 100@20; 100@15 meets 50@20 — no. Marginal pair (25, 20):
        // price 22.
        let c = clear(
            &[o(1, 100, 10), o(2, 200, 20), o(3, 100, 40)],
            &[o(4, 150, 50), o(5, 100, 25), o(6, 100, 15)],
        );
        assert_eq!(c.volume_wh, 250);
        assert_eq!(c.price, Some(22));
        assert_eq!(
            c.fills,
            vec![
                Fill {
                    bid: 4,
                    offer: 1,
                    wh: 100
                },
                Fill {
                    bid: 4,
                    offer: 2,
                    wh: 50
                },
                Fill {
                    bid: 5,
                    offer: 2,
                    wh: 100
                }
            ]
        );
        assert_eq!(
            clear(&[o(1, 100, 30)], &[o(2, 100, 20)]),
            Clearing::default()
        );
        // Equal prices: the earlier order first.
        let c = clear(&[o(1, 50, 10), o(2, 50, 10)], &[o(3, 60, 10)]);
        assert_eq!(
            c.fills,
            vec![
                Fill {
                    bid: 3,
                    offer: 1,
                    wh: 50
                },
                Fill {
                    bid: 3,
                    offer: 2,
                    wh: 10
                }
            ]
        );
        assert_eq!(
            (value(1_500, 22), escrow(1_500, 21), escrow(1, 1)),
            (33, 32, 1)
        );
    }
}
