//! Properties of `pg::pgpass::lookup`, the reader of pgdba's `~/.pgpass`: it never
//! panics; an entry whose fields are written with `:` and `\` escaped is found with its
//! password, after comments, blank lines and entries for other users; the first
//! matching line wins and `*` matches any value. Compared with libpq's own reading
//! (`passwordFromFile` in fe-connect.c, transcribed below) it must agree on every line:
//! `reads_like_libpq` and the regression tests of the four cases it once got wrong.
//! Contract: docs/contract.md §4.3, §8.

use proptest::prelude::*;

use super::{config, lossy_bytes, text, text_without, CASES};
use crate::pg::pgpass::lookup;

/// A field's text: anything but a line end (a line holds one entry).
fn field() -> impl Strategy<Value = String> {
    text_without(12, &['\n', '\r', '\u{1}'])
}

/// A host field that does not make its line a comment (`#` first, after blanks).
fn host() -> impl Strategy<Value = String> {
    field().prop_map(|h| {
        if h.trim_start().starts_with('#') {
            format!("h{h}")
        } else {
            h
        }
    })
}

fn escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace(':', "\\:")
}

fn entry(h: &str, p: &str, d: &str, u: &str, pw: &str) -> String {
    [h, p, d, u, pw].map(escape).join(":")
}

/// Lines before the entry that never match it: comments, blank lines, entries for a
/// user name no generated user has.
fn noise() -> impl Strategy<Value = Vec<String>> {
    let line = prop_oneof![
        field().prop_map(|t| format!("#{t}")),
        field().prop_map(|t| format!("  #{t}")),
        Just(String::new()),
        Just("   ".to_string()),
        (field(), field()).prop_map(|(h, pw)| entry(&h, "*", "*", "\u{1}other", &pw)),
    ];
    prop::collection::vec(line, 0..4)
}

proptest! {
    #![proptest_config(config(CASES))]

    #[test]
    fn escaped_entries_are_found(
        h in host(), port in any::<u16>(), d in field(), u in field(), pw in field(),
        before in noise(), after in noise(), crlf in any::<bool>(), star in any::<u8>(),
    ) {
        let eol = if crlf { "\r\n" } else { "\n" };
        let p = port.to_string();
        let pick = |i: u8, v: &str| if star & (1 << i) != 0 { "*".to_string() } else { v.to_string() };
        let line = entry(&pick(0, &h), &pick(1, &p), &pick(2, &d), &pick(3, &u), &pw);
        let mut text = String::new();
        for l in before.iter().chain([&line]).chain(after.iter()) {
            text.push_str(l);
            text.push_str(eol);
        }
        prop_assert_eq!(lookup(&text, &h, port, &d, &u), Some(pw), "{:?}", text);
    }

    #[test]
    fn the_first_match_wins(
        h in host(), port in any::<u16>(), d in field(), u in field(),
        pw1 in field(), pw2 in field(),
    ) {
        let p = port.to_string();
        let text = format!("{}\n{}\n", entry(&h, &p, &d, &u, &pw1), entry("*", "*", "*", "*", &pw2));
        prop_assert_eq!(lookup(&text, &h, port, &d, &u), Some(pw1.clone()));
        // a line for another user (never the pattern `*`) is no match
        let other = format!("{}\n", entry(&h, &p, &d, &format!("{u}\u{1}"), &pw1));
        prop_assert_eq!(lookup(&other, &h, port, &d, &u), None);
    }

    #[test]
    fn arbitrary_text_never_panics(
        t in text(80), b in lossy_bytes(80), h in text(6), port in any::<u16>(), u in text(6),
    ) {
        let _ = lookup(&t, &h, port, "db", &u);
        let _ = lookup(&b, "*", port, "*", "*");
        let _ = lookup(&format!("{t}\n{h}:{port}:db:{u}:{t}"), &h, port, "db", &u);
    }
}

/// libpq's `pwdfMatchesString`: the rest of the line after `field:` when the field at
/// the start of `buf` matches `token` (`*:` matches anything; `\\` escapes the next
/// character, so `\\*` is a literal star).
fn libpq_field<'a>(buf: &'a [char], token: &[char]) -> Option<&'a [char]> {
    let at = |s: &[char], i: usize| s.get(i).copied().unwrap_or('\0');
    if at(buf, 0) == '*' && at(buf, 1) == ':' {
        return Some(&buf[2..]);
    }
    let (mut b, mut t, mut bslash) = (0, 0, false);
    while at(buf, b) != '\0' {
        if at(buf, b) == '\\' && !bslash {
            b += 1;
            bslash = true;
        }
        if at(buf, b) == ':' && at(token, t) == '\0' && !bslash {
            return Some(&buf[b + 1..]);
        }
        bslash = false;
        if at(token, t) == '\0' || at(buf, b) != at(token, t) {
            return None;
        }
        b += 1;
        t += 1;
    }
    None
}

/// libpq's `passwordFromFile` on the file's text: lines starting with `#` skipped, line
/// ends (every trailing CR and LF) stripped, four fields matched, the password
/// de-escaped up to the first unescaped `:`.
fn libpq_lookup(text: &str, host: &str, port: u16, db: &str, user: &str) -> Option<String> {
    let keys: Vec<Vec<char>> = [host, &port.to_string(), db, user]
        .iter()
        .map(|k| k.chars().collect())
        .collect();
    for raw in text.split_inclusive('\n') {
        if raw.starts_with('#') {
            continue;
        }
        let line: Vec<char> = raw.trim_end_matches(['\r', '\n']).chars().collect();
        if line.is_empty() {
            continue;
        }
        let mut rest: &[char] = &line;
        let mut matched = true;
        for k in &keys {
            match libpq_field(rest, k) {
                Some(r) => rest = r,
                None => {
                    matched = false;
                    break;
                }
            }
        }
        if !matched {
            continue;
        }
        let mut pw = String::new();
        let mut i = 0;
        while i < rest.len() && rest[i] != ':' {
            if rest[i] == '\\' && i + 1 < rest.len() {
                i += 1;
            }
            pw.push(rest[i]);
            i += 1;
        }
        return Some(pw);
    }
    None
}

/// Text in .pgpass form over a small alphabet, so that lines and keys often match.
fn pgpass_like() -> impl Strategy<Value = (String, String, u16, String, String)> {
    const LINE: &[char] = &['a', 'b', '1', ':', ':', ':', '\\', '*', '#', ' ', '\r'];
    const KEY: &[char] = &['a', 'b', '*', ':', '#', ' '];
    let line = prop::collection::vec(prop::sample::select(LINE), 0..16).prop_map(String::from_iter);
    let key = prop::collection::vec(prop::sample::select(KEY), 0..3).prop_map(String::from_iter);
    (
        prop::collection::vec(line, 0..4).prop_map(|ls| ls.join("\n")),
        key.clone(),
        prop::sample::select(vec![1u16, 11]),
        key.clone(),
        key,
    )
}

proptest! {
    #![proptest_config(config(CASES))]

    #[test]
    fn reads_like_libpq((text, h, port, d, u) in pgpass_like()) {
        prop_assert_eq!(lookup(&text, &h, port, &d, &u), libpq_lookup(&text, &h, port, &d, &u), "{:?}", text);
    }
}

#[test]
fn libpq_reference_reads_escapes() {
    let text = "# c\nh\\:x:*:d:u:p\\:w\\\\\r\n";
    assert_eq!(
        libpq_lookup(text, "h:x", 5, "d", "u").as_deref(),
        Some("p:w\\")
    );
    assert_eq!(libpq_lookup(text, "h:x", 5, "d", "v"), None);
    assert_eq!(lookup(text, "h:x", 5, "d", "u").as_deref(), Some("p:w\\"));
}

#[test]
fn unescaped_colon_ends_the_password() {
    let text = "h:1:d:u:a:b\n";
    assert_eq!(libpq_lookup(text, "h", 1, "d", "u").as_deref(), Some("a"));
    assert_eq!(lookup(text, "h", 1, "d", "u").as_deref(), Some("a"));
}

#[test]
fn escaped_star_is_a_literal_star() {
    let text = "\\*:1:d:u:pw\n";
    assert_eq!(libpq_lookup(text, "x", 1, "d", "u"), None);
    assert_eq!(lookup(text, "x", 1, "d", "u"), None);
}

#[test]
fn only_a_leading_hash_makes_a_comment() {
    let text = " #h:1:d:u:pw\n";
    assert_eq!(
        libpq_lookup(text, " #h", 1, "d", "u").as_deref(),
        Some("pw")
    );
    assert_eq!(lookup(text, " #h", 1, "d", "u").as_deref(), Some("pw"));
}

#[test]
fn every_trailing_cr_is_stripped() {
    let text = "h:1:d:u:pw\r\r\n";
    assert_eq!(libpq_lookup(text, "h", 1, "d", "u").as_deref(), Some("pw"));
    assert_eq!(lookup(text, "h", 1, "d", "u").as_deref(), Some("pw"));
}
