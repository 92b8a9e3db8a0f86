//! `pgsql show` (docs/contract.md §10) against a real PostgreSQL and fake, read-only
//! cluster tools first in PATH that print captured crm_mon and cibadmin output
//! (tests/fixtures/show): the verdict and its exit status, the local facts, and that
//! nothing is written (no attribute tool runs, the data directory and tmpdir are unchanged).

use crate::common::{run_args, snapshot, FakeTools, PgCluster};

const HEALTHY: &str = include_str!("../fixtures/show/healthy.xml");
const LOCK: &str = include_str!("../fixtures/show/lock.xml");
const LOCK_NODES: &str = include_str!("../fixtures/show/lock-nodes.xml");
const ELECTION: &str = include_str!("../fixtures/show/election.xml");
const ELECTION_NODES: &str = include_str!("../fixtures/show/election-nodes.xml");

/// The CIB's resources section for a sync clone of `c` on node1 and node2.
fn resources(c: &PgCluster) -> String {
    let mut nv = String::new();
    let mut params = c.params.clone();
    params.insert("rep_mode".into(), "sync".into());
    params.insert("node_list".into(), "node1 node2".into());
    params.insert("master_ip".into(), "127.0.0.1".into());
    for (i, (k, v)) in params.iter().enumerate() {
        nv += &format!("<nvpair id=\"p{i}\" name=\"{k}\" value=\"{v}\"/>");
    }
    format!(
        "<resources><clone id=\"pgsql-clone\"><meta_attributes id=\"m\"><nvpair id=\"m1\" name=\"promotable\" value=\"true\"/></meta_attributes><primitive id=\"pgsql\" class=\"ocf\" provider=\"pgsqlrs\" type=\"pgsql\"><instance_attributes id=\"ia\">{nv}</instance_attributes></primitive></clone></resources>"
    )
}

fn tools(c: &PgCluster, mon: &str, nodes: &str) -> FakeTools {
    let t = FakeTools::new(&c.dir.join("fake"));
    t.put("crm_mon.xml", mon)
        .put("cibadmin-resources.xml", &resources(c))
        .put("cibadmin-nodes.xml", nodes)
        .put("node", "node1\n");
    t
}

fn env(t: &FakeTools) -> Vec<(String, String)> {
    vec![("PATH".into(), t.path())]
}

/// Only reads ran: crm_mon, cibadmin --query, crm_node.
fn only_reads(t: &FakeTools) {
    let calls = t.calls();
    assert!(!calls.is_empty());
    for c in &calls {
        assert!(
            c.starts_with("crm_mon -1 --output-as=xml")
                || c.starts_with("cibadmin --query")
                || c == "crm_node -n",
            "a tool that is not a read ran: {c:?} in {calls:?}"
        );
    }
}

#[test]
fn a_healthy_cluster_from_its_primary() {
    let c = PgCluster::new("show-ok");
    c.agent("start").expect(0);
    let t = tools(&c, HEALTHY, "<nodes/>");
    std::fs::create_dir_all(c.dir.join("tmp")).unwrap();
    std::fs::write(c.dir.join("tmp/PGSQL.lock"), "").unwrap();
    let before = (
        snapshot(&c.dir.join("tmp")),
        snapshot(&c.data.join("global")),
    );
    let out = run_args(&["show", "--json"], &env(&t));
    out.expect(0);
    let v: serde_json::Value =
        serde_json::from_str(&out.stdout).unwrap_or_else(|_| panic!("{}", out.dump()));
    assert_eq!(v["verdict"], "healthy", "{}", out.dump());
    assert_eq!(v["local_node"], "node1");
    assert_eq!(v["nodes"][0]["role"], "Promoted");
    assert_eq!(v["nodes"][0]["wal_source"], "local server");
    assert!(v["nodes"][0]["wal"].as_str().unwrap().contains('/'));
    assert_eq!(v["nodes"][0]["lock"], true);
    assert_eq!(v["nodes"][1]["data_status"], "STREAMING|SYNC");
    only_reads(&t);
    let out = run_args(&["show"], &env(&t));
    out.expect(0);
    assert!(
        out.stdout.contains("healthy: node1 is the primary"),
        "{}",
        out.dump()
    );
    assert!(
        out.stdout.lines().all(|l| l.chars().count() <= 80),
        "{}",
        out.dump()
    );
    only_reads(&t);
    assert_eq!(
        before,
        (
            snapshot(&c.dir.join("tmp")),
            snapshot(&c.data.join("global"))
        ),
        "show wrote something"
    );
    c.agent("stop").expect(0);
}

#[test]
fn the_old_primary_after_a_failover() {
    let c = PgCluster::new("show-lock");
    let t = tools(&c, LOCK, LOCK_NODES);
    std::fs::create_dir_all(c.dir.join("tmp")).unwrap();
    std::fs::write(c.dir.join("tmp/PGSQL.lock"), "").unwrap();
    let out = run_args(&["show", "--resource", "pgsql-clone"], &env(&t));
    out.expect(1);
    let words = out.stdout.split_whitespace().collect::<Vec<_>>().join(" ");
    for needle in [
        "node1: PGSQL.lock exists",
        "pg_basebackup -h 127.0.0.1",
        "crm_resource --cleanup -r pgsql-clone",
        "fail-count INFINITY",
        "PGSQL.lock present",
    ] {
        assert!(words.contains(needle), "{needle:?}\n{}", out.dump());
    }
    assert!(
        out.stdout.lines().all(|l| l.chars().count() <= 80),
        "{}",
        out.dump()
    );
    only_reads(&t);
}

#[test]
fn an_election_on_a_standby_counts_its_samples() {
    let c = PgCluster::new("show-elect");
    // a standby of its own former self: shut down cleanly as a primary first
    c.agent("start").expect(0);
    c.agent("stop").expect(0);
    std::fs::write(c.data.join("standby.signal"), "").unwrap();
    c.agent("start").expect(0);
    let t = tools(&c, ELECTION, ELECTION_NODES);
    let out = run_args(&["show", "--json"], &env(&t));
    out.expect(2);
    let v: serde_json::Value =
        serde_json::from_str(&out.stdout).unwrap_or_else(|_| panic!("{}", out.dump()));
    assert_eq!(v["verdict"], "no-primary");
    let why = v["problems"][0]["why"].as_str().unwrap_or_default();
    assert!(why.contains("needs 4 more monitors"), "{}", out.dump());
    assert_eq!(v["nodes"][0]["wal_source"], "local server");
    only_reads(&t);
    c.agent("stop").expect(0);
}

#[test]
fn a_cluster_that_cannot_be_read_is_2_with_what_failed() {
    let c = PgCluster::new("show-err");
    let t = tools(&c, HEALTHY, "<nodes/>");
    t.put("crm_mon.xml", "not xml");
    let out = run_args(&["show"], &env(&t));
    out.expect(2);
    assert!(
        out.stderr
            .contains("pgsql show: cannot read the cluster's state"),
        "{}",
        out.dump()
    );
    let out = run_args(&["show", "--resource", "nosuch"], &env(&t));
    out.expect(2);
    assert!(out.stderr.contains("\"nosuch\""), "{}", out.dump());
    let out = run_args(&["show", "--bogus"], &env(&t));
    out.expect(2);
    assert!(out.stderr.contains("usage: pgsql show"), "{}", out.dump());
}
