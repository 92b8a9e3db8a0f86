//! pg_controldata as the PostgreSQL owner, and what its output says about the last
//! shutdown: the state, the latest checkpoint and its timeline, for the rejoin after a
//! switchover (docs/contract.md §5.12).

use crate::config::Config;
use crate::exec::{CommandSpec, RunAs};
use crate::pg::lsn::Lsn;

/// The fields of `pg_controldata` the rejoin after a switchover compares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ControlData {
    /// `Database system identifier`.
    pub system_id: String,
    /// `Database cluster state`, e.g. `shut down`, `in production`.
    pub state: String,
    /// `Latest checkpoint location`.
    pub checkpoint: Lsn,
    /// `Latest checkpoint's TimeLineID`.
    pub timeline: u32,
    /// `Latest checkpoint's NextXID`, as printed (`0:735`).
    pub next_xid: String,
    /// `Latest checkpoint's NextOID`, as printed.
    pub next_oid: String,
}

/// The state of a server that shut down cleanly as a primary (a standby's clean shutdown
/// is `shut down in recovery`).
pub const SHUT_DOWN: &str = "shut down";

impl ControlData {
    /// Did the server shut down cleanly as a primary?
    pub fn clean_primary_shutdown(&self) -> bool {
        self.state == SHUT_DOWN
    }
}

/// Reads the output of `LC_ALL=C pg_controldata` (PostgreSQL 10 to 18 print the same
/// labels); the error names the first field missing or unreadable.
pub fn parse(text: &str) -> Result<ControlData, String> {
    let field = |name: &str| -> Result<&str, String> {
        text.lines()
            .filter_map(|l| l.split_once(':'))
            .find(|(k, _)| k.trim() == name)
            .map(|(_, v)| v.trim())
            .filter(|v| !v.is_empty())
            .ok_or_else(|| format!("pg_controldata printed no {name:?}"))
    };
    let system_id = field("Database system identifier")?;
    if !system_id.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "pg_controldata printed a system identifier {system_id:?}"
        ));
    }
    let location = field("Latest checkpoint location")?;
    let checkpoint = Lsn::parse(location)
        .ok_or_else(|| format!("pg_controldata printed a checkpoint location {location:?}"))?;
    let tli = field("Latest checkpoint's TimeLineID")?;
    let timeline = tli
        .parse()
        .map_err(|_| format!("pg_controldata printed a timeline {tli:?}"))?;
    Ok(ControlData {
        system_id: system_id.to_string(),
        state: field("Database cluster state")?.to_string(),
        checkpoint,
        timeline,
        next_xid: field("Latest checkpoint's NextXID")?.to_string(),
        next_oid: field("Latest checkpoint's NextOID")?.to_string(),
    })
}

/// A program of PostgreSQL's bin directory (the one of pg_ctl), run as pgdba in the C
/// locale, so its labels are the English ones.
pub fn bin_program(cfg: &Config, who: &RunAs, name: &str) -> CommandSpec {
    let ld = if cfg.pglibs.is_empty() {
        "/usr/lib".to_string()
    } else {
        cfg.pglibs.clone()
    };
    CommandSpec::new(cfg.pgctl.with_file_name(name))
        .env("LC_ALL", "C")
        .env("LD_LIBRARY_PATH", ld)
        .run_as(Some(who))
}

/// `pg_controldata -D <pgdata>`.
pub fn spec(cfg: &Config, who: &RunAs) -> CommandSpec {
    bin_program(cfg, who, "pg_controldata")
        .arg("-D")
        .arg(&cfg.pgdata)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// PostgreSQL 15's output after `pg_ctl stop -m fast` (abridged to what matters,
    /// with the lines around the fields kept).
    const PG15: &str = "pg_control version number:            1300
Catalog version number:               202209061
Database system identifier:           7443218512436245862
Database cluster state:               shut down
pg_control last modified:             Wed 02 Dec 2026 06:41:27 PM UTC
Latest checkpoint location:           0/3050BB8
Latest checkpoint's REDO location:    0/3050BB8
Latest checkpoint's REDO WAL file:    000000010000000000000003
Latest checkpoint's TimeLineID:       1
Latest checkpoint's PrevTimeLineID:   1
Latest checkpoint's full_page_writes: on
Latest checkpoint's NextXID:          0:745
Latest checkpoint's NextOID:          16393
";

    #[test]
    fn reads_the_fields_of_every_version() {
        let d = parse(PG15).unwrap();
        assert_eq!(d.system_id, "7443218512436245862");
        assert_eq!(d.state, "shut down");
        assert!(d.clean_primary_shutdown());
        assert_eq!(d.checkpoint.pg(), "0/3050BB8");
        assert_eq!(d.timeline, 1);
        assert_eq!(
            (d.next_xid.as_str(), d.next_oid.as_str()),
            ("0:745", "16393")
        );
        // (change, what the error or the state says)
        let table: &[(&str, &str, Result<&str, &str>)] = &[
            (
                "shut down",
                "shut down in recovery",
                Ok("shut down in recovery"),
            ),
            ("shut down", "in production", Ok("in production")),
            ("shut down", "in crash recovery", Ok("in crash recovery")),
            (
                "0/3050BB8\nLatest checkpoint's REDO location",
                "zz\nLatest checkpoint's REDO location",
                Err("checkpoint location \"zz\""),
            ),
            (
                "TimeLineID:       1",
                "TimeLineID:       x",
                Err("timeline \"x\""),
            ),
            (
                "7443218512436245862",
                "",
                Err("no \"Database system identifier\""),
            ),
            (
                "Latest checkpoint's NextOID",
                "Latest NextOID",
                Err("no \"Latest checkpoint's NextOID\""),
            ),
        ];
        for (from, to, want) in table {
            let text = PG15.replacen(from, to, 1);
            match (parse(&text), want) {
                (Ok(d), Ok(state)) => {
                    assert_eq!(d.state, *state);
                    assert!(!d.clean_primary_shutdown());
                }
                (Err(e), Err(part)) => assert!(e.contains(part), "{e}"),
                (got, _) => panic!("{to}: {got:?}"),
            }
        }
        assert!(parse("").is_err());
    }
}
