//! pg_waldump as the PostgreSQL owner over a standby's own `pg_wal`: does it hold a given
//! shutdown checkpoint record, the proof promote publishes for the rejoin after a
//! switchover (docs/contract.md §5.12).

use super::controldata::bin_program;
use crate::config::Config;
use crate::exec::{CommandSpec, RunAs};
use crate::pg::lsn::Lsn;

/// A checkpoint record as pg_waldump describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// Where the record starts.
    pub lsn: Lsn,
    /// The record type: `CHECKPOINT_SHUTDOWN`, `CHECKPOINT_ONLINE`, or another record's.
    pub kind: String,
    /// `tli`: the timeline the checkpoint was written on.
    pub timeline: Option<u32>,
    /// `xid`: the next transaction id, as printed (`0:745`).
    pub next_xid: Option<String>,
    /// `oid`: the next OID, as printed.
    pub next_oid: Option<String>,
}

/// `pg_waldump --path=<pgdata>/pg_wal --timeline=T --start=C --limit=1`: the one record
/// at `at` on timeline `timeline`, read from this server's WAL only.
pub fn spec(cfg: &Config, who: &RunAs, timeline: u32, at: Lsn) -> CommandSpec {
    bin_program(cfg, who, "pg_waldump")
        .arg(format!("--path={}", cfg.pgdata.join("pg_wal").display()))
        .arg(format!("--timeline={timeline}"))
        .arg(format!("--start={}", at.pg()))
        .arg("--limit=1")
}

/// The first record of pg_waldump's output, when it printed one.
pub fn parse(text: &str) -> Option<Checkpoint> {
    let line = text.lines().find(|l| l.starts_with("rmgr:"))?;
    let (_, after) = line.split_once(" lsn: ")?;
    let lsn = Lsn::parse(after.split(',').next()?)?;
    let (_, desc) = line.split_once(" desc: ")?;
    let mut items = desc.split(';').map(str::trim);
    let kind = items.next()?.split_whitespace().next()?.to_string();
    let mut c = Checkpoint {
        lsn,
        kind,
        timeline: None,
        next_xid: None,
        next_oid: None,
    };
    for item in items {
        match item.split_once(' ') {
            Some(("tli", v)) => c.timeline = v.trim().parse().ok(),
            Some(("xid", v)) => c.next_xid = Some(v.trim().to_string()),
            Some(("oid", v)) => c.next_oid = Some(v.trim().to_string()),
            _ => {}
        }
    }
    Some(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// PostgreSQL 15 (10 to 16 print the same items; 17 adds `wal_level`).
    const PG15: &str = "rmgr: XLOG        len (rec/tot):    114/   114, tx:          0, lsn: 0/03050BB8, prev 0/03050B80, desc: CHECKPOINT_SHUTDOWN redo 0/3050BB8; tli 1; prev tli 1; fpw true; xid 0:745; oid 16393; multi 1; offset 0; oldest xid 716 in DB 1; oldest multi 1 in DB 1; oldest/newest commit timestamp xid: 0/0; oldest running xid 0; shutdown\n";
    const PG17: &str = "rmgr: XLOG        len (rec/tot):    114/   114, tx:          0, lsn: 0/01D4B3F8, prev 0/01D4B3C0, desc: CHECKPOINT_SHUTDOWN redo 0/1D4B3F8; tli 2; prev tli 1; fpw true; wal_level replica; xid 0:754; oid 24576; multi 1; offset 0; oldest xid 730 in DB 1; oldest multi 1 in DB 1; oldest/newest commit timestamp xid: 0/0; oldest running xid 0; shutdown\n";

    #[test]
    fn reads_the_record() {
        let c = parse(PG15).unwrap();
        assert_eq!(c.lsn.pg(), "0/3050BB8");
        assert_eq!(c.kind, "CHECKPOINT_SHUTDOWN");
        assert_eq!(c.timeline, Some(1));
        assert_eq!(c.next_xid.as_deref(), Some("0:745"));
        assert_eq!(c.next_oid.as_deref(), Some("16393"));
        let c = parse(PG17).unwrap();
        assert_eq!(
            (c.timeline, c.next_oid.as_deref()),
            (Some(2), Some("24576"))
        );
        let other = "rmgr: Heap        len (rec/tot):     59/    59, tx:        745, lsn: 0/03050B80, prev 0/03050B48, desc: INSERT off 3 flags 0x00, blkref #0: rel 1663/5/16384 blk 0\n";
        let c = parse(other).unwrap();
        assert_eq!((c.kind.as_str(), c.timeline), ("INSERT", None));
        assert_eq!(
            parse("pg_waldump: error: could not find file \"000000010000000000000003\"\n"),
            None
        );
        assert_eq!(parse(""), None);
        assert_eq!(parse("rmgr: XLOG lsn: zz, desc: X"), None);
    }
}
