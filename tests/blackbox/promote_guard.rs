//! The guard against two primaries on real PostgreSQL (docs/contract.md §5.9): promote on
//! a standby whose WAL receiver streams over TCP from a primary that still answers is
//! refused with a reason, before any cluster tool, and leaves the standby in recovery
//! without PGSQL.lock. Once the primary is gone the guard no longer refuses.

use std::time::Duration;

use crate::common::{self, PgCluster};

/// A TCP port nothing listens on now, for the primary's 127.0.0.1 and both clusters'
/// socket names (primary_conninfo names pgport, as in a real cluster).
fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    l.local_addr().unwrap().port()
}

#[test]
fn promote_refuses_while_the_receiver_streams_from_a_live_primary() {
    let port = free_port();
    let mut primary = PgCluster::new("guard-primary");
    primary.port = port;
    primary.set("pgport", &port.to_string());
    primary.append_conf("listen_addresses = '127.0.0.1'");
    primary.agent("start").expect(0);

    // the standby: a base backup of the primary, listening on its unix socket only
    let mut standby = PgCluster::new("guard-standby");
    standby.port = port;
    std::fs::remove_dir_all(&standby.data).unwrap();
    common::sh(
        std::process::Command::new("runuser")
            .args(["-u", "postgres", "--"])
            .arg(format!("{}/pg_basebackup", common::clientbin()))
            .arg("-h")
            .arg(&primary.dir)
            .args(["-p", &port.to_string(), "-U", "postgres", "-D"])
            .arg(&standby.data)
            .args(["-X", "stream", "--no-sync"]),
    );
    standby.append_conf(&format!(
        "listen_addresses = ''\nunix_socket_directories = '{}'\nhot_standby = on",
        standby.dir.display()
    ));
    standby
        .set("pgport", &port.to_string())
        .set("rep_mode", "slave")
        .set("master_ip", "127.0.0.1")
        .set("repuser", "postgres")
        .set_meta("on_node", "node2");
    standby.agent("start").expect(0);
    assert!(
        PgCluster::wait_until(Duration::from_secs(15), || {
            standby
                .psql("select status from pg_stat_wal_receiver")
                .is_ok_and(|s| s == "streaming")
        }),
        "the standby never streamed from 127.0.0.1:{port}"
    );

    // Pacemaker (wrongly) promotes the standby while the primary still runs
    standby
        .set("rep_mode", "sync")
        .set("node_list", "node1 node2")
        .set_meta("promotable", "true")
        .set_meta("timeout", "10000");
    let out = standby.agent("promote");
    out.expect(1).expect_reason(&format!(
        "refusing to promote: the WAL receiver streams from a live primary at 127.0.0.1:{port} (partitioned without fencing?)"
    ));
    assert!(out.elapsed < Duration::from_secs(5), "{}", out.dump());
    assert_eq!(standby.psql("select pg_is_in_recovery()").unwrap(), "t");
    assert!(!standby.dir.join("tmp").join("PGSQL.lock").exists());
    assert_eq!(primary.psql("select pg_is_in_recovery()").unwrap(), "f");

    // the primary stops (a switchover's demote): the receiver no longer streams from a
    // live primary, so the guard does not refuse (the promote goes on to the cluster
    // snapshot, which fails here for want of Pacemaker)
    primary.agent("stop").expect(0);
    let out = standby.agent_with("promote", &[("OCF_RESKEY_CRM_meta_timeout", "4000")]);
    assert!(
        !out.reason()
            .unwrap_or_default()
            .contains("refusing to promote"),
        "{}",
        out.dump()
    );
    assert!(
        !out.stderr.contains("refusing to promote"),
        "{}",
        out.dump()
    );
    standby.set("rep_mode", "slave");
    standby.agent("stop").expect(0);
}
