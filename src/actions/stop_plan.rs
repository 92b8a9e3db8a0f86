//! The stop plan (docs/contract.md §4.2, §8): when a stop escalates from a fast to an
//! immediate shutdown and when it gives up, computed from the time left.

use std::time::Duration;

use tokio::time::Instant;

use crate::clock;

/// When a stop escalates and when it gives up, computed from the time left: the fast
/// shutdown gets `stop_escalate` but never so long that the immediate shutdown loses its
/// own budget (a third of the time left, at most 10 s), and the action keeps a last
/// moment (a tenth, at most 1 s) to record the outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StopPlan {
    /// Send the immediate shutdown when the server is still there at this point.
    pub fast_until: Instant,
    /// Stop waiting for the immediate shutdown at this point.
    pub give_up: Instant,
}

/// The stop plan for a fast-shutdown delay of `configured`, from `now` to `deadline`.
pub fn stop_plan(configured: Duration, now: Instant, deadline: Instant) -> StopPlan {
    let left = deadline.saturating_duration_since(now);
    let last = (left / 10).min(Duration::from_secs(1));
    let immediate = (left / 3).min(Duration::from_secs(10));
    let fast = configured.min(left.saturating_sub(immediate + last));
    StopPlan {
        fast_until: clock::after(now, fast),
        give_up: deadline.checked_sub(last).unwrap_or(deadline),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stop_plan_keeps_the_immediate_budget() {
        let s = Duration::from_secs;
        let now = Instant::now();
        // (configured, time left) -> (fast, give up before the deadline)
        let table = [
            (s(90), s(120), s(90), s(1)),
            (s(90), s(58), s(47), s(1)),
            (s(5), s(58), s(5), s(1)),
            (
                s(90),
                s(9),
                Duration::from_millis(5100),
                Duration::from_millis(900),
            ),
            (s(0), s(58), s(0), s(1)),
            (s(90), s(0), s(0), s(0)),
            (Duration::MAX, s(30), s(19), s(1)),
        ];
        for (configured, left, fast, last) in table {
            let p = stop_plan(configured, now, now + left);
            assert_eq!(p.fast_until - now, fast, "{configured:?} {left:?}");
            assert_eq!(now + left - p.give_up, last, "{configured:?} {left:?}");
        }
    }
}
