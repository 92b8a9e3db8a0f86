//! Properties of `pg::facts::parse_facts` and `parse_replication`, the readers of the
//! facts query's answer: they never panic on any result sets (any shape, any text,
//! NULLs anywhere); the answer is an error exactly when the first column of the first
//! row is not `t` or `f`; and a generated answer in the query's shape reads back:
//! recovery flag, the newer position, the receiver, synchronous_standby_names and the
//! replication rows with their case rules.
//! Contract: docs/contract.md §5.3, §5.4, §5.10.

use proptest::prelude::*;

use super::{config, leaf, text, CASES};
use crate::pg::facts::{parse_facts, parse_replication, ReplicationRow};
use crate::pg::lsn::Lsn;

type Sets = Vec<Vec<Vec<Option<String>>>>;

/// One cell: NULL, a value the server sends, or any text but C0 controls (drawn from one
/// number each, see `leaf`).
fn cell() -> impl Strategy<Value = Option<String>> {
    const KNOWN: &[&str] = &[
        "t",
        "f",
        "0",
        "1",
        "0/5000060",
        "FFFFFFFF/FFFFFFFF",
        "1/100000000",
        "",
        "STREAMING",
        "sync",
        "Node2",
    ];
    leaf(KNOWN, 10, 4)
}

fn sets() -> impl Strategy<Value = Sets> {
    let row = prop::collection::vec(cell(), 0..8);
    prop::collection::vec(prop::collection::vec(row, 0..4), 0..4)
}

fn lsn_text() -> impl Strategy<Value = Option<(String, Lsn)>> {
    prop::option::of((any::<u32>(), any::<u32>()).prop_map(|(h, l)| {
        (
            format!("{h:X}/{l:X}"),
            Lsn((u64::from(h) << 32) | u64::from(l)),
        )
    }))
}

proptest! {
    #![proptest_config(config(CASES))]

    #[test]
    fn arbitrary_sets_never_panic(s in sets()) {
        let first = s.first().and_then(|r| r.first()).and_then(|r| r.first()).cloned().flatten();
        let r = parse_facts(&s);
        prop_assert_eq!(r.is_ok(), matches!(first.as_deref(), Some("t" | "f")), "{:?}", r);
        if let Ok(f) = r {
            prop_assert_eq!(f.in_recovery, first.as_deref() == Some("t"));
            prop_assert_eq!(f.replication.len(), s.get(1).map_or(0, Vec::len));
        }
        let rows = parse_replication(&s);
        prop_assert_eq!(rows.len(), s.first().map_or(0, Vec::len));
        for r in rows {
            prop_assert_eq!(r.app.to_lowercase(), r.app.clone());
            prop_assert_eq!(r.state.to_uppercase(), r.state.clone());
            prop_assert_eq!(r.sync.to_uppercase(), r.sync.clone());
        }
    }

    #[test]
    fn generated_answers_read_back(
        rec in any::<bool>(),
        replay in lsn_text(), receive in lsn_text(), current in lsn_text(),
        receivers in prop::option::of(0u32..3),
        names in prop::option::of(text(16)),
        rows in prop::collection::vec((text(8), text(8), text(8)), 0..4),
        second in any::<bool>(),
    ) {
        let first = vec![
            Some(if rec { "t" } else { "f" }.to_string()),
            replay.as_ref().map(|(s, _)| s.clone()),
            receive.as_ref().map(|(s, _)| s.clone()),
            current.as_ref().map(|(s, _)| s.clone()),
            receivers.map(|n| n.to_string()),
            names.clone(),
        ];
        let table: Vec<Vec<Option<String>>> = rows
            .iter()
            .map(|(a, s, y)| vec![Some(a.clone()), Some(s.clone()), Some(y.clone())])
            .collect();
        let mut answer = vec![vec![first]];
        if second {
            answer.push(table);
        }
        let f = parse_facts(&answer).unwrap();
        prop_assert_eq!(f.in_recovery, rec);
        let pos = |o: &Option<(String, Lsn)>| o.as_ref().map(|(_, l)| *l);
        let newer = match (pos(&replay), pos(&receive)) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        prop_assert_eq!(f.location, if rec { newer } else { pos(&current) });
        prop_assert_eq!(f.wal_receiver, receivers.is_some_and(|n| n > 0));
        prop_assert_eq!(f.sync_standby_names, names.unwrap_or_default());
        let want: Vec<ReplicationRow> = if second {
            rows.iter().map(|(a, s, y)| ReplicationRow {
                app: a.to_lowercase(),
                state: s.to_uppercase(),
                sync: y.to_uppercase(),
            }).collect()
        } else {
            Vec::new()
        };
        prop_assert_eq!(f.replication, want);
    }
}
