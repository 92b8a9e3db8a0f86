//! Failing cluster tools never turn a healthy server into a failed resource
//! (docs/contract.md §5.10): with no cluster to ask (crm_mon and crm_attribute fail), the
//! monitor of a running primary still answers 8, within its timeout.

use std::time::Duration;

use crate::common::PgCluster;

#[test]
fn monitor_of_a_primary_without_a_reachable_cluster_reports_the_primary() {
    let mut c = PgCluster::new("tolerant");
    c.agent("start").expect(0);
    let tmp = c.dir.join("tmp");
    c.set("rep_mode", "async")
        .set("node_list", "node1 node2")
        .set("master_ip", "127.0.0.1")
        .set("tmpdir", &tmp.display().to_string())
        .set_meta("promotable", "true")
        .set_meta("on_node", "node1")
        .set_meta("interval", "10000")
        .set_meta("timeout", "15000");
    // a Pacemaker cluster is not running on this machine: every crm_* call fails
    let out = c.agent("monitor");
    out.expect(8);
    // a short budget for the cluster, not the whole timeout
    assert!(out.elapsed < Duration::from_secs(8), "{}", out.dump());
    assert!(
        out.stderr.contains("going on without it") || out.stderr.contains("failed, going on"),
        "a warning names the cluster failure:\n{}",
        out.dump()
    );
    c.set("rep_mode", "none")
        .unset("node_list")
        .unset("master_ip");
    c.unset_meta("promotable");
    c.agent("stop").expect(0);
}
