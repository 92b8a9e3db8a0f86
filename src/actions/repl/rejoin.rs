//! The outside reads of the rejoin after a switchover (docs/contract.md §5.12):
//! pg_controldata of the stopped server and pg_waldump over this standby's own WAL, each
//! as pgdba within a short budget that never passes the action's deadline.

use std::time::Duration;

use super::super::Agent;
use crate::pg::controldata::{self, ControlData};
use crate::pg::waldump::{self, Checkpoint};
use crate::replication::rejoin::Mark;
use crate::world::{self, World};

/// How long one of these programs may run.
pub const BUDGET: Duration = Duration::from_secs(5);

fn first_line(s: &str) -> String {
    s.lines().next().unwrap_or("").trim().to_string()
}

/// `pg_controldata` of pgdata, read.
pub async fn control_data<W: World>(w: &mut W, agent: &Agent) -> Result<ControlData, String> {
    let limit = crate::clock::within(BUDGET, agent.ctx.deadline);
    let spec = controldata::spec(&agent.cfg, &agent.pgdba);
    let out = world::run_ok(w, &spec, limit)
        .await
        .map_err(|e| first_line(&e.to_string()))?;
    controldata::parse(&out.stdout)
}

/// The record at `mark` in this server's own WAL, as pg_waldump reads it (`Ok(None)`:
/// it printed no record).
pub async fn find_checkpoint<W: World>(
    w: &mut W,
    agent: &Agent,
    mark: &Mark,
) -> Result<Option<Checkpoint>, String> {
    let limit = crate::clock::within(BUDGET, agent.ctx.deadline);
    let spec = waldump::spec(&agent.cfg, &agent.pgdba, mark.timeline, mark.lsn);
    let out = w
        .run(&spec, limit)
        .await
        .map_err(|e| first_line(&e.to_string()))?;
    // pg_waldump exits 1 after the records asked for when the WAL then ends mid-record;
    // what it printed first still counts
    match waldump::parse(&out.stdout) {
        Some(c) => Ok(Some(c)),
        None if out.success() => Ok(None),
        None => Err(first_line(&out.stderr)),
    }
}
