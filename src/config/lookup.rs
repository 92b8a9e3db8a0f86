//! `pgctl` and `psql` given as a bare command name are looked up in PATH, as the
//! reference agent's `have_binary` does, and replaced by the absolute path found: the
//! agent clears the environment of its children, so the lookup happens here, once.
//! Contract: docs/contract.md §3.1 (command names), §3.2 (not installed: 5).

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use crate::error::Error;
use crate::ocf::Env;

/// The search path when the agent's own environment has no PATH (the one the agent
/// also gives its children, docs/contract.md §8).
pub const DEFAULT_PATH: &str = "/usr/sbin:/usr/bin:/sbin:/bin";

/// The agent's PATH: the environment's when set and not empty, else [`DEFAULT_PATH`].
pub fn search_path(env: &Env) -> &str {
    env.get("PATH")
        .filter(|p| !p.is_empty())
        .unwrap_or(DEFAULT_PATH)
}

/// A regular file with an execute bit (as `test -x` sees it for root).
pub fn executable(p: &Path) -> bool {
    std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// A value without `/`: a command name to look up.
pub fn is_command_name(value: &Path) -> bool {
    !value.as_os_str().is_empty() && !value.to_string_lossy().contains('/')
}

/// The first executable `<dir>/<name>` of `path` (`:`-separated). Empty and relative
/// entries are skipped: they would mean the agent's working directory, which children
/// never share (they run in `/`).
pub fn which(name: &str, path: &str) -> Option<PathBuf> {
    path.split(':')
        .filter(|d| d.starts_with('/'))
        .map(|d| Path::new(d).join(name))
        .find(|p| executable(p))
}

/// `value` of parameter `param` as the program to run: a command name becomes the path
/// `which` finds in `path` (not found: OCF_ERR_INSTALLED naming the parameter); any
/// other value is returned as given (absolute paths are checked at level 10).
pub fn program(param: &str, value: &Path, path: &str) -> Result<PathBuf, Error> {
    if !is_command_name(value) {
        return Ok(value.to_path_buf());
    }
    let name = value.to_string_lossy();
    which(&name, path).ok_or_else(|| {
        Error::not_installed(format!(
            "{name} (parameter {param}) is not installed: no executable {name} in PATH {path}"
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ocf::OcfStatus;
    use std::os::unix::fs::PermissionsExt;

    /// A temp dir with `tool` (executable), `plain` (not executable) and `sub/` (a directory).
    fn bin_dir(tag: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("pgsql-lookup-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(d.join("sub")).unwrap();
        for (name, mode) in [("tool", 0o755), ("plain", 0o644)] {
            std::fs::write(d.join(name), "#!/bin/sh\n").unwrap();
            std::fs::set_permissions(d.join(name), std::fs::Permissions::from_mode(mode)).unwrap();
        }
        d
    }

    #[test]
    fn which_takes_the_first_executable_in_path_order() {
        let (a, b) = (bin_dir("a"), bin_dir("b"));
        let path = format!("{}:{}", a.display(), b.display());
        assert_eq!(which("tool", &path), Some(a.join("tool")));
        let path = format!("/nonexistent::relative:{}:{}", b.display(), a.display());
        assert_eq!(which("tool", &path), Some(b.join("tool")));
        // not executable, a directory, missing, or only in a skipped entry: not found
        assert_eq!(which("plain", &path), None);
        assert_eq!(which("sub", &path), None);
        assert_eq!(which("nothing", &path), None);
        assert_eq!(which("tool", ""), None);
        assert_eq!(which("tool", "relative:"), None);
        let _ = std::fs::remove_dir_all(a);
        let _ = std::fs::remove_dir_all(b);
    }

    #[test]
    fn program_resolves_names_and_keeps_paths() {
        let d = bin_dir("p");
        let path = d.display().to_string();
        let got = program("pgctl", Path::new("tool"), &path).unwrap();
        assert_eq!(got, d.join("tool"));
        // an absolute path is kept as given, even when missing (level 10 reports it)
        let abs = Path::new("/nonexistent/pg_ctl");
        assert_eq!(program("pgctl", abs, &path).unwrap(), abs);
        // a relative path with a slash is not a command name: kept (level 0 refuses it)
        assert_eq!(
            program("pgctl", Path::new("bin/tool"), &path).unwrap(),
            Path::new("bin/tool")
        );
        let e = program("psql", Path::new("no_such_psql"), &path).unwrap_err();
        assert_eq!(e.status(), OcfStatus::ErrInstalled);
        let text = e.to_string();
        assert!(
            text.contains("parameter psql") && text.contains("not installed"),
            "{text}"
        );
        let _ = std::fs::remove_dir_all(d);
    }

    #[test]
    fn the_search_path_is_the_environments_or_the_standard_one() {
        assert_eq!(search_path(&Env::default()), DEFAULT_PATH);
        assert_eq!(search_path(&Env::from_pairs([("PATH", "")])), DEFAULT_PATH);
        assert_eq!(
            search_path(&Env::from_pairs([("PATH", "/opt/pg/bin")])),
            "/opt/pg/bin"
        );
        assert!(is_command_name(Path::new("pg_ctl")));
        assert!(!is_command_name(Path::new("./pg_ctl")));
        assert!(!is_command_name(Path::new("/usr/bin/pg_ctl")));
        assert!(!is_command_name(Path::new("")));
    }
}
