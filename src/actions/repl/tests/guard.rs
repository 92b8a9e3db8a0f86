//! The guard against two primaries (docs/contract.md §5.9) through the recording fake:
//! the upstream is probed only while the WAL receiver streams, and a refusal writes
//! nothing (no cluster tool, no file, no pg_ctl).

use super::*;
use crate::ocf::{Action, OcfStatus};
use std::time::Duration;

use crate::world::fake::Event;

fn streaming_standby() -> FakeWorld {
    let mut w = promotee_world(&[("pgsql-status", "STOP"), ("master-pgsql", "-INFINITY")]);
    w.receiver_streaming = true;
    w
}

fn probes(w: &FakeWorld) -> Vec<String> {
    w.events
        .iter()
        .filter_map(|e| match e {
            Event::Probe(p, _) => Some(p.clone()),
            _ => None,
        })
        .collect()
}

/// The time each probe was given.
fn limits(w: &FakeWorld) -> Vec<Duration> {
    w.events
        .iter()
        .filter_map(|e| match e {
            Event::Probe(_, d) => Some(*d),
            _ => None,
        })
        .collect()
}

#[test]
fn promote_refuses_while_the_receiver_streams_from_a_live_primary() {
    let mut w = streaming_standby();
    w.upstream_answers = true;
    let err = run(&mut w, &agent(Action::Promote, &[])).unwrap_err();
    assert_eq!(err.status(), OcfStatus::ErrGeneric);
    assert_eq!(
        crate::error::chain(&err),
        "refusing to promote: the WAL receiver streams from a live primary at 10.0.0.9:5432 (partitioned without fencing?)"
    );
    // the facts round trip, the probe, and nothing else: no crm_node, no crm_mon, no
    // attribute, no PGSQL.lock, no pg_ctl
    assert_eq!(w.queries().len(), 1, "{:?}", w.events);
    assert_eq!(probes(&w), ["10.0.0.9:5432"]);
    assert_eq!(limits(&w), [crate::replication::promote::PROBE_LIMIT]);
    assert_eq!(w.events.len(), 2, "{:?}", w.events);
    assert!(w.written().is_empty());
    assert!(w.in_recovery);
}

#[test]
fn promote_goes_on_when_the_upstream_does_not_answer() {
    let mut w = streaming_standby();
    w.upstream_answers = false;
    assert_eq!(
        run(&mut w, &agent(Action::Promote, &[])).unwrap(),
        OcfStatus::Success
    );
    assert_eq!(probes(&w), ["10.0.0.9:5432"]);
    // probed right after the facts, before the snapshot
    assert!(matches!(w.events[1], Event::Probe(..)), "{:?}", w.events);
    assert_eq!(w.written(), vec![PathBuf::from(TMP).join("PGSQL.lock")]);
    assert!(w.runs("pg_ctl")[0].contains(" promote"));
    assert!(!w.in_recovery);
}

#[test]
fn the_probe_never_outlasts_the_deadline() {
    // a 1-s operation timeout leaves 0.5 s after the margin: the probe gets that
    let mut w = streaming_standby();
    w.upstream_answers = true;
    let a = agent(Action::Promote, &[("OCF_RESKEY_CRM_meta_timeout", "1000")]);
    assert!(run(&mut w, &a).is_err());
    let given = limits(&w);
    assert!(
        given.len() == 1
            && given[0] <= Duration::from_millis(500)
            && given[0] > Duration::from_millis(400),
        "{given:?}"
    );
}

#[test]
fn no_probe_unless_the_receiver_streams() {
    // a switchover or a kill -9 failover: the old primary closed the connection
    for (streaming, down) in [(false, false), (true, true)] {
        let mut w = streaming_standby();
        w.receiver_streaming = streaming;
        w.receiver_down = down;
        w.upstream_answers = true;
        assert_eq!(
            run(&mut w, &agent(Action::Promote, &[])).unwrap(),
            OcfStatus::Success
        );
        assert!(probes(&w).is_empty(), "{:?}", w.events);
    }
    // a server that is primary already is never probed either
    let mut w = primary_world();
    w.upstream_answers = true;
    assert_eq!(
        run(&mut w, &agent(Action::Promote, &[])).unwrap(),
        OcfStatus::Success
    );
    assert!(probes(&w).is_empty(), "{:?}", w.events);
}
