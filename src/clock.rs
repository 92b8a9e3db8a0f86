//! Deadline arithmetic that cannot overflow (docs/contract.md §8): every limit is "this
//! long from now, but never past the deadline", whatever the configured values.
//! Contract: docs/contract.md §8.

use std::time::Duration;

use tokio::time::Instant;

/// Far enough to be "never" for an agent action, small enough to add to any `Instant`.
const FAR: Duration = Duration::from_secs(10 * 365 * 24 * 3600);

/// `t + d`, or `t` plus ten years when that would overflow.
pub fn after(t: Instant, d: Duration) -> Instant {
    t.checked_add(d).or_else(|| t.checked_add(FAR)).unwrap_or(t)
}

/// `d` from now, but never past `deadline`.
pub fn within(d: Duration, deadline: Instant) -> Instant {
    after(Instant::now(), d).min(deadline)
}

/// Is there at least `d` left before `deadline`?
pub fn has(d: Duration, deadline: Instant) -> bool {
    after(Instant::now(), d) < deadline
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_overflow_and_never_past_the_deadline() {
        let now = Instant::now();
        let deadline = now + Duration::from_secs(10);
        assert!(within(Duration::MAX, deadline) <= deadline);
        assert!(within(Duration::from_secs(u64::MAX), deadline) == deadline);
        assert!(after(now, Duration::MAX) > now);
        assert!(within(Duration::from_secs(1), deadline) < deadline);
        assert!(has(Duration::from_secs(1), deadline));
        assert!(!has(Duration::MAX, deadline));
    }
}
