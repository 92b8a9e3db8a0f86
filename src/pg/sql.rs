//! SQL access with tokio-postgres: over the unix socket (as pgdba, so peer authentication
//! works even though the agent runs as root) or TCP to pghost, with a deadline on both the
//! connection and each query; failures classified by connection state and SQLSTATE.
//! Contract: docs/contract.md §5.10, §8.

use std::path::{Path, PathBuf};
use std::time::Duration;

use nix::unistd::{Gid, Uid};
use tokio::net::UnixStream;
use tokio::time::Instant;
use tokio_postgres::{Client, NoTls};

use super::PgError;
use super::{pgpass, sqlstate};
use crate::exec::RunAs;

/// Debian's compiled-in socket directory (libpq's default there).
pub const DEFAULT_SOCKET_DIR: &str = "/var/run/postgresql";

/// Where and as whom to connect.
#[derive(Debug, Clone)]
pub struct Target {
    /// Unix socket directory, or a host name for TCP.
    pub host: Endpoint,
    /// TCP port, also the suffix of the socket file name.
    pub port: u16,
    /// Database to connect to.
    pub dbname: String,
    /// Database user to log in as.
    pub user: String,
    /// Password to send; `None` when neither configured nor found in .pgpass.
    pub password: Option<String>,
    /// The OS user whose credentials the socket connection carries (peer authentication).
    pub os_user: Option<RunAs>,
}

/// How to reach the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint {
    /// The unix socket in this directory.
    Socket(PathBuf),
    /// TCP to this host name or address.
    Tcp(String),
}

impl Target {
    /// The target for messages: the socket file path or `host:port`.
    pub fn describe(&self) -> String {
        match &self.host {
            Endpoint::Socket(d) => format!("{}/.s.PGSQL.{}", d.display(), self.port),
            Endpoint::Tcp(h) => format!("{h}:{}", self.port),
        }
    }

    /// Fills the password from `<home>/.pgpass` when none was configured.
    pub fn with_pgpass(mut self, home: &Path) -> Target {
        if self.password.is_none() {
            if let Ok(text) = std::fs::read_to_string(home.join(".pgpass")) {
                let host = match &self.host {
                    Endpoint::Socket(d) if d == Path::new(DEFAULT_SOCKET_DIR) => {
                        "localhost".to_string()
                    }
                    Endpoint::Socket(d) => d.display().to_string(),
                    Endpoint::Tcp(h) => h.clone(),
                };
                self.password = pgpass::lookup(&text, &host, self.port, &self.dbname, &self.user)
                    .or_else(|| {
                        pgpass::lookup(&text, "localhost", self.port, &self.dbname, &self.user)
                    });
            }
        }
        self
    }
}

fn classify(target: &str, e: tokio_postgres::Error) -> PgError {
    let detail = e
        .as_db_error()
        .map(|d| d.message().to_string())
        .unwrap_or_else(|| e.to_string());
    match e.code().map(|c| c.code()) {
        Some(code) if sqlstate::cannot_connect_now(code) => PgError::Starting {
            target: target.into(),
            detail,
        },
        Some(code) if sqlstate::invalid_authorization(code) => PgError::Auth {
            target: target.into(),
            sqlstate: code.into(),
            detail,
        },
        _ if e.is_closed() => PgError::Unreachable {
            target: target.into(),
            detail,
        },
        _ => PgError::Other {
            target: target.into(),
            detail,
        },
    }
}

/// Switches the effective uid/gid for the duration of a socket `connect()`: the kernel
/// records the caller's credentials then, and PostgreSQL's peer authentication reads them.
struct EffectiveIds {
    uid: Uid,
    gid: Gid,
}

impl EffectiveIds {
    fn switch_to(who: Option<&RunAs>) -> Option<EffectiveIds> {
        let who = who?;
        let (uid, gid) = (Uid::effective(), Gid::effective());
        if !uid.is_root() || who.uid == uid {
            return None;
        }
        nix::unistd::setegid(who.gid).ok()?;
        if nix::unistd::seteuid(who.uid).is_err() {
            let _ = nix::unistd::setegid(gid);
            return None;
        }
        Some(EffectiveIds { uid, gid })
    }
}

impl Drop for EffectiveIds {
    fn drop(&mut self) {
        let _ = nix::unistd::seteuid(self.uid);
        let _ = nix::unistd::setegid(self.gid);
    }
}

fn socket_connect(path: &Path, who: Option<&RunAs>) -> std::io::Result<UnixStream> {
    let _ids = EffectiveIds::switch_to(who);
    // a blocking connect on a unix socket returns at once (or fails when nobody listens)
    let s = std::os::unix::net::UnixStream::connect(path)?;
    s.set_nonblocking(true)?;
    UnixStream::from_std(s)
}

/// Connects and returns a client whose connection task runs on the current runtime.
pub async fn connect(t: &Target, deadline: Instant) -> Result<Client, PgError> {
    let target = t.describe();
    let mut cfg = tokio_postgres::Config::new();
    cfg.user(&t.user)
        .dbname(&t.dbname)
        .port(t.port)
        .application_name("pgsql-ra")
        .connect_timeout(
            deadline
                .saturating_duration_since(Instant::now())
                .max(Duration::from_millis(1)),
        );
    if let Some(pw) = &t.password {
        cfg.password(pw);
    }
    let fut = async {
        match &t.host {
            Endpoint::Socket(dir) => {
                let path = dir.join(format!(".s.PGSQL.{}", t.port));
                let stream = socket_connect(&path, t.os_user.as_ref()).map_err(|e| {
                    PgError::Unreachable {
                        target: target.clone(),
                        detail: e.to_string(),
                    }
                })?;
                let (client, conn) = cfg
                    .connect_raw(stream, NoTls)
                    .await
                    .map_err(|e| classify(&target, e))?;
                tokio::spawn(conn);
                Ok(client)
            }
            Endpoint::Tcp(host) => {
                cfg.host(host);
                let (client, conn) = cfg.connect(NoTls).await.map_err(|e| classify(&target, e))?;
                tokio::spawn(conn);
                Ok(client)
            }
        }
    };
    tokio::time::timeout_at(deadline, fut)
        .await
        .unwrap_or_else(|_| {
            Err(PgError::Timeout {
                target: target.clone(),
            })
        })
}

/// Runs `sql` (simple-query protocol, so any statement or several separated by `;`) in
/// one round trip and returns the rows of each statement as text (NULL as `None`).
pub async fn result_sets(
    client: &Client,
    sql: &str,
    deadline: Instant,
) -> Result<Vec<Vec<Vec<Option<String>>>>, PgError> {
    let msgs = tokio::time::timeout_at(deadline, client.simple_query(sql))
        .await
        .map_err(|_| PgError::Timeout {
            target: format!("query {sql:?}"),
        })?
        .map_err(|e| PgError::Query {
            query: sql.to_string(),
            sqlstate: e
                .code()
                .map(|c| c.code().to_string())
                .unwrap_or_else(|| "-".into()),
            detail: e
                .as_db_error()
                .map(|d| d.message().to_string())
                .unwrap_or_else(|| e.to_string()),
        })?;
    let mut sets = Vec::new();
    let mut cur = Vec::new();
    for m in msgs {
        match m {
            tokio_postgres::SimpleQueryMessage::Row(r) => {
                cur.push((0..r.len()).map(|i| r.get(i).map(str::to_string)).collect())
            }
            tokio_postgres::SimpleQueryMessage::CommandComplete(_) => {
                sets.push(std::mem::take(&mut cur))
            }
            _ => {}
        }
    }
    if !cur.is_empty() {
        sets.push(cur);
    }
    Ok(sets)
}
