//! Properties of the recovery configuration the agent writes (`pg::conffile`):
//! `conninfo_value` and `Recovery::render` never panic on any value; libpq's conninfo
//! parser (a transcription of `conninfo_parse` in libpq's fe-connect.c, below) reads
//! host, port, user and application_name back from primary_conninfo; and `setting`
//! reads every rendered setting back from the file text.
//! Contract: docs/contract.md §6.

use proptest::prelude::*;

use super::{config, text, text_without, CASES};
use crate::pg::conffile::{conninfo_value, setting, slot_name, Recovery};
use crate::pg::version::PgVersion;

/// C's `isspace` in the C locale, which libpq uses between and inside values.
fn c_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\u{b}' | '\u{c}' | '\r')
}

/// libpq's reading of a `key=value ...` string: the pairs in order, or what is wrong.
fn libpq_parse(s: &str) -> Result<Vec<(String, String)>, String> {
    let mut out = Vec::new();
    let mut cs = s.chars().peekable();
    loop {
        while cs.peek().is_some_and(|c| c_space(*c)) {
            cs.next();
        }
        if cs.peek().is_none() {
            return Ok(out);
        }
        let mut key = String::new();
        while let Some(&c) = cs.peek() {
            if c == '=' || c_space(c) {
                break;
            }
            key.push(c);
            cs.next();
        }
        while cs.peek().is_some_and(|c| c_space(*c)) {
            cs.next();
        }
        if cs.next() != Some('=') {
            return Err(format!("missing \"=\" after {key:?}"));
        }
        while cs.peek().is_some_and(|c| c_space(*c)) {
            cs.next();
        }
        let mut val = String::new();
        if cs.peek() == Some(&'\'') {
            cs.next();
            loop {
                match cs.next() {
                    None => return Err("unterminated quoted string".into()),
                    Some('\\') => {
                        if let Some(c) = cs.next() {
                            val.push(c);
                        }
                    }
                    Some('\'') => break,
                    Some(c) => val.push(c),
                }
            }
        } else {
            while let Some(c) = cs.next() {
                if c_space(c) {
                    break;
                }
                if c == '\\' {
                    if let Some(e) = cs.next() {
                        val.push(e);
                    }
                } else {
                    val.push(c);
                }
            }
        }
        out.push((key, val));
    }
}

/// A libpq value: any string without NUL (a C string cannot hold one).
fn value() -> impl Strategy<Value = String> {
    text_without(20, &['\0'])
}

fn recovery() -> impl Strategy<Value = Recovery> {
    let opt = prop_oneof![
        Just(String::new()),
        Just("  ".to_string()),
        Just("keepalives_idle=60 sslmode=require".to_string()),
        text(20),
    ];
    let cmd = prop_oneof![
        Just(String::new()),
        Just("cp /arch/%f %p".to_string()),
        text(20)
    ];
    (
        (value(), any::<u16>(), value(), value(), opt),
        (cmd.clone(), cmd.clone(), cmd, prop::option::of(value())),
    )
        .prop_map(
            |((master_ip, port, repuser, application_name, conninfo_opt), (r, a, e, slot))| {
                Recovery {
                    master_ip,
                    port,
                    repuser,
                    application_name,
                    conninfo_opt,
                    restore_command: r,
                    archive_cleanup_command: a,
                    recovery_end_command: e,
                    slot_name: slot,
                }
            },
        )
}

fn version() -> impl Strategy<Value = PgVersion> {
    prop_oneof![
        (9u32..=9, 0u32..=6).prop_map(|(a, b)| PgVersion::new(a, b)),
        (10u32..=18).prop_map(|a| PgVersion::new(a, 0)),
    ]
}

fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
    v.iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

proptest! {
    #![proptest_config(config(CASES))]

    #[test]
    fn conninfo_values_read_back_through_libpq(v in value()) {
        let q = conninfo_value(&v);
        prop_assert_eq!(libpq_parse(&format!("k={q}")), Ok(pairs(&[("k", &v)])), "{}", q);
        prop_assert_eq!(libpq_parse(&format!(" a = {q}  b=1 ")), Ok(pairs(&[("a", &v), ("b", "1")])));
    }

    #[test]
    fn conninfo_value_never_panics(v in text(40)) {
        let q = conninfo_value(&v);
        // left bare only when libpq needs no quotes for it
        if q == v {
            prop_assert!(!v.is_empty() && !v.chars().any(|c| c.is_whitespace() || c == '\'' || c == '\\'));
        }
    }

    #[test]
    fn primary_conninfo_reads_back_through_libpq(r in recovery()) {
        let ci = r.primary_conninfo();
        let port = r.port.to_string();
        let want = pairs(&[
            ("host", &r.master_ip),
            ("port", &port),
            ("user", &r.repuser),
            ("application_name", &r.application_name),
        ]);
        let head = format!(
            "host={} port={} user={} application_name={}",
            conninfo_value(&r.master_ip),
            r.port,
            conninfo_value(&r.repuser),
            conninfo_value(&r.application_name)
        );
        prop_assert_eq!(libpq_parse(&head), Ok(want.clone()));
        prop_assert!(ci.starts_with(&head));
        let opt = r.conninfo_opt.trim();
        if opt.is_empty() {
            prop_assert_eq!(&ci, &head);
        } else {
            prop_assert_eq!(ci, format!("{head} {opt}"));
        }
    }

    #[test]
    fn render_reads_back_through_setting(r in recovery(), v in version()) {
        let out = r.render(v);
        prop_assert!(out.starts_with('#'));
        prop_assert_eq!(setting(&out, "primary_conninfo"), Some(r.primary_conninfo()));
        let optional = [
            ("restore_command", &r.restore_command),
            ("archive_cleanup_command", &r.archive_cleanup_command),
            ("recovery_end_command", &r.recovery_end_command),
        ];
        for (k, val) in optional {
            let want = (!val.is_empty()).then(|| val.clone());
            prop_assert_eq!(setting(&out, k), want, "{}", k);
        }
        prop_assert_eq!(setting(&out, "recovery_target_timeline"), Some("latest".to_string()));
        prop_assert_eq!(setting(&out, "primary_slot_name"), r.slot_name.clone());
        let standby_mode = (v < PgVersion::new(12, 0)).then(|| "on".to_string());
        prop_assert_eq!(setting(&out, "standby_mode"), standby_mode);
        // one setting a line, nothing else but the first comment
        let n = out.lines().count();
        let sets = 2 + optional.iter().filter(|(_, v)| !v.is_empty()).count()
            + usize::from(r.slot_name.is_some())
            + usize::from(v < PgVersion::new(12, 0));
        prop_assert_eq!(n, 1 + sets);
    }

    #[test]
    fn slot_names_are_lowercase_and_dotless(p in text(8), node in text(16)) {
        let s = slot_name(&p, &node);
        let tail = &s[p.len() + 1..];
        let head = format!("{p}_");
        prop_assert!(s.starts_with(&head));
        prop_assert!(!tail.contains(['.', '-']));
        prop_assert_eq!(tail, node.to_lowercase().replace(['.', '-'], "_"));
    }
}

#[test]
fn libpq_reference_parser() {
    assert_eq!(
        libpq_parse(r"host=a port = 5 user='x\'y z' o=a\ b"),
        Ok(pairs(&[
            ("host", "a"),
            ("port", "5"),
            ("user", "x'y z"),
            ("o", "a b")
        ]))
    );
    assert!(libpq_parse("host").is_err());
    assert!(libpq_parse("host='a").is_err());
}
