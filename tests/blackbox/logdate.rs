//! The date of HA_LOGFILE / HA_DEBUGLOG lines (docs/contract.md §1.4): `date "+$HA_DATEFMT"`
//! in local time as ocf-shellfuncs writes it: TZ honoured, the default `%b %d %T ` of
//! ocf-directories, and the very line the shell's ha_log writes (checked against it).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use jiff::fmt::strtime;
use jiff::tz::{offset, TimeZone};
use jiff::Timestamp;

use crate::common::{run_agent, PgCluster};

const SHELLFUNCS: &str = "/usr/lib/ocf/lib/heartbeat/ocf-shellfuncs";
const NOT_RUNNING: &str = "INFO: PostgreSQL is not running";

/// Runs a stopped server's monitor with HA_LOGFILE and HA_DEBUGLOG in `c.dir` and `extra`,
/// and returns (the HA_LOGFILE line, the HA_DEBUGLOG line) that say it is not running, and
/// the instants just before and after the call.
fn monitor_lines(
    c: &PgCluster,
    tag: &str,
    extra: &[(&str, &str)],
) -> (String, String, [Timestamp; 2]) {
    let (log, debug) = (
        c.dir.join(format!("{tag}.log")),
        c.dir.join(format!("{tag}-debug.log")),
    );
    let mut env = c.env();
    env.push(("HA_LOGFILE".into(), log.display().to_string()));
    env.push(("HA_DEBUGLOG".into(), debug.display().to_string()));
    env.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    let before = Timestamp::now();
    let out = run_agent("monitor", &env);
    let after = Timestamp::now();
    out.expect(7);
    let line = |p: &Path| {
        let text = std::fs::read_to_string(p).unwrap_or_default();
        text.lines()
            .find(|l| l.contains(NOT_RUNNING))
            .map(str::to_string)
            .unwrap_or_else(|| {
                panic!(
                    "no {NOT_RUNNING:?} in {}:\n{text}\n{}",
                    p.display(),
                    out.dump()
                )
            })
    };
    (line(&log), line(&debug), [before, after])
}

/// Every rendering of `fmt` in `tz` for the whole seconds from `span[0]` to `span[1]`.
fn renderings(fmt: &str, tz: &TimeZone, span: [Timestamp; 2]) -> Vec<String> {
    let (from, to) = (span[0].as_second(), span[1].as_second());
    (from..=to)
        .map(|s| {
            let z = Timestamp::from_second(s)
                .unwrap()
                .to_zoned_datetime(tz.clone());
            strtime::format(fmt, &z).unwrap()
        })
        .collect()
}

fn tokyo() -> TimeZone {
    TimeZone::fixed(offset(9))
}

#[test]
fn logfile_line_is_in_local_time_with_tz_asia_tokyo() {
    let c = PgCluster::new("logdate-tokyo");
    let (line, _, span) = monitor_lines(
        &c,
        "tokyo",
        &[("TZ", "Asia/Tokyo"), ("HA_DATEFMT", "%FT%T%:z ")],
    );
    let (date, rest) = line.split_once(' ').unwrap();
    assert!(
        date.ends_with("+09:00"),
        "local time in Tokyo is +09:00: {line}"
    );
    let t: Timestamp = date.parse().unwrap_or_else(|e| panic!("{date}: {e}"));
    assert!(
        t.as_second() >= span[0].as_second() && t.as_second() <= span[1].as_second(),
        "{date} is not the time of the call ({} .. {})",
        span[0],
        span[1]
    );
    assert!(
        rest.starts_with(" pgsql(pgsql)["),
        "two spaces, as ha_log writes them: {line:?}"
    );
    // the same instant with TZ=UTC is nine hours off in the text
    let (utc, _, _) = monitor_lines(&c, "utc", &[("TZ", "UTC"), ("HA_DATEFMT", "%FT%T%:z ")]);
    assert!(utc.split_once(' ').unwrap().0.ends_with("+00:00"), "{utc}");
}

#[test]
fn ha_datefmt_is_honoured() {
    let c = PgCluster::new("logdate-fmt");
    let fmt = "%Y/%m/%d_%T ";
    let (line, debug, span) =
        monitor_lines(&c, "fmt", &[("TZ", "Asia/Tokyo"), ("HA_DATEFMT", fmt)]);
    let dates = renderings(fmt, &tokyo(), span);
    assert!(
        dates
            .iter()
            .any(|d| line.starts_with(&format!("{d} pgsql(pgsql)["))),
        "HA_LOGFILE line {line:?} does not start with one of {dates:?} and the tag"
    );
    let tag = line.split_whitespace().nth(1).unwrap();
    assert!(
        dates
            .iter()
            .any(|d| debug == format!("{tag}\t{d}{NOT_RUNNING}")),
        "HA_DEBUGLOG line {debug:?}: tag, tab, date and text ({dates:?})"
    );
}

#[test]
fn default_datefmt_when_unset_or_empty() {
    let c = PgCluster::new("logdate-default");
    for (tag, extra) in [("unset", vec![]), ("empty", vec![("HA_DATEFMT", "")])] {
        let mut env = vec![("TZ", "Asia/Tokyo")];
        env.extend(extra);
        let (line, _, span) = monitor_lines(&c, tag, &env);
        let dates = renderings("%b %d %T", &tokyo(), span);
        assert!(
            dates
                .iter()
                .any(|d| line.starts_with(&format!("{d}  pgsql(pgsql)["))),
            "{tag}: {line:?} does not start with one of {dates:?}, two spaces and the tag"
        );
        assert!(line.ends_with(&format!("]:    {NOT_RUNNING}")), "{line:?}");
    }
}

/// The same line ha_log of ocf-shellfuncs writes, once digits (pid, time) are masked.
#[test]
fn lines_are_those_of_ocf_shellfuncs() {
    assert!(
        Path::new(SHELLFUNCS).exists(),
        "{SHELLFUNCS} is missing: apt-get install resource-agents (packaging/deps.sh does it)"
    );
    let c = PgCluster::new("logdate-shell");
    let script = c.dir.join("pgsql");
    std::fs::write(&script, format!(". {SHELLFUNCS}\nha_log \"$1\"\n")).unwrap();
    let mask = |s: &str| {
        s.chars()
            .map(|ch| if ch.is_ascii_digit() { '9' } else { ch })
            .collect::<String>()
    };
    for (i, fmt) in [None, Some("%Y/%m/%d_%T "), Some("%FT%T%:z"), Some("%T")]
        .into_iter()
        .enumerate()
    {
        let mut extra = vec![("TZ", "Asia/Tokyo")];
        extra.extend(fmt.map(|f| ("HA_DATEFMT", f)));
        let (line, debug, _) = monitor_lines(&c, &format!("agent{i}"), &extra);
        let (shell, shell_debug) = shell_lines(&c.dir, &script, &format!("shell{i}"), &extra);
        assert_eq!(mask(&line), mask(&shell), "HA_LOGFILE, HA_DATEFMT={fmt:?}");
        assert_eq!(
            mask(&debug),
            mask(&shell_debug),
            "HA_DEBUGLOG, HA_DATEFMT={fmt:?}"
        );
    }
}

/// What `ha_log "INFO: PostgreSQL is not running"` of ocf-shellfuncs appends, run by /bin/sh
/// from a script named pgsql (the tag is `pgsql(pgsql)[<pid>]`).
fn shell_lines(dir: &Path, script: &Path, tag: &str, extra: &[(&str, &str)]) -> (String, String) {
    let (log, debug): (PathBuf, PathBuf) = (
        dir.join(format!("{tag}.log")),
        dir.join(format!("{tag}-debug.log")),
    );
    let out = Command::new("/bin/sh")
        .arg(script)
        .arg(NOT_RUNNING)
        .env_clear()
        .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
        .env("OCF_ROOT", "/usr/lib/ocf")
        .env("OCF_RESOURCE_INSTANCE", "pgsql")
        .env("HA_LOGFILE", &log)
        .env("HA_DEBUGLOG", &debug)
        .envs(extra.iter().copied())
        .stdin(Stdio::null())
        .output()
        .expect("run /bin/sh");
    assert!(out.status.success(), "{out:?}");
    let read =
        |p: &Path| std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    (
        read(&log).trim_end().to_string(),
        read(&debug).trim_end().to_string(),
    )
}
