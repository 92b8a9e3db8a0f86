//! A postmaster that is stopped (docs/contract.md §4.2, §4.3, §5.10): in state `T`
//! (stopped by a signal) or `t` (stopped by its tracer, a debugger) it can neither answer
//! a connection nor shut down until somebody resumes it. Monitors then fail at once
//! instead of waiting for the connection until their deadline, and a stop gives up after a
//! short grace instead of waiting until its plan's end. A process stopped only for a
//! moment is not judged so: monitors look a few times, stops want the state throughout the
//! grace. The agent never resumes (SIGCONT) nor kills the process itself: Pacemaker's
//! `on-fail` (fencing, in PG-REX) decides what happens to a frozen node.

use std::time::Duration;

use tokio::time::Instant;

use super::POLL;
use crate::clock;
use crate::pg::pidfile::Stopped;
use crate::world::World;

/// How many times a monitor looks before it judges the postmaster stopped...
pub const CHECKS: u32 = 3;
/// ...and the pause between two looks (3 looks over 1 s).
pub const CHECK_GAP: Duration = Duration::from_millis(500);
/// How long a stop waits while the postmaster stays stopped throughout, after each
/// shutdown request, before it goes on (fast → immediate) or gives up (immediate).
pub const STOP_GRACE: Duration = Duration::from_secs(2);

/// Is the postmaster `pid` stopped, and does it stay so? Looks [`CHECKS`] times,
/// [`CHECK_GAP`] apart; `Some` only when it was stopped every time. A running process
/// costs one look of /proc and no pause. When the deadline leaves no room for the next
/// look, it is not judged stopped (the caller's connection then ends at the deadline, as
/// for any server that does not answer).
pub async fn stays_stopped<W: World>(w: &mut W, pid: i32, deadline: Instant) -> Option<Stopped> {
    let mut how = w.process_stopped(pid)?;
    for _ in 1..CHECKS {
        if !clock::has(CHECK_GAP, deadline) {
            return None;
        }
        w.sleep(CHECK_GAP).await;
        how = w.process_stopped(pid)?;
    }
    Some(how)
}

/// The reason a monitor (or any action that needs the server's answer) fails with.
pub fn cannot_answer(pid: i32, how: Stopped) -> String {
    let state = how.letter();
    match how {
        Stopped::Signal => format!(
            "the postmaster (pid {pid}) is stopped by a signal (state {state}) and cannot answer: send it SIGCONT, or let the cluster recover"
        ),
        Stopped::Tracer => format!(
            "the postmaster (pid {pid}) is stopped by its tracer (state {state}, a debugger?) and cannot answer: let the debugger continue or detach, or let the cluster recover"
        ),
    }
}

/// What a stop's reason says about a postmaster that is still there.
pub fn cannot_react(how: Option<Stopped>) -> &'static str {
    match how {
        Some(Stopped::Signal) => " (the process is stopped by a signal and cannot react)",
        Some(Stopped::Tracer) => " (the process is stopped by its tracer and cannot react)",
        None => "",
    }
}

/// How a stop's wait for the postmaster ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Waited {
    /// The postmaster is gone.
    Gone,
    /// It was stopped (T or t) throughout [`STOP_GRACE`]: waiting longer is useless.
    Stopped(Stopped),
    /// `until` passed.
    Until,
}

/// Waits until the postmaster is gone, `until` passes, or the process `pid` has been
/// stopped throughout [`STOP_GRACE`], polling every [`POLL`].
pub async fn wait_gone<W: World>(w: &mut W, pid: i32, until: Instant) -> Waited {
    let mut since: Option<Instant> = None;
    loop {
        if w.postmaster().is_none() {
            return Waited::Gone;
        }
        let now = Instant::now();
        match w.process_stopped(pid) {
            Some(how) => {
                if now.saturating_duration_since(*since.get_or_insert(now)) >= STOP_GRACE {
                    return Waited::Stopped(how);
                }
            }
            // resumed: the grace starts again the next time it is stopped
            None => since = None,
        }
        if now >= until {
            return Waited::Until;
        }
        w.sleep(POLL.min(until.saturating_duration_since(now)))
            .await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::world::fake::FakeWorld;

    /// A current-thread runtime whose clock is paused (sleeps are instant).
    fn block_on<T>(f: impl std::future::Future<Output = T>) -> T {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .start_paused(true)
            .build()
            .expect("runtime")
            .block_on(f)
    }

    fn frozen(for_: Option<Duration>) -> FakeWorld {
        FakeWorld {
            postmaster: Some(7),
            frozen: Some(Stopped::Signal),
            frozen_for: for_,
            ..Default::default()
        }
    }

    #[test]
    fn judged_stopped_only_when_stopped_at_every_look() {
        let far = || Instant::now() + Duration::from_secs(30);
        let mut w = frozen(None);
        let got = block_on(async { stays_stopped(&mut w, 7, far()).await });
        assert_eq!(got, Some(Stopped::Signal));
        assert_eq!(w.slept(), Duration::from_secs(1));
        // stopped at the first look only
        let mut w = frozen(Some(Duration::from_millis(1)));
        assert_eq!(
            block_on(async { stays_stopped(&mut w, 7, far()).await }),
            None
        );
        assert_eq!(w.slept(), CHECK_GAP);
        // running: one look, no pause
        let mut w = FakeWorld {
            postmaster: Some(7),
            ..Default::default()
        };
        assert_eq!(
            block_on(async { stays_stopped(&mut w, 7, far()).await }),
            None
        );
        assert!(w.events.is_empty());
        // no room for the looks before the deadline: not judged
        let mut w = frozen(None);
        let soon = block_on(async {
            let d = Instant::now() + Duration::from_millis(300);
            stays_stopped(&mut w, 7, d).await
        });
        assert_eq!(soon, None);
    }

    #[test]
    fn a_stop_waits_the_grace_throughout() {
        let mut w = frozen(None);
        let got = block_on(async {
            let t0 = Instant::now();
            let r = wait_gone(&mut w, 7, t0 + Duration::from_secs(50)).await;
            (r, t0.elapsed())
        });
        assert_eq!(got.0, Waited::Stopped(Stopped::Signal));
        assert!(
            got.1 >= STOP_GRACE && got.1 < STOP_GRACE + POLL,
            "{:?}",
            got.1
        );
        // stopped for a moment, then resumed: it waits until `until`
        let mut w = frozen(Some(Duration::from_secs(1)));
        let got = block_on(async {
            let t0 = Instant::now();
            let r = wait_gone(&mut w, 7, t0 + Duration::from_secs(5)).await;
            (r, t0.elapsed())
        });
        assert_eq!(got.0, Waited::Until);
        assert!(got.1 >= Duration::from_secs(5), "{:?}", got.1);
    }
}
