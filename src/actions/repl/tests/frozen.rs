//! A postmaster stopped by a signal or its tracer (docs/contract.md §4.2, §4.3, §5.7,
//! §5.8, §5.10): monitors fail at once without a round trip, a moment's stop is not
//! judged so, and stop and demote give up after the grace and record UNKNOWN.

use std::time::Duration;

use super::*;
use crate::actions::frozen::{CHECK_GAP, STOP_GRACE};
use crate::ocf::{Action, OcfStatus};
use crate::pg::pidfile::Stopped;

fn frozen_primary(how: Stopped) -> FakeWorld {
    let mut w = primary_world();
    w.frozen = Some(how);
    w
}

#[test]
fn monitor_of_a_stopped_postmaster_fails_at_once_without_a_round_trip() {
    let mut w = frozen_primary(Stopped::Signal);
    let e = run(&mut w, &agent(Action::Monitor, &[])).unwrap_err();
    assert_eq!(e.status(), OcfStatus::ErrGeneric, "{e}");
    assert_eq!(
        e.to_string(),
        "the postmaster (pid 100) is stopped by a signal (state T) and cannot answer: send it SIGCONT, or let the cluster recover"
    );
    assert!(
        w.queries().is_empty() && w.monitor_queries().is_empty(),
        "{:?}",
        w.events
    );
    // no cluster tool either, and three looks over one second
    assert!(w.runs("crm_").is_empty(), "{:?}", w.events);
    assert_eq!(w.slept(), 2 * CHECK_GAP);
}

#[test]
fn a_tracer_stop_counts_as_stopped() {
    let mut w = frozen_primary(Stopped::Tracer);
    let e = run(&mut w, &agent(Action::Monitor, &[])).unwrap_err();
    assert!(
        e.to_string().contains("stopped by its tracer (state t"),
        "{e}"
    );
    assert!(w.queries().is_empty());
}

#[test]
fn a_postmaster_stopped_only_at_the_first_look_is_not_judged_stopped() {
    let mut w = frozen_primary(Stopped::Signal);
    w.frozen_for = Some(Duration::from_millis(1));
    let status = run(&mut w, &agent(Action::Monitor, &[])).unwrap();
    assert_eq!(status, OcfStatus::RunningPromoted);
    assert_eq!(w.queries().len(), 1, "{:?}", w.events);
    assert_eq!(w.slept(), CHECK_GAP);
}

#[test]
fn none_and_slave_monitors_fail_at_once_too() {
    for mode in ["none", "slave"] {
        let mut w = frozen_primary(Stopped::Signal);
        let a = agent(
            Action::Monitor,
            &[
                ("OCF_RESKEY_rep_mode", mode),
                ("OCF_RESKEY_CRM_meta_promotable", "false"),
            ],
        );
        let e = block_on(crate::actions::monitor::monitor(&mut w, &a)).unwrap_err();
        assert!(e.to_string().contains("(state T) and cannot answer"), "{e}");
        assert!(w.monitor_queries().is_empty(), "{mode}: {:?}", w.events);
        // a moment's stop: monitor_sql runs
        let mut w = frozen_primary(Stopped::Signal);
        w.frozen_for = Some(Duration::from_millis(1));
        let ok = block_on(crate::actions::monitor::monitor(&mut w, &a));
        assert_eq!(ok.unwrap(), OcfStatus::Success, "{mode}");
        assert_eq!(w.monitor_queries().len(), 1, "{mode}: {:?}", w.events);
    }
}

#[test]
fn stop_and_demote_of_a_stopped_postmaster_give_up_after_the_grace() {
    for action in [Action::Stop, Action::Demote] {
        let mut w = frozen_primary(Stopped::Signal);
        let e = run(&mut w, &agent(action, &[])).unwrap_err();
        assert_eq!(e.status(), OcfStatus::ErrGeneric);
        assert!(
            e.to_string()
                .contains("(the process is stopped by a signal and cannot react)"),
            "{action:?}: {e}"
        );
        // fast, the grace, immediate, the grace: not the stop plan's 54 s
        let stops = w.runs("pg_ctl");
        assert!(stops[0].contains("-m fast") && stops[1].contains("-m immediate"));
        let looks = if action == Action::Stop {
            2 * CHECK_GAP
        } else {
            Duration::ZERO
        };
        let slept = w.slept();
        assert!(
            slept >= looks + 2 * STOP_GRACE
                && slept < looks + 2 * STOP_GRACE + Duration::from_secs(1),
            "{action:?} slept {slept:?}"
        );
        // no SIGCONT, no SIGKILL: the server is still there for Pacemaker's on-fail
        assert_eq!(w.postmaster, Some(100));
        assert!(w.queries().is_empty(), "{action:?}: {:?}", w.queries());
        let attrs = w.runs("crm_attribute");
        assert_eq!(
            attrs.first().unwrap(),
            &attr("--lifetime=reboot --node=node1 --name=master-pgsql --update=-INFINITY"),
            "{action:?}"
        );
        assert_eq!(
            attrs.last().unwrap(),
            &attr("--lifetime=reboot --node=node1 --name=pgsql-status --update=UNKNOWN"),
            "{action:?}"
        );
    }
}

#[test]
fn a_stop_resumed_within_the_grace_goes_on() {
    let mut w = frozen_primary(Stopped::Signal);
    // SIGCONT after 1.5 s: still stopped at the first looks, then it shuts down
    w.frozen_for = Some(Duration::from_millis(1500));
    assert_eq!(
        run(&mut w, &agent(Action::Demote, &[])).unwrap(),
        OcfStatus::Success
    );
    assert_eq!(w.postmaster, None);
    assert!(w.runs("crm_attribute").contains(&attr(
        "--lifetime=reboot --node=node1 --name=pgsql-status --update=STOP"
    )));
}
