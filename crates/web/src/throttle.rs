//! Per-tenant request budgets (a token bucket per tenant, refilled continuously), so one
//! tenant's flood cannot take the server from the others.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

#[derive(Debug)]
pub struct TenantThrottle {
    per_minute: u32,
    buckets: Mutex<HashMap<String, (f64, Instant)>>,
}

impl TenantThrottle {
    /// `per_minute` 0 turns throttling off.
    pub fn new(per_minute: u32) -> Self {
        Self {
            per_minute,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one request from the tenant's budget, or says how many seconds until one is back.
    pub fn take(&self, tenant: &str) -> Result<(), u64> {
        if self.per_minute == 0 {
            return Ok(());
        }
        let capacity = f64::from(self.per_minute);
        let per_second = capacity / 60.0;
        let now = Instant::now();
        let Ok(mut buckets) = self.buckets.lock() else {
            return Ok(());
        };
        if buckets.len() > 100_000 {
            buckets.retain(|_, (_, at)| now.duration_since(*at).as_secs() < 60);
        }
        let (tokens, at) = buckets.entry(tenant.to_owned()).or_insert((capacity, now));
        *tokens = (*tokens + now.duration_since(*at).as_secs_f64() * per_second).min(capacity);
        *at = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            Ok(())
        } else {
            let wait = ((1.0 - *tokens) / per_second).ceil();
            Err(if wait.is_finite() && wait >= 1.0 {
                wait as u64
            } else {
                1
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::TenantThrottle;

    #[test]
    fn budgets_are_per_tenant_and_off_by_default() {
        let off = TenantThrottle::new(0);
        assert!((0..1000).all(|_| off.take("a").is_ok()));
        let t = TenantThrottle::new(3);
        assert!((0..3).all(|_| t.take("a").is_ok()));
        let wait = t.take("a").unwrap_err();
        assert!((1..=20).contains(&wait), "{wait}");
        assert!(t.take("b").is_ok(), "another tenant has its own budget");
    }
}
