//! A running server is never reported as stopped, whatever is wrong with the
//! configuration (docs/contract.md §3.3): monitor/status fail with the reason, stop shuts
//! the server down (pg_ctl when usable, else SIGINT/SIGQUIT) and returns 0 once it is gone.

use std::time::Duration;

use crate::common::{run_agent_raw, PgCluster};

/// Each way of breaking the configuration of a running server: (what, key, value).
const BROKEN: &[(&str, &str, &str)] = &[
    ("a port that is not a number", "pgport", "54x32"),
    ("pg_ctl missing", "pgctl", "/nonexistent/pg_ctl"),
    ("a password without a user", "monitor_password", "secret"),
    ("an unknown rep_mode", "rep_mode", "bogus"),
    (
        "a boolean that does not parse",
        "check_wal_receiver",
        "maybe",
    ),
];

#[test]
fn monitor_and_status_of_a_running_server_with_a_broken_configuration_fail() {
    let mut c = PgCluster::new("inv-mon");
    c.agent("start").expect(0);
    let good = c.params.clone();
    for (what, k, v) in BROKEN {
        c.set(k, v);
        for action in ["monitor", "status"] {
            let out = c.agent(action);
            out.expect(1).expect_reason("PostgreSQL is running");
            assert!(
                out.elapsed < Duration::from_secs(5),
                "{what}: {}",
                out.dump()
            );
        }
        c.params = good.clone();
    }
    for (k, v) in [
        ("OCF_CHECK_LEVEL", "ten"),
        ("OCF_RESKEY_CRM_meta_interval", "10s"),
    ] {
        let out = c.agent_with("monitor", &[(k, v)]);
        out.expect(1)
            .expect_reason(k.trim_start_matches("OCF_RESKEY_"));
    }
    let out = run_agent_raw("monitor", &c.env(), "OCF_RESKEY_pgdb", b"templ\xffate1");
    out.expect(1).expect_reason("pgdb is not valid UTF-8");
    assert!(
        c.postmaster_pid().is_some(),
        "monitor must not stop anything"
    );
    c.set("pgport", "54x32");
    // a probe finds it too: never "not running" while it runs
    c.set_meta("interval", "0");
    c.agent("monitor").expect(1);
    c.unset("pgport");
    c.agent("stop").expect(0);
    // with the server down, the old answers stand
    c.set("pgport", "54x32");
    c.agent("monitor").expect(7);
    c.agent("stop").expect(0);
}

#[test]
fn stop_with_a_broken_configuration_shuts_the_server_down() {
    for (what, k, v) in BROKEN {
        let mut c = PgCluster::new("inv-stop");
        c.agent("start").expect(0);
        let pid = c.postmaster_pid().expect("running");
        c.set(k, v);
        let out = c.agent("stop");
        out.expect(0);
        assert!(
            c.postmaster_pid().is_none(),
            "{what}: still running\n{}",
            out.dump()
        );
        // gone, or a zombie waiting for a parent that does not reap (containers)
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        let state = stat
            .rsplit(')')
            .next()
            .unwrap_or("")
            .split_whitespace()
            .next();
        assert!(
            matches!(state, None | Some("Z") | Some("X")),
            "{what}: postmaster {pid} still alive\n{}",
            out.dump()
        );
    }
    let c = PgCluster::new("inv-stop-raw");
    c.agent("start").expect(0);
    let out = run_agent_raw("stop", &c.env(), "OCF_RESKEY_pgdb", b"\xfe");
    out.expect(0);
    assert!(c.postmaster_pid().is_none(), "{}", out.dump());
}
