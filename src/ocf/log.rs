//! Logging as resource-agents does it: plain lines on stderr when run from a terminal;
//! otherwise syslog (journald with instance/action fields when it runs) tagged
//! `pgsql(<instance>)[<pid>]`, honouring HA_LOGFACILITY, HA_LOGFILE, HA_DEBUGLOG, HA_debug;
//! lines in files and on stderr dated as ocf-shellfuncs dates them (`logtime.rs`).
//! Contract: docs/contract.md §1.4.

use std::fmt::Write as _;
use std::io::Write as _;
use std::os::unix::net::UnixDatagram;
use std::path::PathBuf;
use std::sync::Mutex;

use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::layer::{Context, Layer};
use tracing_subscriber::prelude::*;

use super::action::Action;
use super::env::{Env, Instance};
use super::logtime::{echo_joined, LogClock};

const JOURNALD_SOCKET: &str = "/run/systemd/journal/socket";
const SYSLOG_SOCKET: &str = "/dev/log";

/// Where log lines go, decided once from the environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogPlan {
    /// `pgsql(<instance>)[<pid>]`: the syslog tag, also written into log file lines.
    pub tag: String,
    /// Run from a terminal: plain lines on stderr and nowhere else.
    pub tty: bool,
    /// syslog facility code (already shifted), `None` when HA_LOGFACILITY is unset or `none`
    pub facility: Option<u8>,
    /// HA_LOGFILE: file each line is appended to, with a timestamp.
    pub logfile: Option<PathBuf>,
    /// HA_DEBUGLOG: a further file each line is appended to.
    pub debuglog: Option<PathBuf>,
    /// HA_debug set and not `0`: debug lines are written too.
    pub debug: bool,
}

/// syslog facility names as logger(1) accepts them.
fn facility_code(name: &str) -> Option<u8> {
    let n = match name {
        "kern" => 0,
        "user" => 1,
        "mail" => 2,
        "daemon" => 3,
        "auth" | "security" => 4,
        "syslog" => 5,
        "lpr" => 6,
        "news" => 7,
        "uucp" => 8,
        "cron" => 9,
        "authpriv" => 10,
        "ftp" => 11,
        "local0" => 16,
        "local1" => 17,
        "local2" => 18,
        "local3" => 19,
        "local4" => 20,
        "local5" => 21,
        "local6" => 22,
        "local7" => 23,
        _ => return None,
    };
    Some(n << 3)
}

impl LogPlan {
    /// The plan for this process; an unknown HA_LOGFACILITY name means `daemon`.
    pub fn from_env(env: &Env, instance: &Instance, tty: bool) -> LogPlan {
        let nonempty = |k: &str| env.get(k).filter(|v| !v.is_empty());
        let facility = nonempty("HA_LOGFACILITY")
            .filter(|v| *v != "none")
            .map(|v| facility_code(v).unwrap_or(3 << 3));
        LogPlan {
            tag: format!(
                "pgsql({})[{}]",
                one_line(&instance.full),
                std::process::id()
            ),
            tty,
            facility,
            logfile: nonempty("HA_LOGFILE").map(PathBuf::from),
            debuglog: nonempty("HA_DEBUGLOG").map(PathBuf::from),
            debug: nonempty("HA_debug").is_some_and(|v| v != "0"),
        }
    }

    /// True when a line of this level is written anywhere at all.
    fn wants(&self, level: Level) -> bool {
        level != Level::DEBUG || self.debug
    }
}

fn level_word(level: Level) -> &'static str {
    match level {
        Level::ERROR => "ERROR",
        Level::WARN => "WARNING",
        Level::INFO => "INFO",
        _ => "DEBUG",
    }
}

fn syslog_severity(level: Level) -> u8 {
    match level {
        Level::ERROR => 3,
        Level::WARN => 4,
        Level::INFO => 6,
        _ => 7,
    }
}

struct MessageVisitor(String);

impl Visit for MessageVisitor {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            let _ = write!(self.0, "{value:?}");
        } else {
            let _ = write!(self.0, " {}={value:?}", field.name());
        }
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.0.push_str(value);
        } else {
            let _ = write!(self.0, " {}={value}", field.name());
        }
    }
}

/// Writes each event to the places the plan names (except journald, its own layer).
struct OcfLayer {
    plan: LogPlan,
    /// HA_DATEFMT in local time, for the lines that carry a date (syslog dates its own).
    clock: LogClock,
    syslog: Option<Mutex<UnixDatagram>>,
    /// journald gets the lines through its own layer.
    journald: bool,
}

/// A line on stderr; a closed stderr is ignored (logging never panics).
fn to_stderr(line: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr().lock(), "{line}");
}

/// Control characters (a line break in OCF_RESOURCE_INSTANCE or in a message) written as
/// escapes, so nothing can forge a log line.
pub fn one_line(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() && c != '\t' => out.push_str(&format!("\\x{:02x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out
}

/// Appends a line to a log file; false when it cannot (a directory, no permission), so the
/// caller writes the line somewhere else instead of dropping it.
fn append(path: &PathBuf, line: &str) -> bool {
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .and_then(|mut f| f.write_all(line.as_bytes()))
        .is_ok()
}

impl<S: Subscriber> Layer<S> for OcfLayer {
    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        let level = *event.metadata().level();
        if !self.plan.wants(level) {
            return;
        }
        let mut v = MessageVisitor(String::new());
        event.record(&mut v);
        let text = format!("{}: {}", level_word(level), one_line(&v.0));
        let plan = &self.plan;
        if plan.tty {
            to_stderr(&text);
            return;
        }
        if let (Some(fac), Some(sock)) = (plan.facility, &self.syslog) {
            let msg = format!("<{}>{}: {}", fac | syslog_severity(level), plan.tag, text);
            if let Ok(s) = sock.lock() {
                let _ = s.send(msg.as_bytes());
            }
        }
        let mut written = plan.facility.is_some() && (self.syslog.is_some() || self.journald);
        // the lines ocf-shellfuncs' ha_log writes, with `date "+$HA_DATEFMT"` where it has it
        let dated = plan.logfile.is_some() || plan.debuglog.is_some() || !written;
        let date = if dated {
            self.clock.now()
        } else {
            String::new()
        };
        if let Some(f) = &plan.logfile {
            let line = echo_joined("", &date, &format!(" {}:    {text}", plan.tag));
            if append(f, &format!("{line}\n")) {
                written = true;
            } else {
                let warning = format!(
                    " {}: WARNING: cannot append to HA_LOGFILE {}",
                    plan.tag,
                    one_line(&f.display().to_string())
                );
                to_stderr(&echo_joined("", &date, &warning));
            }
        }
        if !written {
            to_stderr(&echo_joined("", &date, &text));
        }
        if let Some(f) = &plan.debuglog {
            let line = echo_joined(&format!("{}:\t", plan.tag), &date, &text);
            let _ = append(f, &format!("{line}\n"));
        }
    }
}

/// Installs the global subscriber for this process. Called once, from `lib::run`.
pub fn init(env: &Env, instance: &Instance, action: Action, tty: bool) {
    let plan = LogPlan::from_env(env, instance, tty);
    let max = if plan.debug {
        Level::DEBUG
    } else {
        Level::INFO
    };
    // journald when it runs (it also gets instance and action fields), else /dev/log.
    let journald = match plan.facility {
        Some(_) if !plan.tty && std::path::Path::new(JOURNALD_SOCKET).exists() => {
            tracing_journald::layer().ok().map(|l| {
                l.with_syslog_identifier(format!("pgsql({})", one_line(&instance.full)))
                    .with_custom_fields([
                        ("OCF_RESOURCE_INSTANCE", instance.full.as_bytes()),
                        ("OCF_ACTION", action.name().as_bytes()),
                    ])
            })
        }
        _ => None,
    };
    let syslog = match plan.facility {
        Some(_) if journald.is_none() => UnixDatagram::unbound()
            .ok()
            .filter(|s| s.connect(SYSLOG_SOCKET).is_ok())
            .map(Mutex::new),
        _ => None,
    };
    let ocf = OcfLayer {
        plan,
        clock: LogClock::from_env(env),
        syslog,
        journald: journald.is_some(),
    };
    let _ = tracing_subscriber::registry()
        .with(tracing_subscriber::filter::LevelFilter::from_level(max))
        .with(ocf)
        .with(journald)
        .try_init();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(pairs: &[(&str, &str)], tty: bool) -> LogPlan {
        let env = Env::from_pairs(pairs.iter().copied());
        let inst = Instance::from_env(&Env::from_pairs([("OCF_RESOURCE_INSTANCE", "pgsql:0")]));
        LogPlan::from_env(&env, &inst, tty)
    }

    #[test]
    fn tag_and_facility_follow_resource_agents() {
        let p = plan(&[("HA_LOGFACILITY", "local5"), ("HA_debug", "1")], false);
        assert!(p.tag.starts_with("pgsql(pgsql:0)["));
        assert_eq!(p.facility, Some(21 << 3));
        assert!(p.debug);
        assert!(p.wants(Level::DEBUG));
        let p = plan(&[("HA_LOGFACILITY", "none"), ("HA_debug", "0")], false);
        assert_eq!(p.facility, None);
        assert!(!p.wants(Level::DEBUG));
        assert!(p.wants(Level::INFO));
        let p = plan(&[("HA_LOGFILE", "/tmp/x"), ("HA_DEBUGLOG", "/tmp/y")], true);
        assert!(p.tty);
        assert_eq!(p.logfile, Some(PathBuf::from("/tmp/x")));
        assert_eq!(p.debuglog, Some(PathBuf::from("/tmp/y")));
        assert_eq!(
            plan(&[("HA_LOGFACILITY", "bogus")], false).facility,
            Some(24)
        );
    }
}
