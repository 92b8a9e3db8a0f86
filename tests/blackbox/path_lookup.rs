//! `pgctl` and `psql` as bare command names (docs/contract.md §3.1, §3.2): looked up in the
//! agent's PATH, as the reference agent does, so a CIB written for it keeps working; a
//! name PATH does not have is "not installed" (5) naming the parameter.

use crate::common::{clientbin, pgbin, PgCluster};

/// The agent's PATH with PostgreSQL's bin directories in it, as Pacemaker might pass it.
fn pg_path() -> String {
    format!("/usr/sbin:/usr/bin:{}:{}:/sbin:/bin", pgbin(), clientbin())
}

#[test]
fn pgctl_and_psql_as_command_names_are_found_in_path() {
    let mut c = PgCluster::new("pathname");
    c.set("pgctl", "pg_ctl").set("psql", "psql");
    let path = pg_path();
    let env = [("PATH", path.as_str())];
    c.agent_with(
        "validate-all",
        &[("PATH", &path), ("OCF_CHECK_LEVEL", "10")],
    )
    .expect(0);
    c.agent_with("start", &env).expect(0);
    let pid = c.postmaster_pid().expect("postmaster running after start");
    c.agent_with("monitor", &env).expect(0);
    c.agent_with("status", &env).expect(0);
    assert_eq!(c.psql("select 1").unwrap(), "1");
    c.agent_with("stop", &env).expect(0);
    assert!(c.postmaster_pid().is_none(), "postmaster {pid} still runs");
    c.agent_with("monitor", &env).expect(7);
}

#[test]
fn a_command_name_path_does_not_have_is_not_installed() {
    let mut c = PgCluster::new("pathmissing");
    c.set("pgctl", "no_such_pg_ctl");
    let path = pg_path();
    for (action, level) in [
        ("validate-all", "0"),
        ("validate-all", "10"),
        ("start", "0"),
    ] {
        c.agent_with(action, &[("PATH", &path), ("OCF_CHECK_LEVEL", level)])
            .expect(5)
            .expect_reason("parameter pgctl")
            .expect_reason("not installed");
    }
    assert!(c.postmaster_pid().is_none(), "nothing was started");
    // as with a missing absolute path: stop succeeds, monitor reports not running
    c.agent_with("stop", &[("PATH", &path)]).expect(0);
    c.agent_with("monitor", &[("PATH", &path)]).expect(7);
    let mut c = PgCluster::new("pathpsql");
    c.set("psql", "no_such_psql");
    c.agent_with("start", &[("PATH", &path)])
        .expect(5)
        .expect_reason("parameter psql");
}
