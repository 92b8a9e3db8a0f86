//! The one way the agent runs a child process: an argv (never a shell), a cleared
//! environment plus what the tool needs, the pgdba uid/gid and groups for PostgreSQL
//! tools, and a deadline after which the child is killed and the call fails.
//! Contract: docs/contract.md §8.

use std::ffi::{CString, OsString};
use std::path::PathBuf;
use std::process::{ExitStatus, Stdio};
use std::time::Duration;

use nix::unistd::{Gid, Uid};
use tokio::io::AsyncReadExt;
use tokio::time::Instant;

/// PATH given to every child: system directories only.
const SAFE_PATH: &str = "/usr/sbin:/usr/bin:/sbin:/bin";

/// An OS identity to run a child as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunAs {
    /// User name; the child gets it as USER and LOGNAME.
    pub name: String,
    /// User id the child switches to.
    pub uid: Uid,
    /// Primary group id the child switches to.
    pub gid: Gid,
    /// Supplementary groups the child gets (from the group database), looked up on first
    /// use: most actions never need them, and the lookup is the slowest part of a start.
    pub groups: std::sync::OnceLock<Vec<Gid>>,
    /// Home directory from passwd; the child gets it as HOME.
    pub home: PathBuf,
}

impl RunAs {
    /// Looks the user up (passwd; the group database when [`RunAs::groups`] is first asked).
    pub fn lookup(name: &str) -> Option<RunAs> {
        let user = nix::unistd::User::from_name(name).ok().flatten()?;
        Some(RunAs {
            name: name.to_string(),
            uid: user.uid,
            gid: user.gid,
            groups: Default::default(),
            home: user.dir,
        })
    }

    /// The supplementary groups (the primary group alone when the lookup fails).
    pub fn groups(&self) -> &[Gid] {
        self.groups.get_or_init(|| {
            CString::new(self.name.as_str())
                .ok()
                .and_then(|c| nix::unistd::getgrouplist(&c, self.gid).ok())
                .unwrap_or_else(|| vec![self.gid])
        })
    }
}

/// Why running a child failed.
#[derive(Debug, thiserror::Error)]
pub enum ExecError {
    /// The child could not be started, or waiting for it failed.
    #[error("cannot run {program}: {source}")]
    Spawn {
        /// Path of the program.
        program: String,
        /// The operating system error.
        #[source]
        source: std::io::Error,
    },
    /// The deadline passed before the child exited; it was killed.
    #[error("{program} did not finish within {after:.1?}; killed")]
    TimedOut {
        /// Path of the program.
        program: String,
        /// How long the child had been running when it was killed.
        after: Duration,
    },
    /// The child exited unsuccessfully (only from [`CommandSpec::run_ok`]).
    #[error("{program} failed ({status}): {stderr}")]
    Failed {
        /// Path of the program.
        program: String,
        /// The exit status as text, for example `exit status: 1`.
        status: String,
        /// The child's stderr, trimmed.
        stderr: String,
    },
}

/// What a finished child left behind.
#[derive(Debug, Clone)]
pub struct Output {
    /// How the child exited.
    pub status: ExitStatus,
    /// Everything the child wrote to stdout, invalid UTF-8 replaced.
    pub stdout: String,
    /// Everything the child wrote to stderr, invalid UTF-8 replaced.
    pub stderr: String,
}

impl Output {
    /// True when the child exited with status 0.
    pub fn success(&self) -> bool {
        self.status.success()
    }
}

/// A child process to run.
#[derive(Debug, Clone)]
pub struct CommandSpec {
    /// Path of the program to execute (no PATH search by a shell).
    pub program: PathBuf,
    /// Arguments after the program name.
    pub args: Vec<OsString>,
    /// Variables set on top of the cleared environment (PATH and LC_ALL=C).
    pub env: Vec<(String, String)>,
    /// Identity to run as: sets USER, LOGNAME and HOME, and the uid, gid and groups
    /// when the agent is root and the uid differs; `None` runs as the agent's own user.
    pub run_as: Option<RunAs>,
    /// Working directory; `None` means `/`.
    pub cwd: Option<PathBuf>,
}

impl CommandSpec {
    /// A command running `program` with no arguments, no extra environment, as the
    /// agent's own user, in `/`.
    pub fn new(program: impl Into<PathBuf>) -> CommandSpec {
        CommandSpec {
            program: program.into(),
            args: Vec::new(),
            env: Vec::new(),
            run_as: None,
            cwd: None,
        }
    }

    /// Appends one argument.
    pub fn arg(mut self, a: impl Into<OsString>) -> Self {
        self.args.push(a.into());
        self
    }

    /// Appends several arguments.
    pub fn args<I, A>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = A>,
        A: Into<OsString>,
    {
        self.args.extend(args.into_iter().map(Into::into));
        self
    }

    /// Adds an environment variable for the child.
    pub fn env(mut self, k: &str, v: impl Into<String>) -> Self {
        self.env.push((k.to_string(), v.into()));
        self
    }

    /// Sets the identity to run as (`None`: the agent's own user).
    pub fn run_as(mut self, who: Option<&RunAs>) -> Self {
        self.run_as = who.cloned();
        self
    }

    /// How the command reads in a log line: program and arguments, space separated.
    pub fn display(&self) -> String {
        let mut s = self.program.display().to_string();
        for a in &self.args {
            s.push(' ');
            s.push_str(&a.to_string_lossy());
        }
        s
    }

    fn program_name(&self) -> String {
        self.program.display().to_string()
    }

    /// Runs the child to completion or until `deadline`; a non-zero exit is not an error
    /// here (see [`CommandSpec::run_ok`]).
    pub async fn run(&self, deadline: Instant) -> Result<Output, ExecError> {
        let started = Instant::now();
        let mut cmd = tokio::process::Command::new(&self.program);
        cmd.args(&self.args)
            .env_clear()
            .env("PATH", SAFE_PATH)
            .env("LC_ALL", "C")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        cmd.current_dir(self.cwd.clone().unwrap_or_else(|| PathBuf::from("/")));
        if let Some(who) = &self.run_as {
            cmd.env("USER", &who.name)
                .env("LOGNAME", &who.name)
                .env("HOME", &who.home);
            if Uid::effective().is_root() && who.uid != Uid::effective() {
                let (uid, gid, groups) = (who.uid, who.gid, who.groups().to_vec());
                // SAFETY: only async-signal-safe system calls run between fork and exec.
                unsafe {
                    cmd.pre_exec(move || {
                        nix::unistd::setgroups(&groups)?;
                        nix::unistd::setgid(gid)?;
                        nix::unistd::setuid(uid)?;
                        Ok(())
                    });
                }
            }
        }
        if Instant::now() >= deadline {
            // never start what has no time left to finish
            return Err(ExecError::TimedOut {
                program: self.program_name(),
                after: Duration::ZERO,
            });
        }
        // its own process group, so a timeout ends everything it started (a daemon that
        // detaches with setsid, like the postmaster pg_ctl launches, is not in it)
        cmd.process_group(0);
        tracing::debug!("running {}", self.display());
        let mut child = cmd.spawn().map_err(|source| ExecError::Spawn {
            program: self.program_name(),
            source,
        })?;
        let mut out = child.stdout.take();
        let mut err = child.stderr.take();
        let read_out = tokio::spawn(async move {
            let mut s = Vec::new();
            if let Some(o) = out.as_mut() {
                let _ = o.read_to_end(&mut s).await;
            }
            s
        });
        let read_err = tokio::spawn(async move {
            let mut s = Vec::new();
            if let Some(e) = err.as_mut() {
                let _ = e.read_to_end(&mut s).await;
            }
            s
        });
        let status = match tokio::time::timeout_at(deadline, child.wait()).await {
            Ok(Ok(status)) => status,
            Ok(Err(source)) => {
                return Err(ExecError::Spawn {
                    program: self.program_name(),
                    source,
                })
            }
            Err(_) => {
                if let Some(pid) = child.id().and_then(|p| i32::try_from(p).ok()) {
                    let _ = nix::sys::signal::killpg(
                        nix::unistd::Pid::from_raw(pid),
                        nix::sys::signal::Signal::SIGKILL,
                    );
                }
                let _ = child.start_kill();
                let _ = child.wait().await;
                return Err(ExecError::TimedOut {
                    program: self.program_name(),
                    after: started.elapsed(),
                });
            }
        };
        // A daemon the child left behind may hold the pipes open: read what is there.
        let grace = crate::clock::after(Instant::now(), Duration::from_millis(300));
        let stdout = tokio::time::timeout_at(grace, read_out)
            .await
            .ok()
            .and_then(Result::ok)
            .unwrap_or_default();
        let stderr = tokio::time::timeout_at(grace, read_err)
            .await
            .ok()
            .and_then(Result::ok)
            .unwrap_or_default();
        Ok(Output {
            status,
            stdout: String::from_utf8_lossy(&stdout).into_owned(),
            stderr: String::from_utf8_lossy(&stderr).into_owned(),
        })
    }

    /// Like [`CommandSpec::run`], and a non-zero exit becomes `ExecError::Failed` with the
    /// child's stderr.
    pub async fn run_ok(&self, deadline: Instant) -> Result<Output, ExecError> {
        let out = self.run(deadline).await?;
        if out.success() {
            Ok(out)
        } else {
            Err(ExecError::Failed {
                program: self.program_name(),
                status: out.status.to_string(),
                stderr: out.stderr.trim().to_string(),
            })
        }
    }
}

#[cfg(test)]
mod tests;
