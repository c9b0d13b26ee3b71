//! Slows password guessing: failed sign-ins are counted per account and per
//! client address over a sliding window; past the limit, sign-in answers 429.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub const WINDOW: Duration = Duration::from_secs(15 * 60);
pub const MAX_FAILURES_PER_ACCOUNT: usize = 5;
pub const MAX_FAILURES_PER_ADDRESS: usize = 20;

#[derive(Default)]
pub struct LoginLimiter {
    failures: Mutex<HashMap<Key, Vec<Instant>>>,
}

#[derive(Hash, PartialEq, Eq)]
enum Key {
    Account(String),
    Address(IpAddr),
}

impl LoginLimiter {
    /// `Some(wait)` if this account or address must wait before trying again.
    pub fn blocked(&self, email: &str, addr: IpAddr) -> Option<Duration> {
        let mut failures = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        [
            (
                Key::Account(email.trim().to_lowercase()),
                MAX_FAILURES_PER_ACCOUNT,
            ),
            (Key::Address(addr), MAX_FAILURES_PER_ADDRESS),
        ]
        .into_iter()
        .filter_map(|(key, max)| {
            let times = failures.get_mut(&key)?;
            times.retain(|t| now.duration_since(*t) < WINDOW);
            (times.len() >= max).then(|| WINDOW.saturating_sub(now.duration_since(times[0])))
        })
        .max()
    }

    pub fn failed(&self, email: &str, addr: IpAddr) {
        let mut failures = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        for key in [
            Key::Account(email.trim().to_lowercase()),
            Key::Address(addr),
        ] {
            failures.entry(key).or_default().push(now);
        }
    }

    pub fn succeeded(&self, email: &str) {
        let mut failures = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        failures.remove(&Key::Account(email.trim().to_lowercase()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn five_failures_block_the_account_from_any_address() {
        let limiter = LoginLimiter::default();
        let (a, b): (IpAddr, IpAddr) = ("127.0.0.1".parse().unwrap(), "127.0.0.2".parse().unwrap());
        for _ in 0..MAX_FAILURES_PER_ACCOUNT {
            assert!(limiter.blocked("x@y.org", a).is_none());
            limiter.failed("X@y.org", a);
        }
        assert!(limiter.blocked("x@y.org", b).is_some());
        assert!(limiter.blocked("other@y.org", b).is_none());
    }

    #[test]
    fn many_failures_from_one_address_block_it_for_every_account() {
        let limiter = LoginLimiter::default();
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        for i in 0..MAX_FAILURES_PER_ADDRESS {
            limiter.failed(&format!("u{i}@y.org"), a);
        }
        assert!(limiter.blocked("fresh@y.org", a).is_some());
    }
}
