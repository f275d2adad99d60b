//! What the pages show, read from the node: its committed state (records
//! fetched by key) and its event index (the modules' directories of
//! currencies, appropriations, programs and agencies). Nothing here walks
//! the history or scans the state; the one search over blocks (where
//! today starts) is a binary search over headers, done once a day.

use publica_identity::state::Agency;
use publica_money::history::{appropriations_key, CURRENCIES_KEY};
use publica_money::model::{
    account_key, appropriation_key, currency_key, Account, Appropriation, Currency,
};
use publica_programs::model::{
    period_key, periods_key, program_key, PeriodTotals, Program, PROGRAMS_DIRECTORY_KEY,
};
use publica_runtime::routes::ReadView;
use publica_types::Amount;
use serde::de::DeserializeOwned;

/// Most entries a directory page lists (currencies, programs, agencies).
pub const DIRECTORY_MAX: usize = 500;

/// A record in the state, decoded.
pub fn get<T: DeserializeOwned>(view: &dyn ReadView, key: &[u8]) -> Option<T> {
    view.state()
        .get(key)
        .and_then(|b| serde_json::from_slice(&b).ok())
}

/// The ids filed under a module's directory key (`<module>/directory/..`).
pub fn directory(view: &dyn ReadView, key: &str) -> Vec<String> {
    view.indexed(key, 0, DIRECTORY_MAX)
        .map(|(_, entries)| {
            entries
                .into_iter()
                .filter_map(|e| e["id"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// How many entries a directory key has, shown or not: a list page says
/// when it shows only the first [`DIRECTORY_MAX`].
pub fn directory_total(view: &dyn ReadView, key: &str) -> u64 {
    view.indexed(key, 0, 0).map_or(0, |(total, _)| total)
}

/// The directory key of the programs.
pub fn programs_key() -> String {
    format!("programs/{PROGRAMS_DIRECTORY_KEY}")
}

/// The directory key of the currencies.
pub fn currencies_key() -> String {
    format!("money/{CURRENCIES_KEY}")
}

/// Every currency, in creation order.
pub fn currencies(view: &dyn ReadView) -> Vec<Currency> {
    directory(view, &currencies_key())
        .iter()
        .filter_map(|code| get(view, &currency_key(code)))
        .collect()
}

/// A currency's appropriations, in the order they were proposed.
pub fn appropriations(view: &dyn ReadView, currency: &str) -> Vec<Appropriation> {
    directory(view, &format!("money/{}", appropriations_key(currency)))
        .iter()
        .filter_map(|id| get(view, &appropriation_key(currency, id)))
        .collect()
}

/// A money account.
pub fn account(view: &dyn ReadView, id: &str) -> Option<Account> {
    get(view, &account_key(id))
}

/// Every program, in creation order.
pub fn programs(view: &dyn ReadView) -> Vec<Program> {
    directory(view, &programs_key())
        .iter()
        .filter_map(|id| program(view, id))
        .collect()
}

/// A program.
pub fn program(view: &dyn ReadView, id: &str) -> Option<Program> {
    get(view, &program_key(id))
}

/// A program's totals per period, in period order.
pub fn periods(view: &dyn ReadView, id: &str) -> Vec<(String, PeriodTotals)> {
    let list: Vec<String> = get(view, &periods_key(id)).unwrap_or_default();
    list.into_iter()
        .filter_map(|p| {
            let t = get(view, &period_key(id, &p))?;
            Some((p, t))
        })
        .collect()
}

/// Every agency: those of the genesis, then those created since.
pub fn agencies(view: &dyn ReadView, genesis: Option<&publica_identity::Genesis>) -> Vec<Agency> {
    let from_genesis = genesis
        .map(|g| g.agencies.iter().map(|a| a.id.clone()).collect::<Vec<_>>())
        .unwrap_or_default();
    let created = directory(
        view,
        &format!(
            "identity/{}",
            publica_identity::state::AGENCIES_DIRECTORY_KEY
        ),
    );
    from_genesis
        .into_iter()
        .chain(created)
        .filter_map(|id| agency(view, &id))
        .collect()
}

/// An agency.
pub fn agency(view: &dyn ReadView, id: &str) -> Option<Agency> {
    get(view, &publica_runtime::authz::agency_key(id))
}

/// Money in circulation: minted less burned.
pub fn supply(c: &Currency) -> Amount {
    c.minted.checked_sub(c.burned).unwrap_or(Amount::ZERO)
}

/// One currency's payments by programs in one period.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Paid {
    /// Payments made.
    pub count: u64,
    /// Their total.
    pub amount: u128,
}

/// What programs paid in `period`, per currency (in currency order).
pub fn paid_in(view: &dyn ReadView, period: &str) -> Vec<(String, Paid)> {
    let mut out: Vec<(String, Paid)> = Vec::new();
    for p in programs(view) {
        let Some(t) = get::<PeriodTotals>(view, &period_key(&p.id, period)) else {
            continue;
        };
        let at = match out.iter().position(|(c, _)| *c == p.currency) {
            Some(i) => i,
            None => {
                out.push((p.currency.clone(), Paid::default()));
                out.len() - 1
            }
        };
        out[at].1.count += t.paid_count;
        out[at].1.amount = out[at].1.amount.saturating_add(t.paid_amount.get());
    }
    out
}

/// Where today (UTC) starts in the log, found once per day.
#[derive(Debug, Default)]
pub struct DayStart {
    /// Days since the epoch it is for.
    day: Option<u64>,
    /// Log size before today's first block.
    log_size_before: u64,
}

/// Milliseconds in a day.
const DAY_MS: u64 = 86_400_000;

/// Transactions committed today (UTC, by block time): the tip's log size
/// less the log size before the first block of the day.
pub fn transactions_today(
    node: &publica_node::Node,
    day: &std::sync::Mutex<DayStart>,
) -> Result<u64, publica_node::QueryError> {
    let status = node.status();
    let today = publica_types::now_ms() / DAY_MS;
    if status.height == 0 || status.time_ms < today * DAY_MS {
        // No block yet today.
        return Ok(0);
    }
    let mut d = day.lock().expect("day lock");
    if d.day != Some(today) {
        // The first height whose block time is today: block times never
        // decrease, so a binary search over headers finds it.
        let start = today * DAY_MS;
        let (mut lo, mut hi) = (1, status.height);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            let t = node.header(mid)?.map_or(u64::MAX, |h| h.time_ms);
            if t >= start {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        let before = match lo {
            1 => 0,
            h => node.header(h - 1)?.map_or(0, |h| h.log_size),
        };
        *d = DayStart {
            day: Some(today),
            log_size_before: before,
        };
    }
    Ok(status.log_size.saturating_sub(d.log_size_before))
}
