//! The Pacemaker side (docs/contract.md §5.1, §7): one `crm_mon` snapshot per action, and
//! attribute writes through `crm_attribute` with the lifetimes PG-REX tools expect
//! (data-status `forever`, so its nvpair id is `nodes-<nodeid>-<rsc>-data-status`; the
//! others `reboot`), the self-ban of pre-promote and `attrd_updater` for receiver-status.
//! Failed tool calls are retried, but only within the action's deadline. The tools are
//! looked up in the agent's PATH, as the reference agent's shell finds them (§8).

pub mod history;
pub mod snapshot;

use std::time::Duration;

use tokio::time::Instant;

use crate::error::Result;
use crate::exec::{CommandSpec, ExecError};
use crate::replication::{AttrChange, ClusterView};
use crate::world::{self, World};

const SBIN: &str = "/usr/sbin";

/// Where cluster tool `name` is: the first executable in `search_path` (the agent's PATH,
/// `config::lookup::search_path`), else `/usr/sbin/<name>` (so a failure names a path).
pub fn tool_path(name: &str, search_path: &str) -> std::path::PathBuf {
    crate::config::lookup::which(name, search_path)
        .unwrap_or_else(|| std::path::Path::new(SBIN).join(name))
}

/// Why a cluster tool call failed.
#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    /// Every try failed until the deadline; the last failure is the source.
    #[error("{program} kept failing until the operation timeout")]
    Tool {
        /// The tool.
        program: String,
        /// The last failure.
        #[source]
        source: ExecError,
    },
    /// The deadline left no time for a try.
    #[error("no time left to run {program}")]
    NoTime {
        /// The tool's command line.
        program: String,
    },
    /// crm_mon or cibadmin printed something we cannot read.
    #[error(transparent)]
    Snapshot(#[from] snapshot::SnapshotError),
}

/// crm_mon's arguments for the snapshot: the nodes, the resources and the node attributes,
/// nothing else (no fencing history: crm_mon then does not ask the fencer). On Pacemaker
/// 2.1 and 3.0 the parsed view is the one of [`FULL_ARGS`] (tests/versions/cluster.sh).
pub const SNAPSHOT_ARGS: [&str; 5] = [
    "-1",
    "--output-as=xml",
    "--fence-history=0",
    "--include=none",
    "--include=nodes,resources,attributes",
];

/// crm_mon's whole XML (`pgsql show`).
pub const FULL_ARGS: [&str; 2] = ["-1", "--output-as=xml"];

/// Access to the cluster tools for one action.
#[derive(Debug, Clone)]
pub struct Crm {
    /// The resource name.
    pub rsc: String,
    /// No tool call runs past this.
    pub deadline: Instant,
    /// Time allowed for one permanent attribute write (crm_attr_timeout).
    pub forever_timeout: Duration,
    /// Where the tools are looked up (the agent's PATH).
    pub search_path: String,
}

impl Crm {
    /// The tools of resource `rsc` until `deadline`, looked up in `env`'s PATH.
    pub fn new(
        rsc: &str,
        deadline: Instant,
        forever_timeout: Duration,
        env: &crate::ocf::Env,
    ) -> Crm {
        Crm {
            rsc: rsc.to_string(),
            deadline,
            forever_timeout,
            search_path: crate::config::lookup::search_path(env).to_string(),
        }
    }

    fn tool(&self, name: &str) -> CommandSpec {
        CommandSpec::new(tool_path(name, &self.search_path))
    }

    /// Runs `spec`, retrying once a second after failures until the deadline.
    async fn run_retrying<W: World>(
        &self,
        w: &mut W,
        spec: &CommandSpec,
        per_try: Duration,
    ) -> Result<String> {
        let mut last: Option<ExecError> = None;
        loop {
            let limit = crate::clock::within(per_try, self.deadline);
            if Instant::now() >= self.deadline {
                break;
            }
            match world::run_ok(w, spec, limit).await {
                Ok(out) => return Ok(out.stdout),
                Err(e) => {
                    tracing::warn!("{e}; retrying");
                    last = Some(e);
                }
            }
            if !crate::clock::has(Duration::from_secs(1), self.deadline) {
                break;
            }
            w.sleep(Duration::from_secs(1)).await;
        }
        Err(match last {
            Some(source) => ClusterError::Tool {
                program: spec.program.display().to_string(),
                source,
            },
            None => ClusterError::NoTime {
                program: spec.display(),
            },
        }
        .into())
    }

    /// The cluster as crm_mon sees it now: only the sections the snapshot reads
    /// ([`SNAPSHOT_ARGS`]).
    pub async fn snapshot<W: World>(&self, w: &mut W) -> Result<ClusterView> {
        Ok(self.snapshot_from(w, &SNAPSHOT_ARGS).await?.0)
    }

    /// [`Crm::snapshot`] from crm_mon's whole XML, returned too (for `pgsql show`'s
    /// `history::parse`, which reads the operation history and failures).
    pub async fn snapshot_with_xml<W: World>(&self, w: &mut W) -> Result<(ClusterView, String)> {
        self.snapshot_from(w, &FULL_ARGS).await
    }

    async fn snapshot_from<W: World>(
        &self,
        w: &mut W,
        args: &[&str],
    ) -> Result<(ClusterView, String)> {
        let spec = self.tool("crm_mon").args(args.iter().copied());
        let xml = self.run_retrying(w, &spec, Duration::from_secs(10)).await?;
        let mut view = snapshot::parse(&xml, &self.rsc).map_err(ClusterError::from)?;
        if view.nodes.values().any(|n| !n.online) {
            // one more read, only while a node is down: its permanent attributes
            let spec = self.tool("cibadmin").args(["--query", "--scope=nodes"]);
            let nodes = self.run_retrying(w, &spec, Duration::from_secs(10)).await?;
            snapshot::merge_offline_node_attributes(&mut view, &nodes)
                .map_err(ClusterError::from)?;
        }
        Ok((view, xml))
    }

    /// The CIB's resources section (`cibadmin --query --scope=resources`; read only).
    pub async fn resources_xml<W: World>(&self, w: &mut W) -> Result<String> {
        let spec = self.tool("cibadmin").args(["--query", "--scope=resources"]);
        self.run_retrying(w, &spec, Duration::from_secs(10)).await
    }

    fn attribute_spec(&self, e: &AttrChange) -> CommandSpec {
        let (node, attr) = match e {
            AttrChange::Set { node, attr, .. } | AttrChange::Delete { node, attr } => (node, attr),
        };
        let lifetime = if attr.forever() { "forever" } else { "reboot" };
        let spec = self.tool("crm_attribute").args([
            format!("--lifetime={lifetime}"),
            format!("--node={node}"),
            format!("--name={}", attr.name(&self.rsc)),
        ]);
        match e {
            // `--update=-INFINITY` keeps the value from being read as options
            AttrChange::Set { value, .. } => spec.arg(format!("--update={value}")),
            AttrChange::Delete { .. } => spec.arg("--delete"),
        }
    }

    /// Writes one attribute change (the caller logs it).
    pub async fn write<W: World>(&self, w: &mut W, e: &AttrChange) -> Result<()> {
        let per_try = match e {
            AttrChange::Set { attr, .. } | AttrChange::Delete { attr, .. } if attr.forever() => {
                self.forever_timeout.max(Duration::from_secs(1))
            }
            _ => Duration::from_secs(10),
        };
        self.run_retrying(w, &self.attribute_spec(e), per_try)
            .await
            .map(drop)
    }

    /// `crm_resource --ban` of `instance` from `node` (pre-promote protection).
    pub async fn ban<W: World>(&self, w: &mut W, instance: &str, node: &str) -> Result<()> {
        let spec = self.tool("crm_resource").args([
            "--ban".to_string(),
            format!("--resource={instance}"),
            format!("--node={node}"),
            "--quiet".to_string(),
        ]);
        self.run_retrying(w, &spec, Duration::from_secs(10))
            .await
            .map(drop)
    }

    /// `<rsc>-receiver-status` through attrd_updater (`None` deletes it).
    pub async fn receiver_status<W: World>(&self, w: &mut W, value: Option<&str>) -> Result<()> {
        let name = format!("--name={}-receiver-status", self.rsc);
        let spec = match value {
            Some(v) => self
                .tool("attrd_updater")
                .args([name, format!("--update={v}")]),
            None => self
                .tool("attrd_updater")
                .args([name, "--delete".to_string()]),
        };
        self.run_retrying(w, &spec, Duration::from_secs(10))
            .await
            .map(drop)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::replication::Attr;

    #[test]
    fn attribute_commands() {
        let crm = Crm::new(
            "pgsql",
            Instant::now(),
            Duration::from_secs(5),
            &crate::ocf::Env::default(),
        );
        let e = AttrChange::Set {
            node: "node1".into(),
            attr: Attr::Score,
            value: "-INFINITY".into(),
        };
        assert_eq!(
            crm.attribute_spec(&e).display(),
            "/usr/sbin/crm_attribute --lifetime=reboot --node=node1 --name=master-pgsql --update=-INFINITY"
        );
        let e = AttrChange::Set {
            node: "node2".into(),
            attr: Attr::DataStatus,
            value: "STREAMING|SYNC".into(),
        };
        assert_eq!(
            crm.attribute_spec(&e).display(),
            "/usr/sbin/crm_attribute --lifetime=forever --node=node2 --name=pgsql-data-status --update=STREAMING|SYNC"
        );
        let e = AttrChange::Delete {
            node: "node1".into(),
            attr: Attr::XlogLoc,
        };
        assert!(crm
            .attribute_spec(&e)
            .display()
            .ends_with("--name=pgsql-xlog-loc --delete"));
    }
}
