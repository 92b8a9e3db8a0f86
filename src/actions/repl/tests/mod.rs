//! Each replication action's whole sequence through the recording fake
//! (docs/contract.md §5): every crm_* argv, every SQL round trip, every file written.

mod faults;
mod fidelity;
mod frozen;
mod guard;
mod rejoin;
mod sequences;
mod standby_proof;

use std::path::PathBuf;

use crate::actions::{Agent, Ctx};
use crate::ocf::{Action, Env, OcfStatus};
use crate::world::fake::FakeWorld;
use crate::{config::Config, exec::RunAs, pg::version::PgVersion};

pub(super) const TMP: &str = "/t/tmp";
pub(super) const CONF: &str = "/t/data/postgresql.conf";

/// The environment of a 2-node sync clone on node1, plus `extra`.
pub(super) fn env(action: Action, extra: &[(&str, &str)]) -> Env {
    let mut pairs = vec![
        ("OCF_RESOURCE_INSTANCE", "pgsql"),
        ("OCF_RESKEY_pgdata", "/t/data"),
        ("OCF_RESKEY_tmpdir", TMP),
        ("OCF_RESKEY_rep_mode", "sync"),
        ("OCF_RESKEY_node_list", "node1 node2"),
        ("OCF_RESKEY_master_ip", "10.0.0.9"),
        ("OCF_RESKEY_CRM_meta_promotable", "true"),
        ("OCF_RESKEY_CRM_meta_on_node", "node1"),
        ("OCF_RESKEY_CRM_meta_timeout", "60000"),
    ];
    if action == Action::Monitor {
        pairs.push(("OCF_RESKEY_CRM_meta_interval", "10000"));
    }
    pairs.extend_from_slice(extra);
    Env::from_pairs(pairs)
}

pub(super) fn agent(action: Action, extra: &[(&str, &str)]) -> Agent {
    let ctx = Ctx::new(env(action, extra), action);
    let cfg = Config::from_env(&ctx.env, &ctx.meta).expect("valid test configuration");
    Agent {
        ctx,
        cfg,
        pgdba: RunAs::lookup("root").expect("root"),
        version: Some(PgVersion::new(15, 0)),
    }
}

/// crm_mon XML: `(node, online, [(attribute, value)])`, promoted nodes.
pub(super) type Node<'a> = (&'a str, bool, &'a [(&'a str, &'a str)]);

pub(super) fn crm_mon(nodes: &[Node], promoted: &[&str]) -> String {
    let mut x = String::from("<pacemaker-result><nodes>");
    for (n, online, _) in nodes {
        x += &format!("<node name=\"{n}\" online=\"{online}\"/>");
    }
    x += "</nodes><resources><clone id=\"pgsql-clone\">";
    for p in promoted {
        x += &format!("<resource id=\"pgsql\" role=\"Promoted\"><node name=\"{p}\"/></resource>");
    }
    x += "</clone></resources><node_attributes>";
    for (n, _, attrs) in nodes {
        x += &format!("<node name=\"{n}\">");
        for (k, v) in attrs.iter() {
            x += &format!("<attribute name=\"{k}\" value=\"{v}\"/>");
        }
        x += "</node>";
    }
    x + "</node_attributes></pacemaker-result>"
}

pub(super) fn primary_world() -> FakeWorld {
    let mut w = FakeWorld {
        postmaster: Some(100),
        location: "0/5000060".into(),
        sync_names: "\"node2\"".into(),
        replication: vec![["node2".into(), "STREAMING".into(), "SYNC".into()]],
        crm_mon: crm_mon(
            &[
                (
                    "node1",
                    true,
                    &[
                        ("pgsql-status", "PRI"),
                        ("pgsql-data-status", "LATEST"),
                        ("master-pgsql", "1000"),
                    ],
                ),
                (
                    "node2",
                    true,
                    &[
                        ("pgsql-status", "HS:sync"),
                        ("pgsql-data-status", "STREAMING|SYNC"),
                        ("master-pgsql", "100"),
                    ],
                ),
            ],
            &["node1"],
        ),
        ..Default::default()
    };
    w.files.insert(
        PathBuf::from(TMP).join("rep_mode.conf"),
        "synchronous_standby_names = '\"node2\"'\n".into(),
    );
    w.files.insert(CONF.into(), "port = 5432\n".into());
    w
}

/// node1 a sync standby about to be promoted (HS:sync, 100); node2 stopped with `other`.
pub(super) fn promotee_world(other: &[(&str, &str)]) -> FakeWorld {
    let mut w = primary_world();
    w.in_recovery = true;
    w.crm_mon = crm_mon(
        &[
            (
                "node1",
                true,
                &[("pgsql-status", "HS:sync"), ("master-pgsql", "100")],
            ),
            ("node2", true, other),
        ],
        &[],
    );
    w
}

pub(super) fn run(w: &mut FakeWorld, agent: &Agent) -> crate::error::Result<OcfStatus> {
    block_on(super::run(w, agent))
}

/// Runs `f` on a current-thread runtime whose clock is paused (sleeps are instant).
pub(super) fn block_on<T>(f: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()
        .expect("runtime")
        .block_on(f)
}

pub(super) fn attr(args: &str) -> String {
    "/usr/sbin/crm_attribute ".to_string() + args
}
