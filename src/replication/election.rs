//! The standby's election (docs/contract.md §5.4): with no primary anywhere, a standby whose data
//! may be the newest publishes its WAL position, notes every node's position in
//! `tmpdir/xlog_note.N`, and after `xlog_check_count` identical samples the node with the
//! highest position claims promotion (score 1000); the others mark themselves DISCONNECT.

use std::collections::BTreeMap;

use super::{Attr, ClusterView, Plan, PROMOTE_ME};
use crate::config::RepMode;

/// How the note files change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notes {
    /// Leave them.
    Keep,
    /// Write sample `index` (a new file).
    Write {
        /// The sample number.
        index: u32,
        /// `node position` lines.
        content: String,
    },
    /// Remove all, then write `xlog_note.0` with `content` (start counting again).
    Reset {
        /// `node position` lines.
        content: String,
    },
    /// Remove all (the election is over).
    RemoveAll,
}

/// What one election round concluded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Own data-status says the data is behind: no claim.
    OutOfDate(String),
    /// Still sampling.
    Sampling,
    /// This node has the newest data and claimed promotion.
    Won,
    /// Another node has newer data.
    Lost,
}

/// Data-status values that leave a standby eligible.
pub fn eligible(mode: RepMode, data_status: Option<&str>) -> bool {
    match data_status {
        None | Some("") | Some("STREAMING|SYNC") | Some("LATEST") => true,
        Some("STREAMING|ASYNC") => mode == RepMode::Async,
        Some(_) => false,
    }
}

/// One election round. `my_loc` is this node's fresh position (16 hex digits), already
/// published through the plan by the caller; `notes` holds the existing note files by
/// index.
pub fn election_round(
    plan: &mut Plan,
    mode: RepMode,
    node_list: &[String],
    my_loc: &str,
    notes: &BTreeMap<u32, String>,
    check_count: u32,
) -> (Verdict, Notes) {
    let me = plan.me.clone();
    let own = plan.view.get(&me, Attr::DataStatus).map(str::to_string);
    if !eligible(mode, own.as_deref()) {
        return (
            Verdict::OutOfDate(format!(
                "my data is out of date (data-status {})",
                own.unwrap_or_default()
            )),
            Notes::Keep,
        );
    }
    plan.set(&me, Attr::XlogLoc, my_loc);
    let old = latest_note(notes, check_count);
    let new = old + 1;
    let content = sample(&plan.view, node_list);
    if notes.get(&old).map(String::as_str) != Some(content.as_str()) {
        return (Verdict::Sampling, Notes::Reset { content });
    }
    if new < check_count {
        return (
            Verdict::Sampling,
            Notes::Write {
                index: new,
                content,
            },
        );
    }
    let newest = content
        .lines()
        .filter_map(|l| l.split_once(' ').map(|(_, loc)| loc))
        .max()
        .unwrap_or_default();
    if newest == my_loc {
        plan.set(&me, Attr::Score, PROMOTE_ME);
        (Verdict::Won, Notes::RemoveAll)
    } else {
        plan.set(&me, Attr::DataStatus, "DISCONNECT");
        (Verdict::Lost, Notes::Reset { content })
    }
}

/// The highest run of consecutive samples 1..=check_count on disk (0 when only
/// `xlog_note.0`, or none, is there): the latest note a round compares with.
fn latest_note(notes: &BTreeMap<u32, String>, check_count: u32) -> u32 {
    let mut old = 0;
    for i in 1..=check_count {
        if notes.contains_key(&i) {
            old = i;
        } else {
            break;
        }
    }
    old
}

/// A round's sample: `<node> <xlog-loc>` for every node of `node_list` that has one, in
/// node_list order (the view holds this node's fresh position by then).
pub fn sample(view: &ClusterView, node_list: &[String]) -> String {
    let mut content = String::new();
    for node in node_list {
        if let Some(loc) = view.get(node, Attr::XlogLoc) {
            content.push_str(&format!("{node} {loc}\n"));
        }
    }
    content
}

/// How many more monitors this node needs before its election decides (wins or loses),
/// by the rule of [`election_round`], when every next round sees `sample` again: the
/// round that equals the latest note of a full run decides; a sample that differs from it
/// first starts the count again.
pub fn rounds_to_decide(sample: &str, notes: &BTreeMap<u32, String>, check_count: u32) -> u32 {
    let old = latest_note(notes, check_count);
    if notes.get(&old).map(String::as_str) == Some(sample) {
        check_count.saturating_sub(old).max(1)
    } else {
        1 + check_count.max(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::replication::testutil::{set, view};

    fn list() -> Vec<String> {
        vec!["n1".into(), "n2".into()]
    }

    /// Runs rounds until a verdict other than Sampling, applying note changes like the
    /// caller does; returns the verdict and the number of rounds.
    fn run(
        my: &str,
        other: &str,
        data: &'static str,
        mode: RepMode,
    ) -> (Verdict, u32, Vec<crate::replication::AttrChange>) {
        let mut notes: BTreeMap<u32, String> = BTreeMap::new();
        for round in 1..=10 {
            let d: Vec<(Attr, &str)> = if data.is_empty() {
                vec![]
            } else {
                vec![(Attr::DataStatus, data)]
            };
            let v = view(
                &[("n1", true, &d), ("n2", true, &[(Attr::XlogLoc, other)])],
                &[],
            );
            let mut plan = Plan::new("n1", v);
            let (verdict, change) = election_round(&mut plan, mode, &list(), my, &notes, 3);
            match change {
                Notes::Keep => {}
                Notes::Write { index, content } => {
                    notes.insert(index, content);
                }
                Notes::Reset { content } => {
                    notes.clear();
                    notes.insert(0, content);
                }
                Notes::RemoveAll => notes.clear(),
            }
            if verdict != Verdict::Sampling {
                return (verdict, round, plan.attr_changes());
            }
        }
        panic!("no verdict in 10 rounds");
    }

    #[test]
    fn newest_wins_after_enough_identical_samples() {
        let (v, rounds, effects) = run(
            "0000000005000060",
            "0000000005000000",
            "STREAMING|SYNC",
            RepMode::Sync,
        );
        assert_eq!(v, Verdict::Won);
        assert_eq!(rounds, 4, "one reset round plus xlog_check_count samples");
        assert!(effects.contains(&set("n1", Attr::Score, "1000")));
        let (v, _, effects) = run("0000000005000000", "0000000005000060", "", RepMode::Sync);
        assert_eq!(v, Verdict::Lost);
        assert!(effects.contains(&set("n1", Attr::DataStatus, "DISCONNECT")));
        // a tie: both may claim; Pacemaker promotes one
        let (v, _, _) = run(
            "0000000005000060",
            "0000000005000060",
            "LATEST",
            RepMode::Sync,
        );
        assert_eq!(v, Verdict::Won);
    }

    #[test]
    fn out_of_date_data_never_claims() {
        let table = [
            (RepMode::Sync, "STREAMING|ASYNC", false),
            (RepMode::Async, "STREAMING|ASYNC", true),
            (RepMode::Sync, "DISCONNECT", false),
            (RepMode::Sync, "STREAMING|POTENTIAL", false),
            (RepMode::Sync, "LATEST", true),
        ];
        for (mode, data, ok) in table {
            let v = view(&[("n1", true, &[(Attr::DataStatus, data)])], &[]);
            let mut plan = Plan::new("n1", v);
            let (verdict, _) = election_round(
                &mut plan,
                mode,
                &list(),
                "0000000005000060",
                &BTreeMap::new(),
                3,
            );
            assert_eq!(
                !matches!(verdict, Verdict::OutOfDate(_)),
                ok,
                "{mode:?} {data}"
            );
        }
    }

    #[test]
    fn rounds_to_decide_predicts_the_rounds_election_round_takes() {
        for check_count in [0, 1, 2, 3, 5] {
            let mut notes: BTreeMap<u32, String> = BTreeMap::new();
            let v = view(
                &[
                    ("n1", true, &[]),
                    ("n2", true, &[(Attr::XlogLoc, "0000000005000000")]),
                ],
                &[],
            );
            let mut mine = v.clone();
            mine.apply(&crate::replication::AttrChange::Set {
                node: "n1".into(),
                attr: Attr::XlogLoc,
                value: "0000000005000060".into(),
            });
            let content = sample(&mine, &list());
            let mut predicted = rounds_to_decide(&content, &notes, check_count);
            for round in 1.. {
                let mut plan = Plan::new("n1", v.clone());
                let (verdict, change) = election_round(
                    &mut plan,
                    RepMode::Sync,
                    &list(),
                    "0000000005000060",
                    &notes,
                    check_count,
                );
                if verdict != Verdict::Sampling {
                    assert_eq!(predicted, 1, "check_count {check_count}, round {round}");
                    break;
                }
                assert!(predicted > 1, "check_count {check_count}, round {round}");
                match change {
                    Notes::Write { index, content } => {
                        notes.insert(index, content);
                    }
                    Notes::Reset { content } => {
                        notes.clear();
                        notes.insert(0, content);
                    }
                    _ => unreachable!(),
                }
                let next = rounds_to_decide(&content, &notes, check_count);
                assert_eq!(
                    next,
                    predicted - 1,
                    "check_count {check_count}, round {round}"
                );
                predicted = next;
            }
        }
    }

    #[test]
    fn a_moving_position_restarts_the_count() {
        let mut notes = BTreeMap::new();
        notes.insert(0, "n1 0000000005000060\nn2 0000000005000000\n".to_string());
        notes.insert(1, "n1 0000000005000060\nn2 0000000005000000\n".to_string());
        let v = view(
            &[
                ("n1", true, &[]),
                ("n2", true, &[(Attr::XlogLoc, "0000000005000010")]),
            ],
            &[],
        );
        let mut plan = Plan::new("n1", v);
        let (verdict, change) = election_round(
            &mut plan,
            RepMode::Sync,
            &list(),
            "0000000005000060",
            &notes,
            3,
        );
        assert_eq!(verdict, Verdict::Sampling);
        assert!(matches!(change, Notes::Reset { .. }));
    }
}
