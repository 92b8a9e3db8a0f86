//! Table tests of the rejoin decisions (docs/contract.md §5.12).

use super::*;
use crate::ocf::{Env, Meta};

fn cfg() -> Config {
    let env = Env::from_pairs([
        ("OCF_RESKEY_pgdata", "/d"),
        ("OCF_RESKEY_tmpdir", "/t"),
        ("OCF_RESKEY_rep_mode", "sync"),
        ("OCF_RESKEY_node_list", "n1 n2"),
        ("OCF_RESKEY_master_ip", "vip"),
        ("OCF_RESKEY_rejoin_after_switchover", "true"),
        ("OCF_RESKEY_CRM_meta_promotable", "true"),
    ]);
    Config::from_env(&env, &Meta::from_env(&env)).expect("valid")
}

fn control(state: &str, lsn: &str) -> ControlData {
    ControlData {
        system_id: "744".into(),
        state: state.into(),
        checkpoint: Lsn::parse(lsn).unwrap(),
        timeline: 1,
        next_xid: "0:745".into(),
        next_oid: "16393".into(),
    }
}

const MARK: &str = "tli=1 lsn=0/3050BB8 xid=0:745 oid=16393";
const RECORD: &str = "system=744 tli=1 lsn=0/3050BB8 xid=0:745 oid=16393\n";

#[test]
fn marks_read_back_exactly() {
    let m = Mark::parse(MARK).unwrap();
    assert_eq!((m.timeline, m.lsn.pg()), (1, "0/3050BB8".to_string()));
    assert_eq!(m.to_string(), MARK);
    for bad in [
        "",
        "tli=1",
        "tli=x lsn=0/1 xid=0:1 oid=1",
        "lsn=0/1 tli=1 xid=0:1 oid=1",
        "tli=1 lsn=0/01 xid=0:1 oid=1",
        "tli=1 lsn=0/1 xid=0:1 oid=1 more",
        "tli=1  lsn=0/1 xid=0:1 oid=1",
    ] {
        assert_eq!(Mark::parse(bad), None, "{bad}");
    }
}

#[test]
fn after_stop_table() {
    let c = cfg();
    let set = format!("n1 clean={MARK}");
    let short = |(effects, line): (Vec<Effect>, String)| {
        let e: Vec<String> = effects.iter().map(super::super::tables::short).collect();
        (e, line)
    };
    // (control data, effects, the log line starts with)
    let rows: Vec<(Result<ControlData, String>, Vec<&str>, &str)> = vec![
        (
            Ok(control("shut down", "0/3050BB8")),
            vec!["tmpdir", "write clean_shutdown", &set],
            "clean shutdown recorded",
        ),
        (
            Ok(control("in production", "0/3050BB8")),
            vec!["rm clean_shutdown", "n1 -clean"],
            "no clean shutdown to record (pg_controldata: in production)",
        ),
        (
            Ok(control("shut down in recovery", "0/3050BB8")),
            vec!["rm clean_shutdown", "n1 -clean"],
            "no clean shutdown to record (pg_controldata: shut down in recovery)",
        ),
        (
            Err("pg_controldata exited 1".into()),
            vec!["rm clean_shutdown", "n1 -clean"],
            "no clean shutdown recorded: pg_controldata exited 1",
        ),
    ];
    let n = rows.len();
    for (ctl, steps, line) in rows {
        let (got, text) = short(after_stop(&c, "n1", &ctl));
        assert_eq!(got, steps, "{ctl:?}");
        assert!(text.starts_with(line), "{text}");
    }
    assert_eq!(n, 4);
    let (effects, _) = after_stop(&c, "n1", &Ok(control("shut down", "0/3050BB8")));
    assert!(effects.contains(&Effect::WriteFile {
        path: "/t/clean_shutdown".into(),
        text: RECORD.into()
    }));
}

fn ckpt(kind: &str, lsn: &str, tli: Option<u32>, xid: &str) -> Result<Option<Checkpoint>, String> {
    Ok(Some(Checkpoint {
        lsn: Lsn::parse(lsn).unwrap(),
        kind: kind.into(),
        timeline: tli,
        next_xid: Some(xid.into()),
        next_oid: Some("16393".into()),
    }))
}

#[test]
fn verdict_table() {
    let m = Mark::parse(MARK).unwrap();
    let rows: Vec<(Result<Option<Checkpoint>, String>, String)> = vec![
        (ckpt("CHECKPOINT_SHUTDOWN", "0/3050BB8", Some(1), "0:745"), format!("received by n2: {MARK}")),
        (ckpt("CHECKPOINT_ONLINE", "0/3050BB8", Some(1), "0:745"),
         "not received by n2: the record at 0/3050BB8 on timeline 1 is CHECKPOINT_ONLINE at 0/3050BB8".into()),
        (ckpt("CHECKPOINT_SHUTDOWN", "0/3050C30", Some(1), "0:745"),
         "not received by n2: the record at 0/3050BB8 on timeline 1 is CHECKPOINT_SHUTDOWN at 0/3050C30".into()),
        (ckpt("CHECKPOINT_SHUTDOWN", "0/3050BB8", Some(1), "0:900"),
         "not received by n2: the shutdown checkpoint at 0/3050BB8 on timeline 1 is another history's (tli Some(1), xid Some(\"0:900\"), oid Some(\"16393\"))".into()),
        (ckpt("CHECKPOINT_SHUTDOWN", "0/3050BB8", Some(2), "0:745"),
         "not received by n2: the shutdown checkpoint at 0/3050BB8 on timeline 1 is another history's (tli Some(2), xid Some(\"0:745\"), oid Some(\"16393\"))".into()),
        (Ok(None), "not received by n2: no record at 0/3050BB8 on timeline 1".into()),
        (Err("pg_waldump: could not find file".into()),
         "not received by n2: no record at 0/3050BB8 on timeline 1 (pg_waldump: could not find file)".into()),
    ];
    let n = rows.len();
    for (found, want) in rows {
        assert_eq!(verdict("n2", &m, &found), want);
    }
    assert_eq!(n, 7);
}

/// (record, control data now, verdict, Ok or Err and a part of the text)
type ProvenRow<'a> = (
    Option<&'a str>,
    Result<ControlData, String>,
    Option<&'a str>,
    Result<&'a str, &'a str>,
);

#[test]
fn proven_table() {
    let clean = Ok(control("shut down", "0/3050BB8"));
    let ok_verdict = format!("received by n2: {MARK}");
    let rows: Vec<ProvenRow> = vec![
        (Some(RECORD), clean.clone(), Some(&ok_verdict), Ok("n2 received this node's shutdown checkpoint (tli=1")),
        (None, clean.clone(), Some(&ok_verdict), Err("no clean shutdown of this node as a primary is recorded")),
        (Some(RECORD), Err("exited 1".into()), Some(&ok_verdict), Err("its control data cannot be read (exited 1)")),
        (Some(RECORD), Ok(control("in production", "0/3050BB8")), Some(&ok_verdict),
         Err("its data changed since the recorded clean shutdown (now in production")),
        (Some(RECORD), Ok(control("shut down", "0/4000028")), Some(&ok_verdict),
         Err("its data changed since the recorded clean shutdown (now shut down, checkpoint 0/4000028")),
        (Some("system=745 tli=1 lsn=0/3050BB8 xid=0:745 oid=16393\n"), clean.clone(), Some(&ok_verdict),
         Err("its data changed")),
        (Some(RECORD), clean.clone(), None, Err("no promoted node checked for its shutdown checkpoint")),
        (Some(RECORD), clean.clone(), Some("not received by n2: no record at 0/3050BB8 on timeline 1"),
         Err("n2 was promoted without this node's shutdown checkpoint (no record at 0/3050BB8 on timeline 1)")),
        (Some(RECORD), clean.clone(), Some("received by n2: tli=1 lsn=0/3000028 xid=0:745 oid=16393"),
         Err("is not about its shutdown checkpoint")),
        (Some(RECORD), clean.clone(), Some("yes"), Err("is not about its shutdown checkpoint")),
    ];
    let n = rows.len();
    for (record, ctl, v, want) in rows {
        match (proven(record, &ctl, v), want) {
            (Ok(why), Ok(part)) => assert!(why.starts_with(part), "{why}"),
            (Err(why), Err(part)) => assert!(why.contains(part), "{why}"),
            (got, want) => panic!("{record:?} {v:?}: {got:?}, want {want:?}"),
        }
    }
    assert_eq!(n, 10);
}
