//! Password throttling. The rules:
//!
//! - **Per client address** (`check_ip`): every log-in, sign-up and
//!   ownership-transfer attempt counts, right or wrong, so one source cannot
//!   hammer the argon2 checks or guess across many accounts.
//! - **Per account email** (`is_email_blocked` / `record_failure`, both run
//!   by `confirm_login`): only *failed* passwords count, from any address.
//!   While an email's allowance is used up, log-in for it answers 429 even
//!   with the right password — someone is guessing it, and that is what this
//!   limit is for; it recovers at the configured rate. Successful log-ins
//!   never count, and neither do malformed attempts: control characters are
//!   a 400 before anything counts, and an input that is not a plausible email
//!   shares one "invalid" bucket, so it can neither lock a real account nor
//!   grow memory.
//! - **Ownership transfer** is confirmed with the owner's password from a
//!   signed-in session. Its failures count against the account email (a
//!   stolen session gets no extra guesses at log-in) and against the signed-in
//!   user, and only the latter gates the transfer: failed log-ins by someone
//!   who does not know the password cannot block the owner's transfer.
//!
//! Memory is bounded: a background task drops idle keys every minute, and the
//! failure map holds at most `MAX_FAILURE_KEYS` accounts (beyond that, new
//! keys share one "overflow" bucket — failing closed under a flood).
use crate::model::{validate, AppError, Problems};
use crate::server::services::users::LOGIN_FAILED;
use governor::{clock::Clock, clock::DefaultClock, DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::{
    collections::HashMap,
    future::Future,
    num::NonZeroU32,
    sync::{Arc, Mutex, Weak},
    time::{Duration, Instant},
};

/// The bucket shared by every input that is not a plausible email.
const INVALID_KEY: &str = "!invalid";
/// The bucket shared by new keys once the failure map is full.
const OVERFLOW_KEY: &str = "!overflow";
pub const MAX_FAILURE_KEYS: usize = 100_000;
pub(super) const CLEANUP_EVERY: Duration = Duration::from_secs(60);

#[derive(Clone)]
pub struct LoginLimiter {
    per_ip: Arc<DefaultKeyedRateLimiter<String>>,
    failures: Arc<FailureLimiter>,
}

impl LoginLimiter {
    pub fn new(per_ip_per_minute: u32, per_email_per_15_min: u32) -> Self {
        LoginLimiter {
            per_ip: Arc::new(RateLimiter::keyed(per_minute_quota(per_ip_per_minute))),
            failures: Arc::new(FailureLimiter::new(
                per_email_per_15_min.max(1),
                Duration::from_secs(900),
            )),
        }
    }

    /// Counts one password attempt from `ip`; refuses when over the quota.
    pub fn check_ip(&self, ip: &str) -> Result<(), AppError> {
        self.per_ip.check_key(&ip.to_string()).map_err(|not_until| {
            rate_limited(not_until.wait_time_from(DefaultClock::default().now()))
        })
    }

    /// Refuses while `email` has used up its failures. Counts nothing.
    pub fn is_email_blocked(&self, email: &str) -> Result<(), AppError> {
        self.failures.check(&email_key(email), Instant::now())
    }

    /// A wrong password for `email`.
    pub fn record_failure(&self, email: &str) {
        self.failures.record(&email_key(email), Instant::now());
    }

    /// Runs a log-in's password `check` for `email` under the rules above.
    /// `check` answers `users::LOGIN_FAILED` when the password is wrong.
    pub async fn confirm_login<T>(
        &self,
        ip: &str,
        email: &str,
        password: &str,
        check: impl Future<Output = Result<T, AppError>>,
    ) -> Result<T, AppError> {
        self.check_ip(ip)?;
        login_input(email, password)?;
        self.is_email_blocked(email)?;
        let result = check.await;
        if matches!(&result, Err(e) if e.message_for("form").as_deref() == Some(LOGIN_FAILED)) {
            self.record_failure(email);
        }
        result
    }

    /// Runs a password confirmation by the signed-in `user_id` (whose email
    /// is `email`) under the rules above. `check` answers a field error on
    /// `password` when the password is wrong.
    pub async fn confirm_password<T>(
        &self,
        ip: &str,
        user_id: uuid::Uuid,
        email: &str,
        check: impl Future<Output = Result<T, AppError>>,
    ) -> Result<T, AppError> {
        self.check_ip(ip)?;
        let user_key = format!("user:{user_id}");
        self.failures.check(&user_key, Instant::now())?;
        let result = check.await;
        if matches!(&result, Err(e) if e.message_for("password").is_some()) {
            self.failures.record(&user_key, Instant::now());
            self.record_failure(email);
        }
        result
    }

    /// Drops idle keys so the maps only hold recent activity.
    pub fn cleanup(&self) {
        self.per_ip.retain_recent();
        self.per_ip.shrink_to_fit();
        self.failures.retain_recent(Instant::now());
    }

    /// Starts the once-a-minute cleanup on the current tokio runtime (if
    /// any). The task holds only a weak reference and ends with the limiter.
    pub fn spawn_cleanup(&self) {
        let Ok(rt) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let (ip, failures) = (Arc::downgrade(&self.per_ip), Arc::downgrade(&self.failures));
        rt.spawn(async move {
            let mut tick = tokio::time::interval(CLEANUP_EVERY);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                let (Some(per_ip), Some(failures)) = (Weak::upgrade(&ip), Weak::upgrade(&failures))
                else {
                    return;
                };
                LoginLimiter { per_ip, failures }.cleanup();
            }
        });
    }

    #[cfg(test)]
    fn sizes(&self) -> (usize, usize) {
        (self.per_ip.len(), self.failures.len())
    }
}

/// The sign-up throttle, for the top of a server function: the per-address
/// limit of the current request, like log-in.
pub fn check_signup() -> Result<(), AppError> {
    let state = crate::server::state::app_state()?;
    state.login_limiter.check_ip(&super::client_ip())
}

/// Log-in input that can never match an account: control characters in the
/// email, NUL in the password. A field error, and not a counted failure (nor
/// does PostgreSQL get to see a NUL and fail).
fn login_input(email: &str, password: &str) -> Result<(), AppError> {
    let mut p = Problems::default();
    if let Err(m) = validate::single_line(email, "Email") {
        p.add("email", m);
    }
    if password.contains('\0') {
        p.add("password", "Password must not contain control characters.");
    }
    p.into_result()
}

/// A plausible email, trimmed and lower-cased (at most 254 bytes, as the
/// validator allows); anything else is the shared invalid key.
pub fn email_key(email: &str) -> String {
    match validate::email(email) {
        Ok(v) => v.to_lowercase(),
        Err(_) => INVALID_KEY.into(),
    }
}

/// `n` a minute, all of them at once if need be (at least one).
pub(super) fn per_minute_quota(n: u32) -> Quota {
    let burst = NonZeroU32::new(n.max(1)).unwrap();
    Quota::with_period(Duration::from_secs(60) / burst.get())
        .unwrap()
        .allow_burst(burst)
}

pub(super) fn rate_limited(wait: Duration) -> AppError {
    // Round up: "retry after 0 seconds" would invite an immediate retry.
    let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    AppError::RateLimited {
        retry_after_secs: secs.max(1),
    }
}

/// GCRA over failures only, with a peek: each key stores the time at which
/// its failures will have drained ("theoretical arrival time"). A failure
/// adds one interval; the key is blocked while the backlog exceeds
/// `burst - 1` intervals, i.e. while one more failure would not fit.
struct FailureLimiter {
    interval: Duration,
    tolerance: Duration,
    drained_at: Mutex<HashMap<String, Instant>>,
}

impl FailureLimiter {
    fn new(burst: u32, period: Duration) -> Self {
        let interval = period / burst;
        FailureLimiter {
            interval,
            tolerance: interval * (burst - 1),
            drained_at: Mutex::new(HashMap::new()),
        }
    }

    fn check(&self, key: &str, now: Instant) -> Result<(), AppError> {
        let map = self.drained_at.lock().unwrap_or_else(|p| p.into_inner());
        let key = Self::resolve(&map, key);
        match map.get(key) {
            Some(&tat) if tat.saturating_duration_since(now) > self.tolerance => Err(rate_limited(
                tat.saturating_duration_since(now) - self.tolerance,
            )),
            _ => Ok(()),
        }
    }

    fn record(&self, key: &str, now: Instant) {
        let mut map = self.drained_at.lock().unwrap_or_else(|p| p.into_inner());
        let key = Self::resolve(&map, key).to_string();
        let tat = map.get(&key).copied().unwrap_or(now).max(now) + self.interval;
        map.insert(key, tat);
    }

    /// A new key goes to the overflow bucket once the map is full.
    fn resolve<'a>(map: &HashMap<String, Instant>, key: &'a str) -> &'a str {
        if map.len() >= MAX_FAILURE_KEYS && !map.contains_key(key) {
            OVERFLOW_KEY
        } else {
            key
        }
    }

    fn retain_recent(&self, now: Instant) {
        let mut map = self.drained_at.lock().unwrap_or_else(|p| p.into_inner());
        map.retain(|_, tat| *tat > now);
        map.shrink_to_fit();
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.drained_at.lock().unwrap().len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limited<T: std::fmt::Debug>(r: Result<T, AppError>) -> u64 {
        match r {
            Err(AppError::RateLimited { retry_after_secs }) => retry_after_secs,
            other => panic!("expected RateLimited, got {other:?}"),
        }
    }

    #[test]
    fn every_attempt_counts_per_ip() {
        let l = LoginLimiter::new(3, 100);
        for _ in 0..3 {
            l.check_ip("1.2.3.4").unwrap();
        }
        assert!(limited(l.check_ip("1.2.3.4")) >= 1);
        l.check_ip("5.6.7.8").unwrap();
    }

    #[test]
    fn only_failures_count_per_email_and_checking_consumes_nothing() {
        let l = LoginLimiter::new(100, 3);
        for _ in 0..50 {
            l.is_email_blocked("a@b.co").unwrap();
        }
        for _ in 0..3 {
            l.is_email_blocked("a@b.co").unwrap();
            l.record_failure(" A@B.co ");
        }
        // 15 minutes / 3 = 300 s until one more failure fits.
        let wait = limited(l.is_email_blocked("a@b.co"));
        assert!((299..=300).contains(&wait), "{wait}");
        l.is_email_blocked("c@d.co").unwrap();
    }

    #[test]
    fn blocking_lifts_after_one_interval_and_allows_exactly_one_more_guess() {
        let f = FailureLimiter::new(3, Duration::from_secs(900));
        let t0 = Instant::now();
        for _ in 0..3 {
            f.record("k", t0);
        }
        assert!(f.check("k", t0).is_err());
        assert!(f.check("k", t0 + Duration::from_secs(299)).is_err());
        let t1 = t0 + Duration::from_secs(300);
        f.check("k", t1).unwrap();
        f.record("k", t1);
        assert!(f.check("k", t1).is_err());
        // Fully drained after the whole period: a fresh burst.
        let t2 = t1 + Duration::from_secs(900);
        f.retain_recent(t2);
        assert_eq!(f.len(), 0);
        f.check("k", t2).unwrap();
    }

    #[test]
    fn email_keys_are_normalised_and_malformed_input_shares_one_key() {
        assert_eq!(email_key("  Ada@Example.TEST "), "ada@example.test");
        assert_eq!(email_key("not an email"), INVALID_KEY);
        assert_eq!(email_key(&format!("{}@b.co", "a".repeat(300))), INVALID_KEY);
        assert_eq!(email_key("a\0@b.co"), INVALID_KEY);
        let l = LoginLimiter::new(100, 3);
        for i in 0..1000 {
            l.record_failure(&format!("junk-{i}"));
        }
        assert_eq!(l.sizes().1, 1);
        // Malformed attempts never lock a real account.
        l.is_email_blocked("a@b.co").unwrap();
        assert!(l.is_email_blocked("more junk").is_err());
    }

    #[test]
    fn a_full_failure_map_sends_new_keys_to_the_overflow_bucket() {
        let f = FailureLimiter::new(2, Duration::from_secs(900));
        let now = Instant::now();
        {
            let mut map = f.drained_at.lock().unwrap();
            for i in 0..MAX_FAILURE_KEYS {
                map.insert(format!("{i}@x.co"), now + Duration::from_secs(1));
            }
        }
        f.record("new1@x.co", now);
        f.record("new2@x.co", now);
        assert_eq!(f.len(), MAX_FAILURE_KEYS + 1);
        assert!(f.check("new3@x.co", now).is_err());
        // Keys already present keep their own bucket.
        f.check("7@x.co", now).unwrap();
    }

    #[test]
    fn cleanup_drops_idle_keys() {
        let l = LoginLimiter::new(1000, 10);
        for i in 0..100 {
            l.check_ip(&format!("10.0.0.{i}")).unwrap();
        }
        assert_eq!(l.sizes().0, 100);
        l.record_failure("a@b.co");
        assert_eq!(l.sizes().1, 1);
        l.failures
            .retain_recent(Instant::now() + Duration::from_secs(1000));
        assert_eq!(l.sizes().1, 0);
        // Governor drops a key one interval (60 ms here) after it is fully replenished.
        std::thread::sleep(Duration::from_millis(250));
        l.cleanup();
        assert_eq!(l.sizes().0, 0);
    }

    #[tokio::test]
    async fn confirming_a_password_is_gated_by_the_user_not_the_email() {
        let l = LoginLimiter::new(100, 2);
        let me = uuid::Uuid::new_v4();
        // Someone else fails to log in as the owner.
        l.record_failure("owner@x.co");
        l.record_failure("owner@x.co");
        assert!(l.is_email_blocked("owner@x.co").is_err());
        l.confirm_password("1.1.1.1", me, "owner@x.co", async { Ok(()) })
            .await
            .unwrap();
        // Wrong passwords in the session count for the user and the email.
        let wrong =
            || async { Err::<(), _>(AppError::field("password", "Your password is incorrect.")) };
        let other = l.clone();
        for _ in 0..2 {
            assert!(other
                .confirm_password("1.1.1.1", me, "owner2@x.co", wrong())
                .await
                .unwrap_err()
                .message_for("password")
                .is_some());
        }
        assert!(l.is_email_blocked("owner2@x.co").is_err());
        limited(
            l.confirm_password("1.1.1.1", me, "owner2@x.co", async { Ok(()) })
                .await,
        );
        // Errors that are not about the password count nothing.
        let other_user = uuid::Uuid::new_v4();
        for _ in 0..5 {
            let _ = l
                .confirm_password("1.1.1.1", other_user, "o3@x.co", async {
                    Err::<(), _>(AppError::field("user_id", "Not an admin."))
                })
                .await;
        }
        l.is_email_blocked("o3@x.co").unwrap();
    }
}
