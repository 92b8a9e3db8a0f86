//! Fake, read-only cluster tools for the black-box tests of `pgsql show` and of the agent
//! run by hand (docs/contract.md §1.5, §10): scripts first in PATH that print captured
//! output and record every call.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use crate::common::{bin, Outcome};

/// Runs the built binary with `args` (not an OCF action: `show ...`), stdin not a terminal.
pub fn run_args(args: &[&str], env: &[(String, String)]) -> Outcome {
    let t0 = Instant::now();
    let out = Command::new(bin())
        .args(args)
        .env_clear()
        .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
        .envs(env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::null())
        .output()
        .expect("run the pgsql binary");
    Outcome {
        action: args.join(" "),
        env: env.to_vec(),
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        elapsed: t0.elapsed(),
    }
}

/// A directory of fake, read-only cluster tools put first in PATH: `crm_mon` prints the
/// file `crm_mon.xml` beside them, `cibadmin` prints `cibadmin-<scope>.xml` for
/// `--scope=<scope>` (`cibadmin.xml` without one), `crm_node -n` prints `node`'s content;
/// every tool (`crm_attribute`, `attrd_updater` and `crm_resource` too, which succeed
/// silently) appends its argv to `calls.log`.
pub struct FakeTools {
    pub dir: PathBuf,
}

impl FakeTools {
    pub fn new(dir: &Path) -> FakeTools {
        use std::os::unix::fs::PermissionsExt;
        std::fs::create_dir_all(dir).unwrap();
        let d = dir.display();
        let log = format!("echo \"$(/usr/bin/basename \"$0\") $*\" >> {d}/calls.log\n");
        let tools = [
            ("crm_mon", format!("/bin/cat {d}/crm_mon.xml\n")),
            (
                "cibadmin",
                format!(
                    "scope=\nfor a in \"$@\"; do case $a in --scope=*) scope=-${{a#--scope=}};; esac; done\n/bin/cat \"{d}/cibadmin$scope.xml\"\n"
                ),
            ),
            ("crm_node", format!("/bin/cat {d}/node\n")),
            ("crm_attribute", String::new()),
            ("attrd_updater", String::new()),
            ("crm_resource", String::new()),
        ];
        for (name, body) in tools {
            let p = dir.join(name);
            std::fs::write(&p, format!("#!/bin/sh\n{log}{body}")).unwrap();
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        FakeTools {
            dir: dir.to_path_buf(),
        }
    }

    /// Writes a file the tools print.
    pub fn put(&self, name: &str, text: &str) -> &Self {
        std::fs::write(self.dir.join(name), text).unwrap();
        self
    }

    /// The PATH that finds these tools first.
    pub fn path(&self) -> String {
        format!("{}:/usr/sbin:/usr/bin:/sbin:/bin", self.dir.display())
    }

    /// The recorded calls, one `tool args...` line each.
    pub fn calls(&self) -> Vec<String> {
        std::fs::read_to_string(self.dir.join("calls.log"))
            .unwrap_or_default()
            .lines()
            .map(str::to_string)
            .collect()
    }
}
