//! The rejoin after a switchover (docs/contract.md §5.12), opt-in with
//! `rejoin_after_switchover`: what a primary's clean shutdown records, what the promoted
//! standby finds of it in its own WAL (the verdict), and whether a former primary's data is
//! then proven a prefix of the new primary's history, so its PGSQL.lock may go.

use std::fmt;
use std::path::PathBuf;

use super::{Attr, AttrChange, Effect, Observation};
use crate::config::Config;
use crate::pg::controldata::ControlData;
use crate::pg::lsn::Lsn;
use crate::pg::waldump::Checkpoint;

/// `<tmpdir>/clean_shutdown`: the record of this node's last clean shutdown as a primary.
pub fn record_file(cfg: &Config) -> PathBuf {
    cfg.tmpdir.join("clean_shutdown")
}

/// A shutdown checkpoint: where, on which timeline, and two counters it carries (the next
/// transaction id and OID), which tell two histories' records at one position apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mark {
    /// The timeline the checkpoint was written on.
    pub timeline: u32,
    /// Where the record starts.
    pub lsn: Lsn,
    /// The next transaction id, as printed (`0:745`).
    pub next_xid: String,
    /// The next OID, as printed.
    pub next_oid: String,
}

impl fmt::Display for Mark {
    /// The attribute form: `tli=1 lsn=0/3050BB8 xid=0:745 oid=16393`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "tli={} lsn={} xid={} oid={}",
            self.timeline,
            self.lsn.pg(),
            self.next_xid,
            self.next_oid
        )
    }
}

impl Mark {
    /// The mark of a clean primary shutdown; `None` for any other state.
    pub fn of(c: &ControlData) -> Option<Mark> {
        c.clean_primary_shutdown().then(|| Mark {
            timeline: c.timeline,
            lsn: c.checkpoint,
            next_xid: c.next_xid.clone(),
            next_oid: c.next_oid.clone(),
        })
    }

    /// Reads the attribute form back (exactly what `Display` writes).
    pub fn parse(s: &str) -> Option<Mark> {
        let mut words = s.split(' ');
        let mut next = |key: &str| words.next()?.strip_prefix(key).map(str::to_string);
        let m = Mark {
            timeline: next("tli=")?.parse().ok()?,
            lsn: Lsn::parse(&next("lsn=")?)?,
            next_xid: next("xid=")?,
            next_oid: next("oid=")?,
        };
        (words.next().is_none() && m.to_string() == s).then_some(m)
    }
}

/// The record file's text: the system identifier, then the mark.
pub fn record_text(c: &ControlData, m: &Mark) -> String {
    format!("system={} {m}\n", c.system_id)
}

/// What demote or stop of a primary does once PostgreSQL is down, from its control data:
/// a clean shutdown is recorded (file and `<rsc>-clean-shutdown`), anything else removes
/// an older record. The line says which, for the log.
pub fn after_stop(
    cfg: &Config,
    me: &str,
    control: &Result<ControlData, String>,
) -> (Vec<Effect>, String) {
    let file = record_file(cfg);
    let mark = control.as_ref().ok().and_then(Mark::of);
    match (control, mark) {
        (Ok(c), Some(m)) => (
            vec![
                Effect::PrepareTmpdir,
                Effect::WriteFile {
                    path: file,
                    text: record_text(c, &m),
                },
                Effect::Attr(AttrChange::Set {
                    node: me.to_string(),
                    attr: Attr::CleanShutdown,
                    value: m.to_string(),
                }),
            ],
            format!("clean shutdown recorded for the rejoin after a switchover: {m}"),
        ),
        (res, _) => (
            vec![
                Effect::RemoveFile(file),
                Effect::Attr(AttrChange::Delete {
                    node: me.to_string(),
                    attr: Attr::CleanShutdown,
                }),
            ],
            match res {
                Ok(c) => format!(
                    "no clean shutdown to record (pg_controldata: {}): this node rejoins only after a rebuild",
                    c.state
                ),
                Err(e) => format!("no clean shutdown recorded: {e}"),
            },
        ),
    }
}

/// The verdict promote publishes on the former primary, from this standby's own WAL at
/// the former primary's mark (what pg_waldump found there, or why it found nothing).
pub fn verdict(prover: &str, mark: &Mark, found: &Result<Option<Checkpoint>, String>) -> String {
    let missing = |why: String| format!("not received by {prover}: {why}");
    let at = format!("{} on timeline {}", mark.lsn.pg(), mark.timeline);
    match found {
        Err(e) => missing(format!("no record at {at} ({e})")),
        Ok(None) => missing(format!("no record at {at}")),
        Ok(Some(c)) if c.lsn != mark.lsn || c.kind != "CHECKPOINT_SHUTDOWN" => {
            missing(format!("the record at {at} is {} at {}", c.kind, c.lsn.pg()))
        }
        Ok(Some(c))
            if c.timeline != Some(mark.timeline)
                || c.next_xid.as_deref() != Some(mark.next_xid.as_str())
                || c.next_oid.as_deref() != Some(mark.next_oid.as_str()) =>
        {
            missing(format!(
                "the shutdown checkpoint at {at} is another history's (tli {:?}, xid {:?}, oid {:?})",
                c.timeline, c.next_xid, c.next_oid
            ))
        }
        Ok(Some(_)) => format!("received by {prover}: {mark}"),
    }
}

/// Is this former primary's data proven a prefix of the new primary's history? From its
/// record (`<tmpdir>/clean_shutdown`), its control data now, and the verdict the promoted
/// node left in `<rsc>-rejoin-proof`. `Ok` says why the lock may go, `Err` which proof
/// failed.
pub fn proven(
    record: Option<&str>,
    control: &Result<ControlData, String>,
    verdict: Option<&str>,
) -> Result<String, String> {
    let record = record
        .map(str::trim_end)
        .ok_or_else(|| "no clean shutdown of this node as a primary is recorded".to_string())?;
    let control = control
        .as_ref()
        .map_err(|e| format!("its control data cannot be read ({e})"))?;
    let Some(now) = Mark::of(control).filter(|m| record_text(control, m).trim_end() == record)
    else {
        return Err(format!(
            "its data changed since the recorded clean shutdown (now {}, checkpoint {} on timeline {})",
            control.state,
            control.checkpoint.pg(),
            control.timeline
        ));
    };
    let verdict = verdict
        .ok_or_else(|| format!("no promoted node checked for its shutdown checkpoint ({now})"))?;
    // Pacemaker keeps 128 bytes of an exit reason: who and what come first
    if let Some(v) = verdict.strip_prefix("not received by ") {
        let (prover, why) = v.split_once(": ").unwrap_or(("the new primary", v));
        return Err(format!(
            "{prover} was promoted without this node's shutdown checkpoint ({why})"
        ));
    }
    match verdict.strip_prefix("received by ").and_then(|v| v.split_once(": ")) {
        Some((prover, m)) if m == now.to_string() => Ok(format!(
            "{prover} received this node's shutdown checkpoint ({now}) before it was promoted: this node's data is a prefix of the new primary's history"
        )),
        _ => Err(format!(
            "the verdict {verdict:?} is not about its shutdown checkpoint ({now})"
        )),
    }
}

/// Does this start, or this post-promote notification, read the control data (§5.12)?
/// Only with the option on, while PGSQL.lock exists and the server is down.
pub fn needs_control(cfg: &Config, obs: &Observation) -> bool {
    cfg.rejoin_after_switchover && obs.tmp.lock && !obs.server.running()
}

/// Does this notification start this node as a standby, if the proof holds? A post-promote
/// notification of another node, on a former primary that demote left stopped with its
/// lock: Pacemaker monitors it as a standby next, so it rejoins now or fails that monitor.
pub fn rejoins_on_notify(cfg: &Config, obs: &Observation) -> bool {
    let n = &obs.notify;
    let post_promote =
        n.kind.as_deref() == Some("post") && n.operation.as_deref() == Some("promote");
    post_promote && !n.promote.is_empty() && !n.promote.contains(&obs.me) && needs_control(cfg, obs)
}

#[cfg(test)]
mod tests;
