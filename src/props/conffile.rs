//! Properties of the postgresql.conf reader and writer in `pg::conffile`: `setting`
//! never panics; any value without NUL written by `quote_value` reads back unchanged,
//! also among comments, other settings, in any case and when set twice (the last wins);
//! `with_include` / `without_include` add and remove exactly the agent's include line.
//! Contract: docs/contract.md §6.

use std::path::PathBuf;

use proptest::prelude::*;

use super::{config, lossy_bytes, text, text_without, word_of, CASES};
use crate::pg::conffile::{include_line, quote_value, setting, with_include, without_include};

const NAME_CHARS: &[char] = &['a', 'b', 'z', '_', '0', '9', 'X', 'Q'];

/// A setting name: letters, digits and `_`, starting with a letter.
fn name() -> impl Strategy<Value = String> {
    word_of(NAME_CHARS, 12).prop_map(|n| format!("p{n}"))
}

/// A value PostgreSQL can hold: any string without NUL.
fn value() -> impl Strategy<Value = String> {
    text_without(24, &['\0'])
}

/// A line that is no assignment of any setting name: a comment, a blank line, or an
/// include line.
fn other_line() -> impl Strategy<Value = String> {
    prop_oneof![
        text_without(30, &['\n', '\r']).prop_map(|t| format!("#{t}")),
        text_without(30, &['\n', '\r']).prop_map(|t| format!("  # {t}")),
        Just(String::new()),
        Just("include 'other.conf'".to_string()),
    ]
}

/// A whole file's text: lines of any content, each ended by `\n`.
fn lf_text() -> impl Strategy<Value = String> {
    prop::collection::vec(text_without(20, &['\n', '\r']), 0..6)
        .prop_map(|ls| ls.iter().map(|l| format!("{l}\n")).collect())
}

/// An include file path as the agent builds it (tmpdir from the configuration).
fn path() -> impl Strategy<Value = PathBuf> {
    text_without(20, &['\0']).prop_map(|p| PathBuf::from(format!("/{p}/rep_mode.conf")))
}

/// Whether `text` holds the include line for `file` as `with_include` recognises it.
fn holds(text: &str, file: &std::path::Path) -> bool {
    let line = include_line(file);
    text.lines().any(|l| l.trim_end() == line)
}

proptest! {
    #![proptest_config(config(CASES))]

    #[test]
    fn setting_never_panics(t in text(80), b in lossy_bytes(80), n in text(4)) {
        let _ = setting(&t, &n);
        let _ = setting(&b, &n);
        let _ = setting(&t, "port");
        let _ = setting(&format!("{n} = {t}"), &n);
    }

    #[test]
    fn quoted_values_read_back(v in value()) {
        prop_assert_eq!(setting(&format!("x = {}", quote_value(&v)), "x"), Some(v));
    }

    #[test]
    fn quoted_values_read_back_in_a_file(
        n in name(),
        v in value(),
        before in prop::collection::vec(other_line(), 0..4),
        after in prop::collection::vec(other_line(), 0..4),
        sep in prop::sample::select(vec![" = ", "=", " ", "\t=\t", "  =", " \t "]),
        indent in prop::sample::select(vec!["", "  ", "\t"]),
        comment in text_without(12, &['\n', '\r']),
        upper in any::<bool>(),
        crlf in any::<bool>(),
    ) {
        let written = if upper { n.to_ascii_uppercase() } else { n.clone() };
        let eol = if crlf { "\r\n" } else { "\n" };
        let mut t = String::new();
        for l in &before {
            t.push_str(l);
            t.push_str(eol);
        }
        t.push_str(&format!("{indent}{written}{sep}{}  #{comment}{eol}", quote_value(&v)));
        for l in &after {
            t.push_str(l);
            t.push_str(eol);
        }
        prop_assert_eq!(setting(&t, &n), Some(v), "text {:?}", t);
        // a longer name that starts with this one is another setting
        prop_assert_eq!(setting(&t, &format!("{n}_more")), None);
    }

    #[test]
    fn the_last_assignment_wins(n in name(), v1 in value(), v2 in value()) {
        let t = format!("{n} = {}\n{n} = {}\n", quote_value(&v1), quote_value(&v2));
        prop_assert_eq!(setting(&t, &n), Some(v2.clone()));
        let commented = format!("{n} = {}\n#{n} = {}\n", quote_value(&v1), quote_value(&v2));
        prop_assert_eq!(setting(&commented, &n), Some(v1));
        prop_assert_eq!(setting(&format!("#{n} = {}\n", quote_value(&v2)), &n), None);
    }

    #[test]
    fn bare_values_end_at_a_blank_or_comment(
        n in name(),
        v in text_without(16, &['\'', '#', ' ', '\t', '\n', '\r']),
        tail in text_without(16, &['\n', '\r']),
        stop in prop::sample::select(vec![" ", "\t", "#", " #"]),
    ) {
        // a bare value starts with no blank (they are skipped after `=`)
        let v = format!("v{v}");
        let t = format!("{n} = {v}{stop}{tail}\n");
        prop_assert_eq!(setting(&t, &n), Some(v));
    }

    #[test]
    fn quote_value_is_one_line(v in text(40)) {
        let q = quote_value(&v);
        prop_assert!(!q.contains('\n') && !q.contains('\r'));
        prop_assert!(q.len() >= 2 && q.starts_with('\'') && q.ends_with('\''));
    }

    #[test]
    fn include_then_remove_gives_lf_text_back(t in lf_text(), f in path()) {
        prop_assume!(!holds(&t, &f));
        let added = with_include(&t, &f);
        prop_assert!(added.is_some());
        let added = added.unwrap();
        prop_assert!(holds(&added, &f));
        prop_assert!(added.starts_with(&t));
        prop_assert_eq!(with_include(&added, &f), None);
        prop_assert_eq!(without_include(&added, &f), Some(t));
    }

    #[test]
    fn include_then_remove_relines_any_text(t in text(60), f in path()) {
        prop_assume!(!holds(&t, &f));
        let added = with_include(&t, &f).unwrap();
        prop_assert_eq!(with_include(&added, &f), None);
        let back = if t.is_empty() || t.ends_with('\n') { t.clone() } else { format!("{t}\n") };
        prop_assert_eq!(without_include(&added, &f), Some(back));
        prop_assert_eq!(without_include(&t, &f), None);
    }

    #[test]
    fn remove_drops_every_copy_and_only_those(t in text(60), f in path(), at in any::<usize>()) {
        let line = include_line(&f);
        // the include line put in twice, once with trailing blanks
        let ls: Vec<&str> = t.lines().collect();
        let i = at % (ls.len() + 1);
        let mut with: Vec<String> = ls.iter().map(|l| l.to_string()).collect();
        with.insert(i, format!("{line}  "));
        with.push(line.clone());
        let text = with.join("\n");
        prop_assert_eq!(with_include(&text, &f), None);
        let removed = without_include(&text, &f).unwrap();
        prop_assert!(!holds(&removed, &f));
        let kept: String = text.split_inclusive('\n').filter(|l| l.trim_end() != line).collect();
        prop_assert_eq!(removed, kept);
    }
}

proptest! {
    #![proptest_config(config(CASES))]

    /// The exact round trip on any newline-ended text (CRLF included).
    #[test]
    fn include_then_remove_gives_any_newline_ended_text_back(t in text(60), f in path()) {
        let t = if t.is_empty() || t.ends_with('\n') { t } else { format!("{t}\n") };
        prop_assume!(!holds(&t, &f));
        let added = with_include(&t, &f).unwrap();
        prop_assert_eq!(without_include(&added, &f), Some(t));
    }
}

#[test]
fn crlf_line_ends_are_kept() {
    let f = PathBuf::from("/t/rep_mode.conf");
    let added = with_include("a\r\n", &f).unwrap();
    assert_eq!(without_include(&added, &f).as_deref(), Some("a\r\n"));
}

#[test]
fn postgres_escapes_b_f_and_octal() {
    assert_eq!(
        setting(r"x = 'a\bb\fc\101'", "x").as_deref(),
        Some("a\u{8}b\u{c}cA")
    );
}
