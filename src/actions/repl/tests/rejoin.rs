//! The rejoin after a switchover through the fake (docs/contract.md §5.12): what demote
//! records, what promote proves, and the start or notification that removes the lock.

use std::path::PathBuf;

use super::*;
use crate::ocf::{Action, OcfStatus};

const ON: (&str, &str) = ("OCF_RESKEY_rejoin_after_switchover", "true");
const MARK: &str = "tli=1 lsn=0/3050BB8 xid=0:745 oid=16393";
const CONTROL: &str = "Database system identifier:           744\nDatabase cluster state:               shut down\nLatest checkpoint location:           0/3050BB8\nLatest checkpoint's TimeLineID:       1\nLatest checkpoint's NextXID:          0:745\nLatest checkpoint's NextOID:          16393\n";
const DUMP: &str = "rmgr: XLOG        len (rec/tot):    114/   114, tx:          0, lsn: 0/03050BB8, prev 0/03050B80, desc: CHECKPOINT_SHUTDOWN redo 0/3050BB8; tli 1; prev tli 1; fpw true; xid 0:745; oid 16393; multi 1; shutdown\n";

fn lock() -> PathBuf {
    PathBuf::from(TMP).join("PGSQL.lock")
}

fn record() -> PathBuf {
    PathBuf::from(TMP).join("clean_shutdown")
}

#[test]
fn demote_with_the_option_shuts_down_fast_and_records_the_clean_shutdown() {
    let mut w = primary_world();
    w.outputs.insert("pg_controldata".into(), CONTROL.into());
    let a = agent(Action::Demote, &[ON, ("OCF_RESKEY_stop_escalate", "0")]);
    assert_eq!(run(&mut w, &a).unwrap(), OcfStatus::Success);
    let ctl = w.runs("pg_ctl");
    assert!(ctl.len() == 1 && ctl[0].contains("-m fast"), "{ctl:?}");
    assert_eq!(
        w.runs("pg_controldata"),
        vec!["/usr/bin/pg_controldata -D /t/data"]
    );
    assert_eq!(w.files[&record()], format!("system=744 {MARK}\n"));
    assert!(w.runs("crm_attribute").contains(&attr(&format!(
        "--lifetime=forever --node=node1 --name=pgsql-clean-shutdown --update={MARK}"
    ))));
}

#[test]
fn demote_without_the_option_is_as_before() {
    let mut w = primary_world();
    let a = agent(Action::Demote, &[("OCF_RESKEY_stop_escalate", "0")]);
    assert_eq!(run(&mut w, &a).unwrap(), OcfStatus::Success);
    assert!(w.runs("pg_ctl")[0].contains("-m immediate"));
    assert!(w.runs("pg_controldata").is_empty());
    assert!(!w.files.contains_key(&record()));
}

#[test]
fn an_unclean_stop_removes_an_older_record() {
    let mut w = primary_world();
    w.postmaster = None;
    w.files.insert(record(), format!("system=744 {MARK}\n"));
    w.outputs.insert(
        "pg_controldata".into(),
        CONTROL.replace("shut down", "in production"),
    );
    w.crm_mon = crm_mon(
        &[
            ("node1", true, &[("pgsql-clean-shutdown", MARK)]),
            ("node2", true, &[]),
        ],
        &[],
    );
    let a = agent(Action::Demote, &[ON]);
    assert_eq!(run(&mut w, &a).unwrap(), OcfStatus::Success);
    assert!(!w.files.contains_key(&record()));
    assert!(w.runs("crm_attribute").contains(&attr(
        "--lifetime=forever --node=node1 --name=pgsql-clean-shutdown --delete"
    )));
}

#[test]
fn promote_publishes_the_verdict_before_promoting() {
    let mut w = promotee_world(&[("pgsql-status", "STOP"), ("pgsql-clean-shutdown", MARK)]);
    w.outputs.insert("pg_waldump".into(), DUMP.into());
    let a = agent(Action::Promote, &[ON]);
    assert_eq!(run(&mut w, &a).unwrap(), OcfStatus::Success);
    assert_eq!(
        w.runs("pg_waldump"),
        vec!["/usr/bin/pg_waldump --path=/t/data/pg_wal --timeline=1 --start=0/3050BB8 --limit=1"]
    );
    let verdict = attr(&format!(
        "--lifetime=forever --node=node2 --name=pgsql-rejoin-proof --update=received by node1: {MARK}"
    ));
    let runs: Vec<String> = w.events.iter().map(|e| format!("{e:?}")).collect();
    let at = |s: &str| runs.iter().position(|r| r.contains(s)).unwrap();
    assert!(at("pgsql-rejoin-proof") < at(" promote"), "{runs:?}");
    assert!(w.runs("crm_attribute").contains(&verdict));
}

fn former_primary(verdict: &str) -> FakeWorld {
    let mut w = primary_world();
    w.postmaster = None;
    // what the fake's pg_ctl start brings up
    w.in_recovery = true;
    w.sync_names = String::new();
    w.files.insert(lock(), String::new());
    w.files.insert(record(), format!("system=744 {MARK}\n"));
    w.outputs.insert("pg_controldata".into(), CONTROL.into());
    let mine = [
        ("pgsql-clean-shutdown", MARK),
        ("pgsql-rejoin-proof", verdict),
    ];
    w.crm_mon = crm_mon(&[("node1", true, &mine), ("node2", true, &[])], &["node2"]);
    w
}

#[test]
fn start_removes_the_lock_when_the_new_primary_proved_the_prefix() {
    let mut w = former_primary(&format!("received by node2: {MARK}"));
    let a = agent(Action::Start, &[ON]);
    assert_eq!(run(&mut w, &a).unwrap(), OcfStatus::Success);
    assert!(!w.files.contains_key(&lock()) && !w.files.contains_key(&record()));
    assert!(w.runs("pg_ctl")[0].ends_with(" start"));
    for name in ["pgsql-clean-shutdown", "pgsql-rejoin-proof"] {
        assert!(w.runs("crm_attribute").contains(&attr(&format!(
            "--lifetime=forever --node=node1 --name={name} --delete"
        ))));
    }
}

#[test]
fn start_keeps_the_lock_and_says_which_proof_failed() {
    let table = [
        ("not received by node2: no record at 0/3050BB8 on timeline 1",
         "PGSQL.lock kept: node2 was promoted without this node's shutdown checkpoint (no record at 0/3050BB8 on timeline 1); rebuild this node (pg_basebackup) or pg_rewind it, then remove /t/tmp/PGSQL.lock"),
        ("received by node2: tli=1 lsn=0/3000028 xid=0:745 oid=16393", "is not about its shutdown checkpoint"),
    ];
    for (verdict, reason) in table {
        let mut w = former_primary(verdict);
        let a = agent(Action::Start, &[ON]);
        let e = run(&mut w, &a).unwrap_err().to_string();
        assert!(e.contains(reason), "{e}");
        assert!(w.files.contains_key(&lock()));
        assert!(w.runs("pg_ctl").is_empty());
    }
    // without the option: today's refusal, and no pg_controldata
    let mut w = former_primary(&format!("received by node2: {MARK}"));
    let e = run(&mut w, &agent(Action::Start, &[]))
        .unwrap_err()
        .to_string();
    assert!(e.starts_with("My data may be inconsistent."), "{e}");
    assert!(w.runs("pg_controldata").is_empty());
}

#[test]
fn post_promote_notification_rejoins_a_former_primary() {
    let notify = [
        ON,
        ("OCF_RESKEY_CRM_meta_notify_type", "post"),
        ("OCF_RESKEY_CRM_meta_notify_operation", "promote"),
        ("OCF_RESKEY_CRM_meta_notify_promote_uname", "node2"),
    ];
    let mut w = former_primary(&format!("received by node2: {MARK}"));
    assert_eq!(
        run(&mut w, &agent(Action::Notify, &notify)).unwrap(),
        OcfStatus::Success
    );
    assert!(!w.files.contains_key(&lock()));
    assert!(w.runs("pg_ctl")[0].ends_with(" start"));
    assert_eq!(w.postmaster, Some(4242));
    // no proof: the notification succeeds and starts nothing
    let mut w = former_primary("not received by node2: no record");
    assert_eq!(
        run(&mut w, &agent(Action::Notify, &notify)).unwrap(),
        OcfStatus::Success
    );
    assert!(w.files.contains_key(&lock()) && w.runs("pg_ctl").is_empty());
}
