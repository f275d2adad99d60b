//! The records of the crossborder module and their state keys. The two
//! records one network proves to the other, [`TransferOut`] and
//! [`Incoming`], are read by the other side's module from a state proof:
//! their JSON is part of the protocol (`docs/cross-border.md`).

use publica_types::{AccountId, Amount};
use serde::{Deserialize, Serialize};

/// Shortest and longest time a transfer out waits for its credit (ms):
/// ten seconds to 30 days.
pub const TIMEOUT_MS_RANGE: std::ops::RangeInclusive<u64> = 10_000..=30 * 86_400_000;
/// Largest term of a corridor's rate.
pub const RATE_TERM_MAX: u64 = 1_000_000_000_000;

/// The program whose money account holds a corridor's liquidity:
/// `crossborder:<corridor>`, run by the corridor's agency.
pub fn corridor_program(corridor: &str) -> String {
    format!("crossborder:{corridor}")
}

/// State key of a corridor.
pub fn corridor_key(id: &str) -> Vec<u8> {
    format!("crossborder/corridor/{id}").into_bytes()
}

/// State key of a transfer out (its id: the sending transaction's id).
pub fn out_key(id: &str) -> String {
    format!("crossborder/out/{id}")
}

/// State key of this network's mark of the other's transfer out `id`
/// through `corridor`.
pub fn in_key(corridor: &str, id: &str) -> String {
    format!("crossborder/in/{corridor}/{id}")
}

/// Checks a corridor or chain id: 1..=64 of `[a-z0-9_-]`.
pub fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

/// Checks a transfer id: 64 lowercase hex digits.
pub fn valid_transfer_id(id: &str) -> bool {
    id.len() == 64
        && id
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// How many units of this network's currency `local` are worth `remote`
/// units of the other's: a transfer in of `a` credits `⌊a·local/remote⌋`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rate {
    /// Units of the other network's currency (minor units).
    pub remote: u64,
    /// Units of this network's currency they are worth (minor units).
    pub local: u64,
}

impl Default for Rate {
    fn default() -> Self {
        Rate {
            remote: 1,
            local: 1,
        }
    }
}

impl Rate {
    /// `amount` of the other network's currency in this one's, rounded
    /// down; `None` when it does not fit.
    pub fn convert(self, amount: Amount) -> Option<Amount> {
        let scaled = amount.get().checked_mul(u128::from(self.local))?;
        Some(Amount::new(scaled / u128::from(self.remote)))
    }
}

/// One side of a corridor between two networks.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Corridor {
    /// Its id on this network.
    pub id: String,
    /// The agency whose money it moves (its treasurers open it).
    pub agency: String,
    /// The currency it moves on this network.
    pub currency: String,
    /// The money account of program `crossborder:<id>` holding its
    /// liquidity: transfers out are locked in it, transfers in paid from it.
    pub account: String,
    /// The other network's chain id.
    pub remote_chain: String,
    /// The id of the paired corridor on the other network.
    pub remote_corridor: String,
    /// The other network's validator sets followed so far (the JSON of a
    /// `publica verify --validators` file: origin, cosigners, quorum,
    /// changes).
    pub remote_sets: serde_json::Value,
    /// The other network's block of the last set change followed (0:
    /// none yet).
    pub followed: u64,
    /// The exchange rate applied to transfers in.
    pub rate: Rate,
    /// The largest amount of one transfer, in this network's currency
    /// (out: as sent; in: once converted).
    pub limit: Amount,
    /// How long a transfer out may wait for its credit before it can be
    /// marked expired on the other network and refunded here (ms).
    pub timeout_ms: u64,
    /// The treasurers who approved it.
    pub approvals: Vec<AccountId>,
    /// Whether it has its approvals.
    pub open: bool,
    /// Whether the other network proved its paired corridor open and
    /// pointing back at this one (`crossborder.pair`): only then is money
    /// sent, so that every transfer out can be credited or expired there.
    #[serde(default)]
    pub paired: bool,
    /// Totals, in this network's currency.
    pub totals: Totals,
}

/// What moved through a corridor.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Totals {
    /// Locked by transfers out.
    pub sent: Amount,
    /// Transfers out not settled yet.
    pub pending: u64,
    /// Transfers out the other network credited.
    pub delivered: Amount,
    /// Transfers out refunded.
    pub refunded: Amount,
    /// Paid by transfers in.
    pub received: Amount,
    /// Transfers in marked expired.
    pub expired: u64,
}

impl Totals {
    /// Money locked by transfers out neither delivered nor refunded.
    pub fn locked(&self) -> Amount {
        let settled = self
            .delivered
            .checked_add(self.refunded)
            .unwrap_or(self.sent);
        self.sent.checked_sub(settled).unwrap_or(Amount::ZERO)
    }
}

/// Where a transfer out stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutStatus {
    /// Locked; the other network may credit it until its deadline.
    Pending,
    /// The other network proved it credited it.
    Delivered,
    /// The other network proved it expired; the sender was paid back.
    Refunded,
}

/// A transfer out: what the other network's corridor reads, from a state
/// proof of `crossborder/out/<id>`, before crediting.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransferOut {
    /// Its id: the sending transaction's id.
    pub id: String,
    /// The corridor it left by.
    pub corridor: String,
    /// The paired corridor on the other network.
    pub remote_corridor: String,
    /// This network's chain id.
    pub from_chain: String,
    /// The other network's chain id.
    pub to_chain: String,
    /// The account debited.
    pub from: String,
    /// Who signed.
    pub sender: AccountId,
    /// The account to credit on the other network.
    pub to: String,
    /// The amount locked, in `currency`.
    pub amount: Amount,
    /// This network's currency.
    pub currency: String,
    /// After this time (the other network's block time) it is no longer
    /// credited.
    pub deadline_ms: u64,
    /// The block it was sent in.
    pub height: u64,
    /// Where it stands.
    pub status: OutStatus,
}

/// What this network did with the other's transfer out.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InStatus {
    /// Credited to its recipient.
    Received,
    /// Its deadline passed uncredited: never to be credited.
    Expired,
}

/// This network's mark of the other's transfer out: what the sending
/// network's corridor reads, from a state proof of
/// `crossborder/in/<corridor>/<id>`, to settle it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Incoming {
    /// The other network's transfer out.
    pub id: String,
    /// The corridor here.
    pub corridor: String,
    /// The other network's chain id.
    pub from_chain: String,
    /// Credited or expired.
    pub status: InStatus,
    /// The account credited (or that would have been).
    pub to: String,
    /// The amount sent, in the other network's currency.
    pub sent: Amount,
    /// The amount credited here (zero when expired).
    pub credited: Amount,
    /// The block that marked it.
    pub height: u64,
}
