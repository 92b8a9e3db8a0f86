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

/// Which login a round trip uses: the agent's own SQL (replication state, reload, slots)
/// runs as pgdba; only monitor_sql runs as monitor_user (docs/contract.md §5.10).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Login {
    /// pgdba, over the same socket or host.
    Admin,
    /// monitor_user (pgdba when it is empty), with monitor_password.
    Monitor,
}

/// Where and as whom to connect.
#[derive(Debug, Clone, PartialEq, Eq)]
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
            if let Some(text) = pgpass::read(home) {
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

/// One non-blocking `connect()` as `who`: with the postmaster's accept queue full it fails
/// at once with EAGAIN instead of blocking.
fn socket_connect_once(
    path: &Path,
    who: Option<&RunAs>,
) -> std::io::Result<std::os::unix::net::UnixStream> {
    use nix::sys::socket::{self, AddressFamily, SockFlag, SockType, UnixAddr};
    use std::os::fd::AsRawFd;
    let fd = socket::socket(
        AddressFamily::Unix,
        SockType::Stream,
        SockFlag::SOCK_NONBLOCK | SockFlag::SOCK_CLOEXEC,
        None,
    )?;
    let addr = UnixAddr::new(path)?;
    let ids = EffectiveIds::switch_to(who);
    let res = socket::connect(fd.as_raw_fd(), &addr);
    drop(ids);
    res?;
    Ok(std::os::unix::net::UnixStream::from(fd))
}

/// Connects to the unix socket `path` as `who`, trying again while the accept queue is full,
/// until `deadline`.
async fn socket_connect(
    path: &Path,
    who: Option<&RunAs>,
    deadline: Instant,
) -> std::io::Result<UnixStream> {
    let pause = Duration::from_millis(50);
    loop {
        match socket_connect_once(path, who) {
            Ok(s) => return UnixStream::from_std(s),
            Err(e) if e.raw_os_error() == Some(libc::EAGAIN) => {
                if !crate::clock::has(pause, deadline) {
                    return Err(std::io::Error::new(
                        std::io::ErrorKind::TimedOut,
                        "the server's accept queue stayed full until the deadline",
                    ));
                }
                tokio::time::sleep(pause).await;
            }
            Err(e) => return Err(e),
        }
    }
}

/// Asks the server to cancel what `client` is running (a statement that reached the
/// deadline), within one second.
pub async fn cancel(client: &Client, t: &Target) {
    let token = client.cancel_token();
    let limit = crate::clock::after(Instant::now(), Duration::from_secs(1));
    let res = tokio::time::timeout_at(limit, async {
        match &t.host {
            Endpoint::Socket(dir) => {
                // a cancel request carries the backend's key, not credentials
                let path = dir.join(format!(".s.PGSQL.{}", t.port));
                let stream = UnixStream::connect(&path)
                    .await
                    .map_err(|e| e.to_string())?;
                token
                    .cancel_query_raw(stream, NoTls)
                    .await
                    .map_err(|e| e.to_string())
            }
            Endpoint::Tcp(_) => token.cancel_query(NoTls).await.map_err(|e| e.to_string()),
        }
    })
    .await;
    match res {
        Ok(Ok(())) => tracing::info!("cancelled the statement that reached the deadline"),
        Ok(Err(e)) => tracing::warn!("cannot cancel the statement: {e}"),
        Err(_) => tracing::warn!("cannot cancel the statement: no answer in time"),
    }
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
    // every statement of this connection ends by the deadline on the server side too
    let left = deadline.saturating_duration_since(Instant::now());
    let ms = u64::try_from(left.as_millis()).unwrap_or(u64::MAX).max(1);
    cfg.options(format!("-c statement_timeout={ms}"));
    let fut = async {
        match &t.host {
            Endpoint::Socket(dir) => {
                let path = dir.join(format!(".s.PGSQL.{}", t.port));
                let stream = socket_connect(&path, t.os_user.as_ref(), deadline)
                    .await
                    .map_err(|e| match e.kind() {
                        std::io::ErrorKind::TimedOut => PgError::Timeout {
                            target: target.clone(),
                        },
                        _ => PgError::Unreachable {
                            target: target.clone(),
                            detail: e.to_string(),
                        },
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
