//! Login throttling per client address and per email address.
use crate::model::AppError;
use governor::{clock::DefaultClock, DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::{num::NonZeroU32, sync::Arc, time::Duration};

#[derive(Clone)]
pub struct LoginLimiter {
    per_ip: Arc<DefaultKeyedRateLimiter<String>>,
    per_email: Arc<DefaultKeyedRateLimiter<String>>,
}

impl LoginLimiter {
    pub fn new(per_ip_per_minute: u32, per_email_per_15_min: u32) -> Self {
        let ip_burst = NonZeroU32::new(per_ip_per_minute.max(1)).unwrap();
        let email_burst = NonZeroU32::new(per_email_per_15_min.max(1)).unwrap();
        let ip_quota = Quota::with_period(Duration::from_secs(60) / ip_burst.get())
            .unwrap()
            .allow_burst(ip_burst);
        let email_quota = Quota::with_period(Duration::from_secs(900) / email_burst.get())
            .unwrap()
            .allow_burst(email_burst);
        LoginLimiter {
            per_ip: Arc::new(RateLimiter::keyed(ip_quota)),
            per_email: Arc::new(RateLimiter::keyed(email_quota)),
        }
    }

    /// Counts one attempt; refuses when either key is over its quota.
    pub fn check(&self, ip: &str, email: &str) -> Result<(), AppError> {
        let clock = DefaultClock::default();
        for (limiter, key) in [
            (&self.per_ip, ip.to_string()),
            (&self.per_email, email.trim().to_lowercase()),
        ] {
            if let Err(not_until) = limiter.check_key(&key) {
                use governor::clock::Clock;
                let wait = not_until.wait_time_from(clock.now());
                return Err(AppError::RateLimited {
                    retry_after_secs: wait.as_secs().max(1),
                });
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn refuses_after_the_burst() {
        let l = super::LoginLimiter::new(100, 3);
        for _ in 0..3 {
            l.check("1.2.3.4", "a@b.co").unwrap();
        }
        assert!(matches!(
            l.check("1.2.3.4", "A@b.co "),
            Err(crate::model::AppError::RateLimited { .. })
        ));
        // Another email from the same address is still allowed.
        l.check("1.2.3.4", "c@d.co").unwrap();
    }
}
