//! The reference agent's behaviours kept, on real PostgreSQL (docs/contract.md §5.3, §8):
//! the agent's own SQL runs as pgdba and only monitor_sql as monitor_user.

use std::time::Duration;

use crate::common::{sh, PgCluster};
use std::process::Command;

#[test]
fn replication_sql_runs_as_pgdba_and_monitor_sql_as_the_monitor_user() {
    let mut c = PgCluster::new("logins");
    c.agent("start").expect(0);
    // a monitor role with no privilege at all: it cannot reload nor create slots
    c.psql("create role watcher login").unwrap();
    // rep_mode.conf names node2, which is not connected: the primary's monitor must
    // drop it (rewrite rep_mode.conf and reload, which only pgdba may do)
    let tmp = c.dir.join("tmp");
    std::fs::create_dir_all(&tmp).unwrap();
    let conf = tmp.join("rep_mode.conf");
    std::fs::write(&conf, "synchronous_standby_names = '\"node2\"'\n").unwrap();
    sh(Command::new("chown")
        .arg("-R")
        .arg("postgres:postgres")
        .arg(&tmp));
    sh(Command::new("chmod").arg("700").arg(&tmp));
    c.append_conf(&format!("include '{}' # added by pgsql RA", conf.display()));
    c.psql("select pg_reload_conf()").unwrap();
    assert!(PgCluster::wait_until(Duration::from_secs(5), || {
        c.psql("show synchronous_standby_names").as_deref() == Ok("\"node2\"")
    }));
    c.set("rep_mode", "sync")
        .set("node_list", "node1 node2")
        .set("master_ip", "127.0.0.1")
        .set("monitor_user", "watcher")
        // fails (division by zero) unless it runs as watcher
        .set("monitor_sql", "select 1 / (current_user = 'watcher')::int")
        .set_meta("promotable", "true")
        .set_meta("on_node", "node1");
    // no Pacemaker runs here: the snapshot and attribute writes fail (warnings)
    let out = c.agent("monitor");
    out.expect(8);
    assert_eq!(
        std::fs::read_to_string(&conf).unwrap(),
        "synchronous_standby_names = ''\n",
        "{}",
        out.dump()
    );
    assert!(
        PgCluster::wait_until(Duration::from_secs(5), || {
            c.psql("show synchronous_standby_names").as_deref() == Ok("")
        }),
        "the reload did not happen\n{}",
        out.dump()
    );
    c.set("rep_mode", "none")
        .unset("node_list")
        .unset("master_ip");
    c.unset_meta("promotable");
    c.agent("stop").expect(0);
}

#[test]
fn replication_resource_ids_that_crm_mon_hides_are_refused() {
    let mut c = PgCluster::new("hiddenid");
    c.set("rep_mode", "sync")
        .set("node_list", "node1 node2")
        .set("master_ip", "127.0.0.1")
        .set_meta("promotable", "true")
        .set_meta("on_node", "node1");
    let with_id = |id: &str| -> Vec<(String, String)> {
        let mut env = c.env();
        env.retain(|(k, _)| k != "OCF_RESOURCE_INSTANCE");
        env.push(("OCF_RESOURCE_INSTANCE".into(), id.into()));
        env
    };
    crate::common::run_agent("validate-all", &with_id("pgsql")).expect(0);
    for id in ["standby1", "shutdown:0", "terminate-db", "#pg"] {
        crate::common::run_agent("validate-all", &with_id(id))
            .expect(6)
            .expect_reason("crm_mon hides node attributes");
    }
}
