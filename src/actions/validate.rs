//! validate-all and the checks every action runs first . Level 0 is the
//! typed configuration itself (`Config::from_env`); the local checks here (level 10) look
//! at this node's files and users and change nothing.
//! Contract: docs/contract.md §3.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use crate::config::lookup::executable;
use crate::config::{Config, RepMode};
use crate::error::{Error, Result};
use crate::exec::RunAs;
use crate::fsutil;
use crate::pg::version::PgVersion;
use crate::pg::{conffile, conftree};

/// What the local checks learnt, for the action that follows.
#[derive(Debug, Clone)]
pub struct Local {
    /// The pgdba user as the passwd and group databases know it.
    pub pgdba: RunAs,
    /// The data directory's PG_VERSION; `None` when it cannot be read.
    pub version: Option<PgVersion>,
    /// Warnings an operator should see (logged by the caller).
    pub warnings: Vec<String>,
    /// The checks a probe skipped, each with the reason (told at a terminal).
    pub skipped: Vec<String>,
}

/// The configuration file must be a regular file pgdba can read; say what is wrong.
fn config_file_usable(conf: &Path, pgdba: &RunAs) -> Result<()> {
    use std::os::unix::fs::MetadataExt;
    let what = match std::fs::metadata(conf) {
        Err(e) if e.raw_os_error() == Some(libc::ENAMETOOLONG) => "has a path that is too long",
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => "does not exist",
        Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => "cannot be reached",
        Err(_) => "cannot be examined",
        Ok(m) if m.is_dir() => "is a directory",
        Ok(m) if !m.is_file() => "is not a regular file",
        Ok(m) => {
            let mode = m.permissions().mode();
            let bit = if m.uid() == pgdba.uid.as_raw() {
                0o400
            } else if m.gid() == pgdba.gid.as_raw()
                || pgdba.groups().iter().any(|g| g.as_raw() == m.gid())
            {
                0o040
            } else {
                0o004
            };
            if mode & bit != 0 && fsutil::reachable_by(conf, pgdba) {
                return Ok(());
            }
            return Err(Error::permission(format!(
                "configuration file {} cannot be read by {}",
                conf.display(),
                pgdba.name
            )));
        }
    };
    Err(Error::not_installed(format!(
        "configuration file {} {what}",
        conf.display()
    )))
}

/// The level-10 checks. `probe` relaxes what a probe on a node without the data may lack.
pub fn local_checks(cfg: &Config, probe: bool) -> Result<Local> {
    if !executable(&cfg.pgctl) {
        return Err(Error::not_installed(format!(
            "pg_ctl not found or not executable at {} (parameter pgctl)",
            cfg.pgctl.display()
        )));
    }
    if !executable(&cfg.psql) {
        return Err(Error::not_installed(format!(
            "psql not found or not executable at {} (parameter psql)",
            cfg.psql.display()
        )));
    }
    let pgdba = RunAs::lookup(&cfg.pgdba).ok_or_else(|| {
        Error::not_installed(format!(
            "user {:?} (parameter pgdba) does not exist",
            cfg.pgdba
        ))
    })?;
    if pgdba.uid.is_root() {
        return Err(Error::configured(format!(
            "pgdba {} has uid 0: PostgreSQL refuses to run as root",
            cfg.pgdba
        )));
    }
    let mut warnings = Vec::new();
    let mut skipped = Vec::new();
    if probe {
        skipped.push(format!(
            "probe: configuration file {} and data directory {} not checked (a probe may run where the storage is not mounted)",
            cfg.config.display(),
            cfg.pgdata.display()
        ));
    } else {
        config_file_usable(&cfg.config, &pgdba)?;
        if cfg.logfile.is_dir() {
            return Err(Error::configured(format!(
                "logfile {} is a directory: name a file",
                cfg.logfile.display()
            )));
        }
        if !fsutil::writable_by(&cfg.pgdata, &pgdba) {
            return Err(Error::permission(format!(
                "data directory {} is missing or not writable by {}",
                cfg.pgdata.display(),
                cfg.pgdba
            )));
        }
    }
    let version = PgVersion::read(&cfg.pgdata);
    if let Some(v) = version {
        if cfg.rep_mode != RepMode::None && v < PgVersion::new(9, 1) {
            return Err(Error::not_installed(format!(
                "replication needs PostgreSQL 9.1 or later; {} has {v}",
                cfg.pgdata.display()
            )));
        }
        if !cfg.replication_slot_name.is_empty() && v < PgVersion::new(9, 4) {
            return Err(Error::configured(format!(
                "replication slots need PostgreSQL 9.4 or later; {} has {v}",
                cfg.pgdata.display()
            )));
        }
    }
    // the setting may live in an included file (Debian keeps conf.d)
    let read = |p: &Path| fsutil::read_trusted(p, fsutil::MAX_TEXT).ok();
    let list = |d: &Path| -> Vec<String> {
        std::fs::read_dir(d)
            .map(|rd| {
                rd.flatten()
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default()
    };
    let names = ["unix_socket_directories", "unix_socket_directory"];
    let socket_setting = conftree::settings(&cfg.config, &names, &read, &list)
        .iter()
        .zip(names)
        .find_map(|(v, name)| v.as_ref().map(|_| name));
    if let (Some(name), None) = (socket_setting, &cfg.socketdir) {
        return Err(Error::configured(format!(
            "{} (or a file it includes) sets {name}: set the socketdir parameter to the same directory",
            cfg.config.display()
        )));
    }
    if cfg.rep_mode.uses_recovery_config() {
        if !fsutil::dir_preparable(&cfg.tmpdir, &pgdba) {
            return Err(Error::permission(format!(
                "tmpdir {} cannot be created or is not writable",
                cfg.tmpdir.display()
            )));
        }
        if let Ok(auto) =
            fsutil::read_small(&cfg.pgdata.join("postgresql.auto.conf"), fsutil::MAX_TEXT)
        {
            for name in ["primary_conninfo", "synchronous_standby_names"] {
                if conffile::setting(&auto, name).is_some() {
                    warnings.push(format!(
                        "postgresql.auto.conf sets {name}, which overrides the value this agent writes; remove it with ALTER SYSTEM RESET {name}"
                    ));
                }
            }
        }
    }
    Ok(Local {
        pgdba,
        version,
        warnings,
        skipped,
    })
}
