//! The OCF actions (docs/contract.md §4, §5). `Agent` carries what every action needs:
//! the environment, the typed configuration, the local facts and the action's deadline.

pub mod frozen;
pub mod invalid;
pub mod leftovers;
pub mod monitor;
pub mod receiver;
pub mod repl;
pub mod server;
pub mod start;
pub mod stop;
pub mod stop_plan;
pub mod validate;

use std::time::Duration;

use tokio::time::Instant;

use crate::config::Config;
use crate::exec::{CommandSpec, RunAs};
use crate::ocf::{Action, Env, Instance, Meta};
use crate::pg::pidfile::PidFile;
use crate::pg::sql::{Endpoint, Login, Target, DEFAULT_SOCKET_DIR};
use crate::pg::version::PgVersion;
use crate::world::{self, RealWorld, World};

/// How often waits look again.
pub const POLL: Duration = Duration::from_millis(200);

/// The invocation: who called us for what, and until when.
#[derive(Debug, Clone)]
pub struct Ctx {
    /// The environment the agent was called with.
    pub env: Env,
    /// The action.
    pub action: Action,
    /// The resource instance (`OCF_RESOURCE_INSTANCE`).
    pub instance: Instance,
    /// Pacemaker's meta attributes.
    pub meta: Meta,
    /// `OCF_CHECK_LEVEL` (0 when unset).
    pub check_level: u32,
    /// The operation timeout (Pacemaker's, or the meta-data default).
    pub timeout: Duration,
    /// When the action began.
    pub started: Instant,
    /// When the action must have answered: the timeout less a safety margin.
    pub deadline: Instant,
    /// Pacemaker started this call: one of the variables it always passes is set
    /// ([`PACEMAKER_VARS`]).
    pub by_pacemaker: bool,
    /// stdin is a terminal: somebody runs the agent at a shell (set by `lib::run`).
    pub tty: bool,
}

/// Variables Pacemaker passes to every operation; with none of them set, an operator runs
/// the agent by hand (docs/contract.md §1.5).
pub const PACEMAKER_VARS: [&str; 3] = [
    "OCF_RESKEY_crm_feature_set",
    "OCF_RESKEY_CRM_meta_on_node",
    "OCF_RESKEY_CRM_meta_on_node_uuid",
];

impl Ctx {
    /// The invocation of `action` with `env`; the deadline starts now.
    pub fn new(env: Env, action: Action) -> Ctx {
        let meta = Meta::from_env(&env);
        let timeout = meta
            .timeout
            .filter(|t| !t.is_zero())
            .unwrap_or(Duration::from_secs(action.default_timeout_secs()));
        let margin = (timeout / 10).clamp(Duration::from_millis(500), Duration::from_secs(2));
        let started = Instant::now();
        let by_pacemaker = PACEMAKER_VARS.iter().any(|v| env.get(v).is_some());
        Ctx {
            check_level: env
                .get("OCF_CHECK_LEVEL")
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0),
            instance: Instance::from_env(&env),
            meta,
            env,
            action,
            timeout,
            started,
            deadline: crate::clock::after(started, timeout.saturating_sub(margin)),
            by_pacemaker,
            tty: false,
        }
    }

    /// A monitor or status Pacemaker did not start: it changes nothing in the cluster and
    /// logs the writes it would have made instead (docs/contract.md §1.5).
    pub fn read_only(&self) -> bool {
        !self.by_pacemaker && matches!(self.action, Action::Monitor | Action::Status)
    }

    /// Says what the action looked at and found: INFO at a terminal, DEBUG otherwise (so
    /// the cluster's logs do not grow by a line per monitor).
    pub fn tell(&self, text: &str) {
        if self.tty {
            tracing::info!("{text}");
        } else {
            tracing::debug!("{text}");
        }
    }

    /// A monitor without an interval: Pacemaker's probe.
    pub fn is_probe(&self) -> bool {
        self.action == Action::Monitor && self.meta.is_probe()
    }

    /// Seconds left before the deadline, for messages.
    pub fn remaining(&self) -> Duration {
        self.deadline.saturating_duration_since(Instant::now())
    }
}

/// A validated invocation, ready to act.
#[derive(Debug, Clone)]
pub struct Agent {
    /// The invocation.
    pub ctx: Ctx,
    /// The validated parameters.
    pub cfg: Config,
    /// The PostgreSQL owner.
    pub pgdba: RunAs,
    /// The data directory's PG_VERSION, when readable.
    pub version: Option<PgVersion>,
}

impl Agent {
    /// How SQL reaches the server: pghost (socket directory or host), else socketdir, else
    /// the directory the running server announced, else the default; as pgdba, or for
    /// monitor_sql as monitor_user with monitor_password.
    pub fn sql_target(&self, login: Login) -> Target {
        let cfg = &self.cfg;
        let host = if cfg.pghost.starts_with('/') {
            Endpoint::Socket(cfg.pghost.clone().into())
        } else if !cfg.pghost.is_empty() {
            Endpoint::Tcp(cfg.pghost.clone())
        } else if let Some(dir) = &cfg.socketdir {
            Endpoint::Socket(dir.clone())
        } else {
            Endpoint::Socket(
                PidFile::read(&cfg.pgdata)
                    .and_then(|p| p.socket_dir)
                    .unwrap_or_else(|| DEFAULT_SOCKET_DIR.into()),
            )
        };
        let monitor = login == Login::Monitor && !cfg.monitor_user.is_empty();
        let user = if monitor {
            cfg.monitor_user.clone()
        } else {
            cfg.pgdba.clone()
        };
        Target {
            host,
            port: cfg.pgport,
            dbname: cfg.pgdb.clone(),
            user,
            password: (monitor && !cfg.monitor_password.is_empty())
                .then(|| cfg.monitor_password.clone()),
            os_user: Some(self.pgdba.clone()),
        }
        .with_pgpass(&self.pgdba.home)
    }

    /// The real world of this invocation: children, SQL to the monitor target, files.
    pub fn world(&self) -> RealWorld {
        let me = self.clone();
        RealWorld::new(
            self.cfg.pgdata.clone(),
            Some(self.pgdba.clone()),
            Some(Box::new(move |login| me.sql_target(login))),
        )
    }
}

/// This node's name as the cluster knows it, lowercased: Pacemaker's `on_node` meta
/// attribute, else `crm_node -n`, else the kernel's node name.
pub async fn node_name<W: World>(w: &mut W, ctx: &Ctx) -> String {
    if let Some(n) = &ctx.meta.on_node {
        return n.clone();
    }
    let limit = crate::clock::within(Duration::from_secs(5), ctx.deadline);
    let path = crate::config::lookup::search_path(&ctx.env);
    let spec = CommandSpec::new(crate::cluster::tool_path("crm_node", path)).arg("-n");
    if let Ok(out) = world::run_ok(w, &spec, limit).await {
        let n = out.stdout.trim();
        if !n.is_empty() {
            return n.to_lowercase();
        }
    }
    nix::sys::utsname::uname()
        .map(|u| u.nodename().to_string_lossy().to_lowercase())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deadline_is_inside_the_timeout() {
        let env = Env::from_pairs([("OCF_RESKEY_CRM_meta_timeout", "20000")]);
        let ctx = Ctx::new(env, Action::Stop);
        assert_eq!(ctx.timeout, Duration::from_secs(20));
        assert_eq!(ctx.deadline - ctx.started, Duration::from_secs(18));
        let ctx = Ctx::new(Env::default(), Action::Monitor);
        assert_eq!(ctx.timeout, Duration::from_secs(30));
        let env = Env::from_pairs([
            ("OCF_RESKEY_CRM_meta_timeout", "3000"),
            ("OCF_RESKEY_CRM_meta_interval", "0"),
            ("OCF_CHECK_LEVEL", "10"),
        ]);
        let ctx = Ctx::new(env, Action::Monitor);
        assert!(ctx.is_probe());
        assert_eq!(ctx.check_level, 10);
        assert_eq!(ctx.deadline - ctx.started, Duration::from_millis(2500));
        assert!(ctx.read_only(), "no Pacemaker variable: a monitor by hand");
    }

    #[test]
    fn pacemaker_calls_and_hand_runs() {
        for var in PACEMAKER_VARS {
            let ctx = Ctx::new(Env::from_pairs([(var, "x")]), Action::Monitor);
            assert!(ctx.by_pacemaker && !ctx.read_only(), "{var}");
        }
        let by_hand = |a| Ctx::new(Env::default(), a).read_only();
        assert!(by_hand(Action::Monitor) && by_hand(Action::Status));
        // other actions run by hand do their whole job
        assert!(!by_hand(Action::Start) && !by_hand(Action::Stop) && !by_hand(Action::Promote));
    }
}
