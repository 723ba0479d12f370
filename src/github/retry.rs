//! Our retry policy (octocrab's own is compiled out): how often and how long to wait after a
//! failed request. Transient failures (5xx, no answer) back off exponentially with jitter; rate
//! limits wait as long as GitHub says (`Retry-After`, else `x-ratelimit-reset`, else a minute);
//! everything is bounded by a wall-clock budget so a CI step is never held up for an hour.
//! Whether a request may be repeated at all is the caller's business: a comment POST never is
//! (see [`super::sticky`]).

use std::time::Duration;

use super::error::{Class, Failure};

/// Bounds on retrying.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Requests per call, the first included.
    pub attempts: u32,
    /// Wait before the second attempt after a transient failure; doubled each time.
    pub base_delay: Duration,
    /// Longest backoff between two attempts.
    pub max_delay: Duration,
    /// Wait after a rate limit that names no time (GitHub asks for at least a minute).
    pub rate_limit_wait: Duration,
    /// Total time all waits of one client may add up to.
    pub budget: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            attempts: 4,
            base_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(16),
            rate_limit_wait: Duration::from_secs(60),
            budget: Duration::from_secs(180),
        }
    }
}

impl RetryPolicy {
    /// The wait before attempt `attempt + 1` after `failure`, or `None` to give up. `waited` is
    /// the time already spent waiting by this client.
    pub(crate) fn wait_after(
        &self,
        failure: &Failure,
        attempt: u32,
        waited: Duration,
    ) -> Option<Duration> {
        if attempt >= self.attempts {
            return None;
        }
        let wait = match failure.class() {
            Class::Fatal => return None,
            Class::Transient => self.backoff(attempt),
            Class::RateLimited(asked) => asked.unwrap_or(self.rate_limit_wait),
        };
        (waited + wait <= self.budget).then_some(wait)
    }

    /// Exponential backoff with "equal jitter": half fixed, half random, so two jobs that
    /// failed together do not retry together.
    pub(crate) fn backoff(&self, attempt: u32) -> Duration {
        let exp = self
            .base_delay
            .saturating_mul(1u32 << attempt.saturating_sub(1).min(16))
            .min(self.max_delay);
        let half = exp / 2;
        half + half.mul_f64(jitter())
    }
}

/// A number in [0, 1) from the clock; jitter needs no better randomness.
fn jitter() -> f64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    f64::from(nanos % 1000) / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(status: u16, message: &str, retry_after: Option<u64>) -> Failure {
        Failure::Status {
            status,
            message: message.into(),
            retry_after: retry_after.map(Duration::from_secs),
            reset_in: None,
        }
    }

    #[test]
    fn transient_failures_back_off_and_give_up() {
        let p = RetryPolicy::default();
        let f = status(502, "Bad Gateway", None);
        let w1 = p.wait_after(&f, 1, Duration::ZERO).unwrap();
        assert!(w1 >= Duration::from_millis(500) && w1 <= Duration::from_secs(1));
        let w3 = p.wait_after(&f, 3, Duration::ZERO).unwrap();
        assert!(w3 >= Duration::from_secs(2) && w3 <= Duration::from_secs(4));
        assert_eq!(p.wait_after(&f, 4, Duration::ZERO), None);
        assert!(p
            .wait_after(&Failure::Transport("reset".into()), 1, Duration::ZERO)
            .is_some());
    }

    #[test]
    fn rate_limits_wait_as_told_within_the_budget() {
        let p = RetryPolicy::default();
        let f = status(429, "slow down", Some(7));
        assert_eq!(
            p.wait_after(&f, 1, Duration::ZERO),
            Some(Duration::from_secs(7))
        );
        let secondary = status(403, "You have exceeded a secondary rate limit", None);
        assert_eq!(
            p.wait_after(&secondary, 1, Duration::ZERO),
            Some(Duration::from_secs(60))
        );
        let long = status(403, "API rate limit exceeded", Some(3600));
        assert_eq!(p.wait_after(&long, 1, Duration::ZERO), None);
        assert_eq!(p.wait_after(&f, 1, Duration::from_secs(175)), None);
    }

    #[test]
    fn fatal_failures_are_not_retried() {
        let p = RetryPolicy::default();
        for f in [
            status(401, "Bad credentials", None),
            status(403, "Resource not accessible by integration", None),
            status(404, "Not Found", None),
            status(422, "Validation Failed: Body is too long", None),
            Failure::Decode("missing field `id`".into()),
        ] {
            assert_eq!(p.wait_after(&f, 1, Duration::ZERO), None, "{f:?}");
        }
    }
}
