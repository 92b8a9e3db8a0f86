//! A SIGSTOPped postmaster (docs/contract.md §4.2, §4.3, §5.7, §5.8, §5.10): it can
//! neither answer nor shut down until it gets SIGCONT. monitor fails at once with the
//! reason instead of waiting for its connection until the deadline; a postmaster stopped
//! only for a moment is not judged so; stop and demote give up a grace after the immediate
//! shutdown request instead of waiting until the stop plan's end, and leave the process as
//! it is (no SIGCONT, no SIGKILL). Each test resumes and stops its server at the end.

use std::time::{Duration, Instant};

use crate::common::PgCluster;

/// The state letter of `/proc/<pid>/stat`.
fn state(pid: i32) -> char {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    stat.rfind(')')
        .and_then(|i| stat[i + 1..].trim_start().chars().next())
        .unwrap_or('?')
}

/// A started server whose postmaster is then SIGSTOPped; its pid.
fn frozen(name: &str) -> (PgCluster, i32) {
    let c = PgCluster::new(name);
    c.agent("start").expect(0);
    let pid = c.postmaster_pid().unwrap();
    c.signal(pid, "STOP");
    assert!(
        PgCluster::wait_until(Duration::from_secs(2), || state(pid) == 'T'),
        "postmaster {pid} not stopped"
    );
    (c, pid)
}

/// Resumes the postmaster `pid` and stops it with the agent (rep_mode none).
fn resume_and_stop(c: &mut PgCluster, pid: i32) {
    c.signal(pid, "CONT");
    for k in ["rep_mode", "node_list", "master_ip", "stop_escalate"] {
        c.unset(k);
    }
    c.unset_meta("promotable");
    c.agent("stop").expect(0);
    assert!(c.postmaster_pid().is_none());
}

/// The settings of a replication clone on node1 (no Pacemaker runs here: the cluster
/// tools fail, which stop, demote and monitor take as warnings).
fn replication(c: &mut PgCluster) {
    c.set("rep_mode", "sync")
        .set("node_list", "node1 node2")
        .set("master_ip", "127.0.0.1")
        .set_meta("promotable", "true")
        .set_meta("on_node", "node1");
}

#[test]
fn monitor_of_a_sigstopped_postmaster_fails_at_once_with_the_reason() {
    let (mut c, pid) = frozen("frozen-monitor");
    let want = format!(
        "the postmaster (pid {pid}) is stopped by a signal (state T) and cannot answer: send it SIGCONT, or let the cluster recover"
    );
    // a 30 s timeout: the old agent waited for the connection until its deadline (28 s)
    let none = c.agent("monitor");
    replication(&mut c);
    let repl = c.agent("monitor");
    for (mode, out) in [("none", &none), ("sync", &repl)] {
        eprintln!(
            "rep_mode {mode}: monitor of a SIGSTOPped postmaster took {:.2?}",
            out.elapsed
        );
        out.expect(1).expect_reason(&want);
        assert!(out.elapsed < Duration::from_millis(2500), "{}", out.dump());
    }
    assert_eq!(state(pid), 'T', "the agent resumed the postmaster");
    resume_and_stop(&mut c, pid);
}

#[test]
fn a_postmaster_stopped_for_a_moment_is_not_judged_stopped() {
    let (mut c, pid) = frozen("frozen-moment");
    let resume = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(300));
        crate::common::sh(std::process::Command::new("kill").args(["-CONT", &pid.to_string()]));
    });
    let out = c.agent("monitor");
    resume.join().unwrap();
    out.expect(0);
    resume_and_stop(&mut c, pid);
}

#[test]
fn stop_of_a_sigstopped_postmaster_gives_up_soon_after_the_immediate_request() {
    let (mut c, pid) = frozen("frozen-stop");
    // fast for up to 5 s, then immediate; a 30 s timeout: the old agent waited until the
    // stop plan gave up (27 s)
    for escalate in ["5", "0"] {
        c.set("stop_escalate", escalate);
        let t0 = Instant::now();
        let out = c.agent("stop");
        eprintln!(
            "stop_escalate {escalate}: stop of a SIGSTOPped postmaster took {:.2?}",
            t0.elapsed()
        );
        out.expect(1)
            .expect_reason("did not stop")
            .expect_reason("(the process is stopped by a signal and cannot react)");
        assert!(
            out.stderr.contains("immediate shutdown requested"),
            "{}",
            out.dump()
        );
        let most = if escalate == "0" { 4 } else { 7 };
        assert!(out.elapsed < Duration::from_secs(most), "{}", out.dump());
        // neither resumed nor killed: Pacemaker's on-fail decides
        assert_eq!(state(pid), 'T', "{}", out.dump());
        assert_eq!(c.postmaster_pid(), Some(pid));
    }
    resume_and_stop(&mut c, pid);
}

#[test]
fn replication_stop_and_demote_of_a_sigstopped_primary_give_up_soon() {
    let (mut c, pid) = frozen("frozen-repl");
    replication(&mut c);
    c.set("stop_escalate", "5");
    for action in ["demote", "stop"] {
        let out = c.agent(action);
        eprintln!(
            "{action} of a SIGSTOPped postmaster took {:.2?}",
            out.elapsed
        );
        out.expect(1)
            .expect_reason("(the process is stopped by a signal and cannot react)");
        // without Pacemaker the best-effort snapshot retries crm_mon for 4 s; the old
        // agent's stop also waited for the facts query until the deadline (28 s)
        assert!(out.elapsed < Duration::from_secs(12), "{}", out.dump());
        assert!(
            out.stderr.contains("immediate shutdown requested"),
            "{}",
            out.dump()
        );
        // UNKNOWN is recorded (here, without Pacemaker, the write is tried and fails)
        assert!(out.stderr.contains("UNKNOWN"), "{}", out.dump());
        assert_eq!(state(pid), 'T', "{}", out.dump());
    }
    resume_and_stop(&mut c, pid);
}
