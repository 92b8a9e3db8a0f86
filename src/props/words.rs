//! Properties of `words::split` and `words::sh_quote`, the readers of start_opt and
//! ctl_opt: `split` never panics; any list of words without NUL, each quoted by
//! `sh_quote` and joined by blanks, splits back into the same list; plain words split on
//! any run of blanks; and a split list, quoted and split again, is unchanged.
//! Contract: docs/contract.md §2, §3.1, §8.

use proptest::prelude::*;

use super::{config, lossy_bytes, text, text_without, word_of, CASES};
use crate::words::{sh_quote, split};

/// Blanks as `split` (and a POSIX shell) sees them: space, tab and newline.
fn blanks() -> impl Strategy<Value = String> {
    word_of(&[' ', '\t', '\n'], 3)
}

fn join_quoted(words: &[String], seps: &[String]) -> String {
    let mut s = String::new();
    for (i, w) in words.iter().enumerate() {
        if i > 0 {
            s.push_str(&seps[i % seps.len()]);
        }
        s.push_str(&sh_quote(w));
    }
    s
}

proptest! {
    #![proptest_config(config(CASES))]

    #[test]
    fn quoted_words_split_back(
        words in prop::collection::vec(text_without(12, &['\0']), 0..6),
        seps in prop::collection::vec(blanks(), 1..3),
        lead in blanks(),
    ) {
        let joined = words.iter().map(|w| sh_quote(w)).collect::<Vec<_>>().join(" ");
        prop_assert_eq!(split(&joined), Ok(words.clone()), "{}", joined);
        let spaced = format!("{lead}{}{lead}", join_quoted(&words, &seps));
        prop_assert_eq!(split(&spaced), Ok(words));
    }

    #[test]
    fn plain_words_split_on_blanks(
        words in prop::collection::vec(
            text_without(10, &['\'', '"', '\\']).prop_map(|w| {
                w.chars().filter(|c| !matches!(c, ' ' | '\t' | '\n')).collect::<String>()
            }),
            0..6,
        ),
        seps in prop::collection::vec(blanks(), 1..3),
    ) {
        let words: Vec<String> = words.into_iter().filter(|w| !w.is_empty()).collect();
        let s = words
            .iter()
            .enumerate()
            .map(|(i, w)| format!("{}{w}", seps[i % seps.len()]))
            .collect::<String>();
        prop_assert_eq!(split(&s), Ok(words));
    }

    #[test]
    fn split_never_panics_and_requoting_is_stable(t in text(60), b in lossy_bytes(60)) {
        for input in [&t, &b] {
            if let Ok(words) = split(input) {
                let again = words.iter().map(|w| sh_quote(w)).collect::<Vec<_>>().join(" ");
                prop_assert_eq!(split(&again), Ok(words));
            }
        }
    }

    #[test]
    fn double_quotes_keep_everything_but_four_escapes(w in text_without(16, &['"', '\\', '\0'])) {
        prop_assert_eq!(split(&format!("\"{w}\"")), Ok(vec![w.clone()]));
        prop_assert_eq!(split(&format!("\"\\$\\`\\\"\\\\{w}\\x\"")), Ok(vec![format!("$`\"\\{w}\\x")]));
    }

    #[test]
    fn sh_quote_is_one_single_quoted_word(w in text(20)) {
        let q = sh_quote(&w);
        prop_assert!(q.starts_with('\'') && q.ends_with('\''));
        prop_assert_eq!(q.matches('\'').count(), 2 + 3 * w.matches('\'').count());
    }
}

#[test]
fn only_space_tab_and_newline_separate_words() {
    assert_eq!(split("a\rb"), Ok(vec!["a\rb".to_string()]));
    assert_eq!(split("a\u{a0}b"), Ok(vec!["a\u{a0}b".to_string()]));
}

#[test]
fn backslash_newline_continues_the_line() {
    assert_eq!(split("a\\\nb"), Ok(vec!["ab".to_string()]));
    assert_eq!(split("\"a\\\nb\""), Ok(vec!["ab".to_string()]));
}
