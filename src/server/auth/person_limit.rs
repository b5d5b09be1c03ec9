//! Per person: how many of one costly thing (an AI draft, an upload) they may start a
//! minute, and have running at once. Each holds a [`PersonSlot`] until it is done;
//! dropping it frees the place. Password throttling is `ratelimit`'s.
use super::ratelimit::{per_minute_quota, rate_limited, CLEANUP_EVERY};
use crate::model::AppError;
use governor::{clock::Clock, clock::DefaultClock, DefaultKeyedRateLimiter, RateLimiter};
use std::{
    collections::HashMap,
    sync::{Arc, Mutex, Weak},
};
use uuid::Uuid;

#[derive(Clone)]
pub struct PersonLimiter {
    per_minute: Arc<DefaultKeyedRateLimiter<Uuid>>,
    running: Arc<Mutex<HashMap<Uuid, u32>>>,
    at_once: u32,
}

pub struct PersonSlot {
    running: Arc<Mutex<HashMap<Uuid, u32>>>,
    user: Uuid,
}

impl Drop for PersonSlot {
    fn drop(&mut self) {
        let mut running = self.running.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(n) = running.get_mut(&self.user) {
            *n -= 1;
            if *n == 0 {
                running.remove(&self.user);
            }
        }
    }
}

impl PersonLimiter {
    pub fn new(per_minute: u32, at_once: u32) -> Self {
        PersonLimiter {
            per_minute: Arc::new(RateLimiter::keyed(per_minute_quota(per_minute))),
            running: Arc::default(),
            at_once: at_once.max(1),
        }
    }

    /// A place for one more by `user`, or 429 with when to try again. A refusal for
    /// too many at once spends none of the minute's allowance.
    pub fn start(&self, user: Uuid) -> Result<PersonSlot, AppError> {
        let mut running = self.running.lock().unwrap_or_else(|p| p.into_inner());
        if running.get(&user).copied().unwrap_or(0) >= self.at_once {
            return Err(AppError::RateLimited {
                retry_after_secs: 5,
            });
        }
        self.per_minute.check_key(&user).map_err(|not_until| {
            rate_limited(not_until.wait_time_from(DefaultClock::default().now()))
        })?;
        *running.entry(user).or_insert(0) += 1;
        Ok(PersonSlot {
            running: self.running.clone(),
            user,
        })
    }

    /// Forgets people idle long enough to have a full allowance again, every minute
    /// for as long as the limiter lives.
    pub fn spawn_cleanup(&self) {
        let Ok(rt) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let weak = Arc::downgrade(&self.per_minute);
        rt.spawn(async move {
            let mut tick = tokio::time::interval(CLEANUP_EVERY);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                let Some(limiter) = Weak::upgrade(&weak) else {
                    return;
                };
                limiter.retain_recent();
                limiter.shrink_to_fit();
            }
        });
    }
}
