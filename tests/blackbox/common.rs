//! Shared helpers for the black-box tests: real PostgreSQL clusters (Debian's 15 unless
//! `PGSQL_TEST_PGBIN` names another major's binaries, docs/support.md) made with initdb in
//! temp directories (socket-only, so every test has its own port), and a runner for the
//! built `pgsql` binary that prints the whole call when an expectation fails.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU16, Ordering};

pub use crate::fakes::{run_args, FakeTools};
use std::time::{Duration, Instant};

/// The server programs (initdb, pg_ctl, postgres) unless `PGSQL_TEST_PGBIN` names others.
pub const DEFAULT_PGBIN: &str = "/usr/lib/postgresql/15/bin";
pub const ROOT: &str = "/tmp/pgsql-ra-tests";

/// The directory of the server programs the tests run: `PGSQL_TEST_PGBIN` (another
/// major, tests/versions.sh), else [`DEFAULT_PGBIN`].
pub fn pgbin() -> String {
    std::env::var("PGSQL_TEST_PGBIN")
        .ok()
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| DEFAULT_PGBIN.to_string())
}

/// The directory of the client programs (psql, pg_basebackup): `PGSQL_TEST_CLIENTBIN`, for
/// server binaries that come without them (psql and pg_basebackup work with servers of
/// their own or an older major), else [`pgbin`].
pub fn clientbin() -> String {
    std::env::var("PGSQL_TEST_CLIENTBIN")
        .ok()
        .filter(|v| !v.is_empty())
        .unwrap_or_else(pgbin)
}

/// The major version of [`pgbin`]'s server (`postgres --version`), asked once.
pub fn pg_major() -> u32 {
    static MAJOR: std::sync::OnceLock<u32> = std::sync::OnceLock::new();
    *MAJOR.get_or_init(|| {
        let out = sh(Command::new(Path::new(&pgbin()).join("postgres")).arg("--version"));
        // "postgres (PostgreSQL) 15.14 (Debian 15.14-0+deb12u1)"
        out.split_whitespace()
            .nth(2)
            .and_then(|v| v.split('.').next())
            .and_then(|m| m.parse().ok())
            .unwrap_or_else(|| panic!("cannot read the major from {out:?}"))
    })
}

pub fn bin() -> String {
    // PGSQL_AGENT_BIN runs the tests against another build (e.g. to show that a
    // regression test fails on an older agent)
    std::env::var("PGSQL_AGENT_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_pgsql").to_string())
}

/// These tests run PostgreSQL as the `postgres` user and so need root.
pub fn require_root() {
    assert!(
        nix_is_root(),
        "the black-box tests need root (they run PostgreSQL as user postgres); CI runs them as root"
    );
    let (server, client) = (pgbin(), clientbin());
    assert!(
        Path::new(&server).join("initdb").exists(),
        "{server}/initdb is missing: apt-get install postgresql-15 (packaging/deps.sh does it), \
         or for PGSQL_TEST_PGBIN of another major tests/versions/fetch.sh"
    );
    assert!(
        Path::new(&client).join("psql").exists(),
        "{client}/psql is missing: point PGSQL_TEST_CLIENTBIN at a directory with psql and \
         pg_basebackup (tests/versions/fetch.sh fetches one)"
    );
}

fn nix_is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .map(|l| l.split_whitespace().nth(2) == Some("0"))
        })
        .unwrap_or(false)
}

/// One finished call of the agent.
#[derive(Debug)]
pub struct Outcome {
    pub action: String,
    pub env: Vec<(String, String)>,
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    pub elapsed: Duration,
}

impl Outcome {
    pub fn dump(&self) -> String {
        let env: Vec<String> = self
            .env
            .iter()
            .map(|(k, v)| format!("  {k}={v:?}"))
            .collect();
        format!(
            "action: {}\nexit code: {}\nelapsed: {:.2?}\nenv:\n{}\nstdout:\n{}\nstderr:\n{}",
            self.action,
            self.code,
            self.elapsed,
            env.join("\n"),
            self.stdout,
            self.stderr
        )
    }

    /// Panics with the whole call unless the exit code is `code`.
    #[track_caller]
    pub fn expect(&self, code: i32) -> &Self {
        assert_eq!(self.code, code, "unexpected exit code\n{}", self.dump());
        self
    }

    /// The text of the `ocf-exit-reason:` line, if any.
    pub fn reason(&self) -> Option<String> {
        self.stderr
            .lines()
            .find_map(|l| l.strip_prefix("ocf-exit-reason:"))
            .map(str::to_string)
    }

    #[track_caller]
    pub fn expect_reason(&self, needle: &str) -> &Self {
        let r = self.reason().unwrap_or_default();
        assert!(
            r.contains(needle),
            "exit reason lacks {needle:?}\n{}",
            self.dump()
        );
        self
    }
}

/// Runs the agent with exactly `env` (plus PATH), stdin not a terminal.
pub fn run_agent(action: &str, env: &[(String, String)]) -> Outcome {
    run_with(action, env, None)
}

/// Like [`run_agent`], with one more variable whose value is raw bytes (not UTF-8).
pub fn run_agent_raw(action: &str, env: &[(String, String)], key: &str, value: &[u8]) -> Outcome {
    run_with(action, env, Some((key, value)))
}

/// Like [`run_agent`], with a pseudo-terminal on stdin (an operator at a shell).
pub fn run_agent_tty(action: &str, env: &[(String, String)]) -> Outcome {
    let pty = nix::pty::openpty(None, None).expect("openpty");
    let out = run_cmd(action, env, None, Stdio::from(pty.slave));
    drop(pty.master);
    out
}

fn run_with(action: &str, env: &[(String, String)], raw: Option<(&str, &[u8])>) -> Outcome {
    run_cmd(action, env, raw, Stdio::null())
}

fn run_cmd(
    action: &str,
    env: &[(String, String)],
    raw: Option<(&str, &[u8])>,
    stdin: Stdio,
) -> Outcome {
    use std::os::unix::ffi::OsStrExt;
    let t0 = Instant::now();
    let mut cmd = Command::new(bin());
    cmd.arg(action)
        .env_clear()
        .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
        .envs(env.iter().map(|(k, v)| (k, v)))
        .stdin(stdin);
    let mut shown = env.to_vec();
    if let Some((key, value)) = raw {
        cmd.env(key, std::ffi::OsStr::from_bytes(value));
        shown.push((key.to_string(), String::from_utf8_lossy(value).into_owned()));
    }
    let out = cmd.output().expect("run the pgsql binary");
    Outcome {
        action: action.to_string(),
        env: shown,
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        elapsed: t0.elapsed(),
    }
}

static NEXT_PORT: AtomicU16 = AtomicU16::new(0);

/// A PostgreSQL cluster of its own: initdb'd in a temp dir owned by postgres, listening
/// only on a unix socket in that dir, with the agent parameters that manage it.
pub struct PgCluster {
    pub dir: PathBuf,
    pub data: PathBuf,
    pub port: u16,
    pub params: BTreeMap<String, String>,
    pub meta: BTreeMap<String, String>,
}

pub fn sh(cmd: &mut Command) -> String {
    let out = cmd.output().expect("spawn");
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

impl PgCluster {
    pub fn new(name: &str) -> PgCluster {
        PgCluster::with_initdb(name, &["-A", "trust"])
    }

    /// initdb with `args` (authentication options and the like).
    pub fn with_initdb(name: &str, args: &[&str]) -> PgCluster {
        require_root();
        let dir = PathBuf::from(ROOT).join(format!("{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        sh(Command::new("chmod").arg("755").arg(ROOT));
        sh(Command::new("chown").arg("postgres:postgres").arg(&dir));
        let data = dir.join("data");
        // --no-instructions exists since PostgreSQL 14
        let quiet: &[&str] = if pg_major() >= 14 {
            &["--no-instructions"]
        } else {
            &[]
        };
        sh(Command::new("runuser")
            .args(["-u", "postgres", "--"])
            .arg(Path::new(&pgbin()).join("initdb"))
            .arg("-D")
            .arg(&data)
            .args(["-U", "postgres", "--no-sync"])
            .args(quiet)
            .args(args));
        // socket-only: the port just names the socket file in our own directory
        let port = 50_000
            + (std::process::id() % 1000) as u16 * 10
            + NEXT_PORT.fetch_add(1, Ordering::SeqCst) % 10;
        let mut conf = std::fs::OpenOptions::new()
            .append(true)
            .open(data.join("postgresql.conf"))
            .unwrap();
        use std::io::Write;
        writeln!(
            conf,
            "listen_addresses = ''\nunix_socket_directories = '{}'\nfsync = off\nshared_buffers = 16MB\nmax_wal_senders = 2",
            dir.display()
        )
        .unwrap();
        let mut params = BTreeMap::new();
        for (k, v) in [
            ("pgctl", format!("{}/pg_ctl", pgbin())),
            ("psql", format!("{}/psql", clientbin())),
            ("pgdata", data.display().to_string()),
            ("pgport", port.to_string()),
            ("socketdir", dir.display().to_string()),
            ("logfile", dir.join("postgres.log").display().to_string()),
            ("tmpdir", dir.join("tmp").display().to_string()),
        ] {
            params.insert(k.to_string(), v);
        }
        let mut meta = BTreeMap::new();
        meta.insert("timeout".to_string(), "30000".to_string());
        // a recurring monitor unless a test asks for a probe (interval 0 or unset)
        meta.insert("interval".to_string(), "10000".to_string());
        PgCluster {
            dir,
            data,
            port,
            params,
            meta,
        }
    }

    pub fn set(&mut self, k: &str, v: &str) -> &mut Self {
        self.params.insert(k.to_string(), v.to_string());
        self
    }

    pub fn unset(&mut self, k: &str) -> &mut Self {
        self.params.remove(k);
        self
    }

    pub fn set_meta(&mut self, k: &str, v: &str) -> &mut Self {
        self.meta.insert(k.to_string(), v.to_string());
        self
    }

    pub fn unset_meta(&mut self, k: &str) -> &mut Self {
        self.meta.remove(k);
        self
    }

    pub fn env(&self) -> Vec<(String, String)> {
        let mut env: Vec<(String, String)> = self
            .params
            .iter()
            .map(|(k, v)| (format!("OCF_RESKEY_{k}"), v.clone()))
            .collect();
        env.extend(
            self.meta
                .iter()
                .map(|(k, v)| (format!("OCF_RESKEY_CRM_meta_{k}"), v.clone())),
        );
        env.push(("OCF_RESOURCE_INSTANCE".into(), "pgsql".into()));
        env.push(("OCF_ROOT".into(), "/usr/lib/ocf".into()));
        env
    }

    pub fn agent(&self, action: &str) -> Outcome {
        run_agent(action, &self.env())
    }

    /// The agent with extra environment entries on top of this cluster's.
    pub fn agent_with(&self, action: &str, extra: &[(&str, &str)]) -> Outcome {
        let mut env = self.env();
        env.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        run_agent(action, &env)
    }

    pub fn postmaster_pid(&self) -> Option<i32> {
        let text = std::fs::read_to_string(self.data.join("postmaster.pid")).ok()?;
        let pid: i32 = text.lines().next()?.trim().parse().ok()?;
        Path::new(&format!("/proc/{pid}")).exists().then_some(pid)
    }

    /// Runs SQL through psql as postgres over this cluster's socket.
    pub fn psql(&self, sql: &str) -> Result<String, String> {
        let out = Command::new("runuser")
            .args(["-u", "postgres", "--"])
            .arg(Path::new(&clientbin()).join("psql"))
            .arg("-h")
            .arg(&self.dir)
            .args([
                "-p",
                &self.port.to_string(),
                "-d",
                "postgres",
                "-XAtq",
                "-v",
                "ON_ERROR_STOP=1",
                "-c",
                sql,
            ])
            .output()
            .map_err(|e| e.to_string())?;
        if out.status.success() {
            Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
        } else {
            Err(String::from_utf8_lossy(&out.stderr).into_owned())
        }
    }

    pub fn append_conf(&self, line: &str) {
        use std::io::Write;
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(self.data.join("postgresql.conf"))
            .unwrap();
        writeln!(f, "{line}").unwrap();
    }

    pub fn signal(&self, pid: i32, sig: &str) {
        sh(Command::new("kill")
            .arg(format!("-{sig}"))
            .arg(pid.to_string()));
    }

    /// Polls `f` every 100 ms until it is true or `limit` passes.
    pub fn wait_until(limit: Duration, mut f: impl FnMut() -> bool) -> bool {
        let t0 = Instant::now();
        while t0.elapsed() < limit {
            if f() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        f()
    }
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        // stop what we started, by its pid: resume it if stopped, then kill it
        if let Some(pid) = self.postmaster_pid() {
            let _ = Command::new("kill")
                .arg("-CONT")
                .arg(pid.to_string())
                .status();
            let _ = Command::new("kill")
                .arg("-KILL")
                .arg(pid.to_string())
                .status();
            PgCluster::wait_until(Duration::from_secs(10), || {
                !Path::new(&format!("/proc/{pid}")).exists()
            });
        }
        if std::env::var_os("KEEP").is_none() {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// Every file under `dir` with its size, mode and contents, to prove nothing changed.
pub fn snapshot(dir: &Path) -> BTreeMap<PathBuf, (u32, Vec<u8>)> {
    use std::os::unix::fs::PermissionsExt;
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let meta = std::fs::symlink_metadata(&d).unwrap();
        out.insert(d.clone(), (meta.permissions().mode(), Vec::new()));
        for e in std::fs::read_dir(&d).unwrap() {
            let e = e.unwrap();
            let p = e.path();
            let m = e.metadata().unwrap();
            if m.is_dir() {
                stack.push(p);
            } else {
                out.insert(
                    p.clone(),
                    (
                        m.permissions().mode(),
                        std::fs::read(&p).unwrap_or_default(),
                    ),
                );
            }
        }
    }
    out
}
