//! pg_ctl as the PostgreSQL owner: the argv of start, stop and promote. pg_ctl hands the
//! server command line to /bin/sh itself, so every word of `-o` is shell-quoted here and
//! paths that pg_ctl embeds in double quotes are refused by validation.
//! Contract: docs/contract.md §4.1, §4.2, §8.

use std::ffi::OsString;

use crate::config::Config;
use crate::exec::{CommandSpec, RunAs};
use crate::words::sh_quote;

/// The shutdown mode passed to `pg_ctl stop -m`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopMode {
    /// Disconnect clients, roll back open transactions and shut down cleanly.
    Fast,
    /// Quit at once; the next start runs crash recovery.
    Immediate,
}

impl StopMode {
    /// The mode as pg_ctl spells it after `-m`.
    pub fn name(self) -> &'static str {
        match self {
            StopMode::Fast => "fast",
            StopMode::Immediate => "immediate",
        }
    }
}

/// The server options given through `pg_ctl -o`, one shell-quoted word each. The socket
/// directory stays whatever postgresql.conf says (socketdir only tells us where to look).
pub fn server_options(cfg: &Config) -> String {
    let mut words: Vec<String> = vec![
        "-p".into(),
        cfg.pgport.to_string(),
        "-c".into(),
        format!("config_file={}", cfg.config.display()),
    ];
    if !cfg.pghost.is_empty() {
        words.push("-h".into());
        words.push(cfg.pghost.clone());
    }
    words.extend(cfg.start_opt.iter().cloned());
    words
        .iter()
        .map(|w| sh_quote(w))
        .collect::<Vec<_>>()
        .join(" ")
}

fn base(cfg: &Config, who: &RunAs) -> CommandSpec {
    let mut ld = cfg.pglibs.clone();
    if ld.is_empty() {
        ld = "/usr/lib".into();
    }
    CommandSpec::new(&cfg.pgctl)
        .args(cfg.ctl_opt.iter().map(OsString::from))
        .env("LD_LIBRARY_PATH", ld)
        .env("PGPORT", cfg.pgport.to_string())
        .run_as(Some(who))
}

/// `pg_ctl -W -D <pgdata> -l <logfile> -o '<opts>' start`: returns once the server forked.
pub fn start(cfg: &Config, who: &RunAs) -> CommandSpec {
    base(cfg, who)
        .arg("-W")
        .arg("-D")
        .arg(&cfg.pgdata)
        .arg("-l")
        .arg(&cfg.logfile)
        .arg("-o")
        .arg(server_options(cfg))
        .arg("start")
}

/// `pg_ctl -W -D <pgdata> stop -m <mode>`: sends the shutdown signal and returns.
pub fn stop(cfg: &Config, who: &RunAs, mode: StopMode) -> CommandSpec {
    base(cfg, who)
        .arg("-W")
        .arg("-D")
        .arg(&cfg.pgdata)
        .arg("stop")
        .arg("-m")
        .arg(mode.name())
}

/// `pg_ctl -W -D <pgdata> promote`: asks a standby to become primary and returns.
pub fn promote(cfg: &Config, who: &RunAs) -> CommandSpec {
    base(cfg, who)
        .arg("-W")
        .arg("-D")
        .arg(&cfg.pgdata)
        .arg("promote")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ocf::{Env, Meta};
    use crate::words::split;

    #[test]
    fn options_survive_the_shell_pg_ctl_uses() {
        let env = Env::from_pairs([
            ("OCF_RESKEY_start_opt", "-c 'cluster_name=a b' -c x=$(id)"),
            ("OCF_RESKEY_socketdir", "/run/pg it's"),
            ("OCF_RESKEY_pgport", "5999"),
            ("OCF_RESKEY_config", "/etc/pg/post`gres`.conf"),
        ]);
        let cfg = Config::from_env(&env, &Meta::default()).unwrap();
        let o = server_options(&cfg);
        assert_eq!(
            split(&o).unwrap(),
            vec![
                "-p",
                "5999",
                "-c",
                "config_file=/etc/pg/post`gres`.conf",
                "-c",
                "cluster_name=a b",
                "-c",
                "x=$(id)"
            ]
        );
        let who = RunAs::lookup("root").unwrap();
        let s = start(&cfg, &who);
        assert_eq!(s.args.last().unwrap(), "start");
        assert!(s
            .display()
            .contains("-W -D /var/lib/pgsql/data -l /dev/null -o"));
        assert_eq!(
            stop(&cfg, &who, StopMode::Immediate).display(),
            "/usr/bin/pg_ctl -W -D /var/lib/pgsql/data stop -m immediate"
        );
    }
}
