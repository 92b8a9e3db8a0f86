//! start of the promotable clone (docs/contract.md §5.6), and the recovery configuration
//! every standby start writes (§6): always comes up as a hot standby, refused while
//! PGSQL.lock exists or while the server already runs as a primary.

use super::observation::{lock_file, note_file, rep_mode_file};
use super::{control, rejoin, Attr, Decision, Effect, Observation, Outcome, Plan, CAN_NOT_PROMOTE};
use crate::config::{Config, RepMode};
use crate::ocf::OcfStatus;
use crate::pg::conffile::{self, Recovery};
use crate::pg::version::PgVersion;

/// The reason start gives while PGSQL.lock exists (PG-REX tools and operators know it).
pub fn lock_reason(cfg: &Config) -> String {
    format!(
        "My data may be inconsistent. You have to remove {} file to force start.",
        lock_file(cfg).display()
    )
}

/// The steps that write a standby's recovery configuration following master_ip, as
/// node `me`: `<tmpdir>/recovery.conf` included from postgresql.conf plus
/// `standby.signal` (12+), else `<pgdata>/recovery.conf` with standby_mode.
pub fn recovery_steps(cfg: &Config, version: PgVersion, me: &str) -> Vec<Effect> {
    let rec = Recovery {
        master_ip: cfg.master_ip.clone(),
        port: cfg.pgport,
        repuser: cfg.repuser.clone(),
        application_name: me.to_string(),
        conninfo_opt: cfg.primary_conninfo_opt.clone(),
        restore_command: cfg.restore_command.clone(),
        archive_cleanup_command: cfg.archive_cleanup_command.clone(),
        recovery_end_command: cfg.recovery_end_command.clone(),
        slot_name: (!cfg.replication_slot_name.is_empty())
            .then(|| conffile::slot_name(&cfg.replication_slot_name, me)),
    };
    let text = rec.render(version);
    let mut steps = vec![Effect::PrepareTmpdir];
    if version.uses_standby_signal() {
        let file = cfg.tmpdir.join("recovery.conf");
        steps.push(Effect::WriteFile {
            path: file.clone(),
            text,
        });
        steps.push(Effect::AddInclude(file));
        steps.push(Effect::WriteFile {
            path: cfg.pgdata.join("standby.signal"),
            text: String::new(),
        });
    } else {
        steps.push(Effect::WriteFile {
            path: cfg.pgdata.join("recovery.conf"),
            text,
        });
    }
    steps
}

/// rep_mode.conf naming `standby` and the streaming external standbys `external` (sync
/// mode only: nothing in async).
pub fn rep_mode_steps(cfg: &Config, standby: Option<&str>, external: &[String]) -> Vec<Effect> {
    if cfg.rep_mode != RepMode::Sync {
        return Vec::new();
    }
    vec![
        Effect::PrepareTmpdir,
        Effect::WriteFile {
            path: rep_mode_file(cfg),
            text: control::rep_mode_conf(standby, external),
        },
    ]
}

/// May this former primary's lock go (§5.12)? Its record, its control data, and the
/// verdict the promoted node left on it.
pub fn rejoin_proof(obs: &Observation) -> Result<String, String> {
    let unread = Err("pg_controldata was not run".to_string());
    rejoin::proven(
        obs.tmp.shutdown.as_deref(),
        obs.control.as_ref().unwrap_or(&unread),
        obs.view.get(&obs.me, Attr::RejoinProof),
    )
}

/// The reason start gives with rejoin_after_switchover when PGSQL.lock stays: which proof
/// failed, and what the operator does.
pub fn rejoin_refusal(cfg: &Config, why: &str) -> String {
    format!(
        "PGSQL.lock kept: {why}; rebuild this node (pg_basebackup) or pg_rewind it, then remove {}",
        lock_file(cfg).display()
    )
}

/// A start begins a new life as a standby: the record of the last clean shutdown and both
/// rejoin attributes go.
fn forget_shutdown(p: &mut Plan, cfg: &Config, obs: &Observation) {
    if obs.tmp.shutdown.is_some() {
        p.push(Effect::RemoveFile(rejoin::record_file(cfg)));
    }
    for attr in [Attr::CleanShutdown, Attr::RejoinProof] {
        if obs.view.get(&obs.me, attr).is_some() {
            p.delete(&obs.me, attr);
        }
    }
}

/// Decides start.
pub fn decide(cfg: &Config, obs: &Observation) -> Decision {
    let mut p = Plan::new(&obs.me, obs.view.clone());
    if obs.server.primary() {
        return p.finish(Outcome::Failed(
            "PostgreSQL is already running as a primary here; it cannot be started as a standby"
                .into(),
        ));
    }
    let me = obs.me.clone();
    p.set(&me, Attr::Status, "STOP");
    p.delete(&me, Attr::MasterBaseline);
    p.set(&me, Attr::Score, CAN_NOT_PROMOTE);
    for i in obs.tmp.notes.keys() {
        p.push(Effect::RemoveFile(note_file(cfg, *i)));
    }
    p.push(Effect::PrepareTmpdir);
    let rep_mode = rep_mode_file(cfg);
    if cfg.rep_mode == RepMode::Sync {
        for e in rep_mode_steps(cfg, None, &[]) {
            p.push(e);
        }
        p.push(Effect::AddInclude(rep_mode));
    } else {
        p.push(Effect::RemoveInclude(rep_mode));
    }
    for e in recovery_steps(cfg, obs.version, &me) {
        p.push(e);
    }
    p.delete(&me, Attr::XlogLoc);
    if obs.tmp.lock {
        if !cfg.rejoin_after_switchover {
            return p.finish(Outcome::Failed(lock_reason(cfg)));
        }
        match rejoin_proof(obs) {
            Ok(why) => {
                p.note(
                    tracing::Level::INFO,
                    format!("removing {}: {why}", lock_file(cfg).display()),
                );
                p.push(Effect::RemoveFile(lock_file(cfg)));
            }
            Err(why) => return p.finish(Outcome::Failed(rejoin_refusal(cfg, &why))),
        }
    }
    if cfg.rejoin_after_switchover {
        forget_shutdown(&mut p, cfg, obs);
    }
    if !obs.server.running() {
        p.push(Effect::LaunchStandby);
    }
    // the server must run with what was just written: no standby named yet (external
    // standbys too are named once they stream)
    p.push(Effect::CheckSyncStandbyNames {
        expected: control::sync_names(None, &[]),
    });
    // slots for the peers belong on the primary (promote creates them): a former primary
    // starting with its own data would otherwise keep WAL for them until its disk fills
    if !cfg.replication_slot_name.is_empty() {
        let peers = cfg.node_list.iter().filter(|n| **n != me);
        p.push(Effect::DropSlots(
            peers
                .map(|n| conffile::slot_name(&cfg.replication_slot_name, n))
                .collect(),
        ));
    }
    p.set(&me, Attr::Status, "HS:alone");
    p.finish(Outcome::Status(OcfStatus::Success))
}
