//! Per-client (per IP address) token-bucket rate limiting: one bucket
//! counts requests, another the transactions submitted (each costs a
//! signature check), so that a batch pays for the work it asks for.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::Instant;

/// Most clients tracked at once; beyond it the idlest are forgotten, so a
/// flood of addresses cannot exhaust memory.
const CLIENTS_MAX: usize = 100_000;

/// Token buckets keyed by client address.
#[derive(Debug)]
pub struct RateLimiter {
    rate_per_s: f64,
    burst: f64,
    buckets: Mutex<HashMap<IpAddr, (f64, Instant)>>,
}

impl RateLimiter {
    /// `rate_per_s` requests per second sustained, `burst` at once.
    pub fn new(rate_per_s: u32, burst: u32) -> Self {
        RateLimiter {
            rate_per_s: f64::from(rate_per_s),
            burst: f64::from(burst.max(1)),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one token for `client`; false when it has none left.
    pub fn allow(&self, client: IpAddr) -> bool {
        self.allow_n(client, 1)
    }

    /// The most tokens one call may take: a cost above it is never allowed.
    pub fn burst(&self) -> u64 {
        self.burst as u64
    }

    /// Takes `cost` tokens for `client` at once, or none (and false) when
    /// it has fewer left.
    pub fn allow_n(&self, client: IpAddr, cost: u64) -> bool {
        let cost = cost as f64;
        let now = Instant::now();
        let mut buckets = self.buckets.lock().expect("rate limiter lock");
        if buckets.len() >= CLIENTS_MAX && !buckets.contains_key(&client) {
            let burst = self.burst;
            let rate = self.rate_per_s;
            // Forget clients whose bucket has refilled: they lose nothing.
            buckets.retain(|_, (tokens, at)| {
                *tokens + now.duration_since(*at).as_secs_f64() * rate < burst
            });
            if buckets.len() >= CLIENTS_MAX {
                return false;
            }
        }
        let (tokens, at) = buckets.entry(client).or_insert((self.burst, now));
        *tokens =
            (*tokens + now.duration_since(*at).as_secs_f64() * self.rate_per_s).min(self.burst);
        *at = now;
        if *tokens >= cost {
            *tokens -= cost;
            true
        } else {
            false
        }
    }

    /// Whole seconds until `client` has a request again (at least 1): what
    /// a `429` answer's `Retry-After` says.
    pub fn retry_after_s(&self, client: IpAddr) -> u64 {
        self.retry_after_n_s(client, 1)
    }

    /// Whole seconds until `client` has `cost` tokens again (at least 1).
    pub fn retry_after_n_s(&self, client: IpAddr, cost: u64) -> u64 {
        let buckets = self.buckets.lock().expect("rate limiter lock");
        let missing = buckets
            .get(&client)
            .map_or(0.0, |(tokens, _)| cost as f64 - tokens);
        let wait = (missing / self.rate_per_s.max(f64::MIN_POSITIVE)).ceil();
        if wait.is_finite() && wait >= 1.0 {
            // At most an hour: a rate of one request an hour is the floor.
            wait.min(3600.0) as u64
        } else {
            1
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn burst_then_refuse_per_client() {
        let rl = RateLimiter::new(1, 3);
        let a: IpAddr = "127.0.0.1".parse().unwrap();
        let b: IpAddr = "127.0.0.2".parse().unwrap();
        assert!((0..3).all(|_| rl.allow(a)));
        assert!(!rl.allow(a));
        assert!(rl.allow(b), "another client has its own bucket");
        assert_eq!(rl.retry_after_s(a), 1, "one token a second");
        let slow = RateLimiter::new(1, 1);
        assert!(slow.allow(a) && !slow.allow(a));
        assert_eq!(slow.retry_after_s(a), 1);
    }

    #[test]
    fn a_cost_is_taken_whole_or_not_at_all() {
        let rl = RateLimiter::new(100, 250);
        let a: IpAddr = "127.0.0.1".parse().unwrap();
        assert_eq!(rl.burst(), 250);
        assert!(rl.allow_n(a, 200));
        assert!(!rl.allow_n(a, 100), "50 left, not 100");
        assert!(rl.allow_n(a, 50), "a refusal takes nothing");
        assert!(!rl.allow_n(a, 1));
        assert_eq!(rl.retry_after_n_s(a, 200), 2, "200 tokens at 100 a second");
    }
}
