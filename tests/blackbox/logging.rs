//! Logging as resource-agents does it (SPEC section 1): HA_LOGFILE / HA_DEBUGLOG lines
//! tagged `pgsql(<instance>)[<pid>]`, HA_debug, stderr when nothing else is set, and
//! syslog datagrams on /dev/log with the HA_LOGFACILITY priority.

use std::os::unix::net::UnixDatagram;
use std::path::Path;
use std::time::Duration;

use crate::common::{run_agent, PgCluster};

fn env_with(c: &PgCluster, extra: &[(&str, String)]) -> Vec<(String, String)> {
    let mut env = c.env();
    env.extend(extra.iter().map(|(k, v)| (k.to_string(), v.clone())));
    env
}

#[test]
fn logfile_debuglog_and_stderr_fallback() {
    let c = PgCluster::new("logging");
    let logfile = c.dir.join("ha.log");
    let debuglog = c.dir.join("ha-debug.log");
    let out = run_agent(
        "monitor",
        &env_with(
            &c,
            &[
                ("HA_LOGFACILITY", "none".into()),
                ("HA_LOGFILE", logfile.display().to_string()),
                ("HA_DEBUGLOG", debuglog.display().to_string()),
                ("HA_debug", "1".into()),
            ],
        ),
    );
    out.expect(7);
    let log = std::fs::read_to_string(&logfile).unwrap();
    let line = log
        .lines()
        .find(|l| l.contains("INFO: PostgreSQL is not running"))
        .unwrap_or_else(|| panic!("no INFO line in HA_LOGFILE:\n{log}"));
    assert!(line.contains("pgsql(pgsql)["), "{line}");
    assert!(
        log.contains("DEBUG:"),
        "HA_debug=1 writes debug lines:\n{log}"
    );
    let debug = std::fs::read_to_string(&debuglog).unwrap();
    assert!(
        debug.contains("pgsql(pgsql)[") && debug.contains("DEBUG:"),
        "{debug}"
    );
    assert!(
        !out.stderr.contains("PostgreSQL is not running"),
        "with a log file nothing goes to stderr\n{}",
        out.dump()
    );

    // HA_debug=0: no debug lines anywhere
    std::fs::remove_file(&logfile).unwrap();
    run_agent(
        "monitor",
        &env_with(
            &c,
            &[
                ("HA_LOGFILE", logfile.display().to_string()),
                ("HA_debug", "0".into()),
            ],
        ),
    )
    .expect(7);
    let log = std::fs::read_to_string(&logfile).unwrap();
    assert!(!log.contains("DEBUG:") && log.contains("INFO:"), "{log}");

    // no facility, no file: stderr
    let out = run_agent("monitor", &c.env());
    out.expect(7);
    assert!(
        out.stderr.contains("INFO: PostgreSQL is not running"),
        "{}",
        out.dump()
    );
}

#[test]
fn syslog_datagrams_carry_tag_and_priority() {
    let c = PgCluster::new("syslog");
    let dev_log = Path::new("/dev/log");
    assert!(
        !dev_log.exists(),
        "/dev/log exists (a syslog daemon runs here): this test binds its own socket there; run it where no syslog daemon owns /dev/log (CI does)"
    );
    let sock = UnixDatagram::bind(dev_log).expect("bind /dev/log");
    sock.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let out = run_agent(
        "monitor",
        &env_with(&c, &[("HA_LOGFACILITY", "local3".into())]),
    );
    // other programs log too while the socket is bound (runuser's pam_unix of a test running
    // next to this one): the agent's datagram is the one with its tag
    let mut buf = [0u8; 4096];
    let mut seen = Vec::new();
    let got = loop {
        match sock.recv(&mut buf) {
            Ok(n) => {
                let m = String::from_utf8_lossy(&buf[..n]).into_owned();
                if m.contains("pgsql(pgsql)[") {
                    break Some(m);
                }
                seen.push(m);
            }
            Err(_) => break None,
        }
    };
    let _ = std::fs::remove_file(dev_log);
    out.expect(7);
    let msg = got.unwrap_or_else(|| panic!("no datagram of the agent; others: {seen:?}"));
    // local3 = 19, info = 6: <158>
    assert!(msg.starts_with("<158>pgsql(pgsql)["), "{msg}");
    assert!(msg.contains("]: INFO: PostgreSQL is not running"), "{msg}");
    assert!(
        !out.stderr.contains("PostgreSQL is not running"),
        "{}",
        out.dump()
    );
}
