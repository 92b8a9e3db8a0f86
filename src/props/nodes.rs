//! Properties of `ocf::env::split_nodes`, the reader of node_list,
//! external_standby_node_list and Pacemaker's notify lists: it never panics, and a list
//! of names joined by any blanks splits back into the names, lowercased (names are
//! compared lowercased).
//! Contract: docs/contract.md §1.2, §2.

use proptest::prelude::*;

use super::{config, lossy_bytes, text, word_of, CASES};
use crate::ocf::env::split_nodes;

/// A node name: anything without white space.
fn name() -> impl Strategy<Value = String> {
    text(12).prop_map(|n| {
        let n: String = n.chars().filter(|c| !c.is_whitespace()).collect();
        if n.is_empty() {
            "n".to_string()
        } else {
            n
        }
    })
}

fn blanks() -> impl Strategy<Value = String> {
    word_of(
        &[
            ' ', '\t', '\n', '\r', '\u{85}', '\u{a0}', '\u{2028}', '\u{3000}',
        ],
        3,
    )
}

proptest! {
    #![proptest_config(config(CASES))]

    #[test]
    fn joined_names_split_back_lowercased(
        names in prop::collection::vec(name(), 0..6),
        seps in prop::collection::vec(blanks(), 1..3),
        space_joined in any::<bool>(),
    ) {
        let want: Vec<String> = names.iter().map(|n| n.to_lowercase()).collect();
        prop_assert_eq!(split_nodes(&names.join(" ")), want.clone());
        if space_joined {
            // an empty list as Pacemaker passes it: a single space
            prop_assert_eq!(split_nodes(" "), Vec::<String>::new());
        }
        let mut s = seps[0].clone();
        for (i, n) in names.iter().enumerate() {
            s.push_str(n);
            s.push_str(&seps[i % seps.len()]);
        }
        prop_assert_eq!(split_nodes(&s), want);
    }

    #[test]
    fn arbitrary_text_never_panics(t in text(60), b in lossy_bytes(60)) {
        for input in [&t, &b] {
            let got = split_nodes(input);
            prop_assert_eq!(got.len(), input.split_whitespace().count());
            for n in &got {
                prop_assert!(!n.is_empty());
                prop_assert_eq!(&n.to_lowercase(), n);
            }
            // splitting the joined result again gives it back
            prop_assert_eq!(split_nodes(&got.join(" ")), got);
        }
    }
}
