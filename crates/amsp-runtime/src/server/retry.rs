//! Retries of loads that failed for a transient reason (I/O), with
//! exponential backoff.
//!
//! A load that ends with an error that
//! [`is_transient`](crate::LoadError::is_transient) and has attempts left
//! does not end: it stays `Loading`, releases what its attempt declared, and
//! waits on the server's retry timer (one thread, started by the first
//! retry) for its delay; then it is queued again, with its priority, as a
//! fresh request. A request nobody wants any more when its delay is up is
//! cancelled instead. Parse errors, corrupt data, missing assets and
//! cancellations never retry. After the last attempt the load fails as
//! usual: handles show the error placeholder, and
//! [`AssetEvent::LoadFailed`](crate::AssetEvent::LoadFailed) reports it.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use parking_lot::{Condvar, Mutex};

use super::Inner;
use crate::error::LoadError;
use crate::slot::ErasedSlot;

/// How loads that fail for a transient reason are retried.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RetryPolicy {
    /// The most times a load is tried, the first included (1: never
    /// retried). Default 3.
    pub attempts: u32,
    /// The wait before the first retry. Default 100 ms.
    pub initial_delay: Duration,
    /// The longest wait between two attempts. Default 5 s.
    pub max_delay: Duration,
    /// Each wait is this many times the one before. Default 2.
    pub factor: f64,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            attempts: 3,
            initial_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(5),
            factor: 2.0,
        }
    }
}

impl RetryPolicy {
    /// Never retry.
    #[must_use]
    pub fn never() -> Self {
        Self { attempts: 1, ..Self::default() }
    }

    /// The wait after failed attempt `failed` (1: the first attempt).
    #[must_use]
    pub fn delay(&self, failed: u32) -> Duration {
        let exponent = i32::try_from(failed.saturating_sub(1)).unwrap_or(i32::MAX);
        let scaled = self.initial_delay.as_secs_f64() * self.factor.max(1.0).powi(exponent);
        if scaled.is_finite() && scaled < self.max_delay.as_secs_f64() {
            Duration::from_secs_f64(scaled)
        } else {
            self.max_delay
        }
    }
}

/// A load waiting for its next attempt.
struct Waiting {
    slot: Arc<dyn ErasedSlot>,
    error: LoadError,
}

#[derive(Default)]
struct Queue {
    due: BinaryHeap<Reverse<(Instant, u64)>>,
    waiting: HashMap<u64, Waiting>,
    next: u64,
}

/// The server's retry timer.
#[derive(Default)]
pub(crate) struct Retries {
    queue: Mutex<Queue>,
    changed: Condvar,
    started: AtomicBool,
    /// Retries scheduled, since the start.
    pub scheduled: AtomicU64,
}

impl Retries {
    /// Loads waiting for their next attempt now.
    pub fn waiting(&self) -> usize {
        self.queue.lock().waiting.len()
    }

    /// Wakes the timer (at shutdown, to fail what waits).
    pub fn wake(&self) {
        self.changed.notify_all();
    }
}

impl Inner {
    /// Whether `slot`, whose attempt failed with `error`, is retried; if so
    /// its next attempt is scheduled (call with the slot's links locked,
    /// having taken what the attempt declared).
    pub(crate) fn schedule_retry(&self, slot: &Arc<dyn ErasedSlot>, error: &LoadError) -> bool {
        let policy = self.retry;
        let core = slot.core();
        if !error.is_transient() || self.is_shut_down() {
            return false;
        }
        let failed = core.note_failed_attempt();
        if failed >= policy.attempts {
            return false;
        }
        let delay = policy.delay(failed);
        tracing::debug!(
            target: "amsp::load",
            id = %core.id,
            attempt = failed,
            delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
            error = %error,
            "transient failure; retrying"
        );
        let due = Instant::now() + delay;
        {
            let mut queue = self.retries.queue.lock();
            let key = queue.next;
            queue.next += 1;
            queue.due.push(Reverse((due, key)));
            queue.waiting.insert(key, Waiting { slot: Arc::clone(slot), error: error.clone() });
        }
        self.retries.scheduled.fetch_add(1, Ordering::Relaxed);
        self.retries.changed.notify_all();
        if !self.retries.started.swap(true, Ordering::AcqRel) {
            let weak = Weak::clone(&self.weak_self);
            let spawned =
                std::thread::Builder::new().name("amsp-retry".into()).spawn(move || timer(&weak));
            if spawned.is_err() {
                // No thread: retry on the next maintenance instead.
                self.retries.started.store(false, Ordering::Release);
            }
        }
        true
    }

    /// Starts the retries that are due (or, at shutdown, fails every load
    /// waiting with its last error); returns the next deadline.
    pub(crate) fn run_due_retries(&self) -> Option<Instant> {
        let now = Instant::now();
        let shut_down = self.is_shut_down();
        let (due, next) = {
            let mut queue = self.retries.queue.lock();
            let mut due = Vec::new();
            while let Some(&Reverse((at, key))) = queue.due.peek() {
                if at > now && !shut_down {
                    break;
                }
                queue.due.pop();
                if let Some(waiting) = queue.waiting.remove(&key) {
                    due.push(waiting);
                }
            }
            (due, queue.due.peek().map(|Reverse((at, _))| *at))
        };
        for Waiting { slot, error } in due {
            if shut_down {
                super::deps::complete(self, &slot, Err(error));
            } else if !slot.core().is_wanted() && super::cancel::try_cancel(self, &slot) {
                // Nobody wants it any more.
            } else {
                super::cancel::requeue(self, &slot);
            }
        }
        next
    }
}

/// The timer thread: sleeps until the next retry is due; ends with the
/// server.
fn timer(inner: &Weak<Inner>) {
    loop {
        let Some(server) = inner.upgrade() else { return };
        let next = server.run_due_retries();
        if server.is_shut_down() {
            return;
        }
        let mut queue = server.retries.queue.lock();
        // Re-read under the lock: a retry scheduled since is not missed.
        let next = queue.due.peek().map(|Reverse((at, _))| *at).or(next);
        let wait = next.map_or(Duration::from_millis(200), |at| {
            at.saturating_duration_since(Instant::now()).min(Duration::from_millis(200))
        });
        if !wait.is_zero() {
            // Bounded, so that a dropped server is noticed.
            server.retries.changed.wait_for(&mut queue, wait);
        }
        drop(queue);
        drop(server);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_grow_by_the_factor_up_to_the_maximum() {
        let policy = RetryPolicy::default();
        let ms = |n| policy.delay(n).as_millis();
        assert_eq!([ms(1), ms(2), ms(3), ms(6), ms(7), ms(60)], [100, 200, 400, 3200, 5000, 5000]);
        let flat = RetryPolicy { factor: 0.5, ..policy };
        assert_eq!(flat.delay(5), policy.initial_delay, "a factor under 1 counts as 1");
        assert_eq!(RetryPolicy::never().attempts, 1);
    }
}
